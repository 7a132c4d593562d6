import { GeobundleError } from '../../core/errors.ts';
import { congressionalTitle } from '../identity.ts';
import { stateByFips } from '../../core/states.ts';
import type { Geoid } from '../../core/types.ts';

/**
 * The English Wikipedia article title of a congressional district, e.g.
 * `0639` → "California's 39th congressional district" (congressionalTitle);
 * an id that is not a GEOID of a known state fails loudly instead of becoming a
 * request for a wrong title.
 */
export function districtArticleTitle(geoid: Geoid): string {
  const match = /^(\d{2})\d{2}$/.exec(geoid);
  if (!match) {
    throw new GeobundleError(`congressional district id "${geoid}" is not a 4-digit GEOID (state FIPS + district)`);
  }
  if (!stateByFips(match[1]!))
    throw new GeobundleError(`congressional district "${geoid}": unknown state FIPS "${match[1]}"`);
  return congressionalTitle(geoid);
}

/**
 * The REST summary endpoint of a page: spaces become underscores (Wikipedia's
 * canonical form) and the rest is percent-encoded, so titles with "/", "?" or
 * accents ("Pablo Hernández Rivera") stay one path segment.
 */
export function summaryUrl(apiBase: string, title: string): string {
  return `${apiBase.replace(/\/+$/, '')}/page/summary/${encodeURIComponent(title.trim().replace(/ /g, '_'))}`;
}
