// Loops over one repeated block (`for blk in self.blocks` over `[Block(dim) for _ in range(depth)]`): when the first
// pass leaves the next one nothing new to read but the tensors the loop carries, the passes after it are counted
// without running (repeats.ts repeatsUnchanged), and the graph is the one running them gives: one row repeated, each
// op's carried inputs the residual stream. The trap twins are loops whose passes differ: a pass that writes what the
// next reads (a list kept on the module), a carried tensor also held elsewhere (a long skip), and a stage that halves
// its input (each pass at its own size). Loops over layers built one by one (Hugging Face's DecoderLayer(config,
// layer_idx)) count a pass unrun when its layer is alike, in everything the pass before read of its own, to that one
// (reads.ts); the traps are layers a pass tells apart (an index the forward reads, wider weights). Loops that see
// their index only to pick items (`layer = self.layers[i]`, `head_mask[i]`: picks.ts) compare what they pick; the
// traps read the index otherwise, pick from a second list of layers, pick wider items, or hand on a longer tuple.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { extract } from '../../src/core/analyze';
import { formatDim } from '../../src/core/ir/dims';
import type { OpGraph, OpNode, TensorValue } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'published');

async function graphOf(name: string): Promise<OpGraph> {
  return extract(readFileSync(path.join(FIXTURES, name), 'utf8'), { parser: await testParser() });
}

function only(ops: readonly OpNode[], test: (op: OpNode) => boolean): OpNode {
  const found = ops.filter(test);
  assert.equal(found.length, 1, `one op expected, found ${found.map((op) => `${op.op} ${op.modulePath}`).join('; ')}`);
  return found[0] as OpNode;
}

/** The ops one root's run made (graph.roots). */
function opsOfRoot(graph: OpGraph, name: string): OpNode[] {
  const root = graph.roots?.find((run) => run.name === name);
  assert.ok(root, `no root ${name}`);
  return graph.ops.filter((op) => op.id >= root.firstOp && op.id < root.endOp);
}

/** Dim `axis` of a tensor, as written. */
function dimOf(tensor: TensorValue | undefined, axis: number): string {
  const dim = tensor?.shape?.[axis];
  assert.ok(dim, `no dim ${axis}`);
  return formatDim(dim);
}

/** The sequence dim of an op's first input, as written. */
function rows(op: OpNode): string {
  return dimOf(op.inputs[0], 1);
}

describe('loops over one repeated block', () => {
  it('count identical passes as one row repeated, reading the residual stream the pass before hands on', async () => {
    const graph = await graphOf('repeated_blocks.py');
    const block = graph.ops.filter((op) => op.modulePath.startsWith('blocks'));
    assert.deepEqual(block.map((op) => [op.op, op.modulePath, formatDim(op.repeat)]), [
      ['torch.nn.LayerNorm', 'blocks[*].norm', 'depth'],
      ['torch.nn.Linear', 'blocks[*].fc', 'depth'],
      ['torch.add', 'blocks[*]', 'depth'],
    ]);
    const [norm, , add] = block as [OpNode, OpNode, OpNode];
    // The second block's norm and residual add read the first block's sum; the fc reads its own pass's norm.
    assert.equal(norm.carried?.[0]?.id, add.outputs[0]?.id);
    assert.equal(add.carried?.[0]?.id, add.outputs[0]?.id);
    assert.equal(block[1]?.carried, undefined);
    // The head reads what the last pass left: the folded row's sum.
    const head = only(graph.ops, (op) => op.modulePath === 'head');
    assert.equal(head.inputs[0]?.id, add.outputs[0]?.id);
  });

  it('run every pass when a pass writes what the next one reads (trap)', async () => {
    const graph = await graphOf('repeated_blocks_trap.py');
    const projections = graph.ops.filter((op) => op.modulePath.startsWith('cells'));
    assert.deepEqual(projections.map((op) => [op.modulePath, formatDim(op.repeat), rows(op)]), [
      ['cells[0].proj', '1', 'T'],
      ['cells[1].proj', '1', '2*T'],
      ['cells[2].proj', '1', 'T+T+2*T'],
    ]);
  });

  it('keep a tensor held outside the loop as it is in every pass (trap)', async () => {
    const graph = await graphOf('repeated_blocks_trap.py');
    const ops = graph.ops.filter((op) => op.scope === 'LongSkip.forward' || op.modulePath.startsWith('blocks'));
    const embed = only(ops, (op) => op.modulePath === 'embed');
    const skip = only(ops, (op) => op.op === 'torch.add' && op.modulePath === '');
    assert.equal(formatDim(skip.repeat), '4');
    // `x = blk(x) + h`: every pass adds the same h, the embedding; only blk's input is the pass before's sum.
    assert.equal(skip.inputs[1]?.id, embed.outputs[0]?.id);
    assert.equal(skip.carried, undefined);
    const norm = only(ops, (op) => op.modulePath === 'blocks[*].norm');
    assert.equal(norm.carried?.[0]?.id, skip.outputs[0]?.id);
  });

  it('run a pass at its own size when the one before changed the shape it hands on (trap)', async () => {
    const graph = await graphOf('repeated_blocks_trap.py');
    const pools = graph.ops.filter((op) => op.op === 'torch.nn.AvgPool1d');
    assert.deepEqual(pools.map((op) => [op.modulePath, formatDim(op.repeat)]), [
      ['stages[0].pool', '1'],
      ['stages[1].pool', '1'],
      ['stages[2].pool', '1'],
    ]);
  });
});

