/**
 * One description of the server: what `geobundle serve` and startServing
 * take, their defaults, and the nginx values that follow from them, so the
 * flags, the config the tests run and the production site file cannot
 * drift apart.
 */
import path from 'node:path';
import { urlHost } from '../api/http-server.ts';
import type { NginxConfValues } from '../nginx/render-config.ts';
import { projectRoot } from '../pipeline/paths.ts';

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

/** ServeOptions with every default filled in; only `tls` may be absent (plain HTTP). */
export type CompleteServeOptions = Required<Omit<ServeOptions, 'tls'>> & Pick<ServeOptions, 'tls'>;

export const SERVE_DEFAULTS: Readonly<Omit<CompleteServeOptions, 'releasesDir' | 'tls'>> = {
  port: 8080,
  apiPort: 32406,
  host: '127.0.0.1',
  siteRoot: path.join(projectRoot, 'dist', 'site'),
  currentMaxAge: 60,
  currentStaleWhileRevalidate: 300,
  apiRate: 50,
  trustedProxies: [],
  workerProcesses: 1,
  accessLog: true,
  keepPrefix: false,
};

/** Field by field, so a new option cannot be forgotten here (the result type requires it). */
export function withDefaults(options: ServeOptions): CompleteServeOptions {
  const d = SERVE_DEFAULTS;
  return {
    releasesDir: options.releasesDir,
    port: options.port ?? d.port,
    apiPort: options.apiPort ?? d.apiPort,
    host: options.host ?? d.host,
    siteRoot: options.siteRoot ?? d.siteRoot,
    currentMaxAge: options.currentMaxAge ?? d.currentMaxAge,
    currentStaleWhileRevalidate: options.currentStaleWhileRevalidate ?? d.currentStaleWhileRevalidate,
    apiRate: options.apiRate ?? d.apiRate,
    trustedProxies: options.trustedProxies ?? d.trustedProxies,
    workerProcesses: options.workerProcesses ?? d.workerProcesses,
    accessLog: options.accessLog ?? d.accessLog,
    keepPrefix: options.keepPrefix ?? d.keepPrefix,
    tls: options.tls,
  };
}

/** What nginx needs that a server's options do not say: the machine's part (prefix, modules, user) is added later. */
export interface NginxHost {
  serverName: string;
  /** `listen`'s argument; default: the options' host:port, with `ssl` under TLS. */
  listen?: string;
}

/**
 * The nginx values of a server with these options, whose ports are the
 * ones bound (0 already replaced): the one mapping from options to nginx,
 * for both the config startServing runs and the production site file.
 */
export function nginxValues(
  o: CompleteServeOptions,
  host: NginxHost,
): Omit<NginxConfValues, 'prefix' | 'brotliModule' | 'user'> {
  return {
    releasesDir: o.releasesDir,
    siteRoot: o.siteRoot,
    listen: host.listen ?? `${urlHost(o.host)}:${o.port}${o.tls ? ' ssl' : ''}`,
    serverName: host.serverName,
    apiUpstream: `${urlHost(o.host)}:${o.apiPort}`,
    currentMaxAge: o.currentMaxAge,
    currentStaleWhileRevalidate: o.currentStaleWhileRevalidate,
    apiRatePerSecond: o.apiRate,
    trustedProxies: o.trustedProxies,
    tls: o.tls,
    workerProcesses: o.workerProcesses,
    accessLog: o.accessLog,
  };
}
