// Extension-host tests: opening examples/gpt_block.py shows MemWall's diagnostics, with codes, ranges and related ops.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXAMPLE, codeOf, hoverText, openInEditor, recordFact, recordMeasurement, waitForDiagnostics, workspaceUri } from './helpers';

suite(`diagnostics on examples/${EXAMPLE}`, () => {
  const uri = workspaceUri(EXAMPLE);
  let document: vscode.TextDocument;
  let diagnostics: vscode.Diagnostic[];

  suiteSetup(async () => {
    const started = performance.now();
    // Listening starts before the open, so a fast server cannot publish before the test looks.
    const arrived = waitForDiagnostics(uri);
    document = (await openInEditor(EXAMPLE)).document;
    diagnostics = await arrived;
    recordFact(
      'diagnostics',
      diagnostics.map((diagnostic) => ({
        code: codeOf(diagnostic),
        line: diagnostic.range.start.line + 1,
        endLine: diagnostic.range.end.line + 1,
        severity: vscode.DiagnosticSeverity[diagnostic.severity],
        message: diagnostic.message,
      })),
    );
    recordMeasurement(`open examples/${EXAMPLE} (${document.lineCount} lines) → memwall diagnostics`, performance.now() - started, 'ms');
  });

  test('every MemWall diagnostic has source memwall and a code MW followed by three digits', () => {
    assert.ok(diagnostics.length > 0);
    for (const diagnostic of diagnostics) {
      assert.equal(diagnostic.source, 'memwall');
      assert.match(codeOf(diagnostic), /^MW\d{3}$/, `code of "${diagnostic.message}"`);
    }
  });

  test('diagnostics sit on memory-bound ops: the hover at each finding\'s start says memory-bound', async () => {
    // Issue 2: "diagnostics on memory-bound ops"; the code may be MW1xx (hotspot) or a fusion code on the same op.
    const findings = diagnostics.filter((diagnostic) => /^MW[12]\d\d$/.test(codeOf(diagnostic)));
    const bounds: string[] = [];
    for (const diagnostic of findings) {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, diagnostic.range.start.translate(0, 1));
      const text = hoverText(hovers ?? []);
      bounds.push(`${codeOf(diagnostic)}@${diagnostic.range.start.line + 1}: ${/(\w+)-bound/.exec(text)?.[0] ?? 'no bound'}`);
    }
    assert.ok(bounds.some((bound) => /memory-bound/.test(bound)), bounds.join(' | '));
  });

  test('a fusion opportunity is reported (MW2xx)', () => {
    const fusions = diagnostics.filter((diagnostic) => /^MW2\d\d$/.test(codeOf(diagnostic)));
    assert.ok(fusions.length > 0, `codes seen: ${diagnostics.map(codeOf).join(', ')}`);
  });

  test('each diagnostic covers code in the file and its message says what it costs', () => {
    for (const diagnostic of diagnostics) {
      const { range } = diagnostic;
      assert.ok(range.end.line < document.lineCount, `${codeOf(diagnostic)} ends past the file`);
      const text = document.getText(range).trim();
      assert.ok(text.length > 0, `${codeOf(diagnostic)} at line ${range.start.line + 1} covers no text`);
      assert.ok(!text.startsWith('#'), `${codeOf(diagnostic)} at line ${range.start.line + 1} sits on a comment`);
      if (/^MW[12]/.test(codeOf(diagnostic))) {
        // A finding says why it costs: bytes moved or time (DESIGN.md, Rules).
        assert.match(diagnostic.message, /\d(\.\d+)?\s*(B|KB|MB|GB|KiB|MiB|GiB|µs|us|ms)\b/, diagnostic.message);
      }
    }
  });

  test('severities are warnings or milder, never errors, by default', () => {
    for (const diagnostic of diagnostics) {
      assert.notEqual(diagnostic.severity, vscode.DiagnosticSeverity.Error, `${codeOf(diagnostic)}: ${diagnostic.message}`);
    }
  });

  test('a fusion finding points at every op it involves (related information on this file)', () => {
    const fusions = diagnostics.filter((diagnostic) => /^MW2\d\d$/.test(codeOf(diagnostic)));
    const withRelated = fusions.filter((diagnostic) => (diagnostic.relatedInformation?.length ?? 0) > 1);
    assert.ok(withRelated.length > 0, 'no fusion finding lists the ops it would fuse');
    for (const diagnostic of withRelated) {
      for (const related of diagnostic.relatedInformation!) {
        assert.equal(related.location.uri.toString(), uri.toString());
        assert.ok(document.getText(related.location.range).trim().length > 0, related.message);
      }
    }
  });

  test('rule codes link to their documentation page inside the extension (codeDescription)', async () => {
    const findings = diagnostics.filter((diagnostic) => /^MW[1-4]\d\d$/.test(codeOf(diagnostic)));
    assert.ok(findings.length > 0);
    for (const diagnostic of findings) {
      assert.ok(typeof diagnostic.code === 'object' && diagnostic.code !== null, `${codeOf(diagnostic)} has no documentation link`);
      const target = (diagnostic.code as { target: vscode.Uri }).target;
      assert.equal(target.scheme, 'file');
      assert.match(target.path, new RegExp(`/dist/rules/${codeOf(diagnostic)}\\.md$`));
      const page = new TextDecoder().decode(await vscode.workspace.fs.readFile(target));
      assert.match(page, new RegExp(`^# ${codeOf(diagnostic)} `), `${target.toString()} is the rule's page`);
    }
  });

  test('a finding is on the line of a pointwise or normalization op', () => {
    // gpt_block.py's GELU, LayerNorm, softmax, dropout and residual adds are the textbook memory-bound ops.
    const pointwise = /gelu|GELU|layer_?norm|ln_|softmax|dropout|drop|\+|\*|masked_fill|silu|relu/;
    const lines = diagnostics.filter((diagnostic) => /^MW[12]\d\d$/.test(codeOf(diagnostic))).map((diagnostic) => diagnostic.range.start.line);
    assert.ok(
      lines.some((line) => pointwise.test(document.lineAt(line).text)),
      `finding lines: ${lines.map((line) => `${line + 1}: ${document.lineAt(line).text.trim()}`).join(' | ')}`,
    );
  });
});
