// The roofline chart's input: plain JSON-safe data, built from an Analysis, sent to the webview and rendered to SVG.
import type { Bound, Category } from '../ir/types';

/** A memory roof (slope = bandwidth) or a compute roof (flat = peak FLOP/s). */
export interface ChartRoof {
  /**
   * Stable id: `hbm`; `tensor` and `vector` for the analysis dtype's peaks; `tensor-fp16`, `vector-fp64`... for the peak
   * of an op whose own dtype prices it elsewhere (an fp16 matmul in an fp32 analysis).
   */
  readonly id: string;
  readonly kind: 'memory' | 'compute';
  /** The unit of a compute roof. */
  readonly unit?: 'tensor' | 'vector';
  /** `HBM 3.35 TB/s`, `bf16 tensor 989 TFLOP/s`. */
  readonly label: string;
  /** Bytes/s for a memory roof, FLOP/s for a compute roof. */
  readonly value: number;
}

/** One priced op (once, with its repeat count), placed by its intensity and the FLOP/s it attains. */
export interface ChartPoint {
  /** The OpNode id, unique in one analysis. */
  readonly id: number;
  /** Qualified op id: `torch.nn.functional.gelu`. */
  readonly op: string;
  /** As written: `F.gelu`, `self.c_fc`, `+`. */
  readonly label: string;
  readonly category: Category;
  readonly scope: string;
  readonly modulePath: string;
  /** 0-based lines of the op's source span. */
  readonly line: number;
  readonly endLine: number;
  readonly repeat: number;
  /** Figures of one execution. */
  readonly flops: number;
  readonly bytes: number;
  readonly intensity: number;
  readonly timeUs: number;
  /** Attained FLOP/s: flops / time (time includes launch overhead, so points sit on or below the roofs). */
  readonly performance: number;
  /** Fraction of the estimated time spent in this op (time × repeat): of the file's total, or of its root's when several roots each run a forward of their own. */
  readonly share: number;
  readonly bound: Bound;
  readonly unit: 'tensor' | 'vector' | 'none';
  /** `[8, 1024, 3072] bf16` per input and output, for labels. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** The sizes its shapes depend on, with their sources: `T=1024 from magic comment (line 3)`. */
  readonly sizes: readonly string[];
  /**
   * `fallback`: the op sits on a path that does not run when a fused kernel does (the `else` of `if self.flash:`), so
   * totals leave it out; `torch.compile`: inside a compiled region, priced as eager (an upper bound).
   */
  readonly fusedBy?: 'torch.compile' | 'fallback';
  /** The optional input the op needs (`labels`: the loss under `if labels is not None:`); totals leave it out. */
  readonly onlyWhenGiven?: string;
}

/** An op the chart cannot place on log axes (no FLOPs, unpriced), listed beside it so nothing is hidden. */
export interface UnplottedOp {
  readonly id: number;
  readonly op: string;
  readonly label: string;
  readonly line: number;
  readonly category: Category;
  readonly reason: string;
  readonly flops: number | null;
  readonly timeUs: number | null;
  readonly bytes: number | null;
  readonly bound: Bound;
  readonly scope: string;
}

/** A fusion finding drawn as an arrow from the ops it replaces to the fused group's point. */
export interface ChartFusion {
  readonly code: string;
  readonly kind: string;
  readonly line: number;
  readonly message: string;
  readonly opIds: readonly number[];
  /** The fused group: same FLOPs, fewer bytes, so it moves right along the intensity axis. */
  readonly flops: number;
  readonly bytes: number;
  readonly intensity: number;
  readonly timeUs: number;
  readonly performance: number;
  readonly bytesSaved: number;
  readonly timeSavedUs: number;
}

export interface ChartData {
  readonly gpu: { readonly id: string; readonly name: string };
  readonly dtype: string;
  readonly roofs: readonly ChartRoof[];
  readonly points: readonly ChartPoint[];
  readonly unplotted: readonly UnplottedOp[];
  readonly fusions: readonly ChartFusion[];
  /** Estimated time of the whole file's ops, repeats included, µs. */
  readonly totalTimeUs: number;
  /** Shares of that time by bound (0..1), from the analysis summary: ops on fallback paths are left out. */
  readonly boundShares: { readonly memory: number; readonly compute: number; readonly overhead: number };
  readonly assumptions: readonly { readonly symbol: string; readonly value: number | string; readonly source: string }[];
  /** Scopes that hold at least one op, for the panel's filter. */
  readonly scopes: readonly string[];
}

/** A ridge point: where a compute roof meets the memory roof (intensity = peak / bandwidth). */
export interface Ridge {
  readonly computeRoof: string;
  readonly memoryRoof: string;
  readonly intensity: number;
  readonly performance: number;
}
