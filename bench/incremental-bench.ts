/**
 * Issue 9's figures, on the whole shared data set in one database (cd119
 * with census, legislators and Wikipedia; the state-legislative upper and
 * lower chambers; us-atlas states and counties — cd119 and us-atlas only in
 * quick mode): a full build, then rebuilds with no change, after a
 * Wikipedia change of every district, and of one; what each costs in time
 * and disk against the bytes that really changed; what a browser transfers
 * on a first visit, a repeat visit, and a repeat visit after the
 * Wikipedia-only release; and whether a CDN edge still has every unchanged
 * file after it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { ReleaseManifest } from '../core/release-format.ts';
import { withDatabase } from '../pipeline/db.ts';
import { manifestFiles, readManifest } from '../pipeline/release/store/manifest-file.ts';
import { setCurrent } from '../pipeline/release/set-current.ts';
import { districtArticleTitle } from '../pipeline/wikipedia/titles.ts';
import { buildSite } from '../scripts/build-site.ts';
import { startServing } from '../serve/serve.ts';
import { launchBrowser, recordNetwork, throwawayCertificate } from '../testkit/browser.ts';
import { geobundleStep } from './build-bench.ts';
import { startEdgeCache } from '../testkit/edge-cache.ts';
import { request } from '../testkit/http-request.ts';
import { measureCompressionFloor } from './compression-floor.ts';
import { round } from './measure.ts';
import {
  type BuildStep,
  type CompressionFloor,
  environment,
  finish,
  type IncrementalResult,
  logicalFileCount,
  type Rebuild,
  type Visit,
} from './results.ts';
import { ingestWholeSet } from './whole-set.ts';
import type { PartOptions } from './part.ts';

const CD = 'congressional_districts';
/** The state-legislative by_state file the browser loads: Massachusetts' lower chamber (us-atlas counties in quick mode). */
const BY_STATE = {
  full: { dataClass: 'state_legislative_lower', state: '25' },
  quick: { dataClass: 'county', state: '25' },
};

/** Bytes on disk under a directory, each inode once (du counts a hard-linked file once). */
async function diskBytes(dir: string): Promise<number> {
  const { stdout } = await execa('du', ['-s', '-B1', dir]);
  return Number(stdout.split(/\s/)[0]);
}

function newBytes(
  releasesDir: string,
  version: string,
  previous: ReleaseManifest | null,
): { bytes: number; files: number } {
  const manifest = readManifest(path.join(releasesDir, version));
  const before = new Set(previous ? manifestFiles(previous).map((f) => f.canonical_path) : []);
  const fresh = manifestFiles(manifest).filter((f) => !before.has(f.canonical_path));
  const own = ['manifest.json', 'changes.json', 'SHA256SUMS'].reduce(
    (n, f) => n + fs.statSync(path.join(releasesDir, version, f)).size,
    0,
  );
  return { bytes: fresh.reduce((n, f) => n + f.bytes, 0) + own, files: logicalFileCount(fresh) };
}

