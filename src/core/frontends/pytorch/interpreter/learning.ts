// Learning mode's hooks: what the trial run of a root tells the shape learner (shapes/learn.ts) about its inputs.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import type { CatalogEntry, DimRole } from '../../../ir/catalog';
import { einopsInputFromOutput } from '../../../ir/catalog/inputs';
import { formatDim, sameDim, sym, type Dim } from '../../../ir/dims';
import type { AttrValue, TensorValue } from '../../../ir/types';
import type { ShapeLearner } from '../../../shapes/learn';
import { field } from '../syntax';
import { sourceSpan } from './emit';
import type { Frame } from './frame';
import type { DeclaredShape } from './functions';
import type { Interpreter } from './index';

/** A shape of free symbols: an op preserves its input's shape when it gives this back unchanged. */
const PROBE: readonly Dim[] = [sym('\u00a7probe0'), sym('\u00a7probe1'), sym('\u00a7probe2')];

/** Layers whose template for their input fixes the dims they read (features, channels, a table's indices). */
const LAYER_CATEGORIES: ReadonlySet<string> = new Set(['matmul', 'conv', 'normalization', 'embedding']);

/** `torch.nn.Conv2d` → `Conv2d`, `torch.Tensor.matmul` → `matmul`: the name a user recognises. */
function shortName(op: string): string {
  return op.slice(op.lastIndexOf('.') + 1);
}

function lineOf(node: SyntaxNode, frame: Frame): number {
  return sourceSpan(node, frame).startLine + 1;
}

/**
 * Before an op runs on a tracked input: the layer's template for its input (Conv2d(3, 64) → [B, 3, height, width]),
 * a contraction against a known matrix (`x @ W` → x's last dim), or a broadcast against a known tensor.
 */
export function learnFromOp(
  learner: ShapeLearner,
  op: string,
  entry: CatalogEntry | undefined,
  label: string,
  inputs: readonly TensorValue[],
  attrs: Record<string, AttrValue>,
  node: SyntaxNode,
  frame: Frame,
): void {
  const first = inputs[0];
  if (!entry || !first) return;
  if (entry.category === 'creation' && !entry.signature?.includes('input')) {
    // A creation op takes no tensor (arange, zeros(n)): an input handed to it (`torch.arange(0, n)`) is a number.
    for (const input of inputs) if (learner.tracks(input.id)) learner.notATensor(input.id);
    return;
  }
  const where = (what: string): string => `${label || shortName(op)} (${what}) at line ${lineOf(node, frame)}`;
  if (learner.tracks(first.id) && entry.inputShape) {
    let template;
    try {
      template = entry.inputShape({ inputs: inputs.map((input) => input.shape), attrs });
    } catch {
      template = null;
    }
    if (template) learner.template(first.id, template, where(`${shortName(op)}, ${template.why}`));
    return;
  }
  if (entry.inputShape && first.shape && LAYER_CATEGORIES.has(entry.category)) {
    // `B, T, C = x.size(); x = x.view(-1, C); self.gate(x)`: the layer meets a tensor made from the input's unpacked
    // dims, not the input; the dims the layer fixes are what those unpacked dims equal. A reshape's template is the
    // shape it makes, not dims it reads, and is left out.
    let template;
    try {
      template = entry.inputShape({ inputs: inputs.map((input) => input.shape), attrs });
    } catch {
      template = null;
    }
    if (template && (template.leading || template.dims.length === first.shape.length)) {
      for (let k = 1; k <= Math.min(template.dims.length, first.shape.length); k++) {
        const fixed = template.dims[template.dims.length - k] as Dim | DimRole;
        if (typeof fixed !== 'string') learner.equal(first.shape[first.shape.length - k] as Dim, fixed, where(`${shortName(op)}, ${template.why}`));
      }
    }
  }
  const second = inputs[1];
  if (!second) return;
  if (entry.category === 'matmul' && learner.tracks(first.id) && !learner.tracks(second.id) && second.shape?.length === 2) {
    learner.contraction(first.id, second.shape[0] as Dim, where(`${shortName(op)} with [${second.shape.length} dims]`));
    return;
  }
  if (entry.category !== 'pointwise' || inputs.length !== 2) return;
  const [tracked, other] = learner.tracks(first.id) ? [first, second] : learner.tracks(second.id) ? [second, first] : [undefined, undefined];
  if (tracked && other && !learner.tracks(other.id) && other.shape && other.shape.length >= 2) {
    learner.broadcast(tracked.id, other.shape, where(`${shortName(op)} with a known tensor`));
  } else if (tracked && other && !learner.tracks(other.id) && other.shape?.length === 1) {
    // `x_normed * self.weight` with a weight of [size]: a per-feature vector broadcasts along the last dim, which is
    // its size; the leading dims are a batch and a sequence by default, as for a contraction. A [1] says nothing.
    const size = other.shape[0] as Dim;
    if (size.kind === 'num' && size.value === 1) return;
    learner.template(tracked.id, { dims: ['batch', 'sequence', size], leading: true, why: `broadcast against a vector of ${formatDim(size)}` }, where(`${shortName(op)} with a per-feature vector`));
  }
}

