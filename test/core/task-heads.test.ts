// Several roots in one file are several forwards (a causal-LM head and a classification head over one trunk): each
// gets its own figures per call, a finding in the code they share saves what it saves in one of them, and the trap
// twin with one head keeps the single per-call headline. Figures by hand: B = 8, T = 1,024 (defaults), hidden 256.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { toJsonReport } from '../../src/cli/format/json';
import { formatText } from '../../src/cli/format/text';
import { analyze } from '../../src/core/analyze';
import { chartDataFromAnalysis } from '../../src/core/chart';
import { separateRoots } from '../../src/core/cost/summary';
import type { Analysis } from '../../src/core/ir/types';
import { reportSection } from '../../src/core/report/markdown';
import { testParser } from '../helpers/parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'published');

async function analysisOf(name: string): Promise<Analysis> {
  return analyze(readFileSync(path.join(FIXTURES, name), 'utf8'), { parser: await testParser() });
}

// Per layer up and down: 2·8192·256·1024 each; two layers. The heads: lm_head 2·8192·256·32000, score on the last
// token 2·8·256·3.
const TRUNK_GEMM_FLOPS = 4 * 2 * 8192 * 256 * 1024;
const LM_HEAD_FLOPS = 2 * 8192 * 256 * 32000;
const SCORE_FLOPS = 2 * 8 * 256 * 3;

describe('task heads: one figure per root', () => {
  let heads: Analysis;
  let single: Analysis;
  before(async () => {
    heads = await analysisOf('task_heads.py');
    single = await analysisOf('task_heads_trap.py');
  });

  it('sums each root on its own, in run order, and the total is their sum', () => {
    const roots = heads.summary.roots ?? [];
    assert.deepEqual(roots.map((root) => root.scope), ['TinyForSequenceClassification', 'TinyForCausalLM']);
    const [classifier, lm] = roots;
    assert.ok(classifier && lm);
    assert.equal(lm.flops - classifier.flops, LM_HEAD_FLOPS - SCORE_FLOPS);
    assert.equal(heads.summary.total.flops, classifier.flops + lm.flops);
    assert.ok(Math.abs(heads.summary.total.timeUs - classifier.timeUs - lm.timeUs) < 1e-9);
    const gemms = (scope: string) =>
      heads.costs.filter((cost) => cost.node.category === 'matmul' && cost.node.scope === scope).reduce((sum, cost) => sum + (cost.flops ?? 0) * cost.repeat, 0);
    assert.equal(gemms('TinyMLP.forward'), 2 * TRUNK_GEMM_FLOPS, 'the trunk runs once in each head');
    assert.equal(separateRoots(heads.summary).length, 2);
  });

  it('counts a finding in the shared trunk once per call of one head, not once per head', () => {
    const chain = (analysis: Analysis) => analysis.findings.find((finding) => finding.code === 'MW201');
    const shared = chain(heads);
    const alone = chain(single);
    assert.ok(shared && alone);
    assert.equal(shared.bytesSaved, alone.bytesSaved);
    assert.equal(shared.timeSavedUs, alone.timeSavedUs);
    // 2 intermediates of [8, 1024, 256] bf16 written and read back, in each of 2 layers: 2·2·2·4,194,304 B.
    assert.equal(alone.bytesSaved, 2 * 2 * 2 * 8 * 1024 * 256 * 2);
    assert.match(shared.message, /the same code runs in 2 roots, each a forward of its own: TinyForSequenceClassification, TinyForCausalLM; the saving is per call of one\)$/);
    assert.doesNotMatch(alone.message, /roots/);
  });

  it('says whose each op is, in the JSON and in the text report', () => {
    const [file] = toJsonReport([{ path: 'task_heads.py', analysis: heads }]).files;
    assert.ok(file);
    assert.deepEqual([...new Set(file.ops.map((op) => op.root))].sort(), ['TinyForCausalLM', 'TinyForSequenceClassification']);
    assert.deepEqual(file.summary.roots.map((root) => root.scope), ['TinyForSequenceClassification', 'TinyForCausalLM']);
    const text = formatText([{ path: 'task_heads.py', analysis: heads }]);
    assert.match(text, /2 roots, each a forward of its own \(`--entry NAME` analyses one\); one call of each:/);
    assert.match(text, /all 2 together: ≈ /);
    assert.doesNotMatch(text, / per call · /);
    assert.match(reportSection('task_heads.py', heads), /\*\*2 roots\*\*, each a forward of its own/);
  });

  it('gives each point of the roofline its share of its own head\'s time', () => {
    const lmHead = heads.costs.find((cost) => cost.node.label === 'self.lm_head');
    const point = chartDataFromAnalysis(heads).points.find((p) => p.label === 'self.lm_head');
    const lm = heads.summary.roots?.find((root) => root.scope === 'TinyForCausalLM');
    assert.ok(lmHead?.timeUs && point && lm);
    assert.ok(Math.abs(point.share - lmHead.timeUs / lm.timeUs) < 1e-12);
    assert.ok(point.share > lmHead.timeUs / heads.summary.total.timeUs);
  });

  it('keeps one root\'s report per call (the trap twin)', () => {
    assert.deepEqual((single.summary.roots ?? []).map((root) => root.scope), ['TinyForCausalLM']);
    assert.equal(separateRoots(single.summary).length, 0);
    const text = formatText([{ path: 'task_heads_trap.py', analysis: single }]);
    assert.match(text, /≈ [\d.]+ µs per call · /);
    assert.doesNotMatch(text, /roots, each a forward/);
    const [file] = toJsonReport([{ path: 'task_heads_trap.py', analysis: single }]).files;
    assert.ok(file?.ops.every((op) => op.root === 'TinyForCausalLM'));
  });
});
