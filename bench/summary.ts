/**
 * Renders bench/results/SUMMARY.md from the result files: a pure function of
 * the results, so the summary always says exactly what the JSON says.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  RESULTS_DIR,
  readResults,
  type AnyResult,
  type BuildResult,
  type Environment,
  type IncrementalResult,
  type IngestMemoryResult,
  type LookupResult,
  type MapsResult,
  type PeerResult,
  type ServeResult,
} from './results.ts';
import { totalErrors } from './wrk.ts';

const MB = 1024 * 1024;
const mb = (bytes: number) => (bytes / MB).toFixed(2);
const s = (x: number) => x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2);
const ratio = (x: number | null) =>
  x !== null && Number.isFinite(x) ? `${x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2)}×` : 'n/a';
const count = (n: number) => n.toLocaleString('en-US');
const num = (x: number) => (x >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(x >= 10 ? 0 : 1));

function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function conditions(results: AnyResult[]): string {
  const envs = results
    .map((r) => ({ name: r.name, env: (r as { environment?: Environment }).environment }))
    .filter((x): x is { name: string; env: Environment } => Boolean(x.env?.started_at));
  if (envs.length === 0) return '';
  const first = envs[0]!.env;
  const lines = [
    '## Conditions',
    '',
    `Host: ${first.host.cpus} cores (${first.host.cpu_model}), ${first.host.memory_gib} GiB, Linux ${first.host.kernel}. ` +
      `Versions: ${Object.entries(first.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`,
    '',
    'Load average (1/5/15 min; on 2 cores 2.0 means both busy) when each part started and ended — figures taken under load are slower than on an idle machine:',
    '',
    table(
      ['result', 'commit', 'quick', 'started (UTC)', 'load at start', 'load at end'],
      envs.map(({ name, env }) => [
        name,
        env.commit,
        env.quick ? 'yes' : 'no',
        env.started_at.replace('T', ' ').slice(0, 19),
        env.load_start.join(' / '),
        env.load_end?.join(' / ') ?? '—',
      ]),
    ),
  ];
  return lines.join('\n');
}

function buildSection(builds: BuildResult[]): string {
  if (builds.length === 0) return '';
  return [
    '## Build: ingest + build-release (child processes, GNU time)',
    '',
    table(
      [
        'set',
        'features',
        'input MB',
        'ingest s',
        'build s',
        'build CPU s',
        'build peak RSS MB',
        'ingest+build s',
        'build s / input MB',
        'out .gz MB',
        'out .br MB',
        'out raw MB',
        'floor s',
        'build / floor',
      ],
      builds.map((b) => [
        b.name,
        String(b.features),
        mb(b.input_bytes),
        s(b.ingest_total.wall_s),
        s(b.build.wall_s),
        s(b.build.cpu_s),
        num(b.build.max_rss_mb),
        s(b.total.wall_s),
        b.build_s_per_input_mb.toFixed(3),
        mb(b.output.gz_bytes),
        mb(b.output.br_bytes),
        mb(b.output.uncompressed_bytes),
        s(b.floor.wall_s),
        ratio(b.build_over_floor),
      ]),
    ),
    '',
    'Compression floor: every bundle file the build wrote, decompressed and recompressed alone in one process with zlib at the settings the manifest ' +
      'records for that file (gzip level; brotli quality and window), as many jobs at a time as there are cores, largest first. ' +
      '"job s" is the sum of the single-threaded jobs (≈ CPU); floor/build bytes near 1.000 confirm the settings match the build\'s.',
    '',
    table(
      [
        'set',
        'raw MB',
        'files',
        'gzip levels',
        'gzip job s',
        'gz floor/build bytes',
        'brotli qualities',
        'brotli job s',
        'br floor/build bytes',
        'floor wall s (CPU s)',
        'ingest peak RSS MB',
      ],
      builds.map((b) => [
        b.name,
        mb(b.floor.input_bytes),
        String(b.floor.files),
        b.floor.gzip.levels.join(', '),
        s(b.floor.gzip.job_s),
        (b.floor.gzip.bytes / b.floor.gzip.build_bytes).toFixed(3),
        b.floor.brotli.levels.join(', '),
        s(b.floor.brotli.job_s),
        (b.floor.brotli.bytes / b.floor.brotli.build_bytes).toFixed(3),
        `${s(b.floor.wall_s)} (${s(b.floor.cpu_s)})`,
        num(b.ingest_total.max_rss_mb),
      ]),
    ),
  ].join('\n');
}

function peerSection(peers: PeerResult[]): string {
  if (peers.length === 0) return '';
  const tools = [...new Set(peers.flatMap((p) => p.peers.map((r) => r.tool)))];
  const jobs = [
    { job: 'by_state' as const, title: 'by_state .gz only' },
    { job: 'release' as const, title: 'all + polygons + by_state, .gz and .br' },
  ];
  const head = ['set', 'job', 'ours s (CPU s)'];
  for (const t of tools) head.push(`${t} s (CPU s)`, `ours/${t} wall (goal ≤ 0.5×)`, `ours/${t} CPU`);
  head.push(`.gz MB: ours / ${tools.join(' / ')}`, `.br MB: ours / ${tools.join(' / ')}`);
  const rows = peers.flatMap((p) =>
    jobs.map(({ job, title }) => {
      const ours = p.ours[job];
      const row = [p.name, title, `${s(ours.wall_s)} (${s(ours.cpu_s)})`];
      const runs = tools.map((t) => p.peers.find((r) => r.tool === t && r.job === job));
      tools.forEach((t, i) => {
        const run = runs[i];
        const r = p.ratios[t]?.[job];
        row.push(run ? `${s(run.wall_s)} (${s(run.cpu_s)})` : '—', r ? ratio(r.wall) : '—', r ? ratio(r.cpu) : '—');
      });
      row.push(
        [mb(ours.gz_bytes), ...runs.map((r) => (r ? mb(r.gz_bytes) : '—'))].join(' / '),
        job === 'by_state' ? '—' : [mb(ours.br_bytes), ...runs.map((r) => (r ? mb(r.br_bytes) : '—'))].join(' / '),
      );
      return row;
    }),
  );
  return [
    '## Peer: the same jobs scripted with other tools (same features, same run)',
    '',
    table(head, rows),
    '',
    "by_state .gz only: ours is bench/ours-by-state.ts (the build's reader, serialiser and writer, gzip only); the peers split and gzip at our level. " +
      'all + polygons + by_state: ours is the whole build-release (which also writes census, wikipedia and the simplified maps, validates and checksums); ' +
      'the peers write the three kinds of file and compress each with gzip and brotli at the level, quality and window our build recorded for it. ' +
      'A ratio below 1× means ours took less time.',
  ].join('\n');
}

function serveSection(serve: ServeResult): string {
  const conns = [...new Set(serve.runs.map((r) => r.connections))].sort((a, b) => a - b);
  const head = ['scenario'];
  for (const c of conns) head.push(`req/s @${c}`, `p50 / p99 ms @${c}`);
  head.push('errors (all runs)');
  const rows = serve.scenarios.map((sc) => {
    const row = [sc.title];
    let errors = 0;
    for (const c of conns) {
      const run = serve.runs.find((r) => r.scenario === sc.name && r.connections === c);
      if (run) errors += totalErrors(run);
      row.push(
        run ? num(run.requests_per_s) : '—',
        run ? `${run.latency_ms.p50.toFixed(2)} / ${run.latency_ms.p99.toFixed(2)}` : '—',
      );
    }
    row.push(String(errors));
    return row;
  });
  const ratios = Object.entries(serve.static_over_dynamic)
    .map(([c, r]) => `${ratio(r)} at ${c} connection${c === '1' ? '' : 's'}`)
    .join(', ');
  return [
    `## Serving: wrk on loopback, ${serve.duration_s} s per run (${serve.release.dataset} release ${serve.release.version})`,
    '',
    table(head, rows),
    '',
    `Static pre-compressed bundle (nginx, gzip) over the same bundle generated per request from DuckDB (before-server): **${ratios}** (requests/s).`,
    '',
    "Errors are wrk's socket errors (connect/read/write/timeout) plus responses that are not 2xx/3xx; each scenario's request was checked once before its runs:",
    '',
    table(
      ['scenario', 'request', 'pre-flight status', 'Content-Encoding', 'body bytes'],
      serve.scenarios.map((sc) => [
        sc.name,
        `GET ${sc.url_path}${
          Object.keys(sc.headers).length
            ? ` (${Object.entries(sc.headers)
                .map(([k, v]) => `${k}: ${v}`)
                .join('; ')})`
            : ''
        }`,
        String(sc.preflight.status),
        sc.preflight.content_encoding ?? '—',
        String(sc.preflight.body_bytes),
      ]),
    ),
  ].join('\n');
}

function incrementalSection(r: IncrementalResult): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const { browser, edge } = r;
  const last = browser.visits.at(-1)!;
  return [
    `## Incremental releases: ${r.title}`,
    '',
    `Classes: ${r.classes.join(', ')}. Full build: ${s(r.full.step.wall_s)} s wall (${s(r.full.step.cpu_s)} s CPU, ${num(r.full.step.max_rss_mb)} MB peak RSS), ${mb(r.full.disk_bytes)} MB on disk` +
      (r.full.floor
        ? `; ${ratio(r.full.build_over_floor ?? null)} its compression floor of ${s(r.full.floor.wall_s)} s (goal ≤ 1.5×).`
        : ' (measured before the floor was).'),
    '',
    table(
      [
        'rebuild',
        'wall s',
        'share of the full build (goal ≤ 5 %)',
        'files written / unchanged',
        'new bytes',
        'disk growth (goal ≤ new + 1 MB)',
      ],
      r.rebuilds.map((b) => [
        b.label,
        s(b.step.wall_s),
        pct(b.share_of_full),
        `${b.files_written} / ${b.files_unchanged}`,
        kb(b.changed_bytes),
        `${kb(b.disk_growth_bytes)} (${b.disk_growth_bytes <= b.changed_bytes + 2 ** 20 ? 'within' : 'OVER'})`,
      ]),
    ),
    '',
    `What Chromium received over https (CDP encodedDataLength, headers included) loading cd119 (polygons + census + wikipedia) and ${browser.by_state.dataClass} by_state/${browser.by_state.state}:`,
    '',
    table(
      ['visit', 'cd119 bytes', 'by_state bytes', 'manifest bytes', 'API bytes (all)'],
      browser.visits.map((v) => [
        v.visit,
        kb(v.cd119_bytes),
        kb(v.by_state_bytes),
        kb(v.manifest_bytes),
        kb(v.api_bytes),
      ]),
    ),
    '',
    `After the Wikipedia-only release the visit cost ${kb(last.cd119_bytes + last.by_state_bytes + last.manifest_bytes)} for a changed file of ${kb(browser.changed_file_br_bytes)} (.br) and a ${kb(last.manifest_bytes)} manifest: ` +
      `${ratio(browser.last_visit_over_goal)} of the goal (1.1 × changed + manifest; ≤ 1× meets it).`,
    '',
    `CDN edge (nginx proxy_cache) after the Wikipedia-only release, every canonical URL of the new release in both encodings: unchanged files ${edge.unchanged_hit} HIT, ${edge.unchanged_miss} MISS (goal: all HIT); changed files ${edge.changed_miss} MISS, ${edge.changed_hit} HIT.`,
  ].join('\n');
}

function lookupSection(r: LookupResult): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  const { index, browser, exact, wikipedia_only: daily } = r;
  const meets = (ok: boolean) => (ok ? 'meets' : 'MISSES');
  const places = r.points.filter((p) => p.label);
  return [
    `## Lookup: ${r.title}`,
    '',
    `Classes: ${r.classes.join(', ')}. Real Chromium over https against nginx + API; bytes are CDP encodedDataLength (headers included) from the current-release answer on, page and library not counted; ${browser.points} points (the seven places, and points drawn where people live: a congressional district uniformly — each holds about the same population — then a point uniform in its area).`,
    '',
    table(
      ['figure', 'measured', 'goal'],
      [
        [
          'cold lookup, median',
          kb(browser.cold_median_bytes),
          `≤ 16 kB (${meets(browser.cold_median_bytes <= 16 * 1024)})`,
        ],
        ['cold lookup, p95', kb(browser.cold_p95_bytes), `≤ 32 kB (${meets(browser.cold_p95_bytes <= 32 * 1024)})`],
        [
          'cold requests, p95 / max (current-release answer included)',
          `${browser.cold_p95_requests} / ${browser.cold_max_requests}`,
          `≤ 4 (${meets(browser.cold_p95_requests <= 4)})`,
        ],
        [
          'cold with facts, median',
          kb(browser.with_facts_median_bytes),
          `≤ 32 kB (${meets(browser.with_facts_median_bytes <= 32 * 1024)})`,
        ],
        [
          'warm elsewhere in the state, median',
          kb(browser.warm_median_bytes),
          `≤ 10 kB (${meets(browser.warm_median_bytes <= 10 * 1024)})`,
        ],
        [
          'warm requests, max (points by requests)',
          `${browser.warm_max_requests} (${Object.entries(browser.warm_requests_count ?? {})
            .map(([n, points]) => `${n}: ${points}`)
            .join(', ')})`,
          `≤ 2 (${meets(browser.warm_max_requests <= 2)})`,
        ],
        ['same cell again, max', `${browser.same_cell_max_bytes} B`, `0 (${meets(browser.same_cell_max_bytes === 0)})`],
        [
          `disagreements with point in polygon on all.geojson (${count(exact.points)} points: ${count(exact.near_border)} within 100 m of a border, ${count(exact.within_1m)} within 1 m, ${count(exact.cell_edge)} on cell edges)`,
          String(exact.disagreements),
          `0 (${meets(exact.disagreements === 0)})`,
        ],
        [
          'index in the build (its phase + taking the districts during the passes) / build wall',
          `${s(index.seconds_in_build)} s / ${s(index.build.wall_s)} s = ${(100 * index.share_of_build).toFixed(1)} %`,
          `≤ 20 % (${meets(index.share_of_build <= 0.2)})`,
        ],
        [
          'peak RSS: index alone / whole build',
          `${num(index.alone.max_rss_mb)} MB / ${num(index.build.max_rss_mb)} MB`,
          `not above the build's (${meets(index.alone.max_rss_mb <= index.build.max_rss_mb)})`,
        ],
        [
          'lookup files written by a Wikipedia-only release',
          `${daily.lookup_files_written} (${daily.lookup_bytes_written} B); index root ${daily.index_root_unchanged ? 'unchanged' : 'CHANGED'}`,
          `0, with facts changed (${meets(daily.lookup_files_written === 0 && daily.index_root_unchanged && daily.facts_files_written > 0)})`,
        ],
      ],
    ),
    '',
    `Index: ${count(index.cells)} cells, ${count(index.pages)} pages, ${mb(index.index_bytes)} MB on disk; facts ${count(index.facts_files)} files, ${mb(index.facts_bytes)} MB. Built alone from the database: ${s(index.alone.wall_s)} s wall, ${s(index.alone.cpu_s)} s CPU.`,
    '',
    'The seven places: "today" is what the client fetched before the index for the same answer (the state\'s full-resolution by_state file, br, of every class), from the manifest; "now" is the cold lookup as measured.',
    '',
    table(
      ['place', 'today', 'now (cold)', 'requests', 'with facts', 'warm in the state'],
      places.map((p) => [
        p.label!,
        kb(p.today_bytes),
        kb(p.cold_bytes),
        String(p.cold_requests),
        kb(p.cold_bytes + p.facts_bytes),
        kb(p.warm_bytes),
      ]),
    ),
  ].join('\n');
}

/** Goals of issue 10 for the 20m .br file of a class, by class. */
const MAP_GOALS: Record<string, number> = {
  state_legislative_lower: 1.5 * 2 ** 20,
  state_legislative_upper: 2 ** 20,
  congressional_districts: 150 * 1024,
};

