/**
 * Serves a releases directory the way production does: real nginx (config
 * rendered into a temporary prefix) for the demo site and the static bundles,
 * proxying /api/v1/ and /healthz to the API running in this process. Used by
 * `geobundle serve`, `make demo`, the tests, the client's browser tests and
 * the benchmarks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GeobundleError } from '../core/errors.ts';
import { urlHost } from '../api/http-server.ts';
import { startApi, type RunningApi } from '../api/server.ts';
import { renderNginxConf } from '../nginx/render-config.ts';
import { projectRoot } from '../pipeline/paths.ts';
import { requireNginx } from './nginx-binary.ts';
import { freePort, runNginx, type RunningNginx } from './run-nginx.ts';

/**
 * How geobundle serves releases: the one description of the server, from
 * the flags of `geobundle serve` to nginx's config and the API. Every
 * optional value has its default in SERVE_DEFAULTS.
 */
export interface ServeOptions {
  releasesDir: string;
  /** nginx's port; 0 picks a free one. */
  port?: number;
  /** The API's port; 0 picks a free one. */
  apiPort?: number;
  /** Address both listen on. */
  host?: string;
  /** The demo site served at `/` (built by `make client`). */
  siteRoot?: string;
  /** max-age of /bundles/current/… and of the API's list/current answers, in seconds. */
  currentMaxAge?: number;
  currentStaleWhileRevalidate?: number;
  /** API requests per second nginx lets each client address send; 0 turns the limit off. */
  apiRate?: number;
  /**
   * Addresses or CIDR ranges of the CDN edges or caches (deploy/varnish/) in
   * front of nginx: on their connections the client is taken from
   * X-Forwarded-For, so the API rate limit counts users, not edges.
   */
  trustedProxies?: readonly string[];
  workerProcesses?: number | 'auto';
  accessLog?: boolean;
  /** Keep nginx's temporary prefix (config, logs) after stop, for debugging. */
  keepPrefix?: boolean;
  /** Serve HTTPS with this certificate and key (PEM files); browsers accept `br` only over HTTPS. */
  tls?: { certificate: string; key: string };
}

export const SERVE_DEFAULTS = {
  port: 8080,
  apiPort: 32406,
  host: '127.0.0.1',
  siteRoot: path.join(projectRoot, 'dist', 'site'),
  currentMaxAge: 60,
  currentStaleWhileRevalidate: 300,
  apiRate: 50,
  trustedProxies: [] as readonly string[],
  workerProcesses: 1 as number | 'auto',
  accessLog: true,
  keepPrefix: false,
} as const;

export interface ServingUrls {
  /** The demo site. */
  site: string;
  /** Base of the static bundles, e.g. `<site>bundles/`. */
  bundles: string;
  /** The release list through nginx. */
  api: string;
  healthz: string;
  /** The API itself, without nginx in front. */
  apiDirect: string;
}

export interface Serving {
  urls: ServingUrls;
  /** nginx's temporary prefix (rendered config in conf/, logs in logs/). */
  prefix: string;
  siteRootExists: boolean;
  stop(): Promise<void>;
}

/** Starts the API alone (production runs it behind the system nginx: nginx/sites/). */
export async function startApiOnly(options: ServeOptions): Promise<RunningApi> {
  const o = { ...SERVE_DEFAULTS, ...defined(options) };
  return startApi({ releasesDir: o.releasesDir, host: o.host, port: o.apiPort, listMaxAge: o.currentMaxAge });
}

/** The options given, without the keys set to undefined (so they do not hide a default). */
function defined<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}

export async function startServing(options: ServeOptions): Promise<Serving> {
  const o = { ...SERVE_DEFAULTS, ...defined(options) };
  const releasesDir = path.resolve(o.releasesDir);
  if (!fs.existsSync(releasesDir) || !fs.statSync(releasesDir).isDirectory()) {
    throw new GeobundleError(
      `releases directory ${releasesDir} does not exist: build a release first (geobundle build-release v1.0.0)`,
    );
  }
  const siteRoot = path.resolve(o.siteRoot);
  const nginxBinary = await requireNginx();
  const port = o.port === 0 ? await freePort(o.host) : o.port;

  const api = await startApi({ releasesDir, host: o.host, port: o.apiPort, listMaxAge: o.currentMaxAge });
  let nginx: RunningNginx;
  try {
    nginx = await runNginx({
      binary: nginxBinary.path,
      host: o.host,
      port,
      keepPrefix: o.keepPrefix,
      render: (prefix) =>
        renderNginxConf({
          prefix,
          releasesDir,
          siteRoot,
          listen: `${urlHost(o.host)}:${port}${options.tls ? ' ssl' : ''}`,
          tls: options.tls,
          serverName: '_',
          apiUpstream: `${urlHost(o.host)}:${api.port}`,
          brotliModule: nginxBinary.brotliModule,
          // Started by root (CI, containers), workers would otherwise run as
          // nobody and could not read a private releases directory.
          user: process.getuid?.() === 0 ? os.userInfo().username : undefined,
          currentMaxAge: o.currentMaxAge,
          currentStaleWhileRevalidate: o.currentStaleWhileRevalidate,
          apiRatePerSecond: o.apiRate,
          trustedProxies: o.trustedProxies,
          workerProcesses: o.workerProcesses,
          accessLog: o.accessLog,
        }),
    });
  } catch (err) {
    await api.close();
    throw err;
  }

  const site = `${options.tls ? 'https' : 'http'}://${urlHost(o.host)}:${port}/`;
  let stopping: Promise<void> | undefined;
  return {
    urls: {
      site,
      bundles: `${site}bundles/`,
      api: `${site}api/v1/releases`,
      healthz: `${site}healthz`,
      apiDirect: api.url,
    },
    prefix: nginx.prefix,
    siteRootExists: fs.existsSync(siteRoot),
    stop() {
      stopping ??= Promise.all([nginx.stop(), api.close()]).then(() => undefined);
      return stopping;
    },
  };
}
