import type { Command } from 'commander';
import { progressOf, type CliIo } from '../io.ts';
import { dbOption, jsonOption, quietOption } from '../options.ts';

/**
 * What `--json` prints: the ingest's own summary plus the process's peak memory
 * and CPU time (which, unlike wall time, a busy machine hardly changes), for benchmarks.
 */
function printSummary(io: CliIo, summary: object): void {
  const usage = process.resourceUsage();
  const cpuSeconds = Math.round((usage.userCPUTime + usage.systemCPUTime) / 1e4) / 100;
  io.stdout.write(
    `${JSON.stringify({ ...summary, cpu_seconds: cpuSeconds, peak_rss_mb: Math.round(usage.maxRSS / 1024) })}\n`,
  );
}

/** `geobundle ingest <source>`: each source is a subcommand that loads one kind of input into DuckDB. */
export function register(program: Command, io: CliIo): void {
  const ingest = program
    .command('ingest')
    .description('load source data into the DuckDB database (each run is one transaction: all or nothing)');

  ingest
    .command('us-atlas')
    .description('US states and counties from the bundled us-atlas package (Census 2017, 1:10M): the embedded default')
    .addOption(dbOption(io))
    .addOption(quietOption())
    .action(async (opts: { db: string; quiet?: boolean }) => {
      const { withDatabase } = await import('../../pipeline/db.ts');
      const { ingestUsAtlas } = await import('../../pipeline/ingest/us-atlas.ts');
      const progress = progressOf(io, opts.quiet);
      const summaries = await withDatabase(opts.db, { progress }, (db) => ingestUsAtlas(db.connection));
      for (const s of summaries) progress.info(`ingested ${s.features} ${s.dataClass} features into ${opts.db}`);
    });

  ingest
    .command('geojson')
    .description(
      'replace every polygon of one data class with the features of a GeoJSON file or directory tree.\n' +
        'A file may be a FeatureCollection, a Feature or a bare geometry; a directory is walked for *.geojson\n' +
        '(the unitedstates/districts layout, one district per file). Ids, state FIPS and names follow the\n' +
        'class spec in manifests/classes/<class>.json: from properties (GEOID, Code, ocdid, ...), else from\n' +
        'the path (cds/2012/IA-3/shape.geojson is 1903, states/MA/sldu/Cape-and-Islands.geojson is\n' +
        'ocd-division/country:us/state:ma/sldu:cape_and_islands).',
    )
    .argument('<file-or-dir>', 'GeoJSON file, or directory of *.geojson files')
    .requiredOption('--class <class>', 'data class to replace (a spec in manifests/classes/)')
    .option(
      '--vintage <vintage>',
      'edition of the shapes, stored per polygon (default: from properties such as CDSESSN, else a year directory in the path)',
    )
    .addOption(dbOption(io))
    .addOption(quietOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ geobundle ingest geojson ../shared/data/cd119/congressional_districts_cb2024_20m.geojson --class congressional_districts\n' +
        '  $ geobundle ingest geojson /tmp/districts/cds/2016 --class congressional_districts\n' +
        '  $ geobundle ingest geojson /tmp/districts/states --class state_legislative_upper   # picks states/*/sldu/*\n',
    )
    .action(
      async (input: string, opts: { class: string; vintage?: string; db: string; quiet?: boolean; json?: boolean }) => {
        const { withDatabase } = await import('../../pipeline/db.ts');
        const { ingestGeojson } = await import('../../pipeline/ingest/geojson.ts');
        const progress = progressOf(io, opts.quiet);
        const summary = await withDatabase(opts.db, { progress }, (db) =>
          ingestGeojson(db.connection, { input, dataClass: opts.class, vintage: opts.vintage, progress }),
        );
        progress.info(
          `ingested ${summary.features} ${summary.dataClass} features from ${summary.files} files into ${opts.db} in ${summary.seconds.toFixed(1)} s`,
        );
        if (opts.json) printSummary(io, summary);
      },
    );

  ingest
    .command('census')
    .description(
      'replace the census table of one data class (census_<class>) with the rows of a CSV file.\n' +
        'DuckDB reads the CSV and types its columns (numbers stay numbers; names are kept as written).\n' +
        "Each row's id comes from its key column (the class spec's census_key.column, e.g. CONG119):\n" +
        'AL-01 is 0101, AK-AT-LARGE is 0200. A key that names no known district (or no polygon of the\n' +
        'class, once polygons are ingested) or appears twice is an error, and nothing changes.',
    )
    .argument('<csv>', 'CSV file with a header row')
    .requiredOption('--class <class>', 'data class the rows describe (a spec in manifests/classes/)')
    .option('--key <column>', "column holding each row's district key (default: the class spec's census_key.column)")
    .addOption(dbOption(io))
    .addOption(quietOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      '\nExample:\n' +
        '  $ geobundle ingest census ../shared/data/cd119/rdh_cong119_district_data.csv --class congressional_districts\n',
    )
    .action(async (csv: string, opts: { class: string; key?: string; db: string; quiet?: boolean; json?: boolean }) => {
      const { withDatabase } = await import('../../pipeline/db.ts');
      const { ingestCensus } = await import('../../pipeline/ingest/census.ts');
      const progress = progressOf(io, opts.quiet);
      const summary = await withDatabase(opts.db, { progress }, (db) =>
        ingestCensus(db.connection, { csv, dataClass: opts.class, keyColumn: opts.key }),
      );
      progress.info(`ingested ${summary.rows} rows of ${summary.columns} columns into ${summary.table} of ${opts.db}`);
      if (opts.json) printSummary(io, summary);
    });

  ingest
    .command('legislators')
    .description(
      'set the representative, party and representative_title (their Wikipedia article) of every\n' +
        'congressional district in the wikipedia table, from a unitedstates/congress-legislators YAML file.\n' +
        'A current House member is an entry whose last term is "type: rep"; that term\'s state and district\n' +
        'give the GEOID (district 0 is at-large 00; DC and the territories are 98). Only these three columns\n' +
        'are written (article facts from refresh-wikipedia are kept); districts without a member get NULLs.',
    )
    .argument('<yaml>', 'legislators-current.yaml')
    .addOption(dbOption(io))
    .addOption(quietOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      '\nExample:\n  $ geobundle ingest legislators ../shared/data/legislators/legislators-current.yaml\n',
    )
    .action(async (file: string, opts: { db: string; quiet?: boolean; json?: boolean }) => {
      const { withDatabase } = await import('../../pipeline/db.ts');
      const { ingestLegislators } = await import('../../pipeline/ingest/legislators.ts');
      const progress = progressOf(io, opts.quiet);
      const summary = await withDatabase(opts.db, { progress }, (db) => ingestLegislators(db.connection, file));
      progress.info(
        `set the representatives of ${summary.representatives} ${summary.dataClass} in ${opts.db}` +
          (summary.cleared ? ` (${summary.cleared} districts without a member now have none)` : ''),
      );
      if (opts.json) printSummary(io, summary);
    });
}
