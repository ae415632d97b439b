// Library layers in published-style code: how the interpreter reaches the catalog entries (imports, module aliases,
// a project's own wrappers) and the trap twins where the file's own code must win, against hand computations.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import type { Analysis, CostedOp } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'libraries');

async function analyzeFixture(name: string): Promise<Analysis> {
  return analyze(readFileSync(path.join(FIXTURES, name), 'utf8'), { parser: await testParser() });
}

async function analyzeText(lines: string[]): Promise<Analysis> {
  return analyze(lines.join('\n'), { parser: await testParser() });
}

function only(analysis: Analysis, op: string): CostedOp {
  const found = analysis.costs.filter((c) => c.node.op === op);
  assert.equal(found.length, 1, `one ${op} in ${analysis.costs.map((c) => c.node.op).join(', ')}`);
  return found[0] as CostedOp;
}

describe('library layers: fused attention kernels', () => {
  it('prices flash_attn_func (GQA, causal) and xformers via `import xformers.ops as xops`', async () => {
    const analysis = await analyzeFixture('flash_attention_gqa.py');
    const flash = only(analysis, 'flash_attn.flash_attn_func');
    assert.equal(flash.node.category, 'attention');
    assert.deepEqual(flash.outputShapes, [[2, 1024, 16, 128]]);
    // 2·16 rows, 1024·1025/2 causal pairs, 2·128 + 2·128 + 5 FLOPs per pair.
    assert.equal(flash.flops, 32 * 524800 * 517);
    // q and out 2·1024·16·128·2 bytes each; k and v (4 KV heads) 2·1024·4·128·2 each.
    assert.equal(flash.bytes, 2 * 8388608 + 2 * 2097152);
    const xformers = only(analysis, 'xformers.ops.memory_efficient_attention');
    assert.deepEqual(xformers.outputShapes, [[2, 257, 12, 64]]);
    // LowerTriangularMask: 257·258/2 pairs for each of 2·12 rows, 2·64 + 2·64 + 5 per pair.
    assert.equal(xformers.flops, 24 * 33153 * 261);
    assert.equal(xformers.bytes, 4 * 2 * 257 * 768 * 2);
    assert.equal(only(analysis, 'xformers.ops.unbind').node.category, 'view');
    // The projection after the kernel is priced: [2·257, 768] × [768, 768] + bias.
    const proj = analysis.costs.find((c) => c.node.label === 'self.proj');
    assert.equal(proj?.flops, 2 * 514 * 768 * 768 + 514 * 768);
    assert.ok(analysis.costs.every((c) => c.node.assumed === undefined));
  });

  it('follows the file’s own function named like the kernel, and assumes an unreadable rotary module (trap twin)', async () => {
    const analysis = await analyzeFixture('flash_attention_gqa_trap.py');
    assert.equal(analysis.costs.filter((c) => c.node.category === 'attention').length, 0, 'no fused kernel');
    const scores = analysis.costs.filter((c) => c.node.op === 'torch.matmul');
    assert.equal(scores.length, 2, 'QKᵀ and PV written out');
    assert.deepEqual(scores[0]?.outputShapes, [[2, 8, 512, 512]]);
    const rotary = analysis.costs.find((c) => c.node.label === 'self.rotary_emb');
    assert.ok(rotary?.node.assumed, 'an unknown class from the library is not priced as anything');
    // `q, k = self.rotary_emb(q, k)`: two names for two tensors, each keeps its shape, so QKᵀ stays priced.
    assert.equal(scores[0]?.flops, 2 * 16 * 512 * 512 * 128);
  });

  it('prices a project wrapper named like flash-attn’s function as flash-attn, and says so (nanochat)', async () => {
    const analysis = await analyzeText([
      'from nanochat.flash_attention import flash_attn',
      'def attend(q, k, v):',
      '    # memwall: shape q=[4, 2048, 6, 128]',
      '    # memwall: shape k=[4, 2048, 6, 128]',
      '    # memwall: shape v=[4, 2048, 6, 128]',
      '    return flash_attn.flash_attn_func(q, k, v, causal=True, window_size=(1024, 0))',
    ]);
    const flash = only(analysis, 'flash_attn.flash_attn_func');
    assert.match(flash.node.notes.join(' '), /`nanochat\.flash_attention\.flash_attn\.flash_attn_func` was not read; priced as `flash_attn\.flash_attn_func`/);
    // window (1024, 0): query i sees min(i + 1, 1025) keys: 1024·1025/2 for the first 1024, 1025 for each other.
    assert.equal(flash.flops, 24 * (524800 + 1024 * 1025) * 517);
  });

  it('prices F.scaled_dot_product_attention with enable_gqa over fewer KV heads', async () => {
    const analysis = await analyzeText([
      'import torch.nn.functional as F',
      'def attend(q, k, v):',
      '    # memwall: shape q=[2, 32, 1024, 128]',
      '    # memwall: shape k=[2, 8, 1024, 128]',
      '    # memwall: shape v=[2, 8, 1024, 128]',
      '    return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)',
    ]);
    const sdpa = only(analysis, 'torch.nn.functional.scaled_dot_product_attention');
    assert.deepEqual(sdpa.outputShapes, [[2, 32, 1024, 128]]);
    // (2·2·32·1024²·(128 + 128) + 5·2·32·1024²) / 2: the catalog's causal half; K and V read at 8 heads.
    assert.equal(sdpa.flops, (2 * 64 * 1048576 * 256 + 5 * 64 * 1048576) / 2);
    assert.equal(sdpa.bytes, 2 * (2 * 32 * 1024 * 128 * 2) + 2 * (2 * 8 * 1024 * 128 * 2));
  });
});

