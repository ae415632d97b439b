// Per-scope figures (a forward, a function): time, memory-bound share and what its fusion findings would save.
import type { Analysis, Finding, ScopeInfo, ScopeSummary } from '../core/ir/types';
import { formatBytes, formatFlops, formatPercent, formatTime } from '../core/format';

export interface ScopeFigures {
  readonly info: ScopeInfo;
  readonly summary: ScopeSummary;
  readonly ops: number;
  /** Fusion findings (MW2xx) on the scope's ops, with the time they would save. */
  readonly fusions: readonly Finding[];
  readonly fusionSavingUs: number;
}

export function scopeFigures(analysis: Analysis): ScopeFigures[] {
  const figures: ScopeFigures[] = [];
  for (const info of analysis.graph.scopes) {
    const summary = analysis.summary.scopes.find((scope) => scope.scope === info.name);
    const opIds = new Set(analysis.graph.ops.filter((op) => op.scope === info.name).map((op) => op.id));
    if (!summary || opIds.size === 0) continue;
    const fusions = analysis.findings.filter((f) => /^MW2/.test(f.code) && f.opIds.some((id) => opIds.has(id)));
    figures.push({
      info, summary, ops: opIds.size, fusions,
      fusionSavingUs: fusions.reduce((sum, finding) => sum + (finding.timeSavedUs ?? 0), 0),
    });
  }
  return figures;
}

/** `≈ 1.9 ms on H100 SXM · 58% of time memory-bound · 3 fusions save ≈ 0.4 ms`. */
export function scopeLine(figures: ScopeFigures, gpuName: string): string {
  const { summary } = figures;
  const parts = [`≈ ${formatTime(summary.timeUs)} on ${gpuName}`, `${formatPercent(summary.memoryBoundShare)} of time memory-bound`];
  if (figures.fusions.length) {
    const count = figures.fusions.length;
    parts.push(`${count} fusion${count > 1 ? 's' : ''} save ≈ ${formatTime(figures.fusionSavingUs)}`);
  }
  if (summary.unpricedOps) parts.push(`${summary.unpricedOps} ops not priced`);
  return parts.join(' · ');
}

export function scopeMarkdown(figures: ScopeFigures, analysis: Analysis): string {
  const { summary } = figures;
  return [
    `**${summary.scope}** — ${scopeLine(figures, analysis.hardware.name)} (${analysis.dtype})  `,
    `${figures.ops} ops · FLOPs ${formatFlops(summary.flops)} · bytes ${formatBytes(summary.bytes)}  `,
    `time: ${formatPercent(summary.memoryBoundShare)} memory-bound, ${formatPercent(summary.computeBoundShare)} compute-bound, ${formatPercent(summary.overheadBoundShare)} overhead-bound  `,
    ...figures.fusions.map((f) => `**${f.code}** line ${f.span.startLine + 1}: saves ≈ ${formatTime(f.timeSavedUs)}  `),
    '',
    '[Show in Roofline](command:memwall.showRoofline)',
  ].join('\n');
}
