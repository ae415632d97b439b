// Python operators on values: tensor operators are ops; sizes fold into symbolic dims; comparisons decide branches.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { bin, dimFunction, dimSymbols, num, type Dim } from '../../../ir/dims';
import type { AttrValue, TensorValue } from '../../../ir/types';
import { simplify } from '../../../shapes/infer';
import { BINARY_OPERATORS, COMPARISON_OPERATORS } from '../tables';
import { UNKNOWN, type Value } from '../values';
import { formulaOf, numeric, tensorsOf, textOf, valueToAttr } from './conversions';
import { emit } from './emit';
import { evaluate } from './expressions';
import type { Frame } from './frame';
import type { Interpreter } from './index';
import { learnFromEquality } from './learning';

/** Python's arithmetic on two numbers; undefined where Python raises (division by zero) or MemWall has no rule. */
export function applyNumber(operator: string, x: number, y: number): number | undefined {
  const whole = Number.isInteger(x) && Number.isInteger(y);
  switch (operator) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/': return y === 0 ? undefined : x / y;
    case '//': return y === 0 ? undefined : Math.floor(x / y);
    // Python's `%` takes the sign of the divisor: -1 % 8 is 7.
    case '%': return y === 0 ? undefined : x - y * Math.floor(x / y);
    case '**': return x ** y;
    // Shifts and bit operations on whole numbers (`1 << 20`, `n & (n - 1)`), exact past 32 bits through BigInt.
    case '<<': return whole && y >= 0 ? Number(BigInt(x) << BigInt(y)) : undefined;
    case '>>': return whole && y >= 0 ? Number(BigInt(x) >> BigInt(y)) : undefined;
    case '&': return whole ? Number(BigInt(x) & BigInt(y)) : undefined;
    case '|': return whole ? Number(BigInt(x) | BigInt(y)) : undefined;
    case '^': return whole ? Number(BigInt(x) ^ BigInt(y)) : undefined;
    default: return undefined;
  }
}

/** Operators whose result on two whole numbers is a whole number (`/` gives a float in Python 3). */
const WHOLE_RESULTS = new Set(['+', '-', '*', '//', '%', '**', '<<', '>>', '&', '|', '^']);

/** Operators a size formula can hold (the Dim operators). */
const FORMULA_OPERATORS = new Set(['+', '-', '*', '/', '//', '%']);

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
  // `[None] * n_layer` with a size the code names: n copies of the one item (HF's `tuple([None] * len(self.h))`).
  if (left.kind === 'list' && !left.repeated && left.items.length === 1 && operator === '*' && right.kind === 'dim') {
    return { kind: 'list', items: [], repeated: { item: left.items[0] as Value, count: right.dim } };
  }
  if (left.kind === 'str' && operator === '%') return percentFormat(left.value, right);
  if (left.kind === 'str' && operator === '*' && right.kind === 'dim' && right.dim.kind === 'num') return { kind: 'str', value: left.value.repeat(Math.max(0, right.dim.value)) };
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
  if (x !== undefined && y !== undefined) {
    const result = applyNumber(operator, x, y);
    if (result === undefined) return { kind: 'scalar' };
    // `1 << 20`, `2 ** 10`: whole numbers of whole numbers stay sizes.
    if (a.kind === 'dim' && b.kind === 'dim' && WHOLE_RESULTS.has(operator) && Number.isInteger(result)) return { kind: 'dim', dim: num(result) };
    return { kind: 'scalar', value: result };
  }
  // A float over sizes (`planes * (base_width / 64.0)`, `dim * mlp_ratio`) keeps its formula, for int() to floor.
  const leftFormula = formulaOf(a);
  const rightFormula = formulaOf(b);
  if (leftFormula && rightFormula && FORMULA_OPERATORS.has(operator)) {
    return { kind: 'scalar', expr: simplify(bin(operator as '+' | '-' | '*' | '/' | '//' | '%', leftFormula, rightFormula)) };
  }
  return { kind: 'scalar' };
}

