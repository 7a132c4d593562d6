/**
 * What every node:http server of geobundle (the API, the bench's "before"
 * server, the tests' stand-in Wikipedia) does the same way.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GeobundleError } from '../core/errors.ts';

/** A host as it appears in a URL or an nginx `listen`: IPv6 addresses in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export interface ListenOptions {
  /** 0 picks a free port. */
  port: number;
  host: string;
  backlog?: number;
  /** Who listens, for the error message ("the API cannot listen on …"). */
  name?: string;
}

/** Starts listening; resolves with the port bound, or rejects with one line naming the address. */
export function listen(
  server: http.Server,
  { port, host, backlog, name = 'the server' }: ListenOptions,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) =>
      reject(new GeobundleError(`${name} cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen({ port, host, backlog }, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Stops accepting connections, then ends the open ones (kept-alive or
 * mid-request). In this order: a connection accepted between the two calls
 * would otherwise keep the server open.
 */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
