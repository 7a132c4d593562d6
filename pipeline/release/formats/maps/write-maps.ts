/**
 * Writes the maps of a class: mapshaper simplifies its polygons file (in
 * the build directory already, written or linked) in a scratch directory of
 * the build, gone before the build is published; each output is then
 * stored as a bundle file (.gz and .br).
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
import { CompressedPairWriter } from '../bundles/compressed-pair.ts';
import { simplifyClass } from './mapshaper.ts';

export interface WriteMapsOptions {
  dataClass: string;
  buildDir: string;
  progress: Progress;
  signal?: AbortSignal;
}

export async function writeMaps(
  { dataClass, buildDir, progress, signal }: WriteMapsOptions,
  files: readonly ClassFile[],
): Promise<WrittenFile[]> {
  const scratch = path.join(buildDir, `.simplify-${dataClass}`);
  const started = Date.now();
  try {
    const { outputs, sourceVertexCount } = await simplifyClass(
      path.join(buildDir, dataClass, 'polygons.geojson.gz'),
      scratch,
      { objectName: dataClass, signal },
    );
    fs.mkdirSync(path.join(buildDir, dataClass, 'simplified'), { recursive: true });
    const texts = new Map(outputs.map((o) => [o.file, fs.readFileSync(o.file, 'utf8')]));
    // Feature count and box per scale, from its GeoJSON (the TopoJSON holds the same features).
    const extents = new Map<string, { featureCount: number; bbox: Bbox | null }>();
    for (const output of outputs.filter((o) => o.format === 'geojson')) {
      const collection = JSON.parse(texts.get(output.file)!) as {
        features: Array<{ geometry: ArealGeometry | null }>;
      };
      const box = emptyBbox();
      for (const f of collection.features) if (f.geometry) extendBbox(box, geometryBbox(f.geometry));
      extents.set(output.scale.name, {
        featureCount: collection.features.length,
        bbox: box.empty ? null : box.value(),
      });
    }
    // All at once: one file's brotli at quality 10 would otherwise leave the other core idle.
    const written = await Promise.all(
      files.map(async (file): Promise<WrittenFile> => {
        const { scale, format } = file.simplified!;
        const output = outputs.find((o) => o.scale.name === scale.name && o.format === format)!;
        const text = texts.get(output.file)!;
        const writer = new CompressedPairWriter(
          path.join(buildDir, dataClass, file.name),
          file.kind,
          Buffer.byteLength(text),
        );
        await writer.write(text);
        const extent = extents.get(scale.name)!;
        const result = { ...(await writer.end()), feature_count: extent.featureCount, bbox: extent.bbox };
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
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
