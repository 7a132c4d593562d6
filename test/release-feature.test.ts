import path from 'node:path';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GeobundleError } from '../core/errors.ts';
import { keyedMember, serializeFeature } from '../pipeline/release/formats/bundles/feature.ts';
import type { FeatureRow } from '../pipeline/release/plan/read-geometries.ts';
import { expectFile, fixtureCases } from './helpers/fixtures.ts';

/**
 * One feature from its database row to the text of its bundle entries:
 * rounding, RFC 7946 winding, spike rings, collapse, joined rows. Each case
 * is fixtures/feature/in/<case>.json ({ precision, row }, the geometry as
 * JSON rather than text); the expected entries or error are
 * out/<case>.json. REGEN=1 rewrites them.
 */
const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'feature');

interface FeatureCase {
  precision: number;
  row: Omit<FeatureRow, 'geometry'> & { geometry: unknown };
}

/**
 * What a case produces, as the expected file holds it: one member per line,
 * each entry exactly as serialised (compact JSON, byte for byte), or the error.
 */
function outcome({ precision, row }: FeatureCase): string {
  let members: Record<string, string>;
  try {
    const feature = serializeFeature(
      'congressional_districts',
      { ...row, geometry: JSON.stringify(row.geometry) },
      precision,
    );
    const member = (text: string | null) => (text === null ? 'null' : `{${text}}`);
    members = {
      bbox: JSON.stringify(feature.bbox),
      full: feature.full,
      polygon: feature.polygon,
      censusMember: member(keyedMember('congressional_districts', row.id, 'census', row.census)),
      wikipediaMember: member(keyedMember('congressional_districts', row.id, 'wikipedia', row.wikipedia)),
    };
  } catch (err) {
    expect(err).toBeInstanceOf(GeobundleError);
    members = { error: JSON.stringify((err as Error).message) };
  }
  const text = `{\n${Object.entries(members)
    .map(([k, v]) => `  ${JSON.stringify(k)}: ${v}`)
    .join(',\n')}\n}\n`;
  JSON.parse(text); // every member is JSON, so the file is too
  return text;
}

describe('serializeFeature', () => {
  it.each(fixtureCases(path.join(FIXTURES, 'in'), '.json'))('$name', ({ name, file }) => {
    const input = JSON.parse(fs.readFileSync(file, 'utf8')) as FeatureCase;
    expectFile(outcome(input), path.join(FIXTURES, 'out', `${name}.json`));
  });
});
