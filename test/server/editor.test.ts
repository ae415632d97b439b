// The editor features over the real server: rule-page links, tags and related ops on diagnostics, the debounce,
// reports (one file, files not open, several combined), notebooks analysed as one program, and Wrap in torch.compile.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CodeAction, Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { combineReports, EXPLAIN_REQUEST, REPORT_REQUEST, type ExplainResult, type ReportResult } from '../../src/protocol';
import { debounceDelay } from '../../src/server/store';
import { hoverText, ROOT, startServer, type Harness } from './lsp';

const CHAIN = `# memwall: B=8 T=1024
import torch
import torch.nn.functional as F

x = torch.randn(8, 1024, 3072, dtype=torch.bfloat16)
y = F.gelu(x)
z = y * 2.0 + x
`;
const MW102_FIXTURE = readFileSync(path.join(ROOT, 'test/fixtures/rules/MW102-avoidable-copy.py'), 'utf8');
const VIEWS = `# memwall: B=8 T=1024
import torch
x = torch.randn(8, 1024, 768, dtype=torch.bfloat16)
h = x.view(8, 1024, 12, 64).transpose(1, 2)
y = torch.relu(h)
`;

const diagnosticAt = (published: PublishDiagnosticsParams, code: string): Diagnostic[] => published.diagnostics.filter((d) => d.code === code);

