/**
 * How a bundle is compressed: every bundle is stored twice, gzip and
 * brotli, and never uncompressed — nginx serves the `.br` to browsers that
 * accept it and the `.gz` otherwise. The settings of each file come from
 * the tiers below, recorded in the manifest and in each file's input
 * fingerprint (so a policy change writes the files anew).
 */
import zlib from 'node:zlib';
import type { CompressionTier, Encoding, FileKind } from '../../../core/release-format.ts';

/** The encodings every bundle file is stored in. */
export const BUNDLE_ENCODINGS: readonly Encoding[] = ['gzip', 'br'];

/** A file stored as is (identity) has its own name: the GIS files. */
export const EXTENSION: Record<Encoding, string> = { gzip: '.gz', br: '.br', identity: '' };

/**
 * Chosen by measurement (bench/brotli-tiers.ts on the releases' own files;
 * docs/release-format.md has the table). Brotli has a cliff between quality
 * 9 and 10: 10 makes files about a third smaller than 5–9, saving 110–165 kB
 * per CPU-second over quality 5 at every size, so it goes to the files
 * browsers fetch: a state's file, the maps, the facts. The whole-class
 * files (all, polygons) are downloaded by GIS users and analysts, once,
 * who have all.fgb and all.parquet besides; at quality 5 they cost the
 * embedded default's build half its CPU less. 11 saves only another 4–5 %,
 * 7–17 kB per CPU-second, at twice 10's time — a poor deal everywhere, so it
 * is not used. Past 4 MiB, quality 10's 1 MB per
 * CPU-second would add ten CPU-minutes to each state-legislative chamber,
 * so quality 5, with the widest window (16 MiB) to reach repeats across
 * neighbouring features. gzip 9 gains under 0.2 % over 6 at four times the
 * CPU, so 6 throughout. Sizes are estimates from the source geometry, known
 * before a file starts.
 */
export const COMPRESSION_TIERS: readonly CompressionTier[] = [
  { kinds: ['all', 'polygons'], max_uncompressed_bytes: null, gzip_level: 6, brotli_quality: 5, brotli_lgwin: 24 },
  { max_uncompressed_bytes: 4 * 1024 * 1024, gzip_level: 6, brotli_quality: 10, brotli_lgwin: 22 },
  { max_uncompressed_bytes: null, gzip_level: 6, brotli_quality: 5, brotli_lgwin: 24 },
];

/** The first tier for a file of this kind and estimated size. */
export function tierFor(estimatedBytes: number, kind: FileKind): CompressionTier {
  return COMPRESSION_TIERS.find(
    (t) =>
      (t.kinds === undefined || t.kinds.includes(kind)) &&
      (t.max_uncompressed_bytes === null || estimatedBytes <= t.max_uncompressed_bytes),
  )!;
}

export interface EncodedFile {
  /** Absolute path of the written file. */
  file: string;
  encoding: Encoding;
  compression_level: number;
  bytes: number;
  sha256: string;
}

export interface CompressedOutput {
  uncompressed_bytes: number;
  uncompressed_sha256: string;
  files: EncodedFile[];
}

/** The zlib options of one encoding of a file in `tier` (bench/compression-floor.ts compresses with them too). */
export function compressorOptions(
  encoding: Encoding,
  tier: CompressionTier,
  estimatedBytes: number,
): zlib.ZlibOptions | zlib.BrotliOptions {
  // 64 KiB output chunks: fewer round trips to the thread pool than the 16 KiB default.
  const chunkSize = 64 * 1024;
  if (encoding === 'gzip') return { level: tier.gzip_level, chunkSize };
  return {
    chunkSize,
    params: {
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
      [zlib.constants.BROTLI_PARAM_QUALITY]: tier.brotli_quality,
      [zlib.constants.BROTLI_PARAM_LGWIN]: tier.brotli_lgwin,
      // The hint lets the encoder size its buffers; it is derived from the
      // database, so builds stay reproducible.
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: Math.min(estimatedBytes, 2 ** 30),
    },
  };
}
