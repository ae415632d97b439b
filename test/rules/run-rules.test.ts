// runRules on hand-built graphs: savings checked by hand, suppression, severities, torch.compile, fallbacks, ranking.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SyntheticGraph, EFFECTIVE_BANDWIDTH, LAUNCH_US } from './synthetic';
import { allRules, findRule } from '../../src/core/rules';
import { analyze } from '../../src/core/analyze';
import { testParser } from '../helpers/parser';

const SHAPE = [8, 1024, 768];
const BYTES = 8 * 1024 * 768 * 2; // one bf16 activation: 12,582,912 bytes

/** sigmoid(x) → * 2 → + 1 on lines 1..3, plus a big unrelated GEMM so the chain is a modest share of the forward. */
function chain(options: { repeat?: number; fusedBy?: 'torch.compile' | 'fallback' } = {}) {
  const g = new SyntheticGraph();
  const x = g.input(SHAPE);
  const a = g.op('torch.sigmoid', [x], { line: 1, ...options });
  const b = g.op('operator.mul', [g.out(a)], { line: 2, label: '*', ...options });
  const c = g.op('operator.add', [g.out(b)], { line: 3, label: '+', ...options });
  return { g, ops: [a, b, c] };
}

describe('MW201 unfused pointwise chain', () => {
  it('saves each intermediate written and read back, and one launch per fused op', () => {
    const { g, ops } = chain();
    const findings = g.run().filter((f) => f.code === 'MW201');
    assert.equal(findings.length, 1);
    const finding = findings[0]!;
    assert.deepEqual(finding.opIds, ops.map((op) => op.id));
    assert.equal(finding.span.startLine, 1);
    assert.equal(finding.kind, 'pointwise-chain');
    // Two intermediates, each written once and read once: 4 × 12,582,912 bytes.
    assert.equal(finding.bytesSaved, 4 * BYTES);
    const expectedUs = ((4 * BYTES) / EFFECTIVE_BANDWIDTH) * 1e6 + 2 * LAUNCH_US;
    assert.ok(Math.abs((finding.timeSavedUs ?? 0) - expectedUs) < 1e-9, `${finding.timeSavedUs} vs ${expectedUs}`);
    assert.match(finding.message, /3 pointwise ops in a row/);
    assert.match(finding.message, /12\.6 MB each/);
    assert.match(finding.message, /torch\.compile/);
    assert.equal(finding.severity, 'warning');
  });

  it('multiplies by the repeat count of a loop over layers', () => {
    const { g } = chain({ repeat: 12 });
    const finding = g.run().find((f) => f.code === 'MW201')!;
    assert.equal(finding.bytesSaved, 12 * 4 * BYTES);
    assert.match(finding.message, /×12/);
  });

  it('does not chain through an intermediate that has two readers', () => {
    const g = new SyntheticGraph();
    const x = g.input(SHAPE);
    const a = g.op('torch.sigmoid', [x], { line: 1 });
    const b = g.op('operator.mul', [g.out(a)], { line: 2 });
    g.op('torch.nn.functional.linear', [g.out(a), g.input([768, 768], 'self.w')], { line: 3, category: 'matmul' });
    assert.equal(b.inputs[0]!.id, a.outputs[0]!.id);
    assert.equal(g.run().filter((f) => f.code === 'MW201').length, 0);
  });

  it('follows views, which move no bytes', () => {
    const g = new SyntheticGraph();
    const x = g.input(SHAPE);
    const a = g.op('torch.sigmoid', [x], { line: 1 });
    const v = g.op('torch.Tensor.view', [g.out(a)], { line: 2, category: 'view' });
    const b = g.op('operator.mul', [g.out(v)], { line: 3 });
    const finding = g.run().find((f) => f.code === 'MW201')!;
    assert.deepEqual(finding.opIds, [a.id, b.id]);
    assert.equal(finding.bytesSaved, 2 * BYTES);
  });

  it('drops findings on fallback paths and turns compiled ones into hints that say Inductor fuses them', () => {
    assert.equal(chain({ fusedBy: 'fallback' }).g.run().filter((f) => f.code === 'MW201').length, 0);
    const compiled = chain({ fusedBy: 'torch.compile' }).g.run().find((f) => f.code === 'MW201')!;
    assert.equal(compiled.severity, 'hint');
    assert.match(compiled.message, /^Under torch\.compile: Inductor fuses/);
  });
});

