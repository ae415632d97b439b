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
