// The roofline panel's browser code: draws the server's chart data, posts reveal / what-if / export messages back.
import { renderRoofline } from '../src/core/chart/render.js';
import { CHART_CSS } from '../src/core/chart/style.js';
import { BOUND_SHORT, formatAssumption, formatBytes, formatFlops, formatIntensity, formatPercent, formatTime } from '../src/core/format.js';
import type { ChartData } from '../src/core/chart/types.js';
import {
  DTYPE_CHOICES, isHostToWebview, restoredPanelState,
  type HostToWebview, type PanelState, type RooflineResult, type SortKey, type WebviewToHost, type WhatIf,
} from '../src/protocol.js';
import { button, dropdown, registerControls, textField } from './controls.js';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
// The saved state is checked like a message: what fails the check is dropped, and the defaults stand in for it.
let state: PanelState = {
  whatIf: {},
  scope: '',
  sort: { key: 'time', descending: true },
  ...restoredPanelState(vscode.getState()),
};

function update(changes: Partial<PanelState>): void {
  state = { ...state, ...changes };
  vscode.setState(state);
}

const post = (message: WebviewToHost): void => vscode.postMessage(message);

// The chart's stylesheet is the one the standalone SVG embeds; adopted from script, so no inline <style> is needed.
const chartSheet = new CSSStyleSheet();
chartSheet.replaceSync(CHART_CSS);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, chartSheet];
registerControls();

const app = document.getElementById('app') as HTMLElement;

/** The panel's fixed skeleton, built once so updates replace contents without flicker. */
function skeleton(): { header: HTMLElement; controls: HTMLElement; chart: HTMLElement; table: HTMLElement; notes: HTMLElement } {
  app.replaceChildren();
  const header = document.createElement('header');
  const controls = document.createElement('section');
  controls.className = 'controls';
  controls.setAttribute('aria-label', 'What-if controls');
  const body = document.createElement('div');
  body.className = 'body';
  const chart = document.createElement('section');
  chart.className = 'chart';
  chart.setAttribute('aria-label', 'Roofline chart');
  const table = document.createElement('section');
  table.className = 'ops';
  table.setAttribute('aria-label', 'Ops');
  body.append(chart, table);
  const notes = document.createElement('section');
  notes.className = 'notes';
  app.append(header, controls, body, notes);
  return { header, controls, chart, table, notes };
}

let parts: ReturnType<typeof skeleton> | undefined;
let controlsKey = '';

function showEmpty(message: string): void {
  parts = undefined;
  controlsKey = '';
  const paragraph = document.createElement('p');
  paragraph.className = 'empty';
  paragraph.textContent = message;
  app.replaceChildren(paragraph);
}

function currentChart(): ChartData | null {
  return state.result?.chart ?? null;
}

function highlighted(chart: ChartData): number[] {
  const line = state.cursorLine;
  if (line === undefined) return [];
  return chart.points.filter((point) => point.line <= line && line <= point.endLine).map((point) => point.id);
}

function sendWhatIf(whatIf: WhatIf): void {
  const uri = state.result?.uri;
  if (!uri) return;
  update({ whatIf });
  post({ type: 'whatIf', uri, whatIf });
}

