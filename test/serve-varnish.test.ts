/**
 * geobundle behind real Varnish: varnishd runs deploy/varnish/geobundle.vcl
 * as shipped (only its BACKEND block pointed at the test's nginx) in front of
 * real nginx + API serving real us-atlas releases. Each encoding is kept
 * apart and served as stored, the second request is a HIT, `current` is
 * refetched once its TTL has passed, the API is cached as its Cache-Control
 * allows, and with real_ip nginx rate-limits the users behind the cache one
 * by one, not the cache as a whole.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type RawResponse } from '../testkit/http-request.ts';
import { withDatabase } from '../pipeline/db.ts';
import { buildRelease } from '../pipeline/release/build-release.ts';
import { readManifest } from '../pipeline/release/store/manifest-file.ts';
import { setCurrent } from '../pipeline/release/set-current.ts';
import { startServing, type Serving } from '../serve/serve.ts';
import { nginxMissingReason } from './helpers/nginx.ts';
import { deletePolygons } from './helpers/database.ts';
import { buildUsAtlasRelease } from './helpers/release.ts';
import { tempDir } from '../testkit/temp.ts';
import { startVarnish, varnishMissingReason, type RunningVarnish } from './helpers/varnish.ts';
import { readBundleBytes } from '../testkit/bundle-file.ts';

const skip = (await nginxMissingReason()) ?? varnishMissingReason();
if (skip) console.warn(`test/serve-varnish.test.ts SKIPPED: ${skip}`);

// Short enough to wait out, long enough that a MISS then HIT pair cannot straddle it under load.
const CURRENT_TTL = 3;
// nginx lets each client address send a burst of 100 API requests beyond its rate (geobundle/location/api.conf).
const BURST = 100;
// Two users on loopback, each connecting from its own address; Varnish connects to nginx from 127.0.0.1.
const USER_A = '127.0.0.2';
const USER_B = '127.0.0.3';

let root: string;
let releasesDir: string;
let siteRoot: string;

const file = (relative: string) => fs.readFileSync(path.join(releasesDir, relative));
const version = (res: RawResponse) => (JSON.parse(res.body.toString('utf8')) as { version: string }).version;

beforeAll(async () => {
  if (skip) return;
  root = tempDir('varnish-serve');
  releasesDir = path.join(root, 'releases');
  siteRoot = path.join(root, 'site');
  fs.mkdirSync(siteRoot);
  // v1.0.0: states + counties; v1.1.0: states only, so switching current is visible.
  const { dbPath } = await buildUsAtlasRelease(releasesDir, 'v1.0.0');
  await withDatabase(dbPath, {}, ({ connection }) => deletePolygons(connection, 'county'));
  await buildRelease({ dbPath, releasesDir, version: 'v1.1.0' });
  await setCurrent(releasesDir, 'v1.0.0');
}, 300_000);

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe.skipIf(skip)(`Varnish in front of nginx${skip ? ` — SKIPPED: ${skip}` : ''}`, () => {
  let serving: Serving;

  beforeAll(async () => {
    serving = await startServing({
      releasesDir,
      siteRoot,
      port: 0,
      apiPort: 0,
      currentMaxAge: CURRENT_TTL,
      apiRate: 1,
      trustedProxies: ['127.0.0.1'],
    });
  });

  afterAll(async () => {
    await serving?.stop();
  });

  // With http_gzip_support on (the default) Varnish rewrites Accept-Encoding itself; the VCL must work either way.
  describe.each([
    ['default parameters', []],
    ['http_gzip_support=off', ['http_gzip_support=off']],
  ])('bundles through Varnish (%s)', (_name, params) => {
    let varnish: RunningVarnish;

    beforeAll(async () => {
      varnish = await startVarnish(serving.urls.site, params);
    }, 60_000);

    afterAll(async () => {
      await varnish?.stop();
    });

    it('keeps br, gzip and identity apart, serves each as stored, and HITs the second time', async () => {
      const canonical = readManifest(path.join(releasesDir, 'v1.0.0'))
        .classes.state!.files.find((f) => f.path === 'state/all.geojson.br')!
        .canonical_path.replace(/\.br$/, '');
      const county = '/bundles/v1.0.0/county/all.geojson';
      const rows = [
        { path: county, ae: 'gzip, deflate, br', encoding: 'br', bytes: file('v1.0.0/county/all.geojson.br') },
        { path: county, ae: 'gzip', encoding: 'gzip', bytes: file('v1.0.0/county/all.geojson.gz') },
        { path: county, ae: 'br;q=0, gzip', encoding: 'gzip', bytes: file('v1.0.0/county/all.geojson.gz') },
        {
          path: county,
          ae: '',
          encoding: undefined,
          bytes: readBundleBytes(path.join(releasesDir, 'v1.0.0/county/all.geojson.gz')),
        },
        { path: `/bundles/${canonical}`, ae: 'br', encoding: 'br', bytes: file('v1.0.0/state/all.geojson.br') },
        {
          path: '/bundles/v1.0.0/county/all.geojson.gz',
          ae: 'gzip, br',
          encoding: undefined,
          bytes: file('v1.0.0/county/all.geojson.gz'),
        },
      ];
      const get = (row: (typeof rows)[number]) =>
        request(`${varnish.url}${row.path}`, { headers: row.ae ? { 'Accept-Encoding': row.ae } : {} });

      // Every row once before any row twice: a copy of one encoding must never answer another.
      const first: RawResponse[] = [];
      for (const row of rows) first.push(await get(row));
      const second: RawResponse[] = [];
      for (const row of rows) second.push(await get(row));

      const observed = rows.map((row, i) => [
        `${row.path} ${row.ae || '(none)'}`,
        first[i]!.headers['x-cache'],
        second[i]!.headers['x-cache'],
        second[i]!.headers['content-encoding'],
      ]);
      expect(observed).toEqual([
        [`${county} gzip, deflate, br`, 'MISS', 'HIT', 'br'],
        [`${county} gzip`, 'MISS', 'HIT', 'gzip'],
        // The same copy as plain gzip: Accept-Encoding is reduced to the one encoding nginx picks.
        [`${county} br;q=0, gzip`, 'HIT', 'HIT', 'gzip'],
        [`${county} (none)`, 'MISS', 'HIT', undefined],
        [`/bundles/${canonical} br`, 'MISS', 'HIT', 'br'],
        ['/bundles/v1.0.0/county/all.geojson.gz gzip, br', 'MISS', 'HIT', undefined],
      ]);
      rows.forEach((row, i) => {
        for (const res of [first[i]!, second[i]!]) {
          expect(res.status, row.path).toBe(200);
          expect(res.headers['content-encoding'], `${row.path} ${row.ae}`).toBe(row.encoding);
          expect(res.body.equals(row.bytes), `${row.path} ${row.ae}: the stored bytes`).toBe(true);
          expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        }
      });
      expect(second[0]!.headers.vary).toBe('Accept-Encoding');
      expect(Number(second[0]!.headers.age)).toBeGreaterThanOrEqual(0);

      // Another spelling of "br", and a query string, reach the same copy.
      const again = await request(`${varnish.url}${county}?v=2`, { headers: { 'Accept-Encoding': 'BR' } });
      expect([again.headers['x-cache'], again.headers['content-encoding']]).toEqual(['HIT', 'br']);
      expect(again.body.equals(rows[0]!.bytes)).toBe(true);
    });
  });

  describe('current and the API through Varnish', () => {
    let varnish: RunningVarnish;

    beforeAll(async () => {
      varnish = await startVarnish(serving.urls.site);
    }, 60_000);

    afterAll(async () => {
      await varnish?.stop();
      await setCurrent(releasesDir, 'v1.0.0');
    });

    it('keeps /bundles/current/ for its TTL, serves it stale while refetching, then the new release', async () => {
      const current = `${varnish.url}/bundles/current/manifest.json`;
      const miss = await request(current, { headers: { 'Accept-Encoding': 'gzip' } });
      const fetchedAt = Date.now();
      expect([miss.headers['x-cache'], version(miss)]).toEqual(['MISS', 'v1.0.0']);
      expect(miss.headers['cache-control']).toBe(`public, max-age=${CURRENT_TTL}, stale-while-revalidate=300`);

      await setCurrent(releasesDir, 'v1.1.0');
      const origin = await request(`${serving.urls.bundles}current/manifest.json`);
      expect(version(origin)).toBe('v1.1.0');
      const kept = await request(current, { headers: { 'Accept-Encoding': 'gzip' } });
      expect(Date.now() - fetchedAt, 'the HIT must come within the TTL').toBeLessThan(CURRENT_TTL * 1000);
      expect([kept.headers['x-cache'], version(kept)]).toEqual(['HIT', 'v1.0.0']);

      await new Promise((r) => setTimeout(r, fetchedAt + CURRENT_TTL * 1000 + 200 - Date.now()));
      // Past max-age, within stale-while-revalidate: the old copy at once, and a fetch in the background.
      const stale = await request(current, { headers: { 'Accept-Encoding': 'gzip' } });
      expect([stale.headers['x-cache'], version(stale)]).toEqual(['STALE', 'v1.0.0']);
      let fresh = stale;
      for (let i = 0; i < 40 && version(fresh) !== 'v1.1.0'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        fresh = await request(current, { headers: { 'Accept-Encoding': 'gzip' } });
      }
      expect([fresh.headers['x-cache'], version(fresh)]).toEqual(['HIT', 'v1.1.0']);
      expect(fresh.body.equals(file('v1.1.0/manifest.json'))).toBe(true);
    });

    it('caches the API as its Cache-Control allows; never /healthz, errors or 404s', async () => {
      const twice = async (p: string) => {
        const a = await request(`${varnish.url}${p}`, { headers: { 'Accept-Encoding': 'gzip' } });
        const b = await request(`${varnish.url}${p}`, { headers: { 'Accept-Encoding': 'gzip' } });
        return [p, a.status, a.headers['x-cache'], b.headers['x-cache'], b.headers['cache-control']];
      };
      expect([
        await twice('/api/v1/releases/v1.0.0/manifest'),
        await twice('/api/v1/releases/v1.0.0/state/bundle.geojson.gz'),
        await twice('/api/v1/releases'),
        await twice('/healthz'),
        await twice('/api/v1/releases/v1.0/manifest'),
        await twice('/bundles/v9.9.9/state/all.geojson'),
      ]).toEqual([
        ['/api/v1/releases/v1.0.0/manifest', 200, 'MISS', 'HIT', 'public, max-age=31536000, immutable'],
        ['/api/v1/releases/v1.0.0/state/bundle.geojson.gz', 301, 'MISS', 'HIT', 'public, max-age=31536000, immutable'],
        ['/api/v1/releases', 200, 'MISS', 'HIT', `public, max-age=${CURRENT_TTL}`],
        ['/healthz', 200, 'PASS', 'PASS', 'no-store'],
        ['/api/v1/releases/v1.0/manifest', 400, 'MISS', 'MISS', 'no-store'],
        ['/bundles/v9.9.9/state/all.geojson', 404, 'MISS', 'MISS', undefined],
      ]);
      const manifest = await request(`${varnish.url}/api/v1/releases/v1.0.0/manifest`, {
        headers: { 'Accept-Encoding': 'gzip' },
      });
      expect(zlib.gunzipSync(manifest.body).equals(file('v1.0.0/manifest.json'))).toBe(true);
    });
  });

  describe('the API rate limit behind Varnish (real_ip)', () => {
    /** `count` API requests one after another from `user`, each URL new so every one reaches nginx. */
    async function statuses(url: string, user: string, count: number, headers: Record<string, string> = {}) {
      const out: number[] = [];
      for (let i = 0; i < count; i++) {
        const res = await request(`${url}/api/v1/releases?n=${user}-${i}-${crypto.randomUUID()}`, {
          localAddress: user,
          headers,
        });
        expect(res.headers['x-cache']).toBe('MISS');
        out.push(res.status);
      }
      return out;
    }

    it("limits each user on its own: one user's 429s leave the other untouched, and X-Forwarded-For cannot be forged", async () => {
      const varnish = await startVarnish(serving.urls.site);
      try {
        const a = await statuses(varnish.url, USER_A, BURST + 12);
        expect(a.filter((s) => s === 200).length).toBeGreaterThanOrEqual(BURST);
        expect(a.filter((s) => s === 429).length).toBeGreaterThanOrEqual(5);
        // Varnish appends the address A connects from, so a made-up address in front changes nothing.
        // (At 1 request/s, one of them may find a token freed meanwhile; a forged address would get all three.)
        const forged = await statuses(varnish.url, USER_A, 3, { 'X-Forwarded-For': '198.51.100.7' });
        expect(forged.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
        expect(await statuses(varnish.url, USER_B, 5)).toEqual([200, 200, 200, 200, 200]);
      } finally {
        await varnish.stop();
      }
    }, 60_000);

    it('without trusted proxies nginx sees one client, the cache, and limits everyone behind it', async () => {
      const direct = await startServing({ releasesDir, siteRoot, port: 0, apiPort: 0, apiRate: 1 });
      const varnish = await startVarnish(direct.urls.site);
      try {
        const a = await statuses(varnish.url, USER_A, BURST + 12);
        expect(a.filter((s) => s === 429).length).toBeGreaterThanOrEqual(5);
        // At 1 request/s, at most one of B's may find a token freed while A was refused.
        const b = await statuses(varnish.url, USER_B, 5);
        expect(b.filter((s) => s === 429).length).toBeGreaterThanOrEqual(4);
      } finally {
        await varnish.stop();
        await direct.stop();
      }
    }, 60_000);
  });
});
