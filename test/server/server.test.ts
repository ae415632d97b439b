// The bundled language server driven over stdio by a real LSP client: open, diagnostics, hover, requests, edits, bad input.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { CodeAction, CodeLens, Diagnostic } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze } from '../../src/core/analyze';
import { chartDataFromAnalysis } from '../../src/core/chart/data';
import {
  ANALYZED_NOTIFICATION, EXPLAIN_REQUEST, GPUS_REQUEST, REPORT_REQUEST, ROOFLINE_REQUEST,
  type AnalyzedParams, type ExplainResult, type GpusResult, type ReportResult, type RooflineResult,
} from '../../src/protocol';
import { testParser } from '../helpers/parser';
import { hoverText, positionOf, ROOT, startServer, type Harness } from './lsp';

/** GELU on a [8, 1024, 3072] bf16 tensor: reads 2·8·1024·3072 bytes and writes as many (100,663,296 bytes in all). */
const SNIPPET = `# memwall: B=8 T=1024
import torch
import torch.nn.functional as F

x = torch.randn(8, 1024, 3072, dtype=torch.bfloat16)
y = F.gelu(x)
z = y * 2.0 + x
`;
const SNIPPET_URI = 'file:///memwall-test/snippet.py';
const EXAMPLE = path.join(ROOT, 'examples', 'gpt_block.py');
const EXAMPLE_URI = pathToFileURL(EXAMPLE).toString();

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

