// Library layers priced by the catalog when their source is not read: flash-attn, xformers, tensor-parallel linears,
// apex and TransformerEngine fused layers, timm and transformers pieces, against hand computations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lookupOp } from '../../src/core/ir/catalog';
import { attentionPairs } from '../../src/core/ir/catalog/fused-attention';
import { price } from '../helpers/catalog';

describe('library catalog: fused attention', () => {
  it('counts query-key pairs under causal masks aligned either way and under sliding windows', () => {
    // 4 queries over 6 keys: bottom-right (flash-attn) sees 3, 4, 5, 6 keys; top-left (PyTorch, xformers) 1, 2, 3, 4.
    assert.equal(attentionPairs(4, 6, 'causal-bottom-right'), 18);
    assert.equal(attentionPairs(4, 6, 'causal-top-left'), 10);
    assert.equal(attentionPairs(4, 6, 'none'), 24);
    // L = S = 1024: L(L+1)/2 either way.
    assert.equal(attentionPairs(1024, 1024, 'causal-bottom-right'), 524800);
    assert.equal(attentionPairs(1024, 1024, 'causal-top-left'), 524800);
    // window (256, 0): query i sees min(i + 1, 257) keys: 256·257/2 + 768·257.
    assert.equal(attentionPairs(1024, 1024, 'causal-bottom-right', 256, 0), 32896 + 197376);
    // Decoding one token against 4096 cached keys: bottom-right lets it see all of them.
    assert.equal(attentionPairs(1, 4096, 'causal-bottom-right'), 4096);
  });

  it('flash_attn_func with grouped-query heads, causal: [2, 1024, 16, 64] queries over 4 KV heads', () => {
    const gqa = price('flash_attn.flash_attn_func', [[2, 1024, 16, 64], [2, 1024, 4, 64], [2, 1024, 4, 64]], { causal: true });
    assert.deepEqual(gqa.shapes, [[2, 1024, 16, 64]]);
    // B·H = 32 rows, 524,800 pairs, 2·64 + 2·64 + 5 = 261 FLOPs per pair.
    assert.equal(gqa.flops, 32 * 524800 * 261);
    // Q and O: 2·1024·16·64·2 bytes each; K and V: 2·1024·4·64·2 bytes each.
    assert.deepEqual(gqa.bytes, { read: 4194304 + 2 * 1048576, written: 4194304 });
    assert.equal(price('flash_attn.flash_attn_func', [[2, 1024, 16, 64], [2, 1024, 4, 64], [2, 1024, 4, 64]]).flops, 32 * 1048576 * 261);
    const windowed = price('flash_attn.flash_attn_func', [[2, 1024, 16, 64], [2, 1024, 4, 64], [2, 1024, 4, 64]], { causal: true, window_size: [{ kind: 'num', value: 256 }, { kind: 'num', value: 0 }] });
    assert.equal(windowed.flops, 32 * 230272 * 261);
    // A softcap adds divide, tanh and multiply per score.
    assert.equal(price('flash_attn.flash_attn_func', [[1, 128, 2, 64], [1, 128, 2, 64], [1, 128, 2, 64]], { softcap: 30 }).flops, 2 * 128 * 128 * 264);
  });

  it('is spelled as the package, FA2 interface and FA3 modules export it', () => {
    for (const name of ['flash_attn.flash_attn_func', 'flash_attn.flash_attn_interface.flash_attn_func', 'flash_attn_interface.flash_attn_func']) {
      assert.equal(lookupOp(name), lookupOp('flash_attn.flash_attn_func'), name);
    }
  });

  it('flash_attn_with_kvcache decoding one token over a full 4096-token cache', () => {
    const decode = price('flash_attn.flash_attn_with_kvcache', [[4, 1, 32, 128], [4, 4096, 8, 128], [4, 4096, 8, 128], [4, 1, 8, 128], [4, 1, 8, 128], [4]], { causal: true }, [2, 2, 2, 2, 2, 4]);
    assert.deepEqual(decode.shapes, [[4, 1, 32, 128]]);
    // 4·32 rows, 4096 pairs each, 2·128·2 + 5 = 517 per pair.
    assert.equal(decode.flops, 128 * 4096 * 517);
    // Read: q 32 KiB, both caches 2·32 MiB, new k and v 2·8 KiB, cache_seqlens 16 B; written: out and the appended k, v.
    assert.deepEqual(decode.bytes, { read: 32768 + 67108864 + 16384 + 16, written: 32768 + 16384 });
  });

  it('flash_attn_varlen_func counts packed sequences as max_seqlen long (an upper bound)', () => {
    const packed = price('flash_attn.flash_attn_varlen_func', [[3000, 12, 64], [3000, 12, 64], [3000, 12, 64], [4], [4]], { max_seqlen_q: 1000, max_seqlen_k: 1000, causal: true }, [2, 2, 2, 4, 4]);
    assert.deepEqual(packed.shapes, [[3000, 12, 64]]);
    // 3 sequences · 12 heads · 1000·1001/2 pairs · 261.
    assert.equal(packed.flops, 3 * 12 * 500500 * 261);
    assert.equal(price('flash_attn.flash_attn_varlen_func', [[3000, 12, 64], [3000, 12, 64], [3000, 12, 64]], {}).flops, null, 'max_seqlen unknown: not priced');
  });

  it('flash_attn_qkvpacked_func reads one [B, S, 3, H, D] tensor', () => {
    const packed = price('flash_attn.flash_attn_qkvpacked_func', [[2, 512, 3, 8, 64]]);
    assert.deepEqual(packed.shapes, [[2, 512, 8, 64]]);
    assert.equal(packed.flops, 16 * 262144 * 261);
    assert.deepEqual(packed.bytes, { read: 2 * 512 * 3 * 8 * 64 * 2, written: 2 * 512 * 8 * 64 * 2 });
  });

  it('xformers memory_efficient_attention in [B, M, H, K] and [B, M, K] layouts, with a causal bias', () => {
    const causal = price('xformers.ops.memory_efficient_attention', [[2, 1024, 12, 64], [2, 1024, 12, 64], [2, 1024, 12, 64]], { attn_bias: 'causal-top-left' });
    assert.deepEqual(causal.shapes, [[2, 1024, 12, 64]]);
    assert.equal(causal.flops, 24 * 524800 * 261);
    const plain = price('xformers.ops.fmha.memory_efficient_attention', [[8, 256, 64], [8, 256, 64], [8, 256, 80]]);
    assert.deepEqual(plain.shapes, [[8, 256, 80]]);
    assert.equal(plain.flops, 8 * 65536 * (2 * 64 + 2 * 80 + 5));
    // A tensor bias [B, H, M, N] is read once.
    const biased = price('xformers.ops.memory_efficient_attention', [[1, 128, 4, 32], [1, 128, 4, 32], [1, 128, 4, 32], [1, 4, 128, 128]]);
    assert.deepEqual(biased.bytes, { read: 3 * 128 * 4 * 32 * 2 + 4 * 128 * 128 * 2, written: 128 * 4 * 32 * 2 });
  });
});

