// A norm layer analysed on its own (litgpt's RMSNorm(size)): its input is learned from the per-feature weight it is
// scaled by, and its `size` takes the model width by default; against hand computations, with the trap twin.
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

// x = [8, 1024, 768] bf16: 6,291,456 elements.
const ELEMENTS = 8 * 1024 * 768;

describe('a norm layer analysed alone', () => {
  it('learns x = [B, T, size] from x_normed * weight.float() and prices every op', async () => {
    const analysis = await analyzeFixture('norm_alone.py');
    const input = analysis.graph.inputs.find((i) => i.scope === 'RMSNorm.forward' && i.name === 'x');
    assert.deepEqual(input?.shape?.map((d) => (d.kind === 'sym' ? d.name : d.kind)), ['B', 'T', 'size']);
    assert.match(input?.source ?? '', /mul with a per-feature vector\) at line 23/);
    assert.deepEqual(analysis.assumptions.find((a) => a.symbol === 'size'), { symbol: 'size', value: 768, source: 'default: model width of ViT-B/16, BERT-base and GPT-2 small' });
    assert.ok(analysis.costs.every((cost) => cost.node.category === 'view' || cost.flops !== null), 'every op priced');
    // x.float(): the bf16 input read (2 B each), the fp32 copy written (4 B each).
    const upcast = analysis.costs.find((cost) => cost.node.label === 'x.float');
    assert.equal(upcast?.bytesRead, ELEMENTS * 2);
    assert.equal(upcast?.bytesWritten, ELEMENTS * 4);
    // torch.mean(x * x, dim=-1, keepdim=True): one add per element, [8, 1024, 1] fp32 written.
    const mean = analysis.costs.find((cost) => cost.node.op === 'torch.mean');
    assert.equal(mean?.flops, ELEMENTS);
    assert.equal(mean?.bytesWritten, 8 * 1024 * 4);
    assert.ok(analysis.findings.some((f) => f.code === 'MW204' && f.severity === 'warning' && f.bytesSaved !== null));
  });

  it('learns nothing from a scalar gain, and gives a benchmark function\'s size no width (trap twin)', async () => {
    const analysis = await analyzeFixture('norm_alone_trap.py');
    const input = analysis.graph.inputs.find((i) => i.scope === 'ScaleNorm.forward' && i.name === 'x');
    assert.equal(input?.shape ?? null, null);
    assert.equal(analysis.assumptions.find((a) => a.symbol === 'size'), undefined);
  });
});
