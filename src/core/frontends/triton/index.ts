// The Triton frontend: reads @triton.jit kernels and prices a launch of one from the arguments the host code passes.
//
// The PyTorch interpreter runs the host code (wrappers, autograd.Functions, scripts) and, at each `kernel[grid](...)`,
// hands the kernel, its evaluated grid and arguments here (launch.ts); kernel.ts reads the kernel body abstractly,
// per program; definitions.ts finds a file's kernels and which of their parameters receive tensors.
export { addKernel, collectKernels, isJitDecorator, type FileKernels } from './definitions';
export { interpretKernel, kernelScalar, type KernelDefinition, type KernelRun, type KernelValue } from './kernel';
export { priceKernel, type KernelConfiguration, type KernelLaunch, type LaunchArgument, type PricedLaunch } from './launch';
export { resetSyntaxCache } from './syntax';
