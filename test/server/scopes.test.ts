// The figures a code lens and a def hover give: a root's forward is the whole forward, layers included; a function
// that several roots run is figured per call of one of them (test/fixtures/published/task_heads.py: two task heads).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import type { Analysis } from '../../src/core/ir/types';
import { scopeFigures, scopeLine } from '../../src/server/scopes';
import { testParser } from '../helpers/parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'published');

describe('scope figures for lenses and hovers', () => {
  let heads: Analysis;
  let single: Analysis;
  before(async () => {
    const parser = await testParser();
    heads = analyze(readFileSync(path.join(FIXTURES, 'task_heads.py'), 'utf8'), { parser });
    single = analyze(readFileSync(path.join(FIXTURES, 'task_heads_trap.py'), 'utf8'), { parser });
  });

  it("gives a root's forward the whole forward's figures, the layers it calls included", () => {
    const lm = scopeFigures(heads).find((figures) => figures.info.name === 'TinyForCausalLM.forward');
    const root = heads.summary.roots?.find((summary) => summary.scope === 'TinyForCausalLM');
    assert.ok(lm && root);
    assert.equal(lm.whole, true);
    assert.equal(lm.summary.timeUs, root.timeUs);
    assert.equal(lm.summary.flops, root.flops);
    // Its own body holds only lm_head; the whole forward adds the embedding, 2 layers' ops and their GEMMs.
    assert.ok(lm.ops > 2, `${lm.ops} ops`);
    assert.match(scopeLine(lm, 'NVIDIA H100 SXM'), /^≈ [\d.]+ µs on NVIDIA H100 SXM · \d+% of time memory-bound · whole forward, its layers included · 2 fusions save ≈ [\d.]+ µs$/);
  });

  it('figures a layer both heads run per call of one head, not the two added up', () => {
    const layer = (analysis: Analysis) => scopeFigures(analysis).find((figures) => figures.info.name === 'TinyLayer.forward');
    const shared = layer(heads);
    const alone = layer(single);
    assert.ok(shared && alone);
    assert.equal(shared.whole, undefined);
    // The same layer in both files: 2 layers × (sigmoid, *, *, +) in one forward.
    assert.equal(shared.ops, alone.ops);
    assert.ok(Math.abs(shared.summary.timeUs - alone.summary.timeUs) < 1e-9);
    const both = heads.summary.scopes.find((scope) => scope.scope === 'TinyLayer.forward')?.timeUs ?? 0;
    assert.ok(Math.abs(both - 2 * alone.summary.timeUs) < 1e-9, `${both} vs 2 × ${alone.summary.timeUs}`);
  });
});
