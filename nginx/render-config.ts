/**
 * Renders geobundle's nginx configuration from the include files in
 * nginx/geobundle/ (one concern each, h5bp style). Pure: every machine path
 * comes in through the options, so the same function renders the temporary
 * config tests and `geobundle serve` run, and the production site file in
 * nginx/sites/ (test/serve-config.test.ts checks that file is up to date).
 *
 * The rendered text includes the snippets as `geobundle/<concern>/<file>`,
 * relative to the directory nginx reads its configuration from, so the
 * directory nginx/geobundle/ must be copied (or linked) beside the rendered
 * file: into the temporary prefix by nginx/run-nginx.ts, into /etc/nginx/ in
 * production.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where a rendered config puts its pid file inside the prefix (run-nginx.ts waits for it). */
export const PID_FILE = 'nginx.pid';

/** The include files, copied beside a rendered config as `geobundle/`. */
export const SNIPPETS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'geobundle');

export interface SiteOptions {
  /** Directory holding `v1.0.0/`, `current -> v1.0.0`, …; served at /bundles/. */
  releasesDir: string;
  /** The demo site served at `/` (client/dist). */
  siteRoot: string;
  /** `listen` argument: a port, or address:port. */
  listen: string | number;
  /** The API upstream, host:port. */
  apiUpstream: string;
  serverName?: string;
  /** Include web_performance/brotli-static.conf (the brotli_static module is loaded). */
  brotli: boolean;
  /** max-age of /bundles/current/…, in seconds. */
  currentMaxAge?: number;
  /** stale-while-revalidate of /bundles/current/…, in seconds. */
  currentStaleWhileRevalidate?: number;
  /** Sustained API requests per second per client address. */
  apiRatePerSecond?: number;
  /** Requests above the rate a client may send at once before getting 429. */
  apiBurst?: number;
  /** Serve HTTPS with this certificate (production); `listen` should then say `443 ssl`. */
  tls?: { certificate: string; key: string };
}

export interface NginxConfOptions extends Omit<SiteOptions, 'brotli'> {
  /** Directory for the pid file, logs and temporary files (nginx runs with `-p prefix`). */
  prefix: string;
  /** Absolute path of ngx_http_brotli_static_module.so to load, or null when not installed. */
  brotliModule: string | null;
  /** Only meaningful when started as root: the user worker processes run as. */
  user?: string;
  workerProcesses?: number | 'auto';
  /** Write an access log under the prefix (off for load benchmarks). */
  accessLog?: boolean;
}

export const DEFAULTS = {
  serverName: '_',
  currentMaxAge: 60,
  currentStaleWhileRevalidate: 300,
  apiRatePerSecond: 50,
  apiBurst: 100,
} as const;

/**
 * Release versions in URLs, the nginx twin of pipeline/release/version.ts
 * (vMAJOR.MINOR.PATCH, no leading zeros).
 */
const VERSION_PATTERN = 'v(?:0|[1-9][0-9]*)\\.(?:0|[1-9][0-9]*)\\.(?:0|[1-9][0-9]*)';

/**
 * The files a release holds: `<class>/<name>.(geojson|json)[.gz|.br]`,
 * `by_state/…`, manifest.json and SHA256SUMS. Anything else under /bundles/
 * (directories, unknown names) is 404.
 */
const RELEASE_FILE_PATTERN = '(?:[^/]+/)*(?:[^/.][^/]*\\.(?:geojson|json)(?:\\.gz|\\.br)?|SHA256SUMS)';

