import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../client/checksum.ts';
import { gunzipToText } from '../client/gunzip.ts';

const text = JSON.stringify({ type: 'FeatureCollection', features: [], note: 'é ü — 中' }).repeat(200);
const gz = new Uint8Array(zlib.gzipSync(text));

describe('gunzipToText', () => {
  it('decompresses with the native DecompressionStream', async () => {
    expect(await gunzipToText(gz)).toBe(text);
  });

  it('falls back to pako where DecompressionStream is missing', async () => {
    expect(await gunzipToText(gz, { native: undefined })).toBe(text);
  });

  it.each([
    ['native', globalThis.DecompressionStream],
    ['pako', undefined],
  ])('rejects bytes that are not gzip with a clear error (%s)', async (_how, native) => {
    await expect(gunzipToText(new TextEncoder().encode('not gzip at all'), { native, label: 'bundle x.gz' })).rejects.toThrow(
      /cannot decompress bundle x\.gz/,
    );
  });
});

describe('sha256Hex', () => {
  it('matches sha256sum', async () => {
    expect(await sha256Hex(gz)).toBe(crypto.createHash('sha256').update(gz).digest('hex'));
  });
});
