"""Lowering: each recorded reference function becomes ONNX nodes.

``LOWERINGS`` maps a reference function to its lowering ``(graph, args, result)``, where
``args`` are the call's arguments by parameter name and ``result`` what it returned; the
lowering binds the result's tensor(s) to the ONNX values it built. ``PRIMITIVES`` are the op
mechanism's entry points: reached at top level with a traced tensor, they are an op with no
lowering, and the export fails naming it."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import _arith, _conversion, _joining, _matmul, _ops, _pointwise, _reductions, _views
from .._tensor import Tensor
from ..nn import functional as F
from ..nn.functional import _attention
from ._graph import Graph
from .errors import UnsupportedOperatorError

__all__ = ["LOWERINGS", "PRIMITIVES", "unsupported"]

Lowering = Callable[[Graph, dict, Any], None]


def unsupported(g: Graph, op: str, detail: str | None = None) -> UnsupportedOperatorError:
    """The error for an op (or an argument of one) that has no ONNX lowering."""
    return UnsupportedOperatorError(f"aten::{op}", g.opset, detail)


def _tuple(value: Any, n: int) -> list[int]:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [int(v) for v in value]
    return [int(value)] * n


def _dim(d: int, ndim: int) -> int:
    return d + max(ndim, 1) if d < 0 else d


def _dt(t: Tensor) -> np.dtype:
    return t._data.dtype


def _unary(op: str, hint: str, key: str = "input") -> Lowering:
    def lower(g: Graph, a: dict, out: Any) -> None:
        g.bind(out, g.node(op, [g.value(a[key])], hint))

    return lower


def _alias(key: str) -> Lowering:
    def lower(g: Graph, a: dict, out: Any) -> None:
        g.bind(out, g.value(a[key]))

    return lower


# ----- batched ops: unbatched inputs get a leading dim of 1 around the node --------------
def _batched(g: Graph, x: Tensor, spatial: int, build: Callable[[str], str]) -> str:
    name = g.value(x)
    if x.ndim == spatial + 2:
        return build(name)
    if x.ndim != spatial + 1:
        raise unsupported(g, "convolution", f"input of {x.ndim} dims")
    axes = g.ints([0])
    return g.node("Squeeze", [build(g.node("Unsqueeze", [name, axes], "unsqueeze")), axes], "sq")


# ----- linear layers --------------------------------------------------------------------
def _linear(g: Graph, a: dict, out: Any) -> None:
    x, w, b = a["input"], a["weight"], a["bias"]
    xv, wv = g.value(x), g.value(w)
    if x.ndim == 2 and w.ndim == 2:
        inputs = [xv, wv] + ([g.value(b)] if b is not None else [])
        g.bind(out, g.node("Gemm", inputs, "linear", transB=1))
        return
    y = g.node("MatMul", [xv, g.node("Transpose", [wv], "t", perm=[1, 0])], "matmul")
    if b is not None:
        y = g.node("Add", [y, g.value(b)], "linear")
    g.bind(out, y)


def _bilinear(g: Graph, a: dict, out: Any) -> None:
    if g.legacy:  # torch's TorchScript exporter has no symbolic for it; its dynamo one does
        raise unsupported(g, "bilinear")
    names = [g.value(a[k]) for k in ("input1", "weight", "input2")]
    y = g.node("Einsum", [names[0], names[1], names[2]], "einsum", equation="...i,kij,...j->...k")
    if a["bias"] is not None:
        y = g.node("Add", [y, g.value(a["bias"])], "bilinear")
    g.bind(out, y)


def _conv_pads(padding: Any, kernel: list[int], dilation: list[int], n: int) -> list[int]:
    if padding == "valid":
        return [0] * (2 * n)
    if padding == "same":
        total = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        return [t // 2 for t in total] + [t - t // 2 for t in total]
    p = _tuple(padding, n)
    return p + p


def _conv(g: Graph, a: dict, out: Any) -> None:
    w = a["weight"]
    n = w.ndim - 2
    kernel, dilation = [int(k) for k in w.shape[2:]], _tuple(a["dilation"], n)
    attrs = {
        "kernel_shape": kernel,
        "strides": _tuple(a["stride"], n),
        "pads": _conv_pads(a["padding"], kernel, dilation, n),
        "dilations": dilation,
        "group": int(a["groups"]),
    }
    extra = [g.value(w)] + ([g.value(a["bias"])] if a["bias"] is not None else [])
    g.bind(out, _batched(g, a["input"], n, lambda x: g.node("Conv", [x, *extra], "conv", **attrs)))


# ----- normalization --------------------------------------------------------------------
def _or_const(g: Graph, t: Tensor | None, fill: float, size: Sequence[int], dt: np.dtype) -> str:
    return g.value(t) if t is not None else g.const(np.full(tuple(size), fill, dtype=dt))


def _batch_norm(g: Graph, a: dict, out: Any) -> None:
    x = a["input"]
    c, dt = [int(x.shape[1])], _dt(x)
    inputs = [
        g.value(x),
        _or_const(g, a["weight"], 1.0, c, dt),
        _or_const(g, a["bias"], 0.0, c, dt),
        _or_const(g, a["running_mean"], 0.0, c, dt),
        _or_const(g, a["running_var"], 1.0, c, dt),
    ]
    momentum = 0.1 if a["momentum"] is None else float(a["momentum"])
    attrs = {"epsilon": float(a["eps"]), "momentum": 1.0 - momentum}
    # torch's dynamo exporter writes a batch norm that has running statistics in eval form
    if a["training"] and (g.legacy or a["running_mean"] is None):
        y = g.node("BatchNormalization", inputs, "batch_norm", 3, training_mode=1, **attrs)[0]
    else:
        y = g.node("BatchNormalization", inputs, "batch_norm", **attrs)
    g.bind(out, y)


def _layer_norm(g: Graph, a: dict, out: Any) -> None:
    x, shape = a["input"], _tuple(a["normalized_shape"], 1)
    inputs = [g.value(x), _or_const(g, a["weight"], 1.0, shape, _dt(x))]
    if a["bias"] is not None:
        inputs.append(g.value(a["bias"]))
    axis = x.ndim - len(shape)
    g.bind(out, g.node("LayerNormalization", inputs, "layer_norm", axis=axis, epsilon=a["eps"]))


def _dropout(g: Graph, a: dict, out: Any) -> None:
    x, p = a["input"], float(a["p"])
    if not a["training"] or p == 0.0:
        g.bind(out, g.value(x))
        return
    inputs = [g.value(x), g.scalar(p, _dt(x)), g.const(np.array(True))]
    g.bind(out, g.node("Dropout", inputs, "dropout"))


# ----- activations ----------------------------------------------------------------------
def _clip(lo: str, hi: str) -> Lowering:
    def lower(g: Graph, a: dict, out: Any) -> None:
        x = a["input"]
        bounds = [g.scalar(a.get(lo, 0.0), _dt(x)), g.scalar(a.get(hi, 6.0), _dt(x))]
        g.bind(out, g.node("Clip", [g.value(x), *bounds], "clamp"))

    return lower


def _leaky_relu(g: Graph, a: dict, out: Any) -> None:
    alpha = float(a["negative_slope"])
    g.bind(out, g.node("LeakyRelu", [g.value(a["input"])], "leaky_relu", alpha=alpha))


def _elu(g: Graph, a: dict, out: Any) -> None:
    g.bind(out, g.node("Elu", [g.value(a["input"])], "elu", alpha=float(a["alpha"])))


def _silu(g: Graph, a: dict, out: Any) -> None:
    x = g.value(a["input"])
    g.bind(out, g.node("Mul", [x, g.node("Sigmoid", [x], "sigmoid")], "silu"))


def _gelu(g: Graph, a: dict, out: Any) -> None:
    x, dt, approximate = g.value(a["input"]), _dt(a["input"]), a["approximate"]
    if g.opset >= 20:
        g.bind(out, g.node("Gelu", [x], "gelu", approximate=approximate))
        return
    if approximate == "tanh":  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = g.node("Mul", [x, g.node("Mul", [x, x], "mul")], "mul")
        inner = g.node("Add", [x, g.node("Mul", [cube, g.scalar(0.044715, dt)], "mul")], "add")
        arg = g.node("Mul", [inner, g.scalar(math.sqrt(2 / math.pi), dt)], "mul")
        core = g.node("Tanh", [arg], "tanh")
    else:  # 0.5 x (1 + erf(x / sqrt(2)))
        core = g.node("Erf", [g.node("Div", [x, g.scalar(math.sqrt(2), dt)], "div")], "erf")
    half = g.node("Mul", [x, g.scalar(0.5, dt)], "mul")
    g.bind(out, g.node("Mul", [half, g.node("Add", [core, g.scalar(1, dt)], "add")], "gelu"))


def _softmax(op: str, hint: str) -> Lowering:
    def lower(g: Graph, a: dict, out: Any) -> None:
        x = a["input"]
        dim = a["dim"] if a["dim"] is not None else (0 if x.ndim in (0, 1, 3) else 1)
        name = g.cast(g.value(x), _dt(x), _dt(out))
        g.bind(out, g.node(op, [name], hint, axis=_dim(dim, x.ndim)))

    return lower


def _attention_softmax(g: Graph, a: dict, out: Any) -> None:
    g.bind(out, g.node("Softmax", [g.value(a["scores"])], "softmax", axis=-1))


def _reduce(op: str, hint: str) -> Lowering:
    def lower(g: Graph, a: dict, out: Any) -> None:
        x, dim = a["input"], a["dim"]
        if a.get("out") is not None or a.get("dtype") is not None:
            raise unsupported(g, hint, "out= or dtype=")
        dims = _tuple(dim, 1) if isinstance(dim, (int, Sequence)) else []
        axes = sorted({_dim(d, x.ndim) for d in dims}) or list(range(x.ndim))
        keep = int(out.ndim == x.ndim and x.ndim > 0 and (len(axes) < x.ndim or dims != []))
        if g.opset >= 18 or op == "ReduceSum":
            node = g.node(op, [g.value(x), g.ints(axes)], hint, keepdims=keep)
        else:
            node = g.node(op, [g.value(x)], hint, axes=axes, keepdims=keep)
        g.bind(out, node)

    return lower


def _chunk(g: Graph, a: dict, out: Any) -> None:
    x, parts = a["input"], list(out)
    axis = _dim(a.get("dim", 0), x.ndim)
    sizes = g.ints([int(p.shape[axis]) for p in parts])
    names = g.node("Split", [g.value(x), sizes], "split", len(parts), axis=axis)
    for part, name in zip(parts, [names] if len(parts) == 1 else names, strict=True):
        g.bind(part, name)


# ----- pooling --------------------------------------------------------------------------
def _max_pool(n: int) -> Lowering:
    def lower(g: Graph, a: dict, out: Any) -> None:
        if a["return_indices"]:
            raise unsupported(g, f"max_pool{n}d_with_indices", "return_indices=True")
        k = _tuple(a["kernel_size"], n)
        stride = a["stride"]
        s = k if stride is None or (isinstance(stride, Sequence) and not stride) else stride
        p = _tuple(a["padding"], n)
        attrs = {
            "kernel_shape": k,
            "strides": _tuple(s, n),
            "pads": p + p,
            "dilations": _tuple(a["dilation"], n),
            "ceil_mode": int(bool(a["ceil_mode"])),
        }
        build = lambda x: g.node("MaxPool", [x], "max_pool", **attrs)  # noqa: E731
        g.bind(out, _batched(g, a["input"], n, build))

    return lower


def _avg_pool(n: int) -> Lowering:
    def lower(g: Graph, a: dict, out: Any) -> None:
        if a.get("divisor_override") is not None:
            raise unsupported(g, f"avg_pool{n}d", "divisor_override")
        k = _tuple(a["kernel_size"], n)
        stride = a["stride"]
        s = k if stride is None or (isinstance(stride, Sequence) and not stride) else stride
        p = _tuple(a["padding"], n)
        attrs = {
            "kernel_shape": k,
            "strides": _tuple(s, n),
            "pads": p + p,
            "ceil_mode": int(bool(a["ceil_mode"])),
            "count_include_pad": int(bool(a["count_include_pad"])),
        }
        build = lambda x: g.node("AveragePool", [x], "avg_pool", **attrs)  # noqa: E731
        g.bind(out, _batched(g, a["input"], n, build))

    return lower


def _adaptive_avg_pool(n: int) -> Lowering:
    def lower(g: Graph, a: dict, out: Any) -> None:
        x = a["input"]
        sizes_in, sizes_out = list(x.shape[-n:]), list(out.shape[-n:])
        if all(s == 1 for s in sizes_out):
            build = lambda v: g.node("GlobalAveragePool", [v], "adaptive_avg_pool")  # noqa: E731
        elif all(i % o == 0 for i, o in zip(sizes_in, sizes_out, strict=True)):
            k = [i // o for i, o in zip(sizes_in, sizes_out, strict=True)]
            build = lambda v: g.node(  # noqa: E731
                "AveragePool", [v], "adaptive_avg_pool", kernel_shape=k, strides=k
            )
        else:
            raise unsupported(g, f"adaptive_avg_pool{n}d", f"output size {sizes_out}")
        g.bind(out, _batched(g, x, n, build))

    return lower


# ----- shapes ---------------------------------------------------------------------------
def _reshape_target(shape_in: Sequence[int], requested: Sequence[int], shape_out: Sequence[int]):
    """Reshape's target: a leading run of dims kept from the input is written 0 (copy the
    input's dim) and a requested -1 stays -1, so the graph follows another batch size."""
    target, keep = [], True
    for i, size in enumerate(shape_out):
        wanted = requested[i] if i < len(requested) else size
        keep = keep and i < len(shape_in) and wanted == shape_in[i] and size != 0
        target.append(0 if keep else (-1 if wanted == -1 else int(size)))
    return target


