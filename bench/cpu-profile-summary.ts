/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`) as Markdown: where the
 * main thread's time went, by the module a function is in and by function
 * (self time), so a build's profile can be read without a flame-graph viewer.
 * (tsx compiles each file to one line, so V8's line numbers say nothing; none are shown.)
 * The thread pool's zlib/brotli work does not show in it: a main-thread
 * profile shows what keeps the main thread from feeding the compressors.
 *
 *   npx tsx bench/cpu-profile-summary.ts <file.cpuprofile> [--top N] > summary.md
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The module a frame belongs to: a project file relative to the root, a package, a Node internal, or V8's own entries. */
function moduleOf(url: string, root: string): string {
  if (url === '') return '(V8: idle, GC, program)';
  const file = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (pkg) return `npm ${pkg[1]}`;
  if (file.startsWith('node:')) return file.split('/').slice(0, 2).join('/');
  return path.relative(root, file);
}

function table(title: string, rows: Map<string, number>, total: number, top: number): string {
  const sorted = [...rows].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `| ${title} | self s | share |`,
    '|---|---|---|',
    ...sorted.map(
      ([k, us]) => `| ${k.replaceAll('|', '\\|')} | ${(us / 1e6).toFixed(2)} | ${((100 * us) / total).toFixed(1)} % |`,
    ),
  ].join('\n');
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
});
if (positionals.length !== 1) {
  process.stderr.write('usage: npx tsx bench/cpu-profile-summary.ts <file.cpuprofile> [--top N]\n');
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(positionals[0]!, 'utf8')) as CpuProfile;
const root = process.cwd();
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const byModule = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
for (const [i, id] of profile.samples.entries()) {
  const us = profile.timeDeltas[i] ?? 0;
  const frame = byId.get(id)!.callFrame;
  const module = moduleOf(frame.url, root);
  const name = frame.url === '' ? frame.functionName : `${frame.functionName || '(anonymous)'} (${module})`;
  byModule.set(module, (byModule.get(module) ?? 0) + us);
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  total += us;
}
const top = Number(values.top);
process.stdout.write(
  [
    `Main thread, ${(total / 1e6).toFixed(1)} s sampled (${path.basename(positionals[0]!)}).`,
    '',
    table('module', byModule, total, top),
    '',
    table('function', byFunction, total, top),
    '',
  ].join('\n'),
);
