// The hand-written expectations of bench/realworld/expected/<name>.md, and the score of one file's analysis against them.
//
// An expectations file has three Markdown tables under `## Findings`, `## Traps` and `## Op verdicts`:
//   | code | lines | why |          `MW206` or `MW209 or MW102`; lines `207` or `196–233` (the finding starts there)
//   | lines | codes | why |         `any`, or codes a finding on those lines must not have
//   | line | op | bound | why |     the op's label as the JSON gives it, and `memory`, `compute` or `overhead`
// and may say under `## Sizes` the sizes its reasoning uses, as the CLI's `--dims NAME=N,...` in backticks: the op
// verdicts are then judged on a run at those sizes (a bound depends on them: a LayerNorm over [8, 197, 768] is 1.6 µs
// of DRAM time under a 4 µs launch, over [64, 197, 768] 13 µs), while findings and traps stay judged as a user
// runs the file, with no flags.
// A finding counts for recall, and hits a trap, only when it is more than a hint: hints are what MemWall says of code
// it knows to be small or harness, and the expectations are the advice a great analyzer gives.
import type { JsonFinding } from '../../src/cli/format/json';

export interface ExpectedFinding {
  /** Any of these codes satisfies it. */
  readonly codes: readonly string[];
  readonly first: number;
  readonly last: number;
  readonly why: string;
}

export interface Trap {
  readonly first: number;
  readonly last: number;
  /** Codes that must not report there; empty for any code. */
  readonly codes: readonly string[];
  readonly why: string;
}

export interface Verdict {
  readonly line: number;
  readonly op: string;
  readonly bound: 'memory' | 'compute' | 'overhead';
  readonly why: string;
}

export interface Expectations {
  readonly findings: readonly ExpectedFinding[];
  readonly traps: readonly Trap[];
  readonly verdicts: readonly Verdict[];
  /** The `--dims` value of `## Sizes` (`B=64` or `hidden_size=4096,T=2048`), or null when the file gives none. */
  readonly sizes: string | null;
}

/** What the scorer needs of one op of the JSON report. */
export interface ScoredOp {
  readonly line: number;
  readonly endLine: number;
  readonly label: string;
  readonly bound: string;
  readonly priced: boolean;
}

export interface FileScore {
  readonly found: readonly ExpectedFinding[];
  readonly missed: readonly { readonly expected: ExpectedFinding; readonly ops: number; readonly priced: number; readonly hints: readonly string[] }[];
  readonly trapsHit: readonly { readonly trap: Trap; readonly finding: JsonFinding }[];
  /** Verdicts whose op is priced, and of those the ones whose bound agrees. */
  readonly verdictsPriced: number;
  readonly verdictsRight: number;
  readonly wrongVerdicts: readonly { readonly verdict: Verdict; readonly bound: string }[];
}

const CODE = /MW\d{3}/g;

/** `207` or `196–233` (en dash or hyphen) as a range of 1-based lines. */
function lineRange(text: string): { first: number; last: number } {
  const match = /^\s*(\d+)\s*(?:[–-]\s*(\d+))?\s*$/.exec(text);
  if (!match) throw new Error(`cannot read the lines "${text}"`);
  const first = Number(match[1]);
  return { first, last: match[2] === undefined ? first : Number(match[2]) };
}

/** The lines under a `## heading`, up to the next heading. */
function section(markdown: string, heading: string): string[] {
  const start = markdown.search(new RegExp(`^## ${heading}\\s*$`, 'm'));
  if (start < 0) return [];
  const rest = markdown.slice(start).split('\n').slice(1);
  const end = rest.findIndex((line) => line.startsWith('## '));
  return end < 0 ? rest : rest.slice(0, end);
}

/** `NAME=N` pairs joined by commas, as `memwall analyze --dims` takes them. */
const DIMS = /^\w+=\d+(?:,\w+=\d+)*$/;

