/**
 * Turns one feature row into the JSON text of its bundle entries. The
 * geometry is normalised once (rounding + RFC 7946 winding) and re-checked,
 * because rounding can collapse a small ring; the same text then goes into
 * all.geojson, polygons.geojson and the state's file. Key order is fixed by
 * construction, so output is byte-for-byte deterministic.
 */
import type { Position } from 'geojson';
import { GeobundleError, errorMessage } from '../../../../core/errors.ts';
import { geometryProblem, normalizeGeometry, type ArealGeometry } from '../../../geometry.ts';
import type { DataClassName } from '../../../../core/types.ts';
import { geometryBbox } from '../../../bbox.ts';
import type { FeatureRow } from '../../plan/read-geometries.ts';
import type { Bbox } from '../../../../core/release-format.ts';

export interface SerializedFeature {
  id: string;
  stateFips: string | null;
  bbox: Bbox;
  /** The output geometry, rounded and wound as the text has it. */
  geometry: ArealGeometry;
  /** The properties of `full`, as values: what the GIS files' columns are read from. */
  properties: FeatureProperties;
  /** Feature with properties id, name, state_fips, census, wikipedia (all.geojson, by_state). */
  full: string;
  /** Feature with properties id, name, state_fips (polygons.geojson). */
  polygon: string;
}

/** A type, not an interface: it is read as a record of its fields (formats/gis/values.ts). */
export type FeatureProperties = {
  id: string;
  name: string;
  state_fips: string | null;
  census: Record<string, unknown> | null;
  wikipedia: Record<string, unknown> | null;
};

/**
 * normalizeGeometry drops repeated consecutive positions, so a ring that
 * encloses no area at the output precision ends up with fewer than 4
 * positions. Such rings are dropped (a collapsed hole, or a collapsed
 * polygon of a MultiPolygon with its holes): they hold nothing to draw, and
 * published outlines carry them (22 rings of us-atlas's counties are spikes
 * like [a, b, a, a]). Null when nothing is left.
 */
function dropCollapsedRings(geometry: ArealGeometry): ArealGeometry | null {
  const keep = (polygon: Position[][]): Position[][] | null =>
    (polygon[0]?.length ?? 0) < 4 ? null : polygon.filter((ring) => ring.length >= 4);
  if (geometry.type === 'Polygon') {
    const polygon = keep(geometry.coordinates);
    return polygon && { type: 'Polygon', coordinates: polygon };
  }
  const polygons = geometry.coordinates.map(keep).filter((p): p is Position[][] => p !== null);
  return polygons.length === 0 ? null : { type: 'MultiPolygon', coordinates: polygons };
}

/**
 * Output geometry of a feature, or a one-phrase problem. A feature that
 * keeps no ring is one of two cases: its source had no area either (us-atlas
 * draws the 2 sq mi city of Falls Church, VA, as the spike [a, b, a, a]),
 * which is written rounded, as the source has it, since ingest accepted it;
 * or rounding destroyed real area, which fails the build: the remedy is a
 * higher precision.
 */
function outputGeometry(source: ArealGeometry, precision: number): ArealGeometry | string {
  const normalized = dropCollapsedRings(normalizeGeometry(source, precision));
  if (normalized !== null) return normalized;
  if (dropCollapsedRings(normalizeGeometry(source, MAX_PRECISION)) !== null) {
    return `it collapses to nothing when rounded to ${precision} decimals; build with a higher --precision`;
  }
  const factor = 10 ** precision;
  const round = (ring: Position[]) =>
    ring.map(([x, y]) => [Math.round(x! * factor) / factor, Math.round(y! * factor) / factor]);
  return source.type === 'Polygon'
    ? { type: 'Polygon', coordinates: source.coordinates.map(round) }
    : { type: 'MultiPolygon', coordinates: source.coordinates.map((p) => p.map(round)) };
}

/** Past 15 decimals doubles hold no more digits: rounding there is the identity, minus repeated positions. */
const MAX_PRECISION = 15;

function fail(dataClass: DataClassName, id: string, problem: string): never {
  throw new GeobundleError(`${dataClass} feature "${id}": ${problem}`);
}

/**
 * A joined row's JSON, parsed and re-serialised: it proves the text is JSON
 * (DuckDB writes NaN/Infinity doubles as bare words) and gives numbers
 * JavaScript's canonical form.
 */
export function joinedJson(
  dataClass: DataClassName,
  id: string,
  what: 'census' | 'wikipedia',
  json: string | null,
): { value: Record<string, unknown>; text: string } | null {
  if (json === null) return null;
  try {
    const text = JSON.stringify(JSON.parse(json));
    // Read back from the text, so the values are exactly what all.geojson holds (-0 is written 0).
    return { value: JSON.parse(text) as Record<string, unknown>, text };
  } catch (err) {
    return fail(
      dataClass,
      id,
      `its ${what} row is not representable as JSON (${errorMessage(err)}): ${json.slice(0, 200)}`,
    );
  }
}

/** The `"<id>":{...}` member of census.json or wikipedia.json for a feature's joined row, or null without one. */
export function keyedMember(
  dataClass: DataClassName,
  id: string,
  what: 'census' | 'wikipedia',
  json: string | null,
): string | null {
  const joined = joinedJson(dataClass, id, what, json);
  return joined === null ? null : `${JSON.stringify(id)}:${joined.text}`;
}

export function serializeFeature(dataClass: DataClassName, row: FeatureRow, precision: number): SerializedFeature {
  let source: unknown;
  try {
    source = JSON.parse(row.geometry);
  } catch (err) {
    return fail(dataClass, row.id, `stored geometry is not valid JSON (${errorMessage(err)})`);
  }
  const before = geometryProblem(source);
  if (before) fail(dataClass, row.id, `${before}; fix the source and ingest it again`);
  let geometry: ArealGeometry | string;
  try {
    geometry = outputGeometry(source as ArealGeometry, precision);
  } catch (err) {
    return fail(dataClass, row.id, `cannot normalise the geometry (${errorMessage(err)})`);
  }
  if (typeof geometry === 'string') return fail(dataClass, row.id, geometry);
  const after = geometryProblem(geometry);
  if (after) fail(dataClass, row.id, `after rounding to ${precision} decimals: ${after}`);

  const census = joinedJson(dataClass, row.id, 'census', row.census);
  const wikipedia = joinedJson(dataClass, row.id, 'wikipedia', row.wikipedia);
  const id = JSON.stringify(row.id);
  const base = `{"type":"Feature","id":${id},"properties":{"id":${id},"name":${JSON.stringify(row.name)},"state_fips":${JSON.stringify(row.stateFips)}`;
  const geometryJson = JSON.stringify(geometry);
  return {
    id: row.id,
    stateFips: row.stateFips,
    bbox: geometryBbox(geometry),
    geometry,
    properties: {
      id: row.id,
      name: row.name,
      state_fips: row.stateFips,
      census: census?.value ?? null,
      wikipedia: wikipedia?.value ?? null,
    },
    full: `${base},"census":${census?.text ?? 'null'},"wikipedia":${wikipedia?.text ?? 'null'}},"geometry":${geometryJson}}`,
    polygon: `${base}},"geometry":${geometryJson}}`,
  };
}
