/**
 * Issue 19's figures, on the whole shared data set in one release (cd119 and
 * us-atlas only in quick mode): what real Chromium receives from real nginx
 * to find every district of a place — cold, warm elsewhere in the same
 * state, again in the same cell, with facts — at points drawn where people
 * live (a congressional district drawn uniformly, then a point uniform in
 * its area) and at seven named places; whether the index answers exactly as
 * point in polygon on the full-resolution files does; and what the index
 * costs the build (time, memory, disk, and nothing on a Wikipedia-only
 * release).
 */
import fs from 'node:fs';
import path from 'node:path';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import { BUILD_MALLOC_ENV } from '../bin/build-malloc.js';
import type { Position } from 'geojson';
import { polygonsOf } from '../client/district-index.ts';
import type { District, DistrictLookup, LookupAnswer } from '../client/types.ts';
import { type LookupPage, type LookupRoot, lookupPath } from '../core/lookup-format.ts';
import type { ReleaseManifest } from '../core/release-format.ts';
import { withDatabase } from '../pipeline/db.ts';
import { projectRoot } from '../pipeline/paths.ts';
import { setCurrent } from '../pipeline/release/set-current.ts';
import { manifestFiles, readManifest } from '../pipeline/release/store/manifest-file.ts';
import { districtArticleTitle } from '../pipeline/wikipedia/titles.ts';
import { buildSite } from '../scripts/build-site.ts';
import { startServing } from '../serve/serve.ts';
import { launchBrowser, recordNetwork, throwawayCertificate } from '../testkit/browser.ts';
import { readBundle } from '../testkit/bundle-file.ts';
import {
  cellEdgePoints,
  disagreements,
  drawPoints,
  openLocalLookup,
  referenceIndexes,
  seeded,
} from '../testkit/lookup-check.ts';
import { openLookupPage, writeLookupPage } from '../testkit/lookup-page.ts';
import { geobundleStep } from './build-bench.ts';
import { measureCommand, round } from './measure.ts';
import { type BuildStep, environment, finish, type LookupPoint, type LookupResult } from './results.ts';
import { ingestWholeSet } from './whole-set.ts';
import type { PartOptions } from './part.ts';

const CD = 'congressional_districts';
const SEED = 19;
const LOOKUP_INDEX_ALONE = path.join(projectRoot, 'bench', 'lookup-index-alone.ts');

/** The places the issue measured "today" at. */
export const PLACES = [
  { label: 'Boston', lat: 42.3588, lon: -71.0638 },
  { label: 'Houston', lat: 29.7604, lon: -95.3698 },
  { label: 'Los Angeles', lat: 34.0522, lon: -118.2437 },
  { label: 'rural Texas', lat: 31.0, lon: -100.0 },
  { label: 'Des Moines', lat: 41.5868, lon: -93.625 },
  { label: 'Anchorage', lat: 61.2181, lon: -149.9003 },
  { label: 'New York', lat: 40.7128, lon: -74.006 },
];

const SIZES = {
  full: { people: 1000, exact: 100_000, cellEdges: 2000 },
  quick: { people: 50, exact: 5000, cellEdges: 200 },
};

interface BrowserPoint {
  label: string | null;
  lat: number;
  lon: number;
  /** Elsewhere in the same state: a uniform point in a random congressional district of it. */
  warm: { lat: number; lon: number };
}

