// Runs the whole pipeline on a Triton fixture and returns the kernel ops with their costs and evaluated attributes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { testParser } from '../helpers/parser';
import { analyze, extract } from '../../src/core/analyze';
import { evalDim, type Dim } from '../../src/core/ir/dims';
import { DTYPE_BYTES, type Analysis, type CostedOp, type DType, type OpNode } from '../../src/core/ir/types';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'triton');

export interface KernelResult {
  readonly analysis: Analysis;
  readonly op: OpNode;
  readonly cost: CostedOp;
  /** A Dim attribute evaluated with the analysis' bindings and the dtype's element size. */
  readonly attr: (name: string) => number | undefined;
}

export async function analyzeText(text: string, dtype: DType = 'bf16'): Promise<Analysis> {
  return analyze(text, { parser: await testParser(), gpu: 'h100-sxm', dtype });
}

export async function kernelsOf(text: string, dtype: DType = 'bf16'): Promise<KernelResult[]> {
  const analysis = await analyzeText(text, dtype);
  const bindings = new Map<string, number>([['dtype_bytes', DTYPE_BYTES[dtype]]]);
  for (const assumption of analysis.assumptions) if (typeof assumption.value === 'number') bindings.set(assumption.symbol, assumption.value);
  return analysis.costs
    .filter((cost) => cost.node.category === 'triton_kernel')
    .map((cost) => ({
      analysis,
      op: cost.node,
      cost,
      attr: (name: string) => {
        const value = cost.node.attrs[name];
        return value && typeof value === 'object' && 'kind' in value ? evalDim(value as Dim, bindings) : undefined;
      },
    }));
}

/** The one kernel op of a file; throws when there is none or more than one. */
export async function onlyKernel(text: string, dtype: DType = 'bf16', name = 'text'): Promise<KernelResult> {
  const [kernel, ...rest] = await kernelsOf(text, dtype);
  if (!kernel || rest.length) throw new Error(`${name}: expected one kernel op, found ${rest.length + (kernel ? 1 : 0)}`);
  return kernel;
}

export async function fixtureKernel(file: string, dtype: DType): Promise<KernelResult> {
  return onlyKernel(readFileSync(path.join(FIXTURES, file), 'utf8'), dtype, file);
}

export async function extractText(text: string) {
  return extract(text, { parser: await testParser() });
}