describe('library layers: tensor-parallel linears at world size 1', () => {
  it('prices fairscale and Megatron layers as their GEMMs, with the bias add where the library runs it', async () => {
    const analysis = await analyzeFixture('tensor_parallel.py');
    const M = 4 * 2048;
    // fairscale ColumnParallelLinear (bias=False): a plain GEMM, M = 8192, N = K = 4096.
    const wq = analysis.costs.find((c) => c.node.label === 'self.wq');
    assert.equal(wq?.node.op, 'fairscale.nn.model_parallel.layers.ColumnParallelLinear');
    assert.equal(wq?.flops, 2 * M * 4096 * 4096);
    assert.deepEqual(wq?.outputShapes, [[4, 2048, 4096]]);
    // n_heads // get_model_parallel_world_size(): 32 local heads at world size 1, so SDPA sees [4, 32, 2048, 128].
    const sdpa = only(analysis, 'torch.nn.functional.scaled_dot_product_attention');
    assert.deepEqual(sdpa.outputShapes, [[4, 32, 2048, 128]]);
    // fairscale RowParallelLinear with bias=True: F.linear without the bias, then `+ bias` as its own kernel.
    const wo = analysis.costs.filter((c) => c.node.label === 'self.wo' || c.node.label === 'self.wo (bias add)');
    assert.deepEqual(wo.map((c) => c.node.op), ['fairscale.nn.model_parallel.layers.RowParallelLinear', 'torch.add']);
    assert.equal(wo[0]?.flops, 2 * M * 4096 * 4096);
    assert.equal(wo[1]?.flops, M * 4096);
    assert.equal(wo[1]?.bytes, (2 * M * 4096 + 4096) * 2);
    // Megatron ColumnParallelLinear with skip_bias_add=True: the GEMM alone, and the bias comes back to be added by
    // the MLP's own `+` (not a second time by the layer). N = 16384.
    const up = analysis.costs.find((c) => c.node.label === 'self.dense_h_to_4h');
    assert.equal(up?.node.op, 'megatron.core.tensor_parallel.ColumnParallelLinear');
    assert.equal(up?.flops, 2 * M * 16384 * 4096);
    assert.equal(up?.bytes, (M * 4096 + 16384 * 4096 + M * 16384) * 2);
    const mlpAdds = analysis.costs.filter((c) => c.node.scope === 'ParallelMLP.forward' && c.node.op === 'torch.add');
    assert.deepEqual(mlpAdds.map((c) => c.node.label), ['+', 'self.dense_4h_to_h (bias add)']);
    assert.deepEqual(mlpAdds[0]?.inputShapes, [[4, 2048, 16384], [16384]], 'the returned bias is the layer’s [N] parameter');
    // The GELU and the down projection read the [B, T, 16384] sum.
    assert.equal(analysis.costs.find((c) => c.node.op === 'torch.nn.functional.gelu')?.flops, 5 * M * 16384);
    assert.equal(analysis.costs.find((c) => c.node.label === 'self.dense_4h_to_h')?.flops, 2 * M * 4096 * 16384);
    // Embeddings: a gather of [B, T] rows of 4096 from a 32000-row table.
    for (const label of ['self.tok_embeddings', 'self.word_embeddings']) {
      const lookup = analysis.costs.find((c) => c.node.label === label);
      assert.deepEqual(lookup?.outputShapes, [[4, 2048, 4096]], label);
      assert.equal(lookup?.flops, 0);
    }
    assert.ok(analysis.costs.every((c) => c.node.assumed === undefined));
  });

  it('follows the file’s own ColumnParallelLinear and FusedLayerNorm (trap twin)', async () => {
    const analysis = await analyzeFixture('tensor_parallel_trap.py');
    assert.ok(analysis.costs.every((c) => !/fairscale|megatron|apex/.test(c.node.op)));
    const linear = only(analysis, 'torch.nn.Linear');
    assert.equal(linear.node.scope, 'ColumnParallelLinear.forward');
    assert.equal(linear.flops, 2 * 2048 * 4096 * 1024 + 2048 * 4096);
    assert.equal(analysis.costs.filter((c) => c.node.scope === 'FusedLayerNorm.forward' && c.node.category !== 'view').length, 9, 'written out op by op');
  });
});