describe('loops over layers built one by one', () => {
  it('count layers that differ only in what the forward never reads as one row repeated', async () => {
    const graph = await graphOf('decoder_layers.py');
    const layers = graph.ops.filter((op) => op.modulePath.startsWith('layers'));
    assert.deepEqual(layers.map((op) => [op.op, op.modulePath, formatDim(op.repeat)]), [
      ['torch.nn.LayerNorm', 'layers[*].norm', 'num_hidden_layers'],
      ['torch.nn.Linear', 'layers[*].mlp', 'num_hidden_layers'],
      ['torch.add', 'layers[*]', 'num_hidden_layers'],
    ]);
    // nn.Sequential of layers built one by one folds the same way.
    const final = graph.ops.filter((op) => op.modulePath.startsWith('final'));
    assert.deepEqual(final.map((op) => [op.modulePath, formatDim(op.repeat)]), [['final[*]', '4']]);
    const [norm, , add] = layers as [OpNode, OpNode, OpNode];
    assert.equal(norm.carried?.[0]?.id, add.outputs[0]?.id);
  });

  it('run a layer whose index the forward reads (trap: the last layers normalise first)', async () => {
    const graph = await graphOf('decoder_layers_trap.py');
    const ops = graph.ops.filter((op) => op.scope.startsWith('LateNormLayer'));
    assert.deepEqual(ops.map((op) => [op.op, op.modulePath, formatDim(op.repeat)]), [
      ['torch.nn.Linear', 'layers[0:3].mlp', '3'],
      ['torch.add', 'layers[0:3]', '3'],
      ['torch.nn.LayerNorm', 'layers[3:6].norm', '3'],
      ['torch.nn.Linear', 'layers[3:6].mlp', '3'],
      ['torch.add', 'layers[3:6]', '3'],
    ]);
  });

  it('run a layer built with other sizes (trap: the last layers are wider)', async () => {
    const graph = await graphOf('decoder_layers_trap.py');
    const downs = graph.ops.filter((op) => op.modulePath.endsWith('.down'));
    assert.deepEqual(downs.map((op) => [op.modulePath, formatDim(op.repeat), dimOf(op.outputs[0], 2)]), [
      ['layers[0:4].down', '4', 'hidden_size'],
      ['layers[4:6].down', '2', '4*hidden_size'],
    ]);
  });
});

