/**
 * The pages of the lookup index, over its cells: the root page lists at
 * most ROOT_ENTRIES squares, each a cell or a page of at most PAGE_ENTRIES
 * squares, each a cell or a page listing every cell below it — so a lookup
 * reads the root (carried by the current-release answer), at most two
 * pages and its cell. Each page's squares are chosen by opening, again and
 * again, the square holding the most cells whose children still fit, so the
 * pages below it come out about even.
 */
import {
  type LookupEntry,
  type LookupPage,
  type LookupRoot,
  LOOKUP_FORMAT,
  type QuadKey,
} from '../../../../core/lookup-format.ts';
import { PAGE_ENTRIES, ROOT_ENTRIES } from '../lookup.ts';

interface Node {
  key: QuadKey;
  /** The cell's sha256, for a cell. */
  cell?: string;
  children: Node[];
  cells: number;
}

/** The quadtree of the cells (given in key order). */
function tree(cells: ReadonlyArray<{ key: QuadKey; sha256: string }>): Node {
  const root: Node = { key: '', children: [], cells: 0 };
  for (const { key, sha256 } of cells) {
    let node = root;
    node.cells += 1;
    for (let depth = 1; depth <= key.length; depth++) {
      const prefix = key.slice(0, depth);
      let child = node.children.find((c) => c.key === prefix);
      if (!child) {
        child = { key: prefix, children: [], cells: 0 };
        node.children.push(child);
      }
      child.cells += 1;
      node = child;
    }
    node.cell = sha256;
  }
  return root;
}

/** The squares a page of at most `limit` entries lists under `node`. */
function frontier(node: Node, limit: number): Node[] {
  let squares = [node];
  for (;;) {
    const open = squares
      .filter((s) => s.cell === undefined)
      .sort((a, b) => b.cells - a.cells)
      .find((s) => squares.length - 1 + s.children.length <= limit);
    if (!open) return squares;
    squares = squares.flatMap((s) => (s === open ? s.children : [s]));
  }
}

export interface BuiltPages {
  root: Omit<LookupRoot, 'precision' | 'square' | 'classes'>;
  /** Every page below the root, each stored by the caller before the page above it names it. */
  pages: number;
}

/**
 * Builds the pages over `cells` (in key order, each already stored),
 * storing each page below the root with `store` (which returns its sha256).
 */
export function buildPages(
  cells: ReadonlyArray<{ key: QuadKey; sha256: string }>,
  store: (page: LookupPage) => string,
): BuiltPages {
  let pages = 0;
  const entriesOf = (node: Node, level: number): LookupEntry[] => {
    const limit = level === 0 ? ROOT_ENTRIES : level === 1 ? PAGE_ENTRIES : Number.POSITIVE_INFINITY;
    const squares = level >= 2 ? leaves(node) : frontier(node, limit);
    return squares
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .map((s): LookupEntry => {
        if (s.cell !== undefined) return [s.key, 'cell', s.cell];
        pages += 1;
        return [s.key, 'page', store({ format: LOOKUP_FORMAT, key: s.key, entries: entriesOf(s, level + 1) })];
      });
  };
  const root = tree(cells);
  return { root: { format: LOOKUP_FORMAT, key: '', entries: entriesOf(root, 0) }, pages };
}

function leaves(node: Node): Node[] {
  return node.cell !== undefined ? [node] : node.children.flatMap(leaves);
}
