// The GPU choices of the Select GPU quick pick and the panel: each line names the dtype of the peak it shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gpuChoices } from '../../src/server/gpus';

describe('GPU choices', () => {
  it('lists the bf16 tensor peak where the GPU has one, and the fp16 one, named so, where it has no bf16 (V100, T4)', () => {
    const detail = (id: string): string | undefined => gpuChoices([]).find((choice) => choice.id === id)?.detail;
    assert.equal(detail('h100-sxm'), 'bf16 989.4 TFLOP/s · HBM 3.35 TB/s');
    // V100 SXM2: 125 TFLOP/s fp16 tensor cores, no bf16 (NVIDIA V100 datasheet); 900 GB/s HBM2.
    assert.equal(detail('v100-sxm2'), 'fp16 125 TFLOP/s · HBM 900 GB/s');
    assert.equal(detail('t4'), 'fp16 65.0 TFLOP/s · HBM 320 GB/s');
  });
});
