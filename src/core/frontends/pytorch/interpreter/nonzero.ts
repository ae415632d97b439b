// One-hot masks and the counts they make known: how many indices `torch.where(mask)` and `nonzero` return.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import type { CatalogEntry } from '../../../ir/catalog';
import { nonzero, nonzeroTuple } from '../../../ir/catalog/reduction';
import { bin, num, product, unknownDim, type Dim } from '../../../ir/dims';
import type { AttrValue, TensorValue } from '../../../ir/types';
import { simplify } from '../../../shapes/infer';
import { field } from '../syntax';
import type { Interpreter } from './index';

/**
 * Ops that keep every element of their input, so a one-hot mask stays one with as many ones: views, copies into
 * another layout, and casts (`masks.permute(2, 0, 1)`, `mask.bool()`).
 */
const KEEPS_ELEMENTS: ReadonlySet<string> = new Set(
  ['permute', 'transpose', 'view', 'reshape', 'contiguous', 'flatten', 't', 'to', 'bool', 'int', 'long', 'float', 'half', 'bfloat16', 'clone'].flatMap((name) => [
    `torch.${name}`,
    `torch.Tensor.${name}`,
  ]),
);

/** `a == b` as the catalog names it. */
const EQUALS: ReadonlySet<string> = new Set(['torch.eq', 'torch.Tensor.eq', 'torch.Tensor.__eq__']);

/** Ops whose output is the indices of their input's nonzero elements, a count only the data knows. */
const NONZERO_OPS: ReadonlySet<string> = new Set(['torch.where', 'torch.nonzero', 'torch.Tensor.nonzero', 'torch.argwhere', 'torch.Tensor.argwhere']);

/**
 * After an op: where its output is a one-hot mask, or keeps one, how many ones it holds. `F.one_hot(indices, E)` has one
 * per index; `indices.unsqueeze(-1) == torch.arange(E)` (litgpt's and Mistral's reference MoE write the one-hot so) has
 * one per index too, each index being one of the range's values (a routing index among E experts).
 */
export function trackOnes(it: Interpreter, op: string, inputs: readonly TensorValue[], outputs: readonly TensorValue[]): void {
  const output = outputs[0];
  if (!output || outputs.length !== 1) return;
  if (op === 'torch.arange' && output.shape?.length === 1) {
    it.ranges.add(output.id);
    return;
  }
  const first = inputs[0];
  if (!first) return;
  if (op === 'torch.nn.functional.one_hot') {
    if (first.shape) it.onesOf.set(output.id, simplify(product(first.shape)));
    return;
  }
  if (EQUALS.has(op) && inputs.length === 2) {
    const [indices, range] = it.ranges.has((inputs[1] as TensorValue).id) ? [first, inputs[1] as TensorValue] : it.ranges.has(first.id) ? [inputs[1] as TensorValue, first] : [];
    const last = indices?.shape?.[indices.shape.length - 1];
    if (indices?.shape && range?.shape && last?.kind === 'num' && last.value === 1) it.onesOf.set(output.id, simplify(product(indices.shape)));
    return;
  }
  const ones = it.onesOf.get(first.id);
  if (ones !== undefined && KEEPS_ELEMENTS.has(op)) it.onesOf.set(output.id, ones);
}

/**
 * One item of a one-hot mask along its first dim (`for mask in masks`, `zip(masks, self.experts)`, `masks[i]`): the
 * ones spread evenly over the items, as a router's load-balancing loss aims for, so each holds ones / first dim on
 * average. Records it for the item and returns nothing when the mask is not one MemWall counts.
 */
export function trackItemOnes(it: Interpreter, tensor: TensorValue, item: TensorValue): void {
  const ones = it.onesOf.get(tensor.id);
  const first = tensor.shape?.[0];
  if (ones !== undefined && first) it.onesOf.set(item.id, simplify(bin('/', ones, first)));
}

/**
 * The data-dependent form of `torch.where(mask)` and `nonzero`: the entry that prices it (the mask read once, the
 * indices written once) and its outputs' shapes, each index tensor as long as the mask's count of ones where MemWall
 * knows it (a one-hot mask), else of a size only the data gives (left unpriced, with why).
 */
export function nonzeroForm(
  it: Interpreter,
  op: string,
  inputs: readonly TensorValue[],
  attrs: Record<string, AttrValue>,
  node: SyntaxNode,
): { readonly entry: CatalogEntry; readonly shapes: (readonly Dim[] | null)[] } | undefined {
  const mask = inputs[0];
  if (!NONZERO_OPS.has(op) || !mask) return undefined;
  const entry = op === 'torch.where' || attrs.as_tuple === true ? nonzeroTuple : nonzero;
  if (!mask.shape) return { entry, shapes: [null] };
  const label = (node.type === 'call' ? field(node, 'arguments')?.namedChildren[0]?.text : undefined) ?? 'the mask';
  const count = it.onesOf.get(mask.id) ?? unknownDim(`number of nonzero elements of \`${label.slice(0, 40)}\`, which only the data gives`);
  const rank = mask.shape.length;
  if (entry.multiOutput) return { entry, shapes: Array.from({ length: rank }, () => [count]) };
  return { entry, shapes: [[count, num(rank)]] };
}
