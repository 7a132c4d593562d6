/**
 * A page of the demo site that loads the client library and nothing else,
 * for measuring and testing lookups in Chromium: only the lookup's own
 * requests follow its load. Its script is a file of the site, as the site's
 * Content-Security-Policy allows no inline one.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';

const PAGE = `<!doctype html><meta charset="utf-8"><title>lookup</title>
<script type="module" src="./lookup.js"></script>`;
const PAGE_SCRIPT = `import { openLookup } from './geobundle-client.js';
window.openLookup = openLookup;
document.title = 'ready';
`;

declare global {
  interface Window {
    openLookup: typeof import('../client/lookup.ts').openLookup;
  }
}

/** Adds the page (`lookup.html`) to a built site. */
export function writeLookupPage(siteRoot: string): void {
  fs.writeFileSync(path.join(siteRoot, 'lookup.html'), PAGE);
  fs.writeFileSync(path.join(siteRoot, 'lookup.js'), PAGE_SCRIPT);
}

/** Loads the page from `origin` and waits until `window.openLookup` is there. */
export async function openLookupPage(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/lookup.html`);
  await page.waitForFunction(() => document.title === 'ready');
}
