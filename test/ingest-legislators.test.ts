import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { GeobundleError } from '../core/errors.ts';
import { ingestLegislators } from '../pipeline/ingest/legislators.ts';
import { snapshotDatabase, useTempDatabase } from './helpers/database.ts';
import { geobundle } from './helpers/cli.ts';
import { expectErrorFile, fixtureCases } from './helpers/fixtures.ts';

const yaml = (name: string) => path.join(import.meta.dirname, 'fixtures', 'ingest', 'legislators', `${name}.yaml`);

const temp = useTempDatabase('ingest-legislators');

beforeEach(async () => {
  // An article fetched earlier by refresh-wikipedia: ingest legislators must keep it.
  await temp.db.connection.run(
    `INSERT INTO wikipedia (data_class, id, article_title, extract, etag, representative)
     VALUES ('congressional_districts', '1903', 'Iowa''s 3rd congressional district', 'Iowa''s 3rd ...', 'W/"1"', 'Old Member')`,
  );
});

async function wikipedia() {
  const result = await temp.db.connection.runAndReadAll(
    'SELECT id, article_title, etag, representative, party, representative_title FROM wikipedia ORDER BY data_class, id',
  );
  return result.getRowObjectsJson();
}

describe('ingest legislators', () => {
  it('sets representative, party and title per district GEOID, keeping article columns', async () => {
    const summary = await ingestLegislators(temp.db.connection, yaml('current'));
    expect(summary).toEqual({ dataClass: 'congressional_districts', representatives: 4, cleared: 0 });
    expect(await wikipedia()).toEqual([
      {
        id: '0200',
        article_title: null,
        etag: null,
        representative: 'Al Atlarge',
        party: 'Independent',
        representative_title: 'Al Atlarge',
      },
      // No official_full: first + last; no id.wikipedia: no title.
      {
        id: '1198',
        article_title: null,
        etag: null,
        representative: 'Della Gate',
        party: 'Democrat',
        representative_title: null,
      },
      // The senator's earlier House term is not current; the article columns are untouched.
      {
        id: '1903',
        article_title: "Iowa's 3rd congressional district",
        etag: 'W/"1"',
        representative: 'Rita Q. Representative',
        party: 'Republican',
        representative_title: 'Rita Representative (politician)',
      },
      {
        id: '7298',
        article_title: null,
        etag: null,
        representative: 'Pat Commissioner',
        party: 'Democrat',
        representative_title: 'Pat Commissioner',
      },
    ]);
  });

  it('is idempotent', async () => {
    await ingestLegislators(temp.db.connection, yaml('current'));
    const first = await snapshotDatabase(temp.db.connection);
    expect(await ingestLegislators(temp.db.connection, yaml('current'))).toMatchObject({ cleared: 0 });
    expect(await snapshotDatabase(temp.db.connection)).toBe(first);
  });

  it('replaces a successor and clears a district left without member', async () => {
    await ingestLegislators(temp.db.connection, yaml('current'));
    expect(await ingestLegislators(temp.db.connection, yaml('successor'))).toMatchObject({
      representatives: 3,
      cleared: 1,
    });
    const rows = await wikipedia();
    expect(rows.find((r) => r.id === '0200')).toMatchObject({
      representative: null,
      party: null,
      representative_title: null,
    });
    expect(rows.find((r) => r.id === '1903')).toMatchObject({
      article_title: "Iowa's 3rd congressional district",
      representative: 'Nora Newcomer',
      party: 'Democrat',
      representative_title: 'Nora Newcomer',
    });
  });

  // bad/<case>.yaml; the expected message is <case>.error.txt beside it.
  const BAD = path.join(path.dirname(yaml('current')), 'bad');
  it.each([...fixtureCases(BAD, '.yaml'), { name: 'no-such-file', file: path.join(BAD, 'no-such-file.yaml') }])(
    'rejects $name and leaves the database unchanged',
    async ({ name, file }) => {
      await ingestLegislators(temp.db.connection, yaml('current'));
      const before = await snapshotDatabase(temp.db.connection);
      const error = await ingestLegislators(temp.db.connection, file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GeobundleError);
      expectErrorFile((error as Error).message, BAD, path.join(BAD, `${name}.error.txt`));
      expect(await snapshotDatabase(temp.db.connection)).toBe(before);
    },
  );

  it('runs from the CLI', async () => {
    const result = await temp.whileClosed((dbPath) =>
      geobundle(['ingest', 'legislators', yaml('current'), '--db', dbPath, '--json']),
    );
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('set the representatives of 4 congressional_districts');
    expect(JSON.parse(result.stdout)).toMatchObject({ representatives: 4 });
    expect((await wikipedia()).filter((r) => r.representative !== null)).toHaveLength(4);
  });
});
