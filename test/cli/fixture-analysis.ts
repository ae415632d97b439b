// A hand-built Analysis with hand-computed figures, so the report formats are tested apart from the pipeline.
import { resolveHardware } from '../../src/core/cost/hardware';
import { sym } from '../../src/core/ir/dims';
import type { Analysis, CostedOp, Finding, OpNode, Span } from '../../src/core/ir/types';

/** A span on one 0-based line; offsets assume 40-character lines, which is all the formats need. */
export function spanAt(line: number, startColumn: number, endColumn: number): Span {
  return { start: line * 40 + startColumn, end: line * 40 + endColumn, startLine: line, startColumn, endLine: line, endColumn };
}

function node(id: number, op: string, label: string, category: OpNode['category'], span: Span, notes: string[] = []): OpNode {
  return {
    id, op, label, category, span, notes,
    inputs: [], outputs: [], attrs: {}, scope: 'MLP.forward', modulePath: 'mlp', repeat: sym('n_layer'),
  };
}

const TOKENS = 8 * 1024;
/** nn.Linear(768, 3072) on [8, 1024, 768] bf16: 2·M·N·K FLOPs; x, W and bias read once, y written once. */
export const LINEAR_FLOPS = 2 * TOKENS * 768 * 3072; // 38,654,705,664
export const LINEAR_BYTES = TOKENS * 768 * 2 + 768 * 3072 * 2 + 3072 * 2 + TOKENS * 3072 * 2; // 67,639,296
/** F.gelu on [8, 1024, 3072] bf16: 8 FLOPs per element (tanh form), read and write 2 bytes each. */
export const GELU_FLOPS = 8 * TOKENS * 3072; // 201,326,592
export const GELU_BYTES = 2 * TOKENS * 3072 * 2; // 100,663,296

export function fixtureAnalysis(): Analysis {
  const hardware = resolveHardware('h100-sxm');
  const linear = node(0, 'torch.nn.Linear', 'self.c_fc', 'matmul', spanAt(9, 12, 26));
  const gelu = node(1, 'torch.nn.functional.gelu', 'F.gelu', 'pointwise', spanAt(10, 12, 21));
  const mystery = node(2, 'mylib.custom_op', 'custom_op', 'unknown', spanAt(11, 12, 24), ['unknown op mylib.custom_op: not priced']);
  const view = node(3, 'torch.Tensor.view', 'y.view', 'view', spanAt(12, 8, 22));
  const cost = (n: OpNode, figures: Partial<CostedOp>): CostedOp => ({
    node: n, inputShapes: [], outputShapes: [], dtype: 'bf16', repeat: 12, flops: null, bytesRead: null,
    bytesWritten: null, bytes: null, intensity: null, timeUs: null, bound: 'unknown', unit: 'none', explain: [], ...figures,
  });
  const costs: CostedOp[] = [
    cost(linear, {
      inputShapes: [[8, 1024, 768]], outputShapes: [[8, 1024, 3072]], flops: LINEAR_FLOPS,
      bytesRead: LINEAR_BYTES - TOKENS * 3072 * 2, bytesWritten: TOKENS * 3072 * 2, bytes: LINEAR_BYTES,
      intensity: LINEAR_FLOPS / LINEAR_BYTES, timeUs: 56.1, bound: 'compute', unit: 'tensor',
    }),
    cost(gelu, {
      inputShapes: [[8, 1024, 3072]], outputShapes: [[8, 1024, 3072]], flops: GELU_FLOPS,
      bytesRead: GELU_BYTES / 2, bytesWritten: GELU_BYTES / 2, bytes: GELU_BYTES,
      intensity: GELU_FLOPS / GELU_BYTES, timeUs: 38.2, bound: 'memory', unit: 'vector',
    }),
    cost(mystery, { repeat: 1 }),
    // A view moves no bytes and does no arithmetic: known to be free, not unknown.
    cost(view, { flops: 0, bytesRead: 0, bytesWritten: 0, bytes: 0, timeUs: 0, unit: 'none' }),
  ];
  const finding: Finding = {
    code: 'MW202', kind: 'matmul-epilogue', severity: 'warning', span: gelu.span, opIds: [0, 1],
    message: 'GELU after c_fc re-reads the GEMM output: fuse it as the epilogue.',
    bytesSaved: GELU_BYTES * 12, timeSavedUs: 380.5,
  };
  const note: Finding = {
    code: 'MW901', kind: 'unknown-op', severity: 'information', span: mystery.span, opIds: [2],
    message: 'custom_op is not in the op catalog; its cost is unknown.', bytesSaved: null, timeSavedUs: null,
  };
  const total = {
    scope: 'MLP.forward', timeUs: 12 * (56.1 + 38.2), flops: 12 * (LINEAR_FLOPS + GELU_FLOPS), bytes: 12 * (LINEAR_BYTES + GELU_BYTES),
    memoryBoundShare: 38.2 / 94.3, computeBoundShare: 56.1 / 94.3, overheadBoundShare: 0, unpricedOps: 1,
  };
  return {
    graph: {
      ops: [linear, gelu, mystery, view], inputs: [], codeBindings: [], scopes: [], notes: [], tf32Enabled: false,
      magic: { bindings: [], ignores: new Map() }, valueUses: [], hostSyncs: [],
    },
    hardware,
    dtype: 'bf16',
    costs,
    findings: [note, finding],
    inputs: [],
    assumptions: [
      { symbol: 'B', value: 8, source: 'magic comment (line 1)' },
      { symbol: 'T', value: 1024, source: '--dims' },
      { symbol: 'n_layer', value: 12, source: 'GPTConfig.n_layer' },
    ],
    summary: {
      total,
      scopes: [total],
      classes: [
        { opClass: 'contraction', flops: 12 * LINEAR_FLOPS, timeUs: 12 * 56.1, flopShare: LINEAR_FLOPS / (LINEAR_FLOPS + GELU_FLOPS), timeShare: 56.1 / 94.3 },
        { opClass: 'elementwise', flops: 12 * GELU_FLOPS, timeUs: 12 * 38.2, flopShare: GELU_FLOPS / (LINEAR_FLOPS + GELU_FLOPS), timeShare: 38.2 / 94.3 },
      ],
    },
    notes: [{ code: 'MW902', message: 'The file has syntax errors; MemWall analysed what it could parse.' }],
  };
}

