// The calibration bench is ready to run on a GPU: predictions for every case, and a Python script that compiles and validates them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CASES, snippetOf } from '../../bench/calibration/cases';
import { predictCases } from '../../bench/calibration/predict';
import { testParser } from '../helpers/parser';

const SCRIPT = path.join(__dirname, '../../bench/calibration/calibrate.py');
const scratch = mkdtempSync(path.join(tmpdir(), 'memwall-calibration-'));
// Keep __pycache__ out of the working tree.
const env = { ...process.env, PYTHONPYCACHEPREFIX: scratch };

describe('bench/calibration', () => {
  it('covers elementwise, norms, softmax, reductions, GEMMs of several shapes and SDPA, with unique names', () => {
    const groups = new Set(CASES.map((c) => c.group));
    for (const group of ['elementwise', 'norm', 'softmax', 'reduction', 'gemm', 'attention', 'copy']) assert.ok(groups.has(group), group);
    assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length);
    assert.ok(CASES.filter((c) => c.group === 'gemm').length >= 5);
    for (const c of CASES) assert.match(snippetOf(c), /\nout = .+\n$/);
  });

  it('predict.ts prices every case on the same snippet text; calibrate.py compiles and its --check accepts that output', async () => {
    const document = predictCases(await testParser(), 'h200');
    assert.equal(document.cases.length, CASES.length);
    for (const c of document.cases) {
      assert.ok(c.predictedUs !== null && c.predictedGpuUs !== null, `${c.name}: ${c.notes.join('; ')}`);
      assert.ok(c.predictedGpuUs >= 0 && c.predictedUs >= c.predictedGpuUs);
    }
    const byName = Object.fromEntries(document.cases.map((c) => [c.name, c]));
    // Spot checks by hand on H200 (η_m 0.85 × 4.8 TB/s): x + y on 8192² bf16 moves 3·2·8192² bytes.
    assert.ok(Math.abs((byName['add-bf16-64M']!.predictedGpuUs as number) - (6 * 8192 * 8192) / (0.85 * 4.8e12) * 1e6) < 1e-6);
    assert.equal(byName['add-bf16-tiny']!.bound, 'overhead');
    assert.equal(byName['linear-bf16-decode']!.bound, 'memory');
    assert.equal(byName['matmul-bf16-8192']!.bound, 'compute');
    assert.ok((byName['matmul-fp32-4096']!.predictedUs as number) > 5 * (byName['matmul-tf32-4096']!.predictedUs as number), 'TF32 is seen in the snippet');
    const good = path.join(scratch, 'predictions-h200.json');
    writeFileSync(good, JSON.stringify(document));
    const bad = path.join(scratch, 'broken.json');
    writeFileSync(bad, JSON.stringify({ ...document, cases: [{ ...document.cases[0], expr: 'x +' }] }));
    // One Python process (startup is slow on a busy machine): py_compile the script, then run its --check mode on
    // the predictions (no PyTorch, no GPU needed) and on a file with a broken snippet, which it must reject.
    const program = [
      'import py_compile, runpy, sys',
      'script, good, bad = sys.argv[1:4]',
      'py_compile.compile(script, doraise=True)',
      'main = runpy.run_path(script)["main"]',
      'assert main(["--predictions", good, "--check"]) == 0',
      'try:',
      '    main(["--predictions", bad, "--check"])',
      'except SyntaxError:',
      '    print("broken snippet rejected")',
      'else:',
      '    sys.exit("a broken snippet was accepted")',
    ].join('\n');
    const output = execFileSync('python3', ['-c', program, SCRIPT, good, bad], { env, encoding: 'utf8' });
    assert.match(output, new RegExp(`^${CASES.length} cases OK`));
    assert.match(output, /broken snippet rejected/);
  });
});
