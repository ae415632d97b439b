// The fixes a finding offers, as text edits on spans, shared by the server's quick fixes and the CLI (SARIF, memwall fix).
import type { Analysis, Finding, Fix, ScopeInfo, Span } from '../ir/types';
import { findRule } from './index';
import { lineStart, spanOf } from './text';

/**
 * A fix with how far it may be trusted, as ruff grades them: a safe fix keeps what the code computes (the rule's own
 * rewrite, made only where the source has the plain shape it can rewrite), an unsafe one changes how it runs
 * (torch.compile), so `memwall fix` applies it only when asked.
 */
export interface OfferedFix extends Fix {
  readonly safe: boolean;
}

/** The text of a 0-based line, without its line break. */
function lineText(text: string, line: number): string {
  return text.slice(lineStart(text, line), lineStart(text, line + 1)).replace(/\r?\n$/, '');
}

/** A zero-width span at an offset. */
const at = (text: string, offset: number): Span => spanOf(text, offset, offset);

/** Adds the code to the line's `# memwall: ignore[...]`, or appends one at the end of the line. */
export function suppressionFix(text: string, line: number, code: string): Fix {
  const start = lineStart(text, line);
  const content = lineText(text, line);
  const existing = /#\s*memwall:.*\bignore\[([^\]]*)\]/.exec(content);
  const title = `Suppress ${code} on this line (# memwall: ignore[${code}])`;
  if (existing) {
    const closing = start + existing.index + existing[0].length - 1;
    const separator = existing[1]?.trim() ? ', ' : '';
    return { title, edits: [{ span: at(text, closing), newText: `${separator}${code}` }] };
  }
  return { title, edits: [{ span: at(text, start + content.length), newText: `  # memwall: ignore[${code}]` }] };
}

/** `import torch`, or an import that binds the name `torch` (`import torch.nn` does; `import torch.nn as nn` does not). */
const BINDS_TORCH = /^\s*import\s+(?:[\w.]+\s*,\s*)*torch(?:\.[\w.]+)?\s*(?:,|#|$)/m;

/** `import torch` where the file lacks it: after a `from __future__` import, which must stay first. */
function importTorchEdits(text: string): Fix['edits'] {
  if (BINDS_TORCH.test(text)) return [];
  let line = 0;
  text.split('\n').forEach((content, index) => {
    if (/^from\s+__future__\s+import\b/.test(content)) line = index + 1;
  });
  return [{ span: at(text, lineStart(text, line)), newText: 'import torch\n' }];
}

/**
 * The function or forward a fusion finding sits in, when Inductor fuses its pattern and the function is not compiled
 * yet: decorating it with @torch.compile is then the one-line remedy. Module-level code cannot be decorated.
 */
function compilableScope(text: string, analysis: Analysis, finding: Finding): ScopeInfo | undefined {
  if (!/^MW2\d\d$/.test(finding.code) || !findRule(finding.code)?.underCompile.fuses) return undefined;
  const op = analysis.graph.ops.find((candidate) => candidate.id === finding.opIds[0]);
  if (!op || op.fusedBy === 'torch.compile') return undefined;
  const scope = analysis.graph.scopes.find((candidate) => candidate.name === op.scope && (candidate.kind === 'forward' || candidate.kind === 'function'));
  if (!scope) return undefined;
  // Already decorated (a decorator line right above the def names torch.compile or compile).
  for (let line = scope.span.startLine - 1; line >= 0; line--) {
    const decorator = lineText(text, line).trim();
    if (!decorator.startsWith('@')) break;
    if (/^@\s*(?:torch\.)?compile\b/.test(decorator)) return undefined;
  }
  return scope;
}

/** `@torch.compile` right above the def keyword (decorators already there stay outermost), and `import torch` if needed. */
function wrapInCompile(text: string, scope: ScopeInfo, code: string): OfferedFix {
  const defStart = lineStart(text, scope.span.startLine);
  const indent = /^\s*/.exec(lineText(text, scope.span.startLine))?.[0] ?? '';
  const rule = findRule(code);
  return {
    title: `Wrap ${scope.name} in torch.compile (Inductor fuses ${rule ? rule.name.replace(/-/g, ' ') : code})`,
    edits: [...importTorchEdits(text), { span: at(text, defStart), newText: `${indent}@torch.compile\n` }],
    safe: false,
  };
}

/**
 * The fixes of one finding, the preferred first: the rule's own rewrite, then Wrap in torch.compile where Inductor
 * fuses the pattern. The suppression comment is not among them (it silences, it does not fix).
 */
export function fixesOf(text: string, analysis: Analysis, finding: Finding): OfferedFix[] {
  const fixes: OfferedFix[] = finding.fix ? [{ ...finding.fix, safe: true }] : [];
  const scope = compilableScope(text, analysis, finding);
  if (scope) fixes.push(wrapInCompile(text, scope, finding.code));
  return fixes;
}

type Edit = Fix['edits'][number];

/** A fix known by its edits: one fix several findings offer (Wrap in torch.compile for one function) is one fix. */
export const fixKey = (fix: Fix): string => JSON.stringify(fix.edits.map((edit) => [edit.span.start, edit.span.end, edit.newText]));

/** True when two edits touch the same text (two insertions at one offset count: their order would be a guess). */
function overlaps(a: Edit, b: Edit): boolean {
  if (a.span.start === b.span.start && a.span.end === b.span.end) return true;
  return a.span.start < b.span.end && b.span.start < a.span.end;
}

const sameEdit = (a: Edit, b: Edit): boolean => a.span.start === b.span.start && a.span.end === b.span.end && a.newText === b.newText;

/**
 * Applies whole fixes to the text, each all or nothing, in the order given: a fix with an edit that overlaps one
 * already taken is deferred (the caller re-analyses the result and offers it again, as ruff's --fix loops). An edit
 * two fixes share exactly (the same `import torch`) is made once.
 */
export function applyFixes(text: string, fixes: readonly Fix[]): { text: string; applied: Fix[]; deferred: Fix[] } {
  const taken: Edit[] = [];
  const applied: Fix[] = [];
  const deferred: Fix[] = [];
  for (const fix of fixes) {
    const fresh = fix.edits.filter((edit) => !taken.some((other) => sameEdit(edit, other)));
    if (fresh.some((edit) => taken.some((other) => overlaps(edit, other)))) {
      deferred.push(fix);
      continue;
    }
    taken.push(...fresh);
    applied.push(fix);
  }
  let result = text;
  for (const edit of taken.sort((a, b) => b.span.start - a.span.start || b.span.end - a.span.end)) {
    result = result.slice(0, edit.span.start) + edit.newText + result.slice(edit.span.end);
  }
  return { text: result, applied, deferred };
}
