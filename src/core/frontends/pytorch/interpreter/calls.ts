// Calls: arguments, dispatch by callee kind, library ops from the catalog, methods on tensors and containers.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { distinctiveLibraryFunction, libraryConstant, lookupEntry, type CatalogEntry } from '../../../ir/catalog';
import { rearrangeCopies } from '../../../ir/catalog/einops';
import { num, product, sym, unknownDim, type Dim } from '../../../ir/dims';
import { DTYPE_BYTES_SYMBOL } from '../../../ir/symbols';
import { DTYPE_BYTES, type AttrValue, type TensorValue } from '../../../ir/types';
import { normalizeIndex } from '../../../shapes/infer';
import { reshapeLayout } from '../layout';
import { field } from '../syntax';
import { NONE, UNKNOWN, type Value } from '../values';
import { findMethod } from './attributes';
import { applyAutograd, contextMethod } from './autograd';
import { knownElementsValue } from './constants';
import { libraryBuiltin } from './builtins';
import { canonicalName, numericDim, tensorsOf, valueToAttr } from './conversions';
import { emit, recordHostSync, recordUse } from './emit';
import { comprehension, evaluate } from './expressions';
import type { Frame } from './frame';
import { callFunction } from './functions';
import { learnFromOp } from './learning';
import type { Interpreter } from './index';
import { callLayer, callModule, callSequential, constructLayer, dictMethod, initBase, instantiate, listMethod, modlistMethod, moduleMethod } from './modules';
import { scriptMethod } from './scripts';
import { bindSignature, describeParameter } from './signatures';
import { namedSize } from './sizes';
import { adoptParameter } from './statements';
import { emitBackward, parameterSet, setRequiresGrad, trainingMethod } from './training';
import { launchKernel, tritonKernelOf } from './triton';

/** The keywords of a call that passes none. */
export const NO_KEYWORDS: ReadonlyMap<string, Value> = new Map();

/** A qualified name whose last part is capitalised names a class (`torch.nn.Linear`, `transformer_engine.pytorch.Linear`). */
const CLASS_NAME = /\.[A-Z][A-Za-z0-9_]*$/;

/** Shape changes that copy when their input is not contiguous (view would fail instead). */
const COPYING_RESHAPES = new Set(['torch.Tensor.reshape', 'torch.reshape', 'torch.Tensor.flatten', 'torch.flatten', 'torch.Tensor.reshape_as']);

export function call(it: Interpreter, node: SyntaxNode, frame: Frame): Value {
  const calleeNode = field(node, 'function');
  const argumentsNode = field(node, 'arguments');
  if (!calleeNode) return UNKNOWN;
  const callee = evaluate(it, calleeNode, frame);
  const { positional, keywords, nodes } = evaluateArguments(it, argumentsNode, frame);
  // Calls into user code never show the callee's text: it is read only for library calls, methods and layers.
  const labelled = callee.kind !== 'function' && callee.kind !== 'class' && callee.kind !== 'module' && callee.kind !== 'object';
  return apply(it, callee, positional, keywords, node, frame, labelled ? calleeNode.text : '', nodes);
}

