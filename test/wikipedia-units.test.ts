import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseDuration } from '../cli/commands/refresh-wikipedia.ts';
import { cacheFile, readCacheEntry, writeCacheEntry, type CacheEntry } from '../pipeline/wikipedia/cache.ts';
import { partisanLean } from '../pipeline/wikipedia/partisan-lean.ts';
import { createRateLimiter } from '../pipeline/wikipedia/rate-limiter.ts';
import { backoffDelay, isRetryableStatus, parseRetryAfter, retryDelay } from '../pipeline/wikipedia/retry-policy.ts';
import { parseSummary } from '../pipeline/wikipedia/summary.ts';
import { ordinal } from '../pipeline/identity.ts';
import { districtArticleTitle, summaryUrl } from '../pipeline/wikipedia/titles.ts';
import { tempDir } from '../testkit/temp.ts';

describe('district article titles', () => {
  it.each([
    ['0639', "California's 39th congressional district"],
    ['0200', "Alaska's at-large congressional district"],
    ['1903', "Iowa's 3rd congressional district"],
    ['4801', "Texas's 1st congressional district"],
    ['3612', "New York's 12th congressional district"],
    ['1722', "Illinois's 22nd congressional district"],
    ['2511', "Massachusetts's 11th congressional district"],
    ['0613', "California's 13th congressional district"],
    ['1198', "District of Columbia's at-large congressional district"],
    ['7298', "Puerto Rico's at-large congressional district"],
    ['7898', "United States Virgin Islands' at-large congressional district"],
    ['6998', "Northern Mariana Islands's at-large congressional district"],
  ])('%s → %s', (geoid, title) => {
    expect(districtArticleTitle(geoid)).toBe(title);
  });

  it('rejects ids that are not congressional GEOIDs', () => {
    expect(() => districtArticleTitle('ocd-division/country:us/state:ma')).toThrow(/not a 4-digit GEOID/);
    expect(() => districtArticleTitle('9901')).toThrow(/unknown state FIPS "99"/);
  });

  it('spells ordinals', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 52, 101, 111].map(ordinal)).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '23rd',
      '52nd',
      '101st',
      '111th',
    ]);
  });

  it('builds summary URLs with underscores, percent-encoded as one path segment', () => {
    expect(summaryUrl('https://en.wikipedia.org/api/rest_v1/', "California's 39th congressional district")).toBe(
      "https://en.wikipedia.org/api/rest_v1/page/summary/California's_39th_congressional_district",
    );
    expect(summaryUrl('http://x/api', 'Pablo Hernández Rivera')).toBe(
      'http://x/api/page/summary/Pablo_Hern%C3%A1ndez_Rivera',
    );
    expect(summaryUrl('http://x/api', 'AC/DC? (band)')).toBe('http://x/api/page/summary/AC%2FDC%3F_(band)');
  });
});

describe('parseSummary', () => {
  const meta = { requestedTitle: 'Mark Takano', etag: 'W/"1/abc"', fetchedAt: '2026-01-01T00:00:00.000Z' };
  const fixture = fs.readFileSync(new URL('./fixtures/wikipedia/summaries/Mark_Takano.json', import.meta.url), 'utf8');

  it('keeps the fields a release carries', () => {
    expect(parseSummary(fixture, meta)).toEqual({
      requested_title: 'Mark Takano',
      title: 'Mark Takano',
      url: 'https://en.wikipedia.org/wiki/Mark_Takano',
      description: 'American politician (born 1960)',
      extract: expect.stringMatching(/^Mark Allan Takano is/),
      revision: '1269000111',
      timestamp: '2025-02-10T11:11:11Z',
      etag: 'W/"1/abc"',
      fetched_at: '2026-01-01T00:00:00.000Z',
    });
  });

  it('falls back to the underscored title without a normalized one, and tolerates absent optional fields', () => {
    const bare = { title: 'Some_Page', content_urls: { desktop: { page: 'https://en.wikipedia.org/wiki/Some_Page' } } };
    expect(parseSummary(JSON.stringify(bare), meta)).toMatchObject({
      title: 'Some Page',
      description: null,
      extract: null,
      revision: null,
    });
  });

  it.each([
    ['truncated JSON', fixture.slice(0, 200), /not valid JSON/],
    ['an HTML error page', '<html><body>Bad gateway</body></html>', /not valid JSON/],
    ['a JSON array', '[]', /not a JSON object/],
    ['no title', JSON.stringify({ content_urls: { desktop: { page: 'https://x' } } }), /"title" is missing/],
    ['no page URL', JSON.stringify({ title: 'X' }), /content_urls\.desktop\.page/],
    ['a non-string extract', JSON.stringify({ ...JSON.parse(fixture), extract: { html: 1 } }), /"extract" is object/],
    [
      'a disambiguation page',
      JSON.stringify({ ...JSON.parse(fixture), type: 'disambiguation' }),
      /disambiguation page/,
    ],
  ])('rejects %s', (_what, body, message) => {
    expect(() => parseSummary(body, meta)).toThrow(message);
  });
});

