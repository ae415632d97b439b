// Extension-host tests: the extension is installed from the development path, activates, and contributes its commands.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, recordMeasurement, workspaceUri } from './helpers';

suite('activation', () => {
  test('the workspace is the copy of examples/ that holds gpt_block.py', async () => {
    const stat = await vscode.workspace.fs.stat(workspaceUri('gpt_block.py'));
    assert.equal(stat.type, vscode.FileType.File);
  });

  test('the MemWall extension is loaded and activates', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded from the development path`);
    assert.equal(extension.packageJSON.main, './dist/extension.js');
    const started = performance.now();
    await extension.activate();
    // activate() resolves once the extension's activate() returned; a second call costs nothing, so the first one is timed.
    recordMeasurement('extension activate() (first call, before any file is open)', performance.now() - started, 'ms');
    assert.equal(extension.isActive, true);
  });

  test('every contributed command is registered with VS Code', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed: { command: string; category?: string }[] = extension.packageJSON.contributes?.commands ?? [];
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const command of contributed) {
      assert.ok(registered.has(command.command), `${command.command} is contributed but not registered`);
      assert.equal(command.category, 'MemWall', `${command.command} should be in the MemWall category`);
    }
  });
});
