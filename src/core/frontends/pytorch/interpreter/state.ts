// What an interpreter run accumulates across roots: bindings found in the code, instances, coverage, layouts.
import { evalDim, type Dim } from '../../../ir/dims';
import type { Layout } from '../layout';
import type { ClassInfo, FunctionInfo, Value } from '../values';

/** A host tensor's numbers: whole numbers for an integer dtype, float32 values (as PyTorch computes them) otherwise. */
export interface KnownElements {
  readonly values: readonly number[];
  readonly integral: boolean;
}

/** A binding found in the code, with a priority: explicit arguments (1) outrank defaults (2). */
export interface CodeBinding {
  readonly symbol: string;
  readonly value: number;
  readonly source: string;
  readonly priority: number;
}

/** The state at one moment, enough to tell what a run added (roots.ts) or to undo it (restore). */
export interface StateSnapshot {
  readonly bindings: number;
  readonly covered: ReadonlySet<ClassInfo | FunctionInfo>;
  readonly instances: ReadonlyMap<ClassInfo, Value>;
  readonly scopesSeen: ReadonlySet<string>;
  readonly expressionTooDeepNoted: boolean;
  /** Value ids handed out so far: layouts of later values were set by the run. */
  readonly values: number;
}

/** What a run added to the state since a snapshot, in the order it happened. */
export interface StateChanges {
  readonly bindings: readonly CodeBinding[];
  readonly covered: readonly (ClassInfo | FunctionInfo)[];
  readonly instances: readonly ClassInfo[];
  readonly scopes: readonly string[];
  readonly expressionTooDeepNoted: boolean;
}

export class InterpreterState {
  readonly codeBindings: CodeBinding[] = [];
  /** Layouts of tensors that are not contiguous (absent means contiguous), by value id. */
  readonly layouts = new Map<number, Layout>();
  /**
   * Tensors of known numbers by value id (`torch.arange(depth) * w_a + w_0` in a config helper): their elements, so
   * that `.tolist()` gives numbers the code sizes layers with. One-dimensional, and only where every input is known.
   */
  readonly elements = new Map<number, KnownElements>();
  /** The first instance of each module class built by plain code (a script, `main()`), with its real arguments. */
  readonly instances = new Map<ClassInfo, Value>();
  /** Classes whose forward ran and functions that ran: they are not analysed again as roots. */
  readonly covered = new Set<ClassInfo | FunctionInfo>();
  /** Functions of the main file already recorded as scopes. */
  readonly scopesSeen = new Set<string>();
  expressionTooDeepNoted = false;
  /**
   * Lists built by a loop over a symbolic range (`for i in range(config.n_layer): layers.append(...)`), by their
   * items: the symbol counts the layers, so that a repeat reads `n_layer` and re-prices when it changes.
   */
  readonly listLengths = new WeakMap<readonly Value[], Dim>();
  /** The code's bindings as numbers, rebuilt when a binding is added; magic-comment values come first. */
  private bindingCache: { count: number; values: Map<string, number> } | undefined;

  constructor(private readonly magicBindings: ReadonlyMap<string, number>) {}

  /** A dim's value under the code's own bindings (explicit arguments first), for decisions the code makes on sizes. */
  currentValue(dim: Dim): number | undefined {
    if (dim.kind === 'num') return dim.value;
    if (!this.bindingCache || this.bindingCache.count !== this.codeBindings.length) {
      const values = new Map<string, number>(this.magicBindings);
      for (const binding of [...this.codeBindings].sort((p, q) => p.priority - q.priority)) {
        if (!values.has(binding.symbol)) values.set(binding.symbol, binding.value);
      }
      this.bindingCache = { count: this.codeBindings.length, values };
    }
    return evalDim(dim, this.bindingCache.values);
  }

  snapshot(values: number): StateSnapshot {
    return {
      bindings: this.codeBindings.length,
      covered: new Set(this.covered),
      instances: new Map(this.instances),
      scopesSeen: new Set(this.scopesSeen),
      expressionTooDeepNoted: this.expressionTooDeepNoted,
      values,
    };
  }

  /** Undoes everything since the snapshot (a run whose results are thrown away). */
  restore(snapshot: StateSnapshot): void {
    this.codeBindings.length = snapshot.bindings;
    this.bindingCache = undefined;
    replaceSet(this.covered, snapshot.covered);
    this.instances.clear();
    for (const [cls, value] of snapshot.instances) this.instances.set(cls, value);
    replaceSet(this.scopesSeen, snapshot.scopesSeen);
    this.expressionTooDeepNoted = snapshot.expressionTooDeepNoted;
    for (const id of this.layouts.keys()) if (id >= snapshot.values) this.layouts.delete(id);
    for (const id of this.elements.keys()) if (id >= snapshot.values) this.elements.delete(id);
  }

  /** Adds what a run added elsewhere (a root replayed by roots.ts), as changesSince() described it. */
  apply(changes: StateChanges): void {
    this.codeBindings.push(...changes.bindings);
    for (const item of changes.covered) this.covered.add(item);
    for (const name of changes.scopes) this.scopesSeen.add(name);
    if (changes.expressionTooDeepNoted) this.expressionTooDeepNoted = true;
  }

  /** The state a root's run reads from earlier roots, as a key: the code's bindings and the scopes already recorded. */
  bindingsKey(): string {
    const bindings = this.codeBindings.map((b) => `${b.symbol}=${b.value}/${b.priority}`).join(',');
    return `${bindings}\u0003${[...this.scopesSeen].join(',')}\u0003${this.expressionTooDeepNoted}`;
  }

  /** Which classes have an instance and which definitions ran, by name, as a key. */
  coverageKey(): string {
    return `${[...this.instances.keys()].map((cls) => cls.name).join(',')}\u0002${[...this.covered].map((item) => item.name).join(',')}`;
  }

  changesSince(snapshot: StateSnapshot): StateChanges {
    return {
      bindings: this.codeBindings.slice(snapshot.bindings),
      covered: [...this.covered].filter((item) => !snapshot.covered.has(item)),
      instances: [...this.instances.keys()].filter((cls) => !snapshot.instances.has(cls)),
      scopes: [...this.scopesSeen].filter((name) => !snapshot.scopesSeen.has(name)),
      expressionTooDeepNoted: !snapshot.expressionTooDeepNoted && this.expressionTooDeepNoted,
    };
  }
}

function replaceSet<T>(target: Set<T>, source: ReadonlySet<T>): void {
  target.clear();
  for (const item of source) target.add(item);
}
