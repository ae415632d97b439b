// Fused attention kernels from libraries: flash-attn's functions ([B, S, H, D] layout) and xformers'
// memory_efficient_attention ([B, M, H, K]), priced as one kernel each when the library's source is not read.
import type { Dim } from '../dims';
import type { ByteCount, CostContext } from '../opspec';
import type { CatalogEntry } from './entry';
import { compulsoryBytes, elements } from './helpers';

/** Which keys a query sees: all of them, a causal mask aligned top-left (PyTorch, xformers) or bottom-right (flash-attn). */
export type AttentionMask = 'none' | 'causal-top-left' | 'causal-bottom-right';

/**
 * How many (query, key) pairs are computed for `queries` queries over `keys` keys, with a causal mask and a sliding
 * window `(left, right)` (-1 for unbounded), as flash-attn documents them: query i sees the keys j with
 * i + offset − left ≤ j ≤ i + offset + right, where the offset is keys − queries for a bottom-right mask and 0 for a
 * top-left one; a causal mask sets right to 0. Fused kernels skip the blocks outside, so their FLOPs scale with this.
 */
export function attentionPairs(queries: number, keys: number, mask: AttentionMask, windowLeft = -1, windowRight = -1): number {
  const offset = mask === 'causal-top-left' ? 0 : keys - queries;
  const left = windowLeft < 0 ? Infinity : windowLeft;
  const right = mask === 'none' ? (windowRight < 0 ? Infinity : windowRight) : Math.min(0, windowRight < 0 ? 0 : windowRight);
  if (left === Infinity && right === Infinity) return queries * keys;
  let pairs = 0;
  // One query at a time: at most a few hundred thousand per op, and each bound is exact.
  for (let query = 0; query < queries; query++) {
    const first = Math.max(0, query + offset - left);
    const last = Math.min(keys - 1, query + offset + right);
    if (last >= first) pairs += last - first + 1;
  }
  return pairs;
}

/** Where the heads and the sequence sit in a layout: [B, S, H, D] (flash-attn, xformers) or [T, H, D] (varlen). */
interface Layout {
  /** Index of the sequence dim, counted from the end. */
  readonly sequence: number;
  /** Index of the heads dim, counted from the end; absent when the layout has none ([B, M, K]). */
  readonly heads?: number;
}

const BATCH_SEQUENCE_HEADS: Layout = { sequence: 3, heads: 2 };

function at(shape: readonly number[], fromEnd: number): number {
  return shape[shape.length - fromEnd] as number;
}

/** A window_size attribute `(left, right)`; anything unknown counts as no window, which the formula text says. */
function windowOf(value: unknown): [number, number] {
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) return [value[0] as number, value[1] as number];
  return [-1, -1];
}

/**
 * FLOPs of fused attention: per batch, head and computed (query, key) pair, 2·E for QKᵀ and 2·Ev for PV, 5 for the
 * online softmax, and 3 more with a softcap (divide, tanh, multiply). Heads are the query's heads (GQA shares K/V).
 */
function fusedAttentionFlops(query: readonly number[], key: readonly number[], value: readonly number[], layout: Layout, mask: AttentionMask, window: [number, number], softcap: boolean, keysOverride?: number): number {
  const queries = at(query, layout.sequence);
  const keys = keysOverride ?? at(key, layout.sequence);
  const headDim = at(query, 1);
  const valueDim = at(value, 1);
  const tokens = elements(query.slice(0, -1)) as number;
  // tokens = batch·queries·heads: every query row of every head.
  const rows = tokens / queries;
  const pairs = attentionPairs(queries, keys, mask, window[0], window[1]);
  return rows * pairs * (2 * headDim + 2 * valueDim + 5 + (softcap ? 3 : 0));
}

const FLASH_FLOPS_TEXT =
  '2·B·H·(E + Ev)·pairs for QKᵀ and PV + 5·B·H·pairs softmax (+3 per pair with softcap); pairs = L·S, or with causal=True (aligned bottom-right) L·S − L(L−1)/2 when L ≤ S, fewer with window_size; a window or causal flag not known here counts as none';

function isCausal(context: CostContext, name = 'causal'): boolean {
  return context.attrs[name] === true;
}

