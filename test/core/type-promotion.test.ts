// PyTorch's type promotion, and the dtype of weights: a bf16 activation times an fp32 table is fp32 (transformers'
// GPT-NeoX attention ran in fp32 for this reason), a Parameter has the dtype the model is converted to, and a Linear
// computes in its weights' dtype; against hand computations on published-style fixtures and their trap twin.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import type { Analysis, CostedOp } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'published');

async function analyzeFixture(name: string): Promise<Analysis> {
  return analyze(readFileSync(path.join(FIXTURES, name), 'utf8'), { parser: await testParser() });
}

function costsOf(analysis: Analysis, predicate: (cost: CostedOp) => boolean): CostedOp[] {
  return analysis.costs.filter(predicate);
}

// B = 8, T = 1024, 16 heads of 64, rotary on 16 dims of each head (rotary_pct 0.25).
const ROTARY = 8 * 16 * 1024 * 16; // query_rot elements: 2,097,152
const PASS = 8 * 16 * 1024 * 48; // query_pass elements: 6,291,456
const TABLE = 1024 * 16; // cos elements: 16,384
const SCORES = 8 * 16 * 1024 * 1024; // 134,217,728
const HEAD = 8 * 16 * 1024 * 64; // query elements: 8,388,608

describe('type promotion of a bf16 model with fp32 tables', () => {
  it('runs GPT-NeoX\'s attention in fp32 after q * cos of an fp32 cos table, until .to(value.dtype)', async () => {
    const analysis = await analyzeFixture('rotary_fp32_cache.py');
    // query_rot * cos: bf16 query (2 B) and fp32 table (4 B) read, fp32 product written.
    const rotations = costsOf(analysis, (c) => c.node.op === 'torch.mul' && c.node.outputs[0]?.dtype === 'fp32' && c.bytesWritten === ROTARY * 4);
    assert.equal(rotations.length, 4, 'q * cos, rotate_half(q) * sin, and the same for k, all fp32');
    assert.ok(rotations.some((c) => c.bytesRead === ROTARY * 2 + TABLE * 4));
    // torch.cat((fp32 rotated part, bf16 pass-through)): fp32 out.
    const cats = costsOf(analysis, (c) => c.node.op === 'torch.cat' && c.node.outputs[0]?.dtype === 'fp32');
    assert.equal(cats.length, 2);
    for (const cat of cats) {
      assert.equal(cat.bytesRead, ROTARY * 4 + PASS * 2);
      assert.equal(cat.bytesWritten, HEAD * 4);
    }
    // torch.zeros(..., dtype=query.dtype): the query is fp32, so the [128, 1024, 1024] scores are 4 B each.
    const zeros = costsOf(analysis, (c) => c.node.op === 'torch.zeros')[0];
    assert.equal(zeros?.bytesWritten, SCORES * 4);
    // baddbmm in fp32 (no TF32 by default): C, query and key read, the scores written, 4 B each.
    const scores = costsOf(analysis, (c) => c.node.op === 'torch.baddbmm')[0];
    assert.equal(scores?.dtype, 'fp32');
    assert.equal(scores?.bytes, (SCORES * 2 + HEAD * 2) * 4);
    // The softmax reads and writes fp32; attn_weights.to(value.dtype) is a real cast, fp32 read and bf16 written.
    const softmax = costsOf(analysis, (c) => c.node.category === 'softmax')[0];
    assert.equal(softmax?.bytes, SCORES * 8);
    const castBack = costsOf(analysis, (c) => c.node.label === 'attn_weights.to')[0];
    assert.equal(castBack?.bytesRead, SCORES * 4);
    assert.equal(castBack?.bytesWritten, SCORES * 2);
    // After the cast the attention's second product and the output projection are back in the analysis dtype.
    const context = costsOf(analysis, (c) => c.node.op === 'torch.matmul')[0];
    assert.equal(context?.dtype, 'bf16');
    assert.equal(context?.bytes, (SCORES + HEAD * 2) * 2);
  });

  it('keeps the attention in bf16 when the tables are cast to x.dtype, a float32 Parameter converted, a Linear in its weights\' dtype (trap twin)', async () => {
    const analysis = await analyzeFixture('rotary_fp32_cache_trap.py');
    // The tables' casts are the only fp32 reads of the rotary: [1, 1, 1024, 16] fp32 read, bf16 written.
    const tableCasts = costsOf(analysis, (c) => c.node.category !== 'view' && (c.node.label.startsWith('self.cos_cached') || c.node.label.startsWith('self.sin_cached')));
    assert.equal(tableCasts.length, 2);
    assert.ok(tableCasts.every((c) => c.bytesRead === TABLE * 4 && c.bytesWritten === TABLE * 2));
    assert.ok(costsOf(analysis, (c) => c.node.op === 'torch.cat' && c.node.outputs[0]?.shape?.length === 4).every((c) => c.node.outputs[0]?.dtype !== 'fp32'));
    assert.equal(costsOf(analysis, (c) => c.node.op === 'torch.zeros')[0]?.bytesWritten, SCORES * 2);
    assert.equal(costsOf(analysis, (c) => c.node.op === 'torch.baddbmm')[0]?.dtype, 'bf16');
    // scores + head_bias: the float32-built Parameter has the analysis dtype, so the [8, 16, 1024, 1024] sum is bf16.
    const biased = costsOf(analysis, (c) => c.node.op === 'torch.add' && c.node.outputs[0]?.shape?.length === 4 && c.bytesWritten === SCORES * 2);
    assert.equal(biased.length, 1);
    assert.equal(biased[0]?.bytesRead, SCORES * 2 + 16 * 2);
    // attn_weights.to(value.dtype) of a bf16 softmax: no cast runs.
    assert.ok(costsOf(analysis, (c) => c.node.label === 'attn_weights.to').every((c) => c.bytes === 0 || c.bytes === null));
    // The fp32 timestep embedding [8, 256] enters time_mlp's bf16 weights: a bf16 GEMM with a bf16 output.
    const timeMlp = costsOf(analysis, (c) => c.node.label === 'self.time_mlp')[0];
    assert.equal(timeMlp?.dtype, 'bf16');
    assert.equal(timeMlp?.node.outputs[0]?.dtype, 'default');
    assert.equal(timeMlp?.bytesWritten, 8 * 1024 * 2);
  });
});
