/**
 * The GEOS-invalid polygons of every simplified map of a release
 * (testkit/map-validity.ts), one line per class, scale and format:
 *
 *   npx tsx bench/maps-validity.ts releases/v1.0.0
 */
import { mapsValidity, validityLine } from '../testkit/map-validity.ts';

const releaseDir = process.argv[2];
if (!releaseDir) {
  process.stderr.write('usage: npx tsx bench/maps-validity.ts <release dir, e.g. releases/v1.0.0>\n');
  process.exit(2);
}
for (const v of await mapsValidity(releaseDir)) process.stdout.write(`${validityLine(v)}\n`);
