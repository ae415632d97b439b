// Built-in Python and torch helpers that are not ops (sizes, ranges, config plumbing, compile wrappers), as a table.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { bin, dimFunction, dimSymbols, isIntegral, num, product, unknownDim, type Dim } from '../../../ir/dims';
import { SM_COUNT_SYMBOL } from '../../../ir/symbols';
import type { DType } from '../../../ir/types';
import { simplify } from '../../../shapes/infer';
import { NONE, UNKNOWN, type ClassInfo, type Value } from '../values';
import { attribute } from './attributes';
import { apply, callLibrary } from './calls';
import { baseClass, canonicalName, floorDim, formulaOf, literalShape, numeric, numericDim, printedText, truthiness } from './conversions';
import { buildsConfiguration, literalElements, roundHalfEven } from './constants';
import { emit, recordHostSync } from './emit';
import { evaluate } from './expressions';
import { quiet } from './frame';
import { field } from '../syntax';
import type { Frame } from './frame';
import type { Interpreter } from './index';
import { clipGradients, constructTrainingObject } from './training';
import { containerKind, isConfigClass, moduleChildren } from './modules';
import { binary } from './operators';
import { SCRIPT_CALLS } from './scripts';
import { setAttribute } from './statements';
import { TRITON_BUILTINS } from './triton';

/** What a built-in receives: the call as the interpreter evaluated it. */
interface BuiltinCall {
  /** The qualified name called: `builtins.range`, `torch.compile`. */
  readonly name: string;
  readonly positional: Value[];
  readonly keywords: ReadonlyMap<string, Value>;
  readonly node: SyntaxNode;
  readonly frame: Frame;
  readonly first: Value | undefined;
}

/** A built-in's meaning: the value the call gives, or undefined when it is an op after all (the catalog prices it). */
type Builtin = (it: Interpreter, call: BuiltinCall) => Value | undefined;

const rangeOf: Builtin = (_it, call) => {
  const { positional } = call;
  const [a, b, step] = positional.map((p) => numericDim(p));
  if (positional.length === 1) return a ? { kind: 'range', count: a } : { kind: 'range', count: unknownDim('range length') };
  if (a && b) {
    const span = simplify(bin('-', b, a));
    if (!step || (step.kind === 'num' && step.value === 1)) return { kind: 'range', count: span, start: a };
    return { kind: 'range', count: bin('//', bin('-', bin('+', span, step), num(1)), step), start: a, step };
  }
  return { kind: 'range', count: unknownDim('range length') };
};

const lengthOf: Builtin = (_it, call) => {
  const { first } = call;
  if (first?.kind === 'list') return first.repeated ? { kind: 'dim', dim: first.repeated.count } : { kind: 'dim', dim: num(first.items.length) };
  if (first?.kind === 'modlist') return first.list.repeated ? { kind: 'dim', dim: first.list.repeated.count } : { kind: 'dim', dim: num(first.list.items.length) };
  if (first?.kind === 'tensor' && first.tensor.shape?.[0]) return { kind: 'dim', dim: first.tensor.shape[0] };
  if (first?.kind === 'dict') return { kind: 'dim', dim: num(first.entries.size) };
  if (first?.kind === 'str') return { kind: 'dim', dim: num(first.value.length) };
  if (first?.kind === 'module' && containerKind(first.instance.cls)) return { kind: 'dim', dim: num(moduleChildren(first).length) };
  return { kind: 'dim', dim: unknownDim('len') };
};

/** `float(loss)`, `int(n_tokens)`, `bool(mask.any())` of a tensor copy it to the host. */
function syncIfTensor(it: Interpreter, call: BuiltinCall): void {
  if (call.first?.kind === 'tensor') recordHostSync(it, `${call.name.replace(/^builtins\./, '')}(tensor)`, call.node, call.frame, call.first.tensor);
}

const toInt: Builtin = (it, call) => {
  syncIfTensor(it, call);
  const { first } = call;
  if (first?.kind === 'dim') return { kind: 'dim', dim: floorDim(first.dim) };
  if (first?.kind === 'scalar') {
    if (first.value !== undefined) return { kind: 'dim', dim: num(Math.trunc(first.value)) };
    if (first.expr) return { kind: 'dim', dim: floorDim(first.expr) };
  }
  if (first?.kind === 'str' && /^\s*[-+]?\d+\s*$/.test(first.value)) return { kind: 'dim', dim: num(Number(first.value)) };
  if (first?.kind === 'bool' && first.value !== undefined) return { kind: 'dim', dim: num(first.value ? 1 : 0) };
  return { kind: 'dim', dim: unknownDim('int()') };
};