describe('layers that differ only in a scalar they multiply by', () => {
  it('fold: a pointwise op costs one op per element whatever its scalar (GPTBigCode scales by layer_idx + 1)', async () => {
    const graph = await graphOf('scaled_layers.py');
    const layers = graph.ops.filter((op) => op.modulePath.startsWith('h'));
    assert.deepEqual(layers.map((op) => [op.op, op.modulePath, formatDim(op.repeat)]), [
      ['torch.nn.Linear', 'h[*].qk', 'n_layer'],
      ['torch.mul', 'h[*]', 'n_layer'],
      ['torch.softmax', 'h[*]', 'n_layer'],
      ['torch.add', 'h[*]', 'n_layer'],
    ]);
  });

  it('stay apart where the index sets what the cost reads (trap: depthwise odd layers)', async () => {
    const graph = await graphOf('scaled_layers_trap.py');
    const convs = graph.ops.filter((op) => op.modulePath.startsWith('h') && op.op === 'torch.nn.Conv1d');
    const groups = (op: OpNode): string => {
      const value = op.attrs.groups;
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? formatDim(value as Parameters<typeof formatDim>[0]) : String(value);
    };
    assert.deepEqual(convs.map((op) => [op.modulePath, formatDim(op.repeat), groups(op)]), [
      ['h[0:5:2].conv', '3', '1'],
      ['h[1:6:2].conv', '3', 'channels'],
    ]);
  });
});

describe('loops that see their index only to pick items', () => {
  it('count passes over alike picks as one row repeated, and leave the picked name the last layer', async () => {
    const graph = await graphOf('indexed_layers.py');
    const decoder = graph.ops.filter((op) => op.scope.startsWith('DecoderLayer') || op.scope.startsWith('IndexedDecoder'));
    assert.deepEqual(decoder.map((op) => [op.op, op.modulePath, formatDim(op.repeat)]), [
      ['torch.nn.LayerNorm', 'layers[*].norm', 'num_hidden_layers'],
      ['torch.nn.Linear', 'layers[*].mlp', 'num_hidden_layers'],
      ['torch.add', 'layers[*]', 'num_hidden_layers'],
      // `layer` after `for i in range(len(self.layers)): layer = self.layers[i]` is the last layer.
      ['torch.nn.Linear', 'layers[5].mlp', '1'],
      ['torch.nn.LayerNorm', 'norm', '1'],
    ]);
    const [norm, , add] = decoder as [OpNode, OpNode, OpNode];
    assert.equal(norm.carried?.[0]?.id, add.outputs[0]?.id);
    // `enumerate(self.layer)` with `head_mask[i]` of a None head mask, and the layer's output tuple.
    const encoder = graph.ops.filter((op) => op.scope.startsWith('Layer.'));
    assert.deepEqual(encoder.map((op) => [op.op, op.modulePath, formatDim(op.repeat)]), [
      ['torch.nn.Linear', 'layer[*].dense', 'num_hidden_layers'],
      ['torch.add', 'layer[*]', 'num_hidden_layers'],
    ]);
  });

  it('run the passes where the index is read beside the picks (trap: the last three normalise first)', async () => {
    const graph = await graphOf('indexed_layers_trap.py');
    const ops = opsOfRoot(graph, 'LateNorm');
    assert.deepEqual(ops.map((op) => [op.op, op.modulePath, formatDim(op.repeat)]), [
      ['torch.nn.Linear', 'layers[0:3].mlp', '3'],
      ['torch.add', 'layers[0:3]', '3'],
      ['torch.nn.LayerNorm', 'layers[3:6].norm', '3'],
      ['torch.nn.Linear', 'layers[3:6].mlp', '3'],
      ['torch.add', 'layers[3:6]', '3'],
    ]);
  });

  it('name each pass after its item in every list of layers it picks from (trap: an adapter per layer)', async () => {
    const graph = await graphOf('indexed_layers_trap.py');
    const adapters = graph.ops.filter((op) => op.modulePath.startsWith('adapters'));
    assert.deepEqual(adapters.map((op) => [op.modulePath, formatDim(op.repeat)]), [['adapters[*]', 'num_hidden_layers']]);
  });

  it('run a pass whose picked item differs (trap: the last two biases are wider)', async () => {
    const graph = await graphOf('indexed_layers_trap.py');
    const adds = graph.ops.filter((op) => op.scope.startsWith('Banded'));
    assert.deepEqual(adds.map((op) => [op.op, formatDim(op.repeat), op.inputs[1]?.shape?.length]), [
      ['torch.add', '4', 1],
      ['torch.add', '2', 2],
    ]);
  });

  it('run every pass that hands the next a longer tuple (trap: output_hidden_states)', async () => {
    const graph = await graphOf('indexed_layers_trap.py');
    const stack = only(graph.ops, (op) => op.op === 'torch.stack');
    assert.equal(stack.inputs.length, 6);
    assert.equal(dimOf(stack.outputs[0], 0), '6');
  });
});

