/**
 * Checks an API response against the OpenAPI description the API serves
 * (api/openapi.ts): the operation its method and raw path select, the status
 * declared for it, the headers the response must carry, the Content-Type,
 * and the JSON body against the response's schema (ajv, JSON Schema 2020-12,
 * the description's jsonSchemaDialect). A request outside `paths` is checked
 * against the description's `x-other-requests`.
 */
import zlib from 'node:zlib';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import { bundledOpenApi } from '../../api/openapi.ts';
import { rawPath } from '../../api/routes.ts';
import { request, type RawResponse } from '../../testkit/http-request.ts';

export const description: any = bundledOpenApi();

const DOCUMENT = 'openapi.json';
const ajv = new Ajv2020({ allErrors: true });
// The description's root is not a schema: its fields are only annotations to
// ajv, which compiles (strictly) just the schemas a pointer leads to.
ajv.addVocabulary(Object.keys(description));
ajv.addSchema(description, DOCUMENT);
const validators = new Map<string, ValidateFunction>();

/** The validator of the schema at `pointer` in the description, compiled once. */
function schemaAt(pointer: string): ValidateFunction {
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOCUMENT}#${pointer}` });
    validators.set(pointer, validate);
  }
  return validate;
}

const toToken = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
const fromToken = (token: string) => token.replace(/~1/g, '/').replace(/~0/g, '~');

interface Located {
  value: any;
  pointer: string;
}

/** Follows OpenAPI $refs (a Response or Header Object's); the description is bundled, so all are local. */
function follow(located: Located): Located {
  let { value, pointer } = located;
  for (let hops = 0; typeof value?.$ref === 'string'; hops++) {
    const ref: string = value.$ref;
    if (!ref.startsWith('#/') || hops > 10) throw new Error(`cannot follow $ref ${ref} at ${pointer}`);
    pointer = ref.slice(1);
    value = pointer
      .split('/')
      .slice(1)
      .reduce((node, token) => node?.[fromToken(token)], description);
    if (value === undefined) throw new Error(`$ref ${ref} names nothing in the description`);
  }
  return { value, pointer };
}

/** The path template a raw path selects; concrete segments win over templated ones (OpenAPI 3.1 §4.8.8.2). */
export function pathTemplate(pathname: string): string | undefined {
  const segments = pathname.split('/');
  const templated = (part: string) => /^\{[^}]+\}$/.test(part);
  return Object.keys(description.paths)
    .map((template) => ({ template, parts: template.split('/') }))
    .filter(
      ({ parts }) =>
        parts.length === segments.length &&
        parts.every((part, i) => (templated(part) ? segments[i] !== '' : part === segments[i])),
    )
    .sort((a, b) => a.parts.filter(templated).length - b.parts.filter(templated).length)[0]?.template;
}

/** The operation (or `x-other-requests` entry) a request selects, and a name for messages. */
function operationOf(method: string, target: string): Located & { name: string } {
  const verb = method.toLowerCase();
  const other = (entry: string) => ({
    ...follow({ value: description['x-other-requests'][entry], pointer: `/x-other-requests/${entry}` }),
    name: `x-other-requests ${entry}`,
  });
  if (verb !== 'get' && verb !== 'head') return other('other-method');
  const template = pathTemplate(rawPath(target) ?? target);
  if (template === undefined) return other('unknown-path');
  const operation = description.paths[template][verb];
  if (!operation) throw new Error(`the description has no ${verb} operation for ${template}`);
  return { value: operation, pointer: `/paths/${toToken(template)}/${verb}`, name: operation.operationId };
}

function decoded(res: RawResponse): Buffer {
  const encoding = res.headers['content-encoding'];
  if (encoding === 'gzip') return zlib.gunzipSync(res.body);
  if (encoding === 'br') return zlib.brotliDecompressSync(res.body);
  return res.body;
}

function headerProblems(response: Located, res: RawResponse): string[] {
  return Object.entries(response.value.headers ?? {}).flatMap(([name, declared]) => {
    const header = follow({ value: declared, pointer: `${response.pointer}/headers/${toToken(name)}` });
    const value = res.headers[name.toLowerCase()];
    if (value === undefined) return header.value.required ? [`header ${name} is required but absent`] : [];
    const validate = schemaAt(`${header.pointer}/schema`);
    if (validate(value)) return [];
    return [`${ajv.errorsText(validate.errors, { dataVar: `header ${name}` })} (${JSON.stringify(value)})`];
  });
}

/** The Content-Type against the media types declared, and a JSON body against its schema. */
function contentProblems(method: string, response: Located, res: RawResponse): string[] {
  const declared = Object.keys(response.value.content ?? {});
  const bodyless = method.toUpperCase() === 'HEAD' || res.status === 304 || declared.length === 0;
  if (bodyless && res.body.length > 0) return [`a body of ${res.body.length} bytes where none is sent`];
  if (declared.length === 0) return [];
  const mediaType = res.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType === undefined || !declared.includes(mediaType)) {
    return [`Content-Type ${mediaType ?? '(none)'} is not one of ${declared.join(', ')}`];
  }
  if (bodyless || !/^application\/(.+\+)?json$/.test(mediaType)) return [];
  let body: unknown;
  try {
    body = JSON.parse(decoded(res).toString('utf8'));
  } catch (err) {
    return [`the body is not JSON: ${(err as Error).message}`];
  }
  const validate = schemaAt(`${response.pointer}/content/${toToken(mediaType)}/schema`);
  return validate(body) ? [] : [ajv.errorsText(validate.errors, { dataVar: 'body' })];
}

/** Where a response departs from the description, one line each; empty when it conforms. */
export function describedProblems(method: string, target: string, res: RawResponse): string[] {
  const operation = operationOf(method, target);
  const responses = operation.value.responses;
  const key = [String(res.status), `${String(res.status)[0]}XX`, 'default'].find((k) => k in responses);
  if (key === undefined) {
    return [`${operation.name}: status ${res.status} is not declared (${Object.keys(responses).join(', ')} are)`];
  }
  const response = follow({ value: responses[key], pointer: `${operation.pointer}/responses/${toToken(key)}` });
  return [...headerProblems(response, res), ...contentProblems(method, response, res)].map(
    (problem) => `${operation.name} ${res.status}: ${problem}`,
  );
}

/** Fails the test when the response to `method target` departs from the description. */
function expectDescribed(method: string, target: string, res: RawResponse): RawResponse {
  expect(describedProblems(method, target, res), `${method} ${target} → ${res.status}`).toEqual([]);
  return res;
}

/** `request` (testkit/http-request.ts) of an API URL, its response checked against the description. */
export async function apiRequest(url: string, options: Parameters<typeof request>[1] = {}): Promise<RawResponse> {
  const res = await request(url, options);
  const u = new URL(url);
  return expectDescribed(options.method ?? 'GET', options.path ?? `${u.pathname}${u.search}`, res);
}
