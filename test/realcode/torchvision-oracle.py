"""The torchvision oracle: conv and matmul FLOPs that PyTorch dispatches for one forward of each classification builder.

Run with Debian's /usr/bin/python3 (python3-torch 1.13, python3-torchvision 0.14). Prints JSON, one entry per builder:
{conv_flops, matmul_flops, total, ops: {aten op: count}, input, eval: {...}}. Each model is built unmodified from the
installed package with weights=None (nothing is downloaded), moved to the meta device (shapes without arithmetic, so
that the 35 GFLOP of vit_b_16 take no minutes on two cores) and run once under a TorchDispatchMode that counts the
matmul-like and convolution aten ops that reach the dispatcher. Before the run, three small models are also run on the
CPU with real tensors, and the script stops if their counts differ from the meta device's:

- GEMMs (mm, addmm, bmm, baddbmm, matmul, linear, dot, mv, addmv): 2 * (output elements) * K, K the contracted size;
  a bias or beta * C add is pointwise and not counted.
- Convolutions (convolution, _convolution, mkldnn/cudnn/slow variants): 2 * (output elements) * (C_in / groups) *
  prod(kernel); convolution_backward is not a forward op and is not counted.
- Scaled dot-product attention, should one reach the dispatcher (torch 1.13 has none in these models):
  2 * B*H*L * S * E for Q K^T and 2 * B*H*L * S * Ev for P V.

An op is counted only at the top level: ops that a counted op dispatches while it runs are its own work, counted once.
The top-level figures are for the model in train mode: nn.MultiheadAttention's inference fast path (vit_b_16) would
hide its matmuls in one fused op. BatchNorm layers stay in eval mode there, since a batch of one has a single value
per channel after global pooling (inception_v3's auxiliary head) and train-mode BatchNorm rejects it; BatchNorm does
no matmul, so the counts are those of train mode. Train mode also runs googlenet's and inception_v3's auxiliary
classifiers. `eval` holds the same counts in eval mode with autograd on (which also keeps MultiheadAttention off its
fast path): the inference forward that torchvision's docs table counts.

The result is cached in .cache/torchvision-oracle/ (git-ignored), keyed by the torch and torchvision versions and this
script's hash; `--no-cache` recomputes it. Each entry also gives the builder's installed source file and torchvision's
docs figure (DOCS_GMACS) with whether the eval count agrees with it. `--builders a,b` limits the run to some builders (not cached).
"""
import hashlib
import inspect
import json
import math
import os
import sys
import importlib.metadata
import time
import warnings

BUILDERS = [
    "alexnet", "vgg16", "resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0",
    "convnext_tiny", "regnet_y_400mf", "densenet121", "squeezenet1_0", "shufflenet_v2_x1_0", "mnasnet1_0",
    "googlenet", "inception_v3", "vit_b_16", "swin_t", "maxvit_t",
]

# torchvision's own figure for each builder: the `_ops` of its IMAGENET1K_V1 weights' metadata, in giga multiply-adds
# (its docs table's "GFLOPS" column), for the eval-mode forward at the input size above. torchvision 0.14 does not ship
# this metadata (0.15 added it), so it is written here, as read in pytorch/vision's torchvision/models/*.py; each value
# was found with its model's weights, accuracy and parameter count around it. A figure of 2 * _ops GFLOP agrees when
# the eval count rounds to it at the decimals given.
DOCS_GMACS = {
    "alexnet": 0.714, "vgg16": 15.47, "resnet18": 1.814, "resnet50": 4.089, "mobilenet_v2": 0.301,
    "mobilenet_v3_large": 0.217, "efficientnet_b0": 0.386, "convnext_tiny": 4.456, "regnet_y_400mf": 0.402,
    "densenet121": 2.834, "squeezenet1_0": 0.819, "shufflenet_v2_x1_0": 0.145, "mnasnet1_0": 0.314,
    "googlenet": 1.498, "inception_v3": 5.713, "vit_b_16": 17.564, "swin_t": 4.491, "maxvit_t": 5.558,
}

# inception_v3 is defined for 299x299 images; every other builder for 224x224.
INPUT_SIZE = {"inception_v3": 299}
DEFAULT_INPUT_SIZE = 224

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE_DIR = os.path.join(ROOT, ".cache", "torchvision-oracle")


def numel(shape):
    return math.prod(shape)


def gemm_flops(name, args, out):
    """2 * output elements * K, with K read from the operand whose last dim is contracted."""
    if name in ("addmm", "baddbmm", "addmv"):
        left = args[1]
    else:
        left = args[0]
    if name == "linear":
        contracted = args[1].shape[-1]
    else:
        contracted = left.shape[-1]
    return 2 * numel(out.shape) * contracted


def conv_flops(name, args, out):
    weight = args[1]
    # convolution and _convolution carry `transposed` as their seventh argument; a transposed convolution's weight is
    # [C_in, C_out / groups, k...], so each input element meets C_out / groups * prod(k) weights.
    transposed = name in ("convolution", "_convolution") and len(args) > 6 and bool(args[6])
    if transposed:
        return 2 * numel(args[0].shape) * weight.shape[1] * numel(weight.shape[2:])
    return 2 * numel(out.shape) * weight.shape[1] * numel(weight.shape[2:])


def attention_flops(_name, args, _out):
    query, key, value = args[0], args[1], args[2]
    rows = numel(query.shape[:-1])
    return 2 * rows * key.shape[-2] * query.shape[-1] + 2 * rows * key.shape[-2] * value.shape[-1]