export async function benchIncremental({ shared, workDir, quick, log }: PartOptions): Promise<IncrementalResult> {
  const env = environment(quick);
  const releases = path.join(workDir, 'releases');
  const logFile = path.join(workDir, 'geobundle.log');
  fs.mkdirSync(releases, { recursive: true });
  const step = (label: string, args: string[]) => geobundleStep(label, [...args, '--quiet'], logFile);

  // --- one database with the whole data set
  const whole = await ingestWholeSet({ shared, workDir, quick, step });
  const { db, ingest, wikipedia, refresh } = whole;
  const ids = await withDatabase(db, { readOnly: true }, async ({ connection }) =>
    (await connection.runAndReadAll(`SELECT id FROM polygons WHERE data_class = '${CD}' ORDER BY id`))
      .getRows()
      .map(([id]) => String(id)),
  );
  const rebuilds: Rebuild[] = [];
  let full: BuildStep;
  let fullDisk: number;
  let floor: CompressionFloor;
  try {
    log(`  database: ${ingest.map((s) => `${s.label} ${s.wall_s} s`).join(', ')}`);

    // --- builds
    const build = (version: string) =>
      step(`build-release ${version}`, ['build-release', version, '--db', db, '--releases', releases]);
    full = await build('v1.0.0');
    fullDisk = await diskBytes(releases);
    log(
      `  full build: ${full.wall_s} s, ${full.max_rss_mb} MB peak RSS, ${(fullDisk / 2 ** 20).toFixed(1)} MB on disk`,
    );
    const first = path.join(releases, 'v1.0.0');
    floor = await measureCompressionFloor(first, readManifest(first));
    log(`  compression floor: ${floor.wall_s} s wall; the build took ${round(full.wall_s / floor.wall_s, 2)}× it`);
    const rebuild = async (label: string, version: string, previous: string) => {
      const before = await diskBytes(releases);
      const cost = await build(version);
      const growth = (await diskBytes(releases)) - before;
      const { bytes, files } = newBytes(releases, version, readManifest(path.join(releases, previous)));
      const total = logicalFileCount(manifestFiles(readManifest(path.join(releases, version))));
      const r = {
        label,
        version,
        step: cost,
        files_written: files,
        files_unchanged: total - files,
        changed_bytes: bytes,
        disk_growth_bytes: growth,
      };
      log(
        `  ${label}: ${cost.wall_s} s (${round((100 * cost.wall_s) / full.wall_s, 1)} % of full), ${files} files new, disk +${growth} B for ${bytes} B new`,
      );
      rebuilds.push(r);
    };
    await rebuild('no change', 'v1.0.1', 'v1.0.0');
    for (const id of ids)
      wikipedia.edit(districtArticleTitle(id), { extract: `${districtArticleTitle(id)}: revised lead.` });
    await refresh(['--force']);
    await rebuild(`Wikipedia change of all ${ids.length} districts`, 'v1.0.2', 'v1.0.1');
    const one = ids.find((id) => id.startsWith('25')) ?? ids[0]!;
    wikipedia.edit(districtArticleTitle(one), { extract: `${districtArticleTitle(one)}: revised again.` });
    await refresh(['--force', '--only', one]);
    await rebuild(`Wikipedia change of one district (${one})`, 'v1.0.3', 'v1.0.2');
  } finally {
    await whole.close();
  }

  const browser = await measureBrowser({ releases, workDir, byState: quick ? BY_STATE.quick : BY_STATE.full, log });
  const edge = await measureEdge(releases, log);
  return {
    kind: 'incremental',
    name: 'incremental',
    title: `Releases that carry only what changed (${quick ? 'cd119 + us-atlas' : 'the whole shared data set'} in one database)`,
    environment: finish(env),
    classes: Object.keys(readManifest(path.join(releases, 'v1.0.0')).classes),
    ingest,
    full: { step: full, disk_bytes: fullDisk, floor, build_over_floor: round(full.wall_s / floor.wall_s, 2) },
    rebuilds: rebuilds.map((r) => ({ ...r, share_of_full: round(r.step.wall_s / full.wall_s, 4) })),
    browser,
    edge,
  };
}

