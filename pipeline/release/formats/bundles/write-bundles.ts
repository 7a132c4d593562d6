/**
 * Writes a class's bundle files: census and wikipedia straight from the
 * plan, the GeoJSON files from the features of the build's one pass over
 * them (write-class.ts). all and polygons stay open for the whole pass; a
 * state's file is opened at its first feature and closed as soon as its
 * last one (known from the plan) is written, so only a few state files are
 * open at once (ids group by state in every class scheme). A closed file's
 * text goes to the compression queue; the pass does not wait for it.
 */
import path from 'node:path';
import { formatBytes } from '../../../format-bytes.ts';
import type { Progress } from '../../../progress.ts';
import type { ClassFile } from '../../plan/class-files.ts';
import type { ClassPlan, PlannedFeature } from '../../plan/class-plan.ts';
import { BundleFileWriter, type FinishedText, type WrittenFile } from './bundle-file.ts';
import type { CompressionQueue } from './compression-queue.ts';
import { keyedMember, type SerializedFeature } from './feature.ts';

export interface BundlesWriterOptions {
  plan: ClassPlan;
  buildDir: string;
  /** Where the class's uncompressed texts wait for the compression queue. */
  scratchDir: string;
  queue: CompressionQueue;
  progress: Progress;
}

/** What the pass leaves: each file's text (the polygons' is mapshaper's input), and the files once compressed. */
export interface BundlesPass {
  texts: Map<ClassFile, string>;
  written: Promise<WrittenFile[]>;
}

/** An output file being written. */
interface Open {
  file: ClassFile;
  writer: BundleFileWriter;
}

export class BundlesWriter {
  private readonly finished = new Map<ClassFile, FinishedText>();
  private readonly open = new Set<Open>();
  private readonly whole: Open[];
  private readonly stateFiles: Map<string, ClassFile>;
  private readonly states = new Map<string, Open>();

  /** `files`: bundle files of the plan's class, made from its features or facts, in `<buildDir>/<class>/`. */
  constructor(
    private readonly options: BundlesWriterOptions,
    private readonly files: readonly ClassFile[],
  ) {
    this.whole = files.filter((f) => f.madeFrom === 'features' && f.kind !== 'by_state').map((f) => this.openFile(f));
    this.stateFiles = new Map(files.filter((f) => f.kind === 'by_state').map((f) => [f.stateFips!, f]));
  }

  /** Whether the pass must bring this feature: every one for the whole-class files, else those of a state to write. */
  wants(feature: PlannedFeature): boolean {
    return this.whole.length > 0 || (feature.stateFips !== null && this.stateFiles.has(feature.stateFips));
  }

  /** Writes census.json and wikipedia.json (when planned), which need no geometry. */
  async writeFacts(): Promise<void> {
    const { plan } = this.options;
    for (const file of this.files.filter((f) => f.madeFrom === 'facts')) {
      const o = this.openFile(file);
      const what = file.kind as 'census' | 'wikipedia';
      for (const feature of plan.features) {
        const member = keyedMember(plan.dataClass, feature.id, what, feature[what]);
        if (member !== null) await o.writer.add(member);
      }
      await this.close(o);
    }
  }

  async add(feature: SerializedFeature): Promise<void> {
    const writes = this.whole.map((o) =>
      o.writer.add(o.file.kind === 'polygons' ? feature.polygon : feature.full, feature.bbox),
    );
    const stateFile = feature.stateFips === null ? undefined : this.stateFiles.get(feature.stateFips);
    let state: Open | undefined;
    if (stateFile) {
      state = this.states.get(stateFile.stateFips!) ?? this.openFile(stateFile);
      this.states.set(stateFile.stateFips!, state);
      writes.push(state.writer.add(feature.full, feature.bbox));
    }
    await Promise.all(writes);
    if (state && state.writer.featureCount === this.options.plan.stateFeatureCounts.get(feature.stateFips!))
      await this.close(state);
  }

  /** Files still open besides the whole-class ones: the states of a pass that did not bring every planned feature. */
  get unfinishedStates(): number {
    return [...this.states.values()].filter((o) => !this.finished.has(o.file)).length;
  }

  /** Closes the whole-class files: every text is whole; the files are written once the queue has compressed them. */
  async end(): Promise<BundlesPass> {
    await Promise.all(this.whole.map((o) => this.close(o)));
    const texts = new Map([...this.finished].map(([file, f]) => [file, f.text]));
    const written = Promise.all(
      [...this.finished].map(async ([file, f]): Promise<WrittenFile> => {
        const result = await f.compressed;
        this.report(file, result);
        return { file, result };
      }),
    );
    written.catch(() => {});
    return { texts, written };
  }

  abort(): void {
    for (const o of this.open) o.writer.abort();
  }

  private openFile(file: ClassFile): Open {
    const { plan, buildDir, scratchDir, queue } = this.options;
    const o = {
      file,
      writer: new BundleFileWriter(
        path.join(buildDir, plan.dataClass, file.name),
        path.join(scratchDir, file.name.replaceAll('/', '-')),
        file.shape,
        file.kind,
        queue,
      ),
    };
    this.open.add(o);
    return o;
  }

  private async close(o: Open): Promise<void> {
    this.open.delete(o);
    this.finished.set(o.file, await o.writer.end());
  }

  private report(file: ClassFile, result: WrittenFile['result']): void {
    const size = (encoding: string) => formatBytes(result.files.find((f) => f.encoding === encoding)!.bytes);
    this.options.progress.info(
      `  ${this.options.plan.dataClass}/${file.name}: ${result.feature_count} entries, ${formatBytes(result.uncompressed_bytes)} → gz ${size('gzip')}, br ${size('br')}`,
    );
  }
}
