import type { FileKind } from '../../core/manifest.ts';
import type { StateFips } from '../../core/types.ts';
import type { BundleShape } from './bundle-file.ts';
import { tierFor } from './compress.ts';
import { fingerprintHeader, type BuildSettings } from './fingerprint.ts';
import type { ClassPlan, PlannedFeature } from './source.ts';

/**
 * The logical files of one class, each known — with its input fingerprint —
 * before any of it is written: all, polygons, census, wikipedia and one
 * by_state file per state with features. The fingerprint covers exactly the
 * rows and columns the file is made from, plus the build settings and the
 * compression settings its size estimate selects, so equal fingerprints mean
 * equal bytes and an earlier release's file can be reused as it is.
 */
export interface ClassFile {
  kind: FileKind;
  /** Class-relative name without encoding: `all.geojson`, `by_state/06.geojson`. */
  name: string;
  shape: BundleShape;
  stateFips?: StateFips;
  /** Upper bound of the uncompressed size, from the source (selects the compression tier). */
  estimatedBytes: number;
  /** Whether the file holds this feature's entry. */
  holds(feature: PlannedFeature): boolean;
  /** Whether the entry needs the feature's geometry (census and wikipedia files do not). */
  needsGeometry: boolean;
  inputFingerprint: string;
}

type Columns = (f: PlannedFeature) => Array<string | null>;

const WITH_FACTS: Columns = (f) => [f.id, f.name, f.stateFips, f.geometrySha256, f.census, f.wikipedia];
const SHAPE_ONLY: Columns = (f) => [f.id, f.name, f.stateFips, f.geometrySha256];

interface Spec {
  kind: FileKind;
  name: string;
  shape: BundleShape;
  stateFips?: StateFips;
  estimatedBytes: number;
  holds(feature: PlannedFeature): boolean;
  columns: Columns;
  needsGeometry: boolean;
}

function fingerprinted(spec: Spec, plan: ClassPlan, settings: BuildSettings): ClassFile {
  const digest = fingerprintHeader(settings).add(
    plan.dataClass,
    spec.kind,
    spec.name,
    JSON.stringify(tierFor(spec.estimatedBytes)),
    spec.estimatedBytes,
  );
  for (const feature of plan.features) if (spec.holds(feature)) digest.add(...spec.columns(feature));
  const { columns: _columns, ...file } = spec;
  return { ...file, inputFingerprint: digest.value() };
}

export function classFiles(plan: ClassPlan, settings: BuildSettings): ClassFile[] {
  const every = () => true;
  const specs: Spec[] = [
    {
      kind: 'all',
      name: 'all.geojson',
      shape: 'feature-collection',
      estimatedBytes: plan.geometryBytes,
      holds: every,
      columns: WITH_FACTS,
      needsGeometry: true,
    },
    {
      kind: 'polygons',
      name: 'polygons.geojson',
      shape: 'feature-collection',
      estimatedBytes: plan.geometryBytes,
      holds: every,
      columns: SHAPE_ONLY,
      needsGeometry: true,
    },
    {
      kind: 'census',
      name: 'census.json',
      shape: 'keyed-object',
      estimatedBytes: plan.censusBytes,
      holds: (f) => f.census !== null,
      columns: (f) => [f.id, f.census],
      needsGeometry: false,
    },
    {
      kind: 'wikipedia',
      name: 'wikipedia.json',
      shape: 'keyed-object',
      estimatedBytes: plan.wikipediaBytes,
      holds: (f) => f.wikipedia !== null,
      columns: (f) => [f.id, f.wikipedia],
      needsGeometry: false,
    },
    ...[...plan.stateGeometryBytes].map(
      ([stateFips, bytes]): Spec => ({
        kind: 'by_state',
        name: `by_state/${stateFips}.geojson`,
        shape: 'feature-collection',
        stateFips,
        estimatedBytes: bytes,
        holds: (f) => f.stateFips === stateFips,
        columns: WITH_FACTS,
        needsGeometry: true,
      }),
    ),
  ];
  return specs.map((spec) => fingerprinted(spec, plan, settings));
}
