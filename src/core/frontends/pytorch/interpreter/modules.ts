// nn layers and user modules: constructing layers, instantiating classes and configs, calling forwards.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import type { CatalogEntry } from '../../../ir/catalog';
import { bin, sym } from '../../../ir/dims';
import type { AttrValue, TensorValue } from '../../../ir/types';
import { simplify } from '../../../shapes/infer';
import { NONE, UNKNOWN, type ClassInfo, type LayerInstance, type ModuleInstance, type Value } from '../values';
import { findMethod } from './attributes';
import { apply, callMethod, callOp } from './calls';
import { baseClass, joinPath, tensorsOf, valueToAttr, withPath } from './conversions';
import { emit } from './emit';
import { evaluate } from './expressions';
import { quiet, type Frame } from './frame';
import { callFunction } from './functions';
import type { Interpreter } from './index';
import { bindSignature } from './signatures';

/** `nn.Linear(in, out)` and friends: a layer value holding its constructor arguments and parameters. */
export function constructLayer(it: Interpreter, qualified: string, entry: CatalogEntry | undefined, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): Value {
  const args: Record<string, AttrValue> = { ...(entry?.module?.defaults ?? {}) };
  const init = entry?.module?.init ?? [];
  for (const [parameter, value] of bindSignature(init, positional, keywords, [])) args[parameter] = valueToAttr(value);
  const params = new Map<string, TensorValue>();
  try {
    for (const param of entry?.module?.params?.(args) ?? []) params.set(param.name, it.builder.value(param.shape, 'default', param.name));
  } catch {
    // A constructor argument MemWall could not read leaves the parameters unknown; the op still appears.
  }
  const layer: LayerInstance = { op: qualified, entry, args, params, label: node.text.slice(0, 60) };
  void frame;
  return { kind: 'layer', layer, path: '' };
}

export function callLayer(
  it: Interpreter,
  callee: Extract<Value, { kind: 'layer' }>,
  positional: Value[],
  keywords: ReadonlyMap<string, Value>,
  node: SyntaxNode,
  frame: Frame,
  label: string,
  argumentNodes: (SyntaxNode | undefined)[],
): Value {
  const { layer } = callee;
  if (!layer.entry) {
    return emit(it, layer.op, label, node, tensorsOf([...positional, ...keywords.values()]), {}, frame, { argumentNodes, modulePath: callee.path });
  }
  const spec = layer.entry.module;
  const forward = spec?.forward ?? ['input'];
  // Forward arguments go by the forward signature, then the parameters follow as inputs.
  const forwardEntry: CatalogEntry = { ...layer.entry, signature: forward };
  const handling = spec?.bias;
  if (!handling) {
    return callOp(it, layer.op, forwardEntry, label, positional, keywords, node, frame, argumentNodes, [...layer.params.values()], { ...layer.args }, callee.path);
  }
  // A bias added by a kernel of its own after the op, or handed back unadded: the op itself runs without it.
  const biasName = handling.name ?? 'bias';
  const bias = layer.params.get(biasName);
  const skipped = handling.skip !== undefined && layer.args[handling.skip] === true;
  const inside = !handling.separate && !skipped;
  const weights = [...layer.params].filter(([name]) => inside || name !== biasName).map(([, tensor]) => tensor);
  let output = callOp(it, layer.op, forwardEntry, label, positional, keywords, node, frame, argumentNodes, weights, { ...layer.args }, callee.path);
  if (bias && handling.separate && !skipped && output.kind === 'tensor') {
    output = emit(it, 'torch.add', `${label} (bias add)`, node, [output.tensor, bias], {}, frame, { modulePath: callee.path });
  }
  if (handling.tuple === 'always' || (handling.tuple === 'when-skipped' && skipped)) {
    return { kind: 'list', items: [output, skipped && bias ? { kind: 'tensor', tensor: bias } : NONE] };
  }
  return output;
}

export function callSequential(it: Interpreter, callee: Extract<Value, { kind: 'modlist' }>, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): Value {
  let current = positional[0] ?? UNKNOWN;
  const list = callee.list;
  if (list.repeated) {
    const inner: Frame = { ...frame, repeat: simplify(bin('*', frame.repeat, list.repeated.count)) };
    return apply(it, withPath(list.repeated.item, `${callee.path}[*]`), [current], keywords, node, inner, `${callee.path}[*]`);
  }
  list.items.forEach((item, i) => {
    current = apply(it, withPath(item, joinPath(callee.path, String(i))), [current], new Map(), node, frame, joinPath(callee.path, String(i)));
  });
  return current;
}

export function callModule(it: Interpreter, callee: Extract<Value, { kind: 'module' }>, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): Value {
  const forward = findMethod(callee.instance.cls, 'forward');
  if (!forward) {
    // A subclass of an nn layer without its own forward behaves as that layer.
    const base = callee.instance.cls.bases.find((b) => b.kind === 'ref');
    if (base?.kind === 'ref') return callMethod(it, { kind: 'super', self: callee, cls: callee.instance.cls }, 'forward', positional, keywords, node, frame, base.name, []);
    return UNKNOWN;
  }
  it.state.covered.add(callee.instance.cls);
  const compiled = callee.instance.compiled || callee.instance.cls.compiled;
  const inner: Frame = compiled && !frame.fusedBy
    ? { ...frame, fusedBy: 'torch.compile', compileMode: callee.instance.compiled ? callee.instance.compileMode : callee.instance.cls.compileMode }
    : frame;
  return callFunction(it, forward, positional, keywords, inner, callee, node, false);
}

