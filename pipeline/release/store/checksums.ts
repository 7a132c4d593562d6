/** SHA256SUMS in the GNU coreutils format that `sha256sum -c` reads: `<hex>  <path>` per line. */
import { byteOrder } from '../../../core/byte-order.ts';

export const SHA256SUMS_FILE = 'SHA256SUMS';

export interface Checksum {
  path: string;
  sha256: string;
}

/** Byte-order sort, so the file is the same on every machine and locale. */
export function formatSha256Sums(entries: Checksum[]): string {
  return [...entries]
    .sort((a, b) => byteOrder(a.path, b.path))
    .map((e) => `${e.sha256}  ${e.path}\n`)
    .join('');
}

const LINE = /^([0-9a-f]{64}) [ *](.+)$/;

/** Parses SHA256SUMS; malformed lines are returned as problems rather than thrown, so verify can report them all. */
export function parseSha256Sums(text: string): { entries: Checksum[]; malformed: string[] } {
  const entries: Checksum[] = [];
  const malformed: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = LINE.exec(line);
    if (m) entries.push({ sha256: m[1]!, path: m[2]! });
    else malformed.push(line);
  }
  return { entries, malformed };
}
