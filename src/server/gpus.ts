// The GPU choices (built-in table and the user's custom GPUs) for the Select GPU quick pick and the panel.
import { listHardware, type CustomGpu } from '../core/cost/hardware';
import type { Hardware } from '../core/ir/types';
import { formatBandwidth, formatRate } from '../core/format';
import type { GpuChoice } from '../protocol';

function describe(hardware: Hardware): GpuChoice {
  const bf16 = hardware.tensorPeak.bf16 ?? hardware.tensorPeak.fp16;
  const peak = bf16 ? `bf16 ${formatRate(bf16.value)} · ` : '';
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
