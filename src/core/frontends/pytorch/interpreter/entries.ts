// Roots and entries: a root's function runs with inputs that are given (--input), declared in the code, or learned.
//
// A root is a function nobody calls, the forward of an outermost module, the forward of the module a builder returns
// (`def resnet50(**kwargs): return _resnet(Bottleneck, [3, 4, 6, 3], ...)`), or an entry the user names. Its tensor
// parameters take, in order: the shape the user gives (`--input x=[1,3,224,224]`), a shape the code declares (a magic
// comment, a jaxtyping annotation, `B, T, C = x.size()` at the top of the body), or a shape learned from a trial run
// of the root (shapes/learn.ts): the trial run is thrown away (ops, notes, scopes, bindings, ids) and the root runs
// again with the learned shapes, so an undeclared input no longer unprices every op downstream of it.
import { formatDim, sym, type Dim } from '../../../ir/dims';
import type { DType, RootInput } from '../../../ir/types';
import type { InputDeclaration } from '../../../shapes/inputs';
import { defaultSize } from '../../../shapes/bindings';
import { LearningComplete, ShapeLearner, type LearnedShape } from '../../../shapes/learn';
import type { ClassInfo, FunctionInfo, Value } from '../values';
import { findMethod } from './attributes';
import { driverInputs, findDriver, runDriver, tensorsOf } from './drivers';
import type { Frame } from './frame';
import { annotationValue, callFunction, declaredShapesOf, partsOf, type DeclaredShape } from './functions';
import type { Interpreter } from './index';
import { instantiate } from './modules';
import { describeParameter } from './signatures';

/** An input shape given without editing the file: `--input x=[1,3,224,224]`, a setting, `[tool.memwall] inputs`. */
export type GivenInput = InputDeclaration;

/** Annotations that say a parameter is a size, a flag or a container, not a tensor to learn the shape of. */
const NOT_A_TENSOR = /^(int|float|bool|str|bytes|complex|dict|list|tuple|set|Dict|List|Tuple|Set|Callable|Sequence|Iterable|Type)\b/;

/**
 * Parameter names that hold a configuration (parameterValue builds the file's config class for them), or where
 * tensors go (`generate(self, prompts, device)`, `.to(device)`), not a tensor.
 */
const CONFIG_NAME = /config|cfg|args|params|hparams|^device$/i;

/**
 * Runs a root's function: parameters the user gives or the code declares take those shapes; the tensor parameters
 * left undeclared are learned from a trial run first. Each input is recorded with its shape and where it came from.
 */
