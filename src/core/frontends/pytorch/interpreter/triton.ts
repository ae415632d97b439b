// Triton in the host code: kernels and their decorators as values, each launch handed to the Triton frontend with
// the arguments this interpreter evaluated, and the kernels nobody launches priced one program each.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { dimFunction, num, sym, type Dim } from '../../../ir/dims';
import { SM_COUNT_SYMBOL } from '../../../ir/symbols';
import type { TensorValue } from '../../../ir/types';
import { cdiv } from '../../triton/dimtools';
import {
  addKernel, collectKernels, kernelScalar, priceKernel, type FileKernels, type KernelConfiguration, type KernelDefinition,
  type KernelValue, type LaunchArgument,
} from '../../triton';
import type { FileContext } from '../files';
import { functionInfo } from '../files';
import { field } from '../syntax';
import { NONE, UNKNOWN, type FunctionInfo, type TritonKernel, type Value } from '../values';
import { apply } from './calls';
import { numericDim } from './conversions';
import { sourceSpan } from './emit';
import { evaluate } from './expressions';
import { quiet, type Frame } from './frame';
import type { Interpreter } from './index';

/** What a Triton call of the host code gives: the value, or undefined when the name is not Triton's. */
type TritonBuiltin = (it: Interpreter, positional: readonly Value[], keywords: ReadonlyMap<string, Value>) => Value;

const decorator = (wrap: (kernel: TritonKernel) => TritonKernel): Value => ({ kind: 'triton_decorator', wrap });

/** `triton.jit(fn)` makes a kernel of a plain def; `triton.jit(do_not_specialize=...)` is a decorator that does. */
const jit: TritonBuiltin = (_it, positional) => {
  const target = positional[0];
  if (target?.kind === 'function') return { kind: 'triton_kernel', kernel: { fn: target.fn, heuristics: [] } };
  if (target?.kind === 'triton_kernel') return target;
  return decorator((kernel) => kernel);
};

const autotune: TritonBuiltin = (_it, positional, keywords) => {
  const configs = keywords.get('configs') ?? positional[0] ?? UNKNOWN;
  const key = keywords.get('key') ?? positional[1];
  const prune = keywords.get('prune_configs_by');
  return decorator((kernel) => ({ ...kernel, autotune: { configs, key, prune } }));
};

const heuristics: TritonBuiltin = (_it, positional, keywords) => {
  const table = keywords.get('values') ?? positional[0] ?? UNKNOWN;
  return decorator((kernel) => ({ ...kernel, heuristics: [...kernel.heuristics, table] }));
};

const config: TritonBuiltin = (_it, positional, keywords) => {
  const values = keywords.get('kwargs') ?? positional[0];
  return {
    kind: 'triton_config',
    values: values?.kind === 'dict' ? values.entries : new Map(),
    numWarps: keywords.get('num_warps') ?? positional[1],
    numStages: keywords.get('num_stages') ?? positional[2],
  };
};

/** `torch.library.wrap_triton(kernel)` returns the kernel, callable with `[grid]` as before. */
const sameKernel: TritonBuiltin = (_it, positional) => positional[0] ?? UNKNOWN;

const ceilingDivision: TritonBuiltin = (_it, positional, keywords) => {
  const a = numericDim(positional[0] ?? keywords.get('x'));
  const b = numericDim(positional[1] ?? keywords.get('y') ?? keywords.get('div'));
  return a && b ? { kind: 'dim', dim: cdiv(a, b) } : UNKNOWN;
};

const nextPowerOfTwo: TritonBuiltin = (_it, positional, keywords) => {
  const n = numericDim(positional[0] ?? keywords.get('n'));
  return n ? { kind: 'dim', dim: dimFunction('next_power_of_2', [n]) } : UNKNOWN;
};

/** The device's properties: its SM count is the selected GPU's, bound when the graph is priced. */
const deviceProperties: TritonBuiltin = () => ({
  kind: 'object',
  attrs: new Map<string, Value>([['multi_processor_count', { kind: 'dim', dim: sym(SM_COUNT_SYMBOL) }]]),
});

const hostOnly: TritonBuiltin = () => UNKNOWN;

/** Triton's host API and the torch calls around launches, by qualified name. */
export const TRITON_BUILTINS: ReadonlyMap<string, TritonBuiltin> = new Map<string, TritonBuiltin>([
  ['triton.jit', jit],
  ['triton.language.jit', jit],
  ['triton.autotune', autotune],
  ['triton.heuristics', heuristics],
  ['triton.Config', config],
  ['triton.runtime.Config', config],
  ['torch.library.wrap_triton', sameKernel],
  ['torch._library.triton.wrap_triton', sameKernel],
  ['triton.cdiv', ceilingDivision],
  ['triton.next_power_of_2', nextPowerOfTwo],
  ['torch.cuda.get_device_properties', deviceProperties],
  ['triton.testing.do_bench', hostOnly],
  ['triton.testing.do_bench_cudagraph', hostOnly],
  ['triton.testing.assert_close', hostOnly],
  ['triton.set_allocator', hostOnly],
]);

