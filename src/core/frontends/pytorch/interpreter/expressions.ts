// Expressions: literals, containers, comprehensions, names; dispatches to attributes, calls, subscripts, operators.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { bin, num, unknownDim } from '../../../ir/dims';
import { passCount, rangeItem } from './repeats';
import { field } from '../syntax';
import { BUILTINS } from '../tables';
import { NONE, UNKNOWN, type Value } from '../values';
import { attribute } from './attributes';
import { call } from './calls';
import { printedText, stringValue, textOf, truthiness } from './conversions';
import { emit, sourceSpan } from './emit';
import { quiet, type Frame } from './frame';
import type { Interpreter } from './index';
import { binary, comparison } from './operators';
import { assign } from './statements';
import { namedSize } from './sizes';
import { subscript } from './subscripts';

/**
 * Expressions nested deeper than this are not evaluated: CPython itself refuses more than 200 nested parentheses, and
 * each level costs several JavaScript frames, so 1,000 nested calls would otherwise overflow the stack.
 */
export const MAX_EXPRESSION_DEPTH = 200;

// ───────────────────────────── helpers ─────────────────────────────
/** `1_024` → `1024`; most literals have no underscore and are returned as they are. */
export function withoutUnderscores(literal: string): string {
  return literal.includes('_') ? literal.replace(/_/g, '') : literal;
}

/** Evaluates an expression; `type` is the node's type when the caller has read it already (each read crosses into wasm). */
export function evaluate(it: Interpreter, node: SyntaxNode, frame: Frame, type?: string): Value {
  if (it.expressionDepth >= MAX_EXPRESSION_DEPTH) {
    if (!it.state.expressionTooDeepNoted) {
      it.state.expressionTooDeepNoted = true;
      it.builder.notes.push({ code: 'MW903', message: `Expression nested deeper than ${MAX_EXPRESSION_DEPTH} levels: its inner part is not analysed.`, span: sourceSpan(node, frame) });
    }
    return UNKNOWN;
  }
  it.expressionDepth++;
  try {
    return evaluateExpression(it, node, type ?? node.type, frame);
  } finally {
    it.expressionDepth--;
  }
}

