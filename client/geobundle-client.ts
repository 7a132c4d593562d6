/**
 * geobundle's browser client: open a release, load a class's bundle (verified
 * against the manifest, kept in IndexedDB until a newer release replaces it),
 * and find the district containing a point.
 *
 *   const release = await openRelease({ baseUrl: location.origin });
 *   const counties = await release.loadBundle('county');
 *   counties.findDistrict(-118.24, 34.05)?.properties.name; // "Los Angeles"
 */
export { openRelease, type OpenReleaseOptions, type Release } from './release.ts';
export type { Bundle, LoadBundleOptions } from './bundle.ts';
export { openBundleCache, CACHE_DB_NAME, type BundleCache, type CachedBundle } from './cache.ts';
export { buildDistrictIndex, polygonsOf, type DistrictIndex } from './district-index.ts';
export { GeobundleError } from '../core/errors.ts';
export type * from './types.ts';