function mapsSection(results: MapsResult[]): string {
  if (results.length === 0) return '';
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  const exp = (x: number | null) => (x === null ? '—' : x.toExponential(2));
  const lines = ['## Simplified maps', ''];
  lines.push(
    table(
      [
        'data set',
        'class',
        'scale',
        'format',
        'vertices (of full)',
        '.br',
        '.gz',
        '20m .br goal',
        'GEOS-invalid (goal 0)',
      ],
      results.flatMap((r) =>
        r.classes.flatMap((c) =>
          c.files.map((f) => {
            const goal = MAP_GOALS[c.data_class];
            const verdict = f.scale === '20m' && goal ? `≤ ${kb(goal)}: ${f.br_bytes <= goal ? 'met' : 'MISSED'}` : '';
            return [
              r.name.replace(/^maps-/, ''),
              c.data_class,
              f.scale,
              f.format,
              `${num(f.vertices)} (${num(c.source_vertices)})`,
              kb(f.br_bytes),
              kb(f.gz_bytes),
              verdict,
              f.geos_invalid === undefined ? '—' : String(f.geos_invalid),
            ];
          }),
        ),
      ),
    ),
    '',
    table(
      [
        'data set',
        'class',
        'scale',
        'ids missing',
        'crossing rings',
        'overlap (source’s own)',
        'cleaned borders lost (goal: none ≥ 100 m)',
        'grid borders lost',
      ],
      results.flatMap((r) =>
        r.classes.flatMap((c) =>
          c.topology.map((t) => [
            r.name.replace(/^maps-/, ''),
            c.data_class,
            t.scale,
            String(t.ids_missing),
            String(t.crossing_rings),
            `${exp(t.overlap_ratio)} (${exp(t.source_overlap_ratio)})`,
            `${t.cleaned_pairs_lost} of ${t.cleaned_pairs}` +
              (t.cleaned_pairs_lost
                ? ` (${t.cleaned_pairs_lost_over_shortest} ≥ ${t.shortest_border_m} m; longest ${t.cleaned_borders_lost[0]!.metres} m)`
                : ''),
            t.bordering_pairs === null ? '—' : `${t.bordering_pairs_lost} of ${t.bordering_pairs}`,
          ]),
        ),
      ),
    ),
    '',
    table(
      [
        'data set',
        'build-release wall s',
        'peak RSS MB',
        'simplification alone, wall s (share of build; goal ≤ 25 %)',
        'simplification peak RSS MB',
      ],
      results.map((r) => [
        r.name.replace(/^maps-/, ''),
        s(r.build.wall_s),
        num(r.build.max_rss_mb),
        `${s(r.classes.reduce((n, c) => n + c.simplify.wall_s, 0))} (${(100 * r.simplify_wall_share_of_build).toFixed(1)} %)`,
        num(r.simplify_peak_rss_mb),
      ]),
    ),
    '',
    'First paint of the demo, per class, fresh browser over https (page, library, API, manifest, map and facts; goal for the state-legislative lower chamber ≤ 2 MB):',
    '',
    table(
      ['data set', 'class', 'total', 'bundles', 'API', 'page + library', 'drawn in s'],
      results.flatMap((r) =>
        r.first_paint.map((p) => [
          r.name.replace(/^maps-/, ''),
          p.data_class,
          kb(p.bytes),
          kb(p.bundle_bytes),
          kb(p.api_bytes),
          kb(p.page_bytes),
          s(p.drawn_s),
        ]),
      ),
    ),
  );
  return lines.join('\n');
}