/** Python's round(): to the nearest whole number, ties to even; `round(x, n)` keeps n decimals. */
const roundOf: Builtin = (it, call) => {
  syncIfTensor(it, call);
  const { positional, first } = call;
  const digits = numericDim(positional[1]);
  const value = first ? numeric(first) : undefined;
  const known = value?.kind === 'dim' ? (value.dim.kind === 'num' ? value.dim.value : undefined) : value?.value;
  if (digits && digits.kind === 'num') {
    if (known === undefined) return { kind: 'scalar' };
    const scale = 10 ** digits.value;
    return { kind: 'scalar', value: roundHalfEven(known * scale) / scale };
  }
  if (known !== undefined) return { kind: 'dim', dim: num(roundHalfEven(known)) };
  const formula = first ? formulaOf(first) : undefined;
  if (!formula) return { kind: 'dim', dim: unknownDim('round()') };
  // A symbolic float rounds as floor(x + 0.5), which differs from Python only on exact halves.
  return { kind: 'dim', dim: isIntegral(formula) ? formula : bin('//', bin('+', formula, num(0.5)), num(1)) };
};

const absolute: Builtin = (it, call) => {
  const { first, positional, keywords, node, frame } = call;
  // abs() of a tensor is torch.abs.
  if (first?.kind === 'tensor') return callLibrary(it, 'torch.abs', positional, keywords, node, frame, 'abs', []);
  const value = first ? numeric(first) : undefined;
  if (value?.kind === 'dim' && value.dim.kind === 'num') return { kind: 'dim', dim: num(Math.abs(value.dim.value)) };
  if (value?.kind === 'scalar' && value.value !== undefined) return { kind: 'scalar', value: Math.abs(value.value) };
  // A size is never negative: abs() of one is itself.
  return value?.kind === 'dim' ? value : undefined;
};

/** str(): whole numbers and strings as Python prints them, so that `f"layer{i}"` and `str(i)` key dicts. */
const toStr: Builtin = (it, call) => {
  const { first } = call;
  const text = first ? printedText(it, first) : '';
  return text === undefined ? UNKNOWN : { kind: 'str', value: text };
};

const toFloat: Builtin = (it, call) => {
  syncIfTensor(it, call);
  const { first } = call;
  if (first?.kind === 'str') return { kind: 'scalar', value: Number(first.value) };
  if (first?.kind === 'dim' && first.dim.kind === 'num') return { kind: 'scalar', value: first.dim.value };
  return first?.kind === 'scalar' ? first : { kind: 'scalar' };
};

const toBool: Builtin = (it, call) => {
  syncIfTensor(it, call);
  const { first } = call;
  return { kind: 'bool', value: first ? truthiness(first) : false };
};

const minOrMax: Builtin = (it, call) => {
  const { name, positional, first } = call;
  // Over copies of one item (`min(len(p) for p in prompts)` of prompts MemWall cannot see), the item is the answer.
  if (positional.length === 1 && first?.kind === 'list' && first.repeated) return first.repeated.item;
  const values = positional.length === 1 && first?.kind === 'list' ? first.items : positional;
  const smaller = name === 'builtins.min';
  const numbers = values.map((value) => {
    const n = numeric(value);
    if (!n) return undefined;
    if (n.kind === 'dim') return it.state.currentValue(n.dim);
    return n.value ?? (n.expr ? it.state.currentValue(n.expr) : undefined);
  });
  if (values.length > 0 && numbers.every((n) => n !== undefined)) {
    // The argument the code's own sizes choose, kept as written (`n_head`, not 12), so that it stays a symbol.
    let chosen = 0;
    numbers.forEach((n, i) => {
      if (smaller ? (n as number) < (numbers[chosen] as number) : (n as number) > (numbers[chosen] as number)) chosen = i;
    });
    const value = values[chosen] as Value;
    const dims = values.map(numericDim);
    if (dims.every((d) => d?.kind === 'num')) return { kind: 'dim', dim: num(numbers[chosen] as number) };
    return value.kind === 'bool' ? { kind: 'dim', dim: num(numbers[chosen] as number) } : value;
  }
  // `min(MAX_FUSED_SIZE, triton.next_power_of_2(V))`, `min(NUM_SMS, tiles)`: launch code caps a computed block size
  // or a tile count by a limit, and either can be the smaller one. With a size function or the GPU's SM count among
  // the arguments, the choice waits until the sizes are bound.
  const dims = values.map(numericDim);
  const computed = dims.some((d) => d !== undefined && (d.kind === 'fn' || dimSymbols(d).has(SM_COUNT_SYMBOL)));
  if (computed && dims.length > 1 && dims.every((d) => d !== undefined && d.kind !== 'unknown')) {
    return { kind: 'dim', dim: dimFunction(name === 'builtins.min' ? 'min' : 'max', dims as Dim[]) };
  }
  // min(T, block_size) of sizes MemWall cannot read: the first argument is the size the code means; the other a bound.
  return values[0] ?? UNKNOWN;
};

const unknownBool: Builtin = () => ({ kind: 'bool' });

