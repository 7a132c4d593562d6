/**
 * How a source feature becomes a row of its class: id, state FIPS and name,
 * derived only from what the class spec declares (manifests/classes/*.json).
 * Pure functions: the ingest commands feed them properties and paths.
 */
import type { DataClassSpec } from './data-class.ts';
import { stateByFips, stateByPostal, type UsState } from '../core/states.ts';
import type { FeatureId, Geoid, StateFips } from '../core/types.ts';

export interface FeatureIdentity {
  id: FeatureId;
  name: string;
  stateFips: StateFips | null;
}

export interface IdentitySource {
  /** The feature's properties (null for a bare geometry). */
  properties: Record<string, unknown> | null;
  /** The file the feature came from, with / separators; matched by the spec's `id.path`. */
  path: string;
}

/** Either the identity, or one phrase saying which field is wrong and why. */
export type IdentityResult = { ok: true; identity: FeatureIdentity } | { ok: false; problem: string };

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

// ---------------------------------------------------------------------------
// Congressional districts: Census GEOID = state FIPS + 2-digit district.

/** `00` for an at-large seat, `98` for the non-voting delegate of DC, PR and the territories. */
export function congressionalGeoid(state: UsState, district: number): Geoid {
  if (state.delegate) return `${state.fips}98`;
  return `${state.fips}${String(district).padStart(2, '0')}`;
}

// Keys as real sources write them: IA-03, IA-3, AK-AL, AK-AT-LARGE, AK-0, DC-0, PR-98.
const CD_KEY = /^([A-Za-z]{2})[-_ ](\d{1,2}|AL|AT[-_ ]LARGE)$/i;
const CD_GEOID = /^(\d{2})(\d{2})$/;

/** Parses a congressional district key (`IA-03`, `AK-AT-LARGE`) or a 4-digit GEOID into a GEOID. */
export function parseCongressionalKey(key: string): Parsed<Geoid> {
  const text = key.trim();
  const geoid = CD_GEOID.exec(text);
  if (geoid) {
    const state = stateByFips(geoid[1]!);
    if (!state) return { ok: false, problem: `"${key}" starts with an unknown state FIPS code` };
    if (state.delegate && geoid[2] !== '98')
      return { ok: false, problem: `"${key}": ${state.name} has only a delegate district (98)` };
    return { ok: true, value: text };
  }
  const m = CD_KEY.exec(text);
  if (!m)
    return {
      ok: false,
      problem: `"${key}" is neither a GEOID (e.g. 1903) nor a district key (e.g. IA-03, AK-AT-LARGE)`,
    };
  const state = stateByPostal(m[1]!);
  if (!state) return { ok: false, problem: `"${key}" names an unknown state "${m[1]}"` };
  const district = /^\d+$/.test(m[2]!) ? Number(m[2]) : 0;
  if (district === 98 && !state.delegate)
    return { ok: false, problem: `"${key}": ${state.name} has no delegate district` };
  return { ok: true, value: congressionalGeoid(state, district) };
}

/** English ordinal of a district number, as Wikipedia's titles spell it: 1st, 2nd, 3rd, 11th, 22nd, 43rd. */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

// Wikipedia's own spellings where the state table's name or the plain "'s" rule differs
// (e.g. https://en.wikipedia.org/wiki/United_States_Virgin_Islands%27_at-large_congressional_district).
const POSSESSIVE_OVERRIDES: Record<string, string> = {
  '78': "United States Virgin Islands'",
  '69': "Northern Mariana Islands's",
};

/**
 * The district's title as English Wikipedia spells it, which is also its
 * feature name: "Iowa's 3rd congressional district"; at-large seats (`00`)
 * and delegates (`98`) are "…'s at-large congressional district".
 */
export function congressionalTitle(geoid: Geoid): string {
  const fips = geoid.slice(0, 2);
  const owner = POSSESSIVE_OVERRIDES[fips] ?? `${stateByFips(fips)?.name ?? fips}'s`;
  const district = Number(geoid.slice(2));
  return district === 0 || district === 98
    ? `${owner} at-large congressional district`
    : `${owner} ${ordinal(district)} congressional district`;
}

// ---------------------------------------------------------------------------
// Open Civic Data division ids (https://open-civic-data.readthedocs.io/en/latest/ocdids.html).

const OCD_ID = /^ocd-division\/country:us\/(?:state|territory|district):([a-z]{2})(?:\/[a-z_]+:[^/\s]+)+$/;

/** The division of a state: `state:ma`, `district:dc`, `territory:pr`. */
function ocdStateSegment(state: UsState): string {
  const postal = state.postal.toLowerCase();
  if (state.postal === 'DC') return `district:${postal}`;
  return state.delegate ? `territory:${postal}` : `state:${postal}`;
}

/** `states/MA/sldu/Cape-and-Islands` → `ocd-division/country:us/state:ma/sldu:cape_and_islands`. */
function ocdDivisionId(state: UsState, chamber: string, district: string): FeatureId {
  const slug = district
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return `ocd-division/country:us/${ocdStateSegment(state)}/${chamber}:${slug}`;
}

/** The state FIPS of an OCD id, from its `state:xx`, `territory:xx` or `district:dc` segment. */
function stateFipsOfOcdId(id: string): StateFips | null {
  const m = OCD_ID.exec(id);
  return (m && stateByPostal(m[1]!)?.fips) ?? null;
}

