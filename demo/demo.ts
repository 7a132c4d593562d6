import { openRelease, polygonsOf, type Bundle, type District, type Release } from '../client/geobundle-client.ts';
import {
  LEAN_SATURATION,
  MISSING,
  formatBytes,
  formatCount,
  formatIncome,
  formatRepresentative,
  formatText,
  leanColor,
  safeHttpUrl,
} from './format.ts';
import { fitUsProjection, unwrapLongitude, type Frame, type MapProjection } from './projection.ts';

/**
 * The demo page: pick a data class, see its districts, click the map or type
 * a latitude/longitude, read the district's card. Everything comes from the
 * release the server calls current, through the client library.
 */

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  classSelect: $<HTMLSelectElement>('class-select'),
  release: $('release'),
  canvas: $<HTMLCanvasElement>('map'),
  form: $<HTMLFormElement>('lookup'),
  findButton: document.querySelector<HTMLButtonElement>('#lookup button[type=submit]')!,
  lat: $<HTMLInputElement>('lat'),
  lon: $<HTMLInputElement>('lon'),
  status: $('status'),
  error: $('error'),
  card: $('card'),
  info: $('bundle-info'),
  legend: $('legend'),
};

let release: Release | undefined;
let bundle: Bundle | undefined;
let map: { projection: MapProjection; paths: Map<District, Path2D> } | undefined;
let selected: { district?: District; point: [number, number] } | undefined;
/** Guards against a slow class load finishing after the user picked another class. */
let loadToken = 0;

function setState(state: 'loading' | 'ready' | 'error', status: string): void {
  document.body.dataset.state = state;
  ui.status.textContent = status;
  if (state !== 'error') ui.error.hidden = true;
}

function showError(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  document.body.dataset.state = 'error';
  ui.status.textContent = '';
  ui.error.textContent = message;
  ui.error.hidden = false;
}

/** `h('dd', {}, 'text')`: builds DOM from data without ever parsing it as HTML. */
function h(tag: string, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

function link(text: string, href: string | undefined): Node | string {
  return href ? h('a', { href, target: '_blank', rel: 'noopener' }, text) : text;
}

function renderCard(district: District | undefined, lon: number, lat: number): void {
  ui.card.replaceChildren();
  ui.card.hidden = false;
  if (!district) {
    delete ui.card.dataset.districtId;
    ui.card.append(
      h('h2', {}, 'No district here'),
      h('p', { class: 'id' }, `No ${bundle?.dataClass ?? ''} district contains ${lat.toFixed(4)}, ${lon.toFixed(4)}.`),
    );
    return;
  }
  const p = district.properties;
  const census = p.census ?? {};
  const wiki = p.wikipedia ?? {};
  ui.card.dataset.districtId = p.id;
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
  ui.card.append(
    h('h2', {}, p.name),
    h('p', { class: 'id' }, `${bundle?.dataClass.replaceAll('_', ' ')} · ${p.id}`),
    h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
  );
  if (formatText(wiki.extract) !== MISSING) ui.card.append(h('p', { class: 'extract' }, String(wiki.extract)));
}

function featureBoxes(districts: readonly District[]): Map<string | null, Frame['bbox']> {
  const boxes = new Map<string | null, Frame['bbox']>();
  for (const d of districts) {
    const polys = polygonsOf(d.geometry);
    const key = d.properties.state_fips ?? null;
    const b = boxes.get(key) ?? [Infinity, Infinity, -Infinity, -Infinity];
    for (const poly of polys) {
      for (const [lon, lat] of poly[0] ?? []) {
        const x = unwrapLongitude(lon!);
        b[0] = Math.min(b[0], x);
        b[1] = Math.min(b[1], lat!);
        b[2] = Math.max(b[2], x);
        b[3] = Math.max(b[3], lat!);
      }
    }
    boxes.set(key, b);
  }
  return boxes;
}

/** Lays the map out for the canvas's current size (crisp on high-DPI screens). */
function layout(): void {
  if (!bundle) return;
  const width = ui.canvas.clientWidth;
  const height = Math.round(width / 1.8);
  const dpr = window.devicePixelRatio || 1;
  ui.canvas.style.height = `${height}px`;
  ui.canvas.width = Math.round(width * dpr);
  ui.canvas.height = Math.round(height * dpr);
  const projection = fitUsProjection(featureBoxes(bundle.districts.features), width, height);
  const paths = new Map<District, Path2D>();
  for (const d of bundle.districts.features) {
    const path = new Path2D();
    const polys = polygonsOf(d.geometry);
    for (const poly of polys) {
      for (const ring of poly) {
        ring.forEach((pos, i) => {
          const [x, y] = projection.project(pos, d.properties.state_fips);
          if (i === 0) path.moveTo(x, y);
          else path.lineTo(x, y);
        });
        path.closePath();
      }
    }
    paths.set(d, path);
  }
  map = { projection, paths };
  const leans = bundle.districts.features.some((d) => leanColor(d.properties.wikipedia?.partisan_lean) !== undefined);
  ui.legend.hidden = !leans;
  ui.legend.querySelector('.range')!.textContent = `R+${LEAN_SATURATION} · EVEN · D+${LEAN_SATURATION}`;
  draw();
}

function draw(): void {
  const ctx = ui.canvas.getContext('2d');
  if (!ctx || !map) return;
  const dpr = window.devicePixelRatio || 1;
  const css = getComputedStyle(document.documentElement);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, ui.canvas.width, ui.canvas.height);
  ctx.strokeStyle = css.getPropertyValue('--line');
  ctx.lineWidth = 1;
  for (const frame of map.projection.frames.slice(1))
    ctx.strokeRect(frame.rect.x, frame.rect.y, frame.rect.width, frame.rect.height);
  const land = css.getPropertyValue('--land');
  ctx.strokeStyle = '#9aa5b8';
  ctx.lineWidth = 0.5;
  for (const [district, path] of map.paths) {
    ctx.fillStyle = leanColor(district.properties.wikipedia?.partisan_lean) ?? land;
    ctx.fill(path, 'evenodd');
    ctx.stroke(path);
  }
  const chosen = selected?.district && map.paths.get(selected.district);
  if (chosen) {
    ctx.fillStyle = css.getPropertyValue('--accent-soft');
    ctx.strokeStyle = css.getPropertyValue('--accent');
    ctx.lineWidth = 2;
    ctx.fill(chosen, 'evenodd');
    ctx.stroke(chosen);
  }
  if (selected) {
    const [x, y] = map.projection.project(selected.point, selected.district?.properties.state_fips ?? null);
    ctx.fillStyle = css.getPropertyValue('--accent');
    ctx.beginPath();
    ctx.arc(x, y, 4, 0, 2 * Math.PI);
    ctx.fill();
  }
}

