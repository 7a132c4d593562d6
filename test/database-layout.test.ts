/**
 * The database file's layout (docs/database.md): each class in its own
 * tables with its geometry in parts, the `polygons` view over them, the
 * one-time migration of a file in the old layout (one `polygons` table for
 * every class), and what a killed writer leaves behind.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Polygon } from 'geojson';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GeobundleError } from '../core/errors.ts';
import { GEOMETRY_PART_CHARS, geometryParts } from '../pipeline/class-tables.ts';
import { openDatabase, withDatabase } from '../pipeline/db.ts';
import { ingestGeojson } from '../pipeline/ingest/geojson.ts';
import { buildRelease } from '../pipeline/release/build-release.ts';
import { tempDir } from '../testkit/temp.ts';
import { createFixtureDatabase, releaseFixtureSource, snapshotTree } from './helpers/release.ts';

let dir: string;
beforeEach(() => {
  dir = tempDir('database-layout');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/** A closed ring of `n` points around (lon, lat), written with every digit a coordinate can have. */
function manySidedPolygon(n: number, lon: number, lat: number): Polygon {
  const ring = Array.from({ length: n }, (_, i) => {
    const a = (2 * Math.PI * i) / n;
    return [lon + 0.123456789012 * Math.cos(a), lat + 0.123456789012 * Math.sin(a)];
  });
  return { type: 'Polygon', coordinates: [[...ring, ring[0]!]] };
}

/** Every row of the `polygons` view, whole geometries included. */
async function viewRows(dbPath: string) {
  return withDatabase(dbPath, { readOnly: true }, async ({ connection }) =>
    (
      await connection.runAndReadAll(
        'SELECT data_class, id, name, state_fips, geometry, source, vintage, geometry_sha256, geometry_bytes FROM polygons ORDER BY data_class, id',
      )
    ).getRowObjectsJson(),
  );
}

/** The schema objects of the file, as DuckDB itself lists them (no geobundle code on the way). */
async function catalog(dbPath: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(dbPath, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(
      "SELECT table_type || ' ' || table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name",
    );
    connection.closeSync();
    return reader.getRows().map(([row]) => String(row));
  } finally {
    instance.closeSync();
  }
}

describe('geometry in parts', () => {
  it('stores a geometry longer than a part in parts of at most 16,384 characters and gives it back whole', async () => {
    const geometry = manySidedPolygon(2000, -93.5, 42);
    const text = JSON.stringify(geometry);
    expect(text.length).toBeGreaterThan(2 * GEOMETRY_PART_CHARS);
    const input = path.join(dir, 'big.geojson');
    fs.writeFileSync(
      input,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [{ type: 'Feature', properties: { GEOID: '1903' }, geometry }],
      }),
    );
    const dbPath = path.join(dir, 'db.duckdb');
    await withDatabase(dbPath, {}, ({ connection }) =>
      ingestGeojson(connection, { input, dataClass: 'congressional_districts' }),
    );

    const parts = await withDatabase(dbPath, { readOnly: true }, async ({ connection }) =>
      (
        await connection.runAndReadAll(
          "SELECT part, strlen(geometry) AS length FROM geometry_congressional_districts WHERE id = '1903' ORDER BY part",
        )
      ).getRowObjectsJson(),
    );
    const count = Math.ceil(text.length / GEOMETRY_PART_CHARS);
    expect(parts.map((p) => p.part)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(parts.every((p) => Number(p.length) <= GEOMETRY_PART_CHARS)).toBe(true);
    expect(await viewRows(dbPath)).toEqual([
      expect.objectContaining({
        data_class: 'congressional_districts',
        id: '1903',
        geometry: text,
        geometry_sha256: sha256(text),
        geometry_bytes: String(Buffer.byteLength(text)),
      }),
    ]);
  });

  it('never cuts between the two halves of a surrogate pair', () => {
    const text = `${'a'.repeat(GEOMETRY_PART_CHARS - 1)}😀${'b'.repeat(GEOMETRY_PART_CHARS)}`;
    const parts = geometryParts(text);
    expect(parts.map((p) => p.length)).toEqual([GEOMETRY_PART_CHARS - 1, GEOMETRY_PART_CHARS, 2]);
    expect(parts.join('')).toBe(text);
    // A lone surrogate would not survive UTF-8, which DuckDB stores.
    for (const part of parts) expect(Buffer.from(part).toString()).toBe(part);
  });
});