/** flash_attn_func(q [B, L, H, E], k [B, S, Hk, E], v [B, S, Hk, Ev]) → [B, L, H, Ev]; Hk < H is grouped-query attention. */
const flashAttention: CatalogEntry = {
  category: 'attention',
  unit: 'tensor',
  signature: ['q', 'k', 'v', 'dropout_p', 'softmax_scale', 'causal', 'window_size', 'softcap', 'alibi_slopes', 'deterministic', 'return_attn_probs'],
  infer: ({ inputs }) => {
    const [q, , v] = inputs;
    if (!q || !v) return [null];
    return [[...q.slice(0, -1), v[v.length - 1] as Dim]];
  },
  flops: (context) => {
    const [q, k, v] = context.inputs;
    if (!q || !k || !v || q.length !== 4) return null;
    const softcap = typeof context.attrs.softcap === 'number' && context.attrs.softcap > 0;
    return fusedAttentionFlops(q, k, v, BATCH_SEQUENCE_HEADS, isCausal(context) ? 'causal-bottom-right' : 'none', windowOf(context.attrs.window_size), softcap);
  },
  flopsFormula: FLASH_FLOPS_TEXT,
  bytes: compulsoryBytes,
  bytesFormula: 'Q, K, V read once, O written once: the kernel keeps the L×S scores on chip (FlashAttention-2)',
};

/** flash_attn_qkvpacked_func(qkv [B, S, 3, H, E]) → [B, S, H, E]. */
const flashAttentionQkvPacked: CatalogEntry = {
  ...flashAttention,
  signature: ['qkv', 'dropout_p', 'softmax_scale', 'causal', 'window_size', 'softcap', 'alibi_slopes', 'deterministic', 'return_attn_probs'],
  infer: ({ inputs }) => {
    const qkv = inputs[0];
    if (!qkv || qkv.length !== 5) return [null];
    return [[qkv[0] as Dim, qkv[1] as Dim, qkv[3] as Dim, qkv[4] as Dim]];
  },
  flops: (context) => {
    const qkv = context.inputs[0];
    if (!qkv || qkv.length !== 5) return null;
    const q = [qkv[0], qkv[1], qkv[3], qkv[4]] as number[];
    const softcap = typeof context.attrs.softcap === 'number' && context.attrs.softcap > 0;
    return fusedAttentionFlops(q, q, q, BATCH_SEQUENCE_HEADS, isCausal(context) ? 'causal-bottom-right' : 'none', windowOf(context.attrs.window_size), softcap);
  },
};

/** flash_attn_kvpacked_func(q [B, L, H, E], kv [B, S, 2, Hk, E]) → [B, L, H, E]. */
const flashAttentionKvPacked: CatalogEntry = {
  ...flashAttention,
  signature: ['q', 'kv', 'dropout_p', 'softmax_scale', 'causal', 'window_size', 'softcap', 'alibi_slopes', 'deterministic', 'return_attn_probs'],
  infer: ({ inputs }) => [inputs[0] ?? null],
  flops: (context) => {
    const [q, kv] = context.inputs;
    if (!q || !kv || q.length !== 4 || kv.length !== 5) return null;
    const k = [kv[0], kv[1], kv[3], kv[4]] as number[];
    const softcap = typeof context.attrs.softcap === 'number' && context.attrs.softcap > 0;
    return fusedAttentionFlops(q, k, k, BATCH_SEQUENCE_HEADS, isCausal(context) ? 'causal-bottom-right' : 'none', windowOf(context.attrs.window_size), softcap);
  },
};

/**
 * flash_attn_varlen_func(q [Tq, H, E], k [Tk, Hk, E], v [Tk, Hk, Ev], cu_seqlens_q, cu_seqlens_k, max_seqlen_q,
 * max_seqlen_k, ...) → [Tq, H, Ev]: sequences packed end to end. The lengths are known only at run time, so each
 * query is counted against max_seqlen_k keys (causal: as if every sequence had the longest length), an upper bound
 * that is exact when the sequences are equally long.
 */
