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
import { startApi, DEFAULT_API_PORT, type RunningApi } from '../api/server.ts';
import { requireNginx } from '../nginx/nginx-binary.ts';
import { renderNginxConf, DEFAULTS } from '../nginx/render-config.ts';
import { freePort, runNginx, type RunningNginx } from '../nginx/run-nginx.ts';
import { GeobundleError } from './errors.ts';
import { urlHost } from './http-server.ts';
import { projectRoot } from './paths.ts';

export const DEFAULT_PORT = 8080;
export const DEFAULT_SITE_ROOT = path.join(projectRoot, 'client', 'dist');

export interface ServeOptions {
  releasesDir: string;
  /** nginx's port; 0 picks a free one. */
  port: number;
  /** The API's port (default 32406); 0 picks a free one. */
  apiPort?: number;
  /** The demo site served at `/` (default client/dist). */
  siteRoot?: string;
  /** Address both listen on (default 127.0.0.1). */
  host?: string;
  /** max-age of /bundles/current/… and of the API's list/current answers, in seconds (default 60). */
  currentMaxAge?: number;
  currentStaleWhileRevalidate?: number;
  apiRatePerSecond?: number;
  apiBurst?: number;
  workerProcesses?: number | 'auto';
  accessLog?: boolean;
  /** Keep nginx's temporary prefix (config, logs) after stop, for debugging. */
  keepPrefix?: boolean;
}

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

export async function startServing(options: ServeOptions): Promise<Serving> {
  const releasesDir = path.resolve(options.releasesDir);
  if (!fs.existsSync(releasesDir) || !fs.statSync(releasesDir).isDirectory()) {
    throw new GeobundleError(`releases directory ${releasesDir} does not exist: build a release first (geobundle build-release v1.0.0)`);
  }
  const siteRoot = path.resolve(options.siteRoot ?? DEFAULT_SITE_ROOT);
  const host = options.host ?? '127.0.0.1';
  const currentMaxAge = options.currentMaxAge ?? DEFAULTS.currentMaxAge;
  const nginxBinary = await requireNginx();
  const port = options.port === 0 ? await freePort(host) : options.port;

  const api: RunningApi = await startApi({ releasesDir, host, port: options.apiPort ?? DEFAULT_API_PORT, listMaxAge: currentMaxAge });
  let nginx: RunningNginx;
  try {
    nginx = await runNginx({
      binary: nginxBinary.path,
      host,
      port,
      keepPrefix: options.keepPrefix,
      render: (prefix) =>
        renderNginxConf({
          prefix,
          releasesDir,
          siteRoot,
          listen: `${urlHost(host)}:${port}`,
          apiUpstream: `${urlHost(host)}:${api.port}`,
          brotliModule: nginxBinary.brotliModule,
          // Started by root (CI, containers), workers would otherwise run as
          // nobody and could not read a private releases directory.
          user: process.getuid?.() === 0 ? os.userInfo().username : undefined,
          currentMaxAge,
          currentStaleWhileRevalidate: options.currentStaleWhileRevalidate,
          apiRatePerSecond: options.apiRatePerSecond,
          apiBurst: options.apiBurst,
          workerProcesses: options.workerProcesses,
          accessLog: options.accessLog,
        }),
    });
  } catch (err) {
    await api.close();
    throw err;
  }

  const site = `http://${urlHost(host)}:${port}/`;
  let stopping: Promise<void> | undefined;
  return {
    urls: { site, bundles: `${site}bundles/`, api: `${site}api/v1/releases`, healthz: `${site}healthz`, apiDirect: api.url },
    prefix: nginx.prefix,
    siteRootExists: fs.existsSync(siteRoot),
    stop() {
      stopping ??= Promise.all([nginx.stop(), api.close()]).then(() => undefined);
      return stopping;
    },
  };
}
