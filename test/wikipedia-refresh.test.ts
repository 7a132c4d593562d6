import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withDatabase } from '../pipeline/db.ts';
import { cacheFile, type CacheEntry } from '../pipeline/wikipedia/cache.ts';
import { refreshWikipedia, type RefreshOptions, type RefreshSummary } from '../pipeline/wikipedia/refresh.ts';
import {
  CLASS,
  DISTRICTS,
  SUMMARIES,
  seedDatabase as seedFixtureDatabase,
  useWikipediaFixture,
  wikipediaRows,
} from './helpers/wikipedia-fixtures.ts';
import { geobundle } from './helpers/cli.ts';
import { startSummaryServer } from '../testkit/wikipedia-stand-in.ts';

const PAGES = DISTRICTS.length * 2;
const CA39 = "California's 39th congressional district";

const wiki = useWikipediaFixture('wikipedia', { each: true, server: { latencyMs: 20 } });

const seedDatabase = (withLegislators = true) => seedFixtureDatabase(wiki.dbPath, { withLegislators });
const dbRows = () => wikipediaRows(wiki.dbPath);
const row = async (id: string) => (await dbRows()).find((r) => r.id === id)!;
const readEntry = (id: string): CacheEntry => JSON.parse(fs.readFileSync(cacheFile(wiki.cacheDir, CLASS, id), 'utf8'));

/** The cache directory's files and their bytes. */
function cacheSnapshot(): Record<string, string> {
  const classDir = path.join(wiki.cacheDir, CLASS);
  return Object.fromEntries(
    fs
      .readdirSync(classDir)
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(classDir, f), 'utf8')]),
  );
}

// Fast settings: the faults are real, the waits short.
const FAST = {
  timeoutMs: 1_000,
  retries: 2,
  backoffMs: 20,
  maxBackoffMs: 100,
  maxRetryAfterMs: 2_000,
  ratePerSecond: 200,
  concurrency: 4,
};
const FAST_ARGS = [
  '--timeout',
  '1',
  '--retries',
  '2',
  '--backoff',
  '0.02',
  '--max-retry-after',
  '2',
  '--rate',
  '200',
  '--concurrency',
  '4',
];

function refresh(extra: Partial<RefreshOptions> & { client?: RefreshOptions['client'] } = {}): Promise<RefreshSummary> {
  return refreshWikipedia({
    dbPath: wiki.dbPath,
    cacheDir: wiki.cacheDir,
    dataClass: CLASS,
    ...extra,
    client: { apiBase: wiki.server.apiBase, ...FAST, ...extra.client },
  });
}

function cli(args: string[], apiBase = wiki.server.apiBase) {
  return geobundle(
    [
      'refresh-wikipedia',
      '--class',
      CLASS,
      '--db',
      wiki.dbPath,
      '--cache',
      wiki.cacheDir,
      '--api-base',
      apiBase,
      ...FAST_ARGS,
      ...args,
    ],
    { env: { GEOBUNDLE_CONTACT: 'tests@geobundle.invalid' } },
  );
}

