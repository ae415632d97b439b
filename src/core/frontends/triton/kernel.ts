// Reads one @triton.jit kernel abstractly: per program, the elements each pointer loads and stores, and the FLOPs.
import type { SyntaxNode } from '../../parse/parser';
import { bin, dimFunction, formatDim, num, product, sym, unknownDim, type Dim } from '../../ir/dims';
import { dtypeNamed } from '../../ir/dtypes';
import type { DType } from '../../ir/types';
import {
  add, atFirstIteration, cdiv, div, hasSymbolWithPrefix, isIterationDependent, loopVariableSymbol, mul,
  programIdSymbol, sub, substitute,
} from './dimtools';
import { argument, callArguments, dottedName, namedChildren, stringValue, type CallArguments, field } from './syntax';
import {
  ELEMENTWISE_FLOPS, FREE_PASSTHROUGH, languageFunction, NO_EFFECT, RANDOM_OPERATIONS, REDUCTIONS, SCANS, SHAPE_OPS,
} from './language';

export type ElementType = DType | 'default' | null;

/** Where an index block's lanes start and how many there are, along one axis: `pid*BLOCK + tl.arange(0, BLOCK)`. */
export interface AxisIndex {
  readonly start: Dim;
  readonly length: Dim;
}

/** `offsets < limit` on an axis of `length` lanes starting at `start`. */
export interface MaskConstraint extends AxisIndex {
  readonly limit: Dim;
}

export type KernelValue =
  | {
    readonly kind: 'scalar'; readonly dim: Dim; readonly data: boolean; readonly sig: string; readonly dtype: ElementType;
    /** A condition's share of programs or loop iterations for which it holds, when that is known (`pid < n`). */
    readonly probability?: Dim;
    /** A counter that cycles through `cycle` values, one per loop iteration (`ki = tl.where(ki == k - 1, 0, ki + 1)`). */
    readonly cycle?: Dim;
    /** `x == target`: what the condition compares, to recognise a cycling counter. */
    readonly equality?: { readonly subject: string; readonly target: Dim };
  }
  | {
    readonly kind: 'block'; readonly shape: readonly Dim[]; readonly data: boolean;
    readonly axes: readonly (AxisIndex | null)[]; readonly sig: string; readonly dtype: ElementType;
    /** Set when the block came from a comparison that bounds index lanes: a load/store mask. */
    readonly constraints?: readonly MaskConstraint[];
  }
  | { readonly kind: 'pointer'; readonly base: string; readonly shape: readonly Dim[]; readonly sig: string }
  | { readonly kind: 'descriptor'; readonly base: string; readonly blockShape: readonly Dim[] }
  | { readonly kind: 'tuple'; readonly items: readonly KernelValue[] }
  | { readonly kind: 'const'; readonly value: string | boolean | null }
  | { readonly kind: 'dtype'; readonly dtype: ElementType }
  | { readonly kind: 'function'; readonly name: string }
  /** `tl.pointer_type(tl.float16)`: a loaded address cast to it is a pointer to that element type. */
  | { readonly kind: 'pointer_type'; readonly element: ElementType }
  /** A name the kernel's file imports (`tanh` from libdevice), as its dotted name. */
  | { readonly kind: 'module'; readonly dotted: string }
  | { readonly kind: 'unknown'; readonly why: string };

export interface KernelParameter {
  readonly name: string;
  readonly constexpr: boolean;
  readonly defaultValue?: SyntaxNode;
}

export interface KernelDefinition {
  readonly name: string;
  readonly functionNode: SyntaxNode;
  /** The decorated definition (decorators included), the node a kernel without launch is reported on. */
  readonly definitionNode: SyntaxNode;
  readonly parameters: readonly KernelParameter[];
  /** Parameters that reach the address of a load or store: they receive tensors. */
  readonly pointerParameters: Set<string>;
  readonly decorators: readonly SyntaxNode[];
}

/** One tl.load or tl.store site, with everything needed to count its traffic. */
export interface Access {
  readonly pointer: string;
  readonly kind: 'load' | 'store';
  /** Lanes per program: block elements × trip counts of the loops around it. */
  readonly lanes: Dim;
  /** Share of the lanes the mask leaves active (1 without a mask), averaged over the programs and loop iterations. */
  readonly fraction: Dim;
  /**
   * Share of the lanes active in every program: the masks over a row from a fixed start (`offs < n_cols`), not the
   * tails of tiled ranges (the last program's, the last loop iteration's), which only a sized launch can average.
   */
  readonly programFraction: Dim;
  /** Rows the block covers from a fixed start: `tl.arange(0, BLOCK) < n_cols` (for the idle-lane rules). */
  readonly rows: readonly MaskConstraint[];
  /** The address expression, canonical: two loads with one signature read the same bytes. */
  readonly signature: string;
  readonly node: SyntaxNode;
}

export interface DotUse {
  readonly m: Dim;
  readonly n: Dim;
  readonly k: Dim;
  readonly operandTypes: readonly ElementType[];
  /** `tf32` (Triton's default for fp32 operands), `ieee` (allow_tf32=False), `tf32x3`. */
  readonly inputPrecision: string;
  readonly node: SyntaxNode;
}

export interface KernelRun {
  /** Element types of pointers the kernel loads from memory (tables of pointers), by their access name. */
  readonly loadedPointerTypes: ReadonlyMap<string, ElementType>;
  /**
   * Parameters the kernel reads through `tl._experimental_descriptor_load/store`: the host passes a TMA descriptor
   * there (a 128-byte buffer), not the tensor it describes.
   */
  readonly hostDescriptors: ReadonlySet<string>;
  readonly flops: Dim;
  readonly accesses: readonly Access[];
  readonly dots: readonly DotUse[];
  readonly reductions: number;
  readonly notes: readonly string[];
}

/** How the interpreter sees the launch: arguments and the grid, for tl.num_programs and trip averages. */
export interface KernelLaunchContext {
  readonly arguments: ReadonlyMap<string, KernelValue>;
  readonly pointerTypes: ReadonlyMap<string, ElementType>;
  /** Programs along each grid axis; absent without a launch site. */
  readonly grid?: readonly Dim[];
  /** What a name the kernel does not define means in its file: a module-level constant or an imported function. */
  readonly globals?: (name: string) => KernelValue | undefined;
}

const MAX_INLINE_DEPTH = 8;
/** Deeper expressions are left unknown: CPython refuses more than 200 nested parentheses, and deeper ones overflow our stack. */
const MAX_EXPRESSION_DEPTH = 200;
const UNKNOWN = (why: string): KernelValue => ({ kind: 'unknown', why });
export const kernelScalar = (dim: Dim, data = false, sig = formatDim(dim), dtype: ElementType = null): KernelValue =>
  ({ kind: 'scalar', dim, data, sig, dtype });
const scalar = kernelScalar;
const isOne = (dim: Dim): boolean => dim.kind === 'num' && dim.value === 1;

class ReturnSignal {
  constructor(readonly value: KernelValue) {}
}

type Environment = Map<string, KernelValue>;

/** Runs a kernel body once, symbolically, and returns what one program does. */
export function interpretKernel(
  definition: KernelDefinition,
  kernels: ReadonlyMap<string, KernelDefinition>,
  launch: KernelLaunchContext,
): KernelRun {
  const interpreter = new Interpreter(kernels, launch);
  interpreter.callKernel(definition, launch.arguments, 0);
  return interpreter.result();
}

class Interpreter {
  private flops: Dim = num(0);
  private multiplier: Dim = num(1);
  private readonly accesses: Access[] = [];
  private readonly dots: DotUse[] = [];
  private reductions = 0;
  private readonly notes = new Set<string>();
  private expressionDepth = 0;
  private readonly loadedPointerTypes = new Map<string, ElementType>();
  private readonly hostDescriptors = new Set<string>();
  private cycles = 0;

  constructor(
    private readonly kernels: ReadonlyMap<string, KernelDefinition>,
    private readonly launch: KernelLaunchContext,
  ) {}

  result(): KernelRun {
    return {
      flops: this.flops, accesses: this.accesses, dots: this.dots, reductions: this.reductions, notes: [...this.notes],
      loadedPointerTypes: this.loadedPointerTypes, hostDescriptors: this.hostDescriptors,
    };
  }

