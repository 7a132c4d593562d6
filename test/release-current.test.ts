import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { setCurrent } from '../pipeline/release/set-current.ts';
import { readManifest } from '../pipeline/release/store/manifest-file.ts';
import { listReleases } from '../pipeline/release/store/versions.ts';
import { readCurrent } from '../pipeline/release/store/current-pointer.ts';
import { compareVersions, parseVersion } from '../core/version.ts';
import { buildFixtureReleases, snapshotTree } from './helpers/release.ts';
import { geobundle } from './helpers/cli.ts';
import { tempDir } from '../testkit/temp.ts';

describe('release versions', () => {
  it('accepts vMAJOR.MINOR.PATCH only', () => {
    for (const v of ['v0.0.0', 'v1.0.0', 'v10.20.30']) expect(parseVersion(v)).toBe(v);
    for (const v of ['1.0.0', 'v1.0', 'v1', 'V1.0.0', 'v1.0.0 ', 'v1.0.0/../x', 'v1.00.0', 'v1.0.0-rc.1', 'v1.0.0\n']) {
      expect(() => parseVersion(v), v).toThrow(/invalid release version/);
    }
  });

  it('orders versions numerically', () => {
    expect(
      ['v1.10.0', 'v1.9.0', 'v0.1.0', 'v1.9.10'].sort((a, b) => compareVersions(parseVersion(a), parseVersion(b))),
    ).toEqual(['v0.1.0', 'v1.9.0', 'v1.9.10', 'v1.10.0']);
  });
});

describe('list-releases and set-current', () => {
  let releases: string;

  beforeAll(async () => {
    ({ releases } = await buildFixtureReleases('release-current', ['v1.10.0', 'v1.9.0']));
    fs.mkdirSync(path.join(releases, '.build-v2.0.0-1-abcdef01'));
    fs.mkdirSync(path.join(releases, 'not-a-release'));
  });

  it('lists published versions oldest first, ignoring build and other directories', () => {
    const list = listReleases(releases);
    expect(list.map((r) => r.version)).toEqual(['v1.9.0', 'v1.10.0']);
    expect(list[0]).toMatchObject({ current: false, classes: ['congressional_districts'], features: 4, files: 26 });
    expect(listReleases(path.join(releases, 'nowhere'))).toEqual([]);
  });

  it('points current.json and the relative symlink at a release, replacing both atomically', async () => {
    const first = await setCurrent(releases, 'v1.9.0', new Date('2026-01-01T00:00:00Z'));
    const { lookup } = readManifest(path.join(releases, 'v1.9.0'));
    // current.json carries the release's lookup root, so a lookup starts from it.
    expect(first).toEqual({
      current: {
        version: 'v1.9.0',
        updated_at: '2026-01-01T00:00:00.000Z',
        lookup: {
          root: expect.objectContaining({
            format: 'geobundle-lookup/1',
            key: '',
            classes: ['congressional_districts'],
          }),
          root_sha256: lookup!.index.uncompressed_sha256,
          facts_sha256: lookup!.facts!.uncompressed_sha256,
        },
      },
      previous: null,
    });
    expect(fs.readlinkSync(path.join(releases, 'current'))).toBe('v1.9.0');
    expect(readCurrent(releases)).toEqual(first.current);
    const second = await setCurrent(releases, 'v1.10.0');
    expect(second.previous).toBe('v1.9.0');
    expect(fs.readlinkSync(path.join(releases, 'current'))).toBe('v1.10.0');
    expect(fs.existsSync(path.join(releases, 'current', 'manifest.json'))).toBe(true);
    expect(readCurrent(releases)?.version).toBe('v1.10.0');
    expect(listReleases(releases).map((r) => r.current)).toEqual([false, true]);
    expect(fs.readdirSync(releases).filter((n) => n.includes('.tmp-'))).toEqual([]);
    // Unlike a release's read-only files, the pointer file stays writable by its owner.
    expect(fs.statSync(path.join(releases, 'current.json')).mode & 0o200).toBe(0o200);
  });

  it('refuses a bad, unknown or incomplete version and leaves the pointers alone', async () => {
    await setCurrent(releases, 'v1.10.0');
    const before = snapshotTree(releases);
    await expect(setCurrent(releases, 'v1.0')).rejects.toThrow(/invalid release version/);
    await expect(setCurrent(releases, 'v7.0.0')).rejects.toThrow(/release v7\.0\.0 not found/);
    const broken = path.join(releases, 'v1.9.0', 'congressional_districts', 'all.geojson.gz');
    const saved = fs.readFileSync(broken);
    fs.rmSync(broken);
    await expect(setCurrent(releases, 'v1.9.0')).rejects.toThrow(
      /release v1\.9\.0 is incomplete.*all\.geojson\.gz: listed but not on disk/,
    );
    fs.writeFileSync(broken, saved);
    expect(snapshotTree(releases)).toEqual(before);

    const elsewhere = path.join(tempDir('release-current-elsewhere'), 'releases');
    fs.cpSync(releases, elsewhere, { recursive: true, verbatimSymlinks: true });
    fs.rmSync(path.join(elsewhere, 'current'));
    fs.mkdirSync(path.join(elsewhere, 'current'));
    const untouched = snapshotTree(elsewhere);
    await expect(setCurrent(elsewhere, 'v1.9.0')).rejects.toThrow(/current exists and is not a symlink/);
    expect(snapshotTree(elsewhere)).toEqual(untouched);
    expect(fs.readlinkSync(path.join(releases, 'current'))).toBe('v1.10.0');
  });

  it('works from the CLI, with --json', async () => {
    const set = await geobundle(['set-current', 'v1.9.0', '--releases', releases]);
    expect(set.exitCode).toBe(0);
    expect(set.stdout).toMatch(/current release: v1\.9\.0 \(was v1\.10\.0\)/);
    const list = await geobundle(['list-releases', '--releases', releases, '--json']);
    expect(JSON.parse(list.stdout).map((r: { version: string; current: boolean }) => [r.version, r.current])).toEqual([
      ['v1.9.0', true],
      ['v1.10.0', false],
    ]);
    const table = await geobundle(['list-releases', '--releases', releases]);
    expect(table.stdout.split('\n')[1]).toMatch(/^\* +v1\.9\.0 /);
  });
});
