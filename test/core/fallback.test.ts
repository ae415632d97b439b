// The declared fallback for calls MemWall cannot resolve: the output keeps the first tensor input's shape and dtype,
// the op stays unpriced and marked assumed, one note per callee counts the calls; never where the catalog knows the op.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import { formatShape } from '../../src/core/ir/dims';
import type { Analysis } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'libraries');

async function analyzeFixture(name: string): Promise<Analysis> {
  return analyze(readFileSync(path.join(FIXTURES, name), 'utf8'), { parser: await testParser() });
}

async function analyzeText(lines: string[]): Promise<Analysis> {
  return analyze(lines.join('\n'), { parser: await testParser() });
}

describe('declared fallback for unresolved callables', () => {
  it('keeps a gated MLP priced around an activation from a registry it cannot read', async () => {
    const analysis = await analyzeFixture('unresolved_activation.py');
    const act = analysis.costs.filter((c) => c.node.label === 'self.act_fn');
    assert.equal(act.length, 2, 'one call per GatedMLP');
    for (const cost of act) {
      assert.equal(cost.node.category, 'unknown');
      assert.match(cost.node.assumed ?? '', /assumed shaped like its first tensor input `self\.gate_proj\(x\)`/);
      assert.equal(formatShape(cost.node.outputs[0]?.shape ?? null), formatShape(cost.node.inputs[0]?.shape ?? null));
      assert.deepEqual(cost.outputShapes, [[8, 1024, 4096]]);
      // Its own cost is unknown, never zero.
      assert.equal(cost.flops, null);
      assert.equal(cost.timeUs, null);
    }
    // The multiply after it is priced: 8·1024·4096 elements, one FLOP each, three bf16 tensors of 2 bytes.
    const multiplies = analysis.costs.filter((c) => c.node.op === 'torch.mul');
    assert.equal(multiplies.length, 2);
    for (const cost of multiplies) {
      assert.equal(cost.flops, 8 * 1024 * 4096);
      assert.equal(cost.bytes, 3 * 8 * 1024 * 4096 * 2);
    }
    // down_proj reads the assumed product: M = 8·1024, N = 1024, K = 4096.
    const down = analysis.costs.filter((c) => c.node.label === 'self.down_proj');
    for (const cost of down) assert.equal(cost.flops, 2 * 8192 * 1024 * 4096);
    const notes = analysis.notes.filter((n) => n.code === 'MW906');
    assert.equal(notes.length, 1, 'one note per callee');
    assert.match(notes[0]?.message ?? '', /`self\.act_fn` could not be resolved \(2 calls\)/);
    assert.equal(analysis.summary.total.unpricedOps, 2);
  });

  it('leaves catalog ops, torch ops it lacks and calls without tensors alone (trap twin)', async () => {
    const analysis = await analyzeFixture('unresolved_activation_trap.py');
    assert.ok(analysis.costs.every((c) => c.node.assumed === undefined), 'nothing assumed');
    assert.equal(analysis.notes.filter((n) => n.code === 'MW906').length, 0);
    const cdist = analysis.costs.find((c) => c.node.op === 'torch.cdist');
    assert.ok(cdist);
    assert.deepEqual(cdist.outputShapes, [null], 'a torch op changes shapes freely: no assumption');
    const gelu = analysis.costs.find((c) => c.node.op === 'torch.nn.functional.gelu');
    assert.equal(gelu?.flops, 5 * 8 * 2048 * 64, 'the alias reaches the catalog entry');
    assert.equal(analysis.costs.filter((c) => c.node.label === 'build_norm').length, 0, 'no tensor in, no op');
  });

  it('assumes the first tensor input, dtype included, for methods of unknown objects and library functions', async () => {
    const analysis = await analyzeText([
      'import torch',
      'from causal_conv1d import causal_conv1d_fn',
      'def step(x, cache):',
      '    # memwall: shape x=[4, 256, 2048]',
      '    h = x.float()',
      '    h = causal_conv1d_fn(h, None)',
      '    h = cache.update(h)',
      '    return h * 2',
    ]);
    const conv = analysis.costs.find((c) => c.node.op === 'causal_conv1d.causal_conv1d_fn');
    assert.ok(conv?.node.assumed);
    assert.deepEqual(conv.outputShapes, [[4, 256, 2048]]);
    assert.equal(conv.node.outputs[0]?.dtype, 'fp32');
    const update = analysis.costs.find((c) => c.node.label === 'cache.update');
    assert.ok(update?.node.assumed);
    const double = analysis.costs.find((c) => c.node.op === 'torch.mul');
    assert.equal(double?.flops, 4 * 256 * 2048);
    assert.equal(double?.bytes, 2 * 4 * 256 * 2048 * 4, 'fp32 in and out, as the assumed dtype says');
    assert.deepEqual(analysis.notes.filter((n) => n.code === 'MW906').map((n) => n.message.split(' could')[0]), ['`causal_conv1d.causal_conv1d_fn`', '`cache.update`']);
  });

  it('unpacks an assumed result as a tuple whose first item is the assumed tensor', async () => {
    const analysis = await analyzeText([
      'from my_kernels import fused_attention',
      'def attend(q, k, v):',
      '    # memwall: shape q=[2, 16, 512, 64]',
      '    # memwall: shape k=[2, 16, 512, 64]',
      '    # memwall: shape v=[2, 16, 512, 64]',
      '    out, lse = fused_attention(q, k, v)',
      '    return out + 1',
    ]);
    const add = analysis.costs.find((c) => c.node.op === 'torch.add');
    assert.deepEqual(add?.outputShapes, [[2, 16, 512, 64]], 'not [16, 512, 64]: a tuple, not the first dim iterated');
  });

  it('gives each unpacked name its input’s shape when a call returns as many tensors as it took', async () => {
    const analysis = await analyzeText([
      'from kv_store import update_cache',
      'def decode(k, v):',
      '    # memwall: shape k=[8, 4, 1, 128]',
      '    # memwall: shape v=[8, 4, 1, 64]',
      '    k, v = update_cache(k, v, 7)',
      '    return v * 2',
    ]);
    const double = analysis.costs.find((c) => c.node.op === 'torch.mul');
    assert.deepEqual(double?.outputShapes, [[8, 4, 1, 64]], 'v keeps v’s shape, not k’s');
  });
});
