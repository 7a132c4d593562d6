import { execa } from 'execa';

/** Why GDAL tests skip, or null when GDAL's command-line tools are installed. */
export async function gdalMissingReason(): Promise<string | null> {
  const found = await execa('ogrinfo', ['--version'], { reject: false });
  return found.exitCode === 0
    ? null
    : 'GDAL is not installed (Debian gdal-bin; scripts/install-system-deps.sh test installs it; CI runs it via make test)';
}

/** Runs ogrinfo read-only; resolves with its exit code and output (both streams), never throwing on failure. */
export async function ogrinfo(...args: string[]): Promise<{ exitCode: number; output: string }> {
  const result = await execa('ogrinfo', ['-ro', ...args], { reject: false, all: true, timeout: 120_000 });
  return { exitCode: result.exitCode ?? -1, output: String(result.all ?? '') };
}

/** A layer's features as GeoJSON, converted by GDAL's ogr2ogr (what a GIS reads from the source). */
export async function ogrToGeoJson(source: string): Promise<{ features: any[] }> {
  const result = await execa('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', source], { timeout: 120_000 });
  return JSON.parse(result.stdout);
}
