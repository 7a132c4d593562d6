/**
 * How the Wikipedia client is configured and its defaults, apart from the
 * client itself, so `geobundle refresh-wikipedia --help` shows them without
 * loading the client.
 */
import { packageVersion } from '../paths.ts';

export const DEFAULT_API_BASE = 'https://en.wikipedia.org/api/rest_v1';

/**
 * Wikimedia's User-Agent policy (https://meta.wikimedia.org/wiki/User-Agent_policy)
 * asks every client to name itself and give a way to reach its operator; set
 * GEOBUNDLE_CONTACT (an e-mail or URL) on a production machine.
 */
export function defaultUserAgent(env = process.env): string {
  const version = packageVersion();
  const contact = env.GEOBUNDLE_CONTACT ?? 'https://github.com/geobundle/geobundle';
  return `geobundle/${version} (${contact}) refresh-wikipedia node/${process.versions.node}`;
}

export interface ClientOptions {
  apiBase: string;
  userAgent: string;
  /** Requests in flight at once. */
  concurrency: number;
  /** Request starts per second, retries included. */
  ratePerSecond: number;
  /** Per attempt, headers and body together. */
  timeoutMs: number;
  /** Further attempts after the first, on network errors, timeouts, 429 and 5xx. */
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
  /** A server asking for a longer Retry-After is waited for this long, not more. */
  maxRetryAfterMs: number;
  /** Larger bodies fail the page (a summary is a few KB). */
  maxBytes: number;
  /**
   * After this many requests in a row failed (network errors, timeouts, 429,
   * 5xx: no answer from any page), the API is taken to be down and the
   * remaining pages fail at once instead of each retrying against it. 0 never gives up.
   */
  giveUpAfter: number;
}

export const DEFAULT_CLIENT_OPTIONS: Omit<ClientOptions, 'userAgent'> = {
  apiBase: DEFAULT_API_BASE,
  // Concurrency only bounds requests in flight; the rate limit decides the pace. With
  // Wikipedia's 5–7 s cold responses, 32 in flight keep the 5 requests/s pace.
  concurrency: 32,
  ratePerSecond: 5,
  timeoutMs: 30_000,
  retries: 3,
  backoffMs: 1_000,
  maxBackoffMs: 30_000,
  maxRetryAfterMs: 120_000,
  maxBytes: 1 << 20,
  giveUpAfter: 50,
};
