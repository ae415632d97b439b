// The editor features on a resolved document: each computed on the analysed program, then mapped to the document the
// request named (a file is its own program; a notebook cell gets the part of its notebook's program that it holds).
import type { CodeAction, CodeLens, Diagnostic, Hover, InlayHint, Range, TextEdit } from 'vscode-languageserver';
import type { Analysis } from '../core/ir/types';
import { codeActions } from './codeActions';
import { codeLenses } from './codeLens';
import type { ResolvedDocument } from './documents';
import { hoverAt } from './hover';
import { inlayHints } from './inlayHints';
import type { InlayHintMode } from './settings';

const toProgramRange = (resolved: ResolvedDocument, range: Range): Range => ({ start: resolved.toProgram(range.start), end: resolved.toProgram(range.end) });

export function hoverIn(resolved: ResolvedDocument, analysis: Analysis, position: Range['start']): Hover | null {
  const hover = hoverAt(resolved.program, analysis, resolved.program.offsetAt(resolved.toProgram(position)));
  if (!hover?.range) return hover;
  const shown = resolved.fromProgram(hover.range);
  return shown ? { ...hover, range: shown.range } : { contents: hover.contents };
}

export function inlayHintsIn(resolved: ResolvedDocument, analysis: Analysis, range: Range, mode: InlayHintMode): InlayHint[] {
  return inlayHints(resolved.program, analysis, toProgramRange(resolved, range), mode).flatMap((hint) => {
    const shown = resolved.fromProgram({ start: hint.position, end: hint.position });
    return shown ? [{ ...hint, position: shown.range.start }] : [];
  });
}

/** Commands of code lenses whose first two arguments are a document and a line of it (client/commands.ts). */
const LENS_COMMANDS_WITH_PLACE: ReadonlySet<string> = new Set(['memwall.setInputShape']);

export function codeLensesIn(resolved: ResolvedDocument, analysis: Analysis): CodeLens[] {
  return codeLenses(resolved.program, analysis).flatMap((lens) => {
    const shown = resolved.fromProgram(lens.range);
    if (!shown) return [];
    const command = lens.command && LENS_COMMANDS_WITH_PLACE.has(lens.command.command)
      ? { ...lens.command, arguments: [shown.uri, shown.range.start.line, ...(lens.command.arguments ?? []).slice(2)] }
      : lens.command;
    return [{ ...lens, range: shown.range, ...(command ? { command } : {}) }];
  });
}

/**
 * Code actions for diagnostics of the requested document: the diagnostics are placed in the program, the actions
 * computed there, and every edit goes back to the document (the cell) that holds it.
 */
export function codeActionsIn(resolved: ResolvedDocument, analysis: Analysis, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const inProgram = diagnostics.map((diagnostic) => ({ ...diagnostic, range: toProgramRange(resolved, diagnostic.range) }));
  const original = new Map(inProgram.map((diagnostic, index) => [diagnostic, diagnostics[index]!]));
  return codeActions(resolved.program, analysis, inProgram).map((action) => {
    const changes: Record<string, TextEdit[]> = {};
    for (const edit of Object.values(action.edit?.changes ?? {}).flat()) {
      // An edit may land in another cell than the diagnostic's (`import torch` goes in the first cell).
      const shown = resolved.anywhere(edit.range);
      if (shown) (changes[shown.uri] ??= []).push({ ...edit, range: shown.range });
    }
    return {
      ...action,
      ...(action.diagnostics ? { diagnostics: action.diagnostics.map((diagnostic) => original.get(diagnostic) ?? diagnostic) } : {}),
      ...(action.edit ? { edit: { changes } } : {}),
    };
  });
}
