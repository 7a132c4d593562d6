/**
 * Finds the installed nginx and what it can do, at render time: the config
 * depends on it (brotli_static is a loadable module in Debian, gzip_static
 * and gunzip must be compiled in).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { GeobundleError } from '../core/errors.ts';

export interface NginxBinary {
  path: string;
  version: string;
  /** ngx_http_brotli_static_module.so when libnginx-mod-http-brotli-static is installed, else null. */
  brotliModule: string | null;
}

const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];
const INSTALL_HINT =
  'run scripts/install-system-deps.sh serve (Debian: apt-get install nginx-light libnginx-mod-http-brotli-static)';

/** Modules the bundle locations cannot work without. */
const REQUIRED = ['http_gzip_static_module', 'http_gunzip_module'];

function findOnPath(env: NodeJS.ProcessEnv): string | null {
  if (env.GEOBUNDLE_NGINX) {
    try {
      fs.accessSync(env.GEOBUNDLE_NGINX, fs.constants.X_OK);
    } catch {
      throw new GeobundleError(
        `GEOBUNDLE_NGINX=${env.GEOBUNDLE_NGINX} is not an executable nginx; unset it to use the one on PATH`,
      );
    }
    return env.GEOBUNDLE_NGINX;
  }
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const candidate of [...dirs.map((d) => path.join(d, 'nginx')), ...CANDIDATES]) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next one
    }
  }
  return null;
}

/** The nginx binary, or null when none is installed (tests skip on null). */
export async function findNginx(env = process.env): Promise<NginxBinary | null> {
  const binary = findOnPath(env);
  if (!binary) return null;
  // `nginx -V` prints its version and configure arguments on stderr.
  const { stderr } = await execa(binary, ['-V'], { reject: false });
  const version = /nginx version: nginx\/(\S+)/.exec(stderr)?.[1];
  if (!version) throw new GeobundleError(`${binary} -V did not print an nginx version; ${INSTALL_HINT}`);
  const missing = REQUIRED.filter((m) => !stderr.includes(`--with-${m}`));
  if (missing.length > 0) {
    throw new GeobundleError(
      `${binary} was built without ${missing.join(', ')}, which geobundle needs; ${INSTALL_HINT}`,
    );
  }
  const modulesPath = /--modules-path=(\S+)/.exec(stderr)?.[1] ?? '/usr/lib/nginx/modules';
  const brotli = path.join(modulesPath, 'ngx_http_brotli_static_module.so');
  return { path: binary, version, brotliModule: fs.existsSync(brotli) ? brotli : null };
}

export async function requireNginx(env = process.env): Promise<NginxBinary> {
  const found = await findNginx(env);
  if (!found) throw new GeobundleError(`nginx is not installed; ${INSTALL_HINT}`);
  return found;
}
