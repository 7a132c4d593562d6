import fs from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildSite } from '../../scripts/build-site.ts';
import { projectRoot } from '../../pipeline/paths.ts';
import { startServing, type Serving } from '../../serve/serve.ts';
import { tempDir } from './temp.ts';

/**
 * Driving the demo page in Debian's headless Chromium (never a downloaded
 * browser) for the client tests: launch with a profile on disk, record the
 * network, wait for the page, type a point, read what IndexedDB kept.
 */

export const CHROMIUM = process.env.GEOBUNDLE_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`SKIPPED browser tests: ${CHROMIUM} is missing (install it: scripts/install-system-deps.sh test)`);
}
export const ARTIFACTS = path.join(projectRoot, 'test-artifacts');

/** A browser with its own profile on disk, so IndexedDB survives reloads as it does for a user. */
export async function launchBrowser(
  options: { noDecompressionStream?: boolean } = {},
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = tempDir('chromium');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
  });
  if (options.noDecompressionStream) {
    // An older browser: no native gzip decompressor, so the client must use pako.
    await context.addInitScript(() => {
      delete (globalThis as { DecompressionStream?: unknown }).DecompressionStream;
    });
  }
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

/**
 * The demo page built into `siteRoot` and served with `releasesDir` by real
 * nginx + API, and a fresh browser with one page whose network is recorded.
 * stop() closes the browser, then the servers (callers remove the directories).
 */
export async function serveDemoInBrowser({ releasesDir, siteRoot }: { releasesDir: string; siteRoot: string }) {
  await buildSite({ outDir: siteRoot });
  const serving: Serving = await startServing({ releasesDir, port: 0, apiPort: 0, siteRoot });
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  const stop = async () => {
    await browser?.close();
    await serving.stop();
  };
  try {
    browser = await launchBrowser();
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const network = await recordNetwork(page);
    return { serving, page, network, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface NetworkEntry {
  url: string;
  status: number;
  bytes: number;
}

/**
 * Every request a page makes, with the bytes received for it as Chromium
 * counts them (`encodedDataLength`: headers plus the body as it came over the
 * wire, i.e. compressed). Playwright's request.sizes() reports decoded body
 * sizes for compressed responses, which would overstate a visit's cost.
 */
export async function recordNetwork(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const requested: string[] = [];
  const open = new Map<string, { url: string; status: number }>();
  const entries: NetworkEntry[] = [];
  cdp.on('Network.requestWillBeSent', (e) => {
    requested.push(e.request.url);
    open.set(e.requestId, { url: e.request.url, status: 0 });
  });
  cdp.on('Network.responseReceived', (e) => open.set(e.requestId, { url: e.response.url, status: e.response.status }));
  cdp.on('Network.loadingFinished', (e) => {
    const r = open.get(e.requestId);
    open.delete(e.requestId);
    if (r) entries.push({ ...r, bytes: e.encodedDataLength });
  });
  cdp.on('Network.loadingFailed', (e) => open.delete(e.requestId));
  return {
    /** Waits (up to 10 s) for requests in flight to finish, then returns everything since the last reset. */
    async settle() {
      for (let i = 0; i < 100 && open.size > 0; i++) await new Promise((r) => setTimeout(r, 100));
      return { requested: [...requested], entries: [...entries], bytes: entries.reduce((n, e) => n + e.bytes, 0) };
    },
    reset() {
      entries.length = 0;
      requested.length = 0;
    },
  };
}

export interface VisitTransfer {
  requests: number;
  bytes: number;
  bundleBytes: number;
  detail: string[];
}

/**
 * What each page visit cost on the wire, written to test-artifacts/<file> when
 * the suite ends (the figures the issue asks for: first visit vs repeat visit).
 */
export function transferLog(file: string) {
  const visits: Record<string, VisitTransfer> = {};
  return {
    async add(visit: string, network: Awaited<ReturnType<typeof recordNetwork>>): Promise<VisitTransfer> {
      const { entries, bytes } = await network.settle();
      const summary = {
        requests: entries.length,
        bytes,
        bundleBytes: entries.filter((e) => e.url.includes('/bundles/')).reduce((n, e) => n + e.bytes, 0),
        detail: entries.map((e) => `${e.status} ${e.bytes} ${new URL(e.url).pathname}`),
      };
      visits[visit] = summary;
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

/** What this origin's IndexedDB holds: [version, path, sha256] per kept bundle. */
export async function keptBundles(page: Page): Promise<Array<[string, string, string]>> {
  return page.evaluate(
    () =>
      new Promise<Array<[string, string, string]>>((resolve, reject) => {
        const open = indexedDB.open('geobundle');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('bundles')) {
            db.close();
            resolve([]);
            return;
          }
          const all = db.transaction('bundles').objectStore('bundles').getAll();
          all.onsuccess = () => {
            db.close();
            resolve(
              (all.result as Array<{ version: string; path: string; sha256: string }>).map((e) => [
                e.version,
                e.path,
                e.sha256,
              ]),
            );
          };
          all.onerror = () => reject(all.error);
        };
      }),
  );
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
