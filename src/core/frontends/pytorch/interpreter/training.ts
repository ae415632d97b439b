// A training step as scripts write it: optimizers and the parameters they update, GradScaler, loss.backward(), frozen modules.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { OPTIMIZER_DEFAULTS } from '../../../ir/catalog/training';
import { bin, num, product, unknownDim, type Dim } from '../../../ir/dims';
import type { AttrValue, TensorValue } from '../../../ir/types';
import { simplify } from '../../../shapes/infer';
import { NONE, UNKNOWN, type Value } from '../values';
import { valueToAttr } from './conversions';
import { emit } from './emit';
import type { Frame } from './frame';
import type { Interpreter } from './index';

/**
 * Attribute names Python code cannot write (they hold `<`), under which the values here keep what they are: an
 * object made by `model.parameters()`, an optimizer, a GradScaler.
 */
const PARAMETERS_OF = '<parameters of>';
const OPTIMIZER = '<optimizer>';
const OPTIMIZER_GROUPS = '<param groups>';
const GRAD_SCALER = '<grad scaler>';

/** Optimizer classes: torch.optim's, and any other library's class named like one (their step is an unknown op). */
const OPTIMIZER_CLASS = /^torch\.optim\.[A-Z]\w*$/;
const GRAD_SCALERS = new Set(['torch.cuda.amp.GradScaler', 'torch.amp.GradScaler', 'torch.cuda.amp.grad_scaler.GradScaler', 'torch.amp.grad_scaler.GradScaler']);

/** True for the objects made here: an optimizer, a GradScaler, a parameter set. */
export function isTrainingObject(object: Extract<Value, { kind: 'object' }>): boolean {
  return object.attrs.has(OPTIMIZER) || object.attrs.has(GRAD_SCALER) || object.attrs.has(PARAMETERS_OF);
}

/** `model.parameters()`: the module (or layer, or list of them) whose parameters the optimizer will update. */
export function parameterSet(owner: Value): Value {
  return { kind: 'object', attrs: new Map<string, Value>([[PARAMETERS_OF, owner]]) };
}

/** An optimizer or a GradScaler built by a library call; undefined for every other name. */
export function constructTrainingObject(name: string, positional: readonly Value[], keywords: ReadonlyMap<string, Value>): Value | undefined {
  if (GRAD_SCALERS.has(name)) return { kind: 'object', attrs: new Map<string, Value>([[GRAD_SCALER, { kind: 'bool', value: true }]]) };
  if (!OPTIMIZER_CLASS.test(name) || name.startsWith('torch.optim.lr_scheduler')) return undefined;
  const params = positional[0] ?? keywords.get('params') ?? UNKNOWN;
  const attrs = new Map<string, Value>([[OPTIMIZER, { kind: 'str', value: name }], [OPTIMIZER_GROUPS, { kind: 'list', items: [params] }]]);
  // Hyper-parameters as the call gives them; `keywords` outrank the class defaults when the step is priced.
  for (const [key, value] of keywords) if (key !== 'params') attrs.set(key, value);
  return { kind: 'object', attrs };
}

/**
 * Methods of an optimizer or a GradScaler: `step()` is an op; `zero_grad()` launches nothing by default
 * (set_to_none=True since PyTorch 2.0); undefined when the receiver is neither.
 */
export function trainingMethod(
  it: Interpreter,
  receiver: Extract<Value, { kind: 'object' }>,
  name: string,
  positional: readonly Value[],
  keywords: ReadonlyMap<string, Value>,
  node: SyntaxNode,
  frame: Frame,
  label: string,
): Value | undefined {
  const optimizer = receiver.attrs.get(OPTIMIZER);
  if (optimizer?.kind === 'str') {
    switch (name) {
      case 'step':
        return optimizerStep(it, receiver, optimizer.value, node, frame, label);
      case 'add_param_group': {
        const groups = receiver.attrs.get(OPTIMIZER_GROUPS);
        if (groups?.kind === 'list' && positional[0]) receiver.attrs.set(OPTIMIZER_GROUPS, { kind: 'list', items: [...groups.items, { kind: 'list', items: [positional[0]] }] });
        return NONE;
      }
      default:
        // zero_grad, state_dict, load_state_dict: host bookkeeping, or a memset MemWall leaves out (set_to_none=False).
        return NONE;
    }
  }
  if (receiver.attrs.has(GRAD_SCALER)) {
    switch (name) {
      case 'scale': {
        // `scaler.scale(loss)`: the loss times the scale factor, one small kernel; its backward runs from the product.
        const loss = positional[0];
        if (loss?.kind !== 'tensor') return loss ?? UNKNOWN;
        return emit(it, 'torch.mul', label, node, [loss.tensor], {}, frame);
      }
      case 'step': {
        // Unscales the gradients (a pass over every one), then steps the optimizer unless they hold inf or NaN.
        const inner = positional[0];
        if (inner?.kind !== 'object' || inner.attrs.get(OPTIMIZER)?.kind !== 'str') return NONE;
        const params = parameterTensor(it, inner);
        emit(it, 'torch.cuda.amp.GradScaler.unscale_', `${label} (unscale gradients)`, node, [params], {}, frame, { shapes: [params.shape] });
        return optimizerStep(it, inner, (inner.attrs.get(OPTIMIZER) as { value: string }).value, node, frame, label);
      }
      default:
        // update(), unscale_() before clipping (priced with step), get_scale(): host work or one-element kernels.
        return NONE;
    }
  }
  void keywords;
  return undefined;
}