def _reshape(g: Graph, x: Tensor, requested: Sequence[int], out: Tensor) -> None:
    target = _reshape_target(list(x.shape), list(requested), list(out.shape))
    g.bind(out, g.node("Reshape", [g.value(x), g.ints(target)], "view"))


def _shape_arg(shape: tuple) -> list[int]:
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        return [int(s) for s in shape[0]]
    return [int(s) for s in shape]


def _view(key: str) -> Lowering:
    def lower(g: Graph, a: dict, out: Any) -> None:
        _reshape(g, a[key], _shape_arg(a["shape"]), out)

    return lower


def _view_as(g: Graph, a: dict, out: Any) -> None:
    _reshape(g, a["self"], list(out.shape), out)


def _flatten(g: Graph, a: dict, out: Any) -> None:
    x = a["input"]
    start, end = _dim(a["start_dim"], x.ndim), _dim(a["end_dim"], x.ndim)
    if x.ndim >= 2 and start == 1 and end == x.ndim - 1:
        g.bind(out, g.node("Flatten", [g.value(x)], "flatten", axis=1))
        return
    requested = list(x.shape[:start]) + [-1] + list(out.shape[start + 1 :])
    _reshape(g, x, requested, out)


def _permute(g: Graph, a: dict, out: Any) -> None:
    x = a["input"]
    dims = _shape_arg(tuple(a["dims"]))
    perm = [_dim(d, x.ndim) for d in dims]
    g.bind(out, g.node("Transpose", [g.value(x)], "permute", perm=perm))


