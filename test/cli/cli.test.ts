// The bundled `memwall` command end to end: dist/cli.js on the examples and on options (bad input: cli-errors.test.ts).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const EXAMPLES = path.join(ROOT, 'examples');
const BOUNDS = ['memory', 'compute', 'overhead', 'unknown'];
const SEVERITIES = ['error', 'warning', 'information', 'hint'];

let scratch: string;
let cachedJson: ReturnType<typeof JSON.parse> | undefined;

/** The JSON report of examples/, run once and shared by the tests that read it. */
function examplesJson() {
  if (!cachedJson) {
    const { code, stdout, stderr } = memwall(['analyze', 'examples/', '--format', 'json']);
    assert.equal(code, 0, stderr);
    cachedJson = JSON.parse(stdout);
  }
  return cachedJson;
}

function memwall(args: string[], cwd = ROOT) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A number, or null for a figure that could not be computed; never NaN or a string. */
function assertFigure(value: unknown, what: string) {
  assert.ok(value === null || (typeof value === 'number' && Number.isFinite(value)), `${what} is ${JSON.stringify(value)}`);
}

before(() => {
  // `npm test` builds first; a lone run of this file builds the bundle if it is missing.
  if (!existsSync(CLI)) execFileSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
  scratch = mkdtempSync(path.join(tmpdir(), 'memwall-cli-'));
  writeFileSync(path.join(scratch, 'gelu.py'), [
    'import torch',
    'import torch.nn.functional as F',
    'x = torch.randn(8, 1024, 3072, dtype=torch.bfloat16)',
    'y = F.gelu(x)',
    '',
  ].join('\n'));
  writeFileSync(path.join(scratch, 'empty.py'), '');
  writeFileSync(path.join(scratch, 'broken.py'), 'def f(x:\n    return F.gelu(x\n');
});

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('memwall analyze examples/', () => {
  const examples = existsSync(EXAMPLES) ? readdirSync(EXAMPLES).filter((name) => name.endsWith('.py')).sort() : [];

  it('has example models to analyse', () => {
    assert.ok(examples.length > 0, 'examples/ holds no .py file');
  });

  it('prints a text report per file and exits 0 (findings are not errors)', () => {
    const { code, stdout, stderr } = memwall(['analyze', 'examples/']);
    assert.equal(code, 0, stderr);
    for (const name of examples) assert.match(stdout, new RegExp(`^examples/${name.replace('.', '\\.')} — .+, (bf16|fp16|fp32|fp8)$`, 'm'));
    assert.match(stdout, /^ {2}op +line +FLOPs +bytes +FLOP\/B +time +bound +repeat$/m);
    assert.match(stdout, /≈ .+ per call/);
    assert.match(stdout, /Assumptions/);
    assert.match(stdout, /Findings/);
  });

  it('prints JSON version 1 with the documented fields and types', () => {
    const report = examplesJson();
    assert.equal(report.version, 1);
    assert.deepEqual(report.files.map((file: { path: string }) => file.path).sort(), examples.map((name) => `examples/${name}`));
    for (const file of report.files) {
      assert.equal(typeof file.gpu, 'string');
      assert.match(file.dtype, /^(bf16|fp16|fp32|fp8)$/);
      for (const assumption of file.assumptions) {
        assert.equal(typeof assumption.symbol, 'string');
        assert.ok(['number', 'string'].includes(typeof assumption.value));
        assert.equal(typeof assumption.source, 'string');
      }
      for (const op of file.ops) {
        for (const key of ['op', 'category', 'scope']) assert.equal(typeof op[key], 'string', key);
        assert.ok(Number.isInteger(op.line) && op.line >= 1 && op.endLine >= op.line, `lines ${op.line}-${op.endLine}`);
        assert.ok(Number.isInteger(op.repeat) && op.repeat >= 1);
        for (const key of ['flops', 'bytes', 'intensity', 'timeUs']) assertFigure(op[key], `${op.op} ${key}`);
        assert.ok(BOUNDS.includes(op.bound), op.bound);
        if (op.timeUs === null) assert.equal(op.bound, 'unknown', `${op.op} has no time but is ${op.bound}-bound`);
      }
      for (const finding of file.findings) {
        assert.match(finding.code, /^MW\d{3}$/);
        assert.equal(typeof finding.kind, 'string');
        assert.ok(SEVERITIES.includes(finding.severity), finding.severity);
        assert.ok(Number.isInteger(finding.line) && finding.line >= 1 && finding.endLine >= finding.line);
        assert.ok(finding.message.length > 0);
        assertFigure(finding.bytesSaved, 'bytesSaved');
        assertFigure(finding.timeSavedUs, 'timeSavedUs');
      }
      assert.equal(typeof file.summary.total.timeUs, 'number');
    }
    const gpt = report.files.find((file: { path: string }) => file.path === 'examples/gpt_block.py');
    assert.ok(gpt, 'examples/gpt_block.py analysed');
    assert.ok(gpt.ops.some((op: { category: string; flops: number | null }) => op.category === 'matmul' && op.flops !== null && op.flops > 0), 'a priced matmul');
    assert.ok(gpt.ops.some((op: { bound: string }) => op.bound === 'memory'), 'a memory-bound op');
  });

  it('prints SARIF and Markdown for the same run', () => {
    const sarif = memwall(['analyze', 'examples/', '--format', 'sarif']);
    assert.equal(sarif.code, 0, sarif.stderr);
    const log = JSON.parse(sarif.stdout);
    assert.equal(log.version, '2.1.0');
    for (const result of log.runs[0].results) assert.match(result.locations[0].physicalLocation.artifactLocation.uri, /^examples\/.+\.py$/);
    const markdown = memwall(['analyze', 'examples/', '--format', 'markdown']);
    assert.equal(markdown.code, 0, markdown.stderr);
    assert.match(markdown.stdout, /^# MemWall report/);
    assert.match(markdown.stdout, /### Ops/);
  });

  it('fails the run with exit 1 only when --fail-on matches', () => {
    const json = examplesJson();
    const codes: string[] = json.files.flatMap((file: { findings: { code: string }[] }) => file.findings.map((finding) => finding.code));
    if (codes.length) {
      const gated = memwall(['analyze', 'examples/', '--fail-on', codes[0]!]);
      assert.equal(gated.code, 1);
      assert.match(gated.stderr, new RegExp(`--fail-on matched .*${codes[0]}`));
    }
    const unmatched = ['MW101', 'MW201', 'MW202', 'MW203', 'MW204', 'MW301', 'MW401'].find((code) => !codes.includes(code))!;
    assert.equal(memwall(['analyze', 'examples/', '--fail-on', unmatched]).code, 0);
  });
});

describe('memwall roofline', () => {
  it('writes an HTML page with one chart per example, and one SVG for one file', () => {
    const out = path.join(scratch, 'roofline.html');
    const page = memwall(['roofline', 'examples/', '--out', out]);
    assert.equal(page.code, 0, page.stderr);
    assert.match(page.stderr, /wrote .*roofline\.html \(\d+ charts?\)/);
    const html = readFileSync(out, 'utf8');
    const examples = readdirSync(EXAMPLES).filter((name) => name.endsWith('.py'));
    assert.equal(html.match(/<section>/g)?.length, examples.length);
    const svg = memwall(['roofline', 'examples/gpt_block.py']);
    assert.equal(svg.code, 0, svg.stderr);
    assert.match(svg.stdout, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg.stdout, /data-op="torch\.nn\.Linear:\d+"/);
  });
});

describe('memwall analyze options', () => {
  it('prices a literal-shaped GELU: bytes are read once and written once', () => {
    const { code, stdout, stderr } = memwall(['analyze', path.join(scratch, 'gelu.py'), '--format', 'json', '--gpu', 'a100-80gb-sxm', '--dtype', 'fp16']);
    assert.equal(code, 0, stderr);
    const file = JSON.parse(stdout).files[0];
    assert.equal(file.gpu, 'a100-80gb-sxm');
    assert.equal(file.dtype, 'fp16');
    const gelu = file.ops.find((op: { op: string }) => op.op === 'torch.nn.functional.gelu');
    assert.ok(gelu, 'F.gelu recognised');
    assert.equal(gelu.line, 4);
    assert.equal(gelu.bytes, 2 * 8 * 1024 * 3072 * 2); // bf16 in and out, as the code fixes the dtype
    assert.equal(gelu.bound, 'memory');
  });

  it('reads an empty file and a file with syntax errors without failing', () => {
    const { code, stdout, stderr } = memwall(['analyze', path.join(scratch, 'empty.py'), path.join(scratch, 'broken.py'), '--format', 'json']);
    assert.equal(code, 0, stderr);
    const [empty, broken] = JSON.parse(stdout).files;
    assert.deepEqual(empty.ops, []);
    assert.ok(broken.notes.some((note: { code: string }) => note.code === 'MW902'), 'a syntax-error note');
  });

  it('lists GPUs as text and JSON', () => {
    const text = memwall(['gpus']);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^h100-sxm +NVIDIA H100 SXM +3\.35 TB\/s/m);
    const json = JSON.parse(memwall(['gpus', '--format', 'json']).stdout);
    const h100 = json.gpus.find((gpu: { id: string }) => gpu.id === 'h100-sxm');
    assert.equal(h100.bandwidth.value, 3.35e12);
    assert.equal(typeof h100.bandwidth.source, 'string');
  });

  it('explains a rule', () => {
    const { code, stdout } = memwall(['explain', 'MW201']);
    assert.equal(code, 0);
    assert.match(stdout, /^MW201 /);
    assert.match(stdout, /Use instead:/);
  });
});
