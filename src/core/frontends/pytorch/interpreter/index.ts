// The PyTorch interpreter: runs Python code abstractly over symbolic tensors, emitting one OpNode per tensor op.
import type { Node as SyntaxNode } from 'web-tree-sitter';
//
// The work is split by what the code is: statements.ts and imports.ts run statements, expressions.ts evaluates
// expressions and hands attributes, subscripts, operators and calls to their files; calls.ts dispatches a call to
// builtins.ts (Python and torch helpers as a table), modules.ts (layers, user modules, configs), functions.ts (user
// functions and their parameters) or the catalog; emit.ts adds the ops. Every part takes the Interpreter below as its
// context; what a run accumulates lives in one InterpreterState (state.ts) that can be snapshot and restored.
import { num, type Dim } from '../../../ir/dims';
import type { GraphBuilder } from '../../../ir/graph';
import type { TensorValue } from '../../../ir/types';
import type { PythonParser } from '../../../parse/parser';
import type { ShapeLearner } from '../../../shapes/learn';
import type { FileContext } from '../files';
import { NameReader } from '../syntax';
import type { FileKernels } from '../../triton';
import type { ClassInfo, FunctionInfo, TritonKernel, Value } from '../values';
import { runRootClass, runRootFunction, runRootMethod, type GivenInput } from './entries';
import type { DriverWatch } from './drivers';
import type { Frame } from './frame';
import { recordScope, type DeclaredShape } from './functions';
import { rootConfigClasses } from './modules';
import { InterpreterState } from './state';
import { runBlock } from './statements';

export type { Frame } from './frame';
export { findEntry, type EntryTarget, type GivenInput } from './entries';
export type { CodeBinding, StateChanges, StateSnapshot } from './state';

export class Interpreter {
  readonly state: InterpreterState;
  /** Functions being run, innermost last: recursion is not followed, and `super()` needs the enclosing class. */
  readonly callStack: FunctionInfo[] = [];
  /** Shapes declared for a function's parameters (magic comments, unpacking), read once per function. */
  readonly declaredShapeCache = new Map<FunctionInfo, Map<string, DeclaredShape>>();
  /**
   * A function's parameters and body, fetched once: later runs and the shape scan then share the same Node objects,
   * which keep the children they were asked for (each fetch would make new ones).
   */
  readonly functionParts = new Map<FunctionInfo, { readonly parameters: SyntaxNode | null; readonly body: SyntaxNode | null }>();
  /** Workspace modules imported so far, by dotted name; their trees are deleted at the end of the run. */
  readonly openFiles = new Map<string, FileContext>();
  /** Identifiers read from the source text rather than the tree, where that is certain to agree. */
  readonly names = new NameReader();
  /** How deep the expression being evaluated is nested (see MAX_EXPRESSION_DEPTH). */
  expressionDepth = 0;
  /**
   * Writes into values that may have existed before: an attribute, item or entry set, a list, dict or module changed
   * in place by a method. repeats.ts counts a loop's later passes without running them only after a pass that wrote
   * none (so that what the next pass reads is what this one read).
   */
  writes = 0;
  /**
   * Set during a trial run (undoingAttributes): the attributes it set on modules and objects, each with what it held
   * before, so that the trial leaves the model as it found it (`self.cache_k = self.cache_k.to(x)` runs in the real run
   * on the cache `__init__` made).
   */
  attributeUndo: [Map<string, Value>, string, Value | undefined][] | undefined;
  /** Outputs of calls MemWall could not resolve (emit.ts assumedOutput), with the call's tensor inputs, for unpacking. */
  readonly assumedValues = new Map<number, readonly TensorValue[]>();
  /** Values whose shape follows from an assumed output (emit.ts), by id: the call it was assumed at, for the notes. */
  readonly assumedShapeOf = new Map<number, string>();
  /** One-hot masks (nonzero.ts), by value id: how many ones each holds, for the indices `torch.where(mask)` returns. */
  readonly onesOf = new Map<number, Dim>();
  /** Values made by `torch.arange` (1-D), which `indices.unsqueeze(-1) == torch.arange(E)` compares into a one-hot mask. */
  readonly ranges = new Set<number>();
  /** Each file's @triton.jit kernels as the Triton frontend reads them, found on the first launch. */
  readonly tritonFiles = new Map<FileContext, FileKernels>();
  /** Sizes read from tensors of unknown shape, by value id and index (`numel` for the element count): see sizes.ts. */
  readonly learnedSizes = new Map<number, Map<string, Dim>>();
  /** Per function, the kernel parameter each `x.shape[i]` of a launch feeds (see sizes.ts). */
  readonly launchSizeNames = new Map<FunctionInfo, Map<string, string>>();
  /** Each kernel function with its decorators applied (autotune configs, heuristics), evaluated once. */
  readonly tritonKernels = new Map<FunctionInfo, TritonKernel>();
  /** Set during the trial run of a root whose inputs nothing declares (entries.ts): it learns their shapes. */
  learner: ShapeLearner | undefined;
  /** Set during the trial run of a forward's driver (drivers.ts): the forward call it stops at. */
  driverWatch: DriverWatch | undefined;
  /** Forwards whose inputs their driver built (drivers.ts): the driver is then analysed as a root too. */
  readonly drivenForwards = new Set<FunctionInfo>();
  /** Input shapes the user gives without editing the file, by parameter name; they apply to every root's parameters of that name. */
  givenInputs: ReadonlyMap<string, GivenInput> = new Map();
  /** Symbols the user gives sizes for outside the file (`--dims n_kv_heads=8`): see modules.ts symbolFor. */
  boundSymbols: ReadonlySet<string> = new Set();
  /** The given inputs some root had a parameter for: the others are reported (an override must never be silently ignored). */
  readonly givenInputsUsed = new Set<string>();

