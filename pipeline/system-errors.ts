/**
 * When the machine rather than the input is at fault — a full disk, a
 * permission, a read-only mount, a database another process holds, a damaged
 * database or one from another DuckDB — the operating system and DuckDB say
 * so in their own words, without the path the user gave or what to do. This
 * is the one place those words are read: each edge where geobundle touches
 * the disk (opening the database, writing releases and the Wikipedia cache)
 * passes what it caught through `fileSystemError` or `duckdbError` with the
 * place it was working on, and gets a GeobundleError naming that place and
 * the remedy. Anything else passes through unchanged, so a real bug still
 * reaches the CLI's unexpected-error path with its stack.
 */
import fs from 'node:fs';
import path from 'node:path';
import { version as duckdbVersion } from '@duckdb/node-api';
import { GeobundleError } from '../core/errors.ts';

/** What an edge was working on, as the user knows it. */
export interface Place {
  kind: 'database' | 'releases' | 'cache';
  path: string;
  /** What the command needed there: a build only reads the database. */
  access: 'read' | 'write';
  /** What the failure left behind, when the edge knows it ("nothing was published"). */
  left?: string;
}

const PLACES: Record<Place['kind'], { noun: string; option: string; room: string }> = {
  database: { noun: 'database', option: '--db <file>', room: '' },
  releases: { noun: 'releases directory', option: '--releases <dir>', room: ' (geobundle prune removes old releases)' },
  cache: { noun: 'Wikipedia cache', option: '--cache <dir>', room: '' },
};

type Condition =
  | { kind: 'no-space'; quota: boolean }
  | { kind: 'permission'; path?: string; notPermitted: boolean }
  | { kind: 'read-only' }
  | { kind: 'locked'; holder?: string; pid?: string }
  | { kind: 'damaged'; reason: string }
  | { kind: 'storage-version'; found: string; readable: string; newer: boolean };

/** The errno codes we can name a remedy for (errno(3)). */
const ERRNO: Record<string, (path?: string) => Condition> = {
  ENOSPC: () => ({ kind: 'no-space', quota: false }),
  EDQUOT: () => ({ kind: 'no-space', quota: true }),
  EACCES: (p) => ({ kind: 'permission', path: p, notPermitted: false }),
  EPERM: (p) => ({ kind: 'permission', path: p, notPermitted: true }),
  EROFS: () => ({ kind: 'read-only' }),
};

/** The same conditions as DuckDB words them: strerror(3) after the quoted file, e.g. `Could not write file "x.wal": No space left on device`. */
const STRERROR: Record<string, string> = {
  'No space left on device': 'ENOSPC',
  'Disk quota exceeded': 'EDQUOT',
  'Permission denied': 'EACCES',
  'Operation not permitted': 'EPERM',
  'Read-only file system': 'EROFS',
};

/** DuckDB's own conditions of a database file; each match gives the condition and the file it names. */
const DUCKDB: Array<{ pattern: RegExp; condition: (m: RegExpExecArray) => Condition }> = [
  {
    pattern:
      /Could not set lock on file "(?<file>[^"]+)"(?:: Conflicting lock is held in (?<holder>.+?) \(PID (?<pid>\d+)\))?/,
    condition: (m) => ({ kind: 'locked', holder: m.groups!.holder, pid: m.groups!.pid }),
  },
  {
    pattern: /The file "(?<file>[^"]+)" exists, but it is not a valid DuckDB database file/,
    condition: () => ({ kind: 'damaged', reason: 'not a DuckDB database file' }),
  },
  {
    pattern: /Could not read enough bytes from file "(?<file>[^"]+)"/,
    condition: () => ({ kind: 'damaged', reason: 'truncated: shorter than its own header says' }),
  },
  {
    pattern:
      /Corrupt database file: computed checksum \d+ does not match stored checksum \d+ in block at location (?<block>\d+)/,
    condition: (m) => ({ kind: 'damaged', reason: `checksum mismatch in the block at ${m.groups!.block}` }),
  },
  {
    pattern:
      /Trying to read a database file with version number (?<found>\d+), but we can only read (?:version (?<one>\d+)|versions between (?<low>\d+) and (?<high>\d+))/,
    condition: (m) => {
      const { found, one, low, high } = m.groups!;
      return {
        kind: 'storage-version',
        found: found!,
        readable: one ?? `${low} to ${high}`,
        newer: Number(found) > Number(one ?? high),
      };
    },
  },
  {
    pattern: new RegExp(`"(?<file>[^"]+)": (?<strerror>${Object.keys(STRERROR).join('|')})`),
    condition: (m) => ERRNO[STRERROR[m.groups!.strerror!]!]!(m.groups!.file),
  },
];

/**
 * True when `file` is the place, inside it, on the way to it (a parent
 * directory that could not be created), or for a database one of the files
 * DuckDB keeps beside it (`.wal`, `.tmp/`).
 */
