// The op catalog against hand-computed shapes, FLOPs and bytes, and its coverage.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatShape, num, sym } from '../../src/core/ir/dims';
import { catalogNames, lookupEntry, lookupOp } from '../../src/core/ir/catalog';
import type { ByteCount } from '../../src/core/ir/opspec';
import { price } from '../helpers/catalog';

const total = (b: ByteCount | null): number | null => (b ? b.read + b.written : null);

describe('op catalog: hand-computed figures', () => {
  it('F.gelu on [8, 1024, 3072] bf16 moves 2·8·1024·3072·2 bytes', () => {
    const n = 8 * 1024 * 3072;
    const erf = price('torch.nn.functional.gelu', [[8, 1024, 3072]]);
    assert.deepEqual(erf.shapes, [[8, 1024, 3072]]);
    assert.equal(total(erf.bytes), 2 * n * 2);
    assert.equal(erf.flops, 5 * n);
    assert.equal(price('torch.nn.functional.gelu', [[8, 1024, 3072]], { approximate: 'tanh' }).flops, 9 * n);
  });

  it('scatter_add_ touches only the addressed elements; out-of-place scatter copies the input; __setitem__ with a scalar is unknown', () => {
    // Destination [1000, 64] fp32, index and source [10, 64] (index int64): 640 adds, read 640·8 + 640·4 + 640·4, write 640·4.
    const add = price('torch.Tensor.scatter_add_', [[1000, 64], [10, 64], [10, 64]], { dim: 0 }, [4, 8, 4]);
    assert.equal(add.flops, 640);
    assert.deepEqual(add.bytes, { read: 640 * 8 + 640 * 4 + 640 * 4, written: 640 * 4 });
    const scatter = price('torch.scatter', [[1000, 64], [10, 64], [10, 64]], { dim: 0 }, [4, 8, 4]);
    assert.equal(scatter.flops, 0);
    assert.deepEqual(scatter.bytes, { read: 640 * 8 + 640 * 4 + 64000 * 4, written: 640 * 4 + 64000 * 4 });
    assert.equal(price('torch.Tensor.__setitem__', [[1000, 64]], {}, 4).bytes, null);
    assert.deepEqual(price('torch.Tensor.__setitem__', [[1000, 64], [10, 64]], {}, 4).bytes, { read: 640 * 4, written: 640 * 4 });
  });

  it('index_copy_ writes the source rows into a KV cache: the index and source read, the source elements written', () => {
    // Cache [1, 2048, 16, 256] bf16, 10 positions (int64), source [1, 10, 16, 256]: 40,960 elements copied.
    const copy = price('torch.Tensor.index_copy_', [[1, 2048, 16, 256], [10], [1, 10, 16, 256]], { dim: 1 }, [2, 8, 2]);
    assert.deepEqual(copy.shapes, [[1, 2048, 16, 256]]);
    assert.equal(copy.flops, 0);
    assert.deepEqual(copy.bytes, { read: 10 * 8 + 40960 * 2, written: 40960 * 2 });
    // Out of place, the whole cache is copied into the new tensor as well.
    const fresh = price('torch.index_copy', [[1, 2048, 16, 256], [10], [1, 10, 16, 256]], { dim: 1 }, [2, 8, 2]);
    assert.deepEqual(fresh.bytes, { read: 10 * 8 + 40960 * 2 + 8388608 * 2, written: 40960 * 2 + 8388608 * 2 });
  });

  it('multinomial: Exp(1) draws, a divide and an argmax (one sample) or topk per row; several samples with replacement unpriced', () => {
    // 8 rows of 256,000 fp32 probabilities (Gemma's sampler), one sample each: n = 2,048,000.
    const n = 8 * 256000;
    const one = price('torch.multinomial', [[8, 256000]], { num_samples: 1, replacement: true }, 4);
    assert.deepEqual(one.shapes, [[8, 1]]);
    assert.equal(one.flops, (2 + 1 + 1) * n);
    assert.deepEqual(one.bytes, { read: 3 * n * 4, written: 2 * n * 4 + 8 * 8 });
    // Four samples without replacement: topk(4) compares ⌈log2 5⌉ = 3 per weight and writes values beside indices.
    const four = price('torch.multinomial', [[8, 256000]], { num_samples: 4 }, 4);
    assert.deepEqual(four.shapes, [[8, 4]]);
    assert.equal(four.flops, (2 + 1 + 3) * n);
    assert.deepEqual(four.bytes, { read: 3 * n * 4, written: 2 * n * 4 + 32 * 8 + 32 * 4 });
    const replaced = price('torch.multinomial', [[8, 256000]], { num_samples: 4, replacement: true }, 4);
    assert.equal(replaced.flops, null);
    assert.equal(replaced.bytes, null);
    assert.equal(lookupEntry('torch.multinomial')?.dtype, 'int64');
  });

  it('Linear counts 2·M·N·K + M·N and reads its weight and bias', () => {
    const linear = price('torch.nn.Linear', [[8, 1024, 768], [3072, 768], [3072]]);
    assert.deepEqual(linear.shapes, [[8, 1024, 3072]]);
    const m = 8 * 1024;
    assert.equal(linear.flops, 2 * m * 3072 * 768 + m * 3072);
    assert.equal(total(linear.bytes), (m * 768 + 3072 * 768 + 3072 + m * 3072) * 2);
    assert.equal(price('torch.nn.functional.linear', [[4, 16], [8, 16]]).flops, 2 * 4 * 8 * 16);
  });

  it('matmul broadcasts batch dims; addmm adds one FLOP per output', () => {
    const scores = price('torch.matmul', [[8, 12, 1024, 64], [8, 12, 64, 1024]]);
    assert.deepEqual(scores.shapes, [[8, 12, 1024, 1024]]);
    assert.equal(scores.flops, 2 * 8 * 12 * 1024 * 1024 * 64);
    assert.deepEqual(price('torch.matmul', [[2, 5, 3], [3, 7]]).shapes, [[2, 5, 7]]);
    assert.deepEqual(price('torch.matmul', [[3], [3, 7]]).shapes, [[7]]);
    assert.equal(price('torch.addmm', [[7], [5, 3], [3, 7]]).flops, 2 * 5 * 7 * 3 + 5 * 7);
    const einsum = price('torch.einsum', [[2, 4, 6, 8], [2, 4, 5, 8]], { equation: 'bhid,bhjd->bhij' });
    assert.deepEqual(einsum.shapes, [[2, 4, 6, 5]]);
    assert.equal(einsum.flops, 2 * 2 * 4 * 6 * 5 * 8);
  });

  it('softmax is 5 FLOPs per element and one read and write', () => {
    const n = 8 * 12 * 1024 * 1024;
    const softmax = price('torch.nn.functional.softmax', [[8, 12, 1024, 1024]], { dim: -1 });
    assert.equal(softmax.flops, 5 * n);
    assert.equal(total(softmax.bytes), 2 * n * 2);
  });

  it('layer_norm and rms_norm read x and their affine parameters once', () => {
    const n = 8 * 1024 * 768;
    const layerNorm = price('torch.nn.LayerNorm', [[8, 1024, 768], [768], [768]]);
    assert.equal(layerNorm.flops, 5 * n);
    assert.equal(total(layerNorm.bytes), (2 * n + 2 * 768) * 2);
    const rms = price('torch.nn.functional.rms_norm', [[8, 1024, 768], [768]], { normalized_shape: [num(768)] });
    assert.equal(rms.flops, 4 * n);
    assert.equal(total(rms.bytes), (2 * n + 768) * 2);
  });

  it('embedding reads only the gathered rows, not the table', () => {
    const embedding = price('torch.nn.Embedding', [[8, 1024], [50304, 768]], {}, [8, 2], 2);
    assert.deepEqual(embedding.shapes, [[8, 1024, 768]]);
    assert.deepEqual(embedding.bytes, { read: 8192 * 8 + 8192 * 768 * 2, written: 8192 * 768 * 2 });
    assert.equal(embedding.flops, 0);
  });

  it('conv2d and conv_transpose2d follow PyTorch size arithmetic and 2·MACs', () => {
    const stem = price('torch.nn.Conv2d', [[8, 3, 224, 224], [64, 3, 7, 7], [64]], { stride: 2, padding: 3 });
    assert.deepEqual(stem.shapes, [[8, 64, 112, 112]]);
    const out = 8 * 64 * 112 * 112;
    assert.equal(stem.flops, 2 * out * 3 * 7 * 7 + out);
    assert.equal(total(stem.bytes), (8 * 3 * 224 * 224 + 64 * 3 * 49 + 64 + out) * 2);
    const same = price('torch.nn.functional.conv2d', [[1, 8, 10, 10], [8, 8, 3, 3]], { padding: 'same' });
    assert.deepEqual(same.shapes, [[1, 8, 10, 10]]);
    const grouped = price('torch.nn.functional.conv1d', [[2, 8, 50], [8, 2, 3]], { groups: 4, dilation: 2 });
    assert.deepEqual(grouped.shapes, [[2, 8, 46]]);
    assert.equal(grouped.flops, 2 * 2 * 8 * 46 * 2 * 3);
    const up = price('torch.nn.ConvTranspose2d', [[1, 16, 8, 8], [16, 8, 4, 4], [8]], { stride: 2, padding: 1 });
    assert.deepEqual(up.shapes, [[1, 8, 16, 16]]);
    assert.equal(up.flops, 2 * (16 * 8 * 8) * (8 * 4 * 4) + 8 * 16 * 16);
  });

  it('pooling and adaptive pooling', () => {
    const pool = price('torch.nn.MaxPool2d', [[8, 64, 112, 112]], { kernel_size: 3, stride: 2, padding: 1 });
    assert.deepEqual(pool.shapes, [[8, 64, 56, 56]]);
    assert.equal(pool.flops, 8 * 64 * 56 * 56 * 9);
    assert.deepEqual(price('torch.nn.AdaptiveAvgPool2d', [[8, 512, 7, 7]], { output_size: [num(1), num(1)] }).shapes, [[8, 512, 1, 1]]);
  });

  it('broadcasting binary ops read the small operand once', () => {
    const n = 8 * 1024 * 768;
    const add = price('torch.add', [[8, 1024, 768], [768]], {}, 4);
    assert.deepEqual(add.shapes, [[8, 1024, 768]]);
    assert.equal(add.flops, n);
    assert.deepEqual(add.bytes, { read: (n + 768) * 4, written: n * 4 });
    assert.deepEqual(price('torch.eq', [[1, 1, 16, 16]], { other: 0 }).shapes, [[1, 1, 16, 16]]);
    assert.equal(lookupEntry('torch.eq')?.dtype, 'bool');
  });

  it('reductions honour dim and keepdim; topk and max return values and indices', () => {
    assert.deepEqual(price('torch.Tensor.sum', [[8, 1024, 768]], { dim: -1, keepdim: true }).shapes, [[8, 1024, 1]]);
    assert.deepEqual(price('torch.mean', [[8, 1024, 768]], { dim: [num(0), num(1)] }).shapes, [[768]]);
    assert.deepEqual(price('torch.Tensor.sum', [[4, 5]]).shapes, [[]]);
    assert.deepEqual(price('torch.topk', [[24, 4]], { k: 2, dim: -1 }).shapes, [[24, 2], [24, 2]]);
    assert.deepEqual(price('torch.Tensor.max', [[24, 4]], { dim: 1 }).shapes, [[24], [24]]);
    assert.equal(price('torch.Tensor.var', [[10, 10]], { dim: 1 }).flops, 300);
  });

  it('dropout is free at p = 0 and writes a 1-byte mask otherwise', () => {
    assert.deepEqual(price('torch.nn.Dropout', [[1000]], { p: 0 }).bytes, { read: 0, written: 0 });
    assert.equal(price('torch.nn.Dropout', [[1000]], { p: 0 }).flops, 0);
    assert.deepEqual(price('torch.nn.functional.dropout', [[1000]], { p: 0.1 }).bytes, { read: 2000, written: 3000 });
  });

  it('views move nothing; copies read and write once', () => {
    const view = price('torch.Tensor.view', [[8, 1024, 768]], { shape: [num(8), num(1024), num(12), num(-1)] });
    assert.deepEqual(view.shapes, [[8, 1024, 12, 64]]);
    assert.deepEqual(view.bytes, { read: 0, written: 0 });
    assert.deepEqual(price('torch.Tensor.permute', [[2, 3, 4]], { dims: [num(2), num(0), num(1)] }).shapes, [[4, 2, 3]]);
    const cat = price('torch.cat', [[2, 3], [2, 5]], { dim: 1 });
    assert.deepEqual(cat.shapes, [[2, 8]]);
    assert.deepEqual(cat.bytes, { read: (6 + 10) * 2, written: 16 * 2 });
    assert.deepEqual(price('torch.stack', [[2, 3], [2, 3], [2, 3]], { dim: 1 }).shapes, [[2, 3, 3]]);
    assert.deepEqual(price('torch.Tensor.chunk', [[2, 8]], { chunks: 4, dim: 1 }).shapes, [[2, 2], [2, 2], [2, 2], [2, 2]]);
    assert.deepEqual(price('torch.repeat_interleave', [[2, 2, 16, 8]], { repeats: 4, dim: 1 }).shapes, [[2, 8, 16, 8]]);
    assert.deepEqual(price('torch.nn.functional.pad', [[1, 3, 10, 10]], { pad: [num(1), num(1), num(2), num(2)] }).shapes, [[1, 3, 14, 12]]);
    assert.deepEqual(price('torch.nn.functional.interpolate', [[1, 3, 10, 10]], { scale_factor: 2 }).shapes, [[1, 3, 20, 20]]);
  });

  it('creation ops write only', () => {
    const randn = price('torch.randn', [], { size: [num(8), num(1024)] }, 2, 2);
    assert.deepEqual(randn.shapes, [[8, 1024]]);
    assert.deepEqual(randn.bytes, { read: 0, written: 8 * 1024 * 2 });
    assert.deepEqual(price('torch.arange', [], { start: 0, end: 10, step: 3 }).shapes, [[4]]);
    assert.deepEqual(price('torch.empty', [], { size: [num(4)] }, 2, 2).bytes, { read: 0, written: 0 }, 'empty allocates without writing');
  });

  it('fused attention counts QKᵀ, softmax and PV, halved when causal', () => {
    const shape = [2, 12, 1024, 64];
    const full = 2 * 24 * 1024 * 1024 * 128 + 5 * 24 * 1024 * 1024;
    const sdpa = price('torch.nn.functional.scaled_dot_product_attention', [shape, shape, shape]);
    assert.deepEqual(sdpa.shapes, [shape]);
    assert.equal(sdpa.flops, full);
    assert.equal(price('torch.nn.functional.scaled_dot_product_attention', [shape, shape, shape], { is_causal: true }).flops, full / 2);
    assert.equal(total(sdpa.bytes), 4 * 2 * 12 * 1024 * 64 * 2);
  });

  it('cross_entropy and LSTM', () => {
    const loss = price('torch.nn.functional.cross_entropy', [[8192, 50304], [8192]], {}, [4, 8], 4);
    assert.deepEqual(loss.shapes, [[]]);
    assert.equal(loss.flops, 6 * 8192 * 50304);
    const lstm = price('torch.nn.LSTM', [[2, 10, 32], [256, 32], [256, 64], [256], [256]], { hidden_size: 64, batch_first: true });
    assert.deepEqual(lstm.shapes, [[2, 10, 64], [1, 2, 64]]);
    assert.equal(lstm.flops, 20 * (2 * 4 * 64 * (32 + 64) + 4 * 4 * 64));
  });
});

