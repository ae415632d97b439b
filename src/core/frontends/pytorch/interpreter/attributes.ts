// Attribute access on every kind of value: tensors, modules, layers, configs, classes, library references.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { lookupEntry } from '../../../ir/catalog';
import { num, sym } from '../../../ir/dims';
import type { AttrValue } from '../../../ir/types';
import { dtypeNamed } from '../../../ir/dtypes';
import { UNKNOWN, type ClassInfo, type FunctionInfo, type Value } from '../values';
import { isAutogradFunction } from './autograd';
import { attrToValue, baseClass, joinPath, withPath } from './conversions';
import { emit } from './emit';
import { evaluate } from './expressions';
import type { Frame } from './frame';
import { importModule } from './imports';
import { libraryMember } from '../libraries';
import type { Interpreter } from './index';
import { isScriptObject } from './scripts';
import { isTrainingObject } from './training';

/** Attributes only tensors have: reading them marks a free parameter as a tensor. */
const TENSOR_ONLY_ATTRIBUTES = new Set(['shape', 'size', 'dtype', 'device', 'ndim', 'dim', 'T', 'mT', 'numel', 'contiguous']);

export function attribute(it: Interpreter, object: Value, name: string, frame: Frame, node: SyntaxNode): Value {
  switch (object.kind) {
    case 'ref': {
      const dtype = object.name === 'torch' ? dtypeNamed(name) : undefined;
      if (dtype) return { kind: 'dtype', dtype };
      // A library layer that runs several kernels, described as the Python it runs (libraries/): followed like code.
      return libraryMember(it, object.name, name) ?? { kind: 'ref', name: `${object.name}.${name}` };
    }
    case 'usermodule': {
      const file = object.file;
      const value = file.globals.get(name);
      if (value) return value;
      const cls = file.classes.get(name);
      if (cls) return { kind: 'class', cls };
      const fn = file.functions.get(name);
      if (fn) return { kind: 'function', fn };
      const sub = it.modules.has(`${file.name}.${name}`) ? importModule(it, `${file.name}.${name}`) : undefined;
      return sub ?? UNKNOWN;
    }
    case 'tensor':
      return tensorAttribute(it, object, name, frame, node);
    case 'module': {
      const value = object.instance.attrs.get(name);
      if (value) return withPath(value, joinPath(object.path, name));
      if (name === 'training') return { kind: 'bool', value: true };
      const method = findMethod(object.instance.cls, name);
      if (method) return { kind: 'function', fn: method, self: boundTo(method, object, object.instance.cls) };
      const field = classField(it, object.instance.cls, name, frame);
      if (field) return field;
      return { kind: 'method', receiver: object, name };
    }
    case 'layer': {
      const param = object.layer.params.get(name);
      if (param) return { kind: 'tensor', tensor: param };
      if (name in object.layer.args) return attrToValue(object.layer.args[name] as AttrValue);
      if (name === 'training') return { kind: 'bool', value: true };
      return { kind: 'method', receiver: object, name };
    }
    case 'modlist':
    case 'list':
      return { kind: 'method', receiver: object, name };
    case 'dict': {
      const value = object.entries.get(name);
      if (value) return withPath(value, joinPath(object.path ?? '', name));
      return { kind: 'method', receiver: object, name };
    }
    case 'object': {
      if (isScriptObject(object)) return { kind: 'method', receiver: object, name };
      const value = object.attrs.get(name);
      if (value) return value;
      // An optimizer's or a GradScaler's methods (`optimizer.step`): training.ts gives them their meaning.
      if (isTrainingObject(object)) return { kind: 'method', receiver: object, name };
      if (object.cls) {
        const method = findMethod(object.cls, name);
        if (method) return { kind: 'function', fn: method, self: boundTo(method, object, object.cls) };
        const field = classField(it, object.cls, name, frame);
        if (field) return field;
      }
      return { kind: 'dim', dim: sym(name) };
    }
    case 'free': {
      // A root's parameter used like a tensor (`x.pow(2)`, `x.shape`) is a tensor whose shape nobody declared.
      if (TENSOR_ONLY_ATTRIBUTES.has(name) || lookupEntry(`torch.Tensor.${name}`)) {
        const tensor: Value = { kind: 'tensor', tensor: it.builder.value(null, 'default', `param ${object.name}`) };
        if (frame.env.get(object.name) === object) frame.env.set(object.name, tensor);
        return attribute(it, tensor, name, frame, node);
      }
      // `config.n_embd` on a config MemWall has no instance of: the attribute's name is the symbol.
      return { kind: 'free', name };
    }
    case 'class': {
      if (name === 'apply' && isAutogradFunction(object.cls)) return { kind: 'method', receiver: object, name };
      const method = findMethod(object.cls, name);
      if (method) return { kind: 'function', fn: method, self: boundTo(method, undefined, object.cls) };
      return classField(it, object.cls, name, frame) ?? UNKNOWN;
    }
    case 'super': {
      const base = object.cls.bases.find((b) => b.kind === 'class' || b.kind === 'ref');
      if (base?.kind === 'class') {
        const method = findMethod(base.cls, name);
        if (method) return { kind: 'function', fn: method, self: object.self };
      }
      return { kind: 'method', receiver: object, name };
    }
    case 'function':
      return UNKNOWN;
    default:
      return UNKNOWN;
  }
}

export function classField(it: Interpreter, cls: ClassInfo, name: string, frame: Frame): Value | undefined {
  for (let current: ClassInfo | undefined = cls; current; current = baseClass(current)) {
    if (current.fields.has(name)) {
      const node = current.fields.get(name);
      return node ? evaluate(it, node, { ...frame, env: new Map(), file: current.file, emit: false }) : UNKNOWN;
    }
  }
  return undefined;
}

export function findMethod(cls: ClassInfo, name: string): FunctionInfo | undefined {
  for (let current: ClassInfo | undefined = cls; current; current = baseClass(current)) {
    const method = current.methods.get(name);
    if (method) return method;
  }
  return undefined;
}

export function tensorAttribute(it: Interpreter, object: Extract<Value, { kind: 'tensor' }>, name: string, frame: Frame, node: SyntaxNode): Value {
  const shape = object.tensor.shape;
  switch (name) {
    case 'shape':
      return shape ? { kind: 'list', items: shape.map((d) => ({ kind: 'dim', dim: d })) } : UNKNOWN;
    case 'dtype':
      // A tensor of the analysis dtype has that dtype: `input_dtype = x.dtype` then `.to(input_dtype)` casts back to it.
      return object.tensor.dtype ? { kind: 'dtype', dtype: object.tensor.dtype } : UNKNOWN;
    case 'ndim':
      return shape ? { kind: 'dim', dim: num(shape.length) } : UNKNOWN;
    case 'T':
    case 'mT':
      return emit(it, `torch.Tensor.${name}`, `.${name}`, node, [object.tensor], {}, frame);
    case 'device':
    case 'is_cuda':
    case 'requires_grad':
    case 'grad':
      return UNKNOWN;
    default:
      return { kind: 'method', receiver: object, name };
  }
}

/**
 * What a method's first parameter receives: a @classmethod gets the class (`cls(...)` in `from_init_params` builds
 * it), through the class or an instance; other methods get the instance (none when called on the class itself).
 */
function boundTo(method: FunctionInfo, instance: Value | undefined, cls: ClassInfo): Value | undefined {
  return method.decorators.includes('classmethod') ? { kind: 'class', cls } : instance;
}