export function runRootCall(it: Interpreter, fn: FunctionInfo, self: Value | undefined): Value {
  const frame = it.moduleFrame(fn.file);
  const { parameters } = partsOf(it, fn);
  const declared = declaredShapesOf(it, fn);
  const keywords = new Map<string, Value>();
  const inputs: RootInput[] = [];
  let undeclared: string[] = [];
  const containers: string[] = [];
  const isMethod = fn.owner !== undefined && !fn.decorators.includes('staticmethod');
  let index = 0;
  for (const parameter of parameters?.namedChildren ?? []) {
    if (!parameter) continue;
    const { name, defaultNode, typeNode, splat } = describeParameter(parameter, it.names);
    if (!name) continue;
    const first = index++ === 0;
    if ((isMethod && first && (name === 'self' || name === 'cls')) || splat) continue;
    const record = (shape: readonly Dim[] | null, dtype: DType | 'default', source: string): void => {
      inputs.push({ scope: fn.qualifiedName, name, shape, dtype, source });
    };
    const given = it.givenInputs.get(name);
    if (given) {
      it.givenInputsUsed.add(name);
      keywords.set(name, { kind: 'tensor', tensor: it.builder.value(given.shape, given.dtype ?? 'default', `param ${name}`) });
      record(given.shape, given.dtype ?? 'default', given.source);
      continue;
    }
    const declaration = declared.get(name);
    if (declaration && !unpackingLeavesSizes(it, declaration)) {
      record(declaration.shape, declaration.dtype ?? 'default', declaration.source);
      continue;
    }
    if (declaration) {
      // `B, N, C = x.shape` names the dims but leaves C's size to the layers x meets (`nn.Linear(dim, ...)`): the
      // trial run starts from the unpacking and learns the rest.
      undeclared.push(name);
      continue;
    }
    if (typeNode) {
      const annotated = annotationValue(it, typeNode, name, frame);
      if (annotated?.kind === 'tensor') {
        record(annotated.tensor.shape, annotated.tensor.dtype ?? 'default', 'jaxtyping annotation');
        continue;
      }
    }
    // A container of tensors (`kv_caches: List[Tuple[torch.Tensor, torch.Tensor]]`) is not learned, but a driver
    // that builds it can give it.
    if (typeNode && NOT_A_TENSOR.test(typeNode.text) && /\bTensor\b/.test(typeNode.text)) containers.push(name);
    if ((typeNode && NOT_A_TENSOR.test(typeNode.text)) || CONFIG_NAME.test(name)) continue;
    // The first input is the model's input even where it defaults to None (Hugging Face's `forward(self,
    // input_ids=None, attention_mask=None, ...)`: one of input_ids or inputs_embeds must come); later ones with a
    // default keep it, so absent masks and caches take their `is None` branches.
    if (defaultNode && !(defaultNode.type === 'none' && inputs.length + undeclared.length === 0 && !keywords.size)) continue;
    undeclared.push(name);
  }
  if (undeclared.length > 0 && self?.kind === 'module' && isMethod && fn.name === 'forward') {
    // A method of the module that calls its forward (`generate`) builds the inputs that nothing else shapes: its
    // first call (the prefill) gives them, and the learner is left the ones it does not pass.
    const driver = findDriver(it, fn);
    const driven = driver ? driverInputs(it, driver, fn, self, frame, [...undeclared, ...containers]) : undefined;
    for (const [name, value] of driven?.values ?? []) {
      keywords.set(name, value);
      const source = `as ${driven?.driver.qualifiedName}() builds it for its first call at line ${driven?.line} (the prefill)`;
      const tensors = tensorsOf(value);
      if (value.kind === 'tensor') inputs.push({ scope: fn.qualifiedName, name, shape: value.tensor.shape, dtype: value.tensor.dtype ?? 'default', source });
      else if (value.kind === 'list' && tensors.length > 0) {
        // A list of cache pairs is recorded by its items' shapes: `kv_caches[*][0]`, one per pair position.
        const item = value.repeated?.item ?? value.items[0];
        const parts = item?.kind === 'list' ? item.items : [item];
        parts.forEach((part, position) => {
          if (part?.kind !== 'tensor') return;
          const label = item?.kind === 'list' ? `${name}[*][${position}]` : `${name}[*]`;
          const count = value.repeated ? ` (${formatDim(value.repeated.count)} of them)` : '';
          inputs.push({ scope: fn.qualifiedName, name: label, shape: part.tensor.shape, dtype: part.tensor.dtype ?? 'default', source: `${source}${count}` });
        });
      }
    }
    undeclared = undeclared.filter((name) => !driven?.values.has(name));
    if (driven && driven.values.size > 0) it.drivenForwards.add(fn);
  }
  if (undeclared.length > 0) {
    for (const learned of learnInputs(it, fn, self, frame, keywords, undeclared)) {
      // An input the trial run saw ops read is a tensor, even when nothing said its shape: its ops are then listed
      // (unpriced, with the reason) rather than lost.
      keywords.set(learned.name, { kind: 'tensor', tensor: it.builder.value(learned.shape, learned.dtype ?? 'default', `param ${learned.name}`) });
      inputs.push({ scope: fn.qualifiedName, name: learned.name, shape: learned.shape, dtype: learned.dtype ?? 'default', source: learned.source });
    }
  }
  it.builder.inputs.push(...inputs);
  return callFunction(it, fn, [], keywords, frame, self, fn.node, true);
}

/**
 * Whether an unpacking at the top of a root (`B, N, C = x.shape`) leaves a dim without a size: a name that no magic
 * comment, `--dims`, binding of the code or default by role sizes (`C`), or one left unnamed (`_`). Such an input is
 * learned, starting from the names the unpacking gives.
 */
function unpackingLeavesSizes(it: Interpreter, declaration: DeclaredShape): boolean {
  const sized = (name: string): boolean => defaultSize(name) !== undefined || it.boundSymbols.has(name) || it.state.currentValue(sym(name)) !== undefined;
  return declaration.unpacked !== undefined && declaration.unpacked.some((name) => name === '_' || !sized(name));
}

