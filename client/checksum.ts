import { GeobundleError } from '../core/errors.ts';

/**
 * Hex SHA-256 of some bytes with the platform's SubtleCrypto. Browsers only
 * expose it in secure contexts (https, or http on localhost); without it a
 * bundle cannot be verified, so nothing is loaded rather than trusting it.
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    throw new GeobundleError(
      'cannot verify bundles: SubtleCrypto is unavailable (serve the page over https or from localhost)',
    );
  }
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}
