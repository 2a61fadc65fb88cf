"""The adapter for Apple's MLX (``mlx.core``, ``mlx.nn``) on its CPU device.

MLX is not torch-shaped: its functions take ``axis``/``keepdims``, its arrays have no views,
no ``out=``, no in-place methods and no ``requires_grad``, and gradients are functions
(``mx.grad``, ``mx.vjp``). ``root()`` is therefore a namespace built here: each ``torch.X``
the library can answer is the MLX function, or a thin wrapper that only translates torch's
calling convention (argument names and order, ``dim`` tuples, the (values, indices) pair of
``max(dim)``, a module's ``load_state_dict``). A torch name that MLX has no counterpart for
is simply absent, so it resolves to :class:`MissingItem`; numbers are always MLX's own.

Capabilities: ``complex``, with every dtype but complex128 (MLX has complex64 only). Not
``autograd``: MLX differentiates functions, not tensors (no ``requires_grad``, ``.grad`` or
``backward()``); not ``shares_memory`` / ``strided_views``: every MLX array owns its data
(``from_numpy`` copies, there are no strided views).
"""

from __future__ import annotations

import functools
import math
import operator
import types
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import ml_dtypes
import numpy as np

from adapters.base import Adapter, AdapterError, MissingItem, defaults_only

#: name of the namespace module ``torch`` resolves against
ROOT = "mlx_as_torch"
#: spec dtype name -> MLX dtype attribute (complex128 has none)
DTYPES = {
    "bool": "bool_",
    "uint8": "uint8",
    "int8": "int8",
    "int16": "int16",
    "int32": "int32",
    "int64": "int64",
    "float16": "float16",
    "bfloat16": "bfloat16",
    "float32": "float32",
    "float64": "float64",
    "complex64": "complex64",
}

MinMax = namedtuple("MinMax", ["values", "indices"])


def _mx() -> Any:
    import mlx.core

    return mlx.core


def _nn() -> Any:
    import mlx.nn

    return mlx.nn


def _size(size: tuple[Any, ...]) -> tuple[int, ...]:
    """torch's ``f(2, 3)`` and ``f((2, 3))`` spellings of a shape, as one tuple."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def _axes(dim: Any, empty_is_all: bool = True) -> Any:
    """torch's ``dim`` (None, an int, a tuple) as MLX's ``axis``; ``()`` means every dim
    (``sum``, ``amax``...) or, for ``all`` and ``any``, none."""
    if dim is None or isinstance(dim, int):
        return dim
    return list(dim) or (None if empty_is_all else [])


def _cast(input: Any, dtype: Any) -> Any:
    """torch's ``dtype=`` of reductions: "the input is cast to dtype before the operation"."""
    return input if dtype is None else input.astype(dtype)


# -- 2.1 creation, indexing and joining ------------------------------------------------------


def tensor(data: Any, dtype: Any = None) -> Any:
    return _mx().array(data, dtype=dtype)


def arange(start: Any, end: Any = None, step: Any = None, dtype: Any = None) -> Any:
    return _mx().arange(start, end, step, dtype=dtype)


def linspace(start: Any, end: Any, steps: int, dtype: Any = None) -> Any:
    return _mx().linspace(start, end, steps, dtype=dtype)


def gather(input: Any, dim: int, index: Any) -> Any:
    return _mx().take_along_axis(input, index, axis=dim)


def stack(tensors: Sequence[Any], dim: int = 0) -> Any:
    return _mx().stack(list(tensors), axis=dim)


def cat(tensors: Sequence[Any], dim: int = 0) -> Any:
    return _mx().concatenate(list(tensors), axis=dim)


def squeeze(input: Any, dim: Any = None) -> Any:
    return _mx().squeeze(input, _axes(dim))


def unsqueeze(input: Any, dim: int) -> Any:
    return _mx().expand_dims(input, dim)


def tensor_split(input: Any, indices_or_sections: Any, dim: int = 0) -> Any:
    return _mx().split(input, indices_or_sections, axis=dim)


# -- 2.2 random sampling ---------------------------------------------------------------------