/** The kernel a value stands for: a @triton.jit function (its decorators evaluated once), or a wrapped kernel. */
export function tritonKernelOf(it: Interpreter, value: Value | undefined): TritonKernel | undefined {
  if (value?.kind === 'triton_kernel') return value.kernel;
  if (value?.kind !== 'function' || !value.fn.tritonKernel) return undefined;
  let kernel = it.tritonKernels.get(value.fn);
  if (!kernel) {
    kernel = decoratedKernel(it, value.fn);
    it.tritonKernels.set(value.fn, kernel);
  }
  return kernel;
}

/** Applies a def's decorators from the innermost out, as Python does: `@autotune` over `@heuristics` over `@jit`. */
function decoratedKernel(it: Interpreter, fn: FunctionInfo): TritonKernel {
  let kernel: TritonKernel = { fn, heuristics: [] };
  if (fn.statement === fn.node) return kernel;
  const decorators = fn.statement.namedChildren.filter((c): c is SyntaxNode => c !== null && c.type === 'decorator');
  const frame = quiet(it.moduleFrame(fn.file));
  for (const node of [...decorators].reverse()) {
    const expression = node.namedChildren.find((c) => c !== null && c.type !== 'comment');
    // `@triton.jit` and `@libentry()` leave the kernel as it is; only autotune and heuristics change what is launched.
    if (!expression || !/autotune|heuristics/.test(expression.text.slice(0, 200))) continue;
    const value = evaluate(it, expression, frame);
    if (value.kind === 'triton_decorator') kernel = value.wrap(kernel);
  }
  return kernel;
}

/** The Triton frontend's reading of a kernel: found among its file's kernels, or added when `triton.jit` made it. */
function definitionOf(it: Interpreter, fn: FunctionInfo): { definition: KernelDefinition; file: FileKernels } {
  let file = it.tritonFiles.get(fn.file);
  if (!file) {
    file = collectKernels(fn.file.root);
    it.tritonFiles.set(fn.file, file);
  }
  const known = file.kernels.get(fn.name);
  const definition = known && known.functionNode.id === fn.node.id ? known : addKernel(file, fn.node, fn.statement);
  return { definition, file };
}

/** What resolving a launch's parameters gives: every parameter's value, and how the constexprs were chosen. */
interface ResolvedLaunch {
  readonly values: Map<string, Value>;
  readonly configuration: KernelConfiguration;
  readonly numWarps?: Value;
  readonly numStages?: Value;
  readonly notes: string[];
}

/**
 * Binds a launch's arguments to the kernel's parameters, then fills the rest as Triton does: the autotuner's config
 * (MemWall prices the first one and says so), the heuristics (functions of the arguments), the defaults; a constexpr
 * nobody sets stays a symbol of its own name.
 */
function resolveLaunch(
  it: Interpreter,
  kernel: TritonKernel,
  definition: KernelDefinition,
  positional: readonly Value[],
  keywords: ReadonlyMap<string, Value>,
  frame: Frame,
): ResolvedLaunch {
  const values = new Map<string, Value>();
  const notes: string[] = [];
  definition.parameters.forEach((parameter, index) => {
    const value = keywords.get(parameter.name) ?? positional[index];
    if (value) values.set(parameter.name, value);
  });
  let numWarps = keywords.get('num_warps');
  let numStages = keywords.get('num_stages');

  let configuration: KernelConfiguration = { label: 'launch-site constexprs', ranges: [], count: 0 };
  if (kernel.autotune) {
    const list = kernel.autotune.configs;
    const configs = list.kind === 'list' && !list.repeated ? list.items.filter((c): c is Extract<Value, { kind: 'triton_config' }> => c.kind === 'triton_config') : [];
    const first = configs[0];
    if (!first) {
      notes.push('autotune configs are not a literal list: block sizes not read from them');
    } else {
      let used = false;
      for (const [key, value] of first.values) {
        if (values.has(key)) continue;
        values.set(key, value);
        used = true;
      }
      numWarps ??= first.numWarps;
      numStages ??= first.numStages;
      const ranges: string[] = [];
      for (const key of first.values.keys()) {
        const numbers = configs.map((c) => numericDim(c.values.get(key))).flatMap((d) => (d?.kind === 'num' ? [d.value] : []));
        if (numbers.length > 1 && Math.min(...numbers) !== Math.max(...numbers)) ranges.push(`${key} ${Math.min(...numbers)}–${Math.max(...numbers)}`);
      }
      configuration = { label: used ? 'first autotune config' : 'launch-site constexprs', ranges, count: configs.length };
      if (kernel.autotune.prune) notes.push('the autotuner prunes its configs at run time (prune_configs_by): priced with the first config as written');
    }
  }
  // Heuristics run after the autotuner's values are known: `lambda args: triton.next_power_of_2(args['N'])`.
  for (const table of kernel.heuristics) {
    if (table.kind !== 'dict') continue;
    for (const [key, heuristic] of table.entries) {
      if (values.has(key)) continue;
      const argumentsView: Value = { kind: 'dict', entries: new Map(values) };
      values.set(key, apply(it, heuristic, [argumentsView], new Map(), definition.functionNode, quiet(frame), ''));
    }
  }
  const moduleFrame = quiet(it.moduleFrame(kernel.fn.file));
  for (const parameter of definition.parameters) {
    if (values.has(parameter.name)) continue;
    if (parameter.defaultValue) values.set(parameter.name, evaluate(it, parameter.defaultValue, moduleFrame));
    // A block size nobody fixes stays a symbol of its own name, for the grid and the kernel alike (bind it with a
    // magic comment or --dims).
    else if (parameter.constexpr) values.set(parameter.name, { kind: 'dim', dim: sym(parameter.name) });
  }
  return { values, configuration, numWarps, numStages, notes };
}

