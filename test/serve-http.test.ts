/**
 * Serving end to end: real releases built by the real builder, served by real
 * nginx (rendered config, temporary prefix) and the API, checked over raw HTTP
 * on loopback — headers, content negotiation, validators, ranges, hardening,
 * the current pointer, rate limiting and a CDN edge with proxy_cache. Every
 * API answer is also checked against the API's OpenAPI description
 * (apiRequest, test/helpers/openapi.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../serve/run-nginx.ts';
import { startApi, type RunningApi } from '../api/server.ts';
import { withDatabase } from '../pipeline/db.ts';
import { buildRelease } from '../pipeline/release/build-release.ts';
import { readManifest } from '../pipeline/release/store/manifest-file.ts';
import { setCurrent } from '../pipeline/release/set-current.ts';
import { startServing, type Serving } from '../serve/serve.ts';
import { request, type RawResponse } from '../testkit/http-request.ts';
import { startEdgeCache } from '../testkit/edge-cache.ts';
import { nginxMissingReason } from './helpers/nginx.ts';
import { apiRequest } from './helpers/openapi.ts';
import { deletePolygons } from './helpers/database.ts';
import { buildUsAtlasRelease } from './helpers/release.ts';
import { geobundle, spawnGeobundle } from './helpers/cli.ts';
import { tempDir } from '../testkit/temp.ts';
import { readBundleBytes } from '../testkit/bundle-file.ts';

const skipNginx = await nginxMissingReason();
// Short enough to wait out, long enough that a MISS then HIT pair cannot straddle it under load.
const CURRENT_TTL = 2;

let releasesDir: string;
let siteRoot: string;
let api: RunningApi;

/** The uncompressed bytes of a bundle, from the .gz the builder wrote. */
function original(relative: string): Buffer {
  return readBundleBytes(path.join(releasesDir, `${relative}.gz`));
}

function json(res: RawResponse): any {
  return JSON.parse(res.body.toString('utf8'));
}

beforeAll(async () => {
  const root = tempDir('serve');
  releasesDir = path.join(root, 'releases');
  siteRoot = path.join(root, 'site');
  fs.mkdirSync(siteRoot);
  fs.writeFileSync(path.join(siteRoot, 'index.html'), '<!doctype html><title>geobundle demo</title>\n');
  fs.writeFileSync(path.join(siteRoot, '.env'), 'SECRET=1\n');
  fs.writeFileSync(
    path.join(siteRoot, 'demo.js'),
    `export const districts = ${JSON.stringify(Array.from({ length: 200 }, (_, i) => i))};\n`,
  );

  // v1.0.0: the embedded default (states + counties). v1.1.0: states only,
  // from the same database with the counties removed, so switching current
  // is visible in what /bundles/current/ serves.
  const { dbPath } = await buildUsAtlasRelease(releasesDir, 'v1.0.0');
  await withDatabase(dbPath, {}, ({ connection }) => deletePolygons(connection, 'county'));
  await buildRelease({ dbPath, releasesDir, version: 'v1.1.0' });
  await setCurrent(releasesDir, 'v1.0.0');

  // What must never be served: a build in progress, dot-files.
  const building = path.join(releasesDir, '.build-v2.0.0-1-abcdef');
  fs.mkdirSync(path.join(building, 'state'), { recursive: true });
  fs.writeFileSync(path.join(building, 'manifest.json'), '{"half":"written"}');
  fs.writeFileSync(path.join(building, 'state', 'all.geojson.gz'), zlib.gzipSync('{"half":"written"}'));
  fs.writeFileSync(path.join(releasesDir, '.secret'), 'secret');

  api = await startApi({ releasesDir, host: '127.0.0.1', port: 0, listMaxAge: CURRENT_TTL });
}, 300_000);

afterAll(async () => {
  await api?.close();
});

