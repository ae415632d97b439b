// The @triton.jit functions of a file: their parameters, which receive tensors, and which kernels call which.
import type { SyntaxNode } from '../../parse/parser';
import type { KernelDefinition } from './kernel';
import { argument, callArguments, dottedName, field, namedChildren, walkTypes } from './syntax';

const WALKED_IN_KERNELS: ReadonlySet<string> = new Set(['call', 'assignment', 'augmented_assignment', 'binary_operator', 'comparison_operator']);
/** Operators a size takes part in and a pointer never does. */
const SIZE_OPERATORS: ReadonlySet<string> = new Set(['*', '/', '//', '%', '<', '<=', '>', '>=']);
/** Functions whose arguments are sizes. */
const SIZE_FUNCTIONS = /^(tl\.|triton\.language\.)?(cdiv|range|static_range)$/;
const LOAD_STORE_FUNCTIONS = /^(tl|triton\.language)\.(load|store|atomic_\w+|make_block_ptr|make_tensor_descriptor|_experimental_make_tensor_descriptor|_experimental_descriptor_load|_experimental_descriptor_store|advance)$/;

/** The kernels of one file by name, and the @triton.jit functions each kernel calls (its helpers). */
export interface FileKernels {
  readonly kernels: Map<string, KernelDefinition>;
  readonly calls: Map<string, Set<string>>;
}

/**
 * Every @triton.jit def of a file, at module level, in class bodies and in `if` blocks (feature checks), in text
 * order, with the parameters that receive tensors.
 */
export function collectKernels(root: SyntaxNode): FileKernels {
  const kernels = new Map<string, KernelDefinition>();
  const visit = (block: SyntaxNode): void => {
    for (const statement of namedChildren(block)) {
      let node = statement;
      let decorators: SyntaxNode[] = [];
      if (statement.type === 'decorated_definition') {
        decorators = namedChildren(statement).filter((c) => c.type === 'decorator');
        node = field(statement, 'definition') ?? statement;
      }
      if (node.type === 'function_definition') {
        if (decorators.some(isJitDecorator)) {
          const definition = kernelDefinition(node, statement, decorators);
          kernels.set(definition.name, definition);
        }
      } else if (node.type === 'class_definition') {
        const body = field(node, 'body');
        if (body) visit(body);
      } else if (node.type === 'if_statement') {
        // `if __name__ == "__main__":` and feature checks hold code too.
        for (const part of [field(node, 'consequence'), ...namedChildren(node).filter((c) => c.type === 'else_clause' || c.type === 'elif_clause')]) {
          const body = part?.type === 'block' ? part : part?.childForFieldName('body') ?? part?.childForFieldName('consequence');
          if (body) visit(body);
        }
      }
    }
  };
  visit(root);
  return { kernels, calls: findPointerParameters(kernels) };
}

/**
 * A kernel made by calling `triton.jit(fn)` on a plain def: added to the file's kernels, and the parameters that
 * receive tensors found again (its helpers may now see pointers through it).
 */
export function addKernel(file: FileKernels, functionNode: SyntaxNode, definitionNode: SyntaxNode): KernelDefinition {
  const name = field(functionNode, 'name')?.text ?? '?';
  const existing = file.kernels.get(name);
  if (existing?.functionNode.id === functionNode.id) return existing;
  const definition = kernelDefinition(functionNode, definitionNode, []);
  file.kernels.set(name, definition);
  for (const [kernel, callees] of findPointerParameters(file.kernels)) file.calls.set(kernel, callees);
  return definition;
}

function kernelDefinition(functionNode: SyntaxNode, definitionNode: SyntaxNode, decorators: SyntaxNode[]): KernelDefinition {
  return {
    name: field(functionNode, 'name')?.text ?? '?',
    functionNode,
    definitionNode,
    parameters: readParameters(functionNode),
    pointerParameters: new Set(),
    decorators,
  };
}

export function isJitDecorator(decorator: SyntaxNode): boolean {
  const expression = namedChildren(decorator)[0];
  const callee = expression?.type === 'call' ? field(expression, 'function') : expression;
  const name = dottedName(callee);
  return name === 'triton.jit' || name === 'jit' || name === 'triton.language.jit' || name === 'tl.jit';
}

function readParameters(functionNode: SyntaxNode): KernelDefinition['parameters'] {
  const result: { name: string; constexpr: boolean; defaultValue?: SyntaxNode }[] = [];
  for (const parameter of namedChildren(field(functionNode, 'parameters'))) {
    if (parameter.type === 'identifier') result.push({ name: parameter.text, constexpr: false });
    else if (parameter.type === 'typed_parameter') {
      const name = namedChildren(parameter).find((c) => c.type === 'identifier')?.text ?? '?';
      result.push({ name, constexpr: /constexpr/.test(field(parameter, 'type')?.text ?? '') });
    } else if (parameter.type === 'default_parameter' || parameter.type === 'typed_default_parameter') {
      const name = field(parameter, 'name')?.text ?? '?';
      result.push({
        name, constexpr: /constexpr/.test(field(parameter, 'type')?.text ?? ''),
        defaultValue: field(parameter, 'value') ?? undefined,
      });
    }
  }
  return result;
}

