// The root cache: after any sequence of edits, a graph built with reused roots equals the graph of a full run.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { extract } from '../../src/core/analyze';
import { RootCache } from '../../src/core/frontends/pytorch/roots';
import { IncrementalParser } from '../../src/core/parse/incremental';
import type { PythonParser } from '../../src/core/parse/parser';
import { testParser } from '../helpers/parser';

const ROOT = path.join(__dirname, '..', '..');
const SEED = 20261129;

/** Several models in one file, as a file of experiments or a notebook would hold: the oracle fixtures and the examples. */
const MODELS = [
  ...readdirSync(path.join(ROOT, 'test/fixtures/models'))
    .filter((name) => name.endsWith('.py'))
    .sort()
    .map((name) => readFileSync(path.join(ROOT, 'test/fixtures/models', name), 'utf8')),
  readFileSync(path.join(ROOT, 'examples/gpt_block.py'), 'utf8'),
].map((source, index) => {
  // Each file's definitions renamed, so that the models stay distinct in one file.
  let renamed = source;
  for (const [, name] of source.matchAll(/^(?:class|def) ([A-Za-z_]\w*)/gm)) renamed = renamed.replace(new RegExp(`\\b${name}\\b`, 'g'), `${name}_${index}`);
  return renamed;
}).join('\n\n');

/** An edit anywhere in the text: code, a digit, a new line, an indent, a deletion. */
const editArbitrary = fc.record({
  at: fc.nat(),
  length: fc.nat({ max: 12 }),
  insert: fc.constantFrom('', 'x', ' ', '\n', '2', '0', '(', ')', ':', '    ', 'é', '# memwall: B=4\n', 'y = F.gelu(x)\n', '        x = x * 2\n', 'def f(', '"""'),
});

/** Typing on one line: a space, a comment, or a digit changed (no line added, so only that line's definition changes). */
const lineEditArbitrary = fc.record({
  line: fc.nat(),
  kind: fc.constantFrom('space', 'comment', 'digit', 'name'),
});

function applyLineEdit(text: string, edit: { line: number; kind: string }): string {
  const lines = text.split('\n');
  const index = edit.line % lines.length;
  const line = lines[index] ?? '';
  if (edit.kind === 'space') lines[index] = `${line} `;
  else if (edit.kind === 'comment') lines[index] = `${line}  # note`;
  else if (edit.kind === 'digit') lines[index] = line.replace(/\d/, (digit) => String((Number(digit) + 1) % 10));
  else lines[index] = line.replace(/\b(x|h|out|hidden)\b/, '$1_');
  return lines.join('\n');
}

function applyEdit(text: string, edit: { at: number; length: number; insert: string }): string {
  const at = edit.at % (text.length + 1);
  return text.slice(0, at) + edit.insert + text.slice(Math.min(text.length, at + edit.length));
}

describe('root cache', () => {
  let parser: PythonParser;
  before(async () => {
    parser = await testParser();
  });

  it('reuses the roots an edit does not reach, and the graph equals a full run', () => {
    const roots = new RootCache();
    const incremental = new IncrementalParser(parser);
    try {
      extract(MODELS, { parser, incremental, roots });
      const total = roots.ran;
      assert.ok(total >= 10, `${total} roots`);
      // A character typed in the GPT block's MLP forward.
      const at = MODELS.indexOf('def forward', MODELS.indexOf('class MLP_1')) + 'def forward'.length;
      assert.ok(at > 'def forward'.length);
      const text = `${MODELS.slice(0, MODELS.indexOf('\n', at))}  # tweak${MODELS.slice(MODELS.indexOf('\n', at))}`;
      const graph = extract(text, { parser, incremental, roots });
      assert.equal(JSON.stringify(graph), JSON.stringify(extract(text, { parser })));
      assert.ok(roots.reused >= total - 2, `reused ${roots.reused} of ${total}`);
      assert.ok(roots.ran >= 1 && roots.ran <= 2, `ran ${roots.ran}`);
      // A line added above everything: rows move, so the roots run again, and the graph still equals a full run.
      const shifted = `import math\n${text}`;
      assert.equal(JSON.stringify(extract(shifted, { parser, incremental, roots })), JSON.stringify(extract(shifted, { parser })));
    } finally {
      incremental.dispose();
    }
  });

  it('a root that must run without the instance a reused root built for it makes the whole file run again', () => {
    // build() makes A's instance without calling it, so A is analysed from that instance; other() comes between and
    // binds B's `n`, which A's run reads. Editing B's default re-runs other(); A must then run, but its instance came
    // from build(), which was reused: only a full run gives A its instance.
    const source = (n: number): string => `import torch
import torch.nn as nn

class A(nn.Module):
    def __init__(self, d=64):
        super().__init__()
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        return torch.relu(self.proj(x))

class B(nn.Module):
    def __init__(self, n=${n}):
        super().__init__()
        self.proj = nn.Linear(n, n)

    def forward(self, x):
        return self.proj(x)

def build():
    return A(32)

def other():
    return B()
`;
    const roots = new RootCache();
    extract(source(16), { parser, roots });
    const total = roots.ran;
    const edited = source(24);
    assert.equal(JSON.stringify(extract(edited, { parser, roots })), JSON.stringify(extract(edited, { parser })));
    assert.equal(roots.reused, 0, 'the second pass reuses nothing');
    assert.equal(roots.ran, total);
    // The records made by that full run serve the next keystroke.
    const again = `${edited}\n`;
    assert.equal(JSON.stringify(extract(again, { parser, roots })), JSON.stringify(extract(again, { parser })));
    assert.equal(roots.reused, total);
  });

  it('after typing on random lines, each graph equals the graph of a full run (12 sequences of 1-6 edits)', () => {
    fc.assert(
      fc.property(fc.array(lineEditArbitrary, { minLength: 1, maxLength: 6 }), (edits) => {
        const roots = new RootCache();
        let text = MODELS;
        extract(text, { parser, roots });
        for (const edit of edits) {
          text = applyLineEdit(text, edit);
          assert.equal(JSON.stringify(extract(text, { parser, roots })), JSON.stringify(extract(text, { parser })));
        }
      }),
      { seed: SEED, numRuns: 12 },
    );
  });

  it('after random edits, each graph equals the graph of a full run (12 sequences of 1-4 edits)', () => {
    fc.assert(
      fc.property(fc.array(editArbitrary, { minLength: 1, maxLength: 4 }), (edits) => {
        const roots = new RootCache();
        let text = MODELS;
        extract(text, { parser, roots });
        for (const edit of edits) {
          text = applyEdit(text, edit);
          assert.equal(JSON.stringify(extract(text, { parser, roots })), JSON.stringify(extract(text, { parser })));
        }
      }),
      { seed: SEED, numRuns: 12 },
    );
  });
});
