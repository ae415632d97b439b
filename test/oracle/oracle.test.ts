// The oracle: fixture models traced by real PyTorch (Debian's python3-torch) against MemWall's static reading of them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import type { CostedOp } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

const PYTHON = '/usr/bin/python3';
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'models');
/** Fixtures of Python as published code writes it (helpers, containers, configs): traced the same way. */
const SEMANTICS = path.join(__dirname, '..', 'fixtures', 'semantics');
const TRACE = path.join(__dirname, 'trace.py');

/** Categories the comparison leaves out: views move no bytes and creation ops are inputs, not work. */
const EXCLUDED = new Set(['view', 'creation']);

interface TracedOp {
  readonly category: string;
  readonly name: string;
  readonly line: number | null;
  readonly shapes: number[][];
  readonly flops: number | null;
}

interface Trace {
  readonly fixture: string;
  readonly method: string;
  readonly ops: TracedOp[];
}

interface Row {
  readonly fixture: string;
  readonly method: string;
  readonly traced: number;
  readonly static: number;
  readonly matched: number;
  readonly recall: number;
  readonly precision: number;
  readonly shapeAgreement: number;
  readonly tracedFlops: number;
  readonly staticFlops: number;
  readonly flopError: number;
  readonly missing: string[];
  readonly extra: string[];
  readonly shapeMismatches: string[];
}

/** Every traced fixture file: the oracle models, then the semantics fixtures (their names are distinct). */
function fixtureFiles(): string[] {
  const inFolder = (folder: string): string[] => readdirSync(folder).filter((f) => f.endsWith('.py')).sort().map((f) => path.join(folder, f));
  return [...inFolder(FIXTURES), ...inFolder(SEMANTICS)];
}

function fixturePath(name: string): string {
  const found = fixtureFiles().find((file) => path.basename(file) === name);
  if (!found) throw new Error(`no fixture named ${name}`);
  return found;
}

function torchAvailable(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return probe.status === 0;
}

/**
 * A static op as the trace sees it: `torch 1.13` has no fused SDPA (the fallback runs), same-dtype casts are no-ops,
 * and a branch that needs an input the trace does not give (the loss with targets) does not run.
 */
function comparable(cost: CostedOp): boolean {
  const node = cost.node;
  if (EXCLUDED.has(node.category) || node.scope === 'example') return false;
  // The loss under `if targets is not None:` runs only with targets; the trace runs the forward without them.
  if (node.onlyWhenGiven !== undefined) return false;
  if (node.op === 'torch.nn.functional.scaled_dot_product_attention') return false;
  if (/^torch\.Tensor\.(float|half|bfloat16|double|to|type_as)$/.test(node.op) && node.inputs[0]) {
    const resolve = (d: string | null | undefined): string => (d === 'default' || d === undefined || d === null ? cost.dtype : d);
    if (resolve(node.inputs[0].dtype) === resolve(node.outputs[0]?.dtype)) return false;
  }
  return true;
}

const shapeKey = (shapes: readonly (readonly number[] | null)[]): string => JSON.stringify(shapes);

