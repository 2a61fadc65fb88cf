"""Named input generators that spec entries refer to in ``inputs`` and ``given``.

Each returns a hypothesis strategy (drawn by the engine) or a plain value.  Inputs are made
with numpy, independent of the library under test; the engine converts arrays into library
tensors afterwards.  Arrays wrapped in :class:`Raw` stay numpy arrays (for ``from_numpy``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hypothesis.extra.numpy as hnp
import ml_dtypes
import numpy as np
from hypothesis import strategies as st

from conformance.compare import numpy_dtype

MAX_SIDE = 5

#: strategies kept per generator: a strategy is immutable, and one built anew for every
#: example costs more than its draw (hypothesis validates it and works out its labels again)
_MEMO_SIZE = 4096


class _Unkeyable(Exception):
    """An argument the memo cannot key on: the generator is called afresh."""


def _key(value: Any, by_shape: bool) -> Any:
    """A hashable stand-in for an argument that tells apart what the generator tells apart:
    the type with the value (``1``, ``1.0``, ``True`` and ``-0.0`` differ), a strategy by
    identity (the memo keeps it alive), and an array, for generators that read only its
    shape, by its shape."""
    if value is None or isinstance(value, (bool, str)):
        return type(value), value
    if isinstance(value, (int, np.integer)):
        return int, int(value)
    if isinstance(value, (float, np.floating)):
        return float, float(value).hex()
    if isinstance(value, (tuple, list)):
        return type(value), tuple(_key(v, by_shape) for v in value)
    if isinstance(value, st.SearchStrategy):
        return st.SearchStrategy, value
    if by_shape and isinstance(value, np.ndarray):
        return np.ndarray, tuple(value.shape)
    raise _Unkeyable


def _memo(fn: Callable | None = None, *, by_shape: bool = False) -> Any:
    """``fn`` returning the strategy it built before for the same arguments (``by_shape``:
    its array arguments matter only through their shapes)."""
    if fn is None:
        return functools.partial(_memo, by_shape=by_shape)
    cache: dict[Any, Any] = {}

    @functools.wraps(fn)
    def memoized(*args: Any, **kwargs: Any) -> Any:
        try:
            key = _key(args, by_shape), _key(sorted(kwargs.items()), by_shape)
        except _Unkeyable:
            return fn(*args, **kwargs)
        if key not in cache:
            if len(cache) >= _MEMO_SIZE:
                cache.clear()
            cache[key] = fn(*args, **kwargs)
        return cache[key]

    return memoized


@dataclass(frozen=True)
class Raw:
    """A numpy array that is passed to the library as a numpy array, not a tensor."""

    array: np.ndarray


#: How a tensor input may be laid out in memory (``tensor(layout="any")``).
LAYOUTS = ("contiguous", "transposed", "sliced", "expanded")


@dataclass(frozen=True)
class Strided:
    """An array the library receives as a non-contiguous view with these values.

    ``transposed``: a contiguous copy with its dims reversed, permuted back; ``sliced``: every
    other element of a buffer twice as long in the last dim, from offset 1; ``expanded``: the
    first slice along ``dim`` broadcast with stride 0 (the values repeat along ``dim``).
    """

    array: np.ndarray
    layout: str
    dim: int = 0


@_memo
def shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 0, max_side: int = MAX_SIDE):
    """Shapes (tuples of ints)."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


@_memo
def batched(*core: int, min_dims: int = 0, max_dims: int = 2, min_side: int = 0, max_side: int = 3):
    """Shapes ``(*batch, *core)``: leading batch dims (maybe none, maybe empty) before the
    trailing dims a layer fixes, such as ``batched(in_features)``."""
    return shapes(min_dims, max_dims, min_side, max_side).map(lambda b: (*b, *map(int, core)))


def _elements(
    dtype: np.dtype, low: float | None, high: float | None, extremal: np.dtype | None = None
):
    """Element values; ``extremal`` (the target dtype) mixes in that dtype's edge values."""
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        lo = info.min if low is None else max(int(low), info.min)
        hi = info.max if high is None else min(int(high), info.max)
        regular = st.integers(lo, hi)
        edges = [v for v in (info.min, info.max, 0, 1, -1) if lo <= v <= hi]
        return st.one_of(regular, st.sampled_from(edges)) if extremal is not None else regular
    bound = 1e4 if dtype.itemsize > 2 else 100.0
    lo = -bound if low is None else low
    hi = bound if high is None else high
    if dtype.kind == "c":
        width = 32 if dtype.itemsize == 8 else 64
    else:
        width = {2: 16, 4: 32, 8: 64}[dtype.itemsize]
    part = st.floats(lo, hi, width=width)
    if extremal is not None:
        edges = [
            v
            for v in _extremes(extremal)
            if (low is None or v >= low) and (high is None or v <= high)
        ]
        part = st.one_of(part, st.sampled_from(edges)) if edges else part
    return st.builds(complex, part, part) if dtype.kind == "c" else part


