/**
 * Writes a class as one GeoParquet 1.1 file
 * (https://geoparquet.org/releases/v1.1.0/): the attributes as typed columns
 * (DuckDB's own types for census and wikipedia), the geometry as WKB in
 * `geometry`, each row's box in a `bbox` struct (the 1.1 "covering", which
 * lets a reader skip row groups by their statistics), and the `geo` file
 * metadata. DuckDB writes the Parquet; its core has no GeoJSON reader and
 * extensions cannot be installed at build time, so the WKB is made here.
 *
 * Memory stays bounded: the geometry goes into DuckDB a row group at a time
 * (about ROW_GROUP_SOURCE_BYTES of source geometry), each written as a part
 * file joined with its rows' attributes; the parts, in id order, are then
 * copied into the one file with its metadata.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { MultiPolygon } from 'geojson';
import { GeobundleError } from '../../../../core/errors.ts';
import type { Bbox } from '../../../../core/release-format.ts';
import { quoteIdent, quoteString } from '../../../sql.ts';
import { emptyBbox, extendBbox } from '../../../bbox.ts';
import { sha256File } from '../../../sha256.ts';
import { READ_ONLY } from '../../../atomic-files.ts';
import type { GisColumn } from '../../plan/gis-columns.ts';
import { ROW_GROUP_SOURCE_BYTES } from '../gis.ts';
import { classRowsSql, type ClassPlan } from '../../plan/class-plan.ts';
import { multiPolygonWkb } from './wkb.ts';
import { fsyncPath } from '../../../atomic-files.ts';

/** OGC:CRS84 as PROJJSON, as the GeoParquet 1.1 specification gives it ("OGC:CRS84 details"). */
const CRS84 = {
  $schema: 'https://proj.org/schemas/v0.5/projjson.schema.json',
  type: 'GeographicCRS',
  name: 'WGS 84 longitude-latitude',
  datum: {
    type: 'GeodeticReferenceFrame',
    name: 'World Geodetic System 1984',
    ellipsoid: { name: 'WGS 84', semi_major_axis: 6378137, inverse_flattening: 298.257223563 },
  },
  coordinate_system: {
    subtype: 'ellipsoidal',
    axis: [
      { name: 'Geodetic longitude', abbreviation: 'Lon', direction: 'east', unit: 'degree' },
      { name: 'Geodetic latitude', abbreviation: 'Lat', direction: 'north', unit: 'degree' },
    ],
  },
  id: { authority: 'OGC', code: 'CRS84' },
};

/** The `geo` metadata of a file whose features span `bbox`. */
function geoMetadata(bbox: Bbox | null) {
  return {
    version: '1.1.0',
    primary_column: 'geometry',
    columns: {
      geometry: {
        encoding: 'WKB',
        geometry_types: ['MultiPolygon'],
        // Not null: a null crs says the CRS is unknown; absent would mean CRS84 too, stated here for readers that look.
        crs: CRS84,
        // The bundles' RFC 7946 winding: exterior rings counter-clockwise, holes clockwise.
        orientation: 'counterclockwise',
        edges: 'planar',
        ...(bbox ? { bbox } : {}),
        covering: {
          bbox: { xmin: ['bbox', 'xmin'], ymin: ['bbox', 'ymin'], xmax: ['bbox', 'xmax'], ymax: ['bbox', 'ymax'] },
        },
      },
    },
  };
}

/** Rows per row group for a class: its features' share of ROW_GROUP_SOURCE_BYTES. */
function rowsPerGroup(plan: ClassPlan): number {
  const perFeature = plan.geometryBytes / Math.max(1, plan.features.length);
  return Math.max(1, Math.floor(ROW_GROUP_SOURCE_BYTES / Math.max(1, perFeature)));
}

const ATTRIBUTES = 'geobundle_gis_attributes';
const GEOMETRY = 'geobundle_gis_geometry';

export interface GeoParquetResult {
  bytes: number;
  sha256: string;
  featureCount: number;
  bbox: Bbox | null;
}

