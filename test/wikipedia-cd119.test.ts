import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../pipeline/db.ts';
import { refreshWikipedia } from '../pipeline/wikipedia/refresh.ts';
import { cd119IngestArgs, cd119Sources, missingSources } from '../testkit/shared-data.ts';
import { geobundle } from './helpers/cli.ts';
import { tempDir } from '../testkit/temp.ts';
import { CLASS, wikipediaRows } from './helpers/wikipedia-fixtures.ts';
import { startSummaryServer, type SummaryServer } from '../testkit/wikipedia-stand-in.ts';

/**
 * The refresh on the real 119th-Congress data, ingested with the real commands:
 * every GEOID yields a title, every representative's title from the legislators
 * data is requested, the lean comes from the census CSV as ingested. The local
 * server answers any title (it cannot know Wikipedia's real articles).
 */
const sources = cd119Sources();
const missing = missingSources(sources);
if (missing.length)
  console.warn(`SKIPPED refresh-wikipedia on cd119: missing ${missing.join(', ')} (env GEOBUNDLE_SHARED_DATA)`);

describe.skipIf(missing.length > 0)('refresh-wikipedia on the 119th Congress (real ingest, local server)', () => {
  let dir: string;
  let dbPath: string;
  let server: SummaryServer;

  beforeAll(async () => {
    dir = tempDir('wikipedia-cd119');
    dbPath = path.join(dir, 'geobundle.duckdb');
    for (const args of cd119IngestArgs(sources)) {
      const result = await geobundle([...args, '--db', dbPath, '--quiet']);
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    }
    server = await startSummaryServer({ generate: true });
  });

  afterAll(async () => {
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fetches a page for all 437 districts and each named representative, and leans for the 435 with census rows', async () => {
    const legislators = await withDatabase(dbPath, { readOnly: true }, async (db) =>
      (
        await db.connection.runAndReadAll(
          `SELECT w.id, w.representative_title FROM wikipedia w JOIN polygons p USING (data_class, id)
            WHERE w.representative_title IS NOT NULL`,
        )
      ).getRowObjectsJS(),
    );
    const summary = await refreshWikipedia({
      dbPath,
      cacheDir: path.join(dir, 'cache'),
      dataClass: CLASS,
      client: { apiBase: server.apiBase, ratePerSecond: 1000, concurrency: 8 },
    });
    expect(summary.districts).toBe(437);
    expect(summary.pages).toEqual({ fetched: 437 + legislators.length, not_modified: 0, failed: 0, skipped: 0 });
    expect(summary.without_representative_title).toBe(437 - legislators.length);
    expect(summary.partisan_lean).toMatchObject({ computed: 435, missing: 2 });

    const requested = new Set(server.requests.map((r) => r.title.replace(/_/g, ' ')));
    for (const { representative_title } of legislators) expect(requested).toContain(representative_title);
    expect(requested).toContain("Alaska's at-large congressional district");
    expect(requested).toContain("District of Columbia's at-large congressional district");
    expect(requested).toContain("Puerto Rico's at-large congressional district");
    expect(requested).toContain("California's 52nd congressional district");

    const census = await withDatabase(dbPath, { readOnly: true }, async (db) =>
      (
        await db.connection.runAndReadAll(
          `SELECT id, G20PREDBID_pct AS d, G20PRERTRU_pct AS r FROM census_congressional_districts`,
        )
      ).getRowObjectsJS(),
    );
    const rows = new Map((await wikipediaRows(dbPath)).map((r) => [r.id, r]));
    // Territories' delegates (GU, VI, AS, MP) have legislators rows but no cd119 shape: untouched.
    expect([...rows.values()].filter((r) => r.article_title).length).toBe(437);
    for (const { id, d, r } of census) {
      const row = rows.get(id as string)!;
      expect(row.article_title, String(id)).toMatch(/congressional district$/);
      // The label agrees in direction with the raw shares (the formula itself is unit-tested).
      const expected =
        Math.abs(Number(d) - Number(r)) < 0.005 ? /^(EVEN|[DR]\+1)$/ : Number(d) > Number(r) ? /^D\+\d+$/ : /^R\+\d+$/;
      expect(row.partisan_lean_label, String(id)).toMatch(expected);
    }
    expect(rows.get('1198')).toMatchObject({ partisan_lean: null, representative_title: 'Eleanor Holmes Norton' });
  });
});
