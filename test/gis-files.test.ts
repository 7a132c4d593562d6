/**
 * The GIS files of a release (all.fgb, all.parquet) hold exactly the
 * features of all.geojson with their facts flattened, checked with readers
 * that share no code with the writers: GDAL (FlatGeobuf), DuckDB's Parquet
 * reader and WKB parser (GeoParquet), the flatgeobuf package's index search,
 * and the published GeoParquet 1.1 JSON Schema. Golden renderings (GDAL's
 * ogrinfo of all.fgb, DuckDB's rows of all.parquet) sit in
 * test/fixtures/gis/expected/ (REGEN=1 rewrites them).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Ajv } from 'ajv';
import { geojson as flatgeobuf } from 'flatgeobuf';
import type { Feature, FeatureCollection, MultiPolygon } from 'geojson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bbox } from '../core/release-format.ts';
import type { ArealGeometry } from '../pipeline/geometry.ts';
import { geometryBbox } from '../pipeline/bbox.ts';
import { readManifest } from '../pipeline/release/store/manifest-file.ts';
import { asMultiPolygon } from '../pipeline/release/formats/gis/wkb.ts';
import { expectFile } from './helpers/fixtures.ts';
import { collectSearch } from './helpers/flatgeobuf.ts';
import { gdalMissingReason, ogrinfo, ogrToGeoJson } from './helpers/gdal.ts';
import { buildFixtureReleases, buildUsAtlasRelease } from './helpers/release.ts';
import { tempDir } from '../testkit/temp.ts';
import { readBundle } from '../testkit/bundle-file.ts';

const CLASS = 'congressional_districts';
const EXPECTED = path.resolve(import.meta.dirname, 'fixtures', 'gis', 'expected');
const SCHEMAS = path.resolve(import.meta.dirname, 'fixtures', 'geoparquet');
const skipGdal = await gdalMissingReason();
if (skipGdal) console.warn(`SKIPPED GDAL checks of the GIS files: ${skipGdal}`);

/** The feature as a GIS file holds it: a MultiPolygon, the facts as flat columns. */
function flattened(feature: Feature<ArealGeometry, Record<string, any>>) {
  const { id, name, state_fips, census, wikipedia } = feature.properties;
  const columns: Record<string, unknown> = { id, name, state_fips };
  for (const [k, v] of Object.entries(census ?? {})) columns[`census_${k}`] = v;
  for (const [k, v] of Object.entries(wikipedia ?? {})) columns[`wikipedia_${k}`] = v;
  return { columns, geometry: asMultiPolygon(feature.geometry) };
}

function allGeojson(dir: string, dataClass: string): Feature<ArealGeometry, Record<string, any>>[] {
  return (JSON.parse(readBundle(path.join(dir, dataClass, 'all.geojson.gz'))) as FeatureCollection<ArealGeometry>)
    .features as Feature<ArealGeometry, Record<string, any>>[];
}

/** WKT as DuckDB writes it: JavaScript's shortest number form is DuckDB's too. */
function wkt(geometry: MultiPolygon): string {
  const ring = (r: number[][]) => `(${r.map(([x, y]) => `${x} ${y}`).join(', ')})`;
  return `MULTIPOLYGON (${geometry.coordinates.map((p) => `(${p.map(ring).join(', ')})`).join(', ')})`;
}

const intersects = (a: Bbox, b: Bbox) => a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1];

let duck: DuckDBInstance;
let sql: DuckDBConnection;

beforeAll(async () => {
  duck = await DuckDBInstance.create(':memory:');
  sql = await duck.connect();
});

afterAll(() => {
  duck?.closeSync();
});

async function rows(query: string): Promise<Record<string, any>[]> {
  return (await sql.runAndReadAll(query)).getRowObjectsJS();
}

