/**
 * When the machine is at fault — a full disk, a permission, a read-only
 * mount, a database another process holds, damaged or from another DuckDB —
 * each command prints one line naming the path and the remedy, exits 1 and
 * leaves nothing partial. Every condition is the real one: tmpfs mounts
 * that fill up or turn read-only, the CLI run as an unprivileged user, a
 * second process holding DuckDB's lock, damaged and re-versioned files.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { version as duckdbVersion } from '@duckdb/node-api';
import { openDatabase, withDatabase } from '../pipeline/db.ts';
import { projectRoot } from '../pipeline/paths.ts';
import { startSummaryServer } from '../testkit/wikipedia-stand-in.ts';
import { geobundle, spawnGeobundle } from './helpers/cli.ts';
import { snapshotDatabase } from './helpers/database.ts';
import { fillUp, mountRefusal, mountTmpfs, remountReadOnly, unmount } from './helpers/mount.ts';
import { buildDirs, createFixtureDatabase, releaseFixtureSource, snapshotTree } from './helpers/release.ts';
import { tempDir } from '../testkit/temp.ts';
import { CLASS, SUMMARIES, seedDatabase, wikipediaRows } from './helpers/wikipedia-fixtures.ts';

const refusal = await mountRefusal();
if (refusal) console.warn(`SKIPPED full-disk and read-only tests: cannot mount a tmpfs (${refusal})`);

const uid = process.getuid!();
/** Root passes every permission check, so the permission tests run the CLI as nobody (test/helpers/cli.ts). */
const childUid = uid === 0 ? 65534 : uid;
const setprivMissing = uid === 0 && (await execa('setpriv', ['--version'], { reject: false })).exitCode !== 0;
if (setprivMissing) console.warn('SKIPPED permission tests: running as root and setpriv(1) (util-linux) is missing');

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** The one line a command printed, as the user reads it: no stack, nothing else (a child's output loses its last newline). */
function expectOneLine(result: { exitCode?: number; stderr: string }, message: string | RegExp): void {
  const printed = result.stderr.replace(/\n$/, '');
  if (typeof message === 'string') expect(printed).toBe(`geobundle: ${message}`);
  else expect(printed).toMatch(new RegExp(`^geobundle: ${message.source}$`));
  expect(result.exitCode).toBe(1);
}

/** `text` as a regular expression matching just itself. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Everything a releases directory holds, directories included (a new empty version dir is partial too). */
function releasesState(releases: string) {
  return { entries: fs.readdirSync(releases).sort(), files: snapshotTree(releases) };
}

/**
 * A DuckDB file with another storage version: DuckDB's main header (the
 * file's first 4096 bytes) is an 8-byte checksum, the magic "DUCK" and the
 * version as a little-endian uint64 at byte 12. The checksum
 * (src/common/checksum.cpp) XORs each uint64 of bytes 8–4095, multiplied by
 * 0xbf58476d1ce4e5b9, into 5381. Checked against the original first, so a
 * DuckDB that changes the layout fails here rather than testing nothing.
 */
function withStorageVersion(source: string, target: string, version: number): void {
  const bytes = fs.readFileSync(source);
  const checksum = (header: Buffer) => {
    let sum = 5381n;
    for (let i = 0; i < header.length; i += 8) {
      sum ^= BigInt.asUintN(64, header.readBigUInt64LE(i) * 0xbf58476d1ce4e5b9n);
    }
    return sum;
  };
  expect(bytes.subarray(8, 12).toString('latin1')).toBe('DUCK');
  expect(checksum(bytes.subarray(8, 4096))).toBe(bytes.readBigUInt64LE(0));
  bytes.writeBigUInt64LE(BigInt(version), 12);
  bytes.writeBigUInt64LE(checksum(bytes.subarray(8, 4096)), 0);
  fs.writeFileSync(target, bytes);
}

/**
 * A second process that opens `dbPath` for writing with DuckDB and keeps it
 * open until killed; wrapped in an object, since an async function returning
 * the child itself (a promise) would wait for it to exit.
 */
async function holdDatabase(dbPath: string): Promise<{ holder: ResultPromise }> {
  const script =
    "import { DuckDBInstance } from '@duckdb/node-api';" +
    'const instance = await DuckDBInstance.create(process.argv[1]);' +
    "await instance.connect(); console.log('open'); setInterval(() => {}, 1000);";
  const holder = execa(process.execPath, ['--input-type=module', '-e', script, dbPath], { cwd: projectRoot });
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.once('data', () => resolve());
    holder.catch(reject);
  });
  return { holder };
}

