/**
 * What a GIS user pastes: every documented URL form of every format of a
 * real release (the 119th Congress with census and Wikipedia facts), opened
 * by GDAL (Debian's ogrinfo, QGIS's own library) against real nginx.
 * Each form is checked for the feature count and a known district's facts
 * — or, for the forms documented as not working, for GDAL's refusal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { FeatureCollection } from 'geojson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cd119IngestArgs, cd119Sources, missingSources } from '../testkit/shared-data.ts';
import { request } from '../testkit/http-request.ts';
import { buildRelease } from '../pipeline/release/build-release.ts';
import { readManifest } from '../pipeline/release/store/manifest-file.ts';
import { setCurrent } from '../pipeline/release/set-current.ts';
import { startServing, type Serving } from '../serve/serve.ts';
import { geobundle } from './helpers/cli.ts';
import { gdalMissingReason, ogrinfo } from './helpers/gdal.ts';
import { nginxMissingReason } from './helpers/nginx.ts';
import { tempDir } from '../testkit/temp.ts';
import { readBundle } from '../testkit/bundle-file.ts';

const CLASS = 'congressional_districts';
const KNOWN = '0611';
const sources = cd119Sources();
const missing = missingSources(sources);
const skip =
  (await nginxMissingReason()) ??
  (await gdalMissingReason()) ??
  (missing.length > 0 ? `${missing.join(', ')} not found (set GEOBUNDLE_SHARED_DATA)` : null);
if (skip) console.warn(`SKIPPED GIS URL forms over HTTP: ${skip}`);

/** GDAL 3.6 (Debian 12) is built without Arrow/Parquet; a newer GDAL reads all.parquet itself. */
const parquetDriver = skip ? false : (await ogrinfo('--formats')).output.includes('Parquet');