export function evaluateExpression(it: Interpreter, node: SyntaxNode, type: string, frame: Frame): Value {
  switch (type) {
    case 'identifier':
      return lookup(it.names.identifier(node), frame);
    case 'integer': {
      const value = Number(withoutUnderscores(node.text));
      return Number.isFinite(value) ? { kind: 'dim', dim: num(value) } : { kind: 'scalar' };
    }
    case 'float':
      return { kind: 'scalar', value: Number(withoutUnderscores(node.text)) };
    case 'string':
      return /^[a-zA-Z]*[fF]/.test(node.text) ? formattedString(it, node, frame) : { kind: 'str', value: stringValue(node) };
    case 'concatenated_string': {
      // `"layer" f"{i}"`: each part as its own string, joined.
      let text = '';
      for (const part of node.namedChildren) {
        if (!part || part.type !== 'string') continue;
        const value = evaluate(it, part, frame);
        if (value.kind !== 'str') return UNKNOWN;
        text += value.value;
      }
      return { kind: 'str', value: text };
    }
    case 'true':
      return { kind: 'bool', value: true };
    case 'false':
      return { kind: 'bool', value: false };
    case 'none':
      return NONE;
    case 'ellipsis':
      return { kind: 'ref', name: 'builtins.Ellipsis' };
    case 'parenthesized_expression': {
      const inner = node.namedChildren.find((c) => c?.type !== 'comment');
      return inner ? evaluate(it, inner, frame) : UNKNOWN;
    }
    case 'tuple':
    case 'list':
    case 'expression_list':
      return { kind: 'list', items: evaluateItems(it, node, frame) };
    case 'dictionary': {
      const entries = new Map<string, Value>();
      for (const pair of node.namedChildren) {
        if (pair?.type !== 'pair') continue;
        const key = field(pair, 'key');
        const value = field(pair, 'value');
        if (key && value) entries.set(key.type === 'string' ? stringValue(key) : key.text, evaluate(it, value, frame));
      }
      return { kind: 'dict', entries };
    }
    case 'list_comprehension':
    case 'set_comprehension':
    case 'generator_expression':
      return comprehension(it, node, frame);
    case 'dictionary_comprehension':
      return dictionaryComprehension(it, node, frame);
    case 'attribute': {
      // `self.proj`, `F.gelu`: both names read from the text (evaluating a name is a lookup), no node made for either.
      const simple = it.expressionDepth < MAX_EXPRESSION_DEPTH ? it.names.nameDotName(node) : undefined;
      if (simple) return attribute(it, lookup(simple.object, frame), simple.name, frame, node);
      const objectNode = field(node, 'object');
      const name = it.names.trailing(node) ?? field(node, 'attribute')?.text ?? '';
      if (!objectNode) return UNKNOWN;
      return attribute(it, evaluate(it, objectNode, frame), name, frame, node);
    }
    case 'call':
      return call(it, node, frame);
    case 'subscript': {
      const objectNode = field(node, 'value');
      if (!objectNode) return UNKNOWN;
      // `x.shape[i]` of a tensor whose shape is not known: a size named for it (sizes.ts).
      const named = objectNode.type === 'attribute' ? namedSize(it, node, frame) : undefined;
      return named ?? subscript(it, evaluate(it, objectNode, frame), node, frame);
    }
    case 'binary_operator': {
      const left = field(node, 'left');
      const right = field(node, 'right');
      const operator = field(node, 'operator')?.text ?? '';
      if (!left || !right) return UNKNOWN;
      return binary(it, operator, evaluate(it, left, frame), evaluate(it, right, frame), node, frame, left, right);
    }
    case 'unary_operator': {
      const argument = field(node, 'argument');
      const operator = field(node, 'operator')?.text ?? '';
      if (!argument) return UNKNOWN;
      const value = evaluate(it, argument, frame);
      if (operator === '+') return value;
      if (value.kind === 'tensor') return emit(it, operator === '~' ? 'torch.bitwise_not' : 'torch.neg', operator, node, [value.tensor], {}, frame);
      if (value.kind === 'dim') return { kind: 'dim', dim: value.dim.kind === 'num' ? num(-value.dim.value) : bin('-', num(0), value.dim) };
      if (value.kind === 'scalar') return { kind: 'scalar', value: value.value === undefined ? undefined : -value.value };
      return UNKNOWN;
    }
    case 'not_operator': {
      const argument = field(node, 'argument');
      const value = argument ? evaluate(it, argument, frame) : UNKNOWN;
      if (value.kind === 'bool' && value.flash !== undefined) return { kind: 'bool', flash: !value.flash };
      const truth = truthiness(value, (dim) => it.state.currentValue(dim));
      return { kind: 'bool', value: truth === undefined ? undefined : !truth };
    }
    case 'boolean_operator': {
      const left = field(node, 'left');
      const right = field(node, 'right');
      const operator = field(node, 'operator')?.text ?? 'and';
      const leftValue = left ? evaluate(it, left, frame) : UNKNOWN;
      const leftTruth = truthiness(leftValue);
      if (operator === 'and' && leftTruth === false) return leftValue;
      if (operator === 'or' && leftTruth === true) return leftValue;
      // `hidden_features or in_features` over a size the code computed (`int(dim * mlp_ratio)`): a size is nonzero, as
      // pricing takes it (a zero dim is never priced), so `or` gives the size itself.
      if (operator === 'or' && leftTruth === undefined && leftValue.kind === 'dim') return leftValue;
      const rightValue = right ? evaluate(it, right, frame) : UNKNOWN;
      if (leftTruth === undefined) return truthiness(rightValue) === undefined || operator === 'or' ? { kind: 'bool' } : rightValue;
      return rightValue;
    }
    case 'comparison_operator':
      return comparison(it, node, frame);
    case 'conditional_expression': {
      const [whenTrue, condition, whenFalse] = node.namedChildren;
      const truth = condition ? truthiness(evaluate(it, condition, quiet(frame)), (dim) => it.state.currentValue(dim)) : undefined;
      const chosen = truth === false ? whenFalse : whenTrue;
      return chosen ? evaluate(it, chosen, frame) : UNKNOWN;
    }
    case 'keyword_argument': {
      const value = field(node, 'value');
      return value ? evaluate(it, value, frame) : UNKNOWN;
    }
    case 'await':
      return node.namedChildren[0] ? evaluate(it, node.namedChildren[0], frame) : UNKNOWN;
    case 'lambda':
      // The variables are read when the lambda runs, as Python's closures do: the map itself, not a copy.
      return { kind: 'lambda', node, env: frame.env, file: frame.file };
    default:
      return UNKNOWN;
  }
}

/**
 * An f-string: its text with each `{expression}` as str() prints it, so that `f"layer{i}"` keys a ModuleDict. A part
 * MemWall cannot print (a symbolic size, a format spec) makes the whole string unknown rather than wrong.
 */