  callKernel(definition: KernelDefinition, args: ReadonlyMap<string, KernelValue>, depth: number): KernelValue {
    const environment: Environment = new Map(args);
    for (const parameter of definition.parameters) {
      if (environment.has(parameter.name)) continue;
      if (parameter.defaultValue) environment.set(parameter.name, this.evaluate(parameter.defaultValue, environment, depth));
      else if (definition.pointerParameters.has(parameter.name)) {
        environment.set(parameter.name, { kind: 'pointer', base: parameter.name, shape: [], sig: parameter.name });
      } else environment.set(parameter.name, scalar(sym(parameter.name)));
    }
    const body = field(definition.functionNode, 'body');
    try {
      if (body) this.executeBlock(body, environment, depth);
    } catch (signal) {
      if (signal instanceof ReturnSignal) return signal.value;
      throw signal;
    }
    return { kind: 'const', value: null };
  }

  // ---- statements ----

  private executeBlock(block: SyntaxNode, environment: Environment, depth: number): void {
    for (const statement of namedChildren(block)) this.execute(statement, environment, depth);
  }

  private execute(statement: SyntaxNode, environment: Environment, depth: number): void {
    switch (statement.type) {
      case 'expression_statement':
        for (const child of namedChildren(statement)) this.executeExpression(child, environment, depth);
        return;
      case 'for_statement': return this.executeFor(statement, environment, depth);
      case 'while_statement': return this.executeWhile(statement, environment, depth);
      case 'if_statement': return this.executeIf(statement, environment, depth);
      case 'with_statement': {
        const body = field(statement, 'body');
        if (body) this.executeBlock(body, environment, depth);
        return;
      }
      case 'return_statement': {
        const value = namedChildren(statement)[0];
        throw new ReturnSignal(value ? this.evaluate(value, environment, depth) : { kind: 'const', value: null });
      }
      default:
        return;
    }
  }

  private executeExpression(node: SyntaxNode, environment: Environment, depth: number): void {
    if (node.type === 'assignment') {
      const left = field(node, 'left');
      const right = field(node, 'right');
      if (left && right) this.assign(left, this.evaluate(right, environment, depth), environment);
      return;
    }
    if (node.type === 'augmented_assignment') {
      const left = field(node, 'left');
      const right = field(node, 'right');
      const operator = field(node, 'operator')?.text.replace('=', '') ?? '+';
      if (!left || !right) return;
      const rightValue = this.evaluate(right, environment, depth);
      // `acc += tl.dot(a, b)` accumulates inside the MMA: the add is part of the dot's 2·M·N·K, not extra work.
      const isDot = right.type === 'call' && languageFunction(dottedName(field(right, 'function')) ?? '') === 'dot';
      const value = isDot ? rightValue : this.binary(operator, this.evaluate(left, environment, depth), rightValue);
      this.assign(left, value, environment);
      return;
    }
    this.evaluate(node, environment, depth);
  }

  private assign(target: SyntaxNode, value: KernelValue, environment: Environment): void {
    if (target.type === 'identifier') {
      // A size read from memory (`gk = tl.load(sizes + 2)`) is a run-time value: a symbol of the variable's name,
      // which a user can bind, rather than unknown everywhere it is used.
      if (value.kind === 'scalar' && value.data && value.dim.kind === 'unknown' && value.sig.startsWith('*')) {
        environment.set(target.text, { ...value, dim: sym(target.text) });
        return;
      }
      environment.set(target.text, value);
      return;
    }
    if (target.type === 'pattern_list' || target.type === 'tuple_pattern' || target.type === 'list_pattern') {
      const targets = namedChildren(target);
      targets.forEach((t, index) => {
        const item = value.kind === 'tuple' ? value.items[index] : undefined;
        this.assign(t, item ?? UNKNOWN('unpacking'), environment);
      });
    }
  }

  private executeFor(statement: SyntaxNode, environment: Environment, depth: number): void {
    const left = field(statement, 'left');
    const right = field(statement, 'right');
    const body = field(statement, 'body');
    if (!left || !right || !body) return;
    let trips: Dim;
    let start: Dim = num(0);
    let step: Dim = num(1);
    const callee = right.type === 'call' ? dottedName(field(right, 'function')) : undefined;
    if (callee && ['range', 'tl.range', 'tl.static_range', 'triton.language.range', 'triton.language.static_range'].includes(callee)) {
      const args = callArguments(right).positional.map((a) => this.dimOf(this.evaluate(a, environment, depth)));
      let stop: Dim;
      if (args.length === 1) stop = args[0] ?? unknownDim('range');
      else {
        start = args[0] ?? num(0);
        stop = args[1] ?? unknownDim('range');
        step = args[2] ?? num(1);
      }
      trips = isOne(step) ? sub(stop, start) : cdiv(sub(stop, start), step);
      const axis = programIdAxis(start);
      if (axis !== undefined && !isIterationDependent(stop) && !isIterationDependent(step) && this.launch.grid?.[axis]) {
        // A persistent loop, `for tile in tl.range(pid, num_tiles, NUM_SMS)`: the programs share the tiles, so one
        // runs num_tiles / programs of them on average (exact when the grid is no larger than the step, as a
        // persistent grid of min(NUM_SMS, num_tiles) programs is).
        trips = div(stop, this.launch.grid[axis] as Dim);
        this.notes.add(`the loop at line ${statement.startPosition.row + 1} strides over the tiles by program: each program runs its share of them (tiles / programs)`);
      }
    } else {
      this.notes.add(`the loop at line ${statement.startPosition.row + 1} is not over range(): its body is counted once`);
      trips = num(1);
    }
    const name = left.type === 'identifier' ? left.text : 'i';
    const variable = add(start, mul(loopVariableSymbol(name), step));
    this.assign(left, scalar(variable, false, `${name}`), environment);
    const saved = this.multiplier;
    this.multiplier = mul(saved, this.averageOverIterations(trips));
    try {
      this.executeBlock(body, environment, depth);
    } finally {
      this.multiplier = saved;
    }
  }

  /**
   * A trip count that depends on the program id (causal attention: `hi = (start_m + 1) * BLOCK_M`) is replaced by its
   * mean over the programs; one that depends on an outer loop variable by its value at the first iteration, noted.
   */
  private averageOverIterations(trips: Dim): Dim {
    let result = trips;
    if (hasSymbolWithPrefix(result, '__pid')) {
      const grid = this.launch.grid;
      result = substituteProgramIds(result, (axis) => (grid?.[axis] ? div(sub(grid[axis], num(1)), num(2)) : num(0)));
      this.notes.add(grid
        ? 'a loop trip count depends on the program id: it is averaged over the programs (exact for linear bounds)'
        : 'a loop trip count depends on the program id and there is no launch site: priced for program 0');
    }
    if (hasSymbolWithPrefix(result, '__loop_')) {
      result = atFirstIteration(result);
      this.notes.add('a loop trip count depends on an outer loop variable: priced at the outer loop\'s first iteration');
    }
    return result;
  }

  private executeIf(statement: SyntaxNode, environment: Environment, depth: number): void {
    const branches: { condition: SyntaxNode | null; body: SyntaxNode | null }[] = [
      { condition: field(statement, 'condition'), body: field(statement, 'consequence') },
    ];
    for (const clause of namedChildren(statement)) {
      if (clause.type === 'elif_clause') {
        branches.push({ condition: field(clause, 'condition'), body: field(clause, 'consequence') });
      } else if (clause.type === 'else_clause') {
        branches.push({ condition: null, body: field(clause, 'body') });
      }
    }
    this.executeBranches(branches, environment, depth);
  }

