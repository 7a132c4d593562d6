/**
 * The lookup client in real headless Chromium against real nginx + API, on
 * a page that loads only the library: from nothing cached, a lookup costs
 * the current-release answer and at most three files; a second lookup in the
 * same cell costs nothing, on the same page and after a reload (the cell is
 * in IndexedDB); and a cell whose bytes do not match its name is refused,
 * fetched once more past every cache, and never kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LookupAnswer } from '../client/types.ts';
import { type LookupPage, lookupPath } from '../core/lookup-format.ts';
import { setCurrent } from '../pipeline/release/set-current.ts';
import { readManifest } from '../pipeline/release/store/manifest-file.ts';
import { startServing } from '../serve/serve.ts';
import { hasChromium } from '../testkit/browser.ts';
import { openLookupPage, writeLookupPage } from '../testkit/lookup-page.ts';
import { readBundle } from '../testkit/bundle-file.ts';
import { expectPolicyKept, keptFiles, serveDemoInBrowser } from './helpers/browser.ts';
import { nginxMissingReason } from './helpers/nginx.ts';
import { buildFixtureReleases } from './helpers/release.ts';

const skip = !hasChromium ? 'Chromium is missing' : await nginxMissingReason();
const CD = 'congressional_districts';
/** Two points of the fixture's 0601, a few metres apart: one cell. */
const HERE = { lat: 41, lon: -122 };
const NEAR = { lat: 41.00001, lon: -122.00001 };

/** A lookup in the page, from the current release; the answer or the error's message. */
function lookUp(page: Page, points: Array<{ lat: number; lon: number }>): Promise<LookupAnswer[] | string> {
  return page.evaluate(async (points) => {
    try {
      const lookup = await window.openLookup({ baseUrl: location.origin });
      const answers = [];
      for (const p of points) answers.push(await lookup.lookup(p, { facts: true }));
      return answers;
    } catch (err) {
      return (err as Error).message;
    }
  }, points);
}

describe.skipIf(skip)(`the lookup client in headless Chromium${skip ? ` — SKIPPED: ${skip}` : ''}`, () => {
  let work: string;
  let releases: string;
  let siteRoot: string;
  let demo: Awaited<ReturnType<typeof serveDemoInBrowser>>;
  let origin: string;

  beforeAll(async () => {
    ({ work, releases } = await buildFixtureReleases('lookup-browser', ['v1.0.0']));
    await setCurrent(releases, 'v1.0.0');
    siteRoot = path.join(work, 'site');
    demo = await serveDemoInBrowser({ releasesDir: releases, siteRoot });
    writeLookupPage(siteRoot);
    origin = new URL(demo.serving.urls.site).origin;
  });
  afterAll(async () => {
    await demo?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('answers from nothing cached with the current-release answer and at most three more requests', async () => {
    await openLookupPage(demo.page, origin);
    demo.network.reset();
    const answers = await lookUp(demo.page, [HERE]);
    expect(typeof answers, String(answers)).toBe('object');
    const [answer] = answers as LookupAnswer[];
    expect(answer!.districts[CD]).toMatchObject({ id: '0601', census: { CONG119: 'CA-01' } });
    const { entries } = await demo.network.settle();
    const lookupRequests = entries.filter((e) => /\/bundles\/content\/lookup\//.test(e.url));
    expect(entries.filter((e) => e.url.endsWith('/api/v1/releases/current'))).toHaveLength(1);
    expect(lookupRequests.length).toBeGreaterThanOrEqual(1);
    expect(1 + lookupRequests.length).toBeLessThanOrEqual(4);
  });

  it('a second lookup in the same cell costs no byte, on the page and after a reload (IndexedDB)', async () => {
    demo.network.reset();
    const again = (await lookUp(demo.page, [HERE, NEAR])) as LookupAnswer[];
    expect(again.map((a) => a.districts[CD]?.id)).toEqual(['0601', '0601']);
    expect(again[1]!.files.filter((f) => f.from === 'network')).toEqual([]);
    let { entries } = await demo.network.settle();
    expect(entries.filter((e) => e.url.includes('/bundles/'))).toEqual([]);

    await openLookupPage(demo.page, origin);
    demo.network.reset();
    const reloaded = (await lookUp(demo.page, [NEAR])) as LookupAnswer[];
    expect(reloaded[0]!.districts[CD]?.id).toBe('0601');
    expect(reloaded[0]!.files.map((f) => f.from).every((from) => from === 'cache')).toBe(true);
    ({ entries } = await demo.network.settle());
    expect(entries.filter((e) => e.url.includes('/bundles/'))).toEqual([]);
    const kept = (await keptFiles(demo.page, 'lookup')).map(([p]) => p);
    expect(kept.some((p) => p.startsWith('content/lookup/'))).toBe(true);
  });

  it('refuses a cell whose bytes do not match its name, fetches it once more past the caches, and keeps nothing of it', async () => {
    // Releases are immutable: the tampering happens in a copy, served by its own nginx on another origin.
    const tamperedDir = path.join(work, 'tampered');
    fs.cpSync(releases, tamperedDir, { recursive: true, verbatimSymlinks: true });
    const lookup = readManifest(path.join(tamperedDir, 'v1.0.0')).lookup!;
    const root = JSON.parse(readBundle(path.join(tamperedDir, lookup.index.canonical_path))) as LookupPage;
    const cells = root.entries.filter(([, kind]) => kind === 'cell').map(([, , sha]) => sha);
    for (const sha of cells) {
      const file = path.join(tamperedDir, lookupPath('lookup', sha));
      const text = readBundle(file).replace("California's 1st", "California's 9th");
      fs.chmodSync(file, 0o644);
      fs.writeFileSync(file, zlib.gzipSync(text));
    }
    const tampered = await startServing({ releasesDir: tamperedDir, port: 0, apiPort: 0, siteRoot });
    try {
      const tamperedOrigin = new URL(tampered.urls.site).origin;
      await openLookupPage(demo.page, tamperedOrigin);
      demo.network.reset();
      const message = await lookUp(demo.page, [HERE]);
      expect(message).toMatch(
        /failed verification: its content has sha256 [0-9a-f]{64}, not the [0-9a-f]{64} its name and index give; it was not used or kept$/,
      );
      const { requested } = await demo.network.settle();
      const cellRequests = requested.filter((u) => cells.some((sha) => u.endsWith(lookupPath('lookup', sha))));
      expect(cellRequests).toHaveLength(2);
      expect(new Set(cellRequests).size).toBe(1);
      const kept = (await keptFiles(demo.page, 'lookup')).map(([, sha]) => sha);
      for (const sha of cells) expect(kept).not.toContain(sha);
    } finally {
      await tampered.stop();
    }
  });

  it("kept to the site's Content-Security-Policy: no violation on any visit, and an inline script is refused", async () => {
    await expectPolicyKept(demo);
  });
});
