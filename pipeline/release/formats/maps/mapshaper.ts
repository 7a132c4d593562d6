/**
 * Runs mapshaper (its CLI, as a child process: its memory is its own, and
 * it runs beside the build's other work) on a class's polygons, writing
 * each scale's GeoJSON and TopoJSON (formats/maps.ts says how), then
 * quantizes each TopoJSON on the GeoJSON's grid (grid-topology.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { execa } from 'execa';
import type { Objects, Topology } from 'topojson-specification';
import { GeobundleError } from '../../../../core/errors.ts';
import { childSystemError } from '../../../system-errors.ts';
import {
  MAP_PRECISION,
  MAPSHAPER_DIR,
  SIMPLIFIED_FORMATS,
  SIMPLIFIED_SCALES,
  type SimplifiedFormat,
  type SimplifiedScale,
} from '../maps.ts';
import { quantizeOnGrid } from './grid-topology.ts';

/** Positions in compact GeoJSON text: each is a `[` followed by a number. */
function countPositions(text: string): number {
  return text.match(/\[[-\d]/g)?.length ?? 0;
}

/** Counts the positions of compact GeoJSON text as it streams by, passing the text on unchanged. */
class PositionCounter extends Transform {
  count = 0;
  /** A `[` that ended the previous chunk: its number, if any, starts the next one. */
  private carry = '';

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: (err?: Error | null, data?: Buffer) => void,
  ): void {
    // latin1 keeps one character per byte; brackets, signs and digits are ASCII either way.
    const text = this.carry + chunk.toString('latin1');
    this.count += countPositions(text);
    this.carry = text.endsWith('[') ? '[' : '';
    done(null, chunk);
  }
}

export interface SimplifiedOutput {
  scale: SimplifiedScale;
  format: SimplifiedFormat;
  /** The written file (in `outDir`). */
  file: string;
  /** Positions kept (counted in the scale's GeoJSON output; the TopoJSON has the same vertices, shared ones once). */
  vertexCount: number;
}

const outputFile = (outDir: string, scale: SimplifiedScale, format: SimplifiedFormat) =>
  path.join(outDir, `${scale.name}.${format}`);

/**
 * The mapshaper CLI as the build runs it: Node with room for the lower
 * chambers' topology, and a young generation of 16 MB semi-spaces instead
 * of V8's own, which grows to 64 MB ones on a machine with much memory:
 * 60–100 MB less at its peak and no slower (docs/release-format.md,
 * "Bounded memory").
 */
export const MAPSHAPER_NODE_ARGS = [
  '--max-old-space-size=4096',
  '--max-semi-space-size=16',
  path.join(MAPSHAPER_DIR, 'bin', 'mapshaper'),
];

/**
 * mapshaper dies with the build: util-linux's setpriv asks the kernel to
 * kill it when its parent dies (PR_SET_PDEATHSIG), even by SIGKILL, instead
 * of writing on into a build directory the next build is removing. Where
 * there is no setpriv (not Linux), it runs as it is.
 */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((f) => fs.existsSync(f));
const WITH_PARENT = SETPRIV ? [SETPRIV, '--pdeathsig', 'KILL', process.execPath] : [process.execPath];

/** mapshaper's command line for a class: a plain GeoJSON `input` in, each scale's GeoJSON and TopoJSON in `outDir` out. */
export function mapshaperArgs(
  input: string,
  outDir: string,
  objectName: string,
  scales: readonly SimplifiedScale[] = SIMPLIFIED_SCALES,
): string[] {
  const out = (scale: SimplifiedScale, format: SimplifiedFormat) => outputFile(outDir, scale, format);
  // id-field=id reads each Feature's id into the id property it already equals; without it
  // mapshaper adds the id as a property of its own (FID). allow-empty keeps a feature whose
  // source has no area at all (us-atlas's Falls Church, a line there and back) with a null
  // geometry, as GeoJSON allows, rather than dropping its record: every id stays in the map.
  const args = ['-i', input, `name=${objectName}`, 'id-field=id', 'snap', '-clean', 'allow-empty'];
  // Each scale starts from the arcs the one before left (the snap and the dissolve bake its
  // simplification in), so the scales go finest first; weighted Visvalingam removes points in
  // the same order either way.
  for (const scale of scales) {
    args.push('-explode', '-simplify', `interval=${scale.interval_m}`, 'keep-shapes');
    // Rounded to the files' grid here, on the shared arcs (both sides of a border alike), so that
    // the dissolve rebuilds the rings from the coordinates the files will hold: a narrow tongue
    // rounding folded into a spike is dropped, rings are cut where rounded segments cross
    // (formats/maps.ts). No fix-geometry: it would keep such vertices off the grid instead.
    // Twice: the first dissolve's cuts are new vertices off the grid, and rounding two of them
    // onto one grid point pinches the ring there (Maryland's upper district 7 at 5m), which the
    // second dissolve splits into two polygons touching at that point.
    const dissolve = ['-dissolve', 'id', 'copy-fields=name,state_fips'];
    args.push('-snap', `precision=${MAP_PRECISION}`, ...dissolve, '-snap', `precision=${MAP_PRECISION}`, ...dissolve);
    args.push('-filter-fields', 'id,name,state_fips');
    // fix-geometry: should the second dissolve have cut rounded segments too, rounding its cuts
    // as the files are written could make segments cross; mapshaper then leaves them unrounded.
    const common = ['id-field=id', `precision=${MAP_PRECISION}`, 'fix-geometry'];
    args.push('-o', out(scale, 'geojson'), 'format=geojson', ...common);
    args.push('-o', out(scale, 'topojson'), 'format=topojson', 'no-quantization', ...common);
  }
  return args;
}

