// Expressions: literals, containers, comprehensions, names; dispatches to attributes, calls, subscripts, operators.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { bin, num, unknownDim } from '../../../ir/dims';
import { field } from '../syntax';
import { BUILTINS } from '../tables';
import { NONE, UNKNOWN, type Value } from '../values';
import { attribute } from './attributes';
import { call } from './calls';
import { stringValue, truthiness } from './conversions';
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
    case 'concatenated_string':
      return { kind: 'str', value: stringValue(node) };
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
    case 'generator_expression':
      return comprehension(it, node, frame);
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
      const truth = truthiness(value);
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
      const rightValue = right ? evaluate(it, right, frame) : UNKNOWN;
      if (leftTruth === undefined) return truthiness(rightValue) === undefined || operator === 'or' ? { kind: 'bool' } : rightValue;
      return rightValue;
    }
    case 'comparison_operator':
      return comparison(it, node, frame);
    case 'conditional_expression': {
      const [whenTrue, condition, whenFalse] = node.namedChildren;
      const truth = condition ? truthiness(evaluate(it, condition, quiet(frame))) : undefined;
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

/** Largest number of items a comprehension over literal lists is expanded to (nested `for` clauses multiply). */
const MAX_EXPANDED_ITEMS = 4096;

/** `[Block(config) for _ in range(config.n_layer)]`: one item evaluated once, repeated `count` times. */
export function comprehension(it: Interpreter, node: SyntaxNode, frame: Frame): Value {
  const body = field(node, 'body');
  const clauses = node.namedChildren.filter((c): c is SyntaxNode => c !== null && (c.type === 'for_in_clause' || c.type === 'if_clause'));
  const forClause = clauses[0];
  if (!body || !forClause || forClause.type !== 'for_in_clause') return UNKNOWN;
  const left = field(forClause, 'left');
  const right = field(forClause, 'right');
  const iterable = right ? evaluate(it, right, quiet(frame)) : UNKNOWN;
  const inner: Frame = { ...frame, env: new Map(frame.env) };
  if (clauses.length > 1 && iterable.kind === 'list' && !iterable.repeated) {
    // `[Config(BM, BN) for BM in [64, 128] for BN in [32, 64] if ...]`: every combination, as Python runs it.
    const items = expandClauses(it, clauses, body, inner);
    if (items) return { kind: 'list', items };
  }
  if (iterable.kind === 'range') {
    if (left) assign(it, left, { kind: 'dim', dim: unknownDim('comprehension index') }, inner, node);
    const item = evaluate(it, body, inner);
    const count = iterable.count;
    if (count.kind === 'num' && count.value <= 64 && item.kind !== 'module' && item.kind !== 'layer') {
      return { kind: 'list', items: Array.from({ length: count.value }, () => item) };
    }
    return { kind: 'list', items: [], repeated: { item, count } };
  }
  if (iterable.kind === 'list' && !iterable.repeated) {
    return {
      kind: 'list',
      items: iterable.items.map((element) => {
        if (left) assign(it, left, element, inner, node);
        return evaluate(it, body, inner);
      }),
    };
  }
  if (left) assign(it, left, UNKNOWN, inner, node);
  return { kind: 'list', items: [], repeated: { item: evaluate(it, body, inner), count: unknownDim('comprehension length') } };
}

/**
 * Runs the `for` and `if` clauses of a comprehension in order over literal lists; undefined when an iterable is not
 * a list of known length, a condition is not known, or the items would be too many.
 */
function expandClauses(it: Interpreter, clauses: readonly SyntaxNode[], body: SyntaxNode, frame: Frame): Value[] | undefined {
  const items: Value[] = [];
  const run = (index: number): boolean => {
    const clause = clauses[index];
    if (!clause) {
      items.push(evaluate(it, body, frame));
      return items.length <= MAX_EXPANDED_ITEMS;
    }
    if (clause.type === 'if_clause') {
      const condition = clause.namedChildren[0];
      const truth = condition ? truthiness(evaluate(it, condition, quiet(frame))) : undefined;
      if (truth === undefined) return false;
      return truth ? run(index + 1) : true;
    }
    const target = field(clause, 'left');
    const source = field(clause, 'right');
    const iterable = source ? evaluate(it, source, quiet(frame)) : UNKNOWN;
    if (!target || iterable.kind !== 'list' || iterable.repeated) return false;
    for (const element of iterable.items) {
      assign(it, target, element, frame, clause);
      if (!run(index + 1)) return false;
    }
    return true;
  };
  return run(0) ? items : undefined;
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
