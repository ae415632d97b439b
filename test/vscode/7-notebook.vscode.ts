// Extension-host tests: a Jupyter notebook's Python cells are analysed as one program, diagnostics in the right cell.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { codeOf, waitForDiagnostics } from './helpers';

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