describe('runRules', () => {
  it('honours # memwall: ignore[MW201] and # memwall: ignore on the finding line', () => {
    const one = chain();
    one.g.ignores.set(1, ['MW201']);
    assert.equal(one.g.run().filter((f) => f.code === 'MW201').length, 0);
    const other = chain();
    other.g.ignores.set(1, ['MW202']);
    assert.equal(other.g.run().filter((f) => f.code === 'MW201').length, 1);
    const all = chain();
    all.g.ignores.set(1, ['*']);
    assert.equal(all.g.run().filter((f) => f.span.startLine === 1).length, 0);
  });

  it('applies severity overrides, and off silences a rule', () => {
    assert.equal(chain().g.run({ MW201: 'off' }).filter((f) => f.code === 'MW201').length, 0);
    assert.equal(chain().g.run({ MW201: 'error' }).find((f) => f.code === 'MW201')!.severity, 'error');
  });

  it('downgrades a finding saving under 1% of its forward to a hint', () => {
    const { g, ops } = chain();
    // A 100 ms op in the same forward makes the ~25 µs saving about 0.025%.
    g.op('torch.nn.functional.linear', [g.out(ops[2]!), g.input([768, 100_000_000], 'self.w')], {
      line: 4,
      category: 'matmul',
      shape: [8, 1024, 100_000_000],
    });
    assert.equal(g.run().find((f) => f.code === 'MW201')!.severity, 'hint');
  });

  it('ranks findings by time saved, largest first', () => {
    const g = new SyntheticGraph();
    const small = g.input([1024, 768]);
    const big = g.input(SHAPE);
    const s1 = g.op('torch.sigmoid', [small], { line: 1 });
    g.op('operator.mul', [g.out(s1)], { line: 2 });
    const b1 = g.op('torch.sigmoid', [big], { line: 5 });
    g.op('operator.mul', [g.out(b1)], { line: 6 });
    const lines = g.run().filter((f) => f.code === 'MW201').map((f) => f.span.startLine);
    assert.deepEqual(lines, [5, 1]);
  });

  it('merges findings of one rule at one place (a module used twice) and adds up their savings', () => {
    const g = new SyntheticGraph();
    for (const input of [g.input(SHAPE), g.input(SHAPE)]) {
      const a = g.op('torch.sigmoid', [input], { line: 1 });
      g.op('operator.mul', [g.out(a)], { line: 2 });
    }
    const findings = g.run().filter((f) => f.code === 'MW201');
    assert.equal(findings.length, 1);
    assert.equal(findings[0]!.opIds.length, 4);
    assert.equal(findings[0]!.bytesSaved, 2 * 2 * BYTES);
    assert.match(findings[0]!.message, /runs at 2 places/);
  });

  it('prices a fusion as eager traffic minus one kernel reading its inputs once and writing its outputs once', () => {
    // x + y → layer_norm(sum) with the sum also read later: eager moves 3n (add) + 2n (norm); fused reads x, y and
    // writes the sum and the normalised output: 4n. The saving is the norm's re-read of the sum, n, and one launch.
    const g = new SyntheticGraph();
    const x = g.input(SHAPE);
    const y = g.input(SHAPE);
    const add = g.op('operator.add', [x, y], { line: 1 });
    const norm = g.op('torch.nn.functional.layer_norm', [g.out(add)], { line: 2, category: 'normalization' });
    g.op('operator.mul', [g.out(add), g.out(norm)], { line: 3 });
    const finding = g.run().find((f) => f.code === 'MW203')!;
    assert.deepEqual(finding.opIds, [add.id, norm.id]);
    assert.equal(finding.bytesSaved, BYTES);
    const expectedUs = (BYTES / EFFECTIVE_BANDWIDTH) * 1e6 + LAUNCH_US;
    assert.ok(Math.abs((finding.timeSavedUs ?? 0) - expectedUs) < 1e-9);
  });

  it('lists rules with unique codes, findable by code', () => {
    const codes = allRules().map((rule) => rule.code);
    assert.equal(new Set(codes).size, codes.length);
    assert.equal(findRule('mw201')?.name, 'unfused-pointwise-chain');
    assert.equal(findRule('MW000'), undefined);
  });
});

describe('MW101 memory-bound hotspot', () => {
  it('reports the costliest memory-bound ops of a forward, not every small one', () => {
    const g = new SyntheticGraph();
    const x = g.input(SHAPE);
    const norm = g.op('torch.nn.functional.layer_norm', [x], { line: 1, category: 'normalization', shape: [8, 1024, 3072] });
    // Forty tiny ops in the same forward (their result feeds the softmax): each far below 5% of its time.
    let v = g.input([64]);
    for (let i = 0; i < 40; i++) v = g.out(g.op('operator.mul', [v], { line: 10 + i, shape: [64] }));
    g.op('torch.softmax', [g.out(norm), v], { line: 2, category: 'softmax', shape: [8, 1024, 3072] });
    const hot = g.run().filter((f) => f.code === 'MW101');
    assert.deepEqual(hot.map((f) => f.span.startLine).sort(), [1, 2]);
    assert.equal(hot[0]!.severity, 'information');
    assert.match(hot[0]!.message, /memory-bound on Test GPU/);
  });
});

describe('MW301 host syncs', () => {
  it('counts a print as a sync only when it may print tensor data, not shapes, sizes or strings', async () => {
    const cases: [string, boolean][] = [
      ['print(y)', true],
      ['print(y.mean())', true],
      ['print(f"loss {loss}")', true],
      ['print("running")', false],
      ['print(f"shape {x.shape}")', false],
      ['print(x.shape, x.dtype)', false],
      ['print("a", y.size(0), flush=True)', false],
      ['print(len(xs), "items")', false],
    ];
    const parser = await testParser();
    for (const [line, expected] of cases) {
      // The print runs in a forward, where the interpreter knows which names hold tensors.
      const text = [
        'import torch',
        'import torch.nn as nn',
        'class Head(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.proj = nn.Linear(64, 64)',
        '    def forward(self, x):',
        '        y = self.proj(x)',
        '        loss = y.sum()',
        '        xs = [x, y]',
        `        ${line}`,
        '        return y',
        'if __name__ == "__main__":',
        '    Head()(torch.randn(8, 64))',
      ].join('\n');
      const syncs = analyze(text, { parser }).findings.filter((f) => f.code === 'MW301' && f.span.startLine === 10);
      assert.equal(syncs.length > 0, expected, line);
    }
  });
});
