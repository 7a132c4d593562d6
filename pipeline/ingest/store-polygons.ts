import type { DuckDBConnection } from '@duckdb/node-api';
import { GeobundleError } from '../errors.ts';
import { geometryProblem } from '../geometry.ts';
import type { DataClassName, PolygonRecord } from '../types.ts';

export interface StoreSummary {
  dataClass: DataClassName;
  features: number;
}

/**
 * Replaces every polygon of one class with `records`. Call it inside the
 * ingest's transaction (`inTransaction`): the class then ends up exactly as
 * the source says, or — on the first invalid geometry or duplicate id —
 * exactly as it was. Records are consumed one at a time so a directory of
 * hundreds of MB never sits in memory.
 */
export async function replaceClassPolygons(
  connection: DuckDBConnection,
  dataClass: DataClassName,
  records: AsyncIterable<PolygonRecord> | Iterable<PolygonRecord>,
  onProgress?: (count: number) => void,
): Promise<StoreSummary> {
  await connection.run('DELETE FROM polygons WHERE data_class = $1', [dataClass]);
  const insert = await connection.prepare(
    'INSERT INTO polygons (data_class, id, name, state_fips, geometry, source, vintage) VALUES ($1, $2, $3, $4, $5, $6, $7)',
  );
  const seen = new Map<string, string>();
  let features = 0;
  for await (const r of records) {
    const problem = geometryProblem(r.geometry);
    if (problem) {
      throw new GeobundleError(`${r.source}: ${dataClass} feature "${r.id}": ${problem}`);
    }
    const earlier = seen.get(r.id);
    if (earlier !== undefined) {
      throw new GeobundleError(`${r.source}: duplicate ${dataClass} id "${r.id}" (also in ${earlier})`);
    }
    seen.set(r.id, r.source);
    insert.bind([dataClass, r.id, r.name, r.stateFips, JSON.stringify(r.geometry), r.source, r.vintage]);
    await insert.run();
    features += 1;
    onProgress?.(features);
  }
  if (features === 0) throw new GeobundleError(`no ${dataClass} features found in the input`);
  return { dataClass, features };
}