/**
 * At most this many trial runs per root: each later one starts from the shapes learned so far, since what teaches one
 * input may need another's (BERT's `scores + attention_mask` needs the scores' shape, which needs `hidden_states`').
 */
const MAX_TRIALS = 3;

/**
 * Learns the undeclared parameters' shapes from trial runs of the root, and binds the role sizes renamed for them
 * (`x_width`) to their defaults.
 */
function learnInputs(it: Interpreter, fn: FunctionInfo, self: Value | undefined, frame: Frame, keywords: ReadonlyMap<string, Value>, names: readonly string[]): LearnedShape[] {
  // A role's symbol that the code binds already (`Net(width=32)`) is another size: the input's dim takes its own name.
  const taken = (symbol: string): boolean => it.state.codeBindings.some((binding) => binding.symbol === symbol);
  const known = new Map<string, LearnedShape>();
  let unknown = [...names];
  for (let trial = 0; trial < MAX_TRIALS && unknown.length > 0; trial++) {
    const given = new Map(keywords);
    for (const learned of known.values()) {
      if (learned.shape) given.set(learned.name, { kind: 'tensor', tensor: it.builder.value(learned.shape, learned.dtype ?? 'default', `param ${learned.name}`) });
    }
    const results = trialRun(it, fn, self, frame, given, unknown, taken);
    for (const result of results) if (result.shape || !known.has(result.name)) known.set(result.name, result);
    const learnedNow = results.some((result) => result.shape);
    unknown = unknown.filter((name) => !known.get(name)?.shape);
    // Another trial helps only when this one learned something and an input the code reads is still unknown.
    if (!learnedNow || !unknown.some((name) => known.has(name))) break;
  }
  const learned = names.flatMap((name) => known.get(name) ?? []);
  for (const { renamed } of learned) {
    for (const { symbol, value, source } of renamed) it.state.codeBindings.push({ symbol, value, source: source ?? 'default', priority: 3 });
  }
  return learned;
}

/**
 * One trial run: each parameter still unknown is a tensor of unknown shape that the learner tracks. It stops as soon
 * as every one is known (LearningComplete); whatever it added to the graph and the interpreter's state is then undone.
 */
function trialRun(
  it: Interpreter,
  fn: FunctionInfo,
  self: Value | undefined,
  frame: Frame,
  given: ReadonlyMap<string, Value>,
  names: readonly string[],
  taken: (symbol: string) => boolean,
): LearnedShape[] {
  const checkpoint = it.builder.checkpoint();
  const state = it.state.snapshot(it.builder.valueCount);
  const learner = new ShapeLearner();
  const trial = new Map(given);
  for (const name of names) {
    const tensor = it.builder.value(null, 'default', `param ${name}`);
    learner.track(tensor.id, name);
    trial.set(name, { kind: 'tensor', tensor });
  }
  // `t: (N,) tensor of diffusion timesteps` in the docstring names the dims, as an unpacking would.
  const documented = documentedShapes(it, fn);
  for (const name of names) {
    const tensor = trial.get(name);
    const doc = documented.get(name);
    if (doc && tensor?.kind === 'tensor') learner.unpack(tensor.tensor.id, doc.names, doc.source);
  }
  const outer = it.learner;
  it.learner = learner;
  try {
    it.undoingAttributes(() => callFunction(it, fn, [], trial, frame, self, fn.node, true));
  } catch (error) {
    if (!(error instanceof LearningComplete)) throw error;
  } finally {
    it.learner = outer;
    it.builder.rollback(checkpoint);
    it.state.restore(state);
    it.forgetValuesFrom(checkpoint.values);
  }
  return learner.solve(taken);
}

/**
 * A parameter's shape as the function's docstring states it, one parameter a line: `x: (N, C, H, W) tensor of
 * spatial inputs`, `t: (N,) tensor of diffusion timesteps` (DiT), `x: (batch, seqlen, hidden_dim) ...` (Mamba). Only
 * a tuple right after the name's colon counts, and only of names (a number stays a dim to learn); the first such
 * line of a name wins.
 */
