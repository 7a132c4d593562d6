/**
 * geobundle's browser client: open a release, load a class (verified
 * against the manifest, kept in IndexedDB by content, so a new release costs
 * only the files that changed), and find the district containing a point.
 *
 *   const release = await openRelease({ baseUrl: location.origin });
 *   const counties = await release.loadBundle('county');
 *   counties.findDistrict(-118.24, 34.05)?.properties.name; // "Los Angeles"
 *   const map = await release.loadMap('sldl', { scale: '20m' }); // a national map in a few hundred kB
 */
export { openRelease, type OpenReleaseOptions, type Release, type BundleFile } from './release.ts';
export type { Bundle, Facts, LoadBundleOptions, LoadOptions } from './bundle.ts';
export { smallerFormat, type ClassMap, type LoadMapOptions, type MapFormat, type MapScale } from './map.ts';
export { summarise, type Source } from './load-file.ts';
export { openFileCache, CACHE_DB_NAME, type FileCache, type CachedFile } from './cache.ts';
export { buildDistrictIndex, polygonsOf, type DistrictIndex } from './district-index.ts';
export { GeobundleError } from '../core/errors.ts';
export type * from './types.ts';
