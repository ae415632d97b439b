// Cheaper reads of the syntax tree: fields by number, names from the source text.
import type { Language } from 'web-tree-sitter';
import type { SyntaxNode, Tree } from '../../parse/parser';

/** The Python grammar's fields that the frontend reads. */
export type FieldName =
  | 'alias' | 'argument' | 'arguments' | 'attribute' | 'body' | 'condition' | 'consequence' | 'definition' | 'function'
  | 'key' | 'left' | 'module_name' | 'name' | 'object' | 'operator' | 'parameters' | 'right' | 'subscript' | 'superclasses' | 'type'
  | 'value';

let language: Language | undefined;
let ids: Partial<Record<FieldName, number>> = {};

/** `node.childForFieldName(name)`, with the field's id looked up once per grammar. */
export function field(node: SyntaxNode, name: FieldName): SyntaxNode | null {
  const current = node.tree.language;
  if (current !== language) {
    language = current;
    ids = {};
  }
  let id = ids[name];
  if (id === undefined) {
    id = current.fields.indexOf(name);
    ids[name] = id;
  }
  return id === -1 ? null : node.childForFieldId(id);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Whether a UTF-16 code unit is an ASCII letter, digit or underscore. */
function isAsciiWord(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95;
}

/** Where the ASCII name that starts at `start` ends, or -1 when there is none or a non-ASCII letter may continue it. */
function nameEndAfter(text: string, start: number): number {
  let end = start;
  while (isAsciiWord(text.charCodeAt(end))) end++;
  const next = end < text.length ? text.charCodeAt(end) : 0;
  return end === start || next >= 128 || isDigit(text.charCodeAt(start)) ? -1 : end;
}

/** Where the ASCII name that ends at `end` starts, or -1 when there is none or a non-ASCII letter may precede it. */
function nameStartBefore(text: string, end: number): number {
  let start = end;
  while (start > 0 && isAsciiWord(text.charCodeAt(start - 1))) start--;
  const previous = start > 0 ? text.charCodeAt(start - 1) : 0;
  return start === end || previous >= 128 || isDigit(text.charCodeAt(start)) ? -1 : start;
}

/**
 * Reads names straight from the source text: a node's end, or a field's child, costs a call into wasm (and the child a
 * new Node object), its start does not. Exact only where the lexer's choice is certain: a tree without errors (so no
 * zero-width MISSING token) and an ASCII identifier, which tree-sitter matched to its last letter, digit or underscore.
 * Anything else (a non-ASCII letter next to the name, a file with errors) returns undefined: the caller asks the tree.
 */
export class NameReader {
  private readonly sources = new Map<Tree, { readonly text: string; clean?: boolean }>();
  private lastTree: Tree | undefined;
  private lastText: string | undefined;

  /** Registers a parsed file; nodes of trees not registered are always read from the tree. */
  add(tree: Tree, text: string): void {
    this.sources.set(tree, { text });
    this.lastTree = undefined;
  }

  /** The source of the node's file when names can be read from it, else undefined. */
  private textOf(node: SyntaxNode): string | undefined {
    const tree = node.tree;
    if (tree === this.lastTree) return this.lastText;
    const source = this.sources.get(tree);
    if (source) source.clean ??= !tree.rootNode.hasError;
    this.lastTree = tree;
    this.lastText = source?.clean ? source.text : undefined;
    return this.lastText;
  }

  /** The text of an `identifier` node. */
  identifier(node: SyntaxNode): string {
    return this.leading(node) ?? node.text;
  }

  /** The identifier a node starts with (a keyword argument's or a default parameter's name), if read for certain. */
  leading(node: SyntaxNode): string | undefined {
    const text = this.textOf(node);
    if (text === undefined) return undefined;
    const start = node.startIndex;
    const end = nameEndAfter(text, start);
    return end < 0 ? undefined : text.slice(start, end);
  }

  /** The identifier a node ends with (an attribute's name), if read for certain. */
  trailing(node: SyntaxNode): string | undefined {
    const text = this.textOf(node);
    if (text === undefined) return undefined;
    const end = node.endIndex;
    const start = nameStartBefore(text, end);
    return start < 0 ? undefined : text.slice(start, end);
  }

  /**
   * `self.proj`, `F.gelu`: an `attribute` node whose object is a plain name, as the two names, when read for certain.
   * Between them only spaces and the dot may stand; `True.real` and `None.x` have no name as their object.
   */
  nameDotName(node: SyntaxNode): { readonly object: string; readonly name: string } | undefined {
    const text = this.textOf(node);
    if (text === undefined) return undefined;
    const start = node.startIndex;
    const objectEnd = nameEndAfter(text, start);
    if (objectEnd < 0) return undefined;
    const end = node.endIndex;
    const nameStart = nameStartBefore(text, end);
    if (nameStart < 0) return undefined;
    let at = objectEnd;
    while (text.charCodeAt(at) === 32) at++;
    if (text.charCodeAt(at) !== 46) return undefined;
    at++;
    while (text.charCodeAt(at) === 32) at++;
    if (at !== nameStart) return undefined;
    const object = text.slice(start, objectEnd);
    if (object === 'True' || object === 'False' || object === 'None') return undefined;
    return { object, name: text.slice(nameStart, end) };
  }
}
