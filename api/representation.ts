/**
 * A response body prepared once and served many times: its bytes, a gzip
 * copy when that is worth it, and a strong ETag per encoding (RFC 9110
 * §8.8.3: different encodings are different representations). Nothing is
 * hashed or compressed per request.
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';

export interface Representation {
  identity: Buffer;
  etag: string;
  gzip: Buffer | null;
  gzipEtag: string | null;
  cacheControl: string;
}

/** Below this, gzip saves less than its own headers cost. */
const GZIP_MIN_BYTES = 1024;

export function representation(body: Buffer | string, cacheControl: string): Representation {
  const identity = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const hash = crypto.createHash('sha256').update(identity).digest('base64url').slice(0, 32);
  const gzip = identity.length >= GZIP_MIN_BYTES ? zlib.gzipSync(identity, { level: 9 }) : null;
  return {
    identity,
    etag: `"${hash}"`,
    gzip,
    gzipEtag: gzip ? `"${hash}-gzip"` : null,
    cacheControl,
  };
}

export function jsonRepresentation(value: unknown, cacheControl: string): Representation {
  return representation(`${JSON.stringify(value, null, 2)}\n`, cacheControl);
}

/** Whether Accept-Encoding admits gzip (RFC 9110 §12.5.3: absent q means 1, q=0 means "not acceptable"). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let gzip: boolean | undefined;
  let star: boolean | undefined;
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    const ok = q === undefined || Number(q) > 0;
    if (coding.trim() === 'gzip' || coding.trim() === 'x-gzip') gzip = ok;
    else if (coding.trim() === '*') star = ok;
  }
  return gzip ?? star ?? false;
}

/**
 * If-None-Match against the selected ETag: strong comparison of a list of
 * entity tags or `*` (RFC 9110 §13.1.2 uses weak comparison; our tags are
 * strong, so a W/ prefix from a client still names the same tag).
 */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
