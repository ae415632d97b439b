// Small helpers over tree-sitter nodes for the Triton frontend: spans, call arguments, dotted names.
import type { SyntaxNode } from '../../parse/parser';
import type { Span } from '../../ir/types';

export function spanOf(node: SyntaxNode): Span {
  return {
    start: node.startIndex,
    end: node.endIndex,
    startLine: node.startPosition.row,
    startColumn: node.startPosition.column,
    endLine: node.endPosition.row,
    endColumn: node.endPosition.column,
  };
}

/** `tl.math.exp` → `tl.math.exp`; anything that is not a plain dotted name → undefined. */
export function dottedName(node: SyntaxNode | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') {
    const object = dottedName(node.childForFieldName('object'));
    const attribute = node.childForFieldName('attribute');
    return object && attribute ? `${object}.${attribute.text}` : undefined;
  }
  return undefined;
}

export interface CallArguments {
  readonly positional: SyntaxNode[];
  readonly keywords: Map<string, SyntaxNode>;
}

export function callArguments(call: SyntaxNode): CallArguments {
  const positional: SyntaxNode[] = [];
  const keywords = new Map<string, SyntaxNode>();
  const list = call.childForFieldName('arguments');
  for (const child of list?.namedChildren ?? []) {
    if (!child) continue;
    if (child.type === 'keyword_argument') {
      const name = child.childForFieldName('name');
      const value = child.childForFieldName('value');
      if (name && value) keywords.set(name.text, value);
    } else if (child.type !== 'comment') {
      positional.push(child);
    }
  }
  return { positional, keywords };
}

/** The n-th positional argument, or the keyword of that name. */
export function argument(args: CallArguments, index: number, keyword: string): SyntaxNode | undefined {
  return args.keywords.get(keyword) ?? args.positional[index];
}

export function namedChildren(node: SyntaxNode | null | undefined): SyntaxNode[] {
  return (node?.namedChildren ?? []).filter((c): c is SyntaxNode => !!c && c.type !== 'comment');
}

/** A Python string literal's content, without prefixes or quotes. */
export function stringValue(node: SyntaxNode): string {
  return node.text.replace(/^[rbuf]*("""|'''|"|')/i, '').replace(/("""|'''|"|')$/, '');
}
