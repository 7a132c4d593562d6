/**
 * `geobundle lookup`: the districts of every class at a point, or at every
 * row of a CSV file, from a release's lookup index — read by the client
 * library itself, from the local releases directory (through `file:` URLs)
 * or from a deployment's base URL through the very requests a browser makes
 * (which also checks what a CDN serves).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Command, Option } from 'commander';
import { errorMessage, GeobundleError } from '../../core/errors.ts';
import type { DistrictLookup, LookupAnswer } from '../../client/types.ts';
import { fileFetch } from '../file-fetch.ts';
import type { CliIo } from '../io.ts';
import { releasesOption } from '../options.ts';

interface LookupFlags {
  lat?: string;
  lon?: string;
  points?: string;
  release?: string;
  url?: string;
  releases: string;
  json?: boolean;
  facts?: boolean;
}

const LIMITS = { latitude: 90, longitude: 180 } as const;

/** A latitude or longitude as typed, or a one-line message naming the value (`where`: the row it is on). */
function coordinate(name: keyof typeof LIMITS, text: string, where = ''): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new GeobundleError(`${where}${name} ${JSON.stringify(text)} is not a number`);
  const limit = LIMITS[name];
  if (Math.abs(n) > limit)
    throw new GeobundleError(`${where}${name} ${text} is out of range: expected -${limit} to ${limit} degrees`);
  return n;
}

/** A CSV field as RFC 4180 writes it: quoted only when it must be. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One line of `--json`: the point and each class's district (id and name, and the facts with --facts). */
function jsonLine(answer: LookupAnswer, facts: boolean, extra?: Record<string, string>): string {
  const districts = Object.fromEntries(
    Object.entries(answer.districts).map(([c, d]) => [
      c,
      d && { id: d.id, name: d.name, ...(facts ? { census: d.census ?? null, wikipedia: d.wikipedia ?? null } : {}) },
    ]),
  );
  return `${JSON.stringify({ ...(extra ? { row: extra } : {}), lat: answer.lat, lon: answer.lon, districts })}\n`;
}

export interface PointRow {
  /** The file's line the row is on (the header is line 1). */
  line: number;
  lat: number;
  lon: number;
  columns: Record<string, string>;
}

/**
 * The rows of a points file, every one checked before any is looked up: a
 * malformed row fails the command naming its line and value, with nothing
 * printed. DuckDB reads the CSV (quoting, delimiters, a BOM), every column
 * as text.
 */
export async function readPoints(file: string): Promise<{ header: string[]; rows: PointRow[] }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    let reader: Awaited<ReturnType<typeof connection.runAndReadAll>>;
    try {
      reader = await connection.runAndReadAll('SELECT * FROM read_csv($1, header = true, all_varchar = true)', [file]);
    } catch (err) {
      throw new GeobundleError(`cannot read points file ${file}: ${errorMessage(err).split('\n')[0]}`);
    }
    const header = reader.columnNames();
    for (const needed of ['lat', 'lon'])
      if (!header.includes(needed))
        throw new GeobundleError(
          `points file ${file} has no "${needed}" column (its header: ${header.join(', ')}): the header must name lat and lon`,
        );
    const rows = reader.getRowObjectsJS().map((record, i): PointRow => {
      const line = i + 2;
      const columns = Object.fromEntries(header.map((h) => [h, (record[h] as string | null) ?? '']));
      const where = `${file} line ${line}: `;
      return {
        line,
        lat: coordinate('latitude', columns.lat!, where),
        lon: coordinate('longitude', columns.lon!, where),
        columns,
      };
    });
    return { header, rows };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function open(flags: LookupFlags): Promise<DistrictLookup> {
  const { openLookup } = await import('../../client/lookup.ts');
  if (flags.url) return openLookup({ baseUrl: flags.url, version: flags.release, cache: null });
  return openLookup({
    releasesUrl: pathToFileURL(path.resolve(flags.releases)).href,
    version: flags.release,
    fetch: fileFetch,
    cache: null,
  }).catch((err: unknown) => {
    if (!flags.release && /current\.json failed: 404/.test((err as Error).message))
      throw new GeobundleError(
        `no current release in ${path.resolve(flags.releases)}: run "geobundle set-current <version>" or pass --release <version>`,
      );
    throw err;
  });
}

export function register(program: Command, io: CliIo): void {
  program
    .command('lookup')
    .description(
      "find the district of every class at a point (--lat/--lon) or at each row of a CSV file (--points), from a release's lookup index",
    )
    .addOption(new Option('--lat <degrees>', 'latitude, -90 to 90'))
    .addOption(new Option('--lon <degrees>', 'longitude, -180 to 180'))
    .addOption(
      new Option(
        '--points <file.csv>',
        'a CSV file with a header naming lat and lon (other columns are carried through): one answer per row, in order',
      ),
    )
    .addOption(new Option('--release <version>', 'the release to use (default: the current one)'))
    .addOption(
      new Option(
        '--url <base>',
        "a deployment's base URL (e.g. https://example.org): read it through the API and /bundles/ as a browser does",
      ),
    )
    .addOption(releasesOption(io))
    .addOption(new Option('--facts', "also print each district's census and wikipedia facts (with --json)"))
    .addOption(new Option('--json', 'print one JSON object per point per line'))
    .addHelpText(
      'after',
      `
Without --url, the local releases directory is read (its current release, or
--release). A point in no district of a class (the sea, another country) has
null for that class. With --points the output is CSV: the file's own columns,
then <class>_id per class; with --json, one line per row.

Examples:
  geobundle lookup --lat 42.3588 --lon -71.0638
  geobundle lookup --lat 29.7604 --lon -95.3698 --json --facts
  geobundle lookup --points addresses.csv > with-districts.csv
  geobundle lookup --lat 34.05 --lon -118.24 --url https://example.org

Exit codes: 0 answered, 1 bad input or no release, 2 usage.`,
    )
    .action(async (flags: LookupFlags) => {
      const single = flags.lat !== undefined || flags.lon !== undefined;
      if (single === (flags.points !== undefined))
        throw new GeobundleError('give either --lat and --lon, or --points <file.csv> (see geobundle lookup --help)');
      if (single && (flags.lat === undefined || flags.lon === undefined))
        throw new GeobundleError(
          `--${flags.lat === undefined ? 'lat' : 'lon'} is missing: a point needs both --lat and --lon`,
        );
      const point = single
        ? { lat: coordinate('latitude', flags.lat!), lon: coordinate('longitude', flags.lon!) }
        : null;
      const points = point ? null : await readPoints(flags.points!);
      const lookup = await open(flags);
      const facts = Boolean(flags.facts);
      if (!points) {
        const answer = await lookup.lookup(point!, { facts });
        if (flags.json) io.stdout.write(jsonLine(answer, facts));
        else
          for (const [dataClass, d] of Object.entries(answer.districts))
            io.stdout.write(`${dataClass}\t${d ? `${d.id}\t${d.name}` : '-'}\n`);
        return;
      }
      if (!flags.json)
        io.stdout.write(`${[...points.header, ...lookup.classes.map((c) => `${c}_id`)].map(csvField).join(',')}\n`);
      for (const row of points.rows) {
        const answer = await lookup.lookup(row, { facts });
        if (flags.json) io.stdout.write(jsonLine(answer, facts, row.columns));
        else {
          const ids = lookup.classes.map((c) => answer.districts[c]?.id ?? '');
          io.stdout.write(`${[...points.header.map((h) => row.columns[h]!), ...ids].map(csvField).join(',')}\n`);
        }
      }
    });
}
