// The Triton frontend: each @triton.jit kernel launch (or each kernel once per program) becomes a priced OpNode.
import type { SyntaxNode, Tree } from '../../parse/parser';
import { formatDim, num, product, sym, type Dim } from '../../ir/dims';
import type { GraphBuilder } from '../../ir/graph';
import { DTYPE_BYTES, type AttrValue, type Span, type TensorValue } from '../../ir/types';
import { add, atFirstIteration, DTYPE_BYTES_SYMBOL, mul, sumDims } from './dimtools';
import { HostEvaluator, type HostEnvironment, type HostValue, type TensorRef } from './host';
import {
  interpretKernel, kernelScalar, type Access, type ElementType, type KernelDefinition, type KernelRun, type KernelValue,
} from './kernel';
import { argument, callArguments, dottedName, field, namedChildren, resetSyntaxCache, spanOf, walkTypes } from './syntax';

export { interpretKernel } from './kernel';
export type { KernelRun } from './kernel';

const WALKED_IN_KERNELS: ReadonlySet<string> = new Set(['call', 'assignment', 'augmented_assignment']);
const CALLS: ReadonlySet<string> = new Set(['call']);
const RETURNS: ReadonlySet<string> = new Set(['return_statement']);
const LOAD_STORE_FUNCTIONS = /^(tl|triton\.language)\.(load|store|atomic_\w+|make_block_ptr|make_tensor_descriptor|_experimental_make_tensor_descriptor|advance)$/;

/** Adds one `triton.kernel` op per launch site, or per kernel without one, and a 'kernel' scope per @triton.jit def. */
export function extractTriton(tree: Tree, text: string, builder: GraphBuilder): void {
  // Every kernel is decorated with a name that ends in `jit`: a file without the word has none, and needs no walk.
  if (!text.includes('jit')) return;
  resetSyntaxCache();
  try {
    extractKernels(tree, text, builder);
  } finally {
    resetSyntaxCache();
  }
}

function extractKernels(tree: Tree, text: string, builder: GraphBuilder): void {
  const definitions = collectDefinitions(tree.rootNode);
  if (definitions.kernels.size === 0) return;
  const calls = findPointerParameters(definitions.kernels);
  const notes = new Set<string>();
  const host = new HostEvaluator(builder, readMagicSizes(text), notes);
  const moduleEnvironment: HostEnvironment = new Map();
  for (const statement of definitions.moduleStatements) host.executeSimple(statement, moduleEnvironment);

  for (const kernel of definitions.kernels.values()) {
    const functionNode = kernel.functionNode;
    const parameters = field(functionNode, 'parameters');
    builder.scopes.push({ name: kernel.name, kind: 'kernel', span: joinSpans(spanOf(functionNode), parameters ? spanOf(parameters) : spanOf(functionNode)) });
  }

  const extractor = new Extractor(builder, host, definitions, moduleEnvironment);
  for (const wrapper of definitions.functions) extractor.walkWrapper(wrapper.node, wrapper.scope);
  for (const kernel of definitions.kernels.values()) {
    const calledByAnother = [...calls].some(([caller, callees]) => caller !== kernel.name && callees.has(kernel.name));
    if (!extractor.launched.has(kernel.name) && !calledByAnother) extractor.priceWithoutLaunch(kernel);
  }
}

// ---- definitions ----

interface Definitions {
  readonly kernels: Map<string, KernelDefinition>;
  readonly functions: { node: SyntaxNode; scope: string }[];
  readonly moduleStatements: SyntaxNode[];
  /** Module-level `def`s by name, for `configs=get_autotune_config()`. */
  readonly moduleFunctions: Map<string, SyntaxNode>;
}