describe('library catalog: fused layers and tensor-parallel layers', () => {
  it('apex functional norms take the weight before normalized_shape', () => {
    const entry = lookupOp('apex.normalization.fused_layer_norm.fused_rms_norm_affine');
    assert.ok(entry);
    // [8, 1024, 4096] with a [4096] weight: 4 FLOPs per element; x and weight read, y written.
    const rms = price('apex.normalization.fused_layer_norm.fused_rms_norm_affine', [[8, 1024, 4096], [4096]]);
    assert.equal(rms.flops, 4 * 8 * 1024 * 4096);
    assert.deepEqual(rms.bytes, { read: (8 * 1024 * 4096 + 4096) * 2, written: 8 * 1024 * 4096 * 2 });
  });

  it("te.LayerNormMLP with 'gelu' applies the activation in fc1's epilogue: no fc1 output round trip", () => {
    // M = 512 tokens, H = 1024, F = 4096, LayerNorm with biases: inputs x, ln weight, ln bias, fc1 W, b, fc2 W, b.
    const shapes = [[512, 1024], [1024], [1024], [4096, 1024], [4096], [1024, 4096], [1024]];
    const gelu = price('transformer_engine.pytorch.LayerNormMLP', shapes, { activation: 'gelu' });
    assert.equal(gelu.flops, 5 * 512 * 1024 + 2 * 512 * 4096 * 1024 + 9 * 512 * 4096 + 2 * 512 * 1024 * 4096 + 512 * 4096 + 512 * 1024);
    const weights = (512 * 1024 + 1024 + 1024 + 4096 * 1024 + 4096 + 1024 * 4096 + 1024) * 2;
    const intermediates = (512 * 1024 + 512 * 4096) * 2;
    assert.deepEqual(gelu.bytes, { read: weights + intermediates, written: 512 * 1024 * 2 + intermediates });
    // relu is a kernel of its own: the fc1 output [512, 4096] is written and read once more.
    const relu = price('transformer_engine.pytorch.LayerNormMLP', shapes, { activation: 'relu' });
    assert.deepEqual(relu.bytes, { read: weights + intermediates + 512 * 4096 * 2, written: 512 * 1024 * 2 + intermediates + 512 * 4096 * 2 });
    assert.equal(price('transformer_engine.pytorch.LayerNormMLP', shapes, { activation: 'unheard_of' }).flops, null, 'an activation it does not know is not priced');
  });

  it('Megatron and fairscale spellings share their entries; layers carry a module spec', () => {
    for (const name of ['megatron.core.tensor_parallel.ColumnParallelLinear', 'megatron.core.tensor_parallel.layers.ColumnParallelLinear', 'megatron.mpu.ColumnParallelLinear', 'apex.transformer.tensor_parallel.ColumnParallelLinear']) {
      assert.equal(lookupOp(name), lookupOp('megatron.core.tensor_parallel.ColumnParallelLinear'), name);
    }
    assert.equal(lookupOp('fairscale.nn.model_parallel.ColumnParallelLinear'), lookupOp('fairscale.nn.model_parallel.layers.ColumnParallelLinear'));
    assert.match(lookupOp('megatron.core.tensor_parallel.RowParallelLinear')?.flopsFormula ?? '', /world size 1/);
  });
});
