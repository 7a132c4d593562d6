/**
 * The demo page draws a state-legislative class from its simplified map and
 * loads a state's full-resolution file only for a lookup there: both
 * chambers of Massachusetts and Iowa from the unitedstates/districts
 * archives, over https (so Chromium takes br), in real Chromium against
 * real nginx + API. The expected districts of the known points were found
 * independently, with GDAL/SpatiaLite (ST_Intersects) on the source files.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { feature } from 'topojson-client';
import type { Topology } from 'topojson-specification';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, type recordNetwork } from '../testkit/browser.ts';
import { DATASETS, unpack } from '../testkit/datasets.ts';
import type { DistrictCollection } from '../client/geobundle-client.ts';
import { forD3, nationView } from '../demo/map-view.ts';
import { withDatabase } from '../pipeline/db.ts';
import { ingestGeojson } from '../pipeline/ingest/geojson.ts';
import { sharedDataDir } from '../pipeline/paths.ts';
import { buildRelease } from '../pipeline/release/build-release.ts';
import { manifestFiles, readManifest } from '../pipeline/release/store/manifest-file.ts';
import { setCurrent } from '../pipeline/release/set-current.ts';
import {
  ARTIFACTS,
  expectPolicyKept,
  lookUp,
  paintedShare,
  serveDemoInBrowser,
  settled,
  transferLog,
} from './helpers/browser.ts';
import { mapFile } from './helpers/release.ts';
import { tempDir } from '../testkit/temp.ts';
import { readBundle } from '../testkit/bundle-file.ts';

const dataset = DATASETS.find((d) => d.name === 'state-legislative')!;
const shared = sharedDataDir();
const archives = dataset.archives.map((a) => path.join(shared, 'unitedstates-districts', a));
const absent = archives.filter((a) => !fs.existsSync(a));
if (absent.length > 0) console.warn(`SKIPPED state-legislative browser tests: ${absent.join(', ')} not found`);

const STATE_HOUSE: [number, number] = [-71.0638, 42.3588]; // Massachusetts State House, Boston
const CAPITOL: [number, number] = [-93.6037, 41.5911]; // Iowa State Capitol, Des Moines
const CHAMBERS = [
  {
    dataClass: 'state_legislative_lower',
    chamber: 'sldl',
    stateHouse: 'ocd-division/country:us/state:ma/sldl:8th_suffolk',
    capitol: 'ocd-division/country:us/state:ia/sldl:32',
  },
  {
    dataClass: 'state_legislative_upper',
    chamber: 'sldu',
    stateHouse: 'ocd-division/country:us/state:ma/sldu:1st_suffolk_and_middlesex',
    capitol: 'ocd-division/country:us/state:ia/sldu:16',
  },
];

describe.skipIf(!hasChromium || absent.length > 0)(
  'demo page on both state-legislative chambers of Massachusetts and Iowa (simplified maps, Chromium)',
  () => {
    let tmp: string;
    let releaseDir: string;
    let demo: Awaited<ReturnType<typeof serveDemoInBrowser>>;
    let page: Page;
    let network: Awaited<ReturnType<typeof recordNetwork>>;
    let origin: string;
    const transfer = transferLog('client-transfer-state-legislative.json');
    const entries = () => manifestFiles(readManifest(releaseDir));
    /** The canonical URL path of a release file (without encoding) and its .br bytes. */
    const served = (file: string) => {
      const br = entries().find((e) => e.path === `${file}.br`)!;
      return { url: `/bundles/${br.canonical_path.replace(/\.br$/, '')}`, br: br.bytes };
    };
    const bundleRequests = (urls: string[]) =>
      urls
        .filter((u) => u.includes('/bundles/') && !u.includes('/bundles/content/lookup/'))
        .map((u) => new URL(u).pathname)
        .sort();
    const lookupRequests = (urls: string[]) => urls.filter((u) => u.includes('/bundles/content/lookup/'));

    beforeAll(async () => {
      tmp = tempDir('client-sl');
      const unpacked = path.join(tmp, 'districts');
      await unpack(dataset, shared, unpacked, { states: ['MA', 'IA'] });
      const dbPath = path.join(tmp, 'geobundle.duckdb');
      await withDatabase(dbPath, {}, async (db) => {
        for (const { dataClass, chamber } of CHAMBERS)
          await ingestGeojson(db.connection, { input: path.join(unpacked, chamber), dataClass });
      });
      const releasesDir = path.join(tmp, 'releases');
      await buildRelease({ dbPath, releasesDir, version: 'v1.0.0' });
      await setCurrent(releasesDir, 'v1.0.0');
      releaseDir = path.join(releasesDir, 'v1.0.0');
      demo = await serveDemoInBrowser({ releasesDir, siteRoot: path.join(tmp, 'site'), https: true });
      ({ page, network } = demo);
      origin = new URL(demo.serving.urls.site).origin;
    }, 300_000);

    afterAll(async () => {
      transfer.write();
      await demo?.stop();
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    describe.each(CHAMBERS)('$dataClass', ({ dataClass, stateHouse, capitol }) => {
      const nationMap = () => mapFile(releaseDir, dataClass, '20m');

      it('first paint: the national map from the 20m file and the facts, nothing at full resolution', async () => {
        network.reset();
        await page.goto(`${origin}/?class=${dataClass}`);
        const outcome = await settled(page);
        expect(outcome, outcome.error).toMatchObject({ state: 'ready' });
        const features = readManifest(releaseDir).classes[dataClass]!.feature_count;
        expect(outcome.status).toBe(
          `${dataClass.replaceAll('_', ' ')}: ${features.toLocaleString('en-US')} districts ready.`,
        );
        expect(await paintedShare(page)).toBeGreaterThan(0.05);
        const visit = await transfer.add(`${dataClass} first paint`, network);
        const files = [nationMap(), `${dataClass}/census.json`, `${dataClass}/wikipedia.json`];
        const bundles = visit.entries.filter((e) => e.url.includes('/bundles/'));
        // The map, and the facts unless the same content was kept already (both chambers' are `{}`).
        const requested = bundleRequests(bundles.map((e) => e.url));
        expect(requested).toContain(served(nationMap()).url);
        expect(files.map((f) => served(f).url)).toEqual(expect.arrayContaining(requested));
        // The bytes on the wire are the .br files (headers included: within 5 % plus 1 KB each).
        const wire = bundles.reduce((n, e) => n + e.bytes, 0);
        const br = files.filter((f) => requested.includes(served(f).url)).reduce((n, f) => n + served(f).br, 0);
        expect(wire).toBeLessThan(br * 1.05 + 1024 * bundles.length);
        // The page, the library, the manifest and the map together.
        expect(visit.bytes).toBeLessThan(2 * 1024 * 1024);
        await page.screenshot({ path: path.join(ARTIFACTS, `client-demo-${dataClass}-nation.png`) });
      });

      it('a click on Boston reads a cell of the lookup index (and the 5m map), and zooms to Massachusetts', async () => {
        // Where the page draws the State House: the same projection, fitted the same way, on the same map.
        const text = readBundle(path.join(releaseDir, `${nationMap()}.gz`));
        const parsed = JSON.parse(text);
        const districts = (
          nationMap().endsWith('.topojson')
            ? feature(parsed as Topology, (parsed as Topology).objects[dataClass]!)
            : parsed
        ) as DistrictCollection;
        const canvas = page.locator('#map');
        const box = (await canvas.boundingBox())!;
        const width = await canvas.evaluate((c) => c.clientWidth);
        const { projection } = nationView(forD3(districts.features), width, Math.round(width / 1.6));
        const [x, y] = projection(STATE_HOUSE)!;
        network.reset();
        await page.mouse.click(box.x + x, box.y + y);
        await page.locator('#card').waitFor({ state: 'visible' });
        const id = await page.locator('#card').getAttribute('data-district-id');
        // A pixel of the national map is kilometres wide: the district is one of Massachusetts'.
        expect(id).toMatch(/^ocd-division\/country:us\/state:ma\//);
        expect(await page.locator('#view-title').innerText()).toContain('Massachusetts');
        const { requested } = await network.settle();
        // No state's full-resolution file: a page or two and a cell of the index, then the map to zoom to.
        expect(bundleRequests(requested)).toEqual([served(mapFile(releaseDir, dataClass, '5m')).url]);
        expect(lookupRequests(requested).length).toBeLessThanOrEqual(3);
        // One index holds every class: the first chamber looked up reads the cell, the second has it already.
        if (dataClass === CHAMBERS[0]!.dataClass) expect(lookupRequests(requested).length).toBeGreaterThanOrEqual(1);
        else expect(lookupRequests(requested)).toEqual([]);
        // The clicked coordinates, typed, find the same district.
        expect(
          (await lookUp(page, Number(await page.inputValue('#lon')), Number(await page.inputValue('#lat')))).id,
        ).toBe(id);
      });

      it('the Massachusetts State House and the Iowa State Capitol are in their districts; Iowa costs only its cell', async () => {
        const boston = await lookUp(page, ...STATE_HOUSE);
        expect(boston.id).toBe(stateHouse);
        await page.screenshot({ path: path.join(ARTIFACTS, `client-demo-${dataClass}-massachusetts.png`) });
        network.reset();
        const desMoines = await lookUp(page, ...CAPITOL);
        expect(desMoines.id).toBe(capitol);
        expect(await page.locator('#view-title').innerText()).toContain('Iowa');
        const { requested } = await network.settle();
        // The 5m map is here already; Iowa's cell (and the page above it) are not.
        expect(bundleRequests(requested)).toEqual([]);
        expect(lookupRequests(requested).length).toBeLessThanOrEqual(2);
        if (dataClass === CHAMBERS[0]!.dataClass) expect(lookupRequests(requested).length).toBeGreaterThanOrEqual(1);
        else expect(lookupRequests(requested)).toEqual([]);
        await page.screenshot({ path: path.join(ARTIFACTS, `client-demo-${dataClass}-iowa.png`) });
      });
    });

    it("kept to the site's Content-Security-Policy: no violation on any visit, and an inline script is refused", async () => {
      await expectPolicyKept(demo);
    });
  },
);
