// Subscripts: indexing lists, dicts and module lists, and tensor indexing (views, gathers, slices).
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { bin, num, unknownDim, type Dim } from '../../../ir/dims';
import type { TensorValue } from '../../../ir/types';
import { broadcast, simplify } from '../../../shapes/infer';
import { field } from '../syntax';
import { UNKNOWN, type Value } from '../values';
import { findMethod } from './attributes';
import { joinPath, numericDim, withPath } from './conversions';
import { defaultEntry } from './dispatch';
import { emit } from './emit';
import { evaluate } from './expressions';
import type { Frame } from './frame';
import { callFunction } from './functions';
import type { Interpreter } from './index';
import { containerKind, containerList } from './modules';
import { tritonKernelOf } from './triton';
import { trackItemOnes } from './nonzero';

/** A slice's length: `:T` → T, `a:b` → b−a, `::2` → ⌈n/2⌉, negative literals count from the end. */
export function sliceLength(dim: Dim, parts: { start?: Value; stop?: Value; step?: Value }): Dim {
  const toDim = (v: Value | undefined): Dim | undefined => (v && v.kind !== 'none' ? numericDim(v) : undefined);
  let start = toDim(parts.start);
  let stop = toDim(parts.stop);
  const step = toDim(parts.step);
  // Negative bounds count from the end: `-1` literally, or `-self.trim` (0 − trim) symbolically.
  const fromEnd = (d: Dim | undefined): Dim | undefined => {
    if (d?.kind === 'num' && d.value < 0) return bin('+', dim, d);
    if (d?.kind === 'bin' && d.op === '-' && d.left.kind === 'num' && d.left.value === 0) return bin('-', dim, d.right);
    return d;
  };
  start = fromEnd(start);
  stop = fromEnd(stop);
  if (stop && dim.kind === 'num' && stop.kind === 'num') stop = num(Math.min(stop.value, dim.value));
  // Python clamps a slice to the dim: `[:seq_len]` of a broadcast dim of 1 (`cos_cached[:seq_len]` of a
  // [1, 1, n, d] cache) keeps its one element, whatever size the symbol takes.
  if (stop && !start && dim.kind === 'num' && dim.value === 1 && stop.kind !== 'num') stop = dim;
  const end = stop ?? dim;
  let length = start ? bin('-', end, start) : end;
  if (step && !(step.kind === 'num' && step.value === 1)) length = bin('//', bin('+', length, bin('-', step, num(1))), step);
  return simplify(length);
}

