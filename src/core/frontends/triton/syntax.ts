// Small helpers over tree-sitter nodes for the Triton frontend: spans, call arguments, dotted names.
import type { SyntaxNode, Tree } from '../../parse/parser';
import type { Span } from '../../ir/types';

/**
 * Every child or field lookup materialises a node across the wasm boundary, and the interpreter visits the same
 * kernel once per launch: lookups are memoised by node id. Node ids are unique within one tree only, and kernels of
 * imported files live in other trees, so each tree has its own memo.
 */
interface SyntaxCache {
  readonly children: Map<number, SyntaxNode[]>;
  readonly fields: Map<string, SyntaxNode | null>;
  readonly arguments: Map<number, CallArguments>;
}

let caches = new WeakMap<Tree, SyntaxCache>();

function cacheOf(node: SyntaxNode): SyntaxCache {
  let cache = caches.get(node.tree);
  if (!cache) {
    cache = { children: new Map(), fields: new Map(), arguments: new Map() };
    caches.set(node.tree, cache);
  }
  return cache;
}

/** Forgets every memo: a tree edited in place (the server's incremental parse) may reuse node ids for new nodes. */
export function resetSyntaxCache(): void {
  caches = new WeakMap();
}

export function field(node: SyntaxNode, name: string): SyntaxNode | null {
  const fields = cacheOf(node).fields;
  const key = `${node.id}:${name}`;
  let child = fields.get(key);
  if (child === undefined) {
    child = node.childForFieldName(name);
    fields.set(key, child);
  }
  return child;
}

/** Visits `node` and its descendants with a TreeCursor, materialising only the nodes whose type is wanted. */
export function walkTypes(node: SyntaxNode, types: ReadonlySet<string>, visit: (node: SyntaxNode) => void): void {
  const cursor = node.walk();
  try {
    let depth = 0;
    for (;;) {
      if (types.has(cursor.nodeType)) visit(cursor.currentNode);
      if (cursor.gotoFirstChild()) {
        depth++;
        continue;
      }
      while (depth > 0 && !cursor.gotoNextSibling()) {
        cursor.gotoParent();
        depth--;
      }
      if (depth === 0) return;
    }
  } finally {
    cursor.delete();
  }
}

export function spanOf(node: SyntaxNode): Span {
  // Each position is read from the tree once (a call into its wasm).
  const start = node.startPosition;
  const end = node.endPosition;
  return { start: node.startIndex, end: node.endIndex, startLine: start.row, startColumn: start.column, endLine: end.row, endColumn: end.column };
}

/** `tl.math.exp` → `tl.math.exp`; anything that is not a plain dotted name → undefined. */
export function dottedName(node: SyntaxNode | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') {
    const object = dottedName(field(node, 'object'));
    const attribute = field(node, 'attribute');
    return object && attribute ? `${object}.${attribute.text}` : undefined;
  }
  return undefined;
}

export interface CallArguments {
  readonly positional: SyntaxNode[];
  readonly keywords: Map<string, SyntaxNode>;
}

export function callArguments(call: SyntaxNode): CallArguments {
  const argumentsCache = cacheOf(call).arguments;
  const cached = argumentsCache.get(call.id);
  if (cached) return cached;
  const positional: SyntaxNode[] = [];
  const keywords = new Map<string, SyntaxNode>();
  const list = field(call, 'arguments');
  for (const child of list?.namedChildren ?? []) {
    if (!child) continue;
    if (child.type === 'keyword_argument') {
      const name = field(child, 'name');
      const value = field(child, 'value');
      if (name && value) keywords.set(name.text, value);
    } else if (child.type !== 'comment') {
      positional.push(child);
    }
  }
  const result = { positional, keywords };
  argumentsCache.set(call.id, result);
  return result;
}

/** The n-th positional argument, or the keyword of that name. */
export function argument(args: CallArguments, index: number, keyword: string): SyntaxNode | undefined {
  return args.keywords.get(keyword) ?? args.positional[index];
}

export function namedChildren(node: SyntaxNode | null | undefined): SyntaxNode[] {
  if (!node) return [];
  const childrenCache = cacheOf(node).children;
  let children = childrenCache.get(node.id);
  if (!children) {
    children = node.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment');
    childrenCache.set(node.id, children);
  }
  return children;
}

/** A Python string literal's content, without prefixes or quotes. */
export function stringValue(node: SyntaxNode): string {
  return node.text.replace(/^[rbuf]*("""|'''|"|')/i, '').replace(/("""|'''|"|')$/, '');
}
