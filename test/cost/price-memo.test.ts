// The price memo: an op replayed from the previous analysis keeps its price only when everything its price reads is
// the same; every pricing with the memo equals a pricing without it, hover lines included.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveHardware } from '../../src/core/cost/hardware';
import { PriceMemo, priceGraph } from '../../src/core/cost/price';
import { GraphBuilder } from '../../src/core/ir/graph';
import type { CostedOp, OpGraph, OpNode } from '../../src/core/ir/types';
import { addOp } from './build';

const H100 = resolveHardware('h100-sxm');
const MAGIC = { bindings: [], ignores: new Map() };
const NO_BINDINGS = new Map<string, number>();

/** Costs as the JSON output and the hover see them: every figure and every explain line. */
const json = (costs: readonly CostedOp[]): string => JSON.stringify(costs);

/** An op copied as roots.ts replays it: ids moved, the same shapes, attributes and repeat. */
function moved(op: OpNode, id: number, inputs = op.inputs): OpNode {
  return { ...op, id, inputs, outputs: op.outputs.map((output, index) => ({ ...output, id: 100 + id * 10 + index, producer: id })) };
}

describe('price memo', () => {
  it('reuses the price of a replayed op, and prices again one whose previous op changed (its L2 line named that op)', () => {
    const first = new GraphBuilder();
    const exp = addOp(first, { op: 'torch.exp', category: 'pointwise', inputs: [{ shape: [1024, 1024] }], outputs: [{ shape: [1024, 1024] }] });
    const gelu = first.addOp({ ...exp, op: 'torch.nn.functional.gelu', label: 'F.gelu', inputs: [exp.outputs[0]!] }, [{ shape: exp.outputs[0]!.shape, dtype: 'default' }]);
    const memo = new PriceMemo();
    const before = priceGraph(first.build(MAGIC), H100, 'bf16', NO_BINDINGS, memo);
    // Read (and so formatted) before the next pricing: a reused price must not carry these lines to another place.
    assert.ok(before[1]!.explain.some((line) => line.includes('just written by exp')), before[1]!.explain.join('\n'));
    assert.deepEqual([memo.reused, memo.priced], [0, 2]);

    // The next analysis: both ops replayed with their ids moved, and a new op now runs between them.
    const second = new GraphBuilder();
    const expAgain = moved(exp, 10);
    second.replayedFrom[0] = exp;
    second.ops.push(expAgain);
    addOp(second, { op: 'torch.sin', category: 'pointwise', inputs: [{ shape: [1024, 1024] }], outputs: [{ shape: [1024, 1024] }] });
    second.replayedFrom[2] = gelu;
    second.ops.push(moved(gelu, 11, [expAgain.outputs[0]!]));
    const graph: OpGraph = second.build(MAGIC);
    const after = priceGraph(graph, H100, 'bf16', NO_BINDINGS, memo);
    assert.deepEqual([memo.reused, memo.priced], [1, 2], 'exp reused; sin new; gelu priced again (the op before it changed)');
    assert.equal(after[0]!.node, graph.ops[0], 'a reused price names the op of this graph');
    assert.equal(json(after), json(priceGraph(graph, H100, 'bf16', NO_BINDINGS)));
    assert.ok(!after[2]!.explain.some((line) => line.includes('just written')), after[2]!.explain.join('\n'));

    // The same graph again: every op reused, and still what a pricing without the memo gives.
    const again = priceGraph(graph, H100, 'bf16', NO_BINDINGS, memo);
    assert.deepEqual([memo.reused, memo.priced], [3, 0]);
    assert.equal(json(again), json(after));

    // Two more analyses without sin, ids moved each time, hover lines not read in between: gelu's reused price must
    // say that exp, as it is in the newest graph, just wrote its input.
    const replay = (id: number): OpGraph => {
      const builder = new GraphBuilder();
      const expMoved = moved(exp, id);
      builder.replayedFrom.push(exp, gelu);
      builder.ops.push(expMoved, moved(gelu, id + 1, [expMoved.outputs[0]!]));
      return builder.build(MAGIC);
    };
    priceGraph(replay(20), H100, 'bf16', NO_BINDINGS, memo);
    const newest = priceGraph(replay(30), H100, 'bf16', NO_BINDINGS, memo);
    assert.deepEqual([memo.reused, memo.priced], [2, 0]);
    assert.ok(newest[1]!.explain.some((line) => line.includes('just written by exp')), newest[1]!.explain.join('\n'));
    assert.equal(json(newest), json(priceGraph(replay(30), H100, 'bf16', NO_BINDINGS)));
  });

  it('prices every op again when a binding, the dtype or the GPU changes', () => {
    const graph = (() => {
      const builder = new GraphBuilder();
      addOp(builder, { op: 'torch.exp', category: 'pointwise', inputs: [{ shape: ['n', 1024] }], outputs: [{ shape: ['n', 1024] }] });
      return builder.build(MAGIC);
    })();
    const memo = new PriceMemo();
    const small = priceGraph(graph, H100, 'bf16', new Map([['n', 4]]), memo);
    const large = priceGraph(graph, H100, 'bf16', new Map([['n', 8]]), memo);
    assert.equal(memo.reused, 0);
    assert.equal(large[0]!.bytes, 2 * small[0]!.bytes!);
    assert.equal(json(large), json(priceGraph(graph, H100, 'bf16', new Map([['n', 8]]))));
    const fp32 = priceGraph(graph, H100, 'fp32', new Map([['n', 8]]), memo);
    assert.equal(memo.reused, 0);
    assert.equal(fp32[0]!.bytes, 2 * large[0]!.bytes!);
    priceGraph(graph, resolveHardware('a100-80gb-sxm'), 'fp32', new Map([['n', 8]]), memo);
    assert.equal(memo.reused, 0);
    priceGraph(graph, resolveHardware('a100-80gb-sxm'), 'fp32', new Map([['n', 8]]), memo);
    assert.equal(memo.reused, 1);
  });
});