/** Instantiates a user class: runs `__init__` without emitting ops, with arguments bound like Python does. */
export function instantiate(it: Interpreter, cls: ClassInfo, positional: Value[], keywords: ReadonlyMap<string, Value>, frame: Frame, node: SyntaxNode): Value {
  if (isConfigClass(it, cls)) return instantiateConfig(it, cls, positional, keywords, node, frame);
  const isModule = isModuleClass(it, cls);
  const instance: ModuleInstance = { cls, attrs: new Map(), compiled: cls.compiled, compileMode: cls.compileMode };
  const self: Value = isModule ? { kind: 'module', instance, path: '' } : { kind: 'object', cls, attrs: instance.attrs };
  const init = findMethod(cls, '__init__');
  if (init) callFunction(it, init, positional, keywords, quiet(frame), self, node, false, true);
  if (isModule && frame.emit && !it.state.instances.has(cls)) it.state.instances.set(cls, self);
  return self;
}

export function isModuleClass(it: Interpreter, cls: ClassInfo, seen = new Set<ClassInfo>()): boolean {
  if (seen.has(cls)) return false;
  seen.add(cls);
  if (cls.bases.some((b) => (b.kind === 'ref' && /^torch\.nn\.|^nn\./.test(b.name)) || (b.kind === 'class' && isModuleClass(it, b.cls, seen)))) return true;
  // A class built on a library's base that MemWall cannot read (`class GPT2Model(PreTrainedModel)`) is a module when
  // it has a forward: that is what the library's base class is for.
  return cls.bases.some(unresolvedBase) && findMethod(cls, 'forward') !== undefined;
}

/** Libraries whose classes are never nn.Modules (torch's own modules are recognised by name above). */
const NOT_MODULE_LIBRARIES = /^(builtins|typing|typing_extensions|abc|enum|collections|dataclasses|torch)\./;

function unresolvedBase(base: Value): boolean {
  if (base.kind === 'free' || base.kind === 'unknown') return true;
  return base.kind === 'ref' && !NOT_MODULE_LIBRARIES.test(base.name);
}

/** Dataclasses and plain classes of class-level defaults (no __init__, not a module) are configs. */
export function isConfigClass(it: Interpreter, cls: ClassInfo): boolean {
  if (isModuleClass(it, cls)) return false;
  return cls.isDataclass || (!cls.methods.has('__init__') && cls.fields.size > 0);
}

/**
 * A config instance: each integer field is the symbol of its name (`n_embd`), bound to the argument given here
 * (an explicit argument outranks the class default); floats, bools and strings keep their values.
 */
export function instantiateConfig(it: Interpreter, cls: ClassInfo, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): Value {
  const attrs = new Map<string, Value>();
  const fieldNames: string[] = [];
  const chain: ClassInfo[] = [];
  for (let current: ClassInfo | undefined = cls; current; current = baseClass(current)) chain.unshift(current);
  for (const current of chain) for (const name of current.fields.keys()) if (!fieldNames.includes(name)) fieldNames.push(name);
  fieldNames.forEach((name, i) => {
    const given = keywords.get(name) ?? positional[i];
    const owner = chain.slice().reverse().find((c) => c.fields.has(name)) as ClassInfo;
    const defaultNode = owner.fields.get(name);
    const defaultValue = defaultNode ? evaluate(it, defaultNode, { ...frame, env: new Map(), file: owner.file, emit: false }) : undefined;
    const line = node.startPosition.row + 1;
    attrs.set(name, symbolFor(it, name, given, defaultValue, given ? `${cls.name}(${name}=…) (line ${line})` : `${cls.name}.${name}`, given ? 1 : 2));
  });
  return { kind: 'object', cls, attrs };
}

/**
 * The value of a size-like parameter: an integer literal becomes its name as a symbol bound to that literal (so the
 * user sees `n_embd`, and what-if changes re-price), unless the name is already bound to another number.
 */
export function symbolFor(it: Interpreter, name: string, given: Value | undefined, fallback: Value | undefined, source: string, priority: number): Value {
  const value = given ?? fallback;
  if (!value) return { kind: 'free', name };
  if (value.kind === 'dim' && value.dim.kind === 'num' && Number.isInteger(value.dim.value) && value.dim.value > 1) {
    const clash = it.state.codeBindings.find((b) => b.symbol === name && b.priority === priority && b.value !== (value.dim as { value: number }).value);
    if (clash) return value;
    if (!it.state.codeBindings.some((b) => b.symbol === name && b.priority === priority)) {
      it.state.codeBindings.push({ symbol: name, value: value.dim.value, source, priority });
    }
    return { kind: 'dim', dim: sym(name) };
  }
  // `n_kv_heads: Optional[int] = None` or `= -1`, filled in later by the code: a size the user gives
  // (`--dims n_kv_heads=8`) is the value meant, so the field is that symbol and the code's fallback is not taken.
  if (it.boundSymbols.has(name) && (value.kind === 'none' || (value.kind === 'dim' && value.dim.kind === 'num' && value.dim.value <= 0))) {
    return { kind: 'dim', dim: sym(name) };
  }
  return value;
}
