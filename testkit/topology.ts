/**
 * Topology checks for simplified maps, independent of the tool that made
 * them: which districts border each other at full resolution (found on a
 * grid, so sources whose neighbours do not share vertices exactly count
 * too), which share an arc in a TopoJSON file, how much neighbours overlap
 * (polyclip-ts), and whether any ring crosses itself.
 */
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson';
import * as polyclip from 'polyclip-ts';
import type { GeometryCollection, Topology } from 'topojson-specification';

type Areal = Feature<Polygon | MultiPolygon | null, { id: string }>;

const pair = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);

function polygonsOf(f: Areal): Position[][][] {
  const g = f.geometry;
  if (!g) return [];
  return g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
}

/** Length of an arc on the ground in metres (equirectangular at each segment's latitude: fine for short segments). */
function arcMetres(topology: Topology, index: number): number {
  const [kx, ky] = topology.transform?.scale ?? [1, 1];
  const [tx, ty] = topology.transform?.translate ?? [0, 0];
  let x = 0;
  let y = 0;
  let previous: [number, number] | undefined;
  let metres = 0;
  for (const [dx, dy] of topology.arcs[index]!) {
    // Quantized arcs are delta-encoded; unquantized ones hold the positions themselves.
    x = topology.transform ? x + dx! : dx!;
    y = topology.transform ? y + dy! : dy!;
    const point: [number, number] = [x * kx + tx, y * ky + ty];
    if (previous) {
      const cos = Math.cos((((previous[1] + point[1]) / 2) * Math.PI) / 180);
      metres += Math.hypot((point[0] - previous[0]) * cos, point[1] - previous[1]) * 111_320;
    }
    previous = point;
  }
  return metres;
}

/**
 * Pairs of ids (`a|b`) whose geometries in a TopoJSON object use one arc —
 * a shared border line — with the border's length on the ground in metres.
 */
export function sharedBorders(topology: Topology, objectName: string): Map<string, number> {
  const users = new Map<number, Set<string>>();
  const object = topology.objects[objectName] as GeometryCollection;
  for (const g of object.geometries) {
    const id = String((g.properties as { id: string }).id);
    const rings = g.type === 'Polygon' ? g.arcs : g.type === 'MultiPolygon' ? g.arcs.flat() : [];
    for (const arc of rings.flat()) {
      const index = arc < 0 ? ~arc : arc;
      const set = users.get(index) ?? new Set();
      set.add(id);
      users.set(index, set);
    }
  }
  const borders = new Map<string, number>();
  for (const [index, ids] of users) {
    const list = [...ids];
    if (list.length < 2) continue;
    const metres = arcMetres(topology, index);
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const key = pair(list[i]!, list[j]!);
        borders.set(key, (borders.get(key) ?? 0) + metres);
      }
  }
  return borders;
}

/** The pairs of ids whose geometries share an arc. */
export const sharedArcPairs = (topology: Topology, objectName: string): Set<string> =>
  new Set(sharedBorders(topology, objectName).keys());

/**
 * Pairs of districts whose boundaries run together for at least `minCells`
 * grid cells of `cell` degrees: neighbours along a border, not districts
 * touching at a point. Boundaries are sampled every half cell.
 */
export function borderingPairs(features: readonly Areal[], { cell = 0.0005, minCells = 4 } = {}): Set<string> {
  // Cells as numbers (column × 2^22 + row, both offset positive): far faster as Map keys than strings.
  const owners = new Map<number, number[]>();
  features.forEach((f, index) => {
    const mine = new Set<number>();
    for (const ring of polygonsOf(f).flat()) {
      for (let i = 0; i + 1 < ring.length; i++) {
        const [x0, y0] = ring[i] as [number, number];
        const [x1, y1] = ring[i + 1] as [number, number];
        const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / (cell / 2)));
        for (let s = 0; s <= steps; s++) {
          const column = Math.floor((x0 + ((x1 - x0) * s) / steps + 360) / cell);
          const row = Math.floor((y0 + ((y1 - y0) * s) / steps + 90) / cell);
          mine.add(column * 4_194_304 + row);
        }
      }
    }
    for (const key of mine) {
      const list = owners.get(key);
      if (list) list.push(index);
      else owners.set(key, [index]);
    }
  });
  const counts = new Map<string, number>();
  for (const list of owners.values()) {
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const key = pair(features[list[i]!]!.properties.id, features[list[j]!]!.properties.id);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
  }
  return new Set([...counts].filter(([, n]) => n >= minCells).map(([key]) => key));
}

