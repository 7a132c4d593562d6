/**
 * Maps at every scale: each class's polygons simplified on a shared
 * topology by mapshaper (maps/ makes the files), at the two scales the Census Bureau publishes its
 * cartographic boundaries at besides 1:500,000 — 1:5,000,000 and
 * 1:20,000,000 — as GeoJSON and as TopoJSON (shared arcs stored once, so
 * it is the smaller of the two).
 *
 * mapshaper first snaps nearly coincident
 * vertices and cleans the layer (slivers and gaps between neighbours of a
 * source that does not share its borders exactly, such as the 2016
 * congressional districts, are closed), so that every border two districts
 * share is one arc; simplifying the arcs, not the polygons, then keeps shared
 * borders shared, and mapshaper repairs the intersections simplification
 * introduces. keep-shapes keeps the largest part of each feature, so the
 * features are exploded into their parts first and dissolved by id after:
 * every part is kept, small islands too — it is on such parts that some
 * districts meet (San Francisco's pieces of the Golden Gate's north shore
 * and of Angel Island border Marin's district), and a map without them
 * would lose those borders.
 *
 * The simplified arcs are rounded to the files' grid before that dissolve,
 * not only as the files are written: rounding folds a narrow tongue whose
 * base is narrower than a grid cell into a spike (both base corners fall on
 * one grid point, and the ring runs out to the tip and back along one
 * line), which no segment crossing shows, so mapshaper's fix-geometry on
 * output let it through and GEOS rejected the polygon (the 2016 districts
 * NC-09 and VA-04; 16 of the 2012 ones at 5m). Dissolving rebuilds every
 * ring from the rounded arcs, dropping such spikes and cutting where
 * rounded segments cross. The TopoJSON is then quantized on that same grid
 * (maps/grid-topology.ts), so it decodes to the GeoJSON's own coordinates,
 * not to a second rounding.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Simplification } from '../../../core/release-format.ts';

export interface SimplifiedScale {
  /** `5m`, `20m`: part of the file name, as the Census names its files. */
  name: string;
  scale_denominator: number;
  /** Tolerance on the ground, for mapshaper's -simplify interval= (metres). */
  interval_m: number;
}

/**
 * The tolerance on the ground is 0.0875 mm at map scale: 1,750 m at
 * 1:20,000,000, 437.5 m at 1:5,000,000. Chosen by measurement: through this
 * very pipeline (snap, clean, simplify), the 435 high-resolution 2016
 * congressional districts keep 30,062 vertices at 1,750 m, where the Census
 * Bureau's own 1:20,000,000 file of the 437 districts of 2024 has 29,560
 * (at 1,500 m they keep 34,664, at 2,000 m 26,430). The 5m tolerance is the
 * same share of its scale.
 */
const TOLERANCE_AT_MAP_SCALE = 0.0000875;

export const SIMPLIFIED_SCALES: readonly SimplifiedScale[] = [5_000_000, 20_000_000].map((denominator) => ({
  name: `${denominator / 1_000_000}m`,
  scale_denominator: denominator,
  interval_m: TOLERANCE_AT_MAP_SCALE * denominator,
}));

export type SimplifiedFormat = 'geojson' | 'topojson';
export const SIMPLIFIED_FORMATS: readonly SimplifiedFormat[] = ['geojson', 'topojson'];

/**
 * The grid of both formats' coordinates, in degrees: 4 decimals (about 11 m),
 * finer than either tolerance, so no small district collapses. The GeoJSON's
 * coordinates are rounded to it, the TopoJSON's quantized on it (its
 * transform's scale; mapshaper's automatic quantization, a fiftieth of the
 * mean segment, is about 160 m at 20m, enough to collapse a city district).
 */
export const MAP_PRECISION = '0.0001';

const require = createRequire(import.meta.url);
export const MAPSHAPER_DIR = path.dirname(require.resolve('mapshaper/package.json'));

const MAPSHAPER_VERSION = (
  JSON.parse(fs.readFileSync(path.join(MAPSHAPER_DIR, 'package.json'), 'utf8')) as { version: string }
).version;

/** How the simplified files are made, as the manifest records it. */
export const SIMPLIFICATION: Simplification = {
  tool: `mapshaper ${MAPSHAPER_VERSION}`,
  method:
    'snap, clean, explode; weighted Visvalingam on the shared topology, keep-shapes (every part kept); ' +
    'rounded to the precision grid, then dissolve by id (rings rebuilt); fix-geometry on output; TopoJSON quantized on the same grid',
  precision: Number(MAP_PRECISION),
  scales: [...SIMPLIFIED_SCALES],
};

/** The file of one scale and format: `simplified/20m.topojson`. */
export const simplifiedName = (scale: SimplifiedScale, format: SimplifiedFormat) =>
  `simplified/${scale.name}.${format}`;

/** The media type of a map file. */
export const MAP_MEDIA_TYPE: Record<SimplifiedFormat, string> = {
  geojson: 'application/geo+json',
  topojson: 'application/json',
};
