// `memwall gpus`: the GPU table the roofline uses, with the peaks that price ops and where each number comes from.
import { listHardware } from '../core/cost/hardware';
import type { DType, Hardware } from '../core/ir/types';
import { renderTable, type Column } from './format/table';
import { formatBandwidth, formatBytes, formatRate, formatTime } from './units';

const COLUMNS: readonly Column[] = [
  { header: 'id', align: 'left' },
  { header: 'name', align: 'left' },
  { header: 'DRAM', align: 'right' },
  { header: 'bf16 tensor', align: 'right' },
  { header: 'fp8 tensor', align: 'right' },
  { header: 'fp32 vector', align: 'right' },
  { header: 'memory', align: 'right' },
  { header: 'launch', align: 'right' },
];

function rate(hardware: Hardware, kind: 'tensorPeak' | 'vectorPeak', dtype: DType): string {
  const peak = hardware[kind][dtype];
  return peak ? formatRate(peak.value) : '—';
}

export function gpusText(hardware: readonly Hardware[] = listHardware()): string {
  const rows = hardware.map((gpu) => [
    gpu.id,
    gpu.name,
    formatBandwidth(gpu.bandwidth.value),
    rate(gpu, 'tensorPeak', 'bf16'),
    rate(gpu, 'tensorPeak', 'fp8'),
    rate(gpu, 'vectorPeak', 'fp32'),
    formatBytes(gpu.memoryBytes.value),
    formatTime(gpu.launchOverhead.value * 1e6),
  ]);
  return `${renderTable(COLUMNS, rows, '').join('\n')}\n\nDense peaks (no 2:4 sparsity). memwall gpus --format json lists every peak with its source.\n`;
}

/** Every figure with its source, so that a script can check where a number came from. */
export function gpusJson(hardware: readonly Hardware[] = listHardware()): string {
  const rows = hardware.map((gpu) => ({
    id: gpu.id,
    name: gpu.name,
    vendor: gpu.vendor,
    bandwidth: gpu.bandwidth,
    tensorPeak: gpu.tensorPeak,
    vectorPeak: gpu.vectorPeak,
    memoryBytes: gpu.memoryBytes,
    l2Bytes: gpu.l2Bytes,
    smCount: gpu.smCount,
    launchOverhead: gpu.launchOverhead,
    memoryEfficiency: gpu.memoryEfficiency,
    computeEfficiency: gpu.computeEfficiency,
  }));
  return `${JSON.stringify({ version: 1, gpus: rows }, null, 2)}\n`;
}
