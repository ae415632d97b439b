"""Traces a fixture model with real PyTorch and prints its op sequence as JSON: the oracle for MemWall's static reading.

Usage: /usr/bin/python3 trace.py FIXTURE.py [FIXTURE.py ...]

Each fixture defines `example()` returning `(model, inputs)` at a small concrete size. The model is traced with
torch.fx (symbolic_trace with ShapeProp for shapes); when fx cannot trace it (math on sizes, data-dependent control
flow) torch.jit.trace is used instead. For every tensor op we print its category (MemWall's names), the 1-based source
line in the fixture, its output shapes and, for matmuls and convolutions, its FLOPs (2 per multiply-add).
"""

import contextlib
import dis
import importlib.util
import inspect
import json
import operator
import os
import re
import sys

import torch
import torch.fx
import torch.fx.proxy
from torch.fx.passes.shape_prop import ShapeProp


def _patched_iter(self):
    # torch 1.13 looks the caller's instruction up as instructions[f_lasti // 2], which is wrong on Python 3.11
    # (CACHE entries shift the indices), so `B, T, C = x.size()` fails to trace. Look it up by offset instead.
    frame = inspect.currentframe()
    calling_frame = frame.f_back
    for inst in dis.get_instructions(calling_frame.f_code):
        if inst.offset == calling_frame.f_lasti:
            if inst.opname == "UNPACK_SEQUENCE":
                return (self[i] for i in range(inst.argval))
            break
    return self.tracer.iter(self)


torch.fx.proxy.Proxy.__iter__ = _patched_iter

# MemWall categories by module class, function and method name. Views and creation ops are listed so that the
# comparison can leave them out explicitly; anything missing here is reported as "unknown".
MODULE_CATEGORIES = {
    "Linear": "matmul", "Bilinear": "matmul", "LSTM": "matmul", "GRU": "matmul", "RNN": "matmul",
    "Conv1d": "conv", "Conv2d": "conv", "Conv3d": "conv", "ConvTranspose1d": "conv", "ConvTranspose2d": "conv", "ConvTranspose3d": "conv",
    "LayerNorm": "normalization", "GroupNorm": "normalization", "BatchNorm1d": "normalization", "BatchNorm2d": "normalization",
    "BatchNorm3d": "normalization", "InstanceNorm2d": "normalization", "RMSNorm": "normalization",
    "Embedding": "embedding",
    "Dropout": "pointwise", "GELU": "pointwise", "ReLU": "pointwise", "SiLU": "pointwise", "Tanh": "pointwise", "Sigmoid": "pointwise",
    "LeakyReLU": "pointwise", "ELU": "pointwise", "Mish": "pointwise", "Hardswish": "pointwise", "ReLU6": "pointwise",
    "Softmax": "softmax", "LogSoftmax": "softmax",
    "MaxPool1d": "reduction", "MaxPool2d": "reduction", "AvgPool1d": "reduction", "AvgPool2d": "reduction",
    "AdaptiveAvgPool1d": "reduction", "AdaptiveAvgPool2d": "reduction",
    "MultiheadAttention": "attention",
    "Identity": "view", "Flatten": "view", "Unflatten": "view",
    "Upsample": "copy",
}