function formattedString(it: Interpreter, node: SyntaxNode, frame: Frame): Value {
  let text = '';
  for (const child of node.namedChildren) {
    if (!child) continue;
    if (child.type === 'string_content') text += child.text.replace(/\{\{/g, '{').replace(/\}\}/g, '}');
    else if (child.type === 'interpolation') {
      const expression = child.namedChildren[0];
      if (!expression || child.namedChildren.some((c) => c?.type === 'format_specifier' || c?.type === 'type_conversion')) return UNKNOWN;
      const part = printedText(it, evaluate(it, expression, frame));
      if (part === undefined) return UNKNOWN;
      text += part;
    }
  }
  return { kind: 'str', value: text };
}

export function evaluateItems(it: Interpreter, node: SyntaxNode, frame: Frame): Value[] {
  const items: Value[] = [];
  for (const child of node.namedChildren) {
    if (!child || child.type === 'comment') continue;
    if (child.type === 'list_splat') {
      const inner = child.namedChildren[0];
      const value = inner ? evaluate(it, inner, frame) : UNKNOWN;
      if (value.kind === 'list') items.push(...value.items);
      else items.push(value);
    } else items.push(evaluate(it, child, frame));
  }
  return items;
}

/** Largest number of items a comprehension is expanded to (nested `for` clauses multiply). */
const MAX_EXPANDED_ITEMS = 4096;

/**
 * A list, set or generator comprehension. `[Block(config) for _ in range(config.n_layer)]`, whose items do not depend
 * on the loop variable, is one item repeated `count` times (symbolic counts stay symbols). Where the items depend on
 * it (`[Block(config, i) for i in range(n_layer)]`, `if has_ve(i, n_layer)`), each is built as Python builds it
 * while the count is known and small; the list remembers a symbolic count, so that identical layers fold back into
 * a row repeated `n_layer` times.
 */
export function comprehension(it: Interpreter, node: SyntaxNode, frame: Frame): Value {
  const body = field(node, 'body');
  if (!body) return UNKNOWN;
  const clauses = node.namedChildren.filter((c): c is SyntaxNode => c !== null && (c.type === 'for_in_clause' || c.type === 'if_clause'));
  const forClause = clauses[0];
  if (forClause?.type !== 'for_in_clause') return UNKNOWN;
  const left = field(forClause, 'left');
  const right = field(forClause, 'right');
  const iterable = right ? evaluate(it, right, quiet(frame)) : UNKNOWN;
  const inner: Frame = { ...frame, env: new Map(frame.env) };
  const simple = clauses.length === 1;
  if (iterable.kind === 'range') {
    const count = iterable.count;
    const passes = passCount(it, count);
    const dependent = !simple || (left !== null && mentionsTarget(left, [body]));
    if (dependent && passes !== undefined) {
      const items = expand(it, clauses, 0, inner, () => evaluate(it, body, inner));
      if (items && simple && count.kind !== 'num') it.state.listLengths.set(items, count);
      if (items) return { kind: 'list', items };
    }
    if (left) assign(it, left, { kind: 'dim', dim: unknownDim('comprehension index') }, inner, node);
    const item = evaluate(it, body, inner);
    if (count.kind === 'num' && count.value <= 64 && item.kind !== 'module' && item.kind !== 'layer') {
      return { kind: 'list', items: Array.from({ length: count.value }, () => item) };
    }
    return { kind: 'list', items: [], repeated: { item, count } };
  }
  const items = expand(it, clauses, 0, inner, () => evaluate(it, body, inner));
  if (items) return { kind: 'list', items };
  if (left) assign(it, left, UNKNOWN, inner, node);
  return { kind: 'list', items: [], repeated: { item: evaluate(it, body, inner), count: unknownDim('comprehension length') } };
}

/** `{str(i): nn.Embedding(...) for i in range(n_layer) if has_ve(i)}`: every entry, where keys are known strings. */
export function dictionaryComprehension(it: Interpreter, node: SyntaxNode, frame: Frame): Value {
  const pair = field(node, 'body');
  const key = pair ? field(pair, 'key') : null;
  const value = pair ? field(pair, 'value') : null;
  const clauses = node.namedChildren.filter((c): c is SyntaxNode => c !== null && (c.type === 'for_in_clause' || c.type === 'if_clause'));
  if (!key || !value || clauses[0]?.type !== 'for_in_clause') return UNKNOWN;
  const inner: Frame = { ...frame, env: new Map(frame.env) };
  const entries = new Map<string, Value>();
  let keysKnown = true;
  const items = expand(it, clauses, 0, inner, () => {
    const name = textOf(evaluate(it, key, inner));
    if (name === undefined) keysKnown = false;
    else entries.set(name, evaluate(it, value, inner));
    return NONE;
  });
  return items && keysKnown ? { kind: 'dict', entries } : UNKNOWN;
}