  private executeBranches(branches: readonly { condition: SyntaxNode | null; body: SyntaxNode | null }[], environment: Environment, depth: number): void {
    for (const [index, branch] of branches.entries()) {
      if (!branch.condition) {
        if (branch.body) this.executeBlock(branch.body, environment, depth);
        return;
      }
      const condition = this.evaluate(branch.condition, environment, depth);
      const known = truthOf(condition);
      if (known === false) continue;
      const probability = known === undefined && condition.kind === 'scalar' ? condition.probability : undefined;
      if (probability) {
        // Taken by a known share of the programs or iterations: its work counts that share, and the sizes it changes
        // take their expected value (`tiles_per_SM += 1` for the first num_tiles % NUM_SMS programs).
        const taken = new Map(environment);
        const otherwise = new Map(environment);
        this.withMultiplier(probability, () => branch.body && this.executeBlock(branch.body, taken, depth));
        this.withMultiplier(sub(num(1), probability), () => this.executeBranches(branches.slice(index + 1), otherwise, depth));
        for (const name of new Set([...taken.keys(), ...otherwise.keys()])) {
          const a = taken.get(name);
          const b = otherwise.get(name);
          environment.set(name, (a && b ? expected(a, b, probability) : a ?? b) as KernelValue);
        }
        return;
      }
      if (known === undefined && branch.body && endsInReturn(branch.body)) {
        // `if y == ignore_index: ...; return`: an early exit on a run-time value is the rare path (a row to skip),
        // and taking it would hide the kernel's work: the rest of the kernel is priced, and the exit is not.
        this.notes.add(`the early return at line ${branch.condition.startPosition.row + 1} depends on a run-time value: priced as not taken (the kernel's usual path)`);
        continue;
      }
      if (known === undefined) {
        this.notes.add(`the condition at line ${branch.condition.startPosition.row + 1} is not a compile-time constant: its branch is priced as taken`);
      }
      if (branch.body) this.executeBlock(branch.body, environment, depth);
      return;
    }
  }

  private withMultiplier(factor: Dim, run: () => unknown): void {
    const saved = this.multiplier;
    this.multiplier = mul(saved, factor);
    try {
      run();
    } finally {
      this.multiplier = saved;
    }
  }

  /**
   * `while tile_idx >= start and tile_idx < end: ...; tile_idx += NUM_SM`: a loop over a range of tiles strided by
   * program, which each program runs (end - start) / programs times on average (the grouped GEMM's scheduling).
   * Any other while loop has no static trip count: its body is counted once.
   */
  private executeWhile(statement: SyntaxNode, environment: Environment, depth: number): void {
    const body = field(statement, 'body');
    const condition = field(statement, 'condition');
    if (!body) return;
    const range = condition ? this.stridedRange(condition, body, environment, depth) : undefined;
    if (range) {
      this.notes.add(`the while loop at line ${statement.startPosition.row + 1} strides over a range of tiles by program: each program runs its share of them`);
      this.withMultiplier(range, () => this.executeBlock(body, environment, depth));
      return;
    }
    this.notes.add(`a while loop at line ${statement.startPosition.row + 1} has no static trip count: its body is counted once`);
    this.executeBlock(body, environment, depth);
  }

  /** Iterations per program of a while loop over `[start, end)` strided by the grid, or undefined. */
  private stridedRange(condition: SyntaxNode, body: SyntaxNode, environment: Environment, depth: number): Dim | undefined {
    let node = condition;
    while (node.type === 'parenthesized_expression' && namedChildren(node)[0]) node = namedChildren(node)[0] as SyntaxNode;
    const comparisons = node.type === 'boolean_operator' && field(node, 'operator')?.text === 'and'
      ? [field(node, 'left'), field(node, 'right')].filter((c): c is SyntaxNode => c !== null)
      : [node];
    let variable: string | undefined;
    let start: Dim = num(0);
    let end: Dim | undefined;
    for (const comparison of comparisons) {
      if (comparison.type !== 'comparison_operator') return undefined;
      const [left, right] = namedChildren(comparison);
      const operator = comparison.children.find((c) => c && !c.isNamed)?.text;
      if (left?.type !== 'identifier' || !right) return undefined;
      variable ??= left.text;
      if (left.text !== variable) return undefined;
      const bound = this.evaluate(right, environment, depth);
      if (bound.kind !== 'scalar') return undefined;
      if (operator === '>=') start = bound.dim;
      else if (operator === '<') end = bound.dim;
      else return undefined;
    }
    const value = variable ? environment.get(variable) : undefined;
    if (!variable || !end || value?.kind !== 'scalar' || !hasSymbolWithPrefix(value.dim, '__pid')) return undefined;
    const strided = body.descendantsOfType('augmented_assignment').some((a) => a && field(a, 'left')?.text === variable && field(a, 'operator')?.text === '+=');
    const axis = [...formatDim(value.dim).matchAll(/__pid(\d)/g)].map((m) => Number(m[1]))[0] ?? 0;
    const programs = this.launch.grid?.[axis];
    if (!strided || !programs) return undefined;
    return div(sub(end, start), programs);
  }

  // ---- expressions ----

  private dimOf(value: KernelValue): Dim {
    if (value.kind === 'scalar') return value.dim;
    if (value.kind === 'const' && typeof value.value === 'boolean') return num(value.value ? 1 : 0);
    return unknownDim(value.kind === 'unknown' ? value.why : `a ${value.kind} used as a size`);
  }

  private shapeOf(value: KernelValue): Dim[] | undefined {
    if (value.kind === 'tuple') return value.items.map((i) => this.dimOf(i));
    if (value.kind === 'scalar') return [value.dim];
    return undefined;
  }

  private count(elements: Dim): void {
    this.flops = add(this.flops, mul(elements, this.multiplier));
  }

  evaluate(node: SyntaxNode, environment: Environment, depth: number): KernelValue {
    if (this.expressionDepth >= MAX_EXPRESSION_DEPTH) {
      this.notes.add(`an expression nests deeper than ${MAX_EXPRESSION_DEPTH} levels: its inner part is unknown`);
      return UNKNOWN('expression nested too deep');
    }
    this.expressionDepth++;
    try {
      return this.evaluateExpression(node, environment, depth);
    } finally {
      this.expressionDepth--;
    }
  }

  private evaluateExpression(node: SyntaxNode, environment: Environment, depth: number): KernelValue {
    switch (node.type) {
      case 'identifier': {
        const value = environment.get(node.text);
        if (value) return value;
        if (this.kernels.has(node.text)) return { kind: 'function', name: node.text };
        return this.launch.globals?.(node.text) ?? UNKNOWN(`name ${node.text}`);
      }
      case 'integer': {
        const value = Number(node.text.replace(/_/g, ''));
        return Number.isFinite(value) ? scalar(num(value)) : UNKNOWN(node.text);
      }
      case 'float': {
        const value = Number(node.text.replace(/_/g, ''));
        return Number.isFinite(value) ? scalar(num(value)) : UNKNOWN(node.text);
      }
      case 'true': return { kind: 'const', value: true };
      case 'false': return { kind: 'const', value: false };
      case 'none': return { kind: 'const', value: null };
      case 'string': return { kind: 'const', value: stringValue(node) };
      case 'parenthesized_expression': {
        const inner = namedChildren(node)[0];
        return inner ? this.evaluate(inner, environment, depth) : UNKNOWN('()');
      }
      case 'tuple': case 'list': case 'expression_list':
        return { kind: 'tuple', items: namedChildren(node).map((c) => this.evaluate(c, environment, depth)) };
      case 'binary_operator': {
        const left = field(node, 'left');
        const right = field(node, 'right');
        const operator = field(node, 'operator')?.text ?? '';
        if (!left || !right) return UNKNOWN('operator');
        return this.binary(operator, this.evaluate(left, environment, depth), this.evaluate(right, environment, depth));
      }
      case 'boolean_operator': {
        const left = field(node, 'left');
        const right = field(node, 'right');
        const operator = field(node, 'operator')?.text ?? 'and';
        if (!left || !right) return UNKNOWN('operator');
        const a = truthOf(this.evaluate(left, environment, depth));
        const b = truthOf(this.evaluate(right, environment, depth));
        if (a === undefined || b === undefined) return UNKNOWN('condition');
        return { kind: 'const', value: operator === 'and' ? a && b : a || b };
      }
      case 'not_operator': {
        const argumentNode = field(node, 'argument');
        const truth = argumentNode ? truthOf(this.evaluate(argumentNode, environment, depth)) : undefined;
        return truth === undefined ? UNKNOWN('not') : { kind: 'const', value: !truth };
      }
      case 'unary_operator': {
        const argumentNode = field(node, 'argument');
        const operator = field(node, 'operator')?.text ?? '-';
        if (!argumentNode) return UNKNOWN('unary');
        const value = this.evaluate(argumentNode, environment, depth);
        if (operator === '+') return value;
        if (value.kind === 'scalar' && !value.data) return scalar(bin('-', num(0), value.dim));
        return this.elementwise([value], 1);
      }
      case 'comparison_operator': {
        const operands = namedChildren(node);
        const operator = node.children.find((c) => c && !c.isNamed)?.text ?? '<';
        const [left, right] = operands;
        if (operands.length !== 2 || !left || !right) return UNKNOWN('chained comparison');
        return this.compare(operator, this.evaluate(left, environment, depth), this.evaluate(right, environment, depth));
      }
      case 'conditional_expression': {
        const [whenTrue, condition, whenFalse] = namedChildren(node);
        const truth = condition ? truthOf(this.evaluate(condition, environment, depth)) : undefined;
        if (truth === false && whenFalse) return this.evaluate(whenFalse, environment, depth);
        return whenTrue ? this.evaluate(whenTrue, environment, depth) : UNKNOWN('conditional');
      }
      case 'subscript': return this.subscript(node, environment, depth);
      case 'attribute': return this.attribute(node, environment, depth);
      case 'call': return this.call(node, environment, depth);
      default:
        return UNKNOWN(node.type);
    }
  }

