// Hand-computed FLOPs, bytes, intensity, time and bound for ops across categories, dtypes and GPUs, through the real catalog.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveHardware } from '../../src/core/cost/hardware';
import { priceGraph } from '../../src/core/cost/price';
import type { Bound, DType } from '../../src/core/ir/types';
import { graphOf, type OpSpecForTest } from './build';

/** Effective streaming bandwidth η_m·BW, bytes/s, and the 4 µs launch. */
const H100_BW = 0.88 * 3.35e12;
const A100_BW = 0.81 * 2.039e12;
const LAUNCH_US = 4;
const K0_H100_BF16 = 256 * Math.sqrt((989.4e12 / 132) / (312e12 / 108));
const us = (seconds: number) => seconds * 1e6;

interface Case {
  readonly name: string;
  readonly gpu?: string;
  readonly dtype?: DType;
  readonly tf32?: boolean;
  readonly spec: OpSpecForTest;
  readonly flops: number;
  readonly read: number;
  readonly written: number;
  /** Hand-computed time in µs, launch included; 0 for ops that launch no kernel. */
  readonly timeUs: number;
  readonly bound: Bound;
}

const bf16 = (shape: number[]) => ({ shape, dtype: 'bf16' as const });
const fp32 = (shape: number[]) => ({ shape, dtype: 'fp32' as const });
const fp16 = (shape: number[]) => ({ shape, dtype: 'fp16' as const });
const int64 = (shape: number[]) => ({ shape, dtype: 'int64' as const });

const n1 = 8 * 1024 * 3072; // 25,165,824
const n2 = 4096 * 4096; // 16,777,216
const n3 = 8 * 1024 * 11008; // 90,177,536
const n4 = 8 * 1024 * 4096; // 33,554,432
const n5 = 8 * 1024 * 768; // 6,291,456
const n6 = 8 * 2048 * 4096; // 67,108,864
const n7 = 8 * 16 * 1024 * 1024; // 134,217,728
const n8 = 32 * 64 * 56 * 56; // 6,422,528
const n9 = 8192 * 8192; // 67,108,864

