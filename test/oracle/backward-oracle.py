"""The backward oracle: runs one training step of a fixture's model with Debian's python3-torch on the CPU and counts
the FLOPs of the matmul-like aten ops (mm, addmm, bmm, convolution and convolution_backward) that the forward and the
backward dispatch, counted apart, with a TorchDispatchMode: 2 per multiply-add, biases left out.

usage: backward-oracle.py FIXTURE.py CLASS BATCH,C,H,W NUM_CLASSES [--freeze ATTRIBUTE]
prints: {"forward": F, "backward": B, "ops": {...}}
"""
import importlib.util
import json
import math
import sys

import torch
from torch.utils._python_dispatch import TorchDispatchMode

GEMMS = {"mm", "addmm", "bmm"}


def numel(shape):
    return math.prod(shape)


def gemm_flops(name, args, out):
    left = args[1] if name == "addmm" else args[0]
    return 2 * numel(out.shape) * left.shape[-1]


def conv_flops(args, out):
    weight = args[1]
    return 2 * numel(out.shape) * weight.shape[1] * numel(weight.shape[2:])


def conv_backward_flops(args):
    # convolution_backward(grad_output, input, weight, bias_sizes, stride, padding, dilation, transposed,
    # output_padding, groups, output_mask): the input gradient and the weight gradient each cost the forward's
    # multiply-adds; the bias gradient is a sum, left out like the forward's bias.
    grad_output, _input, weight = args[0], args[1], args[2]
    mask = args[10]
    per_product = 2 * numel(grad_output.shape) * weight.shape[1] * numel(weight.shape[2:])
    return per_product * (int(bool(mask[0])) + int(bool(mask[1])))


class Counter(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.flops = 0
        self.ops = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        name = func.overloadpacket.__name__
        flops = None
        if name in GEMMS:
            flops = gemm_flops(name, args, out)
        elif name == "convolution":
            flops = conv_flops(args, out)
        elif name == "convolution_backward":
            flops = conv_backward_flops(args)
        if flops is not None:
            self.flops += flops
            self.ops[f"aten.{name}"] = self.ops.get(f"aten.{name}", 0) + 1
        return out


def main(argv):
    path, class_name, shape, num_classes = argv[1], argv[2], [int(s) for s in argv[3].split(",")], int(argv[4])
    spec = importlib.util.spec_from_file_location("fixture", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(0)
    model = getattr(module, class_name)()
    if "--freeze" in argv:
        getattr(model, argv[argv.index("--freeze") + 1]).requires_grad_(False)
    images = torch.randn(*shape)
    target = torch.randint(0, num_classes, (shape[0],))
    forward = Counter()
    with forward:
        loss = torch.nn.functional.cross_entropy(model(images), target)
    backward = Counter()
    with backward:
        loss.backward()
    print(json.dumps({"forward": forward.flops, "backward": backward.flops, "ops": {"forward": forward.ops, "backward": backward.ops}}))


if __name__ == "__main__":
    main(sys.argv)
