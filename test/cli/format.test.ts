// The report formats on a hand-built Analysis: units, lines 1-based, unknown figures shown as unknown, never zero.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatJson, toJsonReport } from '../../src/cli/format/json';
import { formatText } from '../../src/cli/format/text';
import { formatBytes, formatFlops, formatIntensity, formatShare, formatTime } from '../../src/cli/units';
import { fixtureAnalysis, GELU_BYTES, LINEAR_FLOPS } from './fixture-analysis';

const reports = () => [{ path: 'examples/mlp.py', analysis: fixtureAnalysis() }];

describe('units', () => {
  // The spelling itself belongs to core/format and is tested there; the CLI adds exact zeros and shares.
  it('writes an exact zero FLOP count as 0 and an unknown one as unknown', () => {
    assert.equal(formatFlops(0), '0');
    assert.equal(formatFlops(null), 'unknown');
    assert.equal(formatFlops(LINEAR_FLOPS), '38.7 GFLOP');
  });
  it('writes shares with one decimal so small classes stay visible', () => {
    assert.equal(formatShare(0.0017), '0.2%');
    assert.equal(formatShare(0.61), '61.0%');
  });
  it('keeps unknown figures unknown', () => {
    assert.equal(formatBytes(null), 'unknown');
    assert.equal(formatTime(null), 'unknown');
    assert.equal(formatIntensity(null), 'unknown');
    assert.equal(formatBytes(GELU_BYTES), '100.7 MB'); // 100,663,296 B in decimal units
  });
});

