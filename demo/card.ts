/**
 * The card of a place: its district in every class of the release, the
 * class on the map first, each with the facts it has — a class without
 * census or Wikipedia facts shows none, not rows of dashes.
 */
import type { CensusFacts, FoundDistrict, LookupAnswer, WikipediaFacts } from '../client/geobundle-client.ts';
import { MISSING, formatCount, formatIncome, formatRepresentative, formatText, safeHttpUrl } from './format.ts';

/** `h('dd', {}, 'text')`: builds DOM from data without ever parsing it as HTML. */
export function h(tag: string, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

function link(text: string, href: string | undefined): Node | string {
  return href ? h('a', { href, target: '_blank', rel: 'noopener' }, text) : text;
}

export const classLabel = (dataClass: string) => dataClass.replaceAll('_', ' ');

/** The facts of a district that it has, as label and value; none for a class that carries none. */
function factRows(d: FoundDistrict): Array<[string, Node | string]> {
  const census: CensusFacts = d.census ?? {};
  const wiki: WikipediaFacts = d.wikipedia ?? {};
  const rows: Array<[string, Node | string]> = [
    [
      'Representative',
      link(formatRepresentative(wiki.representative, wiki.party), safeHttpUrl(wiki.representative_url)),
    ],
    ['Population (2020)', formatCount(census.TOTPOP20)],
    ['Median household income', formatIncome(census.Median_HH_Income_Est)],
    ['Partisan lean', formatText(wiki.partisan_lean_label)],
    [
      'Wikipedia',
      link(formatText(wiki.article_title ?? (wiki.article_url ? d.name : null)), safeHttpUrl(wiki.article_url)),
    ],
  ];
  return rows.filter(([, v]) => (typeof v === 'string' ? v : v.textContent) !== MISSING);
}

function section(dataClass: string, d: FoundDistrict | null): HTMLElement {
  const el = h('section', { class: 'district', 'data-class': dataClass }, h('h3', {}, classLabel(dataClass)));
  if (!d) {
    el.append(h('p', { class: 'none' }, 'none here'));
    return el;
  }
  el.dataset.districtId = d.id;
  el.append(h('p', { class: 'name' }, d.name, h('span', { class: 'id' }, ` · ${d.id}`)));
  const rows = factRows(d);
  if (rows.length > 0) el.append(h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
  if (formatText(d.wikipedia?.extract) !== MISSING)
    el.append(h('p', { class: 'extract' }, String(d.wikipedia!.extract)));
  return el;
}

/** Fills the card with the place's districts; `dataClass` (the class on the map) comes first and names the card. */
export function renderCard(card: HTMLElement, dataClass: string, answer: LookupAnswer): void {
  card.replaceChildren();
  card.hidden = false;
  const selected = answer.districts[dataClass] ?? null;
  const where = `${answer.lat.toFixed(4)}, ${answer.lon.toFixed(4)}`;
  if (selected) card.dataset.districtId = selected.id;
  else delete card.dataset.districtId;
  card.append(
    h('h2', {}, selected ? selected.name : 'No district here'),
    h(
      'p',
      { class: 'id' },
      selected
        ? `${classLabel(dataClass)} · ${selected.id}`
        : `No ${classLabel(dataClass)} district contains ${where}.`,
    ),
    ...[dataClass, ...Object.keys(answer.districts).filter((c) => c !== dataClass)].map((c) =>
      section(c, answer.districts[c] ?? null),
    ),
    h('p', { class: 'source' }, sourceLine(answer.files)),
  );
}

/** Where the answer came from: how many of the lookup's files crossed the network. */
function sourceLine(files: LookupAnswer['files']): string {
  const downloaded = files.filter((f) => f.from === 'network').length;
  const read = `${files.length} file${files.length === 1 ? '' : 's'} of the lookup index`;
  if (files.length === 0) return 'Found without reading a file: this page had the place’s cell already.';
  return downloaded === 0
    ? `Found from ${read}, all already in this browser (no download).`
    : `Found from ${read}, ${downloaded} downloaded, sha256 verified.`;
}
