/**
 * One logical bundle file written as `<base>.gz` and `<base>.br` from one
 * stream of text. The compressors run on libuv's thread pool, so the dozen
 * streams of a build compress in parallel while the main thread turns rows
 * into JSON.
 */
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { CompressionTier, Encoding, FileKind } from '../../../../core/release-format.ts';
import { READ_ONLY } from '../../../atomic-files.ts';
import { BUNDLE_ENCODINGS, type CompressedOutput, compressorOptions, EXTENSION, tierFor } from '../compression.ts';

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
 * `write` buffers text and returns a promise that waits for the compressors when they fall
 * behind, so memory stays bounded by the buffers, not by the file size.
 */
export class CompressedPairWriter {
  private readonly sinks: Sink[];
  private readonly contentHash = crypto.createHash('sha256');
  private pending: string[] = [];
  private pendingLength = 0;
  private uncompressedBytes = 0;

  constructor(basePath: string, kind: FileKind, estimatedBytes: number) {
    const tier = tierFor(estimatedBytes, kind);
    this.sinks = BUNDLE_ENCODINGS.map((e) => openSink(basePath + EXTENSION[e], e, tier, estimatedBytes));
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