export async function benchLookup({ shared, workDir, quick, log }: PartOptions): Promise<LookupResult> {
  const env = environment(quick);
  const sizes = quick ? SIZES.quick : SIZES.full;
  const releases = path.join(workDir, 'releases');
  const logFile = path.join(workDir, 'geobundle.log');
  fs.mkdirSync(releases, { recursive: true });
  const step = (label: string, args: string[]) => geobundleStep(label, args, logFile);

  const whole = await ingestWholeSet({ shared, workDir, quick, step });
  let build: BuildStep;
  let wikipediaOnly: LookupResult['wikipedia_only'];
  try {
    log(`  database: ${whole.ingest.map((s) => `${s.label} ${s.wall_s} s`).join(', ')}`);
    build = await step('build-release v1.0.0', ['build-release', 'v1.0.0', '--db', whole.db, '--releases', releases]);
    log(`  build: ${build.wall_s} s wall, ${build.max_rss_mb} MB peak RSS`);

    const before = lookupFiles(releases);
    const one = await firstDistrict(whole.db);
    whole.wikipedia.edit(districtArticleTitle(one), { extract: `${districtArticleTitle(one)}: revised lead.` });
    await whole.refresh(['--force', '--only', one]);
    const rebuild = await step('build-release v1.0.1', [
      'build-release',
      'v1.0.1',
      '--db',
      whole.db,
      '--releases',
      releases,
    ]);
    const after = lookupFiles(releases);
    const added = [...after].filter(([file, inode]) => before.get(file) !== inode).map(([file]) => file);
    const [m0, m1] = ['v1.0.0', 'v1.0.1'].map((v) => readManifest(path.join(releases, v)));
    wikipediaOnly = {
      step: rebuild,
      index_root_unchanged: m0!.lookup!.index.sha256 === m1!.lookup!.index.sha256,
      lookup_files_written: added.filter((f) => f.startsWith('lookup/')).length,
      lookup_bytes_written: sumSizes(
        releases,
        added.filter((f) => f.startsWith('lookup/')),
      ),
      facts_files_written: added.filter((f) => f.startsWith('facts/')).length,
      facts_bytes_written: sumSizes(
        releases,
        added.filter((f) => f.startsWith('facts/')),
      ),
    };
    log(
      `  Wikipedia-only release: ${wikipediaOnly.lookup_files_written} lookup files (${wikipediaOnly.lookup_bytes_written} B) and ${wikipediaOnly.facts_files_written} facts files written`,
    );
  } finally {
    await whole.close();
  }

  const manifest = readManifest(path.join(releases, 'v1.0.1'));
  // The index's own phase and the time it took the districts during the passes.
  const line = /^lookup index: \d+ cells .* in ([\d.]+) s \(\+ ([\d.]+) s taking/m.exec(
    fs.readFileSync(logFile, 'utf8'),
  );
  const indexSeconds = line ? round(Number(line[1]) + Number(line[2]), 1) : NaN;
  const aloneDir = path.join(workDir, 'index-alone');
  const alone = await measureCommand(
    process.execPath,
    ['--import', 'tsx', LOOKUP_INDEX_ALONE, whole.db, aloneDir, String(manifest.coordinate_precision)],
    // As bin/geobundle.js runs a build (bin/build-malloc.js says why).
    { cwd: projectRoot, logFile, env: BUILD_MALLOC_ENV },
  );
  fs.rmSync(aloneDir, { recursive: true, force: true });
  const { stdout: _stdout, ...aloneCost } = alone;
  log(`  index alone: ${alone.wall_s} s wall, ${alone.max_rss_mb} MB peak RSS; in the build: ${indexSeconds} s`);

  log(`  exactness: ${sizes.exact} points against point in polygon on every class's all.geojson`);
  const { exact, browserPoints } = await checkExact(releases, 'v1.0.1', sizes);
  log(`  exactness: ${exact.disagreements} disagreements over ${exact.points} points`);

  log(`  Chromium: ${browserPoints.length} points, cold, warm, same cell, with facts`);
  const points = await measureBrowser(releases, workDir, manifest, browserPoints, log);
  const lookup = manifest.lookup!;
  return {
    kind: 'lookup',
    name: 'lookup',
    title: `Every district of a place from the lookup index (${quick ? 'cd119 + us-atlas' : 'the whole shared data set'} in one release)`,
    environment: finish(env),
    classes: Object.keys(manifest.classes),
    index: {
      cells: lookup.cells,
      pages: lookup.pages,
      index_bytes: lookup.index_bytes,
      facts_files: lookup.facts_files,
      facts_bytes: lookup.facts_bytes,
      build: build,
      seconds_in_build: indexSeconds,
      share_of_build: round(indexSeconds / build.wall_s, 4),
      alone: aloneCost,
    },
    wikipedia_only: wikipediaOnly,
    exact,
    browser: summarize(points),
    // The drawn points are summed up above; the named places are kept whole (a result file stays small).
    points: points.filter((p) => p.label),
  };
}

/** Every file of the content store's lookup and facts trees, by path under content/, with its inode. */
function lookupFiles(releases: string): Map<string, number> {
  const content = path.join(releases, 'content');
  const files = new Map<string, number>();
  for (const kind of ['lookup', 'facts']) {
    const dir = path.join(content, kind);
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      files.set(path.relative(content, file), fs.statSync(file).ino);
    }
  }
  return files;
}

