// What the panel's host accepts from its webview: reveals of its own document only, restored state checked, and a
// resource root that holds the webview's files and nothing else of the extension.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { panelHtml } from '../../src/client/html';
import { chartLine, documentLine, hostStateFrom, revealTarget, WEBVIEW_FOLDER, WEBVIEW_SCRIPT, WEBVIEW_STYLE } from '../../src/client/panel-policy';
import { joinCells } from '../../src/server/notebook';

const ROOT = path.join(__dirname, '..', '..');
const PANEL_DOCUMENT = 'file:///work/model.py';

describe('roofline panel host', () => {
  it('reveals lines of the document the panel shows, and refuses any other URI', () => {
    assert.deepEqual(revealTarget({ uri: PANEL_DOCUMENT, line: 12 }, PANEL_DOCUMENT), { uri: PANEL_DOCUMENT, line: 12 });
    for (const uri of ['file:///etc/passwd', 'file:///work/model.py.bak', 'untitled:Untitled-1', 'command:workbench.action.terminal.new', 'FILE:///work/model.py']) {
      assert.equal(revealTarget({ uri, line: 0 }, PANEL_DOCUMENT), undefined, uri);
    }
    // A panel that shows no document reveals nothing.
    assert.equal(revealTarget({ uri: PANEL_DOCUMENT, line: 0 }, undefined), undefined);
  });

  it("maps a notebook's chart lines to its cells and back, as the server joins the cells", () => {
    const notebook = 'untitled:Untitled-1.ipynb';
    const cell = (index: number): string => `vscode-notebook-cell:Untitled-1.ipynb#W${index}sdW50aXRsZWQ%3D`;
    // Three Python cells of 2, 1 (empty) and 3 lines; the server's join puts them at program lines 0, 2 and 3.
    const { cells, document } = joinCells(notebook, 1, [
      { uri: cell(0), text: 'import torch\nx = torch.randn(8, 64)' },
      { uri: cell(2), text: '' },
      { uri: cell(3), text: 'y = x.relu()\nz = y * 2\nw = z + x\n' },
    ]);
    assert.equal(document.getText().split('\n')[4], 'z = y * 2');
    assert.deepEqual(documentLine(notebook, 4, cells), { uri: cell(3), line: 1 }, 'program line 4 is the second line of the third cell');
    assert.deepEqual(documentLine(notebook, 0, cells), { uri: cell(0), line: 0 });
    assert.equal(chartLine(cell(3), 1, notebook, cells), 4);
    assert.equal(chartLine(cell(0), 1, notebook, cells), 1);
    // A cell of another notebook, or a file the panel does not show, has no line in the chart.
    assert.equal(chartLine('vscode-notebook-cell:Other.ipynb#W0', 0, notebook, cells), undefined);
    assert.equal(chartLine('file:///work/other.py', 3, PANEL_DOCUMENT, []), undefined);
    // A file's lines are the chart's lines.
    assert.deepEqual(documentLine(PANEL_DOCUMENT, 7, []), { uri: PANEL_DOCUMENT, line: 7 });
    assert.equal(chartLine(PANEL_DOCUMENT, 7, PANEL_DOCUMENT, []), 7);
  });

  it('reads back only well-formed fields of a restored state', () => {
    assert.deepEqual(hostStateFrom({ uri: PANEL_DOCUMENT, whatIf: { gpu: 'a100-80gb-sxm', dims: { T: 4096 } } }), {
      uri: PANEL_DOCUMENT, whatIf: { gpu: 'a100-80gb-sxm', dims: { T: 4096 } },
    });
    for (const state of [undefined, null, 'file:///a.py', [], 42, { uri: 42 }, { uri: 'no scheme' }, { uri: 'x'.repeat(5000) + ':' }]) {
      assert.deepEqual(hostStateFrom(state), { whatIf: {} }, JSON.stringify(state)?.slice(0, 80));
    }
    // A malformed what-if is dropped on its own; the document stays.
    assert.deepEqual(hostStateFrom({ uri: PANEL_DOCUMENT, whatIf: { dims: { 'T; import os': 1 } } }), { uri: PANEL_DOCUMENT, whatIf: {} });
    assert.deepEqual(hostStateFrom({ uri: PANEL_DOCUMENT, whatIf: { dtype: 'int4' } }), { uri: PANEL_DOCUMENT, whatIf: {} });
  });

  it('serves the webview one folder that holds what its page loads and none of the server, CLI or wasm bundles', () => {
    const folder = path.join(ROOT, ...WEBVIEW_FOLDER);
    assert.ok(existsSync(folder), `${folder} is missing: run \`npm run build\` first`);
    const files = readdirSync(folder).sort();
    assert.deepEqual(files.filter((name) => !name.endsWith('.map')), [WEBVIEW_STYLE, WEBVIEW_SCRIPT].sort());
    // The page loads exactly those two files from the folder.
    const base = 'https://resource.test/extension/dist/webview/';
    const html = panelHtml({ cspSource: 'https://resource.test', scriptUri: base + WEBVIEW_SCRIPT, styleUri: base + WEBVIEW_STYLE });
    const loaded = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!).sort();
    assert.deepEqual(loaded, [base + WEBVIEW_STYLE, base + WEBVIEW_SCRIPT].sort());
    // What the webview must not reach sits outside the folder.
    for (const bundle of ['server.js', 'cli.js', 'extension.js', 'web-tree-sitter.wasm', 'tree-sitter-python.wasm']) {
      assert.ok(!files.includes(bundle), `${bundle} is inside the webview's folder`);
    }
  });
});