/** What Chromium transfers for cd119 and one by_state file, per visit, over https (so it asks for br). */
async function measureBrowser({
  releases,
  workDir,
  byState,
  log,
}: {
  releases: string;
  workDir: string;
  byState: { dataClass: string; state: string };
  log: (m: string) => void;
}) {
  const siteRoot = path.join(workDir, 'site');
  await buildSite({ outDir: siteRoot });
  const tls = await throwawayCertificate(fs.mkdtempSync(path.join(workDir, 'tls-')));
  await setCurrent(releases, 'v1.0.1');
  const serving = await startServing({ releasesDir: releases, port: 0, apiPort: 0, siteRoot, tls, apiRate: 0 });
  const chromium = await launchBrowser({ trust: tls });
  const visits: Visit[] = [];
  try {
    const page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
    const network = await recordNetwork(page);
    const origin = new URL(serving.urls.site).origin;
    const visit = async (name: string, version: string) => {
      // A page of the site with nothing of its own to load: only the library's requests are measured.
      await page.goto(`${origin}/geobundle-client.js`);
      await network.settle();
      network.reset();
      await page.evaluate(`(async () => {
        const client = await import(location.origin + '/geobundle-client.js');
        const release = await client.openRelease({ baseUrl: location.origin });
        await release.loadBundle('${CD}');
        await release.loadBundle('${byState.dataClass}', { state: '${byState.state}' });
      })()`);
      const { entries } = await network.settle();
      const manifest = readManifest(path.join(releases, version));
      const urlsOf = (pick: (f: { path: string }) => boolean) =>
        new Set(
          manifestFiles(manifest)
            .filter(pick)
            .map((f) => `/bundles/${f.canonical_path.replace(/\.(gz|br)$/, '')}`),
        );
      const cd = urlsOf((f) => f.path.startsWith(`${CD}/`) && !f.path.includes('/by_state/'));
      const st = urlsOf((f) => f.path === `${byState.dataClass}/by_state/${byState.state}.geojson.gz`);
      const sum = (pick: (p: string) => boolean) =>
        entries.filter((e) => pick(new URL(e.url).pathname)).reduce((n, e) => n + e.bytes, 0);
      const v: Visit = {
        visit: name,
        cd119_bytes: sum((p) => cd.has(p)),
        by_state_bytes: sum((p) => st.has(p)),
        manifest_bytes: sum((p) => p.endsWith('/manifest')),
        api_bytes: sum((p) => p.startsWith('/api/')),
        requests: entries.map((e) => `${e.status} ${e.bytes} ${new URL(e.url).pathname}`),
      };
      log(
        `  browser, ${name}: cd119 ${v.cd119_bytes} B, by_state ${v.by_state_bytes} B, manifest ${v.manifest_bytes} B, API ${v.api_bytes} B`,
      );
      visits.push(v);
    };
    await visit('first visit', 'v1.0.1');
    await visit('repeat visit', 'v1.0.1');
    await setCurrent(releases, 'v1.0.2');
    await visit('repeat visit after the Wikipedia-only release', 'v1.0.2');
  } finally {
    await chromium.close();
    await serving.stop();
  }
  const changed = newBytes(releases, 'v1.0.2', readManifest(path.join(releases, 'v1.0.1')));
  // What changed that this visit needs: cd119's wikipedia.json (.br, what Chromium asks for over https).
  const wanted = manifestFiles(readManifest(path.join(releases, 'v1.0.2'))).find(
    (f) => f.path === `${CD}/wikipedia.json.br`,
  )!;
  const last = visits.at(-1)!;
  return {
    by_state: byState,
    visits,
    changed_release_bytes: changed.bytes,
    changed_file_br_bytes: wanted.bytes,
    last_visit_over_goal: round(
      (last.cd119_bytes + last.by_state_bytes + last.manifest_bytes) / (1.1 * wanted.bytes + last.manifest_bytes),
      3,
    ),
  };
}

/** Every canonical URL of v1.0.1 through a fresh edge (both encodings), then every one of v1.0.2: HITs and MISSes. */
async function measureEdge(releases: string, log: (m: string) => void) {
  const origin = await startServing({ releasesDir: releases, port: 0, apiPort: 0, apiRate: 0, accessLog: false });
  const edge = await startEdgeCache(origin.urls.site.replace(/\/$/, ''));
  try {
    const files = (version: string) =>
      manifestFiles(readManifest(path.join(releases, version))).map((f) => ({
        url: `/bundles/${f.canonical_path.replace(/\.(gz|br)$/, '')}`,
        encoding: f.encoding,
      }));
    const get = async (f: { url: string; encoding: string }) =>
      String(
        (await request(`${edge.url}${f.url}`, { headers: { 'Accept-Encoding': f.encoding } })).headers[
          'x-cache-status'
        ],
      );
    for (const f of files('v1.0.1')) await get(f);
    const before = new Set(files('v1.0.1').map((f) => `${f.url} ${f.encoding}`));
    const counts = { unchanged_hit: 0, unchanged_miss: 0, changed_hit: 0, changed_miss: 0 };
    for (const f of files('v1.0.2')) {
      const status = await get(f);
      const key =
        `${before.has(`${f.url} ${f.encoding}`) ? 'unchanged' : 'changed'}_${status === 'HIT' ? 'hit' : 'miss'}` as keyof typeof counts;
      counts[key] += 1;
    }
    log(
      `  CDN edge after the release: unchanged ${counts.unchanged_hit} HIT / ${counts.unchanged_miss} MISS; changed ${counts.changed_miss} MISS`,
    );
    return counts;
  } finally {
    await edge.stop();
    await origin.stop();
  }
}
