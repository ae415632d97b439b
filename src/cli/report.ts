// What every output format receives: each analysed file's display path and its Analysis, plus shared lookups.
import type { Analysis, Finding, Hardware } from '../core/ir/types';

export { boundCell, figureCell, findingsByTimeSaved, freeOpList, isFree, lineOf, opName, opsInSourceOrder } from '../core/report/rows';

export interface FileReport {
  /** The path as shown to the user: relative to the working folder, with forward slashes. */
  readonly path: string;
  /** The source the analysis read, which fix edits apply to; absent (a report built from an analysis alone), no fixes. */
  readonly text?: string;
  readonly analysis: Analysis;
}

/** Findings by line, then code, so that reports and tests read the same order every time. */
export function findingsInOrder(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => a.span.start - b.span.start || a.code.localeCompare(b.code));
}

/** The peaks that price an op on this GPU and dtype, for the report header; undefined where the table lacks one. */
export function peaksFor(hardware: Hardware, dtype: Analysis['dtype']) {
  return {
    tensor: hardware.tensorPeak[dtype],
    vector: hardware.vectorPeak[dtype] ?? hardware.vectorPeak.fp32,
  };
}