function renderControls(host: HTMLElement, result: RooflineResult, chart: ChartData): void {
  const symbols = chart.assumptions.filter((a) => typeof a.value === 'number');
  const key = JSON.stringify([result.gpus.map((g) => g.id), chart.gpu.id, chart.dtype, symbols, chart.scopes, state.scope]);
  if (key === controlsKey) return;
  controlsKey = key;
  const gpu = dropdown({
    id: 'gpu', label: 'GPU', value: chart.gpu.id,
    choices: result.gpus.map((g) => ({ value: g.id, label: g.name })),
    onChange: (value) => sendWhatIf({ ...state.whatIf, gpu: value }),
  });
  const dtype = dropdown({
    id: 'dtype', label: 'dtype', value: chart.dtype,
    choices: DTYPE_CHOICES.map((d) => ({ value: d, label: d })),
    onChange: (value) => sendWhatIf({ ...state.whatIf, dtype: value as WhatIf['dtype'] }),
  });
  const scope = dropdown({
    id: 'scope', label: 'scope', value: state.scope,
    choices: [{ value: '', label: 'all scopes' }, ...chart.scopes.map((s) => ({ value: s, label: s }))],
    onChange: (value) => {
      update({ scope: value });
      draw();
    },
  });
  const sizes = symbols.map((assumption) => {
    const field = textField({
      id: `dim-${assumption.symbol}`, label: assumption.symbol, value: String(assumption.value),
      onChange: (value) => {
        const size = Number(value);
        if (!Number.isInteger(size) || size < 1) return;
        sendWhatIf({ ...state.whatIf, dims: { ...state.whatIf.dims, [assumption.symbol]: size } });
      },
    });
    field.title = `${assumption.symbol} = ${assumption.value} (${assumption.source})`;
    return field;
  });
  const actions = document.createElement('div');
  actions.className = 'actions';
  actions.append(
    button({ id: 'reset', label: 'Reset what-if', onClick: () => sendWhatIf({}) }),
    button({ id: 'export-svg', label: 'Export SVG', onClick: () => exportSvg() }),
    button({ id: 'export-png', label: 'Export PNG', onClick: () => void exportPng() }),
  );
  host.replaceChildren(gpu, dtype, scope, ...sizes, actions);
}

function renderHeader(host: HTMLElement, chart: ChartData): void {
  // The analysis summary's shares: every op that runs (copies included), fallback paths left out.
  const shares = chart.boundShares;
  const fallback = chart.points.filter((p) => p.fusedBy === 'fallback').length;
  const whatIf = Object.keys(state.whatIf).length ? ' · what-if' : '';
  const title = document.createElement('h1');
  title.textContent = `${state.fileName ?? ''} · ${chart.gpu.name} · ${chart.dtype}${whatIf}`;
  const summary = document.createElement('p');
  summary.className = 'summary';
  summary.textContent =
    `≈ ${formatTime(chart.totalTimeUs)} per call · ${formatPercent(shares.memory)} of the time memory-bound, ` +
    `${formatPercent(shares.compute)} compute-bound, ${formatPercent(shares.overhead)} overhead-bound · ` +
    `${chart.points.length} ops on the chart` + (fallback ? ` (${fallback} on a fallback path, drawn faint, not in the totals)` : '');
  host.replaceChildren(title, summary);
}

interface Row {
  readonly id: number;
  readonly line: number;
  readonly label: string;
  readonly scope: string;
  readonly repeat: number | null;
  readonly time: number | null;
  readonly bytes: number | null;
  readonly flops: number | null;
  readonly intensity: number | null;
  readonly share: number | null;
  readonly bound: string;
  readonly fallback: boolean;
}

const COLUMNS: readonly { key: SortKey | null; title: string; cell: (row: Row) => string; numeric?: boolean }[] = [
  { key: 'line', title: 'line', cell: (r) => String(r.line + 1), numeric: true },
  { key: 'label', title: 'op', cell: (r) => r.label },
  { key: 'bound', title: 'bound', cell: (r) => BOUND_SHORT[r.bound] ?? r.bound },
  { key: 'time', title: 'time', cell: (r) => formatTime(r.time), numeric: true },
  { key: null, title: 'share', cell: (r) => (r.share === null ? '' : formatPercent(r.share)), numeric: true },
  { key: 'intensity', title: 'FLOP/B', cell: (r) => (r.intensity === null ? '—' : formatIntensity(r.intensity)), numeric: true },
  { key: 'bytes', title: 'bytes', cell: (r) => formatBytes(r.bytes), numeric: true },
  { key: null, title: 'FLOPs', cell: (r) => formatFlops(r.flops), numeric: true },
  { key: null, title: '×', cell: (r) => (r.repeat === null ? '' : String(r.repeat)), numeric: true },
];

function sortValue(row: Row, key: SortKey): number | string {
  switch (key) {
    case 'line': return row.line;
    case 'label': return row.label;
    case 'time': return (row.time ?? -1) * (row.repeat ?? 1);
    case 'bytes': return row.bytes ?? -1;
    case 'intensity': return row.intensity ?? -1;
    case 'bound': return row.bound;
  }
}

/** A view or reshape that the cost model prices at zero bytes: listed in the notes, not in the table. */
const isFreeView = (op: ChartData['unplotted'][number]): boolean => op.category === 'view' && !op.bytes;

