/** JSON over HTTP for the client: one GET, every failure one line naming the URL (and the API's own reason). */
import { GeobundleError, errorMessage } from '../core/errors.ts';

/** GETs JSON, turning every failure into one line that names the URL. */
export async function fetchJson<T>(url: string, fetchFn: typeof fetch = fetch, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetchFn(url, { ...init, headers: { accept: 'application/json' } });
  } catch (err) {
    throw new GeobundleError(`cannot reach ${url}: ${errorMessage(err)}`, { cause: err });
  }
  const text = await response.text();
  if (!response.ok) {
    let reason = '';
    try {
      // The API's error body is {"error": {"status", "message"}}.
      const error = (JSON.parse(text) as { error?: { message?: unknown } | null }).error;
      reason = typeof error?.message === 'string' ? error.message : '';
    } catch {
      // not a JSON error body: the status says enough
    }
    throw new GeobundleError(
      `GET ${url} failed: ${response.status} ${response.statusText}${reason ? ` (${reason})` : ''}`,
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new GeobundleError(`GET ${url} returned invalid JSON: ${errorMessage(err)}`, { cause: err });
  }
}
