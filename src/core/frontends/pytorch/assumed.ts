// One note per callable MemWall could not resolve, with how many calls assumed their output's shape.
import type { GraphBuilder } from '../../ir/graph';
import type { OpNode } from '../../ir/types';

/**
 * Groups the ops that took the declared fallback (emit.ts assumedOutput) by callee, so that a callable called in every
 * layer is one note with a count rather than one note per call. Computed from the finished graph, so that ops replayed
 * from an earlier analysis (roots.ts) count too.
 */
export function noteAssumedCalls(builder: GraphBuilder): void {
  const byCallee = new Map<string, OpNode[]>();
  for (const op of builder.ops) {
    if (op.assumed === undefined) continue;
    const calls = byCallee.get(op.op);
    if (calls) calls.push(op);
    else byCallee.set(op.op, [op]);
  }
  for (const [callee, calls] of byCallee) {
    const first = calls[0] as OpNode;
    const count = calls.length === 1 ? 'one call' : `${calls.length} calls`;
    builder.notes.push({
      code: 'MW906',
      message: `\`${callee}\` could not be resolved (${count}): each output is assumed shaped like the call's first tensor input, so the ops after it stay priced; its own cost is not priced, and the totals leave it out.`,
      span: first.span,
    });
  }
}
