/**
 * Real Varnish for the CDN tests: varnishd in the foreground on a loopback
 * port, running deploy/varnish/geobundle.vcl as shipped, with only the host
 * and port of its BACKEND block pointed at a test's nginx.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { projectRoot } from '../../pipeline/paths.ts';
import { freePort, portOpen } from '../../serve/run-nginx.ts';
import { tempDir } from '../../testkit/temp.ts';

export const SHIPPED_VCL = path.join(projectRoot, 'deploy', 'varnish', 'geobundle.vcl');

const CANDIDATES = ['/usr/sbin/varnishd', '/usr/local/sbin/varnishd'];

function findVarnishd(): string | null {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  return [...dirs.map((d) => path.join(d, 'varnishd')), ...CANDIDATES].find((f) => fs.existsSync(f)) ?? null;
}

/** Why Varnish tests skip, or null when varnishd is installed. */
export function varnishMissingReason(): string | null {
  return findVarnishd()
    ? null
    : "varnishd is not installed (scripts/install-system-deps.sh test installs Debian's varnish; CI runs it via make test)";
}

/** The shipped VCL with the `.host` and `.port` of its BACKEND block set to `origin`'s. */
export function vclFor(origin: string): string {
  const { hostname, port } = new URL(origin);
  const vcl = fs.readFileSync(SHIPPED_VCL, 'utf8');
  const block = /# BACKEND BEGIN\n[\s\S]*?# BACKEND END\n/.exec(vcl)?.[0];
  const pointed = block
    ?.replace(/^(\s*\.host = )"[^"]*";$/m, `$1"${hostname}";`)
    .replace(/^(\s*\.port = )"[^"]*";$/m, `$1"${port}";`);
  if (!block || !pointed?.includes(`"${hostname}"`) || !pointed.includes(`"${port}"`)) {
    throw new Error(`${SHIPPED_VCL}: no "# BACKEND BEGIN … # BACKEND END" block with .host and .port lines`);
  }
  return vcl.replace(block, pointed);
}

export interface RunningVarnish {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts varnishd with the shipped VCL in front of `origin`; `params` are
 * extra `-p name=value` runtime parameters. Resolves once the child process
 * has launched ("Child launched OK") and accepts connections.
 */
export async function startVarnish(origin: string, params: string[] = []): Promise<RunningVarnish> {
  const varnishd = findVarnishd();
  if (!varnishd) throw new Error(varnishMissingReason()!);
  const dir = tempDir('varnish');
  // Started by root, varnishd runs its child as the varnish/vcache users, which must reach the work dir.
  fs.chmodSync(dir, 0o755);
  const vcl = path.join(dir, 'geobundle.vcl');
  fs.writeFileSync(vcl, vclFor(origin));
  const port = await freePort();
  const args = ['-F', '-n', path.join(dir, 'work'), '-a', `127.0.0.1:${port}`, '-f', vcl, '-s', 'malloc,64m'];
  // -T none: no management port (nothing here uses varnishadm).
  const child = execa(varnishd, [...args, '-T', 'none', ...params.flatMap((p) => ['-p', p])], {
    reject: false,
    stdin: 'ignore',
    all: true,
  });
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`varnishd did not start in 30 s:\n${output}`)), 30_000);
      let launched = false;
      child.all!.on('data', async (chunk: Buffer) => {
        output += chunk.toString();
        if (launched || !output.includes('Child launched OK')) return;
        launched = true;
        // The child may take a moment more to accept connections.
        while (!(await portOpen('127.0.0.1', port))) await new Promise((r) => setTimeout(r, 25));
        clearTimeout(timer);
        resolve();
      });
      child.then((result) => {
        clearTimeout(timer);
        reject(new Error(`varnishd exited (${result.exitCode}):\n${output}`));
      }, reject);
    });
  } catch (err) {
    child.kill('SIGKILL');
    await child;
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    stop() {
      stopping ??= (async () => {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await child;
        clearTimeout(timer);
        fs.rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
