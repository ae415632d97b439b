// Field lookups by number: tree-sitter's childForFieldName searches the grammar's field list on every call.
import type { Language } from 'web-tree-sitter';
import type { SyntaxNode } from '../../parse/parser';

/** The Python grammar's fields that the frontend reads. */
export type FieldName =
  | 'alias' | 'argument' | 'arguments' | 'attribute' | 'body' | 'condition' | 'consequence' | 'definition' | 'function'
  | 'key' | 'left' | 'module_name' | 'name' | 'object' | 'operator' | 'parameters' | 'right' | 'superclasses' | 'type'
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