/** `enumerate(...)` as the code calls it. */
function isEnumerate(node: SyntaxNode | null): boolean {
  return node?.type === 'call' && /^enumerate$/.test(field(node, 'function')?.text ?? '');
}

/**
 * Runs a comprehension's clauses in order (nested `for`s, `if` filters) and collects what `produce` gives for each
 * pass; undefined when an iterable cannot be walked item by item (unknown or too long). An `if` MemWall cannot
 * decide keeps the item, as the code's usual path.
 */
function expand(it: Interpreter, clauses: readonly SyntaxNode[], index: number, frame: Frame, produce: () => Value): Value[] | undefined {
  const clause = clauses[index];
  if (!clause) return [produce()];
  if (clause.type === 'if_clause') {
    const condition = clause.namedChildren.find((c) => c !== null && c.type !== 'comment');
    const truth = condition ? truthiness(evaluate(it, condition, quiet(frame)), (dim) => it.state.currentValue(dim)) : undefined;
    return truth === false ? [] : expand(it, clauses, index + 1, frame, produce);
  }
  const left = field(clause, 'left');
  const right = field(clause, 'right');
  const iterable = right ? evaluate(it, right, quiet(frame)) : UNKNOWN;
  let elements: Value[] | undefined;
  if (iterable.kind === 'range') {
    const passes = passCount(it, iterable.count);
    const range = iterable;
    if (passes !== undefined) elements = Array.from({ length: passes }, (_, i) => ({ kind: 'dim', dim: rangeItem(range, i) }) as Value);
  } else if (iterable.kind === 'list' && !iterable.repeated && isEnumerate(right)) {
    // enumerate(xs) stands for xs (runFor reads the index itself); a comprehension walks its (index, item) pairs.
    const inner = iterable.items[0];
    const items = inner?.kind === 'list' && !inner.repeated ? inner.items : inner?.kind === 'modlist' && !inner.list.repeated ? inner.list.items : undefined;
    if (items) elements = items.map((item, i) => ({ kind: 'list', items: [{ kind: 'dim', dim: num(i) }, item] }) as Value);
  } else if (iterable.kind === 'list' && !iterable.repeated) elements = [...iterable.items];
  else if (iterable.kind === 'modlist' && !iterable.list.repeated) elements = [...iterable.list.items];
  else if (iterable.kind === 'dict') elements = [...iterable.entries.keys()].map((key) => ({ kind: 'str', value: key }) as Value);
  else if (iterable.kind === 'str') elements = [...iterable.value].map((character) => ({ kind: 'str', value: character }) as Value);
  if (!elements) return undefined;
  const out: Value[] = [];
  for (const element of elements) {
    if (left) assign(it, left, element, frame, clause);
    const produced = expand(it, clauses, index + 1, frame, produce);
    if (!produced) return undefined;
    out.push(...produced);
    if (out.length > MAX_EXPANDED_ITEMS) return undefined;
  }
  return out;
}

/** Whether any of the nodes reads a name the loop target binds (a comprehension whose items depend on the index). */
function mentionsTarget(target: SyntaxNode, nodes: readonly SyntaxNode[]): boolean {
  const names = new Set((target.type === 'identifier' ? [target] : target.descendantsOfType('identifier')).map((n) => n?.text).filter((n): n is string => !!n && n !== '_'));
  if (names.size === 0) return false;
  return nodes.some((node) => (node.type === 'identifier' ? names.has(node.text) : node.descendantsOfType('identifier').some((n) => n !== null && names.has(n.text))));
}

export function lookup(name: string, frame: Frame): Value {
  const local = frame.env.get(name);
  if (local) return local;
  const global = frame.file.globals.get(name);
  if (global) return global;
  const cls = frame.file.classes.get(name);
  if (cls) return { kind: 'class', cls };
  const fn = frame.file.functions.get(name);
  if (fn) return { kind: 'function', fn };
  const builtin = BUILTINS.has(name) ? `builtins.${name}` : undefined;
  if (builtin) return { kind: 'ref', name: builtin };
  if (name === 'self') return UNKNOWN;
  return { kind: 'free', name };
}