export function subscript(it: Interpreter, object: Value, node: SyntaxNode, frame: Frame): Value {
  if (object.kind === 'tensor') return subscriptValue(it, object, node, frame, true);
  const indices = node.namedChildren.filter((c): c is SyntaxNode => c !== null && c.id !== field(node, 'value')?.id);
  const first = indices[0];
  const kernel = tritonKernelOf(it, object);
  if (kernel) {
    // `kernel[grid]`, `kernel[n_rows, n_groups]`: the grid is evaluated now, called with the meta-parameters at launch.
    const grid = indices.length > 1 ? { kind: 'list' as const, items: indices.map((index) => evaluate(it, index, frame)) } : first ? evaluate(it, first, frame) : UNKNOWN;
    return { kind: 'triton_launch', kernel, grid };
  }
  if (object.kind === 'ref' && /^(triton|tl)\b/.test(object.name)) return UNKNOWN;
  if (!first) return UNKNOWN;
  // `self.features[-1]` of a subclass of nn.Sequential or nn.ModuleList indexes its layers.
  if (object.kind === 'module') {
    const kind = containerKind(object.instance.cls);
    if (kind) object = containerList(object, kind);
  }
  if (object.kind === 'list' || object.kind === 'modlist') {
    const list = object.kind === 'list' ? object : object.list;
    const path = object.kind === 'modlist' ? object.path : undefined;
    if (first.type === 'slice') {
      const [start, stop] = sliceBounds(it, first, frame);
      if (list.repeated) return object;
      const length = list.items.length;
      const from = start === undefined ? 0 : start < 0 ? start + length : start;
      const to = stop === undefined ? length : stop < 0 ? stop + length : stop;
      const items = list.items.slice(from, to);
      return object.kind === 'modlist' ? { ...object, list: { kind: 'list', items } } : { kind: 'list', items };
    }
    const index = evaluate(it, first, frame);
    if (list.repeated) return path !== undefined ? withPath(list.repeated.item, `${path}[*]`) : list.repeated.item;
    // A list a loop filled with one item standing for every pass (`kv_caches.append((k, v))` per layer, run once):
    // each index is that item.
    const only = list.items.length === 1 && it.state.listLengths.get(list.items) !== undefined ? list.items[0] : undefined;
    if (only) return path !== undefined ? withPath(only, `${path}[*]`) : only;
    if (index.kind === 'dim' && index.dim.kind === 'num') {
      const position = index.dim.value < 0 ? index.dim.value + list.items.length : index.dim.value;
      const item = list.items[position] ?? UNKNOWN;
      return path !== undefined ? withPath(item, `${path}[${position}]`) : item;
    }
    return UNKNOWN;
  }
  if (object.kind === 'dict') {
    const key = keyOf(it, node, frame);
    const value = key === undefined ? undefined : object.entries.get(key);
    if (value) return withPath(value, joinPath(object.path ?? '', key as string));
    // A dispatch table indexed by a key the code does not state (a config string): its default entry, with a note.
    const chosen = key === undefined ? defaultEntry(it, object.entries, node, frame) : undefined;
    return chosen ? withPath(chosen[1], joinPath(object.path ?? '', chosen[0])) : UNKNOWN;
  }
  // An instance of a class with `__getitem__` (transformers' ModelOutput: `outputs[0]`) is indexed by it.
  const getItem = object.kind === 'object' && object.cls ? findMethod(object.cls, '__getitem__') : undefined;
  if (getItem) return callFunction(it, getItem, [evaluate(it, first, frame)], new Map(), frame, object, node, false);
  return UNKNOWN;
}

export function keyOf(it: Interpreter, node: SyntaxNode, frame: Frame): string | undefined {
  const index = node.namedChildren.find((c) => c !== null && c.id !== field(node, 'value')?.id);
  if (!index) return undefined;
  const value = evaluate(it, index, frame);
  return value.kind === 'str' ? value.value : undefined;
}

export function sliceBounds(it: Interpreter, slice: SyntaxNode, frame: Frame): [number | undefined, number | undefined] {
  const parts = sliceParts(it, slice, frame);
  const literalOf = (v: Value | undefined): number | undefined => (v?.kind === 'dim' && v.dim.kind === 'num' ? v.dim.value : undefined);
  return [literalOf(parts.start), literalOf(parts.stop)];
}

/** Splits `a:b:c` into its parts; tree-sitter gives the slice's children around the colons. */
export function sliceParts(it: Interpreter, slice: SyntaxNode, frame: Frame): { start?: Value; stop?: Value; step?: Value } {
  const parts: (SyntaxNode | undefined)[] = [undefined];
  for (const child of slice.children) {
    if (!child) continue;
    if (child.type === ':') parts.push(undefined);
    else if (child.type !== 'comment') parts[parts.length - 1] = child;
  }
  const value = (n: SyntaxNode | undefined): Value | undefined => (n ? evaluate(it, n, frame) : undefined);
  return { start: value(parts[0]), stop: value(parts[1]), step: value(parts[2]) };
}

/**
 * Tensor indexing: ints drop a dim, slices shorten it, None adds one, `...` skips; a list or tensor index is advanced
 * indexing (a gather that copies), the rest is a view.
 */