/** `optimizer.step()`: one op over every parameter element the optimizer updates, with its hyper-parameters as attributes. */
function optimizerStep(it: Interpreter, optimizer: Extract<Value, { kind: 'object' }>, className: string, node: SyntaxNode, frame: Frame, label: string): Value {
  const params = parameterTensor(it, optimizer);
  const attrs: Record<string, AttrValue> = { ...(OPTIMIZER_DEFAULTS[className] ?? {}) };
  for (const [key, value] of optimizer.attrs) {
    if (key.startsWith('<')) continue;
    const attr = valueToAttr(value);
    // A hyper-parameter the code gives but MemWall cannot read counts as set (the catalog's formula says so).
    attrs[key] = attr === null && value.kind !== 'none' ? true : attr;
  }
  emit(it, `${className}.step`, label, node, [params], attrs, frame, { shapes: [params.shape] });
  return NONE;
}

/**
 * The parameters an optimizer updates as one flat tensor of N elements, in the parameters' dtype: N sums every
 * trainable parameter of its groups once (tied weights once), times the repeat count of a repeated block. Shape null,
 * with why in its origin, when a group's parameters are not known.
 */
function parameterTensor(it: Interpreter, optimizer: Extract<Value, { kind: 'object' }>): TensorValue {
  const groups = optimizer.attrs.get(OPTIMIZER_GROUPS);
  return parametersAsTensor(it, groups?.kind === 'list' ? groups.items : []);
}

/** What `parameterTensor` does for any parameters argument: `model.parameters()`, lists of tensors, parameter groups. */
function parametersAsTensor(it: Interpreter, items: readonly Value[]): TensorValue {
  const counter = new ParameterCounter();
  for (const item of items) counter.addGroups(item);
  if (counter.unknown || counter.tensors === 0) {
    const why = counter.unknown ?? 'no trainable parameter found in its parameter groups';
    return it.builder.value(null, 'default', `the parameters it updates: ${why}`);
  }
  return it.builder.value([simplify(counter.elements)], 'default', `the ${counter.describe()} parameters it updates, flattened`);
}

/** Sums the elements of the trainable parameters found in an optimizer's parameter groups. */
class ParameterCounter {
  elements: Dim = num(0);
  tensors = 0;
  /** Why the count is not known, in words, once something is not. */
  unknown: string | undefined;
  private readonly seen = new Set<number>();

  describe(): string {
    return this.tensors === 1 ? '1 tensor of' : `${this.tensors} tensors of`;
  }

  /** What an optimizer takes: `model.parameters()`, a list of tensors, or a list of groups (`{'params': ..., 'lr': ...}`). */
  addGroups(value: Value): void {
    if (value.kind === 'list' && !value.repeated) {
      for (const item of value.items) {
        if (item.kind === 'dict') {
          const params = item.entries.get('params');
          if (params) this.addParams(params, num(1));
          else this.unknown ??= 'a parameter group without its params';
        } else this.addGroups(item);
      }
      return;
    }
    this.addParams(value, num(1));
  }

  addParams(value: Value, count: Dim, depth = 0): void {
    if (depth > 32) return;
    switch (value.kind) {
      case 'tensor':
        this.addTensor(value.tensor, count);
        return;
      case 'object': {
        const owner = value.attrs.get(PARAMETERS_OF);
        if (owner) this.addModule(owner, count, depth + 1);
        else this.unknown ??= 'an object MemWall cannot read as parameters';
        return;
      }
      case 'list':
        if (value.repeated) this.addParams(value.repeated.item, simplify(bin('*', count, value.repeated.count)), depth + 1);
        else for (const item of value.items) this.addParams(item, count, depth + 1);
        return;
      default:
        this.unknown ??= 'parameters MemWall cannot list (built by code it does not follow, e.g. a filter or a comprehension over named_parameters())';
    }
  }