/** Quotes a path for nginx when it contains anything unusual. */
function quote(value: string): string {
  if (/["\\\n\r]/.test(value)) throw new Error(`cannot use ${JSON.stringify(value)} in an nginx config`);
  return /^[A-Za-z0-9_./:@-]+$/.test(value) ? value : `"${value}"`;
}

function withSlash(dir: string): string {
  return dir.endsWith('/') ? dir : `${dir}/`;
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((line) => (line ? by + line : line))
    .join('\n');
}

/** The location blocks of one bundle path family, sharing every header concern. */
function bundleLocation(pattern: string, alias: string, cacheInclude: string, brotli: boolean): string {
  return [
    `location ~ "${pattern}" {`,
    `  alias ${alias};`,
    `  include geobundle/web_performance/pre-compressed.conf;`,
    ...(brotli ? [`  include geobundle/web_performance/brotli-static.conf;`] : []),
    `  include geobundle/web_performance/${cacheInclude};`,
    `  include geobundle/cross-origin/requests.conf;`,
    `  include geobundle/security/x-content-type-options.conf;`,
    `}`,
  ].join('\n');
}

/**
 * What a site file holds (http context): the variables, rate-limit zone and
 * upstream the server needs, then the server block.
 */
export function renderSite(options: SiteOptions): string {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o = { ...DEFAULTS, ...given } as Required<SiteOptions>;
  const releases = withSlash(path.resolve(o.releasesDir));
  const server = [
    `listen ${o.listen};`,
    `server_name ${o.serverName};`,
    ...(o.tls
      ? [
          `ssl_certificate ${quote(o.tls.certificate)};`,
          `ssl_certificate_key ${quote(o.tls.key)};`,
          `ssl_protocols TLSv1.2 TLSv1.3;`,
        ]
      : []),
    ``,
    `include geobundle/media_types/media-types.conf;`,
    `include geobundle/security/server-hardening.conf;`,
    `include geobundle/security/request-uri.conf;`,
    `include geobundle/security/request-methods.conf;`,
    ``,
    `# How long caches may keep /bundles/current/… (web_performance/cache-current.conf).`,
    `set $geobundle_current_max_age ${o.currentMaxAge};`,
    `set $geobundle_current_swr ${o.currentStaleWhileRevalidate};`,
    ``,
    `# The demo site.`,
    `root ${quote(path.resolve(o.siteRoot))};`,
    `index index.html;`,
    ``,
    `# First regex location: dot-files and releases/.build-* are never served.`,
    `include geobundle/security/hidden-files.conf;`,
    ``,
    `# A published release: immutable.`,
    bundleLocation(
      `^/bundles/(?<geobundle_file>${VERSION_PATTERN}/${RELEASE_FILE_PATTERN})$`,
      quote(`${releases}$geobundle_file`),
      'cache-immutable.conf',
      o.brotli,
    ),
    ``,
    `# The current release, through the releases/current symlink (followed per request).`,
    bundleLocation(
      `^/bundles/current/(?<geobundle_file>${RELEASE_FILE_PATTERN})$`,
      quote(`${releases}current/$geobundle_file`),
      'cache-current.conf',
      o.brotli,
    ),
    ``,
    `# Anything else under /bundles/: listings, current.json, unknown names.`,
    `location /bundles/ {`,
    `  return 404;`,
    `}`,
    ``,
    `location /api/v1/ {`,
    `  limit_req zone=geobundle_api burst=${o.apiBurst} nodelay;`,
    `  limit_req_status 429;`,
    `  include geobundle/proxy/api.conf;`,
    `  include geobundle/security/x-content-type-options.conf;`,
    `}`,
    ``,
    `location = /healthz {`,
    `  include geobundle/proxy/api.conf;`,
    `  include geobundle/security/x-content-type-options.conf;`,
    `}`,
    ``,
    `location / {`,
    `  try_files $uri $uri/ =404;`,
    `  include geobundle/web_performance/compression-site.conf;`,
    `  include geobundle/web_performance/cache-site.conf;`,
    `  include geobundle/security/x-content-type-options.conf;`,
    `}`,
  ].join('\n');

  return [
    `include geobundle/security/request-methods-maps.conf;`,
    ``,
    `# API rate limit per client address (ngx_http_limit_req_module); 429 beyond the burst.`,
    `limit_req_zone $binary_remote_addr zone=geobundle_api:10m rate=${o.apiRatePerSecond}r/s;`,
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
export function renderNginxConf(options: NginxConfOptions): string {
  const prefix = path.resolve(options.prefix);
  const p = (...parts: string[]) => quote(path.join(prefix, ...parts));
  const main = [
    `# Rendered by nginx/render-config.ts for a temporary prefix; do not edit.`,
    ...(options.brotliModule ? [`load_module ${quote(options.brotliModule)};`] : []),
    ...(options.user ? [`user ${options.user};`] : []),
    `daemon off;`,
    `master_process on;`,
    `worker_processes ${options.workerProcesses ?? 1};`,
    `pid ${p(PID_FILE)};`,
    `error_log ${p('logs', 'error.log')} warn;`,
    ``,
    `events {`,
    `  worker_connections 1024;`,
    `}`,
    ``,
  ];
  const http = [
    `sendfile on;`,
    `tcp_nopush on;`,
    options.accessLog === false ? `access_log off;` : `access_log ${p('logs', 'access.log')} combined buffer=64k flush=1s;`,
    `client_body_temp_path ${p('temp', 'client_body')};`,
    `proxy_temp_path ${p('temp', 'proxy')};`,
    `fastcgi_temp_path ${p('temp', 'fastcgi')};`,
    `uwsgi_temp_path ${p('temp', 'uwsgi')};`,
    `scgi_temp_path ${p('temp', 'scgi')};`,
    ``,
    renderSite({ ...options, brotli: options.brotliModule !== null }),
  ].join('\n');
  return [...main, `http {`, indent(http, '  '), `}`, ``].join('\n');
}

/** Where the production example lives; test/serve-config.test.ts checks it matches productionExample(). */
export const PRODUCTION_EXAMPLE = path.join(path.dirname(SNIPPETS_DIR), 'sites', 'geobundle.conf.example');

/**
 * The documented production site file: the same server as the tests run,
 * rendered for a typical Debian host.
 */
export function productionExample(): string {
  const header = `# geobundle production site for Debian's nginx (rendered by nginx/render-config.ts:
#   npx tsx nginx/render-config.ts > nginx/sites/geobundle.conf.example).
#
# Install:
#   apt-get install nginx-light libnginx-mod-http-brotli-static   # the module is loaded by modules-enabled/
#   cp -r nginx/geobundle /etc/nginx/geobundle                      # the include files, one concern each
#   cp nginx/sites/geobundle.conf.example /etc/nginx/sites-available/geobundle.conf
#   # edit server_name, certificate paths and the directories below, then:
#   ln -s ../sites-available/geobundle.conf /etc/nginx/sites-enabled/ && nginx -t && systemctl reload nginx
#
# The API runs beside nginx as its own service (e.g. a systemd unit running
#   geobundle serve --api-only --releases /srv/geobundle/releases --api-port 32406
# as an unprivileged user). Releases are built into /srv/geobundle/releases by
# build-release and published with set-current; nginx needs no reload for either.
# www-data needs read access to the releases and site directories.
#
# Plain HTTP should only redirect:
#   server { listen 80; listen [::]:80; server_name geobundle.example.org; return 301 https://$host$request_uri; }
#
# Everything below is rendered; change it through the renderer's options.

`;
  return (
    header +
    renderSite({
      releasesDir: '/srv/geobundle/releases',
      siteRoot: '/srv/geobundle/client/dist',
      listen: '443 ssl http2',
      serverName: 'geobundle.example.org',
      apiUpstream: '127.0.0.1:32406',
      brotli: true,
      tls: {
        certificate: '/etc/letsencrypt/live/geobundle.example.org/fullchain.pem',
        key: '/etc/letsencrypt/live/geobundle.example.org/privkey.pem',
      },
    })
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(productionExample());
}
