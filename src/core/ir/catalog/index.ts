// The op catalog: qualified op name → OpSpec. One table for every frontend; new ops are data, not code.
import type { OpSpec } from '../opspec';
import { BASE_OPS } from './base';

const CATALOG: ReadonlyMap<string, OpSpec> = new Map(Object.entries(BASE_OPS));

/** The spec for a qualified op name (`torch.nn.functional.gelu`), or undefined for an op MemWall does not know. */
export function lookupOp(op: string): OpSpec | undefined {
  return CATALOG.get(op);
}

export function catalogSize(): number {
  return CATALOG.size;
}

export function catalogNames(): string[] {
  return [...CATALOG.keys()];
}