  private attribute(node: SyntaxNode, environment: Environment, depth: number): KernelValue {
    const dotted = dottedName(node);
    const name = dotted ? languageFunction(dotted) : undefined;
    const dtype = name ? dtypeNamed(name) : undefined;
    if (dtype) return { kind: 'dtype', dtype };
    const objectNode = field(node, 'object');
    const attribute = field(node, 'attribute')?.text ?? '';
    if (!objectNode) return UNKNOWN('attribute');
    // `Out.type.element_ty`, `x.dtype`: the element type of a pointer or a block.
    if (attribute === 'element_ty' || attribute === 'dtype') {
      const base = dotted?.split('.')[0];
      if (base && this.launch.pointerTypes.has(base)) return { kind: 'dtype', dtype: this.launch.pointerTypes.get(base) ?? null };
    }
    const object = this.evaluate(objectNode, environment, depth);
    if (attribute === 'T' && object.kind === 'block') return { ...object, shape: [...object.shape].reverse(), axes: [...object.axes].reverse() };
    if (attribute === 'dtype' && object.kind === 'block') return { kind: 'dtype', dtype: object.dtype };
    if (attribute === 'shape' && object.kind === 'block') return { kind: 'tuple', items: object.shape.map((d) => scalar(d)) };
    if (attribute === 'type' && object.kind === 'pointer') return object;
    return UNKNOWN(`attribute ${attribute}`);
  }

  private subscript(node: SyntaxNode, environment: Environment, depth: number): KernelValue {
    const valueNode = field(node, 'value');
    if (!valueNode) return UNKNOWN('subscript');
    const value = this.evaluate(valueNode, environment, depth);
    const indices = node.children.filter((c, i) => c && node.fieldNameForChild(i) === 'subscript') as SyntaxNode[];
    if (value.kind === 'tuple') {
      const index = indices[0] ? this.dimOf(this.evaluate(indices[0], environment, depth)) : undefined;
      if (index?.kind === 'num') return value.items[index.value < 0 ? value.items.length + index.value : index.value] ?? UNKNOWN('index');
      return UNKNOWN('index');
    }
    if (value.kind !== 'block' && value.kind !== 'pointer' && value.kind !== 'scalar') return UNKNOWN('subscript');
    // `x[:, None]`, `x[None, :]`: slices keep an axis, None inserts one of length 1.
    const shape: Dim[] = [];
    const axes: (AxisIndex | null)[] = [];
    const sourceShape = value.kind === 'scalar' ? [] : value.shape;
    const sourceAxes = value.kind === 'block' ? value.axes : sourceShape.map(() => null);
    let position = 0;
    for (const index of indices) {
      if (index.type === 'none') {
        shape.push(num(1));
        axes.push(null);
      } else if (index.type === 'slice' || index.type === 'ellipsis') {
        const dim = sourceShape[position];
        if (dim !== undefined) {
          shape.push(dim);
          axes.push(sourceAxes[position] ?? null);
        }
        position++;
      } else {
        position++; // an integer index drops the axis
      }
    }
    sourceShape.slice(position).forEach((dim, i) => {
      shape.push(dim);
      axes.push(sourceAxes[position + i] ?? null);
    });
    const sig = `${value.kind === 'scalar' ? value.sig : value.sig}[${indices.map((i) => i.text).join(',')}]`;
    if (value.kind === 'pointer') return { ...value, shape, sig };
    if (value.kind === 'scalar') return { kind: 'block', shape, axes, data: value.data, sig, dtype: value.dtype };
    return { ...value, shape, axes, sig, constraints: value.constraints };
  }

  // ---- arithmetic ----

  binary(operator: string, a: KernelValue, b: KernelValue): KernelValue {
    if (a.kind === 'unknown') a = scalar(unknownDim(a.why), false, '?');
    if (b.kind === 'unknown') b = scalar(unknownDim(b.why), false, '?');
    if ((operator === '+' || operator === '-') && a.kind === 'pointer' && (b.kind === 'scalar' || b.kind === 'block')) {
      const shape = b.kind === 'block' ? broadcast(a.shape, b.shape) : a.shape;
      return { kind: 'pointer', base: a.base, shape, sig: `${a.sig}${operator}${b.sig}` };
    }
    if (operator === '+' && b.kind === 'pointer' && (a.kind === 'scalar' || a.kind === 'block')) return this.binary('+', b, a);
    if (a.kind === 'const' && b.kind === 'const') {
      if (operator === '&' || operator === 'and') return { kind: 'const', value: Boolean(a.value) && Boolean(b.value) };
      if (operator === '|' || operator === 'or') return { kind: 'const', value: Boolean(a.value) || Boolean(b.value) };
    }
    if (a.kind === 'const' && typeof a.value === 'boolean') a = scalar(num(a.value ? 1 : 0));
    if (b.kind === 'const' && typeof b.value === 'boolean') b = scalar(num(b.value ? 1 : 0));
    if (a.kind === 'scalar' && b.kind === 'scalar') {
      const data = a.data || b.data;
      if (data) this.count(num(1));
      const dimOperator = ({ '+': '+', '-': '-', '*': '*', '//': '//', '/': '/', '%': '%' } as const)[operator as '+'];
      const dim = dimOperator ? bin(dimOperator, a.dim, b.dim) : unknownDim(operator);
      return scalar(dim, data, `(${a.sig}${operator}${b.sig})`, a.data ? a.dtype : b.dtype);
    }
    if ((a.kind === 'block' || a.kind === 'scalar') && (b.kind === 'block' || b.kind === 'scalar')) {
      // Two masks joined by `&` bound both axes.
      if (operator === '&' && a.kind === 'block' && b.kind === 'block' && (a.constraints || b.constraints)) {
        return {
          kind: 'block', shape: broadcast(a.shape, b.shape), axes: mergeAxes(a, b), data: false, sig: `${a.sig}&${b.sig}`,
          dtype: 'bool', constraints: [...(a.constraints ?? []), ...(b.constraints ?? [])],
        };
      }
      const data = a.data || b.data;
      const shapeA = a.kind === 'block' ? a.shape : [];
      const shapeB = b.kind === 'block' ? b.shape : [];
      const shape = broadcast(shapeA, shapeB);
      if (data) this.count(product(shape));
      let axes = mergeAxes(a, b);
      // An index shifted by a scalar keeps its lanes and moves its start: `block_start + tl.arange(0, BLOCK)`.
      if ((operator === '+' || operator === '-') && !data) {
        const shift = a.kind === 'scalar' ? a.dim : b.kind === 'scalar' ? b.dim : undefined;
        if (shift) axes = axes.map((axis) => axis && { ...axis, start: bin(operator, axis.start, shift) });
      } else if (operator !== '*' && operator !== '+' && operator !== '-') {
        axes = axes.map(() => null);
      }
      return {
        kind: 'block', shape, axes, data, sig: `(${a.sig}${operator}${b.sig})`,
        dtype: data ? ((a.data ? a.dtype : (b as { dtype: ElementType }).dtype) ?? null) : null,
      };
    }
    return UNKNOWN(`${a.kind} ${operator} ${b.kind}`);
  }