describe('API (direct, node:http)', () => {
  it('lists the releases with their classes and which is current', async () => {
    const res = await apiRequest(`${api.url}/api/v1/releases`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['cache-control']).toBe(`public, max-age=${CURRENT_TTL}`);
    const body = json(res);
    expect(body.current).toBe('v1.0.0');
    expect(body.releases.map((r: any) => [r.version, r.current, r.classes])).toEqual([
      ['v1.0.0', true, ['county', 'state']],
      ['v1.1.0', false, ['state']],
    ]);
    expect(body.releases[0].built_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(body.releases[0].manifest_url).toBe('/api/v1/releases/v1.0.0/manifest');
  });

  it('serves a manifest byte for byte, immutable, with a strong ETag and 304', async () => {
    const file = fs.readFileSync(path.join(releasesDir, 'v1.0.0', 'manifest.json'));
    const res = await apiRequest(`${api.url}/api/v1/releases/v1.0.0/manifest`);
    expect(res.status).toBe(200);
    expect(res.body.equals(file)).toBe(true);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const etag = res.headers.etag!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await apiRequest(`${api.url}/api/v1/releases/v1.0.0/manifest`, {
      headers: { 'If-None-Match': etag },
    });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);

    // gzip is a different representation with its own tag.
    const gz = await apiRequest(`${api.url}/api/v1/releases/v1.0.0/manifest`, {
      headers: { 'Accept-Encoding': 'gzip' },
    });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toBe('Accept-Encoding');
    expect(gz.headers.etag).not.toBe(etag);
    expect(zlib.gunzipSync(gz.body).equals(file)).toBe(true);
    const notModified = await apiRequest(`${api.url}/api/v1/releases/v1.0.0/manifest`, {
      headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': etag },
    });
    expect(notModified.status).toBe(200);
  });

  it('answers the current release and HEAD without a body', async () => {
    const res = await apiRequest(`${api.url}/api/v1/releases/current`);
    expect(res.status).toBe(200);
    expect(json(res)).toMatchObject({ version: 'v1.0.0', classes: ['county', 'state'] });
    expect(json(res).updated_at).toMatch(/^\d{4}-/);
    const head = await apiRequest(`${api.url}/api/v1/releases/current`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers.etag).toBe(res.headers.etag);
  });

  it('redirects a class bundle to its static file, and 404s unknown classes and versions', async () => {
    const res = await apiRequest(`${api.url}/api/v1/releases/v1.0.0/county/bundle.geojson.gz`);
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/bundles/v1.0.0/county/all.geojson.gz');
    expect(res.headers['cache-control']).toContain('immutable');

    const noClass = await apiRequest(`${api.url}/api/v1/releases/v1.1.0/county/bundle.geojson.gz`);
    expect(noClass.status).toBe(404);
    expect(json(noClass).error.message).toContain('has no data class "county"');
    expect((await apiRequest(`${api.url}/api/v1/releases/v9.9.9/manifest`)).status).toBe(404);
    expect((await apiRequest(`${api.url}/api/v1/releases/v9.9.9/state/bundle.geojson.gz`)).status).toBe(404);
  });

  it('rejects malformed versions with 400 and a JSON error, never a stack trace', async () => {
    for (const version of ['1.0.0', 'v1.0', 'v01.0.0', 'v1.0.0-rc1', 'latest']) {
      const res = await apiRequest(`${api.url}/api/v1/releases/${version}/manifest`);
      expect(res.status, version).toBe(400);
      expect(res.headers['content-type']).toBe('application/json');
      const body = json(res);
      expect(body.error).toMatchObject({ status: 400 });
      expect(body.error.message).toContain('vMAJOR.MINOR.PATCH');
      expect(res.body.toString()).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it('404s traversal and encoded separators without reading outside releases/', async () => {
    for (const p of [
      '/api/v1/releases/../../../etc/passwd',
      '/api/v1/releases/v1.0.0/../../../../etc/passwd',
      '/api/v1/releases/%2e%2e/%2e%2e/manifest',
      '/api/v1/releases/v1.0.0%2f..%2f..%2fmanifest',
      '/api/v1/releases/.build-v2.0.0-1-abcdef/manifest',
      '/api/v1/releases//etc/passwd',
      '/api/v1/releases/v1.0.0/..%2f..%2fetc/bundle.geojson.gz',
      '//etc/passwd',
      'http://localhost/etc/passwd',
    ]) {
      const res = await apiRequest(api.url, { path: p });
      expect(res.status, p).toBe(404);
      expect(json(res).error.status, p).toBe(404);
      expect(res.body.toString(), p).not.toContain('root:');
    }
  });

  it('allows only GET and HEAD (405 with Allow)', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await apiRequest(`${api.url}/api/v1/releases`, { method });
      expect(res.status, method).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
      expect(json(res).error.status).toBe(405);
    }
  });

  it('reports health', async () => {
    const res = await apiRequest(`${api.url}/healthz`);
    expect(res.status).toBe(200);
    expect(json(res)).toEqual({ status: 'ok', releases: 2, current: 'v1.0.0', problems: [] });
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('API when the releases directory is damaged', () => {
  let saved: string;
  const currentJson = () => path.join(releasesDir, 'current.json');

  afterAll(() => {
    fs.writeFileSync(currentJson(), saved);
  });

  it('keeps serving what it knew and reports the problem, without server paths', async () => {
    saved = fs.readFileSync(currentJson(), 'utf8');
    fs.writeFileSync(currentJson(), '{"version": "v1.0.0", tru');
    let health: any;
    for (let i = 0; i < 40 && health?.status !== 'degraded'; i++) {
      health = json(await apiRequest(`${api.url}/healthz`));
      if (health.status !== 'degraded') await new Promise((r) => setTimeout(r, 100));
    }
    expect(health.status).toBe('degraded');
    expect(health.problems.join('\n')).toContain('releases/current.json');
    expect(JSON.stringify(health)).not.toContain(releasesDir);
    const list = await apiRequest(`${api.url}/api/v1/releases`);
    expect(list.status).toBe(200);
    expect(json(list).releases.map((r: any) => r.version)).toEqual(['v1.0.0', 'v1.1.0']);
    expect((await apiRequest(`${api.url}/api/v1/releases/v1.1.0/manifest`)).status).toBe(200);
  });
});

describe.skipIf(skipNginx)(`nginx${skipNginx ? ` — SKIPPED: ${skipNginx}` : ''}`, () => {
  let serving: Serving;
  let base: string;

  beforeAll(async () => {
    serving = await startServing({ releasesDir, siteRoot, port: 0, apiPort: 0, currentMaxAge: CURRENT_TTL });
    base = serving.urls.site.replace(/\/$/, '');
  });

  afterAll(async () => {
    await serving?.stop();
  });

  describe('versioned bundles', () => {
    const bundle = 'v1.0.0/state/all.geojson';

    it('negotiates br, gzip and identity from the stored files; bodies decompress to the original', async () => {
      const expected = original(bundle);
      const br = await request(`${base}/bundles/${bundle}`, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
      expect(br.status).toBe(200);
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.body.equals(fs.readFileSync(path.join(releasesDir, `${bundle}.br`)))).toBe(true);
      expect(zlib.brotliDecompressSync(br.body).equals(expected)).toBe(true);

      const gz = await request(`${base}/bundles/${bundle}`, { headers: { 'Accept-Encoding': 'gzip' } });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gz.body.equals(fs.readFileSync(path.join(releasesDir, `${bundle}.gz`)))).toBe(true);

      const identity = await request(`${base}/bundles/${bundle}`);
      expect(identity.status).toBe(200);
      expect(identity.headers['content-encoding']).toBeUndefined();
      expect(identity.body.equals(expected)).toBe(true);
      expect(JSON.parse(identity.body.toString()).type).toBe('FeatureCollection');

      for (const res of [br, gz, identity]) {
        expect(res.headers['content-type']).toBe('application/geo+json');
        expect(res.headers.vary).toBe('Accept-Encoding');
      }
    });

    it('sends immutable caching, validators, CORS and nosniff', async () => {
      const res = await request(`${base}/bundles/${bundle}`, { headers: { 'Accept-Encoding': 'br' } });
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
      expect(new Date(res.headers['last-modified']!).getTime()).toBeGreaterThan(0);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers.server).toBe('nginx');

      const census = await request(`${base}/bundles/v1.0.0/state/census.json`, {
        headers: { 'Accept-Encoding': 'gzip' },
      });
      expect(census.status).toBe(200);
      expect(census.headers['content-type']).toBe('application/json');
      expect(JSON.parse(zlib.gunzipSync(census.body).toString())).toEqual(
        JSON.parse(original('v1.0.0/state/census.json').toString()),
      );

      const manifest = await request(`${base}/bundles/v1.0.0/manifest.json`);
      expect(manifest.headers['content-type']).toBe('application/json');
      expect(manifest.body.equals(fs.readFileSync(path.join(releasesDir, 'v1.0.0', 'manifest.json')))).toBe(true);
      const sums = await request(`${base}/bundles/v1.0.0/SHA256SUMS`);
      expect(sums.status).toBe(200);
    });

    it('serves each file at its canonical path too: negotiated, immutable, the same bytes as the version path', async () => {
      const manifest = readManifest(path.join(releasesDir, 'v1.0.0'));
      const entry = manifest.classes.county!.files.find((f) => f.path === 'county/all.geojson.br')!;
      const canonical = await request(`${base}/bundles/${entry.canonical_path.replace(/\.br$/, '')}`, {
        headers: { 'Accept-Encoding': 'br' },
      });
      expect(canonical.status).toBe(200);
      expect(canonical.headers['content-encoding']).toBe('br');
      expect(canonical.headers['content-type']).toBe('application/geo+json');
      expect(canonical.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(crypto.createHash('sha256').update(canonical.body).digest('hex')).toBe(entry.sha256);
      expect((await request(`${base}/bundles/content/${'0'.repeat(32)}/all.geojson`)).status).toBe(404);
      expect((await request(`${base}/bundles/content/not-a-key/all.geojson`)).status).toBe(404);
    });

    it('downloads a stored .gz as is: application/gzip, no Content-Encoding, sha256 as in the manifest', async () => {
      const manifest = readManifest(path.join(releasesDir, 'v1.0.0'));
      const listed = manifest.classes.county!.files.find((f) => f.path === 'county/all.geojson.gz')!;
      const res = await request(`${base}/bundles/v1.0.0/county/all.geojson.gz`, {
        headers: { 'Accept-Encoding': 'gzip, br' },
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/gzip');
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.body.length).toBe(listed.bytes);
      expect(crypto.createHash('sha256').update(res.body).digest('hex')).toBe(listed.sha256);
    });

    it('answers 304 to If-None-Match and to If-Modified-Since', async () => {
      for (const [p, ae] of [
        [`/bundles/${bundle}`, 'br'],
        [`/bundles/${bundle}`, 'gzip'],
        ['/bundles/v1.0.0/county/all.geojson.gz', 'identity'],
      ] as const) {
        const first = await request(`${base}${p}`, { headers: { 'Accept-Encoding': ae } });
        const byEtag = await request(`${base}${p}`, {
          headers: { 'Accept-Encoding': ae, 'If-None-Match': first.headers.etag! },
        });
        expect(byEtag.status, `${p} ${ae}`).toBe(304);
        expect(byEtag.body.length).toBe(0);
        expect(byEtag.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        const byDate = await request(`${base}${p}`, {
          headers: { 'Accept-Encoding': ae, 'If-Modified-Since': first.headers['last-modified']! },
        });
        expect(byDate.status, `${p} ${ae}`).toBe(304);
        const changed = await request(`${base}${p}`, {
          headers: { 'Accept-Encoding': ae, 'If-None-Match': '"other"' },
        });
        expect(changed.status).toBe(200);
      }
    });

    it('serves byte ranges of stored files', async () => {
      const file = fs.readFileSync(path.join(releasesDir, 'v1.0.0', 'county', 'all.geojson.gz'));
      const full = await request(`${base}/bundles/v1.0.0/county/all.geojson.gz`);
      expect(full.headers['accept-ranges']).toBe('bytes');
      const res = await request(`${base}/bundles/v1.0.0/county/all.geojson.gz`, {
        headers: { Range: 'bytes=100-1099' },
      });
      expect(res.status).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes 100-1099/${file.length}`);
      expect(res.body.equals(file.subarray(100, 1100))).toBe(true);
      const tail = await request(`${base}/bundles/v1.0.0/county/all.geojson.br`, { headers: { Range: 'bytes=-10' } });
      expect(tail.status).toBe(206);
      expect(
        tail.body.equals(fs.readFileSync(path.join(releasesDir, 'v1.0.0', 'county', 'all.geojson.br')).subarray(-10)),
      ).toBe(true);
      const unsatisfiable = await request(`${base}/bundles/v1.0.0/county/all.geojson.gz`, {
        headers: { Range: `bytes=${file.length + 10}-` },
      });
      expect(unsatisfiable.status).toBe(416);
    });
    it('serves the GIS files as they are: Content-Length, byte ranges, no encoding negotiated, at every path', async () => {
      const manifest = readManifest(path.join(releasesDir, 'v1.0.0'));
      for (const [name, type] of [
        ['all.fgb', 'application/vnd.flatgeobuf'],
        ['all.parquet', 'application/vnd.apache.parquet'],
      ] as const) {
        const entry = manifest.classes.county!.files.find((f) => f.path === `county/${name}`)!;
        const file = fs.readFileSync(path.join(releasesDir, 'v1.0.0', entry.path));
        for (const at of ['v1.0.0/county', 'current/county', path.posix.dirname(entry.canonical_path)]) {
          const p = `${base}/bundles/${at}/${name}`;
          const res = await request(p, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
          expect(res.status, p).toBe(200);
          expect(res.headers['content-type'], p).toBe(type);
          expect(res.headers['content-length'], p).toBe(String(entry.bytes));
          expect(res.headers['accept-ranges'], p).toBe('bytes');
          expect(res.headers['content-encoding'], p).toBeUndefined();
          expect(res.headers.vary, p).toBeUndefined();
          expect(res.body.equals(file), p).toBe(true);
          const range = await request(p, { headers: { Range: 'bytes=8-1031' } });
          expect(range.status, p).toBe(206);
          expect(range.headers['content-range']).toBe(`bytes 8-1031/${file.length}`);
          expect(range.body.equals(file.subarray(8, 1032))).toBe(true);
          const again = await request(p, { headers: { 'If-None-Match': res.headers.etag! } });
          expect(again.status, p).toBe(304);
        }
        for (const stored of ['.gz', '.br'])
          expect((await request(`${base}/bundles/v1.0.0/county/${name}${stored}`)).status, `${name}${stored}`).toBe(
            404,
          );
      }
      expect((await request(`${base}/bundles/v1.0.0/county/other.fgb`)).status).toBe(404);
    });
  });

  describe('hardening', () => {
    it('allows only GET and HEAD: 405 with Allow, on bundles, site and API', async () => {
      for (const p of ['/bundles/v1.0.0/state/all.geojson', '/', '/api/v1/releases']) {
        for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'TRACE']) {
          const res = await (p.startsWith('/api/') ? apiRequest : request)(`${base}${p}`, { method });
          expect(res.status, `${method} ${p}`).toBe(405);
          expect(res.headers.allow).toBe('GET, HEAD');
        }
      }
      const head = await request(`${base}/bundles/v1.0.0/state/all.geojson`, {
        method: 'HEAD',
        headers: { 'Accept-Encoding': 'br' },
      });
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
    });

    it('answers CORS preflights for GET, and refuses other OPTIONS', async () => {
      const preflight = await request(`${base}/bundles/v1.0.0/state/all.geojson`, {
        method: 'OPTIONS',
        headers: {
          Origin: 'https://app.example',
          'Access-Control-Request-Method': 'GET',
          'Access-Control-Request-Headers': 'range',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('*');
      expect(preflight.headers['access-control-allow-methods']).toBe('GET, HEAD');
      expect(preflight.headers['access-control-allow-headers']).toContain('Range');
      const put = await request(`${base}/bundles/v1.0.0/state/all.geojson`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'PUT' },
      });
      expect(put.status).toBe(405);
      const api = await apiRequest(`${base}/api/v1/releases`, { headers: { Origin: 'https://app.example' } });
      expect(api.headers['access-control-allow-origin']).toBe('*');
    });

    it('404s dot-files, build directories, listings and unknown names', async () => {
      for (const p of [
        '/bundles/.build-v2.0.0-1-abcdef/manifest.json',
        '/bundles/.build-v2.0.0-1-abcdef/state/all.geojson',
        '/bundles/.build-v2.0.0-1-abcdef/state/all.geojson.gz',
        '/bundles/.secret',
        '/bundles/v1.0.0/.secret',
        '/bundles/current/../.secret',
        '/.env',
        '/bundles/',
        '/bundles/v1.0.0/',
        '/bundles/v1.0.0',
        '/bundles/v1.0.0/state/',
        '/bundles/v1.0.0/state',
        '/bundles/current.json.gz',
        '/bundles/current',
        '/bundles/content/lookup/ab/abc.json.gz',
        '/bundles/content/facts/00/.json.gz',
        '/bundles/v9.9.9/state/all.geojson',
        '/bundles/v01.0.0/manifest.json',
        '/bundles/v1.0.0/state/all.txt',
      ]) {
        const res = await request(`${base}${p}`, { headers: { 'Accept-Encoding': 'gzip, br' } });
        expect(res.status, p).toBe(404);
        expect(res.body.toString(), p).not.toContain('half');
      }
    });

    it('404s traversal attempts and encoded separators; nginx refuses climbing above the root with 400', async () => {
      const cases: Array<[string, number]> = [
        ['/bundles/v1.0.0/%2e%2e/v1.0.0/manifest.json', 404],
        ['/bundles/v1.0.0/%2E%2E/%2E%2E/etc/passwd', 404],
        ['/bundles/v1.0.0/%2E%2E/%2E%2E/%2E%2E/etc/passwd', 400],
        ['/bundles/v1.0.0%2fmanifest.json', 404],
        ['/bundles/v1.0.0%2Fstate%2Fall.geojson', 404],
        ['/bundles/v1.0.0/state/..%2fmanifest.json', 404],
        ['/bundles/v1.0.0/state/../manifest.json', 404],
        ['/bundles/v1.0.0/./manifest.json', 404],
        ['/bundles/current/%2e%2e/.build-v2.0.0-1-abcdef/manifest.json', 404],
        ['/bundles//etc/passwd', 404],
        ['/bundles/v1.0.0//etc/passwd', 404],
        ['//etc/passwd', 404],
        ['/api/v1/releases/..%2f..%2fetc/manifest', 404],
        ['http://localhost/etc/passwd', 404],
        ['/bundles/../../../etc/passwd', 400],
        ['/../../etc/passwd', 400],
      ];
      for (const [p, status] of cases) {
        const res = await (p.startsWith('/api/') ? apiRequest : request)(base, { path: p });
        expect(res.status, p).toBe(status);
        expect(res.body.toString(), p).not.toMatch(/root:|"half"/);
      }
    });

    it('serves the demo site at / and proxies /healthz', async () => {
      const site = await request(`${base}/`);
      expect(site.status).toBe(200);
      expect(site.body.toString()).toContain('geobundle demo');
      expect(site.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(site.headers['cache-control']).toBe('no-cache');
      const script = await request(`${base}/demo.js`, { headers: { 'Accept-Encoding': 'gzip' } });
      expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(script.headers['content-encoding']).toBe('gzip');
      expect(zlib.gunzipSync(script.body).equals(fs.readFileSync(path.join(siteRoot, 'demo.js')))).toBe(true);
      const health = await apiRequest(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(json(health).status).toBe('ok');
    });

    it('sends the demo site a strict Content-Security-Policy (never framed) and Referrer-Policy; bundles and the API keep their own headers', async () => {
      const policy =
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
      for (const page of ['/', '/index.html', '/demo.js', '/no-such-page']) {
        const res = await request(`${base}${page}`);
        expect(res.status, page).toBe(page === '/no-such-page' ? 404 : 200);
        expect(res.headers['content-security-policy'], page).toBe(policy);
        expect(res.headers['referrer-policy'], page).toBe('same-origin');
        expect(res.headers['x-content-type-options'], page).toBe('nosniff');
        expect(res.headers['cache-control'], page).toBe(page === '/no-such-page' ? undefined : 'no-cache');
      }
      const bundle = await request(`${base}/bundles/v1.0.0/state/all.geojson`, {
        headers: { 'Accept-Encoding': 'br' },
      });
      expect(bundle.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(bundle.headers['access-control-allow-origin']).toBe('*');
      const current = await request(`${base}/bundles/current.json`);
      expect(current.headers['access-control-allow-origin']).toBe('*');
      const releases = await apiRequest(`${base}/api/v1/releases`);
      const health = await apiRequest(`${base}/healthz`);
      for (const res of [bundle, current, releases, health]) {
        expect(res.status).toBe(200);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['content-security-policy']).toBeUndefined();
        expect(res.headers['referrer-policy']).toBeUndefined();
      }
    });
  });

  describe('API through nginx', () => {
    it('proxies the API and its validators; the bundle redirect leads to the static file', async () => {
      const list = await apiRequest(`${base}/api/v1/releases`);
      expect(list.status).toBe(200);
      expect(json(list).current).toBe('v1.0.0');
      const notModified = await apiRequest(`${base}/api/v1/releases`, {
        headers: { 'If-None-Match': list.headers.etag! },
      });
      expect(notModified.status).toBe(304);
      // The API sets nosniff itself; nginx must not add a second copy.
      for (const res of [list, await apiRequest(`${base}/healthz`)]) {
        const nosniff = res.rawHeaders.filter(
          (name, i) => i % 2 === 0 && name.toLowerCase() === 'x-content-type-options',
        );
        expect(nosniff).toHaveLength(1);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
      }

      const redirect = await apiRequest(`${base}/api/v1/releases/v1.0.0/state/bundle.geojson.gz`);
      expect(redirect.status).toBe(301);
      const target = await request(`${base}${redirect.headers.location}`);
      expect(target.status).toBe(200);
      expect(target.headers['content-type']).toBe('application/gzip');
      expect(zlib.gunzipSync(target.body).equals(original('v1.0.0/state/all.geojson'))).toBe(true);

      expect((await apiRequest(`${base}/api/v1/releases/v1.0/manifest`)).status).toBe(400);
      expect((await apiRequest(`${base}/api/v1/releases/v3.0.0/manifest`)).status).toBe(404);
    });

    it("keeps a version's manifest and changes in nginx's cache (HIT per encoding, 304 from it); errors are not kept", async () => {
      const cached = await startServing({ releasesDir, siteRoot, port: 0, apiPort: 0 });
      const url = (p: string) => `${cached.urls.site}api/v1/releases/${p}`;
      try {
        const manifest = fs.readFileSync(path.join(releasesDir, 'v1.0.0', 'manifest.json'));
        for (const encoding of ['identity', 'gzip']) {
          const first = await request(url('v1.0.0/manifest'), { headers: { 'Accept-Encoding': encoding } });
          const second = await request(url('v1.0.0/manifest'), { headers: { 'Accept-Encoding': encoding } });
          expect([first.headers['x-cache-status'], second.headers['x-cache-status']], encoding).toEqual([
            'MISS',
            'HIT',
          ]);
          for (const r of [first, second]) {
            expect(r.status).toBe(200);
            expect(r.headers['content-encoding']).toBe(encoding === 'gzip' ? 'gzip' : undefined);
            expect((encoding === 'gzip' ? zlib.gunzipSync(r.body) : r.body).equals(manifest)).toBe(true);
            expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
            expect(r.headers.etag).toBe(first.headers.etag);
          }
          const revalidated = await request(url('v1.0.0/manifest'), {
            headers: { 'Accept-Encoding': encoding, 'If-None-Match': first.headers.etag! },
          });
          expect([revalidated.status, revalidated.headers['x-cache-status']]).toEqual([304, 'HIT']);
        }
        const changes = [await request(url('v1.1.0/changes')), await request(url('v1.1.0/changes'))];
        expect(changes.map((r) => [r.status, r.headers['x-cache-status']])).toEqual([
          [200, 'MISS'],
          [200, 'HIT'],
        ]);
        expect(json(changes[1]!)).toMatchObject({ from: 'v1.0.0', to: 'v1.1.0' });
        // A 404 is no-store: a version built later must be seen at once.
        const missing = [await request(url('v9.9.9/manifest')), await request(url('v9.9.9/manifest'))];
        expect(missing.map((r) => [r.status, r.headers['x-cache-status']])).toEqual([
          [404, 'MISS'],
          [404, 'MISS'],
        ]);
        // The list and the current release change: always from the API.
        expect((await request(`${cached.urls.api}`)).headers['x-cache-status']).toBeUndefined();
      } finally {
        await cached.stop();
      }
    });

    // Beyond the rate, each client address may send a burst of 100 (geobundle/location/api.conf).
    const BURST = 100;

    it('rate-limits the API per client with 429', async () => {
      const limited = await startServing({ releasesDir, siteRoot, port: 0, apiPort: 0, apiRate: 1 });
      try {
        const answers = await Promise.all(Array.from({ length: BURST + 12 }, () => apiRequest(`${limited.urls.api}`)));
        const statuses = answers.map((r) => r.status);
        // nginx's own 429 carries nosniff too, once, like the API's answers.
        for (const r of answers) {
          expect(
            r.rawHeaders.filter((name, i) => i % 2 === 0 && name.toLowerCase() === 'x-content-type-options'),
            `${r.status}`,
          ).toEqual(['X-Content-Type-Options']);
        }
        expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
        expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
        expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
        // Static bundles are not rate-limited.
        const bundles = await Promise.all(
          Array.from({ length: 12 }, () =>
            request(`${limited.urls.bundles}v1.0.0/manifest.json`).then((r) => r.status),
          ),
        );
        expect(bundles.every((s) => s === 200)).toBe(true);
      } finally {
        await limited.stop();
      }
    });

    it('lets an API rate of 0 turn the limit off', async () => {
      const unlimited = await startServing({ releasesDir, siteRoot, port: 0, apiPort: 0, apiRate: 0 });
      try {
        const statuses = await Promise.all(
          Array.from({ length: BURST + 12 }, () => apiRequest(`${unlimited.urls.api}`).then((r) => r.status)),
        );
        expect(statuses.every((s) => s === 200)).toBe(true);
      } finally {
        await unlimited.stop();
      }
    });
  });

  describe('the current release and a CDN edge', () => {
    let edge: { url: string; stop(): Promise<void> };

    beforeAll(async () => {
      edge = await startEdgeCache(base);
    });

    afterAll(async () => {
      await edge?.stop();
      await setCurrent(releasesDir, 'v1.0.0');
    });

    it('keeps a versioned bundle at the edge: the second request is a HIT, per encoding', async () => {
      const url = `${edge.url}/bundles/v1.0.0/county/all.geojson`;
      for (const ae of ['br', 'gzip']) {
        const first = await request(url, { headers: { 'Accept-Encoding': ae } });
        const second = await request(url, { headers: { 'Accept-Encoding': ae } });
        expect(first.headers['x-cache-status'], ae).toBe('MISS');
        expect(second.headers['x-cache-status'], ae).toBe('HIT');
        expect(second.headers['content-encoding']).toBe(ae);
        expect(second.body.equals(first.body)).toBe(true);
      }
    });

    it('serves canonical paths immutable; after a new release the edge has every unchanged file: all HITs', async () => {
      const entries = (version: string) =>
        readManifest(path.join(releasesDir, version)).classes.state!.files.map((f) => ({
          url: `/bundles/${f.canonical_path.replace(/\.(gz|br)$/, '')}`,
          encoding: f.encoding,
        }));
      // v1.1.0 (counties removed) has the very same state files, at the very same canonical paths.
      expect(entries('v1.1.0')).toEqual(entries('v1.0.0'));
      for (const { url, encoding } of entries('v1.0.0')) {
        const first = await request(`${edge.url}${url}`, { headers: { 'Accept-Encoding': encoding } });
        expect(first.status, url).toBe(200);
        expect(first.headers['x-cache-status'], url).toBe('MISS');
        // The GIS files are stored as they are: no Content-Encoding.
        expect(first.headers['content-encoding'] ?? 'identity', url).toBe(encoding);
        expect(first.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      }
      const statuses: unknown[] = [];
      for (const { url, encoding } of entries('v1.1.0')) {
        statuses.push(
          (await request(`${edge.url}${url}`, { headers: { 'Accept-Encoding': encoding } })).headers['x-cache-status'],
        );
      }
      expect(new Set(statuses)).toEqual(new Set(['HIT']));
      expect(statuses).toHaveLength(entries('v1.1.0').length);
    });

    it('switches current without an nginx reload; the edge refetches current once its TTL passes', async () => {
      const manifestUrl = (origin: string) => `${origin}/bundles/current/manifest.json`;
      const before = await request(manifestUrl(base));
      expect(json(before).version).toBe('v1.0.0');
      expect(before.headers['cache-control']).toBe(`public, max-age=${CURRENT_TTL}, stale-while-revalidate=300`);
      expect(
        (await request(`${base}/bundles/current/county/all.geojson`, { headers: { 'Accept-Encoding': 'gzip' } }))
          .status,
      ).toBe(200);

      const edgeFirst = await request(manifestUrl(edge.url));
      expect(edgeFirst.headers['x-cache-status']).toBe('MISS');
      expect((await request(manifestUrl(edge.url))).headers['x-cache-status']).toBe('HIT');

      await setCurrent(releasesDir, 'v1.1.0');

      // nginx follows the new symlink on the very next request: no reload.
      const after = await request(manifestUrl(base));
      expect(json(after).version).toBe('v1.1.0');
      expect(
        (await request(`${base}/bundles/current/county/all.geojson`, { headers: { 'Accept-Encoding': 'gzip' } }))
          .status,
      ).toBe(404);
      const pinned = await request(`${base}/bundles/v1.0.0/county/all.geojson`, {
        headers: { 'Accept-Encoding': 'gzip' },
      });
      expect(pinned.status).toBe(200);

      // The API notices the directory change (fs.watch, or its mtime re-check within a second).
      let current = '';
      for (let i = 0; i < 40 && current !== 'v1.1.0'; i++) {
        current = json(await apiRequest(`${base}/api/v1/releases/current`)).version;
        if (current !== 'v1.1.0') await new Promise((r) => setTimeout(r, 100));
      }
      expect(current).toBe('v1.1.0');

      // Once the edge's copy is older than max-age it goes back to the origin.
      await new Promise((r) => setTimeout(r, (CURRENT_TTL + 1) * 1000 + 100));
      const edgeAfter = await request(manifestUrl(edge.url));
      expect(edgeAfter.headers['x-cache-status']).toBe('EXPIRED');
      expect(json(edgeAfter).version).toBe('v1.1.0');
    });
  });

  describe('geobundle serve', () => {
    it('prints working URLs and stops nginx and the API on SIGTERM, exiting 0', async () => {
      const [port, apiPort] = [await freePort(), await freePort()];
      const cli = spawnGeobundle([
        'serve',
        '--releases',
        releasesDir,
        '--port',
        String(port),
        '--api-port',
        String(apiPort),
        '--site',
        siteRoot,
      ]);
      let out = '';
      await new Promise<void>((resolve, reject) => {
        cli.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('Press Ctrl-C')) resolve();
        });
        cli.then((r) => reject(new Error(`serve exited early: ${r.stderr}`)), reject);
      });
      expect(out).toContain(`http://127.0.0.1:${port}/`);
      const prefix = /nginx config and logs: (\S+)/.exec(out)![1]!;
      expect(fs.existsSync(path.join(prefix, 'conf', 'nginx.conf'))).toBe(true);
      expect((await apiRequest(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect((await request(`http://127.0.0.1:${port}/bundles/current/manifest.json`)).status).toBe(200);

      cli.kill('SIGTERM');
      const result = await cli;
      expect(result.exitCode, result.stderr).toBe(0);
      await expect(request(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
      await expect(request(`http://127.0.0.1:${apiPort}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
      expect(fs.existsSync(prefix)).toBe(false);
    });

    it('fails with a one-line cause when the port is taken', async () => {
      const result = await geobundle([
        'serve',
        '--releases',
        releasesDir,
        '--port',
        new URL(base).port,
        '--api-port',
        String(await freePort()),
        '--site',
        siteRoot,
      ]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^geobundle: nginx did not start on 127\.0\.0\.1:\d+: .*Address already in use/);
    });
  });
});