def _transpose(g: Graph, a: dict, out: Any) -> None:
    x = a["input"]
    perm = list(range(x.ndim))
    i, j = _dim(a["dim0"], x.ndim), _dim(a["dim1"], x.ndim)
    perm[i], perm[j] = perm[j], perm[i]
    g.bind(out, g.node("Transpose", [g.value(x)], "transpose", perm=perm))


def _t(g: Graph, a: dict, out: Any) -> None:
    x = a["input"]
    if x.ndim < 2:
        g.bind(out, g.value(x))
    else:
        g.bind(out, g.node("Transpose", [g.value(x)], "t", perm=[1, 0]))


def _unsqueeze(g: Graph, a: dict, out: Any) -> None:
    x = a["input"]
    axes = g.ints([_dim(a["dim"], x.ndim + 1)])
    g.bind(out, g.node("Unsqueeze", [g.value(x), axes], "unsqueeze"))


def _squeeze(g: Graph, a: dict, out: Any) -> None:
    x, dim = a["input"], a["dim"]
    dims = range(x.ndim) if dim is None else _tuple(dim, 1)
    axes = sorted({_dim(d, x.ndim) for d in dims if x.ndim and x.shape[_dim(d, x.ndim)] == 1})
    if not axes:
        g.bind(out, g.value(x))
        return
    g.bind(out, g.node("Squeeze", [g.value(x), g.ints(axes)], "squeeze"))


