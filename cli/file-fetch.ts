/**
 * `fetch` for `file:` URLs: what lets the client library — the code a
 * browser runs — read a local releases directory for `geobundle lookup`,
 * through the very requests it makes of a server.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const fileFetch: typeof fetch = async (input) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (url.protocol !== 'file:') return fetch(input);
  try {
    return new Response(fs.readFileSync(fileURLToPath(url)));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return new Response(null, { status: code === 'ENOENT' ? 404 : 500, statusText: code ?? String(err) });
  }
};
