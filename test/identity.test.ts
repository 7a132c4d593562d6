import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataClass } from '../pipeline/data-class.ts';
import { congressionalTitle, parseCongressionalKey, resolveIdentity } from '../pipeline/identity.ts';

interface Case {
  class: string;
  path: string;
  properties: Record<string, unknown> | null;
  expected?: { id: string; stateFips?: string; name?: string };
  problem?: string;
}

const cases = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'ingest', 'identity-cases.json'), 'utf8'),
) as Case[];

describe('resolveIdentity from the class specs (fixtures/ingest/identity-cases.json)', () => {
  it.each(cases.map((c) => [`${c.class} ${c.path} ${JSON.stringify(c.properties)}`, c] as const))('%s', (_label, c) => {
    const result = resolveIdentity(loadDataClass(c.class), { properties: c.properties, path: c.path });
    if (c.problem) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problem).toContain(c.problem);
    } else {
      expect(result.ok ? result.identity : result.problem).toMatchObject(c.expected!);
    }
  });
});

describe('parseCongressionalKey', () => {
  it.each([
    ['AL-01', '0101'],
    ['AK-AT-LARGE', '0200'],
    ['ak-at-large', '0200'],
    ['AK-AL', '0200'],
    ['IA-3', '1903'],
    ['DC-0', '1198'],
    ['DC-01', '1198'],
    ['PR-98', '7298'],
    ['0639', '0639'],
  ])('%s → %s', (key, geoid) => {
    expect(parseCongressionalKey(key)).toEqual({ ok: true, value: geoid });
  });

  it.each(['XX-01', 'AL', 'AL-1st', '9901', '1101', 'CA-98', ''])('rejects %j', (key) => {
    expect(parseCongressionalKey(key).ok).toBe(false);
  });
});

describe('congressionalTitle', () => {
  it.each([
    ['0101', "Alabama's 1st congressional district"],
    ['0602', "California's 2nd congressional district"],
    ['0611', "California's 11th congressional district"],
    ['0612', "California's 12th congressional district"],
    ['0613', "California's 13th congressional district"],
    ['0623', "California's 23rd congressional district"],
    ['4600', "South Dakota's at-large congressional district"],
    ['1198', "District of Columbia's at-large congressional district"],
  ])('%s → %s', (geoid, title) => {
    expect(congressionalTitle(geoid)).toBe(title);
  });
});
