// priceGraph mechanics against hand computations: roofline time, bound, peaks per dtype and unit, η, views, unknowns.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { num, sym, unknownDim } from '../../src/core/ir/dims';
import { resolveHardware } from '../../src/core/cost/hardware';
import { ATTENTION_EFFICIENCY_FACTOR, choosePeak, gemmShapeFactor, priceGraph } from '../../src/core/cost/price';
import { GraphBuilder } from '../../src/core/ir/graph';
import { addOp, close, graphOf, type OpSpecForTest } from './build';

const H100 = resolveHardware('h100-sxm');
const A100 = resolveHardware('a100-80gb-sxm');
const NO_BINDINGS = new Map<string, number>();

const priceOne = (spec: OpSpecForTest, options: { gpu?: string; dtype?: 'bf16' | 'fp16' | 'fp32' | 'fp8'; bindings?: Map<string, number>; tf32?: boolean } = {}) =>
  priceGraph(graphOf([spec], { tf32Enabled: options.tf32 }), resolveHardware(options.gpu ?? 'h100-sxm'), options.dtype ?? 'bf16', options.bindings ?? NO_BINDINGS)[0]!;

const gelu = (shape: (number | string)[], dtype?: 'bf16' | 'fp32'): OpSpecForTest => ({
  op: 'torch.nn.functional.gelu', category: 'pointwise', attrs: { approximate: 'tanh' },
  inputs: [{ shape, dtype }], outputs: [{ shape, dtype }],
});