/** The grid as dims: a tuple, one number, or a function of the meta-parameters (`lambda META: (...)`). */
function gridOf(it: Interpreter, grid: Value, values: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame, notes: string[]): Dim[] {
  let value = grid;
  if (value.kind === 'lambda' || value.kind === 'function') {
    value = apply(it, value, [{ kind: 'dict', entries: new Map(values) }], new Map(), node, quiet(frame), '');
  }
  const items = value.kind === 'list' && !value.repeated ? value.items : [value];
  const dims = items.map((item) => numericDim(item));
  if (items.length === 0 || dims.some((d) => d === undefined)) {
    notes.push('the grid is not understood: the number of programs is a symbol `programs`');
    return [sym('programs')];
  }
  return dims as Dim[];
}

/** A host value as the Triton frontend takes it. */
function launchArgument(value: Value | undefined): LaunchArgument {
  if (!value) return { kind: 'unknown' };
  switch (value.kind) {
    case 'tensor': return { kind: 'tensor', tensor: value.tensor };
    // A size MemWall could not compute is the kernel parameter's own symbol, not an unknown that spreads.
    case 'dim': return value.dim.kind === 'unknown' ? { kind: 'unknown' } : { kind: 'size', dim: value.dim };
    case 'free': return { kind: 'free', name: value.name };
    case 'scalar': return value.value === undefined ? { kind: 'unknown' } : { kind: 'const', value: value.value };
    case 'bool': return value.value === undefined ? { kind: 'unknown' } : { kind: 'const', value: value.value };
    case 'str': return { kind: 'const', value: value.value };
    case 'none': return { kind: 'const', value: null };
    case 'dtype': return value.dtype === 'default' ? { kind: 'unknown' } : { kind: 'dtype', dtype: value.dtype };
    case 'list': return value.repeated ? { kind: 'unknown' } : { kind: 'tuple', items: value.items.map(launchArgument) };
    default: return { kind: 'unknown' };
  }
}

/** `kernel[grid](...)`: prices the launch and adds its op where the launch is, in the caller's scope and repeat. */
export function launchKernel(
  it: Interpreter,
  launch: Extract<Value, { kind: 'triton_launch' }>,
  positional: readonly Value[],
  keywords: ReadonlyMap<string, Value>,
  node: SyntaxNode,
  frame: Frame,
): Value {
  const { definition, file } = definitionOf(it, launch.kernel.fn);
  const resolved = resolveLaunch(it, launch.kernel, definition, positional, keywords, frame);
  const notes = [...resolved.notes];
  const grid = gridOf(it, launch.grid, resolved.values, node, frame, notes);
  if (!frame.emit) return NONE;
  const priced = price(it, definition, file, launch.kernel.fn.file, resolved, grid, notes);
  const op = it.builder.addOp({
    ...priced.op, span: sourceSpan(node, frame), scope: frame.scope, modulePath: frame.path, repeat: frame.repeat,
    ...(frame.fusedBy === 'fallback' ? { fusedBy: 'fallback' as const } : {}),
  }, priced.outputs);
  // A launch written in a test or benchmark is harness code like the rest of it (rules give it hints at most).
  if (frame.harness) (op as { harness?: string }).harness = frame.harness;
  // The tensors the kernel stored into now hold its results: later code (a second launch, the return) reads them.
  priced.written.forEach((tensor, index) => {
    const result = op.outputs[index];
    if (!tensor || !result) return;
    for (const [name, value] of frame.env) {
      if (value.kind === 'tensor' && value.tensor.id === tensor.id) frame.env.set(name, { kind: 'tensor', tensor: result });
    }
  });
  return NONE;
}