describe('layers whose passes set attributes of their own layer', () => {
  it("count alike layers from the first pass, and make each pass's sets in its own layer", async () => {
    const graph = await graphOf('cached_layers.py');
    const stack = opsOfRoot(graph, 'CachedStack');
    assert.deepEqual(stack.map((op) => [op.op, op.modulePath, formatDim(op.repeat)]), [
      ['torch.nn.Linear', 'embed', '1'],
      ['torch.nn.Linear', 'layers[*].proj', 'n_layers'],
      ['torch.add', 'layers[*]', 'n_layers'],
      ['torch.Tensor.__getitem__', '', '1'],
      ['torch.Tensor.sum', '', '1'],
    ]);
    // `x[:, : self.layers[-1].filled]`: the last layer holds the length its pass set.
    const slice = only(stack, (op) => op.op === 'torch.Tensor.__getitem__');
    assert.equal(dimOf(slice.outputs[0], 1), 'T');
    const pair = opsOfRoot(graph, 'PairStack').filter((op) => op.modulePath.startsWith('layers'));
    assert.deepEqual(pair.map((op) => [op.modulePath, formatDim(op.repeat)]), [
      ['layers[*].proj', '2'],
      ['layers[*]', '2'],
    ]);
    const [proj, add] = pair as [OpNode, OpNode];
    assert.equal(proj.carried?.[0]?.id, add.outputs[0]?.id);
  });

  it('run every pass over layers that share the module a pass sets (trap: a memory each layer reads)', async () => {
    const graph = await graphOf('cached_layers_trap.py');
    const add = only(graph.ops, (op) => op.scope === 'MemoryLayer.forward' && op.op === 'torch.add');
    const mean = only(graph.ops, (op) => op.scope === 'MemoryLayer.forward' && op.op === 'torch.Tensor.mean');
    // The memory before the loop is alike to what each pass sets: only that the layers share it tells the passes apart.
    assert.equal(formatDim(add.repeat), 'n_layers');
    // Each layer after the first reads the memory the one before it set.
    assert.equal(add.carried?.[1]?.id, mean.outputs[0]?.id);
  });

  it('hold in every inner layer counted unrun what its pass would set (trap: blocks of layers that keep a length)', async () => {
    const graph = await graphOf('cached_layers_trap.py');
    const nested = opsOfRoot(graph, 'NestedCaches');
    assert.deepEqual(nested.filter((op) => op.modulePath.startsWith('blocks')).map((op) => [op.modulePath, formatDim(op.repeat)]), [
      ['blocks[*].subs[*].proj', 'n_subs*n_blocks'],
      ['blocks[*].subs[*]', 'n_subs*n_blocks'],
    ]);
    // `x[:, : self.blocks[-1].subs[-1].filled]`: the last block's last layer was counted unrun in its block's loop.
    const slice = only(nested, (op) => op.op === 'torch.Tensor.__getitem__');
    assert.equal(dimOf(slice.outputs[0], 1), 'T');
  });
});
