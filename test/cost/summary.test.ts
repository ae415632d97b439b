// summarize: totals and per-scope time × repeat, bound shares, unpriced counts and the FLOP-share/time-share class table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { num, sym } from '../../src/core/ir/dims';
import { resolveHardware } from '../../src/core/cost/hardware';
import { priceGraph } from '../../src/core/cost/price';
import { summarize, TOTAL_SCOPE } from '../../src/core/cost/summary';
import { graphOf, type OpSpecForTest } from './build';

const H100 = resolveHardware('h100-sxm');

const linear = (scope: string, repeat = num(1)): OpSpecForTest => ({
  op: 'torch.nn.Linear', category: 'matmul', scope, repeat,
  inputs: [{ shape: [8, 1024, 768] }, { shape: [3072, 768] }], outputs: [{ shape: [8, 1024, 3072] }],
});
const gelu = (scope: string, repeat = num(1)): OpSpecForTest => ({
  op: 'torch.nn.functional.gelu', category: 'pointwise', scope, repeat, attrs: { approximate: 'tanh' },
  inputs: [{ shape: [8, 1024, 3072] }], outputs: [{ shape: [8, 1024, 3072] }],
});
const tinyAdd = (scope: string): OpSpecForTest => ({
  op: 'torch.add', category: 'pointwise', scope, inputs: [{ shape: [16] }, { shape: [16] }], outputs: [{ shape: [16] }],
});
const view = (scope: string): OpSpecForTest => ({ op: 'torch.Tensor.view', category: 'view', scope, inputs: [{ shape: [8, 1024, 3072] }], outputs: [{ shape: [8192, 3072] }] });
const mystery = (scope: string): OpSpecForTest => ({ op: 'mylib.mystery', category: 'unknown', scope, inputs: [{ shape: [4] }], outputs: [{ shape: [4] }] });

describe('summarize', () => {
  const graph = graphOf([linear('MLP.forward', sym('n_layer')), gelu('MLP.forward', sym('n_layer')), view('MLP.forward'), tinyAdd('main'), mystery('main')]);
  const costs = priceGraph(graph, H100, 'bf16', new Map([['n_layer', 12]]));
  const summary = summarize(graph, costs);
  const [linearCost, geluCost, , addCost] = costs.map((c) => c.timeUs as number);

  it('sums time × repeat per scope and in total, and counts unpriced ops instead of adding zeros', () => {
    const mlp = summary.scopes.find((s) => s.scope === 'MLP.forward')!;
    assert.ok(Math.abs(mlp.timeUs - 12 * (linearCost! + geluCost!)) < 1e-9);
    assert.equal(mlp.unpricedOps, 0);
    assert.equal(mlp.flops, 12 * (2 * 8192 * 3072 * 768 + 9 * 8192 * 3072));
    assert.equal(mlp.bytes, 12 * ((8192 * 768 + 3072 * 768 + 8192 * 3072) * 2 + 2 * 8192 * 3072 * 2));
    const main = summary.scopes.find((s) => s.scope === 'main')!;
    assert.equal(main.unpricedOps, 1);
    assert.ok(Math.abs(main.timeUs - addCost!) < 1e-12);
    assert.equal(main.overheadBoundShare, 1);
    assert.equal(summary.total.scope, TOTAL_SCOPE);
    assert.ok(Math.abs(summary.total.timeUs - (mlp.timeUs + main.timeUs)) < 1e-9);
    assert.equal(summary.total.unpricedOps, 1);
  });

  it('splits time into memory-, compute- and overhead-bound shares that add up to one', () => {
    const mlp = summary.scopes.find((s) => s.scope === 'MLP.forward')!;
    assert.ok(Math.abs(mlp.computeBoundShare - linearCost! / (linearCost! + geluCost!)) < 1e-12);
    assert.ok(Math.abs(mlp.memoryBoundShare - geluCost! / (linearCost! + geluCost!)) < 1e-12);
    const t = summary.total;
    assert.ok(Math.abs(t.memoryBoundShare + t.computeBoundShare + t.overheadBoundShare - 1) < 1e-12);
  });

  it('builds the class table: contractions hold >99% of FLOPs but far less of the time', () => {
    const classes = Object.fromEntries(summary.classes.map((c) => [c.opClass, c]));
    assert.deepEqual(summary.classes.map((c) => c.opClass), ['contraction', 'elementwise'], 'the unpriced op is left out, not counted as other');
    assert.ok(classes.contraction!.flopShare > 0.99);
    assert.ok(classes.contraction!.timeShare < 0.75);
    assert.ok(classes.elementwise!.timeShare > 0.25);
    assert.ok(Math.abs(summary.classes.reduce((a, c) => a + c.timeShare, 0) - 1) < 1e-12);
    assert.ok(Math.abs(summary.classes.reduce((a, c) => a + c.flopShare, 0) - 1) < 1e-12);
  });

  it('lists the graph\'s declared scopes even when they hold no ops, with zero shares', () => {
    const empty = summarize({ ...graph, scopes: [{ name: 'Empty.forward', kind: 'forward', span: { start: 0, end: 0, startLine: 0, startColumn: 0, endLine: 0, endColumn: 0 } }] }, costs);
    const scope = empty.scopes.find((s) => s.scope === 'Empty.forward')!;
    assert.deepEqual([scope.timeUs, scope.memoryBoundShare, scope.unpricedOps], [0, 0, 0]);
  });

  it('leaves fallback-path ops out of the aggregates (they do not run when the fused path does)', () => {
    const withFallback = graphOf([gelu('Attn.forward'), { ...gelu('Attn.forward'), label: 'fallback gelu' }]);
    const marked = { ...withFallback, ops: withFallback.ops.map((op, i) => (i === 1 ? { ...op, fusedBy: 'fallback' as const } : op)) };
    const priced = priceGraph(marked, H100, 'bf16', new Map());
    const result = summarize(marked, priced);
    assert.ok(priced[1]!.timeUs !== null, 'still priced for its own hover');
    assert.ok(Math.abs(result.total.timeUs - (priced[0]!.timeUs as number)) < 1e-12);
    assert.equal(result.classes[0]!.timeUs, priced[0]!.timeUs);
  });

  it('counts a Triton kernel built on tl.dot as a contraction', () => {
    const kernel = graphOf([{
      op: 'triton:matmul_kernel', category: 'triton_kernel', inputs: [{ shape: [1024, 1024] }], outputs: [{ shape: [1024, 1024] }],
      attrs: { flops: num(2 * 1024 ** 3), bytesRead: num(4 * 1024 * 1024), bytesWritten: num(2 * 1024 * 1024), usesDot: true },
    }]);
    assert.deepEqual(summarize(kernel, priceGraph(kernel, H100, 'bf16', new Map())).classes.map((c) => c.opClass), ['contraction']);
  });
});