function renderTable(host: HTMLElement, chart: ChartData, current: ReadonlySet<number>): void {
  const rows: Row[] = [
    ...chart.points.map((p) => ({
      id: p.id, line: p.line, label: p.label, scope: p.scope, repeat: p.repeat, time: p.timeUs, bytes: p.bytes,
      // An op on a fallback path does not run when the fused path does, nor the loss without labels: no share of the time.
      flops: p.flops, intensity: p.intensity, share: p.fusedBy === 'fallback' || p.onlyWhenGiven !== undefined ? null : p.share, bound: p.bound, fallback: p.fusedBy === 'fallback',
    })),
    // Views move no bytes and do no arithmetic: the notes count them instead of filling the table.
    ...chart.unplotted.filter((u) => !isFreeView(u)).map((u) => ({
      id: u.id, line: u.line, label: u.label, scope: u.scope, repeat: null, time: u.timeUs, bytes: u.bytes,
      flops: u.flops, intensity: null, share: null, bound: u.bound, fallback: false,
    })),
  ].filter((row) => !state.scope || row.scope === state.scope);
  const { key, descending } = state.sort;
  rows.sort((a, b) => {
    // Whatever the column, the ops that run come first and the fallback path's ops after them.
    if (a.fallback !== b.fallback) return a.fallback ? 1 : -1;
    const left = sortValue(a, key);
    const right = sortValue(b, key);
    const order = left < right ? -1 : left > right ? 1 : a.line - b.line;
    return descending ? -order : order;
  });
  const table = document.createElement('table');
  const head = table.createTHead().insertRow();
  for (const column of COLUMNS) {
    const th = document.createElement('th');
    th.scope = 'col';
    if (column.numeric) th.className = 'numeric';
    if (column.key) {
      const sortButton = document.createElement('button');
      sortButton.className = 'sort';
      const active = column.key === key;
      sortButton.textContent = `${column.title}${active ? (descending ? ' ▼' : ' ▲') : ''}`;
      th.setAttribute('aria-sort', active ? (descending ? 'descending' : 'ascending') : 'none');
      const sortKey = column.key;
      sortButton.addEventListener('click', () => {
        update({ sort: { key: sortKey, descending: sortKey === key ? !descending : sortKey !== 'line' && sortKey !== 'label' } });
        draw();
      });
      th.append(sortButton);
    } else th.textContent = column.title;
    head.append(th);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    tr.dataset.node = String(row.id);
    tr.dataset.line = String(row.line + 1);
    tr.tabIndex = 0;
    tr.className = `bound-row-${row.bound}${row.fallback ? ' fallback' : ''}${current.has(row.id) ? ' current' : ''}`;
    tr.title = `${row.scope}: reveal line ${row.line + 1}${row.fallback ? ' (fallback path: not in the totals)' : ''}`;
    for (const column of COLUMNS) {
      const td = tr.insertCell();
      if (column.numeric) td.className = 'numeric';
      td.textContent = column.cell(row);
      if (column.key === 'bound') td.className = 'bound';
      if (column.key === 'label') {
        td.className = 'label';
        td.title = row.label;
      }
    }
  }
  host.replaceChildren(table);
}

function renderNotes(host: HTMLElement, result: RooflineResult, chart: ChartData): void {
  const items: string[] = [];
  const views = chart.unplotted.filter(isFreeView).length;
  const others = chart.unplotted.length - views;
  if (views) items.push(`${views} views (view, transpose, split...) move no data and are left out of the chart and the table.`);
  if (others) items.push(`${others} ops are in the table but not on the chart: they do no arithmetic or could not be priced.`);
  if (chart.assumptions.length) items.push(`Sizes: ${chart.assumptions.map(formatAssumption).join(', ')}.`);
  for (const fusion of chart.fusions) items.push(`${fusion.code} line ${fusion.line + 1}: fused, saves ${formatBytes(fusion.bytesSaved)}, ≈ ${formatTime(fusion.timeSavedUs)}.`);
  items.push(...result.notes);
  const list = document.createElement('ul');
  for (const item of items) {
    const li = document.createElement('li');
    li.textContent = item;
    list.append(li);
  }
  host.replaceChildren(list);
}

