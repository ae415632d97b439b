// Hand-built graphs and costs for driving runRules directly, with figures simple enough to check by hand.
import { num } from '../../src/core/ir/dims';
import { GraphBuilder } from '../../src/core/ir/graph';
import type { Category, CostedOp, Hardware, OpGraph, OpNode, Severity, Span, TensorValue } from '../../src/core/ir/types';
import { runRules } from '../../src/core/rules';
import type { RunRulesInput } from '../../src/core/rules/types';

/** An H100-like GPU with round numbers: 3.35 TB/s at 90%, 4 µs launches, 989 TFLOP/s bf16 tensor, 67 vector. */
export const HARDWARE: Hardware = {
  id: 'test-gpu',
  name: 'Test GPU',
  vendor: 'nvidia',
  tensorPeak: { bf16: { value: 989.4e12, source: 'test', verified: true } },
  vectorPeak: { fp32: { value: 67e12, source: 'test', verified: true }, bf16: { value: 67e12, source: 'test', verified: true } },
  bandwidth: { value: 3.35e12, source: 'test', verified: true },
  memoryBytes: { value: 80e9, source: 'test', verified: true },
  l2Bytes: { value: 50e6, source: 'test', verified: true },
  smCount: { value: 132, source: 'test', verified: true },
  launchOverhead: { value: 4e-6, source: 'test', verified: true },
  memoryEfficiency: { value: 0.9, source: 'test', verified: true },
  computeEfficiency: { value: 0.75, source: 'test', verified: true },
};

export const EFFECTIVE_BANDWIDTH = 0.9 * 3.35e12;
export const LAUNCH_US = 4;

/** A span on one 0-based line; offsets are line × 100 so spans sort by line. */
export function lineSpan(line: number): Span {
  return { start: line * 100, end: line * 100 + 10, startLine: line, startColumn: 0, endLine: line, endColumn: 10 };
}

interface OpOptions {
  readonly category?: Category;
  readonly label?: string;
  readonly line: number;
  readonly shape?: readonly number[];
  readonly repeat?: number;
  readonly fusedBy?: OpNode['fusedBy'];
  readonly scope?: string;
  readonly attrs?: OpNode['attrs'];
}

/** Builds a graph op by op and prices each as a bf16 kernel: every input read once, every output written once. */
export class SyntheticGraph {
  readonly builder = new GraphBuilder();
  private readonly shapes = new Map<number, readonly number[]>();
  private readonly repeats = new Map<number, number>();
  readonly ignores = new Map<number, string[]>();

  input(shape: readonly number[], origin = 'param x'): TensorValue {
    const value = this.builder.value(shape.map(num), 'default', origin);
    this.shapes.set(value.id, shape);
    return value;
  }

  op(op: string, inputs: readonly TensorValue[], options: OpOptions): OpNode {
    const shape = options.shape ?? this.shapes.get(inputs[0]?.id ?? -1) ?? [1];
    const node = this.builder.addOp(
      {
        op,
        label: options.label ?? op.slice(op.lastIndexOf('.') + 1),
        category: options.category ?? 'pointwise',
        inputs,
        attrs: options.attrs ?? {},
        span: lineSpan(options.line),
        scope: options.scope ?? 'Model.forward',
        modulePath: '',
        repeat: num(options.repeat ?? 1),
        notes: [],
        ...(options.fusedBy ? { fusedBy: options.fusedBy } : {}),
      },
      [{ shape: shape.map(num), dtype: 'default' }],
    );
    this.shapes.set((node.outputs[0] as TensorValue).id, shape);
    this.repeats.set(node.id, options.repeat ?? 1);
    return node;
  }

  /** The output of an op, for chaining. */
  out(op: OpNode): TensorValue {
    return op.outputs[0] as TensorValue;
  }

  graph(): OpGraph {
    return this.builder.build({ bindings: [], ignores: this.ignores });
  }

  costs(graph: OpGraph): CostedOp[] {
    return graph.ops.map((node) => {
      const inputShapes = node.inputs.map((v) => this.shapes.get(v.id) ?? null);
      const outputShapes = node.outputs.map((v) => this.shapes.get(v.id) ?? null);
      const count = (s: readonly number[] | null) => (s ?? []).reduce((a, b) => a * b, 1);
      const isView = node.category === 'view';
      const bytesRead = isView ? 0 : inputShapes.reduce((sum, s) => sum + count(s) * 2, 0);
      const bytesWritten = isView ? 0 : outputShapes.reduce((sum, s) => sum + count(s) * 2, 0);
      const bytes = bytesRead + bytesWritten;
      const flops = isView ? 0 : count(outputShapes[0] ?? null);
      const timeUs = isView ? 0 : (bytes / EFFECTIVE_BANDWIDTH) * 1e6 + LAUNCH_US;
      return {
        node,
        inputShapes,
        outputShapes,
        dtype: 'bf16',
        repeat: this.repeats.get(node.id) ?? 1,
        flops,
        bytesRead,
        bytesWritten,
        bytes,
        intensity: bytes > 0 ? flops / bytes : null,
        timeUs,
        bound: isView ? 'unknown' : 'memory',
        unit: isView ? 'none' : 'vector',
        explain: [],
      } satisfies CostedOp;
    });
  }

  rulesInput(severities: Readonly<Record<string, Severity | 'off'>> = {}): RunRulesInput {
    const graph = this.graph();
    const costs = this.costs(graph);
    const total = { scope: '<all>', timeUs: 0, flops: 0, bytes: 0, memoryBoundShare: 0, computeBoundShare: 0, overheadBoundShare: 0, unpricedOps: 0 };
    return {
      graph,
      costs,
      hardware: HARDWARE,
      dtype: 'bf16',
      bindings: new Map(),
      summary: { total, scopes: [], classes: [] },
      text: '',
      severities,
    };
  }

  run(severities: Readonly<Record<string, Severity | 'off'>> = {}) {
    return runRules(this.rulesInput(severities));
  }
}