function parseOcdId(value: string): Parsed<FeatureId> {
  if (!OCD_ID.test(value))
    return {
      ok: false,
      problem: `"${value}" is not an OCD division id (e.g. ocd-division/country:us/state:ma/sldu:cape_and_islands)`,
    };
  if (!stateFipsOfOcdId(value)) return { ok: false, problem: `"${value}" names an unknown state` };
  return { ok: true, value };
}

// ---------------------------------------------------------------------------
// FIPS codes (states `06`, counties `06037`).

function parseFips(value: string, digits: number): Parsed<FeatureId> {
  const text = /^\d+$/.test(value) ? value.padStart(digits, '0') : value;
  if (!/^\d+$/.test(text) || text.length !== digits)
    return { ok: false, problem: `"${value}" is not a ${digits}-digit FIPS code` };
  if (!stateByFips(text.slice(0, 2)))
    return { ok: false, problem: `"${value}" starts with an unknown state FIPS code` };
  return { ok: true, value: text };
}

// ---------------------------------------------------------------------------
// Resolution from a spec.

/** Parses an id value written in the notation of the spec's scheme (also used for census keys). */
export function parseIdValue(spec: DataClassSpec, value: string): Parsed<FeatureId> {
  switch (spec.id.scheme) {
    case 'cd-geoid':
      return parseCongressionalKey(value);
    case 'ocd-division':
      return parseOcdId(value);
    case 'fips':
      return parseFips(value, spec.id.digits ?? 2);
  }
}

/** A property as text: strings trimmed, numbers as written; anything else counts as absent. */
function propertyText(properties: Record<string, unknown> | null, name: string): string | undefined {
  const value = properties?.[name];
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return undefined;
}

const pathPatterns = new Map<string, RegExp>();

function pathGroups(spec: DataClassSpec, path: string): { state?: string; district?: string } | undefined {
  if (!spec.id.path) return undefined;
  let re = pathPatterns.get(spec.id.path);
  if (!re) {
    re = new RegExp(spec.id.path);
    pathPatterns.set(spec.id.path, re);
  }
  return re.exec(path)?.groups;
}

function idFromPath(spec: DataClassSpec, groups: { state?: string; district?: string }): Parsed<FeatureId> {
  const state = groups.state === undefined ? undefined : stateByPostal(groups.state);
  if (!state) return { ok: false, problem: `path names an unknown state "${groups.state ?? ''}"` };
  switch (spec.id.scheme) {
    case 'cd-geoid':
      if (groups.district === undefined || !/^\d+$/.test(groups.district))
        return { ok: false, problem: `path has no district number` };
      return { ok: true, value: congressionalGeoid(state, Number(groups.district)) };
    case 'ocd-division':
      if (!groups.district || !spec.id.chamber)
        return { ok: false, problem: `path has no district (or the spec no id.chamber)` };
      return { ok: true, value: ocdDivisionId(state, spec.id.chamber, groups.district) };
    case 'fips':
      if ((spec.id.digits ?? 2) !== 2)
        return { ok: false, problem: `a ${spec.id.digits}-digit FIPS id cannot come from a path` };
      return { ok: true, value: state.fips };
  }
}

function resolveId(
  spec: DataClassSpec,
  source: IdentitySource,
): Parsed<FeatureId> & { groups?: { district?: string } } {
  for (const name of spec.id.properties ?? []) {
    const value = propertyText(source.properties, name);
    if (value === undefined) continue;
    const parsed = parseIdValue(spec, value);
    return parsed.ok ? parsed : { ok: false, problem: `property "${name}": ${parsed.problem}` };
  }
  const groups = pathGroups(spec, source.path);
  if (groups) return { ...idFromPath(spec, groups), groups };
  const tried = [
    ...(spec.id.properties ?? []).map((p) => `property "${p}"`),
    ...(spec.id.path ? ['the file path'] : []),
  ];
  return {
    ok: false,
    problem: `no id: ${tried.length ? `none of ${tried.join(', ')} gives one` : 'the class spec declares no id source'}`,
  };
}

function resolveStateFips(spec: DataClassSpec, id: FeatureId): StateFips | null {
  return spec.state_fips === 'ocd-state' ? stateFipsOfOcdId(id) : id.slice(0, 2);
}

function fallbackName(spec: DataClassSpec, id: FeatureId, stateFips: StateFips | null, pathDistrict?: string): string {
  switch (spec.name.fallback) {
    case 'cd-title':
      return congressionalTitle(id);
    case 'state-name':
      return (stateFips && stateByFips(stateFips)?.name) ?? id;
    case 'district':
      return pathDistrict?.replace(/-+/g, ' ') ?? id.slice(id.lastIndexOf(':') + 1);
    default:
      return id;
  }
}

/** The identity of one source feature under `spec`, or the problem that prevents it. */
export function resolveIdentity(spec: DataClassSpec, source: IdentitySource): IdentityResult {
  const id = resolveId(spec, source);
  if (!id.ok) return id;
  const stateFips = resolveStateFips(spec, id.value);
  let name: string | undefined;
  for (const property of spec.name.properties ?? []) {
    name = propertyText(source.properties, property);
    if (name !== undefined) break;
  }
  name ??= fallbackName(spec, id.value, stateFips, id.groups?.district);
  return { ok: true, identity: { id: id.value, name, stateFips } };
}
