/**
 * The lookup index of real releases, through the CLI a user runs: on the
 * 119th Congress (with census and facts) and on the high-resolution 2016
 * districts, every lookup — points in districts' boxes, near borders, on
 * the edges and corners of the index's cells, in holes and on islands, at
 * sea — names exactly the district point in polygon finds on the
 * full-resolution all.geojson. Then what a release engineer relies on:
 * `geobundle lookup` for one point and for a CSV of them, verify-release
 * catching a changed lookup file, a Wikipedia-only release writing no lookup
 * byte and keeping every lookup file's inode, and prune keeping what kept
 * releases reach.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LookupPage, type LookupRoot, lookupPath } from '../core/lookup-format.ts';
import { withDatabase } from '../pipeline/db.ts';
import { readManifest } from '../pipeline/release/store/manifest-file.ts';
import { readBundle } from '../testkit/bundle-file.ts';
import {
  cellEdgePoints,
  disagreements,
  drawPoints,
  openLocalLookup,
  referenceIndexes,
} from '../testkit/lookup-check.ts';
import { cd119IngestArgs, cd119Sources, missingSources } from '../testkit/shared-data.ts';
import { sharedDataDir } from '../pipeline/paths.ts';
import { tempDir } from '../testkit/temp.ts';
import { geobundle, ingestAndBuild } from './helpers/cli.ts';

const CD = 'congressional_districts';
const sources = cd119Sources();
const missing = missingSources(sources);
const cds2016 = path.join(sharedDataDir(), 'unitedstates-districts', 'cds-2016.tar.xz');
if (missing.length > 0)
  console.warn(`SKIPPED lookup on cd119: ${missing.join(', ')} not found (set GEOBUNDLE_SHARED_DATA)`);
if (!fs.existsSync(cds2016))
  console.warn(`SKIPPED lookup on cds-2016: ${cds2016} not found (set GEOBUNDLE_SHARED_DATA)`);

/** The root of a release's index, and every cell key, read from its pages in the content store. */
function cellKeys(releases: string, version: string): { root: LookupRoot; keys: string[] } {
  const lookup = readManifest(path.join(releases, version)).lookup!;
  const keys: string[] = [];
  const walk = (sha256: string) => {
    const page = JSON.parse(readBundle(path.join(releases, lookupPath('lookup', sha256)))) as LookupPage;
    for (const [key, kind, child] of page.entries) {
      if (kind === 'page') walk(child);
      else keys.push(key);
    }
  };
  walk(lookup.index.uncompressed_sha256);
  const root = JSON.parse(readBundle(path.join(releases, lookup.index.canonical_path))) as LookupRoot;
  return { root, keys };
}

/** The lookup files (content/lookup/…) of a releases directory, with their inodes. */
function lookupFiles(releases: string): Map<string, number> {
  const files = new Map<string, number>();
  const root = path.join(releases, 'content', 'lookup');
  for (const shard of fs.readdirSync(root))
    for (const name of fs.readdirSync(path.join(root, shard)))
      files.set(`${shard}/${name}`, fs.statSync(path.join(root, shard, name)).ino);
  return files;
}

async function expectExact(releases: string, version: string, seed: number, count: number): Promise<void> {
  const indexes = referenceIndexes(path.join(releases, version));
  const lookup = await openLocalLookup(releases, version);
  const { root, keys } = cellKeys(releases, version);
  const points = [...drawPoints(indexes, { seed, count, borderShare: 0.3 }), ...cellEdgePoints(root, keys, seed, 300)];
  expect(points.filter((p) => p.kind === 'border').length).toBeGreaterThan(count * 0.25);
  expect(await disagreements(lookup, indexes, points)).toEqual([]);
}

