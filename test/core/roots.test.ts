// The root cache: after any sequence of edits, a graph built with reused roots equals the graph of a full run, and its
// prices reused from the previous analysis equal a new pricing.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { extract } from '../../src/core/analyze';
import { RootCache } from '../../src/core/frontends/pytorch/roots';
import { IncrementalParser } from '../../src/core/parse/incremental';
import type { PythonParser } from '../../src/core/parse/parser';
import { testParser } from '../helpers/parser';
import { applyCodeEdit, applyLineEdit, checkRootCache, codeEdits, graphJson, lineEdits, MODELS } from './root-cache';

const SEED = 20261129;

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
      assert.equal(graphJson(graph), graphJson(extract(text, { parser })));
      assert.ok(roots.reused >= total - 2, `reused ${roots.reused} of ${total}`);
      assert.ok(roots.ran >= 1 && roots.ran <= 2, `ran ${roots.ran}`);
      // A line added above everything: rows move, so the roots run again, and the graph still equals a full run.
      const shifted = `import math\n${text}`;
      assert.equal(graphJson(extract(shifted, { parser, incremental, roots })), graphJson(extract(shifted, { parser })));
    } finally {
      incremental.dispose();
    }
  });

  it('typing in a docstring between definitions reruns no root, and the graph equals a full run', () => {
    const source = (words: string): string => `"""Two models in one file."""
import torch.nn as nn

class A(nn.Module):
    def __init__(self, d=64):
        super().__init__()
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        return self.proj(x)

"""The second model ${words}: a string alone between definitions does nothing."""

class B(nn.Module):
    def forward(self, x):
        return x * 2
`;
    const roots = new RootCache();
    extract(source('doubles'), { parser, roots });
    assert.equal(roots.ran, 2);
    for (const text of [source('doubles its input'), `"""Two models, edited."""${source('doubles').slice('"""Two models in one file."""'.length)}`]) {
      assert.equal(graphJson(extract(text, { parser, roots })), graphJson(extract(text, { parser })));
      assert.deepEqual([roots.reused, roots.ran], [2, 0]);
    }
    // A line added to a docstring moves the rows below it: the roots below run again.
    const longer = source('doubles\nits input');
    assert.equal(graphJson(extract(longer, { parser, roots })), graphJson(extract(longer, { parser })));
    assert.deepEqual([roots.reused, roots.ran], [1, 1]);
  });

  it('a model edited to build another model of the file makes that one a layer of it, no longer a root', () => {
    // Which models are roots follows the names each definition's code holds, kept between keystrokes by its text.
    // Outer is defined first: only the names in its code make it run before Inner (models that build others first).
    const source = (uses: boolean): string => `import torch.nn as nn

class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = ${uses ? 'Inner()' : 'nn.Linear(32, 32)'}

    def forward(self, x):
        return self.head(x) * 2

class Inner(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(32, 32)

    def forward(self, x):
        return self.proj(x)
`;
    const roots = new RootCache();
    for (const uses of [false, true, false]) {
      const text = source(uses);
      const graph = extract(text, { parser, roots });
      assert.equal(graphJson(graph), graphJson(extract(text, { parser })));
      assert.deepEqual(
        (graph.roots ?? []).map((root) => root.name),
        uses ? ['Outer'] : ['Inner', 'Outer'],
      );
    }
  });

  it('a root that must run without the instance a reused root built for it makes the whole file run again', () => {
    // build() makes A's instance without calling or returning it (a builder that returns its model runs the model's
    // forward itself), so A is analysed from that instance; other() comes between and binds B's `n`, which A's run
    // reads. Editing B's default re-runs other(); A must then run, but its instance came from build(), which was
    // reused: only a full run gives A its instance.
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
    model = A(32)

def other():
    model = B()
`;
    const roots = new RootCache();
    extract(source(16), { parser, roots });
    const total = roots.ran;
    const edited = source(24);
    assert.equal(graphJson(extract(edited, { parser, roots })), graphJson(extract(edited, { parser })));
    assert.equal(roots.reused, 0, 'the second pass reuses nothing');
    assert.equal(roots.ran, total);
    // The records made by that full run serve the next keystroke.
    const again = `${edited}\n`;
    assert.equal(graphJson(extract(again, { parser, roots })), graphJson(extract(again, { parser })));
    assert.equal(roots.reused, total);
  });

  it('a root module whose config argument is the file\'s only config class follows edits of that class', () => {
    // M never names Cfg: its `config` is the file's only config class, so editing Cfg (or adding a second) changes M.
    const source = (n: number, second = ''): string => `from dataclasses import dataclass
import torch.nn as nn

@dataclass
class Cfg:
    n: int = ${n}
${second}
class M(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.proj = nn.Linear(config.n, config.n)

    def forward(self, x):
        return self.proj(x)

class Other(nn.Module):
    def forward(self, x):
        return x * 2
`;
    const second = '\n@dataclass\nclass Cfg2:\n    m: int = 8\n';
    const roots = new RootCache();
    // Each version, and how many roots must run: all at first; all when the only config class changes or a second
    // one appears (the state every root starts from changes); none when one of two config classes changes (M's
    // config is then a free name, which neither class affects).
    for (const [text, ran] of [[source(64), 2], [source(128), 2], [source(128, second), 2], [source(96, second), 0]] as const) {
      assert.equal(graphJson(extract(text, { parser, roots })), graphJson(extract(text, { parser })));
      assert.equal(roots.ran, ran);
    }
  });

  it('after typing on random lines, each graph equals the graph of a full run (12 sequences of 1-6 edits)', () => {
    let reused = 0;
    let prices = 0;
    fc.assert(
      fc.property(lineEdits, (edits) => {
        const counts = checkRootCache(parser, edits, applyLineEdit);
        reused += counts.reused;
        prices += counts.prices;
      }),
      { seed: SEED, numRuns: 12 },
    );
    assert.ok(reused > 0, 'no root was reused: the property would not test replays');
    assert.ok(prices > 0, 'no price was reused: the property would not test the price memo');
  });

  it('after random edits, each graph equals the graph of a full run (12 sequences of 1-6 edits)', () => {
    fc.assert(fc.property(codeEdits, (edits) => void checkRootCache(parser, edits, applyCodeEdit)), { seed: SEED, numRuns: 12 });
  });
});
