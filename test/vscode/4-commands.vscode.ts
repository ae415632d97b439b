// Extension-host tests: each MemWall command runs and does what it says (panel, quick picks, report, explain).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXAMPLE, eventually, hoverText, linesMatching, openInEditor, sleep, waitForDiagnostics, workspaceUri } from './helpers';

const GELU_CALL = /\.gelu\(\s*\w/;

function allTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs);
}

/** Runs a command that opens a quick pick, moves `next` rows down and accepts; resolves when the command finishes. */
async function pickFromQuickPick(command: string, next: number): Promise<void> {
  const running = vscode.commands.executeCommand(command);
  // The quick pick is filled after a request to the server; accepting before it shows would accept nothing.
  await sleep(1_000);
  for (let step = 0; step < next; step++) await vscode.commands.executeCommand('quickInput.next');
  await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  await running;
}

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
    const tab = await eventually('the roofline panel tab', () =>
      allTabs().find((candidate) => candidate.input instanceof vscode.TabInputWebview && candidate.input.viewType.includes('memwall.roofline')),
    );
    assert.equal(tab.label, 'MemWall Roofline');
    // Running it again reveals the same panel rather than opening a second one.
    await vscode.commands.executeCommand('memwall.showRoofline');
    await sleep(300);
    const panels = allTabs().filter((candidate) => candidate.input instanceof vscode.TabInputWebview && candidate.input.viewType.includes('memwall.roofline'));
    assert.equal(panels.length, 1);
    await vscode.window.tabGroups.close(panels);
  });

  test('MemWall: Select GPU sets memwall.gpu from the quick pick, and hovers re-price on the new GPU', async () => {
    const before = vscode.workspace.getConfiguration('memwall').get<string>('gpu');
    assert.equal(before, 'h100-sxm');
    // The first row is the first GPU of the table, which is not the default H100 SXM.
    await pickFromQuickPick('memwall.selectGpu', 0);
    const after = vscode.workspace.getConfiguration('memwall').get<string>('gpu');
    assert.ok(after && after !== before, `memwall.gpu is still ${after}`);
    const text = await eventually('a hover priced on the new GPU', async () => {
      const hover = await priceHover(uri, document);
      return /H100/.test(hover) ? undefined : hover;
    });
    assert.match(text, /-bound on /, text);
  });

  test('MemWall: Select Dtype sets memwall.dtype, and hovers re-price in it where the file does not fix the dtype', async () => {
    // gpt_block.py fixes its dtype in a magic comment, which outranks the setting; this snippet does not.
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
    assert.equal(vscode.workspace.getConfiguration('memwall').get<string>('dtype'), 'bf16');
    // Rows are bf16, fp16, fp32, fp8: two down is fp32.
    await pickFromQuickPick('memwall.selectDtype', 2);
    assert.equal(vscode.workspace.getConfiguration('memwall').get<string>('dtype'), 'fp32');
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

  test('MemWall: Change GPU, Dtype or Sizes (the status bar click) offers the three settings', async () => {
    const running = vscode.commands.executeCommand('memwall.changeSettings');
    await sleep(500);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await running;
  });

  test('MemWall: Explain Finding shows the documentation of a rule code', async () => {
    await vscode.commands.executeCommand('memwall.explainFinding', 'MW201');
    const explained = await eventually('the explanation document', () =>
      vscode.workspace.textDocuments.find((candidate) => candidate.languageId === 'markdown' && /MW201/.test(candidate.getText())),
    );
    assert.match(explained.getText(), /fus/i);
  });

  test('MemWall: Set Sizes is registered with an input box (typed into by the UI pass)', async () => {
    const running = vscode.commands.executeCommand('memwall.setSizes');
    await sleep(500);
    // Escape: the command must end quietly and leave the sizes alone.
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await running;
    assert.deepEqual(vscode.workspace.getConfiguration('memwall').inspect('dims')?.workspaceValue, undefined);
  });
});
