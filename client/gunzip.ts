import { GeobundleError, errorMessage } from '../core/errors.ts';

type DecompressionStreamConstructor = typeof DecompressionStream;

/**
 * Decompresses a .gz file to text. The platform's DecompressionStream is used
 * where it exists (native, off the main thread's JS); only older browsers
 * fetch pako, a chunk of its own that the others never load. `native: null`
 * forces the fallback, so it is testable anywhere.
 */
export async function gunzipToText(
  bytes: Uint8Array,
  options: { native?: DecompressionStreamConstructor | null; label?: string } = {},
): Promise<string> {
  const native =
    options.native === undefined
      ? (globalThis.DecompressionStream as DecompressionStreamConstructor | undefined)
      : options.native;
  const label = options.label ?? 'bundle';
  try {
    if (native) {
      const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new native('gzip'));
      return await new Response(stream).text();
    }
    const { ungzip } = await import('pako');
    return new TextDecoder().decode(ungzip(bytes));
  } catch (err) {
    throw new GeobundleError(`cannot decompress ${label}: ${errorMessage(err)}`, { cause: err });
  }
}