/** After an op: a shape-preserving op's output (dropout, an activation, `.to`) teaches the same input as its input. */
export function learnSameShape(learner: ShapeLearner, entry: CatalogEntry | undefined, inputs: readonly TensorValue[], attrs: Record<string, AttrValue>, outputs: readonly TensorValue[], node?: SyntaxNode): void {
  const output = outputs[0];
  if (!entry || !output || outputs.length !== 1) return;
  const index = inputs.findIndex((input) => learner.tracks(input.id));
  if (index < 0) return;
  if (index === 0 && node && isFlattenToLast(entry, node)) {
    // `input_ids.view(-1, input_shape[-1])`, as Hugging Face models open their forward: flattening the leading dims
    // and keeping the last leaves a 2-D input as it is, so the input is learned as the 2-D tensor its view becomes.
    learner.same(output.id, (inputs[0] as TensorValue).id);
    return;
  }
  if (!entry.infer) {
    if (index === 0) learner.same(output.id, (inputs[0] as TensorValue).id);
    return;
  }
  if (entry.category === 'pointwise' && inputs.every((input) => learner.tracks(input.id) || input.shape === null || input.shape.length === 0)) {
    // `x * torch.rsqrt(norm_x + self.eps)`: in the trial run an operand of unknown shape comes from the tracked input
    // (a statistic of it, `mean(x * x, dim=-1, keepdim=True)`) and broadcasts against it, so the result keeps its shape.
    learner.same(output.id, (inputs[index] as TensorValue).id);
    return;
  }
  let shape: readonly Dim[] | null | undefined;
  try {
    [shape] = entry.infer({ inputs: inputs.map((input, i) => (i === index ? PROBE : input.shape)), attrs });
  } catch {
    shape = null;
  }
  if (shape && shape.length === PROBE.length && shape.every((dim, k) => sameDim(dim, PROBE[k] as Dim))) {
    learner.same(output.id, (inputs[index] as TensorValue).id);
  }
}

/**
 * After an einops op on a tracked input (`rearrange(img, 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)', ...)`): a later
 * layer's template for the output (`LayerNorm(patch_dim)`) teaches the input through the pattern.
 */
export function learnThroughPattern(learner: ShapeLearner, inputs: readonly TensorValue[], attrs: Record<string, AttrValue>, outputs: readonly TensorValue[]): void {
  const input = inputs[0];
  const output = outputs[0];
  if (typeof attrs.pattern !== 'string' || !input || !output || outputs.length !== 1) return;
  learner.derive(output.id, input.id, einopsInputFromOutput(attrs));
}

/** `n, c, h, w = x.shape` on a tracked input: the dims the names stand for during the trial run, or undefined. */
export function learnFromUnpack(it: Interpreter, tensor: TensorValue, names: readonly string[], text: string, node: SyntaxNode, frame: Frame): TensorValue | undefined {
  const learner = it.learner;
  if (!learner || !learner.tracks(tensor.id)) return undefined;
  const dims = learner.unpack(tensor.id, names, `\`${text.slice(0, 60)}\` at line ${lineOf(node, frame)}`);
  if (!dims) return undefined;
  const unpacked = it.builder.value(dims, tensor.dtype, tensor.origin);
  learner.same(unpacked.id, tensor.id);
  return unpacked;
}

/**
 * A helper that declares the shape of a tracked input (`n, c, h, w = x.shape` at the top of `_process_input`, or a
 * magic comment): an unpacking teaches the rank and hands back the learner's dims; a declared shape is a fact.
 */
export function learnFromDeclaration(it: Interpreter, tensor: TensorValue, shape: readonly Dim[], declaration: DeclaredShape | undefined): TensorValue | undefined {
  const learner = it.learner;
  if (!learner || !declaration || !learner.tracks(tensor.id)) return undefined;
  if (!declaration.unpacked) {
    learner.template(tensor.id, { dims: shape, why: declaration.source }, declaration.source);
    return undefined;
  }
  const dims = learner.unpack(tensor.id, declaration.unpacked, declaration.source);
  if (!dims) return undefined;
  const unpacked = it.builder.value(dims, tensor.dtype, tensor.origin);
  learner.same(unpacked.id, tensor.id);
  return unpacked;
}

/** `torch._assert(h == self.image_size, ...)`, `assert h == w`: an equality on a dim of a tracked input. */
export function learnFromEquality(learner: ShapeLearner, left: Dim, right: Dim, node: SyntaxNode, frame: Frame): void {
  learner.equal(left, right, `\`${node.text.slice(0, 60)}\` at line ${lineOf(node, frame)}`);
}

/**
 * A view or reshape to `(-1, n)`: the leading dims flattened, the last kept. Read from the call's arguments, since n
 * (`input_shape[-1]` of an input whose rank is being learned) has no value yet.
 */
function isFlattenToLast(entry: CatalogEntry, node: SyntaxNode): boolean {
  if (entry.category !== 'view' || entry.signature?.[1] !== '*shape' || node.type !== 'call') return false;
  const args = field(node, 'arguments')?.namedChildren.filter((child) => child !== null && child.type !== 'comment') ?? [];
  return args.length === 2 && args[0]?.text.replace(/\s/g, '') === '-1' && args[1]?.type !== 'keyword_argument';
}
