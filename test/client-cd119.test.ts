/**
 * The demo page on the real 119th-Congress data: shapes, census and
 * legislators from ../shared/data, Wikipedia facts through refresh-wikipedia
 * from the loopback summary server (fixtures and generated pages: the machine
 * has no internet), one real release, real nginx + API, headless Chromium.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../pipeline/db.ts';
import { ingestCensus } from '../pipeline/ingest/census.ts';
import { ingestGeojson } from '../pipeline/ingest/geojson.ts';
import { ingestLegislators } from '../pipeline/ingest/legislators.ts';
import { buildRelease } from '../pipeline/release/build-release.ts';
import { setCurrent } from '../pipeline/release/set-current.ts';
import { refreshWikipedia } from '../pipeline/wikipedia/refresh.ts';
import { hasChromium, type recordNetwork } from '../testkit/browser.ts';
import { manifestFiles, readManifest } from '../pipeline/release/store/manifest-file.ts';
import {
  ARTIFACTS,
  expectPolicyKept,
  lookUp,
  paintedShare,
  serveDemoInBrowser,
  settled,
  transferLog,
} from './helpers/browser.ts';
import { cd119Sources, missingSources } from '../testkit/shared-data.ts';
import { tempDir } from '../testkit/temp.ts';
import { startSummaryServer } from '../testkit/wikipedia-stand-in.ts';

const CLASS = 'congressional_districts';
const sources = cd119Sources();
const missing = missingSources(sources);
if (missing.length > 0)
  console.warn(`SKIPPED cd119 browser tests: ${missing.join(', ')} not found (set GEOBUNDLE_SHARED_DATA)`);

describe.skipIf(!hasChromium || missing.length > 0)(
  'demo page on the 119th Congress release (real data, nginx, Chromium)',
  () => {
    let tmp: string;
    let dbPath: string;
    let releasesDir: string;
    let demo: Awaited<ReturnType<typeof serveDemoInBrowser>>;
    let page: Page;
    let network: Awaited<ReturnType<typeof recordNetwork>>;
    const transfer = transferLog('client-transfer-cd119.json');

    beforeAll(async () => {
      tmp = tempDir('client-cd119');
      dbPath = path.join(tmp, 'geobundle.duckdb');
      releasesDir = path.join(tmp, 'releases');
      await withDatabase(dbPath, {}, async (db) => {
        await ingestGeojson(db.connection, { input: sources.shapes, dataClass: CLASS });
        await ingestCensus(db.connection, { csv: sources.census, dataClass: CLASS });
        await ingestLegislators(db.connection, sources.legislators);
      });
      // Fixture summaries where they exist (DC, Iowa 3rd, …), generated ones for the rest.
      const wikipedia = await startSummaryServer({ generate: true });
      try {
        await refreshWikipedia({
          dbPath,
          cacheDir: path.join(tmp, 'wikipedia-cache'),
          dataClass: CLASS,
          client: { apiBase: wikipedia.apiBase, ratePerSecond: 1000, concurrency: 8 },
        });
      } finally {
        await wikipedia.close();
      }
      await buildRelease({ dbPath, releasesDir, version: 'v1.0.0' });
      await setCurrent(releasesDir, 'v1.0.0');
      demo = await serveDemoInBrowser({ releasesDir, siteRoot: path.join(tmp, 'site'), https: true });
      ({ page, network } = demo);
      await page.goto(demo.serving.urls.site);
      const outcome = await settled(page);
      expect(outcome, outcome.error).toMatchObject({ state: 'ready' });
    });

    afterAll(async () => {
      transfer.write();
      await demo?.stop();
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    /** Bytes of a release's stored .br files of `kinds` (simplified: the 20m map the page draws). */
    const brBytes = (version: string, kinds: string[]) => {
      const files = manifestFiles(readManifest(path.join(releasesDir, version))).filter(
        (f) =>
          f.encoding === 'br' &&
          kinds.includes(f.kind) &&
          (f.kind !== 'simplified' || f.scale_denominator === 20_000_000),
      );
      // Of a scale's GeoJSON and TopoJSON the page takes the fewer bytes.
      const maps = files.filter((f) => f.kind === 'simplified').sort((a, b) => a.bytes - b.bytes);
      return [...files.filter((f) => f.kind !== 'simplified'), ...maps.slice(0, 1)].reduce((n, f) => n + f.bytes, 0);
    };

    it('opens on the congressional districts and draws all 437 from the 20m map, coloured by partisan lean; over https it fetches br', async () => {
      expect(await page.inputValue('#class-select')).toBe(CLASS);
      expect(await page.locator('#status').innerText()).toContain('437 districts');
      expect(await paintedShare(page)).toBeGreaterThan(0.05);
      expect(await page.locator('#legend').isVisible()).toBe(true);
      const first = await transfer.add('first visit', network);
      const bundles = first.entries.filter((e) => e.url.includes('/bundles/'));
      expect(bundles.map((e) => new URL(e.url).pathname.replace(/^\/bundles\/content\/[0-9a-f]{32}\//, ''))).toEqual(
        expect.arrayContaining([expect.stringMatching(/^20m\.(topo|geo)json$/), 'census.json', 'wikipedia.json']),
      );
      expect(bundles).toHaveLength(3);
      // What crossed the wire (headers included) is the .br files, within 5 %.
      const wire = bundles.reduce((n, e) => n + e.bytes, 0);
      const stored = brBytes('v1.0.0', ['simplified', 'census', 'wikipedia']);
      expect(wire / stored, `${wire} bytes for ${stored} bytes of .br`).toBeLessThan(1.05);
    });

    it('a reload reads the files from IndexedDB: no bundle bytes on the wire', async () => {
      network.reset();
      await page.reload();
      expect(await settled(page)).toMatchObject({ state: 'ready' });
      expect((await network.settle()).requested.filter((u) => u.includes('/bundles/'))).toEqual([]);
      expect(await page.locator('#bundle-info').getAttribute('data-origin')).toBe('cache');
      await transfer.add('repeat visit', network);
    });

    it('after a Wikipedia-only release a returning visitor fetches the wikipedia file and the manifest, nothing more', async () => {
      await withDatabase(dbPath, {}, ({ connection }) =>
        connection.run("UPDATE wikipedia SET extract = extract || ' (Revised.)'"),
      );
      const summary = await buildRelease({ dbPath, releasesDir, version: 'v1.0.1' });
      expect(summary.changes.classes[CLASS]!.changed).toHaveLength(437);
      await setCurrent(releasesDir, 'v1.0.1');
      network.reset();
      await page.reload();
      expect(await settled(page)).toMatchObject({ state: 'ready' });
      const visit = await transfer.add('repeat visit after a Wikipedia-only release', network);
      const bundles = visit.entries.filter((e) => e.url.includes('/bundles/'));
      expect(bundles.map((e) => new URL(e.url).pathname.split('/').at(-1))).toEqual(['wikipedia.json']);
      const manifest = visit.entries.filter((e) => e.url.endsWith('/api/v1/releases/v1.0.1/manifest'));
      expect(manifest).toHaveLength(1);
      const wire = [...bundles, ...manifest].reduce((n, e) => n + e.bytes, 0);
      expect(wire / (brBytes('v1.0.1', ['wikipedia']) + manifest[0]!.bytes)).toBeLessThan(1.1);
      expect(await page.locator('#bundle-info').getAttribute('data-origin')).toBe('mixed');
      expect((await lookUp(page, -93.6091, 41.5868)).text).toMatch(/\(Revised\.\)/);
    });

    it('the US Capitol is in the District of Columbia delegate district, with its delegate and no census row', async () => {
      const { id, text } = await lookUp(page, -77.0091, 38.8899);
      expect(id).toBe('1198');
      expect(text).toMatch(/Representative\s+Eleanor Holmes Norton \(Democrat\)/);
      // The census data has no DC row, and no partisan lean: the card shows no row for them.
      expect(text).not.toMatch(/Population|Partisan lean/);
      expect(text).not.toContain('—');
      expect(text).toContain("District of Columbia's at-large congressional district");
    });

    it('downtown Des Moines is in Iowa 3rd: representative, census, partisan lean, Wikipedia extract and link', async () => {
      const { id, text } = await lookUp(page, -93.6091, 41.5868);
      expect(id).toBe('1903');
      expect(text).toMatch(/Representative\s+Zachary Nunn \(Republican\)/); // the legislators data's official name
      expect(text).toMatch(/Population \(2020\)\s+797,551/);
      expect(text).toMatch(/Median household income\s+\$75K–\$100K/);
      expect(text).toMatch(/Partisan lean\s+EVEN/); // 49.22% Biden, 49.57% Trump
      const article = page.locator('#card a', { hasText: "Iowa's 3rd congressional district" });
      expect(await article.getAttribute('href')).toMatch(/^https:\/\/en\.wikipedia\.org\/wiki\/Iowa/);
      expect(await page.locator('#card .extract').innerText()).toMatch(/Iowa/);
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'client-demo-cd119.png') });
    });

    it.each([
      ['Anchorage: Alaska at large, drawn in its inset', -149.9003, 61.2181, '0200', /Partisan lean\s+R\+11/],
      [
        'downtown Seattle: Washington 7th',
        -122.3321,
        47.6062,
        '5307',
        /Population \(2020\)\s+769,663[\s\S]*Partisan lean\s+D\+77/,
      ],
      ['the Chicago Loop: Illinois 7th', -87.6298, 41.8781, '1707', /Danny K\. Davis \(Democrat\)/],
      ['the Empire State Building: New York 12th', -73.9857, 40.7484, '3612', /Jerrold Nadler \(Democrat\)/],
      ['San Juan: Puerto Rico resident commissioner', -66.1057, 18.4655, '7298', /Pablo José Hernández \(Democrat\)/],
    ])('%s', async (_what, lon, lat, expected, shows) => {
      const { id, text } = await lookUp(page, lon, lat);
      expect(id).toBe(expected);
      expect(text).toMatch(shows);
    });

    it('the library loads one state’s bundle and finds districts in it', async () => {
      // A string, not a function: the page imports the served library itself (vitest would rewrite import()).
      const found = await page.evaluate(`(async () => {
      const client = await import(location.origin + '/geobundle-client.js');
      const release = await client.openRelease({ baseUrl: location.origin });
      const iowa = await release.loadBundle('congressional_districts', { state: '19' });
      return {
        path: iowa.files[0].path,
        features: iowa.districts.features.length,
        desMoines: iowa.findDistrict(-93.6091, 41.5868)?.properties.id,
        capitol: iowa.findDistrict(-77.0091, 38.8899)?.properties.id ?? null,
      };
    })()`);
      expect(found).toEqual({
        path: 'congressional_districts/by_state/19.geojson',
        features: 4,
        desMoines: '1903',
        capitol: null,
      });
    });

    it("kept to the site's Content-Security-Policy: no violation on any visit, and an inline script is refused", async () => {
      await expectPolicyKept(demo);
    });
  },
);
