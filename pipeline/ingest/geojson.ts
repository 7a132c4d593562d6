import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Geometry } from 'geojson';
import { loadDataClass, type DataClassSpec } from '../data-class.ts';
import { inTransaction } from '../sql.ts';
import { GeobundleError, errorMessage } from '../../core/errors.ts';
import { resolveIdentity } from '../identity.ts';
import { toPosix } from '../paths.ts';
import { silentProgress, type Progress } from '../progress.ts';
import { replaceClassPolygons, type StoreSummary } from './store-polygons.ts';
import { byteOrder } from '../../core/byte-order.ts';
import type { PolygonRecord } from './store-polygons.ts';

export interface GeojsonIngestOptions {
  /** A GeoJSON file, or a directory tree of one-district files (unitedstates/districts layout). */
  input: string;
  dataClass: string;
  /** Overrides the vintage found in properties or the path. */
  vintage?: string;
  progress?: Progress;
  /** Report progress every this many files. */
  progressEvery?: number;
}

export interface GeojsonIngestSummary extends StoreSummary {
  files: number;
  seconds: number;
}

interface SourceFeature {
  properties: Record<string, unknown> | null;
  geometry: unknown;
  /** Where the feature is, for the `source` column and error messages: `file` or `file#<index>`. */
  label: string;
}

const GEOMETRY_TYPES = new Set([
  'Point',
  'MultiPoint',
  'LineString',
  'MultiLineString',
  'Polygon',
  'MultiPolygon',
  'GeometryCollection',
]);

/**
 * The features of one parsed file, whatever its shape: a FeatureCollection, a
 * Feature or a bare geometry; `label` names them in the `source` column, `file` in errors.
 */
function featuresOf(json: unknown, label: string, file: string): SourceFeature[] {
  const obj = json as { type?: unknown; features?: unknown; properties?: unknown; geometry?: unknown } | null;
  const type = obj !== null && typeof obj === 'object' ? obj.type : undefined;
  if (type === 'FeatureCollection') {
    if (!Array.isArray(obj!.features)) throw new GeobundleError(`${file}: FeatureCollection has no "features" array`);
    return obj!.features.map((f: unknown, i: number) => {
      const feature = f as { type?: unknown; properties?: unknown; geometry?: unknown } | null;
      if (feature?.type !== 'Feature')
        throw new GeobundleError(`${file}: feature ${i}: "type" is ${JSON.stringify(feature?.type)}, not "Feature"`);
      return { properties: propertiesOf(feature.properties), geometry: feature.geometry, label: `${label}#${i}` };
    });
  }
  if (type === 'Feature') return [{ properties: propertiesOf(obj!.properties), geometry: obj!.geometry, label }];
  if (typeof type === 'string' && GEOMETRY_TYPES.has(type)) return [{ properties: null, geometry: obj, label }];
  throw new GeobundleError(
    `${file}: not GeoJSON: top-level "type" is ${JSON.stringify(type)}, not a FeatureCollection, Feature or geometry`,
  );
}

function propertiesOf(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/**
 * Every *.geojson file under `dir` whose absolute path matches the class's
 * `files` pattern, depth first in name order so runs and errors are reproducible.
 */
async function* geojsonFiles(dir: string, belongs: RegExp): AsyncGenerator<string> {
  const entries = await fs.promises.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => byteOrder(a.name, b.name));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* geojsonFiles(full, belongs);
    else if (entry.isFile() && entry.name.endsWith('.geojson') && belongs.test(toPosix(path.resolve(full)))) yield full;
  }
}

/** A year directory in the path (cds/2016/IA-3/shape.geojson → 2016). */
function vintageFromPath(file: string): string | null {
  const years = file.split('/').filter((segment) => /^(19|20)\d\d$/.test(segment));
  return years.at(-1) ?? null;
}

function vintageOf(spec: DataClassSpec, properties: Record<string, unknown> | null): string | null {
  for (const name of spec.vintage?.properties ?? []) {
    const value = properties?.[name];
    if (typeof value === 'string' || typeof value === 'number') return String(value);
  }
  return null;
}

/** Sources are recorded relative to the root: the directory given, or the directory of the file given. */
function inputRoot(input: string): { root: string; isDirectory: boolean } {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(input);
  } catch (err) {
    throw new GeobundleError(`cannot read ${input}: ${errorMessage(err)}`, { cause: err });
  }
  return stat.isDirectory() ? { root: input, isDirectory: true } : { root: path.dirname(input), isDirectory: false };
}

/**
 * Reads the input one file at a time (a directory of 676 MB never sits in
 * memory; a single FeatureCollection file is read whole) and turns each
 * feature into a PolygonRecord with the identity its class spec declares.
 */
async function* polygonRecords(
  spec: DataClassSpec,
  input: string,
  options: { vintage?: string; onFile: () => void },
): AsyncGenerator<PolygonRecord> {
  const { root, isDirectory } = inputRoot(input);
  const files = isDirectory ? geojsonFiles(input, new RegExp(spec.files ?? '')) : [input];
  let count = 0;
  for await (const file of files) {
    count += 1;
    const absolute = toPosix(path.resolve(file));
    const relative = toPosix(path.relative(root, file));
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new GeobundleError(`${file}: malformed JSON: ${errorMessage(err)}`, { cause: err });
    }
    for (const feature of featuresOf(json, relative, file)) {
      const resolved = resolveIdentity(spec, { properties: feature.properties, path: absolute });
      if (!resolved.ok)
        throw new GeobundleError(`${path.join(root, feature.label)}: ${spec.class} feature: ${resolved.problem}`);
      const { id, name, stateFips } = resolved.identity;
      yield {
        dataClass: spec.class,
        id,
        name,
        stateFips,
        geometry: feature.geometry as Geometry,
        source: feature.label,
        vintage: options.vintage ?? vintageOf(spec, feature.properties) ?? vintageFromPath(absolute),
      };
    }
    options.onFile();
  }
  if (isDirectory && count === 0) {
    throw new GeobundleError(
      `${input}: no *.geojson file of class ${spec.class} in this directory tree${spec.files ? ` (paths matching ${spec.files})` : ''}`,
    );
  }
}

/**
 * `geobundle ingest geojson`: replaces every polygon of one class with the
 * features of a GeoJSON file or directory tree, in one transaction.
 */
export async function ingestGeojson(
  connection: DuckDBConnection,
  options: GeojsonIngestOptions,
): Promise<GeojsonIngestSummary> {
  const spec = loadDataClass(options.dataClass);
  const { root } = inputRoot(options.input);
  const progress = options.progress ?? silentProgress;
  const every = options.progressEvery ?? 500;
  const started = performance.now();
  let files = 0;
  let features = 0;
  const seconds = () => (performance.now() - started) / 1000;
  const onFile = () => {
    files += 1;
    if (files % every === 0)
      progress.info(`ingest geojson: ${files} files, ${features} ${spec.class} features (${seconds().toFixed(1)} s)`);
  };
  const summary = await inTransaction(connection, () =>
    replaceClassPolygons(
      connection,
      spec.class,
      polygonRecords(spec, options.input, { vintage: options.vintage, onFile }),
      {
        input: options.input,
        onProgress: (n) => {
          features = n;
        },
        where: (r) => path.join(root, r.source),
      },
    ),
  );
  return { ...summary, files, seconds: seconds() };
}
