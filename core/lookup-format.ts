/**
 * The lookup index and the facts files of a release, as the build writes
 * them and the client reads them (docs/release-format.md, "Lookup index").
 * Space is a quadtree over integer coordinates — degrees times 10^precision,
 * so every vertex of the release is a whole number of units — split until
 * each cell's payload fits a byte budget; each cell holds every class's
 * polygons clipped to the cell at the release's precision, so point in
 * polygon within the one cell of a point is the answer all.geojson gives.
 * Pages map quadtree keys to the sha256 of what they point to (a page
 * below, or a cell); the root page travels with the current-release answer.
 * Every file is JSON stored once as gzip under a path made from the sha256
 * of its JSON: no content negotiation is needed to serve it, and a file
 * whose content did not change keeps its URL in every release.
 * Types and pure helpers only: the browser client imports this file.
 */
import type { DataClassName, FeatureId, StateFips } from './types.ts';

export const LOOKUP_FORMAT = 'geobundle-lookup/1';
export const FACTS_FORMAT = 'geobundle-facts/1';

/** A square of the quadtree: its lower-left corner and side, in units of 10^-precision degrees. */
export interface Square {
  x0: number;
  y0: number;
  size: number;
}

/**
 * A path from the root square: one digit per level, 0 lower-left, 1
 * lower-right, 2 upper-left, 3 upper-right (x, then y, halves: a point on a
 * dividing line goes to the upper or right half).
 */
export type QuadKey = string;

/** One entry of a page: the key of the square it covers, what is there, and the sha256 of that file's JSON. */
export type LookupEntry = [key: QuadKey, kind: 'page' | 'cell', sha256: string];

/** A page of the index: the squares of one part of the tree that hold something, each a cell or a page further down. */
export interface LookupPage {
  format: typeof LOOKUP_FORMAT;
  /** The square the page covers (`""` for the root). */
  key: QuadKey;
  entries: LookupEntry[];
}

/** The root page, with what a reader needs to descend. */
export interface LookupRoot extends LookupPage {
  /** Decimal places of the coordinates (the release's coordinate_precision). */
  precision: number;
  /** The root square (x0, y0, size), in units. */
  square: Square;
  /** Every class of the index, in name order: a cell lists each, empty where none of its districts reaches. */
  classes: DataClassName[];
}

/**
 * A district of a cell: id, name, state FIPS and its polygons clipped to
 * the cell, or `1` when it covers the whole cell. Each ring is a flat list
 * of whole units: its first vertex relative to the cell's lower-left
 * corner, then each vertex relative to the one before; the closing vertex
 * is implied.
 */
export type CellDistrict = [id: FeatureId, name: string, state: StateFips | null, geometry: 1 | number[][][]];

export interface LookupCell {
  format: typeof LOOKUP_FORMAT;
  key: QuadKey;
  /** Districts in id order, per class (every class of the root, in its order). */
  classes: Record<DataClassName, CellDistrict[]>;
}

/** The facts of one district. */
export interface FactsFile {
  format: typeof FACTS_FORMAT;
  class: DataClassName;
  id: FeatureId;
  census: Record<string, unknown> | null;
  wikipedia: Record<string, unknown> | null;
}

/** A class's districts of one state (`""`: districts with no state): id → sha256 of its facts file. */
export interface FactsDirectory {
  format: typeof FACTS_FORMAT;
  class: DataClassName;
  state: StateFips | '';
  ids: Record<FeatureId, string>;
}

/** Per class with any facts, per state: the sha256 of its facts directory. */
export interface FactsRoot {
  format: typeof FACTS_FORMAT;
  classes: Record<DataClassName, Record<StateFips | '', string>>;
}

/** What the current-release answer carries of the release's lookup index: its root, and the facts root's sha256. */
export interface CurrentLookup {
  root: LookupRoot;
  /** sha256 of the root's JSON as stored (its file is `lookupPath('lookup', root_sha256)`). */
  root_sha256: string;
  facts_sha256: string | null;
}

export type LookupFileKind = 'lookup' | 'facts';

/** Where a lookup or facts file is, relative to the releases directory (and to /bundles/): made from its JSON's sha256. */
export function lookupPath(kind: LookupFileKind, sha256: string): string {
  return `content/${kind}/${sha256.slice(0, 2)}/${sha256}.json.gz`;
}

/** The square a key names under the root square. */
export function keySquare(root: Square, key: QuadKey): Square {
  let { x0, y0, size } = root;
  for (const digit of key) {
    size /= 2;
    const d = Number(digit);
    if (d & 1) x0 += size;
    if (d & 2) y0 += size;
  }
  return { x0, y0, size };
}

/** The root square of a precision: from (-180°, -180°), a power of two units wide that covers 360°. */
export function rootSquare(precision: number): Square {
  const scale = 10 ** precision;
  return { x0: -180 * scale, y0: -180 * scale, size: 2 ** Math.ceil(Math.log2(360 * scale)) };
}

/** Past this precision a root square's side (2^k ≥ 360 · 10^p units) is no longer an exact whole number in a double. */
export const MAX_LOOKUP_PRECISION = 13;
