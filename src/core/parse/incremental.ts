// Keeps the last tree of one document so that each new version re-parses only the part that changed.
import { Edit, type Point, type Tree } from 'web-tree-sitter';
import type { PythonParser } from './parser';

const BLOCK = 256;

/**
 * The single edit that turns `before` into `after`: the span between their common prefix and common suffix. Indices
 * and columns are in UTF-16 code units, the units web-tree-sitter uses for JavaScript strings.
 */
export function editBetween(before: string, after: string): Edit {
  const shorter = Math.min(before.length, after.length);
  let start = 0;
  // Whole blocks first (string comparison is a memory compare), then characters.
  while (start + BLOCK <= shorter && before.slice(start, start + BLOCK) === after.slice(start, start + BLOCK)) start += BLOCK;
  while (start < shorter && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  // A surrogate pair split by the prefix would put the edit inside a character.
  if (start > 0 && isHighSurrogate(before.charCodeAt(start - 1))) start--;
  let suffix = 0;
  while (suffix + BLOCK <= shorter - start && before.slice(before.length - suffix - BLOCK, before.length - suffix) === after.slice(after.length - suffix - BLOCK, after.length - suffix)) suffix += BLOCK;
  while (suffix < shorter - start && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  if (suffix > 0 && isLowSurrogate(before.charCodeAt(before.length - suffix))) suffix--;
  const startPosition = pointAt(before, start);
  return new Edit({
    startIndex: start,
    oldEndIndex: before.length - suffix,
    newEndIndex: after.length - suffix,
    startPosition,
    oldEndPosition: pointAfter(before, start, before.length - suffix, startPosition),
    newEndPosition: pointAfter(after, start, after.length - suffix, startPosition),
  });
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Row and column of an offset. */
function pointAt(text: string, offset: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let at = text.indexOf('\n'); at >= 0 && at < offset; at = text.indexOf('\n', at + 1)) {
    row++;
    lineStart = at + 1;
  }
  return { row, column: offset - lineStart };
}

/** Row and column of `offset`, counted on from `from` whose point is known: only the changed span is scanned. */
function pointAfter(text: string, from: number, offset: number, fromPoint: Point): Point {
  let { row } = fromPoint;
  let lineStart = from - fromPoint.column;
  for (let at = text.indexOf('\n', from); at >= 0 && at < offset; at = text.indexOf('\n', at + 1)) {
    row++;
    lineStart = at + 1;
  }
  return { row, column: offset - lineStart };
}

/**
 * One document's parser: each call parses the new text by editing the previous tree, which costs about a millisecond
 * after a keystroke where a 2,000-line file takes 15-30 ms from scratch. The returned tree belongs to this object: it
 * stays valid until the next `parse` or `dispose`, and callers must not delete it.
 */
export class IncrementalParser {
  private last: { readonly text: string; readonly tree: Tree } | undefined;

  constructor(private readonly parser: PythonParser) {}

  parse(text: string): Tree {
    const last = this.last;
    if (last?.text === text) return last.tree;
    let tree: Tree;
    if (last) {
      last.tree.edit(editBetween(last.text, text));
      try {
        tree = this.parser.parse(text, last.tree);
      } finally {
        last.tree.delete();
        this.last = undefined;
      }
    } else {
      tree = this.parser.parse(text);
    }
    this.last = { text, tree };
    return tree;
  }

  /** Frees the kept tree's wasm memory (the document closed). */
  dispose(): void {
    this.last?.tree.delete();
    this.last = undefined;
  }
}
