/**
 * The GIS files of a class (gis/ writes them): `all.fgb` (FlatGeobuf with
 * its spatial index, read by GDAL/QGIS over HTTP range requests) and
 * `all.parquet` (GeoParquet 1.1), each with the features of all.geojson and
 * their facts flattened into typed columns (plan/gis-columns.ts). They are
 * stored as they are, not as .gz/.br: a range request must address the
 * file's own bytes, and Parquet compresses its pages itself.
 */
import { createRequire } from 'node:module';
import { version as duckdbVersion } from '@duckdb/node-api';

export type GisFormat = 'flatgeobuf' | 'geoparquet';

export const GIS_FORMATS: readonly GisFormat[] = ['flatgeobuf', 'geoparquet'];

/** Entries per node of FlatGeobuf's packed Hilbert R-tree (gis/hilbert-rtree.ts): the package's own default. */
export const INDEX_NODE_SIZE = 16;

/** Source geometry per GeoParquet row group: a reader fetching one gets a few MB; the writer holds about one. */
export const ROW_GROUP_SOURCE_BYTES = 8 * 1024 * 1024;

const require = createRequire(import.meta.url);
const FLATGEOBUF_VERSION = (require('flatgeobuf/package.json') as { version: string }).version;

/**
 * Each format's file name, media type and writer. The writer string is
 * part of every GIS file's input fingerprint: bumped when the bytes written
 * for the same input change.
 */
export const GIS_FILES: Record<GisFormat, { name: string; mediaType: string; writer: string }> = {
  flatgeobuf: {
    name: 'all.fgb',
    // No registered type; the one the FlatGeobuf project and STAC settled on.
    mediaType: 'application/vnd.flatgeobuf',
    writer: `geobundle-fgb 1, flatgeobuf ${FLATGEOBUF_VERSION}, index node size ${INDEX_NODE_SIZE}`,
  },
  geoparquet: {
    name: 'all.parquet',
    // Registered with IANA in 2024.
    mediaType: 'application/vnd.apache.parquet',
    writer: `geobundle-geoparquet 1, DuckDB ${duckdbVersion()}, zstd, ${ROW_GROUP_SOURCE_BYTES} source bytes per row group`,
  },
};
