// Python operators on values: tensor operators are ops; sizes fold into symbolic dims; comparisons decide branches.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { bin, num, type Dim } from '../../../ir/dims';
import type { AttrValue, TensorValue } from '../../../ir/types';
import { simplify } from '../../../shapes/infer';
import { BINARY_OPERATORS, COMPARISON_OPERATORS } from '../tables';
import { UNKNOWN, type Value } from '../values';
import { numeric, tensorsOf, valueToAttr } from './conversions';
import { emit } from './emit';
import { evaluate } from './expressions';
import type { Frame } from './frame';
import type { Interpreter } from './index';
import { learnFromEquality } from './learning';

/** Operators that map integers to integers. */
const INTEGER_OPERATORS: ReadonlySet<string> = new Set(['<<', '>>', '&', '|', '^', '**']);

export function applyNumber(operator: string, x: number, y: number): number | undefined {
  switch (operator) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/': return y === 0 ? undefined : x / y;
    case '//': return y === 0 ? undefined : Math.floor(x / y);
    case '%': return y === 0 ? undefined : x % y;
    case '**': return x ** y;
    // Shifts and bit operations on integers (`1 << 24`, `n & (n - 1)`), as Python computes them on ints.
    case '<<': return Number.isInteger(x) && Number.isInteger(y) && y >= 0 ? x * 2 ** y : undefined;
    case '>>': return Number.isInteger(x) && Number.isInteger(y) && y >= 0 ? Math.floor(x / 2 ** y) : undefined;
    case '&': return Number.isSafeInteger(x) && Number.isSafeInteger(y) ? Number(BigInt(x) & BigInt(y)) : undefined;
    case '|': return Number.isSafeInteger(x) && Number.isSafeInteger(y) ? Number(BigInt(x) | BigInt(y)) : undefined;
    case '^': return Number.isSafeInteger(x) && Number.isSafeInteger(y) ? Number(BigInt(x) ^ BigInt(y)) : undefined;
    default: return undefined;
  }
}

export function binary(it: Interpreter, operator: string, left: Value, right: Value, node: SyntaxNode, frame: Frame, leftNode?: SyntaxNode, rightNode?: SyntaxNode): Value {
  if (left.kind === 'tensor' || right.kind === 'tensor') {
    const op = BINARY_OPERATORS[operator];
    if (!op) return emit(it, `operator.${operator}`, operator, node, tensorsOf([left, right]), {}, frame);
    const inputs: TensorValue[] = [];
    const attrs: Record<string, AttrValue> = {};
    if (left.kind === 'tensor') inputs.push(left.tensor);
    else attrs.self = valueToAttr(left);
    if (right.kind === 'tensor') inputs.push(right.tensor);
    else attrs.other = valueToAttr(right);
    return emit(it, op, operator, node, inputs, attrs, frame, { argumentNodes: [leftNode, rightNode] });
  }
  if (left.kind === 'list' && right.kind === 'list' && operator === '+') {
    return { kind: 'list', items: [...left.items, ...right.items] };
  }
  if (left.kind === 'list' && operator === '*' && right.kind === 'dim' && right.dim.kind === 'num') {
    return { kind: 'list', items: Array.from({ length: right.dim.value }, () => left.items).flat() };
  }
  const a = numeric(left);
  const b = numeric(right);
  if (a === undefined || b === undefined) {
    if (left.kind === 'str' && right.kind === 'str' && operator === '+') return { kind: 'str', value: left.value + right.value };
    return UNKNOWN;
  }
  if (a.kind === 'dim' && b.kind === 'dim' && operator === '**' && b.dim.kind === 'num' && Number.isInteger(b.dim.value) && b.dim.value >= 0 && b.dim.value <= 4) {
    // `(img_size // patch) ** 2`: a small integer power is a product, which stays symbolic.
    let power: Dim = num(1);
    for (let i = 0; i < b.dim.value; i++) power = bin('*', power, a.dim);
    return { kind: 'dim', dim: simplify(power) };
  }
  if (a.kind === 'dim' && b.kind === 'dim' && ['+', '-', '*', '//', '%'].includes(operator)) {
    return { kind: 'dim', dim: simplify(bin(operator as '+' | '-' | '*' | '//' | '%', a.dim, b.dim)) };
  }
  if (a.kind === 'dim' && b.kind === 'dim' && operator === '/') {
    const exact = a.dim.kind === 'num' && b.dim.kind === 'num' ? a.dim.value / b.dim.value : undefined;
    return exact !== undefined ? { kind: 'scalar', value: exact } : { kind: 'dim', dim: simplify(bin('/', a.dim, b.dim)) };
  }
  const x = a.kind === 'dim' ? (a.dim.kind === 'num' ? a.dim.value : undefined) : a.value;
  const y = b.kind === 'dim' ? (b.dim.kind === 'num' ? b.dim.value : undefined) : b.value;
  if (x === undefined || y === undefined) return { kind: 'scalar' };
  const result = applyNumber(operator, x, y);
  // Integer operators on integers give an integer, usable as a size (`size = 1 << 24`).
  if (a.kind === 'dim' && b.kind === 'dim' && result !== undefined && Number.isSafeInteger(result) && INTEGER_OPERATORS.has(operator)) return { kind: 'dim', dim: num(result) };
  return result === undefined ? { kind: 'scalar' } : { kind: 'scalar', value: result };
}

