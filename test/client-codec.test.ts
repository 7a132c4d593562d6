import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../client/checksum.ts';
import { gunzipToText } from '../client/gunzip.ts';

const text = JSON.stringify({ type: 'FeatureCollection', features: [], note: 'é ü — 中' }).repeat(200);
const gz = new Uint8Array(zlib.gzipSync(text));

describe('gunzipToText', () => {
  it('decompresses with the native DecompressionStream', async () => {
    expect(await gunzipToText(gz)).toBe(text);
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('falls back to pako where the platform has no DecompressionStream', async () => {
    vi.stubGlobal('DecompressionStream', undefined);
    expect(await gunzipToText(gz)).toBe(text);
  });

  it('uses the native decompressor when there is one', async () => {
    let used = 0;
    const Native = globalThis.DecompressionStream;
    vi.stubGlobal(
      'DecompressionStream',
      class extends Native {
        constructor(format: CompressionFormat) {
          super(format);
          used++;
        }
      },
    );
    expect(await gunzipToText(gz)).toBe(text);
    expect(used).toBe(1);
  });

  it.each([
    ['native', globalThis.DecompressionStream],
    ['pako', null],
  ])('rejects bytes that are not gzip with a clear error (%s)', async (_how, native) => {
    await expect(
      gunzipToText(new TextEncoder().encode('not gzip at all'), { native, label: 'bundle x.gz' }),
    ).rejects.toThrow(/cannot decompress bundle x\.gz/);
  });
});

describe('sha256Hex', () => {
  it('matches sha256sum', async () => {
    expect(await sha256Hex(gz)).toBe(crypto.createHash('sha256').update(gz).digest('hex'));
  });
});