describe('errors that say what to do', () => {
  let work: string;
  let dbPath: string;
  const mounts: string[] = [];
  const mounted = async (prefix: string, size: string) => {
    const dir = await mountTmpfs(prefix, size);
    mounts.push(dir);
    return dir;
  };

  beforeAll(async () => {
    work = tempDir('errors');
    // Traversable, so the CLI run as nobody reaches the files the permission tests set up.
    fs.chmodSync(work, 0o755);
    dbPath = await createFixtureDatabase(path.join(work, 'db.duckdb'), releaseFixtureSource());
  });
  afterAll(async () => {
    for (const dir of mounts) await unmount(dir);
    fs.rmSync(work, { recursive: true, force: true });
  });

  const build = (version: string, releases: string, db = dbPath, ...args: string[]) =>
    geobundle(['build-release', version, '--db', db, '--releases', releases, '--quiet', ...args]);

  // At another precision none of v1.0.0's files is reused, so v1.1.0 writes all 22 (a 4 KiB page each at
  // least): with 48 KiB free the disk fills while the bundles are written, with 64 KiB while DuckDB writes
  // the GeoParquet file, with 112 KiB inside mapshaper.
  it.skipIf(refusal).each([
    ['while writing bundles', 48],
    ['in DuckDB, writing the GeoParquet file', 64],
    ['in mapshaper, a child process', 112],
  ])('build-release on a full disk (%s): one line, and no half-written release', async (_, freeKiB) => {
    const disk = await mounted('enospc-releases', '1m');
    const releases = path.join(disk, 'releases');
    expect((await build('v1.0.0', releases)).exitCode).toBe(0);
    fillUp(disk, freeKiB * 1024);
    const before = releasesState(releases);

    const result = await build('v1.1.0', releases, dbPath, '--precision', '5');
    expectOneLine(
      result,
      `no space left on the device holding releases directory ${releases}: free some space there ` +
        '(geobundle prune removes old releases) or pass --releases <dir> on a disk with room, then run again; nothing was published',
    );
    expect(buildDirs(releases)).toEqual([]);
    expect(releasesState(releases)).toEqual(before);
  });

  it.skipIf(refusal)('ingest on a full disk: one line, and the database as it was', async () => {
    const disk = await mounted('enospc-db', '2m');
    const db = path.join(disk, 'geobundle.duckdb');
    (await openDatabase(db)).close();
    const before = sha256(db);
    const tables = await withDatabase(db, { readOnly: true }, (d) => snapshotDatabase(d.connection));

    // The embedded default's 4 MB of WAL does not fit: its COMMIT fails.
    const result = await geobundle(['ingest', 'us-atlas', '--db', db, '--quiet']);
    expectOneLine(
      result,
      `no space left on the device holding database ${db}: free some space there or pass --db <file> on a disk with room, then run again`,
    );
    expect(sha256(db)).toBe(before);
    expect(fs.statSync(`${db}.wal`, { throwIfNoEntry: false })?.size ?? 0, 'no WAL content left to replay').toBe(0);
    expect(await withDatabase(db, { readOnly: true }, (d) => snapshotDatabase(d.connection))).toBe(tables);
  });

  it.skipIf(refusal)(
    'refresh-wikipedia with its cache on a full disk: one line, no cache file, the database as it was',
    async () => {
      const disk = await mounted('enospc-cache', '1m');
      const cache = path.join(disk, 'cache');
      const db = path.join(work, 'wikipedia.duckdb');
      await seedDatabase(db);
      const rows = await wikipediaRows(db);
      fillUp(disk);
      const server = await startSummaryServer({ fixturesDir: SUMMARIES });
      try {
        const result = await geobundle(
          [
            'refresh-wikipedia',
            '--class',
            CLASS,
            '--db',
            db,
            '--cache',
            cache,
            '--api-base',
            server.apiBase,
            '--only',
            '0200',
            '--concurrency',
            '1',
            '--quiet',
          ],
          { env: { GEOBUNDLE_CONTACT: 'tests@geobundle.invalid' } },
        );
        expectOneLine(
          result,
          `no space left on the device holding Wikipedia cache ${cache}: free some space there or pass --cache <dir> on a disk with room, then run again`,
        );
      } finally {
        await server.close();
      }
      expect(snapshotTree(cache)).toEqual(new Map());
      expect(await wikipediaRows(db)).toEqual(rows);
    },
  );

  it.skipIf(setprivMissing)('build-release and set-current without permission to write releases/', async () => {
    const releases = path.join(work, 'releases-not-ours');
    expect((await build('v1.0.0', releases)).exitCode).toBe(0);
    fs.chmodSync(releases, 0o555);
    const before = releasesState(releases);
    const refused = `permission denied writing releases directory ${releases} (owner uid ${uid}, mode 0555; geobundle runs as uid ${childUid}): run geobundle as a user who may write there, or pass --releases <dir> that this user may write`;

    const built = await spawnGeobundle(['build-release', 'v1.1.0', '--db', dbPath, '--releases', releases, '--quiet'], {
      unprivileged: true,
    });
    expectOneLine(built, `${refused}; nothing was published`);
    const pointed = await spawnGeobundle(['set-current', 'v1.0.0', '--releases', releases], { unprivileged: true });
    expectOneLine(pointed, refused);
    expect(releasesState(releases)).toEqual(before);
  });

  it.skipIf(setprivMissing)('build-release and ingest without permission to read or write the database', async () => {
    const db = path.join(work, 'unreadable.duckdb');
    fs.copyFileSync(dbPath, db);
    fs.chmodSync(db, 0o000);
    const before = sha256(db);
    const releases = path.join(work, 'releases-unreadable');
    const who = `(owner uid ${uid}, mode 0000; geobundle runs as uid ${childUid})`;

    const built = await spawnGeobundle(['build-release', 'v1.0.0', '--db', db, '--releases', releases], {
      unprivileged: true,
    });
    expectOneLine(
      built,
      `permission denied reading database ${db} ${who}: run geobundle as a user who may read it, or pass --db <file> that this user may read`,
    );
    const ingested = await spawnGeobundle(['ingest', 'us-atlas', '--db', db], { unprivileged: true });
    expectOneLine(
      ingested,
      `permission denied writing database ${db} ${who}: run geobundle as a user who may write it, or pass --db <file> that this user may write`,
    );
    expect(sha256(db)).toBe(before);
    expect(fs.existsSync(releases)).toBe(false);
  });

  it('build-release and ingest while another process holds the database', async () => {
    const db = path.join(work, 'held.duckdb');
    fs.copyFileSync(dbPath, db);
    const { holder } = await holdDatabase(db);
    try {
      const before = sha256(db);
      const releases = path.join(work, 'releases-held');
      const locked = `database ${db} is locked by another process (PID ${holder.pid}, ${fs.realpathSync(process.execPath)}): wait for it to finish or stop it, then run again (DuckDB lets one process write a database, or several read it)`;
      expectOneLine(await build('v1.0.0', releases, db), locked);
      expectOneLine(await geobundle(['ingest', 'us-atlas', '--db', db, '--quiet']), locked);
      expect(sha256(db)).toBe(before);
      expect(fs.existsSync(releases)).toBe(false);
    } finally {
      holder.kill();
      await holder.catch(() => {});
    }
  });

  const damaged = (db: string, reason: string) =>
    `database ${db} is not a usable DuckDB file (${reason}): restore it from a backup, or move it away and re-create it with "geobundle ingest …"`;

  /** build-release and ingest on `db`: the same line from both, the file untouched, no release. */
  async function expectRefused(db: string, message: string | RegExp): Promise<void> {
    const before = sha256(db);
    const releases = path.join(work, `releases-${path.basename(db)}`);
    expectOneLine(await build('v1.0.0', releases, db), message);
    expectOneLine(await geobundle(['ingest', 'us-atlas', '--db', db, '--quiet']), message);
    expect(sha256(db)).toBe(before);
    expect(fs.existsSync(releases)).toBe(false);
  }

  it('a file that is not a DuckDB database', async () => {
    const db = path.join(work, 'garbage.duckdb');
    fs.writeFileSync(db, crypto.randomBytes(16 * 1024));
    await expectRefused(db, damaged(db, 'not a DuckDB database file'));
  });

  it('a truncated DuckDB database', async () => {
    const db = path.join(work, 'truncated.duckdb');
    fs.writeFileSync(db, fs.readFileSync(dbPath).subarray(0, 3000));
    await expectRefused(db, damaged(db, 'truncated: shorter than its own header says'));
  });

  it('a database written by a newer DuckDB (a higher storage version)', async () => {
    const db = path.join(work, 'newer.duckdb');
    withStorageVersion(dbPath, db, 1000);
    // Which versions this DuckDB reads is its own business; that the line names them is ours.
    await expectRefused(
      db,
      new RegExp(
        literal(
          `database ${db} was written by a newer DuckDB (storage version 1000; geobundle's DuckDB ${duckdbVersion()} reads `,
        ) +
          String.raw`\d+ to \d+` +
          literal(
            '): upgrade geobundle to one whose @duckdb/node-api reads it, or re-create it with "geobundle ingest …"',
          ),
      ),
    );
  });

  it.skipIf(refusal)('build-release, set-current and prune on a read-only file system', async () => {
    const disk = await mounted('erofs', '1m');
    const releases = path.join(disk, 'releases');
    expect((await build('v1.0.0', releases)).exitCode).toBe(0);
    await remountReadOnly(disk);
    const before = releasesState(releases);
    const readOnly = `releases directory ${releases} is on a read-only file system: remount it read-write or pass --releases <dir> on a writable one, then run again`;

    expectOneLine(await build('v1.1.0', releases), `${readOnly}; nothing was published`);
    expectOneLine(await geobundle(['set-current', 'v1.0.0', '--releases', releases]), readOnly);
    expectOneLine(await geobundle(['prune', '--keep', '0', '--force', '--releases', releases]), readOnly);
    expect(releasesState(releases)).toEqual(before);
  });
});
