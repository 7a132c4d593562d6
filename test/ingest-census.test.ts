import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GeobundleError } from '../core/errors.ts';
import { ingestCensus } from '../pipeline/ingest/census.ts';
import { ingestGeojson } from '../pipeline/ingest/geojson.ts';
import { snapshotDatabase, useTempDatabase } from './helpers/database.ts';
import { geobundle } from './helpers/cli.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'ingest');
const csv = (name: string) => path.join(FIXTURES, 'census', `${name}.csv`);

const temp = useTempDatabase('ingest-census');

const ingestPolygons = () =>
  ingestGeojson(temp.db.connection, { input: path.join(FIXTURES, 'cd-collection.geojson'), dataClass: 'congressional_districts' });

describe('ingest census', () => {
  it('keys rows by GEOID and keeps the CSV columns with their sniffed types', async () => {
    await ingestPolygons();
    const summary = await ingestCensus(temp.db.connection, { csv: csv('districts'), dataClass: 'congressional_districts' });
    expect(summary).toEqual({ dataClass: 'congressional_districts', table: 'census_congressional_districts', rows: 3, columns: 6 });
    const columns = await temp.db.connection.runAndReadAll('DESCRIBE census_congressional_districts');
    expect(columns.getRows().map(([name, type]) => [name, type])).toEqual([
      ['id', 'VARCHAR'],
      ['CONG119', 'VARCHAR'],
      ['STATE', 'VARCHAR'],
      ['TOTPOP20', 'BIGINT'],
      ['Median_HH_Income_Est', 'DOUBLE'],
      ['G20PREDBID_pct', 'DOUBLE'],
    ]);
    const rows = await temp.db.connection.runAndReadAll('SELECT id, CONG119, TOTPOP20, G20PREDBID_pct FROM census_congressional_districts ORDER BY id');
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
    await ingestCensus(temp.db.connection, { csv: csv('not-in-polygons'), dataClass: 'congressional_districts' });
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

  it.each([
    ['a row for an unknown state', 'unknown-state', /unknown-state\.csv: line 3: CONG119: "ZZ-01" names an unknown state "ZZ"/],
    ['an unparsable key', 'unparsable', /unparsable\.csv: line 3: CONG119: "IA-third" is neither a GEOID/],
    ['a row for a district without polygon', 'not-in-polygons', /not-in-polygons\.csv: line 3: CONG119 "IA-04" is district 1904, which is not among the 4 congressional_districts polygons/],
    ['a duplicate key', 'duplicate', /duplicate\.csv: line 4: CONG119 "IA-3": duplicate district 1903 \(also on line 2\)/],
    ['an empty key', 'empty-key', /empty-key\.csv: line 3: CONG119 is empty/],
    ['a ragged row', 'ragged', /ragged\.csv: cannot read CSV: line 3 has 5 fields, the header has 3/],
    ['an unterminated quote', 'unterminated-quote', /unterminated-quote\.csv: cannot read CSV: line 3/],
    ['a missing key column', 'no-key-column', /no-key-column\.csv: no key column "CONG119" \(columns: DISTRICT, STATE, TOTPOP20\)/],
    ['a column clashing with id', 'id-column', /id-column\.csv: column "Id" clashes with the id column/],
    ['no data rows', 'header-only', /header-only\.csv: no data rows/],
    ['a missing file', 'no-such-file', /cannot read .*no-such-file\.csv: ENOENT/],
  ])('rejects %s and leaves the database unchanged', async (_what, name, message) => {
    await ingestPolygons();
    await ingestCensus(temp.db.connection, { csv: csv('districts'), dataClass: 'congressional_districts' });
    const before = await snapshotDatabase(temp.db.connection);
    const error = await ingestCensus(temp.db.connection, { csv: csv(name), dataClass: 'congressional_districts' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GeobundleError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
    expect(await snapshotDatabase(temp.db.connection)).toBe(before);
  });

  it('rejects an unknown class and a class without census key, leaving the database unchanged', async () => {
    await ingestPolygons();
    const before = await snapshotDatabase(temp.db.connection);
    await expect(ingestCensus(temp.db.connection, { csv: csv('districts'), dataClass: 'wards' })).rejects.toThrow(/unknown data class "wards"/);
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
      geobundle(['ingest', 'census', csv('unknown-state'), '--class', 'congressional_districts', '--db', dbPath]),
    );
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr.trim()).toMatch(/^geobundle: .*unknown-state\.csv: line 3: CONG119: "ZZ-01" names an unknown state "ZZ"[^\n]*$/);
    expect(await snapshotDatabase(temp.db.connection)).toBe(before);
  });
});
