// `memwall roofline`: the same roofline chart as the editor's panel, as a standalone SVG or an HTML page of charts.
import { chartDataFromAnalysis, CHART_CSS, formatPercent, formatTime, renderRoofline } from '../core/chart';
import type { FileReport } from './report';

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One chart that stands alone: its own XML namespace and stylesheet. */
export function rooflineSvg(report: FileReport): string {
  const data = chartDataFromAnalysis(report.analysis);
  return `${renderRoofline(data, { standalone: true, title: `${report.path}: ${data.gpu.name}, ${data.dtype}` })}\n`;
}

/** A page with one chart per file, each under its summary, styled once in the head. */
export function rooflineHtml(reports: readonly FileReport[]): string {
  const sections = reports.map((report) => {
    const { analysis } = report;
    const total = analysis.summary.total;
    const summary = `≈ ${formatTime(total.timeUs)} per call on ${analysis.hardware.name}, ${analysis.dtype} · ` +
      `${formatPercent(total.memoryBoundShare)} of the time memory-bound, ${formatPercent(total.computeBoundShare)} compute-bound, ` +
      `${formatPercent(total.overheadBoundShare)} overhead-bound`;
    const chart = renderRoofline(chartDataFromAnalysis(analysis), { title: `${report.path}: ${analysis.hardware.name}, ${analysis.dtype}` });
    return `<section>\n<h2>${escapeHtml(report.path)}</h2>\n<p>${escapeHtml(summary)}</p>\n${chart}\n</section>`;
  });
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<title>MemWall roofline</title>',
    `<style>body { font-family: system-ui, sans-serif; margin: 2em; color: #222; } h2 { font-family: monospace; }${CHART_CSS}</style>`,
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