const flashAttentionVarlen: CatalogEntry = {
  ...flashAttention,
  signature: ['q', 'k', 'v', 'cu_seqlens_q', 'cu_seqlens_k', 'max_seqlen_q', 'max_seqlen_k', 'dropout_p', 'softmax_scale', 'causal', 'window_size', 'softcap', 'alibi_slopes', 'deterministic', 'return_attn_probs', 'block_table'],
  flops: (context) => {
    const [q, k, v] = context.inputs;
    const maxQuery = context.attrs.max_seqlen_q;
    const maxKey = context.attrs.max_seqlen_k;
    if (!q || !k || !v || q.length !== 3 || typeof maxQuery !== 'number' || typeof maxKey !== 'number' || maxQuery <= 0) return null;
    const sequences = (q[0] as number) / maxQuery;
    const perSequence = [1, maxQuery, q[1] as number, q[2] as number];
    const keys = [1, maxKey, k[1] as number, k[2] as number];
    const softcap = typeof context.attrs.softcap === 'number' && context.attrs.softcap > 0;
    const one = fusedAttentionFlops(perSequence, keys, [1, maxKey, v[1] as number, v[2] as number], BATCH_SEQUENCE_HEADS, isCausal(context) ? 'causal-bottom-right' : 'none', windowOf(context.attrs.window_size), softcap);
    return sequences * one;
  },
  flopsFormula: `${FLASH_FLOPS_TEXT}; packed sequences: Tq / max_seqlen_q sequences of max_seqlen_q queries over max_seqlen_k keys each (an upper bound, exact when all sequences are equally long)`,
  // cu_seqlens are small int32 vectors: every input is read once.
  bytes: compulsoryBytes,
};

/**
 * flash_attn_with_kvcache(q [B, L, H, E], k_cache [B, Sc, Hk, E], v_cache, k, v, ...): appends the new k, v
 * ([B, Snew, Hk, E], when given) into the cache and attends over it. How full the cache is (cache_seqlens) is known
 * only at run time, so the figures are those of a full cache: every query against Sc keys, the whole cache read.
 */
const flashAttentionKvCache: CatalogEntry = {
  ...flashAttention,
  signature: ['q', 'k_cache', 'v_cache', 'k', 'v', 'rotary_cos', 'rotary_sin', 'cache_seqlens', 'cache_batch_idx', 'cache_leftpad', 'block_table', 'softmax_scale', 'causal', 'window_size', 'softcap', 'rotary_interleaved', 'alibi_slopes', 'num_splits', 'return_softmax_lse'],
  infer: ({ inputs }) => {
    const [q, , vCache] = inputs;
    if (!q || !vCache) return [null];
    return [[...q.slice(0, -1), vCache[vCache.length - 1] as Dim]];
  },
  flops: (context) => {
    const [q, kCache, vCache] = context.inputs;
    if (!q || !kCache || !vCache || q.length !== 4 || kCache.length !== 4) return null;
    const softcap = typeof context.attrs.softcap === 'number' && context.attrs.softcap > 0;
    return fusedAttentionFlops(q, kCache, vCache, BATCH_SEQUENCE_HEADS, isCausal(context) ? 'causal-bottom-right' : 'none', windowOf(context.attrs.window_size), softcap);
  },
  flopsFormula: `${FLASH_FLOPS_TEXT}; S = the cache's length (k_cache.shape[1]): the figure of a full cache, an upper bound while it fills`,
  bytes: (context): ByteCount | null => {
    const base = compulsoryBytes(context);
    if (!base) return null;
    // The new k and v (the 4-D inputs after the caches) are also written into the cache.
    let appended = 0;
    for (let i = 3; i < context.inputs.length; i++) {
      const shape = context.inputs[i];
      if (shape?.length === 4) appended += (elements(shape) as number) * (context.inputElementBytes[i] ?? 0);
    }
    return { read: base.read, written: base.written + appended };
  },
  bytesFormula: 'Q, the whole K/V cache (a full cache: an upper bound while it fills) and the new k, v read once; O written once, the new k, v written into the cache',
};

/**
 * xformers memory_efficient_attention(query [B, M, H, K], key [B, N, H, K], value [B, N, H, Kv], attn_bias) →
 * [B, M, H, Kv] (also [B, M, K] without heads). A causal attn_bias (LowerTriangularMask, top-left aligned, or
 * LowerTriangularFromBottomRightMask) skips the masked blocks; a tensor bias [B, H, M, N] is read once.
 */
