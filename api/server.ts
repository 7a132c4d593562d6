/**
 * The thin, read-only geobundle API (node:http): which releases exist, which
 * is current, each release's manifest and what changed in it, and redirects to the static bundles
 * nginx serves. Every answer comes from memory (see release-index.ts), with a
 * strong ETag and 304s; errors are JSON and never carry a stack trace.
 * api/openapi.json describes every answer (served at /api/v1/openapi.json).
 */
import http from 'node:http';
import { closeServer, listen, urlHost } from './http-server.ts';
import { bundledOpenApi } from './openapi.ts';
import { IMMUTABLE, ReleaseIndex } from './release-index.ts';
import { acceptsGzip, ifNoneMatchHits, jsonRepresentation, type Representation } from './representation.ts';
import { route, type Route } from './routes.ts';

export interface ApiOptions {
  releasesDir: string;
  /** 0 picks a free port (see `port` of the result). */
  port: number;
  host: string;
  /** Cache-Control max-age of the release list and current release, in seconds. */
  listMaxAge: number;
  /** Base URL the bundle redirects point at (default `/bundles`, same origin). */
  bundlesBaseUrl?: string;
  /** Where unexpected errors are logged (never sent to clients). */
  log?: (message: string) => void;
}

export interface RunningApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

const COMMON_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'ETag',
  'X-Content-Type-Options': 'nosniff',
};

function send(req: http.IncomingMessage, res: http.ServerResponse, status: number, body: Representation): void {
  const gzip = body.gzip !== null && acceptsGzip(req.headers['accept-encoding']);
  const etag = gzip ? body.gzipEtag! : body.etag;
  const headers: http.OutgoingHttpHeaders = {
    ...COMMON_HEADERS,
    'Content-Type': 'application/json',
    'Cache-Control': body.cacheControl,
    ETag: etag,
  };
  if (body.gzip !== null) headers.Vary = 'Accept-Encoding';
  if (status === 200 && ifNoneMatchHits(req.headers['if-none-match'], etag)) {
    res.writeHead(304, headers).end();
    return;
  }
  const bytes = gzip ? body.gzip! : body.identity;
  if (gzip) headers['Content-Encoding'] = 'gzip';
  headers['Content-Length'] = bytes.length;
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

function sendError(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  message: string,
  extra: http.OutgoingHttpHeaders = {},
): void {
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) res.setHeader(name, value);
  send(req, res, status, jsonRepresentation({ error: { status, message } }, 'no-store'));
}

interface Answers {
  index: ReleaseIndex;
  bundlesBaseUrl: string;
  description: Representation;
}

function handle(
  { index, bundlesBaseUrl, description }: Answers,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  const target: Route = route(req.url ?? '');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendError(req, res, 405, `method ${req.method} not allowed: this API is read-only (GET, HEAD)`, {
      Allow: 'GET, HEAD',
    });
    return;
  }
  switch (target.kind) {
    case 'error':
      sendError(req, res, target.status, target.message);
      return;
    case 'healthz': {
      const snapshot = index.get();
      const body = {
        status: snapshot.problems.length === 0 ? 'ok' : 'degraded',
        releases: snapshot.releases.size,
        current: snapshot.current?.version ?? null,
        problems: snapshot.problems,
      };
      send(req, res, 200, jsonRepresentation(body, 'no-store'));
      return;
    }
    case 'openapi':
      send(req, res, 200, description);
      return;
    case 'releases':
      send(req, res, 200, index.get().list);
      return;
    case 'current': {
      const body = index.get().currentBody;
      if (body) send(req, res, 200, body);
      else sendError(req, res, 404, 'no current release: run "geobundle set-current <version>"');
      return;
    }
    case 'manifest': {
      const cached = index.manifest(target.version);
      if (cached) send(req, res, 200, cached.body);
      else sendError(req, res, 404, `release ${target.version} not found`);
      return;
    }
    case 'changes': {
      const body = index.changes(target.version);
      if (body) send(req, res, 200, body);
      else sendError(req, res, 404, `release ${target.version} not found`);
      return;
    }
    case 'bundle': {
      const cached = index.manifest(target.version);
      if (!cached) {
        sendError(req, res, 404, `release ${target.version} not found`);
        return;
      }
      const file = `${target.dataClass}/all.geojson.gz`;
      const listed = cached.manifest.classes[target.dataClass]?.files.some((f) => f.path === file);
      if (!listed) {
        const known = Object.keys(cached.manifest.classes).join(', ');
        sendError(
          req,
          res,
          404,
          `release ${target.version} has no data class ${JSON.stringify(target.dataClass)} (it has: ${known})`,
        );
        return;
      }
      // The mapping of a published version to its file never changes.
      res.writeHead(301, {
        ...COMMON_HEADERS,
        Location: `${bundlesBaseUrl}/${target.version}/${file}`,
        'Cache-Control': IMMUTABLE,
        'Content-Length': 0,
      });
      res.end();
      return;
    }
  }
}

export function createApiServer(options: ApiOptions): { server: http.Server; index: ReleaseIndex } {
  const bundlesBaseUrl = (options.bundlesBaseUrl ?? '/bundles').replace(/\/+$/, '');
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  // Read before the index starts watching, so a missing file fails the start and leaves nothing open.
  // no-cache: it changes only when geobundle is upgraded, so keeping it and revalidating (a 304) is enough.
  const description = jsonRepresentation(bundledOpenApi(), 'no-cache');
  const index = new ReleaseIndex({ releasesDir: options.releasesDir, listMaxAge: options.listMaxAge, bundlesBaseUrl });
  const server = http.createServer((req, res) => {
    try {
      handle({ index, bundlesBaseUrl, description }, req, res);
    } catch (err) {
      log(`geobundle api: ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
      if (!res.headersSent) sendError(req, res, 500, 'internal error');
      else res.destroy();
    }
  });
  // Longer than nginx's upstream keepalive_timeout (60 s), so nginx never
  // sends a request on a connection this server is closing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 10_000;
  server.on('close', () => index.close());
  return { server, index };
}

/** Starts the API; port 0 picks a free port (see `port` of the result). */
export async function startApi(options: ApiOptions): Promise<RunningApi> {
  const { server } = createApiServer(options);
  const { host } = options;
  const port = await listen(server, { port: options.port, host, name: 'the API' });
  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    close: () => closeServer(server),
  };
}
