// MW203: a residual add whose sum a LayerNorm/RMSNorm reads straight back, in two kernels instead of one.
import type { OpNode, TensorValue } from '../ir/types';
import { describeSaving, formatBytes } from './format';
import { handWrittenNorms } from './MW204-hand-written-norm';
import type { GraphIndex } from './graph-index';
import { canonicalOp, isOp } from './ops';
import { sizeKey } from './patterns';
import type { Rule, RuleContext, RuleFinding } from './types';

const NORMS = ['layer_norm', 'rms_norm'];

/**
 * The attribute names published blocks give their norms (litgpt's norm_1 and norm_2, GPT-2's ln_1 and ln_f,
 * transformers' input_layernorm): a call of that name MemWall could not resolve (`config.norm_class(...)`, a norm
 * class from another file) is taken as the norm it is named for.
 */
const NORM_ATTRIBUTE = /(^|_)(norm|ln|layernorm|layer_norm|rmsnorm|rms_norm)(_?\d+|_f)?$/;

/** A norm op: a LayerNorm or RMSNorm, or an unresolved call named as a norm. */
function isNorm(op: OpNode): boolean {
  if (NORMS.includes(canonicalOp(op))) return true;
  return op.assumed !== undefined && NORM_ATTRIBUTE.test(op.label.split('.').pop() ?? '');
}

export const unfusedResidualNorm: Rule = {
  code: 'MW203',
  name: 'unfused-residual-norm',
  kind: 'norm-residual',
  defaultSeverity: 'warning',
  specificity: 2,
  underCompile: {
    fuses: true,
    note: 'Inductor fuses the add into the norm\'s reduction kernel (a pointwise prologue with the same element count).',
  },
  doc: {
    summary: 'Residual add and the LayerNorm/RMSNorm that reads its sum run as two kernels',
    finds: 'An add (usually the residual `x = x + f(x)`) whose result is read by a LayerNorm or RMSNorm (or a norm picked from a config that MemWall cannot resolve, named as one: norm_1, ln_f, input_layernorm), including across block boundaries (the last add of one block and the first norm of the next, or the final norm).',
    whyCosts: 'The add writes the sum to DRAM and the norm reads it straight back: one extra read (and, when nothing else needs the sum, one extra write) of the whole activation, plus a launch, for every layer.',
    example: 'x = x + self.attn(self.ln_1(x))\nh = self.ln_2(x)',
    useInstead: 'torch.compile (Inductor fuses the add into the norm), or a fused add+norm kernel that writes both the sum and the normalised output (vLLM\'s fused_add_rms_norm, TransformerEngine, a Triton kernel).',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const { index } = ctx;
    const findings: RuleFinding[] = [];
    const norms = [...index.opsNamed(...NORMS), ...index.ops.filter((op) => op.assumed !== undefined && isNorm(op))];
    const nextLayer = nextLayerNorms(ctx);
    findings.push(...nextLayer.findings);
    for (const norm of norms) {
      const input = norm.inputs[0];
      const add = input ? index.realProducer(input) : undefined;
      if (!add || !isOp(add, 'add') || add.category !== 'pointwise' || nextLayer.adds.has(add.id)) continue;
      const opIds = [add.id, norm.id];
      const saving = index.fusionSaving(opIds);
      const sum = add.outputs[0];
      const size = sum ? index.bytes(sum) : null;
      const across = add.scope !== norm.scope ? ` in ${norm.scope}, across the module boundary` : '';
      findings.push({
        span: add.span,
        opIds,
        message:
          `${add.label} (line ${add.span.startLine + 1}) writes the residual sum${size === null ? '' : ` (${formatBytes(size)})`} and ` +
          `${norm.label} (line ${norm.span.startLine + 1}) reads it straight back${across}. One fused add+norm kernel ` +
          `${describeSaving(index, saving, add.id)}. ${remedy(norm)}`,
        bytesSaved: saving.bytesSaved,
        timeSavedUs: saving.timeSavedUs,
      });
    }
    // A hand-written norm (MW204) right after the add: fusing the add into the norm kernel saves its part on top.
    for (const region of handWrittenNorms(index)) {
      const add = index.realProducer(region.input);
      if (!add || !isOp(add, 'add') || add.category !== 'pointwise') continue;
      const normIds = [...region.ops].map((op) => op.id);
      const withAdd = index.fusionSaving([add.id, ...normIds]);
      const normOnly = index.fusionSaving(normIds);
      const difference = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.max(0, a - b));
      const saving = { bytesSaved: difference(withAdd.bytesSaved, normOnly.bytesSaved), timeSavedUs: difference(withAdd.timeSavedUs, normOnly.timeSavedUs) };
      const first = [...region.ops].sort((a, b) => a.span.start - b.span.start)[0];
      findings.push({
        span: add.span,
        opIds: [add.id, ...normIds],
        // The norm's own intermediates are MW204's: this finding counts only the sum it stops re-reading.
        claims: add.outputs.map((value) => value.id),
        message:
          `${add.label} (line ${add.span.startLine + 1}) writes the residual sum and the hand-written ` +
          `${region.centered ? 'LayerNorm' : 'RMSNorm'}${first ? ` (line ${first.span.startLine + 1})` : ''} reads it back. ` +
          `Folding the add into one fused add+norm kernel ${describeSaving(index, saving, add.id)} beyond fusing the norm itself (MW204). ` +
          `${remedy(region.centered ? 'layer_norm' : 'rms_norm')}`,
        bytesSaved: saving.bytesSaved,
        timeSavedUs: saving.timeSavedUs,
      });
    }
    findings.push(...stackedBlocks(ctx));
    return findings;
  },
};

