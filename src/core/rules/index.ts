// The list of all rules, and runRules: run them, then apply fallbacks, torch.compile, suppression, severities, ranking.
import { rootIndexOf } from '../cost/summary';
import type { Finding, RootRun, Severity, TensorValue } from '../ir/types';
import { formatBytes, formatMicroseconds, SIZE_FLOOR_BYTES } from './format';
import { GraphIndex } from './graph-index';
import type { Rule, RuleContext, RuleFinding, RunRulesInput } from './types';
import { memoryBoundHotspot } from './MW101-memory-bound-hotspot';
import { avoidableCopy } from './MW102-avoidable-copy';
import { unfusedPointwiseChain } from './MW201-unfused-pointwise-chain';
import { unfusedMatmulEpilogue } from './MW202-unfused-matmul-epilogue';
import { unfusedResidualNorm } from './MW203-unfused-residual-norm';
import { handWrittenNorm } from './MW204-hand-written-norm';
import { unfusedSoftmax } from './MW205-unfused-softmax';
import { handWrittenAttention } from './MW206-hand-written-attention';
import { unfusedGatedMlp } from './MW207-unfused-gated-mlp';
import { unfusedRotaryEmbedding } from './MW208-unfused-rotary-embedding';
import { unfusedLinearCrossEntropy } from './MW209-unfused-linear-cross-entropy';
import { horizontalGemms } from './MW210-horizontal-gemms';
import { unfusedDropoutResidual } from './MW211-unfused-dropout-residual';
import { overheadBoundLoop } from './MW301-overhead-bound-loop';
import { tritonMultiPassReread } from './MW401-triton-multi-pass-reread';
import { tritonIntermediateRoundTrip } from './MW402-triton-intermediate-round-trip';
import { tritonLaunchesShareInput } from './MW403-triton-launches-share-input';
import { tritonFp32DotWithoutTensorCores } from './MW404-triton-fp32-dot-without-tensor-cores';
import { tritonDotBlockTooSmall } from './MW405-triton-dot-block-too-small';
import { tritonIdleLanes } from './MW406-triton-idle-lanes';
import { tritonRowExceedsBlock } from './MW407-triton-row-exceeds-block';
import { tritonKernelRoofline } from './MW408-triton-kernel-roofline';

export type { Rule, RuleContext, RuleDoc, RuleFinding, RunRulesInput, FindingKind } from './types';

/** Every rule, in code order. A new rule is one file and one line here. */
const RULES: readonly Rule[] = [
  memoryBoundHotspot,
  avoidableCopy,
  unfusedPointwiseChain,
  unfusedMatmulEpilogue,
  unfusedResidualNorm,
  handWrittenNorm,
  unfusedSoftmax,
  handWrittenAttention,
  unfusedGatedMlp,
  unfusedRotaryEmbedding,
  unfusedLinearCrossEntropy,
  horizontalGemms,
  unfusedDropoutResidual,
  overheadBoundLoop,
  tritonMultiPassReread,
  tritonIntermediateRoundTrip,
  tritonLaunchesShareInput,
  tritonFp32DotWithoutTensorCores,
  tritonDotBlockTooSmall,
  tritonIdleLanes,
  tritonRowExceedsBlock,
  tritonKernelRoofline,
];

/** A finding saving less than this share of its forward's time is only a hint. */
export const LOW_VALUE_SHARE = 0.01;

export { SIZE_FLOOR_BYTES } from './format';

/** Savings below this many microseconds per forward are noise: no finding. */
const MIN_SAVING_US = 0.01;

/** The code reported when a rule throws: the analysis goes on, and the failure is visible instead of silent. */
export const RULE_FAILURE_CODE = 'MW990';

export function allRules(): readonly Rule[] {
  return RULES;
}

/** The rule for a code (`MW201`, case-insensitive), for `memwall explain` and hovers. */
export function findRule(code: string): Rule | undefined {
  const wanted = code.trim().toUpperCase();
  return RULES.find((rule) => rule.code === wanted);
}

