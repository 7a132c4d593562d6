/**
 * Checks a release's lookup index against point in polygon on its
 * full-resolution all.geojson, class by class: the tests on cd119 and
 * cds-2016 and the bench on the whole data set draw seeded points — in the
 * box of a district, on a random place of a district's border moved up to a
 * hundred metres across it, and on the edges of the index's own cells —
 * and count every point where the two disagree.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Position } from 'geojson';
import { fileFetch } from '../cli/file-fetch.ts';
import { buildDistrictIndex, type DistrictIndex, polygonsOf } from '../client/district-index.ts';
import { openLookup } from '../client/lookup.ts';
import type { District, DistrictCollection, DistrictLookup } from '../client/types.ts';
import { keySquare, type LookupRoot } from '../core/lookup-format.ts';
import { readManifest } from '../pipeline/release/store/manifest-file.ts';
import { readBundle } from './bundle-file.ts';

export interface CheckPoint {
  lat: number;
  lon: number;
  /** How it was drawn. */
  kind: 'box' | 'border' | 'cell-edge';
  /** For border points: how far from the border it was moved, in metres. */
  metres?: number;
}

/** A seeded generator (mulberry32): the same points on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every class of a release with its full-resolution districts, in id order, ready for point in polygon. */
export function referenceIndexes(releaseDir: string): Map<string, DistrictIndex<District>> {
  const manifest = readManifest(releaseDir);
  const indexes = new Map<string, DistrictIndex<District>>();
  for (const [dataClass, cls] of Object.entries(manifest.classes)) {
    const all = cls.files.find((f) => f.kind === 'all' && f.encoding === 'gzip')!;
    const collection = JSON.parse(readBundle(path.join(releaseDir, all.path))) as DistrictCollection;
    indexes.set(dataClass, buildDistrictIndex(collection.features));
  }
  return indexes;
}

const METRES_PER_DEGREE = 111_320;

/**
 * `count` points: `borderShare` of them near a border (moved across it by up
 * to `maxMetres`), the rest uniform in a random district's box.
 */
export function drawPoints(
  indexes: Map<string, DistrictIndex<District>>,
  {
    seed,
    count,
    borderShare,
    maxMetres = 100,
  }: { seed: number; count: number; borderShare: number; maxMetres?: number },
): CheckPoint[] {
  const random = seeded(seed);
  const districts = [...indexes.values()].flatMap((index) => index.features.filter((f) => f.geometry));
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const points: CheckPoint[] = [];
  const borders = Math.round(count * borderShare);
  for (let i = 0; i < count; i++) {
    const polygons = polygonsOf(pick(districts).geometry);
    const ring = pick(pick(polygons));
    if (i < borders && ring.length > 1) {
      const at = Math.floor(random() * (ring.length - 1));
      const [ax, ay] = ring[at] as [number, number];
      const [bx, by] = ring[at + 1] as [number, number];
      const t = random();
      const metres = (random() * 2 - 1) * maxMetres;
      // Across the edge: its normal, in metres on the ground.
      const cos = Math.cos((ay * Math.PI) / 180);
      const dx = (bx - ax) * cos;
      const dy = by - ay;
      const length = Math.hypot(dx, dy) || 1;
      const lon = ax + t * (bx - ax) + ((-dy / length) * metres) / METRES_PER_DEGREE / cos;
      const lat = ay + t * (by - ay) + ((dx / length) * metres) / METRES_PER_DEGREE;
      if (Math.abs(lat) <= 90 && Math.abs(lon) <= 180)
        points.push({ lat, lon, kind: 'border', metres: Math.abs(metres) });
    } else {
      const box = boxOf(ring);
      points.push({
        lon: box[0] + random() * (box[2] - box[0]),
        lat: box[1] + random() * (box[3] - box[1]),
        kind: 'box',
      });
    }
  }
  return points;
}

function boxOf(ring: Position[]): [number, number, number, number] {
  const xs = ring.map((p) => p[0]!);
  const ys = ring.map((p) => p[1]!);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** Points exactly on the edges and corners of `count` of the index's cells (whose keys the root and pages name). */
export function cellEdgePoints(root: LookupRoot, keys: readonly string[], seed: number, count: number): CheckPoint[] {
  const random = seeded(seed);
  const scale = 10 ** root.precision;
  const points: CheckPoint[] = [];
  for (let i = 0; i < count && keys.length > 0; i++) {
    const { x0, y0, size } = keySquare(root.square, keys[Math.floor(random() * keys.length)]!);
    const along = Math.floor(random() * size);
    const side = Math.floor(random() * 5);
    const [x, y] = [
      [x0, y0 + along],
      [x0 + size, y0 + along],
      [x0 + along, y0],
      [x0 + along, y0 + size],
      [x0, y0],
    ][side]!;
    points.push({ lon: x! / scale, lat: y! / scale, kind: 'cell-edge' });
  }
  return points.filter((p) => Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180);
}

/** Opens the lookup of a release in a local releases directory, as `geobundle lookup` does. */
export function openLocalLookup(releasesDir: string, version: string): Promise<DistrictLookup> {
  return openLookup({ releasesUrl: pathToFileURL(releasesDir).href, version, fetch: fileFetch, cache: null });
}

export interface Disagreement {
  point: CheckPoint;
  dataClass: string;
  lookup: string | null;
  reference: string | null;
}

/** Every point and class where the lookup and point in polygon on all.geojson name different districts. */
export async function disagreements(
  lookup: DistrictLookup,
  indexes: Map<string, DistrictIndex<District>>,
  points: readonly CheckPoint[],
): Promise<Disagreement[]> {
  const found: Disagreement[] = [];
  for (const point of points) {
    const answer = await lookup.lookup(point);
    for (const [dataClass, index] of indexes) {
      const reference = index.find(point.lon, point.lat)?.properties.id ?? null;
      const got = answer.districts[dataClass]?.id ?? null;
      if (got !== reference) found.push({ point, dataClass, lookup: got, reference });
    }
  }
  return found;
}