def _extremes(dtype: np.dtype) -> list[float]:
    """Largest finite, smallest normal and subnormal magnitudes, signed zeros, one, eps."""
    if dtype.kind == "c":
        dtype = np.dtype(np.float32 if dtype.itemsize == 8 else np.float64)
    info = ml_dtypes.finfo(dtype)
    values = [info.max, info.tiny, info.smallest_subnormal, 1.0, info.eps]
    values = [float(v) for v in values]
    return [*values, *(-v for v in values), 0.0, -0.0]


@dataclass(frozen=True)
class _Spec:
    """What :func:`tensor` was asked for."""

    dtype: str
    low: float | None = None
    high: float | None = None
    extremal: bool = False


def _array(shape_st: Any, spec: _Spec):
    target = numpy_dtype(spec.dtype)
    draw_dtype = np.dtype(np.float32) if spec.dtype == "bfloat16" else target
    elements = _elements(draw_dtype, spec.low, spec.high, target if spec.extremal else None)
    arrays = hnp.arrays(draw_dtype, shape_st, elements=elements)
    return arrays.map(_to_bfloat16) if draw_dtype != target else arrays


def _to_bfloat16(array: np.ndarray) -> np.ndarray:
    return array.astype(numpy_dtype("bfloat16"))


def _large_shapes():
    """1-d or 2-d shapes of 1024 to 4096 elements."""
    return st.one_of(
        st.integers(1024, 4096).map(lambda n: (n,)),
        st.tuples(st.integers(16, 64), st.just(64)),
        st.tuples(st.just(64), st.integers(16, 64)),
    )


@_memo
def tensor(
    shape: Any = None,
    dtype: str = "float32",
    *,
    low: float | None = None,
    high: float | None = None,
    min_dims: int = 0,
    max_dims: int = 4,
    min_side: int = 0,
    max_side: int = MAX_SIDE,
    layout: str = "contiguous",
    extremal: bool = False,
    large: bool = False,
):
    """Arrays of ``dtype`` and ``shape`` (drawn from the bounds when None), made tensors.

    ``layout="any"`` lets the library receive a non-contiguous view (transposed, sliced or
    expanded) of the same values: only for inputs the op does not write. ``extremal`` mixes
    in the dtype's edge values (largest finite, smallest normal and subnormal, signed zeros);
    ``large`` draws 1024 to 4096 elements.
    """
    if shape is None:
        shape_st = _large_shapes() if large else shapes(min_dims, max_dims, min_side, max_side)
    elif isinstance(shape, st.SearchStrategy):
        shape_st = shape
    else:
        shape_st = st.just(tuple(shape))
    arrays = _array(shape_st, _Spec(dtype, low, high, extremal))
    if layout == "contiguous":
        return arrays
    if layout != "any":
        raise ValueError(f"layout must be 'contiguous' or 'any', not {layout!r}")
    return _laid_out(arrays)


@st.composite
def _laid_out(draw: Any, arrays: st.SearchStrategy) -> np.ndarray | Strided:
    """An array as a :class:`Strided` view in any layout it allows (shrinks to contiguous)."""
    array = draw(arrays)
    options = ["contiguous"]
    if array.ndim >= 1:
        options.append("sliced")
    if array.ndim >= 2:
        options.append("transposed")
    wide = tuple(d for d in range(array.ndim) if array.shape[d] > 1)
    if wide:
        options.append("expanded")
    how = draw(sampled_from(tuple(options)))
    if how == "contiguous":
        return array
    if how != "expanded":
        return Strided(array, how)
    return _expanded(array, draw(sampled_from(wide)))


def _expanded(array: np.ndarray, dim: int) -> Strided:
    base = np.take(array, [0], axis=dim)
    return Strided(np.broadcast_to(base, array.shape).copy(), "expanded", dim)


@_memo(by_shape=True)
def broadcastable(x: np.ndarray, min_dims: int = 0, max_dims: int | None = None):
    """A shape that broadcasts with ``x``'s (sides of 1, fewer or more leading dims)."""
    top = max(x.ndim, 1) + 1 if max_dims is None else max_dims
    return hnp.broadcastable_shapes(
        tuple(x.shape), min_dims=min_dims, max_dims=top, min_side=0, max_side=MAX_SIDE
    )


@_memo
def ndarray(shape: Any = None, dtype: str = "float32", **bounds: Any):
    """Like :func:`tensor`, but handed to the library as a numpy array."""
    return tensor(shape, dtype, **bounds).map(Raw)


@_memo
def scalar(dtype: str = "float32", **bounds: Any):
    """A Python number (bool, int, float or complex) that ``dtype`` holds exactly."""
    return tensor((), dtype, **bounds).map(_python_scalar)


