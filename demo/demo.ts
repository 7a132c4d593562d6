/**
 * The demo page: pick a data class and see all its districts on a national
 * map drawn from the class's 1:20,000,000 simplified file; click the map or
 * type a latitude/longitude, and the release's lookup index answers with the
 * place's district in every class at once, with their facts, from a few
 * kilobytes, while the map zooms to the state at 1:5,000,000. Everything
 * comes from the release the server calls current, through the client
 * library.
 */
import {
  openLookup,
  openRelease,
  smallerFormat,
  summarise,
  type ClassMap,
  type District,
  type DistrictLookup,
  type Facts,
  type Release,
} from '../client/geobundle-client.ts';
import { stateByFips } from '../core/states.ts';
import { classLabel, h, renderCard } from './card.ts';
import { LEAN_SATURATION, formatBytes, leanColor } from './format.ts';
import { draw, forD3, nationView, stateView, type Layer, type View } from './map-view.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  classSelect: $<HTMLSelectElement>('class-select'),
  release: $('release'),
  canvas: $<HTMLCanvasElement>('map'),
  viewTitle: $('view-title'),
  zoomOut: $<HTMLButtonElement>('zoom-out'),
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

/** A class on screen: its maps (shapes rewound for d3) and facts, and where the user looked. */
interface Shown {
  dataClass: string;
  nation: ClassMap;
  nationShapes: District[];
  facts: Facts;
  ready: string;
  /** The 1:5,000,000 map, loaded on the first zoom to a state. */
  detail?: District[];
  /** The state zoomed to (FIPS), if any. */
  state?: string;
  selected?: { point: [number, number]; district?: District };
}

let release: Release | undefined;
/** The release's lookup index, or why it could not be opened (a release built without one). */
let index: DistrictLookup | Error | undefined;
let shown: Shown | undefined;
let view: View | undefined;
/** Guard against a slow load finishing after the user moved on (another class, another point). */
let classToken = 0;
let lookupToken = 0;

const stateName = (fips: string) => stateByFips(fips)?.name ?? `state ${fips}`;

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

function fillOf(facts: Facts, land: string) {
  return (d: District) => leanColor(facts.wikipedia[d.properties.id]?.partisan_lean) ?? land;
}

/** Lays the map out for the canvas's current size (crisp on high-DPI screens) and draws it. */
function layout(): void {
  const ctx = ui.canvas.getContext('2d');
  if (!ctx) return;
  const width = ui.canvas.clientWidth;
  const height = Math.round(width / 1.6);
  const dpr = window.devicePixelRatio || 1;
  ui.canvas.style.height = `${height}px`;
  ui.canvas.width = Math.round(width * dpr);
  ui.canvas.height = Math.round(height * dpr);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  if (!shown) {
    view = undefined;
    return;
  }
  const css = getComputedStyle(document.documentElement);
  const inState =
    shown.state === undefined ? undefined : shown.detail?.filter((d) => d.properties.state_fips === shown!.state);
  const base = inState?.length ? inState : shown.nationShapes;
  view = inState?.length ? stateView(base, width, height) : nationView(base, width, height);
  ui.viewTitle.textContent = inState?.length
    ? `${stateName(shown.state!)} · 1:5,000,000`
    : 'United States · 1:20,000,000';
  ui.zoomOut.hidden = !inState?.length;
  const layers: Layer[] = [
    {
      districts: base,
      fill: fillOf(shown.facts, css.getPropertyValue('--land')),
      stroke: '#9aa5b8',
      lineWidth: inState ? 0.8 : 0.3,
    },
  ];
  if (shown.selected?.district) {
    const accent = css.getPropertyValue('--accent');
    layers.push({
      districts: [shown.selected.district],
      fill: () => css.getPropertyValue('--accent-soft'),
      stroke: accent,
      lineWidth: 2,
    });
  }
  draw(ctx, view, layers, {
    frame: css.getPropertyValue('--line'),
    point: shown.selected?.point,
    dot: css.getPropertyValue('--accent'),
  });
}

async function zoomTo(current: Shown, fips: string, token: number): Promise<boolean> {
  if (!current.detail) {
    const file = release!.file(current.dataClass, 'simplified', {
      scale: '5m',
      format: smallerFormat(release!, current.dataClass, '5m'),
    });
    ui.status.textContent = `Loading the 1:5,000,000 map (${formatBytes(file.encodedBytes.br ?? file.bytes)})…`;
    const detail = await release!.loadMap(current.dataClass, { scale: '5m' });
    if (token !== lookupToken || shown !== current) return false;
    current.detail = forD3(detail.districts.features);
  }
  current.state = fips;
  return true;
}

/**
 * Finds the place's district in every class from the lookup index, zooms
 * to the state of the district of the class on the map (drawn from the
 * 1:5,000,000 map), and fills the card.
 */
