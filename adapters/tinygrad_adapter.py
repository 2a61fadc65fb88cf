"""The adapter for tinygrad (0.14), on its CPU device.

tinygrad's API is not torch's: its functions are mostly ``Tensor`` methods with their own
argument names (``axis`` for ``dim``). :meth:`TinygradAdapter.root` is a torch-shaped namespace
of thin wrappers that only translate calling conventions; each computation is tinygrad's. A name
tinygrad lacks is not defined (it raises :class:`~adapters.base.MissingItem`). ``torch.Tensor``
is tinygrad's ``Tensor`` itself, so the method variants call tinygrad's methods as they are.

Capabilities: ``strided_views`` only (its ``permute``, slicing and ``expand`` are lazy
movement ops over one buffer). Not claimed: ``autograd`` (tinygrad 0.14 has no
``requires_grad``; gradients come from ``Tensor.gradient(*targets)`` of any tensor), ``complex``
(no complex dtypes), ``out_variant`` and ``inplace_variant`` (no ``out=``, no ``x.f_()``
methods), ``grad_mode``, ``shares_memory`` (conversions copy), and the rest.

The CPU device compiles each kernel with ``clang``. Where the machine has none, the adapter
puts ``adapters/tinygrad_cc/clang`` first on ``PATH``: a shim that runs the clang bundled with
zig (the ``ziglang`` package, in the ``tinygrad`` extra). Kernels compiled by an earlier,
broken compiler stay in tinygrad's cache (``~/.cache/tinygrad/cache.db``): delete it after a
failure. tinygrad's default integer dtype (``DEFAULT_INT``, int32) is set to torch's int64, as
its device is set.
"""

from __future__ import annotations

import functools
import os
import shutil
import types
from collections import namedtuple
from collections.abc import Callable, Sequence
from importlib.metadata import version as _dist_version
from pathlib import Path
from typing import Any

import ml_dtypes
import numpy as np

from adapters.base import Adapter, AdapterError, MissingItem, defaults_only

SHIM_DIR = Path(__file__).resolve().parent / "tinygrad_cc"
#: spec dtype name -> tinygrad's ``dtypes`` attribute (no complex dtypes)
DTYPES = {
    "bool": "bool",
    "uint8": "uint8",
    "int8": "int8",
    "int16": "int16",
    "int32": "int32",
    "int64": "int64",
    "float16": "float16",
    "bfloat16": "bfloat16",
    "float32": "float32",
    "float64": "float64",
}
#: torch's pointwise functions that are tinygrad methods of the same name
POINTWISE = (
    *("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh"),
    *("asinh", "acosh", "atanh", "abs", "exp", "log", "sqrt", "sigmoid", "relu"),
)
ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def compiler_path() -> None:
    """Put the zig clang shim first on ``PATH`` when no clang is installed."""
    if shutil.which("clang") is not None:
        return
    try:
        import ziglang
    except ImportError:
        raise AdapterError(
            "tinygrad's CPU device needs clang, or the ziglang package (pip install ziglang)"
        ) from None
    os.environ["TORCHCONFORM_ZIG"] = str(Path(ziglang.__file__).parent / "zig")
    os.environ["PATH"] = f"{SHIM_DIR}{os.pathsep}{os.environ.get('PATH', '')}"


def configure(helpers: Any) -> None:
    """tinygrad's CPU device and torch's default integer dtype, int64 (tinygrad's own is int32),
    through tinygrad's settings (``helpers``: ``tinygrad.helpers``)."""
    compiler_path()
    helpers.DEV.value = "CPU"
    helpers.DEFAULT_INT.value = "int64"


def _size(size: tuple[Any, ...]) -> tuple[int, ...]:
    """torch's ``*size`` or ``size`` (one sequence) as a tuple."""
    if len(size) == 1 and isinstance(size[0], Sequence):
        return tuple(size[0])
    return tuple(size)


def _axis(dim: Any) -> Any:
    """torch's ``dim`` (None, an int or a sequence) as tinygrad's ``axis``."""
    return tuple(dim) if isinstance(dim, (list, tuple)) else dim