def _python_scalar(array: np.ndarray) -> Any:
    value = array.astype(np.float32) if array.dtype == numpy_dtype("bfloat16") else array
    return value.item()


@_memo(by_shape=True)
@st.composite
def view_shape(draw: Any, x: np.ndarray, max_dims: int = 4) -> tuple[int, ...]:
    """A shape with as many elements as ``x``, possibly with one -1 to infer."""
    n = int(np.prod(x.shape)) if x.ndim else 1
    if n == 0:
        return draw(st.sampled_from([(0,), tuple(x.shape), (0, 1), (1, 0), (-1,)]))
    dims, rest = [], n
    for _ in range(draw(st.integers(0, max_dims - 1))):
        dim = draw(st.sampled_from([k for k in range(1, rest + 1) if rest % k == 0]))
        dims.append(dim)
        rest //= dim
    dims = draw(st.permutations([*dims, rest]))
    if draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return tuple(dims)


@_memo
def integers(low: int, high: int):
    """Integers in ``[low, high]``."""
    return st.integers(low, high)


@_memo
def floats(low: float, high: float):
    """Finite floats in ``[low, high]``."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@_memo
def booleans():
    """True or False."""
    return st.booleans()


@_memo
def sampled_from(values: Any):
    """One of ``values``."""
    return st.sampled_from(list(values))


@_memo
def one_of(*strategies: Any):
    """A draw from any of ``strategies`` (plain values are taken as they are)."""
    return st.one_of(*(s if isinstance(s, st.SearchStrategy) else st.just(s) for s in strategies))


@_memo(by_shape=True)
def axis_of(x: np.ndarray, extra: int = 0):
    """A valid dim of ``x``, negative or not; ``extra=1`` for ops that insert a dim."""
    n = x.ndim + extra
    return st.integers(-max(n, 1), max(n, 1) - 1)


@_memo(by_shape=True)
def axes_of(x: np.ndarray):
    """A tuple of distinct dims of ``x`` (possibly empty)."""
    if x.ndim == 0:
        return st.just(())
    return st.lists(st.integers(0, x.ndim - 1), unique=True, max_size=x.ndim).map(tuple)


@_memo(by_shape=True)
def index_into(x: np.ndarray, dim: int, max_side: int = MAX_SIDE):
    """An int64 index for ``gather(x, dim, index)``: same ndim, sides <= x's, values in range."""
    return _index(tuple(x.shape), dim, max_side)


@st.composite
def _index(draw: Any, shape: tuple[int, ...], dim: int, max_side: int) -> np.ndarray:
    ndim = max(len(shape), 1)
    dim = dim % ndim
    size = shape[dim] if shape else 1
    sides = [draw(st.integers(0, shape[d] if shape else 1)) for d in range(ndim)]
    sides[dim] = draw(st.integers(0, max_side)) if size else 0
    index_shape = tuple(sides) if shape else ()
    return draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, max(size - 1, 0))))


@_memo
@st.composite
def stackable(
    draw: Any, dtype: str, min_size: int = 1, max_size: int = 4, max_dims: int = 3
) -> list[np.ndarray]:
    """A list of arrays of one shape (for ``stack``)."""
    shape = draw(shapes(0, max_dims))
    n = draw(st.integers(min_size, max_size))
    return [draw(tensor(shape, dtype)) for _ in range(n)]


@_memo
@st.composite
def concatenable(
    draw: Any, dtype: str, dim: int, ndim: int, min_size: int = 1, max_size: int = 4
) -> list[np.ndarray]:
    """A list of ``ndim``-d arrays equal in shape except along ``dim`` (for ``cat``)."""
    base = list(draw(shapes(ndim, ndim)))
    out = []
    for _ in range(draw(st.integers(min_size, max_size))):
        shape = list(base)
        shape[dim % ndim] = draw(st.integers(0, MAX_SIDE))
        out.append(draw(tensor(tuple(shape), dtype)))
    return out


@_memo(by_shape=True)
def split_points(x: np.ndarray, dim: int, max_size: int = 4):
    """Sorted split indices along ``dim`` (may exceed the size, as tensor_split allows)."""
    size = x.shape[dim] if x.ndim else 0
    return st.lists(st.integers(0, size + 1), max_size=max_size).map(sorted)


VOCABULARY: dict[str, Any] = {
    "shapes": shapes,
    "batched": batched,
    "tensor": tensor,
    "ndarray": ndarray,
    "scalar": scalar,
    "view_shape": view_shape,
    "integers": integers,
    "floats": floats,
    "booleans": booleans,
    "sampled_from": sampled_from,
    "one_of": one_of,
    "axis_of": axis_of,
    "axes_of": axes_of,
    "index_into": index_into,
    "stackable": stackable,
    "concatenable": concatenable,
    "split_points": split_points,
    "broadcastable": broadcastable,
}
