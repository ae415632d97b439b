// The human report: per-op table, where the time goes, the assumptions behind the figures, and the findings.
import { coverage, coverageSentence } from '../../core/cost/coverage';
import { formatShape } from '../../core/ir/dims';
import { rootIndexOf, separateRoots } from '../../core/cost/summary';
import type { Analysis, ScopeSummary } from '../../core/ir/types';
import { boundCell, figureCell, type FileReport, findingsInOrder, freeOpList, isFree, lineOf, opName, opsInSourceOrder, peaksFor } from '../report';
import {
  formatBandwidth, formatBytes, formatFlops, formatIntensity, formatPercent, formatRate, formatShare, formatTime,
} from '../units';
import { renderTable, type Column } from './table';

const OP_COLUMNS: readonly Column[] = [
  { header: 'op', align: 'left', maxWidth: 32 },
  { header: 'line', align: 'right' },
  { header: 'FLOPs', align: 'right' },
  { header: 'bytes', align: 'right' },
  { header: 'FLOP/B', align: 'right' },
  { header: 'time', align: 'right' },
  { header: 'bound', align: 'left' },
  { header: 'repeat', align: 'right' },
];

/** The op table's last column when a file has several roots. */
const ROOT_COLUMN: Column = { header: 'root', align: 'left', maxWidth: 32 };

const CLASS_COLUMNS: readonly Column[] = [
  { header: 'class', align: 'left' },
  { header: 'FLOPs', align: 'right' },
  { header: 'FLOP share', align: 'right' },
  { header: 'time', align: 'right' },
  { header: 'time share', align: 'right' },
];

/** The header line: which GPU and dtype priced the file, and the peaks that matter for it. */
function hardwareLines(analysis: Analysis): string[] {
  const { hardware, dtype } = analysis;
  const peaks = peaksFor(hardware, dtype);
  const parts = [`${formatBandwidth(hardware.bandwidth.value)} DRAM`];
  if (peaks.tensor) parts.push(`${formatRate(peaks.tensor.value)} ${dtype} tensor`);
  if (peaks.vector) parts.push(`${formatRate(peaks.vector.value)} vector`);
  parts.push(`launch ${formatTime(hardware.launchOverhead.value * 1e6)}`);
  parts.push(`η memory ${formatPercent(hardware.memoryEfficiency.value)}, compute ${formatPercent(hardware.computeEfficiency.value)}`);
  return [`  GPU ${hardware.name}: ${parts.join(' · ')}`];
}

/** Time, FLOPs, bytes and bound shares of one summary, as the headline's parts. */
function figureParts(summary: ScopeSummary, per: string): string[] {
  const parts = [
    `≈ ${formatTime(summary.timeUs)}${per}`,
    `${formatFlops(summary.flops)}`,
    `${formatBytes(summary.bytes)} moved`,
    `time memory-bound ${formatPercent(summary.memoryBoundShare)}`,
    `compute-bound ${formatPercent(summary.computeBoundShare)}`,
    `overhead-bound ${formatPercent(summary.overheadBoundShare)}`,
  ];
  if (summary.unpricedOps > 0) parts.push(`${summary.unpricedOps} op${summary.unpricedOps === 1 ? '' : 's'} not priced`);
  return parts;
}

const ROOT_COLUMNS: readonly Column[] = [
  { header: 'root', align: 'left', maxWidth: 40 },
  { header: 'time', align: 'right' },
  { header: 'FLOPs', align: 'right' },
  { header: 'bytes', align: 'right' },
  { header: 'memory-bound', align: 'right' },
  { header: 'compute-bound', align: 'right' },
  { header: 'overhead-bound', align: 'right' },
  { header: 'not priced', align: 'right' },
];

function rootRow(root: ScopeSummary): string[] {
  return [
    root.scope,
    formatTime(root.timeUs),
    formatFlops(root.flops),
    formatBytes(root.bytes),
    formatPercent(root.memoryBoundShare),
    formatPercent(root.computeBoundShare),
    formatPercent(root.overheadBoundShare),
    root.unpricedOps > 0 ? `${root.unpricedOps} op${root.unpricedOps === 1 ? '' : 's'}` : '',
  ];
}

function summaryLines(analysis: Analysis): string[] {
  const total = analysis.summary.total;
  // Several roots are several forwards (a causal-LM head and a classification head): each has its own figure per
  // call, and their sum is no call's.
  const roots = separateRoots(analysis.summary);
  const lines = roots.length
    ? [
        `  ${roots.length} roots, each a forward of its own (\`--entry NAME\` analyses one); one call of each:`,
        ...renderTable(ROOT_COLUMNS, roots.map(rootRow), '    '),
        `  all ${roots.length} together: ${figureParts(total, '').join(' · ')}`,
      ]
    : [`  ${figureParts(total, ' per call').join(' · ')}`];
  // Totals over a part of the graph must say so, and why the rest is missing.
  const covered = coverageSentence(coverage(analysis.costs));
  return covered ? [...lines, `  ${covered}`] : lines;
}

function opLines(analysis: Analysis): string[] {
  const all = opsInSourceOrder(analysis.costs);
  if (all.length === 0) return ['  No tensor ops recognised.'];
  // Free ops (views, no-op dropout) would fill the table with zeros; they are named in one line below it instead.
  const costs = all.filter((cost) => !isFree(cost));
  const free = all.filter(isFree);
  const rows = costs.map((cost) => [
    opName(cost.node),
    String(lineOf(cost.node.span.startLine)),
    figureCell(cost, 'flops', formatFlops),
    figureCell(cost, 'bytes', formatBytes),
    formatIntensity(cost.intensity),
    formatTime(cost.timeUs),
    boundCell(cost),
    cost.repeat === 1 ? '' : `×${cost.repeat}`,
  ]);
  // With several roots, code they share appears once per root: the last column says whose each row is.
  const roots = analysis.graph.roots ?? [];
  const byRoot = separateRoots(analysis.summary).length > 0;
  if (byRoot) costs.forEach((cost, index) => rows[index]?.push(roots[rootIndexOf(roots, cost.node.id)]?.name ?? ''));
  const lines = costs.length ? renderTable(byRoot ? [...OP_COLUMNS, ROOT_COLUMN] : OP_COLUMNS, rows) : ['  No op does arithmetic or moves data.'];
  if (free.length) lines.push(`  Free (no FLOPs, no DRAM traffic): ${freeOpList(free)}`);
  return lines;
}

