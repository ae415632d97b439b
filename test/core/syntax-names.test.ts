// Names read from the source text (frontends/pytorch/syntax.ts) agree with what tree-sitter says, on every fixture.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { SyntaxNode, Tree } from '../../src/core/parse/parser';
import { field, NameReader } from '../../src/core/frontends/pytorch/syntax';
import { testParser } from '../helpers/parser';

const ROOT = path.join(__dirname, '..', '..');

function pythonFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.py'))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

/** Every node of the tree, named or not. */
function allNodes(tree: Tree): SyntaxNode[] {
  const nodes: SyntaxNode[] = [];
  const visit = (node: SyntaxNode): void => {
    nodes.push(node);
    for (const child of node.children) if (child) visit(child);
  };
  visit(tree.rootNode);
  return nodes;
}

/** Checks each identifier, attribute name, keyword argument name and default parameter name the reader gives. */
function checkNames(tree: Tree, text: string): { checked: number; pairs: number } {
  const names = new NameReader();
  names.add(tree, text);
  let checked = 0;
  let pairs = 0;
  for (const node of allNodes(tree)) {
    if (node.type === 'identifier') {
      assert.equal(names.identifier(node), node.text);
      checked++;
    } else if (node.type === 'attribute') {
      const read = names.trailing(node);
      if (read !== undefined) assert.equal(read, field(node, 'attribute')?.text);
      const pair = names.nameDotName(node);
      if (pair !== undefined) {
        pairs++;
        const object = field(node, 'object');
        assert.equal(object?.type, 'identifier');
        assert.deepEqual(pair, { object: object?.text, name: field(node, 'attribute')?.text });
      }
      checked++;
    } else if (node.type === 'keyword_argument' || node.type === 'default_parameter') {
      const read = names.leading(node);
      if (read !== undefined) assert.equal(read, field(node, 'name')?.text);
      checked++;
    }
  }
  return { checked, pairs };
}

describe('names read from the source text', () => {
  it('equal the tree-sitter texts in every fixture and example', async () => {
    const parser = await testParser();
    let checked = 0;
    let pairs = 0;
    for (const file of [...pythonFiles(path.join(ROOT, 'test/fixtures')), ...pythonFiles(path.join(ROOT, 'examples'))]) {
      const text = readFileSync(file, 'utf8');
      const tree = parser.parse(text);
      try {
        const counts = checkNames(tree, text);
        checked += counts.checked;
        pairs += counts.pairs;
      } finally {
        tree.delete();
      }
    }
    assert.ok(checked > 1000, `only ${checked} names checked`);
    assert.ok(pairs > checked / 10, `only ${pairs} attributes of ${checked} names read as name.name`);
  });

  it('defer to the tree next to non-ASCII letters and in files with syntax errors', async () => {
    const parser = await testParser();
    const texts = [
      'café = 1\nx = café.naïve + obj.attr_é + é_x.y\nf(ñame=2, b=3)\ndef g(a, ü=1, *c, **d):\n    return a\n',
      'x = foo.\ny = bar(1, z=\n',
      'def f(:\n    return x.y\n',
      'a = (1 + )\nb = c.d',
      'x = 1if y else 2\nz = obj . attr\nw = obj.\\\n    attr\n',
      'a = True.real + None.x.y + self.b.c + f(x).y + (p).q + "s".upper + b"s".decode + 1.0.real + x[0].y\n',
      'v = obj  .  attr + obj\t.attr + obj.\tattr + (obj # note\n  .attr)\n',
    ];
    for (const text of texts) {
      const tree = parser.parse(text);
      try {
        checkNames(tree, text);
        if (tree.rootNode.hasError) {
          const names = new NameReader();
          names.add(tree, text);
          const identifier = allNodes(tree).find((n) => n.type === 'identifier');
          if (identifier) assert.equal(names.leading(identifier), undefined, 'a tree with errors is read from the tree');
        }
      } finally {
        tree.delete();
      }
    }
  });
});
