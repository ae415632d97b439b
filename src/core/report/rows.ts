// How every report orders and names ops and findings: source order, ranking by time saved, free ops, the bound cell.
import type { CostedOp, Finding, OpNode } from '../ir/types';

/** 1-based line of a 0-based span line, as every report prints lines. */
export function lineOf(zeroBased: number): number {
  return zeroBased + 1;
}

/** Ops in source order (then by id), the order a reader scans a file in. */
export function opsInSourceOrder(costs: readonly CostedOp[]): CostedOp[] {
  return [...costs].sort((a, b) => a.node.span.start - b.node.span.start || a.node.id - b.node.id);
}

/** Findings ranked by time saved, largest first, unknown savings last: the order to fix them in. */
export function findingsByTimeSaved(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => (b.timeSavedUs ?? -1) - (a.timeSavedUs ?? -1) || a.span.start - b.span.start,
  );
}

/** An op that does no arithmetic and moves no DRAM bytes (views, dropout with p=0, torch.empty): known to be free. */
export function isFree(cost: CostedOp): boolean {
  return cost.flops === 0 && cost.bytes === 0;
}

/** `F.gelu` as written, or the qualified op when the label is empty. */
export function opName(node: OpNode): string {
  return node.label || node.op;
}

/**
 * `k.view (47)`, for the one-line list of free ops under the tables. A name past 30 characters keeps its end, where
 * a chained call names its op (`…ew(8, 1024, 12, 64).transpose`).
 */
export function freeOpList(costs: readonly CostedOp[]): string {
  const short = (name: string) => ([...name].length > 30 ? `…${[...name].slice(-29).join('')}` : name);
  return costs.map((cost) => `${short(opName(cost.node))} (${lineOf(cost.node.span.startLine)})`).join(', ');
}

/** What a reader must know about an op's row: it runs only on a fallback path, or inside torch.compile. */
const FUSED_BY_NOTE: Readonly<Record<string, string>> = {
  fallback: 'fallback path, not counted',
  'torch.compile': 'under torch.compile',
};

/**
 * The bound column: `memory`, or `memory (fallback path, not counted)` for an op the totals leave out (`memory (with
 * labels only, not counted)` for the loss under `if labels is not None:`), or `memory (per program)` for a Triton kernel whose launch could not be sized.
 */
export function boundCell(cost: CostedOp): string {
  const given = cost.node.onlyWhenGiven;
  const note = cost.node.fusedBy
    ? FUSED_BY_NOTE[cost.node.fusedBy]
    : given !== undefined
      ? `with ${given} only, not counted`
      : cost.kernel?.pricedPer === 'program' ? 'per program' : undefined;
  return note ? `${cost.bound} (${note})` : cost.bound;
}

/** Longest formula a table cell shows before it is cut. */
const FORMULA_CELL = 24;

/**
 * A FLOPs or bytes cell: the number, or for a Triton kernel whose one program could not be priced either, its
 * formula over the unbound sizes (`6*n_cols /prog`), cut to fit a column.
 */
export function figureCell(cost: CostedOp, which: 'flops' | 'bytes', format: (value: number | null) => string): string {
  const value = which === 'flops' ? cost.flops : cost.bytes;
  const formula = which === 'flops' ? cost.kernel?.perProgramFlopsFormula : cost.kernel?.perProgramBytesFormula;
  if (value !== null || !formula || formula === '?') return format(value);
  const cut = [...formula].length > FORMULA_CELL ? `${[...formula].slice(0, FORMULA_CELL - 1).join('')}…` : formula;
  return `${cut} /prog`;
}
