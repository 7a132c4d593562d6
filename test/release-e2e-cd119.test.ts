import fs from 'node:fs';
import path from 'node:path';
import type { Feature, FeatureCollection } from 'geojson';
import GJV from 'geojson-validation';
import { load as loadYaml } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { manifestProblems, readManifest } from '../pipeline/release/store/manifest-file.ts';
import { stateByPostal } from '../core/states.ts';
import { cd119IngestArgs, cd119Sources, missingSources } from '../testkit/shared-data.ts';
import { geobundle } from './helpers/cli.ts';
import { tempDir } from '../testkit/temp.ts';
import type { ReleaseManifest } from '../core/release-format.ts';
import { readBundle } from '../testkit/bundle-file.ts';

/**
 * End to end on the real 119th-Congress data, through the CLI a release
 * engineer uses: ingest shapes, census and legislators, build, verify.
 */
const sources = cd119Sources();
const missing = missingSources(sources);
const CLASS = 'congressional_districts';

interface Legislator {
  name: { official_full?: string; first: string; last: string };
  terms: Array<{ type: string; state: string; district?: number }>;
}

/** GEOIDs of House seats the legislators file fills, derived here independently of the ingest code. */
function seatsWithRepresentative(): Set<string> {
  const seats = new Set<string>();
  for (const person of loadYaml(fs.readFileSync(sources.legislators, 'utf8')) as Legislator[]) {
    const term = person.terms[person.terms.length - 1]!;
    if (term.type !== 'rep') continue;
    const state = stateByPostal(term.state)!;
    seats.add(`${state.fips}${state.delegate ? '98' : String(term.district ?? 0).padStart(2, '0')}`);
  }
  return seats;
}

if (missing.length > 0)
  console.warn(`SKIPPED cd119 end-to-end: ${missing.join(', ')} not found (set GEOBUNDLE_SHARED_DATA)`);

describe.skipIf(missing.length > 0)(
  'cd119 end-to-end: ingest shapes, census, legislators; build-release; verify-release',
  () => {
    let releases: string;
    let dir: string;
    let manifest: ReleaseManifest;
    let all: FeatureCollection;

    beforeAll(async () => {
      const work = tempDir('release-e2e-cd119');
      const db = path.join(work, 'geobundle.duckdb');
      releases = path.join(work, 'releases');
      for (const args of cd119IngestArgs(sources)) {
        const result = await geobundle([...args, '--db', db, '--quiet']);
        expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      }
      const built = await geobundle([
        'build-release',
        'v1.0.0',
        '--db',
        db,
        '--releases',
        releases,
        '--json',
        '--quiet',
      ]);
      expect(built.exitCode, built.stderr).toBe(0);
      expect(built.stderr).toBe('');
      expect(JSON.parse(built.stdout)).toMatchObject({
        version: 'v1.0.0',
        classes: [{ name: CLASS, feature_count: 437 }],
      });
      dir = path.join(releases, 'v1.0.0');
      manifest = readManifest(dir);
      all = JSON.parse(readBundle(path.join(dir, CLASS, 'all.geojson.br'))) as FeatureCollection;
    });

    it('verifies and matches the manifest schema', async () => {
      expect(manifestProblems(manifest)).toEqual([]);
      const verified = await geobundle(['verify-release', 'v1.0.0', '--releases', releases]);
      expect(verified.exitCode, verified.stderr).toBe(0);
    });

    it('holds 437 districts, each a valid feature keyed by its GEOID', () => {
      expect(manifest.classes[CLASS]!.feature_count).toBe(437);
      expect(all.features).toHaveLength(437);
      expect(GJV.valid(all)).toBe(true);
      expect(new Set(all.features.map((f) => f.id)).size).toBe(437);
      for (const f of all.features) expect(f.properties!.id).toBe(f.id);
      expect(all.features.find((f) => f.id === '0200')!.properties!.state_fips).toBe('02');
    });

    it('writes one by_state file per state present (50 states, DC, PR), each valid and complete', () => {
      const byState = manifest.classes[CLASS]!.files.filter((f) => f.kind === 'by_state' && f.encoding === 'br');
      expect(byState).toHaveLength(52);
      expect(byState.map((f) => f.state_fips)).toContain('11');
      expect(byState.map((f) => f.state_fips)).toContain('72');
      let total = 0;
      for (const f of byState) {
        const collection = JSON.parse(readBundle(path.join(dir, f.path))) as FeatureCollection;
        expect(GJV.valid(collection), f.path).toBe(true);
        expect(
          collection.features.every((x) => x.properties!.state_fips === f.state_fips),
          f.path,
        ).toBe(true);
        expect(collection.features).toHaveLength(f.feature_count);
        total += collection.features.length;
      }
      expect(total).toBe(437);
      const polygons = JSON.parse(readBundle(path.join(dir, CLASS, 'polygons.geojson.gz'))) as FeatureCollection;
      expect(GJV.valid(polygons)).toBe(true);
      expect(Object.keys(polygons.features[0]!.properties!)).toEqual(['id', 'name', 'state_fips']);
    });

    it('joins census for exactly the 435 districts that have rows (not DC, not PR)', () => {
      const withCensus = all.features.filter((f) => f.properties!.census !== null);
      expect(withCensus).toHaveLength(435);
      expect(
        all.features
          .filter((f) => f.properties!.census === null)
          .map((f) => f.id)
          .sort(),
      ).toEqual(['1198', '7298']);
      const ca12 = all.features.find((f) => f.id === '0612')!.properties!.census as Record<string, unknown>;
      expect(ca12.CONG119).toBe('CA-12');
      expect(typeof ca12.TOTPOP20).toBe('number');
      expect(typeof ca12.G20PREDBID_pct).toBe('number');
      const census = JSON.parse(readBundle(path.join(dir, CLASS, 'census.json.gz'))) as Record<string, unknown>;
      expect(Object.keys(census)).toHaveLength(435);
      expect(census['0612']).toEqual(ca12);
    });

    it('joins the representative wherever the legislators data has one', () => {
      const seats = seatsWithRepresentative();
      const rep = (f: Feature) =>
        (f.properties!.wikipedia as { representative?: string } | null)?.representative ?? null;
      const expected = all.features.filter((f) => seats.has(String(f.id))).map((f) => f.id);
      expect(expected.length).toBeGreaterThan(400);
      expect(all.features.filter((f) => rep(f) !== null).map((f) => f.id)).toEqual(expected);
      const aoc = all.features.find((f) => f.id === '3614')!.properties!.wikipedia as Record<string, unknown>;
      expect(aoc).toMatchObject({
        representative: 'Alexandria Ocasio-Cortez',
        party: 'Democrat',
        representative_title: 'Alexandria Ocasio-Cortez',
      });
      const wikipedia = JSON.parse(readBundle(path.join(dir, CLASS, 'wikipedia.json.br'))) as Record<string, unknown>;
      expect(wikipedia['3614']).toEqual(aoc);
    });
  },
);
