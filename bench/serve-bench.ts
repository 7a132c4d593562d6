/**
 * Part 3: wrk on loopback against real nginx + API (startServing, as
 * `geobundle serve` runs them) serving a release built in part 1, and
 * against the bench-only before-server that generates the same bundle from
 * DuckDB per request.
 */
import os from 'node:os';
import { startServing } from '../serve/serve.ts';
import { request } from '../testkit/http-request.ts';
import { startBeforeServer } from './before-server.ts';
import { environment, finish, type ServeResult, type ServeRun, type ServeScenario } from './results.ts';
import { runWrk, totalErrors } from './wrk.ts';

interface ScenarioSpec {
  name: string;
  title: string;
  base: 'nginx' | 'api' | 'before';
  path: string;
  headers: Record<string, string>;
  expect: { status: number; encoding?: string };
}

function scenarios(version: string, dataClass: string, etag: string): ScenarioSpec[] {
  const bundle = `/bundles/${version}/${dataClass}/all.geojson`;
  return [
    {
      name: 'bundle-gzip',
      title: 'full bundle, gzip (static)',
      base: 'nginx',
      path: bundle,
      headers: { 'Accept-Encoding': 'gzip' },
      expect: { status: 200, encoding: 'gzip' },
    },
    {
      name: 'bundle-br',
      title: 'full bundle, br (static)',
      base: 'nginx',
      path: bundle,
      headers: { 'Accept-Encoding': 'br' },
      expect: { status: 200, encoding: 'br' },
    },
    {
      name: 'revalidate-304',
      title: 'revalidation, If-None-Match → 304',
      base: 'nginx',
      path: bundle,
      headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': etag },
      expect: { status: 304 },
    },
    {
      name: 'manifest-api',
      title: 'manifest via the API',
      base: 'nginx',
      path: `/api/v1/releases/${version}/manifest`,
      headers: { 'Accept-Encoding': 'gzip' },
      expect: { status: 200 },
    },
    {
      name: 'manifest-api-direct',
      title: 'manifest via the API, direct (no nginx)',
      base: 'api',
      path: `/api/v1/releases/${version}/manifest`,
      headers: { 'Accept-Encoding': 'gzip' },
      expect: { status: 200 },
    },
    {
      name: 'manifest-static',
      title: 'manifest as a static file',
      base: 'nginx',
      path: `/bundles/${version}/manifest.json`,
      headers: { 'Accept-Encoding': 'gzip' },
      expect: { status: 200 },
    },
    {
      name: 'release-list',
      title: 'release list (API)',
      base: 'nginx',
      path: '/api/v1/releases',
      headers: { 'Accept-Encoding': 'gzip' },
      expect: { status: 200 },
    },
    {
      name: 'before-dynamic',
      title: 'before: bundle generated per request from DuckDB, gzip',
      base: 'before',
      path: `/bundles/${dataClass}/all.geojson`,
      headers: { 'Accept-Encoding': 'gzip' },
      expect: { status: 200, encoding: 'gzip' },
    },
  ];
}

/**
 * nginx as production would run it on this machine: one worker per core. The
 * API's per-client rate limit (default 50 r/s, burst 100) is off (`--api-rate 0`),
 * because wrk is one client and would otherwise measure the limiter's 429s
 * rather than the API; the limit itself is tested in the serving tests.
 */
export const SERVING_OPTIONS = { workerProcesses: 'auto', apiRate: 0 } as const;

export interface ServeBenchOptions {
  dataset: string;
  releasesDir: string;
  dbPath: string;
  version: string;
  dataClass: string;
  precision: number;
  connections: number[];
  durationS: number;
  quick: boolean;
  log: (m: string) => void;
}

/** One raw GET (no decompression, unlike fetch): the check of a scenario before wrk runs it. */
function preflight(url: string, headers: Record<string, string>) {
  return request(url, { headers, timeoutMs: 60_000 });
}

export async function benchServe(o: ServeBenchOptions): Promise<ServeResult> {
  const env = environment(o.quick);
  const cores = os.availableParallelism();
  const serving = await startServing({ releasesDir: o.releasesDir, port: 0, apiPort: 0, ...SERVING_OPTIONS });
  const before = await startBeforeServer({ dbPath: o.dbPath, precision: o.precision });
  const bases = { nginx: serving.urls.site.replace(/\/$/, ''), api: serving.urls.apiDirect, before: before.url };
  try {
    const bundleUrl = `${bases.nginx}/bundles/${o.version}/${o.dataClass}/all.geojson`;
    const first = await preflight(bundleUrl, { 'Accept-Encoding': 'gzip' });
    const etag = first.headers.etag;
    if (first.status !== 200 || !etag)
      throw new Error(`GET ${bundleUrl} gave ${first.status} without an ETag; is the release served?`);

    const specs = scenarios(o.version, o.dataClass, etag);
    const checked: ServeScenario[] = [];
    const runs: ServeRun[] = [];
    for (const spec of specs) {
      const url = bases[spec.base] + spec.path;
      const seen = await preflight(url, spec.headers);
      const encoding = (seen.headers['content-encoding'] as string | undefined) ?? null;
      if (seen.status !== spec.expect.status || (spec.expect.encoding && encoding !== spec.expect.encoding)) {
        throw new Error(
          `scenario ${spec.name}: GET ${url} gave ${seen.status} ${encoding ?? 'identity'}, expected ${spec.expect.status} ${spec.expect.encoding ?? ''}`,
        );
      }
      checked.push({
        name: spec.name,
        title: spec.title,
        url_path: spec.path,
        headers: spec.headers,
        preflight: { status: seen.status, content_encoding: encoding, body_bytes: seen.body.length },
      });
      for (const connections of o.connections) {
        const figures = await runWrk({ url, connections, durationS: o.durationS, headers: spec.headers }, cores);
        runs.push({ scenario: spec.name, connections, ...figures });
        o.log(
          `  ${spec.name} @${connections}: ${figures.requests_per_s} req/s, p50 ${figures.latency_ms.p50} ms, p99 ${figures.latency_ms.p99} ms, ${totalErrors(figures)} errors`,
        );
      }
    }
    const rps = (scenario: string, c: number) =>
      runs.find((r) => r.scenario === scenario && r.connections === c)?.requests_per_s ?? 0;
    const staticOverDynamic: Record<string, number | null> = {};
    for (const c of o.connections) {
      const dynamic = rps('before-dynamic', c);
      // null: the dynamic server completed no request within the run.
      staticOverDynamic[String(c)] = dynamic > 0 ? Math.round((rps('bundle-gzip', c) / dynamic) * 10) / 10 : null;
    }
    return {
      kind: 'serve',
      name: 'serve',
      title: 'Serving with wrk on loopback: nginx + API vs per-request generation',
      environment: finish(env),
      release: { dataset: o.dataset, version: o.version, bundle: `${o.dataClass}/all.geojson` },
      serving_options: SERVING_OPTIONS,
      duration_s: o.durationS,
      scenarios: checked,
      runs,
      static_over_dynamic: staticOverDynamic,
    };
  } finally {
    await before.stop();
    await serving.stop();
  }
}
