/**
 * One raw HTTP request, for the serving tests and the benchmark's
 * pre-flights: unlike fetch, it sends the path exactly as given (no
 * normalisation) and returns the body as received (no decompression),
 * which is exactly what those check.
 */
import http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Name, value, name, value… as received: `headers` joins repeated fields into one. */
  rawHeaders: string[];
  body: Buffer;
}

/** One request with the path sent exactly as given (no normalisation, no decompression). */
export function request(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    path?: string;
    timeoutMs?: number;
    /** Source address to connect from, e.g. 127.0.0.2 to be another client on loopback. */
    localAddress?: string;
  } = {},
): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method: options.method ?? 'GET',
        path: options.path ?? `${u.pathname}${u.search}`,
        // No Accept-Encoding unless a test sets one: identity is the default here.
        headers: options.headers ?? {},
        localAddress: options.localAddress,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.timeoutMs)
      req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`${req.method} ${url} timed out`)));
    req.end();
  });
}