describe('library layers: apex and TransformerEngine fused modules', () => {
  it('prices te.LayerNormLinear, te.Linear, te.LayerNormMLP and apex FusedLayerNorm as one op each', async () => {
    const analysis = await analyzeFixture('fused_layers.py');
    const M = 2 * 1024;
    const qkv = only(analysis, 'transformer_engine.pytorch.LayerNormLinear');
    assert.deepEqual(qkv.outputShapes, [[2, 1024, 6144]]);
    // LayerNorm 5·M·K + GEMM 2·M·N·K + bias M·N, K = 2048, N = 6144.
    assert.equal(qkv.flops, 5 * M * 2048 + 2 * M * 6144 * 2048 + M * 6144);
    // x, norm weight and bias, W, b read; out written; the normalised M×K written and read back (bf16).
    const qkvRead = (M * 2048 + 2 * 2048 + 6144 * 2048 + 6144) * 2 + M * 2048 * 2;
    assert.equal(qkv.bytesRead, qkvRead);
    assert.equal(qkv.bytesWritten, M * 6144 * 2 + M * 2048 * 2);
    const proj = only(analysis, 'transformer_engine.pytorch.Linear');
    assert.equal(proj.flops, 2 * M * 2048 * 2048 + M * 2048);
    const mlp = only(analysis, 'transformer_engine.pytorch.LayerNormMLP');
    assert.deepEqual(mlp.inputShapes.slice(1), [[2048], [16384, 2048], [16384], [2048, 8192], [2048]], 'RMSNorm has no bias; swiglu makes fc1 2·F wide');
    // RMSNorm 4·M·H + fc1 2·M·2F·H + swiglu 6·M·F + fc2 2·M·H·F + biases M·2F + M·H; H = 2048, F = 8192.
    assert.equal(mlp.flops, 4 * M * 2048 + 2 * M * 16384 * 2048 + 6 * M * 8192 + 2 * M * 2048 * 8192 + M * 16384 + M * 2048);
    // Intermediates: the normalised M×H, the fc1 output M×2F and the activation M×F, each written and read once.
    const intermediates = (M * 2048 + M * 16384 + M * 8192) * 2;
    assert.equal(mlp.bytesRead, (M * 2048 + 2048 + 16384 * 2048 + 16384 + 2048 * 8192 + 2048) * 2 + intermediates);
    assert.equal(mlp.bytesWritten, M * 2048 * 2 + intermediates);
    const norm = only(analysis, 'apex.normalization.FusedLayerNorm');
    assert.equal(norm.node.category, 'normalization');
    // 5 per element of [2, 512, 768]; x, weight, bias read, y written.
    assert.equal(norm.flops, 5 * 2 * 512 * 768);
    assert.equal(norm.bytes, (2 * (2 * 512 * 768) + 2 * 768) * 2);
  });
});
