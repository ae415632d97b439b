// `memwall analyze --format markdown`: core's Markdown report, with rule codes linked to the README's rule table.
import { reportDocument, reportSection } from '../../core/report/markdown';
import type { FileReport } from '../report';
import { ruleHelpUri } from '../rule-docs';

export function formatMarkdown(reports: readonly FileReport[]): string {
  return reportDocument(reports.map(({ path, analysis }) => ({
    section: reportSection(path, analysis, ruleHelpUri),
    findings: analysis.findings.length,
  })));
}
