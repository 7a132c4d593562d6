/**
 * The OpenAPI 3.1 description of the API (api/openapi.json): valid by a
 * maintained validator (@seriousme/openapi-schema-validator, which checks the
 * document against the specification's own JSON Schema and resolves every
 * $ref), as written in the repository and as served; it describes every route
 * api/routes.ts serves; the test helper that checks responses against it
 * (test/helpers/openapi.ts) finds what departs from it; and it is served at
 * /api/v1/openapi.json by the API and through real nginx.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledOpenApi, OPENAPI_FILE } from '../api/openapi.ts';
import { route, type Route } from '../api/routes.ts';
import { startApi, type RunningApi } from '../api/server.ts';
import type { RawResponse } from '../testkit/http-request.ts';
import { projectRoot } from '../pipeline/paths.ts';
import { startServing, type Serving } from '../serve/serve.ts';
import { nginxMissingReason } from './helpers/nginx.ts';
import { apiRequest, description, describedProblems, pathTemplate } from './helpers/openapi.ts';
import { buildFixtureReleases } from './helpers/release.ts';
import { tempDir } from '../testkit/temp.ts';

const skipNginx = await nginxMissingReason();
const MANIFEST_SCHEMA = path.join(projectRoot, 'manifests', 'release-manifest.schema.json');
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

/** The validator's verdict on a document; `refs` maps a $ref's file part, as written, to the file it names. */
async function validate(document: unknown, refs: Record<string, string> = {}) {
  const validator = new Validator();
  for (const [uri, file] of Object.entries(refs)) await validator.addSpecRef(readJson(file), uri);
  // The validator adds the inlined references to what it is given.
  const result = await validator.validate(structuredClone(document) as Record<string, unknown>);
  return { ...result, version: validator.version };
}

