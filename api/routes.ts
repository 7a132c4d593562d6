/**
 * Maps a raw request target to an API route. Pure, so every odd path is
 * checked in unit tests without a server.
 *
 * The raw path is never decoded or normalised: every legitimate segment is
 * plain `[A-Za-z0-9._-]` not starting with a dot, so anything
 * percent-encoded, a `.`/`..` segment, a dot-file or build directory, or an
 * empty segment (`//`) is simply not found — nothing a client sends can name
 * a file outside releases/.
 */
import { isDataClassName } from '../pipeline/data-class.ts';
import { isReleaseVersion } from '../core/version.ts';

export type Route =
  | { kind: 'healthz' }
  | { kind: 'openapi' }
  | { kind: 'releases' }
  | { kind: 'current' }
  | { kind: 'manifest'; version: string }
  | { kind: 'changes'; version: string }
  | { kind: 'bundle'; version: string; dataClass: string }
  | { kind: 'error'; status: 400 | 404; message: string };

const SEGMENT = /^[A-Za-z0-9._-]+$/;

const notFound = (message = 'not found'): Route => ({ kind: 'error', status: 404, message });

/** The path of an origin-form (`/a/b?q`) or absolute-form (`http://h/a/b`) request target, undecoded. */
export function rawPath(target: string): string | null {
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*(\/[^?#]*)?/.exec(target);
  if (absolute) return absolute[1] ?? '/';
  if (!target.startsWith('/')) return null;
  return target.replace(/[?#].*$/s, '');
}

export function route(target: string): Route {
  const pathname = rawPath(target);
  if (pathname === null) return notFound();
  if (pathname === '/healthz') return { kind: 'healthz' };

  const segments = pathname.split('/').slice(1);
  // Dot segments, dot-files and releases/.build-* directories alike.
  if (segments.some((s) => !SEGMENT.test(s) || s.startsWith('.'))) return notFound();
  const [api, v1, resource, version, ...rest] = segments;
  if (api !== 'api' || v1 !== 'v1') return notFound();
  if (resource === 'openapi.json' && version === undefined) return { kind: 'openapi' };
  if (resource !== 'releases') return notFound();
  if (version === undefined) return { kind: 'releases' };
  if (version === 'current' && rest.length === 0) return { kind: 'current' };
  if (!isReleaseVersion(version)) {
    return {
      kind: 'error',
      status: 400,
      message: `malformed release version ${JSON.stringify(version)}: expected vMAJOR.MINOR.PATCH, e.g. v1.0.0`,
    };
  }
  if (rest.length === 1 && rest[0] === 'manifest') return { kind: 'manifest', version };
  if (rest.length === 1 && rest[0] === 'changes') return { kind: 'changes', version };
  if (rest.length === 2 && rest[1] === 'bundle.geojson.gz') {
    const dataClass = rest[0]!;
    if (!isDataClassName(dataClass))
      return notFound(`release ${version} has no data class ${JSON.stringify(dataClass)}`);
    return { kind: 'bundle', version, dataClass };
  }
  return notFound();
}
