/**
 * Writes and reads a bundle file item by item, so a class never sits in
 * memory: a FeatureCollection one feature per line, or a JSON object keyed
 * by feature id one member per line (formats/bundles.ts). The text goes to
 * the build's scratch space; once whole, the compression queue makes the
 * stored files of it, while the build goes on.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { BUNDLE_SHAPES, type BundleShape } from '../bundles.ts';
import type { CompressedOutput } from '../compression.ts';
import type { CompressionQueue } from './compression-queue.ts';
import { ScratchText } from './scratch-text.ts';
import { emptyBbox, extendBbox, type MutableBbox } from '../../../bbox.ts';
import type { Bbox, FileKind } from '../../../../core/release-format.ts';
import type { ClassFile } from '../../plan/class-files.ts';

/** The lines of either shape that are its frame, not an item (an empty file is one line). */
const FRAME_LINES = new Set(
  Object.values(BUNDLE_SHAPES).flatMap(({ open, close }) => [open, close.trimEnd(), (open + close).trimEnd()]),
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

export interface BundleFileResult extends CompressedOutput {
  feature_count: number;
  bbox: Bbox | null;
}

/** A planned file once written, for its manifest entries. */
export interface WrittenFile {
  file: ClassFile;
  result: BundleFileResult;
  /** Maps only: the positions kept, and the class's at full resolution. */
  vertices?: { kept: number; source: number };
}

/** A bundle file whose text is whole: its compressed files are on their way. */
export interface FinishedText {
  /** The uncompressed text in the scratch space (kept until the build's scratch space goes). */
  text: string;
  feature_count: number;
  bbox: Bbox | null;
  /** The file's results once both encodings are written. */
  compressed: Promise<BundleFileResult>;
}

export class BundleFileWriter {
  private readonly text: ScratchText;
  private readonly shape: (typeof BUNDLE_SHAPES)[BundleShape];
  private count = 0;
  private readonly bbox: MutableBbox = emptyBbox();

  /** `base`: the stored files' path without encoding; `scratch`: where the text waits. */
  constructor(
    private readonly base: string,
    scratch: string,
    shape: BundleShape,
    private readonly kind: FileKind,
    private readonly queue: CompressionQueue,
  ) {
    this.shape = BUNDLE_SHAPES[shape];
    this.text = new ScratchText(scratch);
  }

  get featureCount(): number {
    return this.count;
  }

  /** Adds one item: a serialised Feature, or a serialised `"<id>":{...}` member. */
  async add(json: string, bbox?: Bbox): Promise<void> {
    const prefix = this.count === 0 ? `${this.shape.open}\n` : ',\n';
    this.count += 1;
    if (bbox) extendBbox(this.bbox, bbox);
    await this.text.write(prefix + json);
  }

  /** Ends the text and queues its compression; resolves when the text is whole, not when it is compressed. */
  async end(): Promise<FinishedText> {
    await this.text.write(this.count === 0 ? this.shape.open + this.shape.close : `\n${this.shape.close}`);
    const text = await this.text.end();
    const extent = { feature_count: this.count, bbox: this.bbox.empty ? null : this.bbox.value() };
    const compressed = this.queue
      .compress(text.file, this.base, this.kind, text)
      .then((output) => ({ ...output, ...extent }));
    // Awaited by the caller once the pass is over; until then a failure must not count as unhandled.
    compressed.catch(() => {});
    return { text: text.file, ...extent, compressed };
  }

  abort(): void {
    this.text.abort();
  }
}
