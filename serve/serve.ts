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
import { requireNginx } from './nginx-binary.ts';
import { nginxValues, withDefaults, type CompleteServeOptions, type ServeOptions } from './options.ts';
import { freePort, runNginx, type RunningNginx } from './run-nginx.ts';

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

function startApiWith(o: CompleteServeOptions): Promise<RunningApi> {
  return startApi({ releasesDir: o.releasesDir, host: o.host, port: o.apiPort, listMaxAge: o.currentMaxAge });
}

/** Starts the API alone (production runs it behind the system nginx: nginx/sites/). */
export function startApiOnly(options: ServeOptions): Promise<RunningApi> {
  return startApiWith(withDefaults(options));
}

export async function startServing(options: ServeOptions): Promise<Serving> {
  const o = withDefaults(options);
  const releasesDir = path.resolve(o.releasesDir);
  if (!fs.existsSync(releasesDir) || !fs.statSync(releasesDir).isDirectory()) {
    throw new GeobundleError(
      `releases directory ${releasesDir} does not exist: build a release first (geobundle build-release v1.0.0)`,
    );
  }
  const siteRoot = path.resolve(o.siteRoot);
  const nginxBinary = await requireNginx();
  const port = o.port === 0 ? await freePort(o.host) : o.port;

  const api = await startApiWith({ ...o, releasesDir });
  // The ports as bound: nginx is told where the API really listens.
  const bound: CompleteServeOptions = { ...o, releasesDir, siteRoot, port, apiPort: api.port };
  let nginx: RunningNginx;
  try {
    nginx = await runNginx({
      binary: nginxBinary.path,
      host: o.host,
      port,
      keepPrefix: o.keepPrefix,
      render: (prefix) =>
        renderNginxConf({
          ...nginxValues(bound, { serverName: '_' }),
          prefix,
          brotliModule: nginxBinary.brotliModule,
          // Started by root (CI, containers), workers would otherwise run as
          // nobody and could not read a private releases directory.
          user: process.getuid?.() === 0 ? os.userInfo().username : undefined,
        }),
    });
  } catch (err) {
    await api.close();
    throw err;
  }

  const site = `${o.tls ? 'https' : 'http'}://${urlHost(o.host)}:${port}/`;
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