/**
 * A residual sum that a folded loop of layers hands to the next layer, whose first norm reads it straight back: the
 * edge runs once per layer but the last (repeats.ts keeps one pass of ops, with OpNode.carried). The norm after the
 * last layer (a final norm reading the sum directly) is counted in the same finding.
 */
function nextLayerNorms(ctx: RuleContext): { findings: RuleFinding[]; adds: Set<number> } {
  const { index } = ctx;
  const findings: RuleFinding[] = [];
  const adds = new Set<number>();
  for (const add of index.opsNamed('add')) {
    const sum = add.outputs[0];
    if (add.category !== 'pointwise' || !sum) continue;
    const repeat = index.repeat(add.id);
    if (repeat < 2) continue;
    // What the next layer's ops read in the first pass is the loop's input: its first norm is the one over it.
    let found: ReturnType<typeof inputNorm>;
    for (const { op, input } of index.carriedReaders(sum)) {
      const first = op.inputs[input];
      found = first ? inputNorm(index, index.throughViews(first)) : undefined;
      if (found) break;
    }
    if (!found) continue;
    const { norm, name } = found;
    adds.add(add.id);
    const bytes = index.bytes(sum);
    // Fused, the next layer's norm reads the sum from registers: one read of it and one launch, repeat − 1 times.
    const perLayer = index.saving(bytes, 1, [add.id, norm.id]);
    const layers = repeat - 1;
    const scale = (value: number | null) => (value === null ? null : (value * layers) / repeat);
    let saving = { bytesSaved: scale(perLayer.bytesSaved), timeSavedUs: scale(perLayer.timeSavedUs) };
    const opIds = [add.id, norm.id];
    // After the last layer the sum goes to a final norm directly.
    const last = index.realConsumers(sum).map(({ op }) => op).find(isNorm);
    if (last) {
      const final = index.fusionSaving([add.id, last.id]);
      const sum2 = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);
      saving = { bytesSaved: sum2(saving.bytesSaved, final.bytesSaved), timeSavedUs: sum2(saving.timeSavedUs, final.timeSavedUs) };
      opIds.push(last.id);
    }
    findings.push({
      span: add.span,
      opIds,
      claims: [sum.id],
      message:
        `${add.label} (line ${add.span.startLine + 1}) writes the residual sum${bytes === null ? '' : ` (${formatBytes(bytes)})`} that the next layer's ` +
        `${name} (line ${norm.span.startLine + 1}) reads straight back, ${layers} time${layers > 1 ? 's' : ''} in the loop over layers` +
        `${last ? `, and ${last.label} (line ${last.span.startLine + 1}) after the last` : ''}. One fused add+norm kernel ` +
        `${describeSaving(index, saving, add.id, undefined, layers)}. ${remedy(found.layerNorm ? 'layer_norm' : 'rms_norm')}`,
      bytesSaved: saving.bytesSaved,
      timeSavedUs: saving.timeSavedUs,
    });
  }
  return { findings, adds };
}

