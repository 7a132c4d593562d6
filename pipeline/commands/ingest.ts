import type { Command } from 'commander';
import { withDatabase } from '../db.ts';
import { ingestUsAtlas } from '../ingest/us-atlas.ts';
import { dbOption, quietOption } from './options.ts';
import { stderrProgress } from '../progress.ts';

/** `geobundle ingest <source>`: each source is a subcommand that loads one kind of input into DuckDB. */
export function register(program: Command): void {
  const ingest = program
    .command('ingest')
    .description('load source data into the DuckDB database (each run is one transaction: all or nothing)');

  ingest
    .command('us-atlas')
    .description('US states and counties from the bundled us-atlas package (Census 2017, 1:10M): the embedded default')
    .addOption(dbOption())
    .addOption(quietOption())
    .action(async (opts: { db: string; quiet?: boolean }) => {
      const progress = stderrProgress(Boolean(opts.quiet));
      const summaries = await withDatabase(opts.db, {}, (db) => ingestUsAtlas(db.connection));
      for (const s of summaries) progress.info(`ingested ${s.features} ${s.dataClass} features into ${opts.db}`);
    });
}
