// timm's stochastic depth (DropPath, drop_path): one multiply by a per-sample keep mask, or nothing at drop_prob 0.
import type { ByteCount, CostContext } from '../opspec';
import { pointwiseEntry, type CatalogEntry } from './entry';
import { elements } from './helpers';

/** timm's drop_path returns its input untouched when drop_prob is 0 (the default) or the module is in eval mode. */
function inactive(context: CostContext): boolean {
  return context.attrs.drop_prob === 0 || context.attrs.training === false;
}

/**
 * x * mask, the mask [B, 1, …] drawn and scaled per sample: 1 FLOP per element of x, x read and the output written
 * (the per-sample mask is B elements, left out). A drop_prob the code does not state is counted as active.
 */
const dropPath: CatalogEntry = pointwiseEntry(1, '1 per element (multiply by the per-sample keep mask); 0 when drop_prob = 0 or in eval', ['x', 'drop_prob', 'training', 'scale_by_keep'], {
  flops: (context) => {
    if (inactive(context)) return 0;
    return elements(context.outputs[0]);
  },
  bytes: (context): ByteCount | null => {
    if (inactive(context)) return { read: 0, written: 0 };
    const n = elements(context.outputs[0]);
    if (n === null) return null;
    return { read: n * (context.inputElementBytes[0] ?? 0), written: n * (context.outputElementBytes[0] ?? 0) };
  },
  bytesFormula: 'x read once, the output written once (the [B, 1, …] mask is negligible); nothing when drop_prob = 0',
  module: { init: ['drop_prob', 'scale_by_keep'], forward: ['x'], defaults: { drop_prob: 0 } },
});

const TIMM_MODULES = ['timm.layers', 'timm.layers.drop', 'timm.models.layers', 'timm.models.layers.drop'];

function familyOf(): Record<string, CatalogEntry> {
  const ops: Record<string, CatalogEntry> = {};
  for (const module of TIMM_MODULES) {
    ops[`${module}.DropPath`] = dropPath;
    ops[`${module}.drop_path`] = dropPath;
  }
  return ops;
}

export const TIMM_OPS: Readonly<Record<string, CatalogEntry>> = familyOf();