function documentedShapes(it: Interpreter, fn: FunctionInfo): Map<string, { names: string[]; source: string }> {
  const shapes = new Map<string, { names: string[]; source: string }>();
  const first = partsOf(it, fn).body?.namedChildren[0];
  const docstring = first?.type === 'expression_statement' && first.namedChildren[0]?.type === 'string' ? first.namedChildren[0] : undefined;
  if (!docstring) return shapes;
  const lines = docstring.text.split('\n');
  lines.forEach((line, index) => {
    const match = /^\s*(?:"""|''')?\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*[([]([^()[\]]*)[)\]]/.exec(line);
    if (!match || shapes.has(match[1] as string)) return;
    const parts = (match[2] as string).split(',').map((part) => part.trim());
    if (parts[parts.length - 1] === '') parts.pop();
    if (parts.length === 0 || parts.some((part) => !/^([A-Za-z_][A-Za-z0-9_]*|\d+)$/.test(part))) return;
    const names = parts.map((part) => (/^\d+$/.test(part) ? '_' : part));
    const text = line.trim().replace(/^("""|''')/, '').slice(0, 60);
    shapes.set(match[1] as string, { names, source: `the docstring of ${fn.qualifiedName}, \`${text}\` at line ${docstring.startPosition.row + index + 1}` });
  });
  return shapes;
}

/** A function nobody calls; when it builds and returns a module (a builder), that module's forward is analysed too. */
export function runRootFunction(it: Interpreter, fn: FunctionInfo, explicit: boolean): void {
  const result = runRootCall(it, fn, undefined);
  // A builder returns the model: its forward is the analysis, unless another root ran that class already (the first
  // of several builders of one class stands for them all, unless the user names them).
  if (result.kind === 'module' && (explicit || !it.state.covered.has(result.instance.cls))) runRootModule(it, result);
}

/** An outermost module: builds an instance with symbolic constructor arguments (unless the code built one) and runs its forward. */
export function runRootClass(it: Interpreter, cls: ClassInfo, existing?: Value): void {
  const instance = existing ?? instantiate(it, cls, [], new Map(), it.moduleFrame(cls.file), cls.node, true);
  if (instance.kind === 'module') runRootModule(it, instance);
}

/** `Class.method` named as an entry: the method runs on the instance the code built, else on a symbolic one. */
export function runRootMethod(it: Interpreter, method: FunctionInfo): void {
  const cls = method.owner as ClassInfo;
  const instance = it.state.instances.get(cls) ?? instantiate(it, cls, [], new Map(), it.moduleFrame(cls.file), cls.node, true);
  runRootCall(it, method, instance.kind === 'module' ? { ...instance, path: '' } : instance);
}

function runRootModule(it: Interpreter, module: Extract<Value, { kind: 'module' }>): void {
  const forward = findMethod(module.instance.cls, 'forward');
  if (!forward) return;
  it.state.covered.add(module.instance.cls);
  const self = { ...module, path: '' };
  runRootCall(it, forward, self);
  // The method that shaped the forward's inputs (generate) is analysed too: its own ops (the decode loop's sampling
  // bookkeeping, its checks on the host) run around every forward call. A forward shaped otherwise (nanoGPT's
  // `b, t = idx.size()`) keeps its analysis as it was, without its generate().
  const driver = it.drivenForwards.has(forward) ? findDriver(it, forward) : undefined;
  if (driver && !it.state.covered.has(driver)) runDriver(it, driver, forward, self);
}

/** What `--entry NAME` names in a file: a function, a class, or `Class.method`. */
export type EntryTarget =
  | { readonly kind: 'function'; readonly fn: FunctionInfo }
  | { readonly kind: 'class'; readonly cls: ClassInfo }
  | { readonly kind: 'method'; readonly fn: FunctionInfo };

export function findEntry(it: Interpreter, name: string): EntryTarget | undefined {
  const file = it.main;
  const dot = name.indexOf('.');
  if (dot < 0) {
    const fn = file.functions.get(name);
    if (fn) return { kind: 'function', fn };
    const cls = file.classes.get(name);
    return cls ? { kind: 'class', cls } : undefined;
  }
  const cls = file.classes.get(name.slice(0, dot));
  const method = cls?.methods.get(name.slice(dot + 1));
  return method ? { kind: 'method', fn: method } : undefined;
}
