// Parameters and signatures: reading a def's parameters, and binding call arguments to a catalog signature.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { field, type NameReader } from '../syntax';
import type { Value } from '../values';

export function describeParameter(parameter: SyntaxNode, names: NameReader): { name?: string; defaultNode?: SyntaxNode; typeNode?: SyntaxNode; splat?: '*' | '**' } {
  switch (parameter.type) {
    case 'identifier':
      return { name: names.identifier(parameter) };
    case 'typed_parameter': {
      const inner = parameter.namedChildren[0];
      const typeNode = field(parameter, 'type') ?? undefined;
      if (inner?.type === 'list_splat_pattern') return { name: inner.namedChildren[0]?.text, typeNode, splat: '*' };
      if (inner?.type === 'dictionary_splat_pattern') return { name: inner.namedChildren[0]?.text, typeNode, splat: '**' };
      return { name: inner?.text, typeNode };
    }
    case 'default_parameter':
      return { name: names.leading(parameter) ?? field(parameter, 'name')?.text, defaultNode: field(parameter, 'value') ?? undefined };
    case 'typed_default_parameter':
      return {
        name: field(parameter, 'name')?.text,
        defaultNode: field(parameter, 'value') ?? undefined,
        typeNode: field(parameter, 'type') ?? undefined,
      };
    case 'list_splat_pattern':
      return { name: parameter.namedChildren[0]?.text, splat: '*' };
    case 'dictionary_splat_pattern':
      return { name: parameter.namedChildren[0]?.text, splat: '**' };
    default:
      return {};
  }
}

/** Binds call arguments to signature names; `*name` collects the remaining positionals (a lone tuple is unwrapped). */
export function bindSignature(
  signature: readonly string[],
  positional: readonly Value[],
  keywords: ReadonlyMap<string, Value>,
  argumentNodes: readonly (SyntaxNode | undefined)[],
): [string, Value, SyntaxNode | undefined][] {
  const bound: [string, Value, SyntaxNode | undefined][] = [];
  let index = 0;
  for (const parameter of signature) {
    if (parameter.startsWith('*')) {
      const name = parameter.slice(1);
      const rest = positional.slice(index);
      index = positional.length;
      const keyword = keywords.get(name) ?? keywords.get(name === 'shape' || name === 'sizes' ? 'size' : name);
      if (keyword) bound.push([name, keyword, undefined]);
      else if (rest.length === 1 && rest[0]?.kind === 'list') bound.push([name, rest[0], argumentNodes[index - 1]]);
      else if (rest.length > 0) bound.push([name, { kind: 'list', items: rest }, undefined]);
      continue;
    }
    const keyword = keywords.get(parameter);
    if (keyword) {
      bound.push([parameter, keyword, undefined]);
    } else if (index < positional.length) {
      bound.push([parameter, positional[index] as Value, argumentNodes[index]]);
      index++;
    }
  }
  // Keywords the signature does not name still reach the formulas as attributes (dtype=, approximate=...).
  for (const [name, value] of keywords) if (!bound.some(([p]) => p === name)) bound.push([name, value, undefined]);
  return bound;
}
