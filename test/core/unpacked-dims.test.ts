// A forward that unpacks its input's dims and meets its first layer only after reshaping with them: the layer fixes
// the unpacked dim, against hand computations, with the trap twin where the layer fixes a multiple of it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import type { Analysis } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'published');

async function analyzeFixture(name: string): Promise<Analysis> {
  return analyze(readFileSync(path.join(FIXTURES, name), 'utf8'), { parser: await testParser() });
}

describe('dims unpacked from an input and fixed by a later layer', () => {
  it('learns C = n_embd from the router that meets x.view(-1, C)', async () => {
    const analysis = await analyzeFixture('moe_router.py');
    const input = analysis.graph.inputs.find((i) => i.scope === 'SparseMoE.forward' && i.name === 'x');
    assert.ok(input?.shape, JSON.stringify(analysis.graph.inputs));
    assert.deepEqual(input.shape.map((d) => (d.kind === 'sym' ? d.name : d.kind)), ['B', 'T', 'n_embd']);
    assert.match(input.source, /B, T, C = x\.size\(\).*then self\.gate \(Linear, in_features=n_embd\) at line 39/);
    const gate = analysis.costs.find((c) => c.node.op === 'torch.nn.Linear' && c.node.scope === 'SparseMoE.forward');
    // 8·1024 tokens of width 1024 routed to 8 experts: 2·8192·1024·8, no bias.
    assert.deepEqual(gate?.inputShapes[0], [8192, 1024]);
    assert.equal(gate?.flops, 2 * 8192 * 1024 * 8);
  });

  it('learns nothing of C from a router that reads torch.cat([x, x], -1) (trap twin)', async () => {
    const analysis = await analyzeFixture('moe_router_trap.py');
    const input = analysis.graph.inputs.find((i) => i.scope === 'SparseMoE.forward' && i.name === 'x');
    // C is neither n_embd nor 2·n_embd: the input stays as the unpacking names it, and the router is not priced.
    assert.ok(!input?.shape || input.shape.every((d) => d.kind !== 'sym' || d.name !== 'n_embd'), JSON.stringify(input));
    const gate = analysis.costs.find((c) => c.node.op === 'torch.nn.Linear' && c.node.scope === 'SparseMoE.forward');
    assert.equal(gate?.flops, null);
  });
});
