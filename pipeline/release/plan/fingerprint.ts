import crypto from 'node:crypto';

/**
 * A deterministic digest of a sequence of values: each is length-prefixed
 * (null has its own mark), so no two different sequences hash alike.
 */
export class Digest {
  private readonly hash = crypto.createHash('sha256');

  add(...values: Array<string | number | null>): this {
    for (const v of values) {
      if (v === null) this.hash.update('-;');
      else {
        const text = String(v);
        this.hash
          .update(`${Buffer.byteLength(text)}:`)
          .update(text)
          .update(';');
      }
    }
    return this;
  }

  /** `sha256:<hex>`, the form manifests record. */
  value(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/**
 * Bumped whenever the bytes written for the same input change (the
 * serialiser, the framing, a file's content): a fingerprint taken by an
 * older format then matches nothing, and the file is written anew.
 */
export const BUNDLE_FORMAT = 3;

/** What, besides the rows, decides the bytes of every file of a build. */
export interface BuildSettings {
  /** geobundle's own version (package.json). */
  generatorVersion: string;
  coordinatePrecision: number;
}

/**
 * The start of every file's input fingerprint: the format, the code and the
 * compression libraries that write it (zlib and brotli are Node's own, so a
 * Node upgrade that changes their output changes every fingerprint) and the
 * build's settings.
 */
export function fingerprintHeader(settings: BuildSettings): Digest {
  return new Digest().add(
    'geobundle-file',
    BUNDLE_FORMAT,
    settings.generatorVersion,
    process.versions.zlib ?? null,
    process.versions.brotli ?? null,
    settings.coordinatePrecision,
  );
}
