// Code actions on MemWall diagnostics: the fixes the core offers for the finding (its own rewrite, Wrap in
// torch.compile where Inductor fuses the pattern), a suppression comment, and Explain.
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis, Finding, Fix } from '../core/ir/types';
import { fixKey, fixesOf, suppressionFix } from '../core/rules/fixes';
import { spanToRange } from './convert';

const sameRange = (a: Diagnostic['range'], b: Diagnostic['range']): boolean =>
  a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;

function quickFix(document: TextDocument, diagnostic: Diagnostic, fix: Fix, isPreferred: boolean): CodeAction {
  return {
    title: fix.title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    ...(isPreferred ? { isPreferred } : {}),
    edit: { changes: { [document.uri]: fix.edits.map((edit) => ({ range: spanToRange(document, edit.span), newText: edit.newText })) } },
  };
}

export function codeActions(document: TextDocument, analysis: Analysis, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  // One Wrap in torch.compile per function, however many of its findings offer it.
  const offered = new Set<string>();
  const text = document.getText();
  for (const diagnostic of diagnostics) {
    if (diagnostic.source !== 'memwall' || typeof diagnostic.code !== 'string') continue;
    const code = diagnostic.code;
    const finding: Finding | undefined = analysis.findings.find(
      (candidate) => candidate.code === code && sameRange(spanToRange(document, candidate.span), diagnostic.range),
    );
    for (const fix of finding ? fixesOf(text, analysis, finding) : []) {
      if (offered.has(fixKey(fix))) continue;
      offered.add(fixKey(fix));
      actions.push(quickFix(document, diagnostic, fix, fix.safe));
    }
    actions.push(quickFix(document, diagnostic, suppressionFix(text, diagnostic.range.start.line, code), false));
    actions.push({
      title: `Explain ${code}`,
      kind: CodeActionKind.Empty,
      diagnostics: [diagnostic],
      command: { title: `Explain ${code}`, command: 'memwall.explainFinding', arguments: [code] },
    });
  }
  return actions;
}