FUNCTION_CATEGORIES = {
    "linear": "matmul", "matmul": "matmul", "bmm": "matmul", "mm": "matmul", "baddbmm": "matmul", "addmm": "matmul", "einsum": "matmul",
    "conv1d": "conv", "conv2d": "conv", "conv3d": "conv", "conv_transpose2d": "conv",
    "layer_norm": "normalization", "group_norm": "normalization", "batch_norm": "normalization", "rms_norm": "normalization", "normalize": "normalization",
    "softmax": "softmax", "log_softmax": "softmax", "cross_entropy": "softmax",
    "scaled_dot_product_attention": "attention",
    "embedding": "embedding",
    "sum": "reduction", "mean": "reduction", "amax": "reduction", "max": "reduction", "min": "reduction", "argmax": "reduction",
    "topk": "reduction", "var": "reduction", "std": "reduction", "norm": "reduction", "cumsum": "reduction", "logsumexp": "reduction",
    "prod": "reduction", "mse_loss": "reduction", "adaptive_avg_pool1d": "reduction", "adaptive_avg_pool2d": "reduction",
    "max_pool2d": "reduction", "avg_pool2d": "reduction",
    "cat": "copy", "stack": "copy", "clone": "copy", "repeat": "copy", "repeat_interleave": "copy", "gather": "copy",
    "index_select": "copy", "scatter": "copy", "pad": "copy", "interpolate": "copy", "tril": "copy", "triu": "copy", "flip": "copy", "roll": "copy",
    "view": "view", "reshape": "view", "transpose": "view", "permute": "view", "unsqueeze": "view", "squeeze": "view", "expand": "view",
    "expand_as": "view", "flatten": "view", "split": "view", "chunk": "view", "unbind": "view", "t": "view", "view_as": "view",
    "narrow": "view", "select": "view", "detach": "view", "contiguous": "copy",
    "zeros": "creation", "ones": "creation", "randn": "creation", "rand": "creation", "empty": "creation", "arange": "creation",
    "zeros_like": "creation", "ones_like": "creation", "full": "creation", "randint": "creation", "new_zeros": "creation",
    "empty_like": "creation",
}
for name in ["add", "sub", "mul", "truediv", "div", "floordiv", "pow", "neg", "iadd", "imul", "isub", "itruediv",
             "eq", "ne", "lt", "le", "gt", "ge", "and_", "or_", "masked_fill", "masked_fill_", "where", "exp", "log", "sqrt",
             "rsqrt", "tanh", "sigmoid", "relu", "gelu", "silu", "dropout", "abs", "clamp", "sin", "cos", "reciprocal",
             "float", "half", "bfloat16", "to", "type_as", "add_", "mul_", "neg_", "softplus", "leaky_relu", "elu", "square",
             "maximum", "minimum", "erf", "exp_", "sub_", "div_", "mod", "logical_and", "logical_or", "invert", "pow_",
             "bernoulli_", "uniform_", "normal_"]:
    FUNCTION_CATEGORIES[name] = "pointwise"

META = {"size", "dim", "numel", "getattr", "shape", "device", "dtype", "item", "is_contiguous", "stride"}
CONTRACTIONS = {"linear", "matmul", "bmm", "mm", "baddbmm", "addmm", "conv1d", "conv2d", "conv3d"}


def numel(shape):
    total = 1
    for d in shape:
        total *= int(d)
    return total


def shapes_of(meta):
    if meta is None:
        return []
    if hasattr(meta, "shape"):
        return [[int(d) for d in meta.shape]]
    if isinstance(meta, (list, tuple)):
        out = []
        for item in meta:
            out.extend(shapes_of(item))
        return out
    return []


def line_in(stack, path, innermost_first=False):
    """The innermost line of the fixture file in a stack trace (None when the op comes from elsewhere).

    fx formats frames as `File "path", line N` (outermost first); jit's source ranges as `path(N): function`
    (innermost first).
    """
    if not stack:
        return None
    pattern = r'%s\((\d+)\)' % re.escape(path) if innermost_first else r'File "%s", line (\d+)' % re.escape(path)
    lines = [int(m.group(1)) for m in re.finditer(pattern, stack)]
    if not lines:
        return None
    return lines[0]


def reshape_copies(in_shape, in_stride, out_shape):
    """Whether PyTorch's reshape copies: exactly when a view with these strides is impossible."""
    try:
        torch.empty_strided(tuple(in_shape), tuple(in_stride)).view(tuple(out_shape))
        return False
    except RuntimeError:
        return True


def contiguous(meta):
    if meta is None or not hasattr(meta, "stride"):
        return True
    expected = 1
    for size, stride in reversed(list(zip(meta.shape, meta.stride))):
        if size != 1 and stride != expected:
            return False
        expected *= size
    return True


