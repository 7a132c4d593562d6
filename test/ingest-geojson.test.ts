import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GeobundleError } from '../core/errors.ts';
import { ingestGeojson } from '../pipeline/ingest/geojson.ts';
import { snapshotDatabase, useTempDatabase } from './helpers/database.ts';
import { geobundle } from './helpers/cli.ts';
import { expectErrorFile, fixtureCases } from './helpers/fixtures.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'ingest');
const DISTRICTS = path.join(FIXTURES, 'districts');

const temp = useTempDatabase('ingest-geojson');

async function rows(dataClass: string) {
  const result = await temp.db.connection.runAndReadAll(
    'SELECT id, name, state_fips, source, vintage FROM polygons WHERE data_class = $1 ORDER BY id',
    [dataClass],
  );
  return result.getRowObjectsJson();
}

describe('ingest geojson: unitedstates/districts layout', () => {
  it('takes ids from the path for bare geometries (cds/2012), with at-large 00 and delegate 98', async () => {
    const summary = await ingestGeojson(temp.db.connection, {
      input: path.join(DISTRICTS, 'cds', '2012'),
      dataClass: 'congressional_districts',
    });
    expect(summary).toMatchObject({ dataClass: 'congressional_districts', features: 3, files: 3 });
    expect(await rows('congressional_districts')).toEqual([
      {
        id: '0200',
        name: "Alaska's at-large congressional district",
        state_fips: '02',
        source: 'AK-0/shape.geojson',
        vintage: '2012',
      },
      {
        id: '1198',
        name: "District of Columbia's at-large congressional district",
        state_fips: '11',
        source: 'DC-0/shape.geojson',
        vintage: '2012',
      },
      {
        id: '1903',
        name: "Iowa's 3rd congressional district",
        state_fips: '19',
        source: 'IA-3/shape.geojson',
        vintage: '2012',
      },
    ]);
  });

  it('takes ids from Feature properties (cds/2016 Code "IA-03", "AK-AL")', async () => {
    await ingestGeojson(temp.db.connection, {
      input: path.join(DISTRICTS, 'cds', '2016'),
      dataClass: 'congressional_districts',
    });
    expect((await rows('congressional_districts')).map((r) => [r.id, r.vintage])).toEqual([
      ['0200', '2016'],
      ['1903', '2016'],
    ]);
  });

  it('picks only the files of the class from a mixed tree, including a one-feature FeatureCollection', async () => {
    await ingestGeojson(temp.db.connection, {
      input: DISTRICTS,
      dataClass: 'state_legislative_upper',
      vintage: '2022',
    });
    expect(await rows('state_legislative_upper')).toEqual([
      {
        id: 'ocd-division/country:us/state:ma/sldu:cape_and_islands',
        name: 'Cape and Islands',
        state_fips: '25',
        source: 'states/MA/sldu/Cape-and-Islands.geojson',
        vintage: '2022',
      },
      {
        id: 'ocd-division/country:us/state:ma/sldu:first_essex',
        name: 'First Essex',
        state_fips: '25',
        source: 'states/MA/sldu/First-Essex.geojson#0',
        vintage: '2022',
      },
      {
        id: 'ocd-division/country:us/territory:pr/sldu:8',
        name: '8',
        state_fips: '72',
        source: 'states/PR/sldu/8.geojson',
        vintage: '2022',
      },
    ]);
    await ingestGeojson(temp.db.connection, { input: DISTRICTS, dataClass: 'state_legislative_lower' });
    expect((await rows('state_legislative_lower')).map((r) => [r.id, r.state_fips])).toEqual([
      ['ocd-division/country:us/district:dc/ward:2', '11'],
      ['ocd-division/country:us/state:ma/sldl:2nd_barnstable', '25'],
    ]);
    await ingestGeojson(temp.db.connection, { input: path.join(DISTRICTS, 'states'), dataClass: 'state' });
    expect((await rows('state')).map((r) => [r.id, r.name])).toEqual([
      ['25', 'Massachusetts'],
      ['72', 'Puerto Rico'],
    ]);
    // Each ingest replaced only its own class.
    expect((await rows('state_legislative_upper')).length).toBe(3);
  });
});

