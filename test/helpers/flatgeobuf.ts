/**
 * The flatgeobuf package's reader logs every step of its index search with
 * console.debug ("Pushing new level for [NodeRange …]", "opened reader") and
 * has no setting to stop it. The tests that run that search collect its
 * results through here, which mutes console.debug only while it runs.
 */
import { vi } from 'vitest';

export async function collectSearch<T>(search: AsyncIterable<T>): Promise<T[]> {
  const debug = vi.spyOn(console, 'debug').mockImplementation(() => {});
  try {
    const found: T[] = [];
    for await (const item of search) found.push(item);
    return found;
  } finally {
    debug.mockRestore();
  }
}
