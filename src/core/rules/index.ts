// The list of all rules, and runRules: run them, then apply fallbacks, torch.compile, suppression, severities, ranking.
import type { Finding, Severity } from '../ir/types';
import { GraphIndex } from './graph-index';
import type { Rule, RuleContext, RuleFinding, RunRulesInput } from './types';
import { memoryBoundHotspot } from './MW101-memory-bound-hotspot';
import { unfusedPointwiseChain } from './MW201-unfused-pointwise-chain';

export type { Rule, RuleContext, RuleDoc, RuleFinding, RunRulesInput, FindingKind } from './types';

/** Every rule, in code order. A new rule is one file and one line here. */
const RULES: readonly Rule[] = [
  memoryBoundHotspot,
  unfusedPointwiseChain,
];

/** A finding saving less than this share of its forward's time is only a hint. */
export const LOW_VALUE_SHARE = 0.01;

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
  const ctx: RuleContext = { ...input, index };
  const raws: Raw[] = [];
  const failures: Finding[] = [];
  for (const rule of RULES) {
    if (input.severities[rule.code] === 'off') continue;
    try {
      for (const finding of rule.check(ctx)) raws.push({ rule, finding });
    } catch (error) {
      failures.push(ruleFailure(rule, error, input));
    }
  }

  const live = raws.filter(({ finding }) => !finding.opIds.some((id) => index.op(id)?.fusedBy === 'fallback'));
  // Ops already inside a specific fusion finding (MW2xx, not generic) are not reported again by a generic rule.
  const covered = new Set<number>();
  for (const { rule, finding } of live) {
    if (!rule.generic && rule.code.startsWith('MW2')) for (const id of finding.opIds) covered.add(id);
  }
  const unique = new Map<string, Raw>();
  for (const raw of live) {
    if (raw.rule.generic && raw.finding.opIds.every((id) => covered.has(id))) continue;
    if (isSuppressed(raw, input)) continue;
    const key = `${raw.rule.code}:${raw.finding.span.start}:${raw.finding.opIds.join(',')}`;
    if (!unique.has(key)) unique.set(key, raw);
  }

  const findings = [...unique.values()].map((raw) => finalise(raw, input, index));
  findings.sort(
    (a, b) => (b.timeSavedUs ?? -1) - (a.timeSavedUs ?? -1) || a.span.start - b.span.start || a.code.localeCompare(b.code),
  );
  return [...findings, ...failures];
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
  if (compiled) {
    if (rule.underCompile.fuses) {
      severity = 'hint';
      message = `Under torch.compile: ${rule.underCompile.note} In eager mode: ${message}`;
    } else {
      message = `${message} Under torch.compile: ${rule.underCompile.note}`;
    }
  }
  const anchor = finding.opIds[0];
  if (finding.timeSavedUs !== null && anchor !== undefined) {
    const forward = index.forwardTimeUs(anchor);
    if (forward > 0 && finding.timeSavedUs / forward < LOW_VALUE_SHARE) severity = 'hint';
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