/** What Python type names a value of each kind is an instance of, where MemWall knows the value's kind for sure. */
const INSTANCE_OF: Readonly<Partial<Record<Value['kind'], readonly string[]>>> = {
  dim: ['builtins.int', 'numbers.Number', 'numbers.Integral', 'typing.SupportsInt'],
  str: ['builtins.str', 'typing.Sequence', 'collections.abc.Sequence', 'typing.Iterable', 'collections.abc.Iterable'],
  bool: ['builtins.bool', 'builtins.int'],
  none: ['builtins.NoneType', 'types.NoneType'],
  list: ['builtins.list', 'builtins.tuple', 'typing.Sequence', 'collections.abc.Sequence', 'typing.Iterable', 'collections.abc.Iterable', 'typing.List', 'typing.Tuple'],
  dict: ['builtins.dict', 'typing.Mapping', 'collections.abc.Mapping', 'typing.Dict', 'collections.OrderedDict', 'torch.nn.ModuleDict'],
  tensor: ['torch.Tensor', 'torch.nn.Parameter', 'torch.nn.parameter.Parameter'],
  function: ['typing.Callable', 'collections.abc.Callable'],
};

/**
 * isinstance() where the answer is certain: sizes are ints, lists are sequences, a layer is its torch.nn class (and an
 * nn.Module), a user module is its class and its bases. Anything else stays unknown (both branches then stay open).
 */
const isInstance: Builtin = (_it, call) => {
  const [value, types] = call.positional;
  if (!value || !types) return { kind: 'bool' };
  const candidates = types.kind === 'list' && !types.repeated ? types.items : [types];
  let unsure = false;
  for (const candidate of candidates) {
    const answer = instanceOf(value, candidate);
    if (answer === true) return { kind: 'bool', value: true };
    if (answer === undefined) unsure = true;
  }
  return unsure ? { kind: 'bool' } : { kind: 'bool', value: false };
};

function instanceOf(value: Value, type: Value): boolean | undefined {
  if (type.kind === 'class') {
    if (value.kind === 'module' || value.kind === 'object') {
      const cls = value.kind === 'module' ? value.instance.cls : value.cls;
      if (!cls) return undefined;
      for (let current: ClassInfo | undefined = cls; current; current = baseClass(current)) if (current === type.cls) return true;
      return false;
    }
    return value.kind === 'unknown' || value.kind === 'free' ? undefined : false;
  }
  if (type.kind !== 'ref') return undefined;
  const name = canonicalName(type.name);
  if (value.kind === 'layer') return name === value.layer.op || name === 'torch.nn.Module';
  if (value.kind === 'module') {
    if (name === 'torch.nn.Module') return true;
    for (let current: ClassInfo | undefined = value.instance.cls; current; current = baseClass(current)) {
      if (current.bases.some((b) => b.kind === 'ref' && canonicalName(b.name) === name)) return true;
    }
    return false;
  }
  if (value.kind === 'modlist') return name === (value.sequential ? 'torch.nn.Sequential' : 'torch.nn.ModuleList') || name === 'torch.nn.Module';
  if (value.kind === 'scalar') return name === 'builtins.float' ? (value.value === undefined ? undefined : true) : name === 'builtins.int' ? undefined : false;
  const known = INSTANCE_OF[value.kind];
  if (!known) return undefined;
  if (known.includes(name)) return true;
  // Only names of types MemWall knows are answered no: a user's alias of int stays unknown.
  return /^(builtins|typing|collections|numbers|torch)\./.test(name) ? false : undefined;
}


/** `divmod(n, k)`: the quotient and the remainder, as sizes. */
const divisionWithRemainder: Builtin = (_it, call) => {
  const [a, b] = call.positional.map(numericDim);
  if (!a || !b) return UNKNOWN;
  return { kind: 'list', items: [{ kind: 'dim', dim: simplify(bin('//', a, b)) }, { kind: 'dim', dim: simplify(bin('%', a, b)) }] };
};

/**
 * Whether a config instance has an attribute, when MemWall knows all it has: a config class's instance holds its
 * fields and what `__post_init__` set, and its class's methods; nothing else can be there.
 */
function configHas(it: Interpreter, object: Value | undefined, name: string): boolean | undefined {
  if (object?.kind !== 'object' || !object.cls || !isConfigClass(it, object.cls)) return undefined;
  if (object.attrs.has(name)) return true;
  for (let current: ClassInfo | undefined = object.cls; current; current = baseClass(current)) {
    if (current.fields.has(name) || current.methods.has(name)) return true;
    // A base MemWall cannot read may define anything.
    if (current.bases.some((base) => base.kind !== 'class')) return undefined;
  }
  return false;
}

const hasAttribute: Builtin = (it, call) => {
  const { positional, first } = call;
  const attributeName = positional[1]?.kind === 'str' ? positional[1].value : '';
  if (attributeName === 'scaled_dot_product_attention') return { kind: 'bool', flash: true };
  const known = configHas(it, first, attributeName);
  return known === undefined ? { kind: 'bool' } : { kind: 'bool', value: known };
};

