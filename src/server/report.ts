// The `memwall/report` request: one document's summary, op table and findings as Markdown.
import type { Analysis } from '../core/ir/types';
import {
  BOUND_SHORT, formatAssumption, formatBytes, formatFlops, formatIntensity, formatPercent, formatTime,
} from '../core/chart/format';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function reportMarkdown(fileName: string, analysis: Analysis): string {
  const { total } = analysis.summary;
  const lines = [
    `# MemWall: ${fileName}`,
    '',
    `${analysis.hardware.name} · ${analysis.dtype} · ≈ ${formatTime(total.timeUs)} per call · ` +
      `${formatPercent(total.memoryBoundShare)} of the time memory-bound, ${formatPercent(total.computeBoundShare)} compute-bound, ` +
      `${formatPercent(total.overheadBoundShare)} overhead-bound` + (total.unpricedOps ? ` · ${total.unpricedOps} ops not priced` : ''),
    '',
    `Sizes: ${analysis.assumptions.map(formatAssumption).join(', ') || 'none needed'}`,
    '',
    '| line | op | scope | × | FLOPs | bytes | FLOP/B | time | bound |',
    '|---:|---|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const cost of analysis.costs) {
    const node = cost.node;
    lines.push(
      `| ${node.span.startLine + 1} | ${cell(node.label)} | ${cell(node.scope)} | ${cost.repeat} | ${formatFlops(cost.flops)} | ` +
        `${formatBytes(cost.bytes)} | ${formatIntensity(cost.intensity)} | ${formatTime(cost.timeUs)} | ${BOUND_SHORT[cost.bound] ?? cost.bound} |`,
    );
  }
  lines.push('', '## Findings', '');
  if (analysis.findings.length === 0) lines.push('None.');
  for (const finding of analysis.findings) {
    const saved = finding.timeSavedUs !== null ? ` (saves ≈ ${formatTime(finding.timeSavedUs)})` : '';
    lines.push(`- line ${finding.span.startLine + 1} **${finding.code}** ${cell(finding.message)}${saved}`);
  }
  for (const note of analysis.notes) lines.push(`- ${note.span ? `line ${note.span.startLine + 1} ` : ''}${note.code} ${cell(note.message)}`);
  return lines.join('\n') + '\n';
}
