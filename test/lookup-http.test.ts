/**
 * The lookup index over HTTP, as browsers, CDNs and plain hosts see it:
 * geobundle's nginx sends each lookup file as stored (gzip JSON, no
 * negotiation, immutable) and current.json briefly cached; `geobundle lookup
 * --url` answers through the same requests a browser makes; a plain nginx
 * with no gzip or brotli module and no negotiation at all — what a static
 * host or an object store is — serves the release directory well enough
 * for the client; and a real Varnish edge keeps every lookup file across a
 * Wikipedia-only release, answering them from its cache.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLookup } from '../client/lookup.ts';
import { lookupPath } from '../core/lookup-format.ts';
import { withDatabase } from '../pipeline/db.ts';
import { buildRelease } from '../pipeline/release/build-release.ts';
import { setCurrent } from '../pipeline/release/set-current.ts';
import { readManifest } from '../pipeline/release/store/manifest-file.ts';
import { requireNginx } from '../serve/nginx-binary.ts';
import { freePort, runNginx, type RunningNginx } from '../serve/run-nginx.ts';
import { startServing, type Serving } from '../serve/serve.ts';
import { request } from '../testkit/http-request.ts';
import { geobundle } from './helpers/cli.ts';
import { nginxMissingReason } from './helpers/nginx.ts';
import { buildFixtureReleases } from './helpers/release.ts';
import { startVarnish, varnishMissingReason, type RunningVarnish } from './helpers/varnish.ts';

const skip = await nginxMissingReason();
if (skip) console.warn(`test/lookup-http.test.ts SKIPPED: ${skip}`);
const varnishSkip = skip ?? varnishMissingReason();
if (varnishSkip && !skip) console.warn(`test/lookup-http.test.ts Varnish part SKIPPED: ${varnishSkip}`);

const CD = 'congressional_districts';
/** Points of the fixture release (test/fixtures/release/source): inside 0601, inside 3601, outside every district. */
const POINTS = [
  { lat: 41, lon: -122, id: '0601' },
  { lat: 41.05, lon: -72.5, id: '3601' },
  { lat: 35, lon: -40, id: null },
];

let work: string;
let dbPath: string;
let releases: string;

beforeAll(async () => {
  if (skip) return;
  ({ work, dbPath, releases } = await buildFixtureReleases('lookup-http', ['v1.0.0']));
  await setCurrent(releases, 'v1.0.0');
}, 300_000);
afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** Every file a lookup of `POINTS` reads, as a client fetching `base` finds them. */
async function expectAnswers(options: Parameters<typeof openLookup>[0]) {
  const lookup = await openLookup({ cache: null, ...options });
  for (const p of POINTS) {
    const answer = await lookup.lookup(p, { facts: true });
    expect(answer.districts[CD]?.id ?? null, `${p.lat},${p.lon}`).toBe(p.id);
    // The fixture has census rows for California's districts only; facts were read for each found district.
    if (p.id) expect(answer.districts[CD]!.census === null).toBe(p.id !== '0601');
  }
}

describe.skipIf(skip)(`the lookup index served by geobundle's nginx${skip ? ` — SKIPPED: ${skip}` : ''}`, () => {
  let serving: Serving;
  beforeAll(async () => {
    serving = await startServing({ releasesDir: releases, siteRoot: work, port: 0, apiPort: 0, accessLog: false });
  });
  afterAll(() => serving?.stop());

  it('sends a lookup file as stored: gzip, no Content-Encoding, immutable, the sha256 its name says', async () => {
    const lookup = readManifest(path.join(releases, 'v1.0.0')).lookup!;
    const url = `${serving.urls.bundles}${lookup.index.canonical_path}`;
    for (const ae of ['gzip, deflate, br', '']) {
      const res = await request(url, { headers: { 'Accept-Encoding': ae } });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/gzip');
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.headers['cache-control']).toContain('immutable');
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.body.equals(fs.readFileSync(path.join(releases, lookup.index.canonical_path)))).toBe(true);
    }
    const current = await request(`${serving.urls.bundles}current.json`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(current.status).toBe(200);
    expect(current.headers['content-encoding']).toBe('gzip');
    expect(current.headers['cache-control']).toMatch(/^public, max-age=60/);
    const notThere = lookupPath('lookup', '0'.repeat(64));
    expect((await request(`${serving.urls.bundles}${notThere}`)).status).toBe(404);
  });

  it('answers through the API and /bundles/, as a browser does: the client, and geobundle lookup --url', async () => {
    const base = serving.urls.site.replace(/\/$/, '');
    await expectAnswers({ baseUrl: base });
    const cli = await geobundle(['lookup', '--lat', '41.05', '--lon', '-72.5', '--url', base, '--json']);
    expect(cli).toMatchObject({ exitCode: 0, stderr: '' });
    expect(JSON.parse(cli.stdout).districts[CD].id).toBe('3601');
    const local = await geobundle(['lookup', '--lat', '41.05', '--lon', '-72.5', '--releases', releases, '--json']);
    expect(cli.stdout).toBe(local.stdout);
  });
});

