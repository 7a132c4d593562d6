/**
 * The logical files of one class, each known — with its input fingerprint —
 * before any of it is written: all, polygons, census, wikipedia, one
 * by_state file per state with features, the simplified maps and the GIS
 * files. The fingerprint covers exactly the rows and columns the file is
 * made from, plus the build settings and the compression settings its size
 * estimate selects, so equal fingerprints mean equal bytes and an earlier
 * release's file can be reused as it is.
 */
import type { FileKind } from '../../../core/release-format.ts';
import type { StateFips } from '../../../core/types.ts';
import { BUNDLE_SHAPES, type BundleShape } from '../formats/bundles.ts';
import { BROTLI_ESCALATION, COMPRESSION_TIERS } from '../formats/compression.ts';
import { GIS_FILES, GIS_FORMATS, type GisFormat } from '../formats/gis.ts';
import {
  MAP_MEDIA_TYPE,
  SIMPLIFICATION,
  SIMPLIFIED_FORMATS,
  SIMPLIFIED_SCALES,
  simplifiedName,
  type SimplifiedFormat,
  type SimplifiedScale,
} from '../formats/maps.ts';
import type { ClassPlan, PlannedFeature } from './class-plan.ts';
import { fingerprintHeader, type BuildSettings } from './fingerprint.ts';
import { columnsFingerprint, gisColumns } from './gis-columns.ts';

export interface ClassFile {
  kind: FileKind;
  /** Class-relative name without encoding: `all.geojson`, `by_state/06.geojson`. */
  name: string;
  shape: BundleShape;
  /** The Content-Type it is served as. */
  mediaType: string;
  stateFips?: StateFips;
  /** Whether the file holds this feature's entry. */
  holds(feature: PlannedFeature): boolean;
  /**
   * What the file is made from: the features with their geometry, the
   * facts alone (census and wikipedia, no geometry read), the class's
   * polygons simplified (the maps), or its all.geojson (the GIS files).
   */
  madeFrom: 'features' | 'facts' | 'maps' | 'gis';
  /** Simplified files only. */
  simplified?: { scale: SimplifiedScale; format: SimplifiedFormat };
  /** GIS files only. */
  gis?: GisFormat;
  inputFingerprint: string;
}

type Columns = (f: PlannedFeature) => Array<string | null>;

const WITH_FACTS: Columns = (f) => [f.id, f.name, f.stateFips, f.geometrySha256, f.census, f.wikipedia];
const SHAPE_ONLY: Columns = (f) => [f.id, f.name, f.stateFips, f.geometrySha256];

interface Spec extends Omit<ClassFile, 'inputFingerprint' | 'mediaType'> {
  columns: Columns;
}

/**
 * The compression settings a file's fingerprint records: the whole policy,
 * since the tier a file gets depends on its exact size, known only once it
 * is written (and a function of its content, so equal inputs still mean
 * equal bytes).
 */
const COMPRESSION = JSON.stringify({ tiers: COMPRESSION_TIERS, escalation: BROTLI_ESCALATION });

function compressionOf(spec: Spec): string {
  return spec.madeFrom === 'gis' ? 'identity' : COMPRESSION;
}

/** What, besides the features' rows, decides a GIS file's bytes: its writer and its columns' types. */
function gisFingerprint(plan: ClassPlan, format: GisFormat): string {
  return `${GIS_FILES[format].writer} ${columnsFingerprint(gisColumns(plan))}`;
}

function mediaTypeOf(spec: Spec): string {
  if (spec.gis) return GIS_FILES[spec.gis].mediaType;
  if (spec.simplified) return MAP_MEDIA_TYPE[spec.simplified.format];
  return BUNDLE_SHAPES[spec.shape].mediaType;
}

function fingerprinted(spec: Spec, plan: ClassPlan, settings: BuildSettings): ClassFile {
  const digest = fingerprintHeader(settings).add(plan.dataClass, spec.kind, spec.name, compressionOf(spec));
  if (spec.simplified) digest.add(JSON.stringify(SIMPLIFICATION), JSON.stringify(spec.simplified));
  if (spec.gis) digest.add(gisFingerprint(plan, spec.gis));
  for (const feature of plan.features) if (spec.holds(feature)) digest.add(...spec.columns(feature));
  const { columns: _columns, ...file } = spec;
  return { ...file, mediaType: mediaTypeOf(spec), inputFingerprint: digest.value() };
}

export function classFiles(plan: ClassPlan, settings: BuildSettings): ClassFile[] {
  const every = () => true;
  const specs: Spec[] = [
    {
      kind: 'all',
      name: 'all.geojson',
      shape: 'feature-collection',
      holds: every,
      columns: WITH_FACTS,
      madeFrom: 'features',
    },
    {
      kind: 'polygons',
      name: 'polygons.geojson',
      shape: 'feature-collection',
      holds: every,
      columns: SHAPE_ONLY,
      madeFrom: 'features',
    },
    {
      kind: 'census',
      name: 'census.json',
      shape: 'keyed-object',
      holds: (f) => f.census !== null,
      columns: (f) => [f.id, f.census],
      madeFrom: 'facts',
    },
    {
      kind: 'wikipedia',
      name: 'wikipedia.json',
      shape: 'keyed-object',
      holds: (f) => f.wikipedia !== null,
      columns: (f) => [f.id, f.wikipedia],
      madeFrom: 'facts',
    },
    ...[...plan.stateGeometryBytes.keys()].map(
      (stateFips): Spec => ({
        kind: 'by_state',
        name: `by_state/${stateFips}.geojson`,
        shape: 'feature-collection',
        stateFips,
        holds: (f) => f.stateFips === stateFips,
        columns: WITH_FACTS,
        madeFrom: 'features',
      }),
    ),
    ...SIMPLIFIED_SCALES.flatMap((scale) =>
      SIMPLIFIED_FORMATS.map(
        (format): Spec => ({
          kind: 'simplified',
          name: simplifiedName(scale, format),
          shape: 'feature-collection',
          holds: every,
          columns: SHAPE_ONLY,
          madeFrom: 'maps',
          simplified: { scale, format },
        }),
      ),
    ),
    ...GIS_FORMATS.map(
      (format): Spec => ({
        kind: format,
        name: GIS_FILES[format].name,
        shape: 'feature-collection',
        holds: every,
        columns: WITH_FACTS,
        madeFrom: 'gis',
        gis: format,
      }),
    ),
  ];
  return specs.map((spec) => fingerprinted(spec, plan, settings));
}