describe.skipIf(missing.length > 0)('the lookup index of the 119th Congress', () => {
  let work: string;
  let db: string;
  let releases: string;
  const run = (...args: string[]) => geobundle([...args, '--releases', releases]);

  beforeAll(async () => {
    work = tempDir('lookup-cd119');
    db = path.join(work, 'geobundle.duckdb');
    releases = path.join(work, 'releases');
    for (const args of cd119IngestArgs(sources)) {
      const result = await geobundle([...args, '--db', db, '--quiet']);
      expect(result.exitCode, result.stderr).toBe(0);
    }
    const built = await geobundle(['build-release', 'v1.0.0', '--db', db, '--releases', releases, '--quiet']);
    expect(built.exitCode, built.stderr).toBe(0);
    expect((await run('set-current', 'v1.0.0')).exitCode).toBe(0);
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('answers every point as point in polygon on all.geojson does: in boxes, near borders, on cell edges', async () => {
    await expectExact(releases, 'v1.0.0', 119, 3000);
  });

  it('geobundle lookup: one point, as text and as one JSON line', async () => {
    const boston = await run('lookup', '--lat', '42.3588', '--lon', '-71.0638');
    expect(boston).toMatchObject({ exitCode: 0, stderr: '' });
    expect(boston.stdout).toBe(`${CD}\t2508\tMassachusetts's 8th congressional district\n`);
    const houston = await run('lookup', '--lat', '29.7604', '--lon', '-95.3698', '--json');
    expect(houston.stdout).toBe(
      `${JSON.stringify({ lat: 29.7604, lon: -95.3698, districts: { [CD]: { id: '4818', name: "Texas's 18th congressional district" } } })}\n`,
    );
    const sea = await run('lookup', '--lat', '35', '--lon', '-40', '--json');
    expect(JSON.parse(sea.stdout).districts).toEqual({ [CD]: null });
    const facts = JSON.parse((await run('lookup', '--lat', '41.5868', '--lon', '-93.625', '--json', '--facts')).stdout);
    expect(facts.districts[CD]).toMatchObject({ id: '1903', census: { CONG119: 'IA-03' } });
  });

  it('geobundle lookup: bad coordinates are one line and exit 1', async () => {
    for (const [args, message] of [
      [['--lat', '91', '--lon', '0'], 'geobundle: latitude 91 is out of range: expected -90 to 90 degrees\n'],
      [['--lat', '0', '--lon', 'east'], 'geobundle: longitude "east" is not a number\n'],
      [['--lat', '0'], 'geobundle: --lon is missing: a point needs both --lat and --lon\n'],
    ] as const) {
      expect(await run('lookup', ...args)).toEqual({ exitCode: 1, stdout: '', stderr: message });
    }
  });

  it('geobundle lookup --points: one answer per row in order, CSV or JSON lines; a malformed row stops it before any answer', async () => {
    const csv = path.join(work, 'points.csv');
    fs.writeFileSync(csv, 'name,lat,lon\n"Boston, MA",42.3588,-71.0638\nAtlantic,35,-40\nDes Moines,41.5868,-93.625\n');
    const out = await run('lookup', '--points', csv);
    expect(out).toMatchObject({ exitCode: 0, stderr: '' });
    expect(out.stdout).toBe(
      `name,lat,lon,${CD}_id\n"Boston, MA",42.3588,-71.0638,2508\nAtlantic,35,-40,\nDes Moines,41.5868,-93.625,1903\n`,
    );
    const lines = (await run('lookup', '--points', csv, '--json')).stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.row.name, l.districts[CD]?.id ?? null])).toEqual([
      ['Boston, MA', '2508'],
      ['Atlantic', null],
      ['Des Moines', '1903'],
    ]);
    fs.writeFileSync(csv, 'name,lat,lon\nBoston,42.3588,-71.0638\nsomewhere,north,-90\n');
    expect(await run('lookup', '--points', csv)).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: `geobundle: ${csv} line 3: latitude "north" is not a number\n`,
    });
    fs.writeFileSync(csv, 'name,latitude,lon\nBoston,42.3588,-71.0638\n');
    expect((await run('lookup', '--points', csv)).stderr).toMatch(/has no "lat" column/);
  });

  it('verify-release names a lookup file whose content changed', async () => {
    const lookup = readManifest(path.join(releases, 'v1.0.0')).lookup!;
    const root = JSON.parse(readBundle(path.join(releases, lookup.index.canonical_path))) as LookupPage;
    const cell = path.join(releases, lookupPath('lookup', root.entries.find(([, kind]) => kind === 'cell')![2]));
    const original = fs.readFileSync(cell);
    fs.chmodSync(cell, 0o644);
    fs.writeFileSync(
      cell,
      await execa('gzip', ['-c'], { input: '{"format":"geobundle-lookup/1"}', encoding: 'buffer' }).then(
        (r) => r.stdout,
      ),
    );
    try {
      const result = await run('verify-release', 'v1.0.0');
      expect(result.exitCode).toBe(4);
      expect(result.stderr).toContain(`lookup: ${path.relative(releases, cell)} cannot be read: its JSON has sha256`);
    } finally {
      fs.writeFileSync(cell, original);
      fs.chmodSync(cell, 0o444);
    }
    expect((await run('verify-release', 'v1.0.0')).exitCode).toBe(0);
  });

  it('a Wikipedia-only release writes no lookup byte and keeps every lookup file; prune keeps what kept releases reach', async () => {
    const before = lookupFiles(releases);
    await withDatabase(db, {}, ({ connection }) =>
      connection.run(
        `UPDATE wikipedia SET extract = 'Changed for the test.' WHERE data_class = '${CD}' AND id = '2508'`,
      ),
    );
    const built = await geobundle(['build-release', 'v1.0.1', '--db', db, '--releases', releases]);
    expect(built.exitCode, built.stderr).toBe(0);
    expect(built.stderr).toContain('lookup index: unchanged (linked from v1.0.0)');
    const first = readManifest(path.join(releases, 'v1.0.0')).lookup!;
    const second = readManifest(path.join(releases, 'v1.0.1')).lookup!;
    expect(second.index).toEqual(first.index);
    expect(second.facts!.uncompressed_sha256).not.toBe(first.facts!.uncompressed_sha256);
    // Not one lookup file written or replaced: the same names, the same inodes.
    expect(lookupFiles(releases)).toEqual(before);
    const inode = (v: string) => fs.statSync(path.join(releases, v, 'lookup', 'index.json.gz')).ino;
    expect(inode('v1.0.1')).toBe(inode('v1.0.0'));
    // The new facts reach the lookup answer.
    expect((await run('set-current', 'v1.0.1')).exitCode).toBe(0);
    const answer = JSON.parse(
      (await run('lookup', '--lat', '42.3588', '--lon', '-71.0638', '--json', '--facts')).stdout,
    );
    expect(answer.districts[CD].wikipedia.extract).toBe('Changed for the test.');

    const pruned = await run('prune', '--keep', '1');
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    expect(fs.existsSync(path.join(releases, 'v1.0.0'))).toBe(false);
    expect(lookupFiles(releases)).toEqual(before);
    expect((await run('verify-release', 'v1.0.1')).exitCode).toBe(0);
    // The facts root only v1.0.0 named is gone; v1.0.1's is there.
    expect(fs.existsSync(path.join(releases, lookupPath('facts', first.facts!.uncompressed_sha256)))).toBe(false);
    expect(fs.existsSync(path.join(releases, lookupPath('facts', second.facts!.uncompressed_sha256)))).toBe(true);
  });
});

describe.skipIf(!fs.existsSync(cds2016))('the lookup index of the high-resolution 2016 districts', () => {
  let work: string;
  let releases: string;

  beforeAll(async () => {
    work = tempDir('lookup-cds2016');
    const db = path.join(work, 'geobundle.duckdb');
    releases = path.join(work, 'releases');
    await execa('tar', ['-xJf', cds2016, '-C', work]);
    await ingestAndBuild(path.join(work, 'cds', '2016'), CD, db, releases);
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('answers every point as point in polygon on all.geojson does: in boxes, near borders, on cell edges', async () => {
    await expectExact(releases, 'v1.0.0', 2016, 3000);
  });
});
