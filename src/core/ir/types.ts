// The data every layer shares: the op graph the frontends build, its priced form, findings and the Analysis.
import type { Dim } from './dims';

/** Offsets are UTF-16 code-unit offsets into the analysed text; lines are 0-based here (the CLI prints 1-based). */
export interface Span {
  readonly start: number;
  readonly end: number;
  readonly startLine: number;
  readonly startColumn: number;
  readonly endLine: number;
  readonly endColumn: number;
}

export type Category =
  | 'matmul'
  | 'conv'
  | 'attention'
  | 'pointwise'
  | 'reduction'
  | 'normalization'
  | 'softmax'
  | 'embedding'
  | 'copy'
  | 'view'
  | 'creation'
  | 'collective'
  | 'triton_kernel'
  | 'training'
  | 'unknown';

/** Storage dtypes MemWall prices; `null` in a TensorValue means not known statically. */
/** complex64 and complex128 hold a real and an imaginary part of fp32 or fp64 (torch.view_as_complex, torch.polar). */
export type DType = 'fp64' | 'fp32' | 'tf32' | 'bf16' | 'fp16' | 'fp8' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool' | 'complex64' | 'complex128';

export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  fp64: 8, fp32: 4, tf32: 4, bf16: 2, fp16: 2, fp8: 1, int64: 8, int32: 4, int8: 1, uint8: 1, bool: 1, complex64: 8, complex128: 16,
};

/** A tensor flowing between ops. `dtype: 'default'` follows the analysis dtype (setting or magic comment). */
export interface TensorValue {
  readonly id: number;
  readonly shape: readonly Dim[] | null;
  readonly dtype: DType | 'default' | null;
  /** The op that produced it, or undefined for inputs, parameters and values from outside the graph. */
  readonly producer?: number;
  /** Where it came from when it is not produced by an op: `param x`, `self.weight`, `torch.randn`. */
  readonly origin?: string;
  /**
   * Set on parameters (a layer's weight, an nn.Parameter): true when it requires its gradient, so a backward computes
   * one and an optimizer updates it; false when frozen (`requires_grad_(False)`). Unset for buffers, inputs, activations.
   */
  readonly trainable?: boolean;
}

/** An attribute an op carries for its cost formula (kernel size, approximate='tanh', causal, dim...). */
export type AttrValue = number | string | boolean | Dim | readonly Dim[] | null;

