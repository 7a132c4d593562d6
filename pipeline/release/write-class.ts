import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { GeobundleError } from '../../core/errors.ts';
import type { Progress } from '../progress.ts';
import type { DataClassName, StateFips } from '../../core/types.ts';
import { BundleFileWriter, type BundleFileResult, type BundleShape } from './bundle-file.ts';
import { EXTENSION } from './compress.ts';
import { readClassRows, type ClassPlan, type SourceFingerprint } from './source.ts';
import { serializeFeature } from './feature.ts';
import { formatBytes } from './format-bytes.ts';
import { byteOrder } from '../../core/byte-order.ts';
import type { ClassManifest, FileKind, ManifestFile } from '../../core/manifest.ts';

/**
 * Writes the bundles of one class into `<buildDir>/<class>/` in a single pass
 * over its rows: all, polygons, census and wikipedia stay open for the whole
 * pass; a state's file is opened at its first feature and closed as soon as
 * its last one (known from the plan) is written, so only a few state files
 * are open at once (ids group by state in every class scheme).
 */

interface OpenFile {
  kind: FileKind;
  shape: BundleShape;
  stateFips?: StateFips;
  base: string;
  writer: BundleFileWriter;
}

const MEDIA_TYPE: Record<BundleShape, string> = {
  'feature-collection': 'application/geo+json',
  'keyed-object': 'application/json',
};

function fileName(kind: FileKind, stateFips?: StateFips): string {
  switch (kind) {
    case 'all':
    case 'polygons':
      return `${kind}.geojson`;
    case 'census':
    case 'wikipedia':
      return `${kind}.json`;
    case 'by_state':
      return `by_state/${stateFips}.geojson`;
  }
}

function manifestEntries(
  relBase: string,
  kind: FileKind,
  shape: BundleShape,
  result: BundleFileResult,
  stateFips?: StateFips,
): ManifestFile[] {
  return result.files.map((f) => ({
    path: `${relBase}${EXTENSION[f.encoding]}`,
    kind,
    ...(stateFips === undefined ? {} : { state_fips: stateFips }),
    media_type: MEDIA_TYPE[shape],
    encoding: f.encoding,
    compression_level: f.compression_level,
    bytes: f.bytes,
    sha256: f.sha256,
    uncompressed_bytes: result.uncompressed_bytes,
    uncompressed_sha256: result.uncompressed_sha256,
    feature_count: result.feature_count,
    bbox: result.bbox,
  }));
}

export interface WriteClassOptions {
  connection: DuckDBConnection;
  plan: ClassPlan;
  buildDir: string;
  precision: number;
  fingerprint: SourceFingerprint;
  progress: Progress;
  signal?: AbortSignal;
}

export async function writeClass({
  connection,
  plan,
  buildDir,
  precision,
  fingerprint,
  progress,
  signal,
}: WriteClassOptions): Promise<ClassManifest> {
  const dataClass: DataClassName = plan.dataClass;
  const classDir = path.join(buildDir, dataClass);
  fs.mkdirSync(path.join(classDir, 'by_state'), { recursive: true });
  const entries: ManifestFile[] = [];
  const open = new Set<OpenFile>();

  const openFile = (kind: FileKind, shape: BundleShape, estimatedBytes: number, stateFips?: StateFips): OpenFile => {
    const name = fileName(kind, stateFips);
    const file: OpenFile = {
      kind,
      shape,
      stateFips,
      base: name,
      writer: new BundleFileWriter(path.join(classDir, name), shape, estimatedBytes),
    };
    open.add(file);
    return file;
  };
  const closeFile = async (file: OpenFile): Promise<void> => {
    open.delete(file);
    const result = await file.writer.end();
    entries.push(...manifestEntries(`${dataClass}/${file.base}`, file.kind, file.shape, result, file.stateFips));
    const br = result.files.find((f) => f.encoding === 'br')!;
    const gz = result.files.find((f) => f.encoding === 'gzip')!;
    progress.info(
      `  ${dataClass}/${file.base}: ${result.feature_count} entries, ${formatBytes(result.uncompressed_bytes)} → gz ${formatBytes(gz.bytes)}, br ${formatBytes(br.bytes)}`,
    );
  };

  try {
    const all = openFile('all', 'feature-collection', plan.geometryBytes);
    const polygons = openFile('polygons', 'feature-collection', plan.geometryBytes);
    const census = openFile('census', 'keyed-object', plan.censusBytes);
    const wikipedia = openFile('wikipedia', 'keyed-object', plan.wikipediaBytes);
    const states = new Map<StateFips, OpenFile>();
    progress.info(
      `${dataClass}: ${plan.features.length} features, ${formatBytes(plan.geometryBytes)} of source geometry`,
    );

    let done = 0;
    let lastReport = Date.now();
    for await (const row of readClassRows(connection, plan)) {
      signal?.throwIfAborted();
      fingerprint.add(row.id, row.name, row.stateFips, row.geometry, row.census, row.wikipedia);
      const feature = serializeFeature(dataClass, row, precision);
      const writes = [all.writer.add(feature.full, feature.bbox), polygons.writer.add(feature.polygon, feature.bbox)];
      if (feature.censusMember) writes.push(census.writer.add(feature.censusMember));
      if (feature.wikipediaMember) writes.push(wikipedia.writer.add(feature.wikipediaMember));
      let state: OpenFile | undefined;
      if (feature.stateFips !== null) {
        // The code becomes a file name: anything but two digits is refused before it reaches the file system.
        if (!/^\d{2}$/.test(feature.stateFips)) {
          throw new GeobundleError(
            `${dataClass} feature "${feature.id}": state_fips ${JSON.stringify(feature.stateFips)} is not a two-digit FIPS code`,
          );
        }
        state = states.get(feature.stateFips);
        if (!state) {
          state = openFile(
            'by_state',
            'feature-collection',
            plan.stateGeometryBytes.get(feature.stateFips) ?? 0,
            feature.stateFips,
          );
          states.set(feature.stateFips, state);
        }
        writes.push(state.writer.add(feature.full, feature.bbox));
      }
      await Promise.all(writes);
      if (state && state.writer.featureCount === plan.stateFeatureCounts.get(feature.stateFips!)) {
        await closeFile(state);
      }
      done += 1;
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        progress.info(`  ${dataClass}: ${done}/${plan.features.length} features`);
      }
    }
    await Promise.all([all, polygons, census, wikipedia].map(closeFile));
    if (done !== plan.features.length || open.size > 0) {
      throw new GeobundleError(
        `${dataClass}: read ${done} features but planned ${plan.features.length}; did the database change during the build?`,
      );
    }
  } catch (err) {
    for (const f of open) f.writer.abort();
    throw err;
  }

  entries.sort((a, b) => byteOrder(a.path, b.path));
  const allEntry = entries.find((e) => e.kind === 'all')!;
  return {
    feature_count: allEntry.feature_count,
    bbox: allEntry.bbox,
    files: entries,
  };
}