describe('text report', () => {
  const text = formatText(reports());
  const lines = text.split('\n');
  const row = (label: string) => lines.find((line) => line.trimStart().startsWith(label)) ?? '';
  /** A table row's cells: columns are separated by at least two spaces. */
  const cells = (label: string) => row(label).trim().split(/\s{2,}/);

  it('names the file, GPU and dtype', () => {
    assert.match(lines[0]!, /^examples\/mlp\.py — NVIDIA H100 SXM \(h100-sxm\), bf16$/);
  });
  it('has one row per op with 1-based line, FLOPs, bytes, intensity, time, bound and repeat', () => {
    assert.deepEqual(cells('self.c_fc'),
      ['self.c_fc', '10', '38.7 GFLOP', '67.6 MB', '571', '56 µs', 'compute', '×12']);
    assert.deepEqual(cells('F.gelu'),
      ['F.gelu', '11', '201.3 MFLOP', '100.7 MB', '2.0', '38 µs', 'memory', '×12']);
  });
  it('shows an unpriced op as unknown, not as zero', () => {
    assert.deepEqual(cells('custom_op'),
      ['custom_op', '12', 'unknown', 'unknown', 'unknown', 'unknown', 'unknown']);
  });
  it('marks an op on a fallback path as left out of the totals', () => {
    const analysis = fixtureAnalysis();
    const costs = analysis.costs.map((cost) => (cost.node.label === 'F.gelu' ? { ...cost, node: { ...cost.node, fusedBy: 'fallback' as const } } : cost));
    const fallbackText = formatText([{ path: 'a.py', analysis: { ...analysis, costs } }]);
    assert.match(fallbackText, /F\.gelu .* memory \(fallback path, not counted\) +×12/);
    const json = JSON.parse(formatJson([{ path: 'a.py', analysis: { ...analysis, costs } }]));
    assert.deepEqual(json.files[0].ops.map((op: { fusedBy: string | null }) => op.fusedBy), [null, 'fallback', null, null]);
  });
  it('names free ops (views) in one line instead of a row of zeros', () => {
    assert.equal(row('y.view'), '');
    assert.match(text, /^ {2}Free \(no FLOPs, no DRAM traffic\): y\.view \(13\)$/m);
  });
  it('summarises total time, bound shares and the FLOP-vs-time class table', () => {
    assert.match(text, /≈ 1\.13 ms per call/); // 12 × (56.1 + 38.2) µs
    assert.match(text, /time memory-bound 41% · compute-bound 59% · overhead-bound 0%/);
    assert.match(text, /1 op not priced/);
    assert.deepEqual(cells('contraction'), ['contraction', '463.9 GFLOP', '99.5%', '673 µs', '59.5%']);
  });
  it('lists assumptions with their sources, GPU figures included', () => {
    assert.match(text, /B = 8 {2}\(magic comment \(line 1\)\)/);
    assert.match(text, /T = 1024 {2}\(--dims\)/);
    assert.match(text, /bandwidth 3\.35 TB\/s {2}\(/);
  });
  it('lists findings in line order with their savings', () => {
    const first = text.indexOf('MW202');
    const second = text.indexOf('MW901');
    assert.ok(first > 0 && second > first);
    assert.match(text, /11:13 {2}warning MW202 GELU after c_fc .* \[saves 1\.21 GB, ≈ 381 µs\]/);
  });
  it('prints notes', () => {
    assert.match(text, /MW902 The file has syntax errors/);
    assert.match(text, /12: custom_op: unknown op mylib\.custom_op/);
  });
});

describe('JSON report version 1', () => {
  const json = JSON.parse(formatJson(reports()));

  it('has the documented top level', () => {
    assert.equal(json.version, 1);
    assert.equal(json.files.length, 1);
    const file = json.files[0];
    for (const key of ['path', 'gpu', 'dtype', 'assumptions', 'ops', 'findings', 'summary']) assert.ok(key in file, key);
    assert.equal(file.path, 'examples/mlp.py');
    assert.equal(file.gpu, 'h100-sxm');
    assert.equal(file.dtype, 'bf16');
    assert.deepEqual(file.assumptions[0], { symbol: 'B', value: 8, source: 'magic comment (line 1)' });
  });
  it('gives ops with 1-based lines and numeric figures', () => {
    const [linear, gelu, mystery, view] = json.files[0].ops;
    assert.deepEqual([view.flops, view.bytes, view.timeUs], [0, 0, 0], 'JSON keeps every op, free ones included');
    assert.deepEqual(
      { op: gelu.op, category: gelu.category, line: gelu.line, endLine: gelu.endLine, scope: gelu.scope, repeat: gelu.repeat, flops: gelu.flops, bytes: gelu.bytes, intensity: gelu.intensity, timeUs: gelu.timeUs, bound: gelu.bound },
      { op: 'torch.nn.functional.gelu', category: 'pointwise', line: 11, endLine: 11, scope: 'MLP.forward', repeat: 12, flops: 201_326_592, bytes: 100_663_296, intensity: 2, timeUs: 38.2, bound: 'memory' },
    );
    assert.equal(linear.flops, LINEAR_FLOPS);
    assert.equal(linear.bound, 'compute');
    for (const figure of ['flops', 'bytes', 'intensity', 'timeUs']) assert.equal(mystery[figure], null, figure);
    assert.equal(mystery.bound, 'unknown');
  });
  it('gives findings with code, kind, severity, lines, message and savings (null when unknown)', () => {
    const [fusion, note] = json.files[0].findings;
    assert.deepEqual(fusion, {
      code: 'MW202', kind: 'matmul-epilogue', severity: 'warning', line: 11, endLine: 11, column: 13, endColumn: 22,
      message: 'GELU after c_fc re-reads the GEMM output: fuse it as the epilogue.', bytesSaved: GELU_BYTES * 12, timeSavedUs: 380.5,
    });
    assert.equal(note.bytesSaved, null);
    assert.equal(note.timeSavedUs, null);
  });
  it('carries the summary', () => {
    const summary = json.files[0].summary;
    assert.equal(summary.total.unpricedOps, 1);
    assert.equal(summary.classes[0].opClass, 'contraction');
  });
  it('round-trips: the object and its text agree', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(toJsonReport(reports()))), json);
  });
});
