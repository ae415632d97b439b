// The Markdown report, written once for the editor's report command and `memwall analyze --format markdown`.
import { formatBandwidth, formatBytes, formatIntensity, formatPercent, formatRate, formatTime } from '../format';
import { coverage, coverageSentence } from '../cost/coverage';
import { separateRoots } from '../cost/summary';
import type { Analysis } from '../ir/types';
import { boundCell, figureCell, findingsByTimeSaved, freeOpList, isFree, lineOf, opName, opsInSourceOrder } from './rows';
import { formatFlops, formatShare } from './units';

/**
 * Where a rule's page is, for the code in the findings table; undefined prints the code without a link. The editor
 * links its bundled pages (vscode://file/…, which the preview opens), the CLI the README's rule table once it has one.
 */
export type RuleLink = (code: string) => string | undefined;

const noLink: RuleLink = () => undefined;

/** Table cells must not break the table: pipes escaped, newlines folded. */
const cell = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** Inline code, fenced by more backticks than the text holds in a row, so that `__init__.py` is not read as emphasis. */
function code(text: string): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  if (!longestRun) return `\`${text}\``;
  const fence = '`'.repeat(longestRun + 1);
  return `${fence} ${text} ${fence}`;
}

function table(headers: readonly string[], align: readonly ('l' | 'r')[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${headers.join(' | ')} |`,
    `|${align.map((a) => (a === 'r' ? '---:' : ':---')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

function summarySection(analysis: Analysis): string[] {
  const { total } = analysis.summary;
  const unpriced = total.unpricedOps ? ` · ${total.unpricedOps} op${total.unpricedOps === 1 ? '' : 's'} not priced` : '';
  const saved = analysis.findings.reduce((sum, finding) => sum + (finding.timeSavedUs ?? 0), 0);
  const covered = coverageSentence(coverage(analysis.costs));
  // Several roots are several forwards: each has its own figure per call, and their sum is no call's.
  const roots = separateRoots(analysis.summary);
  const headline = roots.length
    ? [
        `**${roots.length} roots**, each a forward of its own (\`--entry NAME\` analyses one), on ${analysis.hardware.name}, ${analysis.dtype}: one call of each`,
        '',
        ...table(['root', 'time', 'FLOPs', 'bytes', 'memory-bound', 'compute-bound', 'overhead-bound', 'not priced'], ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
          roots.map((root) => [
            code(root.scope), formatTime(root.timeUs), formatFlops(root.flops), formatBytes(root.bytes), formatPercent(root.memoryBoundShare),
            formatPercent(root.computeBoundShare), formatPercent(root.overheadBoundShare), root.unpricedOps ? String(root.unpricedOps) : '',
          ])),
        '',
        `All ${roots.length} together: ≈ ${formatTime(total.timeUs)} · ${formatFlops(total.flops)} · ${formatBytes(total.bytes)} moved`,
      ]
    : [`**≈ ${formatTime(total.timeUs)} per call** on ${analysis.hardware.name}, ${analysis.dtype} · ${formatFlops(total.flops)} · ${formatBytes(total.bytes)} moved`];
  return [
    ...headline,
    ...(covered ? ['', `${covered}.`] : []),
    '',
    `Time: ${formatPercent(total.memoryBoundShare)} memory-bound · ${formatPercent(total.computeBoundShare)} compute-bound · ` +
      `${formatPercent(total.overheadBoundShare)} overhead-bound${unpriced}`,
    ...(saved > 0 ? ['', `Fixing the findings below would save ≈ ${formatTime(saved)} per call (estimates do not add exactly when fixes overlap).`] : []),
  ];
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

function findingSection(analysis: Analysis, ruleLink: RuleLink): string[] {
  const findings = findingsByTimeSaved(analysis.findings);
  if (!findings.length) return ['', '### Findings', '', 'None.'];
  const linked = (ruleCode: string): string => {
    const link = ruleLink(ruleCode);
    return link ? `[${ruleCode}](${link})` : ruleCode;
  };
  return [
    '', `### Findings (${findings.length}), largest saving first`, '',
    ...table(['line', 'code', 'severity', 'saves', 'message'], ['r', 'l', 'l', 'r', 'l'],
      findings.map((finding) => [
        String(lineOf(finding.span.startLine)),
        linked(finding.code),
        finding.severity,
        [finding.timeSavedUs !== null ? `≈ ${formatTime(finding.timeSavedUs)}` : '', finding.bytesSaved !== null ? formatBytes(finding.bytesSaved) : '']
          .filter(Boolean).join(', ') || '—',
        finding.message,
      ])),
  ];
}

/** Analysis notes (a syntax error, a size that was missing) right under the findings, before the long op table. */
function notesSection(analysis: Analysis): string[] {
  const notes = analysis.notes.map((note) => `- ${note.span ? `line ${lineOf(note.span.startLine)}: ` : ''}${note.code} ${note.message.replace(/\r?\n/g, ' ')}`);
  return notes.length ? ['', '### Notes', '', ...notes] : [];
}

function opSection(analysis: Analysis): string[] {
  const all = opsInSourceOrder(analysis.costs);
  if (!all.length) return ['', '### Ops', '', 'No tensor ops recognised.'];
  const priced = all.filter((cost) => !isFree(cost));
  const free = all.filter(isFree);
  return [
    '', '### Ops', '',
    ...table(['line', 'op', 'scope', 'FLOPs', 'bytes', 'FLOP/B', 'time', 'bound', 'repeat'], ['r', 'l', 'l', 'r', 'r', 'r', 'r', 'l', 'r'],
      priced.map((cost) => [
        String(lineOf(cost.node.span.startLine)),
        code(opName(cost.node)),
        cost.node.scope,
        figureCell(cost, 'flops', formatFlops),
        figureCell(cost, 'bytes', formatBytes),
        formatIntensity(cost.intensity),
        formatTime(cost.timeUs),
        boundCell(cost),
        cost.repeat === 1 ? '' : `×${cost.repeat}`,
      ])),
    ...(free.length ? ['', `Free (views and other ops with no FLOPs and no DRAM traffic): ${cell(freeOpList(free))}`] : []),
  ];
}

/** The sizes and the GPU's figures that every number above rests on, each with where it came from. */
function assumptionSection(analysis: Analysis): string[] {
  const { hardware } = analysis;
  const rows = analysis.assumptions.map((assumption) => [assumption.symbol, String(assumption.value), assumption.source]);
  rows.push(['DRAM bandwidth', formatBandwidth(hardware.bandwidth.value), hardware.bandwidth.source]);
  const tensor = hardware.tensorPeak[analysis.dtype];
  if (tensor) rows.push([`${analysis.dtype} tensor peak`, formatRate(tensor.value), tensor.source]);
  rows.push(['launch overhead', formatTime(hardware.launchOverhead.value * 1e6), hardware.launchOverhead.source]);
  return ['', '### Assumptions', '', ...table(['symbol', 'value', 'source'], ['l', 'r', 'l'], rows)];
}

/** One file's section: `## name`, the summary, time by op class, ranked findings, notes, the op table and the assumptions. */
export function reportSection(name: string, analysis: Analysis, ruleLink: RuleLink = noLink): string {
  return [
    `## ${code(name)}`, '',
    ...summarySection(analysis),
    ...classSection(analysis),
    ...findingSection(analysis, ruleLink),
    ...notesSection(analysis),
    ...opSection(analysis),
    ...assumptionSection(analysis),
  ].join('\n');
}

/** The section of a file that could not be analysed, with the reason. */
export function failedSection(name: string, reason: string): string {
  return `## ${code(name)}\n\n${reason}`;
}

/** The report of several files: a title, a line that counts files and findings, then each file's section. */
export function reportDocument(sections: readonly { readonly section: string; readonly findings: number }[], title = 'MemWall report'): string {
  const findings = sections.reduce((sum, section) => sum + section.findings, 0);
  const header = `# ${title}\n\n${sections.length} file${sections.length === 1 ? '' : 's'} · ${findings} finding${findings === 1 ? '' : 's'}`;
  return `${[header, ...sections.map((section) => section.section)].join('\n\n')}\n`;
}
