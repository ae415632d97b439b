// Extension-host tests: hovers, inlay hints, code lenses and code actions on examples/gpt_block.py, through the VS Code API.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  EXAMPLE, codeOf, eventually, hoverText, linesMatching, memwallDiagnostics, openInEditor, waitForDiagnostics, withSetting, workspaceUri,
} from './helpers';

const BOUND = /(memory|compute|overhead)-bound/;
const GELU_CALL = /\.gelu\(\s*\w/;

/** Positions of the call names on a line (`self.c_attn(x).split(` → on `c_attn` and on `split`). */
function callPositions(document: vscode.TextDocument, line: number): vscode.Position[] {
  const text = document.lineAt(line).text;
  const calls = [...text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)]
    .filter((match) => !['def', 'class', 'if', 'for', 'return', 'super'].includes(match[1]!))
    .map((match) => new vscode.Position(line, match.index! + 1));
  // Binary operators are ops too: `self.transformer.drop(tok_emb + pos_emb)` prices the add, while the dropout at
  // p=0 around it is free.
  const operators = [...text.matchAll(/\s([+*@/-])\s/g)].map((match) => new vscode.Position(line, match.index! + 1));
  return [...calls, ...operators];
}

async function hoverAt(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position);
  return hoverText(hovers ?? []);
}