describe('editor features over the real server', () => {
  let server: Harness;

  before(async () => {
    server = await startServer({ gpu: 'h100-sxm', dtype: 'bf16', dims: {}, severity: {}, inlayHints: 'full' });
  });
  after(async () => {
    if (server && server.child.exitCode === null) await server.shutdown();
  });

  it('links every rule code to its page in dist/rules, with the text of memwall/explain', async () => {
    const uri = 'file:///memwall-editor/chain.py';
    server.open(uri, CHAIN);
    const published = await server.waitForDiagnostics(uri, 1);
    const findings = published.diagnostics.filter((d) => /^MW[1-4]\d\d$/.test(String(d.code)));
    assert.ok(findings.length > 0, 'the chain is reported');
    for (const diagnostic of findings) {
      const href = diagnostic.codeDescription?.href;
      assert.ok(href, `${diagnostic.code} has a documentation link`);
      assert.match(href, new RegExp(`^file://.*/dist/rules/${diagnostic.code}\\.md$`));
      const page = fileURLToPath(href);
      assert.ok(existsSync(page), page);
      const { markdown } = await server.request<ExplainResult>(EXPLAIN_REQUEST, { code: diagnostic.code });
      assert.equal(readFileSync(page, 'utf8'), markdown, 'the page is the explanation the hover links to');
    }
    // Related information names every op of a finding that involves several: gelu, the multiply and the add.
    const chain = diagnosticAt(published, 'MW201')[0]!;
    const opIds = (chain.data as { opIds: number[] }).opIds;
    assert.ok(opIds.length >= 3);
    assert.equal(chain.relatedInformation?.length, opIds.length);
    const lines = chain.relatedInformation!.map((related) => related.location.range.start.line);
    assert.ok(lines.includes(5) && lines.includes(6), `gelu (line 6) and the arithmetic (line 7): ${lines.join(', ')}`);
  });

  it('tags avoidable copies (MW102) as unnecessary code, and nothing else', async () => {
    const uri = 'file:///memwall-editor/copies.py';
    server.open(uri, MW102_FIXTURE);
    const published = await server.waitForDiagnostics(uri, 1);
    const copies = diagnosticAt(published, 'MW102');
    assert.ok(copies.length >= 3, `MW102 findings: ${copies.length}`);
    for (const copy of copies) assert.deepEqual(copy.tags, [1], 'DiagnosticTag.Unnecessary');
    for (const other of published.diagnostics.filter((d) => d.code !== 'MW102')) assert.equal(other.tags, undefined);
    server.close(uri);
  });

  it('waits for the last analysis time after an edit, between 20 and 60 ms, and publishes the edit', async (t) => {
    assert.equal(debounceDelay({ minMs: 20, maxMs: 60 }, 5), 20);
    assert.equal(debounceDelay({ minMs: 20, maxMs: 60 }, 35), 35);
    assert.equal(debounceDelay({ minMs: 20, maxMs: 60 }, 400), 60);
    assert.equal(debounceDelay({ minMs: 20, maxMs: 60 }, undefined), 60, 'a file never analysed waits the longest');
    const uri = 'file:///memwall-editor/chain.py';
    const latencies: number[] = [];
    for (let version = 2; version <= 6; version++) {
      const sent = performance.now();
      server.change(uri, version, `${CHAIN}${'w = z + 1.0\n'.repeat(version)}`);
      const published = await server.waitForDiagnostics(uri, version);
      latencies.push(performance.now() - sent);
      assert.ok(published.diagnostics.length > 0, 'never empty while typing');
    }
    t.diagnostic(`keystroke → diagnostics on a 7-line file: ${latencies.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  });

  it('reports an open file without view rows, views listed in one line, and rule links', async () => {
    const uri = 'file:///memwall-editor/views.py';
    server.open(uri, VIEWS);
    await server.waitForDiagnostics(uri, 1);
    const report = await server.request<ReportResult>(REPORT_REQUEST, { uri });
    assert.match(report.markdown, /^# MemWall: views\.py\n\n1 file · \d+ findings?\n\n## `views\.py`\n/);
    assert.match(report.markdown, /### Where the time goes/);
    assert.match(report.markdown, /\| 5 \| `torch\.relu` \|/);
    const rows = report.markdown.split('\n').filter((line) => /^\| \d+ \| `/.test(line));
    assert.ok(!rows.some((row) => /view|transpose/.test(row)), `no view rows: ${rows.join(' / ')}`);
    assert.match(report.markdown, /^Free \(views and other ops with no FLOPs and no DRAM traffic\): .*view \(4\).*transpose \(4\)/m);
    const chain = await server.request<ReportResult>(REPORT_REQUEST, { uri: 'file:///memwall-editor/chain.py' });
    // The preview drops file: links; vscode://file/<path> opens the same page.
    assert.match(chain.section, /\[MW201\]\(vscode:\/\/file\/.*\/dist\/rules\/MW201\.md\)/);
    server.close(uri);
  });

  it('reports a file that is not open from the text sent, and combines several files into one report', async () => {
    const first = await server.request<ReportResult>(REPORT_REQUEST, { uri: 'file:///memwall-editor/pkg/a.py', name: 'pkg/a.py', text: CHAIN });
    const second = await server.request<ReportResult>(REPORT_REQUEST, { uri: 'file:///memwall-editor/pkg/b.py', name: 'pkg/b.py', text: VIEWS });
    assert.match(first.section, /^## `pkg\/a\.py`\n/);
    assert.ok(first.findings > 0);
    const combined = combineReports([first, second], 'MemWall report: pkg');
    assert.match(combined, new RegExp(`^# MemWall report: pkg\\n\\n2 files · ${first.findings + second.findings} findings?\\n\\n## \`pkg/a\\.py\``));
    assert.ok(combined.indexOf('## `pkg/b.py`') > combined.indexOf('## `pkg/a.py`'));
    const missing = await server.request<ReportResult>(REPORT_REQUEST, { uri: 'file:///memwall-editor/nowhere.py' });
    assert.match(missing.section, /not open/);
  });
  it("analyses a notebook's Python cells as one program, in cell order, with diagnostics in the right cell", async () => {
    const notebook = 'file:///memwall-editor/model.ipynb';
    const cell = (index: number) => `vscode-notebook-cell:/memwall-editor/model.ipynb#cell${index}`;
    // Cell 0 defines x, cell 1 is Markdown, cell 2 uses x: only as one program does the chain have a shape.
    const cells = [
      { text: '# memwall: B=8 T=1024\nimport torch\nimport torch.nn.functional as F\nx = torch.randn(8, 1024, 3072, dtype=torch.bfloat16)', language: 'python', kind: 2 },
      { text: '# The MLP\nGELU then a scaled residual.', language: 'markdown', kind: 1 },
      { text: 'y = F.gelu(x)\nz = y * 2.0 + x\n', language: 'python', kind: 2 },
    ];
    await server.connection.sendNotification('notebookDocument/didOpen', {
      notebookDocument: { uri: notebook, notebookType: 'jupyter-notebook', version: 1, cells: cells.map((c, index) => ({ kind: c.kind, document: cell(index) })) },
      cellTextDocuments: cells.map((c, index) => ({ uri: cell(index), languageId: c.language, version: 1, text: c.text })),
    });
    const inCell2 = await server.waitForDiagnostics(cell(2));
    const chain = diagnosticAt(inCell2, 'MW201')[0];
    assert.ok(chain, `MW201 lands in the third cell: ${inCell2.diagnostics.map((d) => d.code).join(', ')}`);
    assert.equal(chain.range.start.line, 0, 'on F.gelu, the first line of its cell');
    assert.equal(chain.range.start.character, 'y = '.length);
    assert.ok(chain.relatedInformation!.every((related) => related.location.uri === cell(2)));
    assert.ok(chain.relatedInformation!.some((related) => related.location.range.start.line === 1), "the arithmetic on the cell's second line");
    const inCell0 = server.published.filter((p) => p.uri === cell(0)).at(-1);
    assert.deepEqual(inCell0?.diagnostics.filter((d) => d.code === 'MW201'), [], 'the first cell gets its own (empty) list');
    assert.ok(!server.published.some((p) => p.uri === cell(1)), 'the Markdown cell is not analysed');

    // Hover in the cell: the joined program is priced, and the range comes back in the cell's lines.
    const hover = await server.hover(cell(2), 0, 'y = F.ge'.length);
    assert.match(hoverText(hover), /\*\*F\.gelu\*\* — memory-bound on NVIDIA H100 SXM/);
    assert.match(hoverText(hover), /in \[8, 1024, 3072\] bf16/);
    assert.equal(hover?.range?.start.line, 0);

    // An edit of the last cell: the fusion finding goes away, and the cell's diagnostics are replaced, not merged.
    const before = server.published.length;
    await server.connection.sendNotification('notebookDocument/didChange', {
      notebookDocument: { uri: notebook, version: 2 },
      change: { cells: { textContent: [{ document: { uri: cell(2), version: 2 }, changes: [{ text: 'y = F.gelu(x)\n' }] }] } },
    });
    let updated: PublishDiagnosticsParams | undefined;
    while (!updated) {
      updated = server.published.slice(before).find((p) => p.uri === cell(2));
      if (!updated) await server.waitForDiagnostics(cell(2));
    }
    assert.deepEqual(diagnosticAt(updated, 'MW201'), []);
    await server.connection.sendNotification('notebookDocument/didClose', { notebookDocument: { uri: notebook }, cellTextDocuments: cells.map((_, index) => ({ uri: cell(index) })) });
  });
  it('offers Wrap in torch.compile on fusion findings Inductor fuses, and the decorated forward is then compiled', async () => {
    const file = path.join(ROOT, 'examples', 'gpt_block.py');
    const text = readFileSync(file, 'utf8');
    const uri = 'file:///memwall-editor/gpt_block.py';
    server.open(uri, text);
    const published = await server.waitForDiagnostics(uri, 1);
    const actionsFor = (diagnostic: Diagnostic) => server.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] },
    });
    let wrap: CodeAction | undefined;
    let target: Diagnostic | undefined;
    for (const diagnostic of published.diagnostics.filter((d) => /^MW20[13]$/.test(String(d.code)))) {
      wrap = (await actionsFor(diagnostic)).find((action) => action.title.startsWith('Wrap '));
      target = diagnostic;
      if (wrap) break;
    }
    assert.ok(wrap && target, 'an MW201/MW203 finding offers Wrap in torch.compile');
    assert.match(wrap.title, /^Wrap \w+\.forward in torch\.compile \(Inductor fuses /);
    // Not offered where Inductor does not fuse the pattern (a GEMM epilogue, MW202).
    for (const diagnostic of published.diagnostics.filter((d) => d.code === 'MW202')) {
      assert.ok(!(await actionsFor(diagnostic)).some((action) => action.title.startsWith('Wrap ')));
    }
    const edits = wrap.edit!.changes![uri]!;
    const decorator = edits.find((edit) => edit.newText.includes('@torch.compile'))!;
    const defLine = text.split('\n')[decorator.range.start.line]!;
    assert.match(defLine, /^\s+def forward\(/);
    assert.equal(decorator.newText, `${/^\s*/.exec(defLine)![0]}@torch.compile\n`);
    const compiled = TextDocument.applyEdits(TextDocument.create(uri, 'python', 1, text), edits);
    server.change(uri, 2, compiled);
    const after = await server.waitForDiagnostics(uri, 2);
    const same = after.diagnostics.filter((d) => d.code === target!.code && d.range.start.line === target!.range.start.line + 1);
    assert.ok(same.every((d) => d.severity === 4), `under torch.compile ${target.code} is at most a hint: ${JSON.stringify(same.map((d) => d.severity))}`);
    const again = after.diagnostics.find((d) => d.code === target!.code && d.range.start.line === target!.range.start.line + 1);
    if (again) assert.ok(!(await actionsFor(again)).some((action) => action.title.startsWith('Wrap ')), 'not offered twice');
    server.close(uri);
  });
});