describe('language server over stdio', () => {
  let server: Harness;

  before(async () => {
    server = await startServer({ gpu: 'h100-sxm', dtype: 'bf16', dims: {}, severity: {}, inlayHints: 'full' });
  });
  after(async () => {
    if (server && server.child.exitCode === null) await server.shutdown();
  });

  it('initializes with incremental sync, hover and inlay hints, and names itself with the extension\'s version', () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.deepEqual(server.initialize.serverInfo, { name: 'memwall', version });
    const capabilities = server.initialize.capabilities;
    assert.equal(capabilities.textDocumentSync, 2);
    assert.equal(capabilities.hoverProvider, true);
    assert.equal(capabilities.inlayHintProvider, true);
  });

  it('publishes memwall diagnostics for a snippet, with codes, and hovers its GELU with hand-computed bytes', async () => {
    server.open(SNIPPET_URI, SNIPPET);
    const published = await server.waitForDiagnostics(SNIPPET_URI, 1);
    assert.ok(published.diagnostics.length > 0, 'the pointwise chain on a 100 MB tensor is reported');
    for (const diagnostic of published.diagnostics) {
      assert.equal(diagnostic.source, 'memwall');
      assert.match(String(diagnostic.code), /^MW\d{3}$/);
    }
    const codes = new Set(published.diagnostics.map((d) => d.code));
    assert.ok(codes.has('MW201'), `a chain of pointwise ops on one tensor is a fusion finding (got ${[...codes].join(', ')})`);

    const at = positionOf(SNIPPET, 'F.gelu', 3);
    const text = hoverText(await server.hover(SNIPPET_URI, at.line, at.character));
    assert.match(text, /\*\*F\.gelu\*\* — memory-bound on NVIDIA H100 SXM \(bf16\)/);
    assert.match(text, /in \[8, 1024, 3072\] bf16 → out \[8, 1024, 3072\] bf16/);
    assert.match(text, /bytes 100\.7 MB \(read 50\.3 MB, write 50\.3 MB\)/);
    assert.match(text, /2 per multiply-add/);
    assert.match(text, /intensity [\d.]+ FLOP\/B, ridge 20\.0 FLOP\/B for the fp32 vector unit/);
    assert.match(text, /time ≈ [\d.]+ µs \(includes [\d.]+ µs launch\)/);
  });

  it('says each analysis with what it was priced for, so the status bar needs no chart request per keystroke', async () => {
    const uri = 'file:///memwall-test/analyzed.py';
    const analyzed = new Promise<AnalyzedParams>((resolve) => {
      const listener = server.connection.onNotification(ANALYZED_NOTIFICATION, (params: AnalyzedParams) => {
        if (params.uri !== uri) return;
        listener.dispose();
        resolve(params);
      });
    });
    server.open(uri, SNIPPET);
    const params = await analyzed;
    assert.equal(params.version, 1);
    assert.equal(params.priced?.gpu, 'NVIDIA H100 SXM');
    assert.equal(params.priced?.dtype, 'bf16');
    assert.deepEqual(
      params.priced?.assumptions.filter((a) => a.symbol === 'B' || a.symbol === 'T').map((a) => `${a.symbol}=${a.value}`),
      ['B=8', 'T=1024'],
    );
  });

  it('answers the roofline request with the same points the pipeline computes, and re-prices a what-if', async () => {
    const result = await server.request<RooflineResult>(ROOFLINE_REQUEST, { uri: SNIPPET_URI });
    assert.ok(result.chart, result.error);
    const expected = chartDataFromAnalysis(analyze(SNIPPET, { parser: await testParser() }));
    assert.deepEqual(result.chart.points.map((p) => [p.id, p.op, p.line, p.flops, p.bytes]), expected.points.map((p) => [p.id, p.op, p.line, p.flops, p.bytes]));
    assert.ok(result.chart.points.length >= 3, 'gelu, mul and add are points');
    assert.deepEqual(result.chart.roofs.map((r) => r.id), ['hbm', 'tensor', 'vector']);
    assert.ok(result.gpus.some((g) => g.id === 'a100-80gb-sxm'));

    const whatIf = await server.request<RooflineResult>(ROOFLINE_REQUEST, { uri: SNIPPET_URI, whatIf: { gpu: 'a100-80gb-sxm', dtype: 'fp16' } });
    assert.equal(whatIf.chart?.gpu.id, 'a100-80gb-sxm');
    assert.equal(whatIf.chart?.dtype, 'fp16');
    assert.equal(whatIf.chart?.roofs[0]?.value, 2.039e12);
    assert.equal(whatIf.chart?.points.length, result.chart.points.length);
    const gelu = (chart: RooflineResult['chart']) => chart?.points.find((p) => p.op.endsWith('gelu'));
    assert.ok(gelu(whatIf.chart)!.timeUs > gelu(result.chart)!.timeUs, 'the same bytes take longer on A100 (2.0 vs 3.35 TB/s)');

    const bad = await server.request<RooflineResult>(ROOFLINE_REQUEST, { uri: SNIPPET_URI, whatIf: { gpu: 'no-such-gpu' } });
    assert.equal(bad.chart, null);
    assert.match(bad.error ?? '', /no-such-gpu/);
  });

  it('serves inlay hints, the GPU list, a report and rule explanations', async () => {
    const hints = await server.inlayHints(SNIPPET_URI, 10);
    assert.ok(hints && hints.length >= 2, 'lines 6 and 7 hold priced ops');
    assert.match(String(hints[0]!.label), /^mem · [\d.]+ F\/B · [\d.]+ µs$/);
    const { gpus } = await server.request<GpusResult>(GPUS_REQUEST, {});
    assert.ok(gpus.some((g) => g.id === 'h100-sxm' && /HBM 3\.35 TB\/s/.test(g.detail)));
    const { markdown } = await server.request<ReportResult>(REPORT_REQUEST, { uri: SNIPPET_URI });
    assert.match(markdown, /^# MemWall: snippet\.py/);
    assert.match(markdown, /\| 6 \| `F\.gelu` \|/);
    const explained = await server.request<ExplainResult>(EXPLAIN_REQUEST, { code: 'MW201' });
    assert.match(explained.markdown ?? '', /^# MW201 /);
    assert.equal((await server.request<ExplainResult>(EXPLAIN_REQUEST, { code: 'MW000' })).markdown, null);
  });

  it('debounces edits: only the last of quick successive versions is published', async () => {
    const published = server.published.length;
    server.change(SNIPPET_URI, 2, SNIPPET + 'w = z + 1.0\n');
    server.change(SNIPPET_URI, 3, SNIPPET + 'w = z + 1.0\nv = w * z\n');
    server.change(SNIPPET_URI, 4, SNIPPET + 'w = z + 1.0\nv = w * z\nu = F.relu(v)\n');
    const latest = await server.waitForDiagnostics(SNIPPET_URI, 4);
    assert.ok(latest.diagnostics.length > 0);
    const versions = server.published.slice(published).filter((p) => p.uri === SNIPPET_URI).map((p) => p.version);
    assert.deepEqual(versions, [4]);
    const at = positionOf(SNIPPET + 'w = z + 1.0\nv = w * z\nu = F.relu(v)\n', 'F.relu', 3);
    assert.match(hoverText(await server.hover(SNIPPET_URI, at.line, at.character)), /\*\*F\.relu\*\*/);
  });

  it('re-analyses with new settings after didChangeConfiguration', async () => {
    server.settings = { ...server.settings, gpu: 'a100-80gb-sxm', severity: { MW201: 'off' } };
    const before = server.published.length;
    await server.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    let republished;
    while (!republished) {
      republished = server.published.slice(before).find((p) => p.uri === SNIPPET_URI);
      if (!republished) await server.waitForDiagnostics(SNIPPET_URI);
    }
    assert.ok(!republished.diagnostics.some((d) => d.code === 'MW201'), 'MW201 is off');
    const at = positionOf(SNIPPET, 'F.gelu', 3);
    assert.match(hoverText(await server.hover(SNIPPET_URI, at.line, at.character)), /on NVIDIA A100 SXM 80GB/);
    server.settings = { ...server.settings, gpu: 'h100-sxm', severity: {} };
    await server.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  });

  it('opens examples/gpt_block.py and reports diagnostics and hovers quickly', async (t) => {
    assert.ok(existsSync(EXAMPLE), `${EXAMPLE} is missing: the example is part of what this test checks`);
    const text = readFileSync(EXAMPLE, 'utf8');
    const started = performance.now();
    server.open(EXAMPLE_URI, text);
    const published = await server.waitForDiagnostics(EXAMPLE_URI, 1);
    const openToDiagnostics = performance.now() - started;
    assert.ok(published.diagnostics.length > 0, 'a GPT block has memory-bound ops and fusion opportunities');
    const codes = new Set(published.diagnostics.map((d) => String(d.code)));
    assert.ok([...codes].some((code) => /^MW2\d\d$/.test(code)), `a fusion finding (got ${[...codes].join(', ')})`);
    const chart = (await server.request<RooflineResult>(ROOFLINE_REQUEST, { uri: EXAMPLE_URI })).chart;
    assert.ok(chart && chart.points.length >= 10, 'a GPT block has a dozen priced ops or more');
    // What-if t=2048 (twice the default 1024 of `b, t = idx.size()`): q @ kᵀ costs 2·b·heads·t·t·head_dim, so four
    // times the FLOPs.
    const doubled = (await server.request<RooflineResult>(ROOFLINE_REQUEST, { uri: EXAMPLE_URI, whatIf: { dims: { t: 2048 } } })).chart;
    const scores = (c: RooflineResult["chart"]) => c!.points.filter((p) => p.op === 'torch.matmul').sort((a, b) => a.line - b.line)[0]!;
    assert.equal(scores(doubled).flops, 4 * scores(chart).flops);
    assert.equal(scores(chart).flops, 2 * 8 * 12 * 1024 * 1024 * 64);
    assert.ok(doubled!.assumptions.some((a) => a.symbol === 't' && a.value === 2048 && /what-if/.test(a.source)));
    // Hover every op's first character: each priced op answers with its bound and figures.
    const lines = text.split('\n');
    const latencies: number[] = [];
    for (const point of chart.points.slice(0, 20)) {
      const character = lines[point.line]!.indexOf(point.label);
      if (character < 0) continue;
      const hoverStarted = performance.now();
      const hover = hoverText(await server.hover(EXAMPLE_URI, point.line, character));
      latencies.push(performance.now() - hoverStarted);
      assert.match(hover, /-bound on NVIDIA H100 SXM|not priced on/, `hover on ${point.label} line ${point.line + 1}`);
      assert.match(hover, /FLOPs .* · bytes /);
    }
    assert.ok(latencies.length >= 5, 'hovers were measured');
    t.diagnostic(`gpt_block.py: open → diagnostics ${openToDiagnostics.toFixed(0)} ms (first analysis, parser warm); hover median ${median(latencies).toFixed(2)} ms over ${latencies.length}`);
  });

  it('offers code lenses on forwards, a hover on def, and a suppression that silences the finding', async () => {
    assert.ok(existsSync(EXAMPLE), `${EXAMPLE} is missing: the example is part of what this test checks`);
    const text = readFileSync(EXAMPLE, 'utf8');
    const lenses = await server.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: EXAMPLE_URI } });
    const forwards = text.split('\n').flatMap((line, index) => (/^\s*def forward\(/.test(line) ? [index] : []));
    assert.ok(lenses.length >= 2, `code lenses: ${lenses.length}`);
    for (const lens of lenses) {
      assert.ok(forwards.includes(lens.range.start.line), `lens on line ${lens.range.start.line + 1} is on a def forward`);
      assert.match(lens.command?.title ?? '', /^≈ [\d.]+ (µs|ms) on NVIDIA H100 SXM · \d+% of time memory-bound/);
      assert.equal(lens.command?.command, 'memwall.showRoofline');
    }
    const forward = forwards[0]!;
    const scopeHover = hoverText(await server.hover(EXAMPLE_URI, forward, text.split('\n')[forward]!.indexOf('forward') + 2));
    assert.match(scopeHover, /\*\*\w+\.forward\*\* — ≈ [\d.]+ (µs|ms) on NVIDIA H100 SXM/);

    const diagnostics = (await server.waitForDiagnostics(EXAMPLE_URI, 1)).diagnostics;
    const target = diagnostics[0]!;
    const actions = await server.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: EXAMPLE_URI }, range: target.range, context: { diagnostics: [target] },
    });
    const suppress = actions.find((action) => action.title.startsWith(`Suppress ${target.code}`));
    assert.ok(suppress?.edit?.changes, actions.map((a) => a.title).join(' | '));
    assert.ok(actions.some((action) => action.command?.command === 'memwall.explainFinding'));
    const edit = suppress.edit.changes[EXAMPLE_URI]![0]!;
    const document = TextDocument.create(EXAMPLE_URI, 'python', 1, text);
    const suppressed = TextDocument.applyEdits(document, [edit]);
    server.change(EXAMPLE_URI, 2, suppressed);
    const after = await server.waitForDiagnostics(EXAMPLE_URI, 2);
    const sameLine = (d: Diagnostic) => d.code === target.code && d.range.start.line === target.range.start.line;
    assert.ok(!after.diagnostics.some(sameLine), `${target.code} on line ${target.range.start.line + 1} is silenced by ${JSON.stringify(edit.newText)}`);
    assert.equal(after.diagnostics.length, diagnostics.length - diagnostics.filter(sameLine).length);
  });

  it('reads [tool.memwall] from the nearest pyproject.toml, and again when it changes', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'memwall-pyproject-'));
    // The client sends only the settings the user set (client/settings.ts): here, none about the GPU or dtype.
    const explicit = server.settings;
    server.settings = { dims: {}, severity: {}, inlayHints: 'full' };
    await server.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    try {
      const pyproject = path.join(folder, 'pyproject.toml');
      writeFileSync(pyproject, '[tool.memwall]\ngpu = "a100-80gb-sxm"\n[tool.memwall.dims]\nD = 4096\n');
      mkdirSync(path.join(folder, 'model'));
      const file = path.join(folder, 'model', 'mlp.py');
      const text = 'import torch\nimport torch.nn.functional as F\nx = torch.randn(8, D, dtype=torch.bfloat16)\ny = F.gelu(x)\n';
      writeFileSync(file, text);
      const uri = pathToFileURL(file).toString();
      server.open(uri, text);
      await server.waitForDiagnostics(uri, 1);
      const at = positionOf(text, 'F.gelu', 3);
      const hover = hoverText(await server.hover(uri, at.line, at.character));
      assert.match(hover, /on NVIDIA A100 SXM 80GB/);
      assert.match(hover, /in \[8, 4096\] bf16/);
      assert.match(hover, /D=4096 from pyproject\.toml \[tool\.memwall\]/);

      // Broken TOML: a warning names the file, and the analysis goes on without it.
      writeFileSync(pyproject, '[tool.memwall\ngpu = ');
      await server.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(pyproject).toString(), type: 2 }] });
      await server.waitForDiagnostics(uri);
      assert.ok(server.messages.some((m) => m.message.includes(pyproject)), server.messages.map((m) => m.message).join(' | '));
      assert.match(hoverText(await server.hover(uri, at.line, at.character)), /on NVIDIA H100 SXM/);
      server.close(uri);
    } finally {
      server.settings = explicit;
      await server.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('lets a setting the user set outrank [tool.memwall] even when it equals the default', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'memwall-explicit-'));
    try {
      writeFileSync(path.join(folder, 'pyproject.toml'), '[tool.memwall]\ngpu = "a100-80gb-sxm"\ndtype = "fp16"\n');
      const file = path.join(folder, 'mlp.py');
      const text = 'import torch\nimport torch.nn.functional as F\nx = torch.randn(8, 4096)\ny = F.gelu(x)\n';
      writeFileSync(file, text);
      const uri = pathToFileURL(file).toString();
      // The user chose h100-sxm and bf16, MemWall's defaults, on purpose: pyproject.toml's a100 and fp16 must not win.
      assert.equal(server.settings.gpu, 'h100-sxm');
      assert.equal(server.settings.dtype, 'bf16');
      server.open(uri, text);
      await server.waitForDiagnostics(uri, 1);
      const at = positionOf(text, 'F.gelu', 3);
      const hover = hoverText(await server.hover(uri, at.line, at.character));
      assert.match(hover, /on NVIDIA H100 SXM \(bf16\)/);
      server.close(uri);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('survives bad input: syntax errors, an empty file and non-Python text', async () => {
    const cases: [string, string, string][] = [
      ['file:///memwall-test/broken.py', 'import torch\nx = torch.randn(4, 4\ny = (x @ x\ndef f(:\n', 'python'],
      ['file:///memwall-test/empty.py', '', 'python'],
      ['file:///memwall-test/notes.md', '# Notes\n\nThis is *not* Python: {"a": [1, 2}\n\u0000\u00ff 🙂\n', 'markdown'],
      ['file:///memwall-test/binaryish.py', '\u0000\u0001\u0002'.repeat(200), 'python'],
    ];
    for (const [uri, text, languageId] of cases) {
      server.open(uri, text, languageId);
      const published = await server.waitForDiagnostics(uri, 1);
      assert.ok(Array.isArray(published.diagnostics), uri);
      assert.equal(await server.hover(uri, 0, 0).then(() => 'answered'), 'answered');
      const roofline = await server.request<RooflineResult>(ROOFLINE_REQUEST, { uri });
      assert.ok(roofline.chart !== null || roofline.error, `${uri}: a chart or a reason`);
      server.close(uri);
    }
    assert.equal(server.child.exitCode, null, 'the server is still running');
    const at = positionOf(SNIPPET, 'F.gelu', 3);
    server.change(SNIPPET_URI, 5, SNIPPET);
    await server.waitForDiagnostics(SNIPPET_URI, 5);
    assert.match(hoverText(await server.hover(SNIPPET_URI, at.line, at.character)), /F\.gelu/);
  });

  it('shuts down cleanly on shutdown + exit', async () => {
    assert.equal(await server.shutdown(), 0);
  });
});
