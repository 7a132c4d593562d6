import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { GeobundleError, errorMessage } from '../../../core/errors.ts';
import { projectRoot } from '../../paths.ts';
import type { LookupRootFile, ManifestFile, ManifestLookup, ReleaseManifest } from '../../../core/release-format.ts';

export const MANIFEST_FILE = 'manifest.json';
/** What changed against the release a release was built after (core/release-format.ts, ReleaseChanges). */
export const CHANGES_FILE = 'changes.json';
const MANIFEST_SCHEMA_PATH = path.join(projectRoot, 'manifests', 'release-manifest.schema.json');

let validator: ReturnType<Ajv2020['compile']> | undefined;

/** Schema problems of a manifest, one line each; empty when it is valid. */
export function manifestProblems(manifest: unknown): string[] {
  validator ??= new Ajv2020({ allErrors: true }).compile(JSON.parse(fs.readFileSync(MANIFEST_SCHEMA_PATH, 'utf8')));
  if (validator(manifest)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

export function assertValidManifest(manifest: unknown, where: string): asserts manifest is ReleaseManifest {
  const problems = manifestProblems(manifest);
  if (problems.length > 0) {
    throw new GeobundleError(
      `${where} does not match ${path.relative(projectRoot, MANIFEST_SCHEMA_PATH)}: ${problems.slice(0, 5).join('; ')}`,
    );
  }
}

/** Stable text: two-space indent and a final newline, so a manifest diffs well and hashes the same every build. */
export function serializeManifest(manifest: ReleaseManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Reads and validates `<releaseDir>/manifest.json`. */
export function readManifest(releaseDir: string): ReleaseManifest {
  const file = path.join(releaseDir, MANIFEST_FILE);
  let manifest: unknown;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new GeobundleError(`cannot read ${file}: ${errorMessage(err)}`);
  }
  assertValidManifest(manifest, file);
  return manifest;
}

/** The lookup section's root files (the index's, and the facts' when there are any): listed files of the version directory. */
export function lookupRoots(lookup: ManifestLookup | undefined): LookupRootFile[] {
  return lookup ? [lookup.index, ...(lookup.facts ? [lookup.facts] : [])] : [];
}

export function manifestFiles(manifest: ReleaseManifest): ManifestFile[] {
  return Object.values(manifest.classes).flatMap((c) => c.files);
}

/** What a release holds in total: features over all classes, the files its manifest lists (bundles and lookup roots) and their bytes on disk. */
export function manifestTotals(manifest: ReleaseManifest): { features: number; files: number; bytes: number } {
  const files = [...manifestFiles(manifest), ...lookupRoots(manifest.lookup)];
  return {
    features: Object.values(manifest.classes).reduce((n, c) => n + c.feature_count, 0),
    files: files.length,
    bytes: files.reduce((n, f) => n + f.bytes, 0),
  };
}
