/**
 * The demo page and client library in real headless Chromium, against real
 * nginx + API serving real releases of the embedded default (us-atlas). The
 * page draws a class from three files — its 1:20,000,000 map, census,
 * wikipedia — each from its canonical URL, kept in IndexedDB by content; a
 * lookup loads the state's full-resolution file and the 1:5,000,000 map.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, type recordNetwork } from '../testkit/browser.ts';
import { openRelease } from '../client/geobundle-client.ts';
import type { ManifestFile } from '../core/release-format.ts';
import { withDatabase } from '../pipeline/db.ts';
import { buildRelease } from '../pipeline/release/build-release.ts';
import { manifestFiles, readManifest } from '../pipeline/release/store/manifest-file.ts';
import { setCurrent } from '../pipeline/release/set-current.ts';
import { startServing } from '../serve/serve.ts';
import {
  ARTIFACTS,
  expectPolicyKept,
  keptFiles,
  lookUp,
  paintedShare,
  serveDemoInBrowser,
  settled,
  transferLog,
} from './helpers/browser.ts';
import { setGeometry } from './helpers/database.ts';
import { buildUsAtlasRelease, mapFile as mapFileOf } from './helpers/release.ts';
import { tempDir } from '../testkit/temp.ts';
import { readBundle } from '../testkit/bundle-file.ts';

/** A file's manifest entry (.gz) in a release: its canonical URL path and its decoded sha256. */
function fileOf(releasesDir: string, version: string, file: string): ManifestFile {
  const entry = manifestFiles(readManifest(path.join(releasesDir, version))).find((f) => f.path === `${file}.gz`);
  if (!entry) throw new Error(`${file} is not in the manifest of ${version}`);
  return entry;
}

const canonicalUrlPath = (entry: ManifestFile) => `/bundles/${entry.canonical_path.replace(/\.gz$/, '')}`;

const mapFile = (releasesDir: string, version: string, dataClass: string, scale: '5m' | '20m') =>
  mapFileOf(path.join(releasesDir, version), dataClass, scale);