const memoryEfficientAttention: CatalogEntry = {
  category: 'attention',
  unit: 'tensor',
  signature: ['query', 'key', 'value', 'attn_bias', 'p', 'scale', 'op', 'output_dtype'],
  infer: ({ inputs }) => {
    const [q, , v] = inputs;
    if (!q || !v) return [null];
    return [[...q.slice(0, -1), v[v.length - 1] as Dim]];
  },
  flops: (context) => {
    const [q, k, v] = context.inputs;
    if (!q || !k || !v || (q.length !== 4 && q.length !== 3)) return null;
    const layout: Layout = q.length === 4 ? BATCH_SEQUENCE_HEADS : { sequence: 2 };
    const bias = context.attrs.attn_bias;
    const mask: AttentionMask = bias === 'causal-top-left' || bias === 'causal-bottom-right' ? bias : 'none';
    return fusedAttentionFlops(q, k, v, layout, mask, [-1, -1], false);
  },
  flopsFormula: '2·B·H·(K + Kv)·pairs for QKᵀ and PV + 5·B·H·pairs softmax; pairs = M·N, about half with a causal attn_bias (LowerTriangularMask: top-left aligned); other bias objects count as no mask',
  bytes: compulsoryBytes,
  bytesFormula: 'query, key, value (and a tensor attn_bias) read once, the output written once: the M×N scores stay on chip',
};

/**
 * xformers' attention-bias constructors, as the value the entry above reads from attn_bias. Other bias classes (block
 * diagonal masks of packed sequences, local attention) are left out: their pairs depend on lengths known at run time.
 */
export const ATTENTION_BIAS_CONSTRUCTORS: Readonly<Record<string, AttentionMask>> = {
  'xformers.ops.LowerTriangularMask': 'causal-top-left',
  'xformers.ops.fmha.LowerTriangularMask': 'causal-top-left',
  'xformers.ops.fmha.attn_bias.LowerTriangularMask': 'causal-top-left',
  'xformers.ops.fmha.attn_bias.LowerTriangularFromBottomRightMask': 'causal-bottom-right',
  'xformers.ops.fmha.LowerTriangularFromBottomRightMask': 'causal-bottom-right',
};

const FLASH_ATTENTION_NAMES: Readonly<Record<string, CatalogEntry>> = {
  flash_attn_func: flashAttention,
  flash_attn_qkvpacked_func: flashAttentionQkvPacked,
  flash_attn_kvpacked_func: flashAttentionKvPacked,
  flash_attn_varlen_func: flashAttentionVarlen,
  flash_attn_with_kvcache: flashAttentionKvCache,
};

/** The modules that export flash-attn's functions: the package, FA2's interface module, FA3's hopper build. */
const FLASH_ATTENTION_MODULES = ['flash_attn', 'flash_attn.flash_attn_interface', 'flash_attn_interface', 'hopper.flash_attn_interface'];

/** xformers exports its kernels from xformers.ops and from xformers.ops.fmha. */
const XFORMERS_MODULES = ['xformers.ops', 'xformers.ops.fmha'];

function familyOf(): Record<string, CatalogEntry> {
  const ops: Record<string, CatalogEntry> = {};
  for (const module of FLASH_ATTENTION_MODULES) for (const [name, entry] of Object.entries(FLASH_ATTENTION_NAMES)) ops[`${module}.${name}`] = entry;
  for (const module of XFORMERS_MODULES) {
    ops[`${module}.memory_efficient_attention`] = memoryEfficientAttention;
    ops[`${module}.memory_efficient_attention_forward`] = memoryEfficientAttention;
  }
  return ops;
}

export const FUSED_ATTENTION_OPS: Readonly<Record<string, CatalogEntry>> = familyOf();

/**
 * Function names distinctive enough to stand for the library's function when a project wraps it in a module of its own
 * that MemWall cannot read (nanochat's `flash_attention.flash_attn.flash_attn_func` keeps flash-attn's signature).
 * Matched only on the last name of a library reference that nothing else resolves; the op's notes say so.
 */
export const DISTINCTIVE_LIBRARY_FUNCTIONS: Readonly<Record<string, string>> = {
  flash_attn_func: 'flash_attn.flash_attn_func',
  flash_attn_qkvpacked_func: 'flash_attn.flash_attn_qkvpacked_func',
  flash_attn_kvpacked_func: 'flash_attn.flash_attn_kvpacked_func',
  flash_attn_varlen_func: 'flash_attn.flash_attn_varlen_func',
  flash_attn_with_kvcache: 'flash_attn.flash_attn_with_kvcache',
  memory_efficient_attention: 'xformers.ops.memory_efficient_attention',
};
