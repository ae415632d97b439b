// Symbols whose values come from what the analysis is priced for, not from the code: bound when the graph is priced.

/** Bytes per element of a tensor whose dtype follows the analysis dtype (a Triton pointer of unknown element type). */
export const DTYPE_BYTES_SYMBOL = 'dtype_bytes';

/**
 * The selected GPU's streaming-multiprocessor count: what `torch.cuda.get_device_properties(...).multi_processor_count`
 * returns, which persistent kernels launch one program per SM of.
 */
export const SM_COUNT_SYMBOL = 'sm_count';
