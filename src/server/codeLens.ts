// Code lenses above each forward and function that holds priced ops: its time, memory-bound share and fusion savings.
import type { CodeLens } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from '../core/ir/types';
import { spanToRange } from './convert';
import { scopeFigures, scopeLine } from './scopes';

export function codeLenses(document: TextDocument, analysis: Analysis): CodeLens[] {
  return scopeFigures(analysis)
    .filter((figures) => figures.info.kind !== 'module' && figures.summary.timeUs > 0)
    .map((figures) => {
      const range = spanToRange(document, figures.info.span);
      // The lens sits on the def line; the range is collapsed to its start so it does not span the whole signature.
      return {
        range: { start: range.start, end: range.start },
        command: { title: `${scopeLine(figures, analysis.hardware.name)} · Roofline`, command: 'memwall.showRoofline' },
      };
    });
}