export interface OpNode {
  readonly id: number;
  /** Qualified id: `torch.nn.functional.gelu`, `torch.nn.Linear`, `torch.Tensor.add`, `operator.add`, `triton:kernel`. */
  readonly op: string;
  /** As written in the source: `F.gelu`, `self.c_fc`, `+`. */
  readonly label: string;
  readonly category: Category;
  readonly inputs: readonly TensorValue[];
  readonly outputs: readonly TensorValue[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
  /** The exact call (or operator expression). */
  readonly span: Span;
  /** The function the op is written in: `MLP.forward`, `<module>`, `main`. */
  readonly scope: string;
  /** The module path from the outermost module analysed: `transformer.h[*].mlp.c_fc`; empty for plain code. */
  readonly modulePath: string;
  /** How many times the op runs per call of the outermost scope (a `for block in self.h` over n_layer). */
  readonly repeat: Dim;
  /** True when the op sits in a region that a fused implementation already covers (torch.compile, fallback path). */
  readonly fusedBy?: 'torch.compile' | 'fallback';
  /** What the frontend could not determine, in words (`shape of x unknown: add # memwall: shape x=[...]`). */
  readonly notes: readonly string[];
  /**
   * Set on a call MemWall could not resolve: what it assumed instead (its output shaped like its first tensor input),
   * so that the ops after it stay priced. The op's own cost stays unknown, never zero.
   */
  readonly assumed?: string;
  /**
   * Set when the op is written in code that exercises the model rather than being it, with the reason in words: a
   * test (`test_*`), a benchmark (`bench*`, `@triton.testing.perf_report`), a reference implementation (`*_ref`,
   * `reference_*`), a `__main__` block or a script's module-level code. Rules give such code hints at most.
   */
  readonly harness?: string;
  /**
   * Set on an op of a branch that runs only when an optional input is given, with the input's name: the loss under
   * `if labels is not None:` of a forward MemWall runs without labels. Left out of the totals, as a fallback path is;
   * rules see it (the logits an LM head writes for the loss, MW209).
   */
  readonly onlyWhenGiven?: string;
  /**
   * Set on an op of a folded loop of layers (repeats.ts): for each input, the value that the later passes read in
   * its place, where that is the previous pass's output (the residual stream one layer hands the next), else
   * undefined. The edges a folded loop keeps no op for: layer i's last add → layer i+1's first norm, repeat − 1 times.
   */
  readonly carried?: readonly (TensorValue | undefined)[];
  /** Set on ops run under `torch.no_grad()` or `torch.inference_mode()`: autograd records nothing, no backward differentiates them. */
  readonly noGrad?: boolean;
}

/**
 * Code that reads a tensor outside the ops of the graph, so the tensor is materialised whatever its op readers do: it
 * is `returned` by the analysed root (a forward or a function nobody calls) or to a script or test, `stored` on an
 * object (`self.cache = k`), passed to a call MemWall does not follow (`unknown-call`), copied to the host
 * (`host-sync`), or read by an op MemWall evaluates without listing it (`unpriced-read`: `y.abs().max()` in an `if`).
 */
export interface ValueUse {
  /** The id of the TensorValue read. */
  readonly value: number;
  readonly kind: 'returned' | 'stored' | 'unknown-call' | 'host-sync' | 'unpriced-read';
  readonly span: Span;
  readonly scope: string;
}

/**
 * A point where the CPU waits for the GPU: `.item()`, `.tolist()`, `.cpu()`, `.numpy()`, `print(tensor)`,
 * `float(tensor)`, `if tensor:`, `assert tensor`, `torch.cuda.synchronize()`. Recorded where the code runs, never from
 * comments or strings.
 */
export interface HostSync {
  /** As written for messages: `.item()`, `print(tensor)`, `if tensor`, `torch.cuda.synchronize()`. */
  readonly call: string;
  readonly span: Span;
  readonly scope: string;
  /** The tensor copied to the host, when there is one (`torch.cuda.synchronize()` copies none). */
  readonly value?: number;
  /** True when a forward is being run (the sync is in a forward or a helper it calls): it stalls every forward pass. */
  readonly inForward: boolean;
  /** True when the sync runs inside a loop whose body issues tensor ops: it stalls every iteration. */
  readonly inHotLoop: boolean;
  /** As on OpNode: the sync is in test, benchmark or script code. */
  readonly harness?: string;
}

/** The shape a root's input was analysed with (a forward's `x`, a function's `q`), and where that shape came from. */
export interface RootInput {
  /** The function whose parameter it is: `GPT.forward`, `attention`. */
  readonly scope: string;
  readonly name: string;
  /** Null when nothing declares it and the code taught nothing about it: the ops that read it are not priced. */
  readonly shape: readonly Dim[] | null;
  readonly dtype: DType | 'default';
  /**
   * `--input`, `magic comment (line 12)`, `jaxtyping annotation`, `unpacking at line 14`, or what the code taught:
   * `from self.conv1 (Conv2d, in_channels=3) at line 20; B, height, width by default`.
   */
  readonly source: string;
}

/**
 * How the note of an op starts when its shapes follow from the assumed output of a call MemWall does not know (the
 * frontends' declared fallback): such an op is priced from a guess, and cost/coverage.ts counts it apart.
 */
export const ASSUMED_SHAPE_NOTE = 'Its shapes follow from';

export interface OpGraph {
  readonly ops: readonly OpNode[];
  /** The inputs of each root analysed (forward of an outermost module, function nobody calls, entry), in run order. */
  readonly inputs: readonly RootInput[];
  /** Symbols found in the code with their values and where they came from (config defaults, literal shapes...). */
  readonly codeBindings: readonly Assumption[];
  /** Scopes found (functions, forwards, kernels), for aggregates and code lenses. */
  readonly scopes: readonly ScopeInfo[];
  /** Frontend notes that are not tied to one op (syntax errors, unresolved imports). */
  readonly notes: readonly AnalysisNote[];
  /** Dtype chosen by the code for matmuls in fp32 (`allow_tf32`, `set_float32_matmul_precision('high')`). */
  readonly tf32Enabled: boolean;
  /** What `# memwall:` magic comments in the file say; they outrank settings. */
  readonly magic: MagicSettings;
  /** Reads of tensors by code that is not an op of the graph (returns, stores, unknown calls, host syncs). */
  readonly valueUses: readonly ValueUse[];
  /** Host syncs in the order the code ran them; one place may appear more than once (a loop unrolled). */
  readonly hostSyncs: readonly HostSync[];
  /**
   * The roots the frontend ran, in run order, with the ops each added: each is a forward of its own, so a file with
   * a causal-LM head and a classification head has two figures per call, not one. Absent for graphs made by hand.
   */
  readonly roots?: readonly RootRun[];
  /**
   * By position in `ops`: the op of the document's previous analysis that the op there was replayed from
   * (frontends/pytorch/roots.ts), the same op with its ids and spans moved; empty where the op ran. Pricing reuses the
   * earlier op's figures (cost/price.ts PriceMemo).
   */
  readonly replayedFrom?: readonly (OpNode | undefined)[];
}

/** A root the frontend ran (an outermost module's forward, a function nobody calls, an entry) and the ops it added. */
export interface RootRun {
  /** As `--entry` names it: `GPT`, `resnet50`, `Block.forward`; `<module>` for the file's module-level code. */
  readonly name: string;
  /** The op ids its run handed out: from `firstOp` up to, not including, `endOp`. */
  readonly firstOp: number;
  readonly endOp: number;
}

/** The file's own `# memwall: B=8 T=1024 dtype=bf16 gpu=a100-80gb-sxm` comments and `ignore[...]` lines. */
export interface MagicSettings {
  readonly bindings: readonly Assumption[];
  readonly dtype?: DType;
  readonly gpu?: string;
  /** 0-based line → codes suppressed on that line (`*` for all). */
  readonly ignores: ReadonlyMap<number, readonly string[]>;
}

export interface ScopeInfo {
  /** `GPT.forward`, `MLP.forward`, `<module>`, `add_kernel`. */
  readonly name: string;
  readonly kind: 'forward' | 'function' | 'module' | 'kernel';
  /** The `def` line's span (name and parameters), where hovers and code lenses attach. */
  readonly span: Span;
}

/** A symbol's value and where it came from: the user's settings, a magic comment, the code, or a default. */
export interface Assumption {
  readonly symbol: string;
  readonly value: number | string;
  /** `magic comment (line 1)`, `setting memwall.dims`, `pyproject.toml [tool.memwall]`, `GPTConfig.n_embd`, `default`. */
  readonly source: string;
}

export interface AnalysisNote {
  readonly code: string;
  readonly message: string;
  readonly span?: Span;
  /** For MW905: the override that applies to nothing in this file (`--entry`, `--input` or `--dims` and the name it gives). */
  readonly override?: { readonly kind: 'entry' | 'input' | 'dims'; readonly name: string; readonly source: string };
}

export type Bound = 'memory' | 'compute' | 'overhead' | 'unknown';

/** One op with its figures on the selected GPU and dtype; null figures mean "could not price", never zero. */
export interface CostedOp {
  readonly node: OpNode;
  /** Shapes after binding symbols to numbers; null where a dim stayed unknown. */
  readonly inputShapes: readonly (readonly number[] | null)[];
  readonly outputShapes: readonly (readonly number[] | null)[];
  readonly dtype: DType;
  readonly repeat: number;
  /** FLOPs of one execution (2 per multiply-add). */
  readonly flops: number | null;
  /** Compulsory DRAM bytes of one execution: reads and writes. */
  readonly bytesRead: number | null;
  readonly bytesWritten: number | null;
  readonly bytes: number | null;
  readonly intensity: number | null;
  /** Estimated time of one execution, in microseconds, launch overhead included. */
  readonly timeUs: number | null;
  readonly bound: Bound;
  /** Which peak priced it: `tensor` cores or the `vector` unit; `none` for views. */
  readonly unit: 'tensor' | 'vector' | 'none';
  /**
   * The intensity (FLOP/B) at which this op's compute time equals its memory time, the achievable fractions of peak
   * included (η_c·peak ÷ η_m·bandwidth): the threshold its memory/compute verdict used. Null when not priced.
   */
  readonly ridge?: number | null;
  /** Explanations for the hover: the formula, the peak and efficiency used, L2 notes. */
  readonly explain: readonly string[];
  /** A Triton kernel's launch as priced: grid, block sizes, requested bytes, and whether the figures are per program. */
  readonly kernel?: KernelFigures;
}

/** What a Triton kernel op adds to its figures, evaluated with the analysis bindings. */
export interface KernelFigures {
  /**
   * `launch`: the op's figures are the whole launch's. `program`: they are one program's, because the number of
   * programs (the grid) could not be sized; the op then has no time and stays out of the totals.
   */
  readonly pricedPer: 'launch' | 'program';
  /** The grid as the launch wrote it, with the bound sizes filled in: `(97)`, `(cdiv(n_elements, 1024))`; null without a launch. */
  readonly grid: string | null;
  readonly programs: number | null;
  /** The constexprs as priced, with their values: `BLOCK_SIZE=4096 (next_power_of_2(n_cols))`. */
  readonly blockSizes: string;
  /** Bytes every program of the launch loads and stores together (re-reads included); null when not sized. */
  readonly requestedBytes: number | null;
  readonly perProgramFlops: number | null;
  readonly perProgramBytes: number | null;
  /** One program's FLOPs and bytes as formulas over the symbols still unbound (numbers when none is). */
  readonly perProgramFlopsFormula: string;
  readonly perProgramBytesFormula: string;
  /** The symbols that would size the launch (or the program) if bound. */
  readonly unbound: readonly string[];
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface Finding {
  /** `MW201`. */
  readonly code: string;
  /** The family, e.g. `pointwise-chain`; stable for JSON consumers. */
  readonly kind: string;
  readonly severity: Severity;
  /** The span the diagnostic sits on. */
  readonly span: Span;
  /** Every op the finding involves, for related information and the roofline's arrows. */
  readonly opIds: readonly number[];
  readonly message: string;
  /** Estimated DRAM bytes saved per call of the outermost scope, or null when it cannot be priced. */
  readonly bytesSaved: number | null;
  readonly timeSavedUs: number | null;
  readonly fix?: Fix;
}

export interface Fix {
  readonly title: string;
  readonly edits: readonly { readonly span: Span; readonly newText: string }[];
}

/** One peak of a GPU, with its provenance. */
export interface SourcedNumber {
  readonly value: number;
  readonly source: string;
  readonly verified: boolean;
}

/** A GPU as data; peaks are dense FLOP/s (no 2:4 sparsity). */
export interface Hardware {
  readonly id: string;
  readonly name: string;
  readonly vendor: 'nvidia' | 'amd' | 'other';
  /** Tensor/matrix-core peaks by dtype, FLOP/s. */
  readonly tensorPeak: Readonly<Partial<Record<DType, SourcedNumber>>>;
  /** Vector-unit (non-tensor-core) peaks by dtype, FLOP/s. */
  readonly vectorPeak: Readonly<Partial<Record<DType, SourcedNumber>>>;
  /** Peak DRAM bandwidth, bytes/s. */
  readonly bandwidth: SourcedNumber;
  readonly memoryBytes: SourcedNumber;
  readonly l2Bytes: SourcedNumber;
  /** A last-level cache beyond L2 (AMD Infinity Cache), when the GPU has one. */
  readonly lastLevelCacheBytes?: SourcedNumber;
  readonly smCount: SourcedNumber;
  /** Per-kernel launch overhead, seconds. */
  readonly launchOverhead: SourcedNumber;
  /** Achievable fractions of peak (η): memory streaming and large-GEMM compute. */
  readonly memoryEfficiency: SourcedNumber;
  readonly computeEfficiency: SourcedNumber;
}

export interface ClassShare {
  /** `contraction`, `normalization`, `elementwise`, `softmax`, `copy`, `other`. */
  readonly opClass: string;
  readonly flops: number;
  readonly timeUs: number;
  readonly flopShare: number;
  readonly timeShare: number;
}

export interface ScopeSummary {
  readonly scope: string;
  readonly timeUs: number;
  readonly flops: number;
  readonly bytes: number;
  /** Fractions of the scope's time in memory-, compute- and overhead-bound ops (0..1). */
  readonly memoryBoundShare: number;
  readonly computeBoundShare: number;
  readonly overheadBoundShare: number;
  readonly unpricedOps: number;
  /**
   * Triton kernels priced for one program only (their grid could not be sized): left out of the time and totals.
   * summarize() always sets it; it is optional only so that summaries written by hand (tests) need not.
   */
  readonly perProgramOps?: number;
}

export interface Summary {
  readonly total: ScopeSummary;
  readonly scopes: readonly ScopeSummary[];
  /**
   * One call of each root that added priced or unpriced ops (`scope` names the root, as RootRun does), in run order:
   * the total adds separate forwards up when there are several. summarize() always sets it.
   */
  readonly roots?: readonly ScopeSummary[];
  readonly classes: readonly ClassShare[];
}

/** A root's input with its sizes after binding, as reports show it. */
export interface AnalysedInput extends RootInput {
  /** The shape in numbers; null when a dim stayed unbound or the shape is unknown. */
  readonly sizes: readonly number[] | null;
}

/** What `analyze` returns: everything every consumer shows. */
export interface Analysis {
  readonly graph: OpGraph;
  readonly hardware: Hardware;
  readonly dtype: DType;
  readonly costs: readonly CostedOp[];
  readonly findings: readonly Finding[];
  /** Every symbol binding used, with its source, so the user sees what was assumed. */
  readonly assumptions: readonly Assumption[];
  readonly summary: Summary;
  readonly notes: readonly AnalysisNote[];
  /** The roots' inputs and the shapes they were analysed with (graph.inputs with sizes). */
  readonly inputs: readonly AnalysedInput[];
}