interface Raw {
  readonly rule: Rule;
  readonly finding: RuleFinding;
}

export function runRules(input: RunRulesInput): Finding[] {
  const index = new GraphIndex(input);
  // The traffic (intermediates written and read back, inputs read again) that a fusion or copy finding already counts:
  // each belongs to at most one finding, so no saving is counted twice. Rules run from the most specific level down;
  // a rule may read the claims of the levels above.
  const claimed = new Set<string>();
  /** The ops of findings kept so far: a hotspot among them is said better by the finding. */
  const claimedOps = new Set<number>();
  const ctx: RuleContext = { ...input, index, claimed };
  const failures: Finding[] = [];
  const kept: Raw[] = [];
  const levels = [...new Set(RULES.map((rule) => rule.specificity ?? NO_LEVEL))].sort((a, b) => b - a);
  for (const level of levels) {
    const raws: Raw[] = [];
    for (const rule of RULES) {
      if ((rule.specificity ?? NO_LEVEL) !== level || input.severities[rule.code] === 'off') continue;
      try {
        for (const finding of rule.check(ctx)) raws.push({ rule, finding });
      } catch (error) {
        failures.push(ruleFailure(rule, error, input));
      }
    }
    const live = raws.filter(({ finding }) => !finding.opIds.some((id) => index.op(id)?.fusedBy === 'fallback'));
    if (level === NO_LEVEL) {
      kept.push(...live);
      continue;
    }
    // A fusion or copy finding that saves nothing (dropout with p=0, an op priced at zero) is not worth a word.
    const worth = live.filter(({ finding }) => finding.timeSavedUs === null || finding.timeSavedUs >= MIN_SAVING_US);
    if (level < 0) {
      // Information about single ops (hotspots): dropped when every op lies in a finding that says more.
      kept.push(...worth.filter(({ finding }) => finding.opIds.length === 0 || !finding.opIds.every((id) => claimedOps.has(id))));
      continue;
    }
    // Within a level the finding that saves most claims first; one that would count claimed traffic again is dropped.
    // Instances of one module (two RMSNorms) claim different values and are merged below.
    worth.sort((a, b) => (b.finding.timeSavedUs ?? -1) - (a.finding.timeSavedUs ?? -1) || a.finding.span.start - b.finding.span.start);
    for (const raw of worth) {
      // A finding that needs a branch run only with an optional input (the loss with labels) is about that other
      // forward: its traffic is counted apart from the forward analysed, where the same ops may make another finding.
      const given = index.givenInput(raw.finding.opIds);
      const claims = claimsOf(raw.finding, index).map((key) => (given === undefined ? key : `${given}:${key}`));
      if (claims.some((id) => claimed.has(id))) continue;
      kept.push(raw);
      for (const id of claims) claimed.add(id);
      for (const id of raw.finding.opIds) claimedOps.add(id);
    }
  }
  // One finding per code and place: a module used twice (two RMSNorm instances, RoPE on q and on k) reports once.
  const atPlace = new Map<string, Raw[]>();
  for (const raw of kept) {
    if (isSuppressed(raw, input)) continue;
    const key = `${raw.rule.code}:${raw.finding.span.start}:${raw.finding.span.end}:${raw.finding.variant ?? ''}`;
    const same = atPlace.get(key);
    if (same) same.push(raw);
    else atPlace.set(key, [raw]);
  }
  const roots = input.graph.roots ?? [];
  const findings = [...atPlace.values()].map((raws) => finalise(mergeAcrossRoots(raws, roots), input, index));
  findings.sort(
    (a, b) => (b.timeSavedUs ?? -1) - (a.timeSavedUs ?? -1) || a.span.start - b.span.start || a.code.localeCompare(b.code),
  );
  return [...findings, ...failures];
}

/** The level of rules that claim nothing and are never dropped (Triton kernel rules). */
const NO_LEVEL = -Infinity;

