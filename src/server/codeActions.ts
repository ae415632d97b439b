// Code actions on MemWall diagnostics: the finding's own fix when it has one, a suppression comment, and Explain.
import { CodeActionKind, type CodeAction, type Diagnostic, type TextEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis, Finding } from '../core/ir/types';
import { endOfLine, spanToRange } from './convert';

const sameRange = (a: Diagnostic['range'], b: Diagnostic['range']): boolean =>
  a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;

/** Adds the code to the line's `# memwall: ignore[...]`, or appends one at the end of the line. */
export function suppressionEdit(document: TextDocument, line: number, code: string): TextEdit {
  const text = document.getText({ start: { line, character: 0 }, end: endOfLine(document, line) });
  const existing = /#\s*memwall:.*\bignore\[([^\]]*)\]/.exec(text);
  if (existing) {
    const closing = existing.index + existing[0].length - 1;
    const separator = existing[1]!.trim() ? ', ' : '';
    return { range: { start: { line, character: closing }, end: { line, character: closing } }, newText: `${separator}${code}` };
  }
  return { range: { start: endOfLine(document, line), end: endOfLine(document, line) }, newText: `  # memwall: ignore[${code}]` };
}

export function codeActions(document: TextDocument, analysis: Analysis, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    if (diagnostic.source !== 'memwall' || typeof diagnostic.code !== 'string') continue;
    const code = diagnostic.code;
    const finding: Finding | undefined = analysis.findings.find(
      (candidate) => candidate.code === code && sameRange(spanToRange(document, candidate.span), diagnostic.range),
    );
    if (finding?.fix) {
      actions.push({
        title: finding.fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: true,
        edit: { changes: { [document.uri]: finding.fix.edits.map((edit) => ({ range: spanToRange(document, edit.span), newText: edit.newText })) } },
      });
    }
    actions.push({
      title: `Suppress ${code} on this line (# memwall: ignore[${code}])`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      edit: { changes: { [document.uri]: [suppressionEdit(document, diagnostic.range.start.line, code)] } },
    });
    actions.push({
      title: `Explain ${code}`,
      kind: CodeActionKind.Empty,
      diagnostics: [diagnostic],
      command: { title: `Explain ${code}`, command: 'memwall.explainFinding', arguments: [code] },
    });
  }
  return actions;
}
