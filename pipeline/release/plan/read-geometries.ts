/**
 * The geometry of a planned class, read in batches of bounded size (~4 MB),
 * each batch an id range of the class (its parts joined again:
 * pipeline/class-tables.ts), so neither DuckDB nor Node ever holds a whole
 * class (the state-legislative lower chamber alone is 400 MB of GeoJSON). A
 * row that is not where the plan put it means the database changed during
 * the build, which fails it.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { GeobundleError } from '../../../core/errors.ts';
import { GEOMETRY_AGGREGATE, geometryTable } from '../../class-tables.ts';
import { freeDroppedResults } from '../../free-memory.ts';
import type { ClassPlan, PlannedFeature } from './class-plan.ts';

/** A planned feature with its geometry: what the serialiser turns into bundle entries. */
export interface FeatureRow extends PlannedFeature {
  /** GeoJSON geometry text as stored (validated at ingest, source precision). */
  geometry: string;
}

/**
 * The wanted features in batches of consecutive features (in the plan's id
 * order, so each batch is one id range holding nothing unwanted), each
 * adding up to about `batchBytes` of geometry, at least one feature.
 */
function batches(
  features: PlannedFeature[],
  wanted: (f: PlannedFeature) => boolean,
  batchBytes: number,
): PlannedFeature[][] {
  const out: PlannedFeature[][] = [];
  let current: PlannedFeature[] = [];
  let bytes = 0;
  const close = () => {
    if (current.length > 0) out.push(current);
    current = [];
    bytes = 0;
  };
  for (const f of features) {
    if (!wanted(f)) {
      close();
      continue;
    }
    current.push(f);
    bytes += f.geometryBytes;
    if (bytes >= batchBytes) close();
  }
  close();
  return out;
}

const DEFAULT_BATCH_BYTES = 4 * 1024 * 1024;

/** The planned features for which `wanted` is true, in id order, each with its geometry. */
export async function* readGeometries(
  connection: DuckDBConnection,
  plan: ClassPlan,
  wanted: (feature: PlannedFeature) => boolean = () => true,
  batchBytes = DEFAULT_BATCH_BYTES,
): AsyncGenerator<FeatureRow> {
  const statement = await connection.prepare(
    `SELECT g.id, ${GEOMETRY_AGGREGATE} AS geometry FROM ${geometryTable(plan.dataClass)} g
      WHERE g.id >= $1 AND g.id <= $2 GROUP BY g.id ORDER BY g.id`,
  );
  for (const batch of batches(plan.features, wanted, batchBytes)) {
    // The last batch's result was dropped when its rows were converted.
    freeDroppedResults();
    statement.bind([batch[0]!.id, batch.at(-1)!.id]);
    const rows = (await statement.runAndReadAll()).getRows();
    if (rows.length !== batch.length) {
      throw new GeobundleError(
        `${plan.dataClass}: read ${rows.length} features from ${batch[0]!.id} to ${batch.at(-1)!.id} but planned ${batch.length}; did the database change during the build?`,
      );
    }
    for (const [i, feature] of batch.entries()) {
      const [id, geometry] = rows[i]!;
      if (id !== feature.id)
        throw new GeobundleError(
          `${plan.dataClass}: read feature "${id}" where "${feature.id}" was planned; did the database change during the build?`,
        );
      yield { ...feature, geometry: geometry as string };
    }
  }
}
