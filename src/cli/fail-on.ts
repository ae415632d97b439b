// The CI gate: which findings match `--fail-on` (a code such as MW201, or a severity meaning that severity or worse).
import type { Finding, Severity } from '../core/ir/types';
import type { FileReport } from './report';

/** Lower is more severe; `--fail-on warning` also fails on errors. */
const SEVERITY_RANK: Readonly<Record<Severity, number>> = { error: 0, warning: 1, information: 2, hint: 3 };

export function matchesFailOn(finding: Finding, condition: string): boolean {
  if (condition in SEVERITY_RANK) return SEVERITY_RANK[finding.severity] <= SEVERITY_RANK[condition as Severity];
  return finding.code === condition;
}

export function failOnMatches(reports: readonly FileReport[], conditions: readonly string[]): Finding[] {
  if (!conditions.length) return [];
  return reports.flatMap((report) =>
    report.analysis.findings.filter((finding) => conditions.some((condition) => matchesFailOn(finding, condition))),
  );
}
