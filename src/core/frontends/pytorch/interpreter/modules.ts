// nn layers and user modules: constructing layers, instantiating classes and configs, calling forwards.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { lookupEntry, type CatalogEntry } from '../../../ir/catalog';
import { bin, sym } from '../../../ir/dims';
import type { AttrValue, TensorValue } from '../../../ir/types';
import { zeroDefault } from '../../../shapes/bindings';
import { simplify } from '../../../shapes/infer';
import type { FileContext } from '../files';
import { field } from '../syntax';
import { NONE, UNKNOWN, type ClassInfo, type LayerInstance, type ModuleInstance, type Value } from '../values';
import { findMethod } from './attributes';
import { apply, callMethod, callOp } from './calls';
import { attrToValue, baseClass, canonicalName, joinPath, tensorsOf, textOf, valueToAttr, withPath } from './conversions';
import { emit } from './emit';
import { evaluate } from './expressions';
import { quiet, type Frame } from './frame';
import { callFunction, MODEL_DEFAULT_PRIORITY } from './functions';
import type { Interpreter } from './index';
import { passCount, runPasses } from './repeats';
import { bindSignature } from './signatures';

/** `nn.Linear(in, out)` and friends: a layer value holding its constructor arguments and parameters. */
export function constructLayer(it: Interpreter, qualified: string, entry: CatalogEntry | undefined, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): Value {
  const args: Record<string, AttrValue> = { ...(entry?.module?.defaults ?? {}) };
  const init = entry?.module?.init ?? [];
  for (const [parameter, value] of bindSignature(init, positional, keywords, [])) args[parameter] = valueToAttr(value);
  const params = new Map<string, TensorValue>();
  try {
    for (const param of entry?.module?.params?.(args) ?? []) {
      // Parameters require their gradient (a backward computes it, an optimizer updates it); buffers do not.
      const value = it.builder.value(param.shape, 'default', param.name);
      params.set(param.name, param.buffer ? value : { ...value, trainable: true });
    }
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
  const forwardEntry = forwardEntryOf(layer.entry);
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

/** The containers of torch.nn: a subclass of one holds its layers as the container does. */
const CONTAINERS: Readonly<Record<string, 'sequential' | 'list' | 'dict'>> = {
  'torch.nn.Sequential': 'sequential',
  'torch.nn.ModuleList': 'list',
  'torch.nn.ParameterList': 'list',
  'torch.nn.ModuleDict': 'dict',
  'torch.nn.ParameterDict': 'dict',
};

/** Which torch.nn container a class derives from (`class Conv2dNormActivation(torch.nn.Sequential)`), if any. */
export function containerKind(cls: ClassInfo, seen = new Set<ClassInfo>()): 'sequential' | 'list' | 'dict' | undefined {
  if (seen.has(cls)) return undefined;
  seen.add(cls);
  for (const base of cls.bases) {
    const kind = base.kind === 'ref' ? CONTAINERS[canonicalName(base.name)] : base.kind === 'class' ? containerKind(base.cls, seen) : undefined;
    if (kind) return kind;
  }
  return undefined;
}

/** The submodules of a module in the order the code registered them, as PyTorch's `_modules` holds them. */
export function moduleChildren(module: Extract<Value, { kind: 'module' }>): [string, Value][] {
  const children: [string, Value][] = [];
  for (const [name, value] of module.instance.attrs) {
    const isModule = value.kind === 'module' || value.kind === 'layer' || value.kind === 'modlist';
    const isModuleDict = value.kind === 'dict' && value.entries.size > 0 && [...value.entries.values()].every((v) => v.kind === 'module' || v.kind === 'layer' || v.kind === 'modlist');
    if (isModule || isModuleDict) children.push([name, withPath(value, joinPath(module.path, name))]);
  }
  return children;
}

/** A container module's layers as a list the interpreter iterates or calls in turn, named as registered. */
export function containerList(module: Extract<Value, { kind: 'module' }>, kind: 'sequential' | 'list' | 'dict'): Extract<Value, { kind: 'modlist' }> {
  const children = moduleChildren(module);
  return { kind: 'modlist', list: { kind: 'list', items: children.map(([, value]) => value) }, path: module.path, sequential: kind === 'sequential', names: children.map(([name]) => name) };
}

/**
 * `super().__init__(...)` where the base class has no `__init__` of its own to run: a torch.nn container keeps the
 * layers (initContainer); a torch.nn layer (`class Linear(nn.Linear)`) builds its weights and keeps its arguments on
 * the instance, as PyTorch's constructor does (`self.weight`, `self.in_features`), so that the subclass's own forward
 * or `super().forward` prices the parent's op; a dataclass base sets its fields from the arguments.
 */
export function initBase(it: Interpreter, receiver: Extract<Value, { kind: 'super' }>, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): Value {
  const self = receiver.self;
  if (initContainer(self, receiver.cls, positional)) return NONE;
  const attrs = self.kind === 'module' ? self.instance.attrs : self.kind === 'object' ? self.attrs : undefined;
  if (!attrs) return NONE;
  const base = receiver.cls.bases.find((b) => b.kind === 'ref' || b.kind === 'class');
  if (base?.kind === 'ref' && self.kind === 'module') {
    const qualified = canonicalName(base.name);
    const entry = lookupEntry(qualified);
    if (!entry?.module) return NONE;
    const layer = constructLayer(it, qualified, entry, positional, keywords, node, frame);
    if (layer.kind !== 'layer') return NONE;
    for (const [name, value] of Object.entries(layer.layer.args)) if (!attrs.has(name)) attrs.set(name, attrToValue(value));
    for (const [name, tensor] of layer.layer.params) attrs.set(name, { kind: 'tensor', tensor: { ...tensor, origin: `self.${name}` } });
    return NONE;
  }
  if (base?.kind === 'class' && (base.cls.isDataclass || (!findMethod(base.cls, '__init__') && base.cls.fields.size > 0))) {
    const names = dataclassFields(base.cls);
    names.forEach((name, i) => {
      const value = keywords.get(name) ?? positional[i];
      if (value) attrs.set(name, value);
    });
  }
  return NONE;
}

/** A dataclass's fields in order, its bases' first. */
function dataclassFields(cls: ClassInfo): string[] {
  const chain: ClassInfo[] = [];
  for (let current: ClassInfo | undefined = cls; current; current = baseClass(current)) chain.unshift(current);
  const names: string[] = [];
  for (const current of chain) for (const name of current.fields.keys()) if (!names.includes(name)) names.push(name);
  return names;
}

/** Python's dict methods on a dict of known keys (`kwargs.pop("width_mult")`, `cfg.get("dim", 64)`). */
export function dictMethod(receiver: Extract<Value, { kind: 'dict' }>, name: string, positional: readonly Value[], keywords: ReadonlyMap<string, Value>): Value | undefined {
  const entries = receiver.entries;
  const key = positional[0] ? textOf(positional[0]) : undefined;
  switch (name) {
    case 'items':
      return { kind: 'list', items: [...entries].map(([k, v]) => ({ kind: 'list', items: [{ kind: 'str', value: k }, v] })) };
    case 'values':
      return { kind: 'list', items: [...entries.values()] };
    case 'keys':
      return { kind: 'list', items: [...entries.keys()].map((k) => ({ kind: 'str', value: k })) };
    case 'get':
      return (key !== undefined ? entries.get(key) : undefined) ?? positional[1] ?? NONE;
    case 'pop': {
      if (key === undefined) return undefined;
      const value = entries.get(key) ?? positional[1];
      entries.delete(key);
      return value ?? UNKNOWN;
    }
    case 'setdefault': {
      if (key === undefined) return undefined;
      if (!entries.has(key)) entries.set(key, positional[1] ?? NONE);
      return entries.get(key);
    }
    case 'update': {
      const other = positional[0];
      if (other?.kind === 'dict') for (const [k, v] of other.entries) entries.set(k, v);
      for (const [k, v] of keywords) entries.set(k, v);
      return NONE;
    }
    case 'copy':
      return { kind: 'dict', entries: new Map(entries), path: receiver.path };
    default:
      return undefined;
  }
}

/**
 * `super().__init__(*layers)` in a subclass of nn.Sequential or nn.ModuleList registers the layers as `0`, `1`, ...;
 * a dict or OrderedDict registers them by key. Undefined when the class is no container.
 */
export function initContainer(self: Value, cls: ClassInfo, positional: readonly Value[]): Value | undefined {
  const kind = containerKind(cls);
  if (!kind || self.kind !== 'module') return undefined;
  const first = positional[0];
  const entries: [string, Value][] =
    positional.length === 1 && first?.kind === 'dict'
      ? [...first.entries]
      : (positional.length === 1 && first?.kind === 'list' && kind !== 'sequential' ? first.items : positional).map((value, i) => [String(i), value]);
  for (const [name, value] of entries) self.instance.attrs.set(name, value);
  return NONE;
}

/** Methods of a container module (a subclass of nn.Sequential, ModuleList or ModuleDict) and of every module's tree. */
export function moduleMethod(receiver: Extract<Value, { kind: 'module' }>, name: string, positional: readonly Value[]): Value | undefined {
  const kind = containerKind(receiver.instance.cls);
  const attrs = receiver.instance.attrs;
  const pairs = (children: readonly [string, Value][]): Value => ({ kind: 'list', items: children.map(([key, value]) => ({ kind: 'list', items: [{ kind: 'str', value: key }, value] })) });
  switch (name) {
    case 'append':
      if (!kind || !positional[0]) return undefined;
      attrs.set(String(moduleChildren(receiver).length), positional[0]);
      return NONE;
    case 'extend': {
      const items = positional[0]?.kind === 'list' ? positional[0].items : positional[0]?.kind === 'modlist' ? positional[0].list.items : undefined;
      if (!kind || !items) return undefined;
      for (const item of items) attrs.set(String(moduleChildren(receiver).length), item);
      return NONE;
    }
    case 'children':
    case 'values':
      return { kind: 'list', items: moduleChildren(receiver).map(([, value]) => value) };
    case 'named_children':
    case 'items':
      return pairs(moduleChildren(receiver));
    case 'keys':
      return { kind: 'list', items: moduleChildren(receiver).map(([key]) => ({ kind: 'str', value: key })) };
    case 'modules':
      return { kind: 'list', items: descendants(receiver).map(([, value]) => value) };
    case 'named_modules':
      return pairs(descendants(receiver));
    default:
      return undefined;
  }
}

/**
 * Python's list methods that build a list of layers in place (`layers.append(...)`, `layers.extend([...])`,
 * `layers.insert(0, ...)`), on lists and nn.ModuleList alike; undefined for methods MemWall gives no meaning.
 */
export function listMethod(list: Extract<Value, { kind: 'list' }>, name: string, positional: readonly Value[]): Value | undefined {
  if (list.repeated) return undefined;
  const items = list.items as Value[];
  const [first, second] = positional;
  switch (name) {
    case 'append':
      if (!first) return undefined;
      items.push(first);
      return NONE;
    case 'extend': {
      const added = first?.kind === 'list' && !first.repeated ? first.items : first?.kind === 'modlist' && !first.list.repeated ? first.list.items : undefined;
      if (!added) return undefined;
      items.push(...added);
      return NONE;
    }
    case 'insert': {
      const at = first?.kind === 'dim' && first.dim.kind === 'num' ? first.dim.value : undefined;
      if (at === undefined || !second) return undefined;
      items.splice(at < 0 ? Math.max(0, items.length + at) : at, 0, second);
      return NONE;
    }
    case 'pop': {
      const at = first?.kind === 'dim' && first.dim.kind === 'num' ? first.dim.value : -1;
      const index = at < 0 ? items.length + at : at;
      if (index < 0 || index >= items.length) return undefined;
      return items.splice(index, 1)[0];
    }
    case 'copy':
      return { kind: 'list', items: [...items] };
    case 'tolist':
      // A host array held as its numbers (numpy.linspace): tolist() gives the same numbers as a list.
      return { kind: 'list', items: [...items] };
    default:
      return undefined;
  }
}

/**
 * Methods of nn.ModuleList and nn.Sequential values: the list methods, and `add_module(name, layer)`, which appends a
 * named layer. The layers' names stay beside the items so that paths read `features.denseblock1`.
 */
export function modlistMethod(receiver: Extract<Value, { kind: 'modlist' }>, name: string, positional: readonly Value[]): Value | undefined {
  const items = receiver.list.items;
  const names = receiver.names as string[] | undefined;
  if (name === 'add_module') {
    const key = positional[0]?.kind === 'str' ? positional[0].value : undefined;
    if (!key || !positional[1] || receiver.list.repeated || !names) return undefined;
    (items as Value[]).push(positional[1]);
    names.push(key);
    return NONE;
  }
  const before = items.length;
  const result = listMethod(receiver.list, name, positional);
  // Appended and inserted layers are named by their index, as PyTorch names them; a layer taken out takes its name.
  if (names && result !== undefined && name !== 'copy') {
    if (name === 'pop') names.splice(names.length - 1, 1);
    else for (let i = before; i < items.length; i++) names.push(String(i));
  }
  return result;
}

/** The module and every module under it, depth first, as `modules()` lists them. */
function descendants(module: Value, name = '', into: [string, Value][] = [], depth = 0): [string, Value][] {
  into.push([name, module]);
  if (depth > 32) return into;
  const children: [string, Value][] =
    module.kind === 'module'
      ? moduleChildren(module)
      : module.kind === 'modlist'
        ? module.list.items.map((item, i) => [module.names?.[i] ?? String(i), item])
        : module.kind === 'dict'
          ? [...module.entries]
          : [];
  for (const [key, child] of children) descendants(child, name ? `${name}.${key}` : key, into, depth + 1);
  return into;
}

export function callSequential(it: Interpreter, callee: Extract<Value, { kind: 'modlist' }>, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): Value {
  const current = positional[0] ?? UNKNOWN;
  const list = callee.list;
  const passes = list.repeated ? passCount(it, list.repeated.count) : undefined;
  if (list.repeated && passes === undefined) {
    const inner: Frame = { ...frame, repeat: simplify(bin('*', frame.repeat, list.repeated.count)) };
    return apply(it, withPath(list.repeated.item, `${callee.path}[*]`), [current], keywords, node, inner, `${callee.path}[*]`);
  }
  // The layers run in turn, each on the last one's output; identical layers fold into one repeated row (repeats.ts).
  const holder: Frame = { ...frame, env: new Map([['x', current]]) };
  const repeated = list.repeated;
  const items = list.items;
  const itemPath = (i: number): string => joinPath(callee.path, callee.names?.[i] ?? String(i));
  // Each layer runs on the one before's output; only `x` changes from pass to pass.
  const unrun = { targets: new Set<string>(), bind: () => undefined };
  runPasses(it, holder, repeated ? (passes as number) : items.length, (i) => {
    const path = itemPath(i);
    const item = repeated ? repeated.item : (items[i] as Value);
    holder.env.set('x', apply(it, withPath(item, path), [holder.env.get('x') ?? UNKNOWN], new Map(), node, frame, path));
  }, repeated
    ? { length: repeated.count, sameItem: { itemPath: (i) => joinPath(callee.path, String(i)), ...(callee.names ? {} : { unrun }) } }
    : { length: it.state.listLengths.get(items), distinct: { item: (i) => items[i] as Value, itemPath, ...unrun } });
  return holder.env.get('x') ?? UNKNOWN;
}

/** Forward arguments go by the forward signature, then the parameters follow as inputs: one entry per catalog entry. */
const forwardEntries = new WeakMap<CatalogEntry, CatalogEntry>();

function forwardEntryOf(entry: CatalogEntry): CatalogEntry {
  let forwardEntry = forwardEntries.get(entry);
  if (!forwardEntry) {
    forwardEntry = { ...entry, signature: entry.module?.forward ?? ['input'] };
    forwardEntries.set(entry, forwardEntry);
  }
  return forwardEntry;
}

export function callModule(it: Interpreter, callee: Extract<Value, { kind: 'module' }>, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): Value {
  const forward = findMethod(callee.instance.cls, 'forward');
  // A subclass of nn.Sequential without its own forward runs its layers in turn.
  if (!forward && containerKind(callee.instance.cls) === 'sequential') {
    it.state.covered.add(callee.instance.cls);
    return callSequential(it, containerList(callee, 'sequential'), positional, keywords, node, frame);
  }
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

/**
 * Instantiates a user class: runs `__init__` without emitting ops, with arguments bound like Python does. A root
 * class (`root`, built by MemWall rather than by the code) takes for an untyped `config` argument the file's config
 * class, as a root function's `config` parameter does.
 */
export function instantiate(it: Interpreter, cls: ClassInfo, positional: Value[], keywords: ReadonlyMap<string, Value>, frame: Frame, node: SyntaxNode, root = false): Value {
  if (isConfigClass(it, cls)) return instantiateConfig(it, cls, positional, keywords, node, frame);
  const isModule = isModuleClass(it, cls);
  const instance: ModuleInstance = { cls, attrs: new Map(), compiled: cls.compiled, compileMode: cls.compileMode };
  const self: Value = isModule ? { kind: 'module', instance, path: '' } : { kind: 'object', cls, attrs: instance.attrs };
  const init = findMethod(cls, '__init__');
  if (init) callFunction(it, init, positional, keywords, quiet(frame), self, node, root, true);
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

/** Names that say a class holds a model's configuration: `GPTConfig`, `ModelArgs`, `HParams`, `Cfg`. */
const CONFIG_CLASS_NAME = /config|args|arguments|params|cfg|settings/i;

/**
 * A config class as transformers writes them (configuration_*.py): named like a config, not a module, and its
 * `__init__` takes the sizes as parameters with defaults (`def __init__(self, vocab_size=32000, hidden_size=4096,
 * ...)`) and keeps them on self. Built by running that `__init__`: each size is the symbol of its parameter's name,
 * bound to the default (or the argument given), and what it derives or fills in (`if num_key_value_heads is None`)
 * runs as written.
 */
function isInitConfigClass(it: Interpreter, cls: ClassInfo): boolean {
  if (!CONFIG_CLASS_NAME.test(cls.name) || isModuleClass(it, cls)) return false;
  const init = cls.methods.get('__init__');
  const parameters = (init && field(init.node, 'parameters')?.namedChildren) || [];
  return parameters.some((parameter) => parameter?.type === 'default_parameter' || parameter?.type === 'typed_default_parameter');
}

/** A class a model's config is built from: fields with defaults (isConfigClass) or an `__init__` of sizes with defaults. */
export function isConfigLike(it: Interpreter, cls: ClassInfo): boolean {
  return isConfigClass(it, cls) || isInitConfigClass(it, cls);
}

/**
 * The classes a root's untyped `config` may be built from: the file's config classes named like one. The name keeps
 * out the other classes of class-level attributes published files hold (transformers' `ViTPreTrainedModel`, with
 * `config_class` and `base_model_prefix`), which are no one's configuration.
 */
export function rootConfigClasses(it: Interpreter, file: FileContext): ClassInfo[] {
  return [...file.classes.values()].filter((cls) => CONFIG_CLASS_NAME.test(cls.name) && isConfigLike(it, cls));
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
  const config: Value = { kind: 'object', cls, attrs };
  // A dataclass runs `__post_init__` after its fields are set: derived sizes (`self.head_size = self.n_embd //
  // self.n_head`) and sentinels filled in (`if self.n_query_groups is None: self.n_query_groups = self.n_head`).
  const postInit = cls.isDataclass ? findMethod(cls, '__post_init__') : undefined;
  if (postInit) callFunction(it, postInit, [], new Map(), quiet(frame), config, node, false);
  return config;
}

/**
 * The value of a size-like parameter: an integer literal becomes its name as a symbol bound to that literal (so the
 * user sees `n_embd`, and what-if changes re-price), unless the name is already bound to another number.
 */
export function symbolFor(it: Interpreter, name: string, given: Value | undefined, fallback: Value | undefined, source: string, priority: number): Value {
  const value = given ?? fallback;
  if (!value) return { kind: 'free', name };
  if (value.kind === 'dim' && value.dim.kind === 'num' && Number.isInteger(value.dim.value) && value.dim.value > 1) {
    // Another instance bound the name to another number (`kernel_size=5` there, the default 3 here): a symbol
    // stands for one size, so this one keeps its number rather than take, or give, the other's.
    const clash = it.state.codeBindings.find((b) => b.symbol === name && b.value !== (value.dim as { value: number }).value);
    if (clash) return value;
    if (!it.state.codeBindings.some((b) => b.symbol === name && b.priority === priority)) {
      it.state.codeBindings.push({ symbol: name, value: value.dim.value, source, priority });
    }
    return { kind: 'dim', dim: sym(name) };
  }
  // A size only meaningful above 0 that defaults to 0 (`n_expert: int = 0`, a dense model's config read by its
  // mixture-of-experts layer): its role's size, said as an assumption, so the layer has experts to price. A 0 the code
  // passes on purpose (given) stays.
  if (!given && value.kind === 'dim' && value.dim.kind === 'num') {
    const zero = zeroDefault(name, value.dim.value, source);
    if (zero) {
      if (!it.state.codeBindings.some((b) => b.symbol === name)) it.state.codeBindings.push({ symbol: name, value: zero.size, source: zero.source, priority: MODEL_DEFAULT_PRIORITY });
      return { kind: 'dim', dim: sym(name) };
    }
  }
  // `n_kv_heads: Optional[int] = None` or `= -1`, filled in later by the code: a size the user gives
  // (`--dims n_kv_heads=8`) is the value meant, so the field is that symbol and the code's fallback is not taken.
  if (it.boundSymbols.has(name) && (value.kind === 'none' || (value.kind === 'dim' && value.dim.kind === 'num' && value.dim.value <= 0))) {
    return { kind: 'dim', dim: sym(name) };
  }
  return value;
}
