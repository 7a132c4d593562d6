/**
 * A loopback stand-in for the Wikipedia REST API's `GET /page/summary/{title}`,
 * serving fixture JSON files (a directory of <Title_with_underscores>.json)
 * with ETags, honouring If-None-Match, and injecting the faults a real API
 * shows: latency, 429 with Retry-After, 5xx, hung responses, truncated and
 * malformed bodies, oversized bodies, dropped connections. Used by the tests
 * and by bench/wikipedia-refresh.ts.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import crypto from 'node:crypto';
import { closeServer, listen } from '../api/http-server.ts';

/** What the server does with one request instead of (or before) answering it normally. */
export type Fault =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'delay'; ms: number }
  | { kind: 'truncate' }
  | { kind: 'malformed' }
  | { kind: 'huge'; bytes: number; chunked?: boolean }
  | { kind: 'reset' };

export interface RecordedRequest {
  title: string;
  ifNoneMatch: string | null;
  userAgent: string | null;
  at: number;
}

export interface SummaryServerOptions {
  /** Summaries to serve, one `<Title_with_underscores>.json` each (the tests' test/fixtures/wikipedia/summaries/). */
  fixturesDir?: string;
  /** Answer any title not among the fixtures with a generated summary (benchmarks) instead of 404. */
  generate?: boolean;
  /** Delay before every response. */
  latencyMs?: number;
}

export interface SummaryServer {
  /** The API base to pass as --api-base. */
  apiBase: string;
  requests: RecordedRequest[];
  /** Most requests in flight at once so far. */
  maxInFlight: number;
  /** Faults for the next requests of `title` (spaces or underscores), one per request, then normal service. */
  script(title: string, faults: Fault[]): void;
  /** A fault for every request with no script, e.g. a total outage; null restores service. */
  setDefault(fault: Fault | null): void;
  /** Edits a page: merges `changes` into its summary, which gives it a new revision and ETag. */
  edit(title: string, changes: Record<string, unknown>): void;
  requestsFor(title: string): RecordedRequest[];
  close(): Promise<void>;
}

const key = (title: string) => title.replace(/ /g, '_');

function generated(title: string): Record<string, unknown> {
  const url = `https://en.wikipedia.org/wiki/${encodeURIComponent(title)}`;
  return {
    type: 'standard',
    title,
    normalizedtitle: title.replace(/_/g, ' '),
    revision: '1000000',
    timestamp: '2025-01-01T00:00:00Z',
    description: 'Generated summary',
    extract: `${title.replace(/_/g, ' ')} is a page served by the local test server.`,
    content_urls: { desktop: { page: url }, mobile: { page: url } },
  };
}

export async function startSummaryServer(options: SummaryServerOptions = {}): Promise<SummaryServer> {
  const pages = new Map<string, Record<string, unknown>>();
  const dir = options.fixturesDir;
  for (const file of dir ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : []) {
    pages.set(
      file.slice(0, -'.json'.length).normalize('NFC'),
      JSON.parse(fs.readFileSync(path.join(dir!, file), 'utf8')),
    );
  }
  const scripts = new Map<string, Fault[]>();
  let defaultFault: Fault | null = null;
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  const etagOf = (page: Record<string, unknown>) =>
    `W/"${page.revision}/${crypto.createHash('sha1').update(JSON.stringify(page)).digest('hex').slice(0, 12)}"`;

  const server = http.createServer(async (req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => (inFlight -= 1));
    const match = /\/page\/summary\/([^/?]+)$/.exec(req.url ?? '');
    const title = match ? key(decodeURIComponent(match[1]!)).normalize('NFC') : '';
    requests.push({
      title,
      ifNoneMatch: req.headers['if-none-match'] ?? null,
      userAgent: req.headers['user-agent'] ?? null,
      at: Date.now(),
    });
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    const fault = scripts.get(title)?.shift() ?? defaultFault ?? { kind: 'ok' };
    if (fault.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (res.destroyed) return;
    if (fault.kind === 'reset') return void req.socket.destroy();
    if (fault.kind === 'status') {
      const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
      if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
      res.writeHead(fault.status, headers);
      return void res.end(
        JSON.stringify({ type: 'https://mediawiki.org/wiki/HyperSwitch/errors/server_error', title: 'fault' }),
      );
    }
    const page = pages.get(title) ?? (options.generate && title ? generated(title) : undefined);
    if (!page) {
      res.writeHead(404, { 'content-type': 'application/problem+json' });
      return void res.end(
        JSON.stringify({ type: 'https://mediawiki.org/wiki/HyperSwitch/errors/not_found', title: 'Not found.' }),
      );
    }
    const etag = etagOf(page);
    const json = 'application/json; charset=utf-8; profile="https://www.mediawiki.org/wiki/Specs/Summary/1.4.2"';
    if (fault.kind === 'malformed') {
      res.writeHead(200, { 'content-type': json, etag });
      return void res.end('{"type":"standard","title":"Broken", "extract": <html>oops');
    }
    if (fault.kind === 'huge') {
      const body = JSON.stringify({ ...page, extract: 'x'.repeat(fault.bytes) });
      res.writeHead(
        200,
        fault.chunked
          ? { 'content-type': json, etag }
          : { 'content-type': json, etag, 'content-length': Buffer.byteLength(body) },
      );
      return void res.end(body);
    }
    const body = Buffer.from(JSON.stringify(page));
    if (fault.kind === 'truncate') {
      // Promise the whole body, send half, hang up: what a dropped connection looks like.
      res.writeHead(200, { 'content-type': json, etag, 'content-length': body.length });
      res.write(body.subarray(0, body.length >> 1), () => req.socket.destroy());
      return;
    }
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag });
      return void res.end();
    }
    res.writeHead(200, { 'content-type': json, etag, 'content-length': body.length });
    res.end(body);
  });
  const port = await listen(server, { port: 0, host: '127.0.0.1', name: 'the summary server' });

  return {
    apiBase: `http://127.0.0.1:${port}/api/rest_v1`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    script(title, faults) {
      scripts.set(key(title).normalize('NFC'), [...faults]);
    },
    setDefault(fault) {
      defaultFault = fault;
    },
    edit(title, changes) {
      const k = key(title).normalize('NFC');
      const page = pages.get(k) ?? (options.generate ? generated(k) : undefined);
      if (!page) throw new Error(`no fixture page ${title}`);
      pages.set(k, { ...page, ...changes, revision: String(Number(page.revision) + 1) });
    },
    requestsFor(title) {
      return requests.filter((r) => r.title === key(title).normalize('NFC'));
    },
    close: () => closeServer(server),
  };
}
