import type { Position } from 'geojson';

/**
 * A plain equirectangular map of US boundaries for the demo, with insets the
 * way US maps usually draw them: Alaska, Hawaii, the Caribbean and Pacific
 * territories each get a small frame of their own instead of stretching the
 * map across the Pacific. Longitudes east of Greenwich are taken as west of
 * the antimeridian (the Aleutians, Guam), which keeps each frame contiguous.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Frame {
  /** Which state FIPS codes this frame draws; undefined for the main frame (all others). */
  states?: readonly string[];
  /** Screen rectangle of the frame. */
  rect: Rect;
  /** Geographic box [west, south, east, north] the frame shows (longitudes unwrapped). */
  bbox: [number, number, number, number];
}

export interface MapProjection {
  readonly frames: readonly Frame[];
  project(position: Position, stateFips: string | null): [number, number];
  /** Longitude/latitude under a screen point, or undefined outside every frame. */
  invert(x: number, y: number): [number, number] | undefined;
}

/** Where each inset sits, as fractions of the canvas (over empty ocean of the main frame). */
const INSETS: Array<{ states: string[]; at: [number, number, number, number] }> = [
  { states: ['02'], at: [0, 0.7, 0.24, 0.3] },
  { states: ['15'], at: [0.24, 0.8, 0.14, 0.2] },
  { states: ['60', '66', '69'], at: [0.56, 0.88, 0.12, 0.12] },
  { states: ['72', '78'], at: [0.82, 0.86, 0.16, 0.14] },
];

export const unwrapLongitude = (lon: number): number => (lon > 0 ? lon - 360 : lon);
const wrapLongitude = (lon: number): number => (lon < -180 ? lon + 360 : lon);

/** Horizontal squeeze that keeps shapes recognisable at a frame's middle latitude. */
const aspect = (bbox: Frame['bbox']): number => Math.cos((((bbox[1] + bbox[3]) / 2) * Math.PI) / 180);

interface Fitted extends Frame {
  scale: number;
  k: number;
  ox: number;
  oy: number;
}

function fitFrame(frame: Frame, padding: number): Fitted {
  const [w, s, e, n] = frame.bbox;
  const k = aspect(frame.bbox);
  const gw = Math.max((e - w) * k, 1e-9);
  const gh = Math.max(n - s, 1e-9);
  const inner = { width: frame.rect.width - 2 * padding, height: frame.rect.height - 2 * padding };
  const scale = Math.min(inner.width / gw, inner.height / gh);
  return {
    ...frame,
    scale,
    k,
    ox: frame.rect.x + padding + (inner.width - gw * scale) / 2,
    oy: frame.rect.y + padding + (inner.height - gh * scale) / 2,
  };
}

/**
 * Fits frames to the boxes of the features they will draw. `boxes` maps a
 * state FIPS (or null) to the geographic box of that state's features, with
 * longitudes unwrapped. A data set with nothing outside the insets (or
 * nothing inside them) gets one frame for everything.
 */
export function fitUsProjection(
  boxes: Map<string | null, Frame['bbox']>,
  width: number,
  height: number,
): MapProjection {
  const merge = (keys: Array<string | null>): Frame['bbox'] | undefined => {
    let out: Frame['bbox'] | undefined;
    for (const key of keys) {
      const b = boxes.get(key);
      if (!b) continue;
      out = out
        ? [Math.min(out[0], b[0]), Math.min(out[1], b[1]), Math.max(out[2], b[2]), Math.max(out[3], b[3])]
        : [...b];
    }
    return out;
  };
  const insetStates = new Set(INSETS.flatMap((i) => i.states));
  const mainBox = merge([...boxes.keys()].filter((k) => k === null || !insetStates.has(k)));
  const insets = mainBox
    ? INSETS.flatMap(({ states, at }) => {
        const bbox = merge(states);
        const rect = { x: at[0] * width, y: at[1] * height, width: at[2] * width, height: at[3] * height };
        return bbox ? [fitFrame({ states, rect, bbox }, 4)] : [];
      })
    : [];
  const everything = merge([...boxes.keys()]) ?? [-180, -90, 180, 90];
  const main = fitFrame({ rect: { x: 0, y: 0, width, height }, bbox: mainBox ?? everything }, 8);
  const byState = new Map<string, Fitted>();
  for (const f of insets) for (const s of f.states ?? []) byState.set(s, f);

  return {
    frames: [main, ...insets],
    project([lon, lat], stateFips) {
      const f = (stateFips !== null && byState.get(stateFips)) || main;
      return [f.ox + (unwrapLongitude(lon!) - f.bbox[0]) * f.k * f.scale, f.oy + (f.bbox[3] - lat!) * f.scale];
    },
    invert(x, y) {
      const inRect = (r: Rect) => x >= r.x && x <= r.x + r.width && y >= r.y && y <= r.y + r.height;
      const f = insets.find((i) => inRect(i.rect)) ?? (inRect(main.rect) ? main : undefined);
      if (!f) return undefined;
      return [wrapLongitude(f.bbox[0] + (x - f.ox) / (f.scale * f.k)), f.bbox[3] - (y - f.oy) / f.scale];
    },
  };
}
