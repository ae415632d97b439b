// The calibration bench is ready to run on a GPU: the Python script compiles and validates every case's snippet.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CASES, snippetOf } from '../../bench/calibration/cases';

const SCRIPT = path.join(__dirname, '../../bench/calibration/calibrate.py');
const scratch = mkdtempSync(path.join(tmpdir(), 'memwall-calibration-'));
// Keep __pycache__ out of the working tree.
const env = { ...process.env, PYTHONPYCACHEPREFIX: scratch };

describe('bench/calibration', () => {
  it('calibrate.py compiles (python3 -m py_compile)', () => {
    execFileSync('python3', ['-m', 'py_compile', SCRIPT], { env, stdio: 'pipe' });
  });

  it('covers elementwise, norms, softmax, reductions, GEMMs of several shapes and SDPA, with unique names', () => {
    const groups = new Set(CASES.map((c) => c.group));
    for (const group of ['elementwise', 'norm', 'softmax', 'reduction', 'gemm', 'attention', 'copy']) assert.ok(groups.has(group), group);
    assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length);
    assert.ok(CASES.filter((c) => c.group === 'gemm').length >= 5);
    for (const c of CASES) assert.match(snippetOf(c), /\nout = .+\n$/);
  });

  it('validates a predictions file and every snippet with --check, without PyTorch or a GPU', () => {
    const file = path.join(scratch, 'predictions.json');
    const cases = CASES.map((c) => ({ name: c.name, group: c.group, setup: c.setup, expr: c.expr, predictedUs: null, predictedGpuUs: null }));
    writeFileSync(file, JSON.stringify({ version: 1, gpu: 'h200', dtype: 'bf16', cases }));
    const output = execFileSync('python3', [SCRIPT, '--predictions', file, '--check'], { env, encoding: 'utf8' });
    assert.match(output, new RegExp(`^${CASES.length} cases OK`));
    writeFileSync(file, JSON.stringify({ version: 1, gpu: 'h200', cases: [{ ...cases[0], expr: 'x +' }] }));
    assert.throws(() => execFileSync('python3', [SCRIPT, '--predictions', file, '--check'], { env, stdio: 'pipe' }));
  });
});