function chartSize(host: HTMLElement): { width: number; height: number } {
  const width = Math.max(420, Math.min(1100, Math.floor(host.clientWidth || 760)));
  return { width, height: Math.round(width * 0.62) };
}

function draw(): void {
  const result = state.result;
  const chart = currentChart();
  if (!result) return;
  if (!chart) {
    showEmpty(result.error ?? 'No analysis for this file yet.');
    return;
  }
  parts ??= skeleton();
  const current = highlighted(chart);
  renderHeader(parts.header, chart);
  renderControls(parts.controls, result, chart);
  parts.chart.innerHTML = renderRoofline(chart, { ...chartSize(parts.chart), scope: state.scope || undefined, highlight: current });
  renderTable(parts.table, chart, new Set(current));
  renderNotes(parts.notes, result, chart);
}

/** Moves the emphasis to the op under the editor's cursor without redrawing anything else. */
function highlightCursor(): void {
  const chart = currentChart();
  if (!chart || !parts) return;
  const current = new Set(highlighted(chart));
  // A point may stand for several ops drawn at one spot (data-nodes lists them all).
  for (const element of parts.chart.querySelectorAll<SVGElement>('.point[data-nodes]')) {
    const nodes = (element.dataset.nodes ?? '').split(' ').map(Number);
    element.classList.toggle('highlighted', nodes.some((node) => current.has(node)));
  }
  for (const row of parts.table.querySelectorAll<HTMLElement>('tr[data-node]')) {
    row.classList.toggle('current', current.has(Number(row.dataset.node)));
  }
}

function revealFrom(target: EventTarget | null): boolean {
  const element = (target as Element | null)?.closest?.('[data-line]') as HTMLElement | SVGElement | null;
  const uri = state.result?.uri;
  if (!element || !uri) return false;
  const line = Number(element.dataset.line) - 1;
  if (!Number.isInteger(line) || line < 0) return false;
  post({ type: 'reveal', uri, line });
  return true;
}

app.addEventListener('click', (event) => {
  if ((event.target as Element).closest('.chart, tbody')) revealFrom(event.target);
});
app.addEventListener('keydown', (event) => {
  if ((event.key === 'Enter' || event.key === ' ') && (event.target as Element).closest('.chart, tbody') && revealFrom(event.target)) {
    event.preventDefault();
  }
});

function exportSvg(): void {
  const chart = currentChart();
  if (chart) post({ type: 'export', format: 'svg', content: renderRoofline(chart, { standalone: true, scope: state.scope || undefined }) });
}

/** Rasterises the standalone SVG through an <img> (a data: URL is allowed by the panel's img-src). */
async function exportPng(): Promise<void> {
  const chart = currentChart();
  if (!chart) return;
  const width = 1200;
  const height = 744;
  const svg = renderRoofline(chart, { standalone: true, width, height, scope: state.scope || undefined });
  const image = new Image();
  image.src = `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(svg)))}`;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = width * 2;
  canvas.height = height * 2;
  const context = canvas.getContext('2d');
  if (!context) return;
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  post({ type: 'export', format: 'png', content: canvas.toDataURL('image/png') });
}

function receive(message: HostToWebview): void {
  switch (message.type) {
    case 'data':
      update({ fileName: message.fileName, result: message.result, whatIf: message.whatIf, uri: message.result.uri });
      if (state.scope && !message.result.chart?.scopes.includes(state.scope)) update({ scope: '' });
      draw();
      return;
    case 'cursor':
      if (message.uri !== state.result?.uri) return;
      update({ cursorLine: message.line });
      highlightCursor();
      return;
    case 'empty':
      update({ result: undefined });
      showEmpty(message.message);
      return;
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  // Only well-formed messages are drawn; anything else is ignored.
  if (isHostToWebview(event.data)) receive(event.data);
});

let resizeTimer: ReturnType<typeof setTimeout> | undefined;
new ResizeObserver(() => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (parts && currentChart()) parts.chart.innerHTML = renderRoofline(currentChart()!, { ...chartSize(parts.chart), scope: state.scope || undefined, highlight: highlighted(currentChart()!) });
  }, 100);
}).observe(app);

// Draw what was saved at once (no blank panel after a reload), then ask the host for fresh data.
if (state.result) draw();
post({ type: 'ready' });
