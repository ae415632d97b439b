// The real webview bundle in headless Chromium under the panel's CSP, fed recorded analysis data of gpt_block.py.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { panelHtml } from '../../src/client/html';
import { WEBVIEW_FOLDER, WEBVIEW_SCRIPT, WEBVIEW_STYLE } from '../../src/client/panel-policy';
import { MARGIN } from '../../src/core/chart/render';
import type { HostToWebview, RooflineResult } from '../../src/protocol';

const ROOT = path.join(__dirname, '..', '..');
const RESULTS = path.join(ROOT, 'test-results');
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const recording = (gpu: string): RooflineResult =>
  JSON.parse(readFileSync(path.join(__dirname, 'fixtures', `gpt_block.${gpu}.json`), 'utf8')) as RooflineResult;
const dataMessage = (result: RooflineResult, whatIf = {}): HostToWebview => ({ type: 'data', fileName: 'gpt_block.py', result, whatIf });

/**
 * Serves the webview's folder (dist/webview/, the panel's only local resource root) and the theme files the way a
 * webview serves the extension's resources: one origin, nothing else of the extension.
 */
function serve(): Promise<Server> {
  const folders: Record<string, string> = { webview: path.join(ROOT, ...WEBVIEW_FOLDER), fixtures: path.join(__dirname, 'fixtures') };
  const types: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.json': 'application/json' };
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    if (url.pathname === '/panel.html') {
      const origin = `http://${request.headers.host}`;
      const theme = url.searchParams.get('theme') === 'dark' ? 'dark' : 'light';
      // VS Code puts its theme's variables and a body class on the webview; the test page does the same from a file.
      const html = panelHtml({ cspSource: origin, scriptUri: `${origin}/webview/${WEBVIEW_SCRIPT}`, styleUri: `${origin}/webview/${WEBVIEW_STYLE}` })
        .replace('</head>', `<link rel="stylesheet" href="${origin}/fixtures/theme-${theme}.css">\n</head>`)
        .replace('<body>', `<body class="vscode-${theme}">`);
      response.writeHead(200, { 'content-type': 'text/html' }).end(html);
      return;
    }
    const [, folder, ...rest] = url.pathname.split('/');
    const base = folders[folder ?? ''];
    const file = base ? path.join(base, ...rest) : '';
    if (!base || !file.startsWith(base) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Stands in for VS Code's acquireVsCodeApi, records posted messages and CSP violations. */
const SHIM = `
window.__posted = [];
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__violations.push(event.violatedDirective + ' ' + event.blockedURI + ' ' + event.sourceFile + ':' + event.lineNumber);
});
window.acquireVsCodeApi = () => ({
  postMessage: (message) => window.__posted.push(message),
  // Like VS Code, state outlives a reload of the webview (here: the tab's session storage).
  getState: () => JSON.parse(sessionStorage.getItem('memwall-state') ?? 'null') ?? undefined,
  setState: (next) => sessionStorage.setItem('memwall-state', JSON.stringify(next)),
});`;

interface Recorder {
  posted: unknown[];
  violations: string[];
  errors: string[];
}

/** Opens the panel page with a stand-in for acquireVsCodeApi that records what the panel posts. */
async function openPanel(browser: Browser, origin: string, theme: 'light' | 'dark'): Promise<{ page: Page; recorder: () => Promise<Recorder> }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: theme });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  // A string, not a function: the test's TypeScript transform would add helpers the page does not have.
  await page.addInitScript({ content: SHIM });
  await page.goto(`${origin}/panel.html?theme=${theme}`);
  const recorder = async (): Promise<Recorder> => {
    const inPage = await page.evaluate(() => {
      const win = window as unknown as { __posted: unknown[]; __violations: string[] };
      return { posted: win.__posted, violations: win.__violations };
    });
    return { ...inPage, errors };
  };
  return { page, recorder };
}

const send = (page: Page, message: HostToWebview): Promise<void> => page.evaluate((m) => window.postMessage(m, '*'), message);