function lookup(lon: number, lat: number): void {
  if (!bundle) return;
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    showError(`"${ui.lat.value}, ${ui.lon.value}" is not a latitude (−90…90) and longitude (−180…180) in degrees`);
    return;
  }
  ui.error.hidden = true;
  if (document.body.dataset.state === 'error') document.body.dataset.state = 'ready';
  const district = bundle.findDistrict(lon, lat);
  selected = { district, point: [lon, lat] };
  renderCard(district, lon, lat);
  draw();
}

/** Loads a class and redraws; a failure is shown unless the user has moved on to another class. */
async function showClass(dataClass: string): Promise<void> {
  if (!release) return;
  const token = ++loadToken;
  // Nothing of the previous class stays on screen: a lookup must never answer from it.
  bundle = undefined;
  map = undefined;
  selected = undefined;
  ui.card.hidden = true;
  ui.findButton.disabled = true;
  delete ui.info.dataset.source;
  ui.info.textContent = '';
  ui.canvas.getContext('2d')?.clearRect(0, 0, ui.canvas.width, ui.canvas.height);
  try {
    const files = (['polygons', 'census', 'wikipedia'] as const).map((kind) => release!.file(dataClass, kind));
    const total = formatBytes(files.reduce((n, f) => n + f.bytes, 0));
    setState('loading', `Loading ${dataClass} (${total})…`);
    const loaded = await release.loadBundle(dataClass, {
      onProgress: ({ loaded: n }) => {
        if (token === loadToken) ui.status.textContent = `Downloading ${dataClass}: ${formatBytes(n)} of ${total}…`;
      },
    });
    if (token !== loadToken) return;
    bundle = loaded;
    layout();
    const n = loaded.districts.features.length.toLocaleString('en-US');
    setState('ready', `${dataClass.replaceAll('_', ' ')}: ${n} districts ready.`);
    ui.info.dataset.source = loaded.source;
    const cached = loaded.sources.filter((s) => s === 'cache').length;
    ui.info.textContent =
      `${loaded.files.map((f) => f.path.slice(dataClass.length + 1)).join(' + ')} · ${total} · sha256 verified · ` +
      (loaded.source === 'cache'
        ? 'read from this browser’s cache (no download)'
        : `${cached ? `${cached} of ${loaded.files.length} from this browser’s cache, the rest ` : ''}` +
          (loaded.stored ? 'downloaded and kept for next time' : 'downloaded (this browser did not keep it)'));
    ui.findButton.disabled = false;
    if (ui.lat.value && ui.lon.value) lookup(Number(ui.lon.value), Number(ui.lat.value));
  } catch (err) {
    if (token === loadToken) showError(err);
  }
}

async function start(): Promise<void> {
  setState('loading', 'Opening the current release…');
  release = await openRelease({ baseUrl: location.origin });
  ui.release.textContent = `release ${release.version} · built ${release.manifest.built_at.slice(0, 10)}`;
  const classes = release.classes();
  if (classes.length === 0) throw new Error(`release ${release.version} has no data classes`);
  ui.classSelect.replaceChildren(...classes.map((c) => h('option', { value: c }, c.replaceAll('_', ' '))));
  const wanted = new URLSearchParams(location.search).get('class');
  ui.classSelect.value = [wanted, 'congressional_districts'].find((c) => c && classes.includes(c)) ?? classes[0]!;
  ui.classSelect.disabled = false;
  await showClass(ui.classSelect.value);
}

ui.classSelect.addEventListener('change', () => void showClass(ui.classSelect.value));
ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  lookup(Number(ui.lon.value.trim()), Number(ui.lat.value.trim()));
});
ui.canvas.addEventListener('click', (event) => {
  const rect = ui.canvas.getBoundingClientRect();
  const at = map?.projection.invert(event.clientX - rect.left, event.clientY - rect.top);
  if (!at) return;
  ui.lon.value = at[0].toFixed(4);
  ui.lat.value = at[1].toFixed(4);
  lookup(at[0], at[1]);
});
new ResizeObserver(() => layout()).observe(ui.canvas);

start().catch(showError);