def trace_fx(model, inputs, path):
    tracer = torch.fx.Tracer()
    tracer.record_stack_traces = True
    graph = tracer.trace(model)
    module = torch.fx.GraphModule(tracer.root, graph)
    ShapeProp(module).propagate(*inputs)
    modules = dict(module.named_modules())
    ops = []
    for node in graph.nodes:
        if node.op not in ("call_module", "call_function", "call_method"):
            continue
        meta = node.meta.get("tensor_meta")
        out_shapes = shapes_of(meta)
        if not out_shapes:
            continue  # sizes, Python numbers and other non-tensor results
        if node.op == "call_module":
            name = type(modules[node.target]).__name__
            category = MODULE_CATEGORIES.get(name, "unknown")
        else:
            name = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", str(node.target))
            if name in META:
                continue
            if name == "getitem":
                index = node.args[1]
                items = index if isinstance(index, tuple) else (index,)
                advanced = any(isinstance(i, (list, torch.fx.Node)) and not (isinstance(i, torch.fx.Node) and i.op == "call_function" and False) for i in items)
                source = node.args[0]
                if isinstance(source, torch.fx.Node) and source.meta.get("tensor_meta") is None:
                    continue  # indexing a tuple or a size, not a tensor
                category = "copy" if advanced else "view"
            else:
                category = FUNCTION_CATEGORIES.get(name, "unknown")
            first = node.args[0] if node.args else None
            first_meta = first.meta.get("tensor_meta") if isinstance(first, torch.fx.Node) else None
            if name in ("contiguous", "reshape", "flatten") and first_meta is not None:
                if name == "contiguous":
                    category = "view" if contiguous(first_meta) else "copy"
                elif reshape_copies(first_meta.shape, first_meta.stride, out_shapes[0]):
                    category = "copy"
            if name in ("float", "half", "bfloat16", "to", "type_as") and first_meta is not None and hasattr(meta, "dtype"):
                if first_meta.dtype == meta.dtype:
                    continue  # a cast to the dtype it already has is a no-op
        flops = fx_flops(node, modules, out_shapes, name)
        ops.append({"category": category, "name": name, "line": line_in(node.stack_trace, path), "shapes": out_shapes, "flops": flops})
    return ops


def fx_flops(node, modules, out_shapes, name):
    out = numel(out_shapes[0])
    if node.op == "call_module":
        module = modules[node.target]
        if isinstance(module, torch.nn.Linear):
            return 2 * out * module.in_features + (out if module.bias is not None else 0)
        if isinstance(module, (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)):
            return 2 * out * numel(module.weight.shape[1:]) + (out if module.bias is not None else 0)
        return None
    if name in ("matmul", "bmm", "mm"):
        first = node.args[0].meta["tensor_meta"]
        return 2 * out * int(first.shape[-1])
    if name == "linear":
        first = node.args[0].meta["tensor_meta"]
        has_bias = len(node.args) > 2 and node.args[2] is not None or node.kwargs.get("bias") is not None
        return 2 * out * int(first.shape[-1]) + (out if has_bias else 0)
    if name == "einsum":
        return einsum_flops(node)
    return None


def einsum_flops(node):
    # A two-operand einsum is one batched GEMM: 2 FLOPs for every combination of the letters it names (kept and summed).
    equation = node.args[0] if isinstance(node.args[0], str) else None
    operands = node.args[1:]
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = operands[0]
    if equation is None or "..." in equation or len(operands) != 2:
        return None
    inputs = equation.replace(" ", "").split("->")[0].split(",")
    sizes = {}
    for letters, operand in zip(inputs, operands):
        for letter, size in zip(letters, operand.meta["tensor_meta"].shape):
            sizes[letter] = int(size)
    return 2 * numel(list(sizes.values()))


