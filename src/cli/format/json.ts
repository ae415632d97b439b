// The JSON report, version 1: a public interface that later versions extend with new fields but never break.
import { rootIndexOf } from '../../core/cost/summary';
import { formatShape } from '../../core/ir/dims';
import type { Bound, ClassShare, KernelFigures, ScopeSummary, Severity } from '../../core/ir/types';
import { type FileReport, findingsInOrder, lineOf, opsInSourceOrder } from '../report';

export const JSON_REPORT_VERSION = 1;

export interface JsonAssumption {
  readonly symbol: string;
  readonly value: number | string;
  readonly source: string;
}

export interface JsonOp {
  /** Qualified op: `torch.nn.functional.gelu`, `torch.nn.Linear`, `operator.add`. */
  readonly op: string;
  /** As written in the source: `F.gelu`, `self.c_fc`, `+`. */
  readonly label: string;
  readonly category: string;
  /** 1-based lines of the call. */
  readonly line: number;
  readonly endLine: number;
  /** 1-based column where the call starts. */
  readonly column: number;
  readonly scope: string;
  readonly modulePath: string;
  /** The root whose run the op belongs to (`GPT`, `resnet50`, `<module>`), as `summary.roots[].scope` names it; null for none. */
  readonly root: string | null;
  /** Executions per call of the outermost scope; the figures below are for ONE execution. */
  readonly repeat: number;
  readonly flops: number | null;
  readonly bytes: number | null;
  readonly bytesRead: number | null;
  readonly bytesWritten: number | null;
  readonly intensity: number | null;
  readonly timeUs: number | null;
  readonly bound: Bound;
  readonly unit: 'tensor' | 'vector' | 'none';
  /** `fallback`: on a code path that runs only when a fused one is missing (left out of totals); `torch.compile`: compiled. */
  readonly fusedBy: 'torch.compile' | 'fallback' | null;
  /** The optional input whose branch the op is on (`labels`: the loss under `if labels is not None:`), left out of totals. */
  readonly onlyWhenGiven: string | null;
  /** Set on a call MemWall could not resolve: what it assumed about the output (its first tensor input's shape). */
  readonly assumed: string | null;
  /** A Triton kernel's launch: grid, block sizes, requested bytes, and whether the figures are one program's. */
  readonly kernel: KernelFigures | null;
  readonly dtype: string;
  readonly inputShapes: readonly (readonly number[] | null)[];
  readonly outputShapes: readonly (readonly number[] | null)[];
  readonly notes: readonly string[];
}

export interface JsonFinding {
  readonly code: string;
  readonly kind: string;
  readonly severity: Severity;
  readonly line: number;
  readonly endLine: number;
  readonly column: number;
  readonly endColumn: number;
  readonly message: string;
  readonly bytesSaved: number | null;
  readonly timeSavedUs: number | null;
}

export interface JsonInput {
  /** The function whose parameter it is: `ResNet.forward`, `attention`. */
  readonly scope: string;
  readonly name: string;
  /** The shape as analysed, with symbols: `[B, 3, height, width]`; null when nothing says it. */
  readonly shape: string | null;
  /** The same shape in numbers after binding; null when a dim stayed unbound. */
  readonly sizes: readonly number[] | null;
  /** `default` follows the analysis dtype. */
  readonly dtype: string;
  /** Where the shape came from: `--input`, `magic comment (line 12)`, or what the code taught (`from self.conv1 ...`). */
  readonly source: string;
}

export interface JsonNote {
  readonly code: string;
  readonly message: string;
  readonly line: number | null;
}

export interface JsonFile {
  readonly path: string;
  readonly gpu: string;
  readonly gpuName: string;
  readonly dtype: string;
  readonly assumptions: readonly JsonAssumption[];
  readonly inputs: readonly JsonInput[];
  readonly ops: readonly JsonOp[];
  readonly findings: readonly JsonFinding[];
  readonly notes: readonly JsonNote[];
  readonly summary: {
    readonly total: ScopeSummary;
    readonly scopes: readonly ScopeSummary[];
    /** One call of each root analysed (each a forward of its own); `total` adds them up. */
    readonly roots: readonly ScopeSummary[];
    readonly classes: readonly ClassShare[];
  };
}

export interface JsonReport {
  readonly version: typeof JSON_REPORT_VERSION;
  readonly files: readonly JsonFile[];
}

export function toJsonReport(reports: readonly FileReport[]): JsonReport {
  return {
    version: JSON_REPORT_VERSION,
    files: reports.map(({ path, analysis }): JsonFile => {
      const roots = analysis.graph.roots ?? [];
      const rootOf = (id: number): string | null => roots[rootIndexOf(roots, id)]?.name ?? null;
      return {
        path,
        gpu: analysis.hardware.id,
        gpuName: analysis.hardware.name,
        dtype: analysis.dtype,
        assumptions: analysis.assumptions.map(({ symbol, value, source }) => ({ symbol, value, source })),
        inputs: analysis.inputs.map((input) => ({
          scope: input.scope,
          name: input.name,
          shape: input.shape ? formatShape(input.shape) : null,
          sizes: input.sizes,
          dtype: input.dtype,
          source: input.source,
        })),
        ops: opsInSourceOrder(analysis.costs).map((cost) => ({
          op: cost.node.op,
          label: cost.node.label,
          category: cost.node.category,
          line: lineOf(cost.node.span.startLine),
          endLine: lineOf(cost.node.span.endLine),
          column: cost.node.span.startColumn + 1,
          scope: cost.node.scope,
          modulePath: cost.node.modulePath,
          root: rootOf(cost.node.id),
          repeat: cost.repeat,
          flops: cost.flops,
          bytes: cost.bytes,
          bytesRead: cost.bytesRead,
          bytesWritten: cost.bytesWritten,
          intensity: cost.intensity,
          timeUs: cost.timeUs,
          bound: cost.bound,
          unit: cost.unit,
          fusedBy: cost.node.fusedBy ?? null,
          onlyWhenGiven: cost.node.onlyWhenGiven ?? null,
          assumed: cost.node.assumed ?? null,
          kernel: cost.kernel ?? null,
          dtype: cost.dtype,
          inputShapes: cost.inputShapes,
          outputShapes: cost.outputShapes,
          notes: cost.node.notes,
        })),
        findings: findingsInOrder(analysis.findings).map((finding) => ({
          code: finding.code,
          kind: finding.kind,
          severity: finding.severity,
          line: lineOf(finding.span.startLine),
          endLine: lineOf(finding.span.endLine),
          column: finding.span.startColumn + 1,
          endColumn: finding.span.endColumn + 1,
          message: finding.message,
          bytesSaved: finding.bytesSaved,
          timeSavedUs: finding.timeSavedUs,
        })),
        notes: analysis.notes.map((note) => ({
          code: note.code,
          message: note.message,
          line: note.span ? lineOf(note.span.startLine) : null,
        })),
        summary: {
          total: analysis.summary.total,
          scopes: analysis.summary.scopes,
          roots: analysis.summary.roots ?? [],
          classes: analysis.summary.classes,
        },
      };
    }),
  };
}

export function formatJson(reports: readonly FileReport[]): string {
  return `${JSON.stringify(toJsonReport(reports), null, 2)}\n`;
}