describe('GIS files of the fixture release', () => {
  let dir: string;
  let features: Feature<ArealGeometry, Record<string, any>>[];

  beforeAll(async () => {
    const { releases } = await buildFixtureReleases('gis-files', ['v1.0.0'], new Date('2026-01-02T03:04:05Z'));
    dir = path.join(releases, 'v1.0.0');
    features = allGeojson(dir, CLASS);
  });

  describe.skipIf(skipGdal)(`all.fgb read by GDAL${skipGdal ? ` — SKIPPED: ${skipGdal}` : ''}`, () => {
    it('is one typed MultiPolygon layer in EPSG:4326 with the flattened columns (golden ogrinfo, REGEN=1 rewrites it)', async () => {
      const info = await ogrinfo('-al', path.join(dir, CLASS, 'all.fgb'));
      expect(info.exitCode, info.output).toBe(0);
      expect(info.output).toContain("using driver `FlatGeobuf' successful");
      expect(info.output).toMatch(/Layer name: congressional_districts\nGeometry: Multi Polygon\nFeature Count: 4\n/);
      expect(info.output).toContain('ID["EPSG",4326]');
      expect(info.output).toMatch(/census_TOTPOP20: Integer64/);
      expect(info.output).toMatch(/census_G20PREDBID_pct: Real/);
      expect(info.output).toMatch(/wikipedia_partisan_lean: Real/);
      expectFile(info.output.replace(dir, '<release>'), path.join(EXPECTED, CLASS, 'all.fgb.ogrinfo.txt'));
    });

    it('holds every feature of all.geojson: the same ids, flattened facts and coordinates', async () => {
      const read = await ogrToGeoJson(path.join(dir, CLASS, 'all.fgb'));
      const byId = new Map(read.features.map((f) => [f.properties.id as string, f]));
      expect([...byId.keys()].sort()).toEqual(features.map((f) => f.id));
      for (const feature of features) {
        const { columns, geometry } = flattened(feature);
        const got = byId.get(feature.id as string)!;
        // GDAL lists every column of the layer; the feature's missing facts are null.
        expect(Object.fromEntries(Object.entries(got.properties).filter(([, v]) => v !== null))).toEqual(
          Object.fromEntries(Object.entries(columns).filter(([, v]) => v !== null)),
        );
        expect(got.geometry, String(feature.id)).toEqual(geometry);
      }
      const known = byId.get('0601')!.properties;
      expect(known).toMatchObject({
        name: "California's 1st congressional district",
        state_fips: '06',
        census_TOTPOP20: 760862,
        census_Median_HH_Income_Est: '60,000-74,999',
        wikipedia_representative: 'Doug LaMalfa',
        wikipedia_partisan_lean: -23.3,
      });
    });

    it('filters by a box through its index: GDAL finds the features there', async () => {
      const info = await ogrinfo('-al', '-q', '-spat', '-124', '40', '-123', '41', path.join(dir, CLASS, 'all.fgb'));
      expect(info.exitCode, info.output).toBe(0);
      expect([...info.output.matchAll(/^ {2}id \(String\) = (\S+)$/gm)].map((m) => m[1])).toEqual(['0601']);
    });
  });

  describe('all.parquet read by DuckDB', () => {
    const file = () => path.join(dir, CLASS, 'all.parquet');

    it('carries GeoParquet 1.1 metadata that validates against the published schema', async () => {
      const [kv] = await rows(
        `SELECT decode(value) AS geo FROM parquet_kv_metadata('${file()}') WHERE decode(key) = 'geo'`,
      );
      const geo = JSON.parse(kv!.geo);
      const ajv = new Ajv({ allErrors: true, strict: false });
      ajv.addSchema(JSON.parse(fs.readFileSync(path.join(SCHEMAS, 'projjson-v0.7.schema.json'), 'utf8')));
      const validate = ajv.compile(
        JSON.parse(fs.readFileSync(path.join(SCHEMAS, 'geoparquet-1.1.0.schema.json'), 'utf8')),
      );
      expect(validate(geo), JSON.stringify(validate.errors)).toBe(true);
      expect(geo).toMatchObject({
        version: '1.1.0',
        primary_column: 'geometry',
        columns: {
          geometry: {
            encoding: 'WKB',
            geometry_types: ['MultiPolygon'],
            crs: { id: { authority: 'OGC', code: 'CRS84' } },
            orientation: 'counterclockwise',
            bbox: readManifest(dir).classes[CLASS]!.bbox,
            covering: {
              bbox: { xmin: ['bbox', 'xmin'], ymin: ['bbox', 'ymin'], xmax: ['bbox', 'xmax'], ymax: ['bbox', 'ymax'] },
            },
          },
        },
      });
      // Validation really rejects: a wrong version and a missing encoding fail.
      expect(validate({ ...geo, version: '1.0.0' })).toBe(false);
      expect(validate({ ...geo, columns: { geometry: { geometry_types: [] } } })).toBe(false);
    });

    it('holds every feature in id order, attributes typed, WKB decoding to the GeoJSON geometry, bbox per row', async () => {
      const types = Object.fromEntries(
        (await rows(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${file()}')`)).map((r) => [
          r.column_name,
          r.column_type,
        ]),
      );
      expect(types).toMatchObject({
        id: 'VARCHAR',
        census_TOTPOP20: 'BIGINT',
        census_G20PREDBID_pct: 'DOUBLE',
        wikipedia_partisan_lean: 'DOUBLE',
        geometry: "GEOMETRY('OGC:CRS84')",
        bbox: 'STRUCT(xmin DOUBLE, ymin DOUBLE, xmax DOUBLE, ymax DOUBLE)',
      });
      const read = await rows(`SELECT * EXCLUDE (geometry), ST_AsText(geometry) AS wkt FROM '${file()}'`);
      expect(read.map((r) => r.id)).toEqual(features.map((f) => f.id));
      for (const [i, feature] of features.entries()) {
        const { columns, geometry } = flattened(feature);
        const { wkt: text, bbox, ...attributes } = read[i]!;
        expect(text, String(feature.id)).toBe(wkt(geometry));
        const [xmin, ymin, xmax, ymax] = geometryBbox(feature.geometry);
        expect(bbox).toEqual({ xmin, ymin, xmax, ymax });
        for (const [name, value] of Object.entries(columns))
          expect(typeof attributes[name] === 'bigint' ? Number(attributes[name]) : attributes[name], name).toEqual(
            value,
          );
      }
      const golden = read.map(({ wkt: _wkt, ...r }) =>
        JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)),
      );
      expectFile(`${golden.join('\n')}\n`, path.join(EXPECTED, CLASS, 'all.parquet.rows.jsonl'));
    });
  });
});

