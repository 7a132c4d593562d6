/**
 * What every node:http server of geobundle (the API, the bench's "before"
 * server, the tests' stand-in Wikipedia) does the same way.
 */

/** A host as it appears in a URL or an nginx `listen`: IPv6 addresses in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
