// Small pieces the catalog's formulas share: element counts and default compulsory traffic.
import type { ByteCount, CostContext } from '../opspec';

export function elements(shape: readonly number[] | null | undefined): number | null {
  if (!shape) return null;
  return shape.reduce((a, b) => a * b, 1);
}

/** Elements of the first output, the usual FLOP base of a pointwise op. */
export function outputElements(context: CostContext): number | null {
  return elements(context.outputs[0]);
}

/** Every input read once, every output written once: the compulsory DRAM traffic of one kernel. */
export function compulsoryBytes(context: CostContext): ByteCount | null {
  let read = 0;
  for (let i = 0; i < context.inputs.length; i++) {
    const n = elements(context.inputs[i]);
    if (n === null) return null;
    read += n * (context.inputElementBytes[i] ?? 0);
  }
  let written = 0;
  for (let i = 0; i < context.outputs.length; i++) {
    const n = elements(context.outputs[i]);
    if (n === null) return null;
    written += n * (context.outputElementBytes[i] ?? 0);
  }
  return { read, written };
}

/** A pointwise op with `perElement` FLOPs per output element. */
export function perOutputElement(perElement: number): (context: CostContext) => number | null {
  return (context) => {
    const n = outputElements(context);
    return n === null ? null : perElement * n;
  };
}
