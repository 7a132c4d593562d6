import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../api/server.ts';
import type { ReleaseChanges, ReleaseManifest } from '../core/release-format.ts';
import { withDatabase } from '../pipeline/db.ts';
import { buildRelease } from '../pipeline/release/build-release.ts';
import { readManifest } from '../pipeline/release/store/manifest-file.ts';
import { setCurrent } from '../pipeline/release/set-current.ts';
import { verifyRelease } from '../pipeline/release/verify-release.ts';
import { apiRequest } from './helpers/openapi.ts';
import { geobundle } from './helpers/cli.ts';
import { setGeometry } from './helpers/database.ts';
import { createFixtureDatabase, releaseFixtureSource, snapshotTree } from './helpers/release.ts';
import { tempDir } from '../testkit/temp.ts';

/**
 * Content-stable releases on the fixture source (4 districts in CA, DC and
 * NY, with census and wikipedia rows): a build reuses every file whose
 * input fingerprint an earlier release has (a hard link: the same inode)
 * and writes only the files made from changed rows; each release records
 * what changed; canonical paths follow the bytes; prune keeps what kept
 * releases list.
 */
const CLASS = 'congressional_districts';
const BUILT_AT = new Date('2026-01-02T03:04:05Z');

let work: string;
let dbPath: string;
let releases: string;

const dir = (version: string) => path.join(releases, version);
const manifestOf = (version: string): ReleaseManifest => readManifest(dir(version));
const inode = (version: string, file: string) => fs.statSync(path.join(dir(version), CLASS, file)).ino;
const changesOf = (version: string): ReleaseChanges =>
  JSON.parse(fs.readFileSync(path.join(dir(version), 'changes.json'), 'utf8'));

/** Runs SQL against the fixture database, then builds `version` from it. */
async function change(version: string, sql: string) {
  await withDatabase(dbPath, {}, ({ connection }) => connection.run(sql));
  return buildRelease({ dbPath, releasesDir: releases, version, builtAt: BUILT_AT });
}

/** The class's logical files the build of `version` wrote anew rather than linked from `earlier` (by the inode of one of its encodings). */
function rewritten(version: string, earlier: string): string[] {
  const stored = new Map(
    manifestOf(version).classes[CLASS]!.files.map((f) => {
      const file = f.path.slice(CLASS.length + 1);
      return [file.replace(/\.(gz|br)$/, ''), file];
    }),
  );
  return [...stored]
    .filter(([, file]) => inode(version, file) !== inode(earlier, file))
    .map(([name]) => name)
    .sort();
}

beforeAll(async () => {
  work = tempDir('release-incremental');
  releases = path.join(work, 'releases');
  dbPath = await createFixtureDatabase(path.join(work, 'db.duckdb'), releaseFixtureSource());
  await buildRelease({ dbPath, releasesDir: releases, version: 'v1.0.0', builtAt: BUILT_AT });
});