/** The shared table of every class, as 0.1.0 made it (`digests`: as later files have it, with the two digest columns). */
function oldPolygonsTable(digests: boolean): string {
  return `CREATE TABLE polygons (
    data_class VARCHAR NOT NULL,
    id         VARCHAR NOT NULL,
    name       VARCHAR NOT NULL,
    state_fips VARCHAR,
    geometry   VARCHAR NOT NULL,
    source     VARCHAR NOT NULL,
    vintage    VARCHAR,
    ${digests ? 'geometry_sha256 VARCHAR, geometry_bytes BIGINT,' : ''}
    PRIMARY KEY (data_class, id)
  )`;
}

interface OldRow {
  data_class: string;
  id: string;
  name: string;
  state_fips: string | null;
  geometry: string;
}

/** A DuckDB file in the old layout, written with DuckDB alone, as an older geobundle left it. */
async function oldLayoutFile(dbPath: string, rows: OldRow[], { digests }: { digests: boolean }): Promise<void> {
  const instance = await DuckDBInstance.create(dbPath);
  try {
    const connection = await instance.connect();
    await connection.run(oldPolygonsTable(digests));
    for (const r of rows) {
      await connection.run(
        `INSERT INTO polygons (data_class, id, name, state_fips, geometry, source, vintage${digests ? ', geometry_sha256, geometry_bytes' : ''})
         VALUES ($1, $2, $3, $4, $5, 'fixture', 'test'${digests ? ', sha256($5), strlen($5)' : ''})`,
        [r.data_class, r.id, r.name, r.state_fips, r.geometry],
      );
    }
    connection.closeSync();
  } finally {
    instance.closeSync();
  }
}

const OLD_ROWS: OldRow[] = [
  {
    data_class: 'congressional_districts',
    id: '1903',
    name: "Iowa's 3rd congressional district",
    state_fips: '19',
    geometry: JSON.stringify(manySidedPolygon(2000, -93.5, 42)),
  },
  {
    data_class: 'congressional_districts',
    id: '0200',
    name: "Alaska's at-large congressional district",
    state_fips: '02',
    geometry: JSON.stringify(manySidedPolygon(5, -150, 64)),
  },
  {
    data_class: 'state',
    id: '19',
    name: 'Iowa',
    state_fips: '19',
    geometry: JSON.stringify(manySidedPolygon(8, -93.5, 42)),
  },
];

/** OLD_ROWS as the `polygons` view answers them after the migration. */
const MIGRATED_ROWS = OLD_ROWS.map((r) => ({
  ...r,
  source: 'fixture',
  vintage: 'test',
  geometry_sha256: sha256(r.geometry),
  geometry_bytes: String(Buffer.byteLength(r.geometry)),
})).sort((a, b) => (a.data_class + a.id < b.data_class + b.id ? -1 : 1));

