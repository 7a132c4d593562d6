/**
 * Clips a ring to a cell of the lookup index so that point in polygon gives
 * the same answer as the whole ring for every point of the cell — exactly,
 * with no new vertex computed. Every edge whose box touches the cell grown
 * by a margin (`box`) is kept as it is, with its original vertices; each run
 * of edges that does not is outside the box, and is replaced by a detour
 * that stays outside it too — from the run's first vertex straight to the
 * box, along the box, and straight back to the run's last vertex — chosen
 * to cross a ray from the cell's centre the same number of times, signed,
 * as the run did. The run and its detour then form a loop that winds zero
 * times around every point inside the box, so each such point's winding
 * number, and its even-odd parity, are those of the original ring: every
 * edge near it is an original edge, and every replaced one is at least the
 * margin away. All coordinates are whole units (the release's precision),
 * so every comparison is exact.
 */

/** A closed rectangle in whole units. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A ring as flat coordinates [x0, y0, x1, y1, …] in whole units, without the closing vertex. */
export type Ring = Float64Array;

/** A clipped ring, or what a ring with no edge near the box is to its points: none inside it, or all (by parity). */
export type ClippedRing = Ring | 'outside' | 'around';

/**
 * The signed crossing of the ray from (cx, cy) towards +x by the segment
 * a → b: +1 upwards, -1 downwards. A point on the ray's line counts as
 * below it, so a path through it crosses once, not twice or never.
 */
function crossing(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const above = ay > cy;
  if (above === by > cy) return 0;
  if (ax <= cx && bx <= cx) return 0;
  // Only a segment outside the box reaches here with one end left of cx: where it meets the ray's line is outside the box, far from cx.
  const right = (ax > cx && bx > cx) || ax + ((cy - ay) * (bx - ax)) / (by - ay) > cx;
  return right ? (above ? -1 : 1) : 0;
}

/** Position of a point of the box's boundary, counter-clockwise from (x1, y0): right side 0–1, top 1–2, left 2–3, bottom 3–4. */
function perimeter(x: number, y: number, b: Box): number {
  if (x === b.x1 && y < b.y1) return (y - b.y0) / (b.y1 - b.y0);
  if (y === b.y1 && x > b.x0) return 1 + (b.x1 - x) / (b.x1 - b.x0);
  if (x === b.x0 && y > b.y0) return 2 + (b.y1 - y) / (b.y1 - b.y0);
  return 3 + (x - b.x0) / (b.x1 - b.x0);
}

/** Corner k (mod 4) of the perimeter: (x1, y0), (x1, y1), (x0, y1), (x0, y0). */
const cornerX = (k: number, b: Box) => ((k & 3) < 2 ? b.x1 : b.x0);
const cornerY = (k: number, b: Box) => ((k & 3) === 0 || (k & 3) === 3 ? b.y0 : b.y1);

/** The way from a point outside the box to its boundary, staying outside: [ax, ay, bx, by]. */
function toBox(ox: number, oy: number, b: Box, out: number[]): void {
  if (ox > b.x1 || ox < b.x0) {
    const y = oy < b.y0 ? b.y0 : Math.min(oy, b.y1);
    out[0] = ox;
    out[1] = y;
    out[2] = ox > b.x1 ? b.x1 : b.x0;
    out[3] = y;
  } else {
    out[0] = ox;
    out[1] = oy;
    out[2] = ox;
    out[3] = oy > b.y1 ? b.y1 : b.y0;
  }
}

/** The output ring being made: vertices appended, consecutive repeats dropped. */
class RingBuilder {
  private buffer = new Float64Array(1024);
  private length = 0;

  reset(): void {
    this.length = 0;
  }

