/**
 * The 119th-Congress sources in ../shared/data (env GEOBUNDLE_SHARED_DATA),
 * used by the end-to-end tests and benchmarks: where they are, which are
 * missing, and the `geobundle ingest` commands that load them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sharedDataDir } from '../pipeline/paths.ts';

/** The three files: shapes, census and legislators. */
export interface Cd119Sources {
  shapes: string;
  census: string;
  legislators: string;
}

export const CD119_CLASS = 'congressional_districts';

export function cd119Sources(shared: string = sharedDataDir()): Cd119Sources {
  return {
    shapes: path.join(shared, 'cd119', 'congressional_districts_cb2024_20m.geojson'),
    census: path.join(shared, 'cd119', 'rdh_cong119_district_data.csv'),
    legislators: path.join(shared, 'legislators', 'legislators-current.yaml'),
  };
}

/** The files of `sources` that are not there, for a visible skip reason. */
export function missingSources(sources: Cd119Sources): string[] {
  return Object.values(sources).filter((f) => !fs.existsSync(f));
}

/** `geobundle` arguments (without --db) that load the three sources, in order. */
export function cd119IngestArgs(sources: Cd119Sources): string[][] {
  return [
    ['ingest', 'geojson', sources.shapes, '--class', CD119_CLASS],
    ['ingest', 'census', sources.census, '--class', CD119_CLASS],
    ['ingest', 'legislators', sources.legislators],
  ];
}