describe('refresh-wikipedia, first run', () => {
  it('fetches every district and representative page into the cache and DuckDB (CLI, --json)', async () => {
    const run = await cli(['--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as RefreshSummary;
    expect(summary.pages).toEqual({ fetched: PAGES, not_modified: 0, failed: 0, skipped: 0 });
    expect(summary.partisan_lean).toMatchObject({ computed: 4, missing: 2 });
    expect(run.stderr).toMatch(/12 pages fetched, 0 not modified, 0 failed/);

    // Polite client: it names itself and its contact.
    expect(wiki.server.requests).toHaveLength(PAGES);
    for (const r of wiki.server.requests)
      expect(r.userAgent).toMatch(/^geobundle\/\d+\.\d+\.\d+ \(tests@geobundle\.invalid\)/);

    const entry = readEntry('0639');
    expect(entry.article).toMatchObject({
      requested_title: CA39,
      title: CA39,
      url: "https://en.wikipedia.org/wiki/California's_39th_congressional_district",
      description: 'U.S. House district for California',
      revision: '1268877112',
      timestamp: '2025-02-14T09:41:27Z',
    });
    expect(entry.article!.etag).toMatch(/^W\/"1268877112\//);
    expect(entry.representative).toMatchObject({
      title: 'Mark Takano',
      url: 'https://en.wikipedia.org/wiki/Mark_Takano',
    });
    // Accented titles travel percent-encoded and come back whole.
    expect(readEntry('7298').representative!.title).toBe('Pablo Hernández Rivera');
    expect(readEntry('1198').article!.title).toBe("District of Columbia's at-large congressional district");

    const rows = await dbRows();
    expect(rows.map((r) => r.id)).toEqual(DISTRICTS.map((d) => d.id));
    const ca = rows.find((r) => r.id === '0639')!;
    expect(ca).toMatchObject({
      article_title: CA39,
      article_url: entry.article!.url,
      description: entry.article!.description,
      extract: entry.article!.extract,
      revision: '1268877112',
      article_timestamp: '2025-02-14T09:41:27Z',
      etag: entry.article!.etag,
      fetched_at: entry.article!.fetched_at,
      // ingest legislators' columns are read, never written
      representative: 'Mark Takano',
      party: 'Democrat',
      representative_title: 'Mark Takano',
      representative_url: 'https://en.wikipedia.org/wiki/Mark_Takano',
      representative_extract: entry.representative!.extract,
      representative_etag: entry.representative!.etag,
      representative_fetched_at: entry.representative!.fetched_at,
      partisan_lean: 22.4,
      partisan_lean_label: 'D+22',
    });
    expect(rows.find((r) => r.id === '0200')).toMatchObject({ partisan_lean: -10.4, partisan_lean_label: 'R+10' });
    expect(rows.find((r) => r.id === '1903')).toMatchObject({ partisan_lean: 0, partisan_lean_label: 'EVEN' });
    expect(rows.find((r) => r.id === '1198')).toMatchObject({ partisan_lean: null, partisan_lean_label: null });
    // Atomic writes leave no temporary files behind.
    expect(Object.keys(cacheSnapshot())).toEqual(DISTRICTS.map((d) => `${d.id}.json`));
  });

  it('bounds concurrency and sends every request through the rate limiter', async () => {
    const slow = await startSummaryServer({ fixturesDir: SUMMARIES, latencyMs: 100 });
    try {
      const summary = await refresh({ client: { apiBase: slow.apiBase, concurrency: 2 } });
      expect(summary.pages.fetched).toBe(PAGES);
      expect(slow.maxInFlight).toBe(2);
    } finally {
      await slow.close();
    }
  });

  it('fetches only the district page where the legislators data names no representative', async () => {
    fs.rmSync(wiki.dbPath);
    await seedDatabase(false);
    const summary = await refresh();
    expect(summary.pages.fetched).toBe(DISTRICTS.length);
    expect(summary.without_representative_title).toBe(DISTRICTS.length);
    expect(readEntry('0639').representative).toBeNull();
    expect(await row('0639')).toMatchObject({ article_title: CA39, representative: null, representative_url: null });
  });
});

describe('refresh-wikipedia, freshness and conditional requests', () => {
  it('skips fresh pages, and --force revalidates with If-None-Match: a 304 keeps the data and refreshes fetched_at', async () => {
    await refresh();
    const before = readEntry('0639');
    const beforeRow = await row('0639');

    const second = await refresh();
    expect(second.pages).toEqual({ fetched: 0, not_modified: 0, failed: 0, skipped: PAGES });
    expect(wiki.server.requests).toHaveLength(PAGES);

    await new Promise((r) => setTimeout(r, 5));
    const forced = await refresh({ force: true });
    expect(forced.pages).toEqual({ fetched: 0, not_modified: PAGES, failed: 0, skipped: 0 });
    const revalidation = wiki.server.requestsFor(CA39).at(-1)!;
    expect(revalidation.ifNoneMatch).toBe(before.article!.etag);

    const after = readEntry('0639');
    expect({ ...after.article, fetched_at: null }).toEqual({ ...before.article, fetched_at: null });
    expect(Date.parse(after.article!.fetched_at)).toBeGreaterThan(Date.parse(before.article!.fetched_at));
    const afterRow = await row('0639');
    expect(afterRow.fetched_at).toBe(after.article!.fetched_at);
    expect({ ...afterRow, fetched_at: null, representative_fetched_at: null }).toEqual({
      ...beforeRow,
      fetched_at: null,
      representative_fetched_at: null,
    });
  });

  it('refetches stale pages (--max-age) and stores an edited page with its new revision and ETag', async () => {
    await refresh();
    const before = readEntry('0639');
    wiki.server.edit(CA39, { extract: 'Rewritten extract.' });
    await new Promise((r) => setTimeout(r, 30));
    const summary = await refresh({ maxAgeMs: 10 });
    expect(summary.pages).toEqual({ fetched: 1, not_modified: PAGES - 1, failed: 0, skipped: 0 });
    const after = readEntry('0639');
    expect(after.article).toMatchObject({ extract: 'Rewritten extract.', revision: '1268877113' });
    expect(after.article!.etag).not.toBe(before.article!.etag);
    expect(await row('0639')).toMatchObject({
      extract: 'Rewritten extract.',
      revision: '1268877113',
      etag: after.article!.etag,
    });
  });

  it('fetches a new representative unconditionally, within the max age, without the old ETag', async () => {
    await refresh();
    await withDatabase(wiki.dbPath, {}, (db) =>
      db.connection.run(
        `UPDATE wikipedia SET representative = 'Zach Nunn', representative_title = 'Zach Nunn' WHERE id = '0639'`,
      ),
    );
    const summary = await refresh();
    expect(summary.pages).toEqual({ fetched: 1, not_modified: 0, failed: 0, skipped: PAGES - 1 });
    expect(wiki.server.requests.at(-1)).toMatchObject({ title: 'Zach_Nunn', ifNoneMatch: null });
    expect(readEntry('0639').representative).toMatchObject({ requested_title: 'Zach Nunn', title: 'Zach Nunn' });
    expect(await row('0639')).toMatchObject({ representative_url: 'https://en.wikipedia.org/wiki/Zach_Nunn' });
  });

  it('retires the former representative’s facts when the seat falls vacant, even if the new member’s page fails', async () => {
    await refresh();
    await withDatabase(wiki.dbPath, {}, async (db) => {
      await db.connection.run(
        `UPDATE wikipedia SET representative = NULL, party = NULL, representative_title = NULL WHERE id = '1903'`,
      );
      await db.connection.run(`UPDATE wikipedia SET representative_title = 'No Such Person' WHERE id = '0639'`);
    });
    const summary = await refresh();
    expect(summary).toMatchObject({ representatives_retired: 2, without_representative_title: 1 });
    expect(summary.failures).toEqual([
      { id: '0639', page: 'representative', title: 'No Such Person', error: 'no such page (HTTP 404)' },
    ]);
    for (const id of ['1903', '0639']) {
      expect(readEntry(id).representative, id).toBeNull();
      expect(readEntry(id).article, id).not.toBeNull();
      const r = await row(id);
      for (const column of [
        'representative_url',
        'representative_description',
        'representative_extract',
        'representative_etag',
        'representative_fetched_at',
      ]) {
        expect(r[column], `${id} ${column}`).toBeNull();
      }
      expect(r.article_title, id).not.toBeNull();
    }
    expect((await row('0200')).representative_url).toBe('https://en.wikipedia.org/wiki/Nick_Begich_III');
  });

  it('--only refreshes just the named districts and rejects unknown ids', async () => {
    const summary = await refresh({ only: ['0639', '1903'] });
    expect(summary.pages.fetched).toBe(4);
    expect(new Set(wiki.server.requests.map((r) => r.title))).toEqual(
      new Set([
        "California's_39th_congressional_district",
        'Mark_Takano',
        "Iowa's_3rd_congressional_district",
        'Zach_Nunn',
      ]),
    );
    expect(fs.existsSync(cacheFile(wiki.cacheDir, CLASS, '0200'))).toBe(false);
    const run = await cli(['--only', '0639,9999']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/--only: no congressional_districts district with id "9999"/);
  });
});

describe('refresh-wikipedia under faults', () => {
  it('honours 429 Retry-After, then succeeds', async () => {
    wiki.server.script(CA39, [{ kind: 'status', status: 429, retryAfter: '1' }]);
    const summary = await refresh();
    expect(summary.pages).toMatchObject({ fetched: PAGES, failed: 0 });
    const [first, second] = wiki.server.requestsFor(CA39);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(readEntry('0639').article!.title).toBe(CA39);
  });

  it('retries transient 5xx and dropped connections, then succeeds', async () => {
    wiki.server.script(CA39, [{ kind: 'status', status: 500 }, { kind: 'reset' }]);
    wiki.server.script('Mark Takano', [{ kind: 'status', status: 503, retryAfter: 'Thu, 01 Jan 1970 00:00:00 GMT' }]);
    const summary = await refresh();
    expect(summary.pages).toMatchObject({ fetched: PAGES, failed: 0 });
    expect(wiki.server.requestsFor(CA39)).toHaveLength(3);
    expect(wiki.server.requestsFor('Mark Takano')).toHaveLength(2);
  });

  it('a persistent 500 fails that page only, keeps its last good data, exits 1 (CLI)', async () => {
    await refresh();
    const goodEntry = cacheSnapshot()['0639.json'];
    const goodRow = await row('0639');
    wiki.server.script(CA39, Array(10).fill({ kind: 'status', status: 500 }));
    wiki.server.edit('Mark Takano', { extract: 'Newer extract.' });

    const run = await cli(['--force', '--json']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /1 page\(s\) failed, their last good data kept: 0639 article \(HTTP 500 \(after 3 attempts\)\)/,
    );
    expect(wiki.server.requestsFor(CA39).length).toBe(1 + 3); // first run + 1 try + 2 retries
    const summary = JSON.parse(run.stdout) as RefreshSummary;
    expect(summary.pages).toEqual({ fetched: 1, not_modified: PAGES - 2, failed: 1, skipped: 0 });
    expect(summary.failures).toEqual([
      { id: '0639', page: 'article', title: CA39, error: 'HTTP 500 (after 3 attempts)' },
    ]);

    // The failed article is untouched in file and DB; the other page of the district moved on.
    const entry = readEntry('0639');
    expect(JSON.stringify(entry.article)).toBe(JSON.stringify((JSON.parse(goodEntry!) as CacheEntry).article));
    expect(entry.representative!.extract).toBe('Newer extract.');
    const after = await row('0639');
    for (const column of [
      'article_title',
      'article_url',
      'description',
      'extract',
      'revision',
      'article_timestamp',
      'etag',
      'fetched_at',
    ]) {
      expect(after[column], column).toEqual(goodRow[column]);
    }
    expect(after.representative_extract).toBe('Newer extract.');
  });

  it('a timeout fails the page after its retries, and the others are stored', async () => {
    wiki.server.script(CA39, Array(3).fill({ kind: 'delay', ms: 1_500 }));
    const summary = await refresh({ client: { timeoutMs: 200 } });
    expect(summary.pages).toMatchObject({ fetched: PAGES - 1, failed: 1 });
    expect(summary.failures[0]).toMatchObject({ id: '0639', page: 'article', error: 'timed out (after 3 attempts)' });
    expect(readEntry('0639')).toMatchObject({ article: null, representative: { title: 'Mark Takano' } });
    expect(await row('0639')).toMatchObject({
      article_title: null,
      representative_url: 'https://en.wikipedia.org/wiki/Mark_Takano',
      partisan_lean_label: 'D+22',
    });
  });

  it('a truncated body fails that page only; previously good data survives it', async () => {
    await refresh();
    const good = cacheSnapshot();
    const goodRow = await row('1903');
    wiki.server.script("Iowa's 3rd congressional district", Array(3).fill({ kind: 'truncate' }));
    const summary = await refresh({ force: true });
    expect(summary.pages).toMatchObject({ not_modified: PAGES - 1, failed: 1 });
    expect(summary.failures[0]!.error).toMatch(/terminated|closed|socket/i);
    expect(wiki.server.requestsFor("Iowa's 3rd congressional district")).toHaveLength(1 + 3);
    expect(JSON.parse(cacheSnapshot()['1903.json']!).article).toEqual(JSON.parse(good['1903.json']!).article);
    expect((await row('1903')).extract).toBe(goodRow.extract);
  });

  it('a malformed body fails that page without retrying (it would come back the same)', async () => {
    wiki.server.script('Zach Nunn', [{ kind: 'malformed' }]);
    const summary = await refresh();
    expect(summary.failures).toEqual([
      {
        id: '1903',
        page: 'representative',
        title: 'Zach Nunn',
        error: expect.stringMatching(/^malformed summary: body is not valid JSON/),
      },
    ]);
    expect(wiki.server.requestsFor('Zach Nunn')).toHaveLength(1);
    expect(readEntry('1903')).toMatchObject({
      article: { title: "Iowa's 3rd congressional district" },
      representative: null,
    });
  });

  it('a page that does not exist (404) fails without retrying', async () => {
    await withDatabase(wiki.dbPath, {}, (db) =>
      db.connection.run(`UPDATE wikipedia SET representative_title = 'No Such Person (politician)' WHERE id = '4807'`),
    );
    const run = await cli([]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /failed: 4807 representative "No Such Person \(politician\)": no such page \(HTTP 404\)/,
    );
    expect(wiki.server.requestsFor('No Such Person (politician)')).toHaveLength(1);
    expect(readEntry('4807')).toMatchObject({
      article: { title: "Texas's 7th congressional district" },
      representative: null,
    });
  });

  it('bodies over the size cap fail, whether announced by Content-Length or streamed', async () => {
    wiki.server.script(CA39, [{ kind: 'huge', bytes: 50_000 }]);
    wiki.server.script('Mark Takano', [{ kind: 'huge', bytes: 50_000, chunked: true }]);
    const summary = await refresh({ client: { maxBytes: 20_000 } });
    expect(summary.failures.map((f) => [f.page, f.error])).toEqual([
      ['article', expect.stringMatching(/^response of \d+ bytes exceeds the 20000-byte cap$/)],
      ['representative', 'response exceeds the 20000-byte cap'],
    ]);
    expect(summary.pages.fetched).toBe(PAGES - 2);
  });
});

describe('refresh-wikipedia after a total outage', () => {
  it('503 for everything, then connection refused: every good entry stays intact in files and DuckDB', async () => {
    expect((await cli([])).exitCode).toBe(0);
    const files = cacheSnapshot();
    const rows = await dbRows();
    expect(rows.every((r) => r.article_title && r.representative_url)).toBe(true);

    wiki.server.setDefault({ kind: 'status', status: 503, retryAfter: '0' });
    const outage = await cli(['--force', '--json']);
    expect(outage.exitCode).toBe(1);
    expect(JSON.parse(outage.stdout).pages).toEqual({ fetched: 0, not_modified: 0, failed: PAGES, skipped: 0 });
    expect(cacheSnapshot()).toEqual(files);
    expect(await dbRows()).toEqual(rows);

    const apiBase = wiki.server.apiBase;
    await wiki.server.close();
    const refused = await cli(['--force'], apiBase);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/ECONNREFUSED/);
    expect(cacheSnapshot()).toEqual(files);
    expect(await dbRows()).toEqual(rows);

    // Even with the file cache lost, failed pages never blank what DuckDB holds.
    fs.rmSync(wiki.cacheDir, { recursive: true });
    const lostCache = await refresh({ client: { apiBase, retries: 0 } });
    expect(lostCache.pages.failed).toBe(PAGES);
    expect(await dbRows()).toEqual(rows);
  });

  it('gives up on an API that fails every request instead of retrying each page against it', async () => {
    wiki.server.setDefault({ kind: 'status', status: 503 });
    const summary = await refresh({ client: { concurrency: 1, giveUpAfter: 5 } });
    expect(summary.pages.failed).toBe(PAGES);
    expect(wiki.server.requests).toHaveLength(5);
    expect(summary.failures.filter((f) => /^not attempted: 5 requests in a row failed/.test(f.error)).length).toBe(
      PAGES - 5 + 5,
    );
  });

  it('computes the partisan lean even when every fetch fails, and writes nothing else', async () => {
    wiki.server.setDefault({ kind: 'status', status: 503 });
    const summary = await refresh();
    expect(summary.pages.failed).toBe(PAGES);
    expect(fs.existsSync(path.join(wiki.cacheDir, CLASS))).toBe(false);
    const rows = await dbRows();
    expect(rows.map((r) => [r.id, r.partisan_lean_label, r.article_title, r.representative])).toEqual([
      ['0200', 'R+10', null, 'Nick Begich III'],
      ['0639', 'D+22', null, 'Mark Takano'],
      ['1198', null, null, 'Eleanor Holmes Norton'],
      ['1903', 'EVEN', null, 'Zach Nunn'],
      ['4807', 'D+31', null, 'Lizzie Fletcher'],
      ['7298', null, null, 'Pablo Hernández Rivera'],
    ]);
  });
});
