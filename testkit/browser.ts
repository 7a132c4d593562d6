/**
 * Debian's headless Chromium (never a downloaded browser), for the client
 * tests and the transfer benchmark: a browser with its profile on disk, the
 * bytes each request really cost on the wire, and a throwaway certificate
 * for HTTPS (browsers ask for `br` only over HTTPS).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { tempDir } from './temp.ts';

export const CHROMIUM = process.env.GEOBUNDLE_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM);

/**
 * A browser with its own profile on disk, so IndexedDB survives reloads as
 * it does for a user; `trust` makes it accept a throwaway certificate as if
 * it were valid (HTTP cache included).
 */
export async function launchBrowser(
  options: { noDecompressionStream?: boolean; trust?: Certificate } = {},
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
      ...(options.trust ? [`--ignore-certificate-errors-spki-list=${options.trust.spki}`] : []),
    ],
    viewport: { width: 1280, height: 800 },
  });
  if (options.noDecompressionStream) {
    // An older browser: without DecompressionStream (the client must not need it).
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

export interface Certificate {
  certificate: string;
  key: string;
  /** base64 SHA-256 of the public key: what Chromium's --ignore-certificate-errors-spki-list takes. */
  spki: string;
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost, valid for a day,
 * made with openssl in `dir`. launchBrowser() trusts it by its public key:
 * merely ignoring certificate errors would also keep Chromium from caching
 * anything (it never stores responses of a page with a certificate error).
 */
export async function throwawayCertificate(dir: string): Promise<Certificate> {
  const certificate = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  await execa('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    certificate,
  ]);
  const { stdout: spki } = await execa('sh', [
    '-c',
    'openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64',
    'sh',
    certificate,
  ]);
  return { certificate, key, spki: spki.trim() };
}