  private compare(operator: string, a: KernelValue, b: KernelValue): KernelValue {
    if (a.kind === 'const' || b.kind === 'const' || a.kind === 'dtype' || b.kind === 'dtype') {
      const left = a.kind === 'const' ? a.value : a.kind === 'dtype' ? a.dtype : a.kind === 'scalar' && a.dim.kind === 'num' ? a.dim.value : undefined;
      const right = b.kind === 'const' ? b.value : b.kind === 'dtype' ? b.dtype : b.kind === 'scalar' && b.dim.kind === 'num' ? b.dim.value : undefined;
      if (left === undefined || right === undefined) return UNKNOWN('comparison');
      if (operator === '==' || operator === 'is') return { kind: 'const', value: left === right };
      if (operator === '!=' || operator === 'is not') return { kind: 'const', value: left !== right };
      return UNKNOWN('comparison');
    }
    if (a.kind === 'scalar' && b.kind === 'scalar') {
      if (a.dim.kind === 'num' && b.dim.kind === 'num') {
        const x = a.dim.value;
        const y = b.dim.value;
        const table: Readonly<Record<string, boolean | undefined>> = { '<': x < y, '<=': x <= y, '>': x > y, '>=': x >= y, '==': x === y, '!=': x !== y };
        const truth = table[operator];
        if (truth !== undefined) return { kind: 'const', value: truth };
      }
      if (a.data || b.data) this.count(num(1));
      const result = scalar(unknownDim('comparison'), a.data || b.data, `(${a.sig}${operator}${b.sig})`, 'bool');
      const probability = this.probabilityOf(operator, a, b);
      const equality = operator === '==' ? { subject: a.sig, target: b.dim } : undefined;
      return { ...result, ...(probability ? { probability } : {}), ...(equality ? { equality } : {}) } as KernelValue;
    }
    if ((a.kind === 'block' || a.kind === 'scalar') && (b.kind === 'block' || b.kind === 'scalar')) {
      const data = a.data || b.data;
      const shape = broadcast(a.kind === 'block' ? a.shape : [], b.kind === 'block' ? b.shape : []);
      if (data) this.count(product(shape));
      // `offsets < limit` (or `limit > offsets`) bounds the lanes of an index block: a mask.
      let index: KernelValue = a;
      let limitValue: KernelValue = b;
      let op = operator;
      if (b.kind === 'block' && b.axes.some((x) => x) && !(a.kind === 'block' && a.axes.some((x) => x))) {
        index = b;
        limitValue = a;
        op = ({ '>': '<', '>=': '<=', '<': '>', '<=': '>=' } as Record<string, string>)[operator] ?? operator;
      }
      const constraints: MaskConstraint[] = [];
      if (!data && index.kind === 'block' && limitValue.kind === 'scalar' && (op === '<' || op === '<=')) {
        const limit = op === '<=' ? add(limitValue.dim, num(1)) : limitValue.dim;
        for (const axis of index.axes) if (axis) constraints.push({ ...axis, limit });
      }
      return {
        kind: 'block', shape, axes: mergeAxes(a, b), data, sig: `(${sigOf(a)}${operator}${sigOf(b)})`, dtype: 'bool', constraints,
      };
    }
    return UNKNOWN('comparison');
  }

  /** `tanh` imported from libdevice, `tle.program_id`: the dotted name the file's imports give a call. */
  private resolveImported(dotted: string): string | undefined {
    const [head, ...rest] = dotted.split('.');
    const value = head ? this.launch.globals?.(head) : undefined;
    return value?.kind === 'module' ? [value.dotted, ...rest].join('.') : undefined;
  }

  /**
   * The period of `tl.where(v == last, 0, v + 1)` (last + 1), read from the code (the first evaluation of v is often
   * a constant, so its values cannot tell), or undefined for any other where.
   */
  private cyclingCounter(args: CallArguments, environment: Environment, depth: number): Dim | undefined {
    const condition = argument(args, 0, 'condition');
    const whenTrue = argument(args, 1, 'x');
    const whenFalse = argument(args, 2, 'y');
    if (condition?.type !== 'comparison_operator' || whenTrue?.text !== '0' || whenFalse?.type !== 'binary_operator') return undefined;
    const [subject, last] = namedChildren(condition);
    if (subject?.type !== 'identifier' || !last || condition.children.find((c) => c && !c.isNamed)?.text !== '==') return undefined;
    if (field(whenFalse, 'left')?.text !== subject.text || field(whenFalse, 'operator')?.text !== '+' || field(whenFalse, 'right')?.text !== '1') return undefined;
    const bound = this.evaluate(last, environment, depth);
    return bound.kind === 'scalar' && !bound.data ? add(bound.dim, num(1)) : undefined;
  }

  /**
   * The share of programs (or iterations) for which a comparison holds, when it is known: a program id against a size
   * the programs share (`start_pid < num_tiles % NUM_SMS`), or a cycling counter against one of its values.
   */
  private probabilityOf(operator: string, a: Extract<KernelValue, { kind: 'scalar' }>, b: Extract<KernelValue, { kind: 'scalar' }>): Dim | undefined {
    const cycling = a.cycle ?? b.cycle;
    if (cycling && (operator === '==' || operator === '!=')) {
      const other = a.cycle ? b : a;
      if (other.data || isIterationDependent(other.dim)) return undefined;
      return operator === '==' ? div(num(1), cycling) : sub(num(1), div(num(1), cycling));
    }
    const flipped: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
    let [pid, bound, op] = [a.dim, b.dim, operator];
    if (programIdAxis(pid) === undefined) [pid, bound, op] = [b.dim, a.dim, flipped[operator] ?? operator];
    const axis = programIdAxis(pid);
    const programs = axis === undefined ? undefined : this.launch.grid?.[axis];
    if (axis === undefined || !programs || isIterationDependent(bound) || a.data || b.data) return undefined;
    // Programs 0..G-1: `pid < n` holds for n of them, `pid <= n` for n + 1.
    const below = (limit: Dim): Dim => clampFraction(div(limit, programs));
    switch (op) {
      case '<': return below(bound);
      case '<=': return below(add(bound, num(1)));
      case '>=': return sub(num(1), below(bound));
      case '>': return sub(num(1), below(add(bound, num(1))));
      default: return undefined;
    }
  }

  /** An elementwise function of blocks and scalars: `perElement` FLOPs per output element when it touches data. */
  private elementwise(values: readonly KernelValue[], perElement: number, dtype?: ElementType): KernelValue {
    const shapes = values.map((v) => (v.kind === 'block' ? v.shape : []));
    const shape = shapes.reduce<readonly Dim[]>((acc, s) => broadcast(acc, s), []);
    const data = values.some((v) => (v.kind === 'block' || v.kind === 'scalar') && v.data);
    if (data) this.count(mul(num(perElement), product(shape)));
    const first = values.find((v) => (v.kind === 'block' || v.kind === 'scalar') && v.data) as { dtype: ElementType } | undefined;
    const sig = `f(${values.map(sigOf).join(',')})`;
    if (shape.length === 0) return scalar(unknownDim('value'), data, sig, dtype ?? first?.dtype ?? null);
    return { kind: 'block', shape, axes: shape.map(() => null), data, sig, dtype: dtype ?? first?.dtype ?? null };
  }

  // ---- calls ----

