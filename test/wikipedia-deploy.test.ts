import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../pipeline/paths.ts';
import { geobundle } from './helpers/cli.ts';
import { tempDir } from '../testkit/temp.ts';
import { CLASS, useWikipediaFixture } from './helpers/wikipedia-fixtures.ts';
import { readBundle } from '../testkit/bundle-file.ts';

describe('geobundle next-version', () => {
  it('follows the newest release, or starts at v1.0.0', async () => {
    const dir = tempDir('next-version');
    try {
      expect((await geobundle(['next-version', '--releases', dir])).stdout).toBe('v1.0.0\n');
      for (const name of ['v1.0.0', 'v1.2.9', 'v1.10.0-rc', '.build-v9.0.0-1-ab']) fs.mkdirSync(path.join(dir, name));
      expect((await geobundle(['next-version', '--releases', dir])).stdout).toBe('v1.2.10\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads only directory names: a damaged current.json or manifest does not stop the daily job', async () => {
    const dir = tempDir('next-version');
    try {
      for (const name of ['v1.0.0', 'v1.2.9']) fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, 'v1.2.9', 'manifest.json'), '{"version": "v1.2');
      fs.writeFileSync(path.join(dir, 'current.json'), '{"version": "v1.2');
      const run = await geobundle(['next-version', '--releases', dir]);
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe('v1.2.10\n');
      expect(run.exitCode).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

const systemdAnalyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => fs.existsSync(p));

describe.skipIf(!systemdAnalyze)(
  `systemd units${systemdAnalyze ? '' : ' (SKIPPED: systemd-analyze is not installed)'}`,
  () => {
    it('pass systemd-analyze verify', async () => {
      // The units name /opt/geobundle; point them at this checkout so ExecStart exists.
      const dir = tempDir('units');
      try {
        for (const unit of ['geobundle-refresh.service', 'geobundle-refresh.timer']) {
          const text = fs
            .readFileSync(path.join(projectRoot, 'deploy', unit), 'utf8')
            .replaceAll('/opt/geobundle', projectRoot);
          fs.writeFileSync(path.join(dir, unit), text);
        }
        const run = await execa(
          systemdAnalyze!,
          ['verify', path.join(dir, 'geobundle-refresh.service'), path.join(dir, 'geobundle-refresh.timer')],
          { reject: false },
        );
        expect(run.stderr).toBe('');
        expect(run.exitCode).toBe(0);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

describe('deploy/refresh-and-release.sh', () => {
  const wiki = useWikipediaFixture('refresh-job');
  let env: Record<string, string>;
  const releases = () => path.join(wiki.dir, 'releases');
  const job = (...args: string[]) =>
    execa(
      path.join(projectRoot, 'deploy', 'refresh-and-release.sh'),
      ['--api-base', wiki.server.apiBase, '--rate', '200', '--retries', '0', ...args],
      {
        env,
        reject: false,
      },
    );
  const wikipediaJson = (version: string) =>
    JSON.parse(readBundle(path.join(releases(), version, CLASS, 'wikipedia.json.gz')));
  const current = () => JSON.parse(fs.readFileSync(path.join(releases(), 'current.json'), 'utf8')).version;

  beforeAll(() => {
    env = {
      GEOBUNDLE_DB: wiki.dbPath,
      GEOBUNDLE_RELEASES: releases(),
      GEOBUNDLE_CACHE: wiki.cacheDir,
      GEOBUNDLE_CONTACT: 'tests@geobundle.invalid',
    };
  });

  it('refreshes, builds the next patch release carrying the facts, and makes it current', async () => {
    const run = await job();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(current()).toBe('v1.0.0');
    const facts = wikipediaJson('v1.0.0');
    expect(facts['0639']).toMatchObject({
      article_title: "California's 39th congressional district",
      article_url: "https://en.wikipedia.org/wiki/California's_39th_congressional_district",
      description: 'U.S. House district for California',
      representative: 'Mark Takano',
      party: 'Democrat',
      representative_url: 'https://en.wikipedia.org/wiki/Mark_Takano',
      partisan_lean: 22.4,
      partisan_lean_label: 'D+22',
    });
    expect(facts['0639'].extract).toMatch(/^California's 39th congressional district is/);
    const all = JSON.parse(readBundle(path.join(releases(), 'v1.0.0', CLASS, 'all.geojson.gz')));
    const ca39 = all.features.find((f: { id: string }) => f.id === '0639');
    expect(ca39.properties.wikipedia).toEqual(facts['0639']);
  });

  it('after a total outage still releases the next patch, with every fact as before, and exits 1', async () => {
    wiki.server.setDefault({ kind: 'status', status: 503 });
    const run = await job('--force');
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/some pages failed \(exit 1\); releasing with their last good data/);
    expect(current()).toBe('v1.0.1');
    expect(wikipediaJson('v1.0.1')).toEqual(wikipediaJson('v1.0.0'));
  });

  it('prunes after publishing: GEOBUNDLE_KEEP=1 keeps the new current release, whose files verify', async () => {
    wiki.server.setDefault(null);
    const run = await execa(
      path.join(projectRoot, 'deploy', 'refresh-and-release.sh'),
      ['--api-base', wiki.server.apiBase, '--rate', '200', '--retries', '0'],
      {
        env: { ...env, GEOBUNDLE_KEEP: '1' },
        reject: false,
      },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/removed 2 release\(s\): v1\.0\.0, v1\.0\.1; kept 1/);
    expect(current()).toBe('v1.0.2');
    expect(fs.readdirSync(releases()).filter((n) => n.startsWith('v'))).toEqual(['v1.0.2']);
    expect((await geobundle(['verify-release', 'v1.0.2', '--releases', releases()])).exitCode).toBe(0);
  });

  it('releases nothing when the refresh cannot run at all', async () => {
    const versions = () =>
      fs
        .readdirSync(releases())
        .filter((n) => n.startsWith('v'))
        .sort();
    const before = versions();
    expect(before.length).toBeGreaterThan(0);
    const run = await execa(path.join(projectRoot, 'deploy', 'refresh-and-release.sh'), [], {
      env: { ...env, GEOBUNDLE_DB: path.join(wiki.dir, 'missing.duckdb') },
      reject: false,
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/aborted \(exit 1\) before writing the database; no release built/);
    expect(versions()).toEqual(before);
  });
});
