// Property tests (fast-check, fixed seed): time grows with size, figures are never negative, bytes cover the outputs, views are free.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { listHardware } from '../../src/core/cost/hardware';
import { priceGraph } from '../../src/core/cost/price';
import type { DType } from '../../src/core/ir/types';
import { DTYPE_BYTES } from '../../src/core/ir/types';
import { graphOf, type OpSpecForTest } from './build';

const RUNS = { seed: 20261129, numRuns: 100 };
const GPUS = listHardware();
const DTYPES: DType[] = ['fp32', 'bf16', 'fp16', 'fp8'];

/** One op per family, each built for sizes (m, k, n): contraction, pointwise, broadcast, norm, softmax, reduction, attention, copy. */
const OPS: readonly ((m: number, k: number, n: number) => OpSpecForTest)[] = [
  (m, k, n) => ({ op: 'torch.nn.Linear', category: 'matmul', inputs: [{ shape: [m, k] }, { shape: [n, k] }], outputs: [{ shape: [m, n] }] }),
  (m, k, n) => ({ op: 'torch.bmm', category: 'matmul', inputs: [{ shape: [4, m, k] }, { shape: [4, k, n] }], outputs: [{ shape: [4, m, n] }] }),
  (m, k) => ({ op: 'torch.nn.functional.gelu', category: 'pointwise', inputs: [{ shape: [m, k] }], outputs: [{ shape: [m, k] }] }),
  (m, k) => ({ op: 'torch.add', category: 'pointwise', inputs: [{ shape: [m, k] }, { shape: [k] }], outputs: [{ shape: [m, k] }] }),
  (m, k) => ({ op: 'torch.nn.functional.layer_norm', category: 'normalization', inputs: [{ shape: [m, k] }, { shape: [k] }, { shape: [k] }], outputs: [{ shape: [m, k] }] }),
  (m, k) => ({ op: 'torch.nn.functional.softmax', category: 'softmax', attrs: { dim: -1 }, inputs: [{ shape: [m, k] }], outputs: [{ shape: [m, k] }] }),
  (m, k) => ({ op: 'torch.Tensor.sum', category: 'reduction', attrs: { dim: -1 }, inputs: [{ shape: [m, k] }], outputs: [{ shape: [m] }] }),
  (m, _k, n) => ({
    op: 'torch.nn.functional.scaled_dot_product_attention', category: 'attention',
    inputs: [{ shape: [1, 4, m, 64] }, { shape: [1, 4, n, 64] }, { shape: [1, 4, n, 64] }], outputs: [{ shape: [1, 4, m, 64] }],
  }),
  (m, k, n) => ({ op: 'torch.cat', category: 'copy', attrs: { dim: -1 }, inputs: [{ shape: [m, k] }, { shape: [m, n] }], outputs: [{ shape: [m, k + n] }] }),
];

const size = fc.integer({ min: 1, max: 1 << 14 });
const gpu = fc.constantFrom(...GPUS);
const dtype = fc.constantFrom(...DTYPES);
const opIndex = fc.integer({ min: 0, max: OPS.length - 1 });

function price(spec: OpSpecForTest, hardwareIndex: (typeof GPUS)[number], analysisDtype: DType, tf32 = false) {
  return priceGraph(graphOf([spec], { tf32Enabled: tf32 }), hardwareIndex, analysisDtype, new Map())[0]!;
}

describe('cost properties', () => {
  it('never yields negative or non-finite figures', () => {
    fc.assert(fc.property(opIndex, size, size, size, gpu, dtype, fc.boolean(), (i, m, k, n, hardware, d, tf32) => {
      const cost = price(OPS[i]!(m, k, n), hardware, d, tf32);
      for (const figure of [cost.flops, cost.bytes, cost.bytesRead, cost.bytesWritten, cost.timeUs, cost.intensity]) {
        assert.ok(figure !== null && Number.isFinite(figure) && figure >= 0);
      }
      assert.ok((cost.timeUs as number) >= hardware.launchOverhead.value * 1e6);
    }), RUNS);
  });

  it('moves at least the output bytes', () => {
    fc.assert(fc.property(opIndex, size, size, size, gpu, dtype, (i, m, k, n, hardware, d) => {
      const spec = OPS[i]!(m, k, n);
      const cost = price(spec, hardware, d);
      const outputBytes = (cost.outputShapes[0] as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[d];
      assert.ok((cost.bytesWritten as number) >= outputBytes);
      assert.ok((cost.bytes as number) >= outputBytes);
    }), RUNS);
  });

  it('never gets faster when any size grows', () => {
    fc.assert(fc.property(opIndex, size, size, size, fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 0, max: 2 }), gpu, dtype,
      (i, m, k, n, extra, which, hardware, d) => {
        const grown = [m, k, n];
        grown[which] = grown[which]! + extra;
        const before = price(OPS[i]!(m, k, n), hardware, d);
        const after = price(OPS[i]!(grown[0]!, grown[1]!, grown[2]!), hardware, d);
        assert.ok((after.flops as number) >= (before.flops as number));
        assert.ok((after.bytes as number) >= (before.bytes as number));
        // GEMMs too: the efficiency curve times whole waves of tiles, so a bigger GEMM is never cheaper.
        assert.ok((after.timeUs as number) >= (before.timeUs as number) * (1 - 1e-12));
      }), RUNS);
  });

  it('prices views at zero whatever their size', () => {
    fc.assert(fc.property(size, size, gpu, dtype, (m, k, hardware, d) => {
      const cost = price({ op: 'torch.Tensor.view', category: 'view', inputs: [{ shape: [m, k] }], outputs: [{ shape: [m * k] }] }, hardware, d);
      assert.deepEqual([cost.flops, cost.bytes, cost.timeUs, cost.unit], [0, 0, 0, 'none']);
    }), RUNS);
  });
});
