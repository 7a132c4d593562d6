/**
 * Renders the small part of geobundle's nginx configuration that differs
 * per host: the values. Everything else — every concern and every location
 * — is in the include files of nginx/geobundle/ (one concern each,
 * h5bp style; geobundle/basic.conf combines them for a server block).
 * Pure: every path, port and duration comes in through the options, so the
 * same function renders the temporary config `geobundle serve` and the tests
 * run and the production site file (`geobundle nginx-config`).
 *
 * The rendered text includes the snippets as `geobundle/<concern>/<file>`,
 * relative to the directory nginx reads its configuration from, so the
 * directory nginx/geobundle/ must be copied (or linked) beside the rendered
 * file: into the temporary prefix by serve/run-nginx.ts, into /etc/nginx/ in
 * production.
 */
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GeobundleError } from '../core/errors.ts';

/** Where a rendered config puts its pid file inside the prefix (serve/run-nginx.ts waits for it). */
export const PID_FILE = 'nginx.pid';

/** The include files, copied beside a rendered config as `geobundle/`. */
export const SNIPPETS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'geobundle');

/** The values of one geobundle site; nothing has a default here (serve/options.ts derives them from ServeOptions). */
export interface SiteValues {
  /** Directory holding `v1.0.0/`, `current -> v1.0.0`, …; served at /bundles/. */
  releasesDir: string;
  /** The demo site served at `/`. */
  siteRoot: string;
  /** `listen` argument: a port, or address:port (with `ssl` for TLS). */
  listen: string | number;
  serverName: string;
  /** The API upstream, host:port. */
  apiUpstream: string;
  /** Include web_performance/brotli-static.conf (the brotli_static module is loaded). */
  brotli: boolean;
  /** max-age and stale-while-revalidate of /bundles/current/…, in seconds. */
  currentMaxAge: number;
  currentStaleWhileRevalidate: number;
  /** Sustained API requests per second per client address; 0 turns the limit off. */
  apiRatePerSecond: number;
  /** Where nginx keeps the API's immutable answers (geobundle/proxy/api-cache.conf). */
  apiCacheDir: string;
  /**
   * Addresses or CIDR ranges of the CDN edges or caches in front of nginx,
   * whose X-Forwarded-For names the client (geobundle/proxy/real-ip.conf);
   * empty when clients connect directly.
   */
  trustedProxies: readonly string[];
  /** Serve HTTPS with this certificate; `listen` should then say `443 ssl`. */
  tls?: { certificate: string; key: string };
}

export interface NginxConfValues extends Omit<SiteValues, 'brotli' | 'apiCacheDir'> {
  /** Directory for the pid file, logs and temporary files (nginx runs with `-p prefix`). */
  prefix: string;
  /** Absolute path of ngx_http_brotli_static_module.so to load, or null when not installed. */
  brotliModule: string | null;
  /** Only meaningful when started as root: the user worker processes run as. */
  user?: string;
  workerProcesses: number | 'auto';
  /** Write an access log under the prefix (off for load benchmarks). */
  accessLog: boolean;
}