export function evaluateArguments(
  it: Interpreter,
  argumentsNode: SyntaxNode | null,
  frame: Frame,
): { positional: Value[]; keywords: ReadonlyMap<string, Value>; nodes: (SyntaxNode | undefined)[] } {
  const positional: Value[] = [];
  const nodes: (SyntaxNode | undefined)[] = [];
  // Most calls pass no keyword: they share one empty map (read-only everywhere) instead of making one each.
  let keywords: Map<string, Value> | undefined;
  if (!argumentsNode) return { positional, keywords: NO_KEYWORDS, nodes };
  if (argumentsNode.type === 'generator_expression') {
    positional.push(comprehension(it, argumentsNode, frame));
    nodes.push(argumentsNode);
    return { positional, keywords: NO_KEYWORDS, nodes };
  }
  for (const argument of argumentsNode.namedChildren) {
    if (!argument) continue;
    const type = argument.type;
    if (type === 'comment') continue;
    if (type === 'keyword_argument') {
      const name = it.names.leading(argument) ?? field(argument, 'name')?.text ?? '';
      const value = field(argument, 'value');
      (keywords ??= new Map()).set(name, value ? evaluate(it, value, frame) : UNKNOWN);
    } else if (type === 'list_splat') {
      const inner = argument.namedChildren[0];
      const value = inner ? evaluate(it, inner, frame) : UNKNOWN;
      if (value.kind === 'list' && !value.repeated) {
        positional.push(...value.items);
        value.items.forEach(() => nodes.push(undefined));
      } else {
        positional.push(value);
        nodes.push(inner ?? undefined);
      }
    } else if (type === 'dictionary_splat') {
      const inner = argument.namedChildren[0];
      const value = inner ? evaluate(it, inner, frame) : UNKNOWN;
      if (value.kind === 'dict') for (const [key, entry] of value.entries) (keywords ??= new Map()).set(key, entry);
    } else {
      positional.push(evaluate(it, argument, frame, type));
      nodes.push(argument);
    }
  }
  return { positional, keywords: keywords ?? NO_KEYWORDS, nodes };
}

export function apply(
  it: Interpreter,
  callee: Value,
  positional: Value[],
  keywords: ReadonlyMap<string, Value>,
  node: SyntaxNode,
  frame: Frame,
  label: string,
  argumentNodes: (SyntaxNode | undefined)[] = [],
): Value {
  switch (callee.kind) {
    case 'ref':
      return callLibrary(it, callee.name, positional, keywords, node, frame, label, argumentNodes);
    case 'method':
      return callMethod(it, callee.receiver, callee.name, positional, keywords, node, frame, label, argumentNodes);
    case 'function': {
      if (callee.fn.tritonKernel) return NONE;
      return callFunction(it, callee.fn, positional, keywords, frame, callee.self, node, false, false, callee.closure);
    }
    case 'lambda':
      return callLambda(it, callee, positional, keywords, frame);
    case 'partial':
      // The arguments given to partial() come first; keywords of the call outrank its keywords, as in Python.
      return apply(it, callee.callee, [...callee.positional, ...positional], new Map([...callee.keywords, ...keywords]), node, frame, label, [...callee.positional.map(() => undefined), ...argumentNodes]);
    case 'triton_launch':
      return launchKernel(it, callee, positional, keywords, node, frame);
    case 'triton_decorator': {
      // `triton.heuristics({...})(kernel)`, `triton.jit(...)(fn)`: the decorator applied by hand.
      const kernel = tritonKernelOf(it, positional[0]) ?? (positional[0]?.kind === 'function' ? { fn: positional[0].fn, heuristics: [] } : undefined);
      return kernel ? { kind: 'triton_kernel', kernel: callee.wrap(kernel) } : UNKNOWN;
    }
    case 'class':
      return instantiate(it, callee.cls, positional, keywords, frame, node);
    case 'module':
      return callModule(it, callee, positional, keywords, node, frame);
    case 'layer':
      return callLayer(it, callee, positional, keywords, node, frame, label, argumentNodes);
    case 'modlist':
      if (callee.sequential) return callSequential(it, callee, positional, keywords, node, frame);
      for (const argument of [...positional, ...keywords.values()]) recordUse(it, argument, 'unknown-call', node, frame);
      return UNKNOWN;
    case 'object': {
      const call = callee.cls ? findMethod(callee.cls, '__call__') : undefined;
      if (call) return callFunction(it, call, positional, keywords, frame, callee, node, false);
      // An object whose __call__ MemWall cannot see (defined in a base class it cannot read): the declared fallback.
      const name = label || (field(node, 'function')?.text ?? '');
      return callUnresolved(it, `unresolved:${name}`, name, positional, keywords, node, frame, argumentNodes);
    }
    default:
      return callUnresolved(it, `unresolved:${label}`, label, positional, keywords, node, frame, argumentNodes);
  }
}

