import type { DuckDBConnection } from '@duckdb/node-api';
import { censusTable } from '../db.ts';
import type { DataClassName, FeatureId } from '../types.ts';
import type { PartisanLean } from './partisan-lean.ts';
import type { PageFacts } from './summary.ts';

/** A district to refresh: from `polygons`, with the representative's title that `ingest legislators` stored. */
export interface DistrictRow {
  id: FeatureId;
  name: string;
  representative_title: string | null;
}

export async function readDistricts(connection: DuckDBConnection, dataClass: DataClassName): Promise<DistrictRow[]> {
  const reader = await connection.runAndReadAll(
    `SELECT p.id, p.name, w.representative_title
       FROM polygons p LEFT JOIN wikipedia w ON w.data_class = p.data_class AND w.id = p.id
      WHERE p.data_class = $1 ORDER BY p.id`,
    [dataClass],
  );
  return reader.getRowObjectsJS() as unknown as DistrictRow[];
}

export const DEM_SHARE_COLUMN = 'G20PREDBID_pct';
export const REP_SHARE_COLUMN = 'G20PRERTRU_pct';

/**
 * 2020 presidential vote shares per district from the class's census table;
 * `missing` says why there are none (no census ingested, or no vote columns).
 */
export async function readVoteShares(
  connection: DuckDBConnection,
  dataClass: DataClassName,
): Promise<{ shares: Map<FeatureId, { dem: number; rep: number }>; missing?: string }> {
  const table = censusTable(dataClass);
  const columns = (
    await connection.runAndReadAll(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = $1`,
      [table],
    )
  ).getRowsJS().map(([name]) => String(name));
  if (columns.length === 0) return { shares: new Map(), missing: `no table ${table} (run "geobundle ingest census")` };
  const absent = [DEM_SHARE_COLUMN, REP_SHARE_COLUMN].filter((c) => !columns.includes(c));
  if (absent.length > 0) return { shares: new Map(), missing: `${table} has no column ${absent.join(', ')}` };
  const reader = await connection.runAndReadAll(
    `SELECT id, TRY_CAST("${DEM_SHARE_COLUMN}" AS DOUBLE) AS dem, TRY_CAST("${REP_SHARE_COLUMN}" AS DOUBLE) AS rep FROM ${table}`,
  );
  const shares = new Map<FeatureId, { dem: number; rep: number }>();
  for (const row of reader.getRowObjectsJS()) {
    if (typeof row.dem === 'number' && typeof row.rep === 'number') {
      shares.set(String(row.id), { dem: row.dem, rep: row.rep });
    }
  }
  return { shares };
}

/** What the refresh writes for one district; a null part leaves the stored columns as they are. */
export interface MirrorRow {
  id: FeatureId;
  article: PageFacts | null;
  representative: PageFacts | null;
  lean: PartisanLean | null;
}

// Each group of columns is replaced only when its part is present (its fetched_at is set),
// so a district whose fetch failed, or a page never fetched, keeps the good data it has.
// `ingest legislators`' columns (representative, party, representative_title) are never named.
const ARTICLE = ['article_title', 'article_url', 'description', 'extract', 'revision', 'article_timestamp', 'etag'];
const REPRESENTATIVE = ['representative_url', 'representative_description', 'representative_extract', 'representative_etag'];
const keepUnless = (column: string, present: string) =>
  `${column} = CASE WHEN excluded.${present} IS NULL THEN ${column} ELSE excluded.${column} END`;

const UPSERT_SQL = `
INSERT INTO wikipedia (data_class, id, ${ARTICLE.join(', ')}, fetched_at,
                       ${REPRESENTATIVE.join(', ')}, representative_fetched_at, partisan_lean, partisan_lean_label)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CAST($10 AS TIMESTAMPTZ),
        $11, $12, $13, $14, CAST($15 AS TIMESTAMPTZ), $16, $17)
ON CONFLICT (data_class, id) DO UPDATE SET
  ${ARTICLE.map((c) => keepUnless(c, 'fetched_at')).join(',\n  ')},
  fetched_at = COALESCE(excluded.fetched_at, fetched_at),
  ${REPRESENTATIVE.map((c) => keepUnless(c, 'representative_fetched_at')).join(',\n  ')},
  representative_fetched_at = COALESCE(excluded.representative_fetched_at, representative_fetched_at),
  ${keepUnless('partisan_lean', 'partisan_lean')},
  ${keepUnless('partisan_lean_label', 'partisan_lean')}`;

/**
 * Upserts the refresh's columns for every row. Call inside one transaction
 * (`inTransaction`) so the table is never half-written.
 */
export async function writeMirror(
  connection: DuckDBConnection,
  dataClass: DataClassName,
  rows: Iterable<MirrorRow>,
): Promise<number> {
  const statement = await connection.prepare(UPSERT_SQL);
  let written = 0;
  for (const { id, article: a, representative: r, lean } of rows) {
    if (!a && !r && !lean) continue;
    statement.bind([
      dataClass, id,
      a?.title ?? null, a?.url ?? null, a?.description ?? null, a?.extract ?? null,
      a?.revision ?? null, a?.timestamp ?? null, a?.etag ?? null, a?.fetched_at ?? null,
      r?.url ?? null, r?.description ?? null, r?.extract ?? null, r?.etag ?? null, r?.fetched_at ?? null,
      lean?.lean ?? null, lean?.label ?? null,
    ]);
    await statement.run();
    written += 1;
  }
  return written;
}
