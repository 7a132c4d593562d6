/**
 * A stored, pre-compressed release file (`.gz` or `.br`) read back as the
 * browser would see it: its decoded bytes or text. (A response body decoded
 * by its Content-Encoding is another job: test/helpers/openapi.ts.)
 */
import fs from 'node:fs';
import zlib from 'node:zlib';

/** The decoded bytes of a stored `.gz` or `.br` file, by its extension. */
export function readBundleBytes(file: string): Buffer {
  const data = fs.readFileSync(file);
  if (file.endsWith('.gz')) return zlib.gunzipSync(data);
  if (file.endsWith('.br')) return zlib.brotliDecompressSync(data);
  throw new Error(`not a bundle: ${file}`);
}

/** The decoded text (UTF-8) of a stored `.gz` or `.br` file, by its extension. */
export function readBundle(file: string): string {
  return readBundleBytes(file).toString('utf8');
}