JIT_CATEGORY = {
    "linear": "matmul", "matmul": "matmul", "bmm": "matmul", "mm": "matmul", "addmm": "matmul", "baddbmm": "matmul", "einsum": "matmul",
    "_convolution": "conv", "conv1d": "conv", "conv2d": "conv",
    "layer_norm": "normalization", "group_norm": "normalization", "batch_norm": "normalization",
    "softmax": "softmax", "log_softmax": "softmax", "cross_entropy_loss": "softmax",
    "embedding": "embedding",
    "slice": "view", "select": "view", "view": "view", "reshape": "view", "transpose": "view", "permute": "view",
    "unsqueeze": "view", "squeeze": "view", "expand": "view", "flatten": "view", "split": "view", "chunk": "view",
    "unbind": "view", "t": "view", "numpy_T": "view", "detach": "view", "alias": "view", "expand_as": "view", "view_as": "view",
    "view_as_complex": "view", "view_as_real": "view", "copy_": "copy", "triu": "copy", "tril": "copy",
    "index": "copy", "cat": "copy", "stack": "copy", "clone": "copy", "repeat": "copy", "repeat_interleave": "copy",
    "gather": "copy", "scatter": "copy", "constant_pad_nd": "copy", "pad": "copy", "upsample_nearest2d": "copy",
    "ones": "creation", "zeros": "creation", "arange": "creation", "zeros_like": "creation", "ones_like": "creation",
    "empty": "creation", "full": "creation", "randn": "creation", "tensor": "creation",
    "topk": "reduction", "sum": "reduction", "mean": "reduction", "max": "reduction", "amax": "reduction", "max_pool2d": "reduction",
    "adaptive_avg_pool2d": "reduction", "adaptive_avg_pool1d": "reduction", "avg_pool2d": "reduction", "argmax": "reduction", "var": "reduction",
}
for name in ["add", "sub", "mul", "div", "neg", "pow", "eq", "ne", "lt", "gt", "le", "ge", "masked_fill", "where", "exp", "log",
             "sqrt", "rsqrt", "tanh", "sigmoid", "relu", "gelu", "silu", "dropout", "abs", "clamp", "sin", "cos", "reciprocal",
             "to", "type_as", "add_", "mul_", "relu_", "floor_divide", "__and__", "__or__", "bitwise_not", "softplus", "erf", "rsub",
             "masked_fill_", "maximum", "minimum", "square", "leaky_relu", "mul_", "div_", "sub_"]:
    JIT_CATEGORY[name] = "pointwise"
JIT_SKIP = {"size", "Int", "NumToTensor", "ScalarImplicit", "Float", "dim", "contiguous_check", "ListConstruct", "ListUnpack",
            "TupleConstruct", "TupleUnpack", "Constant", "GetAttr", "device", "dtype", "floor", "ceil", "sqrt_int"}


def is_tensor_like(value_type):
    """A tensor, or a list of tensors (the input of cat and stack)."""
    if isinstance(value_type, torch._C.TensorType):
        return True
    return value_type.kind() == "ListType" and isinstance(value_type.getElementType(), torch._C.TensorType)


CREATION_KINDS = {"aten::ones", "aten::zeros", "aten::arange", "aten::empty", "aten::full", "aten::randn", "aten::rand", "aten::tensor", "aten::randint"}


