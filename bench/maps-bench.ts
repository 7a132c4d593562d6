/**
 * Issue 10's figures per data set, on the release the build benchmark just
 * made: the simplified files' sizes and vertices per class, scale and
 * format; what simplifying costs on its own (mapshaper as the build runs
 * it, under GNU time) against the whole build; the topology of each scale
 * (every id, crossings, the overlap between neighbours against the source's
 * own, the borders shared at full resolution that are still shared arcs);
 * GEOS's verdict on every simplified file (testkit/map-validity.ts); and what
 * Chromium transfers for the demo's first paint of each class.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { manifestFiles } from '../pipeline/release/store/manifest-file.ts';
import { setCurrent } from '../pipeline/release/set-current.ts';
import { SIMPLIFIED_FORMATS, SIMPLIFIED_SCALES } from '../pipeline/release/formats/maps.ts';
import { MAPSHAPER_NODE_ARGS, mapshaperArgs } from '../pipeline/release/formats/maps/mapshaper.ts';
import { buildSite } from '../scripts/build-site.ts';
import { startServing } from '../serve/serve.ts';
import { launchBrowser, recordNetwork, throwawayCertificate } from '../testkit/browser.ts';
import { BENCH_VERSION, type BuiltDataset } from './build-bench.ts';
import type { Dataset } from '../testkit/datasets.ts';
import { mapValidity } from '../testkit/map-validity.ts';
import { measureCommand, round } from './measure.ts';
import { environment, finish, type MapsClass, type MapsResult } from './results.ts';
import { borderingPairs, overlapRatio, selfIntersecting, sharedArcPairs, sharedBorders } from '../testkit/topology.ts';
import { readBundle, readBundleBytes } from '../testkit/bundle-file.ts';

type Districts = FeatureCollection<Polygon | MultiPolygon | null, { id: string }>;

/**
 * A border shorter than this is a touching point at either scale: below the
 * TopoJSON grid (1,000,000 cells across a national extent, about 40 m) and
 * a few GeoJSON grid cells (0.0001°, about 11 m).
 */
const SHORTEST_BORDER_M = 100;

/** Above this many source vertices the full-resolution measures (grid borders, source overlap) are skipped: minutes, GBs. */
const FULL_RESOLUTION_LIMIT = 1_500_000;

const bundleJson = <T>(file: string) => JSON.parse(readBundle(file)) as T;

function decode(topology: Topology, objectName: string): Districts {
  return feature(topology, topology.objects[objectName] as GeometryCollection) as unknown as Districts;
}