describe('op catalog: symbolic shapes', () => {
  it('keeps symbols through linear, split and cat', () => {
    const B = sym('B');
    const T = sym('T');
    const C = sym('C');
    const linear = lookupOp('torch.nn.Linear')?.infer?.({ inputs: [[B, T, C], [num(3), C]], attrs: {} });
    assert.equal(formatShape(linear?.[0] ?? null), '[B, T, 3]');
    const cat = lookupOp('torch.cat')?.infer?.({ inputs: [[B, T, C], [B, T, C]], attrs: { dim: -1 } });
    assert.equal(formatShape(cat?.[0] ?? null), '[B, T, 2*C]');
  });
});

describe('op catalog: coverage and shape of every entry', () => {
  const names = catalogNames();
  it('has at least 40 nn modules, 60 functional ops, 80 torch functions and 80 tensor methods', () => {
    const modules = names.filter((n) => /^torch\.nn\.[A-Z]/.test(n));
    const functional = names.filter((n) => n.startsWith('torch.nn.functional.') && !n.endsWith('_'));
    const functions = names.filter((n) => /^torch\.[a-z][a-z0-9_]*$/.test(n));
    const methods = names.filter((n) => n.startsWith('torch.Tensor.'));
    console.log(`catalog: ${modules.length} nn modules, ${functional.length} functional, ${functions.length} torch.*, ${methods.length} tensor methods (${names.length} names)`);
    assert.ok(modules.length >= 40, `nn modules: ${modules.length}`);
    assert.ok(functional.length >= 60, `functional: ${functional.length}`);
    assert.ok(functions.length >= 80, `torch.*: ${functions.length}`);
    assert.ok(methods.length >= 80, `tensor methods: ${methods.length}`);
    for (const required of ['torch.nn.Conv3d', 'torch.nn.RMSNorm', 'torch.nn.MultiheadAttention', 'torch.nn.Upsample', 'torch.nn.functional.scaled_dot_product_attention', 'torch.nn.functional.rms_norm', 'torch.einsum', 'torch.baddbmm', 'torch.Tensor.masked_fill', 'torch.Tensor.add_', 'torch.Tensor.type_as', 'torch.Tensor.mT']) {
      assert.ok(lookupOp(required), `${required} is in the catalog`);
    }
  });

  it('every entry has a category, a unit, a call signature, FLOP and byte formulas in words, and nn modules a constructor', () => {
    for (const name of names) {
      const entry = lookupEntry(name);
      assert.ok(entry, name);
      assert.ok(entry.category && entry.unit, `${name}: category and unit`);
      assert.ok(Array.isArray(entry.signature), `${name}: signature`);
      assert.ok(entry.flopsFormula.length > 0, `${name}: FLOP formula text`);
      assert.ok((entry.bytesFormula ?? '').length > 0, `${name}: byte formula text`);
      if (/^torch\.nn\.[A-Z]/.test(name)) assert.ok(entry.module, `${name}: module constructor`);
    }
  });

  it('no entry throws on unusual inputs (unknown shapes, missing attributes)', () => {
    const B = sym('B');
    for (const name of names) {
      const spec = lookupOp(name);
      for (const inputs of [[], [null], [[B, num(4), num(8)]], [[B, num(4), num(8)], [num(8), num(8)]]]) {
        assert.doesNotThrow(() => spec?.infer?.({ inputs, attrs: {} }), `${name} infer`);
      }
      const context = { inputs: [null], outputs: [null], inputElementBytes: [2], outputElementBytes: [2], attrs: {} };
      assert.doesNotThrow(() => spec?.flops(context), `${name} flops`);
      assert.doesNotThrow(() => spec?.bytes?.(context), `${name} bytes`);
    }
  });
});
