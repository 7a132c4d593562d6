import fs from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadDataClass } from '../data-class.ts';
import { censusTable, classesWithTables, polygonsTable } from '../class-tables.ts';
import { inTransaction, quoteIdent, quoteString } from '../sql.ts';
import { GeobundleError, errorMessage } from '../../core/errors.ts';
import { parseIdValue } from '../identity.ts';

export interface CensusIngestOptions {
  csv: string;
  dataClass: string;
  /** The CSV column holding each row's district key; default: the class spec's census_key.column. */
  keyColumn?: string;
}

export interface CensusIngestSummary {
  dataClass: string;
  table: string;
  rows: number;
  columns: number;
}

const CSV_TABLE = '__geobundle_census_csv';
const KEY_TABLE = '__geobundle_census_keys';

/** Fields in one CSV line (RFC 4180 quoting; a quoted field spanning lines is not split here). */
function fieldCount(line: string): number {
  let count = 1;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) count += 1;
  }
  return count;
}

/**
 * DuckDB's CSV errors span many lines of hints, and when its sniffer gives up
 * on a small file it does not say where; a ragged row is the usual cause, so
 * look for it to name the line.
 */
function csvErrorSummary(csv: string, err: unknown): string {
  const text = fs.statSync(csv).size < 64 * 1024 * 1024 ? fs.readFileSync(csv, 'utf8') : '';
  const lines = text.split(/\r?\n/);
  const expected = fieldCount(lines[0] ?? '');
  const ragged = lines.findIndex((line, i) => i > 0 && line !== '' && fieldCount(line) !== expected);
  if (ragged > 0) {
    const fields = fieldCount(lines[ragged]!);
    return `line ${ragged + 1} has ${fields} field${fields === 1 ? '' : 's'}, the header has ${expected}`;
  }
  const message = errorMessage(err)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return message.slice(0, 2).join('; ');
}

/**
 * `geobundle ingest census`: replaces the table census_<class> with the rows
 * of a CSV. DuckDB reads and types the columns (its sniffer makes numeric
 * columns numeric; names are kept as written); each row's id comes from its
 * key column, parsed in the notation of the class's id scheme (AL-01,
 * AK-AT-LARGE → 0101, 0200). Every key must name a known district (one of the
 * class's polygons, when the class has any) exactly once, or nothing changes.
 */
export async function ingestCensus(
  connection: DuckDBConnection,
  options: CensusIngestOptions,
): Promise<CensusIngestSummary> {
  const spec = loadDataClass(options.dataClass);
  const keyColumn = options.keyColumn ?? spec.census_key?.column;
  if (!keyColumn) {
    throw new GeobundleError(
      `class ${spec.class} declares no census_key.column in manifests/classes/${spec.class}.json; pass --key <column>`,
    );
  }
  const { csv } = options;
  try {
    fs.accessSync(csv, fs.constants.R_OK);
  } catch (err) {
    throw new GeobundleError(`cannot read ${csv}: ${errorMessage(err)}`, { cause: err });
  }
  const table = censusTable(spec.class);

  return inTransaction(connection, async () => {
    try {
      await connection.run(
        `CREATE OR REPLACE TEMP TABLE ${CSV_TABLE} AS SELECT * FROM read_csv(${quoteString(csv)}, header = true, delim = ',', quote = '"', escape = '"')`,
      );
    } catch (err) {
      throw new GeobundleError(`${csv}: cannot read CSV: ${csvErrorSummary(csv, err)}`, { cause: err });
    }
    const described = await connection.runAndReadAll(`DESCRIBE ${CSV_TABLE}`);
    const columns = described.getRows().map(([name, type]) => ({ name: String(name), type: String(type) }));
    if (!columns.some((c) => c.name === keyColumn)) {
      throw new GeobundleError(
        `${csv}: no key column "${keyColumn}" (columns: ${columns.map((c) => c.name).join(', ')})`,
      );
    }
    // DuckDB identifiers are case-insensitive, so ID or Id would collide with ours.
    const clash = columns.find((c) => c.name.toLowerCase() === 'id');
    if (clash)
      throw new GeobundleError(`${csv}: column "${clash.name}" clashes with the id column geobundle adds; rename it`);

    // Rows come back in file order (DuckDB preserves insertion order), so row n is line n + 1.
    const keys = (
      await connection.runAndReadAll(`SELECT CAST(${quoteIdent(keyColumn)} AS VARCHAR) FROM ${CSV_TABLE}`)
    ).getRows();
    if (keys.length === 0) throw new GeobundleError(`${csv}: no data rows`);
    const known = await knownIds(connection, spec.class);
    const idOfKey = new Map<string, string>();
    const lineOfId = new Map<string, number>();
    for (const [index, [key]] of keys.entries()) {
      const line = index + 2;
      const where = `${csv}: line ${line}: ${keyColumn}`;
      if (key === null || String(key).trim() === '') throw new GeobundleError(`${where} is empty`);
      const parsed = parseIdValue(spec, String(key));
      if (!parsed.ok) throw new GeobundleError(`${where}: ${parsed.problem}: not a known ${spec.class} district`);
      const id = parsed.value;
      if (known && !known.has(id)) {
        throw new GeobundleError(
          `${where} "${key}" is district ${id}, which is not among the ${known.size} ${spec.class} polygons in the database`,
        );
      }
      const earlier = lineOfId.get(id);
      if (earlier !== undefined)
        throw new GeobundleError(`${where} "${key}": duplicate district ${id} (also on line ${earlier})`);
      lineOfId.set(id, line);
      idOfKey.set(String(key), id);
    }

    await connection.run(`CREATE OR REPLACE TEMP TABLE ${KEY_TABLE} (key VARCHAR PRIMARY KEY, id VARCHAR NOT NULL)`);
    const appender = await connection.createAppender(KEY_TABLE, 'main', 'temp');
    for (const [key, id] of idOfKey) {
      appender.appendVarchar(key);
      appender.appendVarchar(id);
      appender.endRow();
    }
    appender.closeSync();

    const definitions = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
    await connection.run(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
    await connection.run(`CREATE TABLE ${quoteIdent(table)} (id VARCHAR PRIMARY KEY, ${definitions})`);
    await connection.run(
      `INSERT INTO ${quoteIdent(table)} SELECT k.id, c.* FROM ${CSV_TABLE} c JOIN ${KEY_TABLE} k ON CAST(c.${quoteIdent(keyColumn)} AS VARCHAR) = k.key ORDER BY k.id`,
    );
    await connection.run(`DROP TABLE ${CSV_TABLE}; DROP TABLE ${KEY_TABLE}`);
    return { dataClass: spec.class, table, rows: keys.length, columns: columns.length + 1 };
  });
}

/** The ids of the class's polygons, or null when none are ingested yet (then keys are only parsed). */
async function knownIds(connection: DuckDBConnection, dataClass: string): Promise<Set<string> | null> {
  if (!(await classesWithTables(connection)).includes(dataClass)) return null;
  const result = await connection.runAndReadAll(`SELECT id FROM ${polygonsTable(dataClass)}`);
  const ids = result.getRows().map(([id]) => String(id));
  return ids.length > 0 ? new Set(ids) : null;
}