/**
 * The traffic a finding's saving counts, as keys: `value:<id>` for each intermediate one of its ops writes and another
 * reads back (through views), `read:<id>:<op>` for each read of an input that several of its ops read. A finding of
 * one op that has neither (a needless copy) claims what the op writes. Two findings that claim one key would count it
 * twice; two norms of the same input claim different reads.
 */
function claimsOf(finding: RuleFinding, index: GraphIndex): readonly string[] {
  if (finding.claims) return finding.claims.map((id) => `value:${id}`);
  const members = new Set(finding.opIds);
  const claims: string[] = [];
  const readers = new Map<number, number[]>();
  // The tensors the op at hand reads, each once.
  const read: number[] = [];
  for (const id of finding.opIds) {
    const op = index.op(id);
    if (!op || op.category === 'view') continue;
    for (const value of op.outputs) {
      if (index.realConsumers(value).some((reach) => members.has(reach.op.id))) claims.push(`value:${value.id}`);
    }
    read.length = 0;
    for (let i = 0; i < op.inputs.length; i++) {
      const input = index.throughViews(op.inputs[i] as TensorValue).id;
      // An op that reads one tensor twice (`x * x`) reads it once.
      if (read.includes(input)) continue;
      read.push(input);
      const ops = readers.get(input);
      if (ops) ops.push(op.id);
      else readers.set(input, [op.id]);
    }
  }
  for (const [input, ops] of readers) if (ops.length > 1) for (const op of ops) claims.push(`read:${input}:${op}`);
  if (claims.length === 0) {
    for (const id of finding.opIds) for (const value of index.op(id)?.outputs ?? []) claims.push(`value:${value.id}`);
  }
  return claims;
}

/**
 * The findings of one rule at one place, said once. Within one root (instances of one module in a forward) the savings
 * add up; roots are separate forwards (a causal-LM head and a classification head over one trunk), so across them
 * the saving is per call of each, the largest one's.
 */
function mergeAcrossRoots(raws: readonly Raw[], roots: readonly RootRun[]): Raw {
  const byRoot = new Map<number, Raw[]>();
  for (const raw of raws) {
    const root = raw.finding.opIds.length ? rootIndexOf(roots, raw.finding.opIds[0] as number) : -1;
    const same = byRoot.get(root);
    if (same) same.push(raw);
    else byRoot.set(root, [raw]);
  }
  const perRoot = [...byRoot.values()].map(mergeInForward);
  if (perRoot.length === 1) return perRoot[0] as Raw;
  const widest = perRoot.reduce((best, raw) => ((raw.finding.timeSavedUs ?? -1) > (best.finding.timeSavedUs ?? -1) ? raw : best));
  const names = [...byRoot.keys()]
    .map((index) => roots[index]?.name)
    .filter((name): name is string => name !== undefined)
    .map((name) => (name === '<module>' ? 'the module-level code' : name));
  const listed = names.length ? `: ${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''}` : '';
  return {
    rule: widest.rule,
    finding: {
      ...widest.finding,
      opIds: [...new Set(perRoot.flatMap((raw) => raw.finding.opIds))],
      message: `${widest.finding.message} (the same code runs in ${perRoot.length} roots, each a forward of its own${listed}; the saving is per call of one)`,
    },
  };
}