  constructor(
    readonly builder: GraphBuilder,
    readonly main: FileContext,
    readonly modules: ReadonlyMap<string, string>,
    readonly parser: PythonParser,
    magicBindings: ReadonlyMap<string, number> = new Map(),
    /** The analysed file's dotted name, and the modules that are packages: what relative imports resolve from. */
    readonly moduleName?: string,
    readonly packages: ReadonlySet<string> = new Set(),
  ) {
    this.state = new InterpreterState(magicBindings);
  }

  /** Runs the file's top-level statements (imports, definitions, scripts, `__main__` blocks). */
  runModule(file: FileContext, emit = true): Frame {
    this.names.add(file.tree, file.text);
    // Module-level code beside definitions is a script that exercises them (example inputs, checks, benchmarks).
    const script = file.functions.size > 0 || file.classes.size > 0;
    const frame: Frame = { env: file.globals, file, scope: '<module>', path: '', repeat: num(1), emit, depth: 0, ...(script ? { harness: 'module-level script code' } : {}) };
    runBlock(this, file.root, frame);
    return frame;
  }

  /** Analyses an outermost module: builds an instance with symbolic constructor arguments and runs its forward. */
  runRootClass(cls: ClassInfo, existing?: Value): void {
    runRootClass(this, cls, existing);
  }

  /**
   * Analyses a function nobody calls (a snippet's function, a training step) with given, declared or learned inputs;
   * the module a builder returns runs its forward (always when the user named the function as an entry).
   */
  runRootFunction(fn: FunctionInfo, explicit = false): void {
    runRootFunction(this, fn, explicit);
  }

  /** Analyses `Class.method` named as an entry, on the instance the code built or a symbolic one. */
  runRootMethod(method: FunctionInfo): void {
    runRootMethod(this, method);
  }

  /** The classes of a file a root's untyped `config` may be built from (modules.ts rootConfigClasses). */
  rootConfigClasses(file: FileContext): ClassInfo[] {
    return rootConfigClasses(this, file);
  }

  /** Publishes the code bindings, explicit arguments before defaults, each symbol once. */
  flushBindings(): void {
    const ordered = [...this.state.codeBindings].sort((a, b) => a.priority - b.priority);
    for (const binding of ordered) this.builder.bindFromCode({ symbol: binding.symbol, value: binding.value, source: binding.source });
  }

  /** Declares every function of the main file as a scope, including ones that emitted nothing. */
  recordAllScopes(): void {
    for (const fn of this.main.functions.values()) if (!fn.tritonKernel) recordScope(this, fn);
    for (const cls of this.main.classes.values()) for (const fn of cls.methods.values()) if (!fn.tritonKernel) recordScope(this, fn);
  }

  /** Forgets what is kept by value id for ids from `first` on: a trial run's ids are handed out again (entries.ts). */
  forgetValuesFrom(first: number): void {
    for (const map of [this.assumedValues, this.assumedShapeOf, this.learnedSizes, this.onesOf] as Map<number, unknown>[]) {
      for (const id of map.keys()) if (id >= first) map.delete(id);
    }
    for (const id of this.ranges) if (id >= first) this.ranges.delete(id);
  }

  /** Runs a trial (entries.ts, drivers.ts) and sets back every attribute it set, last set first. */
  undoingAttributes(run: () => void): void {
    const outer = this.attributeUndo;
    const undo: [Map<string, Value>, string, Value | undefined][] = [];
    this.attributeUndo = undo;
    try {
      run();
    } finally {
      this.attributeUndo = outer;
      for (const [attrs, name, previous] of undo.reverse()) {
        if (previous === undefined) attrs.delete(name);
        else attrs.set(name, previous);
      }
    }
  }

  deleteTrees(): void {
    for (const file of this.openFiles.values()) file.tree.delete();
  }

  moduleFrame(file: FileContext): Frame {
    return { env: file.globals, file, scope: '<module>', path: '', repeat: num(1), emit: true, depth: 0 };
  }
}