/**
 * Parameters that receive tensors: the names that reach the address of a tl.load/tl.store (through `+`, `-`,
 * subscripts and assignments), including through calls to other @triton.jit helpers. Strides multiply, so stay out.
 * Returns which @triton.jit functions each kernel calls. Each kernel is walked once: the syntax tree crosses the
 * wasm boundary at every node, so the fixpoint over helpers runs on what that walk collected.
 */
function findPointerParameters(kernels: Map<string, KernelDefinition>): Map<string, Set<string>> {
  interface Collected {
    readonly addressRoots: string[];
    readonly assignments: Map<string, string[]>;
    readonly helperArguments: { callee: string; parameter: string; roots: string[] }[];
  }
  const collected = new Map<string, Collected>();
  const sizeNames = new Map<string, Set<string>>();
  const calls = new Map<string, Set<string>>();
  for (const kernel of kernels.values()) {
    const data: Collected = { addressRoots: [], assignments: new Map(), helperArguments: [] };
    const called = new Set<string>();
    // Names used as sizes (multiplied, compared, a range bound): an offset such a name feeds reaches an address by
    // addition like a pointer does, but the name itself is not one.
    const sizes = new Set<string>();
    walkTypes(kernel.functionNode, WALKED_IN_KERNELS, (node) => {
      if (node.type === 'binary_operator' || node.type === 'comparison_operator') {
        const operator = node.type === 'binary_operator' ? field(node, 'operator')?.text : node.children.find((c) => c && !c.isNamed)?.text;
        if (!operator || !SIZE_OPERATORS.has(operator)) return;
        for (const operand of namedChildren(node)) if (operand.type === 'identifier') sizes.add(operand.text);
        return;
      }
      if (node.type === 'call') {
        const callee = dottedName(field(node, 'function'));
        if (!callee) return;
        const args = callArguments(node);
        if (SIZE_FUNCTIONS.test(callee)) for (const value of args.positional) if (value.type === 'identifier') sizes.add(value.text);
        if (LOAD_STORE_FUNCTIONS.test(callee)) {
          const address = argument(args, 0, /make_block_ptr|make_tensor_descriptor|advance/.test(callee) ? 'base' : /descriptor_(load|store)$/.test(callee) ? 'desc_pointer' : 'pointer');
          if (address) data.addressRoots.push(...additiveRoots(address));
        } else if (kernels.has(callee)) {
          called.add(callee);
          kernels.get(callee)!.parameters.forEach((parameter, index) => {
            const value = argument(args, index, parameter.name);
            if (value) data.helperArguments.push({ callee, parameter: parameter.name, roots: additiveRoots(value) });
          });
        }
      } else if (node.type === 'assignment' || node.type === 'augmented_assignment') {
        const left = field(node, 'left');
        const right = field(node, 'right');
        if (left?.type === 'identifier' && right) data.assignments.set(left.text, [...(data.assignments.get(left.text) ?? []), ...additiveRoots(right)]);
      }
    });
    collected.set(kernel.name, data);
    sizeNames.set(kernel.name, sizes);
    calls.set(kernel.name, called);
  }
  for (let round = 0; round < 4; round++) {
    let changed = false;
    for (const kernel of kernels.values()) {
      const data = collected.get(kernel.name)!;
      const pending = [...data.addressRoots];
      for (const use of data.helperArguments) {
        if (kernels.get(use.callee)?.pointerParameters.has(use.parameter)) pending.push(...use.roots);
      }
      const reached = new Set<string>();
      while (pending.length) {
        const name = pending.pop()!;
        if (reached.has(name)) continue;
        reached.add(name);
        pending.push(...(data.assignments.get(name) ?? []));
      }
      for (const parameter of kernel.parameters) {
        if (reached.has(parameter.name) && !parameter.constexpr && !sizeNames.get(kernel.name)?.has(parameter.name) && !kernel.pointerParameters.has(parameter.name)) {
          kernel.pointerParameters.add(parameter.name);
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return calls;
}

function additiveRoots(node: SyntaxNode): string[] {
  switch (node.type) {
    case 'identifier': return [node.text];
    case 'parenthesized_expression': return namedChildren(node).flatMap(additiveRoots);
    case 'binary_operator': {
      const operator = field(node, 'operator')?.text;
      if (operator !== '+' && operator !== '-') return [];
      return [field(node, 'left'), field(node, 'right')].flatMap((c) => (c ? additiveRoots(c) : []));
    }
    case 'subscript': {
      const value = field(node, 'value');
      return value ? additiveRoots(value) : [];
    }
    case 'conditional_expression': {
      const [a, , b] = namedChildren(node);
      return [a, b].flatMap((c) => (c ? additiveRoots(c) : []));
    }
    case 'call': {
      const callee = dottedName(field(node, 'function')) ?? '';
      if (/(advance|make_block_ptr|make_tensor_descriptor|multiple_of|max_contiguous)$/.test(callee)) {
        const first = argument(callArguments(node), 0, 'base');
        return first ? additiveRoots(first) : [];
      }
      return [];
    }
    default: return [];
  }
}
