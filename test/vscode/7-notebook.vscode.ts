// Extension-host tests: a Jupyter notebook's Python cells are analysed as one program, and every feature a file has
// (diagnostics, hover, inlay hints, code lenses, code actions, the report, the roofline) works in its cells.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXAMPLE, codeOf, eventually, linesMatching, memwallDiagnostics, waitForDiagnostics, workspaceUri } from './helpers';

suite('MemWall in a Jupyter notebook', () => {
  test('cells are one program in cell order: the chain in the third cell uses x from the first', async () => {
    const cells = [
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, '# memwall: B=8 T=1024\nimport torch\nimport torch.nn.functional as F\nx = torch.randn(8, 1024, 3072, dtype=torch.bfloat16)', 'python'),
      new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, '# The MLP', 'markdown'),
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'y = F.gelu(x)\nz = y * 2.0 + x', 'python'),
    ];
    // VS Code's built-in ipynb extension provides the Jupyter notebook type; without it this fails, as a missing feature should.
    const notebook = await vscode.workspace.openNotebookDocument('jupyter-notebook', new vscode.NotebookData(cells));
    await vscode.window.showNotebookDocument(notebook);
    const third = notebook.cellAt(2).document.uri;
    const diagnostics = await waitForDiagnostics(third, (found) => found.some((diagnostic) => codeOf(diagnostic) === 'MW201'), 30_000);
    const chain = diagnostics.find((diagnostic) => codeOf(diagnostic) === 'MW201')!;
    assert.equal(chain.range.start.line, 0, 'on F.gelu, the first line of the third cell');
    assert.equal(vscode.languages.getDiagnostics(notebook.cellAt(0).document.uri).filter((d) => codeOf(d) === 'MW201').length, 0);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', third, new vscode.Position(0, 7));
    const text = (hovers ?? []).flatMap((hover) => hover.contents.map((content) => (typeof content === 'string' ? content : content.value))).join('\n');
    assert.match(text, /in \[8, 1024, 3072\] bf16/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});

/** The lines of examples/gpt_block.py cut into cells where a top-level definition starts (a decorator stays with its class). */
function cellsOf(text: string): string[] {
  const lines = text.replace(/\n$/, '').split('\n');
  const cells: string[][] = [[]];
  for (const [index, line] of lines.entries()) {
    const opens = /^(@|class |def |if __name__)/.test(line) && !/^@/.test(lines[index - 1] ?? '');
    if (opens && cells.at(-1)!.some((kept) => kept.trim() !== '')) cells.push([]);
    cells.at(-1)!.push(line);
  }
  return cells.map((cell) => cell.join('\n'));
}

function label(hint: vscode.InlayHint): string {
  return typeof hint.label === 'string' ? hint.label : hint.label.map((part) => part.value).join('');
}

const allTabs = (): vscode.Tab[] => vscode.window.tabGroups.all.flatMap((group) => group.tabs);

/** Puts the cursor in a cell, as a user clicking into it does: the cell's editor becomes the active text editor. */
async function focusCell(cell: vscode.NotebookCell): Promise<void> {
  await vscode.window.showTextDocument(cell.document);
  await eventually(`the editor of cell ${cell.index}`, () => (vscode.window.activeTextEditor?.document === cell.document ? true : undefined));
}

