import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_API_PORT, startApi } from '../../api/server.ts';
import { DEFAULTS } from '../../nginx/render-config.ts';
import { DEFAULT_PORT, DEFAULT_SITE_ROOT, startServing } from '../serve.ts';
import { releasesOption, wholeNumber } from './options.ts';

function portNumber(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new InvalidArgumentError('expected a TCP port, 1–65535');
  return port;
}

/** `geobundle serve`: nginx + the API in the foreground until SIGINT/SIGTERM. */
export function register(program: Command): void {
  program
    .command('serve')
    .description(
      'serve the releases with real nginx (demo site at /, pre-compressed immutable bundles at /bundles/) and the ' +
        'read-only API (/api/v1/, /healthz), in the foreground; Ctrl-C stops both',
    )
    .addOption(releasesOption())
    .addOption(new Option('--port <port>', 'port nginx listens on').argParser(portNumber).default(DEFAULT_PORT))
    .addOption(new Option('--api-port <port>', 'port the API listens on (behind nginx)').argParser(portNumber).default(DEFAULT_API_PORT))
    .addOption(new Option('--host <address>', 'address both listen on').default('127.0.0.1'))
    .addOption(new Option('--site <dir>', 'demo site served at / (built by `make client`)').default(DEFAULT_SITE_ROOT, 'client/dist'))
    .addOption(new Option('--api-only', 'run only the API (production: behind the system nginx, see nginx/sites/)'))
    .addOption(
      new Option('--current-max-age <seconds>', 'how long caches may keep /bundles/current/… and the release list')
        .argParser(wholeNumber)
        .default(DEFAULTS.currentMaxAge),
    )
    .addHelpText(
      'after',
      '\nNeeds nginx (Debian: nginx-light, and libnginx-mod-http-brotli-static for .br): scripts/install-system-deps.sh serve.\n' +
        'Example: geobundle serve --releases releases --port 8080',
    )
    .action(async (opts: ServeCommandOptions) => {
      const stop = opts.apiOnly ? await apiOnly(opts) : await nginxAndApi(opts);
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          process.stderr.write(`\n${signal}: stopping\n`);
          resolve();
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
      await stop();
    });
}

interface ServeCommandOptions {
  releases: string;
  port: number;
  apiPort: number;
  host: string;
  site: string;
  currentMaxAge: number;
  apiOnly?: boolean;
}

async function apiOnly(opts: ServeCommandOptions): Promise<() => Promise<void>> {
  const api = await startApi({ releasesDir: opts.releases, port: opts.apiPort, host: opts.host, listMaxAge: opts.currentMaxAge });
  process.stdout.write(`geobundle API serving ${opts.releases} at ${api.url}/api/v1/releases (Ctrl-C stops it)\n`);
  return () => api.close();
}

async function nginxAndApi(opts: ServeCommandOptions): Promise<() => Promise<void>> {
  const serving = await startServing({
    releasesDir: opts.releases,
    port: opts.port,
    apiPort: opts.apiPort,
    host: opts.host,
    siteRoot: opts.site,
    currentMaxAge: opts.currentMaxAge,
  });
  const { urls } = serving;
  process.stdout.write(
    [
      `geobundle is serving ${opts.releases}:`,
      `  demo site   ${urls.site}${serving.siteRootExists ? '' : `   (${opts.site} does not exist yet: run make client)`}`,
      `  bundles     ${urls.bundles}<version>/<class>/all.geojson   (and ${urls.bundles}current/…)`,
      `  releases    ${urls.api}`,
      `  health      ${urls.healthz}`,
      `  API direct  ${urls.apiDirect}`,
      `nginx config and logs: ${serving.prefix}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  return () => serving.stop();
}
