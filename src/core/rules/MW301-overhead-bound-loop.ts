// MW301: overhead-bound code: Python loops issuing small tensor ops, and host syncs (.item(), .cpu(), print) in hot code.
import type { OpNode } from '../ir/types';
import { formatMicroseconds } from './format';
import { byDataflow, lineRange } from './patterns';
import { blockLines, codeOf, lineStart, spanOf } from './text';
import type { Rule, RuleContext, RuleFinding } from './types';

/** A loop is worth a finding when it issues at least this many overhead-bound launches per forward. */
const MIN_LAUNCHES = 8;

/** Calls that copy a GPU tensor to the host and so wait for every queued kernel. */
const SYNC_CALL = /\.(item|cpu|tolist|numpy)\(\s*\)|\btorch\.cuda\.synchronize\(\s*\)/g;
/** print(...): printing a CUDA tensor copies it to the host; printing shapes, sizes and strings does not. */
const PRINT_CALL = /\bprint\(/g;
/**
 * What a line must hold for SYNC_CALL or PRINT_CALL to match its code: the code is the line with strings blanked and
 * the comment cut, so a line without these characters needs no closer look.
 */
const MAY_SYNC = /\.(?:item|cpu|tolist|numpy)\(|synchronize\(|print\(/;
/** What a print may show without touching tensor data: metadata and Python values. */
const METADATA = /[A-Za-z_][\w.]*\.(shape|dtype|device|ndim|requires_grad)\b(\[[^\]]*\])?|[A-Za-z_][\w.]*\.(size|dim|numel)\([^()]*\)|\b(len|type|str|repr|id)\([^()]*\)/g;
const PYTHON_WORDS = new Set(['print', 'sep', 'end', 'file', 'flush', 'True', 'False', 'None', 'and', 'or', 'not', 'in', 'is', 'if', 'else', 'for']);

/**
 * True when a print's arguments may hold a tensor: a name that is not only asked for its shape, size or dtype.
 * Plain strings are dropped; f-strings keep their `{...}` expressions.
 */
export function printsData(line: string, start: number): boolean {
  let depth = 0;
  let end = start;
  for (let i = line.indexOf('(', start); i < line.length; i++) {
    if (line[i] === '(') depth++;
    else if (line[i] === ')' && --depth === 0) {
      end = i;
      break;
    }
  }
  const args = line.slice(line.indexOf('(', start) + 1, end > start ? end : line.length);
  const expressions = args
    .replace(/[fF][rR]?(["'])((?:(?!\1).)*)\1/g, (_, _quote, body: string) => ` ${[...body.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]).join(' ')} `)
    .replace(/(["'])(?:(?!\1).)*\1/g, ' ')
    .replace(METADATA, ' ');
  // A keyword argument's name (`flush=True`) is not a value.
  return [...expressions.matchAll(/\b[A-Za-z_]\w*\b(?!\s*=[^=])/g)].some((m) => !PYTHON_WORDS.has(m[0]));
}

export const overheadBoundLoop: Rule = {
  code: 'MW301',
  name: 'overhead-bound-loop',
  kind: 'overhead',
  defaultSeverity: 'warning',
  // Above the generic pointwise chain: a loop of tiny ops is an overhead problem first.
  specificity: 1,
  underCompile: {
    fuses: false,
    note: 'a host sync inside a compiled function causes a graph break and still waits for the GPU; mode="reduce-overhead" only graphs the pieces between breaks.',
  },
  doc: {
    summary: 'Python loop of tiny tensor ops, or a host sync in hot code',
    finds: 'Ops repeated by a Python loop whose GPU time is below their launch cost (overhead-bound), and .item(), .cpu(), .tolist(), .numpy(), print(tensor) or torch.cuda.synchronize() inside a forward or a loop that issues tensor ops.',
    whyCosts: 'Each eager op costs several µs of Python, dispatcher and launch time on the CPU; when the GPU work per op is smaller, the GPU waits on the CPU. A host sync stops the CPU until every queued kernel has finished, so the CPU can no longer run ahead and the GPU idles while Python issues the next ops.',
    example: 'for i in range(n):\n    x[i] = x[i] * w[i] + b[i]\nloss_value = loss.item()  # inside the training step',
    useInstead: 'Batch the loop into one tensor op (vectorise, torch._foreach_*), CUDA graphs (torch.compile(mode="reduce-overhead"), torch.cuda.graph), and keep values on the GPU (log every N steps, or .detach() and read asynchronously).',
  },
  check(ctx: RuleContext): RuleFinding[] {
    return [...smallOpLoops(ctx), ...hostSyncs(ctx)];
  },
};

/** Overhead-bound ops repeated by the same loop: grouped by scope and repeat count. */
function smallOpLoops(ctx: RuleContext): RuleFinding[] {
  const { index } = ctx;
  const groups = new Map<string, OpNode[]>();
  for (const cost of ctx.costs) {
    if (cost.bound !== 'overhead' || cost.repeat < 2 || cost.node.category === 'view' || cost.node.fusedBy === 'fallback') continue;
    // One loop's body spans the modules it calls: ops of one forward repeated the same number of times.
    const key = `${index.forwardKey(cost.node.id)}|${cost.repeat}`;
    const list = groups.get(key) ?? [];
    list.push(cost.node);
    groups.set(key, list);
  }
  const findings: RuleFinding[] = [];
  for (const group of groups.values()) {
    const ops = byDataflow(group);
    const anchor = ops[0] as OpNode;
    const repeat = index.repeat(anchor.id);
    if (ops.length * repeat < MIN_LAUNCHES) continue;
    const opIds = ops.map((op) => op.id);
    const saving = index.saving(0, ops.length, opIds);
    const launchUs = ctx.hardware.launchOverhead.value * 1e6;
    const overheadUs = ops.length * repeat * launchUs;
    findings.push({
      span: anchor.span,
      opIds,
      underCompile: {
        fuses: true,
        note: 'torch.compile traces through the loop and fuses its small ops; mode="reduce-overhead" also replays them as one CUDA graph.',
      },
      message:
        `A loop issues ${ops.length} small op${ops.length > 1 ? 's' : ''} (${lineRange(ops)}, first ${ops[0]?.label}) ${repeat} times: ` +
        `${ops.length * repeat} launches costing ≈ ${formatMicroseconds(overheadUs)} of CPU overhead while each kernel's GPU work ` +
        `is shorter than its launch, so the GPU waits on Python. Batching them or replaying them as a CUDA graph saves up to ` +
        `≈ ${formatMicroseconds(saving.timeSavedUs ?? 0)}. Vectorise the loop into one tensor op (or torch._foreach_*), or use ` +
        'torch.compile(mode="reduce-overhead") / torch.cuda.graph.',
      bytesSaved: 0,
      timeSavedUs: saving.timeSavedUs,
    });
  }
  return findings;
}

/** Host syncs inside forwards (warning) or inside loops that issue tensor ops (information). */
function hostSyncs(ctx: RuleContext): RuleFinding[] {
  const lines = ctx.index.lines;
  // Marks by line (1 = yes): a file has thousands of lines, and sets of them cost more to fill than to ask.
  const forwardLines = new Uint8Array(lines.length);
  for (const scope of ctx.graph.scopes) {
    if (scope.kind !== 'forward') continue;
    const { first, last } = blockLines(lines, scope.span.startLine);
    for (let line = first; line <= last; line++) forwardLines[line] = 1;
  }
  // Loops whose body issues tensor ops: where a sync stalls every iteration.
  const opLines = new Uint8Array(lines.length);
  for (const op of ctx.graph.ops) if (op.span.startLine >= 0 && op.span.startLine < lines.length) opLines[op.span.startLine] = 1;
  const hotLoopLines = new Uint8Array(lines.length);
  lines.forEach((text, header) => {
    if (!/^\s*(for|while)\b.*:\s*(#.*)?$/.test(text)) return;
    const { first, last } = blockLines(lines, header);
    let issuesOps = false;
    for (let line = first; line <= last && !issuesOps; line++) issuesOps = opLines[line] === 1;
    if (issuesOps) for (let line = first; line <= last; line++) hotLoopLines[line] = 1;
  });
  const findings: RuleFinding[] = [];
  lines.forEach((text, line) => {
    const inForward = forwardLines[line] === 1;
    if (!inForward && hotLoopLines[line] !== 1) return;
    if (!MAY_SYNC.test(text)) return;
    const code = codeOf(text);
    const prints = inForward ? [...code.matchAll(PRINT_CALL)].filter((match) => printsData(text, match.index ?? 0)) : [];
    const matches = [...code.matchAll(SYNC_CALL), ...prints];
    for (const match of matches) {
      const start = lineStart(ctx.text, line) + (match.index ?? 0);
      const call = match[0].startsWith('print') ? 'print(tensor)' : match[0].replace(/^\./, '.').trim();
      const opIds = ctx.graph.ops.filter((op) => op.span.startLine === line).map((op) => op.id);
      findings.push({
        span: spanOf(ctx.text, start, start + match[0].length),
        opIds,
        severity: inForward ? 'warning' : 'information',
        message:
          `${call} ${inForward ? 'inside a forward' : 'inside a loop that issues tensor ops'} (line ${line + 1}) is a host sync: ` +
          'the CPU waits for every queued kernel to finish, then the GPU idles while Python issues the next ones, on every call. ' +
          'Keep the value on the GPU (return the tensor, log every N steps, or copy it with non_blocking=True), and move prints out of the hot path.',
        bytesSaved: null,
        timeSavedUs: null,
      });
    }
  });
  return findings;
}
