import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Feature } from 'geojson';
import { withDatabase } from '../../pipeline/db.ts';
import { censusTable } from '../../pipeline/class-tables.ts';
import { ingestUsAtlas } from '../../pipeline/ingest/us-atlas.ts';
import { buildRelease, type BuildSummary } from '../../pipeline/release/build-release.ts';
import { manifestFiles, readManifest } from '../../pipeline/release/store/manifest-file.ts';
import { tempDir } from '../../testkit/temp.ts';
import { insertPolygon } from './database.ts';

export const RELEASE_FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'release');

/** A DuckDB file in a fresh temp dir holding the embedded default (us-atlas states + counties). */
export async function usAtlasDatabase(): Promise<string> {
  const dbPath = path.join(tempDir('usatlas'), 'geobundle.duckdb');
  await withDatabase(dbPath, {}, (db) => ingestUsAtlas(db.connection));
  return dbPath;
}

/**
 * Builds a real release of the embedded default into `releasesDir`, for tests
 * of everything that consumes releases (nginx, API, client, benchmarks).
 */
export async function buildUsAtlasRelease(
  releasesDir: string,
  version: string,
): Promise<BuildSummary & { dbPath: string }> {
  const dbPath = await usAtlasDatabase();
  const summary = await buildRelease({ dbPath, releasesDir, version });
  return { ...summary, dbPath };
}

/**
 * A fresh temp dir with the fixture database (`db.duckdb`) and `releases/`
 * holding a release built from it for each of `versions`.
 */
export async function buildFixtureReleases(
  prefix: string,
  versions: string[],
  builtAt?: Date,
): Promise<{ work: string; dbPath: string; releases: string }> {
  const work = tempDir(prefix);
  const releases = path.join(work, 'releases');
  const dbPath = await createFixtureDatabase(path.join(work, 'db.duckdb'), releaseFixtureSource());
  for (const version of versions) await buildRelease({ dbPath, releasesDir: releases, version, builtAt });
  return { work, dbPath, releases };
}

export interface FixtureSource {
  dataClass: string;
  /** Features with properties id, name, state_fips; geometry stored as given (no ingest checks, so tests can plant bad ones). */
  features: Feature[];
  /** A CSV whose first column is `id`, loaded with DuckDB's sniffer like `ingest census`. */
  censusCsv?: string;
  /** Rows of the wikipedia table (column name → value). */
  wikipedia?: Array<Record<string, string | number | null>>;
}

/** The fixture source in test/fixtures/release/source/ (class congressional_districts). */
export function releaseFixtureSource(): FixtureSource {
  const dir = path.join(RELEASE_FIXTURES, 'source');
  return {
    dataClass: 'congressional_districts',
    features: (JSON.parse(fs.readFileSync(path.join(dir, 'features.geojson'), 'utf8')) as { features: Feature[] })
      .features,
    censusCsv: path.join(dir, 'census.csv'),
    wikipedia: JSON.parse(fs.readFileSync(path.join(dir, 'wikipedia.json'), 'utf8')) as FixtureSource['wikipedia'],
  };
}

/** Writes a DuckDB file with the real schema straight from fixture data. */
export async function createFixtureDatabase(dbPath: string, source: FixtureSource): Promise<string> {
  await withDatabase(dbPath, {}, async ({ connection }) => {
    for (const f of source.features) {
      const p = f.properties as { id: string; name: string; state_fips: string | null };
      await insertPolygon(connection, source.dataClass, {
        id: p.id,
        name: p.name,
        stateFips: p.state_fips,
        geometry: JSON.stringify(f.geometry),
      });
    }
    if (source.censusCsv) {
      await connection.run(
        `CREATE TABLE "${censusTable(source.dataClass)}" AS SELECT * FROM read_csv('${source.censusCsv.replaceAll("'", "''")}', header = true, types = {'id': 'VARCHAR'})`,
      );
    }
    for (const row of source.wikipedia ?? []) {
      const columns = ['data_class', ...Object.keys(row)];
      await connection.run(
        `INSERT INTO wikipedia (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        [source.dataClass, ...Object.values(row)],
      );
    }
  });
  return dbPath;
}

/**
 * Every file under a directory as its sha256 (a symlink as `-> target`),
 * relative paths sorted: equal maps mean byte-identical trees, compared
 * without walking every byte through the matcher.
 */
export function snapshotTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isSymbolicLink()) out.set(path.relative(root, full), `-> ${fs.readlinkSync(full)}`);
      else out.set(path.relative(root, full), crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex'));
    }
  };
  if (fs.existsSync(root)) walk(root);
  return out;
}

/** Names of leftover build directories (`.build-*`) in a releases directory. */
export function buildDirs(releasesDir: string): string[] {
  return fs.existsSync(releasesDir) ? fs.readdirSync(releasesDir).filter((n) => n.startsWith('.build-')) : [];
}

/**
 * The map file a page draws a class from at a scale (`<class>/simplified/20m.topojson`):
 * of GeoJSON and TopoJSON, the one with fewer bytes as .br, as the client chooses.
 */
export function mapFile(releaseDir: string, dataClass: string, scale: '5m' | '20m'): string {
  const entries = manifestFiles(readManifest(releaseDir));
  const [smaller] = ['geojson', 'topojson']
    .map((format) => `${dataClass}/simplified/${scale}.${format}`)
    .map((f) => ({ f, bytes: entries.find((e) => e.path === `${f}.br`)?.bytes ?? Infinity }))
    .sort((a, b) => a.bytes - b.bytes);
  return smaller!.f;
}
