import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withDatabase } from '../../pipeline/db.ts';
import { ingestUsAtlas } from '../../pipeline/ingest/us-atlas.ts';
import { buildRelease, type BuildSummary } from '../../pipeline/release/build-release.ts';

/** A DuckDB file in a fresh temp dir holding the embedded default (us-atlas states + counties). */
export async function usAtlasDatabase(): Promise<string> {
  const dbPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'geobundle-usatlas-')), 'geobundle.duckdb');
  await withDatabase(dbPath, {}, (db) => ingestUsAtlas(db.connection));
  return dbPath;
}

/**
 * Builds a real release of the embedded default into `releasesDir`, for tests
 * of everything that consumes releases (nginx, API, client, benchmarks).
 */
export async function buildUsAtlasRelease(releasesDir: string, version: string): Promise<BuildSummary & { dbPath: string }> {
  const dbPath = await usAtlasDatabase();
  const summary = await buildRelease({ dbPath, releasesDir, version });
  return { ...summary, dbPath };
}