describe('incremental builds', () => {
  it('reuses every file of an unchanged database: same inodes, nothing written, no changes recorded', async () => {
    const summary = await buildRelease({ dbPath, releasesDir: releases, version: 'v1.0.1', builtAt: BUILT_AT });
    expect(summary).toMatchObject({ written: 0, reused: 13 });
    expect(rewritten('v1.0.1', 'v1.0.0')).toEqual([]);
    const [a, b] = [manifestOf('v1.0.0'), manifestOf('v1.0.1')];
    expect(b.classes).toEqual(a.classes);
    expect(b.source_fingerprint).toBe(a.source_fingerprint);
    expect(changesOf('v1.0.1')).toEqual({ from: 'v1.0.0', to: 'v1.0.1', classes: {} });
    expect(b.changes).toMatchObject({ from: 'v1.0.0', path: 'changes.json' });
    expect((await verifyRelease({ releasesDir: releases, version: 'v1.0.1' })).problems).toEqual([]);
    const sums = await execa('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: dir('v1.0.1'), reject: false });
    expect(sums.exitCode, sums.stderr).toBe(0);
  });

  it('after a Wikipedia-only change of one district rewrites only all, the GIS files, wikipedia and that state', async () => {
    const summary = await change('v1.0.2', "UPDATE wikipedia SET extract = 'Rewritten lead.' WHERE id = '0601'");
    // The GIS files carry the facts too.
    expect(rewritten('v1.0.2', 'v1.0.1')).toEqual([
      'all.fgb',
      'all.geojson',
      'all.parquet',
      'by_state/06.geojson',
      'wikipedia.json',
    ]);
    expect(summary).toMatchObject({ written: 5, reused: 8 });
    expect(changesOf('v1.0.2')).toEqual({
      from: 'v1.0.1',
      to: 'v1.0.2',
      classes: { [CLASS]: { added: [], removed: [], changed: [{ id: '0601', fields: ['wikipedia'] }] } },
    });
  });

  it('after a census-only change rewrites all, the GIS files, census and that state', async () => {
    await change('v1.0.3', "UPDATE census_congressional_districts SET TOTPOP20 = 761000 WHERE id = '0602'");
    expect(rewritten('v1.0.3', 'v1.0.2')).toEqual([
      'all.fgb',
      'all.geojson',
      'all.parquet',
      'by_state/06.geojson',
      'census.json',
    ]);
    expect(changesOf('v1.0.3').classes[CLASS]!.changed).toEqual([{ id: '0602', fields: ['census'] }]);
  });

  it('after a geometry-only change rewrites all, the GIS files, polygons, that state and the maps', async () => {
    const moved = JSON.stringify({
      type: 'Polygon',
      coordinates: [
        [
          [-73.1, 40.9],
          [-72, 40.9],
          [-72, 41.2],
          [-73.1, 41.2],
          [-73.1, 40.9],
        ],
      ],
    });
    await withDatabase(dbPath, {}, ({ connection }) => setGeometry(connection, CLASS, '3601', moved));
    await buildRelease({ dbPath, releasesDir: releases, version: 'v1.0.4', builtAt: BUILT_AT });
    expect(rewritten('v1.0.4', 'v1.0.3')).toEqual([
      'all.fgb',
      'all.geojson',
      'all.parquet',
      'by_state/36.geojson',
      'polygons.geojson',
      'simplified/20m.geojson',
      'simplified/20m.topojson',
      'simplified/5m.geojson',
      'simplified/5m.topojson',
    ]);
    expect(changesOf('v1.0.4').classes[CLASS]!.changed).toEqual([{ id: '3601', fields: ['geometry'] }]);
  });

  it('records added and removed districts, and a renamed one', async () => {
    await change(
      'v1.0.5',
      `DELETE FROM polygons_${CLASS} WHERE id = '1198';
       DELETE FROM geometry_${CLASS} WHERE id = '1198';
       INSERT INTO polygons_${CLASS}
         SELECT '3602', 'New York''s 2nd congressional district', state_fips, source, vintage, geometry_sha256, geometry_bytes
           FROM polygons_${CLASS} WHERE id = '3601';
       INSERT INTO geometry_${CLASS} SELECT '3602', part, geometry FROM geometry_${CLASS} WHERE id = '3601';
       UPDATE polygons_${CLASS} SET name = 'California''s first' WHERE id = '0601';`,
    );
    expect(changesOf('v1.0.5').classes[CLASS]).toEqual({
      added: ['3602'],
      removed: ['1198'],
      changed: [{ id: '0601', fields: ['name'] }],
    });
    expect(fs.existsSync(path.join(dir('v1.0.5'), CLASS, 'by_state', '11.geojson.gz'))).toBe(false);
  });

  it('writes byte-identical files whether incremental or from scratch (only the changes record differs)', async () => {
    const scratch = path.join(work, 'scratch');
    await buildRelease({ dbPath, releasesDir: scratch, version: 'v1.0.5', builtAt: BUILT_AT });
    const incremental = snapshotTree(dir('v1.0.5'));
    const fresh = snapshotTree(path.join(scratch, 'v1.0.5'));
    const bundles = (tree: Map<string, string>) => new Map([...tree].filter(([f]) => f.startsWith(`${CLASS}/`)));
    expect(bundles(fresh)).toEqual(bundles(incremental));
    const { changes: a, ...restA } = manifestOf('v1.0.5');
    const { changes: b, ...restB } = readManifest(path.join(scratch, 'v1.0.5'));
    expect(restB).toEqual(restA);
    expect([a.from, b.from]).toEqual(['v1.0.4', null]);
    // The first release of a directory lists every id as added.
    expect(
      JSON.parse(fs.readFileSync(path.join(scratch, 'v1.0.5', 'changes.json'), 'utf8')).classes[CLASS].added,
    ).toEqual(['0601', '0602', '3601', '3602']);
  });

  it('gives every file a canonical path that holds exactly its bytes, the same path in every release that has them', () => {
    for (const version of ['v1.0.0', 'v1.0.2']) {
      for (const f of manifestOf(version).classes[CLASS]!.files) {
        expect(f.canonical_path).toMatch(
          new RegExp(`^content/[0-9a-f]{32}/${path.basename(f.path).replaceAll('.', '\\.')}$`),
        );
        expect(fs.statSync(path.join(releases, f.canonical_path)).ino, f.canonical_path).toBe(
          fs.statSync(path.join(dir(version), f.path)).ino,
        );
      }
    }
    const canonical = (version: string, file: string) =>
      manifestOf(version).classes[CLASS]!.files.find((f) => f.path === `${CLASS}/${file}`)!.canonical_path;
    expect(canonical('v1.0.2', 'polygons.geojson.br')).toBe(canonical('v1.0.0', 'polygons.geojson.br'));
    expect(canonical('v1.0.2', 'wikipedia.json.br')).not.toBe(canonical('v1.0.0', 'wikipedia.json.br'));
  });
});

describe('geobundle diff and the changes endpoint', () => {
  it('prints exactly the documented JSON', async () => {
    const result = await geobundle(['diff', 'v1.0.1', 'v1.0.3', '--releases', releases, '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      from: 'v1.0.1',
      to: 'v1.0.3',
      classes: {
        [CLASS]: {
          added: [],
          removed: [],
          changed: [
            { id: '0601', fields: ['wikipedia'] },
            { id: '0602', fields: ['census'] },
          ],
        },
      },
    });
    const text = await geobundle(['diff', 'v1.0.0', 'v1.0.1', '--releases', releases]);
    expect(text.stdout).toBe('v1.0.0 → v1.0.1: 0 class(es) changed\n');
    const none = await geobundle(['diff', 'v1.0.0', 'v9.0.0', '--releases', releases]);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toBe(
      `geobundle: release v9.0.0 not found in ${releases} (it has 6, the newest v1.0.3, v1.0.4, v1.0.5): see geobundle list-releases\n`,
    );
  });

  it('serves each release’s changes from the API, immutable', async () => {
    const api = await startApi({ releasesDir: releases, host: '127.0.0.1', port: 0, listMaxAge: 60 });
    try {
      const res = await apiRequest(`${api.url}/api/v1/releases/v1.0.2/changes`);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(JSON.parse(res.body.toString())).toEqual(changesOf('v1.0.2'));
      expect((await apiRequest(`${api.url}/api/v1/releases/v7.0.0/changes`)).status).toBe(404);
    } finally {
      await api.close();
    }
  });
});

describe('geobundle prune', () => {
  it('keeps the current and the newest releases, and every canonical path they list; frees what only the others held', async () => {
    await setCurrent(releases, 'v1.0.1');
    const onlyInOld = manifestOf('v1.0.0').classes[CLASS]!.files.find((f) =>
      f.path.endsWith('wikipedia.json.br'),
    )!.canonical_path;
    const dry = await geobundle(['prune', '--keep', '2', '--releases', releases, '--dry-run', '--json']);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      removed: ['v1.0.0', 'v1.0.2', 'v1.0.3'],
      kept: ['v1.0.1', 'v1.0.4', 'v1.0.5'],
    });
    expect(fs.existsSync(dir('v1.0.0'))).toBe(true);

    const result = await geobundle(['prune', '--keep', '2', '--releases', releases]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^removed 3 release\(s\): v1\.0\.0, v1\.0\.2, v1\.0\.3; kept 3; \d+ content file\(s\) no kept release lists/,
    );
    expect(
      fs
        .readdirSync(releases)
        .filter((n) => /^v/.test(n))
        .sort(),
    ).toEqual(['v1.0.1', 'v1.0.4', 'v1.0.5']);
    for (const version of ['v1.0.1', 'v1.0.4', 'v1.0.5']) {
      expect((await verifyRelease({ releasesDir: releases, version })).problems, version).toEqual([]);
    }
    // v1.0.1 was built unchanged from v1.0.0: its wikipedia file is v1.0.0's, still there.
    expect(fs.existsSync(path.join(releases, onlyInOld))).toBe(true);
    const onlyInPruned = manifestOf('v1.0.4').classes[CLASS]!.files.find((f) => f.path.endsWith('census.json.br'))!;
    expect(fs.existsSync(path.join(releases, onlyInPruned.canonical_path))).toBe(true);
    expect(fs.readdirSync(releases).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('removes a content file only once no kept release lists it', async () => {
    const v2 = manifestOf('v1.0.4').classes[CLASS]!.files.find((f) =>
      f.path.endsWith('polygons.geojson.gz'),
    )!.canonical_path;
    const v1 = manifestOf('v1.0.1').classes[CLASS]!.files.find((f) =>
      f.path.endsWith('polygons.geojson.gz'),
    )!.canonical_path;
    expect(v2).not.toBe(v1);
    await geobundle(['prune', '--keep', '1', '--releases', releases]);
    // v1.0.1 is current, v1.0.5 the newest; v1.0.4's moved NY district is gone from both.
    expect(fs.existsSync(path.join(releases, v1))).toBe(true);
    expect(fs.existsSync(path.join(releases, v2))).toBe(false);
  });

  it('refuses to remove every release (--keep 0, none current), dry run or not, unless --force', async () => {
    const copy = path.join(work, 'releases-to-prune');
    fs.cpSync(releases, copy, { recursive: true, verbatimSymlinks: true });
    for (const pointer of ['current', 'current.json']) fs.rmSync(path.join(copy, pointer));
    const versions = () =>
      fs
        .readdirSync(copy)
        .filter((n) => /^v/.test(n))
        .sort();
    expect(versions()).toEqual(['v1.0.1', 'v1.0.5']);
    for (const dryRun of [[], ['--dry-run']]) {
      const refused = await geobundle(['prune', '--keep', '0', ...dryRun, '--releases', copy]);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toBe(
        `geobundle: prune --keep 0 would remove every release in ${copy} (v1.0.1, v1.0.5; none is current): ` +
          'keep one with --keep 1 or geobundle set-current <version>, or pass --force to remove them all\n',
      );
    }
    expect(versions()).toEqual(['v1.0.1', 'v1.0.5']);
    const forced = await geobundle(['prune', '--keep', '0', '--force', '--releases', copy]);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/^removed 2 release\(s\): v1\.0\.1, v1\.0\.5; kept 0;/);
    expect(versions()).toEqual([]);
    const nowhere = path.join(work, 'no-releases');
    expect((await geobundle(['prune', '--keep', '1', '--releases', nowhere])).stderr).toBe(
      `geobundle: there is no releases directory ${nowhere} to prune (pass --releases <dir> or set GEOBUNDLE_RELEASES)\n`,
    );
  });
});
