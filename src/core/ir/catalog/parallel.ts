// Tensor-parallel layers of fairscale and Megatron-LM, priced at tensor-parallel world size 1: the whole layer on one
// GPU, so the all-gathers and all-reduces around it move nothing and the layer is the plain GEMM or lookup it wraps.
import type { CatalogEntry, ModuleSpec } from './entry';
import { linear } from './contraction';
import { embedding } from './copy';
import { dimOf } from './contraction';
import type { AttrValue } from '../types';

/** What every entry here says about the world size, appended to its formula texts. */
const WORLD_SIZE_ONE = 'at tensor-parallel world size 1 (the whole layer on one GPU; the collectives around it move nothing)';

function linearParams(inName: string, outName: string): ModuleSpec['params'] {
  return (args: Readonly<Record<string, AttrValue>>) => [
    { name: 'weight', shape: [dimOf(args[outName]), dimOf(args[inName])] },
    ...(args.bias === false ? [] : [{ name: 'bias', shape: [dimOf(args[outName])] }]),
  ];
}

/** A linear priced as its GEMM, with how the layer adds its bias said in the byte formula. */
function parallelLinear(module: ModuleSpec, bias: string): CatalogEntry {
  return {
    ...linear,
    flopsFormula: `${linear.flopsFormula}, ${WORLD_SIZE_ONE}`,
    bytesFormula: `${linear.bytesFormula}; ${bias}`,
    module,
  };
}

/** fairscale.nn.model_parallel.layers.ColumnParallelLinear: F.linear(x, W, b), one kernel with its bias. */
const fairscaleColumn = parallelLinear(
  {
    init: ['in_features', 'out_features', 'bias', 'gather_output', 'init_method', 'stride', 'keep_master_weight_for_test'],
    forward: ['input_'],
    defaults: { bias: true },
    params: linearParams('in_features', 'out_features'),
  },
  'the bias is added inside the GEMM (F.linear)',
);

/** fairscale's RowParallelLinear: F.linear(x, W), then the all-reduce, then `+ bias` as a kernel of its own. */
const fairscaleRow = parallelLinear(
  {
    init: ['in_features', 'out_features', 'bias', 'input_is_parallel', 'init_method', 'stride', 'keep_master_weight_for_test'],
    forward: ['input_'],
    defaults: { bias: true },
    params: linearParams('in_features', 'out_features'),
    bias: { separate: true },
  },
  'the bias is added after the all-reduce by an add of its own, priced as that op',
);

/**
 * Megatron-LM's ColumnParallelLinear and RowParallelLinear (megatron.core.tensor_parallel): torch.matmul(x, W.t()),
 * then `+ bias` as a kernel of its own unless skip_bias_add hands the bias back; forward returns (output, output_bias).
 * Arguments after output_size are keyword-only today and positional in older releases: both bind by name.
 */
function megatronLinear(extra: readonly string[]): CatalogEntry {
  return parallelLinear(
    {
      init: ['input_size', 'output_size', 'bias', ...extra, 'init_method', 'stride', 'keep_master_weight_for_test', 'skip_bias_add', 'config'],
      forward: ['input_', 'weight', 'runtime_gather_output'],
      defaults: { bias: true, skip_bias_add: false },
      params: linearParams('input_size', 'output_size'),
      bias: { separate: true, skip: 'skip_bias_add', tuple: 'always' },
    },
    'the bias is added by an add of its own after the GEMM (priced as that op), or returned unadded with skip_bias_add=True',
  );
}

/**
 * Vocabulary-parallel embeddings: at world size 1 every index is in the local range, so the layer is the lookup.
 * fairscale's version still masks the indices ([B, T] compares and a clone, tiny next to the [B, T, D] rows), which is
 * left out.
 */
const vocabParallelEmbedding: CatalogEntry = {
  ...embedding,
  bytesFormula: `${embedding.bytesFormula}, ${WORLD_SIZE_ONE}; the index masking of [B, T] is left out`,
  module: {
    init: ['num_embeddings', 'embedding_dim', 'padding_idx', 'max_norm', 'norm_type', 'scale_grad_by_freq', 'sparse', 'init_method'],
    forward: ['input_'],
    params: (args) => [{ name: 'weight', shape: [dimOf(args.num_embeddings), dimOf(args.embedding_dim)] }],
  },
};

const megatronColumn = megatronLinear(['gather_output']);
const megatronRow = megatronLinear(['input_is_parallel']);

/** The modules each library exports its layers from, today's and older releases'. */
const FAIRSCALE_MODULES = ['fairscale.nn.model_parallel.layers', 'fairscale.nn.model_parallel'];
const MEGATRON_MODULES = [
  'megatron.core.tensor_parallel',
  'megatron.core.tensor_parallel.layers',
  'megatron.mpu',
  'megatron.mpu.layers',
  'apex.transformer.tensor_parallel',
  'apex.transformer.tensor_parallel.layers',
];

function familyOf(): Record<string, CatalogEntry> {
  const ops: Record<string, CatalogEntry> = {};
  for (const module of FAIRSCALE_MODULES) {
    ops[`${module}.ColumnParallelLinear`] = fairscaleColumn;
    ops[`${module}.RowParallelLinear`] = fairscaleRow;
    ops[`${module}.VocabParallelEmbedding`] = vocabParallelEmbedding;
    ops[`${module}.ParallelEmbedding`] = vocabParallelEmbedding;
  }
  for (const module of MEGATRON_MODULES) {
    ops[`${module}.ColumnParallelLinear`] = megatronColumn;
    ops[`${module}.RowParallelLinear`] = megatronRow;
    ops[`${module}.VocabParallelEmbedding`] = vocabParallelEmbedding;
  }
  return ops;
}

export const PARALLEL_OPS: Readonly<Record<string, CatalogEntry>> = familyOf();

/**
 * The functions model code asks for its share of the layers (`n_heads // get_model_parallel_world_size()`): the
 * world size is 1 and the rank 0, the assumption every entry above is priced under.
 */
function parallelState(): Record<string, number> {
  const state: Record<string, number> = {};
  for (const module of ['fairscale.nn.model_parallel.initialize', 'fairscale.nn.model_parallel']) {
    state[`${module}.get_model_parallel_world_size`] = 1;
    state[`${module}.get_model_parallel_rank`] = 0;
  }
  for (const module of ['megatron.core.parallel_state', 'megatron.mpu', 'megatron.core.mpu', 'apex.transformer.parallel_state']) {
    state[`${module}.get_tensor_model_parallel_world_size`] = 1;
    state[`${module}.get_tensor_model_parallel_rank`] = 0;
  }
  return state;
}

export const PARALLEL_STATE: Readonly<Record<string, number>> = parallelState();
