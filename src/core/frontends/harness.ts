// Harness code: tests, benchmarks and reference implementations that exercise a model or kernel rather than being it.
//
// Both frontends ask the same question of a definition: ops written in harness code carry `OpNode.harness`, and rules
// give them hints at most (a benchmark's `x + y` or a reference RMSNorm is not code the user wants to fuse).

/** Function names that say the function exercises other code, with the reason shown to the user. */
const HARNESS_FUNCTIONS: readonly (readonly [RegExp, string])[] = [
  [/^test(_|$)/, 'a test'],
  [/^bench/i, 'a benchmark'],
  [/^(ref|reference)_|_(ref|reference)$|^(ref|reference)$/i, 'a reference implementation'],
];

/** Class names of test suites (`class TestAttention(unittest.TestCase)`): their methods are tests. */
const HARNESS_CLASSES = /^Test([A-Z_]|$)/;

/** Decorators that make a function a benchmark or a test. */
const HARNESS_DECORATORS: readonly (readonly [RegExp, string])[] = [
  [/^(triton\.)?(testing\.)?perf_report\b/, 'a benchmark'],
  [/^pytest\.(mark|fixture)\b|^(mark\.parametrize|parametrize|fixture)\b/, 'a test'],
];

/**
 * Why a definition is harness code, in words (`a benchmark`), or undefined for model code. `qualifiedName` is dotted
 * (`TestModel.test_forward`, `test_layer_norm.torch_impl`): a function nested in harness code is harness code too.
 */
export function harnessReason(qualifiedName: string, decorators: readonly string[] = []): string | undefined {
  for (const [pattern, reason] of HARNESS_DECORATORS) if (decorators.some((decorator) => pattern.test(decorator))) return reason;
  const parts = qualifiedName.split('.');
  for (const part of parts) {
    if (HARNESS_CLASSES.test(part)) return 'a test';
    for (const [pattern, reason] of HARNESS_FUNCTIONS) if (pattern.test(part)) return reason;
  }
  return undefined;
}
