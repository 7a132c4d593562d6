import pLimit from 'p-limit';
import type { ClientOptions } from './client-options.ts';
import { createRateLimiter } from './rate-limiter.ts';
import { isRetryableStatus, parseRetryAfter, retryDelay } from './retry-policy.ts';
import { MalformedSummaryError, parseSummary, type PageFacts } from './summary.ts';
import { summaryUrl } from './titles.ts';

export type FetchOutcome =
  | { kind: 'fetched'; page: PageFacts; attempts: number }
  | { kind: 'not-modified'; etag: string | null; attempts: number }
  | { kind: 'failed'; error: string; attempts: number };

export interface SummaryClient {
  /** Fetches one page summary; `etag` makes it a conditional request. Never throws. */
  fetchSummary(title: string, etag: string | null): Promise<FetchOutcome>;
  /** HTTP requests sent so far, retries included. */
  readonly requests: number;
}

type Attempt = { done: FetchOutcome } | { retry: string; retryAfterMs: number | null };

class PermanentError extends Error {}

/** Reads a body up to `maxBytes`; a larger one is cut off without downloading the rest. */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new PermanentError(`response of ${declared} bytes exceeds the ${maxBytes}-byte cap`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  for (;;) {
    const { done, value } = reader ? await reader.read() : { done: true, value: undefined };
    if (done || !value) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader!.cancel().catch(() => {});
      throw new PermanentError(`response exceeds the ${maxBytes}-byte cap`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One line saying why a request failed at the transport level. */
function describeNetworkError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e.message} (${cause})` : String(e?.message ?? err);
}

export function createSummaryClient(options: ClientOptions): SummaryClient {
  const limit = pLimit(options.concurrency);
  const limiter = createRateLimiter(options.ratePerSecond);
  let requests = 0;
  let failedInARow = 0;

  async function attempt(title: string, etag: string | null, attemptNo: number): Promise<Attempt> {
    if (options.giveUpAfter > 0 && failedInARow >= options.giveUpAfter) {
      const error = `not attempted: ${failedInARow} requests in a row failed, the API looks unavailable`;
      return { done: { kind: 'failed', error, attempts: attemptNo - 1 } };
    }
    const result = await send(title, etag, attemptNo);
    // Any answer from a page, even a 404, shows the API is up.
    failedInARow = 'retry' in result ? failedInARow + 1 : 0;
    return result;
  }

  async function send(title: string, etag: string | null, attemptNo: number): Promise<Attempt> {
    await limiter.acquire();
    requests += 1;
    const headers: Record<string, string> = {
      'user-agent': options.userAgent,
      accept: 'application/json',
    };
    if (etag) headers['if-none-match'] = etag;
    try {
      const response = await fetch(summaryUrl(options.apiBase, title), {
        headers,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const responseEtag = response.headers.get('etag');
      if (response.status === 304) {
        await response.body?.cancel();
        return { done: { kind: 'not-modified', etag: responseEtag ?? etag, attempts: attemptNo } };
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        const why = response.status === 404 ? 'no such page (HTTP 404)' : `HTTP ${response.status}`;
        if (!isRetryableStatus(response.status)) throw new PermanentError(why);
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        if (response.status === 429 && retryAfterMs !== null) {
          // The server is throttling this client, not this page: everyone waits.
          limiter.pauseUntil(Date.now() + Math.min(retryAfterMs, options.maxRetryAfterMs));
        }
        return { retry: why, retryAfterMs };
      }
      const body = await readCapped(response, options.maxBytes);
      const page = parseSummary(body, {
        requestedTitle: title,
        etag: responseEtag,
        fetchedAt: new Date().toISOString(),
      });
      return { done: { kind: 'fetched', page, attempts: attemptNo } };
    } catch (err) {
      if (err instanceof PermanentError) return { done: { kind: 'failed', error: err.message, attempts: attemptNo } };
      if (err instanceof MalformedSummaryError) {
        return { done: { kind: 'failed', error: `malformed summary: ${err.message}`, attempts: attemptNo } };
      }
      // Connection refused or reset, a timeout, a body cut off mid-transfer: transient.
      return { retry: describeNetworkError(err), retryAfterMs: null };
    }
  }

  return {
    get requests() {
      return requests;
    },
    async fetchSummary(title, etag) {
      for (let attemptNo = 1; ; attemptNo++) {
        const result = await limit(() => attempt(title, etag, attemptNo));
        if ('done' in result) return result.done;
        if (attemptNo > options.retries) {
          return { kind: 'failed', error: `${result.retry} (after ${attemptNo} attempts)`, attempts: attemptNo };
        }
        const wait = retryDelay(attemptNo, result.retryAfterMs, options);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    },
  };
}
