"""Named input generators that spec entries refer to in ``inputs`` and ``given``.

Each returns a hypothesis strategy (drawn by the engine) or a plain value.  Inputs are made
with numpy, independent of the library under test; the engine converts arrays into library
tensors afterwards.  Arrays wrapped in :class:`Raw` stay numpy arrays (for ``from_numpy``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import strategies as st

from conformance.compare import numpy_dtype

MAX_SIDE = 5


@dataclass(frozen=True)
class Raw:
    """A numpy array that is passed to the library as a numpy array, not a tensor."""

    array: np.ndarray


def shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 0, max_side: int = MAX_SIDE):
    """Shapes (tuples of ints)."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def _elements(dtype: np.dtype, low: float | None, high: float | None):
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        lo = info.min if low is None else max(int(low), info.min)
        hi = info.max if high is None else min(int(high), info.max)
        return st.integers(lo, hi)
    bound = 1e4 if dtype.itemsize > 2 else 100.0
    lo = -bound if low is None else low
    hi = bound if high is None else high
    if dtype.kind == "c":
        part = st.floats(lo, hi, width=32 if dtype.itemsize == 8 else 64)
        return st.builds(complex, part, part)
    return st.floats(lo, hi, width=16 if dtype.itemsize == 2 else 32 if dtype.itemsize == 4 else 64)


def _array(
    shape: Any,
    dtype: str,
    low: float | None,
    high: float | None,
    min_dims: int,
    max_dims: int,
    min_side: int,
    max_side: int,
):
    target = numpy_dtype(dtype)
    draw_dtype = np.dtype(np.float32) if dtype == "bfloat16" else target
    if shape is None:
        shape_st = shapes(min_dims, max_dims, min_side, max_side)
    elif isinstance(shape, st.SearchStrategy):
        shape_st = shape
    else:
        shape_st = st.just(tuple(shape))
    arrays = hnp.arrays(draw_dtype, shape_st, elements=_elements(draw_dtype, low, high))
    return arrays.map(_to_bfloat16) if draw_dtype != target else arrays


def _to_bfloat16(array: np.ndarray) -> np.ndarray:
    return array.astype(numpy_dtype("bfloat16"))


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
):
    """Arrays of ``dtype`` and ``shape`` (drawn from the bounds when None), made tensors."""
    return _array(shape, dtype, low, high, min_dims, max_dims, min_side, max_side)


def ndarray(shape: Any = None, dtype: str = "float32", **bounds: Any):
    """Like :func:`tensor`, but handed to the library as a numpy array."""
    return tensor(shape, dtype, **bounds).map(Raw)


def scalar(dtype: str = "float32", **bounds: Any):
    """A Python number (bool, int, float or complex) that ``dtype`` holds exactly."""
    return tensor((), dtype, **bounds).map(_python_scalar)


def _python_scalar(array: np.ndarray) -> Any:
    value = array.astype(np.float32) if array.dtype == numpy_dtype("bfloat16") else array
    return value.item()


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


def integers(low: int, high: int):
    """Integers in ``[low, high]``."""
    return st.integers(low, high)


def floats(low: float, high: float):
    """Finite floats in ``[low, high]``."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def booleans():
    """True or False."""
    return st.booleans()


def sampled_from(values: Any):
    """One of ``values``."""
    return st.sampled_from(list(values))


def one_of(*strategies: Any):
    """A draw from any of ``strategies`` (plain values are taken as they are)."""
    return st.one_of(*(s if isinstance(s, st.SearchStrategy) else st.just(s) for s in strategies))


def axis_of(x: np.ndarray, extra: int = 0):
    """A valid dim of ``x``, negative or not; ``extra=1`` for ops that insert a dim."""
    n = x.ndim + extra
    return st.integers(-max(n, 1), max(n, 1) - 1)


def axes_of(x: np.ndarray):
    """A tuple of distinct dims of ``x`` (possibly empty)."""
    if x.ndim == 0:
        return st.just(())
    return st.lists(st.integers(0, x.ndim - 1), unique=True, max_size=x.ndim).map(tuple)


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


@st.composite
def stackable(
    draw: Any, dtype: str, min_size: int = 1, max_size: int = 4, max_dims: int = 3
) -> list[np.ndarray]:
    """A list of arrays of one shape (for ``stack``)."""
    shape = draw(shapes(0, max_dims))
    n = draw(st.integers(min_size, max_size))
    return [draw(tensor(shape, dtype)) for _ in range(n)]


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


def split_points(x: np.ndarray, dim: int, max_size: int = 4):
    """Sorted split indices along ``dim`` (may exceed the size, as tensor_split allows)."""
    size = x.shape[dim] if x.ndim else 0
    return st.lists(st.integers(0, size + 1), max_size=max_size).map(sorted)


VOCABULARY: dict[str, Any] = {
    "shapes": shapes,
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
}
