/**
 * Writes the maps of a class: mapshaper simplifies its polygons — the text
 * the build's pass just wrote, or the stored file an earlier release had —
 * in the build's scratch space, and the compression queue stores each
 * output as a bundle file (.gz and .br).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Bbox } from '../../../../core/release-format.ts';
import { emptyBbox, extendBbox, geometryBbox } from '../../../bbox.ts';
import { formatBytes } from '../../../format-bytes.ts';
import type { ArealGeometry } from '../../../geometry.ts';
import type { Progress } from '../../../progress.ts';
import type { ClassFile } from '../../plan/class-files.ts';
import type { WrittenFile } from '../bundles/bundle-file.ts';
import type { CompressionQueue } from '../bundles/compression-queue.ts';
import { sha256Hex } from '../../../sha256.ts';
import { simplifyClass } from './mapshaper.ts';

export interface WriteMapsOptions {
  dataClass: string;
  buildDir: string;
  /** The class's polygons as the pass wrote them (uncompressed), or null to read its stored polygons.geojson.gz. */
  polygonsText: string | null;
  /** Where mapshaper works (gone before the build is published). */
  scratchDir: string;
  queue: CompressionQueue;
  progress: Progress;
  signal?: AbortSignal;
}

export async function writeMaps(
  { dataClass, buildDir, polygonsText, scratchDir, queue, progress, signal }: WriteMapsOptions,
  files: readonly ClassFile[],
): Promise<WrittenFile[]> {
  const started = Date.now();
  const { outputs, sourceVertexCount } = await simplifyClass(
    polygonsText ?? path.join(buildDir, dataClass, 'polygons.geojson.gz'),
    scratchDir,
    { objectName: dataClass, signal },
  );
  fs.mkdirSync(path.join(buildDir, dataClass, 'simplified'), { recursive: true });
  // Feature count and box per scale, from its GeoJSON (the TopoJSON holds the same features).
  const extents = new Map<string, { featureCount: number; bbox: Bbox | null }>();
  for (const output of outputs.filter((o) => o.format === 'geojson')) {
    const collection = JSON.parse(fs.readFileSync(output.file, 'utf8')) as {
      features: Array<{ geometry: ArealGeometry | null }>;
    };
    const box = emptyBbox();
    for (const f of collection.features) if (f.geometry) extendBbox(box, geometryBbox(f.geometry));
    extents.set(output.scale.name, {
      featureCount: collection.features.length,
      bbox: box.empty ? null : box.value(),
    });
  }
  const written = await Promise.all(
    files.map(async (file): Promise<WrittenFile> => {
      const { scale, format } = file.simplified!;
      const output = outputs.find((o) => o.scale.name === scale.name && o.format === format)!;
      const text = fs.readFileSync(output.file);
      const compressed = await queue.compress(output.file, path.join(buildDir, dataClass, file.name), file.kind, {
        bytes: text.length,
        sha256: sha256Hex(text),
      });
      const extent = extents.get(scale.name)!;
      const result = { ...compressed, feature_count: extent.featureCount, bbox: extent.bbox };
      return { file, result, vertices: { kept: output.vertexCount, source: sourceVertexCount } };
    }),
  );
  for (const { file, result, vertices } of written) {
    progress.info(
      `  ${dataClass}/${file.name}: ${result.feature_count} features, ${vertices!.kept} of ${vertices!.source} vertices, ` +
        `${formatBytes(result.uncompressed_bytes)} → br ${formatBytes(result.files.find((f) => f.encoding === 'br')!.bytes)}`,
    );
  }
  progress.info(`  ${dataClass}: simplified in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return written;
}
