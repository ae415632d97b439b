// Inlay hints at the end of each line that holds priced ops: `mem · 2.0 F/B · 34 µs`.
import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis, CostedOp } from '../core/ir/types';
import { BOUND_SHORT, formatIntensity, formatTime } from '../core/format';
import { endOfLine } from './convert';
import type { InlayHintMode } from './settings';

/** One hint per line: a single op shows its own figures; several show the costliest op and the line's total time. */
function hintText(ops: readonly CostedOp[], mode: InlayHintMode): string {
  const costliest = ops.reduce((best, op) => ((op.timeUs ?? -1) * op.repeat > (best.timeUs ?? -1) * best.repeat ? op : best));
  const bound = BOUND_SHORT[costliest.bound] ?? costliest.bound;
  if (mode === 'bound') return ops.length > 1 ? `${bound} (${ops.length} ops)` : bound;
  if (ops.length === 1) return `${bound} · ${formatIntensity(costliest.intensity)} F/B · ${formatTime(costliest.timeUs)}`;
  const total = ops.reduce((sum, op) => sum + (op.timeUs ?? 0), 0);
  return `${ops.length} ops · ${bound} · ${formatTime(total)}`;
}

export function inlayHints(document: TextDocument, analysis: Analysis, range: Range, mode: InlayHintMode): InlayHint[] {
  if (mode === 'off') return [];
  const byLine = new Map<number, CostedOp[]>();
  for (const cost of analysis.costs) {
    // Views cost nothing and unpriced ops have no figures: hints on them would only be noise.
    if (cost.unit === 'none' || cost.timeUs === null) continue;
    const line = cost.node.span.endLine;
    if (line < range.start.line || line > range.end.line) continue;
    byLine.set(line, [...(byLine.get(line) ?? []), cost]);
  }
  return [...byLine.entries()]
    .sort(([a], [b]) => a - b)
    .map(([line, ops]) => ({
      position: endOfLine(document, line),
      label: hintText(ops, mode),
      kind: InlayHintKind.Type,
      paddingLeft: true,
    }));
}