describe('the description', () => {
  it('is valid OpenAPI 3.1 as written, its reference to the manifest schema resolved by path', async () => {
    const written = readJson(OPENAPI_FILE);
    expect(await validate(written, { '../manifests/release-manifest.schema.json': MANIFEST_SCHEMA })).toEqual({
      valid: true,
      version: '3.1',
    });
    // The reference is real: without the file it does not resolve.
    const unresolved = await validate(written);
    expect(unresolved.valid).toBe(false);
    expect(String(unresolved.errors)).toContain('release-manifest.schema.json');
  });

  it('is valid on its own as served: the manifest schema bundled into components, nothing left outside', async () => {
    const bundled = bundledOpenApi();
    expect(await validate(bundled)).toEqual({ valid: true, version: '3.1' });
    expect(JSON.stringify(bundled)).not.toMatch(/"\$ref":"(?!#)/);
    const { $id: _id, $schema: _schema, ...manifestSchema } = readJson(MANIFEST_SCHEMA);
    expect(JSON.stringify(bundled.components?.schemas?.ReleaseManifest)).toBe(
      JSON.stringify(manifestSchema).replaceAll('"#/$defs/', '"#/components/schemas/ReleaseManifest/$defs/'),
    );
  });

  it('bundles schema files transitively, and refuses with a one-line cause what it cannot bundle', () => {
    const dir = tempDir('openapi-bundle');
    const write = (name: string, value: unknown) => fs.writeFileSync(path.join(dir, name), JSON.stringify(value));
    const dialect = 'https://json-schema.org/draft/2020-12/schema';
    const documentWith = (ref: string) => ({
      openapi: '3.1.1',
      jsonSchemaDialect: dialect,
      info: { title: 't', version: '1' },
      paths: {},
      components: { schemas: { Own: { $ref: ref } } },
    });
    write('a.schema.json', { $schema: dialect, $id: 'https://x.example/a', $ref: 'b.schema.json#/$defs/b' });
    write('b.schema.json', { $defs: { b: { type: 'string' } } });
    write('doc.json', documentWith('a.schema.json'));
    const bundled = bundledOpenApi(path.join(dir, 'doc.json'));
    expect(bundled.components?.schemas).toEqual({
      Own: { $ref: '#/components/schemas/A' },
      A: { $ref: '#/components/schemas/B/$defs/b' },
      B: { $defs: { b: { type: 'string' } } },
    });

    write('draft7.schema.json', { $schema: 'http://json-schema.org/draft-07/schema#' });
    for (const [ref, cause] of [
      ['https://x.example/a.json', /\$ref https:\/\/x\.example\/a\.json is a URL/],
      ['a.schema.json#anchor', /names an anchor/],
      ['draft7.schema.json', /draft7\.schema\.json is written in http:\/\/json-schema\.org\/draft-07\/schema#/],
      ['missing.schema.json', /cannot read .*missing\.schema\.json/],
    ] as const) {
      write('doc.json', documentWith(ref));
      expect(() => bundledOpenApi(path.join(dir, 'doc.json')), ref).toThrow(cause);
    }
    write('own.schema.json', {});
    write('doc.json', documentWith('own.schema.json'));
    expect(() => bundledOpenApi(path.join(dir, 'doc.json'))).toThrow(/components\/schemas\/Own is taken/);
  });

  it('is refused by the validator when broken (a response without its description)', async () => {
    const broken: any = bundledOpenApi();
    delete broken.components.responses.ReleaseList.description;
    expect((await validate(broken)).valid).toBe(false);
  });

  // One request per route kind; `satisfies` makes tsc fail when a kind is added without one.
  const EXAMPLES = {
    healthz: '/healthz',
    openapi: '/api/v1/openapi.json',
    releases: '/api/v1/releases',
    current: '/api/v1/releases/current',
    manifest: '/api/v1/releases/v1.0.0/manifest',
    changes: '/api/v1/releases/v1.0.0/changes',
    bundle: '/api/v1/releases/v1.0.0/state/bundle.geojson.gz',
  } satisfies Record<Exclude<Route['kind'], 'error'>, string>;

  it('describes every route api/routes.ts serves, and nothing else', () => {
    const selected = Object.entries(EXAMPLES).map(([kind, target]) => {
      expect(route(target).kind, target).toBe(kind);
      return pathTemplate(target);
    });
    expect(selected.every((template) => template !== undefined)).toBe(true);
    expect([...selected].sort()).toEqual(Object.keys(description.paths).sort());
    for (const template of Object.keys(description.paths)) {
      expect(Object.keys(description.paths[template]).filter((k) => !['summary', 'parameters'].includes(k))).toEqual([
        'get',
        'head',
      ]);
    }
  });
});

describe('the API, checked against the description', () => {
  let releases: string;
  let api: RunningApi;
  let list: RawResponse;

  beforeAll(async () => {
    // One release, none current yet: the list says so and /releases/current is 404.
    ({ releases } = await buildFixtureReleases('openapi', ['v1.0.0']));
    api = await startApi({ releasesDir: releases, host: '127.0.0.1', port: 0, listMaxAge: 60 });
    list = await apiRequest(`${api.url}/api/v1/releases`);
  }, 120_000);

  afterAll(async () => {
    await api?.close();
  });

  it('serves the description at /api/v1/openapi.json: the bundled document, valid, revalidated with 304', async () => {
    const res = await apiRequest(`${api.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
    const served = JSON.parse(res.body.toString('utf8'));
    expect(served).toEqual(bundledOpenApi());
    expect(await validate(served)).toEqual({ valid: true, version: '3.1' });
    const again = await apiRequest(`${api.url}/api/v1/openapi.json`, {
      headers: { 'If-None-Match': res.headers.etag! },
    });
    expect(again.status).toBe(304);
    const gzip = await apiRequest(`${api.url}/api/v1/openapi.json`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(zlib.gunzipSync(gzip.body).toString('utf8'))).toEqual(served);
  });

  it('answers what no other test sees as described: no current release yet', async () => {
    expect(JSON.parse(list.body.toString()).current).toBeNull();
    const current = await apiRequest(`${api.url}/api/v1/releases/current`);
    expect(current.status).toBe(404);
    const head = await apiRequest(`${api.url}/api/v1/releases/v1.0.0/changes`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect((await apiRequest(`${api.url}/api/v1/nothing`)).status).toBe(404);
  });

  describe('the helper finds what departs from it', () => {
    const target = '/api/v1/releases';
    const changed = (change: Partial<RawResponse>): RawResponse => ({ ...list, ...change });
    const withoutHeader = (name: string) =>
      changed({ headers: Object.fromEntries(Object.entries(list.headers).filter(([k]) => k !== name)) });

    it.each<[string, () => RawResponse, string, RegExp]>([
      ['the real answer', () => list, 'GET', /^$/],
      ['a status not declared', () => changed({ status: 418 }), 'GET', /listReleases: status 418 is not declared/],
      ['a required header missing', () => withoutHeader('etag'), 'GET', /header ETag is required but absent/],
      [
        'a header of the wrong form',
        () => changed({ headers: { ...list.headers, 'cache-control': 'no-store' } }),
        'GET',
        /header Cache-Control must match pattern "\^public, max-age=\[0-9\]\+\$" \("no-store"\)/,
      ],
      [
        'a Content-Type not declared',
        () => changed({ headers: { ...list.headers, 'content-type': 'text/plain' } }),
        'GET',
        /Content-Type text\/plain is not one of application\/json/,
      ],
      [
        'a body missing a required field',
        () => changed({ body: Buffer.from('{"releases": []}') }),
        'GET',
        /body must have required property 'current'/,
      ],
      [
        'a body with a field not described',
        () => changed({ body: Buffer.from('{"current": null, "releases": [], "extra": 1}') }),
        'GET',
        /body must NOT have additional properties/,
      ],
      ['a body that is not JSON', () => changed({ body: Buffer.from('<html>') }), 'GET', /the body is not JSON/],
      ['a body in answer to HEAD', () => list, 'HEAD', /headReleases 200: a body of \d+ bytes where none is sent/],
      ['a POST answered 200', () => list, 'POST', /x-other-requests other-method: status 200 is not declared/],
    ])('%s', (_what, response, method, expected) => {
      expect(describedProblems(method, target, response()).join('\n')).toMatch(expected);
    });

    it('an unknown path answered 200', () => {
      expect(describedProblems('GET', '/api/v1/elsewhere', list).join('\n')).toMatch(
        /x-other-requests unknown-path: status 200 is not declared/,
      );
    });
  });
});

describe.skipIf(skipNginx)(`through nginx${skipNginx ? ` — SKIPPED: ${skipNginx}` : ''}`, () => {
  let serving: Serving;
  let base: string;

  beforeAll(async () => {
    const root = tempDir('openapi-nginx');
    fs.mkdirSync(path.join(root, 'releases'));
    serving = await startServing({ releasesDir: path.join(root, 'releases'), siteRoot: root, port: 0, apiPort: 0 });
    base = serving.urls.site.replace(/\/$/, '');
  });

  afterAll(async () => {
    await serving?.stop();
  });

  it('serves /api/v1/openapi.json through the /api/v1/ proxy: valid, the same document, 304 on its ETag', async () => {
    const res = await apiRequest(`${base}/api/v1/openapi.json`, {
      headers: { 'Accept-Encoding': 'gzip, br', Origin: 'https://editor.example' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.server).toBe('nginx');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const served = JSON.parse(zlib.gunzipSync(res.body).toString('utf8'));
    expect(await validate(served)).toEqual({ valid: true, version: '3.1' });
    expect(served).toEqual(bundledOpenApi());
    const again = await apiRequest(`${base}/api/v1/openapi.json`, {
      headers: { 'Accept-Encoding': 'gzip, br', 'If-None-Match': res.headers.etag! },
    });
    expect(again.status).toBe(304);
    // nginx's own refusal of a write is described too.
    expect((await apiRequest(`${base}/api/v1/openapi.json`, { method: 'PUT' })).status).toBe(405);
  });
});
