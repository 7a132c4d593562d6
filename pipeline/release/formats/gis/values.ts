/** A feature's values in the GIS files' columns (plan/gis-columns.ts), from its all.geojson properties. */
import type { GisColumn } from '../../plan/gis-columns.ts';
import type { FeatureProperties } from '../bundles/feature.ts';

export type GisValue = string | number | boolean | null;

/** Null where the feature has no row of the column's group. */
export function gisValues(columns: readonly GisColumn[], properties: FeatureProperties): GisValue[] {
  const fields: Readonly<Record<string, unknown>> = properties;
  return columns.map((c) => {
    const holder = c.group === 'feature' ? fields : properties[c.group];
    return (holder?.[c.key] ?? null) as GisValue;
  });
}