async function lookup(lon: number, lat: number): Promise<void> {
  const current = shown;
  if (!current || !index) return;
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    showError(`"${ui.lat.value}, ${ui.lon.value}" is not a latitude (−90…90) and longitude (−180…180) in degrees`);
    return;
  }
  const token = ++lookupToken;
  setState('ready', current.ready);
  ui.card.hidden = true;
  delete ui.card.dataset.districtId;
  try {
    if (index instanceof Error) throw index;
    ui.status.textContent = 'Looking up…';
    const answer = await index.lookup({ lat, lon }, { facts: true });
    if (token !== lookupToken || shown !== current) return;
    const found = answer.districts[current.dataClass];
    if (found?.state_fips && !(await zoomTo(current, found.state_fips, token))) return;
    current.selected = {
      point: [lon, lat],
      district: found ? current.detail?.find((d) => d.properties.id === found.id) : undefined,
    };
    renderCard(ui.card, current.dataClass, answer);
    ui.status.textContent = current.ready;
    layout();
  } catch (err) {
    if (token === lookupToken) showError(err);
  }
}

/** Loads a class's national map and facts and draws them; a failure is shown unless the user has moved on. */
async function showClass(dataClass: string): Promise<void> {
  if (!release) return;
  const token = ++classToken;
  lookupToken++;
  // Nothing of the previous class stays on screen: a lookup must never answer from it.
  shown = undefined;
  ui.card.hidden = true;
  ui.findButton.disabled = true;
  delete ui.info.dataset.origin;
  ui.info.textContent = '';
  layout();
  try {
    const format = smallerFormat(release, dataClass, '20m');
    const files = [
      release.file(dataClass, 'simplified', { scale: '20m', format }),
      release.file(dataClass, 'census'),
      release.file(dataClass, 'wikipedia'),
    ];
    const total = formatBytes(files.reduce((n, f) => n + f.bytes, 0));
    setState('loading', `Loading ${classLabel(dataClass)} (${total})…`);
    const [nation, facts] = await Promise.all([
      release.loadMap(dataClass, {
        scale: '20m',
        format,
        onProgress: ({ loaded }) => {
          if (token === classToken)
            ui.status.textContent = `Downloading ${classLabel(dataClass)}: ${formatBytes(loaded)} of ${total}…`;
        },
      }),
      release.loadFacts(dataClass),
    ]);
    if (token !== classToken) return;
    const n = nation.districts.features.length.toLocaleString('en-US');
    const ready = `${classLabel(dataClass)}: ${n} districts ready.`;
    shown = { dataClass, nation, nationShapes: forD3(nation.districts.features), facts, ready };
    layout();
    ui.legend.hidden = !Object.values(facts.wikipedia).some((w) => leanColor(w?.partisan_lean) !== undefined);
    ui.legend.querySelector('.range')!.textContent = `R+${LEAN_SATURATION} · EVEN · D+${LEAN_SATURATION}`;
    setState('ready', ready);
    const origins = [nation.origin, ...facts.origins];
    const origin = summarise(origins);
    const cached = origins.filter((s) => s === 'cache').length;
    ui.info.dataset.origin = origin;
    ui.info.textContent =
      `${files.map((f) => f.path.slice(dataClass.length + 1)).join(' + ')} · ${total} · sha256 verified · ` +
      (origin === 'cache'
        ? 'read from this browser’s cache (no download)'
        : `${cached ? `${cached} of ${files.length} from this browser’s cache, the rest ` : ''}` +
          (nation.stored && facts.stored
            ? 'downloaded and kept for next time'
            : 'downloaded (this browser did not keep it)'));
    ui.findButton.disabled = false;
    if (ui.lat.value && ui.lon.value) await lookup(Number(ui.lon.value), Number(ui.lat.value));
  } catch (err) {
    if (token === classToken) showError(err);
  }
}

async function start(): Promise<void> {
  setState('loading', 'Opening the current release…');
  // The lookup index opens beside the release (the current-release answer carries its root).
  const opening = openLookup({ baseUrl: location.origin }).catch((err: unknown) =>
    err instanceof Error ? err : new Error(String(err)),
  );
  release = await openRelease({ baseUrl: location.origin });
  index = await opening;
  ui.release.textContent = `release ${release.version} · built ${release.manifest.built_at.slice(0, 10)}`;
  const classes = release.classes();
  if (classes.length === 0) throw new Error(`release ${release.version} has no data classes`);
  ui.classSelect.replaceChildren(...classes.map((c) => h('option', { value: c }, classLabel(c))));
  const wanted = new URLSearchParams(location.search).get('class');
  ui.classSelect.value = [wanted, 'congressional_districts'].find((c) => c && classes.includes(c)) ?? classes[0]!;
  ui.classSelect.disabled = false;
  await showClass(ui.classSelect.value);
}

ui.classSelect.addEventListener('change', () => void showClass(ui.classSelect.value));
ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  void lookup(Number(ui.lon.value.trim()), Number(ui.lat.value.trim()));
});
ui.canvas.addEventListener('click', (event) => {
  const rect = ui.canvas.getBoundingClientRect();
  const at = view?.projection.invert?.([event.clientX - rect.left, event.clientY - rect.top]);
  if (!at || !Number.isFinite(at[0]) || !Number.isFinite(at[1])) return;
  ui.lon.value = at[0].toFixed(4);
  ui.lat.value = at[1].toFixed(4);
  void lookup(at[0], at[1]);
});
ui.zoomOut.addEventListener('click', () => {
  if (!shown) return;
  shown.state = undefined;
  layout();
});
new ResizeObserver(() => layout()).observe(ui.canvas);

start().catch(showError);
