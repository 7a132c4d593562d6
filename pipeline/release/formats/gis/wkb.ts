/**
 * Well-Known Binary (OGC Simple Features, ISO 19125-1 §8.2) of a class's
 * areal geometry, for GeoParquet's `geometry` column. No maintained WKB
 * writer exists on npm for this one case (wkx is unmaintained since 2020 and
 * betterknown writes WKT only), and the case is small: little-endian (byte
 * order 1), 2D, a MultiPolygon (type 6) of Polygons (type 3), each a count of
 * rings, each ring a count of points and the points as IEEE 754 doubles.
 */
import type { MultiPolygon, Position } from 'geojson';
import type { ArealGeometry } from '../../../geometry.ts';

const LITTLE_ENDIAN = 1;
const WKB_POLYGON = 3;
const WKB_MULTIPOLYGON = 6;

/**
 * The GIS files hold one geometry type, so a GIS reads one typed layer (a
 * layer of Polygons and MultiPolygons mixed is "Unknown" to GDAL, and QGIS
 * then splits it in two): a Polygon becomes the one-part MultiPolygon it is.
 */
export function asMultiPolygon(geometry: ArealGeometry): MultiPolygon {
  return geometry.type === 'MultiPolygon' ? geometry : { type: 'MultiPolygon', coordinates: [geometry.coordinates] };
}

export function multiPolygonWkb(geometry: MultiPolygon): Buffer {
  const polygons = geometry.coordinates;
  let size = 1 + 4 + 4;
  for (const rings of polygons) {
    size += 1 + 4 + 4;
    for (const ring of rings) size += 4 + ring.length * 16;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  const header = (type: number, count: number) => {
    at = out.writeUInt8(LITTLE_ENDIAN, at);
    at = out.writeUInt32LE(type, at);
    at = out.writeUInt32LE(count, at);
  };
  const points = (ring: Position[]) => {
    at = out.writeUInt32LE(ring.length, at);
    for (const [x, y] of ring) {
      at = out.writeDoubleLE(x!, at);
      at = out.writeDoubleLE(y!, at);
    }
  };
  header(WKB_MULTIPOLYGON, polygons.length);
  for (const rings of polygons) {
    header(WKB_POLYGON, rings.length);
    for (const ring of rings) points(ring);
  }
  return out;
}