describe.skipIf(skip)('the lookup index on a plain static host (no gzip, no brotli, no negotiation)', () => {
  let nginx: RunningNginx;
  let url: string;

  beforeAll(async () => {
    const binary = await requireNginx();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // Nothing of geobundle's config: one root, stock types, no compression module loaded or used.
    nginx = await runNginx({
      binary: binary.path,
      host: '127.0.0.1',
      port,
      render: (prefix) =>
        [
          'daemon off;',
          ...(process.getuid?.() === 0 ? [`user ${os.userInfo().username};`] : []),
          'worker_processes 1;',
          `pid ${path.join(prefix, 'nginx.pid')};`,
          'events {}',
          'http {',
          '  types { application/json json; application/gzip gz; }',
          '  default_type application/octet-stream;',
          '  access_log off;',
          `  client_body_temp_path ${path.join(prefix, 'temp')};`,
          `  proxy_temp_path ${path.join(prefix, 'temp')};`,
          `  fastcgi_temp_path ${path.join(prefix, 'temp')};`,
          `  uwsgi_temp_path ${path.join(prefix, 'temp')};`,
          `  scgi_temp_path ${path.join(prefix, 'temp')};`,
          `  server { listen 127.0.0.1:${port}; gzip off; root ${releases}; }`,
          '}',
        ].join('\n'),
    });
  });
  afterAll(() => nginx?.stop());

  it('the client reads current.json and the lookup files as plain files, facts included', async () => {
    const res = await request(`${url}/current.json`, { headers: { 'Accept-Encoding': 'gzip, br' } });
    expect(res.headers['content-encoding']).toBeUndefined();
    await expectAnswers({ releasesUrl: url });
    await expectAnswers({ releasesUrl: url, version: 'v1.0.0' });
  });
});

describe.skipIf(varnishSkip)(
  `a CDN edge (Varnish) in front of the lookup index${varnishSkip ? ` — SKIPPED: ${varnishSkip}` : ''}`,
  () => {
    let serving: Serving;
    let varnish: RunningVarnish;

    beforeAll(async () => {
      serving = await startServing({
        releasesDir: releases,
        siteRoot: work,
        port: 0,
        apiPort: 0,
        accessLog: false,
        currentMaxAge: 1,
        // No stale-while-revalidate: once its second is up, the edge asks for the current answer again.
        currentStaleWhileRevalidate: 0,
      });
      varnish = await startVarnish(serving.urls.site.replace(/\/$/, ''));
    });
    afterAll(async () => {
      await varnish?.stop();
      await serving?.stop();
    });

    it('keeps every lookup file across a Wikipedia-only release: the second release is answered from the edge', async () => {
      const seen: Array<{ url: string; cache: string | null }> = [];
      const recording: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        seen.push({ url: String(input), cache: response.headers.get('x-cache') });
        return response;
      };
      const lookupFiles = () => seen.filter((s) => s.url.includes('/bundles/content/lookup/'));
      await expectAnswers({ baseUrl: varnish.url, fetch: recording });
      expect(lookupFiles().length).toBeGreaterThan(0);
      expect(lookupFiles().every((s) => s.cache === 'MISS')).toBe(true);

      await withDatabase(dbPath, {}, ({ connection }) =>
        connection.run(`UPDATE wikipedia SET extract = 'Rewritten today.' WHERE data_class = '${CD}'`),
      );
      await buildRelease({ dbPath, releasesDir: releases, version: 'v1.0.1' });
      await setCurrent(releases, 'v1.0.1');
      expect(readManifest(path.join(releases, 'v1.0.1')).lookup!.index).toEqual(
        readManifest(path.join(releases, 'v1.0.0')).lookup!.index,
      );
      // The edge serves its copy of the current answer until its second is up (then in grace, once more).
      let version = 'v1.0.0';
      for (let tries = 0; version !== 'v1.0.1' && tries < 40; tries++) {
        await new Promise((r) => setTimeout(r, 250));
        version = (await openLookup({ baseUrl: varnish.url, cache: null })).version;
      }
      seen.length = 0;
      const lookup = await openLookup({ baseUrl: varnish.url, fetch: recording, cache: null });
      expect(lookup.version).toBe('v1.0.1');
      await expectAnswers({ baseUrl: varnish.url, fetch: recording });
      expect(lookupFiles().length).toBeGreaterThan(0);
      expect(lookupFiles().map((s) => s.cache)).toEqual(lookupFiles().map(() => 'HIT'));
      // The facts changed, so they are new to the edge.
      expect(seen.filter((s) => s.url.includes('/bundles/content/facts/')).some((s) => s.cache === 'MISS')).toBe(true);
    });
  },
);
