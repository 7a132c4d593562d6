/**
 * Compresses a build's finished files, gzip and brotli, on libuv's thread
 * pool, as many at once as the machine has cores — the biggest jobs first,
 * so the last to finish is small — while the build goes on serialising the
 * next files and classes. A file is compressed from its uncompressed text in
 * the build's scratch space, so each encoding's settings come from the
 * file's exact size (formats/compression.ts), and a brotli file no smaller
 * than its gzip is made again at the next quality: a browser that asks for
 * br never gets more bytes than one that asks for gzip. Encoders in flight,
 * and so their memory, are bounded by the number of jobs.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { CompressionTier, Encoding, FileKind } from '../../../../core/release-format.ts';
import { READ_ONLY } from '../../../atomic-files.ts';
import {
  BROTLI_ESCALATION,
  BUNDLE_ENCODINGS,
  type CompressedOutput,
  compressorOptions,
  EXTENSION,
  tierFor,
} from '../compression.ts';

export interface EncodedResult {
  bytes: number;
  sha256: string;
}

interface Job {
  /** Seconds of CPU it is expected to take: the order jobs start in. */
  cost: number;
  run(): Promise<void>;
  fail(reason: unknown): void;
}

/** About how many bytes a second one core compresses at each setting: only the order of jobs depends on it. */
function speed(encoding: Encoding, quality: number): number {
  if (encoding === 'gzip') return 40e6;
  return quality >= 11 ? 0.5e6 : quality >= 10 ? 1e6 : 15e6;
}

/** Writes `source` compressed into `target` (new, read-only, fsynced before close); its length and sha256. */
async function compressFile(
  source: string,
  target: string,
  encoding: Encoding,
  tier: CompressionTier,
  bytes: number,
  quality: number,
): Promise<EncodedResult> {
  const options = compressorOptions(encoding, { ...tier, brotli_quality: quality }, bytes);
  const compressor =
    encoding === 'gzip'
      ? zlib.createGzip(options as zlib.ZlibOptions)
      : zlib.createBrotliCompress(options as zlib.BrotliOptions);
  const hash = crypto.createHash('sha256');
  let written = 0;
  await pipeline(
    fs.createReadStream(source, { highWaterMark: 1024 * 1024 }),
    compressor,
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        written += chunk.length;
        yield chunk;
      }
    },
    // `wx`: a build directory is fresh, so an existing file is a bug, never overwritten;
    // `flush`: fsync before close, so the rename that publishes the release never exposes unsynced data.
    fs.createWriteStream(target, { flags: 'wx', flush: true, mode: READ_ONLY }),
  );
  return { bytes: written, sha256: hash.digest('hex') };
}

export class CompressionQueue {
  private readonly waiting: Job[] = [];
  private running = 0;
  private cancelled: unknown;

  constructor(private readonly concurrency = os.availableParallelism()) {}

  /**
   * Compresses `source` (uncompressed text of `bytes` bytes, left in place)
   * into `<base>.gz` and `<base>.br`; resolves once both are written.
   */
  async compress(
    source: string,
    base: string,
    kind: FileKind,
    uncompressed: { bytes: number; sha256: string },
  ): Promise<CompressedOutput> {
    const tier = tierFor(uncompressed.bytes, kind);
    const one = (encoding: Encoding, quality: number) =>
      this.schedule(uncompressed.bytes / speed(encoding, quality), () =>
        compressFile(source, base + EXTENSION[encoding], encoding, tier, uncompressed.bytes, quality),
      );
    const [gzip, first] = await Promise.all([one('gzip', tier.gzip_level), one('br', tier.brotli_quality)]);
    let br = first;
    let quality = tier.brotli_quality;
    for (const next of BROTLI_ESCALATION.filter((q) => q > tier.brotli_quality)) {
      if (br.bytes < gzip.bytes) break;
      fs.rmSync(base + EXTENSION.br);
      quality = next;
      br = await one('br', quality);
    }
    const levels: Record<Encoding, number> = { gzip: tier.gzip_level, br: quality, identity: 0 };
    const results: Record<Encoding, EncodedResult> = { gzip, br, identity: gzip };
    return {
      uncompressed_bytes: uncompressed.bytes,
      uncompressed_sha256: uncompressed.sha256,
      files: BUNDLE_ENCODINGS.map((encoding) => ({
        file: base + EXTENSION[encoding],
        encoding,
        compression_level: levels[encoding],
        ...results[encoding],
      })),
    };
  }

  /** Drops the jobs not started yet, failing them with `reason` (a build that failed: its files are going). */
  cancel(reason: unknown): void {
    this.cancelled = reason ?? new Error('compression cancelled');
    for (const job of this.waiting.splice(0)) job.fail(this.cancelled);
  }

  private schedule<T>(cost: number, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.cancelled !== undefined) return reject(this.cancelled);
      this.waiting.push({ cost, run: () => work().then(resolve, reject), fail: reject });
      this.waiting.sort((a, b) => b.cost - a.cost);
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running += 1;
      void job.run().finally(() => {
        this.running -= 1;
        this.next();
      });
    }
  }
}