describe('ingest geojson: a FeatureCollection file', () => {
  it('ingests every feature with its GEOID, a Wikipedia-style name and CDSESSN as vintage', async () => {
    await ingestGeojson(temp.db.connection, {
      input: path.join(FIXTURES, 'cd-collection.geojson'),
      dataClass: 'congressional_districts',
    });
    expect(await rows('congressional_districts')).toEqual([
      {
        id: '0200',
        name: "Alaska's at-large congressional district",
        state_fips: '02',
        source: 'cd-collection.geojson#1',
        vintage: '119',
      },
      {
        id: '0639',
        name: "California's 39th congressional district",
        state_fips: '06',
        source: 'cd-collection.geojson#3',
        vintage: '119',
      },
      {
        id: '1198',
        name: "District of Columbia's at-large congressional district",
        state_fips: '11',
        source: 'cd-collection.geojson#2',
        vintage: '119',
      },
      {
        id: '1903',
        name: "Iowa's 3rd congressional district",
        state_fips: '19',
        source: 'cd-collection.geojson#0',
        vintage: '119',
      },
    ]);
    const geometry = await temp.db.connection.runAndReadAll("SELECT geometry FROM polygons WHERE id = '0639'");
    expect(JSON.parse(String(geometry.getRows()[0]![0]))).toEqual({
      type: 'Polygon',
      coordinates: [
        [
          [-117.5, 33.5],
          [-117, 33.5],
          [-117, 34],
          [-117.5, 34],
          [-117.5, 33.5],
        ],
      ],
    });
  });

  it('is idempotent: a second run leaves the same database', async () => {
    const input = path.join(FIXTURES, 'cd-collection.geojson');
    await ingestGeojson(temp.db.connection, { input, dataClass: 'congressional_districts' });
    await ingestGeojson(temp.db.connection, { input: DISTRICTS, dataClass: 'state' });
    const first = await snapshotDatabase(temp.db.connection);
    await ingestGeojson(temp.db.connection, { input, dataClass: 'congressional_districts' });
    expect(await snapshotDatabase(temp.db.connection)).toBe(first);
  });

  it('replaces the class: features no longer in the source are gone', async () => {
    await ingestGeojson(temp.db.connection, {
      input: path.join(FIXTURES, 'cd-collection.geojson'),
      dataClass: 'congressional_districts',
    });
    await ingestGeojson(temp.db.connection, {
      input: path.join(DISTRICTS, 'cds', '2016'),
      dataClass: 'congressional_districts',
    });
    expect((await rows('congressional_districts')).map((r) => r.id)).toEqual(['0200', '1903']);
  });
});

describe('ingest geojson: bad input is a clear error and leaves the database unchanged', () => {
  async function expectUnchanged(input: string, dataClass: string): Promise<string> {
    await ingestGeojson(temp.db.connection, {
      input: path.join(FIXTURES, 'cd-collection.geojson'),
      dataClass: 'congressional_districts',
    });
    await ingestGeojson(temp.db.connection, { input: DISTRICTS, dataClass: 'state' });
    const before = await snapshotDatabase(temp.db.connection);
    const error = await ingestGeojson(temp.db.connection, { input, dataClass }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(GeobundleError);
    expect(await snapshotDatabase(temp.db.connection)).toBe(before);
    return (error as Error).message;
  }

  // bad/<class>/<case>.geojson, ingested as <class>; the expected message is <case>.error.txt beside it.
  const BAD = path.join(FIXTURES, 'bad');
  describe.each(fs.readdirSync(BAD).sort())('as %s', (dataClass) => {
    const dir = path.join(BAD, dataClass);
    it.each(fixtureCases(dir, '.geojson'))('$name', async ({ name, file }) => {
      expectErrorFile(await expectUnchanged(file, dataClass), dir, path.join(dir, `${name}.error.txt`));
    });
  });

  it.each([
    [
      'an unknown class',
      path.join(FIXTURES, 'cd-collection.geojson'),
      'school_districts',
      /unknown data class "school_districts" \(known: congressional_districts, county, state, state_legislative_lower, state_legislative_upper\)/,
    ],
    [
      'a missing input',
      path.join(FIXTURES, 'no-such-file.geojson'),
      'congressional_districts',
      /cannot read .*no-such-file\.geojson: ENOENT/,
    ],
    [
      'a directory without files of the class',
      path.join(DISTRICTS, 'cds'),
      'state',
      /districts\/cds: no \*\.geojson file of class state in this directory tree \(paths matching /,
    ],
  ])('%s', async (_what, input, dataClass, message) => {
    expect(await expectUnchanged(input, dataClass)).toMatch(message);
  });
});

describe('geobundle ingest geojson (CLI)', () => {
  it('ingests, prints progress on stderr and a JSON summary on stdout', async () => {
    const result = await temp.whileClosed((dbPath) =>
      geobundle([
        'ingest',
        'geojson',
        path.join(DISTRICTS, 'cds', '2012'),
        '--class',
        'congressional_districts',
        '--db',
        dbPath,
        '--json',
      ]),
    );
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/ingested 3 congressional_districts features from 3 files/);
    expect(JSON.parse(result.stdout)).toMatchObject({ dataClass: 'congressional_districts', features: 3, files: 3 });
    expect((await rows('congressional_districts')).map((r) => r.id)).toEqual(['0200', '1198', '1903']);
  });

  it('fails with exit code 1 and a one-line cause, changing nothing', async () => {
    await ingestGeojson(temp.db.connection, {
      input: path.join(FIXTURES, 'cd-collection.geojson'),
      dataClass: 'congressional_districts',
    });
    const before = await snapshotDatabase(temp.db.connection);
    const result = await temp.whileClosed((dbPath) =>
      geobundle([
        'ingest',
        'geojson',
        path.join(FIXTURES, 'bad', 'congressional_districts', 'unclosed-ring.geojson'),
        '--class',
        'congressional_districts',
        '--db',
        dbPath,
        '--quiet',
      ]),
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^geobundle: .*unclosed-ring\.geojson#1: congressional_districts feature "1902": geometry: polygon 0 ring 0 is not closed/,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(await snapshotDatabase(temp.db.connection)).toBe(before);
  });

  it('--help explains the sources and gives examples', async () => {
    const result = await geobundle(['ingest', 'geojson', '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain('--class <class>');
  });
});
