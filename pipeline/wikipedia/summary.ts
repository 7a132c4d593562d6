/**
 * What geobundle keeps of one Wikipedia page: the fields of the REST
 * `page/summary` response (https://en.wikipedia.org/api/rest_v1/#/Page%20content/get_page_summary__title_)
 * that a release carries, plus the validators needed to refresh it cheaply.
 */
export interface PageFacts {
  /** The title we asked for (a redirect may resolve to another `title`). */
  requested_title: string;
  title: string;
  url: string;
  description: string | null;
  extract: string | null;
  revision: string | null;
  timestamp: string | null;
  etag: string | null;
  /** ISO time of the last successful fetch or 304 revalidation. */
  fetched_at: string;
}

/** The members of a summary response parseSummary reads, none of them trusted yet. */
interface RawSummary {
  type?: unknown;
  title?: unknown;
  titles?: { normalized?: unknown } | null;
  normalizedtitle?: unknown;
  content_urls?: { desktop?: { page?: unknown } | null } | null;
  description?: unknown;
  extract?: unknown;
  revision?: unknown;
  timestamp?: unknown;
}

/** A body that is not a usable summary: the page fails, nothing is stored. */
export class MalformedSummaryError extends Error {
  override name = 'MalformedSummaryError';
}

const optionalString = (value: unknown, field: string): string | null => {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new MalformedSummaryError(`field "${field}" is ${typeof value}, expected a string`);
};

/**
 * Parses a summary response body. Anything that is not a JSON object with a
 * title and a desktop page URL — an HTML error page, a truncated document, a
 * disambiguation page — is rejected, so a refresh never stores junk over good data.
 */
export function parseSummary(
  body: string,
  meta: { requestedTitle: string; etag: string | null; fetchedAt: string },
): PageFacts {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new MalformedSummaryError(`body is not valid JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new MalformedSummaryError('body is not a JSON object');
  }
  const s = json as RawSummary;
  if (typeof s.title !== 'string' || s.title === '') throw new MalformedSummaryError('field "title" is missing');
  // `title` is the underscored database key; people read the normalized form.
  const normalized = s.titles?.normalized ?? s.normalizedtitle;
  const title = typeof normalized === 'string' && normalized !== '' ? normalized : s.title.replace(/_/g, ' ');
  const url = s.content_urls?.desktop?.page;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw new MalformedSummaryError('field "content_urls.desktop.page" is missing or not a URL');
  }
  if (s.type === 'disambiguation') {
    throw new MalformedSummaryError(`"${title}" is a disambiguation page, not an article`);
  }
  return {
    requested_title: meta.requestedTitle,
    title,
    url,
    description: optionalString(s.description, 'description'),
    extract: optionalString(s.extract, 'extract'),
    revision: optionalString(s.revision, 'revision'),
    timestamp: optionalString(s.timestamp, 'timestamp'),
    etag: meta.etag,
    fetched_at: meta.fetchedAt,
  };
}