export function comparison(it: Interpreter, node: SyntaxNode, frame: Frame): Value {
  const operands = node.namedChildren.filter((c): c is SyntaxNode => c !== null);
  const operators = node.children.filter((c) => c !== null && !c.isNamed).map((c) => (c as SyntaxNode).text);
  // `is not` and `not in` arrive as two tokens.
  const joined: string[] = [];
  for (let i = 0; i < operators.length; i++) {
    const current = operators[i] as string;
    if ((current === 'is' && operators[i + 1] === 'not') || (current === 'not' && operators[i + 1] === 'in')) {
      joined.push(`${current} ${operators[i + 1]}`);
      i++;
    } else joined.push(current);
  }
  if (operands.length !== 2) return { kind: 'bool' };
  const [leftNode, rightNode] = operands as [SyntaxNode, SyntaxNode];
  const operator = joined[0] ?? '==';
  const left = evaluate(it, leftNode, frame);
  const right = evaluate(it, rightNode, frame);
  if (operator === 'is' || operator === 'is not') {
    const bothKnown = left.kind !== 'unknown' && left.kind !== 'free' && right.kind !== 'unknown' && right.kind !== 'free';
    if (!bothKnown) return { kind: 'bool' };
    const same = left.kind === right.kind && (left.kind !== 'bool' || (right.kind === 'bool' && left.value === right.value));
    return { kind: 'bool', value: operator === 'is' ? same : !same };
  }
  if (left.kind === 'tensor' || right.kind === 'tensor') {
    const op = COMPARISON_OPERATORS[operator];
    if (!op) return { kind: 'bool' };
    const inputs = tensorsOf([left, right]);
    const attrs: Record<string, AttrValue> = {};
    if (right.kind !== 'tensor') attrs.other = valueToAttr(right);
    return emit(it, op, operator, node, inputs, attrs, frame);
  }
  const a = numeric(left);
  const b = numeric(right);
  // In a trial run (entries.ts), `h == self.image_size` on a dim of an undeclared input says what the dim is.
  if (it.learner && operator === '==' && a?.kind === 'dim' && b?.kind === 'dim') learnFromEquality(it.learner, a.dim, b.dim, node, frame);
  // Control flow on sizes (`if in_planes != planes:`) is decided with the values the code gives the symbols.
  const x = a?.kind === 'dim' ? it.state.currentValue(a.dim) : a?.value;
  const y = b?.kind === 'dim' ? it.state.currentValue(b.dim) : b?.value;
  if (x !== undefined && y !== undefined) {
    const table: Record<string, boolean> = { '==': x === y, '!=': x !== y, '<': x < y, '<=': x <= y, '>': x > y, '>=': x >= y };
    if (operator in table) return { kind: 'bool', value: table[operator] };
  }
  // A number never equals a string (`if v == "M":` over `[64, "M", 128]`); a name not defined here (`__name__`) may.
  const literal = (value: Value): boolean => (value.kind === 'dim' && value.dim.kind === 'num') || (value.kind === 'scalar' && value.value !== undefined);
  if ((operator === '==' || operator === '!=') && ((left.kind === 'str' && literal(right)) || (right.kind === 'str' && literal(left)))) {
    return { kind: 'bool', value: operator === '!=' };
  }
  if (left.kind === 'str' && right.kind === 'str') {
    if (operator === '==') return { kind: 'bool', value: left.value === right.value };
    if (operator === '!=') return { kind: 'bool', value: left.value !== right.value };
  }
  return { kind: 'bool' };
}