const getAttribute: Builtin = (it, call) => {
  const { positional, node, frame, first } = call;
  const attributeName = positional[1]?.kind === 'str' ? positional[1].value : undefined;
  // `getattr(config, "head_dim", hidden_size // num_heads)`: a config without the field gives the default.
  if (attributeName && positional.length > 2 && configHas(it, first, attributeName) === false) return positional[2] as Value;
  if (first && attributeName) return attribute(it, first, attributeName, frame, node);
  return positional[2] ?? UNKNOWN;
};

/** `setattr(self, name, layer)` with a name the code computes (`f"stage{i}"`): the attribute assignment it is. */
const setAttributeOf: Builtin = (it, call) => {
  const { positional, node, frame, first } = call;
  const attributeName = positional[1]?.kind === 'str' ? positional[1].value : undefined;
  if (first && attributeName && positional[2]) setAttribute(it, first, attributeName, positional[2], node, frame);
  return NONE;
};

const superOf: Builtin = (it, call) => {
  const { frame } = call;
  const self = frame.env.get('self');
  const cls = it.callStack[it.callStack.length - 1]?.owner;
  return self && cls ? { kind: 'super', self, cls } : UNKNOWN;
};

/**
 * print(...) of a tensor copies it to the host; of shapes, sizes, dtypes and strings it does not. Tensors in f-string
 * fields (`f"loss {loss:.3f}"`) count: the fields are evaluated, quietly, as Python would format them.
 */
const printed: Builtin = (it, call) => {
  const { positional, node, frame } = call;
  const tensors = positional.filter((value) => value.kind === 'tensor');
  for (const argument of field(node, 'arguments')?.namedChildren ?? []) {
    if (argument?.type !== 'string') continue;
    for (const part of argument.namedChildren) {
      const expression = part?.type === 'interpolation' ? part.namedChildren[0] : null;
      const value = expression ? evaluate(it, expression, quiet(frame)) : undefined;
      if (value?.kind === 'tensor') tensors.push(value);
    }
  }
  const first = tensors[0];
  if (first?.kind === 'tensor') recordHostSync(it, 'print(tensor)', node, frame, first.tensor);
  return NONE;
};

const synchronize: Builtin = (it, call) => {
  recordHostSync(it, 'torch.cuda.synchronize()', call.node, call.frame);
  return UNKNOWN;
};

const toList: Builtin = (_it, call) => {
  const { first } = call;
  return first?.kind === 'list' ? first : first ? { kind: 'list', items: [first] } : { kind: 'list', items: [] };
};

const toDict: Builtin = (_it, call) => {
  const { keywords } = call;
  const entries = new Map<string, Value>(keywords);
  return { kind: 'dict', entries };
};

/**
 * `set(widths)` of known numbers or strings: each value once, in first-seen order (only its length and membership
 * matter to sizes); anything else is unknown.
 */
const setOf: Builtin = (_it, call) => {
  const { first } = call;
  if (!first) return { kind: 'list', items: [] };
  if (first.kind !== 'list' || first.repeated) return UNKNOWN;
  const seen = new Map<string, Value>();
  for (const item of first.items) {
    const key = item.kind === 'dim' && item.dim.kind === 'num' ? `n${item.dim.value}` : item.kind === 'scalar' && item.value !== undefined ? `n${item.value}` : item.kind === 'str' ? `s${item.value}` : undefined;
    if (key === undefined) return UNKNOWN;
    if (!seen.has(key)) seen.set(key, item);
  }
  return { kind: 'list', items: [...seen.values()] };
};

const enumerateOf: Builtin = (_it, call) => {
  const { first } = call;
  return { kind: 'list', items: [first ?? UNKNOWN] };
};

/**
 * `zip(a, b, ...)` of lists whose items are known: the tuples, as long as the shortest list, as Python makes them.
 * A list of unknown length (a comprehension over a symbolic range) or anything else gives an unknown value.
 */
const zipOf: Builtin = (_it, call) => {
  const lists = call.positional.map((value) => (value.kind === 'list' && !value.repeated ? value.items : undefined));
  if (lists.length === 0 || lists.some((items) => items === undefined)) return UNKNOWN;
  const known = lists as (readonly Value[])[];
  const length = Math.min(...known.map((items) => items.length));
  return { kind: 'list', items: Array.from({ length }, (_, i) => ({ kind: 'list', items: known.map((items) => items[i] as Value) }) as Value) };
};

const unknownValue: Builtin = () => UNKNOWN;

/** The largest `numpy.linspace` kept as its numbers; a longer one is one number repeated (its values are host floats). */
const MAX_LINSPACE_ITEMS = 4096;

/**
 * `np.linspace(start, stop, num)` (a host array: stochastic-depth rates per block): its `num` numbers, evenly spaced
 * with both ends included, so that `.tolist()`, slicing and `enumerate` over it see how many there are.
 */