/** The findings of one rule at one place in one forward: the ops of all, the savings added up, said once. */
function mergeInForward(raws: readonly Raw[]): Raw {
  const first = raws[0] as Raw;
  if (raws.length === 1) return first;
  const sum = (values: readonly (number | null)[]): number | null =>
    values.reduce<number | null>((total, value) => (total === null || value === null ? null : total + value), 0);
  const bytesSaved = sum(raws.map((raw) => raw.finding.bytesSaved));
  const timeSavedUs = sum(raws.map((raw) => raw.finding.timeSavedUs));
  // The remedy's saving of each place, or all places' savings: never counted twice when the places stand for one
  // remedy (the K and V repeats of one attention, merged as one place when one helper makes both).
  const remedies = [...raws.map((raw) => raw.finding.remedyTimeSavedUs), timeSavedUs].filter((value): value is number => typeof value === 'number');
  const remedy = raws.every((raw) => raw.finding.remedyTimeSavedUs === undefined) ? {} : { remedyTimeSavedUs: remedies.length > 0 ? Math.max(...remedies) : null };
  const total = bytesSaved === null || timeSavedUs === null ? '' : `; all together ${formatBytes(bytesSaved)} and ≈ ${formatMicroseconds(timeSavedUs)}`;
  return {
    rule: first.rule,
    finding: {
      ...first.finding,
      opIds: [...new Set(raws.flatMap((raw) => raw.finding.opIds))],
      bytesSaved,
      timeSavedUs,
      ...remedy,
      message: `${first.finding.message} (this code runs at ${raws.length} places in the forward, such as instances of one module${total})`,
    },
  };
}

/** `# memwall: ignore[MW201]` or `# memwall: ignore` on any line the diagnostic covers. */
function isSuppressed({ rule, finding }: Raw, input: RunRulesInput): boolean {
  for (let line = finding.span.startLine; line <= finding.span.endLine; line++) {
    const codes = input.graph.magic.ignores.get(line);
    if (codes && (codes.includes('*') || codes.includes(rule.code))) return true;
  }
  return false;
}

function finalise({ rule, finding }: Raw, input: RunRulesInput, index: GraphIndex): Finding {
  const override = input.severities[rule.code];
  let severity: Severity = override && override !== 'off' ? override : (finding.severity ?? rule.defaultSeverity);
  let message = finding.message;
  const compiled = finding.opIds.length > 0 && finding.opIds.every((id) => index.op(id)?.fusedBy === 'torch.compile');
  const underCompile = finding.underCompile ?? rule.underCompile;
  if (compiled) {
    if (underCompile.fuses) {
      severity = 'hint';
      message = `Under torch.compile: ${underCompile.note} In eager mode: ${message}`;
    } else {
      message = `${message} Under torch.compile: ${underCompile.note}`;
    }
  }
  // Harness code exercises the model (tests, benchmarks, references, scripts): advice there is a hint at most. Triton
  // kernel findings are about the kernel, whoever launches it.
  const harness = harnessOf(finding, index);
  if (harness && !rule.code.startsWith('MW4')) {
    severity = 'hint';
    message = `In ${harness}, code that exercises the model rather than being it: ${message}`;
  }
  const anchor = finding.opIds[0];
  // The floor weighs what the remedy saves: one that also removes the rule's other findings (both repeated K and V
  // heads) is worth its whole saving.
  const weighed = finding.remedyTimeSavedUs ?? finding.timeSavedUs;
  if (weighed !== null && weighed !== undefined && anchor !== undefined) {
    const forward = index.forwardTimeUs(anchor, index.givenInput(finding.opIds) !== undefined);
    if (forward > 0 && weighed / forward < LOW_VALUE_SHARE) severity = 'hint';
  }
  if (/^MW[12]/.test(rule.code) && severity !== 'hint' && onSetUpData(finding, index)) {
    severity = 'hint';
    message = `${message} (A hint: it works on set-up data built beside the activations, from positions, masks, buffers or side inputs such as a timestep, not on the model's input or its layers' outputs.)`;
  }
  // A generic chain is worth a warning for the bytes it moves: with no tensor of known size it may be a chain of
  // scalars or of one [B, vocab] row (a sampler's top-p), while one large tensor among them (the activation a
  // modulation scales) makes it worth saying. The idioms of higher levels (attention, norms, RoPE) work on the
  // activations by what they are, a chain only by its sizes.
  if (rule.specificity === 0 && finding.timeSavedUs === null && largestKnownTensor(finding, index) === null && severity !== 'hint') {
    severity = 'hint';
    message = `${message} (A hint until its sizes are known: a pointwise chain is worth fusing only over large tensors.)`;
  }
  const largest = largestTensor(finding, index);
  if (/^MW[12]/.test(rule.code) && largest !== null && largest < SIZE_FLOOR_BYTES && severity !== 'hint') {
    severity = 'hint';
    message = `${message} (A hint: its largest tensor is ${formatBytes(largest)}, under ${formatBytes(SIZE_FLOOR_BYTES)}.)`;
  }
  return {
    code: rule.code,
    kind: rule.kind,
    severity,
    span: finding.span,
    opIds: finding.opIds,
    message,
    bytesSaved: finding.bytesSaved,
    timeSavedUs: finding.timeSavedUs,
    ...(finding.fix ? { fix: finding.fix } : {}),
  };
}

