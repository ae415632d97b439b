// Code actions on MemWall diagnostics: the finding's own fix, Wrap in torch.compile where Inductor fuses the pattern, a
// suppression comment, and Explain.
import { CodeActionKind, type CodeAction, type Diagnostic, type TextEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis, Finding, ScopeInfo } from '../core/ir/types';
import { findRule } from '../core/rules';
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

/** `import torch`, or an import that binds the name `torch` (`import torch.nn` does; `import torch.nn as nn` does not). */
const BINDS_TORCH = /^\s*import\s+(?:[\w.]+\s*,\s*)*torch(?:\.[\w.]+)?\s*(?:,|#|$)/m;

/** Where `import torch` goes when the file lacks it: after a `from __future__` import, which must stay first. */
function importTorchEdit(document: TextDocument): TextEdit[] {
  const text = document.getText();
  if (BINDS_TORCH.test(text)) return [];
  const lines = text.split('\n');
  let line = 0;
  lines.forEach((content, index) => {
    if (/^from\s+__future__\s+import\b/.test(content)) line = index + 1;
  });
  return [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: 'import torch\n' }];
}

/**
 * The function or forward a fusion finding sits in, when Inductor fuses its pattern and the function is not compiled
 * yet: decorating it with @torch.compile is then the one-line remedy. Module-level code cannot be decorated.
 */
function compilableScope(document: TextDocument, analysis: Analysis, finding: Finding): ScopeInfo | undefined {
  if (!/^MW2\d\d$/.test(finding.code) || !findRule(finding.code)?.underCompile.fuses) return undefined;
  const op = analysis.graph.ops.find((candidate) => candidate.id === finding.opIds[0]);
  if (!op || op.fusedBy === 'torch.compile') return undefined;
  const scope = analysis.graph.scopes.find((candidate) => candidate.name === op.scope && (candidate.kind === 'forward' || candidate.kind === 'function'));
  if (!scope) return undefined;
  // Already decorated (a decorator line right above the def names torch.compile or compile).
  for (let line = scope.span.startLine - 1; line >= 0; line--) {
    const text = document.getText({ start: { line, character: 0 }, end: endOfLine(document, line) }).trim();
    if (!text.startsWith('@')) break;
    if (/^@\s*(?:torch\.)?compile\b/.test(text)) return undefined;
  }
  return scope;
}

/** `@torch.compile` above the def, at its indentation, and `import torch` if the file lacks it. */
function wrapInCompile(document: TextDocument, scope: ScopeInfo, diagnostic: Diagnostic, code: string): CodeAction {
  const defLine = scope.span.startLine;
  // Decorators already there stay outermost: the new one goes right above the def keyword.
  const lineText = document.getText({ start: { line: defLine, character: 0 }, end: endOfLine(document, defLine) });
  const indent = /^\s*/.exec(lineText)?.[0] ?? '';
  const rule = findRule(code);
  return {
    title: `Wrap ${scope.name} in torch.compile (Inductor fuses ${rule ? rule.name.replace(/-/g, ' ') : code})`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    edit: {
      changes: {
        [document.uri]: [
          ...importTorchEdit(document),
          { range: { start: { line: defLine, character: 0 }, end: { line: defLine, character: 0 } }, newText: `${indent}@torch.compile\n` },
        ],
      },
    },
  };
}

export function codeActions(document: TextDocument, analysis: Analysis, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  const wrapped = new Set<string>();
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
    const scope = finding && compilableScope(document, analysis, finding);
    if (scope && !wrapped.has(scope.name)) {
      wrapped.add(scope.name);
      actions.push(wrapInCompile(document, scope, diagnostic, code));
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
