/**
 * Every district of every class, as the lookup index is built from them:
 * the build's pass over each class hands over its features one by one, and
 * their rings — whole units of the release's precision, without the
 * closing vertex — go to a scratch file, so memory holds a few bytes of
 * bookkeeping per district rather than the whole data set (tens of
 * millions of vertices). The index then reads back the districts of one
 * part of the map at a time.
 */
import fs from 'node:fs';
import type { Bbox } from '../../../../core/release-format.ts';
import type { ArealGeometry } from '../../../geometry.ts';
import type { Box, Ring } from './clip.ts';

export interface StoredDistrict {
  classIndex: number;
  id: string;
  name: string;
  state: string | null;
  /** Bounding box in whole units. */
  box: Box;
  /** Where its coordinates start in the scratch file, in coordinates. */
  offset: number;
  /** Vertices of each ring, and rings of each polygon. */
  ringVertices: number[];
  polygonRings: number[];
}

/** Coordinates buffered before a write to the scratch file. */
const FLUSH_COORDINATES = 1 << 20;

export class DistrictStore {
  readonly districts: StoredDistrict[] = [];
  /** Whole units fit 32 bits up to 7 decimals (180 · 10^7 < 2^31); past that they are stored as doubles. */
  private readonly wide: boolean;
  private readonly fd: number;
  private readonly scale: number;
  private pending: Int32Array | Float64Array;
  private pendingLength = 0;
  private written = 0;
  private closed = false;
  vertices = 0;

  constructor(
    private readonly file: string,
    precision: number,
  ) {
    this.scale = 10 ** precision;
    this.wide = precision > 7;
    this.pending = this.wide ? new Float64Array(FLUSH_COORDINATES) : new Int32Array(FLUSH_COORDINATES);
    this.fd = fs.openSync(file, 'wx+');
  }

  add(
    classIndex: number,
    district: { id: string; name: string; state: string | null; geometry: ArealGeometry; bbox: Bbox },
  ): void {
    const polygons =
      district.geometry.type === 'Polygon' ? [district.geometry.coordinates] : district.geometry.coordinates;
    const offset = this.written + this.pendingLength;
    const ringVertices: number[] = [];
    const polygonRings: number[] = [];
    for (const polygon of polygons) {
      polygonRings.push(polygon.length);
      for (const ring of polygon) {
        const vertices = ring.length - 1;
        ringVertices.push(vertices);
        this.vertices += vertices;
        for (let i = 0; i < vertices; i++) {
          this.append(Math.round(ring[i]![0]! * this.scale));
          this.append(Math.round(ring[i]![1]! * this.scale));
        }
      }
    }
    const [w, s, e, n] = district.bbox;
    const box = {
      x0: Math.round(w * this.scale),
      y0: Math.round(s * this.scale),
      x1: Math.round(e * this.scale),
      y1: Math.round(n * this.scale),
    };
    this.districts.push({
      classIndex,
      id: district.id,
      name: district.name,
      state: district.state,
      box,
      offset,
      ringVertices,
      polygonRings,
    });
  }

  private append(value: number): void {
    if (this.pendingLength === this.pending.length) this.flush();
    this.pending[this.pendingLength++] = value;
  }

  /** Writes what is buffered; called before any read. */
  flush(): void {
    if (this.pendingLength === 0) return;
    const bytes = new Uint8Array(this.pending.buffer, 0, this.pendingLength * this.pending.BYTES_PER_ELEMENT);
    fs.writeSync(this.fd, bytes, 0, bytes.length, this.written * this.pending.BYTES_PER_ELEMENT);
    this.written += this.pendingLength;
    this.pendingLength = 0;
  }

  /** A district's polygons, each its rings, read back from the scratch file. */
  read(district: StoredDistrict): Ring[][] {
    const total = district.ringVertices.reduce((n, v) => n + v, 0) * 2;
    const width = this.pending.BYTES_PER_ELEMENT;
    const bytes = new Uint8Array(total * width);
    fs.readSync(this.fd, bytes, 0, bytes.length, district.offset * width);
    const stored = this.wide ? new Float64Array(bytes.buffer) : new Int32Array(bytes.buffer);
    const polygons: Ring[][] = [];
    let ring = 0;
    let at = 0;
    for (const rings of district.polygonRings) {
      const polygon: Ring[] = [];
      for (let r = 0; r < rings; r++, ring++) {
        const length = district.ringVertices[ring]! * 2;
        polygon.push(Float64Array.from(stored.subarray(at, at + length)));
        at += length;
      }
      polygons.push(polygon);
    }
    return polygons;
  }

  /** Closes and removes the scratch file; again, it does nothing (a build that fails after the index was built aborts it too). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
    fs.rmSync(this.file, { force: true });
  }
}