/**
 * A call MemWall cannot resolve: if tensors go in, it is still an op (unknown, unpriced, never dropped), and its
 * output follows the declared fallback: shaped like its first tensor input, marked assumed (emit.ts assumedOutput).
 */
export function callUnresolved(
  it: Interpreter,
  op: string,
  label: string,
  positional: Value[],
  keywords: ReadonlyMap<string, Value>,
  node: SyntaxNode,
  frame: Frame,
  argumentNodes: (SyntaxNode | undefined)[],
): Value {
  const tensors: TensorValue[] = [];
  const nodes: (SyntaxNode | undefined)[] = [];
  const add = (value: Value, argument: SyntaxNode | undefined): void => {
    if (value.kind === 'tensor') {
      tensors.push(value.tensor);
      nodes.push(argument);
    } else if (value.kind === 'list') for (const item of value.items) if (item.kind === 'tensor') add(item, undefined);
  };
  positional.forEach((value, index) => add(value, argumentNodes[index]));
  for (const value of keywords.values()) add(value, undefined);
  if (tensors.length === 0) return UNKNOWN;
  return emit(it, op, label, node, tensors, {}, frame, { argumentNodes: nodes, assumed: true });
}

/** Runs a lambda's body with its parameters bound, in the variables of the code that made it. */
export function callLambda(it: Interpreter, lambda: Extract<Value, { kind: 'lambda' }>, positional: Value[], keywords: ReadonlyMap<string, Value>, frame: Frame): Value {
  const env = new Map(lambda.env);
  const remaining = [...positional];
  for (const parameter of field(lambda.node, 'parameters')?.namedChildren ?? []) {
    if (!parameter) continue;
    const { name, defaultNode, splat } = describeParameter(parameter, it.names);
    if (!name) continue;
    if (splat === '*') env.set(name, { kind: 'list', items: remaining.splice(0) });
    else if (splat === '**') env.set(name, { kind: 'dict', entries: new Map(keywords) });
    else {
      const given = remaining.length > 0 ? remaining.shift() : keywords.get(name);
      env.set(name, given ?? (defaultNode ? evaluate(it, defaultNode, { ...frame, env: new Map(lambda.env), file: lambda.file }) : UNKNOWN));
    }
  }
  const body = field(lambda.node, 'body');
  return body ? evaluate(it, body, { ...frame, env, file: lambda.file }) : UNKNOWN;
}

/** torch.*, torch.nn.*, F.*, math.*, builtins: the catalog where it knows the op, small built-in rules otherwise. */
export function callLibrary(
  it: Interpreter,
  name: string,
  positional: Value[],
  keywords: ReadonlyMap<string, Value>,
  node: SyntaxNode,
  frame: Frame,
  label: string,
  argumentNodes: (SyntaxNode | undefined)[],
): Value {
  const special = libraryBuiltin(it, name, positional, keywords, node, frame);
  if (special !== undefined) return special;
  const qualified = canonicalName(name);
  const constant = libraryConstant(qualified);
  if (typeof constant === 'string') return { kind: 'str', value: constant };
  if (typeof constant === 'number') return { kind: 'dim', dim: num(constant) };
  const entry = lookupEntry(qualified);
  // Module classes (`torch.nn.Linear`, `apex.normalization.FusedLayerNorm`) construct a layer; functions that share
  // the entry (`F.gelu`) are ops.
  if (entry?.module && CLASS_NAME.test(qualified)) return constructLayer(it, qualified, entry, positional, keywords, node, frame);
  if (entry) return callOp(it, qualified, entry, label, positional, keywords, node, frame, argumentNodes);
  const stand = /^torch\b/.test(qualified) ? undefined : distinctiveLibraryFunction(qualified);
  const standEntry = stand ? lookupEntry(stand) : undefined;
  if (stand && standEntry) {
    // A project's own wrapper that MemWall cannot read, named like the library function it wraps.
    const note = `\`${qualified}\` was not read; priced as \`${stand}\`, whose name it has (the signature is assumed to be the library's).`;
    return callOp(it, stand, standEntry, label, positional, keywords, node, frame, argumentNodes, [], {}, undefined, [note]);
  }
  const tensors = tensorsOf([...positional, ...keywords.values()]);
  if (/^torch\.nn\.[A-Z]/.test(qualified)) {
    // An nn module MemWall does not know: still a layer, so its calls are listed as unknown ops.
    return constructLayer(it, qualified, undefined, positional, keywords, node, frame);
  }
  if (/^torch\b/.test(qualified)) {
    // A torch op the catalog lacks: listed as unknown with its output unknown, since torch ops change shapes freely.
    if (tensors.length === 0 && !/^torch\.(nn\.functional|Tensor)\b|^torch\.[a-z_0-9]+$/.test(qualified)) return UNKNOWN;
    return emit(it, qualified, label, node, tensors, {}, frame, { argumentNodes });
  }
  // A library class built from tensors is a container of them (transformers' BaseModelOutputWithPast, a named tuple),
  // not a kernel: its attributes are its keyword arguments.
  if (CLASS_NAME.test(qualified) && tensors.length > 0) return { kind: 'object', attrs: new Map(keywords) };
  // A library function MemWall cannot read (not installed, not in the catalog): the declared fallback.
  return callUnresolved(it, qualified, label, positional, keywords, node, frame, argumentNodes);
}