function collectDefinitions(root: SyntaxNode): Definitions {
  const definitions: Definitions = { kernels: new Map(), functions: [], moduleStatements: [], moduleFunctions: new Map() };
  const visit = (block: SyntaxNode, prefix: string, atModule: boolean): void => {
    for (const statement of namedChildren(block)) {
      let node = statement;
      let decorators: SyntaxNode[] = [];
      if (statement.type === 'decorated_definition') {
        decorators = namedChildren(statement).filter((c) => c.type === 'decorator');
        node = field(statement, 'definition') ?? statement;
      }
      if (node.type === 'function_definition') {
        const name = field(node, 'name')?.text ?? '?';
        if (decorators.some(isJitDecorator)) {
          definitions.kernels.set(name, {
            name, functionNode: node, definitionNode: statement, parameters: readParameters(node), pointerParameters: new Set(), decorators,
          });
        } else {
          definitions.functions.push({ node, scope: prefix ? `${prefix}.${name}` : name });
          if (atModule) definitions.moduleFunctions.set(name, node);
        }
      } else if (node.type === 'class_definition') {
        const body = field(node, 'body');
        if (body) visit(body, field(node, 'name')?.text ?? '?', false);
      } else if (node.type === 'if_statement') {
        // `if __name__ == "__main__":` and feature checks hold code too.
        for (const part of [field(node, 'consequence'), ...namedChildren(node).filter((c) => c.type === 'else_clause' || c.type === 'elif_clause')]) {
          const body = part?.type === 'block' ? part : part?.childForFieldName('body') ?? part?.childForFieldName('consequence');
          if (body) visit(body, prefix, atModule);
        }
      } else if (atModule && statement.type === 'expression_statement') {
        definitions.moduleStatements.push(statement);
      }
    }
  };
  visit(root, '', true);
  return definitions;
}

function isJitDecorator(decorator: SyntaxNode): boolean {
  const expression = namedChildren(decorator)[0];
  const callee = expression?.type === 'call' ? field(expression, 'function') : expression;
  const name = dottedName(callee);
  return name === 'triton.jit' || name === 'jit' || name === 'triton.language.jit' || name === 'tl.jit';
}

function readParameters(functionNode: SyntaxNode): KernelDefinition['parameters'] {
  const result: { name: string; constexpr: boolean; defaultValue?: SyntaxNode }[] = [];
  for (const parameter of namedChildren(field(functionNode, 'parameters'))) {
    if (parameter.type === 'identifier') result.push({ name: parameter.text, constexpr: false });
    else if (parameter.type === 'typed_parameter') {
      const name = namedChildren(parameter).find((c) => c.type === 'identifier')?.text ?? '?';
      result.push({ name, constexpr: /constexpr/.test(field(parameter, 'type')?.text ?? '') });
    } else if (parameter.type === 'default_parameter' || parameter.type === 'typed_default_parameter') {
      const name = field(parameter, 'name')?.text ?? '?';
      result.push({
        name, constexpr: /constexpr/.test(field(parameter, 'type')?.text ?? ''),
        defaultValue: field(parameter, 'value') ?? undefined,
      });
    }
  }
  return result;
}

/**
 * Parameters that receive tensors: the names that reach the address of a tl.load/tl.store (through `+`, `-`,
 * subscripts and assignments), including through calls to other @triton.jit helpers. Strides multiply, so stay out.
 * Returns which @triton.jit functions each kernel calls. Each kernel is walked once: the syntax tree crosses the
 * wasm boundary at every node, so the fixpoint over helpers runs on what that walk collected.
 */
