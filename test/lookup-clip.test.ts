/**
 * The lookup index's clipping (pipeline/release/formats/lookup/clip.ts):
 * for every point of a cell, point in polygon on the clipped ring gives the
 * answer the whole ring gives — checked with turf on seeded random rings
 * (star-shaped, spiralling, with long edges across the cell) and points all
 * over the cell, its edges and corners included; and the clipped ring keeps
 * only original vertices and detours outside the cell.
 */
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { Position } from 'geojson';
import { describe, expect, it } from 'vitest';
import { type Box, boxRing, clipRing, type Ring } from '../pipeline/release/formats/lookup/clip.ts';
import { seeded } from '../testkit/lookup-check.ts';

const closed = (ring: Ring): Position[] => {
  const out: Position[] = [];
  for (let i = 0; i < ring.length; i += 2) out.push([ring[i]!, ring[i + 1]!]);
  out.push(out[0]!);
  return out;
};

const inside = (ring: Ring, x: number, y: number) =>
  booleanPointInPolygon([x, y], { type: 'Polygon', coordinates: [closed(ring)] });

/** A cell [x0, x0 + size]², its box grown by one unit, and its centre. */
function cell(x0: number, y0: number, size: number) {
  const box: Box = { x0: x0 - 1, y0: y0 - 1, x1: x0 + size + 1, y1: y0 + size + 1 };
  return { x0, y0, size, box, cx: x0 + size / 2, cy: y0 + size / 2 };
}

/** A ring of `n` vertices around (cx, cy): radii and angles jittered, `turns` times around (a spiral that crosses itself when over 1). */
function randomRing(random: () => number, cx: number, cy: number, n: number, radius: number, turns = 1): Ring {
  const ring: number[] = [];
  for (let i = 0; i < n; i++) {
    const angle = ((i + random() * 0.8) / n) * 2 * Math.PI * turns;
    const r = radius * (0.2 + random());
    ring.push(Math.round(cx + r * Math.cos(angle)), Math.round(cy + r * Math.sin(angle)));
  }
  return Float64Array.from(ring);
}

describe('clipping a ring to a cell of the lookup index', () => {
  it('keeps a ring whose every edge is near the cell, and says which cells a far ring misses or surrounds', () => {
    const c = cell(0, 0, 100);
    const near = Float64Array.of(10, 10, 90, 10, 90, 90, 10, 90);
    expect(clipRing(near, c.box, c.cx, c.cy)).toBe(near);
    expect(clipRing(Float64Array.of(500, 500, 600, 500, 600, 600), c.box, c.cx, c.cy)).toBe('outside');
    expect(clipRing(Float64Array.of(-500, -500, 500, -500, 500, 500, -500, 500), c.box, c.cx, c.cy)).toBe('around');
    // A box ring is kept as it is: every edge touches the cell's box.
    expect(clipRing(boxRing(c.box), c.box, c.cx, c.cy)).toEqual(boxRing(c.box));
  });

  it('gives every point of the cell the answer of the whole ring, on 400 random rings of every shape', () => {
    const random = seeded(1);
    let checked = 0;
    let differing = 0;
    for (let r = 0; r < 400; r++) {
      const c = cell(
        Math.round(random() * 200 - 100),
        Math.round(random() * 200 - 100),
        2 ** (4 + Math.floor(random() * 4)),
      );
      const turns = r % 5 === 0 ? 2 : 1;
      const ring = randomRing(
        random,
        c.cx + (random() - 0.5) * 300,
        c.cy + (random() - 0.5) * 300,
        6 + Math.floor(random() * 60),
        40 + random() * 400,
        turns,
      );
      const clipped = clipRing(ring, c.box, c.cx, c.cy);
      // Points on a grid over the cell, its edges and corners included, plus random ones inside it.
      const points: Array<[number, number]> = [];
      for (let i = 0; i <= 8; i++)
        for (let j = 0; j <= 8; j++) points.push([c.x0 + (c.size * i) / 8, c.y0 + (c.size * j) / 8]);
      for (let k = 0; k < 40; k++) points.push([c.x0 + random() * c.size, c.y0 + random() * c.size]);
      for (const [x, y] of points) {
        const expected = inside(ring, x, y);
        const got = clipped === 'outside' ? false : clipped === 'around' ? true : inside(clipped, x, y);
        if (got !== expected) differing += 1;
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(40_000);
    expect(differing).toBe(0);
  });

  it('adds no vertex but the original ones and detours on or outside the cell’s box', () => {
    const random = seeded(2);
    for (let r = 0; r < 200; r++) {
      const c = cell(0, 0, 64);
      const ring = randomRing(random, 32 + (random() - 0.5) * 200, 32 + (random() - 0.5) * 200, 40, 150);
      const clipped = clipRing(ring, c.box, c.cx, c.cy);
      if (typeof clipped === 'string') continue;
      const original = new Set<string>();
      for (let i = 0; i < ring.length; i += 2) original.add(`${ring[i]},${ring[i + 1]}`);
      for (let i = 0; i < clipped.length; i += 2) {
        const [x, y] = [clipped[i]!, clipped[i + 1]!];
        const outsideBox = x <= c.box.x0 || x >= c.box.x1 || y <= c.box.y0 || y >= c.box.y1;
        expect(original.has(`${x},${y}`) || outsideBox, `${x},${y}`).toBe(true);
        expect(Number.isInteger(x) && Number.isInteger(y)).toBe(true);
      }
    }
  });
});