def _cat(g: Graph, a: dict, out: Any) -> None:
    if a.get("out") is not None:
        raise unsupported(g, "cat", "out=")
    parts = [t for t in a["tensors"] if not (t.ndim == 1 and t.shape[0] == 0)]
    axis = _dim(a["dim"], out.ndim)
    g.bind(out, g.node("Concat", [g.value(t) for t in parts], "cat", axis=axis))


def _to(g: Graph, a: dict, out: Any) -> None:
    x = a["self"]
    g.bind(out, g.cast(g.value(x), _dt(x), _dt(out)))


# ----- arithmetic -----------------------------------------------------------------------
_BINARY = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "pow": "Pow"}
_COMPARE = {
    "eq": "Equal",
    "lt": "Less",
    "gt": "Greater",
    "le": "LessOrEqual",
    "ge": "GreaterOrEqual",
}


def _operand(g: Graph, value: Any, dt: np.dtype) -> str:
    if isinstance(value, Tensor):
        return g.cast(g.value(value), _dt(value), dt)
    return g.scalar(value, dt)


def _binary(g: Graph, a: dict, out: Any) -> None:
    name, x, y = a["name"], a.get("a", a.get("self")), a.get("b", a.get("other"))
    if name in _BINARY:
        dt = _dt(out)
        op, hint = _BINARY[name], name
    elif name in _COMPARE:
        dts = [_dt(v) for v in (x, y) if isinstance(v, Tensor)]
        dt = np.result_type(*dts) if len(dts) > 1 else dts[0]
        if not isinstance(y if isinstance(x, Tensor) else x, Tensor) and dt.kind in "biu":
            other = y if isinstance(x, Tensor) else x
            dt = np.result_type(dt, np.float32) if isinstance(other, float) else dt
        op, hint = _COMPARE[name], name
    else:
        raise unsupported(g, name)
    if name == "pow" and not isinstance(y, Tensor):  # Pow's exponent keeps its own type
        names = [_operand(g, x, dt), g.scalar(y, dt)]
    else:
        names = [_operand(g, x, dt), _operand(g, y, dt)]
    g.bind(out, g.node(op, names, hint))


