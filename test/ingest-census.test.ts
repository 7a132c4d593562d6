import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GeobundleError } from '../core/errors.ts';
import { ingestCensus } from '../pipeline/ingest/census.ts';
import { ingestGeojson } from '../pipeline/ingest/geojson.ts';
import { snapshotDatabase, useTempDatabase } from './helpers/database.ts';
import { geobundle } from './helpers/cli.ts';
import { expectErrorFile, fixtureCases } from './helpers/fixtures.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'ingest');
const csv = (name: string) => path.join(FIXTURES, 'census', `${name}.csv`);

const temp = useTempDatabase('ingest-census');

const ingestPolygons = () =>
  ingestGeojson(temp.db.connection, {
    input: path.join(FIXTURES, 'cd-collection.geojson'),
    dataClass: 'congressional_districts',
  });

describe('ingest census', () => {
  it('keys rows by GEOID and keeps the CSV columns with their sniffed types', async () => {
    await ingestPolygons();
    const summary = await ingestCensus(temp.db.connection, {
      csv: csv('districts'),
      dataClass: 'congressional_districts',
    });
    expect(summary).toEqual({
      dataClass: 'congressional_districts',
      table: 'census_congressional_districts',
      rows: 3,
      columns: 6,
    });
    const columns = await temp.db.connection.runAndReadAll('DESCRIBE census_congressional_districts');
    expect(columns.getRows().map(([name, type]) => [name, type])).toEqual([
      ['id', 'VARCHAR'],
      ['CONG119', 'VARCHAR'],
      ['STATE', 'VARCHAR'],
      ['TOTPOP20', 'BIGINT'],
      ['Median_HH_Income_Est', 'DOUBLE'],
      ['G20PREDBID_pct', 'DOUBLE'],
    ]);
    const rows = await temp.db.connection.runAndReadAll(
      'SELECT id, CONG119, TOTPOP20, G20PREDBID_pct FROM census_congressional_districts ORDER BY id',
    );
    expect(rows.getRowsJson()).toEqual([
      ['0200', 'AK-AT-LARGE', '733391', 0.4277],
      ['0639', 'CA-39', '756511', 0.6272],
      ['1903', 'IA-03', '797592', 0.4952],
    ]);
    const pk = await temp.db.connection.runAndReadAll(
      "SELECT constraint_type FROM information_schema.table_constraints WHERE table_name = 'census_congressional_districts'",
    );
    expect(pk.getRows().flat()).toContain('PRIMARY KEY');
  });

  it('only parses keys when the class has no polygons yet', async () => {
    await ingestCensus(temp.db.connection, { csv: csv('bad/not-in-polygons'), dataClass: 'congressional_districts' });
    const ids = await temp.db.connection.runAndReadAll('SELECT id FROM census_congressional_districts ORDER BY id');
    expect(ids.getRows().flat()).toEqual(['1903', '1904']);
  });

  it('is idempotent and replaces the whole table, columns included', async () => {
    await ingestPolygons();
    await ingestCensus(temp.db.connection, { csv: csv('districts'), dataClass: 'congressional_districts' });
    const first = await snapshotDatabase(temp.db.connection);
    await ingestCensus(temp.db.connection, { csv: csv('districts'), dataClass: 'congressional_districts' });
    expect(await snapshotDatabase(temp.db.connection)).toBe(first);
    await ingestCensus(temp.db.connection, { csv: csv('iowa-only'), dataClass: 'congressional_districts' });
    const rows = await temp.db.connection.runAndReadAll('SELECT * FROM census_congressional_districts');
    expect(rows.getRowObjectsJson()).toEqual([{ id: '1903', CONG119: 'IA-3', STATE: 'IA', TOTPOP20: '800000' }]);
  });

  // census/bad/<case>.csv; the expected message is <case>.error.txt beside it.
  const BAD = path.join(FIXTURES, 'census', 'bad');
  it.each([...fixtureCases(BAD, '.csv'), { name: 'no-such-file', file: path.join(BAD, 'no-such-file.csv') }])(
    'rejects $name and leaves the database unchanged',
    async ({ name, file }) => {
      await ingestPolygons();
      await ingestCensus(temp.db.connection, { csv: csv('districts'), dataClass: 'congressional_districts' });
      const before = await snapshotDatabase(temp.db.connection);
      const error = await ingestCensus(temp.db.connection, { csv: file, dataClass: 'congressional_districts' }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GeobundleError);
      expectErrorFile((error as Error).message, BAD, path.join(BAD, `${name}.error.txt`));
      expect(await snapshotDatabase(temp.db.connection)).toBe(before);
    },
  );

  it('rejects an unknown class and a class without census key, leaving the database unchanged', async () => {
    await ingestPolygons();
    const before = await snapshotDatabase(temp.db.connection);
    await expect(ingestCensus(temp.db.connection, { csv: csv('districts'), dataClass: 'wards' })).rejects.toThrow(
      /unknown data class "wards"/,
    );
    await expect(ingestCensus(temp.db.connection, { csv: csv('districts'), dataClass: 'county' })).rejects.toThrow(
      /class county declares no census_key.column .*; pass --key <column>/,
    );
    expect(await snapshotDatabase(temp.db.connection)).toBe(before);
  });
});

describe('geobundle ingest census (CLI)', () => {
  it('ingests and reports; a bad row exits 1 with one line, changing nothing', async () => {
    const ok = await temp.whileClosed((dbPath) =>
      geobundle(['ingest', 'census', csv('districts'), '--class', 'congressional_districts', '--db', dbPath, '--json']),
    );
    expect(ok.exitCode).toBe(0);
    expect(ok.stderr).toMatch(/ingested 3 rows of 6 columns into census_congressional_districts/);
    expect(JSON.parse(ok.stdout)).toMatchObject({ rows: 3, table: 'census_congressional_districts' });
    const before = await snapshotDatabase(temp.db.connection);
    const bad = await temp.whileClosed((dbPath) =>
      geobundle(['ingest', 'census', csv('bad/unknown-state'), '--class', 'congressional_districts', '--db', dbPath]),
    );
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr.trim()).toMatch(
      /^geobundle: .*unknown-state\.csv: line 3: CONG119: "ZZ-01" names an unknown state "ZZ"[^\n]*$/,
    );
    expect(await snapshotDatabase(temp.db.connection)).toBe(before);
  });
});