suite(`a notebook of examples/${EXAMPLE}, one cell per class, has every feature files have`, () => {
  let notebook: vscode.NotebookDocument;
  /** The cell of the MLP class: a forward with a GELU, so it has findings, hints and a lens. */
  let mlp: vscode.NotebookCell;

  suiteSetup(async () => {
    const source = new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceUri(EXAMPLE)));
    const code = cellsOf(source).map((text) => new vscode.NotebookCellData(vscode.NotebookCellKind.Code, text, 'python'));
    // A Markdown cell between code cells, as notebooks have: it is not part of the program.
    const cells = [code[0]!, new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, '## The layers', 'markdown'), ...code.slice(1)];
    notebook = await vscode.workspace.openNotebookDocument('jupyter-notebook', new vscode.NotebookData(cells));
    await vscode.window.showNotebookDocument(notebook);
    const found = notebook.getCells().find((cell) => /^class MLP\b/m.test(cell.document.getText()));
    assert.ok(found, `no cell holds class MLP (${notebook.cellCount} cells)`);
    mlp = found;
    await waitForDiagnostics(mlp.document.uri, (diagnostics) => diagnostics.length > 0, 30_000);
  });

  suiteTeardown(async () => {
    await vscode.window.showNotebookDocument(notebook);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test("inlay hints end the cell's priced lines, in the cell's own lines", async () => {
    const document = mlp.document;
    const hints = (await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', document.uri, new vscode.Range(0, 0, document.lineCount, 0))) ?? [];
    assert.ok(hints.length >= 3, `${hints.length} inlay hints in the MLP cell`);
    for (const hint of hints) {
      assert.ok(hint.position.line < document.lineCount, `a hint on line ${hint.position.line} of a ${document.lineCount}-line cell`);
      assert.equal(hint.position.character, document.lineAt(hint.position.line).text.length, `hint "${label(hint)}" is not at the end of its line`);
    }
    const gelu = linesMatching(document, /\.gelu\(\s*\w/);
    assert.ok(hints.some((hint) => gelu.includes(hint.position.line) && /^mem/.test(label(hint))), `the GELU line says memory-bound: ${hints.map(label).join(' | ')}`);
  });

  test('a code lens above the forward of the cell gives its time; a cell without a forward has none', async () => {
    // The workbench answers for a cell whose editor it has made (VS Code makes a cell's editor when it shows the cell).
    await focusCell(mlp);
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', mlp.document.uri, 50)) ?? [];
    const timed = lenses.filter((lens) => lens.command?.command === 'memwall.showRoofline');
    assert.deepEqual(timed.map((lens) => lens.range.start.line), linesMatching(mlp.document, /^\s*def forward\(/));
    assert.match(timed[0]!.command!.title, /^≈ [\d.]+ (µs|ms) on NVIDIA H100 SXM · \d+% of time memory-bound/);
    await focusCell(notebook.cellAt(0));
    const first = notebook.cellAt(0).document.uri;
    const none = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', first, 50)) ?? [];
    assert.deepEqual(none.filter((lens) => lens.command?.command === 'memwall.showRoofline'), [], 'the imports cell has no forward');
  });

  test('Report for Current File, run from a cell, reports the whole notebook', async () => {
    await focusCell(mlp);
    await vscode.commands.executeCommand('memwall.reportForCurrentFile');
    const name = notebook.uri.path.split('/').pop()!;
    const report = await eventually(`the report of ${name}`, () =>
      vscode.workspace.textDocuments.find((candidate) => candidate.uri.scheme === 'memwall-report' && candidate.getText().startsWith(`# MemWall: ${name}\n`)),
    );
    const text = report.getText();
    assert.doesNotMatch(text, /not open/);
    assert.match(text, /MW\d{3}/, 'no finding in the report');
    // Ops of every class are in it: the notebook is one program, not the focused cell alone.
    assert.match(text, /c_attn/);
    assert.match(text, /gelu/);
    const preview = await eventually('the Markdown preview tab', () => allTabs().find((tab) => tab.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(tab.input.viewType)));
    await vscode.window.tabGroups.close(preview);
  });

  test('Show Roofline, run from a cell, opens the roofline panel', async () => {
    await focusCell(mlp);
    await vscode.commands.executeCommand('memwall.showRoofline');
    const isRoofline = (tab: vscode.Tab): boolean => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.includes('memwall.roofline');
    const tab = await eventually('the roofline panel tab', () => allTabs().find(isRoofline));
    await vscode.window.tabGroups.close(tab);
  });

  test("code actions on a cell's findings suppress or explain them; the suppression is an edit of that cell", async () => {
    const diagnostics = memwallDiagnostics(mlp.document.uri).filter((diagnostic) => /^MW[1-4]\d\d$/.test(codeOf(diagnostic)));
    assert.ok(diagnostics.length > 0, 'no finding in the MLP cell');
    for (const diagnostic of diagnostics) {
      const code = codeOf(diagnostic);
      const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', mlp.document.uri, diagnostic.range)) ?? [];
      const titles = actions.map((action) => action.title);
      assert.ok(titles.includes(`Explain ${code}`), `no Explain for ${code}: ${titles.join(' | ')}`);
      const suppress = actions.find((action) => action.title === `Suppress ${code} on this line (# memwall: ignore[${code}])`);
      assert.ok(suppress?.edit, `no suppression for ${code} on line ${diagnostic.range.start.line + 1}: ${titles.join(' | ')}`);
      const edits = suppress.edit.entries();
      assert.deepEqual(edits.map(([uri]) => uri.toString()), [mlp.document.uri.toString()], 'the edit is in the cell');
      assert.equal(edits[0]![1][0]!.range.start.line, diagnostic.range.start.line, "on the finding's line of the cell");
    }
    // Applied, the first suppression silences its finding (and the notebook is analysed again from the cell's new text).
    const first = diagnostics[0]!;
    const code = codeOf(first);
    const line = first.range.start.line;
    const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', mlp.document.uri, first.range)) ?? [];
    assert.ok(await vscode.workspace.applyEdit(actions.find((action) => action.title.startsWith(`Suppress ${code}`))!.edit!));
    assert.match(mlp.document.lineAt(line).text, new RegExp(`# memwall: ignore\\[${code}\\]`));
    await waitForDiagnostics(mlp.document.uri, (found) => !found.some((diagnostic) => codeOf(diagnostic) === code && diagnostic.range.start.line === line), 30_000);
  });
});
