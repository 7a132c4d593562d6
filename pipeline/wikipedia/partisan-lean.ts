/**
 * Partisan lean of a district from the 2020 presidential election: the
 * two-party margin, 100 × (Biden − Trump) / (Biden + Trump), in points.
 * Positive leans Democratic. Third-party votes are left out so a district's
 * figure does not shrink where they polled well. The label rounds to whole
 * points the way election handbooks print it: "D+12", "R+5", or "EVEN" when
 * the margin rounds to 0. (It is an absolute margin, not Cook's PVI, which
 * is relative to the national vote.)
 */
export interface PartisanLean {
  /** Two-party margin in points, one decimal; positive = Democratic. */
  lean: number;
  label: string;
}

/** The census-table columns holding the 2020 Biden and Trump vote shares. */
export const DEM_SHARE_COLUMN = 'G20PREDBID_pct';
export const REP_SHARE_COLUMN = 'G20PRERTRU_pct';

export const LEAN_ELECTION = `2020 presidential (${DEM_SHARE_COLUMN}, ${REP_SHARE_COLUMN})`;

export function partisanLean(demShare: number, repShare: number): PartisanLean | null {
  if (!Number.isFinite(demShare) || !Number.isFinite(repShare) || demShare < 0 || repShare < 0) return null;
  const total = demShare + repShare;
  if (total <= 0) return null;
  const margin = ((demShare - repShare) / total) * 100;
  const points = Math.round(Math.abs(margin));
  const label = points === 0 ? 'EVEN' : `${margin > 0 ? 'D' : 'R'}+${points}`;
  return { lean: Math.round(margin * 10) / 10 || 0, label };
}