async function mapsOfClass(built: BuiltDataset, dataClass: string, workDir: string, log: (m: string) => void) {
  const entries = manifestFiles(built.manifest).filter((f) => f.path.startsWith(`${dataClass}/`));
  const sourceVertices = entries.find((f) => f.kind === 'simplified')!.source_vertex_count!;
  const files: MapsClass['files'] = [];
  for (const scale of SIMPLIFIED_SCALES) {
    for (const format of SIMPLIFIED_FORMATS) {
      const of = (encoding: string) =>
        entries.find((f) => f.path === `${dataClass}/simplified/${scale.name}.${format}.${encoding}`)!;
      // GEOS's verdict (through GDAL, the TopoJSON decoded as a client decodes it): goal 0.
      const validity = await mapValidity(built.releaseDir, dataClass, scale.name, format);
      if (validity.geos_invalid > 0)
        log(
          `  ${dataClass} ${scale.name}.${format}: ${validity.geos_invalid} GEOS-invalid (${validity.examples.join('; ')})`,
        );
      files.push({
        scale: scale.name,
        format,
        vertices: of('br').vertex_count!,
        bytes: of('br').uncompressed_bytes,
        gz_bytes: of('gz').bytes,
        br_bytes: of('br').bytes,
        geos_invalid: validity.geos_invalid,
      });
    }
  }

  // Simplifying on its own, as the build does it: the class's polygons decompressed, mapshaper's command line.
  const dir = path.join(workDir, 'maps', dataClass);
  fs.mkdirSync(dir, { recursive: true });
  const input = path.join(dir, 'polygons.geojson');
  fs.writeFileSync(input, readBundleBytes(path.join(built.releaseDir, dataClass, 'polygons.geojson.gz')));
  const simplify = await measureCommand(process.execPath, [
    ...MAPSHAPER_NODE_ARGS,
    ...mapshaperArgs(input, dir, dataClass),
  ]);
  log(
    `  ${dataClass}: simplify ${simplify.wall_s} s wall, ${simplify.cpu_s} s CPU, ${simplify.max_rss_mb} MB peak RSS`,
  );
  // The full-resolution topology after snap and clean, the same steps before simplification: its shared arcs
  // are the borders the simplified maps must keep.
  const cleanedFile = path.join(dir, 'cleaned.topojson');
  await measureCommand(process.execPath, [
    ...MAPSHAPER_NODE_ARGS,
    ...mapshaperArgs(input, dir, dataClass, []).concat(['-o', cleanedFile, 'format=topojson', 'quantization=1000000']),
  ]);
  const cleanedBorders = sharedBorders(JSON.parse(fs.readFileSync(cleanedFile, 'utf8')) as Topology, dataClass);
  fs.rmSync(cleanedFile);

  const small = sourceVertices <= FULL_RESOLUTION_LIMIT;
  const full = small ? bundleJson<Districts>(path.join(built.releaseDir, dataClass, 'polygons.geojson.gz')) : undefined;
  const bordering = full ? borderingPairs(full.features) : undefined;
  const sourceOverlap = full ? overlapRatio(full.features).ratio : null;
  fs.rmSync(input);
  const ids = new Set(
    (
      full?.features ??
      decode(bundleJson<Topology>(path.join(built.releaseDir, dataClass, 'simplified', '20m.topojson.gz')), dataClass)
        .features
    ).map((f) => f.properties.id),
  );

  const topology = SIMPLIFIED_SCALES.map((scale) => {
    const topo = bundleJson<Topology>(
      path.join(built.releaseDir, dataClass, 'simplified', `${scale.name}.topojson.gz`),
    );
    const districts = decode(topo, dataClass);
    const arcs = sharedArcPairs(topo, dataClass);
    const present = new Set(districts.features.map((f) => f.properties.id));
    const t = {
      scale: scale.name,
      ids_missing: [...ids].filter((id) => !present.has(id)).length,
      null_geometries: districts.features.filter((f) => !f.geometry).length,
      crossing_rings: selfIntersecting(districts.features).length,
      overlap_ratio: overlapRatio(districts.features).ratio,
      source_overlap_ratio: sourceOverlap,
      cleaned_pairs: cleanedBorders.size,
      cleaned_pairs_lost: [...cleanedBorders.keys()].filter((p) => !arcs.has(p)).length,
      cleaned_borders_lost: [...cleanedBorders]
        .filter(([p]) => !arcs.has(p))
        .map(([p, metres]) => ({ pair: p, metres: round(metres, 1) }))
        .sort((a, b) => b.metres - a.metres)
        .slice(0, 20),
      cleaned_pairs_lost_over_shortest: [...cleanedBorders].filter(([p, m]) => !arcs.has(p) && m >= SHORTEST_BORDER_M)
        .length,
      shortest_border_m: SHORTEST_BORDER_M,
      bordering_pairs: bordering?.size ?? null,
      bordering_pairs_lost: bordering ? [...bordering].filter((p) => !arcs.has(p)).length : null,
    };
    log(
      `  ${dataClass} ${scale.name}: overlap ${t.overlap_ratio.toExponential(2)} (source ${sourceOverlap?.toExponential(2) ?? 'not measured'}), ` +
        `${t.cleaned_pairs_lost} of ${t.cleaned_pairs} cleaned borders lost (${t.cleaned_pairs_lost_over_shortest} of them ≥ ${SHORTEST_BORDER_M} m; longest ${t.cleaned_borders_lost[0]?.metres ?? 0} m), ${t.bordering_pairs_lost ?? '—'} of ${t.bordering_pairs ?? '—'} grid borders lost, ${t.crossing_rings} crossing`,
    );
    return t;
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return { data_class: dataClass, features: ids.size, source_vertices: sourceVertices, files, simplify, topology };
}

/** The demo's first paint of each class over https (br), as Chromium counts the bytes (CDP encodedDataLength). */
async function firstPaints(built: BuiltDataset, classes: string[], workDir: string) {
  const siteRoot = path.join(workDir, 'maps-site');
  await buildSite({ outDir: siteRoot });
  const tls = await throwawayCertificate(fs.mkdtempSync(path.join(workDir, 'maps-tls-')));
  await setCurrent(built.releasesDir, BENCH_VERSION);
  const serving = await startServing({
    releasesDir: built.releasesDir,
    port: 0,
    apiPort: 0,
    siteRoot,
    tls,
    apiRate: 0,
  });
  const paints: MapsResult['first_paint'] = [];
  try {
    for (const dataClass of classes) {
      // A fresh profile per class: nothing in the HTTP cache or IndexedDB.
      const chromium = await launchBrowser({ trust: tls });
      try {
        const page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
        const network = await recordNetwork(page);
        const started = performance.now();
        await page.goto(`${new URL(serving.urls.site).origin}/?class=${dataClass}`);
        await page.waitForFunction(() => document.body.dataset.state !== 'loading', undefined, { timeout: 120_000 });
        const drawn_s = round((performance.now() - started) / 1000);
        const state = await page.evaluate(() => document.body.dataset.state);
        if (state !== 'ready')
          throw new Error(`the demo did not draw ${dataClass}: ${await page.locator('#error').textContent()}`);
        const { entries, bytes } = await network.settle();
        const part = (pick: (p: string) => boolean) =>
          entries.filter((e) => pick(new URL(e.url).pathname)).reduce((n, e) => n + e.bytes, 0);
        paints.push({
          data_class: dataClass,
          bytes,
          bundle_bytes: part((p) => p.startsWith('/bundles/')),
          api_bytes: part((p) => p.startsWith('/api/')),
          page_bytes: part((p) => !p.startsWith('/bundles/') && !p.startsWith('/api/')),
          requests: entries.map((e) => `${e.status} ${e.bytes} ${new URL(e.url).pathname}`),
          drawn_s,
        });
      } finally {
        await chromium.close();
      }
    }
  } finally {
    await serving.stop();
  }
  return paints;
}

export async function benchMaps(
  dataset: Dataset,
  built: BuiltDataset,
  { workDir, quick, log }: { workDir: string; quick: boolean; log: (m: string) => void },
): Promise<MapsResult> {
  const env = environment(quick);
  const classes = Object.keys(built.manifest.classes).sort();
  const perClass: MapsClass[] = [];
  for (const dataClass of classes) perClass.push(await mapsOfClass(built, dataClass, workDir, log));
  const first_paint = await firstPaints(built, classes, workDir);
  for (const p of first_paint)
    log(`  first paint of ${p.data_class}: ${p.bytes} bytes (${p.bundle_bytes} bundles), drawn in ${p.drawn_s} s`);
  const simplifyWall = perClass.reduce((n, c) => n + c.simplify.wall_s, 0);
  return {
    kind: 'maps',
    name: `maps-${dataset.name}`,
    title: `Simplified maps: ${dataset.title}`,
    environment: finish(env),
    build: built.result.build,
    classes: perClass,
    simplify_wall_share_of_build: round(simplifyWall / built.result.build.wall_s, 3),
    simplify_peak_rss_mb: Math.max(...perClass.map((c) => c.simplify.max_rss_mb)),
    first_paint,
  };
}
