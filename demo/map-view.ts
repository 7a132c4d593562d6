/**
 * What the demo's canvas shows: the nation in the conventional US
 * composite (Albers equal-area conic for the lower 48, Alaska, Hawaii,
 * Puerto Rico and the island areas as insets; d3-composite-projections), or
 * one state in an equal-area conic of its own. Drawing is d3-geo's.
 */
import rewind from '@turf/rewind';
import { geoCentroid, geoConicEqualArea, geoPath, type GeoProjection } from 'd3-geo';
import { geoAlbersUsaTerritories } from 'd3-composite-projections';
import { polygonsOf, type District } from '../client/geobundle-client.ts';

export interface View {
  readonly projection: GeoProjection;
  /** The inset frames of the composite projection, as an SVG path; none for a state. */
  readonly borders?: string;
}

/** The box the map is drawn in, in CSS pixels, with a margin. */
function extent(width: number, height: number): [[number, number], [number, number]] {
  return [
    [8, 8],
    [width - 8, height - 8],
  ];
}

const collection = (features: readonly District[]) => ({ type: 'FeatureCollection' as const, features: [...features] });

/** The whole class, every inset included, fitted to the canvas. */
export function nationView(features: readonly District[], width: number, height: number): View {
  const projection = geoAlbersUsaTerritories().fitExtent(extent(width, height), collection(features));
  return { projection, borders: projection.getCompositionBorders() };
}

/**
 * One state's districts fitted to the canvas: an equal-area conic centred
 * on them, with standard parallels at a sixth of their span from each edge
 * (the rule of thumb for a conic), clipped to the canvas so neighbours are
 * cut at its edge. Centred by the spherical centroid, so Alaska's Aleutians
 * on both sides of the antimeridian stay together.
 */
export function stateView(features: readonly District[], width: number, height: number): View {
  const shapes = collection(features);
  const [lon, lat] = geoCentroid(shapes);
  const lats = features.flatMap((f) => latitudes(f));
  const south = Math.min(...lats);
  const north = Math.max(...lats);
  const projection = geoConicEqualArea()
    .parallels([south + (north - south) / 6, north - (north - south) / 6])
    .rotate([-lon, 0])
    .center([0, lat])
    .fitExtent(extent(width, height), shapes)
    .clipExtent([
      [0, 0],
      [width, height],
    ]);
  return { projection };
}

function latitudes(district: District): number[] {
  return polygonsOf(district.geometry).flatMap((p) => (p[0] ?? []).map((pos) => pos[1]!));
}

/**
 * A district as d3-geo wants it. Releases wind rings as RFC 7946 says
 * (exteriors counter-clockwise); d3-geo reads rings on the sphere, where
 * that winding encloses everything but the district — so the rings are
 * reversed, once, when a file is loaded.
 */
export function forD3(districts: readonly District[]): District[] {
  // A district whose source has no area has no geometry in the maps: nothing to draw.
  return districts.map((d) => (d.geometry ? (rewind(d, { reverse: true }) as District) : d));
}

export interface Layer {
  districts: readonly District[];
  fill: (district: District) => string;
  stroke: string;
  lineWidth: number;
}

/** Draws the layers in order, the first one under the rest, and a dot at `point`. */
export function draw(
  ctx: CanvasRenderingContext2D,
  view: View,
  layers: readonly Layer[],
  { frame, point, dot }: { frame: string; point?: [number, number]; dot: string },
): void {
  const path = geoPath(view.projection, ctx);
  if (view.borders) {
    ctx.strokeStyle = frame;
    ctx.lineWidth = 1;
    ctx.stroke(new Path2D(view.borders));
  }
  for (const layer of layers) {
    ctx.strokeStyle = layer.stroke;
    ctx.lineWidth = layer.lineWidth;
    for (const district of layer.districts) {
      ctx.beginPath();
      path(district);
      ctx.fillStyle = layer.fill(district);
      ctx.fill('evenodd');
      ctx.stroke();
    }
  }
  const at = point && view.projection(point);
  if (at) {
    ctx.fillStyle = dot;
    ctx.beginPath();
    ctx.arc(at[0], at[1], 4, 0, 2 * Math.PI);
    ctx.fill();
  }
}
