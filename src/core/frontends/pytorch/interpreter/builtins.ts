// Built-in Python and torch helpers that are not ops (sizes, ranges, config plumbing, compile wrappers), as a table.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { bin, num, unknownDim } from '../../../ir/dims';
import { simplify } from '../../../shapes/infer';
import { NONE, UNKNOWN, type Value } from '../values';
import { attribute } from './attributes';
import { callLibrary } from './calls';
import { literalShape, numeric, numericDim, truthiness } from './conversions';
import { emit, recordHostSync } from './emit';
import { evaluate } from './expressions';
import { quiet } from './frame';
import { field } from '../syntax';
import type { Frame } from './frame';
import type { Interpreter } from './index';
import { binary } from './operators';
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
    if (!step || (step.kind === 'num' && step.value === 1)) return { kind: 'range', count: span };
    return { kind: 'range', count: bin('//', bin('-', bin('+', span, step), num(1)), step) };
  }
  return { kind: 'range', count: unknownDim('range length') };
};

const lengthOf: Builtin = (_it, call) => {
  const { first } = call;
  if (first?.kind === 'list') return first.repeated ? { kind: 'dim', dim: first.repeated.count } : { kind: 'dim', dim: num(first.items.length) };
  if (first?.kind === 'modlist') return first.list.repeated ? { kind: 'dim', dim: first.list.repeated.count } : { kind: 'dim', dim: num(first.list.items.length) };
  if (first?.kind === 'tensor' && first.tensor.shape?.[0]) return { kind: 'dim', dim: first.tensor.shape[0] };
  return { kind: 'dim', dim: unknownDim('len') };
};

/** `float(loss)`, `int(n_tokens)`, `bool(mask.any())` of a tensor copy it to the host. */
function syncIfTensor(it: Interpreter, call: BuiltinCall): void {
  if (call.first?.kind === 'tensor') recordHostSync(it, `${call.name.replace(/^builtins\./, '')}(tensor)`, call.node, call.frame, call.first.tensor);
}