function classLines(analysis: Analysis): string[] {
  const classes = analysis.summary.classes.filter((share) => share.flops > 0 || share.timeUs > 0);
  if (classes.length === 0) return [];
  const rows = classes.map((share) => [
    share.opClass,
    formatFlops(share.flops),
    formatShare(share.flopShare),
    formatTime(share.timeUs),
    formatShare(share.timeShare),
  ]);
  return ['', '  Where the time goes (share of FLOPs vs share of time)', ...renderTable(CLASS_COLUMNS, rows, '    ')];
}

/** Each root's inputs: the shape analysed, in numbers where bound, and where it came from. */
function inputLines(analysis: Analysis): string[] {
  if (analysis.inputs.length === 0) return [];
  return [
    '',
    '  Inputs',
    ...analysis.inputs.map((input) => {
      const sizes = input.sizes && input.shape?.some((dim) => dim.kind !== 'num') ? ` = [${input.sizes.join(', ')}]` : '';
      const dtype = input.dtype === 'default' ? '' : ` ${input.dtype}`;
      return `    ${input.scope} ${input.name} = ${formatShape(input.shape)}${sizes}${dtype}  (${input.source})`;
    }),
  ];
}

function assumptionLines(analysis: Analysis): string[] {
  const { hardware, dtype } = analysis;
  const peaks = peaksFor(hardware, dtype);
  const lines = ['', '  Assumptions'];
  for (const assumption of analysis.assumptions) {
    lines.push(`    ${assumption.symbol} = ${assumption.value}  (${assumption.source})`);
  }
  if (analysis.assumptions.length === 0) lines.push('    no symbolic sizes were needed');
  lines.push(`    bandwidth ${formatBandwidth(hardware.bandwidth.value)}  (${hardware.bandwidth.source})`);
  if (peaks.tensor) lines.push(`    ${dtype} tensor peak ${formatRate(peaks.tensor.value)}  (${peaks.tensor.source})`);
  lines.push(`    launch overhead ${formatTime(hardware.launchOverhead.value * 1e6)}  (${hardware.launchOverhead.source})`);
  return lines;
}

function findingLines(analysis: Analysis): string[] {
  const findings = findingsInOrder(analysis.findings);
  const lines = ['', findings.length ? `  Findings (${findings.length})` : '  Findings: none'];
  for (const finding of findings) {
    const savings: string[] = [];
    if (finding.bytesSaved !== null) savings.push(`saves ${formatBytes(finding.bytesSaved)}`);
    if (finding.timeSavedUs !== null) savings.push(`≈ ${formatTime(finding.timeSavedUs)}`);
    const where = `${lineOf(finding.span.startLine)}:${finding.span.startColumn + 1}`;
    lines.push(`    ${where}  ${finding.severity} ${finding.code} ${finding.message}${savings.length ? ` [${savings.join(', ')}]` : ''}`);
  }
  return lines;
}

/** How many op notes of one cause are named one by one before the rest is counted. */
const NAMED_OPS = 4;

function noteLines(analysis: Analysis): string[] {
  const notes = analysis.notes.map((note) => {
    const where = note.span ? `${lineOf(note.span.startLine)}: ` : '';
    return `    ${where}${note.code} ${note.message}`;
  });
  // One line per cause, not per op: a note that 32 layer instances share is one note naming a few of them.
  const byNote = new Map<string, { count: number; places: string[] }>();
  for (const cost of opsInSourceOrder(analysis.costs)) {
    for (const note of cost.node.notes) {
      const entry = byNote.get(note) ?? { count: 0, places: [] };
      const where = `${lineOf(cost.node.span.startLine)}: ${opName(cost.node)}`;
      entry.count++;
      if (!entry.places.includes(where)) entry.places.push(where);
      byNote.set(note, entry);
    }
  }
  for (const [note, { count, places }] of byNote) {
    if (count === 1) notes.push(`    ${places[0]}: ${note}`);
    else notes.push(`    ${note} (${count} ops: ${places.slice(0, NAMED_OPS).join(', ')}${places.length > NAMED_OPS ? ', …' : ''})`);
  }
  return notes.length ? ['', '  Notes', ...notes] : [];
}

export function formatText(reports: readonly FileReport[]): string {
  const sections = reports.map(({ path, analysis }) =>
    [
      `${path} — ${analysis.hardware.name} (${analysis.hardware.id}), ${analysis.dtype}`,
      ...hardwareLines(analysis),
      ...summaryLines(analysis),
      '',
      ...opLines(analysis),
      ...classLines(analysis),
      ...inputLines(analysis),
      ...assumptionLines(analysis),
      ...findingLines(analysis),
      ...noteLines(analysis),
    ].join('\n'),
  );
  if (reports.length > 1) {
    const findings = reports.reduce((count, report) => count + report.analysis.findings.length, 0);
    const ops = reports.reduce((count, report) => count + report.analysis.costs.length, 0);
    sections.push(`${reports.length} files · ${ops} ops · ${findings} findings`);
  }
  return `${sections.join('\n\n')}\n`;
}
