// Canonical op names for rules: `F.gelu`, `nn.GELU`, `Tensor.gelu` and `torch.gelu` are all `gelu` to a pattern.
import type { OpNode } from '../ir/types';

/**
 * Aliases from the last segment of a qualified op id (lower-cased, dunders stripped) to the canonical name.
 * Module classes, functional forms, tensor methods, in-place forms and Python operators meet here.
 */
const ALIASES: Readonly<Record<string, string>> = {
  // Operators and their method spellings.
  iadd: 'add', radd: 'add', add_: 'add',
  isub: 'sub', rsub: 'sub', subtract: 'sub', sub_: 'sub',
  imul: 'mul', rmul: 'mul', multiply: 'mul', mul_: 'mul',
  truediv: 'div', itruediv: 'div', rtruediv: 'div', divide: 'div', div_: 'div', true_divide: 'div',
  floordiv: 'floor_divide',
  matmul: 'matmul', rmatmul: 'matmul', mm: 'matmul', bmm: 'matmul', einsum: 'einsum',
  pow: 'pow', ipow: 'pow', pow_: 'pow', square: 'square',
  neg: 'neg', negative: 'neg',
  // Activations (module classes lower-cased, in-place forms).
  gelu: 'gelu', gelu_: 'gelu',
  relu: 'relu', relu_: 'relu', relu6: 'relu',
  silu: 'silu', silu_: 'silu', swish: 'silu',
  sigmoid: 'sigmoid', sigmoid_: 'sigmoid',
  tanh: 'tanh', tanh_: 'tanh',
  mish: 'mish', leakyrelu: 'leaky_relu', leaky_relu: 'leaky_relu', elu: 'elu',
  // Normalisation, softmax, dropout, linear layers.
  layernorm: 'layer_norm', layer_norm: 'layer_norm',
  rmsnorm: 'rms_norm', rms_norm: 'rms_norm',
  groupnorm: 'group_norm', group_norm: 'group_norm',
  batchnorm1d: 'batch_norm', batchnorm2d: 'batch_norm', batchnorm3d: 'batch_norm', batch_norm: 'batch_norm',
  softmax: 'softmax', logsoftmax: 'log_softmax', log_softmax: 'log_softmax',
  dropout: 'dropout', dropout_: 'dropout', dropout1d: 'dropout', dropout2d: 'dropout',
  linear: 'linear', conv1d: 'conv', conv2d: 'conv', conv3d: 'conv',
  scaled_dot_product_attention: 'sdpa', multiheadattention: 'mha', flash_attn_func: 'sdpa',
  crossentropyloss: 'cross_entropy', cross_entropy: 'cross_entropy', nll_loss: 'nll_loss', nllloss: 'nll_loss',
  embedding: 'embedding',
  // Reductions.
  mean: 'mean', sum: 'sum', var: 'var', std: 'std', amax: 'max', max: 'max', logsumexp: 'logsumexp',
  // Copies and casts.
  float: 'float', half: 'half', bfloat16: 'bfloat16', double: 'double', to: 'to', type: 'to',
  contiguous: 'contiguous', clone: 'clone', repeat: 'repeat', repeat_interleave: 'repeat_interleave',
  expand: 'expand', expand_as: 'expand', reshape: 'reshape', view: 'view', transpose: 'transpose', permute: 'permute',
  cat: 'cat', concat: 'cat', concatenate: 'cat', stack: 'stack',
  // Host syncs.
  item: 'item', cpu: 'cpu', tolist: 'tolist', numpy: 'numpy',
};

/** The canonical name of an op: `torch.nn.functional.layer_norm` → `layer_norm`, `operator.__add__` → `add`. */
export function canonicalOp(op: string | OpNode): string {
  const qualified = typeof op === 'string' ? op : op.op;
  let canonical = CANONICAL.get(qualified);
  if (canonical === undefined) {
    canonical = canonicalName(qualified);
    // A long editing session types many passing names: start over rather than grow without end.
    if (CANONICAL.size >= MAX_CANONICAL_NAMES) CANONICAL.clear();
    CANONICAL.set(qualified, canonical);
  }
  return canonical;
}

/**
 * Answers by qualified name: every rule asks for every op, and the set of names is the catalog's plus the file's
 * Triton kernels, small and bounded by the code the user writes.
 */
const CANONICAL = new Map<string, string>();
const MAX_CANONICAL_NAMES = 10_000;

function canonicalName(qualified: string): string {
  if (qualified.startsWith('triton:')) return 'triton_kernel';
  const last = qualified.slice(qualified.lastIndexOf('.') + 1).toLowerCase();
  const stripped = last.startsWith('__') && last.endsWith('__') ? last.slice(2, -2) : last;
  const alias = ALIASES[stripped];
  if (alias) return alias;
  // In-place forms (`mul_`, `masked_fill_`) are the same pattern as their out-of-place twins.
  const outOfPlace = stripped.endsWith('_') ? stripped.slice(0, -1) : stripped;
  return ALIASES[outOfPlace] ?? outOfPlace;
}

/** True when the op's canonical name is one of `names`. */
export function isOp(op: OpNode | undefined, ...names: string[]): boolean {
  return op !== undefined && names.includes(canonicalOp(op));
}

/** Activations a GEMM epilogue or a fused gated MLP can absorb. */
export const ACTIVATIONS: readonly string[] = ['gelu', 'relu', 'silu', 'sigmoid', 'tanh', 'mish', 'leaky_relu', 'elu'];

/** Contractions that run as cuBLAS/cuDNN extern kernels in eager and (without max-autotune) under Inductor. */
export const GEMMS: readonly string[] = ['linear', 'matmul', 'einsum', 'conv', 'addmm', 'baddbmm'];

/**
 * The attribute names published layers give the activation they pick from a config (transformers' `self.act_fn =
 * ACT2FN[config.hidden_act]`, `self.act`, timm's `act_layer`).
 */
const ACTIVATION_ATTRIBUTE = /^(act|act_fn|activation|activation_fn|act_layer|hidden_act|intermediate_act_fn)$/;

/**
 * A call MemWall could not resolve that is named as an activation: the activation a config names, whichever it is.
 * Rules take it as one elementwise kernel over its input (its output is assumed shaped like that input).
 */
export function isConfiguredActivation(op: OpNode): boolean {
  return op.assumed !== undefined && ACTIVATION_ATTRIBUTE.test(op.label.split('.').pop() ?? '');
}

/** The op is a GEMM-like contraction, by category or by name. */
export function isGemm(op: OpNode | undefined): boolean {
  return op !== undefined && (op.category === 'matmul' || op.category === 'conv' || GEMMS.includes(canonicalOp(op)));
}
