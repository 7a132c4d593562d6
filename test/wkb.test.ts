/**
 * The WKB writer of the GeoParquet files, checked byte by byte against the
 * layout of ISO 19125-1 §8.2 and decoded by an independent reader: DuckDB's
 * core WKB parser (ST_GeomFromWKB), which knows nothing of this code.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import type { MultiPolygon, Polygon } from 'geojson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asMultiPolygon, multiPolygonWkb } from '../pipeline/release/formats/gis/wkb.ts';

const square: Polygon = {
  type: 'Polygon',
  coordinates: [
    [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 0],
    ],
  ],
};

const withHoleAndIsland: MultiPolygon = {
  type: 'MultiPolygon',
  coordinates: [
    [
      [
        [-123.5, 40],
        [-122, 40],
        [-122, 41.25],
        [-123.5, 41.25],
        [-123.5, 40],
      ],
      [
        [-123, 40.5],
        [-123, 40.75],
        [-122.5, 40.75],
        [-123, 40.5],
      ],
    ],
    [
      [
        [-121.123456, 38.654321],
        [-120.5, 38.654321],
        [-120.5, 39],
        [-121.123456, 38.654321],
      ],
    ],
  ],
};

/** WKT as DuckDB writes it, from GeoJSON coordinates: JavaScript's shortest number form is DuckDB's too. */
function wkt(geometry: MultiPolygon): string {
  const ring = (r: number[][]) => `(${r.map(([x, y]) => `${x} ${y}`).join(', ')})`;
  return `MULTIPOLYGON (${geometry.coordinates.map((p) => `(${p.map(ring).join(', ')})`).join(', ')})`;
}

let db: DuckDBInstance;

beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
});

afterAll(() => {
  db?.closeSync();
});

async function decode(wkb: Buffer): Promise<string> {
  const connection = await db.connect();
  const reader = await connection.runAndReadAll(
    `SELECT ST_AsText(ST_GeomFromWKB(from_hex('${wkb.toString('hex')}'))) AS t`,
  );
  return reader.getRowObjectsJS()[0]!.t as string;
}

describe('multiPolygonWkb', () => {
  it('writes little-endian ISO WKB: byte order, type 6, parts of type 3, ring and point counts, doubles', () => {
    const double = (v: number) => {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(v);
      return b.toString('hex');
    };
    const expected = [
      '01',
      '06000000',
      '01000000',
      '01',
      '03000000',
      '01000000',
      '04000000',
      ...[0, 0, 1, 0, 1, 1, 0, 0].map(double),
    ].join('');
    expect(multiPolygonWkb(asMultiPolygon(square)).toString('hex')).toBe(expected);
  });

  it("decodes, in DuckDB's own WKB reader, to the same geometry: holes, several parts, six decimals", async () => {
    expect(await decode(multiPolygonWkb(withHoleAndIsland))).toBe(wkt(withHoleAndIsland));
    expect(await decode(multiPolygonWkb(asMultiPolygon(square)))).toBe('MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)))');
  });

  it('turns a Polygon into the one-part MultiPolygon it is, and leaves a MultiPolygon as it is', () => {
    expect(asMultiPolygon(square)).toEqual({ type: 'MultiPolygon', coordinates: [square.coordinates] });
    expect(asMultiPolygon(withHoleAndIsland)).toBe(withHoleAndIsland);
  });
});
