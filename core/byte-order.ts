/**
 * Comparator for strings in code-unit order (byte order for the ASCII paths
 * and ids it sorts), never the locale's: sorted output — checksums, manifests,
 * file lists — must be the same on every machine.
 */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