function sumSizes(releases: string, files: readonly string[]): number {
  return files.reduce((n, f) => n + fs.statSync(path.join(releases, 'content', f)).size, 0);
}

async function firstDistrict(db: string): Promise<string> {
  const [row] = await withDatabase(db, { readOnly: true }, async ({ connection }) =>
    (await connection.runAndReadAll(`SELECT min(id) FROM polygons WHERE data_class = '${CD}'`)).getRows(),
  );
  if (!row?.[0]) throw new Error(`the database has no ${CD}: the lookup bench needs cd119`);
  return String(row[0]);
}

/**
 * Point in polygon on every class's all.geojson against the index, and —
 * while the full-resolution districts are in memory — the browser's points:
 * a congressional district drawn uniformly (each holds about the same
 * population), then a point uniform in its polygons; its warm point is drawn
 * the same way among the districts of its state.
 */
async function checkExact(
  releases: string,
  version: string,
  sizes: (typeof SIZES)['full'],
): Promise<{ exact: LookupResult['exact']; browserPoints: BrowserPoint[] }> {
  const releaseDir = path.join(releases, version);
  const indexes = referenceIndexes(releaseDir);
  const lookup = await openLocalLookup(releases, version);
  const manifest = readManifest(releaseDir);
  const root = JSON.parse(readBundle(path.join(releases, manifest.lookup!.index.canonical_path))) as LookupRoot;
  const drawn = drawPoints(indexes, { seed: SEED, count: sizes.exact, borderShare: 0.1 });
  const edges = cellEdgePoints(root, cellKeys(releases, root), SEED, sizes.cellEdges);
  const all = [...drawn, ...edges];
  const found = await disagreements(lookup, indexes, all);
  const border = drawn.filter((p) => p.kind === 'border');
  const exact = {
    points: all.length,
    near_border: border.length,
    within_1m: border.filter((p) => (p.metres ?? Infinity) <= 1).length,
    cell_edge: edges.length,
    disagreements: found.length,
    examples: found.slice(0, 10),
  };

  const cd = indexes.get(CD)!;
  const random = seeded(SEED);
  const byState = new Map<string | null, District[]>();
  for (const f of cd.features.filter((f) => f.geometry))
    byState.set(f.properties.state_fips, [...(byState.get(f.properties.state_fips) ?? []), f]);
  const warmIn = (state: string | null | undefined) => {
    const districts = byState.get(state ?? null) ?? [];
    return districts.length ? pointIn(districts[Math.floor(random() * districts.length)]!, random) : null;
  };
  const browserPoints: BrowserPoint[] = [];
  for (const place of PLACES) {
    const warm = warmIn(cd.find(place.lon, place.lat)?.properties.state_fips);
    if (!warm)
      throw new Error(`${place.label} (${place.lat}, ${place.lon}) is in no congressional district of the release`);
    browserPoints.push({ ...place, warm });
  }
  const districts = cd.features.filter((f) => f.geometry);
  for (let i = 0; i < sizes.people; i++) {
    const district = districts[Math.floor(random() * districts.length)]!;
    browserPoints.push({
      label: null,
      ...pointIn(district, random),
      warm: warmIn(district.properties.state_fips) ?? pointIn(district, random),
    });
  }
  return { exact, browserPoints };
}

