// Data the PyTorch frontend reads: Python operators → torch ops, builtins, torch dtype names.
import type { DType } from '../../ir/types';

/** Python's binary operators on tensors, as the torch functions they dispatch to. */
export const BINARY_OPERATORS: Readonly<Record<string, string>> = {
  '+': 'torch.add',
  '-': 'torch.sub',
  '*': 'torch.mul',
  '/': 'torch.div',
  '//': 'torch.floor_divide',
  '%': 'torch.remainder',
  '**': 'torch.pow',
  '@': 'torch.matmul',
  '&': 'torch.bitwise_and',
  '|': 'torch.bitwise_or',
  '^': 'torch.bitwise_xor',
};

export const COMPARISON_OPERATORS: Readonly<Record<string, string>> = {
  '<': 'torch.lt',
  '<=': 'torch.le',
  '>': 'torch.gt',
  '>=': 'torch.ge',
  '==': 'torch.eq',
  '!=': 'torch.ne',
};

/** Python builtins the frontend gives meaning to; others are unknown values. */
export const BUILTINS: ReadonlySet<string> = new Set([
  'range', 'len', 'int', 'float', 'bool', 'min', 'max', 'isinstance', 'callable', 'hasattr', 'getattr', 'setattr',
  'super', 'print', 'list', 'tuple', 'dict', 'enumerate', 'zip', 'sum', 'round', 'abs', 'str', 'type', 'any', 'all',
]);

/** `torch.bfloat16` and friends as MemWall dtypes, by their attribute name on `torch`. */
export const TORCH_DTYPES: ReadonlyMap<string, DType> = new Map<string, DType>([
  ['float32', 'fp32'], ['float', 'fp32'], ['float64', 'fp64'], ['double', 'fp64'], ['float16', 'fp16'],
  ['half', 'fp16'], ['bfloat16', 'bf16'], ['float8_e4m3fn', 'fp8'], ['float8_e5m2', 'fp8'],
  ['float8_e4m3fnuz', 'fp8'], ['float8_e5m2fnuz', 'fp8'], ['int64', 'int64'], ['long', 'int64'], ['int32', 'int32'],
  ['int', 'int32'], ['int8', 'int8'], ['uint8', 'uint8'], ['bool', 'bool'],
]);