/** Methods that change a list, dict, set or module in place (Python's and nn.Module's). */
const IN_PLACE_METHODS = new Set([
  'append', 'extend', 'insert', 'pop', 'popitem', 'remove', 'clear', 'update', 'setdefault', 'add', 'discard', 'sort', 'reverse',
  'register_buffer', 'register_parameter', 'register_module', 'add_module', 'requires_grad_', 'apply',
]);

/** Methods called on a value: tensor methods are ops; module/list/dict helpers are plumbing. */
export function callMethod(
  it: Interpreter,
  receiver: Value,
  name: string,
  positional: Value[],
  keywords: ReadonlyMap<string, Value>,
  node: SyntaxNode,
  frame: Frame,
  label: string,
  argumentNodes: (SyntaxNode | undefined)[],
): Value {
  if (receiver.kind === 'tensor') return callTensorMethod(it, receiver, name, positional, keywords, node, frame, label, argumentNodes);
  // An object's methods (an optimizer's step, ctx.save_for_backward) and the in-place methods of lists, dicts and
  // modules change what later code reads.
  if (receiver.kind === 'object' || IN_PLACE_METHODS.has(name)) it.writes++;
  if (receiver.kind === 'class' && name === 'apply') return applyAutograd(it, receiver.cls, positional, keywords, node, frame);
  if (receiver.kind === 'object') {
    const recorded = contextMethod(receiver, name, positional);
    if (recorded) return recorded;
    const script = scriptMethod(it, receiver, name, positional, keywords, node, frame);
    if (script) return script;
    const training = trainingMethod(it, receiver, name, positional, keywords, node, frame, label);
    if (training) return training;
  }
  if (name === 'parameters' && (receiver.kind === 'module' || receiver.kind === 'layer' || receiver.kind === 'modlist')) return parameterSet(receiver);
  if (name === 'requires_grad_' && (receiver.kind === 'module' || receiver.kind === 'layer' || receiver.kind === 'modlist')) {
    setRequiresGrad(receiver, positional, keywords);
    return receiver;
  }
  if (receiver.kind === 'module') {
    const containerResult = moduleMethod(receiver, name, positional);
    if (containerResult) return containerResult;
    switch (name) {
      case 'register_buffer':
      case 'register_parameter': {
        const key = positional[0]?.kind === 'str' ? positional[0].value : undefined;
        if (key && positional[1]) receiver.instance.attrs.set(key, adoptParameter(positional[1], key));
        return NONE;
      }
      case 'add_module': {
        const key = positional[0]?.kind === 'str' ? positional[0].value : undefined;
        if (key && positional[1]) receiver.instance.attrs.set(key, positional[1]);
        return NONE;
      }
      case 'forward':
      case '__call__':
        return callModule(it, receiver, positional, keywords, node, frame);
      default:
        return receiver.kind === 'module' && ['to', 'cuda', 'half', 'bfloat16', 'float', 'train', 'eval', 'requires_grad_'].includes(name) ? receiver : UNKNOWN;
    }
  }
  if (receiver.kind === 'layer') {
    if (name === 'forward' || name === '__call__') return callLayer(it, receiver, positional, keywords, node, frame, label, argumentNodes);
    return ['to', 'cuda', 'half', 'bfloat16', 'float', 'train', 'eval'].includes(name) ? receiver : UNKNOWN;
  }
  if (receiver.kind === 'super') {
    if (name === '__init__') return initBase(it, receiver, positional, keywords, node, frame);
    if (name === 'forward' && receiver.self.kind === 'module') {
      // A subclass of an nn layer calling super().forward: the base layer's op with the instance's parameters.
      const base = receiver.cls.bases.find((b) => b.kind === 'ref');
      if (base?.kind === 'ref') {
        const qualified = canonicalName(base.name);
        const entry = lookupEntry(qualified);
        const params = new Map<string, TensorValue>();
        for (const [key, value] of receiver.self.instance.attrs) if (value.kind === 'tensor') params.set(key, value.tensor);
        // The constructor's arguments, as super().__init__ left them on the instance (`self.stride`).
        const args: Record<string, AttrValue> = { ...(entry?.module?.defaults ?? {}) };
        for (const parameter of entry?.module?.init ?? []) {
          const value = receiver.self.instance.attrs.get(parameter);
          if (value) args[parameter] = valueToAttr(value);
        }
        const layer: Value = { kind: 'layer', layer: { op: qualified, entry, args, params, label: qualified }, path: receiver.self.path };
        return callLayer(it, layer as Extract<Value, { kind: 'layer' }>, positional, keywords, node, frame, label, argumentNodes);
      }
    }
    return UNKNOWN;
  }
  if (receiver.kind === 'list') return listMethod(receiver, name, positional) ?? UNKNOWN;
  if (receiver.kind === 'modlist') return modlistMethod(receiver, name, positional) ?? UNKNOWN;
  if (receiver.kind === 'dict') return dictMethod(receiver, name, positional, keywords) ?? UNKNOWN;
  return callUnresolved(it, `unresolved:${label}`, label, positional, keywords, node, frame, argumentNodes);
}

