/**
 * Writes a release's lookup index: the build's pass over each class hands
 * every district to `add` (all classes, in order), then `end` builds the
 * cells and the pages above them and stores every file with the sink.
 */
import path from 'node:path';
import { type LookupRoot, type QuadKey, rootSquare } from '../../../../core/lookup-format.ts';
import { formatBytes } from '../../../format-bytes.ts';
import type { Progress } from '../../../progress.ts';
import type { SerializedFeature } from '../bundles/feature.ts';
import { buildCells } from './cells.ts';
import { DistrictStore } from './district-store.ts';
import type { LookupSink, StoredJson } from './lookup-files.ts';
import { buildPages } from './pages.ts';

export interface BuiltIndex {
  root: LookupRoot;
  rootFile: StoredJson;
  cells: number;
  pages: number;
  /** Bytes on disk of every file of the index. */
  bytes: number;
}

export class LookupIndexWriter {
  private readonly store: DistrictStore;
  private readonly classes: string[] = [];
  /** Time spent taking the districts during the build's pass, reported with the index's own. */
  private addMilliseconds = 0;

  /** `scratchDir`: where the districts wait for the index (a file of a few hundred MB for the whole data set). */
  constructor(
    scratchDir: string,
    private readonly precision: number,
    private readonly sink: LookupSink,
  ) {
    this.store = new DistrictStore(path.join(scratchDir, 'lookup-districts.bin'), precision);
  }

  /** Starts the districts of a class (classes in name order, each once). */
  startClass(dataClass: string): void {
    this.classes.push(dataClass);
  }

  /** A district of the class last started, in id order. */
  add(feature: SerializedFeature): void {
    const started = performance.now();
    this.store.add(this.classes.length - 1, {
      id: feature.id,
      name: feature.properties.name,
      state: feature.stateFips,
      geometry: feature.geometry,
      bbox: feature.bbox,
    });
    this.addMilliseconds += performance.now() - started;
  }

  async end(progress: Progress, signal?: AbortSignal): Promise<BuiltIndex> {
    const started = Date.now();
    this.store.flush();
    const square = rootSquare(this.precision);
    const cells: Array<{ key: QuadKey; sha256: string }> = [];
    let bytes = 0;
    await buildCells({
      store: this.store,
      classes: this.classes,
      root: square,
      onCell: (cell) => {
        const stored = this.sink.put('lookup', cell.text, cell.gzip);
        cells.push({ key: cell.key, sha256: stored.sha256 });
        bytes += stored.bytes;
      },
      between: async () => {
        signal?.throwIfAborted();
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    const { root: top, pages } = buildPages(cells, (page) => {
      const stored = this.sink.put('lookup', JSON.stringify(page));
      bytes += stored.bytes;
      return stored.sha256;
    });
    const root: LookupRoot = { ...top, precision: this.precision, square, classes: this.classes };
    const rootFile = this.sink.put('lookup', JSON.stringify(root));
    bytes += rootFile.bytes;
    progress.info(
      `lookup index: ${cells.length} cells of ${this.store.vertices} vertices, ${pages} pages, ${formatBytes(bytes)} ` +
        `in ${((Date.now() - started) / 1000).toFixed(1)} s (+ ${(this.addMilliseconds / 1000).toFixed(1)} s taking the districts during the pass)`,
    );
    this.store.close();
    return { root, rootFile, cells: cells.length, pages, bytes };
  }

  abort(): void {
    this.store.close();
  }
}
