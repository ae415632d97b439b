// Findings and analysis notes as LSP diagnostics: source `memwall`, the rule's code, the user's severity.
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis, Severity } from '../core/ir/types';
import { spanToRange } from './convert';

const SEVERITY: Readonly<Record<Severity, DiagnosticSeverity>> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/**
 * Tags by code: an avoidable copy is code that can go (the editor fades it). No rule reports deprecated APIs, so
 * `Deprecated` is not used.
 */
const TAGS: Readonly<Record<string, DiagnosticTag[]>> = {
  MW102: [DiagnosticTag.Unnecessary],
};

/** Where a code's documentation page is (a file: URI inside the extension), or undefined when there is none. */
export type RuleDocLink = (code: string) => string | undefined;

export function toDiagnostics(
  document: TextDocument,
  analysis: Analysis,
  severities: Readonly<Record<string, Severity | 'off'>>,
  ruleDocLink: RuleDocLink = () => undefined,
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
      // Every op the finding involves, unless the only one is the op the squiggle already sits on.
      relatedInformation: related.length > 1 || (related.length === 1 && !sameStart(related[0]!, finding.span.start, document)) ? related : undefined,
      tags: TAGS[finding.code],
      codeDescription: withHref(ruleDocLink(finding.code)),
      data: { kind: finding.kind, opIds: finding.opIds },
    });
  }
  // Notes tied to a place (an op whose shape is unknown) are information; notes on the whole file go to the panel.
  for (const note of analysis.notes) {
    // An override (entry, input shape, size) that applies to nothing in the file is a warning on its first line.
    if (note.override) {
      const level = severities[note.code] ?? 'warning';
      if (level === 'off') continue;
      diagnostics.push({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: SEVERITY[level], code: note.code, source: 'memwall', message: note.message });
      continue;
    }
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

const withHref = (href: string | undefined): Diagnostic['codeDescription'] => (href ? { href } : undefined);

function sameStart(related: DiagnosticRelatedInformation, offset: number, document: TextDocument): boolean {
  const start = document.positionAt(offset);
  return related.location.range.start.line === start.line && related.location.range.start.character === start.character;
}