describe('GIS files of us-atlas counties (3,231 features: a deep index)', () => {
  let dir: string;

  beforeAll(async () => {
    ({ dir } = await buildUsAtlasRelease(path.join(tempDir('gis-usatlas'), 'releases'), 'v1.0.0'));
  }, 300_000);

  it("answers the flatgeobuf package's indexed box search exactly as a scan of all.geojson does", async () => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(dir, 'county', 'all.fgb')));
    const boxes = new Map(allGeojson(dir, 'county').map((f) => [f.id as string, geometryBbox(f.geometry)]));
    const rects: Bbox[] = [
      [-122.52, 37.7, -122.35, 37.83],
      [-105, 35, -95, 45],
      [-180, 50, -150, 72],
    ];
    for (const rect of rects) {
      const [minX, minY, maxX, maxY] = rect;
      const features = await collectSearch(
        flatgeobuf.deserialize(bytes, { rect: { minX, minY, maxX, maxY } }) as AsyncGenerator<Feature>,
      );
      const found = features.map((f) => f.properties!.id as string);
      const expected = [...boxes].filter(([, b]) => intersects(b, rect)).map(([id]) => id);
      expect(found.sort(), JSON.stringify(rect)).toEqual(expected.sort());
      expect(found.length).toBeGreaterThan(0);
    }
  });

  it.skipIf(skipGdal)('is found by GDAL by box: San Francisco County for a box inside it', async () => {
    const info = await ogrinfo(
      '-al',
      '-q',
      '-spat',
      '-122.45',
      '37.75',
      '-122.44',
      '37.76',
      path.join(dir, 'county', 'all.fgb'),
    );
    expect([...info.output.matchAll(/^ {2}id \(String\) = (\S+)$/gm)].map((m) => m[1])).toEqual(['06075']);
    const all = await ogrinfo('-al', '-so', path.join(dir, 'county', 'all.fgb'));
    expect(all.output).toMatch(/Feature Count: 3231/);
  });

  it('holds every county in all.parquet, in id order', async () => {
    const ids = (await rows(`SELECT id FROM '${path.join(dir, 'county', 'all.parquet')}'`)).map((r) => r.id as string);
    expect(ids).toEqual(allGeojson(dir, 'county').map((f) => f.id));
    expect(ids).toHaveLength(3231);
  });
});