async function compare(trace: Trace): Promise<Row> {
  const text = readFileSync(fixturePath(trace.fixture), 'utf8');
  const analysis = analyze(text, { parser: await testParser(), dtype: 'fp32' });
  const staticOps = analysis.costs.filter(comparable);
  const tracedOps = trace.ops.filter((op) => !EXCLUDED.has(op.category) && op.line !== null);

  // Multisets keyed by (category, line); a static op inside a loop over n_layer modules counts `repeat` times.
  const staticByKey = new Map<string, string[]>();
  for (const cost of staticOps) {
    const key = `${cost.node.category}@${cost.node.span.startLine + 1}`;
    const list = staticByKey.get(key) ?? [];
    // PyTorch traces `x[region] = value` as a copy_ into the region, where MemWall's output is the whole tensor written
    // into: the region's shape is the value's.
    const shapes = cost.node.op === 'torch.Tensor.__setitem__' ? [cost.inputShapes[1] ?? null] : cost.outputShapes;
    for (let i = 0; i < cost.repeat; i++) list.push(shapeKey(shapes));
    staticByKey.set(key, list);
  }
  const tracedByKey = new Map<string, string[]>();
  for (const op of tracedOps) {
    const key = `${op.category}@${op.line}`;
    const list = tracedByKey.get(key) ?? [];
    list.push(shapeKey(op.shapes));
    tracedByKey.set(key, list);
  }
  let matched = 0;
  let sameShape = 0;
  const missing: string[] = [];
  const extra: string[] = [];
  const shapeMismatches: string[] = [];
  for (const key of new Set([...staticByKey.keys(), ...tracedByKey.keys()])) {
    const mine = staticByKey.get(key) ?? [];
    const theirs = tracedByKey.get(key) ?? [];
    const pairs = Math.min(mine.length, theirs.length);
    matched += pairs;
    if (theirs.length > mine.length) missing.push(`${key}×${theirs.length - mine.length}`);
    if (mine.length > theirs.length) extra.push(`${key}×${mine.length - theirs.length}`);
    const remaining = [...theirs];
    let agree = 0;
    for (const shape of mine) {
      const index = remaining.indexOf(shape);
      if (index >= 0) {
        remaining.splice(index, 1);
        agree++;
      }
    }
    sameShape += Math.min(agree, pairs);
    if (agree < pairs) shapeMismatches.push(`${key}: ${mine[0]} vs ${theirs[0]}`);
  }
  const contraction = (category: string): boolean => category === 'matmul' || category === 'conv';
  const tracedFlops = tracedOps.filter((op) => contraction(op.category)).reduce((sum, op) => sum + (op.flops ?? 0), 0);
  const staticFlops = staticOps.filter((c) => contraction(c.node.category)).reduce((sum, c) => sum + (c.flops ?? 0) * c.repeat, 0);
  const staticCount = [...staticByKey.values()].reduce((sum, list) => sum + list.length, 0);
  return {
    fixture: trace.fixture,
    method: trace.method.split(' ')[0] as string,
    traced: tracedOps.length,
    static: staticCount,
    matched,
    recall: tracedOps.length === 0 ? 1 : matched / tracedOps.length,
    precision: staticCount === 0 ? 1 : matched / staticCount,
    shapeAgreement: matched === 0 ? 1 : sameShape / matched,
    tracedFlops,
    staticFlops,
    flopError: tracedFlops === 0 ? (staticFlops === 0 ? 0 : 1) : Math.abs(staticFlops - tracedFlops) / tracedFlops,
    missing,
    extra,
    shapeMismatches,
  };
}

function printTable(rows: readonly Row[]): void {
  const percent = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const lines = [
    'fixture              method  traced static matched  recall  precision  shapes   matmul/conv FLOPs traced → static (error)',
    ...rows.map((r) =>
      `${r.fixture.padEnd(20)} ${r.method.padEnd(7)} ${String(r.traced).padStart(6)} ${String(r.static).padStart(6)} ${String(r.matched).padStart(7)}  ${percent(r.recall).padStart(6)}  ${percent(r.precision).padStart(9)}  ${percent(r.shapeAgreement).padStart(6)}   ${r.tracedFlops.toExponential(4)} → ${r.staticFlops.toExponential(4)} (${percent(r.flopError)})`,
    ),
  ];
  console.log(lines.join('\n'));
  for (const r of rows) {
    const details = [...r.missing.map((m) => `missing ${m}`), ...r.extra.map((e) => `extra ${e}`), ...r.shapeMismatches.map((s) => `shape ${s}`)];
    if (details.length > 0) console.log(`  ${r.fixture}: ${details.join('; ')}`);
  }
}

describe('oracle: static analysis against PyTorch traces', () => {
  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.py')).sort();

  it('has at least eight fixture models', () => {
    assert.ok(fixtures.length >= 8, `found ${fixtures.length}`);
  });

  const available = torchAvailable();
  if (!available && process.env.CI) {
    it('needs python3-torch', () => {
      assert.fail(`${PYTHON} cannot import torch: install Debian's python3-torch (apt-get install -y python3-torch); .ci/run does`);
    });
    return;
  }
  const skip = available ? false : `${PYTHON} cannot import torch: install Debian's python3-torch to run the oracle (skipped outside CI)`;

  it('matches the traced op sequence, shapes and FLOPs of every fixture', { skip, timeout: 120_000 }, async () => {
    const run = spawnSync(PYTHON, [TRACE, ...fixtureFiles()], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    assert.equal(run.status, 0, `trace.py failed:\n${run.stderr}`);
    const traces = JSON.parse(run.stdout) as Trace[];
    const rows: Row[] = [];
    for (const trace of traces) rows.push(await compare(trace));
    printTable(rows);
    for (const row of rows) {
      assert.ok(row.traced > 0, `${row.fixture}: the trace found no ops`);
      assert.ok(row.recall >= 0.95, `${row.fixture}: op recall ${row.recall.toFixed(3)} < 0.95 (missing ${row.missing.join(', ')})`);
      assert.ok(row.precision >= 0.9, `${row.fixture}: op precision ${row.precision.toFixed(3)} < 0.90 (extra ${row.extra.join(', ')})`);
      assert.ok(row.shapeAgreement >= 0.95, `${row.fixture}: shapes agree for ${row.shapeAgreement.toFixed(3)} < 0.95 (${row.shapeMismatches.join('; ')})`);
      assert.ok(row.flopError <= 0.01, `${row.fixture}: matmul/conv FLOPs ${row.staticFlops} vs traced ${row.tracedFlops}`);
    }
  });
});
