import { GeobundleError } from '../errors.ts';
import { stateByFips } from '../states.ts';
import type { Geoid } from '../types.ts';

/** English ordinal of a district number, as Wikipedia's titles spell it: 1st, 2nd, 3rd, 11th, 22nd, 43rd. */
export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}

// Wikipedia's own spellings where the state table's name or the plain "'s" rule differs
// (e.g. https://en.wikipedia.org/wiki/United_States_Virgin_Islands%27_at-large_congressional_district).
const POSSESSIVE_OVERRIDES: Record<string, string> = {
  '78': "United States Virgin Islands'",
  '69': "Northern Mariana Islands's",
};

/**
 * The English Wikipedia article title of a congressional district, derived
 * from its Census GEOID: `0639` → "California's 39th congressional district",
 * `0200` (at-large) and `1198`, `7298` (non-voting delegates) → "…'s at-large
 * congressional district". Wikipedia writes "Texas's", "Illinois's", so the
 * possessive is always "'s" except where overridden above.
 */
export function districtArticleTitle(geoid: Geoid): string {
  const match = /^(\d{2})(\d{2})$/.exec(geoid);
  if (!match) {
    throw new GeobundleError(`congressional district id "${geoid}" is not a 4-digit GEOID (state FIPS + district)`);
  }
  const [, fips, district] = match as unknown as [string, string, string];
  const state = stateByFips(fips);
  if (!state) throw new GeobundleError(`congressional district "${geoid}": unknown state FIPS "${fips}"`);
  const possessive = POSSESSIVE_OVERRIDES[fips] ?? `${state.name}'s`;
  const n = Number(district);
  if (n === 0 || n === 98) return `${possessive} at-large congressional district`;
  return `${possessive} ${ordinal(n)} congressional district`;
}

/**
 * The REST summary endpoint of a page: spaces become underscores (Wikipedia's
 * canonical form) and the rest is percent-encoded, so titles with "/", "?" or
 * accents ("Pablo Hernández Rivera") stay one path segment.
 */
export function summaryUrl(apiBase: string, title: string): string {
  return `${apiBase.replace(/\/+$/, '')}/page/summary/${encodeURIComponent(title.trim().replace(/ /g, '_'))}`;
}