const linspaceOf: Builtin = (_it, call) => {
  const { positional, keywords } = call;
  const valueOf = (value: Value | undefined): number | undefined => {
    const n = value ? numeric(value) : undefined;
    return n?.kind === 'dim' ? (n.dim.kind === 'num' ? n.dim.value : undefined) : n?.value;
  };
  const count = numericDim(positional[2] ?? keywords.get('num') ?? { kind: 'dim', dim: num(50) });
  if (!count) return UNKNOWN;
  if (count.kind !== 'num' || count.value > MAX_LINSPACE_ITEMS) return { kind: 'list', items: [], repeated: { item: { kind: 'scalar' }, count } };
  const start = valueOf(positional[0] ?? keywords.get('start'));
  const stop = valueOf(positional[1] ?? keywords.get('stop'));
  const n = count.value;
  return {
    kind: 'list',
    items: Array.from({ length: n }, (_, i): Value => ({ kind: 'scalar', value: start === undefined || stop === undefined ? undefined : n === 1 ? start : start + ((stop - start) * i) / (n - 1) })),
  };
};

/**
 * `copy.copy(cnf)` / `copy.deepcopy(layer)`: a new object with the same attributes, so that changing the copy leaves
 * the original as it was (torchvision copies a stage's config before changing a block's channels).
 */
const copyOf: Builtin = (_it, call) => {
  const { first } = call;
  if (!first) return UNKNOWN;
  switch (first.kind) {
    case 'object':
      return { kind: 'object', cls: first.cls, attrs: new Map(first.attrs) };
    case 'module':
      return { ...first, instance: { ...first.instance, attrs: new Map(first.instance.attrs) } };
    case 'list':
      return first.repeated ? first : { kind: 'list', items: [...first.items] };
    case 'dict':
      return { ...first, entries: new Map(first.entries) };
    default:
      return first;
  }
};

/** `functools.partial(f, *args, **kwargs)`: f with those arguments given (norm layers, activations, configs). */
const partialOf: Builtin = (_it, call) => {
  const { positional, keywords, first } = call;
  if (!first) return UNKNOWN;
  return { kind: 'partial', callee: first, positional: positional.slice(1), keywords: new Map(keywords) };
};

/** `typing.cast(int, v)` is `v` to the type checker and at run time. */
const castValue: Builtin = (_it, call) => call.positional[1] ?? UNKNOWN;

const sumOf: Builtin = (it, call) => {
  const { node, frame, first } = call;
  if (first?.kind === 'list') {
    let total: Value | undefined;
    for (const item of first.items) total = total ? binary(it, '+', total, item, node, frame) : item;
    return total ?? { kind: 'dim', dim: num(0) };
  }
  return UNKNOWN;
};

/** math's functions of floats, by name: they fold where their arguments are known numbers. */
const MATH_FUNCTIONS: Readonly<Record<string, (...args: number[]) => number>> = {
  'math.sqrt': Math.sqrt, 'math.exp': Math.exp, 'math.log2': Math.log2, 'math.log10': Math.log10, 'math.log1p': Math.log1p,
  'math.sin': Math.sin, 'math.cos': Math.cos, 'math.tan': Math.tan, 'math.atan': Math.atan, 'math.tanh': Math.tanh,
  'math.fabs': Math.abs, 'math.pow': Math.pow, 'math.hypot': Math.hypot,
  'math.log': (x, base) => (base === undefined ? Math.log(x) : Math.log(x) / Math.log(base)),
};

/** math's functions that give whole numbers: sizes when their arguments are. */
const MATH_WHOLE: Readonly<Record<string, (...args: number[]) => number>> = {
  'math.ceil': Math.ceil, 'math.floor': Math.floor, 'math.trunc': Math.trunc,
  'math.isqrt': (x) => Math.floor(Math.sqrt(x)),
  'math.gcd': (...xs) => xs.reduce((a, b) => gcd(a, b), 0),
  'math.lcm': (...xs) => xs.reduce((a, b) => (a === 0 || b === 0 ? 0 : Math.abs(a * b) / gcd(a, b)), 1),
  'math.prod': (...xs) => xs.reduce((a, b) => a * b, 1),
  'math.comb': (n, k) => combinations(n, k),
};

function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y) [x, y] = [y, x % y];
  return x;
}

function combinations(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return Math.round(result);
}

const mathFunction: Builtin = (_it, call) => {
  const { name, positional, first } = call;
  // math.prod([a, b]) and math.gcd(a, b) take a list or several numbers.
  const values = (name === 'math.prod' && first?.kind === 'list' ? first.items : positional).map((value) => {
    const n = numeric(value);
    if (!n) return undefined;
    return n.kind === 'dim' ? (n.dim.kind === 'num' ? n.dim.value : undefined) : n.value;
  });
  const known = values.every((v) => v !== undefined) ? (values as number[]) : undefined;
  const whole = MATH_WHOLE[name];
  if (whole) {
    if (known) return { kind: 'dim', dim: num(whole(...known)) };
    const formula = first ? formulaOf(first) : undefined;
    if (name === 'math.floor' || name === 'math.trunc') return { kind: 'dim', dim: formula ? floorDim(formula) : unknownDim(name) };
    if (name === 'math.ceil') return { kind: 'dim', dim: formula ? ceilDim(formula) : unknownDim(name) };
    if (name === 'math.prod' && first?.kind === 'list') return { kind: 'dim', dim: product(first.items.map((item) => numericDim(item) ?? unknownDim(name))) };
    return { kind: 'dim', dim: unknownDim(name) };
  }
  const fn = MATH_FUNCTIONS[name];
  if (!known && name === 'math.sqrt') {
    // The square root of a size formula stays a formula (a float: int() of it floors), bound with the sizes.
    const formula = first ? formulaOf(first) : undefined;
    if (formula) return { kind: 'scalar', expr: dimFunction('sqrt', [formula]) };
  }
  return { kind: 'scalar', value: known && fn ? fn(...known) : undefined };
};

