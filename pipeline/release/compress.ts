import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { CompressionTier, Encoding, FileKind } from '../../core/manifest.ts';

/**
 * Every bundle is written twice, gzip and brotli, from one stream of text:
 * nginx serves the `.br` to browsers that accept it and the `.gz` otherwise,
 * and nothing is ever stored uncompressed. The compressors run on libuv's
 * thread pool, so the dozen streams of a build compress in parallel while
 * the main thread turns rows into JSON.
 */

/** Mode of every file of a release (r--r--r--). */
export const READ_ONLY = 0o444;

const ENCODINGS: readonly Encoding[] = ['gzip', 'br'];

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
 * is not used (it was, for files up to 1 MiB: the embedded default's build
 * spent most of its time there). Past 4 MiB, quality 10's 1 MB per
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

/**
 * How much text may wait in a compressor before `write` waits for it (its
 * stream's high water mark). At the 16 KiB default, the main thread stopped at
 * every flush until that file's compressor had caught up — while the other
 * files' compressors, and the second core, had nothing to do. With a few MiB
 * of slack per compressor, serialising and compressing overlap.
 */
const QUEUED_BYTES = 8 * 1024 * 1024;

function createCompressor(
  encoding: Encoding,
  tier: CompressionTier,
  estimatedBytes: number,
): zlib.Gzip | zlib.BrotliCompress {
  const options = { ...compressorOptions(encoding, tier, estimatedBytes), writableHighWaterMark: QUEUED_BYTES };
  return encoding === 'gzip'
    ? zlib.createGzip(options as zlib.ZlibOptions)
    : zlib.createBrotliCompress(options as zlib.BrotliOptions);
}

interface Sink {
  encoding: Encoding;
  file: string;
  level: number;
  compressor: zlib.Gzip | zlib.BrotliCompress;
  done: Promise<void>;
  hash: crypto.Hash;
  bytes: number;
}

function openSink(file: string, encoding: Encoding, tier: CompressionTier, estimatedBytes: number): Sink {
  const compressor = createCompressor(encoding, tier, estimatedBytes);
  const sink: Sink = {
    encoding,
    file,
    level: encoding === 'gzip' ? tier.gzip_level : tier.brotli_quality,
    compressor,
    hash: crypto.createHash('sha256'),
    bytes: 0,
    done: Promise.resolve(),
  };
  sink.done = pipeline(
    compressor,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        sink.hash.update(chunk);
        sink.bytes += chunk.length;
        yield chunk;
      }
    },
    // `wx`: a build directory is fresh, so an existing file is a bug, never overwritten;
    // `flush`: fsync before close, so the rename that publishes the release never exposes unsynced data;
    // read-only mode: a published release is immutable, and a stray write should fail loudly.
    fs.createWriteStream(file, { flags: 'wx', flush: true, mode: READ_ONLY }),
  );
  // Failures surface through `done`; this keeps an early one from being reported as unhandled.
  sink.done.catch(() => {});
  return sink;
}

/** Text buffered before it is handed to the compressors: big enough to amortise the calls, small enough not to matter. */
const FLUSH_BYTES = 1024 * 1024;

/**
 * One logical file written as `<base>.gz` and `<base>.br`. `write` buffers
 * text and returns a promise that waits for the compressors when they fall
 * behind, so memory stays bounded by the buffers, not by the file size.
 */
export class CompressedPairWriter {
  private readonly sinks: Sink[];
  private readonly contentHash = crypto.createHash('sha256');
  private pending: string[] = [];
  private pendingLength = 0;
  private uncompressedBytes = 0;

  /** `encodings`: a release has both; bench/ours-by-state.ts times the gzip files alone. */
  constructor(basePath: string, kind: FileKind, estimatedBytes: number, encodings: readonly Encoding[] = ENCODINGS) {
    const tier = tierFor(estimatedBytes, kind);
    this.sinks = encodings.map((e) => openSink(basePath + EXTENSION[e], e, tier, estimatedBytes));
  }

  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const buffer = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingLength = 0;
    this.contentHash.update(buffer);
    this.uncompressedBytes += buffer.length;
    await Promise.all(
      this.sinks.map(async (s) => {
        if (!s.compressor.write(buffer)) {
          // Racing with `done` turns a failed pipeline into an error instead of a wait for a drain that never comes.
          await Promise.race([once(s.compressor, 'drain'), s.done]);
        }
      }),
    );
  }

  async end(): Promise<CompressedOutput> {
    await this.flush();
    for (const s of this.sinks) s.compressor.end();
    await Promise.all(this.sinks.map((s) => s.done));
    return {
      uncompressed_bytes: this.uncompressedBytes,
      uncompressed_sha256: this.contentHash.digest('hex'),
      files: this.sinks.map((s) => ({
        file: s.file,
        encoding: s.encoding,
        compression_level: s.level,
        bytes: s.bytes,
        sha256: s.hash.digest('hex'),
      })),
    };
  }

  /** Stops the compressors after a failure elsewhere; the build directory is removed by the caller. */
  abort(): void {
    for (const s of this.sinks) s.compressor.destroy();
  }
}
