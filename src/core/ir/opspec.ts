// The shape of one op-catalog entry: how the op is classified, how its output shapes follow, and what it costs.
import type { Dim } from './dims';
import type { AttrValue, Category, DType } from './types';

/** What shape inference sees: symbolic input shapes (null where unknown) and the op's attributes. */
export interface InferContext {
  readonly inputs: readonly (readonly Dim[] | null)[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

/** What cost formulas see: numeric shapes after binding, bytes per element of each tensor, and the attributes. */
export interface CostContext {
  readonly inputs: readonly (readonly number[] | null)[];
  readonly outputs: readonly (readonly number[] | null)[];
  readonly inputElementBytes: readonly number[];
  readonly outputElementBytes: readonly number[];
  /** Each output's dtype, the analysis dtype where the code leaves it open; absent in hand-made contexts. */
  readonly outputDtypes?: readonly DType[];
  /** Attributes with their Dims already evaluated to numbers (undefined where unbound). */
  readonly attrs: Readonly<Record<string, number | string | boolean | readonly (number | undefined)[] | null | undefined>>;
}

export interface ByteCount {
  readonly read: number;
  readonly written: number;
}

export interface OpSpec {
  readonly category: Category;
  /** The peak that prices it: tensor/matrix cores for contractions, the vector unit otherwise; none for views. */
  readonly unit: 'tensor' | 'vector' | 'none';
  /** Output shapes from input shapes; absent means "same shape as the first input". */
  readonly infer?: (context: InferContext) => (readonly Dim[] | null)[];
  /** FLOPs of one execution, 2 per multiply-add; null when a needed shape is unknown. */
  readonly flops: (context: CostContext) => number | null;
  /** The FLOP formula in words for the hover: `2·M·N·K (+M·N bias)`. */
  readonly flopsFormula: string;
  /** Compulsory DRAM traffic; absent means every input read once and every output written once. */
  readonly bytes?: (context: CostContext) => ByteCount | null;
  readonly bytesFormula?: string;
  /** A cast: to the dtype its input already has it returns the input itself, with no kernel (`x.float()` of fp32). */
  readonly cast?: boolean;
}