/** Every cell key of the index, from its pages. */
function cellKeys(releases: string, root: LookupRoot): string[] {
  const keys: string[] = [];
  const visit = (page: LookupPage) => {
    for (const [key, kind, sha256] of page.entries) {
      if (kind === 'cell') keys.push(key);
      else visit(JSON.parse(readBundle(path.join(releases, lookupPath('lookup', sha256)))) as LookupPage);
    }
  };
  visit(root);
  return keys;
}

/**
 * A point uniform (in longitude and latitude) in a district: a polygon drawn
 * by the area of its box, a point uniform in that box, kept when inside that
 * polygon — each point of the district is then equally likely.
 */
function pointIn(district: District, random: () => number): { lat: number; lon: number } {
  const polygons = polygonsOf(district.geometry).map((rings) => ({ rings, box: boxOf(rings[0]!) }));
  const areas = polygons.map(({ box }) => (box[2] - box[0]) * (box[3] - box[1]));
  const total = areas.reduce((a, b) => a + b, 0);
  for (;;) {
    const r = random() * total;
    let k = 0;
    for (let sum = areas[0]!; sum <= r && k < areas.length - 1; sum += areas[k]!) k += 1;
    const { rings, box } = polygons[k]!;
    const lon = box[0] + random() * (box[2] - box[0]);
    const lat = box[1] + random() * (box[3] - box[1]);
    if (booleanPointInPolygon([lon, lat], { type: 'Polygon', coordinates: rings })) return { lat, lon };
  }
}

function boxOf(ring: Position[]): [number, number, number, number] {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of ring as Array<[number, number]>) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return [x0, y0, x1, y1];
}

/**
 * Each point in real Chromium over https (so it asks for br), nginx + API
 * serving the releases: cold (HTTP cache and IndexedDB emptied, the page
 * reloaded), then on the same page a warm lookup elsewhere in the state and
 * the same point again. Bytes are CDP's encodedDataLength, headers included,
 * from the current-release answer on; the page and library are not counted.
 */
