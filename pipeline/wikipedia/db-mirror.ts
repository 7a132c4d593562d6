import type { DuckDBConnection } from '@duckdb/node-api';
import { censusTable, classesWithTables, polygonsTable } from '../class-tables.ts';
import type { DataClassName, FeatureId } from '../../core/types.ts';
import { DEM_SHARE_COLUMN, REP_SHARE_COLUMN, type PartisanLean } from './partisan-lean.ts';
import type { PageFacts } from './summary.ts';

/** A district to refresh: from `polygons_<class>`, with the representative's title that `ingest legislators` stored. */
export interface DistrictRow {
  id: FeatureId;
  name: string;
  representative_title: string | null;
}

export async function readDistricts(connection: DuckDBConnection, dataClass: DataClassName): Promise<DistrictRow[]> {
  if (!(await classesWithTables(connection)).includes(dataClass)) return [];
  const reader = await connection.runAndReadAll(
    `SELECT p.id, p.name, w.representative_title
       FROM ${polygonsTable(dataClass)} p LEFT JOIN wikipedia w ON w.data_class = $1 AND w.id = p.id
      ORDER BY p.id`,
    [dataClass],
  );
  return reader.getRowObjectsJS() as unknown as DistrictRow[];
}

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
  )
    .getRowsJS()
    .map(([name]) => String(name));
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
  /** The legislators data no longer names the person whose article facts are stored: clear them. */
  retireRepresentative: boolean;
}

// Each group of columns is replaced only when its part is present (its fetched_at is set),
// so a district whose fetch failed, or a page never fetched, keeps the good data it has.
// `ingest legislators`' columns (representative, party, representative_title) are never named.
const ARTICLE = ['article_title', 'article_url', 'description', 'extract', 'revision', 'article_timestamp', 'etag'];
const REPRESENTATIVE = [
  'representative_url',
  'representative_description',
  'representative_extract',
  'representative_etag',
];
const STAGED = 'wikipedia_refresh_staged';

const keepUnless = (column: string, present: string) =>
  `${column} = CASE WHEN excluded.${present} IS NULL THEN ${column} ELSE excluded.${column} END`;

const UPSERT_SQL = `
INSERT INTO wikipedia (data_class, id, ${ARTICLE.join(', ')}, fetched_at,
                       ${REPRESENTATIVE.join(', ')}, representative_fetched_at, partisan_lean, partisan_lean_label)
SELECT $1, id, ${ARTICLE.join(', ')}, CAST(fetched_at AS TIMESTAMPTZ),
       ${REPRESENTATIVE.join(', ')}, CAST(representative_fetched_at AS TIMESTAMPTZ), partisan_lean, partisan_lean_label
  FROM ${STAGED} s
ON CONFLICT (data_class, id) DO UPDATE SET
  ${ARTICLE.map((c) => keepUnless(c, 'fetched_at')).join(',\n  ')},
  fetched_at = COALESCE(excluded.fetched_at, fetched_at),
  ${REPRESENTATIVE.map((c) => keepUnless(c, 'representative_fetched_at')).join(',\n  ')},
  representative_fetched_at = COALESCE(excluded.representative_fetched_at, representative_fetched_at),
  ${keepUnless('partisan_lean', 'partisan_lean')},
  ${keepUnless('partisan_lean_label', 'partisan_lean')}`;

/**
 * Upserts the refresh's columns for every row in one statement (rows staged
 * through an appender: one statement per row took seconds). Call inside one
 * transaction (`inTransaction`) so the table is never half-written.
 */
export async function writeMirror(
  connection: DuckDBConnection,
  dataClass: DataClassName,
  rows: Iterable<MirrorRow>,
): Promise<number> {
  const text = [...ARTICLE, 'fetched_at', ...REPRESENTATIVE, 'representative_fetched_at'];
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${STAGED} (id VARCHAR PRIMARY KEY, ${text.map((c) => `${c} VARCHAR`).join(', ')},
       partisan_lean DOUBLE, partisan_lean_label VARCHAR, retire_representative BOOLEAN)`,
  );
  const appender = await connection.createAppender(STAGED, 'main', 'temp');
  const appendText = (value: string | null | undefined) =>
    value == null ? appender.appendNull() : appender.appendVarchar(value);
  let staged = 0;
  for (const { id, article: a, representative: r, lean, retireRepresentative } of rows) {
    if (!a && !r && !lean && !retireRepresentative) continue;
    appender.appendVarchar(id);
    for (const value of [
      a?.title,
      a?.url,
      a?.description,
      a?.extract,
      a?.revision,
      a?.timestamp,
      a?.etag,
      a?.fetched_at,
    ])
      appendText(value);
    for (const value of [r?.url, r?.description, r?.extract, r?.etag, r?.fetched_at]) appendText(value);
    if (lean) appender.appendDouble(lean.lean);
    else appender.appendNull();
    appendText(lean?.label);
    appender.appendBoolean(retireRepresentative);
    appender.endRow();
    staged += 1;
  }
  appender.closeSync();
  await connection.run(
    `UPDATE wikipedia SET ${[...REPRESENTATIVE, 'representative_fetched_at'].map((c) => `${c} = NULL`).join(', ')}
       FROM ${STAGED} s WHERE wikipedia.data_class = $1 AND wikipedia.id = s.id AND s.retire_representative`,
    [dataClass],
  );
  await connection.run(UPSERT_SQL, [dataClass]);
  await connection.run(`DROP TABLE ${STAGED}`);
  return staged;
}
