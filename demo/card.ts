import type { CensusFacts, District, WikipediaFacts } from '../client/geobundle-client.ts';
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

export interface CardFacts {
  census: CensusFacts | null | undefined;
  wikipedia: WikipediaFacts | null | undefined;
}

/** Fills the card with a district and its facts, or says that no district holds the point. */
export function renderCard(
  card: HTMLElement,
  dataClass: string,
  found: { district: District; facts: CardFacts } | undefined,
  [lon, lat]: [number, number],
): void {
  card.replaceChildren();
  card.hidden = false;
  const classLabel = dataClass.replaceAll('_', ' ');
  if (!found) {
    delete card.dataset.districtId;
    card.append(
      h('h2', {}, 'No district here'),
      h('p', { class: 'id' }, `No ${classLabel} district contains ${lat.toFixed(4)}, ${lon.toFixed(4)}.`),
    );
    return;
  }
  const p = found.district.properties;
  const census = found.facts.census ?? {};
  const wiki = found.facts.wikipedia ?? {};
  card.dataset.districtId = p.id;
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
      link(formatText(wiki.article_title ?? (wiki.article_url ? p.name : null)), safeHttpUrl(wiki.article_url)),
    ],
  ];
  card.append(
    h('h2', {}, p.name),
    h('p', { class: 'id' }, `${classLabel} · ${p.id}`),
    h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
  );
  if (formatText(wiki.extract) !== MISSING) card.append(h('p', { class: 'extract' }, String(wiki.extract)));
}