/** math.ceil of a size formula: `ceil(a / b)` of whole numbers is `(a + b - 1) // b`; a whole number is itself. */
function ceilDim(dim: Dim): Dim {
  if (isIntegral(dim)) return dim;
  if (dim.kind === 'bin' && dim.op === '/' && isIntegral(dim.left) && isIntegral(dim.right)) {
    return bin('//', bin('-', bin('+', dim.left, dim.right), num(1)), dim.right);
  }
  return bin('-', num(0), bin('//', bin('-', num(0), dim), num(1)));
}

const compileWrapper: Builtin = (_it, call) => {
  const { name, keywords, first } = call;
  if (name !== 'torch.compile') return first ?? UNKNOWN;
  const modeValue = keywords.get('mode');
  const mode = modeValue?.kind === 'str' ? modeValue.value : undefined;
  const target = first?.kind === 'module' ? first.instance : first?.kind === 'function' ? first.fn : first?.kind === 'class' ? first.cls : undefined;
  if (target) {
    target.compiled = true;
    target.compileMode = mode;
  }
  return first ?? UNKNOWN;
};

const matmulPrecision: Builtin = (it, call) => {
  const { first } = call;
  if (first?.kind === 'str' && (first.value === 'high' || first.value === 'medium')) it.builder.tf32Enabled = true;
  return NONE;
};

const hostOnly: Builtin = () => UNKNOWN;

/** torch functions that do host work only: saving and loading checkpoints, global settings, seeds, queries. */
const HOST_TORCH_CALLS = [
  'torch.save', 'torch.load', 'torch.set_grad_enabled', 'torch.is_grad_enabled', 'torch.set_num_threads', 'torch.get_num_threads',
  'torch.set_printoptions', 'torch.use_deterministic_algorithms', 'torch.set_default_dtype', 'torch.get_default_dtype',
  'torch.set_default_device', 'torch.seed', 'torch.initial_seed', 'torch.is_tensor',
];

/** `slice(stop)`, `slice(start, stop[, step])`: Python's slice object, with the attributes indexing reads. */
const sliceObject: Builtin = (_it, call) => {
  const { positional } = call;
  const [start, stop, step] = positional.length === 1 ? [NONE, positional[0] as Value, NONE] : [positional[0] ?? NONE, positional[1] ?? NONE, positional[2] ?? NONE];
  return { kind: 'object', attrs: new Map<string, Value>([['start', start], ['stop', stop], ['step', step]]) };
};

/**
 * `torch.finfo(dtype)` / `torch.iinfo(dtype)`: the type's limits, read on the host (`torch.finfo(x.dtype).min` as a
 * mask value). Numbers whose value does not change a shape or a cost: scalars without a value.
 */
const typeInfo: Builtin = () => ({ kind: 'object', attrs: new Map<string, Value>(['min', 'max', 'eps', 'tiny', 'resolution', 'bits'].map((name) => [name, { kind: 'scalar' }])) });

const parameter: Builtin = (_it, call) => {
  const { first, name, keywords, positional } = call;
  if (first?.kind !== 'tensor') return first ?? UNKNOWN;
  if (name === 'torch.nn.Buffer') return { kind: 'tensor', tensor: { ...first.tensor, producer: undefined, origin: 'parameter' } };
  // nn.Parameter(data, requires_grad=True): a backward computes its gradient unless requires_grad is False.
  const requiresGrad = keywords.get('requires_grad') ?? positional[1];
  const trainable = !(requiresGrad?.kind === 'bool' && requiresGrad.value === false);
  // A floating parameter is one of the model's weights: `model.to(torch.bfloat16)`, `.half()` and from_pretrained's
  // torch_dtype convert it whatever dtype built it (torchvision's MaxViT builds its relative position table with
  // dtype=torch.float32), so it has the analysis dtype; an fp8 or integer one is quantised data and keeps its own.
  const dtype = first.tensor.dtype !== null && CONVERTED_BY_MODEL.has(first.tensor.dtype) ? 'default' : first.tensor.dtype;
  return { kind: 'tensor', tensor: { ...first.tensor, dtype, producer: undefined, origin: 'parameter', trainable } };
};

