// The fusion findings a reviewer expects on each fixture model, found by reading the code by hand: recall ≥ 90%,
// and nothing at all on the trap lines (the fused path, the fallback that only runs without SDPA).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import type { Finding } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

const MODELS = path.join(__dirname, '..', 'fixtures', 'models');

interface Review {
  /** [code, 1-based line] of each finding the reviewer expects, with why. */
  readonly expected: readonly (readonly [string, number, string])[];
  /** 1-based lines that must get no finding: already fused, or a fallback path. */
  readonly traps: readonly number[];
}

/** Reviewed by hand against each file at the sizes of its `# memwall:` comment (tiny sizes: loops are overhead-bound). */
const REVIEWS: Readonly<Record<string, Review>> = {
  'bert_layer.py': {
    expected: [
      ['MW210', 23, 'query, key, value: three GEMMs on the same hidden states'],
      ['MW206', 26, 'matmul, scale, additive mask, softmax, dropout, matmul'],
      ['MW211', 53, 'attention output dropout + residual add'],
      ['MW203', 53, 'residual add + post-LayerNorm'],
      ['MW202', 54, 'GELU after the intermediate GEMM'],
      ['MW211', 55, 'output dropout + residual add'],
      ['MW203', 55, 'residual add + post-LayerNorm'],
    ],
    traps: [],
  },
  'gpt2_block.py': {
    expected: [
      ['MW202', 60, 'GELU after c_fc'],
      ['MW203', 73, 'residual add + ln_2'],
    ],
    // c_attn is already one QKV GEMM; SDPA is already used; lines 41-45 only run when SDPA is missing.
    traps: [34, 39, 41, 42, 43, 44, 45],
  },
  'gpt_block.py': {
    expected: [
      ['MW301', 24, 'at b=2, t=16 the block loop issues kernels shorter than their launches'],
      ['MW202', 83, 'GELU after c_fc'],
      ['MW203', 99, 'residual add + ln_2 (in the LayerNorm wrapper)'],
      ['MW203', 100, 'residual add + the next ln_1 / ln_f'],
    ],
    // c_attn is already one QKV GEMM; SDPA is already used; lines 61-65 only run when SDPA is missing.
    traps: [52, 59, 61, 62, 63, 64, 65],
  },
  'gpt_full.py': {
    expected: [
      ['MW301', 30, 'at b=2, t=16 the block loop issues kernels shorter than their launches'],
      ['MW202', 75, 'GELU after c_fc'],
      ['MW203', 89, 'residual add + ln_2 (in the LayerNorm wrapper)'],
      ['MW203', 90, 'residual add + the next ln_1 / ln_f'],
    ],
    traps: [49, 54, 56, 57, 58, 59, 60],
  },
  'llama_block.py': {
    expected: [
      ['MW204', 36, 'RMSNorm written as float, pow, mean, add, rsqrt, multiplies and a cast back'],
      ['MW301', 40, 'at _bsz=2, seqlen=8 the layer loop issues kernels shorter than their launches'],
      ['MW202', 68, 'the fp32 upcast of wq’s output (a GEMM can write fp32)'],
      ['MW202', 69, 'the fp32 upcast of wk’s output'],
      ['MW208', 71, 'complex rotary multiply of q between its upcast and downcast'],
      ['MW208', 72, 'complex rotary multiply of k'],
      ['MW102', 82, 'repeat_kv: expand then reshape copies each key/value head for GQA'],
      ['MW210', 118, 'wq, wk, wv on the same x'],
      ['MW206', 142, 'matmul, scale, additive mask, fp32 softmax, matmul'],
      ['MW207', 171, 'SwiGLU: silu(w1 x) * w3 x'],
      ['MW202', 198, 'residual add after wo'],
      ['MW203', 198, 'residual add + the hand-written ffn RMSNorm'],
      ['MW203', 199, 'residual add + the next attention RMSNorm / final norm'],
      ['MW202', 242, 'the fp32 upcast of the logits after the output GEMM'],
    ],
    traps: [],
  },
  'moe.py': {
    expected: [
      ['MW202', 14, 'GELU after fc1 in each expert'],
      ['MW301', 14, 'the expert loop issues tiny kernels at 24 tokens'],
      ['MW202', 33, 'gate multiply and accumulate after fc2'],
    ],
    traps: [],
  },
  'resnet_block.py': {
    expected: [
      ['MW202', 24, 'BatchNorm + ReLU after conv1'],
      ['MW202', 27, 'BatchNorm + residual add + ReLU after conv2'],
      ['MW202', 47, 'stem conv + BatchNorm + ReLU'],
    ],
    traps: [],
  },
  'tcn.py': {
    expected: [
      ['MW201', 18, 'ReLU + dropout'],
      ['MW201', 20, 'ReLU + dropout + residual add + ReLU'],
      ['MW211', 20, 'dropout + residual add'],
      ['MW202', 21, 'residual add + ReLU after the 1x1 residual conv'],
    ],
    traps: [],
  },
  'unet_attention.py': {
    expected: [
      ['MW210', 23, 'to_k and to_v on the same context'],
      ['MW206', 28, 'matmul, scale, softmax, matmul (self- and cross-attention)'],
      ['MW203', 56, 'residual add + norm2'],
      ['MW203', 57, 'residual add + norm3'],
      ['MW202', 58, 'GELU after ff_in, residual add after ff_out'],
      ['MW202', 61, 'residual add after proj_out'],
    ],
    traps: [],
  },
  'vit.py': {
    expected: [
      ['MW202', 55, 'GELU after fc1'],
      ['MW206', 80, 'matmul, scale, softmax, dropout, matmul'],
      ['MW301', 101, 'at B=2 and 32x32 images (5 tokens) the twelve blocks issue tiny kernels'],
      ['MW203', 101, 'residual add + norm2'],
      ['MW203', 102, 'residual add + the next norm1 / final norm'],
      ['MW202', 102, 'residual add after fc2 (the p=0 dropout between them runs no kernel)'],
      ['MW203', 154, 'position-embedding add + the first norm1 (p=0 dropout between)'],
    ],
    traps: [],
  },
};