async function inlayHints(document: vscode.TextDocument): Promise<vscode.InlayHint[]> {
  const whole = new vscode.Range(0, 0, document.lineCount, 0);
  return (await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', document.uri, whole)) ?? [];
}

function label(hint: vscode.InlayHint): string {
  return typeof hint.label === 'string' ? hint.label : hint.label.map((part) => part.value).join('');
}

suite(`hovers, inlay hints, code lenses and code actions on examples/${EXAMPLE}`, () => {
  const uri = workspaceUri(EXAMPLE);
  let document: vscode.TextDocument;

  suiteSetup(async () => {
    document = (await openInEditor(EXAMPLE)).document;
    await waitForDiagnostics(uri);
  });

  test('inlay hints end the lines of priced ops with bound, intensity and time', async () => {
    const hints = await inlayHints(document);
    assert.ok(hints.length >= 3, `only ${hints.length} inlay hints`);
    for (const hint of hints) {
      const text = label(hint);
      assert.match(text, /^(mem|compute|overhead|\d+ ops)/, text);
      assert.match(text, /(µs|ms|\bs)\b/, `no time in "${text}"`);
      // At the end of its line, after the code.
      assert.equal(hint.position.character, document.lineAt(hint.position.line).text.length, `hint "${text}" is not at the end of line ${hint.position.line + 1}`);
      assert.ok(!document.lineAt(hint.position.line).isEmptyOrWhitespace);
    }
    const single = hints.map(label).filter((text) => !/ops/.test(text));
    assert.ok(single.some((text) => /F\/B/.test(text)), `no hint shows an intensity: ${single.join(' | ')}`);
  });

  test('the inlay hint setting applies live: bound only, then off, then full again', async () => {
    const full = (await inlayHints(document)).map(label);
    const restore = await withSetting('inlayHints', 'bound');
    try {
      const bound = await eventually('bound-only hints', async () => {
        const labels = (await inlayHints(document)).map(label);
        return labels.length > 0 && labels.every((text) => !/F\/B|µs|ms/.test(text)) ? labels : undefined;
      });
      assert.equal(bound.length, full.length);
      await vscode.workspace.getConfiguration('memwall').update('inlayHints', 'off', vscode.ConfigurationTarget.Workspace);
      await eventually('no hints', async () => ((await inlayHints(document)).length === 0 ? true : undefined));
    } finally {
      await restore();
    }
    await eventually('full hints again', async () => ((await inlayHints(document)).length === full.length ? true : undefined));
  });

  test('the hover on each priced line gives the bound, shapes, FLOPs, bytes, intensity, time and sizes used', async () => {
    const lines = [...new Set((await inlayHints(document)).map((hint) => hint.position.line))];
    assert.ok(lines.length > 0);
    let checked = 0;
    for (const line of lines) {
      // A line can hold views next to the priced op (`self.c_attn(x).split(...)`): the op with a bound is checked.
      const texts = await Promise.all(callPositions(document, line).map((position) => hoverAt(uri, position)));
      const text = texts.find((candidate) => BOUND.test(candidate)) ?? texts.find(Boolean);
      if (!text) continue;
      checked++;
      const where = `hover on line ${line + 1} (${document.lineAt(line).text.trim()})`;
      assert.match(text, BOUND, `${where} names no bound:\n${text}`);
      assert.match(text, /FLOP/, `${where}: no FLOPs`);
      assert.match(text, /\d(\.\d+)?\s*(B|KB|MB|GB|KiB|MiB|GiB)\b/, `${where}: no bytes`);
      assert.match(text, /intensity/i, `${where}: no intensity`);
      assert.match(text, /\d(\.\d+)?\s*(µs|ms|ns)/, `${where}: no time`);
      assert.match(text, /\[[^\]]*\]/, `${where}: no shape`);
    }
    assert.ok(checked >= Math.min(3, lines.length), `only ${checked} of ${lines.length} priced lines answered a hover`);
  });

  test('the hover on the GELU says memory-bound and names the GPU and dtype', async () => {
    // The call in forward (`self.gelu(x)` or `F.gelu(h)`), not the `nn.GELU()` constructor in __init__.
    const calls = linesMatching(document, GELU_CALL);
    assert.ok(calls.length > 0, 'gpt_block.py has no GELU call');
    const texts = await Promise.all(calls.map((line) => hoverAt(uri, new vscode.Position(line, document.lineAt(line).text.search(GELU_CALL) + 2))));
    const text = texts.find((candidate) => /gelu/i.test(candidate)) ?? texts.join('\n');
    assert.match(text, /memory-bound/, text);
    assert.match(text, /H100/, text);
    assert.match(text, /bf16/, text);
  });

  test('a blank line and a comment get no hover from MemWall', async () => {
    const blank = linesMatching(document, /^\s*$/)[0];
    assert.ok(blank !== undefined);
    assert.equal(await hoverAt(uri, new vscode.Position(blank, 0)), '');
  });

  test('the hover links to Show Roofline and to Explain for the op\'s finding', async () => {
    const lines = (await inlayHints(document)).map((hint) => hint.position.line);
    const texts = await Promise.all(lines.flatMap((line) => callPositions(document, line)).map((position) => hoverAt(uri, position)));
    const linked = texts.filter((text) => /command:memwall\./.test(text));
    assert.ok(linked.length > 0, `none of ${texts.filter(Boolean).length} hovers on priced lines links to a MemWall command`);
    assert.ok(linked.some((text) => /command:memwall\.showRoofline/.test(text)), 'no hover links to Show Roofline');
    // The op under a finding links to its explanation, with the code as the command's argument.
    const explained = linked.find((text) => /command:memwall\.explainFinding\?/.test(text));
    assert.ok(explained, 'no hover links to Explain for a finding');
    const argument = /command:memwall\.explainFinding\?([^)\s]+)/.exec(explained)![1]!;
    assert.match(JSON.parse(decodeURIComponent(argument))[0], /^MW\d{3}$/);
  });

  test('the hover on def forward sums the method', async () => {
    const line = linesMatching(document, /^\s*def forward\(/)[0];
    assert.ok(line !== undefined);
    const text = await hoverAt(uri, new vscode.Position(line, document.lineAt(line).text.indexOf('forward') + 2));
    assert.ok(text, `no hover on def forward (line ${line + 1})`);
    assert.match(text, /\*\*\w+\.forward\*\* — ≈ [\d.]+ (µs|ms) on NVIDIA H100 SXM/, text);
  });

  test('code lenses above each forward give its time and share of memory-bound time', async () => {
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 50)) ?? [];
    // The time lenses (each runs Show Roofline); a function whose input shape is unknown may also get a Set Input Shape lens.
    const memwall = lenses.filter((lens) => lens.command?.command === 'memwall.showRoofline');
    const forwards = linesMatching(document, /^\s*def forward\(/);
    assert.ok(forwards.length > 0, `${EXAMPLE} has no def forward`);
    // One lens per forward: a forward without one, or a lens elsewhere, fails.
    assert.deepEqual(memwall.map((lens) => lens.range.start.line).sort((a, b) => a - b), forwards, `lenses: ${memwall.map((lens) => `${lens.range.start.line + 1}: ${lens.command?.title}`).join(' | ') || 'none'}`);
    for (const lens of memwall) {
      assert.match(lens.command!.title, /^≈ [\d.]+ (µs|ms) on NVIDIA H100 SXM · \d+% of time memory-bound/, lens.command!.title);
      assert.equal(lens.command!.command, 'memwall.showRoofline');
    }
  });

  test('code actions on a finding offer its fix or a suppression', async () => {
    const diagnostics = memwallDiagnostics(uri);
    assert.ok(diagnostics.length > 0);
    const offered: string[] = [];
    for (const diagnostic of diagnostics) {
      const actions =
        (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range)) ?? [];
      const mine = actions.filter((action) => action.diagnostics?.some((d) => d.source === 'memwall') || /MW\d{3}|memwall|Suppress/i.test(action.title));
      offered.push(...mine.map((action) => `${codeOf(diagnostic)}: ${action.title}`));
    }
    assert.ok(offered.length > 0, `no MemWall code action on any of ${diagnostics.length} diagnostics`);
    // Every finding can be suppressed and explained.
    for (const diagnostic of diagnostics) {
      const code = codeOf(diagnostic);
      assert.ok(offered.includes(`${code}: Suppress ${code} on this line (# memwall: ignore[${code}])`), `no suppression for ${code} on line ${diagnostic.range.start.line + 1}: ${offered.join(' | ')}`);
      assert.ok(offered.includes(`${code}: Explain ${code}`), `no Explain for ${code}`);
    }
  });
});
