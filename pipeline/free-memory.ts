/**
 * Memory a build no longer uses but that nothing gives back on its own,
 * measured on the whole shared data set (docs/release-format.md, "Bounded
 * memory"):
 * - @duckdb/node-api frees a result's native memory (its data chunks) only
 *   when V8 collects the JavaScript object that wraps it, and V8 does not
 *   know that memory is there: a small wrapper holding a 4 MB batch of
 *   geometry gives it no reason to collect. Reading a state-legislative
 *   chamber left ~200 MB of finished results waiting.
 * - V8 keeps the heap pages a collection frees in a pool, still resident:
 *   after the lookup index, ~200 MB of them for the rest of the build.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

type Gc = (options: { type: 'minor' | 'major'; execution?: 'sync'; flavor?: 'last-resort' }) => void;

// V8's gc() without starting Node with --expose-gc (tests run the build in their own process):
// exposed to a new context only, whose function is kept, then hidden again from every other one
// (unless Node was started with it, as NODE_OPTIONS may ask: then it is simply there).
const gc: Gc = (globalThis as { gc?: Gc }).gc ?? exposedGc();

function exposedGc(): Gc {
  v8.setFlagsFromString('--expose-gc');
  const exposed = vm.runInNewContext('gc') as Gc;
  v8.setFlagsFromString('--no-expose-gc');
  return exposed;
}

/**
 * Collects the young generation (about a millisecond), where the DuckDB
 * results dropped since the last batch are; one a scavenge during the batch
 * moved to the old generation waits for a full collection, as before.
 */
export function freeDroppedResults(): void {
  gc({ type: 'minor' });
}

/** A full collection that also gives V8's pooled pages back to the system: once, after a phase that needed a big heap. */
export function returnFreedHeap(): void {
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
