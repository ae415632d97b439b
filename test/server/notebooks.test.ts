// Notebooks get every feature files have, through the server's one resolve(uri): diagnostics, hover, inlay hints,
// code lenses, code actions, the roofline request and the report, each asked for by cell URI (as VS Code does) and
// answered in the cell's own lines.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CodeAction, CodeLens, Diagnostic } from 'vscode-languageserver-protocol';
import { REPORT_REQUEST, ROOFLINE_REQUEST, type ReportResult, type RooflineResult } from '../../src/protocol';
import { hoverText, ROOT, startServer, type Harness } from './lsp';

/** examples/gpt_block.py as a notebook: its lines cut into code cells at its classes, with a Markdown cell between. */
const LINES = readFileSync(path.join(ROOT, 'examples', 'gpt_block.py'), 'utf8').split('\n');
/** The 0-based line a top-level statement of the example starts on. */
const at = (start: string): number => LINES.findIndex((line) => line.startsWith(start));
const CELLS = [
  { text: LINES.slice(0, at('class CausalSelfAttention')).join('\n'), language: 'python', kind: 2 },
  { text: '## The attention and the MLP', language: 'markdown', kind: 1 },
  { text: LINES.slice(at('class CausalSelfAttention'), at('class MLP')).join('\n'), language: 'python', kind: 2 },
  { text: LINES.slice(at('class MLP'), at('@dataclass')).join('\n'), language: 'python', kind: 2 },
  { text: LINES.slice(at('@dataclass'), at('class GPT(')).join('\n'), language: 'python', kind: 2 },
  { text: LINES.slice(at('class GPT(')).join('\n'), language: 'python', kind: 2 },
];
const NOTEBOOK = 'file:///memwall-notebooks/gpt_block.ipynb';
const cell = (index: number): string => `vscode-notebook-cell:/memwall-notebooks/gpt_block.ipynb#W${index}sZmlsZQ%3D%3D`;
/** The MLP and Block cell. */
const MLP_CELL = 3;
const lineCount = (index: number): number => CELLS[index]!.text.split('\n').length;

