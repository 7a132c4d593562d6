import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

/**
 * Fixture-driven tests, turf style: each case is a file found by listing a
 * directory, its expected output a file beside it. `REGEN=1 make test`
 * rewrites the expected files from what the code produces now, so a
 * deliberate format change is one command and a reviewed diff.
 */
export const REGEN = process.env.REGEN === '1';

/** The fixture files of a directory with this extension, by name (without it), in name order. */
export function fixtureCases(dir: string, extension: string): Array<{ name: string; file: string }> {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(extension))
    .sort()
    .map((f) => ({ name: f.slice(0, -extension.length), file: path.join(dir, f) }));
}

/** Compares `actual` with the expected file, or (REGEN=1) writes it there. */
export function expectFile(actual: string, expectedFile: string): void {
  if (REGEN) {
    fs.mkdirSync(path.dirname(expectedFile), { recursive: true });
    fs.writeFileSync(expectedFile, actual);
    return;
  }
  if (!fs.existsSync(expectedFile))
    throw new Error(`${expectedFile} is missing: run REGEN=1 make test to write it, then review it`);
  expect(actual, path.relative(process.cwd(), expectedFile)).toBe(fs.readFileSync(expectedFile, 'utf8'));
}

/**
 * An error message as an expected file holds it: one line, with the case's
 * directory written `<dir>` so the file does not depend on the checkout's place.
 */
export function expectErrorFile(message: string, dir: string, expectedFile: string): void {
  expect(message).not.toContain('\n');
  expectFile(`${message.split(dir).join('<dir>')}\n`, expectedFile);
}
