/**
 * FlatGeobuf's spatial index: a static packed Hilbert R-tree
 * (https://flatgeobuf.org, "Spatial index"; the reference writer is
 * src/cpp/packedrtree.cpp of github.com/flatgeobuf/flatgeobuf). The
 * features are stored in the Hilbert order of their boxes' centres, so
 * neighbours on the map are neighbours in the file and a bbox query reads
 * few, mostly contiguous ranges; the tree above them is stored root first,
 * each node 40 bytes: minX, minY, maxX, maxY (float64) and an offset
 * (uint64) — a leaf's is its feature's byte offset in the features section,
 * an inner node's the index of its first child. The flatgeobuf package
 * reads such trees (its level layout is reused here) but writes none.
 */
import { generateLevelBounds, NODE_ITEM_BYTE_LEN } from 'flatgeobuf/lib/mjs/packedrtree.js';
import type { Bbox } from '../../../../core/release-format.ts';
import { INDEX_NODE_SIZE } from '../gis.ts';

const HILBERT_MAX = 0xffff;

/**
 * The position of (x, y), each in 0…65535, on the Hilbert curve filling
 * that square: the branch-free bit-twiddling construction of
 * github.com/rawrunprotected/hilbert_curves (public domain), which every
 * FlatGeobuf writer uses. `>>> 0` keeps every step an unsigned 32-bit value.
 */
export function hilbert(x: number, y: number): number {
  let a = (x ^ y) >>> 0;
  let b = (0xffff ^ a) >>> 0;
  let c = (0xffff ^ (x | y)) >>> 0;
  let d = (x & (y ^ 0xffff)) >>> 0;

  let A = a | (b >>> 1);
  let B = (a >>> 1) ^ a;
  let C = (c >>> 1) ^ (b & (d >>> 1)) ^ c;
  let D = (a & (c >>> 1)) ^ (d >>> 1) ^ d;

  for (const shift of [2, 4]) {
    a = A;
    b = B;
    c = C;
    d = D;
    A = (a & (a >>> shift)) ^ (b & (b >>> shift));
    B = (a & (b >>> shift)) ^ (b & ((a ^ b) >>> shift));
    C ^= (a & (c >>> shift)) ^ (b & (d >>> shift));
    D ^= (b & (c >>> shift)) ^ ((a ^ b) & (d >>> shift));
  }
  a = A;
  b = B;
  c = C;
  d = D;
  C ^= (a & (c >>> 8)) ^ (b & (d >>> 8));
  D ^= (b & (c >>> 8)) ^ ((a ^ b) & (d >>> 8));

  a = C ^ (C >>> 1);
  b = D ^ (D >>> 1);
  let i0 = (x ^ y) >>> 0;
  let i1 = (b | (0xffff ^ (i0 | a))) >>> 0;
  const spread = (v: number) => {
    v = (v | (v << 8)) & 0x00ff00ff;
    v = (v | (v << 4)) & 0x0f0f0f0f;
    v = (v | (v << 2)) & 0x33333333;
    return (v | (v << 1)) & 0x55555555;
  };
  i0 = spread(i0);
  i1 = spread(i1);
  return ((i1 << 1) | i0) >>> 0;
}

/** A box's centre on the curve over `extent` (a zero-width extent maps every centre to 0 on that axis). */
function hilbertOf([w, s, e, n]: Bbox, [minX, minY, maxX, maxY]: Bbox): number {
  const scale = (v: number, min: number, max: number) =>
    max > min ? Math.floor((HILBERT_MAX * (v - min)) / (max - min)) : 0;
  return hilbert(scale((w + e) / 2, minX, maxX), scale((s + n) / 2, minY, maxY));
}

/** The indices of `boxes` in Hilbert order over `extent`; equal positions keep their order (Array.prototype.sort is stable). */
export function hilbertOrder(boxes: readonly Bbox[], extent: Bbox): number[] {
  const keys = boxes.map((box) => hilbertOf(box, extent));
  return boxes.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]!);
}

/**
 * The index bytes for leaves in storage order: `boxes[i]` is the i-th
 * feature's box, `offsets[i]` its byte offset in the features section.
 */
export function packedRTree(boxes: readonly Bbox[], offsets: readonly number[], nodeSize = INDEX_NODE_SIZE): Buffer {
  const levels = generateLevelBounds(boxes.length, nodeSize);
  // Levels run leaves first; the leaves are the last nodes stored.
  const [leafStart, nodeCount] = levels[0]!;
  const nodes = Buffer.alloc(nodeCount * NODE_ITEM_BYTE_LEN);
  const write = (at: number, [w, s, e, n]: Bbox, offset: number) => {
    let p = at * NODE_ITEM_BYTE_LEN;
    for (const v of [w, s, e, n]) p = nodes.writeDoubleLE(v, p);
    nodes.writeBigUInt64LE(BigInt(offset), p);
  };
  const box = (at: number): Bbox => {
    const p = at * NODE_ITEM_BYTE_LEN;
    return [nodes.readDoubleLE(p), nodes.readDoubleLE(p + 8), nodes.readDoubleLE(p + 16), nodes.readDoubleLE(p + 24)];
  };
  for (const [i, b] of boxes.entries()) write(leafStart + i, b, offsets[i]!);
  // Bottom-up: each parent covers up to nodeSize consecutive children and points at the first.
  for (let level = 0; level < levels.length - 1; level++) {
    const [start, end] = levels[level]!;
    let parent = levels[level + 1]![0];
    for (let first = start; first < end; first += nodeSize) {
      const cover: Bbox = [Infinity, Infinity, -Infinity, -Infinity];
      for (let child = first; child < Math.min(first + nodeSize, end); child++) {
        const [w, s, e, n] = box(child);
        cover[0] = Math.min(cover[0], w);
        cover[1] = Math.min(cover[1], s);
        cover[2] = Math.max(cover[2], e);
        cover[3] = Math.max(cover[3], n);
      }
      write(parent++, cover, first);
    }
  }
  return nodes;
}