describe('retry policy', () => {
  it('retries 408, 429 and 5xx only', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 403, 404, 410].some(isRetryableStatus)).toBe(false);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7_000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffDelay(1, 1000, 30_000, () => 0)).toBe(500);
    expect(backoffDelay(1, 1000, 30_000, () => 1)).toBe(1000);
    expect(backoffDelay(3, 1000, 30_000, () => 0.5)).toBe(3000);
    expect(backoffDelay(10, 1000, 30_000, () => 1)).toBe(30_000);
  });

  it('prefers the server’s Retry-After, up to the cap', () => {
    const policy = { backoffMs: 1000, maxBackoffMs: 30_000, maxRetryAfterMs: 60_000 };
    expect(retryDelay(1, 5_000, policy)).toBe(5_000);
    expect(retryDelay(1, 3_600_000, policy)).toBe(60_000);
    expect(retryDelay(2, null, policy, () => 1)).toBe(2_000);
  });
});

describe('rate limiter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('spaces request starts evenly and pauses everyone on demand', async () => {
    vi.useFakeTimers({ now: 0 });
    const limiter = createRateLimiter(5);
    const starts: number[] = [];
    const all = Promise.all([0, 1, 2, 3].map(() => limiter.acquire().then(() => starts.push(Date.now()))));
    await vi.runAllTimersAsync();
    await all;
    expect(starts).toEqual([0, 200, 400, 600]);

    limiter.pauseUntil(5_000);
    const later = limiter.acquire().then(() => starts.push(Date.now()));
    await vi.runAllTimersAsync();
    await later;
    expect(starts.at(-1)).toBe(5_000);
  });
});

describe('partisan lean (2020 presidential two-party margin)', () => {
  it.each([
    [0.6, 0.38, 22.4, 'D+22'],
    [0.43, 0.53, -10.4, 'R+10'],
    [0.4361, 0.5387, -10.5, 'R+11'],
    [0.49, 0.49, 0, 'EVEN'],
    [0.502, 0.498, 0.4, 'EVEN'],
    [0.495, 0.505, -1, 'R+1'],
  ])('D %s, R %s → %s (%s)', (dem, rep, lean, label) => {
    expect(partisanLean(dem, rep)).toEqual({ lean, label });
  });

  it('has no value without votes', () => {
    expect(partisanLean(0, 0)).toBeNull();
    expect(partisanLean(Number.NaN, 0.5)).toBeNull();
    expect(partisanLean(-0.1, 0.5)).toBeNull();
  });
});

describe('durations', () => {
  it.each([
    ['1d', 86_400_000],
    ['12h', 43_200_000],
    ['30m', 1_800_000],
    ['90s', 90_000],
    ['250ms', 250],
    ['3600', 3_600_000],
  ])('%s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('rejects nonsense', () => {
    expect(() => parseDuration('soon')).toThrow(/expected a duration/);
  });
});

describe('file cache', () => {
  const dir = tempDir('wikipedia-cache');
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const entry: CacheEntry = { data_class: 'congressional_districts', id: '0639', article: null, representative: null };

  it('writes atomically, replacing the previous entry, and reads back; no temporary file remains', () => {
    const older = {
      requested_title: 'x',
      title: 'x',
      url: 'https://en.wikipedia.org/wiki/X',
      description: null,
      extract: 'old',
      revision: null,
      timestamp: null,
      etag: null,
      fetched_at: '2026-01-01T00:00:00Z',
    };
    writeCacheEntry(dir, { ...entry, article: older });
    writeCacheEntry(dir, entry);
    expect(fs.readdirSync(path.join(dir, 'congressional_districts'))).toEqual(['0639.json']);
    expect(readCacheEntry(dir, 'congressional_districts', '0639', () => {})).toEqual(entry);
    expect(readCacheEntry(dir, 'congressional_districts', '0200', () => {})).toBeNull();
  });

  it('reports an unreadable file, keeps it, and treats the entry as missing', () => {
    const file = cacheFile(dir, 'congressional_districts', '0639');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"data_class": "congr');
    const warnings: string[] = [];
    expect(readCacheEntry(dir, 'congressional_districts', '0639', (m) => warnings.push(m))).toBeNull();
    expect(warnings[0]).toMatch(/ignoring unreadable cache file .*0639\.json/);
    expect(fs.existsSync(file)).toBe(true);
  });
});
