// The `memwall/report` request: a file's report as Markdown (summary, time by op class, ranked findings, op table).
import type { Analysis, CostedOp } from '../core/ir/types';
import {
  BOUND_SHORT, formatAssumption, formatBytes, formatFlops, formatIntensity, formatPercent, formatTime,
} from '../core/format';

/** Where a rule's page is (a file: URI inside the extension); without one the code is printed without a link. */
export type RuleLink = (code: string) => string | undefined;

/** Table cells must not break the table: pipes escaped, newlines folded. */
const cell = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function table(headers: readonly string[], rightAligned: readonly boolean[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${headers.join(' | ')} |`,
    `|${rightAligned.map((right) => (right ? '---:' : ':---')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

/** An op that does no arithmetic and moves no DRAM bytes (views, dropout with p=0): listed in one line, not as rows. */
const isFree = (cost: CostedOp): boolean => cost.flops === 0 && cost.bytes === 0;
const line = (zeroBased: number): number => zeroBased + 1;
const opName = (cost: CostedOp): string => cost.node.label || cost.node.op;

function summary(analysis: Analysis): string[] {
  const { total } = analysis.summary;
  const saved = analysis.findings.reduce((sum, finding) => sum + (finding.timeSavedUs ?? 0), 0);
  return [
    `**≈ ${formatTime(total.timeUs)} per call** on ${analysis.hardware.name}, ${analysis.dtype} · ${formatFlops(total.flops)} · ${formatBytes(total.bytes)} moved`,
    '',
    `Time: ${formatPercent(total.memoryBoundShare)} memory-bound · ${formatPercent(total.computeBoundShare)} compute-bound · ` +
      `${formatPercent(total.overheadBoundShare)} overhead-bound` + (total.unpricedOps ? ` · ${total.unpricedOps} ops not priced` : ''),
    ...(saved > 0 ? ['', `Fixing the findings below would save ≈ ${formatTime(saved)} per call (estimates do not add exactly when fixes overlap).`] : []),
    '',
    `Sizes: ${analysis.assumptions.map(formatAssumption).join(', ') || 'none needed'}`,
  ];
}

function classes(analysis: Analysis): string[] {
  const shares = analysis.summary.classes.filter((share) => share.flops > 0 || share.timeUs > 0);
  if (!shares.length) return [];
  return [
    '', '### Where the time goes', '',
    ...table(['op class', 'FLOPs', 'share of FLOPs', 'time', 'share of time'], [false, true, true, true, true],
      shares.map((share) => [share.opClass, formatFlops(share.flops), formatPercent(share.flopShare), formatTime(share.timeUs), formatPercent(share.timeShare)])),
  ];
}

function findings(analysis: Analysis, ruleLink: RuleLink): string[] {
  const ranked = [...analysis.findings].sort((a, b) => (b.timeSavedUs ?? -1) - (a.timeSavedUs ?? -1) || a.span.start - b.span.start);
  const notes = analysis.notes.map((note) => `- ${note.span ? `line ${line(note.span.startLine)}: ` : ''}${note.code} ${cell(note.message)}`);
  const noteLines = notes.length ? ['', '### Notes', '', ...notes] : [];
  if (!ranked.length) return ['', '### Findings', '', 'None.', ...noteLines];
  const code = (value: string): string => {
    const link = ruleLink(value);
    return link ? `[${value}](${link})` : value;
  };
  return [
    '', `### Findings (${ranked.length}), largest saving first`, '',
    ...table(['line', 'code', 'severity', 'saves', 'message'], [true, false, false, true, false],
      ranked.map((finding) => [
        String(line(finding.span.startLine)),
        code(finding.code),
        finding.severity,
        [finding.timeSavedUs !== null ? `≈ ${formatTime(finding.timeSavedUs)}` : '', finding.bytesSaved !== null ? formatBytes(finding.bytesSaved) : '']
          .filter(Boolean).join(', ') || '—',
        finding.message,
      ])),
    ...noteLines,
  ];
}

function ops(analysis: Analysis): string[] {
  const inOrder = [...analysis.costs].sort((a, b) => a.node.span.start - b.node.span.start || a.node.id - b.node.id);
  if (!inOrder.length) return ['', '### Ops', '', 'No tensor ops recognised.'];
  const priced = inOrder.filter((cost) => !isFree(cost));
  const free = inOrder.filter(isFree);
  return [
    '', '### Ops', '',
    ...table(['line', 'op', 'scope', 'FLOPs', 'bytes', 'FLOP/B', 'time', 'bound', 'repeat'], [true, false, false, true, true, true, true, false, true],
      priced.map((cost) => [
        String(line(cost.node.span.startLine)),
        `\`${opName(cost)}\``,
        cost.node.scope,
        formatFlops(cost.flops),
        formatBytes(cost.bytes),
        formatIntensity(cost.intensity),
        formatTime(cost.timeUs),
        BOUND_SHORT[cost.bound] ?? cost.bound,
        cost.repeat === 1 ? '' : `×${cost.repeat}`,
      ])),
    ...(free.length ? ['', `Free (views and other ops with no FLOPs and no DRAM traffic): ${cell(free.map((cost) => `${opName(cost)} (${line(cost.node.span.startLine)})`).join(', '))}`] : []),
  ];
}

/** One file's section: `## name` and its tables. */
export function reportSection(fileName: string, analysis: Analysis, ruleLink: RuleLink = () => undefined): string {
  return [`## ${fileName}`, '', ...summary(analysis), ...classes(analysis), ...findings(analysis, ruleLink), ...ops(analysis)].join('\n');
}

/** A section for a file that could not be analysed, with the reason. */
export function failedSection(fileName: string, reason: string): string {
  return `## ${fileName}\n\n${reason}`;
}
