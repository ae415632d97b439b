// Library layers in published-style code: how the interpreter reaches the catalog entries (imports, module aliases,
// a project's own wrappers) and the trap twins where the file's own code must win, against hand computations.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import { libraryModels } from '../../src/core/frontends/pytorch/libraries';
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

describe('library layers: timm, followed through MemWall’s model of its layers', () => {
  it('runs MAE’s PatchEmbed and Blocks and a DeiT block’s Attention, Mlp and DropPath as their kernels', async () => {
    const analysis = await analyzeFixture('timm_layers.py');
    // PatchEmbed: a 16×16 stride-16 conv, [8, 3, 224, 224] → [8, 768, 14, 14]: 2·(8·196)·768·(3·16·16) + bias.
    const conv = only(analysis, 'torch.nn.Conv2d');
    assert.deepEqual(conv.outputShapes, [[8, 768, 14, 14]]);
    assert.equal(conv.node.modulePath, 'patch_embed.proj');
    assert.equal(conv.node.span.startLine + 1, 22, 'reported at the call in the analysed file');
    // num_patches = (224 // 16)² reaches the positional embedding: the add is [8, 196, 768].
    const posAdd = analysis.costs.find((c) => c.node.scope === 'MaskedAutoencoderEncoder.forward' && c.node.op === 'torch.add');
    assert.deepEqual(posAdd?.outputShapes, [[8, 196, 768]]);
    // Each of the 12 Blocks: qkv, fused attention, proj, fc1 (768 → 3072), GELU, fc2.
    const blockOps = analysis.costs.filter((c) => c.node.modulePath.startsWith('blocks[*]') && c.node.category !== 'view');
    assert.ok(blockOps.every((c) => c.repeat === 12));
    const fc1 = blockOps.find((c) => c.node.modulePath === 'blocks[*].mlp.fc1');
    assert.equal(fc1?.flops, 2 * 1568 * 3072 * 768 + 1568 * 3072);
    assert.equal(blockOps.find((c) => c.node.modulePath === 'blocks[*].mlp.act')?.node.op, 'torch.nn.GELU');
    const attention = blockOps.find((c) => c.node.category === 'attention');
    assert.deepEqual(attention?.outputShapes, [[8, 12, 196, 64]]);
    // DeiT block: get_act_layer('gelu') is nn.GELU; DropPath(0.1) multiplies each of [8, 197, 384] once.
    const deitAct = analysis.costs.find((c) => c.node.modulePath === 'mlp.act');
    assert.equal(deitAct?.node.op, 'torch.nn.GELU');
    const dropPaths = analysis.costs.filter((c) => c.node.op === 'timm.layers.DropPath');
    assert.equal(dropPaths.length, 2);
    for (const cost of dropPaths) {
      assert.equal(cost.flops, 8 * 197 * 384);
      assert.equal(cost.bytes, 2 * 8 * 197 * 384 * 2);
    }
    assert.ok(analysis.costs.every((c) => c.node.assumed === undefined));
  });

  it('keeps the file’s own Mlp, assumes a timm layer it has no model of, and prices DropPath(0.0) as free (trap twin)', async () => {
    const analysis = await analyzeFixture('timm_layers_trap.py');
    assert.deepEqual(analysis.costs.filter((c) => c.node.scope === 'Mlp.forward' && c.node.category !== 'view').map((c) => c.node.label), ['self.w12', 'F.silu', '*', 'self.w3']);
    const norm = analysis.costs.find((c) => c.node.label === 'self.norm');
    assert.ok(norm?.node.assumed);
    assert.equal(norm.flops, null);
    const dropPath = only(analysis, 'timm.layers.DropPath');
    assert.equal(dropPath.flops, 0);
    assert.equal(dropPath.bytes, 0);
  });
});