/** Checks, in the page's own SVG, that ridges and roofs sit where the log scales put the recorded peaks. */
async function assertRoofGeometry(page: Page, result: RooflineResult): Promise<void> {
  const chart = result.chart!;
  const svg = await page.locator('svg.memwall-roofline').evaluate((element) => ({
    width: Number(element.getAttribute('width')),
    height: Number(element.getAttribute('height')),
    gpu: element.getAttribute('data-gpu'),
    x: element.getAttribute('data-x-domain')!.split(' ').map(Number),
    y: element.getAttribute('data-y-domain')!.split(' ').map(Number),
    ridges: [...element.querySelectorAll('.ridge')].map((r) => ({ id: r.getAttribute('data-ridge'), cx: Number(r.getAttribute('cx')), cy: Number(r.getAttribute('cy')) })),
    roofs: [...element.querySelectorAll('line[data-roof]')].map((l) => ({ id: l.getAttribute('data-roof'), y1: Number(l.getAttribute('y1')), y2: Number(l.getAttribute('y2')) })),
  }));
  assert.equal(svg.gpu, chart.gpu.id);
  const xAt = (value: number) => MARGIN.left + ((svg.width - MARGIN.left - MARGIN.right) * Math.log10(value / svg.x[0]!)) / Math.log10(svg.x[1]! / svg.x[0]!);
  const yAt = (value: number) => svg.height - MARGIN.bottom - ((svg.height - MARGIN.top - MARGIN.bottom) * Math.log10(value / svg.y[0]!)) / Math.log10(svg.y[1]! / svg.y[0]!);
  const bandwidth = chart.roofs.find((r) => r.id === 'hbm')!.value;
  for (const roof of chart.roofs.filter((r) => r.kind === 'compute')) {
    const ridge = svg.ridges.find((r) => r.id === roof.id);
    assert.ok(ridge, `${chart.gpu.id}: ridge of ${roof.id}`);
    assert.ok(Math.abs(ridge.cx - xAt(roof.value / bandwidth)) < 0.02, `${chart.gpu.id} ${roof.id} ridge x ${ridge.cx} vs ${xAt(roof.value / bandwidth)}`);
    assert.ok(Math.abs(ridge.cy - yAt(roof.value)) < 0.02, `${chart.gpu.id} ${roof.id} ridge y`);
    const line = svg.roofs.find((r) => r.id === roof.id)!;
    assert.ok(Math.abs(line.y1 - yAt(roof.value)) < 0.02 && line.y1 === line.y2, `${roof.id} roof is flat at its peak`);
  }
  assert.equal(svg.roofs.length, chart.roofs.length);
}

/** Every op is on the chart once: points that coincide are one circle whose data-count says how many ops it stands for. */
async function assertEveryOpDrawn(page: Page, result: RooflineResult): Promise<void> {
  const drawn = await page.locator('svg .point[data-op]').evaluateAll((circles) =>
    circles.map((circle) => ({ count: Number(circle.getAttribute('data-count')), nodes: (circle.getAttribute('data-nodes') ?? '').split(' ').map(Number) })),
  );
  const ids = drawn.flatMap((circle) => circle.nodes).sort((a, b) => a - b);
  assert.deepEqual(ids, result.chart!.points.map((point) => point.id).sort((a, b) => a - b));
  for (const circle of drawn) assert.equal(circle.count, circle.nodes.length);
  // gpt_block's two LayerNorms have the same figures: one circle, labelled with its count.
  assert.ok(drawn.some((circle) => circle.count > 1), 'no coinciding ops were grouped');
  assert.ok(await page.locator('svg .count-label').count() >= 1, 'no "N ops" label');
}