def _device(device: Any) -> str | None:
    """torch's device name (``"cpu"``) as tinygrad's (``"CPU"``)."""
    return None if device is None else str(device).upper()


def _on(tensor: Any, device: Any) -> Any:
    """``tensor`` on torch's ``device``, for tinygrad functions that take no device."""
    return tensor if device is None else tensor.to(_device(device))


def _randint_arguments(args: tuple[Any, ...], named: dict[str, Any]) -> dict[str, Any]:
    """torch.randint's ``(high, size)`` or ``(low, high, size)``, positional or by name."""
    unknown = sorted(set(named) - {"low", "high", "size"})
    if unknown:
        raise TypeError(f"randint() got an unexpected keyword argument {unknown[0]!r}")
    order = ("low", "high", "size") if len(args) + len(named) >= 3 else ("high", "size")
    free = [name for name in order if name not in named]
    if len(args) > len(free):
        raise TypeError(f"randint() takes at most {len(free)} positional arguments here")
    return {"low": 0} | named | dict(zip(free, args, strict=False))


_defaults_only = functools.partial(defaults_only, "tinygrad")


def _numpy_aliases(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` also taking torch's numpy-style aliases ``axis`` (``dim``) and ``keepdims``."""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        for alias, name in (("axis", "dim"), ("keepdims", "keepdim")):
            if alias in kwargs:
                kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    return call


def _all_if_empty(dim: Any) -> Any:
    """torch's ``dim`` of sum, mean, amax and amin, where ``()`` means every dim."""
    return None if isinstance(dim, (list, tuple)) and not dim else _axis(dim)


def _module(name: str, members: dict[str, Any]) -> types.ModuleType:
    module = types.ModuleType(name)
    for key, value in members.items():
        setattr(module, key, value)
    return module


def _functions(tg: Any) -> dict[str, Callable[..., Any]]:
    """``torch.*`` functions over tinygrad's ``Tensor`` (``tg``), torch's signatures."""
    tensor_cls = tg.Tensor

    def tensor(data: Any, *, dtype: Any = None, device: Any = None) -> Any:
        return tensor_cls(data, dtype=dtype, device=_device(device))

    def arange(
        start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None, device: Any = None
    ) -> Any:
        return _on(tensor_cls.arange(start, end, step, dtype=dtype), device)

    def linspace(start: Any, end: Any, steps: int, *, dtype: Any = None, device: Any = None) -> Any:
        return _on(tensor_cls.linspace(start, end, steps, dtype=dtype), device)

    def filled(method: str) -> Callable[..., Any]:
        def make(*size: Any, dtype: Any = None, device: Any = None, **named: Any) -> Any:
            shape = _size((named.pop("size"),) if "size" in named else size)
            _defaults_only(named.pop("generator", None), named.pop("requires_grad", False))
            if named:
                raise TypeError(f"{method}() got unexpected keyword arguments {sorted(named)}")
            return getattr(tensor_cls, method)(*shape, dtype=dtype, device=_device(device))

        make.__name__ = method
        return make

    def full(
        size: Sequence[int],
        fill_value: Any,
        *,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
    ) -> Any:
        _defaults_only(requires_grad=requires_grad)
        return tensor_cls.full(tuple(size), fill_value, dtype=dtype, device=_device(device))

    def randint(
        *args: Any, dtype: Any = None, device: Any = None, generator: Any = None, **named: Any
    ) -> Any:
        _defaults_only(generator, named.pop("requires_grad", False))
        bound = _randint_arguments(args, named)
        kwargs = {} if dtype is None else {"dtype": dtype}
        return tensor_cls.randint(
            *bound["size"], low=bound["low"], high=bound["high"], device=_device(device), **kwargs
        )

    def randperm(
        n: int,
        *,
        dtype: Any = None,
        device: Any = None,
        generator: Any = None,
        requires_grad: bool = False,
    ) -> Any:
        _defaults_only(generator, requires_grad)
        kwargs = {} if dtype is None else {"dtype": dtype}
        return tensor_cls.randperm(n, device=_device(device), **kwargs)

    def cat(tensors: Sequence[Any], dim: int = 0) -> Any:
        first, *rest = tensors
        return first.cat(*rest, dim=dim)

    def stack(tensors: Sequence[Any], dim: int = 0) -> Any:
        first, *rest = tensors
        return first.stack(*rest, dim=dim)

    def reduction(method: str) -> Callable[..., Any]:
        @_numpy_aliases
        def reduce(input: Any, dim: Any = None, keepdim: bool = False) -> Any:
            return getattr(input, method)(axis=_axis(dim), keepdim=keepdim)

        reduce.__name__ = method
        return reduce

    @_numpy_aliases
    def sum(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
        return input.sum(axis=_all_if_empty(dim), keepdim=keepdim, dtype=dtype)

    @_numpy_aliases
    def mean(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
        cast = input if dtype is None else input.cast(dtype)
        return cast.mean(_all_if_empty(dim), keepdim)

    def extreme(method: str, arg: str, pairwise: str) -> Callable[..., Any]:
        @_numpy_aliases
        def pick(input: Any, dim: Any = None, keepdim: bool = False, *, other: Any = None) -> Any:
            if other is not None or isinstance(dim, tensor_cls):
                return getattr(input, pairwise)(dim if other is None else other)
            if dim is None:
                return getattr(input, method)()
            values = getattr(input, method)(axis=dim, keepdim=keepdim)
            return ValuesIndices(values, getattr(input, arg)(axis=dim, keepdim=keepdim))

        pick.__name__ = method
        return pick

    @_numpy_aliases
    def amax(input: Any, dim: Any = (), keepdim: bool = False) -> Any:
        return input.max(axis=_all_if_empty(dim), keepdim=keepdim)

    @_numpy_aliases
    def amin(input: Any, dim: Any = (), keepdim: bool = False) -> Any:
        return input.min(axis=_all_if_empty(dim), keepdim=keepdim)

    def topk(input: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
        return ValuesIndices(*input.topk(k, dim, largest, sorted))

    def broadcast_to(input: Any, size: Sequence[int]) -> Any:
        # one sequence, as torch takes it (tinygrad's expand also takes the sizes as varargs)
        return input.expand(tuple(size))

    def cumsum(input: Any, dim: int, *, dtype: Any = None) -> Any:
        return (input if dtype is None else input.cast(dtype)).cumsum(dim)

    def like(method: str) -> Callable[..., Any]:
        def make(
            input: Any, *, dtype: Any = None, generator: Any = None, requires_grad: bool = False
        ) -> Any:
            _defaults_only(generator, requires_grad)
            # tinygrad's rand_like reads dtype=None as its default float, not input's dtype
            return getattr(input, method)(**({} if dtype is None else {"dtype": dtype}))

        make.__name__ = method
        return make

    def method(name: str) -> Callable[..., Any]:
        def call(input: Any, *args: Any, **kwargs: Any) -> Any:
            return getattr(tensor_cls, name)(input, *args, **kwargs)

        call.__name__ = name
        return call

    table: dict[str, Callable[..., Any]] = {name: method(name) for name in POINTWISE}
    table.update(
        {name: method(name) for name in ("gather", "squeeze", "unsqueeze", "chunk", "clone")}
    )
    table.update(
        tensor=tensor,
        arange=arange,
        linspace=linspace,
        zeros=filled("zeros"),
        ones=filled("ones"),
        empty=filled("empty"),
        rand=filled("rand"),
        randn=filled("randn"),
        full=full,
        randint=randint,
        randperm=randperm,
        rand_like=like("rand_like"),
        randn_like=like("randn_like"),
        manual_seed=tensor_cls.manual_seed,
        cat=cat,
        stack=stack,
        transpose=method("transpose"),
        broadcast_to=broadcast_to,
        all=reduction("all"),
        any=reduction("any"),
        argmax=reduction("argmax"),
        argmin=reduction("argmin"),
        sum=sum,
        mean=mean,
        max=extreme("max", "argmax", "maximum"),
        min=extreme("min", "argmin", "minimum"),
        amax=amax,
        amin=amin,
        topk=topk,
        cumsum=cumsum,
    )
    return table


def _functional(tg_tensor: Any) -> dict[str, Callable[..., Any]]:
    """``torch.nn.functional.*`` over tinygrad's ``Tensor`` methods (``tg_tensor``)."""

    def relu(input: Any, inplace: bool = False) -> Any:
        if inplace:
            raise NotImplementedError("tinygrad has no in-place relu")
        return tg_tensor.relu(input)

    def gelu(input: Any, approximate: str = "none") -> Any:
        return tg_tensor.gelu(input, approximate=approximate)

    def sigmoid(input: Any) -> Any:
        return tg_tensor.sigmoid(input)

    def pad(input: Any, pad: Sequence[int], mode: str = "constant", value: Any = None) -> Any:
        return tg_tensor.pad(input, tuple(pad), mode=mode, value=0.0 if value is None else value)

    def layer_norm(
        input: Any,
        normalized_shape: Sequence[int],
        weight: Any = None,
        bias: Any = None,
        eps: float = 1e-5,
    ) -> Any:
        out = tg_tensor.layernorm(input, axis=tuple(range(-len(normalized_shape), 0)), eps=eps)
        out = out if weight is None else out * weight
        return out if bias is None else out + bias

    def normalize(input: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Any:
        return tg_tensor.normalize(input, p=p, dim=dim, eps=eps)

    return {
        "relu": relu,
        "gelu": gelu,
        "sigmoid": sigmoid,
        "pad": pad,
        "layer_norm": layer_norm,
        "normalize": normalize,
    }


class TinygradAdapter(Adapter):
    name = "tinygrad"
    library = "tinygrad"
    capabilities = frozenset({"strided_views"})

    def __init__(self) -> None:
        try:
            import tinygrad
            import tinygrad.helpers
        except ImportError as exc:
            raise AdapterError(f"the tinygrad adapter needs tinygrad installed: {exc}") from None
        configure(tinygrad.helpers)
        self._tg = tinygrad
        self.device = tinygrad.Device.DEFAULT
        self._root = self._build_root()

    def _build_root(self) -> types.ModuleType:
        tg = self._tg
        dtypes = {name: getattr(tg.dtypes, attr) for name, attr in DTYPES.items()}
        functional = _module("tinygrad_torch.nn.functional", _functional(tg.Tensor))
        nn = _module("tinygrad_torch.nn", {"functional": functional})
        members = {"Tensor": tg.Tensor, "dtype": tg.dtype.DType, "nn": nn}
        return _module("tinygrad_torch", members | dtypes | _functions(tg))

    def root(self) -> Any:
        return self._root

    def version(self) -> str:
        return _dist_version("tinygrad")

    def dtype(self, name: str) -> Any:
        if name not in DTYPES:
            raise MissingItem(f"tinygrad has no {name} dtype")
        return getattr(self._tg.dtypes, DTYPES[name])

    def dtype_name(self, dtype: Any) -> str:
        names = {getattr(self._tg.dtypes, attr): name for name, attr in DTYPES.items()}
        return names.get(dtype) or super().dtype_name(dtype)

    def from_numpy(self, array: np.ndarray) -> Any:
        """A tensor over a buffer holding a copy of ``array``, 0-dim ones included (tinygrad
        makes a 0-dim array a constant of the graph, compiled into every kernel using it)."""
        flat = np.array(array, order="C", copy=True).reshape(-1)
        # bfloat16 crosses as float32 (which holds every bfloat16 value exactly): tinygrad's
        # bitcasts of constant-folded 0-dim bfloat16 tensors compute wrong values or emit C
        # that does not compile (docs/triage/tinygrad.md)
        if flat.dtype == ml_dtypes.bfloat16:
            tensor = self._tg.Tensor(flat.astype(np.float32)).cast(self._tg.dtypes.bfloat16)
        else:
            tensor = self._tg.Tensor(flat)
        return tensor.reshape(np.shape(array))

    def to_numpy(self, tensor: Any) -> np.ndarray:
        if tensor.dtype == self._tg.dtypes.bfloat16:  # exact both ways, no bitcast (see above)
            return tensor.float().numpy().astype(ml_dtypes.bfloat16).reshape(tensor.shape)
        return np.array(tensor.numpy(), copy=True).reshape(tensor.shape)

    def is_tensor(self, obj: Any) -> bool:
        return isinstance(obj, self._tg.Tensor)
