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
 * docs/release-format.md has the table), by the bytes a setting saves per
 * CPU-second over the next cheaper one. Brotli has a cliff between quality 9
 * and 10: 10 makes a file about a third smaller than 5–9 for 100–165 kB per
 * CPU-second at every size, 11 only 4–5 % more for 7–17 kB per CPU-second.
 * So 10 for the files browsers fetch — a state's file, the maps, the facts —
 * up to 4 MiB; past that its saving falls under 120 kB per CPU-second
 * (97 kB at 10 MB) and a state-legislative chamber would pay ten CPU-minutes
 * for it, so 8, the last step of the 5–9 ladder worth 120 kB per
 * CPU-second (5→6 370, 6→7 240, 7→8 150, 8→9 60; measured at a 2^24
 * window). The whole-class files
 * (all, polygons) are downloaded by GIS users and analysts, once, who have
 * all.fgb and all.parquet besides: quality 5. A 4 MiB window (2^22)
 * throughout: a wider one saved at best 1.5 % for twice the time and
 * quadruples an encoder's ring buffer. gzip
 * 9 gains under 0.2 % over 6 at four times the CPU, so 6 throughout. Each
 * file's exact size picks its tier (its text is whole before it is
 * compressed), so a build is reproducible.
 */
export const COMPRESSION_TIERS: readonly CompressionTier[] = [
  { kinds: ['all', 'polygons'], max_uncompressed_bytes: null, gzip_level: 6, brotli_quality: 5, brotli_lgwin: 22 },
  { max_uncompressed_bytes: 4 * 1024 * 1024, gzip_level: 6, brotli_quality: 10, brotli_lgwin: 22 },
  { max_uncompressed_bytes: null, gzip_level: 6, brotli_quality: 8, brotli_lgwin: 22 },
];

/**
 * A brotli file no smaller than its gzip (quality 5 on a large state's file
 * can be 3 % bigger) is made again at the next of these qualities above its
 * tier's, until it is smaller: a browser that asks for br must never get
 * more bytes than one that asks for gzip. The quality used is what the
 * manifest records for the file.
 */
export const BROTLI_ESCALATION: readonly number[] = [8, 10, 11];

/** The first tier for a file of this kind and size (of these tiers: a manifest's, for its files). */
export function tierFor(
  bytes: number,
  kind: FileKind,
  tiers: readonly CompressionTier[] = COMPRESSION_TIERS,
): CompressionTier {
  return tiers.find(
    (t) =>
      (t.kinds === undefined || t.kinds.includes(kind)) &&
      (t.max_uncompressed_bytes === null || bytes <= t.max_uncompressed_bytes),
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

/** The zlib options of one encoding of a file of `bytes` in `tier` (bench/compression-floor.ts compresses with them too). */
export function compressorOptions(
  encoding: Encoding,
  tier: CompressionTier,
  bytes: number,
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
      // The hint lets the encoder size its buffers: the file's exact size, so builds stay reproducible.
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: Math.min(bytes, 2 ** 30),
    },
  };
}