describe('roofline panel in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let origin: string;
  const h100 = recording('h100-sxm');
  const a100 = recording('a100-80gb-sxm');

  before(async () => {
    assert.ok(existsSync(path.join(ROOT, ...WEBVIEW_FOLDER, WEBVIEW_SCRIPT)), 'dist/webview/webview.js is missing: run `npm run build` first');
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    mkdirSync(RESULTS, { recursive: true });
    server = await serve();
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });

  it('draws the recorded roofline, reveals on click, re-prices on a what-if, follows the cursor, with no CSP violation', async () => {
    const { page, recorder } = await openPanel(browser, origin, 'light');
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    await send(page, dataMessage(h100));
    await page.locator('svg.memwall-roofline').waitFor();

    // The summary line gives the analysis summary's shares of time by bound.
    const shares = h100.chart!.boundShares;
    assert.match((await page.locator('header .summary').textContent()) ?? '', new RegExp(`${Math.round(shares.memory * 100)}% of the time memory-bound, ${Math.round(shares.compute * 100)}% compute-bound`));

    // Roofs, ridges and one point per op.
    await assertRoofGeometry(page, h100);
    await assertEveryOpDrawn(page, h100);
    // The table lists every op but the free views (the notes count those).
    const views = h100.chart!.unplotted.filter((u) => u.category === 'view' && !u.bytes).length;
    assert.equal(await page.locator('tbody tr').count(), h100.chart!.points.length + h100.chart!.unplotted.length - views);
    assert.match((await page.locator('.notes').textContent()) ?? '', new RegExp(`${views} views`));
    // The fallback path's ops (gpt_block's manual attention) come last, whatever the sort, and have no share of time.
    const fallbackFlags = await page.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.classList.contains('fallback')));
    assert.ok(fallbackFlags.includes(true), 'the recorded data has fallback ops');
    assert.deepEqual(fallbackFlags, [...fallbackFlags].sort((a, b) => Number(a) - Number(b)));

    // A click on a point asks the host to reveal its line: that of the point on top under the mouse (ops with equal
    // figures, ln_1 and ln_2, are one point that reveals the first of them).
    const first = h100.chart!.points[0]!;
    const box = (await page.locator(`svg .point[data-nodes~="${first.id}"]`).boundingBox())!;
    const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
    const topmost = await page.evaluate(([px, py]) => document.elementFromPoint(px!, py!)?.getAttribute('data-line') ?? null, [x, y]);
    assert.ok(topmost, 'a point is under the mouse');
    await page.mouse.click(x, y);
    let posted = (await recorder()).posted;
    assert.deepEqual(posted.at(-1), { type: 'reveal', uri: h100.uri, line: Number(topmost) - 1 });

    // The editor's cursor on that line emphasises the point and its table row.
    await send(page, { type: 'cursor', uri: h100.uri, line: first.line });
    assert.match((await page.locator(`svg .point[data-nodes~="${first.id}"]`).getAttribute('class')) ?? '', /highlighted/);
    assert.equal(await page.locator(`tbody tr.current[data-node="${first.id}"]`).count(), 1);

    // Sorting the table by line puts the first op's line first.
    await page.locator('th button.sort', { hasText: 'line' }).click();
    const listed = [...h100.chart!.points, ...h100.chart!.unplotted.filter((u) => !(u.category === 'view' && !u.bytes))];
    const firstLine = Math.min(...listed.map((p) => p.line)) + 1;
    assert.equal(await page.locator('tbody tr').first().getAttribute('data-line'), String(firstLine));

    await page.screenshot({ path: path.join(RESULTS, 'webview-light.png'), fullPage: true });

    // What-if: choosing another GPU posts a re-price request; the host's answer redraws the chart for that GPU.
    await page.locator('vscode-dropdown#gpu').click();
    await page.locator('vscode-dropdown#gpu vscode-option', { hasText: a100.chart!.gpu.name }).click();
    posted = (await recorder()).posted;
    assert.deepEqual(posted.at(-1), { type: 'whatIf', uri: h100.uri, whatIf: { gpu: 'a100-80gb-sxm' } });
    await send(page, dataMessage(a100, { gpu: 'a100-80gb-sxm' }));
    await page.locator('svg.memwall-roofline[data-gpu="a100-80gb-sxm"]').waitFor();
    await assertRoofGeometry(page, a100);
    assert.match((await page.locator('header h1').textContent()) ?? '', /A100.*what-if/);

    // A size change is a what-if too.
    const symbol = a100.chart!.assumptions.find((a) => typeof a.value === 'number');
    if (symbol) {
      const field = page.locator(`vscode-text-field#dim-${symbol.symbol} input`);
      await field.fill(String(Number(symbol.value) * 2));
      await field.press('Enter');
      posted = (await recorder()).posted;
      assert.deepEqual(posted.at(-1), { type: 'whatIf', uri: h100.uri, whatIf: { gpu: 'a100-80gb-sxm', dims: { [symbol.symbol]: Number(symbol.value) * 2 } } });
    }

    // Export SVG posts the standalone chart.
    await page.locator('vscode-button#export-svg').click();
    posted = (await recorder()).posted;
    const exported = posted.at(-1) as { type: string; format: string; content: string };
    assert.equal(exported.type, 'export');
    assert.match(exported.content, /^<svg xmlns=/);

    // Malformed messages are ignored, not drawn.
    await page.evaluate(() => window.postMessage({ type: 'data', result: { chart: 'nope' } }, '*'));
    assert.equal(await page.locator('svg.memwall-roofline[data-gpu="a100-80gb-sxm"]').count(), 1);

    const { violations, errors } = await recorder();
    assert.deepEqual(violations, [], 'no content security policy violation');
    assert.deepEqual(errors, [], 'no page errors');
    await page.close();
  });

  it('renders in the dark theme with the same content, and restores from saved state', async () => {
    const { page, recorder } = await openPanel(browser, origin, 'dark');
    await send(page, dataMessage(h100));
    await page.locator('svg.memwall-roofline').waitFor();
    await assertEveryOpDrawn(page, h100);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(background, 'rgb(31, 31, 31)', 'the panel takes the theme background');
    await page.screenshot({ path: path.join(RESULTS, 'webview-dark.png'), fullPage: true });
    const { violations, errors } = await recorder();
    assert.deepEqual(violations, []);
    assert.deepEqual(errors, []);
    // A reload hands back the saved state: the chart is drawn before the host answers.
    await page.reload();
    await page.locator('svg.memwall-roofline').waitFor({ timeout: 3000 });
    await assertEveryOpDrawn(page, h100);
    await page.close();
  });

  it('checks restored state like a message: a tampered state draws nothing and throws nothing', async () => {
    const { page, recorder } = await openPanel(browser, origin, 'light');
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    // What VS Code would hand back if the saved state were written by something else: every field malformed.
    await page.evaluate(() => sessionStorage.setItem('memwall-state', JSON.stringify({
      result: { uri: 'file:///a.py', gpus: [], chart: { points: 'nope', roofs: 7 } },
      whatIf: { dims: { T: -1 } }, scope: 42, sort: { key: 'constructor', descending: 'yes' }, cursorLine: -3, uri: 'javascript:alert(1)',
    })));
    await page.reload();
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    assert.equal(await page.locator('svg.memwall-roofline').count(), 0, 'nothing drawn from a malformed saved result');
    assert.match((await page.locator('#app').textContent()) ?? '', /Loading the roofline/);
    // The state the panel saves next holds only checked fields (its defaults for the rest).
    await send(page, dataMessage(h100));
    await page.locator('svg.memwall-roofline').waitFor();
    const saved = await page.evaluate(() => JSON.parse(sessionStorage.getItem('memwall-state') ?? 'null') as Record<string, unknown>);
    assert.deepEqual(saved.sort, { key: 'time', descending: true });
    assert.equal(saved.scope, '');
    assert.equal(saved.cursorLine, undefined);
    assert.equal(saved.uri, h100.uri);
    const { violations, errors } = await recorder();
    assert.deepEqual(violations, []);
    assert.deepEqual(errors, [], 'no page errors from the tampered state');
    await page.close();
  });
});
