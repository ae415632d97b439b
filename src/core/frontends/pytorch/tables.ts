// Data the PyTorch frontend reads: Python operators → torch ops, and the builtins it gives meaning to.

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
  'super', 'print', 'list', 'tuple', 'dict', 'enumerate', 'zip', 'sum', 'round', 'abs', 'str', 'type', 'any', 'all', 'divmod',
  'slice', 'set', 'map',
]);

