// The MW4xx rules on their annotated fixtures (`# expect: MW4xx` / `# ok` lines), and their costs by hand.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { chartDataFromAnalysis } from '../../src/core/chart/data';
import { hoverMarkdown } from '../../src/server/hover';
import { analyzeText } from './helpers';

const RULE_FIXTURES = path.join(__dirname, '..', 'fixtures', 'rules');
const files = readdirSync(RULE_FIXTURES).filter((f) => /^MW4\d\d-.*\.py$/.test(f) && !/\.(in|out)\.py$/.test(f)).sort();

async function findingsOf(file: string) {
  const text = readFileSync(path.join(RULE_FIXTURES, file), 'utf8');
  const analysis = await analyzeText(text, 'bf16');
  return { text, analysis };
}

describe('MW4xx rules on their annotated fixtures', () => {
  it('has a fixture for each of MW401..MW408', () => {
    assert.deepEqual(files.map((f) => f.slice(0, 5)), ['MW401', 'MW402', 'MW403', 'MW404', 'MW405', 'MW406', 'MW407', 'MW408']);
  });
  for (const file of files) {
    const code = file.slice(0, 5);
    it(`${file}: ${code} on every '# expect' line and nowhere else`, async () => {
      const { text, analysis } = await findingsOf(file);
      const lines = text.split('\n');
      const expected = lines.flatMap((line, i) => (new RegExp(`# expect: .*${code}`).test(line) ? [i] : []));
      const ok = lines.flatMap((line, i) => (/# ok\b/.test(line) ? [i] : []));
      assert.ok(expected.length > 0 && ok.length > 0, 'the fixture tags both cases');
      const found = analysis.findings.filter((f) => f.code === code).map((f) => f.span.startLine);
      assert.deepEqual([...new Set(found)].sort((a, b) => a - b), expected, analysis.findings.map((f) => `${f.code}@${f.span.startLine}: ${f.message}`).join('\n'));
      for (const line of ok) assert.ok(!found.includes(line), `line ${line + 1} is tagged ok`);
    });
  }
});

describe('MW4xx costs, by hand', () => {
  it('MW401: the layer norm re-reads X twice: 2·M·N·2 bytes saved', async () => {
    const { analysis } = await findingsOf('MW401-triton-multi-pass-reread.py');
    const finding = analysis.findings.find((f) => f.code === 'MW401')!;
    assert.equal(finding.bytesSaved, 2 * 4096 * 8192 * 2);
    assert.ok(finding.timeSavedUs! > 0);
    assert.match(finding.message, /loads X again/);
  });

  it('MW402: the 2^26-element bf16 intermediate is written and read once: 2·2^26·2 bytes and a launch saved', async () => {
    const { analysis } = await findingsOf('MW402-triton-intermediate-round-trip.py');
    const finding = analysis.findings.find((f) => f.code === 'MW402')!;
    assert.equal(finding.bytesSaved, 2 * 2 ** 26 * 2);
    const bandwidth = analysis.hardware.memoryEfficiency.value * analysis.hardware.bandwidth.value;
    const expected = ((2 * 2 ** 26 * 2) / bandwidth + analysis.hardware.launchOverhead.value) * 1e6;
    assert.ok(Math.abs(finding.timeSavedUs! - expected) < 1e-6, `${finding.timeSavedUs} vs ${expected}`);
  });

  it('MW403: x (16384×4096 bf16) is read once instead of twice', async () => {
    const { analysis } = await findingsOf('MW403-triton-launches-share-input.py');
    const finding = analysis.findings.find((f) => f.code === 'MW403')!;
    assert.equal(finding.bytesSaved, 16384 * 4096 * 2);
  });

  it('MW404: the ieee dot is priced on the fp32 vector unit; TF32 tensor cores would take 2·4096³ / (η·TF32 peak)', async () => {
    const { analysis } = await findingsOf('MW404-triton-fp32-dot-without-tensor-cores.py');
    const finding = analysis.findings.find((f) => f.code === 'MW404')!;
    const cost = analysis.costs.find((c) => c.node.span.startLine === finding.span.startLine && c.node.category === 'triton_kernel')!;
    assert.equal(cost.unit, 'vector');
    const hw = analysis.hardware;
    const tf32 = (2 * 4096 ** 3) / (hw.computeEfficiency.value * hw.tensorPeak.tf32!.value);
    const memory = cost.bytes! / (hw.memoryEfficiency.value * hw.bandwidth.value);
    const after = (Math.max(tf32, memory) + hw.launchOverhead.value) * 1e6;
    assert.ok(Math.abs(finding.timeSavedUs! - (cost.timeUs! - after)) < 1e-6);
    assert.equal(finding.bytesSaved, 0);
  });

  it('MW404 trap: the default dot (input_precision="tf32") is priced on the TF32 tensor cores, whatever PyTorch\'s allow_tf32 says', async () => {
    for (const dtype of ['bf16', 'fp32'] as const) {
      const text = readFileSync(path.join(RULE_FIXTURES, 'MW404-triton-fp32-dot-without-tensor-cores.py'), 'utf8');
      const analysis = await analyzeText(text, dtype);
      assert.equal(analysis.graph.tf32Enabled, false); // the file never sets torch.backends.cuda.matmul.allow_tf32
      const kernel = (label: string) => analysis.costs.find((c) => c.node.label === label)!;
      const [ieee, tf32] = [kernel('matmul_ieee'), kernel('matmul_tf32')];
      assert.equal(tf32.unit, 'tensor');
      assert.equal(tf32.flops, 2 * 4096 ** 3);
      assert.equal(tf32.bytes, 3 * 4096 * 4096 * 4); // fp32 A and B read once, C written once
      const hw = analysis.hardware;
      const compute = (2 * 4096 ** 3) / (hw.computeEfficiency.value * hw.tensorPeak.tf32!.value);
      const memory = tf32.bytes! / (hw.memoryEfficiency.value * hw.bandwidth.value);
      assert.ok(Math.abs(tf32.timeUs! - (Math.max(compute, memory) + hw.launchOverhead.value) * 1e6) < 1e-6, `${dtype}: ${tf32.timeUs}`);
      // The ieee twin runs on the fp32 vector unit: several times slower.
      const vector = (2 * 4096 ** 3) / (hw.computeEfficiency.value * hw.vectorPeak.fp32!.value);
      assert.ok(Math.abs(ieee.timeUs! - (Math.max(vector, memory) + hw.launchOverhead.value) * 1e6) < 1e-6, `${dtype}: ${ieee.timeUs}`);
      // The hover and the chart use the peak that priced it: the TF32 ridge, and a TF32 roof above the point.
      assert.match(hoverMarkdown(analysis, tf32), /ridge \d+ FLOP\/B for the tf32 tensor cores at peak/);
      assert.ok(chartDataFromAnalysis(analysis).roofs.some((roof) => roof.kind === 'compute' && roof.value === hw.tensorPeak.tf32!.value));
    }
  });

  it('MW405: an 8×8×16 block is an error (under 16) and pads to 16×16×16: 25% useful', async () => {
    const { analysis } = await findingsOf('MW405-triton-dot-block-too-small.py');
    const finding = analysis.findings.find((f) => f.code === 'MW405')!;
    assert.equal(finding.severity, 'error');
    assert.match(finding.message, /8×8×16 block/);
    assert.match(finding.message, /only 25% of the MMA work is useful/);
  });

  it('MW406: rows of 1000 in 4096 lanes: 76% idle', async () => {
    const { analysis } = await findingsOf('MW406-triton-idle-lanes.py');
    const finding = analysis.findings.find((f) => f.code === 'MW406')!;
    assert.match(finding.message, /rows of 1000 elements with blocks of 4096 lanes: 76%/);
  });

  it('MW408: the row kernel reads x and writes y once each, memory-bound at 0.25 FLOP/B, and says its share of the bandwidth', async () => {
    const { analysis } = await findingsOf('MW408-triton-kernel-roofline.py');
    const finding = analysis.findings.find((f) => f.code === 'MW408')!;
    assert.equal(finding.severity, 'information');
    // One FLOP (× scale) per element against 2 bytes read and 2 written: 0.25 FLOP/B.
    assert.match(finding.message, /^_scale_rows, fused row kernel on grid \(4096\): reads x_ptr \[4096, 8192\] once; writes y_ptr \[4096, 8192\] once\. Memory-bound at 0\.25 FLOP\/B/);
    const cost = analysis.costs.find((c) => c.node.id === finding.opIds[0])!;
    // The ridge quoted is the one the verdict used: η_c·fp32 vector peak ÷ η_m·bandwidth (16.1 on H100 SXM).
    const hw = analysis.hardware;
    const ridge = (hw.computeEfficiency.value * hw.vectorPeak.fp32!.value) / (hw.memoryEfficiency.value * hw.bandwidth.value);
    assert.ok(Math.abs(cost.ridge! - ridge) < 1e-9);
    assert.equal(cost.flops, 4096 * 8192);
    assert.equal(cost.bytes, 2 * 4096 * 8192 * 2);
    assert.match(finding.message, new RegExp(`\\(ridge ${ridge.toFixed(1).replace('.', '\\.')} FLOP/B for the fp32 vector unit, at achievable efficiency\\)`));
    // One finding in the file: the @triton.jit helper the kernel calls is not a kernel of its own.
    assert.equal(analysis.findings.filter((f) => f.code === 'MW408').length, 1);
    const bandwidth = cost.bytes! / (cost.timeUs! * 1e-6) / analysis.hardware.bandwidth.value;
    assert.match(finding.message, new RegExp(`≈ ${Math.round(bandwidth * 100)}% of peak bandwidth at best`));
    assert.equal(finding.bytesSaved, null);
  });

  it('MW408 on a compute-bound kernel: the TF32 matmul against the TF32 tensor-core ridge, its share of that peak', async () => {
    const { analysis } = await findingsOf('MW404-triton-fp32-dot-without-tensor-cores.py');
    const cost = analysis.costs.find((c) => c.node.label === 'matmul_tf32')!;
    const finding = analysis.findings.find((f) => f.code === 'MW408' && f.opIds[0] === cost.node.id)!;
    const hw = analysis.hardware;
    const ridge = (hw.computeEfficiency.value * hw.tensorPeak.tf32!.value) / (hw.memoryEfficiency.value * hw.bandwidth.value);
    // A and B are each re-read by the 32 tile columns / rows of the 32×32 grid of 128×128 tiles.
    assert.match(finding.message, /reads a_ptr \[4096, 4096\] fp32 32 times \(re-read across programs, mostly from L2\), b_ptr \[4096, 4096\] fp32 32 times/);
    assert.match(finding.message, new RegExp(`Compute-bound at 683 FLOP/B \\(ridge ${Math.round(ridge)} FLOP/B for the tf32 tensor cores, at achievable efficiency\\)`));
    const share = (2 * 4096 ** 3) / (cost.timeUs! * 1e-6) / hw.tensorPeak.tf32!.value;
    assert.match(finding.message, new RegExp(`≈ ${Math.round(share * 100)}% of the peak of the tf32 tensor cores at best`));
  });

  it('MW408 on a kernel nobody launches: one program, its figures and what it reads', async () => {
    const text = [
      'import triton',
      'import triton.language as tl',
      '@triton.jit',
      'def _double(x_ptr, y_ptr, n, BLOCK: tl.constexpr):',
      '    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)',
      '    tl.store(y_ptr + offsets, tl.load(x_ptr + offsets, mask=offsets < n) * 2, mask=offsets < n)',
    ].join('\n');
    const analysis = await analyzeText(text, 'bf16');
    const finding = analysis.findings.find((f) => f.code === 'MW408')!;
    // BLOCK is unbound: one program's figures are formulas, so the message names the kernel and what would size it.
    // Without a launch every lane counts: BLOCK bf16 elements loaded and stored (2 + 2 bytes), one multiply each.
    assert.equal(finding.message, '_double, fused elementwise kernel, priced for one program because the launch is not sized (bind BLOCK): ' +
      '4*BLOCK bytes and BLOCK FLOPs per program; reads x_ptr; writes y_ptr.');
  });

  it('MW407: rows of 4096 in a block of 1024 are an error', async () => {
    const { analysis } = await findingsOf('MW407-triton-row-exceeds-block.py');
    const finding = analysis.findings.find((f) => f.code === 'MW407')!;
    assert.equal(finding.severity, 'error');
    assert.match(finding.message, /only the first 1024 elements/);
  });
});
