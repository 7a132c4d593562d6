/**
 * When to retry a request and how long to wait: pure functions so the
 * schedule is tested without a clock.
 */

/** 429 (rate limited), 408 and 5xx are worth another try; other statuses are final. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/**
 * Seconds to wait from a `Retry-After` header (RFC 9110 §10.2.3: delay-seconds
 * or an HTTP-date), in milliseconds; null when absent or unparseable.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/**
 * Exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential
 * Backoff And Jitter"): a random wait in [d/2, d] with d = base·2^(n-1), capped,
 * so requests that failed together do not retry together, yet always back off.
 */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The wait before retry `attempt` (1 = first retry): the server's Retry-After when given (capped), else backoff. */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | null,
  policy: { backoffMs: number; maxBackoffMs: number; maxRetryAfterMs: number },
  random = Math.random,
): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  return backoffDelay(attempt, policy.backoffMs, policy.maxBackoffMs, random);
}
