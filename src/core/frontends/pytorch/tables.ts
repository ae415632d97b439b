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

/** `torch.bfloat16` and friends as MemWall dtypes. */
export const TORCH_DTYPES: Readonly<Record<string, DType>> = {
  'torch.float32': 'fp32', 'torch.float': 'fp32', 'torch.float64': 'fp64', 'torch.double': 'fp64',
  'torch.float16': 'fp16', 'torch.half': 'fp16', 'torch.bfloat16': 'bf16',
  'torch.float8_e4m3fn': 'fp8', 'torch.float8_e5m2': 'fp8', 'torch.float8_e4m3fnuz': 'fp8', 'torch.float8_e5m2fnuz': 'fp8',
  'torch.int64': 'int64', 'torch.long': 'int64', 'torch.int32': 'int32', 'torch.int': 'int32',
  'torch.int8': 'int8', 'torch.uint8': 'uint8', 'torch.bool': 'bool',
};