export function callTensorMethod(
  it: Interpreter,
  receiver: Extract<Value, { kind: 'tensor' }>,
  name: string,
  positional: Value[],
  keywords: ReadonlyMap<string, Value>,
  node: SyntaxNode,
  frame: Frame,
  label: string,
  argumentNodes: (SyntaxNode | undefined)[],
): Value {
  const tensor = receiver.tensor;
  const shape = tensor.shape;
  switch (name) {
    case 'size': {
      const index = positional[0] ?? keywords.get('dim');
      if (!index) return shape ? { kind: 'list', items: shape.map((d) => ({ kind: 'dim', dim: d })) } : UNKNOWN;
      const position = shape ? normalizeIndex(numericDim(index), shape.length) : undefined;
      if (!shape) return namedSize(it, node, frame) ?? { kind: 'dim', dim: unknownDim('size') };
      return position !== undefined ? { kind: 'dim', dim: shape[position] as Dim } : { kind: 'dim', dim: unknownDim('size') };
    }
    case 'dim':
    case 'ndimension':
      return shape ? { kind: 'dim', dim: num(shape.length) } : UNKNOWN;
    case 'numel':
      return shape ? { kind: 'dim', dim: product(shape) } : namedSize(it, node, frame) ?? UNKNOWN;
    case 'item':
    case 'tolist': {
      const known = it.state.elements.get(tensor.id);
      // A host tensor of known numbers (a config helper's torch arithmetic) lives on the CPU: no copy to wait for.
      const value = known ? knownElementsValue(known, name) : undefined;
      if (value) return value;
      recordHostSync(it, `.${name}()`, node, frame, tensor);
      return { kind: 'scalar' };
    }
    case 'numpy':
      recordHostSync(it, '.numpy()', node, frame, tensor);
      return UNKNOWN;
    case 'data_ptr':
      return { kind: 'scalar' };
    case 'backward':
      return emitBackward(it, tensor, node, frame, label);
    case 'stride':
      return strideOf(it, receiver, positional[0] ?? keywords.get('dim'));
    case 'element_size': {
      // Unknown dtypes follow the analysis dtype: the Triton frontend's `dtype_bytes`, bound when priced.
      const dtype = tensor.dtype;
      return { kind: 'dim', dim: dtype && dtype !== 'default' ? num(DTYPE_BYTES[dtype]) : sym(DTYPE_BYTES_SYMBOL) };
    }
    case 'is_contiguous':
      return { kind: 'bool', value: it.state.layouts.has(tensor.id) ? false : undefined };
    case 'get_device':
      return { kind: 'dim', dim: num(0) };
    case 'cpu':
      recordHostSync(it, '.cpu()', node, frame, tensor);
      return receiver;
    case 'cuda':
    case 'pin_memory':
      return receiver;
    case 'to': {
      // .to(device) moves nothing on the GPU it already sits on; .to(dtype) or .to(other) is a cast.
      const dtypeArgument = keywords.get('dtype') ?? positional.find((p) => p.kind === 'dtype' || p.kind === 'tensor');
      if (!dtypeArgument) return receiver;
      const target = dtypeArgument.kind === 'dtype' ? dtypeArgument.dtype : dtypeArgument.kind === 'tensor' ? dtypeArgument.tensor.dtype : null;
      if (target && target === tensor.dtype) return receiver;
      return emit(it, 'torch.Tensor.to', label, node, [tensor], { dtype: target }, frame, { dtype: target });
    }
    case 'contiguous':
      if (!it.state.layouts.has(tensor.id)) return receiver;
      break;
    case 'type_as': {
      const other = positional[0];
      if (other?.kind === 'tensor' && other.tensor.dtype === tensor.dtype) return receiver;
      break;
    }
    case 'float':
    case 'half':
    case 'bfloat16':
    case 'double': {
      const target = ({ float: 'fp32', half: 'fp16', bfloat16: 'bf16', double: 'fp64' } as const)[name];
      if (tensor.dtype === target) return receiver;
      break;
    }
    case 'max':
    case 'min':
      if (positional[0]?.kind === 'tensor') return callLibrary(it, name === 'max' ? 'torch.maximum' : 'torch.minimum', [receiver, ...positional], keywords, node, frame, label, argumentNodes);
      break;
    default:
      break;
  }
  const qualified = `torch.Tensor.${name}`;
  const entry = lookupEntry(qualified);
  // In a trial run (entries.ts), a method no tensor has (`cache.update(h)`) says the input is some other object.
  if (!entry && it.learner && !shape) it.learner.notATensor(tensor.id);
  if (!entry) return emit(it, qualified, label, node, [tensor, ...tensorsOf([...positional, ...keywords.values()])], {}, frame, { argumentNodes });
  return callOp(it, qualified, entry, label, [receiver, ...positional], keywords, node, frame, [undefined, ...argumentNodes]);
}

