/**
 * Bench-only: the "before" geobundle replaces — an API that answers a bundle
 * request by querying DuckDB, turning the rows into GeoJSON and gzipping it,
 * on every request. It produces the same all.geojson text as build-release
 * (the same row reader and feature serialiser), compressed with zlib's
 * default level as a typical compression middleware would, so the
 * static/dynamic ratio compares serving strategies, not content.
 *
 * Never used outside bench/: GET /bundles/<class>/all.geojson only.
 */
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import pLimit from 'p-limit';
import { isDataClassName } from '../pipeline/data-class.ts';
import { openDatabase } from '../pipeline/db.ts';
import { closeServer, listen } from '../api/http-server.ts';
import { bundleText } from './bundle-text.ts';
import { planClass } from '../pipeline/release/plan/class-plan.ts';
import { readGeometries } from '../pipeline/release/plan/read-geometries.ts';
import { serializeFeature } from '../pipeline/release/formats/bundles/feature.ts';

const gzip = promisify(zlib.gzip);

export interface BeforeServer {
  url: string;
  stop(): Promise<void>;
}

export async function startBeforeServer({
  dbPath,
  port = 0,
  precision = 6,
}: {
  dbPath: string;
  port?: number;
  precision?: number;
}): Promise<BeforeServer> {
  const db = await openDatabase(dbPath, { readOnly: true });
  // One connection, one query at a time; JSON building is on the main thread
  // and gzip on libuv's pool either way.
  const query = pLimit(1);

  async function generate(dataClass: string, clientGone: () => boolean): Promise<Buffer | null> {
    const features = await query(async () => {
      // wrk closes its connections when a run ends; work queued for them would
      // otherwise run on into the next measurement.
      if (clientGone()) return null;
      const plan = await planClass(db.connection, dataClass);
      if (plan.features.length === 0) return null;
      const out: string[] = [];
      for await (const row of readGeometries(db.connection, plan))
        out.push(serializeFeature(dataClass, row, precision).full);
      return out;
    });
    if (features === null) return null;
    return Buffer.from(bundleText('feature-collection', features));
  }

  const server = http.createServer((req, res) => {
    const m = req.method === 'GET' ? req.url?.match(/^\/bundles\/([^/]+)\/all\.geojson$/) : null;
    if (!m || !isDataClassName(m[1]!)) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    generate(m[1]!, () => req.socket.destroyed)
      .then(async (body) => {
        if (req.socket.destroyed) return;
        if (body === null) {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"unknown class"}');
          return;
        }
        const gz = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
        const payload = gz ? await gzip(body) : body;
        res.writeHead(200, {
          'content-type': 'application/geo+json',
          'cache-control': 'no-cache',
          vary: 'Accept-Encoding',
          ...(gz ? { 'content-encoding': 'gzip' } : {}),
          'content-length': payload.length,
        });
        res.end(payload);
      })
      .catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err) }));
      });
  });
  // wrk's 256 connections must not hit the default backlog.
  const bound = await listen(server, { port, host: '127.0.0.1', backlog: 1024, name: 'the before-server' });
  return {
    url: `http://127.0.0.1:${bound}`,
    async stop() {
      await closeServer(server);
      db.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [dbPath, port] = process.argv.slice(2);
  if (!dbPath) {
    process.stderr.write('usage: npx tsx bench/before-server.ts <db.duckdb> [port]\n');
    process.exit(2);
  }
  const server = await startBeforeServer({ dbPath, port: Number(port ?? 0) });
  process.stdout.write(`before-server: ${server.url}/bundles/<class>/all.geojson\n`);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop).on('SIGTERM', stop);
}
