/**
 * Runs mapshaper (its CLI, as a child process: its memory is its own, and
 * it runs beside the build's other work) on a class's polygons, writing
 * each scale's GeoJSON and TopoJSON (formats/maps.ts says how).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { execa } from 'execa';
import { GeobundleError } from '../../../../core/errors.ts';
import { childSystemError } from '../../../system-errors.ts';
import {
  GEOJSON_PRECISION,
  MAPSHAPER_DIR,
  SIMPLIFIED_FORMATS,
  SIMPLIFIED_SCALES,
  type SimplifiedFormat,
  type SimplifiedScale,
  TOPOJSON_QUANTIZATION,
} from '../maps.ts';

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

/** The mapshaper CLI as the build runs it: Node with room for the lower chambers' topology. */
export const MAPSHAPER_NODE_ARGS = ['--max-old-space-size=4096', path.join(MAPSHAPER_DIR, 'bin', 'mapshaper')];

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
  for (const scale of scales) {
    args.push('-explode', '-simplify', `interval=${scale.interval_m}`, 'keep-shapes');
    args.push('-dissolve', 'id', 'copy-fields=name,state_fips', '-filter-fields', 'id,name,state_fips');
    // fix-geometry: rounding to the output's grid can make a ring cross itself where two
    // vertices a metre apart are rounded past each other (the Montana–Wyoming corner of the
    // 119th Congress's shapes at 5m); mapshaper removes what rounding introduced.
    const common = ['id-field=id', 'fix-geometry'];
    args.push('-o', out(scale, 'geojson'), 'format=geojson', `precision=${GEOJSON_PRECISION}`, ...common);
    args.push('-o', out(scale, 'topojson'), 'format=topojson', `quantization=${TOPOJSON_QUANTIZATION}`, ...common);
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
  if (polygons.endsWith('.gz')) {
    await pipeline(fs.createReadStream(polygons), zlib.createGunzip(), counter, fs.createWriteStream(input));
  } else {
    // The build's own uncompressed text: linked, not copied, and only read to count its positions.
    fs.linkSync(polygons, input);
    await pipeline(fs.createReadStream(input), counter, new Writable({ write: (_chunk, _encoding, done) => done() }));
  }
  const args = mapshaperArgs(input, outDir, objectName, scales);
  const [command, ...prefix] = WITH_PARENT;
  const result = await execa(command!, [...prefix, ...MAPSHAPER_NODE_ARGS, ...args], {
    reject: false,
    all: true,
    // An interrupted build stops mapshaper too (execa kills it, then the caller removes its files).
    ...(signal ? { cancelSignal: signal } : {}),
  });
  fs.rmSync(input);
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
  const outputs = scales.flatMap((scale) => {
    const vertexCount = countPositions(fs.readFileSync(out(scale, 'geojson'), 'latin1'));
    return SIMPLIFIED_FORMATS.map((format) => ({ scale, format, file: out(scale, format), vertexCount }));
  });
  return { outputs, sourceVertexCount: counter.count };
}
