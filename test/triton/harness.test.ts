// Harness code around a kernel (a test, a perf_report benchmark, the __main__ check) draws no fusion warnings; the
// model code beside it still does, and the kernel is priced wherever it is launched.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import { testParser } from '../helpers/parser';
import { FIXTURES } from './helpers';

describe('a kernel file with its harness', () => {
  it('gives the test and the __main__ block hints at most, and the model function its warning', async () => {
    const text = readFileSync(path.join(FIXTURES, 'harness.py'), 'utf8');
    const analysis = analyze(text, { parser: await testParser(), gpu: 'h100-sxm', dtype: 'bf16' });
    const lines = text.split('\n');
    const lineOf = (pattern: RegExp): number => lines.findIndex((line) => pattern.test(line));
    const model = lineOf(/return torch\.tanh\(h \* alpha\)/);
    const harness = [lineOf(/x = -2\.3 \+ 0\.5/), lineOf(/expected = \(x \+ y\) \* 2 - 1/), lineOf(/print\(\(add\(x, y\)/)];
    const serious = analysis.findings.filter((f) => f.severity === 'warning' || f.severity === 'error');
    assert.deepEqual(serious.map((f) => [f.code, f.span.startLine]), [['MW201', model]]);
    for (const line of harness) {
      for (const finding of analysis.findings.filter((f) => f.span.startLine === line)) {
        assert.equal(finding.severity, 'hint', finding.message);
        assert.match(finding.message, /^In (a test|a `__main__` block)/);
      }
    }
    // The launch inside add() is model code, whoever calls it: priced, its op not marked as harness.
    const launches = analysis.costs.filter((c) => c.node.label === 'add_kernel');
    assert.ok(launches.length >= 2);
    for (const launch of launches) {
      assert.equal(launch.node.harness, undefined);
      assert.equal(launch.flops, 16777216);
    }
  });
});
