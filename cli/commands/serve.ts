/**
 * `geobundle serve`: nginx + the API in the foreground until SIGINT/SIGTERM.
 * The flags are parsed into serve/'s ServeOptions, which own the defaults.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { isAddressOrCidr } from '../../nginx/render-config.ts';
import { SERVE_DEFAULTS, type ServeOptions } from '../../serve/options.ts';
import { onInterrupt, type CliIo } from '../io.ts';
import { releasesOption, wholeNumber } from '../options.ts';

function portNumber(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new InvalidArgumentError('expected a TCP port, 1–65535');
  return port;
}

/** Collects repeated --trusted-proxy values, each an address or CIDR range. */
function trustedProxy(value: string, previous: string[]): string[] {
  if (!isAddressOrCidr(value)) throw new InvalidArgumentError('expected an IP address or CIDR range, e.g. 10.0.0.0/8');
  return [...previous, value];
}

/** What commander hands the action, typed from ServeOptions so the two cannot disagree. */
type ServeFlags = Required<Pick<ServeOptions, 'port' | 'apiPort' | 'host' | 'currentMaxAge' | 'apiRate'>> & {
  releases: ServeOptions['releasesDir'];
  site: NonNullable<ServeOptions['siteRoot']>;
  trustedProxy: NonNullable<ServeOptions['trustedProxies']>;
  apiOnly?: boolean;
};

/** The flags as ServeOptions, one by one: three are named for the command line, the rest as they are. */
function serveOptions(flags: ServeFlags): ServeOptions {
  return {
    releasesDir: flags.releases,
    siteRoot: flags.site,
    trustedProxies: flags.trustedProxy,
    port: flags.port,
    apiPort: flags.apiPort,
    host: flags.host,
    currentMaxAge: flags.currentMaxAge,
    apiRate: flags.apiRate,
  };
}

export function register(program: Command, io: CliIo): void {
  const d = SERVE_DEFAULTS;
  program
    .command('serve')
    .description(
      'serve the releases with real nginx (demo site at /, pre-compressed immutable bundles at /bundles/) and the ' +
        'read-only API (/api/v1/, /healthz), in the foreground; Ctrl-C stops both',
    )
    .addOption(releasesOption(io))
    .addOption(new Option('--port <port>', 'port nginx listens on').argParser(portNumber).default(d.port))
    .addOption(
      new Option('--api-port <port>', 'port the API listens on (behind nginx)')
        .argParser(portNumber)
        .default(d.apiPort),
    )
    .addOption(new Option('--host <address>', 'address both listen on').default(d.host))
    .addOption(
      new Option('--site <dir>', 'demo site served at / (built by `make client`)').default(d.siteRoot, 'dist/site'),
    )
    .addOption(new Option('--api-only', 'run only the API (production: behind the system nginx, see nginx/sites/)'))
    .addOption(
      new Option('--current-max-age <seconds>', 'how long caches may keep /bundles/current/… and the release list')
        .argParser(wholeNumber)
        .default(d.currentMaxAge),
    )
    .addOption(
      new Option(
        '--api-rate <n>',
        'API requests per second nginx lets each client address send (429 beyond a burst of 100); 0 turns the limit off',
      )
        .argParser(wholeNumber)
        .default(d.apiRate),
    )
    .addOption(
      new Option(
        '--trusted-proxy <cidr>',
        'address or CIDR range of a CDN edge or cache in front of nginx (e.g. Varnish, deploy/varnish/): the API ' +
          'rate limit then keys on the client in its X-Forwarded-For; repeatable',
      )
        .argParser(trustedProxy)
        .default([], 'none'),
    )
    .addHelpText(
      'after',
      '\nNeeds nginx (Debian: nginx-light, and libnginx-mod-http-brotli-static for .br): scripts/install-system-deps.sh serve.\n' +
        'Example: geobundle serve --releases releases --port 8080',
    )
    .action(async (flags: ServeFlags) => {
      let stopRequested = () => {};
      const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
      const stopListening = onInterrupt(io, (signal) => {
        io.stderr.write(`\n${signal}: stopping\n`);
        stopRequested();
      });
      try {
        await serveUntil(stopped, serveOptions(flags), flags.apiOnly === true, io);
      } finally {
        stopListening();
      }
    });
}

/** Starts nginx + the API (or the API alone), prints where, and stops them once `stopped` resolves. */
async function serveUntil(stopped: Promise<void>, options: ServeOptions, apiOnly: boolean, io: CliIo): Promise<void> {
  const { startApiOnly, startServing } = await import('../../serve/serve.ts');
  if (apiOnly) {
    const api = await startApiOnly(options);
    io.stdout.write(`geobundle API serving ${options.releasesDir} at ${api.url}/api/v1/releases (Ctrl-C stops it)\n`);
    await stopped;
    await api.close();
    return;
  }
  const serving = await startServing(options);
  const { urls } = serving;
  io.stdout.write(
    [
      `geobundle is serving ${options.releasesDir}:`,
      `  demo site   ${urls.site}${serving.siteRootExists ? '' : `   (${options.siteRoot} does not exist yet: run make client)`}`,
      `  bundles     ${urls.bundles}<version>/<class>/all.geojson   (and ${urls.bundles}current/…)`,
      `  releases    ${urls.api}`,
      `  health      ${urls.healthz}`,
      `  API direct  ${urls.apiDirect}`,
      `nginx config and logs: ${serving.prefix}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await stopped;
  await serving.stop();
}
