// Extension-host tests: each MemWall command runs and does what it says (panel, quick picks, report, explain).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXAMPLE, EXTENSION_ID, eventually, hoverText, linesMatching, memwallApi, openInEditor, pickUntil, waitForDiagnostics, workspaceUri } from './helpers';

const GELU_CALL = /\.gelu\(\s*\w/;

function allTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs);
}

const setting = (key: string): unknown => vscode.workspace.getConfiguration('memwall').get(key);

const isRoofline = (tab: vscode.Tab): boolean => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.includes('memwall.roofline');

async function priceHover(uri: vscode.Uri, document: vscode.TextDocument): Promise<string> {
  // The call in forward (`self.gelu(x)` or `F.gelu(h)`), not the `nn.GELU()` constructor in __init__.
  const line = linesMatching(document, GELU_CALL)[0];
  assert.ok(line !== undefined, 'no GELU call to hover');
  const column = document.lineAt(line).text.search(GELU_CALL) + 2;
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(line, column));
  return hoverText(hovers ?? []);
}

suite('MemWall commands', () => {
  const uri = workspaceUri(EXAMPLE);
  let document: vscode.TextDocument;

  setup(async () => {
    document = (await openInEditor(EXAMPLE)).document;
    await waitForDiagnostics(uri);
  });

  teardown(async () => {
    const config = vscode.workspace.getConfiguration('memwall');
    for (const key of ['gpu', 'dtype', 'dims']) await config.update(key, undefined, vscode.ConfigurationTarget.Workspace);
  });

  test('MemWall: Show Roofline opens the roofline webview panel beside the file', async () => {
    await vscode.commands.executeCommand('memwall.showRoofline');
    const tab = await eventually('the roofline panel tab', () => allTabs().find(isRoofline));
    assert.equal(tab.label, 'MemWall Roofline');
    // Running it again from the editor reveals the same panel (it becomes the active tab) rather than opening a second.
    await vscode.window.showTextDocument(document, { preview: false });
    await eventually('the editor in front again', () => (vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputText ? true : undefined));
    await vscode.commands.executeCommand('memwall.showRoofline');
    await eventually('the roofline panel revealed', () => (allTabs().some((candidate) => isRoofline(candidate) && candidate.isActive && candidate.group.isActive) ? true : undefined));
    const panels = allTabs().filter(isRoofline);
    assert.equal(panels.length, 1, `${panels.length} roofline panels`);
    await vscode.window.tabGroups.close(panels);
  });

  test('MemWall: Select GPU sets memwall.gpu from the quick pick, and hovers re-price on the new GPU', async () => {
    const before = setting('gpu');
    assert.equal(before, 'h100-sxm');
    // The first row is the first GPU of the table, which is not the default H100 SXM.
    await pickUntil('memwall.selectGpu', 0, () => setting('gpu') !== before, 'memwall.gpu set from the GPU quick pick');
    assert.equal(setting('gpu'), 'b200');
    const text = await eventually('a hover priced on the new GPU', async () => {
      const hover = await priceHover(uri, document);
      return /H100/.test(hover) ? undefined : hover;
    });
    assert.match(text, /-bound on /, text);
  });

  test('MemWall: Select Dtype sets memwall.dtype, and hovers re-price in it where the file does not fix the dtype', async () => {
    // A snippet of its own, so that the re-priced hover is on a line this test wrote.
    const snippet = workspaceUri('snippet_dtype.py');
    await vscode.workspace.fs.writeFile(
      snippet,
      new TextEncoder().encode('import torch\nimport torch.nn.functional as F\n\nx = torch.randn(8, 1024, 3072)\ny = F.gelu(x)\n'),
    );
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(snippet), { preview: false });
    const position = new vscode.Position(4, 7);
    const hover = async (): Promise<string> =>
      hoverText((await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', snippet, position)) ?? []);
    const before = await eventually('a hover on the snippet', async () => ((await hover()) || undefined));
    assert.match(before.split('\n')[0]!, /bf16/, before);
    assert.equal(setting('dtype'), 'bf16');
    // Rows are bf16, fp16, fp32, fp8: two down is fp32.
    await pickUntil('memwall.selectDtype', 2, () => setting('dtype') === 'fp32', 'memwall.dtype set to fp32 from the dtype quick pick');
    const after = await eventually('a hover priced in fp32', async () => {
      const text = await hover();
      return /fp32/.test(text.split('\n')[0] ?? '') ? text : undefined;
    });
    // fp32 moves twice the bytes of bf16 for the same GELU.
    assert.match(after, /\[8, 1024, 3072\] fp32/, after);
    assert.ok(editor);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('MemWall: Report for Current File opens a rendered Markdown preview of the report, without view rows', async () => {
    await vscode.commands.executeCommand('memwall.reportForCurrentFile');
    const report = await eventually('the report document', () =>
      vscode.workspace.textDocuments.find((candidate) => candidate.uri.scheme === 'memwall-report' && /gpt_block/.test(candidate.getText())),
    );
    const text = report.getText();
    assert.match(text, /^# MemWall: gpt_block\.py/, 'no heading');
    assert.match(text, /^\|.*\|$/m, 'no table');
    assert.match(text, /MW\d{3}/, 'no finding code');
    assert.match(text, /### Where the time goes/);
    const opRows = text.split('\n').filter((line) => /^\| \d+ \| `/.test(line));
    assert.ok(opRows.length > 0 && !opRows.some((row) => /`[^`]*\.(view|transpose|permute|reshape)`/.test(row)), 'views are listed in one line, not as rows');
    // The report is shown rendered: a Markdown preview tab, not an editor of raw Markdown.
    const preview = await eventually('the Markdown preview tab', () =>
      allTabs().find((tab) => tab.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(tab.input.viewType)),
    );
    assert.ok(preview.label.includes('gpt_block'), preview.label);
    await vscode.window.tabGroups.close(preview);
  });

  test('MemWall: Report for Workspace reports every Python file of the workspace in one preview', async () => {
    await vscode.commands.executeCommand('memwall.reportForWorkspace');
    const report = await eventually('the workspace report', () =>
      vscode.workspace.textDocuments.find((candidate) => candidate.uri.scheme === 'memwall-report' && /^# MemWall report: /.test(candidate.getText())),
    60_000);
    const text = report.getText();
    const python = (await vscode.workspace.findFiles('**/*.py', '**/{.git,node_modules,.venv,venv}/**')).length;
    assert.match(text, new RegExp(`^# MemWall report: .*\\n\\n${python} files? · \\d+ findings?`));
    assert.match(text, /^## `gpt_block\.py`$/m);
    const preview = allTabs().find((tab) => tab.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(tab.input.viewType));
    if (preview) await vscode.window.tabGroups.close(preview);
  });

  test('MemWall: Change GPU, Dtype or Sizes (the status bar click): its first row runs Select GPU, and the status bar follows', async () => {
    const api = await memwallApi();
    assert.match(api.statusText(), /H100 SXM · bf16/, api.statusText());
    // The menu's first row is Select GPU, whose first row is the first GPU of the table (B200).
    await pickUntil('memwall.changeSettings', 0, () => setting('gpu') === 'b200', 'memwall.gpu set through the status bar menu');
    await eventually('the status bar on the new GPU', () => (/B200 .*· bf16/.test(api.statusText()) ? true : undefined));
  });

  test('the status bar keeps following analyses after the roofline panel is closed (one listener does not evict the other)', async () => {
    const api = await memwallApi();
    await vscode.commands.executeCommand('memwall.showRoofline');
    await vscode.window.tabGroups.close(await eventually('the roofline panel tab', () => allTabs().find(isRoofline)));
    const editor = await openInEditor(EXAMPLE);
    // A magic comment's GPU reaches the status bar only through the server's analysed notification. The example, as
    // published code, has none: one is written above its first line.
    const magic = '# memwall: gpu=a100-80gb-sxm';
    try {
      await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), `${magic}\n`));
      await eventually('the status bar on the magic comment\'s GPU', () => (/A100/.test(api.statusText()) ? true : undefined), 20_000);
    } finally {
      // The line is taken out of this document by an edit of its own, whichever editor has the focus by then (the
      // revert command acts on the active editor only), and the file is saved as it was on disk.
      const document = editor.document;
      if (document.lineAt(0).text === magic) {
        const undo = new vscode.WorkspaceEdit();
        undo.delete(document.uri, new vscode.Range(0, 0, 1, 0));
        await vscode.workspace.applyEdit(undo);
      }
      await document.save();
    }
    await eventually('the status bar back on H100', () => (/H100/.test(api.statusText()) ? true : undefined), 20_000);
  });

  test('MemWall: Explain Finding opens the rule\'s page shipped in the extension, rendered, not an untitled document', async () => {
    const untitled = (): number => vscode.workspace.textDocuments.filter((candidate) => candidate.isUntitled).length;
    const untitledBefore = untitled();
    await vscode.commands.executeCommand('memwall.explainFinding', 'MW201');
    const preview = await eventually('the rendered page of MW201', () =>
      allTabs().find((tab) => tab.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(tab.input.viewType) && /MW201\.md/.test(tab.label)),
    );
    // The preview renders in the Markdown extension's own host, so the page is read here from the extension's files.
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    const page = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(extension.extensionUri, 'dist', 'rules', 'MW201.md')));
    assert.match(page, /^# MW201 unfused-pointwise-chain\n/);
    assert.match(page, /\*\*Use instead\.\*\*/);
    assert.equal(untitled(), untitledBefore, 'an untitled document was opened');
    await vscode.window.tabGroups.close(preview);
    // A code with no rule, or anything that is not a code, opens nothing.
    for (const code of ['MW999', '../../package']) {
      await vscode.commands.executeCommand('memwall.explainFinding', code);
      assert.ok(!allTabs().some((tab) => tab.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(tab.input.viewType)), `a preview opened for ${code}`);
    }
  });

  test('memwall.trace.server is a registered setting (the language client, whose id is memwall, reads it)', () => {
    const inspected = vscode.workspace.getConfiguration('memwall').inspect<string>('trace.server');
    assert.equal(inspected?.defaultValue, 'off', 'memwall.trace.server is not contributed');
  });

  test('MemWall: Set Sizes is registered with an input box (typed into by the UI pass)', async () => {
    let ended = false;
    const running = Promise.resolve(vscode.commands.executeCommand('memwall.setSizes')).then(() => { ended = true; });
    // Escape until the command ends: it must end quietly and leave the sizes alone.
    await eventually('Set Sizes to end on Escape', async () => {
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      return ended ? true : undefined;
    });
    await running;
    assert.deepEqual(vscode.workspace.getConfiguration('memwall').inspect('dims')?.workspaceValue, undefined);
  });
});
