/**
 * geobundle's browser client: open a release, load a class (verified
 * against the manifest, kept in IndexedDB by content, so a new release costs
 * only the files that changed), and find the district containing a point.
 *
 *   const release = await openRelease({ baseUrl: location.origin });
 *   const counties = await release.loadBundle('county');
 *   counties.findDistrict(-118.24, 34.05)?.properties.name; // "Los Angeles"
 *   const map = await release.loadMap('sldl', { scale: '20m' }); // a national map in a few hundred kB
 *
 *   const lookup = await openLookup({ baseUrl: location.origin });
 *   const here = await lookup.lookup({ lat: 42.3588, lon: -71.0638 }); // every class's district, a few kB
 *   here.districts.county?.name; // "Suffolk"
 */
export { openRelease } from './release.ts';
export { openLookup } from './lookup.ts';
export { smallerFormat } from './map.ts';
export { summarise } from './load-file.ts';
export { openFileCache, CACHE_DB_NAME, type FileCache, type CachedFile } from './cache.ts';
export { buildDistrictIndex, polygonsOf, type DistrictIndex } from './district-index.ts';
export { GeobundleError } from '../core/errors.ts';
// Listed by name: types.ts also holds what the modules share among themselves (Loading).
export type {
  Bundle,
  BundleFile,
  CensusFacts,
  ClassMap,
  CurrentRelease,
  District,
  DistrictCollection,
  DistrictLookup,
  DistrictProperties,
  Facts,
  FoundDistrict,
  LoadBundleOptions,
  LoadMapOptions,
  LoadOptions,
  LookupAnswer,
  LookupOptions,
  ManifestFile,
  MapFormat,
  MapScale,
  OpenLookupOptions,
  OpenReleaseOptions,
  Release,
  ReleaseManifest,
  Origin,
  WikipediaFacts,
} from './types.ts';
