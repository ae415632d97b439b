// Shared pieces of the robustness tests: the example texts, input generators, and the check every analysis must pass.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { analyze, type AnalyzeOptions } from '../../src/core/analyze';
import type { Analysis, Span } from '../../src/core/ir/types';

export const ROOT = path.join(__dirname, '..', '..');
export const GPT_BLOCK = readFileSync(path.join(ROOT, 'examples', 'gpt_block.py'), 'utf8');
export const TRITON_KERNELS = readFileSync(path.join(ROOT, 'examples', 'triton_kernels.py'), 'utf8');

/** One seed for every property, so a failure replays exactly; counts stay small because the machine is shared. */
export const SEED = 20261129;

/**
 * Budget in CPU time (this process's user + system time, so a loaded machine does not eat it) for one analysis of a
 * small input. Unloaded, the examples take ~20 ms; the budget is generous because what it catches is a hang or a
 * blow-up, not a slowdown.
 */
export const BUDGET_MS = 4000;

/** Python's vocabulary and PyTorch's, for token soup: every keyword, bracket and operator, and the names ops come from. */
export const TOKENS: readonly string[] = [
  'import', 'from', 'as', 'torch', 'nn', 'F', 'triton', 'tl', 'class', 'def', 'return', 'if', 'elif', 'else', 'for', 'while',
  'in', 'with', 'try', 'except', 'finally', 'lambda', 'yield', 'async', 'await', 'global', 'nonlocal', 'pass', 'break',
  'continue', 'assert', 'del', 'raise', 'not', 'and', 'or', 'is', 'None', 'True', 'False', 'self', 'forward', '__init__',
  'super()', 'nn.Module', 'nn.Linear', 'F.gelu', 'F.softmax', 'torch.randn', 'x', 'y', 'B', 'T', 'C', 'config',
  'torch.matmul', '@triton.jit', 'tl.load', 'tl.store', 'tl.arange', 'tl.program_id', 'tl.dot', '.view', '.transpose',
  '.size()', '.shape', '(', ')', '[', ']', '{', '}', ':', ',', '.', '=', '==', '+', '-', '*', '/', '//', '%', '**', '@',
  '+=', '->', '<', '>', '&', '|', '^', '~', '...', ';', '\\', '0', '1', '768', '-1', '1e-5', '3.14', '"s"', "'t'",
  'f"{x}"', '"""', '#', '# memwall: B=8 T=1024', '# memwall: shape x=[B, T, C]', '# memwall: ignore[MW201]', 'ō', '変数',
  '\n', '\n', '\n    ', '\n        ', '\t', '\r\n', ' ',
];

/** A random program-like text: tokens joined by spaces, with the line breaks and indents of the vocabulary. */
export const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { minLength: 0, maxLength: 120 }).map((tokens) => tokens.join(' '));

/** Random edits of a text, as a user makes them: delete a range, insert a token, duplicate a line. */
export type Edit = { kind: 'delete'; at: number; length: number } | { kind: 'insert'; at: number; token: string } | { kind: 'duplicate'; at: number };

export function editsOf(text: string): fc.Arbitrary<Edit[]> {
  const at = fc.integer({ min: 0, max: text.length });
  const edit: fc.Arbitrary<Edit> = fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 80 }) }),
    fc.record({ kind: fc.constant('insert' as const), at, token: fc.constantFrom(...TOKENS) }),
    fc.record({ kind: fc.constant('duplicate' as const), at }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 6 });
}

export function applyEdits(text: string, edits: readonly Edit[]): string {
  let result = text;
  for (const edit of edits) {
    const at = Math.min(edit.at, result.length);
    if (edit.kind === 'delete') result = result.slice(0, at) + result.slice(at + edit.length);
    else if (edit.kind === 'insert') result = result.slice(0, at) + edit.token + result.slice(at);
    else {
      const start = result.lastIndexOf('\n', at - 1) + 1;
      const end = result.indexOf('\n', at);
      const line = result.slice(start, end < 0 ? result.length : end + 1);
      result = result.slice(0, start) + line + (line.endsWith('\n') ? '' : '\n') + result.slice(start);
    }
  }
  return result;
}

function assertSpanInside(span: Span, text: string, what: string): void {
  assert.ok(span.start >= 0 && span.start <= span.end && span.end <= text.length, `${what}: span ${span.start}..${span.end} outside 0..${text.length}`);
  assert.ok(span.startLine >= 0 && span.startLine <= span.endLine, `${what}: lines ${span.startLine}..${span.endLine}`);
}

/**
 * The contract every input must meet: analyze returns (never throws) within the CPU budget, and what it returns is usable:
 * arrays of costs, findings and notes, spans inside the text, no NaN where a figure is given.
 */
export function analyseWithinBudget(text: string, options: AnalyzeOptions, budgetMs = BUDGET_MS): Analysis {
  const started = process.cpuUsage();
  let analysis: Analysis;
  try {
    analysis = analyze(text, options);
  } catch (error) {
    const sample = JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text);
    throw new Error(`analyze threw on ${text.length} chars ${sample}: ${(error as Error).stack}`, { cause: error });
  }
  const used = process.cpuUsage(started);
  const elapsed = (used.user + used.system) / 1000;
  assert.ok(elapsed < budgetMs, `analysis took ${elapsed.toFixed(0)} ms of CPU (budget ${budgetMs} ms) on ${text.length} chars`);
  assert.ok(Array.isArray(analysis.costs) && Array.isArray(analysis.findings) && Array.isArray(analysis.notes));
  for (const cost of analysis.costs) {
    assertSpanInside(cost.node.span, text, `op ${cost.node.label}`);
    for (const figure of [cost.flops, cost.bytes, cost.timeUs, cost.intensity]) {
      assert.ok(figure === null || !Number.isNaN(figure), `op ${cost.node.label}: a NaN figure`);
    }
  }
  for (const finding of analysis.findings) assertSpanInside(finding.span, text, `finding ${finding.code}`);
  for (const note of analysis.notes) {
    assert.match(note.code, /^MW9\d\d$/);
    assert.ok(note.message.length > 0);
    if (note.span) assertSpanInside(note.span, text, `note ${note.code}`);
  }
  return analysis;
}
