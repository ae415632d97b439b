// Findings and analysis notes as LSP diagnostics: source `memwall`, the rule's code, the user's severity.
import { DiagnosticSeverity, type Diagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis, Severity } from '../core/ir/types';
import { spanToRange } from './convert';

const SEVERITY: Readonly<Record<Severity, DiagnosticSeverity>> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toDiagnostics(
  document: TextDocument,
  analysis: Analysis,
  severities: Readonly<Record<string, Severity | 'off'>>,
): Diagnostic[] {
  const opsById = new Map(analysis.graph.ops.map((op) => [op.id, op]));
  const diagnostics: Diagnostic[] = [];
  for (const finding of analysis.findings) {
    // runRules already applies the severity settings; `off` is checked again so a stale finding cannot slip through.
    if (severities[finding.code] === 'off') continue;
    const related: DiagnosticRelatedInformation[] = finding.opIds
      .map((id) => opsById.get(id))
      .filter((op) => op !== undefined)
      .map((op) => ({
        location: { uri: document.uri, range: spanToRange(document, op.span) },
        message: `${op.label} (line ${op.span.startLine + 1})`,
      }));
    diagnostics.push({
      range: spanToRange(document, finding.span),
      severity: SEVERITY[finding.severity],
      code: finding.code,
      source: 'memwall',
      message: finding.message,
      relatedInformation: related.length > 1 ? related : undefined,
      data: { kind: finding.kind, opIds: finding.opIds },
    });
  }
  // Notes tied to a place (an op whose shape is unknown) are information; notes on the whole file go to the panel.
  for (const note of analysis.notes) {
    if (!note.span) continue;
    const level = severities[note.code] ?? 'information';
    if (level === 'off') continue;
    diagnostics.push({
      range: spanToRange(document, note.span),
      severity: SEVERITY[level],
      code: note.code,
      source: 'memwall',
      message: note.message,
    });
  }
  return diagnostics;
}
