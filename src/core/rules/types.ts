// The rule format: a Rule is data (code, name, family, default severity, documentation) plus check(ctx).
import type { Bindings } from '../ir/dims';
import type { CostedOp, DType, Fix, Hardware, OpGraph, Severity, Span, Summary } from '../ir/types';
import type { GraphIndex } from './graph-index';

/** What analyze.ts hands to runRules. */
export interface RunRulesInput {
  readonly graph: OpGraph;
  readonly costs: readonly CostedOp[];
  readonly hardware: Hardware;
  readonly dtype: DType;
  readonly bindings: Bindings;
  readonly summary: Summary;
  readonly text: string;
  /** Per-code overrides from settings; `off` silences a rule. */
  readonly severities: Readonly<Record<string, Severity | 'off'>>;
}

/** What a rule's check sees: the input plus an index over the dataflow (consumers, sizes, forwards, savings). */
export interface RuleContext extends RunRulesInput {
  readonly index: GraphIndex;
  /**
   * The traffic that findings of more specific rules already count (see Rule.specificity), as `value:<id>` for an
   * intermediate written and read back and `read:<id>` for an input read again: a generic rule (MW201) builds its
   * patterns from the rest, so that no saving is counted twice.
   */
  readonly claimed: ReadonlySet<string>;
}

/** The JSON `kind` of a finding: the family a rule belongs to. Stable for JSON consumers. */
export type FindingKind =
  | 'memory-bound'
  | 'copy'
  | 'pointwise-chain'
  | 'matmul-epilogue'
  | 'norm-residual'
  | 'norm'
  | 'softmax'
  | 'attention'
  | 'swiglu'
  | 'rope'
  | 'cross-entropy'
  | 'horizontal-gemm'
  | 'dropout-residual'
  | 'overhead'
  | 'triton-kernel';

/**
 * A rule's documentation as data: the single source for the hover, `memwall explain MWxxx` and the README table.
 * Sentences, plain text; `example` and `useInstead` may hold Python code lines.
 */
export interface RuleDoc {
  /** One line: the bad pattern in words (`Chain of pointwise ops that each round-trip through DRAM`). */
  readonly summary: string;
  /** What the rule finds, precisely (which ops, which conditions). */
  readonly finds: string;
  /** Why the pattern costs: bytes, launches, the roofline argument. */
  readonly whyCosts: string;
  /** A short piece of Python that triggers the rule. */
  readonly example: string;
  /** The remedy: a real API, kernel or compiler mode. */
  readonly useInstead: string;
}

/** What torch.compile (Inductor) does to the pattern, for ops inside a compiled region. */
export interface CompileBehaviour {
  /** True when Inductor fuses the pattern by default: the finding becomes a hint that says so. */
  readonly fuses: boolean;
  /** One sentence appended to the message for compiled code (`Inductor fuses pointwise chains into one kernel.`). */
  readonly note: string;
}

/** A finding as a rule reports it; runRules adds the code, kind and final severity. */
export interface RuleFinding {
  /** The span the diagnostic sits on (usually the first or the costliest op of the pattern). */
  readonly span: Span;
  /** Every op involved, the anchor op first. */
  readonly opIds: readonly number[];
  /**
   * The values whose round trip the saving counts, when not every intermediate of the ops named: MW203 beside a
   * hand-written norm names the norm's ops but counts only the sum. Another finding may not count them again.
   */
  readonly claims?: readonly number[];
  /** What is wrong, why it costs (bytes, µs, share, ×repeat) and what to do. */
  readonly message: string;
  /** DRAM bytes saved per call of the outermost scope (repeat included), or null when it cannot be priced. */
  readonly bytesSaved: number | null;
  /** Time saved per call of the outermost scope, µs, or null when it cannot be priced. */
  readonly timeSavedUs: number | null;
  /**
   * What the one remedy saves when it also removes other findings of the rule (`enable_gqa=True` drops the repeated K
   * and the repeated V at once): the share the 1% floor weighs instead of this finding's own saving.
   */
  readonly remedyTimeSavedUs?: number | null;
  readonly fix?: Fix;
  /** A rule may state a severity for a weaker variant of its pattern; otherwise the rule's default applies. */
  readonly severity?: Severity;
  /** For a variant that torch.compile treats differently from the rule's usual pattern. */
  readonly underCompile?: CompileBehaviour;
  /**
   * Tells this finding apart from another of the same rule on the same span, which is otherwise taken for the same
   * code run at another place and merged (MW301's host sync on the first call of a small-op loop).
   */
  readonly variant?: string;
  /**
   * Why the finding sits in harness code (a test, a benchmark, a script), when its ops cannot say it (a host sync has
   * none); otherwise runRules reads OpNode.harness of the finding's ops.
   */
  readonly harness?: string;
}

export interface Rule {
  /** `MW201`. */
  readonly code: string;
  /** The bad pattern, kebab-case: `unfused-pointwise-chain`. */
  readonly name: string;
  readonly kind: FindingKind;
  readonly defaultSeverity: Severity;
  /**
   * How specific the pattern is, for overlaps between fusion findings: the traffic a saving counts (an intermediate's
   * round trip, an input read again) belongs to one finding, and the more specific rule wins (MW204's hand-written
   * norm over MW201's chain), so a saving is never counted twice. Rules run from the highest level down and see the
   * claims above (RuleContext.claimed). 0 for generic patterns (pointwise chain), 1 for pairs and copies (GEMM
   * epilogue, dropout + residual), 2 for whole idioms (attention, norms, RoPE); -1 for single-op information
   * (hotspots), dropped inside a finding that says more. Absent: never dropped, claims nothing (Triton kernel rules).
   */
  readonly specificity?: number;
  readonly underCompile: CompileBehaviour;
  readonly doc: RuleDoc;
  check(ctx: RuleContext): RuleFinding[];
}
