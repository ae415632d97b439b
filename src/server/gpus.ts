// The GPU choices (built-in table and the user's custom GPUs) for the Select GPU quick pick and the panel.
import { listHardware, type CustomGpu } from '../core/cost/hardware';
import type { Hardware } from '../core/ir/types';
import { formatBandwidth, formatRate } from '../core/format';
import type { GpuChoice } from '../protocol';

/** The half-precision tensor peak a GPU has, named by its own dtype: V100 and T4 have fp16 tensor cores and no bf16. */
const HALF_PRECISION = ['bf16', 'fp16'] as const;

function describe(hardware: Hardware): GpuChoice {
  const dtype = HALF_PRECISION.find((candidate) => hardware.tensorPeak[candidate]);
  const peak = dtype ? `${dtype} ${formatRate(hardware.tensorPeak[dtype]!.value)} · ` : '';
  return { id: hardware.id, name: hardware.name, detail: `${peak}HBM ${formatBandwidth(hardware.bandwidth.value)}` };
}

export function gpuChoices(customGpus: readonly CustomGpu[]): GpuChoice[] {
  try {
    return listHardware(customGpus).map(describe);
  } catch {
    // A malformed custom GPU must not hide the built-in table; it is reported when it is selected.
    return listHardware().map(describe);
  }
}
