// Incremental re-parsing: after any sequence of edits, the kept tree and the analysis equal those of a fresh parse.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Tree } from 'web-tree-sitter';
import { extract } from '../../src/core/analyze';
import { editBetween, IncrementalParser } from '../../src/core/parse/incremental';
import type { PythonParser } from '../../src/core/parse/parser';
import { testParser } from '../helpers/parser';

const GPT_BLOCK = readFileSync(path.join(__dirname, '..', '..', 'examples', 'gpt_block.py'), 'utf8');
const SEED = 20261129;

/** Every node of a tree with its type, offsets and points, in document order. */
function nodesOf(tree: Tree): string[] {
  const nodes: string[] = [];
  const cursor = tree.walk();
  for (let more = true; more; ) {
    const { startPosition: s, endPosition: e } = cursor;
    nodes.push(`${cursor.nodeType} ${cursor.currentFieldName ?? ''} ${cursor.startIndex}-${cursor.endIndex} ${s.row}:${s.column}-${e.row}:${e.column}`);
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        more = false;
        break;
      }
    }
  }
  cursor.delete();
  return nodes;
}

/** An edit of the text: replace `length` characters anywhere in it by a piece of code or unicode. */
const editArbitrary = fc.record({
  at: fc.nat(),
  length: fc.nat({ max: 40 }),
  insert: fc.constantFrom('', 'x', ' ', '\n', '\r\n', '(', ')', ':', '    ', 'é', '😀', 'ünïcödé = 1\n', 'y = F.gelu(x)\n', 'def f(', '"""', '#'),
});

function applyEdit(text: string, edit: { at: number; length: number; insert: string }): string {
  const at = edit.at % (text.length + 1);
  return text.slice(0, at) + edit.insert + text.slice(Math.min(text.length, at + edit.length));
}

describe('incremental parsing', () => {
  let parser: PythonParser;
  before(async () => {
    parser = await testParser();
  });

  it('editBetween finds the changed span with rows and columns in UTF-16 units', () => {
    const edit = editBetween('a = 1\nb = é + 2\n', 'a = 1\nb = é + 30\n');
    assert.equal(edit.startIndex, 14);
    assert.equal(edit.oldEndIndex, 15);
    assert.equal(edit.newEndIndex, 16);
    assert.deepEqual(edit.startPosition, { row: 1, column: 8 });
    assert.deepEqual(edit.oldEndPosition, { row: 1, column: 9 });
    assert.deepEqual(edit.newEndPosition, { row: 1, column: 10 });
    // Lines added: the end points move down.
    const added = editBetween('x\n', 'x\ny\nz\n');
    assert.deepEqual([added.startIndex, added.oldEndIndex, added.newEndIndex], [2, 2, 6]);
    assert.deepEqual(added.newEndPosition, { row: 3, column: 0 });
    // A surrogate pair is never split: 😀 → 😁 share their high surrogate.
    const emoji = editBetween('a😀b', 'a😁b');
    assert.deepEqual([emoji.startIndex, emoji.oldEndIndex, emoji.newEndIndex], [1, 3, 3]);
  });

  it('after random edits the kept tree equals a fresh parse, node by node (40 sequences of 1-6 edits)', () => {
    fc.assert(
      fc.property(fc.array(editArbitrary, { minLength: 1, maxLength: 6 }), (edits) => {
        const incremental = new IncrementalParser(parser);
        try {
          let text = GPT_BLOCK;
          incremental.parse(text);
          for (const edit of edits) {
            text = applyEdit(text, edit);
            const fresh = parser.parse(text);
            try {
              assert.deepEqual(nodesOf(incremental.parse(text)), nodesOf(fresh));
            } finally {
              fresh.delete();
            }
          }
        } finally {
          incremental.dispose();
        }
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('the same text twice is not re-parsed, and extract() leaves the kept tree alive', () => {
    const incremental = new IncrementalParser(parser);
    try {
      const tree = incremental.parse(GPT_BLOCK);
      assert.equal(incremental.parse(GPT_BLOCK), tree);
      const graph = extract(GPT_BLOCK, { parser, incremental });
      assert.ok(graph.ops.length > 10);
      assert.equal(tree.rootNode.type, 'module', 'the tree was deleted by extract()');
    } finally {
      incremental.dispose();
    }
  });

  it('extract() over an incrementally parsed tree gives the graph of a fresh parse after each keystroke', () => {
    const incremental = new IncrementalParser(parser);
    try {
      // Type a new line into the MLP's forward character by character, then delete it again.
      const anchor = GPT_BLOCK.indexOf('\n', GPT_BLOCK.indexOf('def forward')) + 1;
      const line = '        x = x * torch.sigmoid(x)\n';
      const versions = [...Array(line.length + 1).keys()].map((n) => GPT_BLOCK.slice(0, anchor) + line.slice(0, n) + GPT_BLOCK.slice(anchor));
      for (const text of [...versions, ...versions.reverse()]) {
        assert.deepEqual(JSON.stringify(extract(text, { parser, incremental })), JSON.stringify(extract(text, { parser })));
      }
    } finally {
      incremental.dispose();
    }
  });
});
