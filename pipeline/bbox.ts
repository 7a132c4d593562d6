import type { Position } from 'geojson';
import type { Bbox } from '../core/release-format.ts';
import type { ArealGeometry } from './geometry.ts';

export interface MutableBbox {
  empty: boolean;
  w: number;
  s: number;
  e: number;
  n: number;
  value(): Bbox;
}

export function emptyBbox(): MutableBbox {
  return {
    empty: true,
    w: Infinity,
    s: Infinity,
    e: -Infinity,
    n: -Infinity,
    value() {
      return [this.w, this.s, this.e, this.n];
    },
  };
}

export function extendBbox(target: MutableBbox, [w, s, e, n]: Bbox): void {
  target.empty = false;
  if (w < target.w) target.w = w;
  if (s < target.s) target.s = s;
  if (e > target.e) target.e = e;
  if (n > target.n) target.n = n;
}

/** Bounding box of an areal geometry: its exterior rings bound it, holes never extend it. */
export function geometryBbox(geometry: ArealGeometry): Bbox {
  const box = emptyBbox();
  const polygons: Position[][][] = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  for (const polygon of polygons) {
    for (const [lon, lat] of polygon[0] ?? []) extendBbox(box, [lon!, lat!, lon!, lat!]);
  }
  return box.value();
}
