// Relative imports resolved as Python resolves them, from the analysed file's dotted name and from packages' __init__
// files: `from ..ops.misc import X` in torchvision.models.mobilenetv2, `from .mlp import Mlp` in mylib/layers/__init__.py.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extract } from '../../src/core/analyze';
import { formatShape } from '../../src/core/ir/dims';
import type { OpGraph } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

const MLP = [
  'import torch.nn as nn',
  'class Mlp(nn.Module):',
  '    def __init__(self, dim):',
  '        super().__init__()',
  '        self.fc1 = nn.Linear(dim, 4 * dim)',
  '    def forward(self, x):',
  '        return self.fc1(x)',
].join('\n');

/** A trap: a module of the same name elsewhere, which a resolver that counted one level wrong would read (`2*dim`). */
const WRONG_MLP = MLP.replace('4 * dim', '2 * dim');

async function graphOf(text: string, modules: Record<string, string>, moduleName?: string, packages: string[] = []): Promise<OpGraph> {
  return extract(text, { parser: await testParser(), modules: new Map(Object.entries(modules)), ...(moduleName ? { moduleName } : {}), packages: new Set(packages) });
}

const linearWidths = (graph: OpGraph): string[] => graph.ops.filter((op) => op.op === 'torch.nn.Linear').map((op) => formatShape(op.outputs[0]?.shape ?? null));

const MAIN = 'import torch\nx = torch.randn(8, 64)\ny = Mlp(64)(x)\n';

describe('relative imports from the dotted name the host gives', () => {
  it('climbs from the analysed module: `..ops.misc` in pkg.models.net is pkg.ops.misc', async () => {
    const graph = await graphOf(`from ..ops.misc import Mlp\n${MAIN}`, { 'pkg.ops.misc': MLP, 'ops.misc': WRONG_MLP }, 'pkg.models.net');
    assert.deepEqual(linearWidths(graph), ['[8, 4*dim]']);
  });

  it("resolves a package __init__'s `.x` inside the package itself (its re-exports)", async () => {
    // mylib/layers/__init__.py: `from .mlp import Mlp`; mylib/mlp.py is the trap a module-relative reading would take.
    const modules = { 'mylib.layers': 'from .mlp import Mlp\n', 'mylib.layers.mlp': MLP, 'mylib.mlp': WRONG_MLP };
    const graph = await graphOf(`from mylib.layers import Mlp\n${MAIN}`, modules, 'train', ['mylib.layers']);
    assert.deepEqual(linearWidths(graph), ['[8, 4*dim]']);
  });

  it('reads `from . import x` of a package as its submodule, and an analysed __init__ as a package', async () => {
    const graph = await graphOf(`from . import mlp\nimport torch\nx = torch.randn(8, 64)\ny = mlp.Mlp(64)(x)\n`, { 'mylib.mlp': MLP, 'mylib.layers.mlp': WRONG_MLP }, 'mylib', ['mylib']);
    assert.deepEqual(linearWidths(graph), ['[8, 4*dim]']);
  });

  it('keeps the old reading without a dotted name: `.layers` next to the file', async () => {
    const graph = await graphOf(`from .layers import Mlp\n${MAIN}`, { layers: MLP });
    assert.deepEqual(linearWidths(graph), ['[8, 4*dim]']);
  });
});
