// Extension-host tests: every example model in examples/ is analysed in VS Code: priced ops, and no rule failures.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { codeOf, eventually, memwallDiagnostics, waitForAnalysis, workspaceUri } from './helpers';

/** The examples as the repository has them (the workspace also holds files the suite writes). */
const EXAMPLES_FOLDER = path.resolve(__dirname, '..', '..', '..', 'examples');
const EXAMPLES = fs.existsSync(EXAMPLES_FOLDER) ? fs.readdirSync(EXAMPLES_FOLDER).filter((name) => name.endsWith('.py')).sort() : [];

suite('every example model', () => {
  test('examples/ holds example models', () => {
    assert.ok(EXAMPLES.length > 0, `no .py files in ${EXAMPLES_FOLDER}`);
  });

  for (const name of EXAMPLES) {
    test(`${name}: ops are priced (inlay hints) and no rule failed (no MW990)`, async () => {
      const uri = workspaceUri(name);
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document, { preview: false });
      const whole = new vscode.Range(0, 0, document.lineCount, 0);
      const hints = await eventually(`priced ops in ${name}`, async () => {
        const found = (await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', uri, whole)) ?? [];
        return found.length > 0 ? found : undefined;
      }, 30_000);
      // Diagnostics are published with the analysis that answered the hints, before its analysed notification.
      await waitForAnalysis(document);
      const failures = memwallDiagnostics(uri).filter((diagnostic) => codeOf(diagnostic) === 'MW990');
      assert.deepEqual(failures.map((diagnostic) => diagnostic.message), [], `rules failed on ${name}`);
      assert.ok(hints.length > 0);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });
  }
});