const toInt: Builtin = (it, call) => {
  syncIfTensor(it, call);
  const { first } = call;
  if (first?.kind === 'dim') return first;
  if (first?.kind === 'scalar') return first.value === undefined ? { kind: 'dim', dim: unknownDim('int()') } : { kind: 'dim', dim: num(Math.trunc(first.value)) };
  return { kind: 'dim', dim: unknownDim('int()') };
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

const minOrMax: Builtin = (_it, call) => {
  const { name, positional, first } = call;
  const values = positional.length === 1 && first?.kind === 'list' ? first.items : positional;
  const dims = values.map(numericDim);
  if (dims.every((d) => d?.kind === 'num')) {
    const numbers = dims.map((d) => (d as { value: number }).value);
    return { kind: 'dim', dim: num(name === 'builtins.min' ? Math.min(...numbers) : Math.max(...numbers)) };
  }
  // min(T, block_size): the first argument is the size the code means; the other is a bound.
  return values[0] ?? UNKNOWN;
};

const unknownBool: Builtin = () => ({ kind: 'bool' });

const hasAttribute: Builtin = (_it, call) => {
  const { positional } = call;
  const attributeName = positional[1]?.kind === 'str' ? positional[1].value : '';
  if (attributeName === 'scaled_dot_product_attention') return { kind: 'bool', flash: true };
  return { kind: 'bool' };
};

const getAttribute: Builtin = (it, call) => {
  const { positional, node, frame, first } = call;
  const attributeName = positional[1]?.kind === 'str' ? positional[1].value : undefined;
  if (first && attributeName) return attribute(it, first, attributeName, frame, node);
  return positional[2] ?? UNKNOWN;
};

const superOf: Builtin = (it, call) => {
  const { frame } = call;
  const self = frame.env.get('self');
  const cls = it.callStack[it.callStack.length - 1]?.owner;
  return self && cls ? { kind: 'super', self, cls } : UNKNOWN;
};

const none: Builtin = () => NONE;

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

const enumerateOf: Builtin = (_it, call) => {
  const { first } = call;
  return { kind: 'list', items: [first ?? UNKNOWN] };
};

const unknownValue: Builtin = () => UNKNOWN;

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

const mathFunction: Builtin = (_it, call) => {
  const { name, first } = call;
  const value = numeric(first ?? UNKNOWN);
  const x = value?.kind === 'dim' ? (value.dim.kind === 'num' ? value.dim.value : undefined) : value?.value;
  const fn = { 'math.sqrt': Math.sqrt, 'math.log': Math.log, 'math.exp': Math.exp, 'math.log2': Math.log2, 'math.ceil': Math.ceil, 'math.floor': Math.floor }[name];
  if (name === 'math.ceil' || name === 'math.floor') {
    return x === undefined ? { kind: 'dim', dim: value?.kind === 'dim' ? value.dim : unknownDim(name) } : { kind: 'dim', dim: num((fn as (v: number) => number)(x)) };
  }
  return { kind: 'scalar', value: x === undefined ? undefined : (fn as (v: number) => number)(x) };
};

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

const parameter: Builtin = (_it, call) => {
  const { first } = call;
  if (first?.kind === 'tensor') return { kind: 'tensor', tensor: { ...first.tensor, producer: undefined, origin: 'parameter' } };
  return first ?? UNKNOWN;
};

const moduleList: Builtin = (_it, call) => {
  const { first } = call;
  const list = first?.kind === 'list' ? first : { kind: 'list' as const, items: [] };
  return { kind: 'modlist', list, path: '', sequential: false };
};

const sequential: Builtin = (_it, call) => {
  const { positional, first } = call;
  if (positional.length === 1 && first?.kind === 'dict') {
    return { kind: 'modlist', list: { kind: 'list', items: [...first.entries.values()] }, path: '', sequential: true };
  }
  const items = positional.length === 1 && first?.kind === 'list' && first.repeated ? first : { kind: 'list' as const, items: positional };
  return { kind: 'modlist', list: items, path: '', sequential: true };
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
  return emit(it, 'torch.tensor', 'torch.tensor', node, [], {}, frame, { shapes: [shape], dtype: dtype?.kind === 'dtype' ? dtype.dtype : 'default', createOnly: true });
};

const maxOfTensors: Builtin = (it, call) => {
  const { name, positional, keywords, node, frame } = call;
  if (positional[1]?.kind === 'tensor') return callLibrary(it, name === 'torch.max' ? 'torch.maximum' : 'torch.minimum', positional, keywords, node, frame, name, []);
  return undefined;
};

/** Built-in Python and torch helpers that are not ops, by qualified name. */
const BUILTIN_CALLS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['builtins.range', rangeOf],
  ['builtins.len', lengthOf],
  ['builtins.int', toInt],
  ['builtins.round', toInt],
  ['builtins.float', toFloat],
  ['builtins.bool', toBool],
  ['builtins.min', minOrMax],
  ['builtins.max', minOrMax],
  ['builtins.isinstance', unknownBool],
  ['builtins.callable', unknownBool],
  ['builtins.hasattr', hasAttribute],
  ['builtins.getattr', getAttribute],
  ['builtins.super', superOf],
  ['builtins.print', printed],
  ['builtins.setattr', none],
  ['builtins.list', toList],
  ['builtins.tuple', toList],
  ['builtins.dict', toDict],
  ['builtins.enumerate', enumerateOf],
  ['builtins.zip', unknownValue],
  ['builtins.sum', sumOf],
  ['builtins.Ellipsis', unknownValue],
  ['typing.cast', castValue],
  ['math.sqrt', mathFunction],
  ['math.log', mathFunction],
  ['math.exp', mathFunction],
  ['math.log2', mathFunction],
  ['math.ceil', mathFunction],
  ['math.floor', mathFunction],
  ['torch.compile', compileWrapper],
  ['torch.jit.script', compileWrapper],
  ['torch.jit.trace', compileWrapper],
  ['torch.set_float32_matmul_precision', matmulPrecision],
  ['torch.no_grad', hostOnly],
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
  ['torch.tensor', tensorLiteral],
  ['torch.as_tensor', tensorLiteral],
  ['torch.max', maxOfTensors],
  ['torch.min', maxOfTensors],
]);

/** Library namespaces whose calls compute plain numbers or do host work: never tensor ops. */
const HOST_LIBRARIES = /^(math|random|numpy|np|os|sys|time|logging|warnings|inspect|dataclasses|typing|functools|itertools)\./;

/** Built-in Python and torch helpers that are not ops: sizes, ranges, config plumbing, compile wrappers. */
export function libraryBuiltin(it: Interpreter, name: string, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): Value | undefined {
  const first = positional[0];
  const builtin = BUILTIN_CALLS.get(name);
  if (builtin) return builtin(it, { name, positional, keywords, node, frame, first });
  const triton = TRITON_BUILTINS.get(name);
  if (triton) return triton(it, positional, keywords);
  // `torch.nn.init.*_` fill a parameter in place: no op of the forward pass.
  if (name.startsWith('torch.nn.init.')) return first ?? NONE;
  if (HOST_LIBRARIES.test(name)) return { kind: 'scalar' };
  return undefined;
}
