/**
 * The OpenAPI 3.1 description of the API (api/openapi.json) as it is served
 * at /api/v1/openapi.json: self-contained.
 *
 * In the repository the description refers to other JSON Schemas by their
 * path (the release manifest's, manifests/release-manifest.schema.json), so
 * nothing is copied and tools reading the checkout follow the path. A client
 * fetching the description over HTTP cannot follow it, so each schema file it
 * names is put into components/schemas (named after the file) and every $ref
 * into it becomes a JSON Pointer there. Plain pointers, not the file's $id:
 * not every OpenAPI tool resolves an embedded schema's $id.
 */
import fs from 'node:fs';
import path from 'node:path';
import { GeobundleError, errorMessage } from '../core/errors.ts';
import { projectRoot } from '../pipeline/paths.ts';

export const OPENAPI_FILE = path.join(projectRoot, 'api', 'openapi.json');

/** Only what the bundling reads; the tests check the whole document against the specification. */
export interface OpenApiDocument {
  openapi: string;
  jsonSchemaDialect?: string;
  paths: Record<string, unknown>;
  components?: { schemas?: Record<string, unknown>; [field: string]: unknown };
  [field: string]: unknown;
}

const where = (file: string) => path.relative(projectRoot, file);

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new GeobundleError(`cannot read ${where(file)}: ${errorMessage(err)}`, { cause: err });
  }
}

/** The components/schemas name of a schema file: release-manifest.schema.json → ReleaseManifest. */
function componentName(file: string): string {
  return path
    .basename(file)
    .replace(/(\.schema)?\.json$/, '')
    .split(/[-_.]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/** The description in `file` with every schema file it refers to (transitively) inside it. */
export function bundledOpenApi(file = OPENAPI_FILE): OpenApiDocument {
  const document = readJson(file) as OpenApiDocument;
  const own: Record<string, unknown> = document.components?.schemas ?? {};
  const embedded = new Map<string, string>();
  const added: Record<string, unknown> = {};

  const embed = (target: string, from: string): string => {
    const known = embedded.get(target);
    if (known) return known;
    const name = componentName(target);
    if (name in own || name in added) {
      throw new GeobundleError(
        `${where(from)} refers to ${where(target)}, but components/schemas/${name} is taken: rename one of them`,
      );
    }
    embedded.set(target, name);
    const { $id: _id, $schema, ...schema } = readJson(target) as Record<string, unknown>;
    if ($schema !== undefined && $schema !== document.jsonSchemaDialect) {
      throw new GeobundleError(
        `${where(target)} is written in ${$schema}, ${where(file)} declares jsonSchemaDialect ${document.jsonSchemaDialect}: they must agree to be bundled`,
      );
    }
    added[name] = rewrite(schema, target, `#/components/schemas/${name}`);
    return name;
  };

  /** `ref` as found in `from`, whose own root now sits at `root` in the bundle. */
  const bundledRef = (ref: string, from: string, root: string): string => {
    const [target = '', pointer = ''] = ref.split('#', 2);
    if (pointer !== '' && !pointer.startsWith('/')) {
      throw new GeobundleError(`${where(from)}: $ref ${ref} names an anchor; only JSON Pointers can be bundled`);
    }
    if (target === '') return `${root}${pointer}`;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      throw new GeobundleError(`${where(from)}: $ref ${ref} is a URL; refer to a schema file by its relative path`);
    }
    return `#/components/schemas/${embed(path.resolve(path.dirname(from), target), from)}${pointer}`;
  };

  const rewrite = (value: unknown, from: string, root: string): unknown => {
    if (Array.isArray(value)) return value.map((item) => rewrite(item, from, root));
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        key === '$ref' && typeof item === 'string' ? bundledRef(item, from, root) : rewrite(item, from, root),
      ]),
    );
  };

  const bundle = rewrite(document, file, '#') as OpenApiDocument;
  bundle.components = { ...bundle.components, schemas: { ...bundle.components?.schemas, ...added } };
  return bundle;
}