  private call(node: SyntaxNode, environment: Environment, depth: number): KernelValue {
    const functionNode = field(node, 'function');
    if (!functionNode) return UNKNOWN('call');
    const args = callArguments(node);
    const dotted = dottedName(functionNode);
    const evaluateArgument = (index: number, keyword: string): KernelValue | undefined => {
      const argumentNode = argument(args, index, keyword);
      return argumentNode ? this.evaluate(argumentNode, environment, depth) : undefined;
    };

    // Calls to other @triton.jit functions are inlined with their arguments.
    if (dotted && this.kernels.has(dotted)) {
      if (depth >= MAX_INLINE_DEPTH) {
        this.notes.add(`${dotted} calls nest deeper than ${MAX_INLINE_DEPTH}: not inlined further`);
        return UNKNOWN('recursion');
      }
      const helper = this.kernels.get(dotted)!;
      const bound = new Map<string, KernelValue>();
      helper.parameters.forEach((parameter, index) => {
        const value = argument(args, index, parameter.name);
        if (value) bound.set(parameter.name, this.evaluate(value, environment, depth));
      });
      return this.callKernel(helper, bound, depth + 1);
    }

    // Methods: `x.to(tl.float16)`, `desc.load([...])`, `x.sum(axis)`.
    if (functionNode.type === 'attribute' && !(dotted && languageFunction(dotted))) {
      const objectNode = field(functionNode, 'object');
      const method = field(functionNode, 'attribute')?.text ?? '';
      const object = objectNode ? this.evaluate(objectNode, environment, depth) : UNKNOWN('method');
      if (object.kind === 'descriptor') {
        const offsets = evaluateArgument(0, 'offsets');
        const pointer: KernelValue = { kind: 'pointer', base: object.base, shape: object.blockShape, sig: `${object.base}@desc(${offsets ? sigOf(offsets) : '?'})` };
        if (method === 'load') return this.load(node, pointer, undefined);
        if (method === 'store') {
          evaluateArgument(1, 'value');
          this.store(node, pointer, undefined);
          return { kind: 'const', value: null };
        }
      }
      if (method === 'to') {
        const target = evaluateArgument(0, 'dtype');
        if (target?.kind === 'pointer_type' && object.kind === 'scalar' && object.sig.startsWith('*')) {
          // A pointer read from a table of pointers (a grouped GEMM's per-group A, B, C): the tensors it points to
          // are named after the table, `group_a_ptrs[*]`, with the element type of the cast.
          const base = `${object.sig.slice(1).split(/[+\-(]/)[0]}[*]`;
          this.loadedPointerTypes.set(base, target.element);
          return { kind: 'pointer', base, shape: [], sig: base };
        }
        const dtype = target?.kind === 'dtype' ? target.dtype : null;
        if (object.kind === 'block') return { ...object, dtype };
        if (object.kind === 'scalar') return { ...object, dtype };
        return object;
      }
      if (REDUCTIONS.has(method) || SCANS.has(method)) return this.reduce(method, object, evaluateArgument(0, 'axis'));
      if (SHAPE_OPS.has(method)) return object;
      return UNKNOWN(`method ${method}`);
    }

    if (dotted === 'min' || dotted === 'max') {
      const values = args.positional.map((a) => this.evaluate(a, environment, depth));
      if (values.every((v) => v.kind === 'scalar' && !v.data)) {
        const dims = values.map((v) => (v as { dim: Dim }).dim);
        if (dims.every((d) => d.kind === 'num')) {
          const numbers = dims.map((d) => (d as { value: number }).value);
          return scalar(num(dotted === 'min' ? Math.min(...numbers) : Math.max(...numbers)));
        }
        // `min(head_start + GROUP, n_heads)`, `min(num_pid_m - first_pid_m, GROUP_SIZE_M)`: a size function, which
        // a trip count averages over the programs with the rest of its bounds.
        if (dims.every((d) => d.kind !== 'unknown')) return scalar(dimFunction(dotted === 'min' ? 'min' : 'max', dims));
      }
      return scalar(unknownDim(dotted));
    }
    if (dotted === 'float' || dotted === 'int') {
      const value = evaluateArgument(0, 'x');
      if (value?.kind === 'const' && typeof value.value === 'string') return scalar(unknownDim(value.value));
      return value ?? UNKNOWN(dotted);
    }

    const name = dotted ? languageFunction(dotted) ?? languageFunction(this.resolveImported(dotted) ?? '') : undefined;
    if (!name) {
      this.notes.add(`call to ${dotted ?? functionNode.text} inside the kernel is not understood`);
      return UNKNOWN(`call ${dotted}`);
    }
    if (NO_EFFECT.has(name)) return { kind: 'const', value: null };

    switch (name) {
      case 'program_id': {
        const axis = this.dimOf(evaluateArgument(0, 'axis') ?? scalar(num(0)));
        const index = axis.kind === 'num' ? axis.value : 0;
        return scalar(programIdSymbol(index), false, `pid${index}`);
      }
      case 'num_programs': {
        const axis = this.dimOf(evaluateArgument(0, 'axis') ?? scalar(num(0)));
        const index = axis.kind === 'num' ? axis.value : 0;
        return scalar(this.launch.grid?.[index] ?? sym(`num_programs_${index}`));
      }
      case 'cdiv': {
        const a = this.dimOf(evaluateArgument(0, 'x') ?? UNKNOWN('cdiv'));
        const b = this.dimOf(evaluateArgument(1, 'div') ?? UNKNOWN('cdiv'));
        return scalar(cdiv(a, b));
      }
      case 'arange': {
        const start = this.dimOf(evaluateArgument(0, 'start') ?? scalar(num(0)));
        const end = this.dimOf(evaluateArgument(1, 'end') ?? UNKNOWN('arange'));
        const length = sub(end, start);
        return { kind: 'block', shape: [length], axes: [{ start, length }], data: false, sig: `arange(${formatDim(start)},${formatDim(end)})`, dtype: 'int32' };
      }
      case 'zeros': case 'full': case 'empty': {
        const shape = this.shapeOf(evaluateArgument(0, 'shape') ?? UNKNOWN('shape')) ?? [unknownDim('shape')];
        const dtypeValue = name === 'full' ? evaluateArgument(2, 'dtype') : evaluateArgument(1, 'dtype');
        return { kind: 'block', shape, axes: shape.map(() => null), data: false, sig: name, dtype: dtypeValue?.kind === 'dtype' ? dtypeValue.dtype : null };
      }
      case 'zeros_like': case 'full_like': {
        const like = evaluateArgument(0, 'input');
        return like?.kind === 'block' ? { ...like, data: false, constraints: undefined, sig: name } : scalar(num(0));
      }
      case 'load': return this.load(node, evaluateArgument(0, 'pointer'), evaluateArgument(1, 'mask'));
      case 'store': {
        this.store(node, evaluateArgument(0, 'pointer'), evaluateArgument(2, 'mask'));
        evaluateArgument(1, 'value');
        return { kind: 'const', value: null };
      }
      case 'atomic_add': case 'atomic_max': case 'atomic_min': case 'atomic_xchg': case 'atomic_cas':
      case 'atomic_and': case 'atomic_or': case 'atomic_xor': {
        const pointer = evaluateArgument(0, 'pointer');
        const mask = evaluateArgument(2, 'mask');
        const loaded = this.load(node, pointer, mask);
        this.store(node, pointer, mask);
        this.elementwise([loaded, evaluateArgument(1, 'val') ?? UNKNOWN('val')], 1);
        return loaded;
      }
      case 'make_block_ptr': {
        const base = evaluateArgument(0, 'base');
        const blockShape = this.shapeOf(evaluateArgument(4, 'block_shape') ?? UNKNOWN('block_shape')) ?? [unknownDim('block_shape')];
        if (base?.kind !== 'pointer') return UNKNOWN('block pointer base');
        // The offsets' own signatures keep their dependence on program ids (pid0...) visible to the byte counts.
        const offsets = evaluateArgument(3, 'offsets');
        return { kind: 'pointer', base: base.base, shape: blockShape, sig: `${base.sig}@block(${offsets ? sigOf(offsets) : '?'})` };
      }
      case 'advance': return evaluateArgument(0, 'base') ?? UNKNOWN('advance');
      case 'make_tensor_descriptor': case '_experimental_make_tensor_descriptor': {
        const base = evaluateArgument(0, 'base');
        const blockShape = this.shapeOf(evaluateArgument(3, 'block_shape') ?? UNKNOWN('block_shape')) ?? [unknownDim('block_shape')];
        if (base?.kind !== 'pointer') return UNKNOWN('descriptor base');
        return { kind: 'descriptor', base: base.base, blockShape };
      }
      case 'pointer_type': {
        const element = evaluateArgument(0, 'element_ty');
        return { kind: 'pointer_type', element: element?.kind === 'dtype' ? element.dtype : null };
      }
      case '_experimental_descriptor_load': {
        // `tl._experimental_descriptor_load(desc, offsets, block_shape, dtype)`: one block of the tensor the host
        // descriptor describes.
        const descriptor = evaluateArgument(0, 'desc_pointer');
        const blockShape = this.shapeOf(evaluateArgument(2, 'shape') ?? UNKNOWN('block_shape')) ?? [unknownDim('block_shape')];
        const dtype = evaluateArgument(3, 'dtype');
        if (descriptor?.kind !== 'pointer') return UNKNOWN('descriptor');
        const offsets = evaluateArgument(1, 'offsets');
        this.hostDescriptors.add(descriptor.base);
        if (dtype?.kind === 'dtype') this.loadedPointerTypes.set(descriptor.base, dtype.dtype);
        const loaded = this.load(node, { kind: 'pointer', base: descriptor.base, shape: blockShape, sig: `${descriptor.base}@desc(${offsets ? sigOf(offsets) : '?'})` }, undefined);
        return loaded.kind === 'block' && dtype?.kind === 'dtype' ? { ...loaded, dtype: dtype.dtype } : loaded;
      }
      case '_experimental_descriptor_store': {
        const descriptor = evaluateArgument(0, 'desc_pointer');
        const value = evaluateArgument(1, 'value');
        const offsets = evaluateArgument(2, 'offsets');
        if (descriptor?.kind === 'pointer' && value?.kind === 'block') {
          // The host's tensor here is the descriptor itself (int8): the element type is the stored block's.
          this.hostDescriptors.add(descriptor.base);
          if (value.dtype && value.dtype !== 'default') this.loadedPointerTypes.set(descriptor.base, value.dtype);
          this.store(node, { kind: 'pointer', base: descriptor.base, shape: value.shape, sig: `${descriptor.base}@desc(${offsets ? sigOf(offsets) : '?'})` }, undefined);
        }
        return { kind: 'const', value: null };
      }
      case 'split': {
        // The last axis, of 2, split in two blocks.
        const value = evaluateArgument(0, 'a');
        if (value?.kind !== 'block') return { kind: 'tuple', items: [value ?? UNKNOWN('split'), value ?? UNKNOWN('split')] };
        const half: KernelValue = { ...value, shape: value.shape.slice(0, -1), axes: value.axes.slice(0, -1), constraints: undefined };
        return { kind: 'tuple', items: [half, half] };
      }
      case 'join': {
        const value = evaluateArgument(0, 'a');
        if (value?.kind !== 'block') return value ?? UNKNOWN('join');
        return { ...value, shape: [...value.shape, num(2)], axes: [...value.axes, null], constraints: undefined };
      }
      case 'rand': case 'randn': case 'randint': case 'rand4x': case 'randn4x': case 'randint4x': {
        // Random numbers from Philox counters: a data block shaped like the offsets, its integer rounds counted.
        const offsets = evaluateArgument(1, 'offset');
        const shape = offsets?.kind === 'block' ? offsets.shape : [];
        this.count(mul(num(RANDOM_OPERATIONS[name] ?? 0), product(shape)));
        const dtype: ElementType = name.startsWith('randint') ? 'int32' : 'fp32';
        const value: KernelValue = shape.length === 0
          ? scalar(unknownDim('random value'), true, `${name}()`, dtype)
          : { kind: 'block', shape, axes: shape.map(() => null), data: true, sig: `${name}(${offsets ? sigOf(offsets) : '?'})`, dtype };
        return name.endsWith('4x') ? { kind: 'tuple', items: [value, value, value, value] } : value;
      }
      case 'dot': return this.dot(node, args, environment, depth);
      case 'where': {
        const counter = this.cyclingCounter(args, environment, depth);
        const condition = evaluateArgument(0, 'condition');
        const values = [evaluateArgument(1, 'x'), evaluateArgument(2, 'y')].filter((v): v is KernelValue => !!v);
        if (counter) {
          // `ki = tl.where(ki == k_tiles - 1, 0, ki + 1)`: ki runs 0, 1, ..., k_tiles - 1 over and over, one step per
          // iteration (the flattened loop of a persistent kernel). Its value differs per iteration like a loop index.
          this.cycles++;
          const value: KernelValue = { kind: 'scalar', dim: loopVariableSymbol(`cycle${this.cycles}`), data: false, sig: `cycle${this.cycles}`, dtype: 'int32', cycle: counter };
          return value;
        }
        return this.elementwise(condition ? [condition, ...values] : values, ELEMENTWISE_FLOPS.where ?? 1);
      }
      case 'static_range': case 'range': return UNKNOWN('range outside a loop');
      default: break;
    }
    if (REDUCTIONS.has(name) || SCANS.has(name)) {
      return this.reduce(name, evaluateArgument(0, 'input') ?? UNKNOWN('reduce'), evaluateArgument(1, 'axis'));
    }
    if (FREE_PASSTHROUGH.has(name)) {
      const value = evaluateArgument(0, 'input') ?? UNKNOWN(name);
      const dtype = name === 'cast' || name === 'bitcast' ? evaluateArgument(1, 'dtype') : undefined;
      if (dtype?.kind === 'dtype' && (value.kind === 'block' || value.kind === 'scalar')) return { ...value, dtype: dtype.dtype };
      return value;
    }
    if (SHAPE_OPS.has(name)) return this.reshape(name, args, environment, depth);
    const flopsPerElement = ELEMENTWISE_FLOPS[name];
    if (flopsPerElement !== undefined) {
      const values = args.positional.map((a) => this.evaluate(a, environment, depth));
      return this.elementwise(values, flopsPerElement);
    }
    this.notes.add(`tl.${name} is not in MemWall's table: counted as 1 FLOP per element`);
    return this.elementwise(args.positional.map((a) => this.evaluate(a, environment, depth)), 1);
  }

