/**
 * The attribute table of a class's GIS files (FlatGeobuf, GeoParquet): the
 * bundles' nested `census` and `wikipedia` objects flattened into scalar
 * columns a GIS can show, filter and join — `id`, `name`, `state_fips`, then
 * `census_<column>` and `wikipedia_<field>` in table order, each typed as
 * the database types it.
 */
import type { ClassPlan } from './class-plan.ts';

export interface GisColumn {
  name: string;
  /** Where the value is in an all.geojson feature: its properties, or their census or wikipedia object. */
  group: 'feature' | 'census' | 'wikipedia';
  key: string;
  /** The DuckDB type of the source column (`VARCHAR`, `BIGINT`, `DOUBLE`, `TIMESTAMP WITH TIME ZONE`, …). */
  duckdbType: string;
}

export function gisColumns(plan: ClassPlan): GisColumn[] {
  const feature = (key: string): GisColumn => ({ name: key, group: 'feature', key, duckdbType: 'VARCHAR' });
  return [
    feature('id'),
    feature('name'),
    feature('state_fips'),
    ...plan.censusColumns.map(
      (c): GisColumn => ({ name: `census_${c.name}`, group: 'census', key: c.name, duckdbType: c.type }),
    ),
    ...plan.wikipediaColumns.map(
      (c): GisColumn => ({ name: `wikipedia_${c.name}`, group: 'wikipedia', key: c.name, duckdbType: c.type }),
    ),
  ];
}

/** What a column list contributes to a file's input fingerprint: a type change changes the bytes even where values print alike. */
export function columnsFingerprint(columns: readonly GisColumn[]): string {
  return JSON.stringify(columns.map((c) => [c.name, c.duckdbType]));
}
