/**
 * The cells of the lookup index: the quadtree is split until a cell's
 * stored file fits the byte budget, each cell holding every class's
 * districts clipped to it (clip.ts), so dense coastlines and cities go
 * deeper than the Great Plains. The tree above TOP_DEPTH is split whatever
 * it holds; each square at that depth is built from the districts whose box
 * reaches it, read from the district store, so memory holds one square's
 * districts (clipped copies included) at a time.
 */
import {
  type CellDistrict,
  keySquare,
  type LookupCell,
  LOOKUP_FORMAT,
  type QuadKey,
  type Square,
} from '../../../../core/lookup-format.ts';
import { CELL_BUDGET_BYTES, MAX_CELL_DEPTH, TOP_DEPTH } from '../lookup.ts';
import { type Box, boxRing, clipRing, type Ring } from './clip.ts';
import type { DistrictStore, StoredDistrict } from './district-store.ts';
import { gzipJson } from './lookup-files.ts';

/** A district's polygons in one square: rings kept so far, or 'full' for a polygon covering it all. */
interface Held {
  district: StoredDistrict;
  polygons: Array<Ring[] | 'full'>;
}

export interface EncodedCell {
  key: QuadKey;
  text: string;
  gzip: Buffer;
}

/**
 * Every point inside a cell's box is exact (clip.ts), and a point is routed
 * to a cell by floating-point comparisons of its coordinates: one unit of
 * margin covers any rounding there by far.
 */
const MARGIN = 1;

/** Bytes a vertex and a district take in a cell's gzip file, about: whether a square is worth encoding to see if it fits. */
const BYTES_PER_VERTEX = 2.5;
const BYTES_PER_DISTRICT = 30;

function squareBox(s: Square): Box {
  return { x0: s.x0 - MARGIN, y0: s.y0 - MARGIN, x1: s.x0 + s.size + MARGIN, y1: s.y0 + s.size + MARGIN };
}

const overlaps = (a: Box, b: Box) => a.x1 >= b.x0 && a.x0 <= b.x1 && a.y1 >= b.y0 && a.y0 <= b.y1;

/** The districts as they are inside a square: clipped, and only those that reach a point of it. */
function clipTo(held: readonly Held[], square: Square): Held[] {
  const box = squareBox(square);
  const cx = square.x0 + square.size / 2;
  const cy = square.y0 + square.size / 2;
  const out: Held[] = [];
  for (const h of held) {
    if (!overlaps(h.district.box, box)) continue;
    const polygons: Array<Ring[] | 'full'> = [];
    for (const polygon of h.polygons) {
      if (polygon === 'full') {
        polygons.push('full');
        continue;
      }
      const outer = clipRing(polygon[0]!, box, cx, cy);
      if (outer === 'outside') continue;
      const holes: Ring[] = [];
      let inHole = false;
      for (const hole of polygon.slice(1)) {
        const clipped = clipRing(hole, box, cx, cy);
        if (clipped === 'around') inHole = true;
        else if (clipped !== 'outside') holes.push(clipped);
      }
      if (inHole) continue;
      if (outer === 'around' && holes.length === 0) polygons.push('full');
      else polygons.push([outer === 'around' ? boxRing(box) : outer, ...holes]);
    }
    if (polygons.length > 0) out.push({ district: h.district, polygons });
  }
  return out;
}

function vertexCount(held: readonly Held[]): number {
  let n = 0;
  for (const h of held) for (const p of h.polygons) if (p !== 'full') for (const r of p) n += r.length / 2;
  return n;
}

/** A ring as the cell stores it: its first vertex from the cell's corner, each next one from the one before. */
function deltas(ring: Ring, x0: number, y0: number): number[] {
  const out = new Array<number>(ring.length);
  let px = x0;
  let py = y0;
  for (let i = 0; i < ring.length; i += 2) {
    out[i] = ring[i]! - px;
    out[i + 1] = ring[i + 1]! - py;
    px = ring[i]!;
    py = ring[i + 1]!;
  }
  return out;
}

function encode(key: QuadKey, square: Square, held: readonly Held[], classes: readonly string[]): EncodedCell {
  const byClass = classes.map((): CellDistrict[] => []);
  // Held in store order: class by class, each in id order.
  for (const { district, polygons } of held) {
    const geometry = polygons.includes('full')
      ? 1
      : (polygons as Ring[][]).map((rings) => rings.map((r) => deltas(r, square.x0, square.y0)));
    byClass[district.classIndex]!.push([district.id, district.name, district.state, geometry]);
  }
  const cell: LookupCell = {
    format: LOOKUP_FORMAT,
    key,
    classes: Object.fromEntries(classes.map((c, i) => [c, byClass[i]!])),
  };
  const text = JSON.stringify(cell);
  return { key, text, gzip: gzipJson(text) };
}

export interface CellBuild {
  store: DistrictStore;
  classes: readonly string[];
  root: Square;
  /** Called with each cell, in key order. */
  onCell(cell: EncodedCell): void;
  /** Called between squares of TOP_DEPTH, so a long build can be interrupted and the event loop served. */
  between(): Promise<void>;
}

function childSquare(s: Square, digit: number): Square {
  const size = s.size / 2;
  return { x0: s.x0 + (digit & 1 ? size : 0), y0: s.y0 + (digit & 2 ? size : 0), size };
}

function split(key: QuadKey, square: Square, depth: number, held: readonly Held[], build: CellBuild): void {
  if (held.length === 0) return;
  const estimate = BYTES_PER_VERTEX * vertexCount(held) + BYTES_PER_DISTRICT * held.length;
  if (depth >= MAX_CELL_DEPTH || estimate <= 2 * CELL_BUDGET_BYTES) {
    const cell = encode(key, square, held, build.classes);
    if (depth >= MAX_CELL_DEPTH || cell.gzip.length <= CELL_BUDGET_BYTES) {
      build.onCell(cell);
      return;
    }
  }
  for (let digit = 0; digit < 4; digit++) {
    const child = childSquare(square, digit);
    split(key + digit, child, depth + 1, clipTo(held, child), build);
  }
}

/** Builds every cell. */
export async function buildCells(build: CellBuild): Promise<void> {
  const { store, root } = build;
  // The squares at TOP_DEPTH each district's box reaches, keyed by their quadtree key.
  const tops = new Map<QuadKey, StoredDistrict[]>();
  const side = root.size / 2 ** TOP_DEPTH;
  const digits = (ix: number, iy: number) => {
    let key = '';
    for (let bit = TOP_DEPTH - 1; bit >= 0; bit--) key += ((ix >> bit) & 1) + 2 * ((iy >> bit) & 1);
    return key;
  };
  for (const district of store.districts) {
    const b = district.box;
    const [ix0, iy0] = [Math.floor((b.x0 - MARGIN - root.x0) / side), Math.floor((b.y0 - MARGIN - root.y0) / side)];
    const [ix1, iy1] = [Math.floor((b.x1 + MARGIN - root.x0) / side), Math.floor((b.y1 + MARGIN - root.y0) / side)];
    for (let ix = ix0; ix <= ix1; ix++) {
      for (let iy = iy0; iy <= iy1; iy++) {
        const key = digits(ix, iy);
        const list = tops.get(key);
        if (list) list.push(district);
        else tops.set(key, [district]);
      }
    }
  }
  for (const key of [...tops.keys()].sort()) {
    await build.between();
    const square = keySquare(root, key);
    const held = tops.get(key)!.map((district) => ({ district, polygons: store.read(district) }));
    split(key, square, TOP_DEPTH, clipTo(held, square), build);
  }
}