/**
 * `x.stride(d)`: the step between neighbours along d, in elements. A contiguous tensor's is the product of the dims
 * after d; a transposed or sliced one's is not known here. Kernels take strides to address memory, never to size it.
 */
function strideOf(it: Interpreter, receiver: Extract<Value, { kind: 'tensor' }>, index: Value | undefined): Value {
  const shape = receiver.tensor.shape;
  const contiguous = shape !== null && !it.state.layouts.has(receiver.tensor.id);
  const strideAt = (position: number): Dim => (contiguous ? product((shape as readonly Dim[]).slice(position + 1)) : unknownDim('stride of a tensor whose layout is not known'));
  if (!index) return shape ? { kind: 'list', items: shape.map((_, i) => ({ kind: 'dim', dim: strideAt(i) })) } : UNKNOWN;
  const position = shape ? normalizeIndex(numericDim(index), shape.length) : undefined;
  return { kind: 'dim', dim: position === undefined ? unknownDim('stride of a tensor whose shape is not known') : strideAt(position) };
}

/** Binds the arguments to the entry's signature: tensors become inputs (in order), everything else attributes. */
export function callOp(
  it: Interpreter,
  qualified: string,
  entry: CatalogEntry,
  label: string,
  positional: Value[],
  keywords: ReadonlyMap<string, Value>,
  node: SyntaxNode,
  frame: Frame,
  argumentNodes: (SyntaxNode | undefined)[],
  extraInputs: TensorValue[] = [],
  extraAttrs: Record<string, AttrValue> = {},
  modulePath?: string,
  notes?: readonly string[],
): Value {
  const inputs: TensorValue[] = [];
  const attrs: Record<string, AttrValue> = { ...extraAttrs };
  const inputNodes: (SyntaxNode | undefined)[] = [];
  const bound = bindSignature(entry.signature, positional, keywords, argumentNodes);
  for (const [parameter, value, argumentNode] of bound) {
    if (value.kind === 'tensor') {
      inputs.push(value.tensor);
      inputNodes.push(argumentNode);
    } else if (value.kind === 'list' && value.items.length > 0 && value.items.every((v) => v.kind === 'tensor')) {
      for (const item of value.items) inputs.push((item as Extract<Value, { kind: 'tensor' }>).tensor);
    } else if (value.kind === 'free' && (parameter === 'input' || parameter === 'other' || parameter === 'tensors')) {
      // A root's parameter used as an op operand is a tensor whose shape nobody declared.
      inputs.push(it.builder.value(null, 'default', `param ${value.name}`));
      inputNodes.push(argumentNode);
    } else {
      attrs[parameter] = valueToAttr(value);
    }
  }
  inputs.push(...extraInputs);
  const first = inputs[0];
  if (qualified === 'einops.rearrange' && typeof attrs.pattern === 'string' && rearrangeCopies(attrs.pattern)) {
    // A rearrange that transposes and then merges axes is a copy, like reshape of a permuted tensor. Its pattern
    // still says what the input is (a trial run learns an image from `b c (h p1) (w p2) -> ...`).
    if (it.learner) learnFromOp(it.learner, qualified, entry, label, inputs, attrs, node, frame);
    let shape: readonly Dim[] | null;
    try {
      shape = entry.infer?.({ inputs: inputs.map((i) => i.shape), attrs })[0] ?? null;
    } catch {
      shape = null;
    }
    return emit(it, 'torch.Tensor.contiguous', `${label} (copies: transposes then merges axes)`, node, inputs.slice(0, 1), attrs, frame, { shapes: [shape], modulePath });
  }
  const firstLayout = first ? it.state.layouts.get(first.id) : undefined;
  if (COPYING_RESHAPES.has(qualified) && first?.shape && firstLayout) {
    // reshape/flatten of a transposed or sliced tensor is a view only when the merged dims sit together in
    // memory; otherwise PyTorch copies, and the op is that copy (it writes the reshaped result).
    let target: readonly Dim[] | null;
    try {
      target = entry.infer?.({ inputs: inputs.map((i) => i.shape), attrs })[0] ?? null;
    } catch {
      target = null;
    }
    if (target && reshapeLayout(firstLayout, first.shape, target, (d) => it.state.currentValue(d)).copies) {
      return emit(it, 'torch.Tensor.contiguous', `${label} (copies: input not contiguous)`, node, [first], {}, frame, { shapes: [target], modulePath });
    }
  }
  return emit(it, qualified, label, node, inputs, attrs, frame, { argumentNodes: inputNodes, entry, modulePath, notes });
}