function ingestMemorySection(r: IngestMemoryResult): string {
  const classes = [...new Set(r.runs.map((run) => run.data_class))];
  return [
    `## Ingest memory: ${r.title}`,
    '',
    table(
      ['class', 'into', 'peak RSS MB', 'wall s', 'CPU s'],
      r.runs.map((run) => [
        run.data_class,
        run.database,
        num(run.step.max_rss_mb),
        s(run.step.wall_s),
        s(run.step.cpu_s),
      ]),
    ),
    '',
    ...classes.map((c) => {
      const peaks = r.runs.filter((run) => run.data_class === c).map((run) => run.step.max_rss_mb);
      const top = Math.max(...peaks);
      return (
        `- ${c}: ${peaks.map(num).join(' and ')} MB peak (spread ${num(top - Math.min(...peaks))} MB); ` +
        `goal ≤ ${num(r.goal_mb)} MB: ${top <= r.goal_mb ? 'meets' : 'MISSES'}`
      );
    }),
  ].join('\n');
}

/** Results of other benchmarks (e.g. bench/wikipedia-refresh.ts): their top-level figures and named runs. */
function otherSection(others: AnyResult[]): string {
  if (others.length === 0) return '';
  const lines = ['## Other results', ''];
  for (const o of others as Array<Record<string, unknown> & { kind: string; name: string }>) {
    const figures = Object.entries(o)
      .filter(([, v]) => typeof v === 'number')
      .map(([k, v]) => `${k} ${v}`);
    const runs = Array.isArray(o.runs)
      ? (o.runs as Array<Record<string, unknown>>)
          .filter((r) => typeof r?.name === 'string' && typeof r?.wall_s === 'number')
          .map((r) => `${r.name} ${r.wall_s} s`)
      : [];
    const detail = [...figures, ...(runs.length ? [`runs: ${runs.join(', ')}`] : [])].join('; ');
    lines.push(`- \`${o.name}.json\` (kind \`${o.kind}\`)${detail ? `: ${detail}` : ''}.`);
  }
  return lines.join('\n');
}

