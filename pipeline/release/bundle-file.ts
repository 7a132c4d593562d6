import fs from 'node:fs';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { CompressedPairWriter, type CompressedOutput } from './compress.ts';
import { emptyBbox, extendBbox, type MutableBbox } from './bbox.ts';
import type { Bbox, Encoding, FileKind } from '../../core/manifest.ts';

/**
 * The two shapes of bundle file, written item by item so a class never sits
 * in memory: a GeoJSON FeatureCollection (one feature per line, which keeps
 * diffs and `zcat | head` readable) and a JSON object keyed by feature id.
 */
const SHAPES = {
  'feature-collection': { open: '{"type":"FeatureCollection","features":[', close: ']}\n' },
  'keyed-object': { open: '{', close: '}\n' },
} as const;

export type BundleShape = keyof typeof SHAPES;

/** The lines of either shape that are its frame, not an item (an empty file is one line). */
const FRAME_LINES = new Set(
  Object.values(SHAPES).flatMap(({ open, close }) => [open, close.trimEnd(), (open + close).trimEnd()]),
);

/**
 * The items of a `.gz` bundle file as BundleFileWriter wrote them, one per
 * line, decompressed as they stream: memory holds one item.
 */
export async function* readBundleItems(gzFile: string): AsyncGenerator<string> {
  const lines = readline.createInterface({
    input: fs.createReadStream(gzFile).pipe(zlib.createGunzip()),
    crlfDelay: Infinity,
  });
  for await (const line of lines) {
    if (!FRAME_LINES.has(line)) yield line.endsWith(',') ? line.slice(0, -1) : line;
  }
}

/**
 * The text BundleFileWriter writes for these items, built in memory: what
 * bench/before-server.ts generates per request, byte for byte as built.
 */
export function bundleText(shape: BundleShape, items: readonly string[]): string {
  const { open, close } = SHAPES[shape];
  return items.length === 0 ? open + close : `${open}\n${items.join(',\n')}\n${close}`;
}

export interface BundleFileResult extends CompressedOutput {
  feature_count: number;
  bbox: Bbox | null;
}

export class BundleFileWriter {
  private readonly writer: CompressedPairWriter;
  private readonly shape: (typeof SHAPES)[BundleShape];
  private count = 0;
  private readonly bbox: MutableBbox = emptyBbox();

  constructor(
    basePath: string,
    shape: BundleShape,
    kind: FileKind,
    estimatedBytes: number,
    encodings?: readonly Encoding[],
  ) {
    this.shape = SHAPES[shape];
    this.writer = new CompressedPairWriter(basePath, kind, estimatedBytes, encodings);
  }

  get featureCount(): number {
    return this.count;
  }

  /** Adds one item: a serialised Feature, or a serialised `"<id>":{...}` member. */
  async add(json: string, bbox?: Bbox): Promise<void> {
    const prefix = this.count === 0 ? `${this.shape.open}\n` : ',\n';
    this.count += 1;
    if (bbox) extendBbox(this.bbox, bbox);
    await this.writer.write(prefix + json);
  }

  async end(): Promise<BundleFileResult> {
    await this.writer.write(this.count === 0 ? this.shape.open + this.shape.close : `\n${this.shape.close}`);
    const output = await this.writer.end();
    return { ...output, feature_count: this.count, bbox: this.bbox.empty ? null : this.bbox.value() };
  }

  abort(): void {
    this.writer.abort();
  }
}