_defaults_only = functools.partial(defaults_only, "MLX")


def rand(*size: Any, dtype: Any = None, generator: Any = None, requires_grad: bool = False) -> Any:
    _defaults_only(generator, requires_grad)
    return _mx().random.uniform(shape=_size(size), dtype=dtype)


def randn(*size: Any, dtype: Any = None, generator: Any = None, requires_grad: bool = False) -> Any:
    _defaults_only(generator, requires_grad)
    return _mx().random.normal(shape=_size(size), dtype=dtype)


def randint(*args: Any, dtype: Any = None, generator: Any = None, **kwargs: Any) -> Any:
    """torch's ``randint(high, size)`` and ``randint(low, high, size)``, positional or named."""
    _defaults_only(generator, kwargs.pop("requires_grad", False))
    if unknown := set(kwargs) - {"low", "high", "size"}:
        raise TypeError(f"randint() got an unexpected keyword argument {unknown.pop()!r}")
    names = ("low", "high", "size") if len(args) + len(kwargs) == 3 else ("high", "size")
    bound = dict(zip(names, args, strict=False)) | kwargs
    low, high, size = bound.get("low", 0), bound["high"], list(bound["size"])
    return _mx().random.randint(low, high, size, dtype=dtype)


def normal(
    mean: Any,
    std: Any = 1.0,
    size: Sequence[int] | None = None,
    *,
    generator: Any = None,
    dtype: Any = None,
) -> Any:
    """Tensor or float ``mean`` and ``std``; floats only with ``size``. Without ``dtype=``, the
    dtype is torch's: the tensor mean's, else the tensor std's (no promotion)."""
    _defaults_only(generator)
    mx = _mx()
    tensors = [t for t in (mean, std) if isinstance(t, mx.array)]
    shape = size if size is not None else mx.broadcast_shapes(*(t.shape for t in tensors))
    if dtype is None and tensors:
        dtype = tensors[0].dtype
    return mx.random.normal(list(shape), dtype, loc=mean, scale=std)


def randperm(n: int, dtype: Any = None, generator: Any = None, requires_grad: bool = False) -> Any:
    _defaults_only(generator, requires_grad)
    # torch's n is any integer (a 0-dim tensor too); MLX's permutation shuffles an array
    drawn = _mx().random.permutation(operator.index(n))
    return drawn if dtype is None else drawn.astype(dtype)


def rand_like(
    input: Any, dtype: Any = None, generator: Any = None, requires_grad: bool = False
) -> Any:
    _defaults_only(generator, requires_grad)
    return _mx().random.uniform(shape=input.shape, dtype=input.dtype if dtype is None else dtype)


def randn_like(
    input: Any, dtype: Any = None, generator: Any = None, requires_grad: bool = False
) -> Any:
    _defaults_only(generator, requires_grad)
    return _mx().random.normal(shape=input.shape, dtype=input.dtype if dtype is None else dtype)


def randint_like(
    input: Any, low: int = 0, high: int | None = None, dtype: Any = None, generator: Any = None
) -> Any:
    _defaults_only(generator)
    low, high = (0, low) if high is None else (low, high)
    return _mx().random.randint(
        low, high, input.shape, dtype=input.dtype if dtype is None else dtype
    )


# -- 2.5 pointwise, reductions and others ----------------------------------------------------


