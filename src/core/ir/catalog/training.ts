// A training step's ops: the backward pass (priced from the forward it differentiates, cost/training.ts) and the
// optimizer's update of every parameter element, counted from PyTorch's own single-tensor algorithms.
import type { ByteCount, CostContext } from '../opspec';
import type { CatalogEntry } from './entry';
import { elements } from './helpers';

/**
 * `loss.backward()`: its figures depend on the priced ops of the forward it differentiates, which one op's shapes do
 * not hold, so cost/training.ts prices it from the graph; the formula here never runs on its own.
 */
const backward: CatalogEntry = {
  category: 'training',
  unit: 'tensor',
  signature: ['input', 'gradient', 'retain_graph', 'create_graph', 'inputs'],
  infer: () => [],
  flops: () => null,
  flopsFormula: 'the gradient products of the forward ops it differentiates (cost/training.ts)',
  bytesFormula: 'the bytes of those gradient products, each about its forward op\'s (the saved activations read, the gradients written)',
};

/** One term of an optimizer's update per parameter element: its FLOPs and the tensors it reads and writes. */
interface UpdateTerm {
  /** The statement of PyTorch's single-tensor algorithm, as written there. */
  readonly code: string;
  readonly flops: number;
  /** Per-element tensors (param, grad, a state) this term adds to those read and written. */
  readonly reads: readonly string[];
  readonly writes: readonly string[];
  /** When the term runs: always, or when an attribute of the optimizer says so. */
  readonly when?: (attrs: CostContext['attrs']) => boolean;
}

/**
 * A hyper-parameter that switches a term on: set and not known to be zero or false. One the code gives but
 * MemWall cannot read (`weight_decay=args.wd`) counts as on, the larger figure, and the formula text says so.
 */
function on(name: string): (attrs: CostContext['attrs']) => boolean {
  return (attrs) => {
    const value = attrs[name];
    return !(value === undefined || value === 0 || value === false);
  };
}

/**
 * Adam and AdamW as `_single_tensor_adam` / `_single_tensor_adamw` of torch/optim/adam.py and adamw.py write them
 * (PyTorch 1.13, the installed python3-torch; 2.x keeps the arithmetic): `mul_(β).add_(g, alpha=1-β)` is a multiply,
 * a multiply and an add; `addcmul_(g, g, value=1-β2)` two multiplies and an add; the denominator a square root, a
 * division and an add; `addcdiv_(m, denom, value=-step)` a division, a multiply and an add. The bias corrections are
 * host scalars. The default foreach and the fused implementations do the same arithmetic per element.
 */
const ADAM_MOMENTS: readonly UpdateTerm[] = [
  { code: 'exp_avg.mul_(β1).add_(grad, alpha=1-β1)', flops: 3, reads: ['grad', 'exp_avg'], writes: ['exp_avg'] },
  { code: 'exp_avg_sq.mul_(β2).addcmul_(grad, grad, value=1-β2)', flops: 4, reads: ['exp_avg_sq'], writes: ['exp_avg_sq'] },
  { code: 'torch.maximum(max_exp_avg_sq, exp_avg_sq) (amsgrad)', flops: 1, reads: ['max_exp_avg_sq'], writes: ['max_exp_avg_sq'], when: on('amsgrad') },
  { code: 'denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)', flops: 3, reads: [], writes: [] },
  { code: 'param.addcdiv_(exp_avg, denom, value=-step_size)', flops: 3, reads: ['param'], writes: ['param'] },
];

const ADAMW_TERMS: readonly UpdateTerm[] = [
  { code: 'param.mul_(1 - lr·weight_decay)', flops: 1, reads: ['param'], writes: ['param'], when: on('weight_decay') },
  ...ADAM_MOMENTS,
];

const ADAM_TERMS: readonly UpdateTerm[] = [
  { code: 'grad = grad.add(param, alpha=weight_decay)', flops: 2, reads: ['param', 'grad'], writes: [], when: on('weight_decay') },
  ...ADAM_MOMENTS,
];

/** SGD as `_single_tensor_sgd` of torch/optim/sgd.py writes it; the first step clones the gradient into the buffer instead. */
const SGD_TERMS: readonly UpdateTerm[] = [
  { code: 'd_p = d_p.add(param, alpha=weight_decay)', flops: 2, reads: ['param', 'grad'], writes: [], when: on('weight_decay') },
  { code: 'buf.mul_(momentum).add_(d_p, alpha=1-dampening)', flops: 3, reads: ['grad', 'momentum_buffer'], writes: ['momentum_buffer'], when: on('momentum') },
  { code: 'd_p = d_p.add(buf, alpha=momentum) (nesterov)', flops: 2, reads: [], writes: [], when: (attrs) => on('momentum')(attrs) && on('nesterov')(attrs) },
  { code: 'param.add_(d_p, alpha=-lr)', flops: 2, reads: ['param', 'grad'], writes: ['param'] },
];

/** Adadelta as `_single_tensor_adadelta` of torch/optim/adadelta.py writes it (pytorch/examples' MNIST trains with it). */
const ADADELTA_TERMS: readonly UpdateTerm[] = [
  { code: 'grad = grad.add(param, alpha=weight_decay)', flops: 2, reads: ['param', 'grad'], writes: [], when: on('weight_decay') },
  { code: 'square_avg.mul_(rho).addcmul_(grad, grad, value=1-rho)', flops: 4, reads: ['grad', 'square_avg'], writes: ['square_avg'] },
  { code: 'std = square_avg.add(eps).sqrt_()', flops: 2, reads: [], writes: [] },
  { code: 'delta = acc_delta.add(eps).sqrt_().div_(std).mul_(grad)', flops: 4, reads: ['acc_delta'], writes: [] },
  { code: 'acc_delta.mul_(rho).addcmul_(delta, delta, value=1-rho)', flops: 4, reads: [], writes: ['acc_delta'] },
  { code: 'param.add_(delta, alpha=-lr)', flops: 2, reads: ['param'], writes: ['param'] },
];