/** The floating dtypes that a model's conversion to another floating dtype (`model.to(dtype)`) converts. */
const CONVERTED_BY_MODEL = new Set(['fp64', 'fp32', 'tf32', 'bf16', 'fp16']);

const moduleList: Builtin = (_it, call) => {
  const { first } = call;
  const list = first?.kind === 'list' ? first : { kind: 'list' as const, items: [] };
  return { kind: 'modlist', list, path: '', sequential: false };
};

/** nn.Sequential(*layers) or nn.Sequential(OrderedDict([...])): its layers named by index or by key, as PyTorch names them. */
const sequential: Builtin = (_it, call) => {
  const { positional, first } = call;
  if (positional.length === 1 && first?.kind === 'dict') {
    return { kind: 'modlist', list: { kind: 'list', items: [...first.entries.values()] }, path: '', sequential: true, names: [...first.entries.keys()] };
  }
  if (positional.length === 1 && first?.kind === 'list' && first.repeated) return { kind: 'modlist', list: first, path: '', sequential: true };
  return { kind: 'modlist', list: { kind: 'list', items: positional }, path: '', sequential: true, names: positional.map((_, i) => String(i)) };
};

const moduleDict: Builtin = (_it, call) => {
  const { keywords, first } = call;
  if (first?.kind === 'dict') return { kind: 'dict', entries: new Map(first.entries) };
  if (first?.kind === 'list') {
    const entries = new Map<string, Value>();
    for (const pair of first.items) {
      if (pair.kind === 'list' && pair.items[0]?.kind === 'str') entries.set(pair.items[0].value, pair.items[1] ?? UNKNOWN);
    }
    return { kind: 'dict', entries };
  }
  return { kind: 'dict', entries: new Map(keywords) };
};

const tensorLiteral: Builtin = (it, call) => {
  const { keywords, node, frame, first } = call;
  const shape = first ? literalShape(first) : null;
  const dtype = keywords.get('dtype');
  const known = literalElements(first);
  // A tensor of known numbers made while the model is built is configuration (constants.ts), not an op.
  const made = emit(it, 'torch.tensor', 'torch.tensor', node, [], {}, known && buildsConfiguration(it, frame) ? quiet(frame) : frame, { shapes: [shape], dtype: dtype?.kind === 'dtype' ? dtype.dtype : 'default', createOnly: true });
  if (known && made.kind === 'tensor') it.state.elements.set(made.tensor.id, known);
  return made;
};

/**
 * The legacy typed constructors given data (`torch.LongTensor([n - 1])`, `torch.FloatTensor([t] * batch_size)`, as
 * gemma_pytorch's generate() builds its sampling inputs): a tensor literal of the type's dtype. Given sizes instead
 * (`torch.FloatTensor(3, 4)`), they make uninitialised memory, which the catalog does not list: left to it.
 */
const TYPED_TENSORS: readonly (readonly [string, DType])[] = [
  ['torch.LongTensor', 'int64'], ['torch.IntTensor', 'int32'], ['torch.FloatTensor', 'fp32'], ['torch.DoubleTensor', 'fp64'],
  ['torch.HalfTensor', 'fp16'], ['torch.BFloat16Tensor', 'bf16'], ['torch.BoolTensor', 'bool'], ['torch.ByteTensor', 'uint8'],
];

const typedTensorLiteral = (dtype: DType): Builtin => (it, call) => {
  if (call.first?.kind !== 'list' || call.positional.length !== 1) return undefined;
  return tensorLiteral(it, { ...call, keywords: new Map([...call.keywords, ['dtype', { kind: 'dtype', dtype }]]) });
};

const maxOfTensors: Builtin = (it, call) => {
  const { name, positional, keywords, node, frame } = call;
  if (positional[1]?.kind === 'tensor') return callLibrary(it, name === 'torch.max' ? 'torch.maximum' : 'torch.minimum', positional, keywords, node, frame, name, []);
  return undefined;
};

/**
 * `map(lambda t: rearrange(t, 'b n (h d) -> b h n d', h=h), qkv)` over lists the code knows: the function applied to
 * each item (or each tuple of items, for several lists) in order, as Python does; anything else is left unknown.
 */
const mapOf: Builtin = (it, call) => {
  const [fn, ...iterables] = call.positional;
  if (!fn || iterables.length === 0) return undefined;
  const lists = iterables.map((iterable) => (iterable.kind === 'list' && !iterable.repeated ? iterable.items : undefined));
  if (lists.some((items) => items === undefined)) return undefined;
  const length = Math.min(...lists.map((items) => (items as readonly Value[]).length));
  const items = Array.from({ length }, (_, index) => apply(it, fn, lists.map((list) => (list as readonly Value[])[index] as Value), new Map(), call.node, call.frame, 'map'));
  return { kind: 'list', items };
};

