/**
 * The benchmarks' build workloads, which the real-data tests unpack too:
 * the embedded default (us-atlas, from node_modules) and three from
 * ../shared/data (env GEOBUNDLE_SHARED_DATA); what to unpack and which
 * `geobundle ingest` commands load each into a fresh DuckDB.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { projectRoot, sharedDataDir } from '../pipeline/paths.ts';
import { CD119_CLASS, cd119Sources } from './shared-data.ts';

export interface IngestStep {
  label: string;
  /** Arguments after `geobundle` (without --db). */
  args: string[];
  /** The source files or directory the step reads, for "bytes in". */
  input: string;
}

export interface Dataset {
  name: string;
  title: string;
  /** Archives under unitedstates-districts/ to unpack first. */
  archives: string[];
  /** The ingest steps, given the shared data dir and the dir the archives were unpacked into. */
  ingest(shared: string, unpacked: string): IngestStep[];
}

const geojson = (input: string, dataClass: string): IngestStep => ({
  label: `ingest geojson ${dataClass}`,
  args: ['ingest', 'geojson', input, '--class', dataClass],
  input,
});

export const DATASETS: readonly Dataset[] = [
  {
    // What `make demo` builds: a first user's build, with no shared data at all.
    name: 'us-atlas',
    title: 'The embedded default: us-atlas states and counties (Census 2017, 1:10M; 3,287 features)',
    archives: [],
    ingest: () => [
      {
        label: 'ingest us-atlas',
        args: ['ingest', 'us-atlas'],
        // The states are read from states-10m.json, whose outlines counties-10m.json holds too.
        input: path.join(projectRoot, 'node_modules', 'us-atlas', 'counties-10m.json'),
      },
    ],
  },
  {
    name: 'cd119',
    title: '119th Congress (437 districts, Census cartographic 1:20M) + census + legislators',
    archives: [],
    ingest: (shared) => {
      const { shapes, census, legislators } = cd119Sources(shared);
      return [
        geojson(shapes, CD119_CLASS),
        {
          label: `ingest census ${CD119_CLASS}`,
          args: ['ingest', 'census', census, '--class', CD119_CLASS],
          input: census,
        },
        { label: 'ingest legislators', args: ['ingest', 'legislators', legislators], input: legislators },
      ];
    },
  },
  {
    name: 'cds-2016',
    title: 'Congressional districts 2016, high resolution (435 one-district files, unitedstates/districts)',
    archives: ['cds-2016.tar.xz'],
    ingest: (_shared, unpacked) => [geojson(path.join(unpacked, 'cds', '2016'), 'congressional_districts')],
  },
  {
    name: 'state-legislative',
    title: 'State legislative districts, upper + lower (6,779 one-district files, 676 MB)',
    archives: ['states-sldu.tar.xz', 'states-sldl.tar.xz'],
    ingest: (_shared, unpacked) => [
      geojson(path.join(unpacked, 'sldu'), 'state_legislative_upper'),
      geojson(path.join(unpacked, 'sldl'), 'state_legislative_lower'),
    ],
  },
];

/**
 * Unpacks a dataset's archives into `dir` (never inside ../shared). The two
 * state-legislative archives share the states/<ST>/ layout, so each goes to
 * its own subdirectory named for its chamber; `states` (postal codes)
 * unpacks only those states of them.
 */
export async function unpack(
  dataset: Dataset,
  shared: string,
  dir: string,
  { states }: { states?: readonly string[] } = {},
): Promise<void> {
  for (const archive of dataset.archives) {
    const chamber = archive.match(/^states-(sld[ul])\./)?.[1];
    const target = chamber ? path.join(dir, chamber) : dir;
    fs.mkdirSync(target, { recursive: true });
    const only = chamber && states ? ['--wildcards', ...states.map((st) => `states/${st}/*`)] : [];
    await execa('tar', ['-xJf', path.join(shared, 'unitedstates-districts', archive), '-C', target, ...only]);
  }
}

/** The shared data dir, or a clear error naming what is missing. */
export function requireSharedData(datasets: readonly Dataset[]): string {
  const shared = sharedDataDir();
  const needed = [
    ...datasets.flatMap((d) => d.archives.map((a) => path.join(shared, 'unitedstates-districts', a))),
    ...(datasets.some((d) => d.name === 'cd119') ? [path.join(shared, 'cd119'), path.join(shared, 'legislators')] : []),
  ];
  const missing = needed.filter((p) => !fs.existsSync(p));
  if (missing.length > 0) {
    throw new Error(`benchmark data missing (set GEOBUNDLE_SHARED_DATA to ../shared/data): ${missing.join(', ')}`);
  }
  return shared;
}
