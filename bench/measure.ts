/**
 * Runs child processes under GNU time (`/usr/bin/time`), which reports what
 * Node cannot see from outside: the child's user/system CPU time and its peak
 * resident set size. Wall time is taken here around the whole run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import type { ProcessCost } from './results.ts';
import { tempDir } from '../testkit/temp.ts';

const TIME_BIN = '/usr/bin/time';
// Elapsed, user, system seconds and max RSS in KiB (see time(1), FORMAT).
const TIME_FORMAT = '%e %U %S %M';

export const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

export function parseTimeOutput(text: string): Omit<ProcessCost, 'wall_s'> {
  // GNU time prints "Command exited with non-zero status N" before the format line on failure.
  const line = text.trim().split('\n').pop() ?? '';
  const m = line.match(/^([\d.]+) ([\d.]+) ([\d.]+) (\d+)$/);
  if (!m) throw new Error(`cannot parse GNU time output: ${JSON.stringify(text)}`);
  const user = Number(m[2]);
  const sys = Number(m[3]);
  return { user_s: user, sys_s: sys, cpu_s: round(user + sys, 2), max_rss_mb: round(Number(m[4]) / 1024, 1) };
}

export interface MeasureOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Where the child's stdout/stderr go; kept for the failure message. */
  logFile?: string;
}

export interface Measured extends ProcessCost {
  stdout: string;
}

/** Runs `cmd args` to completion under GNU time; a non-zero exit throws with the tail of its output. */
export async function measureCommand(cmd: string, args: string[], options: MeasureOptions = {}): Promise<Measured> {
  if (!fs.existsSync(TIME_BIN)) {
    throw new Error(`${TIME_BIN} is missing: run scripts/install-system-deps.sh bench (Debian package "time")`);
  }
  const timeFile = path.join(tempDir('time'), 'time.txt');
  const started = performance.now();
  const child = await execa(TIME_BIN, ['-f', TIME_FORMAT, '-o', timeFile, cmd, ...args], {
    cwd: options.cwd,
    env: options.env,
    reject: false,
    all: true,
    maxBuffer: 256 * 1024 * 1024,
  });
  const wall = (performance.now() - started) / 1000;
  if (options.logFile) fs.appendFileSync(options.logFile, `$ ${cmd} ${args.join(' ')}\n${child.all ?? ''}\n`);
  const timeText = fs.existsSync(timeFile) ? fs.readFileSync(timeFile, 'utf8') : '';
  fs.rmSync(path.dirname(timeFile), { recursive: true, force: true });
  if (child.exitCode !== 0) {
    const tail = (child.all ?? '').trim().split('\n').slice(-8).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} exited with ${child.exitCode ?? child.signal}:\n${tail}`);
  }
  return { wall_s: round(wall), ...parseTimeOutput(timeText), stdout: child.stdout ?? '' };
}

/** Adds up sequential steps: times add, peak memory is the largest peak. */
export function sumCosts(costs: ProcessCost[]): ProcessCost {
  return {
    wall_s: round(costs.reduce((s, c) => s + c.wall_s, 0)),
    user_s: round(
      costs.reduce((s, c) => s + c.user_s, 0),
      2,
    ),
    sys_s: round(
      costs.reduce((s, c) => s + c.sys_s, 0),
      2,
    ),
    cpu_s: round(
      costs.reduce((s, c) => s + c.cpu_s, 0),
      2,
    ),
    max_rss_mb: Math.max(0, ...costs.map((c) => c.max_rss_mb)),
  };
}

/**
 * Times in-process async work: wall clock, and CPU of this whole process
 * (process.cpuUsage covers every thread, so zlib's thread pool is included).
 */
export async function measureInProcess<T>(fn: () => Promise<T>): Promise<{ value: T; wall_s: number; cpu_s: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { value, wall_s: round(wall), cpu_s: round((cpu.user + cpu.system) / 1e6, 2) };
}

/** Total size of a file or of every file under a directory. */
export function bytesUnder(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const entry of fs.readdirSync(p, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}
