/**
 * The compression floor of a build: the time to compress exactly the bytes
 * the build wrote — every bundle file, decompressed — with the settings the
 * manifest records for each file, and nothing else (no database, no JSON, no
 * validation, no disk writes). build wall / floor wall says how much of the
 * build is compression.
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import pLimit from 'p-limit';
import { compressorOptions, tierFor } from '../pipeline/release/formats/compression.ts';
import { measureInProcess, round } from './measure.ts';
import type { CompressionFloor } from './results.ts';
import type { ManifestFile, ReleaseManifest } from '../core/release-format.ts';
import { readBundleBytes } from '../testkit/bundle-file.ts';

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

interface Job {
  encoding: 'gzip' | 'br';
  raw: Buffer;
  params: zlib.ZlibOptions | zlib.BrotliOptions;
  buildBytes: number;
}

/**
 * zlib options for one manifest file entry, as the build chose them: the
 * tier of the manifest's policy for the file's kind and size (its window),
 * at the level the file records (a brotli file remade past its tier's
 * quality records the quality it has).
 */
export function compressionOptions(
  manifest: ReleaseManifest,
  file: ManifestFile,
  rawBytes: number,
): zlib.ZlibOptions | zlib.BrotliOptions {
  const tier = tierFor(rawBytes, file.kind, manifest.compression.tiers);
  const level =
    file.encoding === 'gzip' ? { gzip_level: file.compression_level } : { brotli_quality: file.compression_level };
  return compressorOptions(file.encoding, { ...tier, ...level }, rawBytes);
}

/** The decompressed content of every file (read from its .gz) paired with both of its encodings. */
function collectJobs(releaseDir: string, manifest: ReleaseManifest): Job[] {
  const jobs: Job[] = [];
  for (const cls of Object.values(manifest.classes)) {
    const byContent = new Map<string, ManifestFile[]>();
    // The GIS files are stored as they are: nothing to compress.
    for (const f of cls.files.filter((e) => e.encoding !== 'identity'))
      byContent.set(f.path.replace(/\.(gz|br)$/, ''), [...(byContent.get(f.path.replace(/\.(gz|br)$/, '')) ?? []), f]);
    for (const [base, files] of byContent) {
      const gz = files.find((f) => f.encoding === 'gzip');
      if (!gz) throw new Error(`${base}: the manifest lists no .gz to decompress`);
      const raw = readBundleBytes(path.join(releaseDir, gz.path));
      if (raw.length !== gz.uncompressed_bytes)
        throw new Error(`${gz.path}: decompressed to ${raw.length} bytes, manifest says ${gz.uncompressed_bytes}`);
      for (const f of files)
        jobs.push({
          encoding: f.encoding as Job['encoding'],
          raw,
          params: compressionOptions(manifest, f, raw.length),
          buildBytes: f.bytes,
        });
    }
  }
  // Largest first, so one big file does not start last and run alone (longest-processing-time scheduling).
  return jobs.sort((a, b) => b.raw.length - a.raw.length);
}

export async function measureCompressionFloor(
  releaseDir: string,
  manifest: ReleaseManifest,
  concurrency = os.availableParallelism(),
): Promise<CompressionFloor> {
  const jobs = collectJobs(releaseDir, manifest);
  const limit = pLimit(concurrency);
  const seconds = { gzip: 0, br: 0 };
  const bytes = { gzip: 0, br: 0 };
  const buildBytes = { gzip: 0, br: 0 };
  const run = await measureInProcess(() =>
    Promise.all(
      jobs.map((job) =>
        limit(async () => {
          const t0 = performance.now();
          const out =
            job.encoding === 'gzip'
              ? await gzip(job.raw, job.params as zlib.ZlibOptions)
              : await brotli(job.raw, job.params as zlib.BrotliOptions);
          seconds[job.encoding] += (performance.now() - t0) / 1000;
          bytes[job.encoding] += out.length;
          buildBytes[job.encoding] += job.buildBytes;
        }),
      ),
    ),
  );
  const levels = (encoding: 'gzip' | 'br') =>
    [
      ...new Set(
        Object.values(manifest.classes).flatMap((c) =>
          c.files.filter((f) => f.encoding === encoding).map((f) => f.compression_level),
        ),
      ),
    ].sort((a, b) => b - a);
  const unique = new Set(jobs.map((j) => j.raw));
  return {
    input_bytes: [...unique].reduce((s, raw) => s + raw.length, 0),
    files: unique.size,
    concurrency,
    gzip: { levels: levels('gzip'), job_s: round(seconds.gzip), bytes: bytes.gzip, build_bytes: buildBytes.gzip },
    brotli: { levels: levels('br'), job_s: round(seconds.br), bytes: bytes.br, build_bytes: buildBytes.br },
    wall_s: run.wall_s,
    cpu_s: run.cpu_s,
  };
}