def trace_jit(model, inputs, path):
    traced = torch.jit.trace(model, tuple(inputs), check_trace=False)
    graph = traced.inlined_graph
    ops = []
    # Values computed from sizes (`C // n_head` on x.size()) are traced as 0-d tensors; they are not tensor ops.
    size_derived = set()
    # Parameters reach the graph through prim::GetAttr chains from the module, with no sizes on their type: follow the
    # chains to the tensors themselves (a convolution's FLOPs need its weight's shape).
    attributes = {next(graph.inputs()).unique(): traced}
    for node in graph.nodes():
        kind = node.kind()
        if kind == "prim::GetAttr":
            owner = attributes.get(next(node.inputs()).unique())
            if owner is not None and hasattr(owner, node.s("name")):
                attributes[node.output().unique()] = getattr(owner, node.s("name"))
        tensor_inputs = [i for i in node.inputs() if is_tensor_like(i.type())]
        scalar_only = kind.startswith("aten::") and not tensor_inputs and kind not in CREATION_KINDS
        if kind in ("aten::size", "prim::NumToTensor", "prim::Constant") or scalar_only or (tensor_inputs and all(i.unique() in size_derived for i in tensor_inputs)):
            for o in node.outputs():
                size_derived.add(o.unique())
            continue
        if not kind.startswith("aten::"):
            continue
        name = kind.split("::")[1]
        if name in JIT_SKIP:
            continue
        outputs = [o for o in node.outputs() if isinstance(o.type(), torch._C.TensorType)]
        shapes = []
        for o in outputs:
            sizes = o.type().sizes()
            if sizes is not None:
                shapes.append([int(s) for s in sizes])
        list_outputs = [o for o in node.outputs() if o.type().kind() == "ListType"]
        if not outputs and not list_outputs:
            continue
        category = JIT_CATEGORY.get(name, "unknown")
        inputs_ = list(node.inputs())
        first_type = inputs_[0].type() if inputs_ else None
        if name in ("contiguous", "reshape", "flatten") and isinstance(first_type, torch._C.TensorType):
            strides = first_type.strides()
            sizes = first_type.sizes()
            is_contiguous = True
            if strides is not None and sizes is not None:
                expected = 1
                for size, stride in reversed(list(zip(sizes, strides))):
                    if size != 1 and stride != expected:
                        is_contiguous = False
                    expected *= size
            if name == "contiguous":
                category = "view" if is_contiguous else "copy"
            elif strides is not None and sizes is not None and shapes:
                category = "copy" if reshape_copies(sizes, strides, shapes[0]) else "view"
        if name in ("to", "type_as") and isinstance(first_type, torch._C.TensorType) and outputs:
            if first_type.scalarType() == outputs[0].type().scalarType():
                continue
        flops = None
        if outputs and shapes:
            out = numel(shapes[0])
            if name in ("linear",):
                x = inputs_[0].type().sizes()
                has_bias = not isinstance(inputs_[2].type(), torch._C.NoneType)
                flops = 2 * out * int(x[-1]) + (out if has_bias else 0)
            elif name in ("matmul", "bmm", "mm"):
                flops = 2 * out * int(inputs_[0].type().sizes()[-1])
            elif name in ("_convolution", "conv1d", "conv2d"):
                weight = inputs_[1].type().sizes()
                if weight is None and isinstance(attributes.get(inputs_[1].unique()), torch.Tensor):
                    weight = list(attributes[inputs_[1].unique()].shape)
                has_bias = not isinstance(inputs_[2].type(), torch._C.NoneType)
                flops = 2 * out * numel(weight[1:]) + (out if has_bias else 0)
        ops.append({"category": category, "name": name, "line": line_in(node.sourceRange(), path, True), "shapes": shapes, "flops": flops})
    return ops


def load(path):
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tensors_only(model, inputs):
    """fx and jit trace tensors in and out only: a Python number among the inputs (Llama's `start_pos`) is bound into
    a wrapper that passes it on, and a None among the outputs (nanoGPT's loss without targets) is dropped."""
    with torch.no_grad():
        outputs = model(*inputs)
    outputs_tensors = not isinstance(outputs, tuple) or all(isinstance(o, torch.Tensor) for o in outputs)
    if all(isinstance(i, torch.Tensor) for i in inputs) and outputs_tensors:
        return model, inputs

    class Bound(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, *tensors):
            given = iter(tensors)
            out = self.model(*[next(given) if isinstance(i, torch.Tensor) else i for i in inputs])
            return tuple(o for o in out if o is not None) if isinstance(out, tuple) else out

    return Bound(), [i for i in inputs if isinstance(i, torch.Tensor)]


def trace(path):
    path = os.path.abspath(path)
    torch.manual_seed(0)
    # Published models print while they build (nanoGPT's parameter count): stdout carries the JSON, so they print to
    # stderr.
    with contextlib.redirect_stdout(sys.stderr):
        fixture = load(path)
        model, inputs = fixture.example()
    model.eval()
    model, inputs = tensors_only(model, inputs)
    try:
        ops = trace_fx(model, inputs, path)
        method = "fx"
    except Exception as error:  # fx cannot trace math on sizes or data-dependent control flow
        fx_error = "%s: %s" % (type(error).__name__, str(error).splitlines()[0] if str(error) else "")
        ops = trace_jit(model, inputs, path)
        method = "jit (fx failed: %s)" % fx_error[:120]
    return {"fixture": os.path.basename(path), "method": method, "ops": ops}


if __name__ == "__main__":
    print(json.dumps([trace(p) for p in sys.argv[1:]]))
