/**
 * What changed between two releases, per class: the ids added and removed,
 * and for each id in both which parts changed (geometry, name, census,
 * wikipedia). Read from the releases themselves — their polygons, census
 * and wikipedia bundles — so any two kept releases can be compared; a part
 * whose file has the same sha256 in both is not read at all, which makes a
 * Wikipedia-only release cost two small files.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { byteOrder } from '../../core/byte-order.ts';
import type { ChangedPart, ClassChanges, ClassManifest, FileKind, ReleaseChanges } from '../../core/release-format.ts';
import type { DataClassName, FeatureId, ReleaseVersion } from '../../core/types.ts';
import { readBundleItems } from './formats/bundles/bundle-file.ts';

/** A release as the comparison reads it: where its files are and what its manifest lists. */
export interface ReleaseFiles {
  version: ReleaseVersion;
  dir: string;
  classes: Record<DataClassName, ClassManifest>;
}

/** The order parts are named in. */
const PARTS: readonly ChangedPart[] = ['geometry', 'name', 'census', 'wikipedia'];

const digest = (text: string) => crypto.createHash('sha256').update(text).digest('base64');

const JSON_STRING = String.raw`"(?:[^"\\]|\\.)*"`;
// One feature of polygons.geojson, as write-class frames it (feature.ts fixes the key order).
const POLYGON_LINE = new RegExp(
  String.raw`^\{"type":"Feature","id":(${JSON_STRING}),"properties":\{"id":${JSON_STRING},"name":(${JSON_STRING}),"state_fips":(?:null|${JSON_STRING})\},"geometry":(.*)\}$`,
);
// One `"<id>":{...}` member of census.json or wikipedia.json.
const MEMBER_LINE = new RegExp(`^(${JSON_STRING}):(.*)$`);

interface Shape {
  name: string;
  geometry: string;
}

function fileOf(cls: ClassManifest, kind: FileKind) {
  return cls.files.find((f) => f.kind === kind && f.encoding === 'gzip');
}

/** id → digests of name and geometry, from a class's polygons bundle. */
async function shapesOf(release: ReleaseFiles, cls: ClassManifest): Promise<Map<FeatureId, Shape>> {
  const shapes = new Map<FeatureId, Shape>();
  const file = fileOf(cls, 'polygons');
  if (!file) return shapes;
  for await (const line of readBundleItems(path.join(release.dir, file.path))) {
    const m = POLYGON_LINE.exec(line);
    if (m) shapes.set(JSON.parse(m[1]!) as string, { name: digest(m[2]!), geometry: digest(m[3]!) });
  }
  return shapes;
}

/** id → digest of its member in a class's census or wikipedia bundle. */
async function membersOf(
  release: ReleaseFiles,
  cls: ClassManifest,
  kind: 'census' | 'wikipedia',
): Promise<Map<FeatureId, string>> {
  const members = new Map<FeatureId, string>();
  const file = fileOf(cls, kind);
  if (!file) return members;
  for await (const line of readBundleItems(path.join(release.dir, file.path))) {
    const m = MEMBER_LINE.exec(line);
    if (m) members.set(JSON.parse(m[1]!) as string, digest(m[2]!));
  }
  return members;
}

/** Whether a kind of file has the same bytes in both classes (so nothing in it changed). */
function same(a: ClassManifest, b: ClassManifest, kind: FileKind): boolean {
  return fileOf(a, kind)?.sha256 === fileOf(b, kind)?.sha256;
}

async function diffClass(from: ReleaseFiles, to: ReleaseFiles, name: DataClassName): Promise<ClassChanges> {
  const a = from.classes[name];
  const b = to.classes[name];
  if (!a || !b) {
    const ids = [...(await shapesOf(a ? from : to, (a ?? b)!)).keys()].sort(byteOrder);
    return { added: a ? [] : ids, removed: a ? ids : [], changed: [] };
  }
  const changed = new Map<FeatureId, Set<ChangedPart>>();
  const mark = (id: FeatureId, part: ChangedPart) => changed.set(id, (changed.get(id) ?? new Set()).add(part));
  const added: FeatureId[] = [];
  const removed: FeatureId[] = [];
  // Equal polygons files mean the same ids, names and geometries; only then may the id set be taken from either.
  if (!same(a, b, 'polygons')) {
    const [before, after] = await Promise.all([shapesOf(from, a), shapesOf(to, b)]);
    for (const [id, shape] of after) {
      const old = before.get(id);
      if (!old) added.push(id);
      else {
        if (old.geometry !== shape.geometry) mark(id, 'geometry');
        if (old.name !== shape.name) mark(id, 'name');
      }
    }
    for (const id of before.keys()) if (!after.has(id)) removed.push(id);
  }
  const gone = new Set([...added, ...removed]);
  for (const kind of ['census', 'wikipedia'] as const) {
    if (same(a, b, kind)) continue;
    const [before, after] = await Promise.all([membersOf(from, a, kind), membersOf(to, b, kind)]);
    for (const id of new Set([...before.keys(), ...after.keys()])) {
      if (!gone.has(id) && before.get(id) !== after.get(id)) mark(id, kind);
    }
  }
  return {
    added: added.sort(byteOrder),
    removed: removed.sort(byteOrder),
    changed: [...changed]
      .sort(([x], [y]) => byteOrder(x, y))
      .map(([id, parts]) => ({ id, fields: PARTS.filter((p) => parts.has(p)) })),
  };
}

/** What changed from `from` (null: nothing before, every id is added) to `to`; classes without a change are left out. */
export async function diffReleases(from: ReleaseFiles | null, to: ReleaseFiles): Promise<ReleaseChanges> {
  const before = from ?? { version: to.version, dir: to.dir, classes: {} };
  const names = [...new Set([...Object.keys(before.classes), ...Object.keys(to.classes)])].sort(byteOrder);
  const classes: ReleaseChanges['classes'] = {};
  for (const name of names) {
    const c = await diffClass(before, to, name);
    if (c.added.length + c.removed.length + c.changed.length > 0) classes[name] = c;
  }
  return { from: from?.version ?? null, to: to.version, classes };
}

/** changes.json as stored: one class per line group, ids sorted, so releases diff well. */
export function serializeChanges(changes: ReleaseChanges): string {
  return `${JSON.stringify(changes, null, 2)}\n`;
}