  private reshape(name: string, args: CallArguments, environment: Environment, depth: number): KernelValue {
    const value = this.evaluate(argument(args, 0, 'input')!, environment, depth);
    if (value.kind !== 'block') return value;
    if (name === 'trans' || name === 'permute') {
      const order = args.positional.slice(1).map((a) => this.dimOf(this.evaluate(a, environment, depth)));
      const orderNode = args.positional[1];
      const flatOrder = order.length === 1 && orderNode ? (this.shapeOf(this.evaluate(orderNode, environment, depth)) ?? []) : order;
      const indices = flatOrder.length ? flatOrder.map((d) => (d.kind === 'num' ? d.value : 0)) : value.shape.map((_, i) => value.shape.length - 1 - i);
      const shape = indices.map((i) => value.shape[i]).filter((d): d is Dim => d !== undefined);
      // An order that names a dimension the block lacks is not Triton code; keep the block as it is.
      if (shape.length !== indices.length) return value;
      return { ...value, shape, axes: indices.map((i) => value.axes[i] ?? null) };
    }
    if (name === 'expand_dims') {
      const axis = this.dimOf(this.evaluate(argument(args, 1, 'axis')!, environment, depth));
      const position = axis.kind === 'num' ? (axis.value < 0 ? value.shape.length + 1 + axis.value : axis.value) : 0;
      const shape = [...value.shape];
      const axes = [...value.axes];
      shape.splice(position, 0, num(1));
      axes.splice(position, 0, null);
      return { ...value, shape, axes };
    }
    const shapeNode = argument(args, 1, 'shape');
    const shape = shapeNode
      ? this.shapeOf(this.evaluate(shapeNode, environment, depth)) ?? value.shape
      : value.shape;
    const rest = args.positional.slice(2).map((a) => this.dimOf(this.evaluate(a, environment, depth)));
    const full = rest.length ? [...shape, ...rest] : shape;
    return { ...value, shape: full, axes: full.map(() => null), constraints: undefined };
  }

  private reduce(name: string, input: KernelValue, axisValue: KernelValue | undefined): KernelValue {
    if (input.kind !== 'block') return input;
    if (input.data) this.count(product(input.shape));
    this.reductions++;
    if (SCANS.has(name)) return { ...input, axes: input.axes.map(() => null), constraints: undefined };
    const axis = axisValue?.kind === 'scalar' && axisValue.dim.kind === 'num' ? axisValue.dim.value : undefined;
    const dtype = name.startsWith('arg') ? 'int32' : input.dtype;
    if (axis === undefined) return scalar(unknownDim(name), input.data, `${name}(${input.sig})`, dtype);
    const position = axis < 0 ? input.shape.length + axis : axis;
    const shape = input.shape.filter((_, i) => i !== position);
    if (shape.length === 0) return scalar(unknownDim(name), input.data, `${name}(${input.sig})`, dtype);
    return { kind: 'block', shape, axes: input.axes.filter((_, i) => i !== position), data: input.data, sig: `${name}(${input.sig},${axis})`, dtype };
  }