/**
 * True when every tensor the finding would keep out of DRAM is set-up data (GraphIndex.carriesActivation): the
 * intermediates one of its ops writes and another reads, or, for a finding of one op, what it writes. A `[T, T]` mask
 * or a rotary table is small beside the activations, and mostly built once per forward.
 */
function onSetUpData(finding: RuleFinding, index: GraphIndex): boolean {
  const members = new Set(finding.opIds);
  const written: TensorValue[] = [];
  const intermediates: TensorValue[] = [];
  for (const id of finding.opIds) {
    const op = index.op(id);
    if (!op || op.category === 'view') continue;
    for (const value of op.outputs) {
      written.push(value);
      if (index.realConsumers(value).some((reach) => members.has(reach.op.id))) intermediates.push(value);
    }
  }
  const saved = intermediates.length > 0 ? intermediates : written;
  return saved.length > 0 && saved.every((value) => !index.carriesActivation(value));
}

/** Bytes of the largest tensor the finding's ops read or write, or null when one of them has no known size. */
function largestTensor(finding: RuleFinding, index: GraphIndex): number | null {
  let largest = 0;
  for (const id of finding.opIds) {
    const op = index.op(id);
    if (!op) continue;
    for (const value of [...op.inputs, ...op.outputs]) {
      const bytes = index.bytes(value);
      if (bytes === null) return null;
      largest = Math.max(largest, bytes);
    }
  }
  return finding.opIds.length > 0 ? largest : null;
}

/** Bytes of the largest tensor of known size that the finding's ops read or write, or null when none has one. */
function largestKnownTensor(finding: RuleFinding, index: GraphIndex): number | null {
  let largest: number | null = null;
  for (const id of finding.opIds) {
    for (const value of [...(index.op(id)?.inputs ?? []), ...(index.op(id)?.outputs ?? [])]) {
      const bytes = index.bytes(value);
      if (bytes !== null) largest = Math.max(largest ?? 0, bytes);
    }
  }
  return largest;
}

/** The finding's harness reason: its own, or the one all its ops share. */
function harnessOf(finding: RuleFinding, index: GraphIndex): string | undefined {
  if (finding.harness) return finding.harness;
  if (finding.opIds.length === 0) return undefined;
  const reasons = finding.opIds.map((id) => index.op(id)?.harness);
  const first = reasons[0];
  return first !== undefined && reasons.every((reason) => reason !== undefined) ? first : undefined;
}

function ruleFailure(rule: Rule, error: unknown, input: RunRulesInput): Finding {
  const first = input.graph.ops[0]?.span ?? { start: 0, end: 0, startLine: 0, startColumn: 0, endLine: 0, endColumn: 0 };
  const reason = error instanceof Error ? error.message : String(error);
  return {
    code: RULE_FAILURE_CODE,
    kind: rule.kind,
    severity: 'hint',
    span: first,
    opIds: [],
    message: `MemWall's rule ${rule.code} (${rule.name}) failed on this file and was skipped: ${reason}`,
    bytesSaved: null,
    timeSavedUs: null,
  };
}