export class GeoParquetWriter {
  private appender: DuckDBAppender | null = null;
  private readonly extent = emptyBbox();
  private readonly parts: string[] = [];
  private readonly groupRows: number;
  private inGroup = 0;
  private count = 0;

  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly plan: ClassPlan,
    private readonly file: string,
    private readonly scratchDir: string,
  ) {
    this.groupRows = rowsPerGroup(plan);
  }

  /**
   * Starts the file: the class's attribute rows, typed as the database has
   * them, go into a temporary table (TEMP: the build's database is read-only).
   */
  static async open(
    connection: DuckDBConnection,
    plan: ClassPlan,
    columns: readonly GisColumn[],
    file: string,
    scratchDir: string,
  ): Promise<GeoParquetWriter> {
    const source = (c: GisColumn) =>
      `${{ feature: 'p', census: 'c', wikipedia: 'w' }[c.group]}.${quoteIdent(c.key)} AS ${quoteIdent(c.name)}`;
    await connection.run(`DROP TABLE IF EXISTS temp.${ATTRIBUTES}`);
    await connection.run(
      `CREATE TEMP TABLE ${ATTRIBUTES} AS SELECT ${columns.map(source).join(', ')}
       ${classRowsSql(plan.dataClass, { census: plan.censusColumns.length > 0, wikipedia: plan.wikipediaColumns.length > 0 })}`,
    );
    const writer = new GeoParquetWriter(connection, plan, file, scratchDir);
    await writer.startGroup();
    return writer;
  }

  private async startGroup(): Promise<void> {
    await this.connection.run(`DROP TABLE IF EXISTS temp.${GEOMETRY}`);
    await this.connection.run(
      `CREATE TEMP TABLE ${GEOMETRY} (seq INTEGER, id VARCHAR, geometry BLOB, xmin DOUBLE, ymin DOUBLE, xmax DOUBLE, ymax DOUBLE)`,
    );
    this.appender = await this.connection.createAppender(GEOMETRY, 'main', 'temp');
    this.inGroup = 0;
  }

  /** Writes the group so far as a part file: its rows joined with their attributes, in feature order. */
  private async endGroup(): Promise<void> {
    this.appender!.closeSync();
    this.appender = null;
    if (this.inGroup === 0) return;
    const part = path.join(this.scratchDir, `part-${String(this.parts.length).padStart(6, '0')}.parquet`);
    const joined = `FROM temp.${GEOMETRY} g JOIN temp.${ATTRIBUTES} a ON a.id = g.id`;
    const matched = (
      await this.connection.runAndReadAll(`SELECT count(*)::INTEGER AS n ${joined}`)
    ).getRowObjectsJS()[0]!.n as number;
    if (matched !== this.inGroup)
      throw new GeobundleError(
        `${this.plan.dataClass}: ${this.inGroup - matched} features of all.geojson have no row in the database; did the database change during the build?`,
      );
    await this.connection.run(
      `COPY (SELECT a.*, g.geometry, struct_pack(xmin := g.xmin, ymin := g.ymin, xmax := g.xmax, ymax := g.ymax) AS bbox
       ${joined} ORDER BY g.seq) TO ${quoteString(part)} (FORMAT parquet, COMPRESSION uncompressed)`,
    );
    this.parts.push(part);
  }

  async add(id: string, geometry: MultiPolygon, bbox: Bbox): Promise<void> {
    const a = this.appender!;
    a.appendInteger(this.count);
    a.appendVarchar(id);
    a.appendBlob(multiPolygonWkb(geometry));
    for (const v of bbox) a.appendDouble(v);
    a.endRow();
    extendBbox(this.extent, bbox);
    this.count += 1;
    this.inGroup += 1;
    if (this.inGroup === this.groupRows) {
      await this.endGroup();
      await this.startGroup();
    }
  }

  async end(): Promise<GeoParquetResult> {
    await this.endGroup();
    const bbox = this.extent.empty ? null : this.extent.value();
    const parts = this.parts.length > 0 ? `read_parquet([${this.parts.map(quoteString).join(', ')}])` : null;
    if (!parts) throw new GeobundleError(`${this.plan.dataClass}: no features to write to ${this.file}`);
    // The parts are read in list order (insertion order is preserved), so the file is in id order.
    await this.connection.run(
      `COPY (SELECT * FROM ${parts}) TO ${quoteString(this.file)}
       (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${this.groupRows},
        KV_METADATA {geo: ${quoteString(JSON.stringify(geoMetadata(bbox)))}})`,
    );
    await this.cleanUp();
    fs.chmodSync(this.file, READ_ONLY);
    fsyncPath(this.file);
    return { bytes: fs.statSync(this.file).size, sha256: await sha256File(this.file), featureCount: this.count, bbox };
  }

  private async cleanUp(): Promise<void> {
    this.appender?.closeSync();
    this.appender = null;
    await this.connection.run(`DROP TABLE IF EXISTS temp.${GEOMETRY}`);
    await this.connection.run(`DROP TABLE IF EXISTS temp.${ATTRIBUTES}`);
    for (const part of this.parts) fs.rmSync(part, { force: true });
  }

  async abort(): Promise<void> {
    await this.cleanUp();
  }
}
