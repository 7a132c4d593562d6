import { Option, InvalidArgumentError, type Command } from 'commander';
import { GeobundleError } from '../../core/errors.ts';
import { defaultCacheDir } from '../../pipeline/paths.ts';
import { DEFAULT_CLIENT_OPTIONS, defaultUserAgent } from '../../pipeline/wikipedia/client-options.ts';
import type { RefreshSummary } from '../../pipeline/wikipedia/refresh.ts';
import { progressOf, type CliIo } from '../io.ts';
import { dbOption, jsonOption, printJson, quietOption, wholeNumber } from '../options.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "1d", "12h", "30m", "90s", "250ms" or plain seconds, in milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match)
    throw new InvalidArgumentError('expected a duration such as 1d, 12h, 30m, 90s, 250ms or a number of seconds');
  return Number(match[1]) * UNITS[match[2] ?? 's']!;
}

const positive = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number of ${what}`);
  return n;
};
const seconds = (value: string) => positive('seconds')(value) * 1000;

interface Opts {
  class: string;
  db: string;
  cache: string;
  apiBase: string;
  maxAge: number;
  force?: boolean;
  only?: string;
  concurrency: number;
  rate: number;
  timeout: number;
  retries: number;
  backoff: number;
  maxRetryAfter: number;
  maxBytes: number;
  giveUpAfter: number;
  userAgent: string;
  quiet?: boolean;
  json?: boolean;
}

function describe(s: RefreshSummary, db: string): string {
  const p = s.pages;
  const lean = `partisan lean for ${s.partisan_lean.computed} districts${s.partisan_lean.note ? ` (${s.partisan_lean.note})` : ''}`;
  return (
    `refresh-wikipedia: ${s.districts} ${s.data_class} districts: ${p.fetched} pages fetched, ${p.not_modified} not modified, ` +
    `${p.failed} failed, ${p.skipped} skipped (fresh); ${s.requests} requests; ${lean}; ` +
    `${s.db_rows_written} rows written to ${db} in ${s.seconds} s`
  );
}

/** `geobundle refresh-wikipedia`: the scheduled job that keeps district and representative facts fresh in DuckDB. */
export function register(program: Command, io: CliIo): void {
  const d = DEFAULT_CLIENT_OPTIONS;
  program
    .command('refresh-wikipedia')
    .description(
      "fetch the Wikipedia summaries of each district's article and its representative's article into the file " +
        'cache and the DuckDB wikipedia table, and compute the partisan lean; only missing or stale pages are ' +
        'fetched, and a failed page keeps its last good data. Exits 1 when any page failed (docs/wikipedia-refresh.md).',
    )
    .addOption(new Option('--class <class>', 'data class to refresh').default('congressional_districts'))
    .addOption(dbOption(io))
    .addOption(
      new Option('--cache <dir>', 'file cache directory; <dir>/<class>/<id>.json (env GEOBUNDLE_CACHE)').default(
        defaultCacheDir(io.env),
      ),
    )
    .addOption(new Option('--api-base <url>', 'Wikipedia REST API base').default(d.apiBase))
    .addOption(
      new Option('--max-age <duration>', 'refresh pages fetched longer ago than this (1d, 12h, 30m, 90s)')
        .default(parseDuration('1d'), '1d')
        .argParser(parseDuration),
    )
    .addOption(
      new Option('--force', 'refresh every page whatever its age (still a conditional request when an ETag is cached)'),
    )
    .addOption(new Option('--only <ids>', 'refresh only these district ids, comma-separated (e.g. 0639,0200)'))
    .addOption(
      new Option('--concurrency <n>', 'requests in flight at once')
        .default(d.concurrency)
        .argParser(positive('requests')),
    )
    .addOption(
      new Option('--rate <n>', 'at most this many requests per second, retries included')
        .default(d.ratePerSecond)
        .argParser(positive('requests per second')),
    )
    .addOption(
      new Option('--timeout <seconds>', 'per-request timeout')
        .default(d.timeoutMs, String(d.timeoutMs / 1000))
        .argParser(seconds),
    )
    .addOption(
      new Option('--retries <n>', 'retries on network errors, timeouts, 429 and 5xx')
        .default(d.retries)
        .argParser(wholeNumber),
    )
    .addOption(
      new Option('--backoff <seconds>', 'first retry delay, doubled each retry, with jitter')
        .default(d.backoffMs, String(d.backoffMs / 1000))
        .argParser(seconds),
    )
    .addOption(
      new Option('--max-retry-after <seconds>', 'longest Retry-After honoured')
        .default(d.maxRetryAfterMs, String(d.maxRetryAfterMs / 1000))
        .argParser(seconds),
    )
    .addOption(
      new Option(
        '--give-up-after <n>',
        'after this many failed requests in a row (the API looks down), fail the remaining pages without requests (0: never)',
      )
        .default(d.giveUpAfter)
        .argParser(wholeNumber),
    )
    .addOption(
      new Option('--max-bytes <n>', 'largest response body accepted').default(d.maxBytes).argParser(wholeNumber),
    )
    .addOption(
      new Option(
        '--user-agent <ua>',
        'User-Agent sent to Wikipedia; by default names geobundle and the contact in env GEOBUNDLE_CONTACT',
      ).default(defaultUserAgent(io.env), 'geobundle/<version> (<GEOBUNDLE_CONTACT>) …'),
    )
    .addOption(quietOption())
    .addOption(jsonOption())
    .action(async (opts: Opts) => {
      const { refreshWikipedia } = await import('../../pipeline/wikipedia/refresh.ts');
      const progress = progressOf(io, opts.quiet);
      const summary = await refreshWikipedia({
        dbPath: opts.db,
        cacheDir: opts.cache,
        dataClass: opts.class,
        maxAgeMs: opts.maxAge,
        force: Boolean(opts.force),
        only: opts.only
          ?.split(',')
          .map((id) => id.trim())
          .filter(Boolean),
        client: {
          apiBase: opts.apiBase,
          userAgent: opts.userAgent,
          concurrency: opts.concurrency,
          ratePerSecond: opts.rate,
          timeoutMs: opts.timeout,
          retries: opts.retries,
          backoffMs: opts.backoff,
          maxRetryAfterMs: opts.maxRetryAfter,
          maxBytes: opts.maxBytes,
          giveUpAfter: opts.giveUpAfter,
        },
        progress,
      });
      if (opts.json) printJson(io, summary);
      progress.info(describe(summary, opts.db));
      if (summary.pages.failed > 0) {
        const listed = summary.failures
          .slice(0, 5)
          .map((f) => `${f.id} ${f.page} (${f.error})`)
          .join('; ');
        const more = summary.failures.length > 5 ? `; and ${summary.failures.length - 5} more` : '';
        throw new GeobundleError(`${summary.pages.failed} page(s) failed, their last good data kept: ${listed}${more}`);
      }
    });
}
