// Grouped-query attention's repeated K and V heads (litgpt's expand + reshape): each copy alone saves under 1% of a
// Llama-3-8B-sized forward, but one change (enable_gqa=True) removes both, so both are warnings that say so; the
// trap twin is the same code at a multi-head config, where the reshapes are views and nothing is said.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import type { Analysis } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'published');

async function analyzeFixture(name: string): Promise<Analysis> {
  return analyze(readFileSync(path.join(FIXTURES, name), 'utf8'), { parser: await testParser() });
}

// B = 8, T = 1024 (defaults by role), 8 KV groups of 4 query heads of 128, bf16: the expanded source is
// 8·8·1024·128·2 B = 16.8 MB, the repeated copy 8·32·1024·128·2 B = 67.1 MB. Removing the copy saves its own
// traffic (the expanded view read, 67.1 MB, and the copy written, 67.1 MB) and the consumer's read of the repeated
// tensor instead of the source (67.1 − 16.8 MB): 184.5 MB per layer, ×32 layers.
const SOURCE = 8 * 8 * 1024 * 128 * 2;
const REPEATED = 8 * 32 * 1024 * 128 * 2;
const SAVED = 32 * (2 * REPEATED + REPEATED - SOURCE);

describe('repeated K and V heads of one grouped-query attention', () => {
  it('reports both copies as warnings, weighed together against the 1% floor', async () => {
    const analysis = await analyzeFixture('gqa_block.py');
    const findings = analysis.findings.filter((f) => f.code === 'MW102');
    assert.deepEqual(findings.map((f) => f.span.startLine + 1), [44, 45]);
    for (const finding of findings) {
      assert.equal(finding.severity, 'warning');
      assert.equal(finding.bytesSaved, SAVED);
      // Alone each is under 1% of the forward; the pair's saving is what the floor weighs.
      assert.match(finding.message, /\(×32, 0\.\d% of the forward\)/);
      assert.match(finding.message, /The same attention reads [kv]\.reshape \(copies: input not contiguous\) \(line 4[45]\), repeated too; one change removes both: together ≈ /);
    }
    const [k, v] = findings;
    assert.ok(k?.timeSavedUs && v?.timeSavedUs);
    const together = (k.timeSavedUs + v.timeSavedUs) / 1000;
    assert.ok(k.message.includes(`together ≈ ${together.toFixed(2)} ms per forward`), k.message);
  });

  it('says nothing at a multi-head config, where the reshapes are views (trap twin)', async () => {
    const analysis = await analyzeFixture('gqa_block_trap.py');
    // No expand runs, so nothing is repeated (whether the reshape of a split's [B, H, 1, T, hs] is priced as a view is
    // the layout's business, not this rule's).
    assert.deepEqual(analysis.findings.filter((f) => f.code === 'MW102'), []);
    assert.equal(analysis.costs.filter((cost) => cost.node.op === 'torch.Tensor.expand').length, 0);
  });
});
