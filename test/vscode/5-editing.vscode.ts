// Extension-host tests: diagnostics follow edits quickly and never flicker to empty; a 2,000-line file; severities live.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  EXAMPLE, codeOf, eventually, memwallDiagnostics, nextDiagnosticsChange, openInEditor, percentile, recordMeasurement, typingPause,
  waitForAnalysis, waitForDiagnostics, withSetting, workspaceUri,
} from './helpers';

const KEYSTROKES = 20;

/**
 * Types one character at a time into a trailing comment and times each keystroke to the next diagnostics
 * publication for the file. Keystrokes are spaced beyond the server's debounce, so each one is analysed.
 */
async function keystrokeLatencies(editor: vscode.TextEditor, count: number): Promise<{ latencies: number[]; emptied: number }> {
  const { document } = editor;
  await editor.edit((edit) => edit.insert(document.lineAt(document.lineCount - 1).range.end, '\n# typing '));
  await nextDiagnosticsChange(document.uri);
  const latencies: number[] = [];
  let emptied = 0;
  for (let index = 0; index < count; index++) {
    const next = nextDiagnosticsChange(document.uri);
    const started = performance.now();
    await editor.edit((edit) => edit.insert(document.lineAt(document.lineCount - 1).range.end, 'x'));
    const diagnostics = await next;
    latencies.push(performance.now() - started);
    if (diagnostics.length === 0) emptied++;
    await typingPause(50);
  }
  return { latencies, emptied };
}

async function revert(editor: vscode.TextEditor): Promise<void> {
  await vscode.window.showTextDocument(editor.document);
  await vscode.commands.executeCommand('workbench.action.files.revert');
}

/** A ~2,000-line model: gpt_block.py's classes repeated under new names, so every copy is analysed on its own. */
function bigModel(source: string, lines: number): string {
  const classes = [...source.matchAll(/^class\s+([A-Za-z_][A-Za-z0-9_]*)/gm)].map((match) => match[1]!);
  const parts: string[] = [];
  let total = 0;
  for (let copy = 0; total < lines; copy++) {
    let text = source;
    for (const name of classes) text = text.replace(new RegExp(`\\b${name}\\b`, 'g'), `${name}${copy}`);
    text = text.replace(/^if __name__ == .__main__.:[\s\S]*$/m, '');
    parts.push(text);
    total += text.split('\n').length;
  }
  return parts.join('\n');
}

