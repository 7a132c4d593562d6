/**
 * What each brotli quality buys on geobundle's own files: for a spread of
 * file sizes from the given releases, the bytes and the CPU time of every
 * quality (single-threaded, synchronous, so process CPU time is the
 * compressor's), against gzip at level 6. The figures behind the tier
 * policy in pipeline/release/formats/compression.ts (bytes saved per CPU-second).
 *
 *   npx tsx bench/brotli-tiers.ts <releaseDir>… [--out bench/results/brotli-tiers.json]
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { compressorOptions, tierFor } from '../pipeline/release/formats/compression.ts';
import { manifestFiles, readManifest } from '../pipeline/release/store/manifest-file.ts';
import { round } from './measure.ts';
import { RESULTS_DIR } from './results.ts';
import { readBundleBytes } from '../testkit/bundle-file.ts';

const QUALITIES = [5, 6, 7, 8, 9, 10, 11];
/** Past this size the slow qualities take minutes per file; their rate is known from the smaller files. */
const SLOW_LIMIT = 16 * 1024 * 1024;

function cpu<T>(fn: () => T): { value: T; cpu_s: number } {
  const start = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(start);
  return { value, cpu_s: (used.user + used.system) / 1e6 };
}

interface TierSample {
  file: string;
  bytes: number;
  gzip6: { bytes: number; cpu_s: number };
  brotli: Array<{ quality: number; lgwin: number; bytes: number; cpu_s: number }>;
}

function measureFile(label: string, raw: Buffer): TierSample {
  const gz = cpu(() => zlib.gzipSync(raw, { level: 6 }));
  const brotli = QUALITIES.filter((q) => q <= 9 || raw.length <= SLOW_LIMIT).map((quality) => {
    const lgwin = tierFor(raw.length, 'by_state').brotli_lgwin;
    const tier = { max_uncompressed_bytes: null, gzip_level: 6, brotli_quality: quality, brotli_lgwin: lgwin };
    const r = cpu(() => zlib.brotliCompressSync(raw, compressorOptions('br', tier, raw.length)));
    return { quality, lgwin, bytes: r.value.length, cpu_s: round(r.cpu_s) };
  });
  return { file: label, bytes: raw.length, gzip6: { bytes: gz.value.length, cpu_s: round(gz.cpu_s) }, brotli };
}

/** About `perDecade` files per power of ten of size, from every release given: the sizes a build compresses. */
function pick(releaseDirs: string[], perDecade = 3): Array<{ label: string; file: string }> {
  const all = releaseDirs.flatMap((dir) =>
    manifestFiles(readManifest(dir))
      .filter((f) => f.encoding === 'gzip')
      .map((f) => ({
        label: `${path.basename(path.dirname(dir))}/${f.path}`,
        file: path.join(dir, f.path),
        size: f.uncompressed_bytes,
      })),
  );
  const decades = new Map<number, typeof all>();
  for (const f of all.filter((f) => f.size >= 4096)) {
    const d = Math.floor(Math.log10(f.size));
    decades.set(d, [...(decades.get(d) ?? []), f]);
  }
  return [...decades.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([, files]) => {
      const sorted = files.sort((a, b) => a.size - b.size);
      return Array.from(new Set([0, Math.floor(sorted.length / 2), sorted.length - 1].slice(0, perDecade))).map(
        (i) => sorted[i]!,
      );
    });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args[outAt + 1]! : path.join(RESULTS_DIR, 'brotli-tiers.json');
  const dirs = args.filter((a, i) => a !== '--out' && i !== outAt + 1);
  const samples: TierSample[] = [];
  for (const { label, file } of pick(dirs)) {
    const raw = readBundleBytes(file);
    const s = measureFile(label, raw);
    process.stderr.write(
      `${label} ${raw.length} B: gzip6 ${s.gzip6.bytes}; ${s.brotli.map((b) => `q${b.quality} ${b.bytes} (${b.cpu_s} s)`).join(', ')}\n`,
    );
    samples.push(s);
  }
  fs.writeFileSync(out, `${JSON.stringify({ kind: 'brotli-tiers', name: 'brotli-tiers', samples }, null, 2)}\n`);
  process.stderr.write(`wrote ${out}\n`);
}
