// The Markdown report: summary, FLOP-vs-time table by op class, findings ranked by time saved, and the per-op table.
import type { Analysis } from '../../core/ir/types';
import { boundCell, type FileReport, findingsByTimeSaved, freeOpList, isFree, lineOf, opName, opsInSourceOrder } from '../report';
import { ruleHelpUri } from '../rule-docs';
import { formatBandwidth, formatBytes, formatFlops, formatIntensity, formatPercent, formatRate, formatShare, formatTime } from '../units';

/** Table cells must not break the table: pipes escaped, newlines folded. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(headers: readonly string[], align: readonly ('l' | 'r')[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${headers.join(' | ')} |`,
    `|${align.map((a) => (a === 'r' ? '---:' : ':---')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

function summarySection(analysis: Analysis): string[] {
  const total = analysis.summary.total;
  const lines = [
    `**≈ ${formatTime(total.timeUs)} per call** on ${analysis.hardware.name}, ${analysis.dtype} · ${formatFlops(total.flops)} · ${formatBytes(total.bytes)} moved`,
    '',
    `Time: ${formatPercent(total.memoryBoundShare)} memory-bound · ${formatPercent(total.computeBoundShare)} compute-bound · ${formatPercent(total.overheadBoundShare)} overhead-bound` +
      (total.unpricedOps ? ` · ${total.unpricedOps} op${total.unpricedOps === 1 ? '' : 's'} not priced` : ''),
  ];
  const saved = analysis.findings.reduce((sum, finding) => sum + (finding.timeSavedUs ?? 0), 0);
  if (saved > 0) lines.push('', `Fixing the findings below would save ≈ ${formatTime(saved)} per call (estimates do not add exactly when fixes overlap).`);
  return lines;
}

function classSection(analysis: Analysis): string[] {
  const classes = analysis.summary.classes.filter((share) => share.flops > 0 || share.timeUs > 0);
  if (!classes.length) return [];
  return [
    '', '### Where the time goes', '',
    ...table(['op class', 'FLOPs', 'share of FLOPs', 'time', 'share of time'], ['l', 'r', 'r', 'r', 'r'],
      classes.map((share) => [share.opClass, formatFlops(share.flops), formatShare(share.flopShare), formatTime(share.timeUs), formatShare(share.timeShare)])),
  ];
}

function findingSection(analysis: Analysis): string[] {
  const findings = findingsByTimeSaved(analysis.findings);
  if (!findings.length) return ['', '### Findings', '', 'None.'];
  return [
    '', `### Findings (${findings.length}), largest saving first`, '',
    ...table(['line', 'code', 'severity', 'saves', 'message'], ['r', 'l', 'l', 'r', 'l'],
      findings.map((finding) => [
        String(lineOf(finding.span.startLine)),
        ruleHelpUri(finding.code) ? `[${finding.code}](${ruleHelpUri(finding.code)})` : finding.code,
        finding.severity,
        [finding.timeSavedUs !== null ? `≈ ${formatTime(finding.timeSavedUs)}` : '', finding.bytesSaved !== null ? formatBytes(finding.bytesSaved) : '']
          .filter(Boolean).join(', ') || '—',
        finding.message,
      ])),
  ];
}

function opSection(analysis: Analysis): string[] {
  const all = opsInSourceOrder(analysis.costs);
  if (!all.length) return ['', '### Ops', '', 'No tensor ops recognised.'];
  const costs = all.filter((cost) => !isFree(cost));
  const free = all.filter(isFree);
  const freeLine = free.length ? ['', `Free (no FLOPs, no DRAM traffic): ${cell(freeOpList(free))}`] : [];
  return [
    '', '### Ops', '',
    ...table(['op', 'line', 'FLOPs', 'bytes', 'FLOP/B', 'time', 'bound', 'repeat'], ['l', 'r', 'r', 'r', 'r', 'r', 'l', 'r'],
      costs.map((cost) => [
        `\`${opName(cost.node)}\``,
        String(lineOf(cost.node.span.startLine)),
        formatFlops(cost.flops),
        formatBytes(cost.bytes),
        formatIntensity(cost.intensity),
        formatTime(cost.timeUs),
        boundCell(cost),
        cost.repeat === 1 ? '' : `×${cost.repeat}`,
      ])),
    ...freeLine,
  ];
}

function assumptionSection(analysis: Analysis): string[] {
  const { hardware } = analysis;
  const rows = analysis.assumptions.map((assumption) => [assumption.symbol, String(assumption.value), assumption.source]);
  rows.push(['DRAM bandwidth', formatBandwidth(hardware.bandwidth.value), hardware.bandwidth.source]);
  const tensor = hardware.tensorPeak[analysis.dtype];
  if (tensor) rows.push([`${analysis.dtype} tensor peak`, formatRate(tensor.value), tensor.source]);
  rows.push(['launch overhead', formatTime(hardware.launchOverhead.value * 1e6), hardware.launchOverhead.source]);
  return ['', '### Assumptions', '', ...table(['symbol', 'value', 'source'], ['l', 'r', 'l'], rows)];
}

function notesSection(analysis: Analysis): string[] {
  const notes = analysis.notes.map((note) => `- ${note.span ? `line ${lineOf(note.span.startLine)}: ` : ''}${note.code} ${note.message}`);
  return notes.length ? ['', '### Notes', '', ...notes] : [];
}

export function formatMarkdown(reports: readonly FileReport[]): string {
  const sections = reports.map(({ path, analysis }) => [
    `## \`${path}\``, '',
    ...summarySection(analysis),
    ...classSection(analysis),
    ...findingSection(analysis),
    ...opSection(analysis),
    ...assumptionSection(analysis),
    ...notesSection(analysis),
  ].join('\n'));
  const findings = reports.reduce((count, report) => count + report.analysis.findings.length, 0);
  const header = `# MemWall report\n\n${reports.length} file${reports.length === 1 ? '' : 's'} · ${findings} finding${findings === 1 ? '' : 's'}`;
  return `${[header, ...sections].join('\n\n')}\n`;
}