suite('editing and settings', () => {
  test(`keystroke → updated diagnostics on examples/${EXAMPLE}, never flickering to empty`, async () => {
    const editor = await openInEditor(EXAMPLE);
    const before = await waitForDiagnostics(editor.document.uri);
    try {
      const { latencies, emptied } = await keystrokeLatencies(editor, KEYSTROKES);
      recordMeasurement(`keystroke → diagnostics, ${EXAMPLE} (${editor.document.lineCount} lines), p50`, percentile(latencies, 0.5), 'ms');
      recordMeasurement(`keystroke → diagnostics, ${EXAMPLE}, p95 of ${KEYSTROKES}`, percentile(latencies, 0.95), 'ms');
      assert.equal(emptied, 0, `${emptied} of ${KEYSTROKES} keystrokes emptied the diagnostics`);
      assert.equal(memwallDiagnostics(editor.document.uri).length, before.length, 'a comment changed the findings');
    } finally {
      await revert(editor);
    }
  });

  test('a burst of fast typing ends with the diagnostics of the final text', async () => {
    const editor = await openInEditor(EXAMPLE);
    const before = await waitForDiagnostics(editor.document.uri);
    const counts: number[] = [];
    const watch = vscode.languages.onDidChangeDiagnostics((event) => {
      if (event.uris.some((changed) => changed.toString() === editor.document.uri.toString())) counts.push(memwallDiagnostics(editor.document.uri).length);
    });
    try {
      await editor.edit((edit) => edit.insert(editor.document.lineAt(editor.document.lineCount - 1).range.end, '\n# '));
      for (let index = 0; index < 15; index++) {
        await editor.edit((edit) => edit.insert(editor.document.lineAt(editor.document.lineCount - 1).range.end, 'y'));
        await typingPause(20);
      }
      // The server publishes the final text's analysis last; every publication before it is in `counts` by then.
      await waitForAnalysis(editor.document);
      assert.ok(counts.length > 0, 'no diagnostics were published during the burst');
      assert.ok(counts.every((count) => count > 0), `diagnostics went empty while typing: ${counts.join(',')}`);
      assert.equal(memwallDiagnostics(editor.document.uri).length, before.length);
    } finally {
      watch.dispose();
      await revert(editor);
    }
  });

  test('a 2,000-line model: time from open to diagnostics, and keystroke latency', async () => {
    const source = new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceUri(EXAMPLE)));
    const uri = workspaceUri('big_model.py');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(bigModel(source, 2_000)));
    const started = performance.now();
    const arrived = waitForDiagnostics(uri, undefined, 30_000);
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
    const diagnostics = await arrived.catch(async (error: Error) => {
      // Say what the server made of the file: the report command answers with the analysis error, if any.
      await vscode.commands.executeCommand('memwall.reportForCurrentFile');
      const report = await eventually('the report of big_model.py', () =>
        vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'memwall-report' && /big_model/.test(d.getText())),
      ).catch(() => undefined);
      throw new Error(`${error.message}; the document has ${editor.document.lineCount} lines; report: ${report?.getText().slice(0, 300) ?? 'none'}`);
    });
    recordMeasurement(`open a ${editor.document.lineCount}-line model → memwall diagnostics`, performance.now() - started, 'ms');
    assert.ok(editor.document.lineCount >= 2_000);
    const small = memwallDiagnostics(workspaceUri(EXAMPLE)).length;
    assert.ok(diagnostics.length >= small, `${diagnostics.length} diagnostics on the big file, ${small} on one copy`);
    try {
      const { latencies } = await keystrokeLatencies(editor, KEYSTROKES);
      recordMeasurement(`keystroke → diagnostics, ${editor.document.lineCount}-line model, p50`, percentile(latencies, 0.5), 'ms');
      recordMeasurement(`keystroke → diagnostics, ${editor.document.lineCount}-line model, p95 of ${KEYSTROKES}`, percentile(latencies, 0.95), 'ms');
    } finally {
      await revert(editor);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    }
  });

  test('memwall.severity applies live: a code set to off disappears, and comes back when reset', async () => {
    const editor = await openInEditor(EXAMPLE);
    const uri = editor.document.uri;
    const codes = new Set((await waitForDiagnostics(uri)).map(codeOf));
    const silenced = [...codes].sort()[0]!;
    const restore = await withSetting('severity', { [silenced]: 'off' });
    console.log(`[severity] ${silenced} off; memwall.severity is now ${JSON.stringify(vscode.workspace.getConfiguration('memwall').get('severity'))}`);
    try {
      await waitForDiagnostics(uri, (diagnostics) => diagnostics.length > 0 && !diagnostics.some((d) => codeOf(d) === silenced));
      await vscode.workspace.getConfiguration('memwall').update('severity', { [silenced]: 'information' }, vscode.ConfigurationTarget.Workspace);
      const informational = await waitForDiagnostics(uri, (diagnostics) => diagnostics.some((d) => codeOf(d) === silenced));
      for (const diagnostic of informational.filter((d) => codeOf(d) === silenced)) {
        assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Information);
      }
    } finally {
      await restore();
    }
    await waitForDiagnostics(uri, (diagnostics) => diagnostics.some((d) => codeOf(d) === silenced && d.severity !== vscode.DiagnosticSeverity.Information) || !codes.has(silenced));
  });

  test('a file with a syntax error still gets a best-effort analysis and the server survives', async () => {
    const uri = workspaceUri('broken.py');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('import torch\nimport torch.nn.functional as F\nx = torch.randn(8, 1024, 3072)\ny = F.gelu(x\ndef (:\n'));
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
    // The server answers the broken file with an analysis (best effort), not silence.
    await waitForAnalysis(editor.document);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    // The server still answers for the example after the broken file.
    const example = await openInEditor(EXAMPLE);
    assert.ok(editor);
    assert.ok((await waitForDiagnostics(example.document.uri)).length > 0);
    const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', example.document.uri, new vscode.Range(0, 0, example.document.lineCount, 0));
    assert.ok((hints ?? []).length > 0, 'the server stopped answering after the broken file');
  });
});