describe('library layers: transformers registries', () => {
  it('runs ACT2FN["gelu_new"] as its eight kernels and ALL_ATTENTION_FUNCTIONS’ default sdpa with enable_gqa', async () => {
    const analysis = await analyzeFixture('hf_registries.py');
    const gelu = analysis.costs.filter((c) => c.node.scope === 'NewGELUActivation.forward');
    assert.deepEqual(gelu.map((c) => c.node.label), ['*', 'torch.pow', '*', '+', '*', 'torch.tanh', '+', '*']);
    for (const cost of gelu) assert.equal(cost.flops, 2 * 1024 * 4096);
    const sdpa = only(analysis, 'torch.nn.functional.scaled_dot_product_attention');
    assert.equal(sdpa.node.scope, 'sdpa_attention_forward');
    assert.equal(sdpa.node.attrs.enable_gqa, true);
    // q [2, 16, 1024, 64], k and v [2, 4, 1024, 64] unrepeated; causal (query length > 1, module.is_causal).
    assert.deepEqual(sdpa.inputShapes, [[2, 16, 1024, 64], [2, 4, 1024, 64], [2, 4, 1024, 64]]);
    assert.equal(sdpa.flops, (2 * 32 * 1024 * 1024 * 128 + 5 * 32 * 1024 * 1024) / 2);
    const o = analysis.costs.find((c) => c.node.label === 'self.o_proj');
    assert.equal(o?.flops, 2 * 2048 * 1024 * 1024);
    const note = analysis.notes.find((n) => n.code === 'MW907');
    assert.match(note?.message ?? '', /ALL_ATTENTION_FUNCTIONS\[self\.config\._attn_implementation\]`: the key is not known here; MemWall followed the `sdpa` entry/);
    assert.equal((note?.span?.startLine ?? 0) + 1, 68, 'on the subscript');
    assert.ok(analysis.costs.every((c) => c.node.assumed === undefined));
  });

  it('does not guess an activation or a table entry from an unknown key, and follows an eager config (trap twin)', async () => {
    const analysis = await analyzeFixture('hf_registries_trap.py');
    const act = analysis.costs.find((c) => c.node.label === 'self.act');
    assert.ok(act?.node.assumed, 'ACT2FN[config.hidden_act] with a config it cannot read');
    assert.ok(analysis.costs.find((c) => c.node.label === 'self.pool')?.node.assumed, 'a table of different functions');
    assert.equal(analysis.notes.filter((n) => n.code === 'MW907').length, 0);
    const scores = analysis.costs.filter((c) => c.node.scope === 'eager_attention_forward' && c.node.op === 'torch.matmul');
    assert.equal(scores.length, 2, 'the eager path is written out');
    assert.deepEqual(scores[0]?.outputShapes, [[2, 8, 256, 256]]);
    assert.equal(analysis.costs.filter((c) => c.node.category === 'attention').length, 0);
  });
});

describe('library layers: callables that are not modules', () => {
  it('follows a diffusers processor, stored functions, getattr dispatch and a table’s eager default', async () => {
    const analysis = await analyzeFixture('callables.py');
    // AttnProcessor2_0.__call__(attn, hidden_states): the owning module's projections, SDPA and to_out[0].
    const processor = analysis.costs.filter((c) => c.node.scope === 'AttnProcessor2_0.__call__' && c.node.category !== 'view');
    assert.deepEqual(processor.map((c) => c.node.label), ['attn.to_q', 'attn.to_k', 'attn.to_v', 'F.scaled_dot_product_attention', 'hidden_states.transpose(1, 2).reshape (copies: input not contiguous)', 'attn.to_out[0]', 'attn.to_out[1]']);
    // [4, 4096, 320] × [320, 320]: 2·16384·320·320.
    assert.equal(processor[0]?.flops, 2 * 16384 * 320 * 320);
    assert.deepEqual(processor[3]?.outputShapes, [[4, 8, 4096, 40]]);
    // self.act = F.gelu; self.act2 = getattr(F, config.activation) with activation = "silu".
    const fc = analysis.costs.find((c) => c.node.label === 'self.fc');
    assert.deepEqual(fc?.outputShapes, [[4, 4096, 1280]]);
    assert.equal(analysis.costs.find((c) => c.node.label === 'self.act')?.node.op, 'torch.nn.functional.gelu');
    assert.equal(analysis.costs.find((c) => c.node.label === 'self.act2')?.node.op, 'torch.nn.functional.silu');
    // getattr(self, "_mix_" + "fused") and self.mix_fn (use_flash=True) both run _mix_fused.
    assert.equal(analysis.costs.filter((c) => c.node.scope === 'TransformerBlock._mix_fused').length, 2);
    assert.equal(analysis.costs.filter((c) => c.node.scope === 'TransformerBlock._mix_eager').length, 0);
    // ATTENTION_IMPLEMENTATIONS[config.attention_backend]: the eager entry, written out, at [4, 8, 4096, 4096].
    const eager = analysis.costs.filter((c) => c.node.scope === '_eager_attention' && c.outputShapes[0] !== null && c.node.op === 'torch.matmul');
    assert.deepEqual(eager[0]?.outputShapes, [[4, 8, 4096, 4096]]);
    assert.match(analysis.notes.find((n) => n.code === 'MW907')?.message ?? '', /followed the `eager` entry/);
    assert.ok(analysis.costs.every((c) => c.node.assumed === undefined));
  });

  it('assumes, never guesses, when the callable cannot be read (trap twin)', async () => {
    const analysis = await analyzeFixture('callables_trap.py');
    for (const label of ['self.processor', 'self.act', 'self.act2']) {
      const cost = analysis.costs.find((c) => c.node.label === label);
      assert.ok(cost?.node.assumed, label);
      assert.equal(cost.flops, null);
    }
    assert.equal(analysis.costs.find((c) => c.node.label === 'self.fc')?.flops, 2 * 4096 * 1024 * 256 + 4096 * 1024);
    assert.equal(analysis.notes.filter((n) => n.code === 'MW907').length, 0);
  });
});

describe('library layers: the Python models', () => {
  it('parse without syntax errors', async () => {
    const parser = await testParser();
    for (const model of libraryModels()) {
      const tree = parser.parse(model.text);
      assert.equal(tree.rootNode.hasError, false, model.name);
      tree.delete();
    }
  });
});