export function subscriptValue(it: Interpreter, object: Extract<Value, { kind: 'tensor' }>, node: SyntaxNode, frame: Frame, emitOp: boolean): Value {
  const valueNode = field(node, 'value');
  const indices = node.namedChildren.filter((c): c is SyntaxNode => c !== null && c.id !== valueNode?.id && c.type !== 'comment');
  const shape = object.tensor.shape;
  const gathered: TensorValue[] = [];
  // Integers of list indices (`x[:, [-1], :]`): PyTorch turns them into an int64 index tensor the gather reads.
  let listIndexElements = 0;
  let advanced = false;
  // Where the index tensors' broadcast shape sits in the result, and that shape.
  let advancedAt = 0;
  let advancedShape: readonly Dim[] | undefined;
  const out: Dim[] = [];
  let position = 0;
  let known = shape !== null;
  const ellipsisAt = indices.findIndex((i) => i.type === 'ellipsis');
  const consumed = indices.filter((i) => i.type !== 'ellipsis' && i.type !== 'none').length;
  for (let k = 0; k < indices.length; k++) {
    const index = indices[k] as SyntaxNode;
    if (index.type === 'ellipsis') {
      const skip = shape ? shape.length - consumed : 0;
      for (let s = 0; s < skip; s++) out.push((shape as readonly Dim[])[position++] as Dim);
      continue;
    }
    if (index.type === 'none') {
      out.push(num(1));
      continue;
    }
    const dim = shape?.[position];
    if (index.type === 'slice') {
      const parts = sliceParts(it, index, frame);
      position++;
      if (!dim) {
        known = false;
        continue;
      }
      out.push(sliceLength(dim, parts));
      continue;
    }
    const value = evaluate(it, index, frame);
    position++;
    if (value.kind === 'list' || value.kind === 'tensor') {
      advanced = true;
      if (value.kind === 'tensor') {
        gathered.push(value.tensor);
        const indexShape = value.tensor.dtype === 'bool' ? [unknownDim('number of true elements in a boolean mask')] : value.tensor.shape;
        if (!indexShape) known = false;
        else if (!advancedShape) {
          advancedAt = out.length;
          advancedShape = indexShape;
          out.push(...indexShape);
        } else {
          // Index tensors broadcast together into one shape, PyTorch's rule: `probs[token_idx, expert_idx]` with two
          // [n] indices is [n], not [n, n]. Side by side it stays where the first was; apart, it goes first.
          const merged = broadcast([advancedShape, indexShape]);
          const adjacent = out.length === advancedAt + advancedShape.length;
          if (!merged) known = false;
          else {
            out.splice(advancedAt, advancedShape.length);
            if (!adjacent) advancedAt = 0;
            out.splice(advancedAt, 0, ...merged);
            advancedShape = merged;
          }
        }
      } else {
        out.push(num(value.items.length));
        listIndexElements += value.items.length;
      }
      continue;
    }
    // A slice object (`slice_indices = slice(-logits_to_keep, None)`, then `h[:, slice_indices, :]`) slices.
    if (value.kind === 'object' && !value.cls && value.attrs.has('start') && value.attrs.has('stop') && value.attrs.has('step')) {
      if (!dim) known = false;
      else out.push(sliceLength(dim, { start: value.attrs.get('start'), stop: value.attrs.get('stop'), step: value.attrs.get('step') }));
      continue;
    }
    // A name holding None adds a dim, as the literal does.
    if (value.kind === 'none') {
      position--;
      out.push(num(1));
      continue;
    }
    // An integer index selects: the dim disappears. An index MemWall cannot read leaves the shape unknown, never a
    // dim dropped that may be kept.
    if (value.kind !== 'dim' && value.kind !== 'scalar' && value.kind !== 'bool' && value.kind !== 'free') known = false;
  }
  if (ellipsisAt < 0 && shape) for (; position < shape.length; position++) out.push(shape[position] as Dim);
  const resultShape = known && shape ? out : null;
  if (!emitOp) return { kind: 'tensor', tensor: it.builder.value(resultShape, object.tensor.dtype) };
  const label = `${valueNode?.text ?? ''}[${indices.map((i) => i.text).join(', ')}]`.slice(0, 80);
  const op = advanced ? 'torch.Tensor.index' : 'torch.Tensor.__getitem__';
  const strided = !advanced && indices.some((index, k) => k > 0 && index.type !== 'ellipsis' && !(index.type === 'slice' && index.text.replace(/\s/g, '') === ':'));
  const attrs = { ...(resultShape ? { shape: resultShape } : {}), ...(listIndexElements > 0 ? { listIndexElements } : {}) };
  const result = emit(it, op, label, node, [object.tensor, ...gathered], attrs, frame, { shapes: [resultShape], strided });
  // `expert_mask[expert_idx]`: one item of a one-hot mask along its first dim (nonzero.ts).
  if (result.kind === 'tensor' && indices.length === 1 && !advanced && shape && resultShape?.length === shape.length - 1) trackItemOnes(it, object.tensor, result.tensor);
  return result;
}