GEMMS = {"mm", "addmm", "bmm", "baddbmm", "matmul", "linear", "dot", "mv", "addmv"}
CONVOLUTIONS = {
    "convolution", "_convolution", "conv2d", "conv1d", "conv3d", "mkldnn_convolution", "_mkldnn_convolution",
    "cudnn_convolution", "_slow_conv2d_forward", "thnn_conv2d", "slow_conv_dilated2d", "slow_conv3d_forward",
    "_nnpack_spatial_convolution", "conv_depthwise2d", "_conv_depthwise2d",
}
ATTENTION = {"_scaled_dot_product_attention", "scaled_dot_product_attention", "_scaled_dot_product_attention_math"}


def kind_of(name):
    if name in GEMMS:
        return "matmul"
    if name in CONVOLUTIONS:
        return "conv"
    if name in ATTENTION:
        return "attention"
    return None


def flop_counter():
    """A fresh FlopCounter: the class is made here so that reading the cache never imports torch (seconds on 2 cores)."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class FlopCounter(TorchDispatchMode):
        """Counts conv and matmul FLOPs of the top-level aten ops of one forward."""

        def __init__(self):
            super().__init__()
            self.depth = 0
            self.flops = {"conv": 0, "matmul": 0, "attention": 0}
            self.ops = {}

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            name = func.overloadpacket.__name__
            top_level = self.depth == 0
            self.depth += 1
            try:
                out = func(*args, **kwargs)
            finally:
                self.depth -= 1
            kind = kind_of(name)
            if top_level and kind is not None:
                result = out[0] if isinstance(out, (tuple, list)) else out
                counter = {"matmul": gemm_flops, "conv": conv_flops, "attention": attention_flops}[kind]
                self.flops[kind] += counter(name, args, result)
                key = f"aten.{name}"
                self.ops[key] = self.ops.get(key, 0) + 1
            return out

    return FlopCounter()


def build(name):
    import torchvision

    builder = getattr(torchvision.models, name)
    with warnings.catch_warnings():
        # googlenet and inception_v3 warn that their default init will change; weights=None never downloads.
        warnings.simplefilter("ignore")
        return builder(weights=None)


def count(model, size, train, device="meta"):
    import torch

    if train:
        model.train()
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.eval()
    else:
        model.eval()
    counter = flop_counter()
    with torch.enable_grad(), counter:
        model(torch.zeros(1, 3, size, size, device=device))
    conv = counter.flops["conv"]
    matmul = counter.flops["matmul"] + counter.flops["attention"]
    return {"conv_flops": conv, "matmul_flops": matmul, "total": conv + matmul, "ops": dict(sorted(counter.ops.items()))}


# Small models whose real CPU forward is cheap: the meta device must dispatch the same ops with the same shapes.
CPU_CHECKED = ["alexnet", "resnet18", "squeezenet1_0"]


def check_meta_against_cpu():
    for name in CPU_CHECKED:
        size = INPUT_SIZE.get(name, DEFAULT_INPUT_SIZE)
        model = build(name)
        on_cpu = count(model, size, train=True, device="cpu")
        on_meta = count(model.to("meta"), size, train=True)
        if on_cpu != on_meta:
            raise SystemExit(f"{name}: the meta device counts {on_meta}, the CPU {on_cpu}: the oracle cannot use meta tensors")


def oracle(builders):
    import torch
    import torchvision

    torch.manual_seed(0)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    check_meta_against_cpu()
    results = {}
    for name in builders:
        started = time.time()
        size = INPUT_SIZE.get(name, DEFAULT_INPUT_SIZE)
        model = build(name).to("meta")
        train = count(model, size, train=True)
        evaluation = count(model, size, train=False)
        docs = DOCS_GMACS.get(name)
        decimals = len(str(docs).split(".")[1]) if docs is not None else 0
        results[name] = {
            **train,
            "input": [1, 3, size, size],
            "mode": "train (BatchNorm in eval)",
            "eval": evaluation,
            # The builders are wrapped by decorators (handle_legacy_interface); their module is the file to analyse.
            "file": inspect.getsourcefile(sys.modules[getattr(torchvision.models, name).__module__]),
            "docs_gmacs": docs,
            "docs_agree": docs is not None and round(evaluation["total"] / 2e9, decimals) == docs,
            "seconds": round(time.time() - started, 1),
        }
        print(f"{name}: {train['total'] / 1e9:.3f} GFLOP (eval {evaluation['total'] / 1e9:.3f}) in {results[name]['seconds']} s",
              file=sys.stderr)
    return results


def versions():
    """The installed versions as their package metadata gives them, read without importing torch."""
    return importlib.metadata.version("torch"), importlib.metadata.version("torchvision")


def cache_path():
    with open(os.path.abspath(__file__), "rb") as source:
        digest = hashlib.sha256(source.read()).hexdigest()[:12]
    torch_version, torchvision_version = versions()
    return os.path.join(CACHE_DIR, f"torch-{torch_version}-torchvision-{torchvision_version}-{digest}.json")


def main(argv):
    use_cache = "--no-cache" not in argv
    chosen = BUILDERS
    if "--builders" in argv:
        chosen = argv[argv.index("--builders") + 1].split(",")
        use_cache = False
    path = cache_path()
    if use_cache and os.path.exists(path):
        with open(path) as cached:
            print(cached.read(), end="")
        return
    torch_version, torchvision_version = versions()
    results = {"torch": torch_version, "torchvision": torchvision_version, "builders": oracle(chosen)}
    text = json.dumps(results, indent=2) + "\n"
    if chosen is BUILDERS:
        os.makedirs(CACHE_DIR, exist_ok=True)
        with open(path, "w") as out:
            out.write(text)
    print(text, end="")


if __name__ == "__main__":
    main(sys.argv[1:])