/** `"denseblock%d" % (i + 1)`: printf-style %d, %i, %s and %% where every value is known; else unknown. */
function percentFormat(template: string, argument: Value): Value {
  const values = argument.kind === 'list' && !argument.repeated ? argument.items : [argument];
  let next = 0;
  let unknown = false;
  const text = template.replace(/%([%dis])/g, (_match, conversion: string) => {
    if (conversion === '%') return '%';
    const value = values[next++];
    const printed = value ? textOf(value) : undefined;
    if (printed === undefined || (conversion !== 's' && (value?.kind !== 'dim' && value?.kind !== 'bool'))) unknown = true;
    return printed ?? '';
  });
  return unknown || /%[^%dis]/.test(template.replace(/%%/g, '')) ? UNKNOWN : { kind: 'str', value: text };
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
  // Dtypes are singletons: `x.dtype is torch.float16` and `x.dtype == torch.float16` compare them; the analysis dtype
  // ('default') may be any dtype, so against another dtype it is not known.
  if (left.kind === 'dtype' && right.kind === 'dtype' && (operator === 'is' || operator === 'is not' || operator === '==' || operator === '!=')) {
    if (left.dtype !== right.dtype && (left.dtype === 'default' || right.dtype === 'default')) return { kind: 'bool' };
    const same = left.dtype === right.dtype;
    return { kind: 'bool', value: operator === 'is' || operator === '==' ? same : !same };
  }
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
  const valueOf = (n: typeof a): number | undefined => (n?.kind === 'dim' ? it.state.currentValue(n.dim) : n?.value ?? (n?.expr ? it.state.currentValue(n.expr) : undefined));
  // A size the user gives outside the file (`--dims num_key_value_heads=1`) is not the code's default for it: a
  // comparison that reads it is left undecided, so the branch written first runs (the grouped-query path of
  // `if self.num_kv_heads != self.num_heads:`), priced at the user's sizes.
  const readsGiven = it.boundSymbols.size > 0 && [a, b].some((n) => readsBoundSymbol(it, n));
  const x = readsGiven ? undefined : valueOf(a);
  const y = readsGiven ? undefined : valueOf(b);
  if (x !== undefined && y !== undefined) {
    const table: Record<string, boolean> = { '==': x === y, '!=': x !== y, '<': x < y, '<=': x <= y, '>': x > y, '>=': x >= y };
    if (operator in table) return { kind: 'bool', value: table[operator] };
  }
  if (left.kind === 'str' && right.kind === 'str') {
    if (operator === '==') return { kind: 'bool', value: left.value === right.value };
    if (operator === '!=') return { kind: 'bool', value: left.value !== right.value };
  }
  // A string never equals a number or None (`if v == "M":` over `[64, "M", 128]`); a name not defined here
  // (`__name__`) is no value of either kind, and may.
  if ((operator === '==' || operator === '!=') && neverEqual(left, right)) return { kind: 'bool', value: operator === '!=' };
  if (operator === 'in' || operator === 'not in') {
    const found = contains(it, right, left);
    return { kind: 'bool', value: found === undefined ? undefined : operator === 'in' ? found : !found };
  }
  // `mod != 0` of a size (never negative): 0 or 1 as min(1, mod), so that `div + (mod != 0)` stays a size.
  const zeroTest = a?.kind === 'dim' && b?.kind === 'dim' ? (isZero(b.dim) ? a.dim : isZero(a.dim) ? b.dim : undefined) : undefined;
  if (zeroTest && (operator === '!=' || operator === '==')) {
    const nonZero = dimFunction('min', [num(1), zeroTest]);
    return { kind: 'bool', number: operator === '!=' ? nonZero : simplify(bin('-', num(1), nonZero)) };
  }
  return { kind: 'bool' };
}

/** Values of kinds Python never finds equal: a string and a number, a string or number and None. */
function neverEqual(left: Value, right: Value): boolean {
  const kind = (value: Value): string | undefined => {
    if (value.kind === 'str') return 'str';
    if (value.kind === 'none') return 'none';
    if (value.kind === 'dim' || value.kind === 'scalar') return 'number';
    return undefined;
  };
  const a = kind(left);
  const b = kind(right);
  return a !== undefined && b !== undefined && a !== b;
}

/** `key in container` where MemWall knows both: dict keys, list items, substrings; undefined when it cannot tell. */
function contains(it: Interpreter, container: Value, item: Value): boolean | undefined {
  const key = textOf(item);
  if (container.kind === 'dict') return key === undefined || item.kind !== 'str' && item.kind !== 'dim' ? undefined : container.entries.has(key);
  if (container.kind === 'str') return item.kind === 'str' ? container.value.includes(item.value) : undefined;
  if (container.kind !== 'list' || container.repeated) return undefined;
  const same = (a: Value, b: Value): boolean | undefined => {
    if (neverEqual(a, b)) return false;
    if (a.kind === 'str' && b.kind === 'str') return a.value === b.value;
    const x = numeric(a);
    const y = numeric(b);
    if (!x || !y) return a.kind === 'none' && b.kind === 'none' ? true : undefined;
    const valueOf = (n: NonNullable<typeof x>): number | undefined => (n.kind === 'dim' ? it.state.currentValue(n.dim) : n.value);
    const p = valueOf(x);
    const q = valueOf(y);
    return p === undefined || q === undefined ? undefined : p === q;
  };
  let unsure = false;
  for (const element of container.items) {
    const answer = same(element, item);
    if (answer === true) return true;
    if (answer === undefined) unsure = true;
  }
  return unsure ? undefined : false;
}

function isZero(dim: Dim): boolean {
  return dim.kind === 'num' && dim.value === 0;
}

/** Whether a number's formula names a size the user gives outside the file (`--dims`). */
function readsBoundSymbol(it: Interpreter, n: ReturnType<typeof numeric>): boolean {
  const formula = n?.kind === 'dim' ? n.dim : n?.expr;
  if (!formula) return false;
  for (const symbol of dimSymbols(formula)) if (it.boundSymbols.has(symbol)) return true;
  return false;
}