describe('a file in the old layout (one polygons table for every class)', () => {
  it.each([
    ['with the geometry digests', true],
    ['without them (0.1.0)', false],
  ])('%s is migrated on its first open, with a message, and never again', async (_what, digests) => {
    const dbPath = path.join(dir, 'old.duckdb');
    await oldLayoutFile(dbPath, OLD_ROWS, { digests });
    const messages: string[] = [];
    const progress = { info: (m: string) => messages.push(m) };

    await withDatabase(dbPath, { progress }, async () => {});
    expect(messages).toEqual([
      `migrating database ${dbPath} to one table per data class (once; docs/database.md) …`,
      `migrated database ${dbPath}: moved 3 polygons of 2 classes (congressional_districts, state) ` +
        'from the shared table polygons into tables polygons_<class> and geometry_<class>',
    ]);
    expect(await catalog(dbPath)).toEqual([
      'BASE TABLE geometry_congressional_districts',
      'BASE TABLE geometry_state',
      'VIEW polygons',
      'BASE TABLE polygons_congressional_districts',
      'BASE TABLE polygons_state',
      'BASE TABLE wikipedia',
    ]);
    expect(await viewRows(dbPath)).toEqual(MIGRATED_ROWS);

    messages.length = 0;
    await withDatabase(dbPath, { progress }, async () => {});
    expect(messages).toEqual([]);
  });

  it('is migrated by a build too, which then publishes what the same data in the new layout does', async () => {
    const source = releaseFixtureSource();
    const current = await createFixtureDatabase(path.join(dir, 'current.duckdb'), source);
    // The same file with its polygons moved back into the old shared table.
    const old = path.join(dir, 'old.duckdb');
    fs.copyFileSync(current, old);
    const instance = await DuckDBInstance.create(old);
    try {
      const connection = await instance.connect();
      await connection.run(`CREATE TABLE old_rows AS SELECT * FROM polygons;
        DROP VIEW polygons; DROP TABLE polygons_${source.dataClass}; DROP TABLE geometry_${source.dataClass};
        ${oldPolygonsTable(true)};
        INSERT INTO polygons SELECT data_class, id, name, state_fips, geometry, source, vintage, geometry_sha256, geometry_bytes FROM old_rows;
        DROP TABLE old_rows;`);
      connection.closeSync();
    } finally {
      instance.closeSync();
    }
    expect(await catalog(old)).toContain('BASE TABLE polygons');

    const builtAt = new Date('2026-01-01T00:00:00Z');
    const messages: string[] = [];
    await buildRelease({ dbPath: current, releasesDir: path.join(dir, 'from-current'), version: 'v1.0.0', builtAt });
    await buildRelease({
      dbPath: old,
      releasesDir: path.join(dir, 'from-old'),
      version: 'v1.0.0',
      builtAt,
      progress: { info: (m) => messages.push(m) },
    });
    expect(messages.filter((m) => m.startsWith('migrated database'))).toHaveLength(1);
    expect(await catalog(old)).toEqual(await catalog(current));
    expect(snapshotTree(path.join(dir, 'from-old'))).toEqual(snapshotTree(path.join(dir, 'from-current')));
  });

  it('with a class name that is not one fails naming the file, the table and the remedy, and stays as it was', async () => {
    const dbPath = path.join(dir, 'old.duckdb');
    // Sorted after congressional_districts, which is migrated before the error and must be undone.
    const rows = [...OLD_ROWS, { ...OLD_ROWS[2]!, data_class: 'State Legislative' }];
    await oldLayoutFile(dbPath, rows, { digests: true });
    const before = await catalog(dbPath);

    const error = await openDatabase(dbPath).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(GeobundleError);
    expect((error as Error).message).toBe(
      `database ${dbPath}: table polygons has rows of data class "State Legislative", which is not a class name ` +
        '(a lower-case letter, then letters, digits or _): rename or delete them with DuckDB, then run again',
    );
    expect(await catalog(dbPath)).toEqual(before);
    expect(before).toEqual(['BASE TABLE polygons']);
  });
});

describe('what a killed writer spilled', () => {
  it('is removed by the next write open, and left to a reader', async () => {
    const dbPath = path.join(dir, 'db.duckdb');
    await withDatabase(dbPath, {}, async () => {});
    // As DuckDB names its spill files; a writer killed mid-ingest leaves them (ingest-real-data.test.ts).
    const spill = `${dbPath}.tmp`;
    fs.mkdirSync(spill);
    fs.writeFileSync(path.join(spill, 'duckdb_temp_storage_S128K-0.tmp'), Buffer.alloc(128 * 1024));

    await withDatabase(dbPath, { readOnly: true }, async () => {});
    expect(fs.readdirSync(spill)).toEqual(['duckdb_temp_storage_S128K-0.tmp']);
    await withDatabase(dbPath, {}, async () => {});
    expect(fs.existsSync(spill)).toBe(false);
  });
});
