import { createRequire } from 'node:module';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { feature } from 'topojson-client';
import type { Feature, Geometry } from 'geojson';
import { loadDataClass } from '../data-class.ts';
import { inTransaction } from '../sql.ts';
import { GeobundleError } from '../../core/errors.ts';
import { resolveIdentity } from '../identity.ts';
import { replaceClassPolygons, type StoreSummary } from './store-polygons.ts';
import type { PolygonRecord } from './store-polygons.ts';

const require = createRequire(import.meta.url);

/** us-atlas redistributes the Census 2017 cartographic boundary files (1:10,000,000). */
const VINTAGE = 'cb_2017_10m';

function toRecords(file: string, object: 'states' | 'counties', dataClass: string): PolygonRecord[] {
  const spec = loadDataClass(dataClass);
  const topology = require(`us-atlas/${file}`) as Topology;
  const collection = feature(topology, topology.objects[object] as GeometryCollection);
  return collection.features.map((f: Feature<Geometry, { name?: string }>, index) => {
    const source = `us-atlas/${file}#${object}/${String(f.id)}`;
    // The topology keeps the FIPS code as the feature id; the class spec reads it as property `id`.
    const resolved = resolveIdentity(spec, { properties: { ...f.properties, id: f.id }, path: source });
    if (!resolved.ok)
      throw new GeobundleError(`${source} (feature ${index}): ${dataClass} feature: ${resolved.problem}`);
    return { dataClass, ...resolved.identity, geometry: f.geometry, source, vintage: VINTAGE };
  });
}

/**
 * The embedded default: US states and counties from the us-atlas package, so a
 * fresh checkout can build a real release with no other data. States come
 * from states-10m.json: in counties-10m.json they are merged from counties and
 * Illinois's outer ring is left unclosed.
 */
export async function ingestUsAtlas(connection: DuckDBConnection): Promise<StoreSummary[]> {
  return inTransaction(connection, async () => [
    await replaceClassPolygons(connection, 'state', toRecords('states-10m.json', 'states', 'state'), {
      input: 'us-atlas/states-10m.json',
    }),
    await replaceClassPolygons(connection, 'county', toRecords('counties-10m.json', 'counties', 'county'), {
      input: 'us-atlas/counties-10m.json',
    }),
  ]);
}
