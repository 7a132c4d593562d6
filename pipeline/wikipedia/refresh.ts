import fs from 'node:fs';
import { GeobundleError, errorMessage } from '../../core/errors.ts';
import { withDatabase } from '../db.ts';
import { inTransaction } from '../sql.ts';
import { loadDataClass } from '../data-class.ts';
import { silentProgress, type Progress } from '../progress.ts';
import type { DataClassName, FeatureId } from '../../core/types.ts';
import { readCacheEntry, writeCacheEntry, type CacheEntry } from './cache.ts';
import { readDistricts, readVoteShares, writeMirror, type DistrictRow, type MirrorRow } from './db-mirror.ts';
import { DEFAULT_CLIENT_OPTIONS, defaultUserAgent, type ClientOptions } from './client-options.ts';
import { createSummaryClient, type SummaryClient } from './http-client.ts';
import { LEAN_ELECTION, partisanLean } from './partisan-lean.ts';
import type { PageFacts } from './summary.ts';
import { districtArticleTitle } from './titles.ts';

export const DEFAULT_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export interface RefreshOptions {
  dbPath: string;
  cacheDir: string;
  dataClass: DataClassName;
  /** Pages fetched longer ago than this are refreshed; younger ones are skipped. */
  maxAgeMs?: number;
  /** Refresh every page whatever its age (still conditional on its ETag). */
  force?: boolean;
  /** Refresh only these district ids. */
  only?: FeatureId[];
  client?: Partial<ClientOptions>;
  progress?: Progress;
}

type PageKind = 'article' | 'representative';

export interface PageFailure {
  id: FeatureId;
  page: PageKind;
  title: string;
  error: string;
}

export interface RefreshSummary {
  data_class: DataClassName;
  districts: number;
  pages: { fetched: number; not_modified: number; failed: number; skipped: number };
  /** Districts with no representative's title from `ingest legislators` (vacant seat or not ingested). */
  without_representative_title: number;
  /** Districts whose stored representative article was for someone the legislators data no longer names. */
  representatives_retired: number;
  requests: number;
  partisan_lean: { election: string; computed: number; missing: number; note?: string };
  db_rows_written: number;
  failures: PageFailure[];
  seconds: number;
}

interface PageTask {
  entry: CacheEntry;
  kind: PageKind;
  title: string;
  etag: string | null;
}

/** A page needs fetching when it is missing, stale, forced, or was fetched for another title (a new representative). */
function needsFetch(page: PageFacts | null, title: string, opts: { force: boolean; maxAgeMs: number; now: number }) {
  if (!page || page.requested_title !== title || opts.force) return true;
  const fetchedAt = Date.parse(page.fetched_at);
  return !(opts.now - fetchedAt < opts.maxAgeMs);
}

function planTasks(
  districts: DistrictRow[],
  entries: Map<FeatureId, CacheEntry>,
  opts: { force: boolean; maxAgeMs: number; now: number; only: Set<FeatureId> | null },
): { tasks: PageTask[]; skipped: number } {
  const tasks: PageTask[] = [];
  let skipped = 0;
  for (const district of districts) {
    if (opts.only && !opts.only.has(district.id)) continue;
    const entry = entries.get(district.id)!;
    const wanted: Array<[PageKind, string | null]> = [
      ['article', districtArticleTitle(district.id)],
      ['representative', district.representative_title],
    ];
    for (const [kind, title] of wanted) {
      if (!title) continue;
      const page = entry[kind];
      if (!needsFetch(page, title, opts)) {
        skipped += 1;
        continue;
      }
      // An ETag validates only the page it came from: a new title is fetched unconditionally.
      tasks.push({ entry, kind, title, etag: page?.requested_title === title ? page.etag : null });
    }
  }
  return { tasks, skipped };
}

function onlySet(
  only: FeatureId[] | undefined,
  districts: DistrictRow[],
  dataClass: DataClassName,
): Set<FeatureId> | null {
  if (!only || only.length === 0) return null;
  const known = new Set(districts.map((d) => d.id));
  const unknown = only.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new GeobundleError(
      `--only: no ${dataClass} district with id ${unknown.map((id) => `"${id}"`).join(', ')} in the database`,
    );
  }
  return new Set(only);
}

/**
 * Runs every page task through the client. Each good answer goes into its
 * district's cache entry and the file is rewritten at once, so an
 * interrupted run keeps what it got; a failure leaves the entry as it was.
 */
async function fetchPages(
  tasks: PageTask[],
  client: SummaryClient,
  { cacheDir, progress, started }: { cacheDir: string; progress: Progress; started: number },
): Promise<{ pages: RefreshSummary['pages']; failures: PageFailure[] }> {
  const pages = { fetched: 0, not_modified: 0, failed: 0, skipped: 0 };
  const failures: PageFailure[] = [];
  let done = 0;
  let lastReport = Date.now();
  await Promise.all(
    tasks.map(async ({ entry, kind, title, etag }) => {
      const outcome = await client.fetchSummary(title, etag);
      const cached = entry[kind];
      if (outcome.kind === 'fetched') {
        entry[kind] = outcome.page;
        pages.fetched += 1;
      } else if (outcome.kind === 'not-modified' && cached) {
        entry[kind] = { ...cached, etag: outcome.etag, fetched_at: new Date().toISOString() };
        pages.not_modified += 1;
      } else {
        const error = outcome.kind === 'failed' ? outcome.error : 'HTTP 304 for a page not in the cache';
        failures.push({ id: entry.id, page: kind, title, error });
        pages.failed += 1;
        progress.info(`  failed: ${entry.id} ${kind} "${title}": ${error}; keeping the last good data`);
      }
      if (entry[kind] !== cached) writeCacheEntry(cacheDir, entry);
      done += 1;
      if (done === tasks.length || Date.now() - lastReport >= 2000) {
        lastReport = Date.now();
        progress.info(
          `  [${done}/${tasks.length}] ${pages.fetched} fetched, ${pages.not_modified} not modified, ${pages.failed} failed` +
            ` (${Math.round((Date.now() - started) / 1000)} s)`,
        );
      }
    }),
  );
  failures.sort((a, b) => a.id.localeCompare(b.id) || a.page.localeCompare(b.page));
  return { pages, failures };
}

