/**
 * Runs a real nginx, unprivileged and in the foreground, from a temporary
 * prefix that holds everything it writes (config, pid, logs, temp files), so
 * several can run side by side (tests, an edge cache in front of an origin)
 * and nothing outside the prefix is touched.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { GeobundleError } from '../core/errors.ts';
import { PID_FILE, SNIPPETS_DIR } from '../nginx/render-config.ts';

export interface RunningNginx {
  prefix: string;
  /** Stops nginx (graceful, then forced) and removes the prefix unless keepPrefix was set. */
  stop(): Promise<void>;
}

export interface RunNginxOptions {
  binary: string;
  /**
   * Renders the config once the prefix exists (the config names paths inside
   * it). Its pid file must be `<prefix>/nginx.pid` (PID_FILE): nginx writes it
   * only after binding its sockets, which is how a start is told from another
   * process already holding the port.
   */
  render(prefix: string): string;
  /** Waits until this host:port accepts connections. */
  host: string;
  port: number;
  /** Parent of the temporary prefix (default os.tmpdir()). */
  tmpDir?: string;
  keepPrefix?: boolean;
}

/** Whether host:port accepts a TCP connection now. */
export function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function readPid(file: string): number | null {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

/** The line of nginx's error log that says why it stopped (its first [emerg]), for a one-line error. */
function readLog(file: string): string {
  let lines: string[];
  try {
    lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  } catch {
    return '';
  }
  const emerg = lines.filter((line) => line.includes('[emerg]'));
  return (emerg[0] ?? lines.at(-1) ?? '').replace(/^\S+ \S+ \[emerg\] \d+#\d+: /, '');
}

/** Checks the config with `nginx -t`, starts nginx and resolves once it accepts connections. */
export async function runNginx(options: RunNginxOptions): Promise<RunningNginx> {
  const prefix = fs.mkdtempSync(path.join(options.tmpDir ?? os.tmpdir(), 'geobundle-nginx-'));
  const cleanup = () => {
    if (!options.keepPrefix) fs.rmSync(prefix, { recursive: true, force: true });
  };
  const confDir = path.join(prefix, 'conf');
  const confPath = path.join(confDir, 'nginx.conf');
  const errorLog = path.join(prefix, 'logs', 'error.log');
  // Workers running as another user (nginx started by root) must reach the prefix.
  fs.chmodSync(prefix, 0o755);
  for (const dir of ['conf', 'logs', 'temp', 'cache']) fs.mkdirSync(path.join(prefix, dir));
  fs.cpSync(SNIPPETS_DIR, path.join(confDir, 'geobundle'), { recursive: true });
  fs.writeFileSync(confPath, options.render(prefix));

  // -e: errors before error_log is read go under the prefix too, not /var/log/nginx.
  const args = ['-p', prefix, '-c', confPath, '-e', errorLog];
  const test = await execa(options.binary, [...args, '-t', '-q'], { reject: false, all: true });
  if (test.exitCode !== 0) {
    cleanup();
    throw new GeobundleError(`nginx rejected the rendered config ${confPath}: ${String(test.all ?? '').trim()}`);
  }

  const child: ResultPromise = execa(options.binary, args, { reject: false, stdin: 'ignore', all: true });
  let exited = false;
  const exit = child.then((result) => {
    exited = true;
    return result;
  });

  const pidFile = path.join(prefix, PID_FILE);
  const deadline = Date.now() + 10_000;
  while (readPid(pidFile) !== child.pid || !(await portOpen(options.host, options.port))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      const result = await exit;
      const why = readLog(errorLog) || String(result.all ?? '').trim() || `exit code ${result.exitCode}`;
      cleanup();
      throw new GeobundleError(`nginx did not start on ${options.host}:${options.port}: ${why}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }

  let stopping: Promise<void> | undefined;
  return {
    prefix,
    stop() {
      stopping ??= (async () => {
        if (!exited) {
          // SIGQUIT: finish in-flight requests, then exit; force after a few seconds.
          child.kill('SIGQUIT');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exit;
          clearTimeout(timer);
        }
        cleanup();
      })();
      return stopping;
    },
  };
}

/** A TCP port that was free a moment ago on `host` (for nginx, which cannot report a port it chose). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
