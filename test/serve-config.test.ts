/**
 * The serving parts that need no server: API routing of odd paths, content
 * negotiation helpers, and the nginx renderer and include files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { route } from '../api/routes.ts';
import { acceptsGzip, ifNoneMatchHits } from '../api/representation.ts';
import { renderNginxConf, SNIPPETS_DIR } from '../nginx/render-config.ts';
import { throwawayCertificate } from '../testkit/browser.ts';
import { findNginx } from '../serve/nginx-binary.ts';
import { productionSite } from '../serve/production-site.ts';
import { geobundle } from './helpers/cli.ts';
import { projectRoot } from '../pipeline/paths.ts';
import { nginxMissingReason } from './helpers/nginx.ts';
import { tempDir } from '../testkit/temp.ts';

const skipNginx = await nginxMissingReason();

describe('API routes', () => {
  it.each([
    ['/healthz', { kind: 'healthz' }],
    ['/api/v1/openapi.json', { kind: 'openapi' }],
    ['/api/v1/releases', { kind: 'releases' }],
    ['/api/v1/releases?x=1', { kind: 'releases' }],
    ['/api/v1/releases/current', { kind: 'current' }],
    ['/api/v1/releases/v1.0.0/manifest', { kind: 'manifest', version: 'v1.0.0' }],
    ['/api/v1/releases/v10.20.30/manifest', { kind: 'manifest', version: 'v10.20.30' }],
    [
      '/api/v1/releases/v1.0.0/congressional_districts/bundle.geojson.gz',
      { kind: 'bundle', version: 'v1.0.0', dataClass: 'congressional_districts' },
    ],
    ['http://example.org/api/v1/releases', { kind: 'releases' }],
  ])('%s', (target, expected) => {
    expect(route(target)).toEqual(expected);
  });

  it.each(['1.0.0', 'v1.0', 'v01.0.0', 'v1.0.0-beta', 'V1.0.0', 'latest', 'current', 'v1.0.0.0'])(
    'malformed version %s is 400',
    (version) => {
      expect(route(`/api/v1/releases/${version}/manifest`)).toMatchObject({ kind: 'error', status: 400 });
    },
  );

  it.each([
    '/api/v1/releases/',
    '/api/v1/releases/../releases',
    '/api/v1/releases/./v1.0.0/manifest',
    '/api/v1/releases/%2e%2e/manifest',
    '/api/v1/releases/v1.0.0%2fmanifest',
    '/api/v1/releases/.build-v1.0.0-1-ab/manifest',
    '/api/v1/releases/v1.0.0/.hidden/bundle.geojson.gz',
    '/api/v1/releases/v1.0.0/State/bundle.geojson.gz',
    '/api/v1/releases/v1.0.0/state/all.geojson.gz',
    '/api/v1/releases/v1.0.0/manifest/extra',
    '/api/v1//releases',
    '/api/v2/releases',
    '/api/v1/openapi.json/releases',
    '/api/openapi.json',
    '/etc/passwd',
    'etc/passwd',
    '*',
  ])('%s is 404', (target) => {
    expect(route(target)).toMatchObject({ kind: 'error', status: 404 });
  });
});

describe('content negotiation helpers', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['gzip', true],
    ['br, gzip;q=0.5', true],
    ['GZIP', true],
    ['br', false],
    ['gzip;q=0', false],
    ['*', true],
    ['*, gzip;q=0', false],
    ['identity', false],
  ])('Accept-Encoding %j admits gzip: %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  it('matches If-None-Match lists, weak prefixes and *', () => {
    expect(ifNoneMatchHits('"a", "b"', '"b"')).toBe(true);
    expect(ifNoneMatchHits('W/"b"', '"b"')).toBe(true);
    expect(ifNoneMatchHits('*', '"b"')).toBe(true);
    expect(ifNoneMatchHits('"a"', '"b"')).toBe(false);
    expect(ifNoneMatchHits(undefined, '"b"')).toBe(false);
  });
});

describe('nginx include files', () => {
  const files = fs.readdirSync(SNIPPETS_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.conf'));

  it.each(files)('%s opens with a comment saying why, linking a spec or module doc', (file) => {
    const text = fs.readFileSync(path.join(SNIPPETS_DIR, file), 'utf8');
    const header = text.slice(0, text.search(/^[^#\n]/m));
    expect(header).toMatch(/^# /);
    expect(header).toMatch(/# Why: /);
    expect(header).toMatch(
      /https:\/\/(www\.rfc-editor\.org|nginx\.org|fetch\.spec\.whatwg\.org|github\.com|owasp\.org)\//,
    );
  });

  it('the production site file is what geobundle nginx-config prints', async () => {
    const printed = await geobundle(['nginx-config']);
    expect(printed.exitCode).toBe(0);
    expect(printed.stdout).toBe(productionSite());
    expect(fs.readFileSync(path.join(projectRoot, 'nginx', 'sites', 'geobundle.conf.example'), 'utf8')).toBe(
      printed.stdout,
    );
  });

  const values = {
    prefix: '/p',
    releasesDir: '/r',
    siteRoot: '/s',
    listen: 8080,
    serverName: '_',
    apiUpstream: '127.0.0.1:1',
    brotliModule: null,
    currentMaxAge: 60,
    currentStaleWhileRevalidate: 300,
    apiRatePerSecond: 50,
    trustedProxies: [],
    workerProcesses: 1,
    accessLog: true,
  };

  it('bakes in no machine paths: only the directories it is given', () => {
    const conf = renderNginxConf(values);
    expect(conf).not.toContain(projectRoot);
    expect(conf).not.toContain(`${os.tmpdir()}/`);
    expect(conf).not.toContain('brotli');
    const fileDirectives =
      /^\s*(?:root|alias|pid|error_log|access_log|load_module|include|\w+_temp_path)\s+"?([^\s";]+)/gm;
    const paths = [...conf.matchAll(fileDirectives)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(10);
    for (const p of paths) expect(p).toMatch(/^(\/(p|r|s)(\/|$)|geobundle\/)/);
  });

  it('reads X-Forwarded-For only with trusted proxies, and only from them', async () => {
    expect(renderNginxConf(values)).not.toMatch(/real_ip|real-ip/);
    const behind = renderNginxConf({ ...values, trustedProxies: ['127.0.0.1', '10.0.0.0/8', '2001:db8::/32'] });
    expect(behind.match(/^\s*set_real_ip_from .*$/gm)?.map((line) => line.trim())).toEqual([
      'set_real_ip_from 127.0.0.1;',
      'set_real_ip_from 10.0.0.0/8;',
      'set_real_ip_from 2001:db8::/32;',
    ]);
    expect(behind).toMatch(/^\s*include geobundle\/proxy\/real-ip\.conf;$/m);
    for (const bad of ['10.0.0.0/33', 'localhost', '10.0.0.1; allow all', '::1/129', '10.0.0.0/8/8', '']) {
      expect(() => renderNginxConf({ ...values, trustedProxies: [bad] }), bad).toThrow(/is not an IP address or CIDR/);
    }
    const usage = await geobundle(['serve', '--trusted-proxy', '10.0.0.0/8', '--trusted-proxy', 'edge.example']);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toContain("option '--trusted-proxy <cidr>' argument 'edge.example' is invalid");
  });
});

describe.skipIf(skipNginx)(`nginx -t${skipNginx ? ` — SKIPPED: ${skipNginx}` : ''}`, () => {
  it('accepts the production site file inside a Debian-like nginx.conf (with the brotli module and TLS)', async () => {
    const nginx = (await findNginx())!;
    const openssl = await execa('openssl', ['version'], { reject: false });
    const dir = tempDir('site');
    try {
      let site = productionSite();
      if (openssl.exitCode === 0) {
        const { certificate, key } = await throwawayCertificate(dir);
        site = site
          .replace('/etc/letsencrypt/live/geobundle.example.org/fullchain.pem', certificate)
          .replace('/etc/letsencrypt/live/geobundle.example.org/privkey.pem', key);
      } else {
        site = site.replace(/^\s*ssl_.*$/gm, '').replace('443 ssl http2', '443');
      }
      // The API cache under Debian's /var/lib/nginx, which nginx -t would create.
      site = site.replace('/var/lib/nginx/geobundle-api', path.join(dir, 'api-cache'));
      fs.cpSync(SNIPPETS_DIR, path.join(dir, 'geobundle'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'geobundle.conf'), site);
      // The parts of Debian's /etc/nginx/nginx.conf a site file lives with.
      fs.writeFileSync(
        path.join(dir, 'nginx.conf'),
        [
          nginx.brotliModule ? `load_module ${nginx.brotliModule};` : '',
          `pid ${dir}/nginx.pid;`,
          `events { worker_connections 64; }`,
          `http {`,
          `  sendfile on; types { text/html html; } default_type application/octet-stream; gzip on;`,
          `  access_log off;`,
          `  client_body_temp_path ${dir}/t1; proxy_temp_path ${dir}/t2; fastcgi_temp_path ${dir}/t3; uwsgi_temp_path ${dir}/t4; scgi_temp_path ${dir}/t5;`,
          `  include geobundle.conf;`,
          `}`,
        ].join('\n'),
      );
      const brotli = nginx.brotliModule ? site : site.replace(/^.*brotli-static\.conf;$/gm, '');
      fs.writeFileSync(path.join(dir, 'geobundle.conf'), brotli);
      const result = await execa(
        nginx.path,
        ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')],
        {
          reject: false,
          all: true,
        },
      );
      expect(String(result.all), String(result.all)).toContain('test is successful');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