  private dot(node: SyntaxNode, args: CallArguments, environment: Environment, depth: number): KernelValue {
    const a = this.evaluate(argument(args, 0, 'input') ?? argument(args, 0, 'a')!, environment, depth);
    const bNode = argument(args, 1, 'other') ?? argument(args, 1, 'b');
    const b = bNode ? this.evaluate(bNode, environment, depth) : UNKNOWN('dot');
    const accumulatorNode = argument(args, 2, 'acc');
    const accumulator = accumulatorNode ? this.evaluate(accumulatorNode, environment, depth) : undefined;
    const precisionNode = args.keywords.get('input_precision');
    const allowTf32Node = args.keywords.get('allow_tf32');
    let inputPrecision = 'tf32';
    if (precisionNode) {
      const value = this.evaluate(precisionNode, environment, depth);
      if (value.kind === 'const' && typeof value.value === 'string') inputPrecision = value.value;
    } else if (allowTf32Node) {
      const value = this.evaluate(allowTf32Node, environment, depth);
      if (value.kind === 'const' && value.value === false) inputPrecision = 'ieee';
    }
    const [m, k] = a.kind === 'block' && a.shape.length >= 2 ? a.shape.slice(-2) : [];
    const n = b.kind === 'block' && b.shape.length >= 2 ? b.shape.at(-1) : undefined;
    if (a.kind !== 'block' || b.kind !== 'block' || !m || !k || !n) {
      this.notes.add(`tl.dot at line ${node.startPosition.row + 1}: operand shapes unknown, FLOPs not counted`);
      this.flops = add(this.flops, unknownDim('tl.dot operand shapes'));
      return UNKNOWN('dot');
    }
    const batch = product(a.shape.slice(0, -2));
    this.count(mul(batch, mul(num(2), mul(m, mul(n, k)))));
    this.dots.push({ m, n, k, operandTypes: [a.dtype, b.dtype], inputPrecision, node });
    const outType = args.keywords.get('out_dtype');
    const outDtype = outType ? this.evaluate(outType, environment, depth) : undefined;
    const shape = [...a.shape.slice(0, -2), m, n];
    return {
      kind: 'block', shape, axes: shape.map(() => null), data: true, sig: `dot(${a.sig},${b.sig})`,
      dtype: outDtype?.kind === 'dtype' ? outDtype.dtype : accumulator?.kind === 'block' && accumulator.dtype ? accumulator.dtype : 'fp32',
    };
  }

  private load(node: SyntaxNode, pointer: KernelValue | undefined, mask: KernelValue | undefined): KernelValue {
    if (pointer?.kind !== 'pointer') {
      this.notes.add(`the address of the load at line ${node.startPosition.row + 1} does not come from a pointer argument: not counted`);
      return UNKNOWN('load');
    }
    this.record('load', node, pointer, mask);
    const dtype = this.launch.pointerTypes.get(pointer.base) ?? 'default';
    if (pointer.shape.length === 0) return scalar(unknownDim('loaded value'), true, `*${pointer.sig}`, dtype);
    return { kind: 'block', shape: pointer.shape, axes: pointer.shape.map(() => null), data: true, sig: `*${pointer.sig}`, dtype };
  }

  private store(node: SyntaxNode, pointer: KernelValue | undefined, mask: KernelValue | undefined): void {
    if (pointer?.kind !== 'pointer') {
      this.notes.add(`the address of the store at line ${node.startPosition.row + 1} does not come from a pointer argument: not counted`);
      return;
    }
    this.record('store', node, pointer, mask);
  }

  private record(kind: 'load' | 'store', node: SyntaxNode, pointer: Extract<KernelValue, { kind: 'pointer' }>, mask: KernelValue | undefined): void {
    const constraints = mask?.kind === 'block' ? mask.constraints ?? [] : [];
    let fraction: Dim = num(1);
    let programFraction: Dim = num(1);
    const rows: MaskConstraint[] = [];
    for (const constraint of constraints) {
      const iterationDependent = isIterationDependent(constraint.start) || isIterationDependent(constraint.limit) || constraint.start.kind === 'unknown'
        || (constraint.start.kind === 'bin' && hasUnknown(constraint.start));
      if (iterationDependent) {
        // Tiles at start = t·length for t over the programs or the loop cover [0, limit): limit elements in all.
        const start = hasUnknown(constraint.start) ? num(0) : atFirstIteration(constraint.start);
        const extent = sub(atFirstIteration(constraint.limit), start);
        fraction = mul(fraction, div(extent, mul(constraint.length, cdiv(extent, constraint.length))));
      } else {
        // One block over a row from a fixed start: `tl.arange(0, BLOCK) < n_cols` keeps n_cols of BLOCK lanes.
        const row = div(sub(constraint.limit, constraint.start), constraint.length);
        fraction = mul(fraction, row);
        programFraction = mul(programFraction, row);
        rows.push(constraint);
      }
    }
    this.accesses.push({
      pointer: pointer.base, kind, lanes: mul(product(pointer.shape), this.multiplier), fraction, programFraction, rows,
      signature: pointer.sig, node,
    });
  }
}

/** Whether a block's last statement is a `return`. */
function endsInReturn(block: SyntaxNode): boolean {
  const statements = namedChildren(block);
  return statements[statements.length - 1]?.type === 'return_statement';
}

/** The grid axis of a bare program id (`tl.program_id(0)`), else undefined. */
function programIdAxis(dim: Dim): number | undefined {
  if (dim.kind !== 'sym' || !dim.name.startsWith('__pid')) return undefined;
  return Number(dim.name.slice(5)) || 0;
}

/**
 * A variable after a branch taken with probability p: sizes take their expected value p·a + (1 − p)·b (exact for the
 * linear uses kernels make of them, a trip count or an offset); anything else keeps the taken branch's value.
 */
function expected(taken: KernelValue, otherwise: KernelValue, probability: Dim): KernelValue {
  if (taken === otherwise) return taken;
  if (taken.kind === 'scalar' && otherwise.kind === 'scalar' && !taken.data && !otherwise.data && taken.dim.kind !== 'unknown' && otherwise.dim.kind !== 'unknown') {
    return { ...taken, dim: add(otherwise.dim, mul(probability, sub(taken.dim, otherwise.dim))), sig: `E(${taken.sig}|${otherwise.sig})` };
  }
  return taken;
}

/** A fraction clamped to [0, 1]. */
function clampFraction(dim: Dim): Dim {
  return dimFunction('min', [num(1), dimFunction('max', [num(0), dim])]);
}

function hasUnknown(dim: Dim): boolean {
  if (dim.kind === 'unknown') return true;
  if (dim.kind === 'fn') return dim.args.some(hasUnknown);
  return dim.kind === 'bin' && (hasUnknown(dim.left) || hasUnknown(dim.right));
}

function substituteProgramIds(dim: Dim, replace: (axis: number) => Dim): Dim {
  return substitute(dim, (name) => (name.startsWith('__pid') ? replace(Number(name.slice(5)) || 0) : undefined));
}

function truthOf(value: KernelValue): boolean | undefined {
  if (value.kind === 'const') return value.value === null ? false : typeof value.value === 'boolean' ? value.value : value.value !== '';
  if (value.kind === 'scalar' && value.dim.kind === 'num') return value.dim.value !== 0;
  return undefined;
}

function sigOf(value: KernelValue): string {
  if (value.kind === 'tuple') return `(${value.items.map(sigOf).join(',')})`;
  return value.kind === 'scalar' || value.kind === 'block' || value.kind === 'pointer' ? value.sig : value.kind;
}

/** Numpy-style broadcasting of two symbolic shapes, aligned from the right. */
export function broadcast(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const length = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < length; i++) {
    const x = a[a.length - length + i];
    const y = b[b.length - length + i];
    if (x && y) out.push(isOne(x) ? y : x);
    else {
      const only = x ?? y;
      if (only) out.push(only);
    }
  }
  return out;
}

function mergeAxes(a: KernelValue, b: KernelValue): (AxisIndex | null)[] {
  const shapeA = a.kind === 'block' ? a.shape : [];
  const shapeB = b.kind === 'block' ? b.shape : [];
  const axesA = a.kind === 'block' ? a.axes : [];
  const axesB = b.kind === 'block' ? b.axes : [];
  const length = Math.max(shapeA.length, shapeB.length);
  const out: (AxisIndex | null)[] = [];
  for (let i = 0; i < length; i++) {
    const x = axesA[axesA.length - length + i];
    const y = axesB[axesB.length - length + i];
    out.push(x ?? y ?? null);
  }
  return out;
}
