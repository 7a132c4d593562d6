/**
 * How the demo's district card shows a value. Every class has different
 * facts (us-atlas counties have no census or Wikipedia data at all), so each
 * formatter takes whatever the bundle holds and returns "—" when it is missing.
 */
export const MISSING = '—';

type Value = string | number | null | undefined;

const present = (v: Value): v is string | number => v !== null && v !== undefined && String(v).trim() !== '';

export function formatCount(v: Value): string {
  if (!present(v)) return MISSING;
  const n = Number(v);
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(v);
}

/** `1536` → `1.5 KB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

const money = (token: string): string => `$${token.replace(/K$/, '')}K`;

/**
 * Median household income: a number is shown as dollars; the Redistricting
 * Data Hub gives a bracket label (`60K_75K`, `100_125K`, `LESS_10K`,
 * `200K_MOR`), shown as a range.
 */
export function formatIncome(v: Value): string {
  if (!present(v)) return MISSING;
  if (typeof v === 'number' || /^\d+(\.\d+)?$/.test(v)) {
    return `$${Math.round(Number(v)).toLocaleString('en-US')}`;
  }
  let m = /^LESS_(\d+K?)$/i.exec(v);
  if (m) return `under ${money(m[1]!)}`;
  m = /^(\d+K?)_MOR/i.exec(v);
  if (m) return `${money(m[1]!)} or more`;
  m = /^(\d+)K?_(\d+)K$/i.exec(v);
  if (m) return `${money(m[1]!)}–${money(m[2]!)}`;
  return v;
}

export function formatText(v: Value): string {
  return present(v) ? String(v) : MISSING;
}

/** "Jane Doe (Democrat)", "Jane Doe", or "—". */
export function formatRepresentative(name: Value, party: Value): string {
  if (!present(name)) return MISSING;
  return present(party) ? `${name} (${party})` : String(name);
}

/** Only http(s) links from the data are rendered as links. */
export function safeHttpUrl(v: Value): string | undefined {
  if (!present(v)) return undefined;
  try {
    const url = new URL(String(v));
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const LAND: [number, number, number] = [233, 237, 243];
const DEMOCRATIC: [number, number, number] = [47, 109, 181];
const REPUBLICAN: [number, number, number] = [200, 66, 59];
/** Margin (points) at which a district gets the full party colour. */
export const LEAN_SATURATION = 40;

/**
 * Map fill for a partisan lean (two-party margin in points, positive =
 * Democratic): neutral land colour at EVEN, shading to blue or red; undefined
 * when the district has no lean, so the map falls back to the plain fill.
 */
export function leanColor(lean: Value): string | undefined {
  if (!present(lean) || !Number.isFinite(Number(lean))) return undefined;
  const n = Number(lean);
  const t = Math.min(Math.abs(n) / LEAN_SATURATION, 1) * 0.85;
  const to = n >= 0 ? DEMOCRATIC : REPUBLICAN;
  const [r, g, b] = LAND.map((c, i) => Math.round(c + (to[i]! - c) * t));
  return `rgb(${r}, ${g}, ${b})`;
}