def _reduction(name: str, empty_is_all: bool = True) -> Callable[..., Any]:
    """``torch.<name>(input, dim=None, keepdim=False)`` over MLX's ``(a, axis, keepdims)``."""

    def reduce(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
        return getattr(_mx(), name)(_cast(input, dtype), _axes(dim, empty_is_all), keepdim)

    reduce.__name__ = name
    return reduce


def _extreme(reduce: str, arg: str, binary: str) -> Callable[..., Any]:
    """``torch.max``/``torch.min``: the reduction, the (values, indices) pair with ``dim``,
    or the elementwise ``maximum``/``minimum`` with a tensor ``other``."""

    def extreme(input: Any, dim: Any = None, keepdim: bool = False, other: Any = None) -> Any:
        mx = _mx()
        if other is not None or isinstance(dim, mx.array):
            return getattr(mx, binary)(input, dim if other is None else other)
        if dim is None:
            return getattr(mx, reduce)(input)
        return MinMax(
            getattr(mx, reduce)(input, dim, keepdim), getattr(mx, arg)(input, dim, keepdim)
        )

    extreme.__name__ = reduce
    return extreme


class TopK:
    """``torch.topk``'s result: MLX's top-k values; it gives no indices."""

    def __init__(self, values: Any):
        self.values = values

    @property
    def indices(self) -> Any:
        raise MissingItem("mlx.core.topk returns no indices")


def topk(input: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> TopK:
    """MLX's order of the k values is its own: ``sorted`` asks nothing of it."""
    if not largest:
        raise MissingItem("mlx.core.topk has no largest=False (the k smallest)")
    return TopK(_mx().topk(input, k, axis=dim))


def cumsum(input: Any, dim: int, dtype: Any = None) -> Any:
    return _mx().cumsum(input, dim, dtype=dtype)


def broadcast_to(input: Any, size: Sequence[int]) -> Any:
    """torch's -1 (keep that dimension's size) spelled as the size itself."""
    lead = len(size) - input.ndim
    shape = [input.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(size)]
    return _mx().broadcast_to(input, shape)


def broadcast_tensors(*tensors: Any) -> Any:
    return _mx().broadcast_arrays(*tensors)


def searchsorted(
    sorted_sequence: Any, input: Any, right: bool = False, out_int32: bool = False
) -> Any:
    if out_int32:
        raise MissingItem("mlx.core.searchsorted has no out_int32")
    return _mx().searchsorted(sorted_sequence, input, side="right" if right else "left")


# -- 5 tensors -------------------------------------------------------------------------------


def _filled(name: str) -> Callable[..., Any]:
    """``torch.zeros(*size, dtype=None)`` and co. over MLX's ``(shape, dtype)``."""

    def fill(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Any:
        _defaults_only(requires_grad=requires_grad)
        return getattr(_mx(), name)(_size(size), dtype=dtype)

    fill.__name__ = name
    return fill


def full(
    size: Sequence[int], fill_value: Any, dtype: Any = None, requires_grad: bool = False
) -> Any:
    _defaults_only(requires_grad=requires_grad)
    return _mx().full(tuple(size), fill_value, dtype=dtype)


def clone(input: Any) -> Any:
    return _mx().array(input)


def transpose(input: Any, dim0: int, dim1: int) -> Any:
    return _mx().swapaxes(input, dim0, dim1)


# -- 4 torch.nn.functional -------------------------------------------------------------------

#: torch's padding modes -> MLX's (circular has none)
PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge"}


def pad(input: Any, pad: Sequence[int], mode: str = "constant", value: Any = None) -> Any:
    if mode not in PAD_MODES:
        raise MissingItem(f"mlx.core.pad has no mode {mode!r}")
    pairs = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        pairs[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    extra = {"constant_values": 0 if value is None else value} if mode == "constant" else {}
    return _mx().pad(input, pairs, mode=PAD_MODES[mode], **extra)


def gelu(input: Any, approximate: str = "none") -> Any:
    nn = _nn()
    return (nn.gelu_approx if approximate == "tanh" else nn.gelu)(input)


def glu(input: Any, dim: int = -1) -> Any:
    return _nn().glu(input, dim)


def layer_norm(
    input: Any,
    normalized_shape: Sequence[int],
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
) -> Any:
    """MLX normalizes over the last axis: the trailing ``normalized_shape`` dims are seen as one."""
    lead = input.shape[: input.ndim - len(normalized_shape)]
    flat = [None if t is None else t.reshape(-1) for t in (weight, bias)]
    out = _mx().fast.layer_norm(input.reshape(*lead, -1), *flat, eps)
    return out.reshape(input.shape)


# -- 8 torch.linalg --------------------------------------------------------------------------


def vector_norm(
    x: Any, ord: Any = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None
) -> Any:
    """MLX's vector norm is over one axis: the reduced dims are moved last and seen as one."""
    mx, x = _mx(), _cast(x, dtype)
    dims = range(x.ndim) if dim is None or dim == () else [dim] if isinstance(dim, int) else dim
    axes = sorted({d % max(x.ndim, 1) for d in dims}) if x.ndim else []
    kept = [d for d in range(x.ndim) if d not in axes]
    size = math.prod(x.shape[d] for d in axes)
    flat = mx.transpose(x, kept + axes).reshape(*[x.shape[d] for d in kept], size)
    out = mx.linalg.norm(flat, ord, -1)
    if keepdim:
        out = out.reshape([1 if d in axes else x.shape[d] for d in range(x.ndim)])
    return out


def matrix_norm(
    A: Any,
    ord: Any = "fro",
    dim: Sequence[int] = (-2, -1),
    keepdim: bool = False,
    *,
    dtype: Any = None,
) -> Any:
    return _mx().linalg.norm(_cast(A, dtype), ord, list(dim), keepdim)


def norm(
    A: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None
) -> Any:
    return _mx().linalg.norm(_cast(A, dtype), ord, _axes(dim), keepdim)


# -- 3 torch.nn modules ----------------------------------------------------------------------


class Module:
    """An ``mlx.nn`` module (or a parameter-free MLX function) behind torch's module protocol:
    calling, ``train``/``eval``, ``state_dict``/``load_state_dict`` and named parameters (MLX's
    flattened parameter tree; it has no buffers)."""

    def __init__(
        self, inner: Any, dtype: Any = None, call: Callable[..., Any] | None = None, label: str = ""
    ):
        self._inner = inner
        self._call = call or inner
        self._label = label
        if dtype is not None:
            inner.set_dtype(dtype)

    def __call__(self, *args: Any) -> Any:
        return self.forward(*args)

    def __repr__(self) -> str:
        return self._label or repr(self._inner)

    def forward(self, *args: Any) -> Any:
        return self._call(*args)

    @property
    def training(self) -> bool:
        return bool(self._inner.training)

    def train(self, mode: bool = True) -> Module:
        self._inner.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def named_parameters(self) -> Iterator[tuple[str, Any]]:
        from mlx.utils import tree_flatten

        return iter(tree_flatten(self._inner.parameters()))

    def parameters(self) -> Iterator[Any]:
        return (value for _, value in self.named_parameters())

    def named_buffers(self) -> Iterator[tuple[str, Any]]:
        return iter(())

    def state_dict(self) -> OrderedDict[str, Any]:
        return OrderedDict(self.named_parameters())

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> None:
        self._inner.load_weights(list(state_dict.items()), strict=strict)


def _module(name: str, *defaults: Any) -> Callable[..., Module]:
    """``torch.nn.X(*args)`` as ``mlx.nn.<name>(*args)``; MLX's module takes no arguments
    when ``defaults`` are given (torch's defaults are the only values it can stand for)."""

    def make(*args: Any, dtype: Any = None) -> Module:
        if defaults and args and tuple(args) != defaults[: len(args)]:
            raise MissingItem(f"mlx.nn.{name} takes no arguments (fixed at {defaults})")
        inner = getattr(_nn(), name)(*(() if defaults else args))
        return Module(inner, dtype)

    make.__name__ = name
    return make


def _along(fn: str) -> Callable[..., Any]:
    """``F.softmax(input, dim=None, dtype=None)`` and co. over MLX's ``(x, axis)``; without
    ``dim``, MLX's own default axis (the last)."""

    def call(input: Any, dim: int | None = None, dtype: Any = None) -> Any:
        function = _mx().softmax if fn == "softmax" else getattr(_nn(), fn)
        input = _cast(input, dtype)
        return function(input) if dim is None else function(input, axis=dim)

    call.__name__ = fn
    return call


def _on_dim(fn: str) -> Callable[..., Module]:
    """``torch.nn.Softmax(dim)`` and co.: MLX's modules have no axis, its functions do."""

    def make(dim: int | None = None) -> Module:
        along = _along(fn)
        label = f"mlx.nn.{fn}(axis={dim})"
        return Module(_nn().Identity(), call=lambda x: along(x, dim), label=label)

    make.__name__ = fn
    return make


def Hardtanh(min_val: float = -1.0, max_val: float = 1.0) -> Module:
    """MLX's HardTanh module has fixed bounds; its function takes them."""
    label = f"mlx.nn.hard_tanh(min_val={min_val}, max_val={max_val})"
    call = lambda x: _nn().hard_tanh(x, min_val, max_val)  # noqa: E731
    return Module(_nn().Identity(), call=call, label=label)


#: torch.nn.functional names MLX has as functions under another name (same arguments)
FUNCTIONAL = {
    "leaky_relu": "leaky_relu",
    "elu": "elu",
    "celu": "celu",
    "selu": "selu",
    "silu": "silu",
    "softsign": "softsign",
    "hardswish": "hardswish",
    "logsigmoid": "log_sigmoid",
    "softshrink": "softshrink",
    "hardshrink": "hard_shrink",
    "relu6": "relu6",
    "prelu": "prelu",
    "hardtanh": "hard_tanh",
    "tanh": "tanh",
}


def Linear(in_features: int, out_features: int, bias: bool = True, dtype: Any = None) -> Module:
    return Module(_nn().Linear(in_features, out_features, bias=bias), dtype)


def PReLU(num_parameters: int = 1, init: float = 0.25, dtype: Any = None) -> Module:
    return Module(_nn().PReLU(num_parameters, init), dtype)


def GELU(approximate: str = "none") -> Module:
    return Module(_nn().GELU(approx=approximate))


def LayerNorm(
    normalized_shape: Any,
    eps: float = 1e-5,
    elementwise_affine: bool = True,
    bias: bool = True,
    dtype: Any = None,
) -> Module:
    dims = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if len(dims) != 1:
        raise MissingItem("mlx.nn.LayerNorm normalizes over the last axis only")
    return Module(_nn().LayerNorm(dims[0], eps, affine=elementwise_affine, bias=bias), dtype)


def Identity(*args: Any, **kwargs: Any) -> Module:
    return Module(_nn().Identity())


def Dropout(p: float = 0.5) -> Module:
    return Module(_nn().Dropout(p))


# -- the namespace ---------------------------------------------------------------------------


def _submodule(name: str, members: dict[str, Any]) -> types.ModuleType:
    module = types.ModuleType(f"{ROOT}.{name}" if name else ROOT)
    for key, value in members.items():
        setattr(module, key, value)
    return module


def _core_names(mx: Any) -> dict[str, Any]:
    """Names MLX spells as torch does (or under one other name), taken as they are."""
    same = ["sin", "cos", "tan", "sinh", "cosh", "tanh", "sigmoid"]
    renamed = {
        "asin": "arcsin",
        "acos": "arccos",
        "atan": "arctan",
        "asinh": "arcsinh",
        "acosh": "arccosh",
        "atanh": "arctanh",
        "atan2": "arctan2",
        "arcsin": "arcsin",
        "arccos": "arccos",
        "arctan": "arctan",
        "arcsinh": "arcsinh",
        "arccosh": "arccosh",
        "arctanh": "arctanh",
        "arctan2": "arctan2",
        "maximum": "maximum",
        "minimum": "minimum",
        "Tensor": "array",
        "dtype": "Dtype",
        "as_tensor": "array",
        "from_numpy": "array",
        "argmax": "argmax",
        "argmin": "argmin",
        "manual_seed": "random.seed",
    }
    names = {n: getattr(mx, n) for n in same}
    for torch_name, mlx_name in renamed.items():
        obj = mx
        for part in mlx_name.split("."):
            obj = getattr(obj, part)
        names[torch_name] = obj
    return names | {name: getattr(mx, attr) for name, attr in DTYPES.items()}


def namespace() -> types.ModuleType:
    """The ``torch`` that spec expressions see: MLX under torch's names."""
    mx, nn = _mx(), _nn()
    functions = [tensor, arange, linspace, gather, stack, cat, squeeze, unsqueeze, tensor_split]
    functions += [rand, randn, randint, normal, randperm, rand_like, randn_like, randint_like]
    functions += [topk, cumsum, broadcast_to, broadcast_tensors, searchsorted, full, clone]
    functions += [transpose]
    root = {f.__name__: f for f in functions} | _core_names(mx)
    root |= {n: _reduction(n) for n in ("sum", "mean")}
    root |= {n: _reduction(n, empty_is_all=False) for n in ("all", "any")}
    root |= {"amax": _reduction("max"), "amin": _reduction("min")}
    root |= {
        "max": _extreme("max", "argmax", "maximum"),
        "min": _extreme("min", "argmin", "minimum"),
    }
    root |= {n: _filled(n) for n in ("zeros", "ones", "empty")}
    functional = {"relu": nn.relu, "sigmoid": mx.sigmoid, "gelu": gelu, "glu": glu, "pad": pad}
    functional["layer_norm"] = layer_norm
    functional |= {name: getattr(nn, mlx_name) for name, mlx_name in FUNCTIONAL.items()}
    functional |= {fn: _along(fn) for fn in ("softmax", "softmin", "log_softmax")}
    modules = {
        name: _module(mlx_name)
        for name, mlx_name in {
            "ELU": "ELU",
            "Hardshrink": "HardShrink",
            "Hardswish": "Hardswish",
            "LeakyReLU": "LeakyReLU",
            "LogSigmoid": "LogSigmoid",
            "ReLU": "ReLU",
            "ReLU6": "ReLU6",
            "SELU": "SELU",
            "CELU": "CELU",
            "Sigmoid": "Sigmoid",
            "SiLU": "SiLU",
            "Softshrink": "Softshrink",
            "Softsign": "Softsign",
            "Tanh": "Tanh",
        }.items()
    }
    modules |= {"Hardtanh": Hardtanh, "Softplus": _module("Softplus", 1.0, 20.0)}
    modules |= {"Softmax": _on_dim("softmax"), "Softmin": _on_dim("softmin")}
    modules |= {"LogSoftmax": _on_dim("log_softmax")}
    modules |= {f.__name__: f for f in (Linear, PReLU, GELU, LayerNorm, Identity, Dropout)}
    nn_module = _submodule("nn", modules)
    nn_module.functional = _submodule("nn.functional", functional)
    linalg = {f.__name__: f for f in (vector_norm, matrix_norm, norm)}
    children = {
        "nn": nn_module,
        "linalg": _submodule("linalg", linalg),
        "cuda": _submodule("cuda", {"is_available": mx.cuda.is_available}),
    }
    return _submodule("", root | children)


class MLXAdapter(Adapter):
    name = "mlx"
    library = "mlx"
    capabilities = frozenset({"complex"})
    dtypes = frozenset(DTYPES)
    device = "cpu"

    def __init__(self) -> None:
        try:
            import mlx.core as mx
        except ImportError as exc:
            raise AdapterError(f"the mlx adapter needs MLX installed: {exc}") from None
        mx.set_default_device(mx.cpu)
        self._mx = mx
        self._root = namespace()

    def root(self) -> Any:
        return self._root

    def version(self) -> str:
        return str(self._mx.__version__)

    def from_numpy(self, array: np.ndarray) -> Any:
        mx = self._mx
        array = np.array(array, order="C", copy=True)
        dtype = self.dtype(array.dtype.name)
        if array.size == 0:  # a reduction of mx.array(empty numpy array) may never return
            return mx.zeros(array.shape, dtype=dtype)
        if array.dtype == ml_dtypes.bfloat16:
            return mx.array(array.view(np.uint16)).view(dtype)
        return mx.array(array, dtype=dtype)

    def to_numpy(self, tensor: Any) -> np.ndarray:
        mx = self._mx
        if tensor.dtype == mx.bfloat16:
            return np.array(tensor.view(mx.uint16)).view(ml_dtypes.bfloat16)
        return np.array(tensor, copy=True)

    def is_tensor(self, obj: Any) -> bool:
        return isinstance(obj, self._mx.array)
