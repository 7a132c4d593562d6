/**
 * FlatGeobuf's spatial index as written by pipeline/release/hilbert-rtree.ts:
 * the curve is checked by what makes it a Hilbert curve, the tree by the
 * flatgeobuf package's own search (streamSearch, what its HTTP reader runs
 * over range requests) against a brute-force scan.
 */
import { NODE_ITEM_BYTE_LEN, streamSearch } from 'flatgeobuf/lib/mjs/packedrtree.js';
import { describe, expect, it } from 'vitest';
import type { Bbox } from '../core/release-format.ts';
import { hilbert, hilbertOrder, packedRTree } from '../pipeline/release/formats/gis/hilbert-rtree.ts';
import { collectSearch } from './helpers/flatgeobuf.ts';

describe('hilbert', () => {
  it('visits every cell of the 16 × 16 corner once, each step to a neighbouring cell', () => {
    const cells = new Map<number, [number, number]>();
    for (let x = 0; x < 16; x++) for (let y = 0; y < 16; y++) cells.set(hilbert(x, y), [x, y]);
    expect([...cells.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 256 }, (_, i) => i));
    for (let i = 1; i < 256; i++) {
      const [ax, ay] = cells.get(i - 1)!;
      const [bx, by] = cells.get(i)!;
      expect(Math.abs(ax - bx) + Math.abs(ay - by), `step ${i}`).toBe(1);
    }
  });

  it('spans the unsigned 32-bit range over the whole 65536 × 65536 grid', () => {
    expect(hilbert(0, 0)).toBe(0);
    expect(Math.max(hilbert(0xffff, 0), hilbert(0, 0xffff))).toBe(2 ** 32 - 1);
    expect(hilbert(0x8000, 0x8000)).toBeGreaterThan(0);
  });
});

/** A deterministic scatter of small boxes over the conterminous US. */
function boxes(count: number): Bbox[] {
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: count }, () => {
    const w = -125 + next() * 58;
    const s = 25 + next() * 24;
    return [w, s, w + next() * 2, s + next() * 2];
  });
}

const intersects = (a: Bbox, b: Bbox) => a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1];

describe('packedRTree', () => {
  it("answers the flatgeobuf package's search exactly as a scan does, on a tree of four levels", async () => {
    const items = boxes(1000);
    const extent: Bbox = [-125, 25, -65, 51];
    const order = hilbertOrder(items, extent);
    const sorted = order.map((i) => items[i]!);
    // Leaf offsets stand for the features' byte offsets: here 100 bytes each.
    const offsets = sorted.map((_, i) => i * 100);
    const tree = packedRTree(sorted, offsets, 16);
    expect(tree.length).toBe((1000 + 63 + 4 + 1) * NODE_ITEM_BYTE_LEN);
    const rects: Bbox[] = [
      [-122.6, 37.6, -122.3, 37.9],
      [-100, 30, -90, 40],
      [-180, -90, 180, 90],
      [0, 0, 1, 1],
    ];
    for (const rect of rects) {
      const readNode = async (offset: number, length: number) =>
        tree.buffer.slice(tree.byteOffset + offset, tree.byteOffset + offset + length) as ArrayBuffer;
      const [minX, minY, maxX, maxY] = rect;
      const hits = await collectSearch(streamSearch(1000, 16, { minX, minY, maxX, maxY }, readNode));
      const found = hits.map(([offset]) => offset / 100);
      const expected = sorted.flatMap((b, i) => (intersects(b, rect) ? [i] : []));
      expect(
        found.sort((a, b) => a - b),
        JSON.stringify(rect),
      ).toEqual(expected);
    }
  });

  it('orders boxes along the curve: neighbours in the file are neighbours on the map', () => {
    const items = boxes(1000);
    const extent: Bbox = [-125, 25, -65, 51];
    const centre = (b: Bbox) => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2] as const;
    const step = (seq: Bbox[]) =>
      seq.slice(1).reduce((sum, b, i) => {
        const [ax, ay] = centre(seq[i]!);
        const [bx, by] = centre(b);
        return sum + Math.hypot(ax - bx, ay - by);
      }, 0);
    // In Hilbert order the path through the centres is a fraction of the path in scatter order.
    expect(step(hilbertOrder(items, extent).map((i) => items[i]!))).toBeLessThan(step(items) / 10);
  });

  it('holds a single feature under a root of its own', () => {
    const tree = packedRTree([[1, 2, 3, 4]], [0]);
    expect(tree.length).toBe(2 * NODE_ITEM_BYTE_LEN);
    expect([0, 8, 16, 24].map((o) => tree.readDoubleLE(o))).toEqual([1, 2, 3, 4]);
    expect(tree.readBigUInt64LE(32)).toBe(1n);
  });
});
