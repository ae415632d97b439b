// Ridge points: where each compute roof meets each memory roof. Kept apart so the webview bundle stays small.
import type { ChartRoof, Ridge } from './types';

/** Every compute roof meets every memory roof at intensity = peak / bandwidth. */
export function ridgesOf(roofs: readonly ChartRoof[]): Ridge[] {
  const ridges: Ridge[] = [];
  for (const memory of roofs.filter((r) => r.kind === 'memory')) {
    for (const compute of roofs.filter((r) => r.kind === 'compute')) {
      ridges.push({ computeRoof: compute.id, memoryRoof: memory.id, intensity: compute.value / memory.value, performance: compute.value });
    }
  }
  return ridges;
}
