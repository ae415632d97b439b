// Dtypes by every name they are written with: torch attributes, Triton's language, and MemWall's own spellings.
import type { DType } from './types';

/**
 * The one table of dtype names. torch's attribute names (`torch.bfloat16`, `torch.half`), triton.language's
 * (`tl.float8e4nv`, `tl.int1`) and the short spellings users write in settings and magic comments (`bf16`, `fp8`)
 * never name different dtypes, so one table serves the PyTorch and Triton frontends, magic comments and settings.
 */
const DTYPE_NAMES: ReadonlyMap<string, DType> = new Map<string, DType>([
  // MemWall's own names.
  ['fp64', 'fp64'], ['fp32', 'fp32'], ['tf32', 'tf32'], ['bf16', 'bf16'], ['fp16', 'fp16'], ['fp8', 'fp8'],
  ['int64', 'int64'], ['int32', 'int32'], ['int8', 'int8'], ['uint8', 'uint8'], ['bool', 'bool'],
  // torch.* attribute names.
  ['float64', 'fp64'], ['double', 'fp64'], ['float32', 'fp32'], ['float', 'fp32'], ['bfloat16', 'bf16'],
  ['float16', 'fp16'], ['half', 'fp16'], ['float8_e4m3fn', 'fp8'], ['float8_e5m2', 'fp8'], ['float8_e4m3fnuz', 'fp8'],
  ['float8_e5m2fnuz', 'fp8'], ['long', 'int64'], ['int', 'int32'], ['complex64', 'complex64'], ['cfloat', 'complex64'],
  ['complex128', 'complex128'], ['cdouble', 'complex128'],
  // triton.language names.
  ['float8e4nv', 'fp8'], ['float8e5', 'fp8'], ['float8e4b15', 'fp8'], ['float8e4b8', 'fp8'], ['float8e5b16', 'fp8'],
  ['int1', 'bool'],
  // Spellings users write for fp8.
  ['float8', 'fp8'], ['e4m3', 'fp8'], ['e5m2', 'fp8'],
]);

/** The dtype a name stands for (`bfloat16`, `bf16`, `half`, `float8e4nv`), or undefined. */
export function dtypeNamed(name: string): DType | undefined {
  return DTYPE_NAMES.get(name);
}

/** A dtype as users write it in settings and magic comments: any of the names above, `torch.` prefix allowed. */
export function parseDtype(text: string): DType | undefined {
  return DTYPE_NAMES.get(text.trim().replace(/^torch\./, '').toLowerCase());
}

/** True when the string is one of MemWall's dtype identifiers (`bf16`, `int64`). */
export function isDType(text: string): text is DType {
  return DTYPE_NAMES.get(text) === text;
}
