// `memwall roofline`: the same roofline chart as the editor's panel, as a standalone SVG or an HTML page of charts.
import { separateRoots } from '../core/cost/summary';
import { chartDataFromAnalysis, CHART_CSS, formatBytes, formatFlops, formatIntensity, formatPercent, formatTime, renderRoofline } from '../core/chart';
import type { Analysis } from '../core/ir/types';
import type { FileReport } from './report';

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One chart that stands alone: its own XML namespace and stylesheet. */
export function rooflineSvg(report: FileReport): string {
  const data = chartDataFromAnalysis(report.analysis);
  return `${renderRoofline(data, { standalone: true, title: `${report.path}: ${data.gpu.name}, ${data.dtype}` })}\n`;
}

function htmlTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** The FLOP-share vs time-share table by op class, and every op that launches a kernel, slowest first. */
function analysisTables(analysis: Analysis): string {
  const classes = htmlTable(['op class', 'FLOPs', 'FLOP share', 'time', 'time share'], analysis.summary.classes.map((c) => [
    c.opClass, formatFlops(c.flops), formatPercent(c.flopShare), formatTime(c.timeUs), formatPercent(c.timeShare),
  ]));
  // Views and other free ops launch no kernel; they stay out of the table, as in the CLI's text report.
  const priced = analysis.costs.filter((cost) => !(cost.flops === 0 && cost.bytes === 0));
  // Ops on a fallback path do not run when the fused path does: they go last, after the ops that are counted.
  const total = (cost: Analysis['costs'][number]) => (cost.node.fusedBy === 'fallback' ? -2e15 : 0) + (cost.timeUs === null ? -1 : cost.timeUs * cost.repeat);
  const ops = [...priced].sort((a, b) => total(b) - total(a)).map((cost) => [
    cost.node.label, String(cost.node.span.startLine + 1), formatFlops(cost.flops), formatBytes(cost.bytes), formatIntensity(cost.intensity),
    formatTime(cost.timeUs), cost.bound, cost.repeat > 1 ? `×${cost.repeat}` : '', cost.node.fusedBy === 'fallback' ? 'fallback path, not counted' : '',
  ]);
  return `<h3>Where the time goes</h3>\n${classes}\n<h3>Ops, slowest first</h3>\n${htmlTable(['op', 'line', 'FLOPs', 'bytes', 'FLOP/B', 'time', 'bound', 'repeat', 'note'], ops)}`;
}

/** A page with one chart per file, each under its summary, styled once in the head. */
export function rooflineHtml(reports: readonly FileReport[]): string {
  const sections = reports.map((report) => {
    const { analysis } = report;
    const total = analysis.summary.total;
    // Several roots are several forwards: each one's call, then what they add up to.
    const roots = separateRoots(analysis.summary);
    const perRoot = roots.map((root) => `${root.scope} ≈ ${formatTime(root.timeUs)}`).join(', ');
    const summary = (roots.length ? `${roots.length} roots, each a forward of its own, one call of each: ${perRoot}; all together ` : '') +
      `≈ ${formatTime(total.timeUs)}${roots.length ? '' : ' per call'} on ${analysis.hardware.name}, ${analysis.dtype} · ` +
      `${formatPercent(total.memoryBoundShare)} of the time memory-bound, ${formatPercent(total.computeBoundShare)} compute-bound, ` +
      `${formatPercent(total.overheadBoundShare)} overhead-bound`;
    const chart = renderRoofline(chartDataFromAnalysis(analysis), { title: `${report.path}: ${analysis.hardware.name}, ${analysis.dtype}` });
    return `<section>\n<h2>${escapeHtml(report.path)}</h2>\n<p>${escapeHtml(summary)}</p>\n${chart}\n${analysisTables(analysis)}\n</section>`;
  });
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<title>MemWall roofline</title>',
    `<style>body { font-family: system-ui, sans-serif; margin: 2em; color: #222; } h2 { font-family: monospace; } table { border-collapse: collapse; margin: 0.5em 0 1.5em; } th, td { border-bottom: 1px solid #ddd; padding: 0.2em 0.8em; text-align: right; white-space: nowrap; } th:first-child, td:first-child { text-align: left; font-family: monospace; }${CHART_CSS}</style>`,
    '</head>',
    '<body>',
    '<h1>MemWall roofline</h1>',
    '<p>Each point is one op: arithmetic intensity (FLOP per DRAM byte) across, attained FLOP/s up. Below the slanted memory roof an op waits on DRAM; under the flat compute roofs it waits on arithmetic.</p>',
    ...sections,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