/** Built-in Python and torch helpers that are not ops, by qualified name. */
const BUILTIN_CALLS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['builtins.range', rangeOf],
  ['builtins.len', lengthOf],
  ['builtins.int', toInt],
  ['builtins.round', roundOf],
  ['builtins.abs', absolute],
  ['builtins.str', toStr],
  ['builtins.divmod', divisionWithRemainder],
  ['builtins.float', toFloat],
  ['builtins.bool', toBool],
  ['builtins.min', minOrMax],
  ['builtins.max', minOrMax],
  ['builtins.isinstance', isInstance],
  ['builtins.callable', unknownBool],
  ['builtins.hasattr', hasAttribute],
  ['builtins.getattr', getAttribute],
  ['builtins.super', superOf],
  ['builtins.print', printed],
  ['builtins.setattr', setAttributeOf],
  ['builtins.list', toList],
  ['builtins.tuple', toList],
  ['builtins.dict', toDict],
  ['builtins.enumerate', enumerateOf],
  ['builtins.zip', zipOf],
  ['builtins.map', mapOf],
  ['numpy.linspace', linspaceOf],
  ['builtins.set', setOf],
  ['builtins.sum', sumOf],
  ['builtins.Ellipsis', unknownValue],
  ['typing.cast', castValue],
  ['functools.partial', partialOf],
  ['copy.copy', copyOf],
  ['copy.deepcopy', copyOf],
  ...[...Object.keys(MATH_FUNCTIONS), ...Object.keys(MATH_WHOLE)].map((name): [string, Builtin] => [name, mathFunction]),
  ['torch.compile', compileWrapper],
  ['torch.jit.script', compileWrapper],
  ['torch.jit.trace', compileWrapper],
  ['torch.set_float32_matmul_precision', matmulPrecision],
  ['torch.no_grad', hostOnly],
  ['torch.finfo', typeInfo],
  ['builtins.slice', sliceObject],
  ['torch.iinfo', typeInfo],
  ['torch.inference_mode', hostOnly],
  ['torch.enable_grad', hostOnly],
  ['torch.autocast', hostOnly],
  ['torch.cuda.amp.autocast', hostOnly],
  ['torch.amp.autocast', hostOnly],
  ['torch.manual_seed', hostOnly],
  ['torch._assert', hostOnly],
  ['torch.cuda.synchronize', synchronize],
  ['torch.device', hostOnly],
  ['contextlib.nullcontext', hostOnly],
  ['torch.nn.Parameter', parameter],
  ['torch.nn.parameter.Parameter', parameter],
  ['torch.nn.Buffer', parameter],
  ['torch.nn.ModuleList', moduleList],
  ['torch.nn.ParameterList', moduleList],
  ['torch.nn.Sequential', sequential],
  ['torch.nn.ModuleDict', moduleDict],
  ['torch.nn.ParameterDict', moduleDict],
  ['collections.OrderedDict', moduleDict],
  // typing.OrderedDict is collections.OrderedDict at run time (torchvision's maxvit builds its layers in one).
  ['typing.OrderedDict', moduleDict],
  ['torch.tensor', tensorLiteral],
  ['torch.as_tensor', tensorLiteral],
  ...TYPED_TENSORS.map(([name, dtype]) => [name, typedTensorLiteral(dtype)] as const),
  ['torch.max', maxOfTensors],
  ['torch.min', maxOfTensors],
  ...['torch.nn.utils.clip_grad_norm_', 'torch.nn.utils.clip_grad.clip_grad_norm_'].map((name): [string, Builtin] => [name, (it, call) => clipGradients(it, call.positional, call.keywords, call.node, call.frame, field(call.node, 'function')?.text ?? call.name)]),
  // A script's host work: checkpoints, settings, seeds. No GPU kernel, so never an op (torch.save was listed as unknown).
  ...HOST_TORCH_CALLS.map((name): [string, Builtin] => [name, hostOnly]),
]);

/** Library namespaces whose calls compute plain numbers or do host work: never tensor ops. */
const HOST_LIBRARIES = /^(math|random|numpy|np|os|sys|time|logging|warnings|inspect|dataclasses|typing|functools|itertools|matplotlib|wandb|json|pickle|shutil)\./;

/** Built-in Python and torch helpers that are not ops: sizes, ranges, config plumbing, compile wrappers. */
export function libraryBuiltin(it: Interpreter, name: string, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): Value | undefined {
  const first = positional[0];
  const builtin = BUILTIN_CALLS.get(name);
  if (builtin) return builtin(it, { name, positional, keywords, node, frame, first });
  const script = SCRIPT_CALLS.get(name);
  if (script) return script(it, positional, keywords, node, frame);
  const triton = TRITON_BUILTINS.get(name);
  if (triton) return triton(it, positional, keywords);
  // Optimizers and GradScaler: objects whose methods are a training step's ops (training.ts).
  const training = name.startsWith('torch.') ? constructTrainingObject(name, positional, keywords) : undefined;
  if (training) return training;
  // `torch.nn.init.*_` fill a parameter in place: no op of the forward pass.
  if (name.startsWith('torch.nn.init.')) return first ?? NONE;
  if (HOST_LIBRARIES.test(name)) return { kind: 'scalar' };
  return undefined;
}
