// Quick fixes: each fixes/MWxxx[-case].in.py, fixed, must equal its .out.py, parse, and no longer get the finding.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import { applyFixes, fixesOf, suppressionFix } from '../../src/core/rules/fixes';
import { testParser } from '../helpers/parser';
import { FIX_DIR } from './fixture-tags';

const pairs = readdirSync(FIX_DIR).filter((name) => /^MW\d{3}(-[a-z0-9-]+)?\.in\.py$/.test(name)).sort();

describe('quick fixes', () => {
  it('finds the fix pairs', () => assert.ok(pairs.length > 0));
  for (const name of pairs) {
    it(name.replace('.in.py', ''), async () => {
      const code = name.slice(0, 5);
      const parser = await testParser();
      const input = readFileSync(path.join(FIX_DIR, name), 'utf8');
      const expected = readFileSync(path.join(FIX_DIR, name.replace('.in.py', '.out.py')), 'utf8');
      const before = analyze(input, { parser }).findings.filter((f) => f.code === code);
      assert.ok(before.length > 0, `${code} does not fire on the input`);
      assert.ok(before.every((f) => f.fix), `every ${code} finding in the input has a fix`);
      const { text: fixed, deferred } = applyFixes(input, before.flatMap((finding) => (finding.fix ? [finding.fix] : [])));
      assert.deepEqual(deferred, [], 'the fixes of one file overlap');
      assert.equal(fixed, expected);
      const tree = parser.parse(fixed);
      try {
        assert.equal(tree.rootNode.hasError, false, 'the fixed file has syntax errors');
      } finally {
        tree.delete();
      }
      const after = analyze(fixed, { parser });
      assert.deepEqual(after.findings.filter((f) => f.code === code).map((f) => f.message), []);
      assert.ok(!after.notes.some((note) => note.code === 'MW902'));
    });
  }
});

describe('fix edits shared by the server and the CLI', () => {
  const edit = (start: number, end: number, newText: string) => ({
    span: { start, end, startLine: 0, startColumn: start, endLine: 0, endColumn: end },
    newText,
  });

  it('applies whole fixes, defers one that overlaps a fix already taken, and makes an edit two fixes share once', () => {
    const text = 'abcdefgh';
    const first = { title: 'first', edits: [edit(1, 3, 'XY'), edit(0, 0, '<')] };
    const overlapping = { title: 'overlapping', edits: [edit(6, 7, '!'), edit(2, 4, 'Z')] };
    const sharing = { title: 'sharing', edits: [edit(0, 0, '<'), edit(8, 8, '>')] };
    const result = applyFixes(text, [first, overlapping, sharing]);
    // The overlapping fix is left out whole: its edit at 6..7 is not made either.
    assert.equal(result.text, '<aXYdefgh>');
    assert.deepEqual(result.applied.map((fix) => fix.title), ['first', 'sharing']);
    assert.deepEqual(result.deferred.map((fix) => fix.title), ['overlapping']);
  });

  it('puts an insertion before a replacement that starts at the same offset', () => {
    const text = 'abcdef';
    const result = applyFixes(text, [{ title: 'replace', edits: [edit(2, 4, 'ZZ')] }, { title: 'insert', edits: [edit(2, 2, '+')] }]);
    assert.equal(result.text, 'ab+ZZef');
  });

  it('suppresses a code on a line, adding it to a suppression comment already there', () => {
    const text = 'y = x * 2\nz = y + 1  # memwall: ignore[MW201]\n';
    const apply = (line: number, code: string) => applyFixes(text, [suppressionFix(text, line, code)]).text;
    assert.equal(apply(0, 'MW101'), 'y = x * 2  # memwall: ignore[MW101]\nz = y + 1  # memwall: ignore[MW201]\n');
    assert.equal(apply(1, 'MW101'), 'y = x * 2\nz = y + 1  # memwall: ignore[MW201, MW101]\n');
    const crlf = 'y = x * 2\r\nz = 1\r\n';
    assert.equal(applyFixes(crlf, [suppressionFix(crlf, 0, 'MW201')]).text, 'y = x * 2  # memwall: ignore[MW201]\r\nz = 1\r\n');
  });

  it('offers Wrap in torch.compile as an unsafe fix where Inductor fuses the pattern, after a __future__ import', async () => {
    const parser = await testParser();
    const source = [
      'from __future__ import annotations',
      'import torch.nn.functional as F',
      '',
      '',
      '@some_decorator',
      'def gelu_chain(x):  # memwall: shape x=[8192, 8192]',
      '    y = x * 0.5',
      '    z = y + 1.0',
      '    return z * x',
      '',
    ].join('\n');
    const analysis = analyze(source, { parser });
    const chain = analysis.findings.find((finding) => finding.code === 'MW201');
    assert.ok(chain, 'MW201 fires on the chain');
    const fixes = fixesOf(source, analysis, chain);
    assert.deepEqual(fixes.map((fix) => [fix.title, fix.safe]), [['Wrap gelu_chain in torch.compile (Inductor fuses unfused pointwise chain)', false]]);
    const wrapped = applyFixes(source, fixes).text;
    assert.equal(
      wrapped.split('\n').slice(0, 7).join('\n'),
      ['from __future__ import annotations', 'import torch', 'import torch.nn.functional as F', '', '', '@some_decorator', '@torch.compile'].join('\n'),
    );
    // Compiled, the chain is fused: no fix is offered again.
    const after = analyze(wrapped, { parser });
    const again = after.findings.find((finding) => finding.code === 'MW201');
    assert.deepEqual(again ? fixesOf(wrapped, after, again) : [], []);
  });
});
