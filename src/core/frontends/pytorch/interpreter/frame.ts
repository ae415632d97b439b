// Where code runs: the frame of a function call or a module body, and helpers that derive one frame from another.
import type { Dim } from '../../../ir/dims';
import type { DType, OpNode, Span } from '../../../ir/types';
import type { FileContext } from '../files';
import type { Value } from '../values';

/** Where code runs: its variables, the scope and module path it reports, and what multiplies or marks its ops. */
export interface Frame {
  readonly env: Map<string, Value>;
  readonly file: FileContext;
  readonly scope: string;
  /** Module path of `self` (`transformer.h[*]`), empty for plain code. */
  readonly path: string;
  readonly repeat: Dim;
  readonly fusedBy?: OpNode['fusedBy'];
  /** The `mode=` of the torch.compile that covers this code, recorded on its ops as `attrs.compileMode`. */
  readonly compileMode?: string;
  /** False in `__init__`: building parameters is not part of the forward pass. */
  readonly emit: boolean;
  /** `torch.autocast(dtype=...)` in force. */
  readonly autocast?: DType;
  /** `torch.no_grad()` or `torch.inference_mode()` in force: its ops are marked noGrad, no backward differentiates them. */
  readonly noGrad?: boolean;
  /** Ops of code in another file are reported at the call site in the analysed file. */
  readonly callSite?: Span;
  readonly depth: number;
  /** Set in code that exercises the model (tests, benchmarks, references, `__main__`): copied onto its ops. */
  readonly harness?: string;
  /** Set in a branch that runs only when an optional input is given (`if labels is not None:`): copied onto its ops. */
  readonly onlyWhenGiven?: string;
  returned?: Value;
}

/** The frame with ops switched off; the frame itself when they are off already (in `__init__`), not a copy. */
export function quiet(frame: Frame): Frame {
  return frame.emit ? { ...frame, emit: false } : frame;
}
