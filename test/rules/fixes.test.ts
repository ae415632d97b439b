// Quick fixes: each fixes/MWxxx[-case].in.py, fixed, must equal its .out.py, parse, and no longer get the finding.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import type { Finding } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';
import { FIX_DIR } from './fixture-tags';

const pairs = readdirSync(FIX_DIR).filter((name) => /^MW\d{3}(-[a-z0-9-]+)?\.in\.py$/.test(name)).sort();

/** Applies every edit of the findings, last offset first; edits of one fix never overlap. */
function applyFixes(text: string, findings: readonly Finding[]): string {
  const edits = findings.flatMap((finding) => finding.fix?.edits ?? []).sort((a, b) => b.span.start - a.span.start);
  for (let i = 1; i < edits.length; i++) {
    assert.ok((edits[i] as (typeof edits)[number]).span.end <= (edits[i - 1] as (typeof edits)[number]).span.start, 'overlapping edits');
  }
  let out = text;
  for (const edit of edits) out = out.slice(0, edit.span.start) + edit.newText + out.slice(edit.span.end);
  return out;
}

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
      const fixed = applyFixes(input, before);
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
