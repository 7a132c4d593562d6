import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyRelease } from '../pipeline/release/verify-release.ts';
import { buildFixtureReleases } from './helpers/release.ts';
import { geobundle } from './helpers/cli.ts';
import { tempDir } from '../testkit/temp.ts';

const CLASS = 'congressional_districts';

describe('verify-release', () => {
  let pristine: string;

  beforeAll(async () => {
    ({ releases: pristine } = await buildFixtureReleases('release-verify', ['v1.0.0']));
  });

  /** A private copy of the release to damage. */
  function copy(): { releases: string; dir: string } {
    const releases = path.join(tempDir('release-verify-copy'), 'releases');
    fs.cpSync(pristine, releases, { recursive: true });
    // Release files are read-only; make the copy writable so the damage works for any user.
    const writable = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) writable(full);
        else fs.chmodSync(full, 0o644);
      }
    };
    writable(releases);
    return { releases, dir: path.join(releases, 'v1.0.0') };
  }

  it('passes an intact release', async () => {
    const result = await verifyRelease({ releasesDir: pristine, version: 'v1.0.0' });
    expect(result).toMatchObject({ ok: true, problems: [], filesChecked: 28 });
  });

  it('names a corrupted byte, a missing file and an extra file, all in one run', async () => {
    const { releases, dir } = copy();
    const corrupted = path.join(dir, CLASS, 'all.geojson.br');
    const bytes = fs.readFileSync(corrupted);
    bytes[10] = bytes[10]! ^ 0xff;
    fs.writeFileSync(corrupted, bytes);
    fs.rmSync(path.join(dir, CLASS, 'by_state', '36.geojson.gz'));
    fs.writeFileSync(path.join(dir, CLASS, 'by_state', '99.geojson.gz'), 'stray');
    const result = await verifyRelease({ releasesDir: releases, version: 'v1.0.0' });
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => [p.kind, p.path])).toEqual([
      ['checksum', `${CLASS}/all.geojson.br`],
      ['missing', `${CLASS}/by_state/36.geojson.gz`],
      ['extra', `${CLASS}/by_state/99.geojson.gz`],
    ]);
  });

  it('reports a truncated file by size, and a tampered manifest and SHA256SUMS', async () => {
    const { releases, dir } = copy();
    fs.truncateSync(path.join(dir, CLASS, 'census.json.gz'), 5);
    const manifestPath = path.join(dir, 'manifest.json');
    fs.writeFileSync(
      manifestPath,
      fs.readFileSync(manifestPath, 'utf8').replace('"version": "v1.0.0"', '"version": "v9.0.0"'),
    );
    const sumsPath = path.join(dir, 'SHA256SUMS');
    fs.writeFileSync(sumsPath, `${fs.readFileSync(sumsPath, 'utf8')}not a checksum line\n`);
    const result = await verifyRelease({ releasesDir: releases, version: 'v1.0.0' });
    expect(result.problems.map((p) => `${p.kind} ${p.path}`).sort()).toEqual(
      [
        `size ${CLASS}/census.json.gz`,
        'checksum manifest.json',
        'manifest manifest.json',
        'sha256sums SHA256SUMS',
      ].sort(),
    );
  });

  it('checks the GIS files, stored as they are, like every file: a flipped byte, a truncation, a lost canonical copy', async () => {
    const { releases, dir } = copy();
    const fgb = path.join(dir, CLASS, 'all.fgb');
    const bytes = fs.readFileSync(fgb);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    fs.writeFileSync(fgb, bytes);
    fs.truncateSync(path.join(dir, CLASS, 'all.parquet'), 100);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const parquet = manifest.classes[CLASS].files.find((f: any) => f.kind === 'geoparquet');
    fs.rmSync(path.join(releases, parquet.canonical_path));
    const result = await verifyRelease({ releasesDir: releases, version: 'v1.0.0' });
    expect(result.problems.map((p) => `${p.kind} ${p.path}`)).toEqual([
      `checksum ${CLASS}/all.fgb`,
      `size ${CLASS}/all.parquet`,
      `canonical ${CLASS}/all.parquet`,
    ]);
  });

  it('exits 4 from the CLI, one line per problem; 1 for a release that does not exist', async () => {
    const { releases, dir } = copy();
    fs.rmSync(path.join(dir, CLASS, 'polygons.geojson.gz'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'stray');
    const bad = await geobundle(['verify-release', 'v1.0.0', '--releases', releases]);
    expect(bad.exitCode).toBe(4);
    expect(bad.stderr).toContain(`missing: ${CLASS}/polygons.geojson.gz listed but not on disk`);
    expect(bad.stderr).toContain('extra: notes.txt on disk but listed nowhere');
    expect(bad.stderr).toMatch(/geobundle: release v1\.0\.0 does not verify: 2 problem\(s\)/);
    const good = await geobundle(['verify-release', 'v1.0.0', '--releases', pristine, '--json']);
    expect(good.exitCode).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, filesChecked: 28 });
    const none = await geobundle(['verify-release', 'v3.0.0', '--releases', pristine]);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toMatch(/release v3\.0\.0 not found/);
  });

  it('diff, verify-release and set-current name a missing release, the directory and what it holds, alike', async () => {
    const notFound = (releases: string, held: string) =>
      `geobundle: release v9.9.9 not found in ${releases} (${held}): see geobundle list-releases\n`;
    for (const args of [
      ['diff', 'v1.0.0', 'v9.9.9'],
      ['verify-release', 'v9.9.9'],
      ['set-current', 'v9.9.9'],
    ]) {
      const result = await geobundle([...args, '--releases', pristine]);
      expect(result.exitCode, args[0]).toBe(1);
      expect(result.stderr, args[0]).toBe(notFound(pristine, 'it has v1.0.0'));
    }
    const many = tempDir('release-verify-many');
    expect((await geobundle(['diff', 'v9.9.9', 'v1.0.0', '--releases', many])).stderr).toBe(
      notFound(many, 'it has none'),
    );
    for (let patch = 0; patch < 7; patch++) fs.mkdirSync(path.join(many, `v1.0.${patch}`));
    expect((await geobundle(['set-current', 'v9.9.9', '--releases', many])).stderr).toBe(
      notFound(many, 'it has 7, the newest v1.0.4, v1.0.5, v1.0.6'),
    );
    const nowhere = path.join(many, 'nowhere');
    expect((await geobundle(['verify-release', 'v9.9.9', '--releases', nowhere])).stderr).toBe(
      `geobundle: release v9.9.9 not found: there is no releases directory ${nowhere} (pass --releases <dir> or set GEOBUNDLE_RELEASES)\n`,
    );
  });
});