describe.skipIf(!hasChromium)('demo page and client in headless Chromium (us-atlas release, real nginx + API)', () => {
  let tmp: string;
  let releasesDir: string;
  let siteRoot: string;
  let dbPath: string;
  let demo: Awaited<ReturnType<typeof serveDemoInBrowser>>;
  let baseUrl: string;
  let network: Awaited<ReturnType<typeof recordNetwork>>;
  let page: Page;
  const transfer = transferLog('client-transfer-us-atlas.json');
  /** What the page draws county from: its national map and its facts. */
  const county = (version: string) => [
    mapFile(releasesDir, version, 'county', '20m'),
    'county/census.json',
    'county/wikipedia.json',
  ];
  const bundlePaths = (urls: string[]) =>
    urls
      .filter((u) => u.includes('/bundles/'))
      .map((u) => new URL(u).pathname)
      .sort();
  const expectedPaths = (version: string, files: string[]) =>
    files.map((f) => canonicalUrlPath(fileOf(releasesDir, version, f))).sort();
  /**
   * The contents IndexedDB should hold for these files, sorted: keyed by content, so files
   * with the same bytes (us-atlas's empty census and wikipedia files, `{}`) are one entry.
   */
  const kept = (version: string, files: string[]) =>
    [...new Set(files.map((f) => fileOf(releasesDir, version, f).uncompressed_sha256))].sort();
  const keptContents = async () => [...new Set((await keptFiles(page)).map(([, sha]) => sha))].sort();
  /** Every decoded sha256 a release lists: what the cache may keep while that release is the only one open. */
  const listed = (version: string) =>
    new Set(manifestFiles(readManifest(path.join(releasesDir, version))).map((f) => f.uncompressed_sha256));

  beforeAll(async () => {
    tmp = tempDir('client');
    releasesDir = path.join(tmp, 'releases');
    siteRoot = path.join(tmp, 'site');
    ({ dbPath } = await buildUsAtlasRelease(releasesDir, 'v1.0.0'));
    await setCurrent(releasesDir, 'v1.0.0');
    demo = await serveDemoInBrowser({ releasesDir, siteRoot });
    ({ page, network } = demo);
    baseUrl = new URL(demo.serving.urls.site).origin;
  });

  afterAll(async () => {
    transfer.write();
    await demo?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('first visit: downloads the 20m map, census and wikipedia once each, by canonical URL; verifies, keeps, draws', async () => {
    network.reset();
    await page.goto(`${baseUrl}/?class=county`);
    const outcome = await settled(page);
    expect(outcome, outcome.error).toMatchObject({ state: 'ready' });
    const { entries } = await network.settle();
    const bundles = entries.filter((e) => e.url.includes('/bundles/'));
    expect(bundles.every((e) => e.status === 200)).toBe(true);
    expect(bundlePaths(bundles.map((e) => e.url))).toEqual(expectedPaths('v1.0.0', county('v1.0.0')));
    expect(await page.locator('#bundle-info').getAttribute('data-origin')).toBe('network');
    expect(await page.locator('#release').innerText()).toContain('v1.0.0');
    expect(await page.locator('#status').innerText()).toBe('county: 3,231 districts ready.');
    expect(await page.locator('#view-title').innerText()).toContain('United States');
    expect(await keptContents()).toEqual(kept('v1.0.0', county('v1.0.0')));
    expect(await paintedShare(page)).toBeGreaterThan(0.05);
    await page.screenshot({ path: path.join(ARTIFACTS, 'client-demo-us-atlas-nation.png') });
    await transfer.add('first visit', network);
  });

  it('looks up known points from the lookup index: a plain county, a second polygon of a multipolygon, a city in a hole', async () => {
    network.reset();
    const la = await lookUp(page, -118.2437, 34.0522);
    // The index's pages and cell below the root the current-release answer carried (a few kB, no
    // state's full-resolution file), and the 5m map the view zooms to.
    const { requested } = await network.settle();
    const lookupFiles = bundlePaths(requested).filter((p) => p.startsWith('/bundles/content/lookup/'));
    expect(lookupFiles.length).toBeGreaterThanOrEqual(1);
    expect(lookupFiles.length).toBeLessThanOrEqual(3);
    expect(bundlePaths(requested).filter((p) => !lookupFiles.includes(p))).toEqual(
      expectedPaths('v1.0.0', [mapFile(releasesDir, 'v1.0.0', 'county', '5m')]),
    );
    expect(await page.locator('#view-title').innerText()).toContain('California');
    expect(await page.locator('#zoom-out').isVisible()).toBe(true);
    expect(await paintedShare(page)).toBeGreaterThan(0.05);
    expect(la.id).toBe('06037');
    expect(la.text).toContain('Los Angeles');
    // Every class at once: the county, and the state it is in.
    expect(await page.locator('#card section[data-class="state"]').getAttribute('data-district-id')).toBe('06');
    expect(la.text).toContain('California');
    // us-atlas has no census or Wikipedia facts: the card shows none, not rows of dashes.
    expect(la.text).not.toContain('—');
    expect(la.text).not.toMatch(/Population|Representative/);
    expect((await lookUp(page, -118.3267, 33.3428)).id).toBe('06037'); // Avalon, Santa Catalina Island
    expect((await lookUp(page, -78.4767, 38.0293)).id).toBe('51540'); // Charlottesville, in a hole of Albemarle
    expect((await lookUp(page, -78.6, 38.05)).id).toBe('51003'); // Albemarle around it
    const sea = await lookUp(page, -40, 35);
    expect(sea.id).toBeNull();
    expect(sea.text).toContain('No district here');
    // Input that is not a coordinate is an error the user sees; the next good lookup clears it.
    await page.fill('#lat', 'north');
    await page.click('#lookup button[type=submit]');
    expect(await page.locator('#error').innerText()).toMatch(/is not a latitude/);
    expect((await lookUp(page, -118.2437, 34.0522)).id).toBe('06037');
    expect(await page.locator('#error').isVisible()).toBe(false);
  });

  it('a click on the national map looks up the place under the pointer', async () => {
    await page.click('#zoom-out');
    expect(await page.locator('#view-title').innerText()).toContain('United States');
    const box = (await page.locator('#map').boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.4); // the middle of the lower 48
    await page.locator('#card').waitFor({ state: 'visible' });
    const id = await page.locator('#card').getAttribute('data-district-id');
    expect(id).toMatch(/^\d{5}$/);
    const lat = Number(await page.inputValue('#lat'));
    const lon = Number(await page.inputValue('#lon'));
    expect(lat).toBeGreaterThan(30);
    expect(lat).toBeLessThan(48);
    expect(lon).toBeGreaterThan(-110);
    expect(lon).toBeLessThan(-85);
    // The coordinates the click filled in find the same county when typed.
    expect((await lookUp(page, lon, lat)).id).toBe(id);
    // A click on the zoomed state's map finds a county of that state.
    const state = await page.locator('#view-title').innerText();
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await page.locator('#card').waitFor({ state: 'visible' });
    expect((await page.locator('#card').getAttribute('data-district-id'))?.slice(0, 2)).toBe(id?.slice(0, 2));
    expect(await page.locator('#view-title').innerText()).toBe(state);
  });

  it('a reload transfers no bundle bytes and still renders from IndexedDB', async () => {
    network.reset();
    await page.reload();
    const outcome = await settled(page);
    expect(outcome, outcome.error).toMatchObject({ state: 'ready' });
    const { requested } = await network.settle();
    expect(requested.filter((u) => u.includes('/bundles/'))).toEqual([]);
    expect(requested.some((u) => u.endsWith('/api/v1/releases/current'))).toBe(true);
    expect(await page.locator('#bundle-info').getAttribute('data-origin')).toBe('cache');
    expect(await paintedShare(page)).toBeGreaterThan(0.05);
    expect((await lookUp(page, -118.2437, 34.0522)).id).toBe('06037');
    await transfer.add('repeat visit', network);
    await page.screenshot({ path: path.join(ARTIFACTS, 'client-demo-us-atlas.png') });
  });

  it('the library also runs outside a page (Node: no IndexedDB, so nothing is kept) and names what is wrong', async () => {
    const release = await openRelease({ baseUrl, version: 'v1.0.0' });
    expect(release.classes()).toEqual(['county', 'state']);
    const map = await release.loadMap('county', { scale: '20m' });
    expect(map).toMatchObject({ origin: 'network', stored: false, scale: '20m' });
    expect(map.file.path).toBe(mapFile(releasesDir, 'v1.0.0', 'county', '20m'));
    expect(map.districts.features).toHaveLength(3231);
    expect(map.findDistrict(-118.2437, 34.0522)?.properties).toEqual({
      id: '06037',
      name: 'Los Angeles',
      state_fips: '06',
    });
    expect(map.districtsNear(-118.2437, 34.0522).map((d) => d.properties.id)).toContain('06037');
    const geojson = await release.loadMap('county', { scale: '5m', format: 'geojson' });
    expect(geojson.file.path).toBe('county/simplified/5m.geojson');
    expect(geojson.findDistrict(-78.4767, 38.0293)?.properties.id).toBe('51540');
    expect(await release.loadFacts('county')).toMatchObject({ census: {}, wikipedia: {} });
    const california = await release.loadBundle('county', { state: '06' });
    expect(california).toMatchObject({ origin: 'network', stored: false, version: 'v1.0.0' });
    expect(california.files.map((f) => f.path)).toEqual(['county/by_state/06.geojson']);
    expect(california.findDistrict(-118.2437, 34.0522)?.properties.name).toBe('Los Angeles');
    expect(california.findDistrict(-77.0091, 38.8899)).toBeUndefined();
    // The whole class: polygons joined with census and wikipedia, as all.geojson has them.
    const counties = await release.loadBundle('county');
    expect(counties.districts.features).toHaveLength(3231);
    expect(counties.findDistrict(-118.2437, 34.0522)?.properties).toEqual({
      id: '06037',
      name: 'Los Angeles',
      state_fips: '06',
      census: null,
      wikipedia: null,
    });
    await expect(release.loadBundle('congressional_districts')).rejects.toThrow(
      'release v1.0.0 has no data class "congressional_districts" (it has: county, state)',
    );
    await expect(release.loadMap('congressional_districts', { scale: '20m' })).rejects.toThrow(
      'release v1.0.0 has no data class "congressional_districts"',
    );
    await expect(release.loadBundle('county', { state: '99' })).rejects.toThrow(
      'release v1.0.0 has no "county" bundle for state 99',
    );
    await expect(openRelease({ baseUrl, version: 'v9.9.9' })).rejects.toThrow(
      /GET .*\/api\/v1\/releases\/v9\.9\.9\/manifest failed: 404 Not Found \(release v9\.9\.9 not found\)$/,
    );
    await expect(openRelease({ baseUrl, version: '1.0' })).rejects.toThrow('invalid release version "1.0"');
    await expect(openRelease({ baseUrl: 'http://127.0.0.1:9' })).rejects.toThrow(
      /cannot reach http:\/\/127\.0\.0\.1:9\/api\/v1\/releases\/current/,
    );
  });

  it('a new current release costs only the files that changed; what no release needs is evicted', async () => {
    // v1.0.1: Los Angeles County gains an islet off the coast, big enough to show at 1:20,000,000 (its polygons file changes), nothing else.
    await withDatabase(dbPath, {}, async ({ connection }) => {
      const read = await connection.runAndReadAll(
        "SELECT geometry FROM polygons WHERE data_class = 'county' AND id = '06037'",
      );
      const geometry = JSON.parse(String(read.getRows()[0]![0]));
      geometry.coordinates.push([
        [
          [-120.5, 32.5],
          [-120.4, 32.5],
          [-120.4, 32.6],
          [-120.5, 32.5],
        ],
      ]);
      await setGeometry(connection, 'county', '06037', JSON.stringify(geometry));
    });
    const summary = await buildRelease({ dbPath, releasesDir, version: 'v1.0.1' });
    expect(summary.changes.classes).toEqual({
      county: { added: [], removed: [], changed: [{ id: '06037', fields: ['geometry'] }] },
    });
    await setCurrent(releasesDir, 'v1.0.1');
    network.reset();
    await page.reload();
    const outcome = await settled(page);
    expect(outcome, outcome.error).toMatchObject({ state: 'ready' });
    const { requested } = await network.settle();
    // Of the files the page draws from, only those the new county changed are fetched: census.json and
    // wikipedia.json have the same bytes, so the same canonical URLs, in both releases.
    const changed = county('v1.0.1').filter(
      (f) =>
        fileOf(releasesDir, 'v1.0.1', f).uncompressed_sha256 !== fileOf(releasesDir, 'v1.0.0', f).uncompressed_sha256,
    );
    expect(changed).toEqual([mapFile(releasesDir, 'v1.0.1', 'county', '20m')]);
    expect(bundlePaths(requested)).toEqual(expectedPaths('v1.0.1', changed));
    expect(await page.locator('#bundle-info').getAttribute('data-origin')).toBe('mixed');
    expect(await page.locator('#release').innerText()).toContain('v1.0.1');
    // What v1.0.0 alone needed (its 20m and 5m maps) is evicted.
    const keptNow = await keptContents();
    expect(keptNow).toEqual(expect.arrayContaining(kept('v1.0.1', county('v1.0.1'))));
    expect(keptNow.filter((sha) => !listed('v1.0.1').has(sha))).toEqual([]);
    expect(keptNow).not.toContain(
      fileOf(releasesDir, 'v1.0.0', mapFile(releasesDir, 'v1.0.0', 'county', '20m')).uncompressed_sha256,
    );
    // Virginia did not change: the pages and cell of Charlottesville looked up in v1.0.0 have the same
    // content in v1.0.1 (only the root above them changed, and it came with the current answer), so
    // they come from IndexedDB: no lookup file crosses the network.
    network.reset();
    expect((await lookUp(page, -78.4767, 38.0293)).id).toBe('51540');
    const fetched = bundlePaths((await network.settle()).requested);
    expect(fetched.filter((p) => p.startsWith('/bundles/content/lookup/'))).toEqual([]);
    expect(await page.locator('#card .source').innerText()).toMatch(/all already in this browser \(no download\)/);
    await transfer.add('repeat visit after a release that changed one county', network);
  });

  it('switching class loads that class and keeps both classes of the release', async () => {
    await page.selectOption('#class-select', 'state');
    const outcome = await settled(page);
    expect(outcome, outcome.error).toMatchObject({ state: 'ready' });
    expect((await lookUp(page, -118.2437, 34.0522)).id).toBe('06');
    // us-atlas has no census or Wikipedia facts: both classes' are the same empty {} file, kept once.
    expect(await keptContents()).toEqual(
      expect.arrayContaining(kept('v1.0.1', [...county('v1.0.1'), mapFile(releasesDir, 'v1.0.1', 'state', '20m')])),
    );
    expect(await page.locator('#status').innerText()).toBe('state: 56 districts ready.');
    await page.screenshot({ path: path.join(ARTIFACTS, 'client-demo-us-atlas-state-california.png') });
  });

  it('works without DecompressionStream (the browser decodes), and shows progress on a slow line', async () => {
    const old = await launchBrowser({ noDecompressionStream: true });
    try {
      const p = old.context.pages()[0] ?? (await old.context.newPage());
      // A slow line (256 KB/s) makes the loading state observable: it must show the download's progress.
      const cdp = await old.context.newCDPSession(p);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 20,
        downloadThroughput: 256 * 1024,
        uploadThroughput: 256 * 1024,
      });
      await p.goto(`${baseUrl}/?class=county`);
      await p.waitForFunction(() =>
        /^Downloading county: .+ of .+…$/.test(document.getElementById('status')?.textContent ?? ''),
      );
      expect(await p.evaluate(() => document.body.dataset.state)).toBe('loading');
      expect(await p.evaluate(() => typeof (globalThis as { DecompressionStream?: unknown }).DecompressionStream)).toBe(
        'undefined',
      );
      const outcome = await settled(p);
      expect(outcome, outcome.error).toMatchObject({ state: 'ready' });
      expect(await p.locator('#bundle-info').getAttribute('data-origin')).toBe('network');
      expect((await lookUp(p, -118.3267, 33.3428)).id).toBe('06037');
    } finally {
      await old.close();
    }
  });

  it('a tampered file is rejected with a clear error on the page and never kept', async () => {
    // Releases are immutable, so the tampering happens in a copy served by its own nginx: the
    // county map at its canonical path, recompressed so it still decodes.
    const tamperedDir = path.join(tmp, 'tampered-releases');
    fs.cpSync(releasesDir, tamperedDir, { recursive: true, verbatimSymlinks: true });
    const mapPath = mapFile(tamperedDir, 'v1.0.1', 'county', '20m');
    const polygons = fileOf(tamperedDir, 'v1.0.1', mapPath);
    const text = readBundle(path.join(tamperedDir, polygons.canonical_path)).replace('Los Angeles', 'Los Angelos');
    for (const [ext, bytes] of [
      ['.gz', zlib.gzipSync(text)],
      ['.br', zlib.brotliCompressSync(text)],
    ] as const) {
      const file = path.join(tamperedDir, polygons.canonical_path.replace(/\.gz$/, ext));
      fs.chmodSync(file, 0o644);
      fs.writeFileSync(file, bytes);
    }
    const tampered = await startServing({ releasesDir: tamperedDir, port: 0, apiPort: 0, siteRoot });
    try {
      const url = new URL(tampered.urls.site).origin;
      await page.goto(`${url}/?class=county`);
      const outcome = await settled(page);
      expect(outcome.state).toBe('error');
      expect(outcome.error).toContain(`${mapPath} of release v1.0.1 failed verification: its sha256 is `);
      expect(outcome.error).toContain(polygons.uncompressed_sha256);
      expect(await page.locator('#error').isVisible()).toBe(true);
      expect(await page.isDisabled('#lookup button[type=submit]')).toBe(true); // nothing to look up in
      expect((await keptFiles(page)).map(([p]) => p)).not.toContain(mapPath);
      expect(await keptContents()).not.toContain(polygons.uncompressed_sha256);
      await page.screenshot({ path: path.join(ARTIFACTS, 'client-demo-tampered.png') });
      // The untampered class of the same release still loads and is kept.
      await page.selectOption('#class-select', 'state');
      expect(await settled(page), 'state class').toMatchObject({ state: 'ready' });
      expect((await keptFiles(page)).map(([p]) => p)).toContain(mapFile(tamperedDir, 'v1.0.1', 'state', '20m'));
    } finally {
      await tampered.stop();
    }
  });

  it("kept to the site's Content-Security-Policy: no violation on any visit, and an inline script is refused", async () => {
    await expectPolicyKept(demo);
  });
});