async function measureBrowser(
  releases: string,
  workDir: string,
  manifest: ReleaseManifest,
  points: readonly BrowserPoint[],
  log: (m: string) => void,
): Promise<LookupPoint[]> {
  const siteRoot = path.join(workDir, 'site');
  await buildSite({ outDir: siteRoot });
  writeLookupPage(siteRoot);
  const tls = await throwawayCertificate(fs.mkdtempSync(path.join(workDir, 'tls-')));
  await setCurrent(releases, manifest.version);
  const serving = await startServing({
    releasesDir: releases,
    port: 0,
    apiPort: 0,
    siteRoot,
    tls,
    apiRate: 0,
    accessLog: false,
  });
  const chromium = await launchBrowser({ trust: tls });
  const results: LookupPoint[] = [];
  try {
    const page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
    const cdp = await chromium.context.newCDPSession(page);
    const network = await recordNetwork(page);
    const origin = new URL(serving.urls.site).origin;
    const measure = async (run: () => Promise<LookupAnswer>) => {
      await network.settle();
      network.reset();
      const answer = await run();
      const { entries } = await network.settle();
      const part = (pick: (pathname: string) => boolean) => {
        const picked = entries.filter((e) => pick(new URL(e.url).pathname));
        return { bytes: picked.reduce((n, e) => n + e.bytes, 0), requests: picked.length };
      };
      return {
        answer,
        lookup: part((p) => p === '/api/v1/releases/current' || p.startsWith('/bundles/content/lookup/')),
        facts: part((p) => p.startsWith('/bundles/content/facts/')),
        other: entries.filter(
          (e) => !/^\/(api\/v1\/releases\/current$|bundles\/content\/(lookup|facts)\/)/.test(new URL(e.url).pathname),
        ),
      };
    };
    for (const [i, point] of points.entries()) {
      await cdp.send('Network.clearBrowserCache');
      await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'indexeddb,cache_storage' });
      await openLookupPage(page, origin);
      const cold = await measure(() =>
        page.evaluate(async ({ lat, lon }) => {
          const lookup = await window.openLookup({ baseUrl: location.origin });
          (window as unknown as { opened: typeof lookup }).opened = lookup;
          return lookup.lookup({ lat, lon }, { facts: true });
        }, point),
      );
      const again = (p: { lat: number; lon: number }) =>
        measure(() => page.evaluate((p) => (window as unknown as { opened: DistrictLookup }).opened.lookup(p), p));
      const stray = cold.other.map((e) => e.url);
      if (stray.length) throw new Error(`the cold lookup made requests that are not the lookup's: ${stray.join(', ')}`);
      const warm = await again(point.warm);
      const same = await again(point);
      results.push({
        label: point.label,
        lat: point.lat,
        lon: point.lon,
        districts: Object.fromEntries(Object.entries(cold.answer.districts).map(([c, d]) => [c, d?.id ?? null])),
        cold_bytes: cold.lookup.bytes,
        cold_requests: cold.lookup.requests,
        facts_bytes: cold.facts.bytes,
        facts_requests: cold.facts.requests,
        warm_bytes: warm.lookup.bytes,
        warm_requests: warm.lookup.requests,
        same_cell_bytes: same.lookup.bytes + same.facts.bytes,
        today_bytes: todayBytes(manifest, cold.answer),
      });
      if (point.label || (i + 1) % 100 === 0)
        log(
          `    ${point.label ?? `${i + 1}/${points.length}`}: cold ${cold.lookup.bytes} B in ${cold.lookup.requests} requests, facts +${cold.facts.bytes} B, warm ${warm.lookup.bytes} B`,
        );
    }
  } finally {
    await chromium.close();
    await serving.stop();
  }
  return results;
}

/**
 * What the client fetched before the lookup index for the same answer: the
 * full-resolution `by_state` file (br) of the point's state in every class
 * that has one.
 */
function todayBytes(manifest: ReleaseManifest, answer: LookupAnswer): number {
  const files = new Map(manifestFiles(manifest).map((f) => [f.path, f.bytes]));
  let bytes = 0;
  for (const [dataClass, district] of Object.entries(answer.districts)) {
    if (district?.state_fips) bytes += files.get(`${dataClass}/by_state/${district.state_fips}.geojson.br`) ?? 0;
  }
  return bytes;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** How many points took each number of requests (integer keys list in ascending order). */
function countOf(requests: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of requests) counts[n] = (counts[n] ?? 0) + 1;
  return counts;
}

function summarize(points: readonly LookupPoint[]): LookupResult['browser'] {
  const of = (pick: (p: LookupPoint) => number) => points.map(pick);
  return {
    points: points.length,
    cold_median_bytes: quantile(
      of((p) => p.cold_bytes),
      0.5,
    ),
    cold_p95_bytes: quantile(
      of((p) => p.cold_bytes),
      0.95,
    ),
    cold_p95_requests: quantile(
      of((p) => p.cold_requests),
      0.95,
    ),
    cold_max_requests: Math.max(...of((p) => p.cold_requests)),
    with_facts_median_bytes: quantile(
      of((p) => p.cold_bytes + p.facts_bytes),
      0.5,
    ),
    warm_median_bytes: quantile(
      of((p) => p.warm_bytes),
      0.5,
    ),
    warm_max_requests: Math.max(...of((p) => p.warm_requests)),
    same_cell_max_bytes: Math.max(...of((p) => p.same_cell_bytes)),
    cold_requests_count: countOf(of((p) => p.cold_requests)),
    warm_requests_count: countOf(of((p) => p.warm_requests)),
  };
}
