/** Temporary directories for tests and benchmarks. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh directory under the system temp dir, named so leftovers are recognisable (`geobundle-<prefix>-XXXXXX`). */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `geobundle-${prefix}-`));
}