  push(x: number, y: number): void {
    const n = this.length;
    if (n >= 2 && this.buffer[n - 2] === x && this.buffer[n - 1] === y) return;
    if (n + 2 > this.buffer.length) {
      const grown = new Float64Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[n] = x;
    this.buffer[n + 1] = y;
    this.length = n + 2;
  }

  ring(): Ring {
    let n = this.length;
    while (n >= 4 && this.buffer[0] === this.buffer[n - 2] && this.buffer[1] === this.buffer[n - 1]) n -= 2;
    return this.buffer.slice(0, n);
  }
}

const builder = new RingBuilder();
const pre = [0, 0, 0, 0];
const post = [0, 0, 0, 0];

/**
 * `ring` clipped to `box` (a cell grown by a margin of at least one unit),
 * for points inside the box; (cx, cy) is a point inside the box, in whole
 * units (the cell's centre).
 */
export function clipRing(ring: Ring, box: Box, cx: number, cy: number): ClippedRing {
  const n = ring.length >> 1;
  const touches = new Uint8Array(n);
  let touching = 0;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const ax = ring[2 * i]!;
    const ay = ring[2 * i + 1]!;
    const bx = ring[2 * j]!;
    const by = ring[2 * j + 1]!;
    if (
      Math.max(ax, bx) >= box.x0 &&
      Math.min(ax, bx) <= box.x1 &&
      Math.max(ay, by) >= box.y0 &&
      Math.min(ay, by) <= box.y1
    ) {
      touches[i] = 1;
      touching++;
    }
  }
  if (touching === n) return ring;
  if (touching === 0) {
    let winding = 0;
    for (let i = 0; i < n; i++) {
      const j = i + 1 === n ? 0 : i + 1;
      winding += crossing(ring[2 * i]!, ring[2 * i + 1]!, ring[2 * j]!, ring[2 * j + 1]!, cx, cy);
    }
    return winding % 2 === 0 ? 'outside' : 'around';
  }
  // Start at a kept edge that follows a replaced one, so every run is whole.
  let start = 0;
  while (!(touches[start] && !touches[start === 0 ? n - 1 : start - 1])) start++;
  builder.reset();
  let i = start;
  let done = 0;
  while (done < n) {
    if (touches[i]) {
      builder.push(ring[2 * i]!, ring[2 * i + 1]!);
      i = i + 1 === n ? 0 : i + 1;
      done++;
      continue;
    }
    const o1x = ring[2 * i]!;
    const o1y = ring[2 * i + 1]!;
    builder.push(o1x, o1y);
    let crossings = 0;
    let j = i;
    while (!touches[j]) {
      const k = j + 1 === n ? 0 : j + 1;
      crossings += crossing(ring[2 * j]!, ring[2 * j + 1]!, ring[2 * k]!, ring[2 * k + 1]!, cx, cy);
      j = k;
      done++;
    }
    const o2x = ring[2 * j]!;
    const o2y = ring[2 * j + 1]!;
    toBox(o1x, o1y, box, pre);
    toBox(o2x, o2y, box, post);
    // What the detour's legs to and from the box cross, the walk along it must make up.
    crossings -= crossing(o1x, o1y, pre[0]!, pre[1]!, cx, cy) + crossing(pre[0]!, pre[1]!, pre[2]!, pre[3]!, cx, cy);
    crossings -=
      crossing(post[2]!, post[3]!, post[0]!, post[1]!, cx, cy) + crossing(post[0]!, post[1]!, o2x, o2y, cx, cy);
    const from = perimeter(pre[2]!, pre[3]!, box);
    let along = perimeter(post[2]!, post[3]!, box) - from;
    if (along < 0) along += 4;
    let walked = 0;
    let px = pre[2]!;
    let py = pre[3]!;
    for (let k = Math.floor(from) + 1; k < from + along; k++) {
      walked += crossing(px, py, cornerX(k, box), cornerY(k, box), cx, cy);
      px = cornerX(k, box);
      py = cornerY(k, box);
    }
    walked += crossing(px, py, post[2]!, post[3]!, cx, cy);
    // Each extra turn around the box (counter-clockwise) crosses the ray once more.
    const turns = crossings - walked;
    along += 4 * turns;
    builder.push(pre[0]!, pre[1]!);
    builder.push(pre[2]!, pre[3]!);
    if (along > 0)
      for (let k = Math.floor(from) + 1; k < from + along; k++) builder.push(cornerX(k, box), cornerY(k, box));
    else for (let k = Math.ceil(from) - 1; k > from + along; k--) builder.push(cornerX(k, box), cornerY(k, box));
    builder.push(post[2]!, post[3]!);
    builder.push(post[0]!, post[1]!);
    i = j;
  }
  return builder.ring();
}

/** The box itself as a ring: what a ring all around the cell becomes when a hole inside it is kept. */
export function boxRing(b: Box): Ring {
  return Float64Array.of(b.x0, b.y0, b.x1, b.y0, b.x1, b.y1, b.x0, b.y1);
}