/**
 * Refreshes the Wikipedia facts of every district of a class: fetches the
 * district's and its representative's article summaries that are missing or
 * stale, keeps each good result in the file cache as soon as it arrives, then
 * mirrors the cache and the partisan lean into DuckDB in one transaction.
 * A failed page keeps its last good data everywhere; the DuckDB file is
 * opened only briefly at the start and the end, so builds are not locked out
 * while pages download.
 */
export async function refreshWikipedia(options: RefreshOptions): Promise<RefreshSummary> {
  const started = Date.now();
  const progress = options.progress ?? silentProgress;
  const { dataClass, cacheDir, dbPath } = options;
  const spec = loadDataClass(dataClass);
  if (spec.id.scheme !== 'cd-geoid') {
    throw new GeobundleError(
      `refresh-wikipedia derives article titles from congressional district GEOIDs; class "${dataClass}" has ${spec.id.scheme} ids`,
    );
  }
  if (!fs.existsSync(dbPath)) {
    throw new GeobundleError(
      `database ${dbPath} does not exist: run "geobundle ingest geojson … --class ${dataClass}" first (or pass --db)`,
    );
  }

  const { districts, votes } = await withDatabase(dbPath, { progress }, async (db) => ({
    districts: await readDistricts(db.connection, dataClass),
    votes: await readVoteShares(db.connection, dataClass),
  }));
  if (districts.length === 0) {
    throw new GeobundleError(
      `no ${dataClass} districts in ${dbPath}: run "geobundle ingest geojson … --class ${dataClass}" first`,
    );
  }
  const only = onlySet(options.only, districts, dataClass);

  const entries = new Map<FeatureId, CacheEntry>();
  for (const d of districts) {
    entries.set(
      d.id,
      readCacheEntry(cacheDir, dataClass, d.id, progress.info) ?? {
        data_class: dataClass,
        id: d.id,
        article: null,
        representative: null,
      },
    );
  }
  const { tasks, skipped } = planTasks(districts, entries, {
    force: options.force ?? false,
    maxAgeMs: options.maxAgeMs ?? DEFAULT_MAX_AGE_MS,
    now: Date.now(),
    only,
  });
  const withoutRepresentative = districts.filter((d) => (!only || only.has(d.id)) && !d.representative_title).length;
  progress.info(
    `refresh-wikipedia: ${districts.length} ${dataClass} districts, ${tasks.length} pages to fetch, ${skipped} still fresh` +
      (withoutRepresentative ? `, ${withoutRepresentative} without a representative's title` : ''),
  );

  const client = createSummaryClient({
    ...DEFAULT_CLIENT_OPTIONS,
    userAgent: defaultUserAgent(),
    ...options.client,
  });
  const { pages, failures } = await fetchPages(tasks, client, { cacheDir, progress, started });
  pages.skipped = skipped;

  const rows: MirrorRow[] = districts.map((d) => {
    const entry = entries.get(d.id)!;
    const share = votes.shares.get(d.id);
    // A failing Wikipedia never removes facts, but a new member or a vacant seat in the legislators
    // data does retire the former member's article: it no longer describes this district.
    const retireRepresentative =
      entry.representative !== null && entry.representative.requested_title !== d.representative_title;
    if (retireRepresentative) {
      progress.info(
        `  ${d.id}: the legislators data no longer names "${entry.representative!.requested_title}"; removing their article facts`,
      );
    }
    return {
      id: d.id,
      article: entry.article,
      representative: retireRepresentative ? null : entry.representative,
      lean: share ? partisanLean(share.dem, share.rep) : null,
      retireRepresentative,
    };
  });
  const computed = rows.filter((r) => r.lean).length;
  let written: number;
  try {
    written = await withDatabase(dbPath, { progress }, (db) =>
      inTransaction(db.connection, () => writeMirror(db.connection, dataClass, rows)),
    );
  } catch (err) {
    throw new GeobundleError(
      `cannot write the Wikipedia facts into ${dbPath} (${errorMessage(err)}); the fetched pages are kept in ${cacheDir} ` +
        'and the next refresh mirrors them',
      { cause: err },
    );
  }
  // Only now, so a failed database write leaves the retirement to be redone by the next run.
  for (const row of rows.filter((r) => r.retireRepresentative)) {
    writeCacheEntry(cacheDir, { ...entries.get(row.id)!, representative: null });
  }

  return {
    data_class: dataClass,
    districts: only ? only.size : districts.length,
    pages,
    without_representative_title: withoutRepresentative,
    representatives_retired: rows.filter((r) => r.retireRepresentative).length,
    requests: client.requests,
    partisan_lean: {
      election: LEAN_ELECTION,
      computed,
      missing: districts.length - computed,
      ...(votes.missing ? { note: votes.missing } : {}),
    },
    db_rows_written: written,
    failures,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}
