// Code lenses above each forward and function that holds priced ops: its time, memory-bound share and fusion savings.
import type { CodeLens } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from '../core/ir/types';
import { formatShape } from '../core/ir/dims';
import { spanToRange } from './convert';
import { scopeFigures, scopeLine } from './scopes';

export function codeLenses(document: TextDocument, analysis: Analysis): CodeLens[] {
  const lenses: CodeLens[] = scopeFigures(analysis)
    .filter((figures) => figures.info.kind !== 'module' && figures.summary.timeUs > 0)
    .map((figures) => {
      const range = spanToRange(document, figures.info.span);
      // The lens sits on the def line; the range is collapsed to its start so it does not span the whole signature.
      return {
        range: { start: range.start, end: range.start },
        command: { title: `${scopeLine(figures, analysis.hardware.name)} · Roofline`, command: 'memwall.showRoofline' },
      };
    });
  return [...lenses, ...inputLenses(document, analysis)];
}

/**
 * "Set input shape…" above a function whose input shape was learned or stays unknown: the command asks for the shape
 * and writes it as a magic comment above the def (client/commands.ts setInputShape).
 */
function inputLenses(document: TextDocument, analysis: Analysis): CodeLens[] {
  const lenses: CodeLens[] = [];
  for (const input of analysis.inputs) {
    const learned = input.source.startsWith('from ');
    if (!learned && input.shape !== null) continue;
    const scope = analysis.graph.scopes.find((info) => info.name === input.scope);
    if (!scope) continue;
    const start = spanToRange(document, scope.span).start;
    const shape = input.shape ? formatShape(input.shape) : '[?]';
    lenses.push({
      range: { start, end: start },
      command: {
        title: `${input.name} = ${shape} (${learned ? 'learned' : 'unknown'}) · Set input shape…`,
        command: 'memwall.setInputShape',
        arguments: [document.uri, start.line, input.name, input.shape ? shape : ''],
      },
    });
  }
  return lenses;
}