describe('notebooks have every feature files have', () => {
  let server: Harness;

  before(async () => {
    server = await startServer({ gpu: 'h100-sxm', dtype: 'bf16', inlayHints: 'full' });
    await server.connection.sendNotification('notebookDocument/didOpen', {
      notebookDocument: { uri: NOTEBOOK, notebookType: 'jupyter-notebook', version: 1, cells: CELLS.map((c, index) => ({ kind: c.kind, document: cell(index) })) },
      cellTextDocuments: CELLS.map((c, index) => ({ uri: cell(index), languageId: c.language, version: 1, text: c.text })),
    });
    await server.waitForDiagnostics(cell(MLP_CELL));
  });
  after(async () => {
    if (server && server.child.exitCode === null) await server.shutdown();
  });

  it('hovers an op in a cell, with its range in the cell', async () => {
    const line = CELLS[MLP_CELL]!.text.split('\n').findIndex((text) => text.includes('x = self.gelu(x)'));
    const hover = await server.hover(cell(MLP_CELL), line, '        x = self.ge'.length);
    assert.match(hoverText(hover), /\*\*self\.gelu\*\* — memory-bound on NVIDIA H100 SXM/);
    assert.equal(hover?.range?.start.line, line);
  });

  it("serves inlay hints for a cell's lines, placed in the cell", async () => {
    const hints = await server.inlayHints(cell(MLP_CELL), lineCount(MLP_CELL));
    assert.ok(hints && hints.length >= 3, `hints in the MLP cell: ${hints?.length}`);
    for (const hint of hints) assert.ok(hint.position.line < lineCount(MLP_CELL), `hint on line ${hint.position.line} of a ${lineCount(MLP_CELL)}-line cell`);
    const gelu = CELLS[MLP_CELL]!.text.split('\n').findIndex((text) => text.includes('x = self.gelu(x)'));
    assert.ok(hints.some((hint) => hint.position.line === gelu && /^mem/.test(String(hint.label))), 'the GELU line says memory-bound');
  });

  it('puts code lenses on the forwards of a cell, and none of another cell', async () => {
    const lenses = await server.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: cell(MLP_CELL) } });
    const forwards = CELLS[MLP_CELL]!.text.split('\n').flatMap((text, index) => (/^\s*def forward\(/.test(text) ? [index] : []));
    assert.deepEqual(lenses.map((lens) => lens.range.start.line).sort((a, b) => a - b), forwards, 'one lens per forward of the cell (MLP and Block)');
    assert.match(lenses[0]!.command!.title, /^≈ .* on NVIDIA H100 SXM · .* · Roofline$/);
    const configCell = await server.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: cell(4) } });
    assert.deepEqual(configCell, [], 'the GPTConfig cell has no forward');
  });

  it("offers code actions on a cell's diagnostics, with edits in that cell", async () => {
    const published = server.published.filter((p) => p.uri === cell(MLP_CELL)).at(-1)!;
    const finding = published.diagnostics.find((d: Diagnostic) => /^MW[1-4]\d\d$/.test(String(d.code)));
    assert.ok(finding, `a finding in the MLP cell: ${published.diagnostics.map((d) => d.code).join(', ')}`);
    const actions = await server.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: cell(MLP_CELL) }, range: finding.range, context: { diagnostics: [finding] },
    });
    const suppress = actions.find((action) => action.title.startsWith('Suppress '));
    assert.ok(suppress, actions.map((action) => action.title).join(' | '));
    const edits = suppress.edit!.changes![cell(MLP_CELL)]!;
    assert.equal(edits.length, 1);
    assert.equal(edits[0]!.range.start.line, finding.range.start.line, 'the comment goes on the finding\'s line of the cell');
    assert.deepEqual(suppress.diagnostics, [finding], 'the action names the diagnostic as the editor sent it');
  });

  it('answers the roofline request for a cell and for the notebook', async () => {
    for (const uri of [cell(MLP_CELL), NOTEBOOK]) {
      const result = await server.request<RooflineResult>(ROOFLINE_REQUEST, { uri });
      assert.equal(result.error, undefined, `${uri}: ${result.error}`);
      assert.ok(result.chart && result.chart.points.length > 5, `${uri}: chart points`);
      // The chart counts lines of the joined Python cells: the answer says where each cell's lines are, so the panel
      // can reveal a point in its cell and follow the cursor from a cell.
      const code = CELLS.flatMap((c, index) => (c.language === 'python' ? [index] : []));
      assert.deepEqual(result.cells?.map((span) => span.uri), code.map(cell), `${uri}: the Python cells, in order`);
      let next = 0;
      for (const [position, span] of result.cells!.entries()) {
        assert.equal(span.startLine, next, `${uri}: cell ${code[position]} starts where the one before ends`);
        // A cell's text ending in a newline takes no line of the program after it.
        assert.equal(span.lineCount, CELLS[code[position]!]!.text.replace(/\n$/, '').split('\n').length);
        next += span.lineCount;
      }
      const mlp = result.cells!.find((span) => span.uri === cell(MLP_CELL))!;
      const gelu = CELLS[MLP_CELL]!.text.split('\n').findIndex((text) => text.includes('x = self.gelu(x)'));
      assert.ok(result.chart.points.some((point) => point.line === mlp.startLine + gelu && /gelu/.test(point.label)), `${uri}: the GELU's point is on its line of the MLP cell`);
    }
    // The same program opened as a file has the same chart and no cells.
    const file = 'file:///memwall-notebooks/gpt_block.py';
    server.open(file, CELLS.filter((c) => c.language === 'python').map((c) => c.text.replace(/\n?$/, '\n')).join(''));
    await server.waitForDiagnostics(file);
    const plain = await server.request<RooflineResult>(ROOFLINE_REQUEST, { uri: file });
    assert.equal(plain.error, undefined, plain.error);
    assert.equal(plain.cells, undefined, 'a file has no cells');
    const notebook = await server.request<RooflineResult>(ROOFLINE_REQUEST, { uri: NOTEBOOK });
    assert.deepEqual(plain.chart?.points.map((point) => `${point.line} ${point.label}`), notebook.chart?.points.map((point) => `${point.line} ${point.label}`));
    server.close(file);
  });

  it('reports the notebook from one of its cells (Report for Current File)', async () => {
    const report = await server.request<ReportResult>(REPORT_REQUEST, { uri: cell(0) });
    assert.match(report.markdown, /^# MemWall: gpt_block\.ipynb\n/);
    assert.ok(report.findings > 0, report.section.slice(0, 300));
    assert.doesNotMatch(report.section, /not open/);
  });

  it('names an untitled document by its name, without the scheme', async () => {
    const untitled = 'untitled:Untitled-1.ipynb';
    await server.connection.sendNotification('notebookDocument/didOpen', {
      notebookDocument: { uri: untitled, notebookType: 'jupyter-notebook', version: 1, cells: [{ kind: 2, document: `vscode-notebook-cell:Untitled-1.ipynb#W0sdW50aXRsZWQ%3D` }] },
      cellTextDocuments: [{ uri: `vscode-notebook-cell:Untitled-1.ipynb#W0sdW50aXRsZWQ%3D`, languageId: 'python', version: 1, text: CELLS[0]!.text }],
    });
    const report = await server.request<ReportResult>(REPORT_REQUEST, { uri: `vscode-notebook-cell:Untitled-1.ipynb#W0sdW50aXRsZWQ%3D` });
    assert.match(report.markdown, /^# MemWall: Untitled-1\.ipynb\n/);
    await server.connection.sendNotification('notebookDocument/didClose', { notebookDocument: { uri: untitled }, cellTextDocuments: [{ uri: `vscode-notebook-cell:Untitled-1.ipynb#W0sdW50aXRsZWQ%3D` }] });
  });
});