/** Area in the sinusoidal projection (equal-area), in square degrees at the equator. */
function ringArea(ring: Position[]): number {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x0, y0] = ring[i] as [number, number];
    const [x1, y1] = ring[i + 1] as [number, number];
    sum += x0 * Math.cos((y0 * Math.PI) / 180) * y1 - x1 * Math.cos((y1 * Math.PI) / 180) * y0;
  }
  return sum / 2;
}

function multiArea(polygons: Position[][][]): number {
  return polygons.reduce(
    (n, [outer, ...holes]) =>
      n + Math.abs(ringArea(outer ?? [])) - holes.reduce((h, r) => h + Math.abs(ringArea(r)), 0),
    0,
  );
}

function bbox(polygons: Position[][][]): [number, number, number, number] {
  const b: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of polygons.flatMap((p) => p[0] ?? []) as Array<[number, number]>) {
    b[0] = Math.min(b[0], x);
    b[1] = Math.min(b[1], y);
    b[2] = Math.max(b[2], x);
    b[3] = Math.max(b[3], y);
  }
  return b;
}

/**
 * Total area where two districts overlap, over the total area of all of
 * them: every pair whose boxes meet is intersected.
 */
export function overlapRatio(features: readonly Areal[]): { overlap: number; total: number; ratio: number } {
  const shapes = features
    .map((f) => ({ polygons: polygonsOf(f) }))
    .filter((s) => s.polygons.length > 0)
    .map((s) => ({ ...s, box: bbox(s.polygons) }));
  let overlap = 0;
  for (let i = 0; i < shapes.length; i++) {
    const a = shapes[i]!;
    for (let j = i + 1; j < shapes.length; j++) {
      const b = shapes[j]!;
      if (a.box[2] < b.box[0] || b.box[2] < a.box[0] || a.box[3] < b.box[1] || b.box[3] < a.box[1]) continue;
      overlap += multiArea(polyclip.intersection(a.polygons as polyclip.Geom, b.polygons as polyclip.Geom));
    }
  }
  const total = shapes.reduce((n, s) => n + multiArea(s.polygons), 0);
  return { overlap, total, ratio: overlap / total };
}

function crosses(a: Position, b: Position, c: Position, d: Position): boolean {
  const orient = (p: Position, q: Position, r: Position) =>
    Math.sign((q[0]! - p[0]!) * (r[1]! - p[1]!) - (q[1]! - p[1]!) * (r[0]! - p[0]!));
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  // A proper crossing: each segment's ends on either side of the other (touching ends do not count).
  return o1 * o2 < 0 && o3 * o4 < 0;
}

/**
 * The ids of features with a polygon whose rings cross themselves or each
 * other (segments sorted by their west end, each compared with those whose
 * x-ranges overlap it).
 */
export function selfIntersecting(features: readonly Areal[]): string[] {
  const bad: string[] = [];
  for (const f of features) {
    for (const polygon of polygonsOf(f)) {
      const segments = polygon.flatMap((ring, r) =>
        ring.slice(0, -1).map((p, i) => {
          const q = ring[i + 1]!;
          return { p, q, r, i, n: ring.length - 1, minX: Math.min(p[0]!, q[0]!), maxX: Math.max(p[0]!, q[0]!) };
        }),
      );
      segments.sort((s, t) => s.minX - t.minX);
      let found = false;
      for (let i = 0; i < segments.length && !found; i++) {
        const s = segments[i]!;
        for (let j = i + 1; j < segments.length && segments[j]!.minX <= s.maxX; j++) {
          const t = segments[j]!;
          const adjacent = s.r === t.r && (Math.abs(s.i - t.i) === 1 || Math.abs(s.i - t.i) === s.n - 1);
          if (!adjacent && crosses(s.p, s.q, t.p, t.q)) {
            found = true;
            break;
          }
        }
      }
      if (found) {
        bad.push(f.properties.id);
        break;
      }
    }
  }
  return bad;
}