function concerns(file: string, place: Place): boolean {
  const target = path.resolve(place.path);
  const named = path.resolve(file);
  const descends = (from: string, to: string) => !path.relative(from, to).split(path.sep).includes('..');
  return (
    descends(target, named) || descends(named, target) || (place.kind === 'database' && named.startsWith(`${target}.`))
  );
}

/**
 * A Node file-system error (its errno `code`) met while working on `place`,
 * as a GeobundleError; undefined for any other error, or one about a path
 * elsewhere.
 */
export function fileSystemError(err: unknown, place: Place): GeobundleError | undefined {
  if (err instanceof GeobundleError || !(err instanceof Error)) return undefined;
  const { code, path: file } = err as NodeJS.ErrnoException;
  const condition = code === undefined ? undefined : ERRNO[code]?.(file);
  if (!condition || (file !== undefined && !concerns(file, place))) return undefined;
  return explain(condition, place, err);
}

/**
 * A DuckDB error about a file at `place` — the database file, or a file
 * DuckDB writes into the releases directory (the GeoParquet files) — as a
 * GeobundleError (a checksum failure names no file); undefined for any other
 * error, including DuckDB's about other files (a CSV being read).
 */
export function duckdbError(err: unknown, place: Place): GeobundleError | undefined {
  if (err instanceof GeobundleError || !(err instanceof Error) || 'code' in err) return undefined;
  for (const { pattern, condition } of DUCKDB) {
    const m = pattern.exec(err.message);
    if (!m) continue;
    const file = m.groups?.file;
    return file === undefined || concerns(file, place) ? explain(condition(m), place, err) : undefined;
  }
  return undefined;
}

/**
 * The system error a Node child process (mapshaper) died of, from the report
 * Node prints for an uncaught one (`code: 'ENOSPC'`), rebuilt as an errno
 * error so the edge that ran the child maps it like its own; undefined when
 * the child failed for any other reason.
 */
export function childSystemError(output: string): NodeJS.ErrnoException | undefined {
  const code = /^\s*code: '(?<code>E[A-Z]+)'/m.exec(output)?.groups?.code;
  if (code === undefined || !(code in ERRNO)) return undefined;
  return Object.assign(new Error(`${code} in a child process`), { code });
}

/** Owner and mode of the nearest path at or above `file` that can be looked at: what refused, and whose it is. */
function ownership(file: string, place: Place): string {
  for (let p = path.resolve(file); ; p = path.dirname(p)) {
    try {
      const stat = fs.statSync(p);
      const what = `owner uid ${stat.uid}, mode ${(stat.mode & 0o7777).toString(8).padStart(4, '0')}`;
      return p === path.resolve(place.path) ? what : `${p}: ${what}`;
    } catch (err) {
      if (p === path.dirname(p)) throw err;
    }
  }
}

const REINGEST = 're-create it with "geobundle ingest …"';

function sentence(condition: Condition, place: Place): string {
  const { noun, option, room } = PLACES[place.kind];
  const where = `${noun} ${place.path}`;
  switch (condition.kind) {
    case 'no-space':
      return (
        `no space left on the device holding ${where}${condition.quota ? ' (disk quota exceeded)' : ''}: ` +
        `free some space there${room} or pass ${option} on a disk with room, then run again`
      );
    case 'permission': {
      const there = place.kind === 'database' ? 'it' : 'there';
      return (
        `${condition.notPermitted ? 'operation not permitted' : 'permission denied'} ${place.access === 'read' ? 'reading' : 'writing'} ${where} ` +
        `(${ownership(condition.path ?? place.path, place)}; geobundle runs as uid ${process.getuid?.()}): ` +
        `run geobundle as a user who may ${place.access} ${there}, or pass ${option} that this user may ${place.access}`
      );
    }
    case 'read-only':
      return `${where} is on a read-only file system: remount it read-write or pass ${option} on a writable one, then run again`;
    case 'locked':
      return (
        `${where} is locked by another process${condition.pid ? ` (PID ${condition.pid}, ${condition.holder})` : ''}: ` +
        'wait for it to finish or stop it, then run again (DuckDB lets one process write a database, or several read it)'
      );
    case 'damaged':
      return `${where} is not a usable DuckDB file (${condition.reason}): restore it from a backup, or move it away and ${REINGEST}`;
    case 'storage-version':
      return (
        `${where} was written by ${condition.newer ? 'a newer' : 'an older'} DuckDB (storage version ${condition.found}; ` +
        `geobundle's DuckDB ${duckdbVersion()} reads ${condition.readable}): ` +
        (condition.newer
          ? 'upgrade geobundle to one whose @duckdb/node-api reads it'
          : 'convert it with the DuckDB that wrote it (EXPORT DATABASE, then IMPORT DATABASE with this one)') +
        `, or ${REINGEST}`
      );
  }
}

function explain(condition: Condition, place: Place, cause: Error): GeobundleError {
  const message = sentence(condition, place);
  return new GeobundleError(place.left ? `${message}; ${place.left}` : message, { cause });
}
