/**
 * Spaces request starts evenly: at most `perSecond` per second, with no
 * bursts (Wikimedia asks API clients to be gentle:
 * https://www.mediawiki.org/wiki/API:Etiquette). Unlike a windowed throttle it
 * can also be paused for everyone at once, which is what a 429 with
 * Retry-After asks for.
 */
export interface RateLimiter {
  /** Resolves when the caller may start its request. */
  acquire(): Promise<void>;
  /** No request starts before `until` (epoch ms). */
  pauseUntil(until: number): void;
}

export function createRateLimiter(perSecond: number, now = () => Date.now()): RateLimiter {
  if (!(perSecond > 0)) throw new RangeError(`rate must be > 0 requests/s, got ${perSecond}`);
  const interval = 1000 / perSecond;
  let nextSlot = 0;
  let pausedUntil = 0;
  return {
    async acquire() {
      // A pause may arrive while we wait for our slot: then queue again behind it.
      for (;;) {
        const t = now();
        const slot = Math.max(t, nextSlot, pausedUntil);
        nextSlot = slot + interval;
        if (slot > t) await new Promise((resolve) => setTimeout(resolve, slot - t));
        if (pausedUntil <= now()) return;
      }
    },
    pauseUntil(until) {
      pausedUntil = Math.max(pausedUntil, until);
    },
  };
}
