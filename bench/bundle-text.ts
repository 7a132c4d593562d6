/**
 * The text build-release writes for a bundle file's items, built in memory:
 * what bench/before-server.ts generates per request, byte for byte as the
 * build frames it (formats/bundles.ts; test/bench-smoke.test.ts holds the
 * two together).
 */
import { BUNDLE_SHAPES, type BundleShape } from '../pipeline/release/formats/bundles.ts';

export function bundleText(shape: BundleShape, items: readonly string[]): string {
  const { open, close } = BUNDLE_SHAPES[shape];
  return items.length === 0 ? open + close : `${open}\n${items.join(',\n')}\n${close}`;
}