def _lower_matmul(g: Graph, a: dict, out: Any) -> None:
    names = [g.value(a["input"]), g.value(a.get("other", a.get("mat2")))]
    g.bind(out, g.node("MatMul", names, "matmul"))


_UNARY = {
    "tanh": "Tanh",
    "exp": "Exp",
    "log": "Log",
    "sqrt": "Sqrt",
    "sin": "Sin",
    "cos": "Cos",
    "tan": "Tan",
    "asin": "Asin",
    "acos": "Acos",
    "atan": "Atan",
    "sinh": "Sinh",
    "cosh": "Cosh",
    "asinh": "Asinh",
    "acosh": "Acosh",
    "atanh": "Atanh",
}


def _pointwise_unary(g: Graph, a: dict, out: Any) -> None:
    name = a.get("name", "?")
    if name not in _UNARY or a.get("out") is not None:
        raise unsupported(g, name)
    x = a["input"]
    g.bind(out, g.node(_UNARY[name], [g.cast(g.value(x), _dt(x), _dt(out))], name))


def _wrapped(fn: Callable) -> Callable:
    """The function a keyword-spelling wrapper calls (its code is shared by every wrapper)."""
    inner = [c.cell_contents for c in fn.__closure__ or () if callable(c.cell_contents)]
    return inner[0] if fn.__code__.co_name == "wrapped" and inner else fn