const CASES: readonly Case[] = [
  {
    name: 'F.gelu (erf) [8,1024,3072] bf16: 5 FLOPs/element, 4 B/element',
    spec: { op: 'torch.nn.functional.gelu', category: 'pointwise', inputs: [bf16([8, 1024, 3072])], outputs: [bf16([8, 1024, 3072])] },
    flops: 5 * n1, read: 2 * n1, written: 2 * n1, timeUs: us((4 * n1) / H100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'F.relu [4096,4096] fp32',
    spec: { op: 'torch.nn.functional.relu', category: 'pointwise', inputs: [fp32([4096, 4096])], outputs: [fp32([4096, 4096])] },
    flops: n2, read: 4 * n2, written: 4 * n2, timeUs: us((8 * n2) / H100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'F.silu [8,1024,11008] bf16: x·σ(x) = 5 FLOPs/element',
    spec: { op: 'torch.nn.functional.silu', category: 'pointwise', inputs: [bf16([8, 1024, 11008])], outputs: [bf16([8, 1024, 11008])] },
    flops: 5 * n3, read: 2 * n3, written: 2 * n3, timeUs: us((4 * n3) / H100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'torch.mul [8,1024,4096]² fp16 on A100 80GB',
    gpu: 'a100-80gb-sxm', dtype: 'fp16',
    spec: { op: 'torch.mul', category: 'pointwise', inputs: [fp16([8, 1024, 4096]), fp16([8, 1024, 4096])], outputs: [fp16([8, 1024, 4096])] },
    flops: n4, read: 4 * n4, written: 2 * n4, timeUs: us((6 * n4) / A100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'torch.sub [64,1] − [1,4096] bf16: both operands broadcast, read once',
    spec: { op: 'torch.sub', category: 'pointwise', inputs: [bf16([64, 1]), bf16([1, 4096])], outputs: [bf16([64, 4096])] },
    flops: 64 * 4096, read: (64 + 4096) * 2, written: 64 * 4096 * 2, timeUs: us(((64 + 4096) * 2 + 64 * 4096 * 2) / H100_BW) + LAUNCH_US, bound: 'overhead',
  },
  {
    name: 'torch.exp [2^24] fp32',
    spec: { op: 'torch.exp', category: 'pointwise', inputs: [fp32([1 << 24])], outputs: [fp32([1 << 24])] },
    flops: 1 << 24, read: 4 << 24, written: 4 << 24, timeUs: us((8 << 24) / H100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'Tensor.to bf16 → fp32 [8192,8192]: a cast, 0 FLOPs, 2 B in and 4 B out per element',
    spec: { op: 'torch.Tensor.to', category: 'pointwise', attrs: { dtype: 'fp32' }, inputs: [bf16([8192, 8192])], outputs: [fp32([8192, 8192])] },
    flops: 0, read: 2 * n9, written: 4 * n9, timeUs: us((6 * n9) / H100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'F.dropout (training, p=0.1) [8,1024,768] bf16: eager writes a 1-byte keep mask',
    spec: { op: 'torch.nn.functional.dropout', category: 'pointwise', attrs: { p: 0.1, training: true }, inputs: [bf16([8, 1024, 768])], outputs: [bf16([8, 1024, 768])] },
    flops: 2 * n5, read: 2 * n5, written: 3 * n5, timeUs: us((5 * n5) / H100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'F.dropout (eval) is an identity: no kernel, no cost',
    spec: { op: 'torch.nn.functional.dropout', category: 'pointwise', attrs: { p: 0.1, training: false }, inputs: [bf16([8, 1024, 768])], outputs: [bf16([8, 1024, 768])] },
    flops: 0, read: 0, written: 0, timeUs: 0, bound: 'unknown',
  },
  {
    name: 'F.layer_norm [8,2048,4096] bf16 with weight and bias: 5 FLOPs/element, x and y once + 2·D params',
    spec: { op: 'torch.nn.functional.layer_norm', category: 'normalization', inputs: [bf16([8, 2048, 4096]), bf16([4096]), bf16([4096])], outputs: [bf16([8, 2048, 4096])] },
    flops: 5 * n6, read: 2 * n6 + 2 * 4096 * 2, written: 2 * n6, timeUs: us((4 * n6 + 4 * 4096) / H100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'F.rms_norm [8,2048,4096] bf16 with weight: 4 FLOPs/element',
    spec: { op: 'torch.nn.functional.rms_norm', category: 'normalization', inputs: [bf16([8, 2048, 4096]), bf16([4096])], outputs: [bf16([8, 2048, 4096])] },
    flops: 4 * n6, read: 2 * n6 + 4096 * 2, written: 2 * n6, timeUs: us((4 * n6 + 2 * 4096) / H100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'F.softmax [8,16,1024,1024] bf16: 5 FLOPs/element, one fused pass',
    spec: { op: 'torch.nn.functional.softmax', category: 'softmax', attrs: { dim: -1 }, inputs: [bf16([8, 16, 1024, 1024])], outputs: [bf16([8, 16, 1024, 1024])] },
    flops: 5 * n7, read: 2 * n7, written: 2 * n7, timeUs: us((4 * n7) / H100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'F.batch_norm (eval) [32,64,56,56] fp32: 2 FLOPs/element, 4 per-channel vectors',
    dtype: 'fp32',
    spec: {
      op: 'torch.nn.functional.batch_norm', category: 'normalization',
      inputs: [fp32([32, 64, 56, 56]), fp32([64]), fp32([64]), fp32([64]), fp32([64])], outputs: [fp32([32, 64, 56, 56])],
    },
    flops: 2 * n8, read: 4 * n8 + 4 * 64 * 4, written: 4 * n8, timeUs: us((8 * n8 + 1024) / H100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'Tensor.sum(dim=-1) [8192,8192] bf16 → [8192]',
    spec: { op: 'torch.Tensor.sum', category: 'reduction', attrs: { dim: -1 }, inputs: [bf16([8192, 8192])], outputs: [bf16([8192])] },
    flops: n9, read: 2 * n9, written: 8192 * 2, timeUs: us((2 * n9 + 8192 * 2) / H100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'torch.mean(dim=-1, keepdim) [4096,4096] fp32 → [4096,1]',
    spec: { op: 'torch.mean', category: 'reduction', attrs: { dim: -1, keepdim: true }, inputs: [fp32([4096, 4096])], outputs: [fp32([4096, 1])] },
    flops: n2, read: 4 * n2, written: 4096 * 4, timeUs: us((4 * n2 + 4096 * 4) / H100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'torch.amax(dim=-1) [32,1024,768] bf16',
    spec: { op: 'torch.amax', category: 'reduction', attrs: { dim: -1 }, inputs: [bf16([32, 1024, 768])], outputs: [bf16([32, 1024])] },
    flops: 4 * n5, read: 2 * 4 * n5, written: 32 * 1024 * 2, timeUs: us((8 * n5 + 65536) / H100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'torch.cat of two [8,1024,768] bf16 on the last dim: 0 FLOPs, read all, write all',
    spec: { op: 'torch.cat', category: 'copy', attrs: { dim: -1 }, inputs: [bf16([8, 1024, 768]), bf16([8, 1024, 768])], outputs: [bf16([8, 1024, 1536])] },
    flops: 0, read: 2 * n5 * 2, written: 2 * n5 * 2, timeUs: us((8 * n5) / H100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'Tensor.contiguous [8192,8192] bf16: a copy',
    spec: { op: 'torch.Tensor.contiguous', category: 'copy', inputs: [bf16([8192, 8192])], outputs: [bf16([8192, 8192])] },
    flops: 0, read: 2 * n9, written: 2 * n9, timeUs: us((4 * n9) / H100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'F.embedding of [8,1024] int64 indices in a [50257,768] table: only the gathered rows move',
    spec: { op: 'torch.nn.functional.embedding', category: 'embedding', inputs: [int64([8, 1024]), bf16([50257, 768])], outputs: [bf16([8, 1024, 768])] },
    flops: 0, read: 8192 * 8 + 8192 * 768 * 2, written: 8192 * 768 * 2, timeUs: us((8192 * 8 + 2 * 8192 * 768 * 2) / H100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'torch.gather(dim=1) of [4096,64] int64 indices from [4096,1024] bf16',
    spec: { op: 'torch.gather', category: 'copy', attrs: { dim: 1 }, inputs: [bf16([4096, 1024]), int64([4096, 64])], outputs: [bf16([4096, 64])] },
    flops: 0, read: 4096 * 64 * 2 + 4096 * 64 * 8, written: 4096 * 64 * 2, timeUs: us((4096 * 64 * 12) / H100_BW) + LAUNCH_US, bound: 'overhead',
  },
  {
    name: 'torch.matmul [8,1024,768] @ [768,768] bf16: compute-bound, 3 waves of tiles',
    spec: { op: 'torch.matmul', category: 'matmul', inputs: [bf16([8, 1024, 768]), bf16([768, 768])], outputs: [bf16([8, 1024, 768])] },
    flops: 2 * 8192 * 768 * 768, read: (8192 * 768 + 768 * 768) * 2, written: 8192 * 768 * 2,
    // tiles 8192·768/128² = 384 → 3 waves on 132 SMs; factor = M·N·K / (132·128²·(3·768 + K0)).
    timeUs: us((2 * 8192 * 768 * 768) / (0.71 * ((8192 * 768 * 768) / (132 * 16384 * (3 * 768 + K0_H100_BF16))) * 989.4e12)) + LAUNCH_US,
    bound: 'compute',
  },
  {
    name: 'F.conv2d [32,64,56,56] * [128,64,3,3] + bias, padding 1, bf16: 2·out·C_in·k² + out, an implicit GEMM',
    spec: {
      op: 'torch.nn.functional.conv2d', category: 'conv', attrs: { padding: 1 },
      inputs: [bf16([32, 64, 56, 56]), bf16([128, 64, 3, 3]), bf16([128])], outputs: [bf16([32, 128, 56, 56])],
    },
    flops: 2 * 12845056 * 576 + 12845056, read: (32 * 64 * 3136 + 128 * 64 * 9 + 128) * 2, written: 12845056 * 2,
    // M·N = 12,845,056 outputs → 784 tiles → 6 waves; K = C_in·k² = 576.
    timeUs: us((2 * 12845056 * 576 + 12845056) / (0.71 * ((12845056 * 576) / (132 * 16384 * (6 * 576 + K0_H100_BF16))) * 989.4e12)) + LAUNCH_US,
    bound: 'compute',
  },
  {
    name: 'torch.bmm [64,512,64] @ [64,64,512] bf16 (attention scores, K=64): memory-bound',
    spec: { op: 'torch.bmm', category: 'matmul', inputs: [bf16([64, 512, 64]), bf16([64, 64, 512])], outputs: [bf16([64, 512, 512])] },
    flops: 2 * 64 * 512 * 512 * 64, read: 2 * 64 * 512 * 64 * 2, written: 64 * 512 * 512 * 2,
    timeUs: us((2 * 64 * 512 * 64 * 2 + 64 * 512 * 512 * 2) / H100_BW) + LAUNCH_US, bound: 'memory',
  },
  {
    name: 'torch.addmm bias[3072] + [8192,768] @ [768,3072] bf16: 2MNK + MN FLOPs',
    spec: { op: 'torch.addmm', category: 'matmul', inputs: [bf16([3072]), bf16([8192, 768]), bf16([768, 3072])], outputs: [bf16([8192, 3072])] },
    flops: 2 * 8192 * 3072 * 768 + 8192 * 3072, read: (3072 + 8192 * 768 + 768 * 3072) * 2, written: 8192 * 3072 * 2,
    // tiles 1536 → 12 waves; K from the FLOPs rounds to 768.
    timeUs: us((2 * 8192 * 3072 * 768 + 8192 * 3072) / (0.71 * ((8192 * 3072 * 768) / (132 * 16384 * (12 * 768 + K0_H100_BF16))) * 989.4e12)) + LAUNCH_US,
    bound: 'compute',
  },
  {
    name: 'F.linear fp32 [4096,4096]² on A100 with TF32 enabled: the 156 TFLOP/s TF32 peak',
    gpu: 'a100-80gb-sxm', dtype: 'fp32', tf32: true,
    spec: { op: 'torch.nn.functional.linear', category: 'matmul', inputs: [fp32([4096, 4096]), fp32([4096, 4096])], outputs: [fp32([4096, 4096])] },
    flops: 2 * 4096 ** 3, read: 2 * n2 * 4, written: n2 * 4,
    // K0 = 256·√(0.5) (TF32 per SM is half of bf16); tiles 1024 → 10 waves on 108 SMs.
    timeUs: us((2 * 4096 ** 3) / (0.83 * (4096 ** 3 / (108 * 16384 * (10 * 4096 + 256 * Math.SQRT1_2))) * 156e12)) + LAUNCH_US,
    bound: 'compute',
  },
  {
    name: 'F.linear fp16 [4096,4096]² on T4: 65 TFLOP/s fp16 tensor cores, η_c 0.75 (assumed)',
    gpu: 't4', dtype: 'fp16',
    spec: { op: 'torch.nn.functional.linear', category: 'matmul', inputs: [fp16([4096, 4096]), fp16([4096, 4096])], outputs: [fp16([4096, 4096])] },
    flops: 2 * 4096 ** 3, read: 2 * n2 * 2, written: n2 * 2,
    // K0 = 256·√((65e12/40)/(312e12/108)) = 192; tiles 1024 → 26 waves on 40 SMs.
    timeUs: us((2 * 4096 ** 3) / (0.75 * (4096 ** 3 / (40 * 16384 * (26 * 4096 + 192))) * 65e12)) + LAUNCH_US,
    bound: 'compute',
  },
  {
    name: "torch.einsum('bhqd,bhkd->bhqk') [2,8,256,64]²: a small contraction, overhead-bound",
    spec: { op: 'torch.einsum', category: 'matmul', attrs: { equation: 'bhqd,bhkd->bhqk' }, inputs: [bf16([2, 8, 256, 64]), bf16([2, 8, 256, 64])], outputs: [bf16([2, 8, 256, 256])] },
    flops: 2 * 2 * 8 * 256 * 256 * 64, read: 2 * 2 * 8 * 256 * 64 * 2, written: 2 * 8 * 256 * 256 * 2,
    // One wave of 64 tiles: compute = work + fill; the work alone and the bytes are both under the 4 µs launch.
    timeUs: us((2 * 2 * 8 * 256 * 256 * 64) / (0.71 * ((4096 * 256 * 64) / (132 * 16384 * (64 + K0_H100_BF16))) * 989.4e12)) + LAUNCH_US,
    bound: 'overhead',
  },
  {
    name: 'F.scaled_dot_product_attention [8,16,2048,64] bf16: 4·B·H·L·S·d + 5·B·H·L·S, at 0.6·η_c (fused attention)',
    spec: {
      op: 'torch.nn.functional.scaled_dot_product_attention', category: 'attention',
      inputs: [bf16([8, 16, 2048, 64]), bf16([8, 16, 2048, 64]), bf16([8, 16, 2048, 64])], outputs: [bf16([8, 16, 2048, 64])],
    },
    flops: 4 * 128 * 2048 * 2048 * 64 + 5 * 128 * 2048 * 2048, read: 3 * 128 * 2048 * 64 * 2, written: 128 * 2048 * 64 * 2,
    timeUs: us((4 * 128 * 2048 * 2048 * 64 + 5 * 128 * 2048 * 2048) / (0.71 * 0.6 * 989.4e12)) + LAUNCH_US, bound: 'compute',
  },
  {
    name: 'causal SDPA counts half the FLOPs (masked blocks skipped)',
    spec: {
      op: 'torch.nn.functional.scaled_dot_product_attention', category: 'attention', attrs: { is_causal: true },
      inputs: [bf16([8, 16, 2048, 64]), bf16([8, 16, 2048, 64]), bf16([8, 16, 2048, 64])], outputs: [bf16([8, 16, 2048, 64])],
    },
    flops: (4 * 128 * 2048 * 2048 * 64 + 5 * 128 * 2048 * 2048) / 2, read: 3 * 128 * 2048 * 64 * 2, written: 128 * 2048 * 64 * 2,
    timeUs: us((4 * 128 * 2048 * 2048 * 64 + 5 * 128 * 2048 * 2048) / 2 / (0.71 * 0.6 * 989.4e12)) + LAUNCH_US, bound: 'compute',
  },
  {
    name: 'x + y [8192,8192] bf16 on MI300X: η_m 0.77 of 5.3 TB/s',
    gpu: 'mi300x',
    spec: { op: 'torch.add', category: 'pointwise', inputs: [bf16([8192, 8192]), bf16([8192, 8192])], outputs: [bf16([8192, 8192])] },
    flops: n9, read: 4 * n9, written: 2 * n9, timeUs: us((6 * n9) / (0.77 * 5.3e12)) + LAUNCH_US, bound: 'memory',
  },
];

describe('hand-computed prices per op', () => {
  it(`covers at least 25 ops across categories, dtypes and GPUs (${CASES.length} here)`, () => {
    assert.ok(CASES.length >= 25);
    assert.ok(new Set(CASES.map((c) => c.spec.category)).size >= 6);
  });

  for (const c of CASES) {
    it(c.name, () => {
      const hardware = resolveHardware(c.gpu ?? 'h100-sxm');
      const [cost] = priceGraph(graphOf([c.spec], { tf32Enabled: c.tf32 }), hardware, c.dtype ?? 'bf16', new Map());
      assert.ok(cost, 'priced');
      assert.ok(cost.timeUs !== null, `not priced: ${cost.explain[0]}`);
      assert.equal(cost.flops, c.flops, 'FLOPs');
      assert.equal(cost.bytesRead, c.read, 'bytes read');
      assert.equal(cost.bytesWritten, c.written, 'bytes written');
      assert.equal(cost.bytes, c.read + c.written);
      assert.equal(cost.intensity, c.read + c.written > 0 ? c.flops / (c.read + c.written) : null, 'intensity');
      assert.ok(Math.abs((cost.timeUs as number) - c.timeUs) <= 1e-9 * Math.max(1, c.timeUs), `time ${cost.timeUs} µs, hand ${c.timeUs} µs`);
      assert.equal(cost.bound, c.bound);
      assert.equal(cost.repeat, 1);
    });
  }
});
