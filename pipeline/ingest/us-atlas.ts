import { createRequire } from 'node:module';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { feature } from 'topojson-client';
import type { Feature, Geometry } from 'geojson';
import { inTransaction } from '../db.ts';
import type { PolygonRecord } from '../types.ts';
import { replaceClassPolygons, type StoreSummary } from './store-polygons.ts';

const require = createRequire(import.meta.url);

/** us-atlas redistributes the Census 2017 cartographic boundary files (1:10,000,000). */
const VINTAGE = 'cb_2017_10m';

function toRecords(file: string, object: 'states' | 'counties', dataClass: string): PolygonRecord[] {
  const topology = require(`us-atlas/${file}`) as Topology;
  const collection = feature(topology, topology.objects[object] as GeometryCollection);
  return collection.features.map((f: Feature<Geometry, { name?: string }>) => {
    const id = String(f.id);
    return {
      dataClass,
      id,
      name: f.properties?.name ?? id,
      stateFips: id.slice(0, 2),
      geometry: f.geometry,
      source: `us-atlas/${file}#${object}/${id}`,
      vintage: VINTAGE,
    };
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
    await replaceClassPolygons(connection, 'state', toRecords('states-10m.json', 'states', 'state')),
    await replaceClassPolygons(connection, 'county', toRecords('counties-10m.json', 'counties', 'county')),
  ]);
}