def _primitive(g: Graph, a: dict, out: Any) -> None:
    raise unsupported(g, a["name"])


LOWERINGS: dict[Callable, Lowering] = {
    F.linear: _linear,
    F.bilinear: _bilinear,
    F.conv1d: _conv,
    F.conv2d: _conv,
    F.conv3d: _conv,
    F.batch_norm: _batch_norm,
    F.layer_norm: _layer_norm,
    F.dropout: _dropout,
    F.relu: _unary("Relu", "relu"),
    F.sigmoid: _unary("Sigmoid", "sigmoid"),
    F.relu6: _clip("min_val", "max_val"),
    F.hardtanh: _clip("min_val", "max_val"),
    F.leaky_relu: _leaky_relu,
    F.elu: _elu,
    F.silu: _silu,
    F.gelu: _gelu,
    F.softmax: _softmax("Softmax", "softmax"),
    F.log_softmax: _softmax("LogSoftmax", "log_softmax"),
    _attention._softmax: _attention_softmax,
    _wrapped(_reductions.mean): _reduce("ReduceMean", "mean"),
    _wrapped(_reductions.sum): _reduce("ReduceSum", "sum"),
    _joining.chunk: _chunk,
    F.max_pool1d: _max_pool(1),
    F.max_pool2d: _max_pool(2),
    F.max_pool3d: _max_pool(3),
    F.avg_pool1d: _avg_pool(1),
    F.avg_pool2d: _avg_pool(2),
    F.avg_pool3d: _avg_pool(3),
    F.adaptive_avg_pool1d: _adaptive_avg_pool(1),
    F.adaptive_avg_pool2d: _adaptive_avg_pool(2),
    F.adaptive_avg_pool3d: _adaptive_avg_pool(3),
    _views.view: _view("self"),
    _views.reshape: _view("input"),
    _views.view_as: _view_as,
    _views.reshape_as: _view_as,
    _views.flatten: _flatten,
    _views.permute: _permute,
    _views.transpose: _transpose,
    _views.t: _t,
    _joining.unsqueeze: _unsqueeze,
    _joining.squeeze: _squeeze,
    _joining.cat: _cat,
    _conversion.clone: _alias("input"),
    _conversion.contiguous: _alias("self"),
    _conversion.detach: _alias("input"),
    _conversion.to: _to,
    _arith.binary: _binary,
    _arith.inplace: _binary,
    _arith.neg: _unary("Neg", "neg", "self"),
    _arith.abs: _unary("Abs", "abs", "self"),
    _matmul.matmul: _lower_matmul,
    _matmul.mm: _lower_matmul,
    _matmul.bmm: _lower_matmul,
    _pointwise.tanh: _pointwise_unary,
}

#: The op mechanism's entry points: an op reached without a lowering.
PRIMITIVES: tuple[Callable, ...] = (_ops.apply_op, _ops.apply_view, _ops.apply_inplace)
