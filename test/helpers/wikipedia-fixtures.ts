import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { openDatabase, withDatabase } from '../../pipeline/db.ts';
import { insertPolygon } from './database.ts';
import { tempDir } from '../../testkit/temp.ts';
import { startSummaryServer, type SummaryServer, type SummaryServerOptions } from '../../testkit/wikipedia-stand-in.ts';

export const CLASS = 'congressional_districts';

/** A summary for each district and representative of DISTRICTS, as the REST API returns it. */
export const SUMMARIES = path.join(import.meta.dirname, '..', 'fixtures', 'wikipedia', 'summaries');

/**
 * Six districts with their representatives (titles as `ingest legislators`
 * stores them; each has a fixture summary in test/fixtures/wikipedia/summaries/)
 * and invented 2020 vote shares; DC and PR have no census row, as in the real data.
 */
export const DISTRICTS = [
  { id: '0200', name: 'Alaska at-large', rep: 'Nick Begich III', party: 'Republican', votes: [0.43, 0.53] },
  { id: '0639', name: 'California 39th', rep: 'Mark Takano', party: 'Democrat', votes: [0.6, 0.38] },
  { id: '1198', name: 'District of Columbia delegate', rep: 'Eleanor Holmes Norton', party: 'Democrat', votes: null },
  { id: '1903', name: 'Iowa 3rd', rep: 'Zach Nunn', party: 'Republican', votes: [0.49, 0.49] },
  { id: '4807', name: 'Texas 7th', rep: 'Lizzie Fletcher', party: 'Democrat', votes: [0.64, 0.34] },
  { id: '7298', name: 'Puerto Rico delegate', rep: 'Pablo Hernández Rivera', party: 'Republican', votes: null },
] as const;

/** Seeds polygons, census vote shares and (optionally) the legislators' columns straight into a new DuckDB file. */
export async function seedDatabase(dbPath: string, { withLegislators = true } = {}): Promise<void> {
  const db = await openDatabase(dbPath);
  try {
    const square = JSON.stringify({
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 1],
          [0, 0],
        ],
      ],
    });
    await db.connection.run(
      'CREATE TABLE census_congressional_districts (id VARCHAR PRIMARY KEY, TOTPOP20 BIGINT, G20PREDBID_pct DOUBLE, G20PRERTRU_pct DOUBLE)',
    );
    for (const d of DISTRICTS) {
      await insertPolygon(db.connection, CLASS, {
        id: d.id,
        name: d.name,
        stateFips: d.id.slice(0, 2),
        geometry: square,
      });
      if (withLegislators) {
        await db.connection.run(
          'INSERT INTO wikipedia (data_class, id, representative, party, representative_title) VALUES ($1, $2, $3, $4, $5)',
          [CLASS, d.id, d.rep, d.party, d.rep],
        );
      }
      if (d.votes) {
        await db.connection.run('INSERT INTO census_congressional_districts VALUES ($1, 700000, $2, $3)', [
          d.id,
          ...d.votes,
        ]);
      }
    }
  } finally {
    db.close();
  }
}

/**
 * For the tests of the calling file (or describe block), each test afresh with
 * `each`: a temp dir with the seeded fixture database (`dbPath`), room for the
 * article cache (`cacheDir`) and a running summary server; afterwards the
 * server is closed (a test may already have closed it) and the dir removed.
 */
export function useWikipediaFixture(
  prefix: string,
  { each = false, server: serverOptions = {} }: { each?: boolean; server?: SummaryServerOptions } = {},
) {
  let dir = '';
  let server: SummaryServer | undefined;
  (each ? beforeEach : beforeAll)(async () => {
    dir = tempDir(prefix);
    await seedDatabase(path.join(dir, 'geobundle.duckdb'));
    server = await startSummaryServer({ fixturesDir: SUMMARIES, ...serverOptions });
  });
  (each ? afterEach : afterAll)(async () => {
    await server?.close();
    server = undefined;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir(): string {
      return dir;
    },
    get dbPath(): string {
      return path.join(dir, 'geobundle.duckdb');
    },
    get cacheDir(): string {
      return path.join(dir, 'cache');
    },
    get server(): SummaryServer {
      if (!server) throw new Error('useWikipediaFixture: no summary server outside a test');
      return server;
    },
  };
}

/** Every wikipedia row, timestamps as ISO strings, ordered by id. */
export async function wikipediaRows(dbPath: string): Promise<Record<string, any>[]> {
  return withDatabase(dbPath, { readOnly: true }, async (db) => {
    const reader = await db.connection.runAndReadAll(
      `SELECT * EXCLUDE (fetched_at, representative_fetched_at),
              strftime(fetched_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS fetched_at,
              strftime(representative_fetched_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS representative_fetched_at
         FROM wikipedia ORDER BY id`,
    );
    return reader.getRowObjectsJS();
  });
}
