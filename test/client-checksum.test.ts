import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../client/checksum.ts';

describe('sha256Hex', () => {
  it('matches sha256sum, on text with multi-byte characters', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ note: 'é ü — 中' }).repeat(200));
    expect(await sha256Hex(bytes)).toBe(crypto.createHash('sha256').update(bytes).digest('hex'));
  });
});