describe('priceGraph: the roofline time of one op', () => {
  it('prices F.gelu(tanh) on [8,1024,3072] bf16 on H100 SXM as memory-bound at 88% of 3.35 TB/s plus 4 µs', () => {
    const cost = priceOne(gelu([8, 1024, 3072]));
    const n = 8 * 1024 * 3072;
    assert.equal(cost.bytes, 2 * n * 2);
    assert.equal(cost.bytesRead, n * 2);
    assert.equal(cost.bytesWritten, n * 2);
    assert.equal(cost.flops, 9 * n);
    assert.equal(cost.intensity, 9 / 4);
    // 100,663,296 B / (0.88 × 3.35e12 B/s) = 34.146 µs, + 4 µs launch.
    assert.ok(close(cost.timeUs, (2 * n * 2) / (0.88 * 3.35e12) * 1e6 + 4));
    assert.ok(close(cost.timeUs, 38.1463, 1e-5));
    assert.equal(cost.bound, 'memory');
    assert.equal(cost.unit, 'vector');
    assert.equal(cost.dtype, 'bf16');
    assert.ok(cost.explain.some((line) => line.includes('2 FLOPs per multiply-add')));
    assert.ok(cost.explain.some((line) => line.includes('66.9 TFLOP/s fp32 vector unit')), 'bf16 elementwise math is priced at the fp32 vector peak');
    assert.ok(cost.explain.some((line) => line.includes('88% of 3.35 TB/s')));
    assert.ok(cost.explain.some((line) => line.includes('ridge 20.0 FLOP/B')));
    assert.ok(!cost.explain.some((line) => line.includes('fits in the')), '100 MB does not fit in the 50 MB L2');
  });

  it('prices a bf16 Linear [8,1024,768]→3072 (no bias) on tensor cores, compute-bound, η_c lowered for K=768', () => {
    const cost = priceOne({
      op: 'torch.nn.Linear', category: 'matmul',
      inputs: [{ shape: [8, 1024, 768] }, { shape: [3072, 768] }], outputs: [{ shape: [8, 1024, 3072] }],
    });
    const m = 8192, n = 3072, k = 768;
    assert.equal(cost.flops, 2 * m * n * k);
    assert.equal(cost.bytes, (m * k + n * k + m * n) * 2);
    // Shape factor by hand: tiles 8192·3072/128² = 1536 over 132 SMs → 12 waves (no split-K);
    // K0 = 256·√((989.4e12/132)/(312e12/108)) = 412.36; factor = M·N·K / (132·128²·(12·768 + 412.36)) = 0.92817.
    const factor = (m * n * k) / (132 * 128 * 128 * (12 * 768 + 256 * Math.sqrt((989.4e12 / 132) / (312e12 / 108))));
    assert.ok(Math.abs(factor - 0.92817) < 1e-4);
    assert.ok(Math.abs(gemmShapeFactor(m, n, k, H100, 989.4e12) - factor) < 1e-12);
    const computeUs = (2 * m * n * k) / (0.71 * factor * 989.4e12) * 1e6;
    assert.ok(close(cost.timeUs, computeUs + 4));
    assert.equal(cost.bound, 'compute');
    assert.equal(cost.unit, 'tensor');
    assert.ok(cost.explain.some((line) => line.includes('989.4 TFLOP/s bf16 tensor cores')));
  });

  it('adds the bias FLOPs and bytes of a Linear with bias', () => {
    const cost = priceOne({
      op: 'torch.nn.functional.linear', category: 'matmul',
      inputs: [{ shape: [4, 256] }, { shape: [512, 256] }, { shape: [512] }], outputs: [{ shape: [4, 512] }],
    });
    assert.equal(cost.flops, 2 * 4 * 512 * 256 + 4 * 512);
    assert.equal(cost.bytes, (4 * 256 + 512 * 256 + 512 + 4 * 512) * 2);
    assert.equal(cost.bound, 'overhead', 'a 0.27 MB GEMV-like op finishes well under the 4 µs launch');
  });

  it('prices fp32 matmuls on the fp32 vector peak unless the code enables TF32', () => {
    const spec: OpSpecForTest = {
      op: 'torch.nn.Linear', category: 'matmul',
      inputs: [{ shape: [4096, 4096], dtype: 'fp32' }, { shape: [4096, 4096], dtype: 'fp32' }], outputs: [{ shape: [4096, 4096], dtype: 'fp32' }],
    };
    const flops = 2 * 4096 ** 3;
    const plain = priceOne(spec, { dtype: 'fp32' });
    const factorVector = gemmShapeFactor(4096, 4096, 4096, H100, 66.9e12);
    assert.ok(close(plain.timeUs, flops / (0.71 * factorVector * 66.9e12) * 1e6 + 4));
    assert.ok(plain.explain.some((line) => line.includes('without TF32')));
    const tf32 = priceOne(spec, { dtype: 'fp32', tf32: true });
    const factorTf32 = gemmShapeFactor(4096, 4096, 4096, H100, 494.7e12);
    assert.ok(close(tf32.timeUs, flops / (0.71 * factorTf32 * 494.7e12) * 1e6 + 4));
    assert.ok(tf32.explain.some((line) => line.includes('tf32 tensor cores')));
    assert.ok((plain.timeUs as number) > 5 * (tf32.timeUs as number));
  });

  it('falls back to the fp32 vector unit for bf16 matmuls on V100 (no bf16 tensor cores), and says so', () => {
    const cost = priceOne({
      op: 'torch.nn.Linear', category: 'matmul',
      inputs: [{ shape: [2048, 2048] }, { shape: [2048, 2048] }], outputs: [{ shape: [2048, 2048] }],
    }, { gpu: 'v100-sxm2' });
    assert.ok(cost.explain.some((line) => line.includes('has no bf16 tensor-core peak')));
    assert.deepEqual(choosePeak(resolveHardware('v100-sxm2'), 'tensor', 'fp16', false)?.value, 125e12);
    assert.equal(choosePeak(resolveHardware('a100-80gb-sxm'), 'tensor', 'fp8', false)?.value, 312e12, 'no fp8 on A100: the fp16 rate');
    assert.equal(choosePeak(resolveHardware('mi300x'), 'tensor', 'fp32', false)?.value, 163.4e12, 'AMD fp32 matrix rate');
    assert.equal(choosePeak(H100, 'vector', 'fp64', false)?.value, 33.5e12);
  });

  it('calls an op overhead-bound when its GPU time is below the launch overhead', () => {
    const cost = priceOne({ op: 'torch.add', category: 'pointwise', inputs: [{ shape: [1024], dtype: 'fp32' }, { shape: [1024], dtype: 'fp32' }], outputs: [{ shape: [1024], dtype: 'fp32' }] });
    assert.equal(cost.bytes, 3 * 1024 * 4);
    assert.equal(cost.flops, 1024);
    assert.ok(close(cost.timeUs, (3 * 1024 * 4) / (0.88 * 3.35e12) * 1e6 + 4));
    assert.equal(cost.bound, 'overhead');
    assert.ok(cost.explain.some((line) => line.includes('fits in the 50.0 MiB L2')), 'small tensors get the L2 note');
  });

  it('prices a broadcast add reading the small operand once', () => {
    const cost = priceOne({ op: 'torch.add', category: 'pointwise', inputs: [{ shape: [8, 1024, 768] }, { shape: [768] }], outputs: [{ shape: [8, 1024, 768] }] });
    const n = 8 * 1024 * 768;
    assert.equal(cost.bytes, (n + 768 + n) * 2);
    assert.equal(cost.flops, n);
  });

  it('gives views no kernel: zero FLOPs, bytes and time, unit none, bound unknown', () => {
    const cost = priceOne({ op: 'torch.Tensor.view', category: 'view', inputs: [{ shape: [8, 1024, 768] }], outputs: [{ shape: [8192, 768] }] });
    assert.equal(cost.flops, 0);
    assert.equal(cost.bytes, 0);
    assert.equal(cost.timeUs, 0);
    assert.equal(cost.unit, 'none');
    assert.equal(cost.bound, 'unknown');
    assert.equal(cost.intensity, null);
    // A view the catalog does not list yet is still free, by category.
    const uncatalogued = priceOne({ op: 'torch.Tensor.some_future_view', category: 'view', inputs: [{ shape: [4] }], outputs: [{ shape: [2, 2] }] });
    assert.equal(uncatalogued.timeUs, 0);
  });

  it('never prices an unknown op or an unbound shape as zero: null figures, bound unknown, a note why', () => {
    const unknownOp = priceOne({ op: 'mylib.mystery', category: 'unknown', inputs: [{ shape: [4, 4] }], outputs: [{ shape: [4, 4] }] });
    for (const figure of [unknownOp.flops, unknownOp.bytes, unknownOp.timeUs, unknownOp.intensity]) assert.equal(figure, null);
    assert.equal(unknownOp.bound, 'unknown');
    assert.match(unknownOp.explain[0] as string, /not in MemWall's op catalog/);

    const unbound = priceOne(gelu(['B', 'T', 768]), { bindings: new Map([['B', 8]]) });
    assert.equal(unbound.timeUs, null);
    assert.equal(unbound.flops, null);
    assert.equal(unbound.bound, 'unknown');
    assert.match(unbound.explain[0] as string, /T unbound/);
    assert.deepEqual(unbound.inputShapes, [null]);

    const unknownShape = priceOne({ op: 'torch.nn.functional.gelu', category: 'pointwise', inputs: [{ shape: null }], outputs: [{ shape: null }] });
    assert.equal(unknownShape.bytes, null);
    const unknownDimShape = priceOne({ op: 'torch.nn.functional.gelu', category: 'pointwise', inputs: [{ shape: [unknownDim('data-dependent size')] }], outputs: [{ shape: [unknownDim('data-dependent size')] }] });
    assert.match(unknownDimShape.explain[0] as string, /data-dependent size/);
  });

  it('binds symbols, evaluates the repeat count, and counts an unknown repeat once with a note', () => {
    const spec = { ...gelu(['B', 'T', 'C']), repeat: sym('n_layer') };
    const bindings = new Map([['B', 2], ['T', 128], ['C', 64], ['n_layer', 12]]);
    const cost = priceOne(spec, { bindings });
    assert.deepEqual(cost.inputShapes, [[2, 128, 64]]);
    assert.equal(cost.repeat, 12);
    assert.equal(cost.bytes, 2 * 2 * 128 * 64 * 2, 'figures are per execution; summaries multiply by repeat');
    const noRepeat = priceOne(spec, { bindings: new Map([['B', 2], ['T', 128], ['C', 64]]) });
    assert.equal(noRepeat.repeat, 1);
    assert.ok(noRepeat.explain.some((line) => line.includes('repeat count unknown (n_layer unbound)')));
  });

  it('resolves default dtypes to the analysis dtype and keeps explicit ones', () => {
    const asFp16 = priceOne(gelu([1 << 20]), { dtype: 'fp16' });
    assert.equal(asFp16.dtype, 'fp16');
    assert.equal(asFp16.bytes, 2 * (1 << 20) * 2);
    const explicitFp32 = priceOne(gelu([1 << 20], 'fp32'), { dtype: 'bf16' });
    assert.equal(explicitFp32.dtype, 'fp32');
    assert.equal(explicitFp32.bytes, 2 * (1 << 20) * 4);
    const nullDtype = priceOne({ op: 'torch.nn.functional.gelu', category: 'pointwise', inputs: [{ shape: [64], dtype: null }], outputs: [{ shape: [64], dtype: null }] });
    assert.equal(nullDtype.bytes, 2 * 64 * 2);
    assert.ok(nullDtype.explain.some((line) => line.includes('not known statically')));
  });

  it('prices a Triton kernel from its own flops/bytes attrs (vector add on 2^24 fp32 moves 3·4·2^24 bytes)', () => {
    const n = 2 ** 24;
    const cost = priceOne({
      op: 'triton:add_kernel', category: 'triton_kernel',
      inputs: [{ shape: [n], dtype: 'fp32' }, { shape: [n], dtype: 'fp32' }], outputs: [{ shape: [n], dtype: 'fp32' }],
      attrs: { flops: num(n), bytesRead: num(2 * 4 * n), bytesWritten: num(4 * n) },
    });
    assert.equal(cost.bytes, 3 * 4 * n);
    assert.equal(cost.flops, n);
    assert.ok(close(cost.timeUs, (3 * 4 * n) / (0.88 * 3.35e12) * 1e6 + 4));
    assert.equal(cost.bound, 'memory');
    assert.equal(cost.unit, 'vector');
  });

  it('prices a Triton matmul kernel on tensor cores with its compulsory bytes, and names the re-reads as the DRAM upper bound', () => {
    // 4096³ bf16: 2·4096³ FLOPs; 200 MB compulsory traffic; the kernel requests 10.0 GB with its re-reads across programs.
    const spec = (requested: number, read: number): OpSpecForTest => ({
      op: 'triton:matmul_kernel', category: 'triton_kernel',
      inputs: [{ shape: [4096, 4096] }, { shape: [4096, 4096] }], outputs: [{ shape: [4096, 4096] }],
      attrs: { flops: num(2 * 4096 ** 3), bytesRead: num(read), bytesWritten: num(2048 * 2048 * 2), requestedBytes: num(requested), usesDot: true },
    });
    const priced = priceOne(spec(10e9, 200e6));
    assert.equal(priced.unit, 'tensor');
    const bytes = 200e6 + 2048 * 2048 * 2;
    assert.ok(close(priced.timeUs, Math.max(2 * 4096 ** 3 / (0.71 * 989.4e12), bytes / (0.88 * 3.35e12)) * 1e6 + 4));
    assert.equal(priced.bound, 'compute');
    const upper = ((10e9 / (0.88 * 3.35e12)) * 1e3).toFixed(2); // ms
    assert.ok(priced.explain.some((line) => line.includes('requests 10.0 GB') && line.includes(upper)), priced.explain.join('\n'));
    const missing = priceOne({ ...spec(1, 1), attrs: { flops: num(1) } });
    assert.equal(missing.timeUs, null);
  });

  it('uses the attention efficiency factor for fused attention kernels', () => {
    assert.equal(ATTENTION_EFFICIENCY_FACTOR, 0.6);
    assert.ok(Math.abs(A100.computeEfficiency.value * ATTENTION_EFFICIENCY_FACTOR - 0.5) < 0.01, 'A100: ~50% vs FA2 measured 58%');
  });
});

describe('GEMM efficiency curve against measured cuBLASLt points (Azure AI-benchmarking-guide)', () => {
  const square = (hardware: typeof H100, size: number, peak: number) => hardware.computeEfficiency.value * gemmShapeFactor(size, size, size, hardware, peak);
  it('A100 FP16 square GEMMs: 1024 → 38%, 4096 → 73%, 16384 → 82% of peak (model 39/78/83: within 6 points)', () => {
    for (const [size, measured] of [[1024, 0.38], [4096, 0.73], [16384, 0.82]] as const) {
      assert.ok(Math.abs(square(A100, size, 312e12) - measured) < 0.06, `${size}: ${square(A100, size, 312e12)}`);
    }
  });
  it('H100 FP8 square GEMMs: 1024 → 14%, 2048 → 51%, 4096 → 61%, 32768 → 70% (model 22/60/68/71: within 10 points)', () => {
    for (const [size, measured, tolerance] of [[1024, 0.14, 0.1], [2048, 0.51, 0.1], [4096, 0.61, 0.1], [32768, 0.70, 0.02]] as const) {
      assert.ok(Math.abs(square(H100, size, 1978.9e12) - measured) < tolerance, `${size}: ${square(H100, size, 1978.9e12)}`);
    }
  });
  it('falls for skinny shapes: a decode-like M=16 GEMM gets a small fraction of peak but stays memory-bound', () => {
    // tiles = 16·4096/128² = 4; split-K = min(132/8, 4096/256) = 16 → K/split = 256; one wave:
    // 16·4096·4096 / (132·128²·(256 + 412.36)) = 0.18571.
    assert.ok(Math.abs(gemmShapeFactor(16, 4096, 4096, H100, 989.4e12) - 0.18571) < 1e-4);
    const k0 = 256 * Math.sqrt((989.4e12 / 132) / (312e12 / 108));
    assert.ok(Math.abs(gemmShapeFactor(16, 4096, 4096, H100, 989.4e12) - (16 * 4096 * 4096) / (132 * 128 * 128 * (256 + k0))) < 1e-12);
    const decode = priceGraph(graphOf([{
      op: 'torch.nn.Linear', category: 'matmul', inputs: [{ shape: [16, 4096] }, { shape: [4096, 4096] }], outputs: [{ shape: [16, 4096] }],
    }]), H100, 'bf16', NO_BINDINGS)[0]!;
    assert.equal(decode.bound, 'memory');
    assert.ok(gemmShapeFactor(16, 4096, 4096, H100, 989.4e12) < gemmShapeFactor(4096, 4096, 4096, H100, 989.4e12));
  });
});

describe('L2 notes', () => {
  it('says when an input was just written by the previous op and fits in L2, and stays silent for large tensors', () => {
    const builder = new GraphBuilder();
    const small = addOp(builder, { op: 'torch.exp', category: 'pointwise', inputs: [{ shape: [1024, 1024] }], outputs: [{ shape: [1024, 1024] }] });
    builder.addOp({ ...small, op: 'torch.nn.functional.gelu', label: 'F.gelu', inputs: [small.outputs[0]!] }, [{ shape: small.outputs[0]!.shape, dtype: 'default' }]);
    const big = addOp(builder, { op: 'torch.exp', category: 'pointwise', inputs: [{ shape: [8192, 8192] }], outputs: [{ shape: [8192, 8192] }] });
    builder.addOp({ ...big, op: 'torch.nn.functional.gelu', label: 'F.gelu', inputs: [big.outputs[0]!] }, [{ shape: big.outputs[0]!.shape, dtype: 'default' }]);
    const costs = priceGraph(builder.build({ bindings: [], ignores: new Map() }), H100, 'bf16', NO_BINDINGS);
    assert.ok(costs[1]!.explain.some((line) => line.startsWith('2.10 MB of its input was just written by exp and fits in the 50.0 MiB L2')), costs[1]!.explain.join('\n'));
    assert.ok(costs[0]!.explain.some((line) => line.startsWith('the working set (4.19 MB) fits in the 50.0 MiB L2')), costs[0]!.explain.join('\n'));
    assert.ok(!costs[3]!.explain.some((line) => line.includes('L2')), '128 MB tensors get no L2 note');
  });
});

describe('hover lines', () => {
  it('report the achieved rates and warn when a tensor exceeds GPU memory', () => {
    const cost = priceGraph(graphOf([{ op: 'torch.exp', category: 'pointwise', inputs: [{ shape: [1 << 30] }], outputs: [{ shape: [1 << 30] }] }]), H100, 'fp32', NO_BINDINGS)[0]!;
    // 2^30 fp32 elements = 4.29 GB in and out: at 88% of 3.35 TB/s the op streams 2.95 TB/s = 88% of peak bandwidth.
    assert.ok(cost.explain.some((line) => line.includes('2.95 TB/s') && line.includes('88% of peak bandwidth')), cost.explain.join('\n'));
    const huge = priceGraph(graphOf([{ op: 'torch.exp', category: 'pointwise', inputs: [{ shape: [1 << 30, 64] }], outputs: [{ shape: [1 << 30, 64] }] }]), A100, 'bf16', NO_BINDINGS)[0]!;
    assert.ok(huge.explain.some((line) => line.includes('larger than the 80.0 GB of NVIDIA A100 SXM 80GB')), huge.explain.join('\n'));
  });
});

describe('priceGraph: casts', () => {
  const cast = (op: string, from: 'fp32' | 'bf16' | 'default', to: 'fp32' | 'bf16' | 'default'): OpSpecForTest => ({
    op, category: 'pointwise', attrs: {}, inputs: [{ shape: [8, 1024, 768], dtype: from }], outputs: [{ shape: [8, 1024, 768], dtype: to }],
  });

  it('prices a cast to the dtype the tensor already has as no kernel at all (PyTorch returns the tensor itself)', () => {
    const same = priceOne(cast('torch.Tensor.float', 'fp32', 'fp32'));
    assert.equal(same.bytes, 0);
    assert.equal(same.flops, 0);
    assert.equal(same.timeUs, 0);
    assert.ok(same.explain.some((line) => line.includes('a cast to the dtype the tensor already has (fp32)')));
    // `.to(torch.float32)` of a tensor in the analysis dtype is free when the analysis runs in fp32, a copy otherwise.
    assert.equal(priceOne(cast('torch.Tensor.to', 'default', 'fp32'), { dtype: 'fp32' }).timeUs, 0);
    const widened = priceOne(cast('torch.Tensor.to', 'default', 'fp32'), { dtype: 'bf16' });
    const n = 8 * 1024 * 768;
    assert.equal(widened.bytes, n * 2 + n * 4);
    assert.ok((widened.timeUs ?? 0) > 4);
  });
});

