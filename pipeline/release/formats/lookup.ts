/**
 * The lookup index of a release and its facts files (lookup/ writes them;
 * core/lookup-format.ts is the format): how big a cell may be, how the
 * pages are cut, how each file is stored. These settings are part of the
 * index's input fingerprint, so changing one writes the index anew.
 */

/**
 * A cell splits until its gzip file fits this many bytes. Chosen by
 * measurement on the whole shared data set (docs/release-format.md, "Lookup
 * index"): smaller cells mean more of them, and longer pages above them.
 */
export const CELL_BUDGET_BYTES = 6000;

/** A cell that still does not fit this deep (about 14 m at 6 decimals) is kept as it is: nothing real is that dense. */
export const MAX_CELL_DEPTH = 22;

/**
 * The depth at which the build starts clipping: the tree above it is
 * split whatever it holds, and each square at this depth (8.4° at 6
 * decimals) is built on its own, so memory holds one square's districts at
 * a time rather than all of them.
 */
export const TOP_DEPTH = 6;

/**
 * Entries of the root page (carried by the current-release answer, so kept
 * small) and of the pages below it; the pages under those list every cell
 * below them, so no lookup needs more than the root, two pages and a cell.
 */
export const ROOT_ENTRIES = 32;
export const PAGE_ENTRIES = 64;

/** Every lookup and facts file is JSON stored as gzip at this level: small files gain nothing from brotli's window, and every browser and Node decode gzip natively. */
export const LOOKUP_GZIP_LEVEL = 9;

/** Where the root of the index and of the facts sit in a version directory (hard links to their content paths). */
export const LOOKUP_INDEX_FILE = 'lookup/index.json.gz';
export const LOOKUP_FACTS_FILE = 'lookup/facts.json.gz';

/** Bumped when the bytes written for the same input change; part of the input fingerprints. */
export const LOOKUP_WRITER = `geobundle-lookup 1, cells of at most ${CELL_BUDGET_BYTES} bytes, depth ${TOP_DEPTH}–${MAX_CELL_DEPTH}, pages of ${ROOT_ENTRIES}/${PAGE_ENTRIES}, gzip ${LOOKUP_GZIP_LEVEL}`;
export const FACTS_WRITER = `geobundle-facts 1, gzip ${LOOKUP_GZIP_LEVEL}`;