describe('findings on the fixture models', () => {
  const results = new Map<string, readonly Finding[]>();
  const analyse = async (name: string): Promise<readonly Finding[]> => {
    const cached = results.get(name);
    if (cached) return cached;
    const text = readFileSync(path.join(MODELS, name), 'utf8');
    const findings = analyze(text, { parser: await testParser() }).findings;
    results.set(name, findings);
    return findings;
  };

  it('finds at least 90% of the reviewed findings', async () => {
    let found = 0;
    let total = 0;
    const missed: string[] = [];
    for (const [name, review] of Object.entries(REVIEWS)) {
      const findings = await analyse(name);
      for (const [code, line, why] of review.expected) {
        total++;
        if (findings.some((f) => f.code === code && f.span.startLine === line - 1)) found++;
        else missed.push(`${name}:${line} ${code} (${why})`);
      }
    }
    const recall = found / total;
    assert.ok(recall >= 0.9, `recall ${(recall * 100).toFixed(1)}% (${found}/${total}); missed:\n${missed.join('\n')}`);
  });

  it('reports nothing on trap lines', async () => {
    const problems: string[] = [];
    for (const [name, review] of Object.entries(REVIEWS)) {
      const findings = await analyse(name);
      for (const line of review.traps) {
        for (const f of findings.filter((f) => f.span.startLine === line - 1)) problems.push(`${name}:${line} ${f.code}: ${f.message}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('reviews every fixture model', async () => {
    const { readdirSync } = await import('node:fs');
    const models = readdirSync(MODELS).filter((name) => name.endsWith('.py')).sort();
    assert.deepEqual(models.filter((name) => !(name in REVIEWS)), [], 'a fixture model has no reviewed findings');
  });
});
