// Writes MemWall's predictions for the calibration cases: analyze() on each snippet, the ops of its measured line.
// Usage: node --import tsx bench/calibration/predict.ts [--gpu h200] [--out bench/calibration/predictions-h200.json]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { analyze } from '../../src/core/analyze';
import { resolveHardware } from '../../src/core/cost/hardware';
import { createPythonParser, type PythonParser } from '../../src/core/parse/parser';
import { CASES, snippetOf } from './cases';

const root = path.join(__dirname, '..', '..');

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? (process.argv[index + 1] as string) : fallback;
}

/** MemWall's prediction for every case on one GPU: the document calibrate.py reads. */
export function predictCases(parser: PythonParser, gpu: string) {
  const cases = CASES.map((c) => {
    const snippet = snippetOf(c);
    const measuredLine = snippet.trimEnd().split('\n').length - 1; // 0-based line of `out = ...`
    const analysis = analyze(snippet, { parser, gpu, dtype: 'bf16' });
    const ops = analysis.costs.filter((cost) => cost.node.span.startLine === measuredLine);
    const priced = ops.every((op) => op.timeUs !== null) && ops.length > 0;
    const launchUs = analysis.hardware.launchOverhead.value * 1e6;
    const kernels = ops.filter((op) => op.unit !== 'none').length;
    const sum = (pick: (op: (typeof ops)[number]) => number | null) => (priced ? ops.reduce((a, op) => a + (pick(op) ?? 0), 0) : null);
    return {
      name: c.name,
      group: c.group,
      snippet,
      setup: c.setup,
      expr: c.expr,
      tf32: c.tf32 ?? false,
      predictedUs: sum((op) => op.timeUs),
      /** GPU time alone: the launch overhead of every kernel taken out, to compare with CUDA-event timing. */
      predictedGpuUs: priced ? (sum((op) => op.timeUs) as number) - kernels * launchUs : null,
      flops: sum((op) => op.flops),
      bytes: sum((op) => op.bytes),
      bound: ops.map((op) => op.bound).join('+') || 'unknown',
      ops: ops.map((op) => ({ op: op.node.op, timeUs: op.timeUs, bound: op.bound, flops: op.flops, bytes: op.bytes })),
      notes: priced ? [] : [ops.length === 0 ? 'MemWall found no op on the measured line' : 'some ops were not priced'],
    };
  });
  return { version: 1, gpu, dtype: 'bf16', launchOverheadUs: resolveHardware(gpu).launchOverhead.value * 1e6, cases };
}

async function main(): Promise<void> {
  const gpu = option('gpu', 'h200');
  const out = option('out', path.join(__dirname, `predictions-${gpu}.json`));
  const parser = await createPythonParser({
    runtime: readFileSync(path.join(root, 'node_modules/web-tree-sitter/web-tree-sitter.wasm')),
    grammar: readFileSync(path.join(root, 'node_modules/@vscode/tree-sitter-wasm/wasm/tree-sitter-python.wasm')),
  });
  const document = predictCases(parser, gpu);
  const cases = document.cases;
  writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
  const unpriced = cases.filter((c) => c.predictedUs === null).map((c) => c.name);
  console.log(`wrote ${cases.length} predictions for ${gpu} to ${out}${unpriced.length ? `; not priced: ${unpriced.join(', ')}` : ''}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