export function renderSummary(results: AnyResult[]): string {
  const builds = results.filter((r): r is BuildResult => r.kind === 'build');
  const peers = results.filter((r): r is PeerResult => r.kind === 'peer');
  const serves = results.filter((r): r is ServeResult => r.kind === 'serve');
  const incrementals = results.filter((r): r is IncrementalResult => r.kind === 'incremental');
  const maps = results.filter((r): r is MapsResult => r.kind === 'maps');
  const lookups = results.filter((r): r is LookupResult => r.kind === 'lookup');
  const ingestMemory = results.filter((r): r is IngestMemoryResult => r.kind === 'ingest-memory');
  const others = results.filter(
    (r) => !['build', 'peer', 'serve', 'incremental', 'maps', 'lookup', 'ingest-memory'].includes(r.kind),
  );
  const quick = results.some((r) => (r as { environment?: Environment }).environment?.quick);
  const parts = [
    '# Benchmark summary',
    '',
    '_Generated by `bench/summary.ts` from the JSON files beside it; do not edit by hand. How each figure is measured: bench/README.md._' +
      (quick
        ? '\n\n**Quick run (BENCH_QUICK=1): every part but the peers, on small sets (cd119; cd119 + us-atlas; MA and VT for ingest memory), shortened serving runs — not the full benchmark.**'
        : ''),
    conditions(results),
    buildSection(builds),
    peerSection(peers),
    ...serves.map(serveSection),
    ...incrementals.map(incrementalSection),
    ...lookups.map(lookupSection),
    ...ingestMemory.map(ingestMemorySection),
    mapsSection(maps),
    otherSection(others),
  ];
  return `${parts.filter(Boolean).join('\n\n')}\n`;
}

export function writeSummary(dir = RESULTS_DIR): string {
  const file = path.join(dir, 'SUMMARY.md');
  fs.writeFileSync(file, renderSummary(readResults(dir)));
  return file;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(`wrote ${writeSummary(process.argv[2] ?? RESULTS_DIR)}`);
}