/** Quotes a path for nginx when it contains anything unusual. */
function quote(value: string): string {
  if (/["\\\n\r]/.test(value)) throw new Error(`cannot use ${JSON.stringify(value)} in an nginx config`);
  return /^[A-Za-z0-9_./:@-]+$/.test(value) ? value : `"${value}"`;
}

/** Whether `value` is what set_real_ip_from takes: an IPv4 or IPv6 address, optionally with a prefix length. */
export function isAddressOrCidr(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  const family = net.isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/** The set_real_ip_from lines and the include that reads X-Forwarded-For, or nothing without trusted proxies. */
function realIp(trustedProxies: readonly string[]): string[] {
  if (trustedProxies.length === 0) return [];
  for (const proxy of trustedProxies) {
    if (!isAddressOrCidr(proxy)) {
      throw new GeobundleError(
        `trusted proxy ${JSON.stringify(proxy)} is not an IP address or CIDR range (e.g. 127.0.0.1, 10.0.0.0/8, 2001:db8::/32)`,
      );
    }
  }
  return [
    ``,
    `# Behind a CDN or cache: the client's address from X-Forwarded-For, on`,
    `# connections from these (geobundle/proxy/real-ip.conf).`,
    ...trustedProxies.map((proxy) => `set_real_ip_from ${proxy};`),
    `include geobundle/proxy/real-ip.conf;`,
  ];
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((line) => (line ? by + line : line))
    .join('\n');
}

/**
 * What a site file holds (http context): the rate-limit zone and the API
 * upstream, then the server block, which sets this host's values and
 * includes geobundle/basic.conf.
 */
export function renderSite(o: SiteValues): string {
  const server = [
    `listen ${o.listen};`,
    `server_name ${o.serverName};`,
    ...(o.tls
      ? [
          `ssl_certificate ${quote(o.tls.certificate)};`,
          `ssl_certificate_key ${quote(o.tls.key)};`,
          `include geobundle/tls/policy.conf;`,
        ]
      : []),
    ``,
    `# The demo site, the releases (geobundle/location/bundles.conf), and how long`,
    `# caches may keep /bundles/current/… (geobundle/web_performance/cache-current.conf).`,
    `root ${quote(path.resolve(o.siteRoot))};`,
    `set $geobundle_releases ${quote(path.resolve(o.releasesDir))};`,
    `set $geobundle_current_max_age ${o.currentMaxAge};`,
    `set $geobundle_current_swr ${o.currentStaleWhileRevalidate};`,
    ...(o.brotli ? [`include geobundle/web_performance/brotli-static.conf;`] : []),
    ...realIp(o.trustedProxies),
    ``,
    `include geobundle/basic.conf;`,
  ].join('\n');

  // An empty key is never counted (ngx_http_limit_req_module), which is how rate 0 turns the limit off.
  const limitKey = o.apiRatePerSecond > 0 ? '$binary_remote_addr' : '""';
  return [
    `include geobundle/security/request-methods-maps.conf;`,
    ``,
    `# API requests per second per client address (geobundle/location/api.conf).`,
    `limit_req_zone ${limitKey} zone=geobundle_api:10m rate=${Math.max(1, o.apiRatePerSecond)}r/s;`,
    ``,
    `# A version's manifest and changes, kept by nginx after the API's first answer`,
    `# (geobundle/proxy/api-cache.conf); a few kB each, so 64 MB holds thousands of versions.`,
    `proxy_cache_path ${quote(o.apiCacheDir)} levels=1:2 keys_zone=geobundle_api_cache:1m max_size=64m inactive=30d use_temp_path=off;`,
    ``,
    `# The API, over kept-alive connections (its own keep-alive timeout is longer, so`,
    `# nginx never reuses a connection the API is closing).`,
    `upstream geobundle_api {`,
    `  server ${o.apiUpstream};`,
    `  keepalive 16;`,
    `  keepalive_timeout 60s;`,
    `}`,
    ``,
    `server {`,
    indent(server, '  '),
    `}`,
    ``,
  ].join('\n');
}

/** A complete nginx.conf that runs unprivileged, in the foreground, entirely inside `prefix`. */
export function renderNginxConf(o: NginxConfValues): string {
  const prefix = path.resolve(o.prefix);
  const p = (...parts: string[]) => quote(path.join(prefix, ...parts));
  const main = [
    `# Rendered by nginx/render-config.ts for a temporary prefix; do not edit.`,
    ...(o.brotliModule ? [`load_module ${quote(o.brotliModule)};`] : []),
    ...(o.user ? [`user ${o.user};`] : []),
    `daemon off;`,
    `master_process on;`,
    `worker_processes ${o.workerProcesses};`,
    `pid ${p(PID_FILE)};`,
    `error_log ${p('logs', 'error.log')} warn;`,
    ``,
    `events {`,
    `  worker_connections 1024;`,
    `}`,
    ``,
  ];
  // What Debian's /etc/nginx/nginx.conf sets around a site file, with every path inside the prefix
  // (its tcp_nopush is turned off again by geobundle/web_performance/no-cork.conf).
  const http = [
    `sendfile on;`,
    `tcp_nopush on;`,
    o.accessLog ? `access_log ${p('logs', 'access.log')} combined buffer=64k flush=1s;` : `access_log off;`,
    `client_body_temp_path ${p('temp', 'client_body')};`,
    `proxy_temp_path ${p('temp', 'proxy')};`,
    `fastcgi_temp_path ${p('temp', 'fastcgi')};`,
    `uwsgi_temp_path ${p('temp', 'uwsgi')};`,
    `scgi_temp_path ${p('temp', 'scgi')};`,
    ``,
    renderSite({ ...o, brotli: o.brotliModule !== null, apiCacheDir: path.join(prefix, 'cache', 'api') }),
  ].join('\n');
  return [...main, `http {`, indent(http, '  '), `}`, ``].join('\n');
}
