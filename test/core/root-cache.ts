// Shared by test/core/roots.test.ts and scripts/fuzz-long.ts: a file of several models, edits of it, and the check
// that a graph built with reused roots equals the graph of a full run.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { extract, price } from '../../src/core/analyze';
import { PriceMemo } from '../../src/core/cost/price';
import type { OpGraph } from '../../src/core/ir/types';
import { RootCache } from '../../src/core/frontends/pytorch/roots';
import type { PythonParser } from '../../src/core/parse/parser';
import { applyEdits, editsOf, type Edit } from '../robust/helpers';

const ROOT = path.join(__dirname, '..', '..');

/** Several models in one file, as a file of experiments or a notebook holds: the oracle fixtures and an example. */
export const MODELS = [
  ...readdirSync(path.join(ROOT, 'test/fixtures/models'))
    .filter((name) => name.endsWith('.py'))
    .sort()
    .map((name) => readFileSync(path.join(ROOT, 'test/fixtures/models', name), 'utf8')),
  readFileSync(path.join(ROOT, 'examples/gpt_block.py'), 'utf8'),
]
  .map((source, index) => {
    // Each file's definitions renamed, so that the models stay distinct in one file.
    let renamed = source;
    for (const [, name] of source.matchAll(/^(?:class|def) ([A-Za-z_]\w*)/gm)) renamed = renamed.replace(new RegExp(`\\b${name}\\b`, 'g'), `${name}_${index}`);
    return renamed;
  })
  .join('\n\n');

/** Typing on one line: a space, a comment, a digit or a name changed; no line added, so rows below stay put. */
export type LineEdit = { readonly line: number; readonly kind: 'space' | 'comment' | 'digit' | 'name' };

export const lineEdits: fc.Arbitrary<LineEdit[]> = fc.array(
  fc.record({ line: fc.nat(), kind: fc.constantFrom('space' as const, 'comment' as const, 'digit' as const, 'name' as const) }),
  { minLength: 1, maxLength: 6 },
);

export function applyLineEdit(text: string, edit: LineEdit): string {
  const lines = text.split('\n');
  const index = edit.line % lines.length;
  const line = lines[index] ?? '';
  if (edit.kind === 'space') lines[index] = `${line} `;
  else if (edit.kind === 'comment') lines[index] = `${line}  # note`;
  else if (edit.kind === 'digit') lines[index] = line.replace(/\d/, (digit) => String((Number(digit) + 1) % 10));
  else lines[index] = line.replace(/\b(x|h|out|hidden)\b/, '$1_');
  return lines.join('\n');
}

/** Random edits of MODELS as a user makes them (deletions, tokens, duplicated lines), applied one at a time. */
export const codeEdits: fc.Arbitrary<Edit[]> = editsOf(MODELS);

/**
 * A graph as JSON with each object's keys in sorted order, and without the list of replayed ops: which ops were replayed,
 * and the order of an op's fields (a replayed op is written with all of them in one order), are the only differences a
 * reuse may make.
 */
export const graphJson = (graph: OpGraph): string => sortedJson(graph);

/** JSON with each object's keys in sorted order, without the list of replayed ops (see graphJson). */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (key, field: unknown) => {
    if (key === 'replayedFrom') return undefined;
    if (field === null || typeof field !== 'object' || Array.isArray(field) || field instanceof Map) return field;
    return Object.fromEntries(Object.entries(field).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

/**
 * Applies the edits one by one, analysing each version with the cache of the previous ones, and checks that each graph
 * equals a full run's, and that its prices (hover lines included) equal a pricing without the previous prices.
 * Returns how many roots were reused and run, and how many prices were reused, in all.
 */
export function checkRootCache<E>(parser: PythonParser, edits: readonly E[], apply: (text: string, edit: E) => string): { reused: number; ran: number; prices: number } {
  const roots = new RootCache();
  const prices = new PriceMemo();
  let text = MODELS;
  price(extract(text, { parser, roots }), text, { prices });
  const counts = { reused: 0, ran: 0, prices: 0 };
  for (const edit of edits) {
    text = apply(text, edit);
    const graph = extract(text, { parser, roots });
    const full = extract(text, { parser });
    assert.equal(graphJson(graph), graphJson(full));
    assert.equal(sortedJson(price(graph, text, { prices }).costs), sortedJson(price(full, text, {}).costs));
    counts.reused += roots.reused;
    counts.ran += roots.ran;
    counts.prices += prices.reused;
  }
  return counts;
}

export const applyCodeEdit = (text: string, edit: Edit): string => applyEdits(text, [edit]);
