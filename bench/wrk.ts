/**
 * Drives wrk (https://github.com/wg/wrk) and reads its figures from the line
 * bench/wrk/report.lua prints in wrk's done() hook.
 */
import path from 'node:path';
import { execa } from 'execa';
import { projectRoot } from '../pipeline/paths.ts';
import { round } from './measure.ts';
import type { WrkFigures } from './results.ts';

const REPORT_LUA = path.join(projectRoot, 'bench', 'wrk', 'report.lua');

export interface WrkOptions {
  url: string;
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
  /** Requests slower than this count as timeout errors (wrk's default of 2 s hides queueing). */
  timeoutS?: number;
}

/** wrk needs at least one connection per thread; more threads than cores only adds contention. */
export function wrkThreads(connections: number, cores: number): number {
  return Math.max(1, Math.min(connections, cores));
}

export function wrkArgs(o: WrkOptions, cores: number): string[] {
  const args = [
    `-t${wrkThreads(o.connections, cores)}`,
    `-c${o.connections}`,
    `-d${o.durationS}s`,
    `--timeout`,
    `${o.timeoutS ?? 30}s`,
    '-s',
    REPORT_LUA,
  ];
  for (const [name, value] of Object.entries(o.headers ?? {})) args.push('-H', `${name}: ${value}`);
  args.push(o.url);
  return args;
}

interface WrkJson {
  requests: number;
  duration_us: number;
  bytes: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latency_us: { mean: number; p50: number; p90: number; p99: number; max: number };
}

/** Reads the WRK_JSON line out of wrk's stdout. */
export function parseWrkOutput(stdout: string): WrkFigures {
  const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
  if (!line) throw new Error(`wrk printed no WRK_JSON line (is bench/wrk/report.lua loaded?):\n${stdout}`);
  const j = JSON.parse(line.slice('WRK_JSON '.length)) as WrkJson;
  const seconds = j.duration_us / 1e6;
  const ms = (us: number) => round(us / 1000, 3);
  return {
    requests: j.requests,
    duration_s: round(seconds),
    requests_per_s: seconds > 0 ? round(j.requests / seconds, 1) : 0,
    bytes_per_s: seconds > 0 ? Math.round(j.bytes / seconds) : 0,
    latency_ms: {
      mean: ms(j.latency_us.mean),
      p50: ms(j.latency_us.p50),
      p90: ms(j.latency_us.p90),
      p99: ms(j.latency_us.p99),
      max: ms(j.latency_us.max),
    },
    errors: j.errors,
  };
}

export function totalErrors(f: WrkFigures): number {
  const e = f.errors;
  return e.connect + e.read + e.write + e.timeout + e.status;
}

export async function runWrk(o: WrkOptions, cores: number): Promise<WrkFigures & { threads: number }> {
  const result = await execa('wrk', wrkArgs(o, cores), { reject: false, all: true });
  if (result.exitCode !== 0) throw new Error(`wrk failed (${result.exitCode}) against ${o.url}:\n${result.all}`);
  return { ...parseWrkOutput(result.stdout), threads: wrkThreads(o.connections, cores) };
}