/**
 * A residual block analysed on its own (`GPTNeoXLayer`, `Qwen2DecoderLayer` with no model around it): it normalises
 * its input first and returns `input + f(...)`. Stacked, as such blocks are, the sum it returns is the next block's
 * input, read straight back by the same norm: the add and that norm are one kernel's work.
 */
function stackedBlocks(ctx: RuleContext): RuleFinding[] {
  const { index } = ctx;
  const findings: RuleFinding[] = [];
  for (const add of index.opsNamed('add')) {
    const sum = add.outputs[0];
    if (add.category !== 'pointwise' || !sum || !index.escapesOnlyByReturn(sum)) continue;
    // Read by a norm already (the final norm of a model): the finding above says it.
    if (index.realConsumers(sum).some(({ op }) => isNorm(op))) continue;
    const input = blockInput(index, add);
    // Same size as the input (a sum of the input and a branch of its shape); unknown sizes do not rule it out.
    const inputSize = input ? sizeKey(index, input) : null;
    const sumSize = sizeKey(index, sum);
    if (!input || (inputSize !== null && sumSize !== null && inputSize !== sumSize)) continue;
    const found = inputNorm(index, input);
    if (!found) continue;
    const { norm, name } = found;
    const bytes = index.bytes(sum);
    // Fused, the norm reads the sum from registers: one read of it and one launch are saved.
    const saving = index.saving(bytes, 1, [add.id, norm.id]);
    findings.push({
      span: add.span,
      opIds: [add.id, norm.id],
      claims: [sum.id],
      message:
        `${add.label} (line ${add.span.startLine + 1}) returns the block's residual sum${bytes === null ? '' : ` (${formatBytes(bytes)})`}, and ` +
        `stacked, the next block's ${name} (line ${norm.span.startLine + 1}) reads it straight back as its input. One fused add+norm ` +
        `kernel ${describeSaving(index, saving, add.id)}. ${remedy(found.layerNorm ? 'layer_norm' : 'rms_norm')}`,
      bytesSaved: saving.bytesSaved,
      timeSavedUs: saving.timeSavedUs,
    });
  }
  return findings;
}

/** The block input a residual add carries: back through adds to a value no computation wrote (the block's input). */
function blockInput(index: GraphIndex, add: OpNode, depth = 0): TensorValue | undefined {
  if (depth > 3) return undefined;
  for (const value of add.inputs) {
    const producer = index.realProducer(value);
    // The input comes from outside the block: a parameter of its forward, or an example tensor a script built.
    if (!producer || producer.category === 'creation') return index.throughViews(value);
    if (isOp(producer, 'add') && producer.category === 'pointwise') {
      const found = blockInput(index, producer, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/** The norm that reads a block's input first: a LayerNorm/RMSNorm op, or the first op of a hand-written norm over it. */
function inputNorm(index: GraphIndex, input: TensorValue): { norm: OpNode; name: string; layerNorm: boolean } | undefined {
  const direct = index.realConsumers(input).map(({ op }) => op).find(isNorm);
  if (direct) return { norm: direct, name: direct.label, layerNorm: canonicalOp(direct) === 'layer_norm' };
  const region = handWrittenNorms(index).find((candidate) => index.throughViews(candidate.input).id === input.id);
  const first = region ? [...region.ops].sort((a, b) => a.id - b.id)[0] : undefined;
  if (!region || !first) return undefined;
  return { norm: first, name: `hand-written ${region.centered ? 'LayerNorm' : 'RMSNorm'}`, layerNorm: region.centered };
}

function remedy(norm: OpNode | string): string {
  const fused = (typeof norm === 'string' ? norm : canonicalOp(norm)) === 'rms_norm' ? "vLLM's fused_add_rms_norm" : 'apex/TransformerEngine fused layer norms';
  return `Fuse them: torch.compile (Inductor fuses the add into the norm kernel), or a fused add+norm kernel (${fused}, or a Triton kernel) that writes the sum and the normalised output in one pass.`;
}
