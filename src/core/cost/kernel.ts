// A Triton kernel op's launch figures with the analysis bindings: grid, block sizes, per-program formulas, what is unbound.
import { bindDim, dimSymbols, evalDim, formatDim, type Bindings, type Dim } from '../ir/dims';
import { formatFormula } from '../ir/formula';
import type { AttrValue, KernelFigures, OpNode } from '../ir/types';
import { formatBytes, formatFlops } from '../format';

function isDim(value: AttrValue | undefined): value is Dim {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'kind' in value;
}

function evaluated(value: AttrValue | undefined, bindings: Bindings): number | null {
  if (typeof value === 'number') return value;
  if (!isDim(value)) return null;
  const number = evalDim(value, bindings);
  return number !== undefined && Number.isFinite(number) ? number : null;
}

/** A formula with the bound symbols filled in: `3*n_elements*4`, or a number when nothing is left unbound. */
function formula(value: AttrValue | undefined, bindings: Bindings): string {
  if (typeof value === 'number') return String(value);
  return isDim(value) ? formatFormula(bindDim(value, bindings)) : '?';
}

/** The symbols of the attributes that the bindings leave unbound, in order. */
function unboundSymbols(attrs: Readonly<Record<string, AttrValue>>, names: readonly string[], bindings: Bindings): string[] {
  const symbols = new Set<string>();
  for (const name of names) {
    const value = attrs[name];
    if (isDim(value)) dimSymbols(value, symbols);
  }
  return [...symbols].filter((symbol) => !bindings.has(symbol));
}

/** `BLOCK_SIZE=4096 (next_power_of_2(n_cols))`: each constexpr as priced, its formula beside a computed value. */
function blockSizes(node: OpNode, bindings: Bindings): string {
  const names = typeof node.attrs.constexprs === 'string' && node.attrs.constexprs ? node.attrs.constexprs.split(',') : [];
  const parts = names.map((name) => {
    const value = node.attrs[name];
    const number = evaluated(value, bindings);
    const written = isDim(value) ? formatDim(value) : String(value);
    if (number === null) return `${name}=${written}`;
    return written === String(number) ? `${name}=${number}` : `${name}=${number} (${written})`;
  });
  if (typeof node.attrs.constexprFlags === 'string') parts.push(node.attrs.constexprFlags);
  const autotune = typeof node.attrs.autotune === 'string' ? ` (${node.attrs.autotune})` : '';
  return `${parts.join(', ')}${autotune}`;
}

/**
 * The kernel figures of a Triton op. `perProgram` says which figures the op's FLOPs and bytes are: the launch's, or
 * one program's because the grid could not be sized.
 */
export function kernelFigures(node: OpNode, bindings: Bindings, pricedPer: KernelFigures['pricedPer']): KernelFigures {
  const { attrs } = node;
  const gridDims = Array.isArray(attrs.gridDims) ? (attrs.gridDims as readonly Dim[]) : undefined;
  const unbound = unboundSymbols(attrs, pricedPer === 'launch' ? ['flops', 'bytesRead', 'bytesWritten'] : ['perProgramFlops', 'perProgramBytes'], bindings);
  const gridUnbound = gridDims ? unboundSymbols({ programs: attrs.programs ?? null }, ['programs'], bindings) : [];
  return {
    pricedPer,
    grid: gridDims ? `(${gridDims.map((d) => formatDim(bindDim(d, bindings))).join(', ')})` : null,
    programs: gridDims ? evaluated(attrs.programs, bindings) : null,
    blockSizes: blockSizes(node, bindings),
    requestedBytes: evaluated(attrs.requestedBytes, bindings),
    perProgramFlops: evaluated(attrs.perProgramFlops, bindings),
    perProgramBytes: evaluated(attrs.perProgramBytes, bindings),
    perProgramFlopsFormula: formula(attrs.perProgramFlops, bindings),
    perProgramBytesFormula: formula(attrs.perProgramBytes, bindings),
    unbound: [...new Set([...gridUnbound, ...unbound])],
  };
}

/** What would size it, in words: `bind n_elements (# memwall: n_elements=..., or --dims n_elements=...)`. */
function bindAdvice(unbound: readonly string[]): string {
  if (unbound.length === 0) return '';
  const first = unbound[0] as string;
  return `bind ${unbound.join(', ')} to size it (# memwall: ${first}=..., or --dims ${first}=...)`;
}

/** The hover's first lines for a kernel: its launch, block sizes and, when priced per program, why and what would size it. */
export function kernelLines(node: OpNode, figures: KernelFigures): string[] {
  const lines: string[] = [];
  const launch = figures.grid === null
    ? 'no launch site: one program'
    : `grid ${figures.grid}${figures.programs !== null ? ` = ${figures.programs.toLocaleString('en-US')} programs` : ''}`;
  lines.push(`Triton kernel ${String(node.attrs.kernel ?? node.label)}: ${launch}; ${figures.blockSizes || 'no constexpr'}`);
  const perProgram = `per program ${figures.perProgramFlops !== null ? formatFlops(figures.perProgramFlops) : `${figures.perProgramFlopsFormula} FLOPs`}, ` +
    `${figures.perProgramBytes !== null ? formatBytes(figures.perProgramBytes) : `${figures.perProgramBytesFormula} bytes`} loaded and stored`;
  if (figures.pricedPer === 'program') {
    lines.push(`priced per program: the launch cannot be sized (${figures.unbound.length ? `${figures.unbound.join(', ')} unbound` : 'its grid is not known'}); ${perProgram}. ` +
      'One program\'s figures are not a time per call: the op stays out of the totals' + (figures.unbound.length ? `; ${bindAdvice(figures.unbound)}` : ''));
  } else {
    lines.push(perProgram);
  }
  return lines;
}