function findPointerParameters(kernels: Map<string, KernelDefinition>): Map<string, Set<string>> {
  interface Collected {
    readonly addressRoots: string[];
    readonly assignments: Map<string, string[]>;
    readonly helperArguments: { callee: string; parameter: string; roots: string[] }[];
  }
  const collected = new Map<string, Collected>();
  const calls = new Map<string, Set<string>>();
  for (const kernel of kernels.values()) {
    const data: Collected = { addressRoots: [], assignments: new Map(), helperArguments: [] };
    const called = new Set<string>();
    walkTypes(kernel.functionNode, WALKED_IN_KERNELS, (node) => {
      if (node.type === 'call') {
        const callee = dottedName(field(node, 'function'));
        if (!callee) return;
        const args = callArguments(node);
        if (LOAD_STORE_FUNCTIONS.test(callee)) {
          const address = argument(args, 0, /make_block_ptr|make_tensor_descriptor|advance/.test(callee) ? 'base' : 'pointer');
          if (address) data.addressRoots.push(...additiveRoots(address));
        } else if (kernels.has(callee)) {
          called.add(callee);
          kernels.get(callee)!.parameters.forEach((parameter, index) => {
            const value = argument(args, index, parameter.name);
            if (value) data.helperArguments.push({ callee, parameter: parameter.name, roots: additiveRoots(value) });
          });
        }
      } else if (node.type === 'assignment' || node.type === 'augmented_assignment') {
        const left = field(node, 'left');
        const right = field(node, 'right');
        if (left?.type === 'identifier' && right) data.assignments.set(left.text, [...(data.assignments.get(left.text) ?? []), ...additiveRoots(right)]);
      }
    });
    collected.set(kernel.name, data);
    calls.set(kernel.name, called);
  }
  for (let round = 0; round < 4; round++) {
    let changed = false;
    for (const kernel of kernels.values()) {
      const data = collected.get(kernel.name)!;
      const pending = [...data.addressRoots];
      for (const use of data.helperArguments) {
        if (kernels.get(use.callee)?.pointerParameters.has(use.parameter)) pending.push(...use.roots);
      }
      const reached = new Set<string>();
      while (pending.length) {
        const name = pending.pop()!;
        if (reached.has(name)) continue;
        reached.add(name);
        pending.push(...(data.assignments.get(name) ?? []));
      }
      for (const parameter of kernel.parameters) {
        if (reached.has(parameter.name) && !parameter.constexpr && !kernel.pointerParameters.has(parameter.name)) {
          kernel.pointerParameters.add(parameter.name);
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return calls;
}

function additiveRoots(node: SyntaxNode): string[] {
  switch (node.type) {
    case 'identifier': return [node.text];
    case 'parenthesized_expression': return namedChildren(node).flatMap(additiveRoots);
    case 'binary_operator': {
      const operator = field(node, 'operator')?.text;
      if (operator !== '+' && operator !== '-') return [];
      return [field(node, 'left'), field(node, 'right')].flatMap((c) => (c ? additiveRoots(c) : []));
    }
    case 'subscript': {
      const value = field(node, 'value');
      return value ? additiveRoots(value) : [];
    }
    case 'conditional_expression': {
      const [a, , b] = namedChildren(node);
      return [a, b].flatMap((c) => (c ? additiveRoots(c) : []));
    }
    case 'call': {
      const callee = dottedName(field(node, 'function')) ?? '';
      if (/(advance|make_block_ptr|make_tensor_descriptor|multiple_of|max_contiguous)$/.test(callee)) {
        const first = argument(callArguments(node), 0, 'base');
        return first ? additiveRoots(first) : [];
      }
      return [];
    }
    default: return [];
  }
}


/** `# memwall: n_cols=3000 M=4096` sizes, needed at extraction to evaluate next_power_of_2 and min on symbols. */
function readMagicSizes(text: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const match of text.matchAll(/#\s*memwall:([^\n]*)/g)) {
    for (const pair of match[1].matchAll(/([A-Za-z_]\w*)\s*=\s*(\d+(?:\.\d+)?)/g)) sizes.set(pair[1], Number(pair[2]));
  }
  return sizes;
}

function joinSpans(a: Span, b: Span): Span {
  return { start: a.start, startLine: a.startLine, startColumn: a.startColumn, end: b.end, endLine: b.endLine, endColumn: b.endColumn };
}

// ---- launches ----

interface Configuration {
  readonly values: Map<string, HostValue>;
  readonly label: 'first autotune config' | 'launch-site constexprs';
  /** `BLOCK_SIZE_M 32–128` across the autotune configs, for the description. */
  readonly ranges: string[];
  readonly count: number;
}

class Extractor {
  readonly launched = new Set<string>();
  private launchPattern: RegExp | undefined;

  constructor(
    private readonly builder: GraphBuilder,
    private readonly host: HostEvaluator,
    private readonly definitions: Definitions,
    private readonly moduleEnvironment: HostEnvironment,
  ) {}

  walkWrapper(functionNode: SyntaxNode, scope: string): void {
    // A cheap look at the text first: most functions of a file launch nothing and need no walk.
    this.launchPattern ??= new RegExp(`\\b(${[...this.definitions.kernels.keys()].map(escapeRegExp).join('|')})\\s*\\[`);
    if (!this.launchPattern.test(functionNode.text)) return;
    const environment: HostEnvironment = new Map(this.moduleEnvironment);
    for (const parameter of namedChildren(field(functionNode, 'parameters'))) {
      const name = parameter.type === 'identifier' ? parameter.text : field(parameter, 'name')?.text
        ?? namedChildren(parameter).find((c) => c.type === 'identifier')?.text;
      if (!name || name === 'self' || name === 'ctx') continue;
      const defaultValue = field(parameter, 'value');
      const value = defaultValue ? this.host.evaluate(defaultValue, environment, name) : undefined;
      environment.set(name, value && value.kind !== 'unknown' && value.kind !== 'none' ? value : { kind: 'parameter', name });
    }
    this.host.preferredShapeNames = this.shapeNamesFromLaunches(functionNode);
    const body = field(functionNode, 'body');
    if (body) this.walkBlock(body, environment, scope, num(1));
  }

  /** `kernel[grid](..., N_CTX=q.shape[2])`: the size `q.shape[2]` is called N_CTX everywhere in the wrapper. */
  private shapeNamesFromLaunches(functionNode: SyntaxNode): Map<string, string> {
    const names = new Map<string, string>();
    walkTypes(functionNode, CALLS, (node) => {
      const launch = this.launchOf(node);
      if (!launch) return;
      const args = callArguments(node);
      launch.kernel.parameters.forEach((parameter, index) => {
        const value = argument(args, index, parameter.name);
        const shape = value?.type === 'subscript' ? field(value, 'value') : undefined;
        const indexNode = value?.childForFieldName('subscript');
        if (!shape || shape.type !== 'attribute' || field(shape, 'attribute')?.text !== 'shape' || !indexNode) return;
        const key = `${field(shape, 'object')?.text}[${indexNode.text}]`;
        if (!names.has(key)) names.set(key, parameter.name);
      });
    });
    return names;
  }


  private launchOf(node: SyntaxNode): { kernel: KernelDefinition; grid: SyntaxNode } | undefined {
    if (node.type !== 'call') return undefined;
    const callee = field(node, 'function');
    if (callee?.type !== 'subscript') return undefined;
    const kernel = this.definitions.kernels.get(field(callee, 'value')?.text ?? '');
    const grid = field(callee, 'subscript');
    return kernel && grid ? { kernel, grid } : undefined;
  }

  private walkBlock(block: SyntaxNode, environment: HostEnvironment, scope: string, repeat: Dim): void {
    for (const statement of namedChildren(block)) {
      switch (statement.type) {
        case 'expression_statement': case 'return_statement':
          for (const expression of namedChildren(statement)) {
            this.launchesIn(expression, environment, scope, repeat);
            if (expression.type === 'assignment') {
              const left = field(expression, 'left');
              const right = field(expression, 'right');
              if (left && right) this.host.assign(left, right, environment);
            }
          }
          break;
        case 'function_definition': {
          // A nested `def grid(META): return (...)` is a grid function.
          const name = field(statement, 'name')?.text;
          const body = field(statement, 'body');
          const parameters = namedChildren(field(statement, 'parameters')).map((p) => p.text);
          if (name && body) environment.set(name, { kind: 'lambda', parameters, body, closure: environment });
          break;
        }
        case 'for_statement': {
          const right = field(statement, 'right');
          const body = field(statement, 'body');
          let trips: Dim = num(1);
          if (right?.type === 'call' && dottedName(field(right, 'function')) === 'range') {
            const args = callArguments(right).positional.map((a) => this.host.asDim(this.host.evaluate(a, environment), 'trips'));
            trips = args.length === 1 ? args[0] : add(args[1], mul(num(-1), args[0]));
          }
          if (body) this.walkBlock(body, environment, scope, mul(repeat, trips));
          break;
        }
        case 'if_statement': {
          const condition = field(statement, 'condition');
          const truth = condition ? this.host.evaluate(condition, environment) : undefined;
          const consequence = field(statement, 'consequence');
          const alternatives = namedChildren(statement).filter((c) => c.type === 'elif_clause' || c.type === 'else_clause');
          if (!(truth?.kind === 'bool' && !truth.value) && consequence) this.walkBlock(consequence, environment, scope, repeat);
          if (!(truth?.kind === 'bool' && truth.value)) {
            for (const clause of alternatives) {
              const body = field(clause, 'consequence') ?? field(clause, 'body');
              if (body) this.walkBlock(body, environment, scope, repeat);
            }
          }
          break;
        }
        case 'with_statement': case 'while_statement': case 'try_statement': {
          const body = field(statement, 'body');
          if (body) this.walkBlock(body, environment, scope, repeat);
          break;
        }
        default: break;
      }
    }
  }

  private launchesIn(node: SyntaxNode, environment: HostEnvironment, scope: string, repeat: Dim): void {
    if (node.type === 'lambda') return;
    for (const child of namedChildren(node)) this.launchesIn(child, environment, scope, repeat);
    const launch = this.launchOf(node);
    if (launch) this.priceLaunch(node, launch.kernel, launch.grid, environment, scope, repeat);
  }

  // ---- configurations ----

  private configuration(kernel: KernelDefinition, bound: Map<string, HostValue>): Configuration {
    const values = new Map<string, HostValue>();
    const ranges: string[] = [];
    let label: Configuration['label'] = 'launch-site constexprs';
    let count = 0;
    for (const decorator of kernel.decorators) {
      const call = namedChildren(decorator)[0];
      if (call?.type !== 'call') continue;
      const name = dottedName(field(call, 'function'));
      const args = callArguments(call);
      if (name === 'triton.autotune' || name === 'autotune') {
        const configs = this.autotuneConfigs(argument(args, 0, 'configs'));
        count = configs.length;
        if (configs.length) {
          for (const [key, value] of configs[0]) if (!bound.has(key)) {
            values.set(key, value);
            label = 'first autotune config';
          }
          for (const key of configs[0].keys()) {
            const numbers = configs.map((c) => c.get(key)).map((v) => (v?.kind === 'number' && v.dim.kind === 'num' ? v.dim.value : undefined)).filter((v): v is number => v !== undefined);
            if (numbers.length > 1 && Math.min(...numbers) !== Math.max(...numbers)) ranges.push(`${key} ${Math.min(...numbers)}–${Math.max(...numbers)}`);
          }
        }
      }
    }
    // Heuristics run after autotune's values are known: `lambda args: triton.next_power_of_2(args['N'])`.
    for (const decorator of kernel.decorators) {
      const call = namedChildren(decorator)[0];
      if (call?.type !== 'call' || !/heuristics$/.test(dottedName(field(call, 'function')) ?? '')) continue;
      const table = this.host.evaluate(argument(callArguments(call), 0, 'values')!, this.moduleEnvironment);
      if (table.kind !== 'dict') continue;
      const argumentsView: HostValue = { kind: 'dict', entries: new Map([...bound, ...values]) };
      for (const [key, heuristic] of table.entries) {
        if (heuristic.kind === 'lambda' && !bound.has(key)) values.set(key, this.host.callLambda(heuristic, [argumentsView]));
      }
    }
    return { values, label, ranges, count };
  }

  private autotuneConfigs(node: SyntaxNode | undefined): Map<string, HostValue>[] {
    if (!node) return [];
    let list: SyntaxNode | undefined = node;
    if (node.type === 'identifier') {
      for (const statement of this.definitions.moduleStatements) {
        const assignment = namedChildren(statement)[0];
        if (assignment?.type === 'assignment' && field(assignment, 'left')?.text === node.text) list = field(assignment, 'right') ?? undefined;
      }
    } else if (node.type === 'call') {
      const helper = this.definitions.moduleFunctions.get(dottedName(field(node, 'function')) ?? '');
      list = undefined;
      if (helper) walkTypes(helper, RETURNS, (n) => {
        list ??= namedChildren(n)[0];
      });
    }
    if (!list || list.type !== 'list') {
      this.host.notes.add('autotune configs are not a literal list: block sizes not read from them');
      return [];
    }
    const configs: Map<string, HostValue>[] = [];
    for (const element of namedChildren(list)) {
      if (element.type !== 'call' || !/Config$/.test(dottedName(field(element, 'function')) ?? '')) continue;
      const dictionary = argument(callArguments(element), 0, 'kwargs');
      const value = dictionary ? this.host.evaluate(dictionary, this.moduleEnvironment) : undefined;
      if (value?.kind === 'dict') configs.push(new Map(value.entries));
    }
    return configs;
  }

  // ---- pricing ----

  private priceLaunch(callNode: SyntaxNode, kernel: KernelDefinition, gridNode: SyntaxNode, environment: HostEnvironment, scope: string, repeat: Dim): void {
    this.launched.add(kernel.name);
    const args = callArguments(callNode);
    const bound = new Map<string, HostValue>();
    const argumentTexts = new Map<string, SyntaxNode>();
    kernel.parameters.forEach((parameter, index) => {
      const node = argument(args, index, parameter.name);
      if (!node) return;
      argumentTexts.set(parameter.name, node);
      bound.set(parameter.name, this.host.evaluate(node, environment, parameter.name));
    });
    const configuration = this.configuration(kernel, bound);
    for (const [key, value] of configuration.values) bound.set(key, value);
    for (const parameter of kernel.parameters) {
      if (!bound.has(parameter.name) && parameter.defaultValue) bound.set(parameter.name, this.host.evaluate(parameter.defaultValue, this.moduleEnvironment, parameter.name));
      // A block size nobody fixes stays a symbol of its own name, for the grid and the kernel alike (bind it with
      // a magic comment).
      if (!bound.has(parameter.name) && parameter.constexpr) bound.set(parameter.name, { kind: 'number', dim: sym(parameter.name) });
    }

    // The grid: a tuple, or a lambda/function of the meta-parameters.
    let gridValue = this.host.evaluate(gridNode, environment);
    if (gridValue.kind === 'lambda') gridValue = this.host.callLambda(gridValue, [{ kind: 'dict', entries: bound }]);
    const gridItems = gridValue.kind === 'tuple' ? gridValue.items : gridValue.kind === 'number' || gridValue.kind === 'parameter' ? [gridValue] : undefined;
    const notes: string[] = [];
    if (!gridItems) notes.push(`grid ${gridNode.text} not understood: programs is a symbol 'programs'`);
    const grid = gridItems ? gridItems.map((item, i) => this.host.asDim(item, `grid_${i}`)) : [sym('programs')];

    const kernelArguments = new Map<string, KernelValue>();
    const pointerTypes = new Map<string, ElementType>();
    const tensors = new Map<string, TensorRef>();
    for (const parameter of kernel.parameters) {
      const value = bound.get(parameter.name);
      if (!value) continue;
      if (kernel.pointerParameters.has(parameter.name) || value.kind === 'tensor') {
        const node = argumentTexts.get(parameter.name);
        const ref = this.host.asTensor(value, node?.text ?? parameter.name, node?.type === 'identifier' ? environment : undefined);
        if (ref) tensors.set(parameter.name, ref);
        pointerTypes.set(parameter.name, ref?.dtype ?? 'default');
        kernelArguments.set(parameter.name, { kind: 'pointer', base: parameter.name, shape: [], sig: parameter.name });
      } else {
        kernelArguments.set(parameter.name, toKernelValue(value, parameter.name));
      }
    }
    for (const name of kernel.pointerParameters) if (!pointerTypes.has(name)) pointerTypes.set(name, 'default');
    const run = interpretKernel(kernel, this.definitions.kernels, { arguments: kernelArguments, pointerTypes, grid });
    this.addOp({
      kernel, run, node: callNode, scope, repeat, grid, programs: product(grid), tensors, pointerTypes, configuration,
      kernelArguments, notes: [...notes, ...this.host.notes],
    });
  }

  priceWithoutLaunch(kernel: KernelDefinition): void {
    const configuration = this.configuration(kernel, new Map());
    const kernelArguments = new Map<string, KernelValue>();
    for (const [key, value] of configuration.values) kernelArguments.set(key, toKernelValue(value, key));
    const pointerTypes = new Map<string, ElementType>([...kernel.pointerParameters].map((p) => [p, 'default']));
    const run = interpretKernel(kernel, this.definitions.kernels, { arguments: kernelArguments, pointerTypes });
    for (const parameter of kernel.parameters) {
      if (!kernelArguments.has(parameter.name) && parameter.defaultValue) {
        kernelArguments.set(parameter.name, toKernelValue(this.host.evaluate(parameter.defaultValue, this.moduleEnvironment), parameter.name));
      }
    }
    this.addOp({
      kernel, run, node: kernel.definitionNode, scope: kernel.name, repeat: num(1), grid: undefined, programs: num(1),
      tensors: new Map(), pointerTypes, configuration, kernelArguments,
      notes: ['no launch site in this file: one program priced, all lanes active (masks ignored), block sizes as shown'],
    });
  }

  private addOp(launch: {
    kernel: KernelDefinition; run: KernelRun; node: SyntaxNode; scope: string; repeat: Dim; grid: Dim[] | undefined;
    programs: Dim; tensors: Map<string, TensorRef>; pointerTypes: Map<string, ElementType>; configuration: Configuration;
    kernelArguments: Map<string, KernelValue>; notes: string[];
  }): void {
    const { kernel, run, programs, tensors, pointerTypes } = launch;
    const launched = launch.grid !== undefined;
    const elementBytes = (pointer: string): Dim => {
      const dtype = pointerTypes.get(pointer);
      return dtype && dtype !== 'default' ? num(DTYPE_BYTES[dtype]) : sym(DTYPE_BYTES_SYMBOL);
    };
    // Masked-off lanes move no bytes; without a launch the mask's sizes are unknown, so every lane counts.
    const active = (access: Access): Dim => (launched ? mul(access.lanes, access.fraction) : access.lanes);
    const notes = [...launch.notes, ...run.notes];
    if (launched && run.accesses.some((a) => !(a.fraction.kind === 'num' && a.fraction.value === 1))) {
      notes.push('masked loads and stores: bytes count the active lanes only; FLOPs count every lane of each block, as the GPU runs them');
    }

    const pointers = kernel.parameters.map((p) => p.name).filter((p) => run.accesses.some((a) => a.pointer === p));
    const figures = (kind: 'load' | 'store') => {
      let requested: Dim = num(0);
      let compulsory: Dim = num(0);
      const touched: string[] = [];
      for (const pointer of pointers) {
        const accesses = run.accesses.filter((a) => a.pointer === pointer && a.kind === kind);
        if (!accesses.length) continue;
        touched.push(pointer);
        const bytes = elementBytes(pointer);
        requested = add(requested, mul(mul(sumDims(accesses.map(active)), programs), bytes));
        const shape = tensors.get(pointer)?.shape;
        if (shape && shape.every((d) => d.kind !== 'unknown')) {
          compulsory = add(compulsory, mul(product(shape), bytes));
        } else {
          // Without the tensor's size, each distinct address expression is taken to touch distinct bytes once.
          // Programs whose addresses do not depend on a grid axis share the bytes along it (W in a layer norm).
          const distinct = new Map<string, Access>();
          for (const access of accesses) if (!distinct.has(access.signature)) distinct.set(access.signature, access);
          const perAxis = (access: Access): Dim => programAxes(access.signature)
            .reduce<Dim>((acc, axis) => mul(acc, launch.grid?.[axis] ?? num(1)), num(1));
          compulsory = add(compulsory, mul(sumDims([...distinct.values()].map((a) => mul(active(a), perAxis(a)))), bytes));
          if (launched) notes.push(`size of ${pointer} unknown: its compulsory bytes are the bytes the kernel requests`);
        }
      }
      return { requested: final(requested), compulsory: final(compulsory), touched };
    };
    const reads = figures('load');
    const writes = figures('store');
    const perProgramBytes = final(sumDims(run.accesses.map((a) => mul(active(a), elementBytes(a.pointer)))));
    const perProgramFlops = final(run.flops);

    // Loads of one address expression at several sites re-read the same bytes (a multi-pass kernel).
    const rereads = new Map<string, Dim>();
    const seen = new Set<string>();
    for (const access of run.accesses) {
      if (access.kind !== 'load') continue;
      const key = `${access.pointer}|${access.signature}`;
      if (seen.has(key)) rereads.set(access.pointer, add(rereads.get(access.pointer) ?? num(0), mul(mul(active(access), programs), elementBytes(access.pointer))));
      seen.add(key);
    }

    const attrs: Record<string, AttrValue> = {
      kernel: kernel.name,
      flops: final(mul(perProgramFlops, programs)),
      bytesRead: reads.compulsory,
      bytesWritten: writes.compulsory,
      requestedBytes: final(add(reads.requested, writes.requested)),
      requestedBytesRead: reads.requested,
      requestedBytesWritten: writes.requested,
      programs: final(programs),
      perProgramFlops,
      perProgramBytes,
      pricedConfig: launch.configuration.label,
      launched,
      reductions: run.reductions,
    };
    if (launch.grid) attrs.grid = `(${launch.grid.map((d) => formatDim(d)).join(', ')})`;
    const blockSizes: string[] = [];
    for (const parameter of kernel.parameters) {
      const value = launch.kernelArguments.get(parameter.name);
      if (parameter.constexpr && value?.kind === 'scalar') {
        attrs[parameter.name] = value.dim;
        const shown = formatDim(value.dim);
        blockSizes.push(shown === parameter.name ? shown : `${parameter.name}=${shown}`);
      }
    }
    let description = blockSizes.join(', ');
    if (launch.configuration.label === 'first autotune config') {
      description += ` (first of ${launch.configuration.count} autotune configs${launch.configuration.ranges.length ? `; range ${launch.configuration.ranges.join(', ')}` : ''})`;
    }
    attrs.blockSizes = description;
    if (rereads.size) {
      attrs.rereadTensors = [...rereads.keys()].join(', ');
      attrs.rereadBytes = final(sumDims([...rereads.values()]));
    }
    const row = run.accesses.find((a) => a.rows.length > 0)?.rows[0];
    if (row) {
      attrs.rowLength = final(add(row.limit, mul(num(-1), row.start)));
      attrs.rowBlock = row.length;
    }
    const dot = run.dots[0];
    if (dot) {
      attrs.dotM = dot.m;
      attrs.dotN = dot.n;
      attrs.dotK = dot.k;
      attrs.dotCount = run.dots.length;
      const types = dot.operandTypes;
      attrs.dotOperandDtype = types.includes('fp32') ? 'fp32' : types.every((t) => t === 'default') ? 'default' : types.find((t) => t && t !== 'default') ?? 'default';
      attrs.dotInputPrecision = dot.inputPrecision;
      // fp32 operands with input_precision="ieee" run on the FMA units, not the tensor cores.
      attrs.unit = attrs.dotOperandDtype === 'fp32' && dot.inputPrecision === 'ieee' ? 'vector' : 'tensor';
      attrs.usesDot = attrs.unit === 'tensor';
      attrs.dotBlocks = run.dots.map((d) => `${formatDim(d.m)}x${formatDim(d.n)}x${formatDim(d.k)}`).join(', ');
    }

    const inputs: TensorValue[] = [];
    for (const pointer of reads.touched) {
      inputs.push(tensors.get(pointer)?.value ?? this.builder.value(null, pointerTypes.get(pointer) ?? 'default', `param ${pointer}`));
    }
    const outputs = writes.touched.map((pointer) => ({ shape: tensors.get(pointer)?.shape ?? null, dtype: tensors.get(pointer)?.dtype ?? 'default' as const }));
    const node = this.builder.addOp({
      op: 'triton.kernel', label: kernel.name, category: 'triton_kernel', inputs, attrs, span: spanOf(launch.node),
      scope: launch.scope, modulePath: '', repeat: launch.repeat, notes: [...new Set(notes)],
    }, outputs);
    // The stored tensors now hold this launch's results: a later launch that reads them depends on it.
    writes.touched.forEach((pointer, index) => {
      const ref = tensors.get(pointer);
      if (ref) ref.value = node.outputs[index];
    });
  }
}

/** The grid axes an address expression depends on: its signature names `pid0`, `pid1`... */
function programAxes(signature: string): number[] {
  return [...new Set([...signature.matchAll(/pid(\d)/g)].map((m) => Number(m[1])))];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Program ids and loop variables must not survive into a launch's figures. */
function final(dim: Dim): Dim {
  return atFirstIteration(dim);
}

function toKernelValue(value: HostValue, name: string): KernelValue {
  switch (value.kind) {
    case 'number': return kernelScalar(value.dim);
    case 'string': return { kind: 'const', value: value.value };
    case 'bool': return { kind: 'const', value: value.value };
    case 'none': return { kind: 'const', value: null };
    case 'dtype': return { kind: 'dtype', dtype: value.dtype };
    case 'parameter': return kernelScalar(sym(value.name));
    case 'tuple': return { kind: 'tuple', items: value.items.map((item) => toKernelValue(item, name)) };
    case 'tensor': return { kind: 'pointer', base: name, shape: [], sig: name };
    default: return kernelScalar(sym(name));
  }
}
