// What MemWall knows of triton.language, as tables: FLOPs per element of each function, reductions, dtypes.

/**
 * FLOPs per output element of elementwise triton.language functions. Convention: 2 per multiply-add; one per
 * arithmetic, comparison or select; a transcendental (exp, log, sqrt, sin...) counts as 1, as in the op catalog;
 * sigmoid is 1/(1+exp(-x)): negate, exp, add, divide = 4.
 */
export const ELEMENTWISE_FLOPS: Readonly<Record<string, number>> = {
  exp: 1, exp2: 1, log: 1, log2: 1, log1p: 1, expm1: 1, sqrt: 1, sqrt_rn: 1, rsqrt: 1, sin: 1, cos: 1, tan: 1, tanh: 1,
  erf: 1, abs: 1, floor: 1, ceil: 1, fdiv: 1, div_rn: 1, maximum: 1, minimum: 1, where: 1, fast_expf: 1,
  fast_dividef: 1, pow: 1, sigmoid: 4, fma: 2, clamp: 2, umulhi: 1, softplus: 3, gelu: 8, silu: 5,
};

/**
 * Integer operations per offset of triton.language's random numbers (triton/language/random.py), counted like FLOPs
 * because they occupy the same vector units: Philox 4x32 runs 10 rounds of 2 umulhi, 2 multiplies, 4 xors and 2 key
 * adds (100 operations) per offset; rand turns the first of its 4 outputs into a float (3 more); randn turns two into
 * a normal by Box-Muller (2 conversions of 3, then log, sqrt, cos, a negation and 2 multiplies: 12). The 4x forms
 * keep all four outputs of the one Philox run: 4 conversions (12) for rand4x, and two Box-Muller pairs (24) for randn4x.
 */
export const RANDOM_OPERATIONS: Readonly<Record<string, number>> = {
  randint: 100, rand: 103, randn: 112, randint4x: 100, rand4x: 112, randn4x: 124,
};

/** Reductions and scans: one FLOP per input element. */
export const REDUCTIONS: ReadonlySet<string> = new Set([
  'sum', 'max', 'min', 'argmax', 'argmin', 'xor_sum', 'reduce', 'prod',
]);
export const SCANS: ReadonlySet<string> = new Set(['cumsum', 'cumprod', 'associative_scan']);

/** Functions that rearrange or restate values and cost no FLOPs: casts, shape changes, compiler hints. */
export const FREE_PASSTHROUGH: ReadonlySet<string> = new Set([
  'multiple_of', 'max_contiguous', 'max_constancy', 'cast', 'bitcast',
]);
export const SHAPE_OPS: ReadonlySet<string> = new Set([
  'trans', 'permute', 'reshape', 'view', 'broadcast_to', 'expand_dims', 'ravel',
]);
/** Calls that only check or print: they neither move bytes nor compute. */
export const NO_EFFECT: ReadonlySet<string> = new Set([
  'static_assert', 'device_assert', 'debug_barrier', 'static_print', 'device_print', 'assume',
]);

/** Modules that name Triton's language inside kernels (`import triton.language as tl`, `tl.math`, libdevice). */
export const LANGUAGE_PREFIXES = [
  'tl.math.', 'tl.extra.cuda.libdevice.', 'tl.extra.libdevice.', 'libdevice.', 'tl.', 'triton.language.extra.cuda.libdevice.',
  'triton.language.extra.libdevice.', 'triton.language.math.', 'triton.language.', 'math.',
  // FlagGems' triton_lang_extension (`tle.program_id`) spells a few triton.language functions its own way.
  'tle.',
];

export function languageFunction(dotted: string): string | undefined {
  for (const prefix of LANGUAGE_PREFIXES) {
    if (dotted.startsWith(prefix)) return dotted.slice(prefix.length);
  }
  return undefined;
}