/** What one parameter element's update costs with these hyper-parameters: FLOPs, and the distinct tensors read and written. */
export function updatePerElement(terms: readonly UpdateTerm[], attrs: CostContext['attrs']): { flops: number; reads: number; writes: number } {
  let flops = 0;
  const reads = new Set<string>();
  const writes = new Set<string>();
  for (const term of terms) {
    if (term.when && !term.when(attrs)) continue;
    flops += term.flops;
    for (const name of term.reads) reads.add(name);
    for (const name of term.writes) writes.add(name);
  }
  return { flops, reads: reads.size, writes: writes.size };
}

/** The op an optimizer's `step()` is: input 1 is its parameters as one flat tensor of their N elements, in their dtype. */
function optimizerStep(terms: readonly UpdateTerm[], source: string): CatalogEntry {
  const elementsOf = (context: CostContext): number | null => elements(context.inputs[0]);
  const listed = terms.map((term) => `${term.code} ${term.flops}${term.when ? ' when set' : ''}`).join('; ');
  return {
    category: 'training',
    unit: 'vector',
    signature: ['params'],
    flops: (context) => {
      const n = elementsOf(context);
      return n === null ? null : n * updatePerElement(terms, context.attrs).flops;
    },
    flopsFormula: `N parameter elements × the FLOPs of one element's update, from ${source}: ${listed} (a hyper-parameter given but not readable counts as set)`,
    bytes: (context): ByteCount | null => {
      const n = elementsOf(context);
      if (n === null) return null;
      const size = context.inputElementBytes[0] ?? 0;
      const { reads, writes } = updatePerElement(terms, context.attrs);
      return { read: n * size * reads, written: n * size * writes };
    },
    bytesFormula: 'N elements × element size × (the param, its grad and each state read once; the param and each state written once): the compulsory traffic of a fused update (fused=True); the default foreach path runs one kernel per statement and moves more',
  };
}

/**
 * `scaler.step(optimizer)` first unscales every gradient in place (`_amp_foreach_non_finite_check_and_unscale_`): per
 * element a finite check and a multiply by 1/scale, the gradient read and written once.
 */
const unscale: CatalogEntry = {
  category: 'training',
  unit: 'vector',
  signature: ['params'],
  flops: (context) => {
    const n = elements(context.inputs[0]);
    return n === null ? null : 2 * n;
  },
  flopsFormula: '2 per gradient element (a finite check and a multiply by 1/scale; torch.amp GradScaler.unscale_)',
  bytes: (context) => {
    const n = elements(context.inputs[0]);
    const size = context.inputElementBytes[0] ?? 0;
    return n === null ? null : { read: n * size, written: n * size };
  },
  bytesFormula: 'every gradient element read once and written once',
};

/**
 * `torch.nn.utils.clip_grad_norm_` (torch/nn/utils/clip_grad.py): the 2-norm of every gradient (a square and an add per
 * element, one pass), then every gradient multiplied by the clamped coefficient (one multiply, read and written).
 */
const clipGradNorm: CatalogEntry = {
  category: 'training',
  unit: 'vector',
  signature: ['parameters', 'max_norm', 'norm_type'],
  flops: (context) => {
    const n = elements(context.inputs[0]);
    return n === null ? null : 3 * n;
  },
  flopsFormula: '3 per gradient element (the 2-norm: a square and an add; the scaling: a multiply; torch/nn/utils/clip_grad.py)',
  bytes: (context) => {
    const n = elements(context.inputs[0]);
    const size = context.inputElementBytes[0] ?? 0;
    return n === null ? null : { read: 2 * n * size, written: n * size };
  },
  bytesFormula: 'every gradient element read twice (the norm, the scaling) and written once; eager PyTorch launches these per parameter tensor (torch._foreach_* in 2.x), so its launches cost more than one',
};

export const TRAINING_OPS: Readonly<Record<string, CatalogEntry>> = {
  'torch.Tensor.backward': backward,
  'torch.autograd.backward': { ...backward, signature: ['tensors', 'grad_tensors', 'retain_graph', 'create_graph', 'inputs'] },
  'torch.optim.AdamW.step': optimizerStep(ADAMW_TERMS, 'torch/optim/adamw.py _single_tensor_adamw'),
  'torch.optim.Adam.step': optimizerStep(ADAM_TERMS, 'torch/optim/adam.py _single_tensor_adam'),
  'torch.optim.SGD.step': optimizerStep(SGD_TERMS, 'torch/optim/sgd.py _single_tensor_sgd'),
  'torch.optim.Adadelta.step': optimizerStep(ADADELTA_TERMS, 'torch/optim/adadelta.py _single_tensor_adadelta'),
  'torch.cuda.amp.GradScaler.unscale_': unscale,
  'torch.nn.utils.clip_grad_norm_': clipGradNorm,
};

/** The optimizers whose step MemWall prices, by qualified class name; their hyper-parameters' defaults as PyTorch sets them. */
export const OPTIMIZER_DEFAULTS: Readonly<Record<string, Readonly<Record<string, number | boolean>>>> = {
  'torch.optim.AdamW': { weight_decay: 1e-2, amsgrad: false },
  'torch.optim.Adam': { weight_decay: 0, amsgrad: false },
  'torch.optim.SGD': { weight_decay: 0, momentum: 0, nesterov: false },
  'torch.optim.Adadelta': { weight_decay: 0 },
};
