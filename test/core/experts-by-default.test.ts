// Mixture-of-experts layers from a config whose defaults describe a dense model (`n_expert: int = 0`): priced with
// Mixtral-8x7B's 8 experts and 2 per token, said as an assumption, and each expert's GEMMs on the tokens a one-hot
// routing mask sends it; against hand computations, with the trap twin where the zeros and the masks mean otherwise.
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

function opsAt(analysis: Analysis, line: number): CostedOp[] {
  return analysis.costs.filter((cost) => cost.node.span.startLine + 1 === line);
}

// B = 8 sequences of T = 1024 tokens (defaults by role): 8192 tokens, each routed to 2 of 8 experts, so each expert
// gets 8192 · 2 / 8 = 2048 tokens on average.
const TOKENS = 8 * 1024;
const PER_EXPERT = (TOKENS * 2) / 8;

describe('mixture-of-experts layers whose config defaults to no experts', () => {
  it('prices 8 experts and 2 per token, and says why', async () => {
    const analysis = await analyzeFixture('moe_dense_default.py');
    const experts = analysis.assumptions.find((a) => a.symbol === 'n_expert');
    assert.equal(experts?.value, 8);
    assert.match(experts?.source ?? '', /Config\.n_expert defaults to 0, which leaves this layer without experts; priced at 8 \(the experts of Mixtral-8x7B\); set --dims n_expert=N/);
    const perToken = analysis.assumptions.find((a) => a.symbol === 'n_expert_per_token');
    assert.equal(perToken?.value, 2);
    assert.match(perToken?.source ?? '', /defaults to 0, which routes each token to no expert/);
    // The router: [8192, 1024] × [1024, 8], no bias.
    const [gate] = opsAt(analysis, 43);
    assert.equal(gate?.flops, 2 * TOKENS * 1024 * 8);
  });

  it('sizes torch.where of a one-hot routing mask (litgpt: indices.unsqueeze(-1) == torch.arange(E))', async () => {
    const analysis = await analyzeFixture('moe_dense_default.py');
    const [where] = opsAt(analysis, 50);
    assert.equal(where?.node.op, 'torch.nonzero');
    assert.equal(where?.repeat, 8);
    assert.deepEqual(where?.inputShapes, [[TOKENS, 2]]);
    assert.deepEqual(where?.outputShapes, [[PER_EXPERT], [PER_EXPERT]]);
    // One compare per mask element; the bool mask read once, two int64 index tensors written.
    assert.equal(where?.flops, TOKENS * 2);
    assert.equal(where?.bytesRead, TOKENS * 2);
    assert.equal(where?.bytesWritten, 2 * PER_EXPERT * 8);
    // Index tensors broadcast together: probs[token_idx, expert_idx, None] is [2048, 1], not [2048, 2048, 1].
    const gathered = opsAt(analysis, 51).find((cost) => cost.node.label.startsWith('probs['));
    assert.deepEqual(gathered?.outputShapes, [[PER_EXPERT, 1]]);
    // Each expert's fc_1 on its tokens: 2 · 2048 · 1024 · 2816, eight times (once per expert, in both MoE layers).
    const fc1 = opsAt(analysis, 27);
    assert.equal(fc1.length, 2);
    for (const cost of fc1) {
      assert.deepEqual(cost.inputShapes[0], [PER_EXPERT, 1024]);
      assert.equal(cost.flops, 2 * PER_EXPERT * 1024 * 2816);
      assert.equal(cost.repeat, 8);
    }
  });

  it('sizes torch.where of F.one_hot(...).permute(2, 1, 0)[expert_idx] (transformers Mixtral)', async () => {
    const analysis = await analyzeFixture('moe_dense_default.py');
    const [where] = opsAt(analysis, 76).filter((cost) => cost.node.op === 'torch.nonzero');
    // The int64 one-hot [2, 8192] of one expert: read once (131,072 B), 2048 ones on average.
    assert.deepEqual(where?.inputShapes, [[2, TOKENS]]);
    assert.equal(where?.bytesRead, 2 * TOKENS * 8);
    assert.deepEqual(where?.outputShapes, [[PER_EXPERT], [PER_EXPERT]]);
    const added = opsAt(analysis, 79)[0];
    assert.deepEqual(added?.inputShapes, [[TOKENS, 1024], [PER_EXPERT], [PER_EXPERT, 1024]]);
  });

  it('finds the per-expert loop and the SwiGLU of each expert', async () => {
    const analysis = await analyzeFixture('moe_dense_default.py');
    const codes = analysis.findings.map((f) => `${f.code} ${f.span.startLine + 1} ${f.severity}`);
    assert.ok(codes.includes('MW301 50 warning'), codes.join(', '));
    assert.ok(codes.includes('MW207 29 warning'), codes.join(', '));
  });

  it('keeps a zero that means no head, and leaves masks it cannot count unsized (trap twin)', async () => {
    const analysis = await analyzeFixture('moe_dense_default_trap.py');
    // num_classes = 0 is timm's headless model: no role default replaces it, and the head is nn.Identity.
    assert.equal(analysis.assumptions.find((a) => a.symbol === 'num_classes'), undefined);
    assert.deepEqual(opsAt(analysis, 23).map((cost) => cost.node.op).sort(), ['torch.nn.Identity', 'torch.nn.Linear']);
    // torch.where(h > 0) and torch.nonzero of an elementwise comparison: how many are true only the data says.
    const [where] = opsAt(analysis, 34).filter((cost) => cost.node.op === 'torch.nonzero');
    assert.equal(where?.flops, null);
    assert.deepEqual(where?.outputShapes, [null, null]);
    const [rows] = opsAt(analysis, 37);
    assert.equal(rows?.node.op, 'torch.nonzero');
    assert.equal(rows?.bytes, null);
    // torch.where with three arguments stays elementwise: [8192, 768] selected, 1 per element.
    const select = opsAt(analysis, 38).find((cost) => cost.node.op === 'torch.where');
    assert.equal(select?.flops, TOKENS * 768);
  });
});
