/**
 * The two shapes of bundle file: a GeoJSON FeatureCollection (one feature
 * per line, which keeps diffs and `zcat | head` readable) and a JSON object
 * keyed by feature id (census.json, wikipedia.json), with the media type
 * each is served as.
 */
export const BUNDLE_SHAPES = {
  'feature-collection': {
    open: '{"type":"FeatureCollection","features":[',
    close: ']}\n',
    mediaType: 'application/geo+json',
  },
  'keyed-object': { open: '{', close: '}\n', mediaType: 'application/json' },
} as const;

export type BundleShape = keyof typeof BUNDLE_SHAPES;

/** Decimal places kept in every coordinate of a release's bundles and lookup index unless a build says otherwise: 6 ≈ 0.1 m. */
export const DEFAULT_PRECISION = 6;
