/**
 * End-to-end ingest of the real data in ../shared/data (README there), through
 * the CLI as a release engineer runs it. Times and peak RSS are printed, never
 * asserted (the machine is shared).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../pipeline/db.ts';
import { sharedDataDir } from '../pipeline/paths.ts';
import { cd119IngestArgs, cd119Sources, missingSources } from '../testkit/shared-data.ts';
import { geobundle, spawnGeobundle } from './helpers/cli.ts';
import { tempDir } from '../testkit/temp.ts';

const DATA = sharedDataDir();
const SOURCES = cd119Sources(DATA);
const absent = [...missingSources(SOURCES), path.join(DATA, 'unitedstates-districts')].filter((f) => !fs.existsSync(f));
const missing = absent.length > 0;
if (missing) console.warn(`SKIPPED real-data ingest tests: ${absent.join(', ')} not found (env GEOBUNDLE_SHARED_DATA)`);

interface CliSummary {
  features?: number;
  rows?: number;
  representatives?: number;
  seconds?: number;
  cpu_seconds: number;
  peak_rss_mb: number;
}

const figures: string[] = [];

async function ingest(dbPath: string, ...args: string[]): Promise<CliSummary & { wall: number }> {
  const started = performance.now();
  const result = await geobundle([...args, '--db', dbPath, '--json', '--quiet']);
  if (result.exitCode !== 0) throw new Error(`geobundle ${args.join(' ')} failed: ${result.stderr}`);
  return { ...(JSON.parse(result.stdout) as CliSummary), wall: (performance.now() - started) / 1000 };
}

function record(what: string, s: CliSummary & { wall: number }): void {
  const seconds = s.seconds === undefined ? '' : `ingest ${s.seconds.toFixed(1)} s, `;
  figures.push(
    `${what}: ${seconds}process ${s.wall.toFixed(1)} s (CPU ${s.cpu_seconds} s), peak RSS ${s.peak_rss_mb} MB`,
  );
}

async function column(db: Database, sql: string, ...params: string[]): Promise<unknown[]> {
  return (await db.connection.runAndReadAll(sql, params)).getRows().map((r) => r[0]);
}

let tmp: string;

beforeAll(() => {
  tmp = tempDir('ingest-real');
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  if (figures.length) console.info(`ingest figures (not asserted):\n  ${figures.join('\n  ')}`);
});

describe.skipIf(missing)(`real data: 119th Congress (${DATA}/cd119, legislators)`, () => {
  it('ingests shapes (437), census (435, joined to shapes) and legislators', async () => {
    const dbPath = path.join(tmp, 'cd119.duckdb');
    const [shapesArgs, censusArgs, legislatorsArgs] = cd119IngestArgs(SOURCES) as [string[], string[], string[]];
    const shapes = await ingest(dbPath, ...shapesArgs);
    record('cd119 geojson (437 districts, 1.3 MB)', shapes);
    expect(shapes.features).toBe(437);
    const census = await ingest(dbPath, ...censusArgs);
    record('cd119 census (435 rows)', census);
    expect(census.rows).toBe(435);
    const legislators = await ingest(dbPath, ...legislatorsArgs);
    record('legislators', legislators);

    const db = await openDatabase(dbPath, { readOnly: true });
    try {
      const ids = await column(db, "SELECT id FROM polygons WHERE data_class = 'congressional_districts'");
      expect(ids).toHaveLength(437);
      expect(ids).toEqual(expect.arrayContaining(['0639', '0200', '1198', '7298', '5600', '3611']));
      expect(
        await column(
          db,
          "SELECT count(DISTINCT state_fips) FROM polygons WHERE data_class = 'congressional_districts'",
        ),
      ).toEqual([52n]);
      expect(await column(db, "SELECT name FROM polygons WHERE id = '0639'")).toEqual([
        "California's 39th congressional district",
      ]);
      expect(
        await column(db, "SELECT DISTINCT vintage FROM polygons WHERE data_class = 'congressional_districts'"),
      ).toEqual(['119']);

      // Every census row joins a shape; DC and PR have shapes but no census rows.
      expect(
        await column(
          db,
          'SELECT count(*) FROM census_congressional_districts c JOIN polygons p ON p.data_class = $1 AND p.id = c.id',
          'congressional_districts',
        ),
      ).toEqual([435n]);
      expect(
        await column(
          db,
          "SELECT id FROM polygons p WHERE data_class = 'congressional_districts' AND id NOT IN (SELECT id FROM census_congressional_districts) ORDER BY id",
        ),
      ).toEqual(['1198', '7298']);
      expect(await column(db, "SELECT CONG119 FROM census_congressional_districts WHERE id = '0200'")).toEqual([
        'AK-AT-LARGE',
      ]);
      expect(
        await column(
          db,
          "SELECT typeof(TOTPOP20) || ' ' || typeof(G20PREDBID_pct) FROM census_congressional_districts WHERE id = '0101'",
        ),
      ).toEqual(['BIGINT DOUBLE']);

      // Representatives for nearly all districts (vacancies aside), delegates included.
      const joined = await column(
        db,
        "SELECT count(*) FROM polygons p JOIN wikipedia w USING (data_class, id) WHERE p.data_class = 'congressional_districts' AND w.representative IS NOT NULL",
      );
      expect(Number(joined[0])).toBeGreaterThanOrEqual(425);
      expect(legislators.representatives).toBeGreaterThanOrEqual(430);
      expect(await column(db, "SELECT representative FROM wikipedia WHERE id = '1198'")).toEqual([
        'Eleanor Holmes Norton',
      ]);
    } finally {
      db.close();
    }
  });
});

const ARCHIVES = path.join(DATA, 'unitedstates-districts');

describe.skipIf(missing)(`real data: every unitedstates-districts archive (${ARCHIVES})`, () => {
  let root: string;
  let dbPath: string;

  beforeAll(async () => {
    root = path.join(tmp, 'districts');
    dbPath = path.join(tmp, 'districts.duckdb');
    fs.mkdirSync(root);
    const started = performance.now();
    for (const archive of ['cds-2012', 'cds-2016', 'states-shape', 'states-sldu', 'states-sldl']) {
      await execa('tar', ['-xJf', path.join(ARCHIVES, `${archive}.tar.xz`), '-C', root]);
    }
    figures.push(`unpacking the five archives: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }, 600_000);

  async function ids(dataClass: string): Promise<unknown[]> {
    const db = await openDatabase(dbPath, { readOnly: true });
    try {
      return await column(db, 'SELECT id FROM polygons WHERE data_class = $1 ORDER BY id', dataClass);
    } finally {
      db.close();
    }
  }

  it.each([
    [
      'cds-2016 (435 files, 11 MB): ids from the Code property',
      'cds/2016',
      'congressional_districts',
      435,
      ['1903', '0200', '0639', '5600'],
    ],
    [
      'cds-2012 (441 files, 15 MB): bare geometries, delegates as 98',
      'cds/2012',
      'congressional_districts',
      441,
      ['1903', '0200', '1198', '7298', '6698', '7898', '6098', '6998'],
    ],
    [
      'states-shape (56 files, 4 MB): states, DC and territories',
      'states',
      'state',
      56,
      ['06', '11', '25', '72', '78', '60', '66', '69'],
    ],
  ])('%s', async (label, dir, dataClass, count, known) => {
    record(label, await ingest(dbPath, 'ingest', 'geojson', path.join(root, dir), '--class', dataClass));
    const all = await ids(dataClass);
    expect(all).toHaveLength(count);
    expect(all).toEqual(expect.arrayContaining(known));
  });

  it('states/*/sldu and sldl: 1,897 + 4,882 state legislative districts (676 MB)', async () => {
    const upper = await ingest(
      dbPath,
      'ingest',
      'geojson',
      path.join(root, 'states'),
      '--class',
      'state_legislative_upper',
    );
    record('states-sldu (1,897 files, 270 MB)', upper);
    const lower = await ingest(
      dbPath,
      'ingest',
      'geojson',
      path.join(root, 'states'),
      '--class',
      'state_legislative_lower',
    );
    record('states-sldl (4,882 files, 406 MB)', lower);
    figures.push(
      `sldu+sldl together: process ${(upper.wall + lower.wall).toFixed(1)} s (CPU ${(upper.cpu_seconds + lower.cpu_seconds).toFixed(1)} s), ` +
        `peak RSS ${Math.max(upper.peak_rss_mb, lower.peak_rss_mb)} MB`,
    );
    const sldu = await ids('state_legislative_upper');
    expect(sldu).toHaveLength(1897);
    expect(sldu).toEqual(
      expect.arrayContaining([
        'ocd-division/country:us/state:ma/sldu:cape_and_islands',
        'ocd-division/country:us/territory:pr/sldu:8',
      ]),
    );
    const sldl = await ids('state_legislative_lower');
    expect(sldl).toHaveLength(4882);
    expect(sldl).toEqual(
      expect.arrayContaining([
        'ocd-division/country:us/state:vt/sldl:addison-1',
        'ocd-division/country:us/state:mn/sldl:10a',
        'ocd-division/country:us/district:dc/ward:2',
      ]),
    );
    const db = await openDatabase(dbPath, { readOnly: true });
    try {
      expect(
        await column(
          db,
          "SELECT count(*) FROM polygons WHERE data_class LIKE 'state_legislative_%' AND state_fips IS NULL",
        ),
      ).toEqual([0n]);
      expect(
        await column(db, "SELECT state_fips FROM polygons WHERE id = 'ocd-division/country:us/district:dc/ward:2'"),
      ).toEqual(['11']);
      expect(
        await column(
          db,
          "SELECT name FROM polygons WHERE id = 'ocd-division/country:us/state:ma/sldu:cape_and_islands'",
        ),
      ).toEqual(['Cape and Islands']);
    } finally {
      db.close();
    }
  }, 600_000);

  /**
   * Every table's rows (a count and a hash over all of them) and the view's
   * definition: equal when every query answers as it did.
   */
  async function contents(): Promise<string[]> {
    const db = await openDatabase(dbPath, { readOnly: true });
    try {
      const out: string[] = [];
      const tables = await db.connection.runAndReadAll(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name",
      );
      for (const [name, type] of tables.getRows()) {
        const [row] =
          type === 'VIEW'
            ? await column(db, 'SELECT sql FROM duckdb_views() WHERE view_name = $1', String(name))
            : await column(db, `SELECT count(*) || ' rows, hash ' || bit_xor(hash(t)) FROM "${String(name)}" t`);
        out.push(`${String(type)} ${String(name)}: ${String(row)}`);
      }
      return out;
    } finally {
      db.close();
    }
  }

  const ingestLowerChamber = () => [
    'ingest',
    'geojson',
    path.join(root, 'states'),
    '--class',
    'state_legislative_lower',
    '--db',
    dbPath,
  ];

  it('a bad feature half-way through the lower chamber: an error naming file and feature, and the database as it was', async () => {
    const before = await contents();
    // Among Minnesota's districts, after some 2,000 of the 4,882 files: long after the first parts went to DuckDB.
    const bad = path.join(root, 'states', 'MN', 'sldl', 'unclosed.geojson');
    const feature = JSON.parse(fs.readFileSync(path.join(root, 'states', 'MN', 'sldl', '10A.geojson'), 'utf8'));
    feature.properties.ocdid = 'ocd-division/country:us/state:mn/sldl:unclosed';
    feature.geometry.coordinates[0].pop();
    fs.writeFileSync(bad, JSON.stringify(feature));
    try {
      const result = await geobundle([...ingestLowerChamber(), '--quiet']);
      expect(result.exitCode).toBe(1);
      expect(result.stderr.trim()).toBe(
        `geobundle: ${bad}: state_legislative_lower feature "ocd-division/country:us/state:mn/sldl:unclosed": ` +
          'geometry: polygon 0 ring 0 is not closed (first and last positions differ)',
      );
    } finally {
      fs.rmSync(bad);
    }
    expect(await contents()).toEqual(before);
  }, 600_000);

  it('a killed ingest of the lower chamber leaves the database as it was; the next ingest removes what it spilled', async () => {
    const before = await contents();
    const child = spawnGeobundle(ingestLowerChamber());
    // Killed once 4,500 of the 4,882 files are in: far past DuckDB's 128 MB, well before COMMIT.
    child.stderr?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ingest geojson: 4500 files')) child.kill('SIGKILL');
    });
    const result = await child;
    expect(result.signal).toBe('SIGKILL');
    expect(await contents()).toEqual(before);
    // What DuckDB spilled is still there: nothing removes it but the next writer.
    const spill = `${dbPath}.tmp`;
    expect(fs.readdirSync(spill).length).toBeGreaterThan(0);

    await ingest(dbPath, 'ingest', 'geojson', path.join(root, 'cds', '2016'), '--class', 'congressional_districts');
    expect(fs.existsSync(spill)).toBe(false);
  }, 600_000);
});
