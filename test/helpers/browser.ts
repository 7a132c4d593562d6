/**
 * Driving the demo page in headless Chromium (testkit/browser.ts) for the
 * client tests: serve it, wait for the page, type a point, read what
 * IndexedDB kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import {
  CHROMIUM,
  hasChromium,
  launchBrowser,
  type NetworkEntry,
  recordNetwork,
  throwawayCertificate,
} from '../../testkit/browser.ts';
import { buildSite } from '../../scripts/build-site.ts';
import { projectRoot } from '../../pipeline/paths.ts';
import { startServing, type Serving } from '../../serve/serve.ts';

if (!hasChromium) {
  console.warn(`SKIPPED browser tests: ${CHROMIUM} is missing (install it: scripts/install-system-deps.sh test)`);
}
export const ARTIFACTS = path.join(projectRoot, 'test-artifacts');

/**
 * Every Content-Security-Policy violation the context's pages report (the
 * `securitypolicyviolation` event of each document, across reloads): the
 * directive, what it blocked and where.
 */
async function recordPolicyViolations(context: BrowserContext): Promise<string[]> {
  const violations: string[] = [];
  await context.exposeBinding('geobundleReportViolation', (_source, violation: string) => {
    violations.push(violation);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { geobundleReportViolation(violation: string): void })
        .geobundleReportViolation;
      report(`${e.effectiveDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  return violations;
}

/**
 * The demo page built into `siteRoot` and served with `releasesDir` by real
 * nginx + API (over HTTPS with a throwaway certificate when `https`, so
 * Chromium asks for br), and a fresh browser with one page whose network and
 * Content-Security-Policy violations are recorded. stop() closes the browser,
 * then the servers (callers remove the directories).
 */
export async function serveDemoInBrowser({
  releasesDir,
  siteRoot,
  https = false,
}: {
  releasesDir: string;
  siteRoot: string;
  https?: boolean;
}) {
  await buildSite({ outDir: siteRoot });
  const tls = https ? await throwawayCertificate(fs.mkdtempSync(path.join(path.dirname(siteRoot), 'tls-'))) : undefined;
  const serving: Serving = await startServing({ releasesDir, port: 0, apiPort: 0, siteRoot, tls });
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  const stop = async () => {
    await browser?.close();
    await serving.stop();
  };
  try {
    browser = await launchBrowser({ trust: tls });
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const network = await recordNetwork(page);
    const policyViolations = await recordPolicyViolations(browser.context);
    return { serving, page, network, policyViolations, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface VisitTransfer {
  requests: number;
  bytes: number;
  bundleBytes: number;
  detail: string[];
  /** Each request with its status and the bytes Chromium received for it. */
  entries: NetworkEntry[];
}

/**
 * What each page visit cost on the wire, written to test-artifacts/<file> when
 * the suite ends (the figures the issue asks for: first visit vs repeat visit).
 */
export function transferLog(file: string) {
  // The artifact keeps the summary; the entries are already in `detail`, one line each.
  const visits: Record<string, Omit<VisitTransfer, 'entries'>> = {};
  return {
    async add(visit: string, network: Awaited<ReturnType<typeof recordNetwork>>): Promise<VisitTransfer> {
      const { entries, bytes } = await network.settle();
      const summary = {
        requests: entries.length,
        bytes,
        bundleBytes: entries.filter((e) => e.url.includes('/bundles/')).reduce((n, e) => n + e.bytes, 0),
        detail: entries.map((e) => `${e.status} ${e.bytes} ${new URL(e.url).pathname}`),
        entries,
      };
      const { entries: _, ...logged } = summary;
      visits[visit] = logged;
      console.info(
        `${file}, ${visit}: ${summary.requests} requests, ${bytes} bytes (${summary.bundleBytes} of them bundles)`,
      );
      return summary;
    },
    write(): void {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      fs.writeFileSync(path.join(ARTIFACTS, file), `${JSON.stringify(visits, null, 2)}\n`);
    },
  };
}

/**
 * The page ran under the site's Content-Security-Policy and broke none of
 * it: no violation was reported, and the policy is in force (an inline
 * script is refused, and reported).
 */
export async function expectPolicyKept(demo: { page: Page; policyViolations: string[] }): Promise<void> {
  expect(demo.policyViolations).toEqual([]);
  const ran = await demo.page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'document.body.dataset.inline = "ran"';
    document.head.append(script);
    return document.body.dataset.inline === 'ran';
  });
  expect(ran).toBe(false);
  await expect
    .poll(() => demo.policyViolations)
    .toEqual([expect.stringMatching(/^script-src(-elem)? blocked inline /)]);
  demo.policyViolations.length = 0;
}

/** Waits until the page has finished loading a class (or failed) and returns the outcome. */
export async function settled(page: Page): Promise<{ state: string; status: string; error: string }> {
  await page.waitForFunction(() => document.body.dataset.state !== 'loading', undefined, { timeout: 60_000 });
  return page.evaluate(() => ({
    state: document.body.dataset.state ?? '',
    status: document.getElementById('status')?.textContent ?? '',
    error: document.getElementById('error')?.textContent ?? '',
  }));
}

/** Types a point into the form and returns the card's district id and text. */
export async function lookUp(page: Page, lon: number, lat: number): Promise<{ id: string | null; text: string }> {
  await page.fill('#lat', String(lat));
  await page.fill('#lon', String(lon));
  await page.click('#lookup button[type=submit]');
  const card = page.locator('#card');
  await card.waitFor({ state: 'visible' });
  return { id: await card.getAttribute('data-district-id'), text: await card.innerText() };
}

/** What a store of this origin's IndexedDB holds (`files`: bundles, `lookup`: lookup files): [path, sha256] per kept file, by path. */
export async function keptFiles(page: Page, store: 'files' | 'lookup' = 'files'): Promise<Array<[string, string]>> {
  const kept = await page.evaluate(
    (store) =>
      new Promise<Array<[string, string]>>((resolve, reject) => {
        const open = indexedDB.open('geobundle');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains(store)) {
            db.close();
            resolve([]);
            return;
          }
          const all = db.transaction(store).objectStore(store).getAll();
          all.onsuccess = () => {
            db.close();
            resolve((all.result as Array<{ path: string; sha256: string }>).map((e) => [e.path, e.sha256]));
          };
          all.onerror = () => reject(all.error);
        };
      }),
    store,
  );
  return kept.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Share of the map canvas that has been painted: a blank map is a failure even if no error shows. */
export async function paintedShare(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.getElementById('map') as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
    return painted / (data.length / 4);
  });
}