  /** A module's parameters as `parameters()` walks them: its tensors, its layers' weights, its submodules and lists. */
  addModule(value: Value, count: Dim, depth: number): void {
    if (depth > 32) return;
    switch (value.kind) {
      case 'module':
        for (const attribute of value.instance.attrs.values()) {
          if (attribute.kind === 'tensor') this.addTensor(attribute.tensor, count);
          else this.addModule(attribute, count, depth + 1);
        }
        return;
      case 'layer':
        for (const tensor of value.layer.params.values()) this.addTensor(tensor, count);
        return;
      case 'modlist':
        this.addModule(value.list, count, depth + 1);
        return;
      case 'list':
        // A plain list of layers is not registered with the module (only nn.ModuleList is): only walked inside a modlist.
        if (value.repeated) this.addModule(value.repeated.item, simplify(bin('*', count, value.repeated.count)), depth + 1);
        else for (const item of value.items) if (item.kind === 'module' || item.kind === 'layer' || item.kind === 'modlist' || item.kind === 'list') this.addModule(item, count, depth + 1);
        return;
      case 'dict':
        // nn.ModuleDict and nn.ParameterDict.
        for (const entry of value.entries.values()) {
          if (entry.kind === 'tensor') this.addTensor(entry.tensor, count);
          else if (entry.kind === 'module' || entry.kind === 'layer' || entry.kind === 'modlist') this.addModule(entry, count, depth + 1);
        }
        return;
      case 'object':
        if (value.attrs.has(PARAMETERS_OF)) this.addParams(value, count, depth + 1);
        return;
      default:
        if (depth <= 1) this.unknown ??= 'the model it was given is not known';
    }
  }

  private addTensor(tensor: TensorValue, count: Dim): void {
    if (tensor.trainable !== true || this.seen.has(tensor.id)) return;
    this.seen.add(tensor.id);
    this.tensors++;
    const size = tensor.shape ? product(tensor.shape) : unknownDim(`the shape of ${tensor.origin ?? 'a parameter'}`);
    this.elements = bin('+', this.elements, bin('*', count, size));
  }
}

/**
 * `module.requires_grad_(False)`: the module's parameters are frozen (no gradient, no update); `True` makes them
 * trainable again. Layers' parameter maps and module attributes take the changed tensors, so ops that run later read them.
 */
export function setRequiresGrad(owner: Value, positional: readonly Value[], keywords: ReadonlyMap<string, Value>, depth = 0): void {
  if (depth > 32) return;
  const flag = positional[0] ?? keywords.get('requires_grad');
  const trainable = !(flag?.kind === 'bool' && flag.value === false);
  // Only parameters change (trainable true or false); buffers and other tensors (trainable unset) stay as they are.
  const retag = (tensor: TensorValue): TensorValue => (tensor.trainable === undefined || tensor.trainable === trainable ? tensor : { ...tensor, trainable });
  switch (owner.kind) {
    case 'module':
      for (const [name, attribute] of owner.instance.attrs) {
        if (attribute.kind === 'tensor') owner.instance.attrs.set(name, { kind: 'tensor', tensor: retag(attribute.tensor) });
        else setRequiresGrad(attribute, positional, keywords, depth + 1);
      }
      return;
    case 'layer':
      for (const [name, tensor] of owner.layer.params) owner.layer.params.set(name, retag(tensor));
      return;
    case 'modlist':
      setRequiresGrad(owner.list, positional, keywords, depth + 1);
      return;
    case 'list':
      if (owner.repeated) setRequiresGrad(owner.repeated.item, positional, keywords, depth + 1);
      else for (const item of owner.items) setRequiresGrad(item, positional, keywords, depth + 1);
      return;
    case 'dict':
      for (const [key, entry] of owner.entries) {
        if (entry.kind === 'tensor') owner.entries.set(key, { kind: 'tensor', tensor: retag(entry.tensor) });
        else setRequiresGrad(entry, positional, keywords, depth + 1);
      }
      return;
    default:
      return;
  }
}

/**
 * `torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)`: one op over every gradient element, the norm's pass
 * and the scaling pass (torch/nn/utils/clip_grad.py multiplies every gradient by the clamped coefficient).
 */
export function clipGradients(it: Interpreter, positional: readonly Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame, label: string): Value {
  const params = parametersAsTensor(it, [positional[0] ?? keywords.get('parameters') ?? UNKNOWN]);
  emit(it, 'torch.nn.utils.clip_grad_norm_', label, node, [params], {}, frame, { shapes: [params.shape] });
  // The total norm, a one-element tensor the caller may log.
  return { kind: 'scalar' };
}

/** `loss.backward()`: one op reading the loss; cost/training.ts prices it from the forward ops it differentiates. */
export function emitBackward(it: Interpreter, loss: TensorValue, node: SyntaxNode, frame: Frame, label: string): Value {
  emit(it, 'torch.Tensor.backward', label, node, [loss], {}, frame, { shapes: [] });
  return NONE;
}
