/**
 * Compares two benchmark runs figure by figure:
 *   npx tsx bench/compare.ts old.json new.json
 *   npx tsx bench/compare.ts old-results-dir/ bench/results/
 * Prints every numeric figure of both runs with new/old; conditions
 * (environment) are printed first, not compared.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readResult, type AnyResult } from './results.ts';

/** Array elements are named by what identifies them, not by position, so reordered runs still line up. */
function elementKey(item: unknown, index: number): string {
  if (item && typeof item === 'object') {
    const o = item as Record<string, unknown>;
    if (typeof o.scenario === 'string' && typeof o.connections === 'number') return `${o.scenario}@${o.connections}`;
    for (const k of ['label', 'tool', 'name'] as const) if (typeof o[k] === 'string') return o[k] as string;
  }
  return String(index);
}

/** Every numeric leaf of a result as "a.b.c" → value, environment excluded. */
export function numericFigures(value: unknown, prefix = '', out = new Map<string, number>()): Map<string, number> {
  if (typeof value === 'number') out.set(prefix, value);
  else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) numericFigures(v, `${prefix}[${elementKey(v, i)}]`, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (prefix === '' && k === 'environment') continue;
      numericFigures(v, prefix ? `${prefix}.${k}` : k, out);
    }
  }
  return out;
}

export interface ComparedFigure {
  figure: string;
  a: number | undefined;
  b: number | undefined;
  /** b / a; undefined when either is missing or a is 0. */
  ratio: number | undefined;
}

export function compareResults(a: AnyResult, b: AnyResult): ComparedFigure[] {
  const fa = numericFigures(a);
  const fb = numericFigures(b);
  const names = [...new Set([...fa.keys(), ...fb.keys()])];
  return names.map((figure) => {
    const x = fa.get(figure);
    const y = fb.get(figure);
    return { figure, a: x, b: y, ratio: x !== undefined && y !== undefined && x !== 0 ? y / x : undefined };
  });
}

function resultFiles(p: string): Map<string, string> {
  if (!fs.statSync(p).isDirectory()) return new Map([[path.basename(p, '.json'), p]]);
  return new Map(
    fs
      .readdirSync(p)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => [path.basename(f, '.json'), path.join(p, f)]),
  );
}

function describe(r: AnyResult): string {
  const env = (r as { environment?: { started_at?: string; commit?: string; load_start?: number[]; quick?: boolean } })
    .environment;
  return env
    ? `${env.started_at} commit ${env.commit} load ${env.load_start?.join('/')}${env.quick ? ' QUICK' : ''}`
    : 'no environment recorded';
}

function main(argv: string[]): number {
  const [a, b] = argv;
  if (!a || !b) {
    process.stderr.write('usage: npx tsx bench/compare.ts <old.json|old-dir> <new.json|new-dir>\n');
    return 2;
  }
  const filesA = resultFiles(a);
  const filesB = resultFiles(b);
  // Two single files are compared even when their names differ.
  const pairs: Array<[string, string, string]> =
    filesA.size === 1 && filesB.size === 1 && !fs.statSync(a).isDirectory()
      ? [[path.basename(a, '.json'), a, b]]
      : [...filesA.keys()].filter((k) => filesB.has(k)).map((k) => [k, filesA.get(k)!, filesB.get(k)!]);
  if (pairs.length === 0) {
    process.stderr.write(`no result files in common between ${a} and ${b}\n`);
    return 1;
  }
  const fmt = (x: number | undefined) => (x === undefined ? '—' : Number.isInteger(x) ? String(x) : x.toFixed(3));
  for (const [name, fileA, fileB] of pairs) {
    const ra = readResult(fileA);
    const rb = readResult(fileB);
    console.log(`\n== ${name}\n   old: ${describe(ra)}\n   new: ${describe(rb)}`);
    const rows = compareResults(ra, rb);
    const width = Math.max(...rows.map((r) => r.figure.length));
    for (const r of rows) {
      const ratio = r.ratio === undefined ? '' : `  ${r.ratio.toFixed(2)}×`;
      console.log(`   ${r.figure.padEnd(width)}  ${fmt(r.a).padStart(12)}  ${fmt(r.b).padStart(12)}${ratio}`);
    }
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = main(process.argv.slice(2));
}