describe.skipIf(skip)(`GDAL opens the release's URLs${skip ? ` — SKIPPED: ${skip}` : ''}`, () => {
  let serving: Serving;
  let releasesDir: string;
  let base: string;
  let known: { name: string; census: Record<string, unknown>; wikipedia: Record<string, unknown> };
  let canonical: (name: string) => string;

  beforeAll(async () => {
    const work = tempDir('gis-http');
    const db = path.join(work, 'geobundle.duckdb');
    releasesDir = path.join(work, 'releases');
    for (const args of cd119IngestArgs(sources)) {
      const result = await geobundle([...args, '--db', db, '--quiet']);
      expect(result.exitCode, result.stderr).toBe(0);
    }
    await buildRelease({ dbPath: db, releasesDir, version: 'v1.0.0' });
    await setCurrent(releasesDir, 'v1.0.0');
    const dir = path.join(releasesDir, 'v1.0.0');
    const all = JSON.parse(readBundle(path.join(dir, CLASS, 'all.geojson.gz'))) as FeatureCollection;
    known = all.features.find((f) => f.id === KNOWN)!.properties as typeof known;
    const files = readManifest(dir).classes[CLASS]!.files;
    canonical = (name) => files.find((f) => f.path === `${CLASS}/${name}`)!.canonical_path;
    fs.mkdirSync(path.join(work, 'site'));
    serving = await startServing({ releasesDir, siteRoot: path.join(work, 'site'), port: 0, apiPort: 0 });
    base = serving.urls.site.replace(/\/$/, '');
  }, 300_000);

  afterAll(async () => {
    await serving?.stop();
  });

  const url = (file: string, at = 'v1.0.0') => `${base}/bundles/${at}/${CLASS}/${file}`;

  /** GDAL's summary and the known district of a source, as ogrinfo prints them. */
  async function open(source: string) {
    const summary = await ogrinfo('-so', '-al', source);
    const feature = await ogrinfo('-al', '-q', '-where', `id = '${KNOWN}'`, source);
    return { summary, feature };
  }

  function expectFlattened(output: string) {
    expect(output).toContain(`id (String) = ${KNOWN}`);
    expect(output).toContain(`name (String) = ${known.name}`);
    expect(output).toContain(`census_TOTPOP20 (Integer64) = ${known.census.TOTPOP20}`);
    expect(output).toContain(`wikipedia_representative (String) = ${known.wikipedia.representative}`);
    expect(output).toMatch(/^ {2}MULTIPOLYGON \(\(\(/m);
  }

  it.each([
    ['the version path', () => url('all.fgb')],
    ['the canonical path', () => `${base}/bundles/${canonical('all.fgb')}`],
    ['the current path', () => url('all.fgb', 'current')],
  ])(
    'reads /vsicurl/<url>/all.fgb at %s: FlatGeobuf by byte ranges, 437 features, the facts as columns',
    async (_at, target) => {
      const { summary, feature } = await open(`/vsicurl/${target()}`);
      expect(summary.exitCode, summary.output).toBe(0);
      expect(summary.output).toContain("using driver `FlatGeobuf' successful");
      expect(summary.output).toMatch(/Geometry: Multi Polygon\nFeature Count: 437\n/);
      expectFlattened(feature.output);
      // nginx logged GDAL's range requests for the file (its access log is flushed every second).
      const line = `"GET ${new URL(target()).pathname} HTTP/1.1" 206 `;
      let ranged = 0;
      for (let i = 0; i < 30 && ranged === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        ranged = fs.readFileSync(path.join(serving.prefix, 'logs', 'access.log'), 'utf8').split(line).length - 1;
      }
      expect(ranged).toBeGreaterThan(0);
    },
  );

  it('reads /vsigzip//vsicurl/<url>/all.geojson.gz: the stored .gz, decompressed by GDAL', async () => {
    const { summary, feature } = await open(`/vsigzip//vsicurl/${url('all.geojson.gz')}`);
    expect(summary.output).toContain("using driver `GeoJSON' successful");
    expect(summary.output).toMatch(/Feature Count: 437\n/);
    expect(feature.output).toContain(`name (String) = ${known.name}`);
    expect(feature.output).toContain(`"TOTPOP20": ${known.census.TOTPOP20}`);
  });

  it('reads the plain <url>/all.geojson with the GeoJSON driver (one whole download)', async () => {
    const { summary, feature } = await open(url('all.geojson'));
    expect(summary.output).toContain("using driver `GeoJSON' successful");
    expect(summary.output).toMatch(/Feature Count: 437\n/);
    expect(feature.output).toContain(`name (String) = ${known.name}`);
  });

  it('cannot read /vsicurl/<url>/all.geojson (documented): the negotiated identity response has no length and no ranges', async () => {
    const { summary } = await open(`/vsicurl/${url('all.geojson')}`);
    expect(summary.exitCode).not.toBe(0);
    expect(summary.output).toContain('Unable to open datasource');
    const head = await request(url('all.geojson'), { method: 'HEAD' });
    expect(head.headers['content-length']).toBeUndefined();
  });

  it(`${parquetDriver ? 'reads' : 'cannot read (no Parquet driver in this GDAL)'} /vsicurl/<url>/all.parquet; DuckDB reads the bytes served`, async () => {
    const { summary, feature } = await open(`/vsicurl/${url('all.parquet')}`);
    if (parquetDriver) {
      expect(summary.output).toMatch(/Feature Count: 437\n/);
      expectFlattened(feature.output);
    } else expect(summary.output).toContain('Unable to open datasource');
    // What a Parquet reader fetches first: the footer, by a suffix range.
    const tail = await request(url('all.parquet'), { headers: { Range: 'bytes=-8' } });
    expect(tail.status).toBe(206);
    expect(tail.body.subarray(4).toString('latin1')).toBe('PAR1');
    const whole = await request(url('all.parquet'));
    const local = path.join(tempDir('gis-http-parquet'), 'all.parquet');
    fs.writeFileSync(local, whole.body);
    const duck = await DuckDBInstance.create(':memory:');
    try {
      const reader = await (await duck.connect()).runAndReadAll(
        `SELECT count(*)::INTEGER AS n, max(CASE WHEN id = '${KNOWN}' THEN census_TOTPOP20 END)::BIGINT AS pop FROM '${local}'`,
      );
      expect(reader.getRowObjectsJS()[0]).toEqual({ n: 437, pop: BigInt(known.census.TOTPOP20 as number) });
    } finally {
      duck.closeSync();
    }
  });
});
