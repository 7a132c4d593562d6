/**
 * Human-readable size for progress lines and listings, one decimal. Sizes are
 * counted in 1024s (KiB, MiB) though labelled kB and MB, the short labels
 * people read in listings; exact byte counts are in the manifests.
 */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024).toFixed(1)} kB`;
}