/** The rows of the table under a `## heading`, as cells, without the header and separator rows. */
function tableRows(markdown: string, heading: string): string[][] {
  const rows = section(markdown, heading).filter((line) => line.trim().startsWith('|'));
  // A cell may hold `|` inside backticks (`a | b`): split on pipes outside them.
  const cells = (line: string): string[] => {
    const out: string[] = [];
    let current = '';
    let code = false;
    for (const ch of line.trim().slice(1, -1)) {
      if (ch === '`') code = !code;
      if (ch === '|' && !code) {
        out.push(current.trim());
        current = '';
      } else current += ch;
    }
    out.push(current.trim());
    return out;
  };
  return rows.slice(2).map(cells);
}

export function readExpectations(markdown: string): Expectations {
  const findings = tableRows(markdown, 'Findings').map(([codes = '', lines = '', why = '']) => {
    const found = codes.match(CODE) ?? [];
    if (found.length === 0) throw new Error(`no code in "${codes}"`);
    return { codes: found, ...lineRange(lines), why };
  });
  const traps = tableRows(markdown, 'Traps').map(([lines = '', codes = '', why = '']) => ({
    ...lineRange(lines),
    codes: codes.trim() === 'any' ? [] : (codes.match(CODE) ?? []),
    why,
  }));
  const verdicts = tableRows(markdown, 'Op verdicts').map(([line = '', op = '', bound = '', why = '']) => {
    if (bound !== 'memory' && bound !== 'compute' && bound !== 'overhead') throw new Error(`bound "${bound}" is not memory, compute or overhead`);
    return { line: Number(line), op: op.replace(/`/g, ''), bound, why } as Verdict;
  });
  const sizesText = section(markdown, 'Sizes').join('\n');
  const sizes = /`--dims ([^`]+)`/.exec(sizesText)?.[1]?.trim() ?? null;
  if (sizesText.trim() && sizes === null) throw new Error('## Sizes names no `--dims NAME=N,...`');
  if (sizes !== null && !DIMS.test(sizes)) throw new Error(`--dims "${sizes}" is not NAME=N pairs joined by commas`);
  return { findings, traps, verdicts, sizes };
}

const counts = (finding: JsonFinding): boolean => finding.severity !== 'hint';

/**
 * One file's analysis (its findings and ops from the JSON report) against its expectations; the verdicts against
 * `verdictOps`, the ops of a run at the expectations' sizes when they give some.
 */
export function scoreFile(findings: readonly JsonFinding[], ops: readonly ScoredOp[], expected: Expectations, verdictOps: readonly ScoredOp[] = ops): FileScore {
  const found: ExpectedFinding[] = [];
  const missed: FileScore['missed'][number][] = [];
  for (const expectation of expected.findings) {
    const inRange = (finding: JsonFinding) => expectation.codes.includes(finding.code) && finding.line >= expectation.first && finding.line <= expectation.last;
    if (findings.some((finding) => counts(finding) && inRange(finding))) {
      found.push(expectation);
      continue;
    }
    // What the analysis had there: the ops on those lines, how many priced, and hints of the expected code.
    const there = ops.filter((op) => op.line <= expectation.last && op.endLine >= expectation.first);
    missed.push({
      expected: expectation,
      ops: there.length,
      priced: there.filter((op) => op.priced).length,
      hints: findings.filter(inRange).map((finding) => `${finding.code}@${finding.line} (hint)`),
    });
  }
  const trapsHit: FileScore['trapsHit'][number][] = [];
  for (const trap of expected.traps) {
    for (const finding of findings) {
      if (!counts(finding) || finding.line < trap.first || finding.line > trap.last) continue;
      if (trap.codes.length > 0 && !trap.codes.includes(finding.code)) continue;
      // Notes about the analysis itself are never advice.
      if (/^MW9/.test(finding.code)) continue;
      trapsHit.push({ trap, finding });
    }
  }
  let verdictsPriced = 0;
  let verdictsRight = 0;
  const wrongVerdicts: FileScore['wrongVerdicts'][number][] = [];
  for (const verdict of expected.verdicts) {
    const op = verdictOps.find((candidate) => candidate.line === verdict.line && candidate.label === verdict.op && candidate.priced);
    if (!op) continue;
    verdictsPriced++;
    if (op.bound === verdict.bound) verdictsRight++;
    else wrongVerdicts.push({ verdict, bound: op.bound });
  }
  return { found, missed, trapsHit, verdictsPriced, verdictsRight, wrongVerdicts };
}