/**
 * Simplifies a class: `polygons` (its polygons.geojson as text, or the
 * stored .gz) in, one file per scale and format in `outDir` out. Resolves with the files and the source's
 * vertex count.
 */
export async function simplifyClass(
  polygons: string,
  outDir: string,
  {
    objectName,
    scales = SIMPLIFIED_SCALES,
    signal,
  }: { objectName: string; scales?: readonly SimplifiedScale[]; signal?: AbortSignal },
): Promise<{ outputs: SimplifiedOutput[]; sourceVertexCount: number }> {
  fs.mkdirSync(outDir, { recursive: true });
  const out = (scale: SimplifiedScale, format: SimplifiedFormat) => outputFile(outDir, scale, format);
  // mapshaper reads a plain file with its streaming reader; from a pipe or a .gz it reads
  // everything into memory first (measured on the lower chambers: 2.1 GB and 0.8 GB peak, against 0.6 GB).
  const input = path.join(outDir, 'polygons.geojson');
  const counter = new PositionCounter();
  const gzipped = polygons.endsWith('.gz');
  if (gzipped) await pipeline(fs.createReadStream(polygons), zlib.createGunzip(), counter, fs.createWriteStream(input));
  // The build's own uncompressed text is linked, not copied.
  else fs.linkSync(polygons, input);
  const [command, ...prefix] = WITH_PARENT;
  const subprocess = execa(
    command!,
    [...prefix, ...MAPSHAPER_NODE_ARGS, ...mapshaperArgs(input, outDir, objectName, scales)],
    {
      reject: false,
      all: true,
      // An interrupted build stops mapshaper too (execa kills it, then the caller removes its files).
      ...(signal ? { cancelSignal: signal } : {}),
    },
  );
  // The build's text is counted while mapshaper runs, not before it starts: a count waits for the
  // build's main thread, by then on the next class or the lookup index (cds-2016: mapshaper started 1.0 s later).
  const counted = gzipped
    ? Promise.resolve()
    : pipeline(fs.createReadStream(polygons), counter, new Writable({ write: (_chunk, _encoding, done) => done() }), {
        signal,
      });
  // A count that failed (it names the file) stops mapshaper, whose files would be of no use.
  const countFailure = counted.then(
    () => null,
    (err: unknown) => {
      subprocess.kill();
      return { err };
    },
  );
  const result = await subprocess;
  // force: an interrupted build may have removed the directory already.
  fs.rmSync(input, { force: true });
  const failed = await countFailure;
  signal?.throwIfAborted();
  if (failed) throw failed.err;
  if (result.exitCode !== 0) {
    // A full disk or a permission is the releases directory's, reported by the build's own edge.
    const systemError = childSystemError(String(result.all ?? ''));
    if (systemError) throw systemError;
    const why = String(result.all ?? '')
      .trim()
      .split('\n')
      .slice(-3)
      .join('; ');
    throw new GeobundleError(`simplifying ${polygons} with mapshaper failed (exit ${result.exitCode}): ${why}`);
  }
  for (const scale of scales) {
    const file = out(scale, 'topojson');
    const topology = JSON.parse(fs.readFileSync(file, 'utf8')) as Topology<Objects>;
    fs.writeFileSync(file, JSON.stringify(quantizeOnGrid(topology, Number(MAP_PRECISION))));
  }
  const outputs = scales.flatMap((scale) => {
    const vertexCount = countPositions(fs.readFileSync(out(scale, 'geojson'), 'latin1'));
    return SIMPLIFIED_FORMATS.map((format) => ({ scale, format, file: out(scale, format), vertexCount }));
  });
  return { outputs, sourceVertexCount: counter.count };
}