function price(
  it: Interpreter,
  definition: KernelDefinition,
  file: FileKernels,
  source: FileContext,
  resolved: ResolvedLaunch,
  grid: Dim[] | undefined,
  notes: readonly string[],
) {
  const launchArguments = new Map<string, LaunchArgument>();
  for (const [name, value] of resolved.values) launchArguments.set(name, launchArgument(value));
  return priceKernel({
    kernel: definition,
    kernels: file.kernels,
    arguments: launchArguments,
    grid,
    configuration: resolved.configuration,
    numWarps: numericDim(resolved.numWarps),
    numStages: numericDim(resolved.numStages),
    notes,
    globals: (name) => kernelGlobal(source.globals.get(name)),
  }, (parameter): TensorValue => it.builder.value(null, 'default', `param ${parameter}`));
}

/**
 * The main file's kernels: a scope each, and one program priced for each kernel that no launch priced and no
 * other kernel calls (a kernel library's file, a launch on a path the analysis did not follow).
 */
export function priceUnlaunchedKernels(it: Interpreter): void {
  const main = it.main;
  // Every kernel is decorated with a name that ends in `jit` or made by `triton.jit(...)`: without the word there is none.
  if (!main.text.includes('jit')) return;
  let file = it.tritonFiles.get(main);
  if (!file) {
    file = collectKernels(main.root);
    it.tritonFiles.set(main, file);
  }
  const kernels = [...file.kernels.values()];
  for (const kernel of kernels) {
    const parameters = field(kernel.functionNode, 'parameters');
    const start = kernel.functionNode;
    const end = parameters ?? kernel.functionNode;
    it.builder.scopes.push({
      name: kernel.name,
      kind: 'kernel',
      span: {
        start: start.startIndex, end: end.endIndex, startLine: start.startPosition.row, startColumn: start.startPosition.column,
        endLine: end.endPosition.row, endColumn: end.endPosition.column,
      },
    });
  }
  const launched = new Set<string>();
  for (const op of it.builder.ops) if (op.category === 'triton_kernel' && op.attrs.launched === true) launched.add(String(op.attrs.kernel));
  for (const kernel of kernels) {
    const calledByAnother = [...file.calls].some(([caller, callees]) => caller !== kernel.name && callees.has(kernel.name));
    if (launched.has(kernel.name) || calledByAnother) continue;
    const fn = functionInfoOf(main, kernel);
    const value: Value = { kind: 'function', fn };
    const tritonKernel = tritonKernelOf(it, value) ?? { fn, heuristics: [] };
    const frame = quiet(it.moduleFrame(main));
    const resolved = resolveLaunch(it, tritonKernel, kernel, [], new Map(), frame);
    const priced = price(it, kernel, file, main, resolved, undefined, [
      ...resolved.notes, 'no launch site in this file: one program priced, all lanes active (masks ignored), block sizes as shown',
    ]);
    it.builder.addOp({
      ...priced.op, span: sourceSpan(kernel.definitionNode, frame), scope: kernel.name, modulePath: '', repeat: num(1),
    }, priced.outputs);
  }
}

/** A module-level name of the kernel's file as the kernel reads it: a constant, or an imported function's dotted name. */
function kernelGlobal(value: Value | undefined): KernelValue | undefined {
  switch (value?.kind) {
    case 'ref': return { kind: 'module', dotted: value.name };
    case 'dim': return kernelScalar(value.dim);
    case 'scalar': return value.value === undefined ? undefined : kernelScalar(num(value.value));
    case 'bool': return value.value === undefined ? undefined : { kind: 'const', value: value.value };
    case 'str': return { kind: 'const', value: value.value };
    case 'none': return { kind: 'const', value: null };
    case 'dtype': return value.dtype === 'default' ? undefined : { kind: 'dtype', dtype: value.dtype };
    default: return undefined;
  }
}

/** The FunctionInfo of a kernel definition: the file's own for a top-level def, else one made for it. */
function functionInfoOf(file: FileContext, kernel: KernelDefinition): FunctionInfo {
  const known = file.functions.get(kernel.name);
  if (known && known.node.id === kernel.functionNode.id) return known;
  const decorated = kernel.definitionNode !== kernel.functionNode ? kernel.definitionNode : undefined;
  return functionInfo(kernel.functionNode, file, undefined, undefined, decorated);
}
