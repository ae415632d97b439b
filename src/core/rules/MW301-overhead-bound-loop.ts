// MW301: overhead-bound code: Python loops issuing small tensor ops, and host syncs (.item(), .cpu(), print) in hot code.
import type { OpNode } from '../ir/types';
import { formatMicroseconds } from './format';
import { byDataflow, lineRange } from './patterns';
import type { Rule, RuleContext, RuleFinding } from './types';

/** A loop is worth a finding when it issues at least this many overhead-bound launches per forward. */
const MIN_LAUNCHES = 8;

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
    finds: 'Ops repeated by a Python loop whose GPU time is below their launch cost (overhead-bound), when the loop\'s whole body is (its launches take longer than the GPU work of all its kernels, so the CPU cannot run ahead of the GPU), and .item(), .cpu(), .tolist(), .numpy(), print(tensor) or torch.cuda.synchronize() inside a forward or a loop that issues tensor ops.',
    whyCosts: 'Each eager op costs several µs of Python, dispatcher and launch time on the CPU; when the GPU work per op is smaller, the GPU waits on the CPU. A host sync stops the CPU until every queued kernel has finished, so the CPU can no longer run ahead and the GPU idles while Python issues the next ops.',
    example: 'for i in range(n):\n    x[i] = x[i] * w[i] + b[i]\nloss_value = loss.item()  # inside the training step',
    useInstead: 'Batch the loop into one tensor op (vectorise, torch._foreach_*), CUDA graphs (torch.compile(mode="reduce-overhead"), torch.cuda.graph), and keep values on the GPU (log every N steps, or .detach() and read asynchronously).',
  },
  check(ctx: RuleContext): RuleFinding[] {
    return [...smallOpLoops(ctx), ...hostSyncs(ctx)];
  },
};

/**
 * What one pass of a loop costs the CPU and the GPU: its kernel launches (priced ops that launch one) and the GPU
 * work of those kernels (each op's time less its launch), µs per pass.
 */
interface LoopBody {
  readonly small: OpNode[];
  launches: number;
  gpuWorkUs: number;
}

/**
 * Overhead-bound ops repeated by the same loop: grouped by forward and repeat count. A small op is overhead-bound on
 * its own, but eager PyTorch queues kernels asynchronously: while the loop's large kernels keep the GPU busy, the CPU
 * issues the next launches ahead of it and their cost is hidden. So the loop is reported only when its whole body
 * is overhead-bound, its launches taking longer than the GPU work of every kernel it issues. A transformer's layer
 * loop is not: adaLN or LayerNorm ops on small tensors sit beside the layer's GEMMs, which the CPU never waits for.
 */
function smallOpLoops(ctx: RuleContext): RuleFinding[] {
  const { index } = ctx;
  const launchUs = ctx.hardware.launchOverhead.value * 1e6;
  const bodies = new Map<string, LoopBody>();
  for (const cost of ctx.costs) {
    if (cost.repeat < 2 || cost.node.category === 'view' || cost.node.fusedBy === 'fallback') continue;
    // An op with no price launches nothing MemWall can time: it is left out of both sides of the comparison. So is a
    // training step's backward and optimizer step: one op stands for many kernels, and the backward's kernels mirror
    // the forward's (each gradient product about its forward op), so the forward's balance of launches and GPU work
    // decides for the whole step.
    if (cost.timeUs === null || cost.timeUs <= 0 || cost.node.category === 'training') continue;
    // One loop's body spans the modules it calls: ops of one forward repeated the same number of times.
    const key = `${index.forwardKey(cost.node.id)}|${cost.repeat}`;
    let body = bodies.get(key);
    if (!body) {
      body = { small: [], launches: 0, gpuWorkUs: 0 };
      bodies.set(key, body);
    }
    body.launches++;
    body.gpuWorkUs += Math.max(0, cost.timeUs - launchUs);
    if (cost.bound === 'overhead') body.small.push(cost.node);
  }
  const findings: RuleFinding[] = [];
  for (const body of bodies.values()) {
    if (body.small.length === 0) continue;
    const launchesUs = body.launches * launchUs;
    if (body.gpuWorkUs >= launchesUs) continue;
    const ops = byDataflow(body.small);
    const anchor = ops[0] as OpNode;
    const repeat = index.repeat(anchor.id);
    if (ops.length * repeat < MIN_LAUNCHES) continue;
    const opIds = ops.map((op) => op.id);
    const saving = index.saving(0, ops.length, opIds);
    const overheadUs = ops.length * repeat * launchUs;
    const busy = body.gpuWorkUs < 0.01 ? 'for almost no time' : `≈ ${formatMicroseconds(body.gpuWorkUs)}`;
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
        `is shorter than its launch, and the loop's whole body keeps the GPU busy ${busy} per pass ` +
        `against ≈ ${formatMicroseconds(launchesUs)} of launches, so the GPU waits on Python. Batching them or replaying them as a CUDA graph saves up to ` +
        `≈ ${formatMicroseconds(saving.timeSavedUs ?? 0)}. Vectorise the loop into one tensor op (or torch._foreach_*), or use ` +
        'torch.compile(mode="reduce-overhead") / torch.cuda.graph.',
      bytesSaved: 0,
      timeSavedUs: saving.timeSavedUs,
      // Launches, not traffic: the loop's ops may still be part of a fusion finding.
      claims: [],
    });
  }
  return findings;
}

/**
 * Host syncs inside forwards (warning) or inside loops that issue tensor ops (information), as the interpreter recorded
 * them where the code runs: a sync named in a comment or a docstring is none. One finding per place, however many
 * times a loop ran it.
 */
function hostSyncs(ctx: RuleContext): RuleFinding[] {
  const findings = new Map<number, RuleFinding>();
  for (const sync of ctx.graph.hostSyncs) {
    if (!sync.inForward && !sync.inHotLoop) continue;
    const previous = findings.get(sync.span.start);
    if (previous && (previous.severity === 'warning' || !sync.inForward)) continue;
    const line = sync.span.startLine + 1;
    const producer = sync.value === undefined ? undefined : ctx.index.producer(sync.value);
    findings.set(sync.span.start, {
      span: sync.span,
      opIds: producer ? [producer.id] : [],
      severity: sync.inForward ? 'warning' : 'information',
      message:
        `${sync.call} ${sync.inForward ? 'inside a forward' : 'inside a loop that issues tensor ops'} (line ${line}) is a host sync: ` +
        'the CPU waits for every queued kernel to finish, then the GPU idles while Python issues the next ones, on every call. ' +
        'Keep the value on the GPU (return the tensor, log every N steps, or copy it with non_blocking=True), and move prints out of the hot path.',
      bytesSaved: null,
      timeSavedUs: null,
      variant: 'host sync',
      ...(sync.harness ? { harness: sync.harness } : {}),
    });
  }
  return [...findings.values()];
}
