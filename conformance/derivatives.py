"""numpy helpers for the spec's derivative formulas (``differentiable.derivative``).

Each is the vector-Jacobian product of a structural step that many ops share (broadcasting,
a reduction, an indexed read), the way torch's ``derivatives.yaml`` names its backward
helpers; the formulas compose them with numpy's elementwise functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from conformance.oracles import reduce_axes


def sum_to(x: Any, shape: tuple[int, ...]) -> np.ndarray:
    """``x`` summed down to ``shape``: the VJP of broadcasting an array of ``shape``."""
    x = np.asarray(x)
    lead = x.ndim - len(shape)
    if lead:
        x = x.sum(axis=tuple(range(lead)))
    stretched = tuple(d for d, n in enumerate(shape) if n == 1 and x.shape[d] != 1)
    if stretched:
        x = x.sum(axis=stretched, keepdims=True)
    return x.reshape(shape)


def unreduce(g: Any, x: np.ndarray, dim: Any = None, keepdim: bool = False) -> np.ndarray:
    """A reduction's cotangent ``g`` spread back over ``x``'s shape: the VJP of ``sum``
    over ``dim`` (None or ``()``: every dim)."""
    g = np.asarray(g)
    axis = reduce_axes(dim, x.ndim)
    if not keepdim and axis is not None:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, x.shape)


def spread_evenly(
    g: Any, x: np.ndarray, extreme: Any, dim: Any = None, keepdim: bool = False
) -> np.ndarray:
    """The VJP of ``amax``/``amin``: ``g`` shared evenly by the elements of ``x`` equal to
    the reduced ``extreme`` (a slice without any, a NaN one, gets NaN)."""
    mask = x == unreduce(extreme, x, dim, keepdim)
    count = np.sum(mask, axis=reduce_axes(dim, x.ndim), keepdims=keepdim)
    with np.errstate(divide="ignore", invalid="ignore"):
        return unreduce(g, x, dim, keepdim) / unreduce(count, x, dim, keepdim) * mask


def put_along(g: Any, index: Any, x: np.ndarray, dim: int, keepdim: bool = False) -> np.ndarray:
    """Zeros shaped like ``x`` with ``g`` at ``index`` along ``dim``: the VJP of picking one
    element per slice (``max(dim)``) or ``k`` of them (``topk``, ``keepdim=True``)."""
    g = np.asarray(g, dtype=np.float64)
    if x.ndim == 0:
        return g.reshape(())
    d = dim % x.ndim
    index = np.asarray(index, dtype=np.int64)
    if not keepdim:
        g, index = np.expand_dims(g, d), np.expand_dims(index, d)
    out = np.zeros(x.shape)
    np.put_along_axis(out, index, g, axis=d)
    return out


def scatter_add(shape: tuple[int, ...], dim: int, index: Any, src: Any) -> np.ndarray:
    """Zeros of ``shape`` with ``src[i]`` added at ``index[i]`` along ``dim``: the VJP of
    ``gather`` (repeated indices accumulate)."""
    out = np.zeros(shape)
    index = np.asarray(index, dtype=np.int64)
    if index.size:
        d = dim % len(shape)
        coords = list(np.indices(index.shape, sparse=True))
        coords[d] = index
        np.add.at(out, tuple(coords), np.asarray(src, dtype=np.float64))
    return out


def split_like(g: Any, parts: list[np.ndarray], dim: int) -> list[np.ndarray]:
    """``g`` cut along ``dim`` into pieces shaped like ``parts``: the VJP of ``cat``
    (a 1-D empty part, which ``cat`` skips, gets an empty piece)."""
    g = np.asarray(g)
    d = dim % g.ndim
    out, start = [], 0
    for part in parts:
        if part.ndim != g.ndim:
            out.append(np.zeros(part.shape))
            continue
        out.append(np.take(g, np.arange(start, start + part.shape[d]), axis=d))
        start += part.shape[d]
    return out


def vector_norm_vjp(
    g: Any, x: np.ndarray, ord: Any, dim: Any, keepdim: bool, norm: Any  # noqa: A002
) -> np.ndarray:
    """The VJP of ``vector_norm(x, ord, dim, keepdim) = norm``: zero for ord 0; for the
    infinity orders the sign of ``x`` where ``|x|`` is the extreme, ties sharing evenly;
    else ``sign(x) * (|x| / norm) ** (ord - 1)``."""
    p = float(ord)
    if p == 0:
        return np.zeros(x.shape)
    if np.isinf(p):
        return np.sign(x) * spread_evenly(g, np.abs(x), norm, dim, keepdim)
    scaled = np.abs(x) / unreduce(norm, x, dim, keepdim)
    return unreduce(g, x, dim, keepdim) * np.sign(x) * scaled ** (p - 1)


def matrix_norm_vjp(
    g: Any, A: np.ndarray, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False  # noqa: A002, N803
) -> np.ndarray:
    """The VJP of ``matrix_norm(A, ord, dim, keepdim)``: ``A / norm`` for 'fro'; ``U V^T``
    for 'nuc'; the outer product of the largest (2) or smallest (-2) singular vectors; for
    the orders 1 and inf, the sign of ``A`` on the column (row) whose absolute sum is the
    extreme, ties sharing evenly."""
    d0, d1 = (d % A.ndim for d in dim)
    g = np.asarray(g, dtype=np.float64)
    if not keepdim:
        g = np.expand_dims(g, tuple(sorted((d0, d1))))
    if ord == "fro":
        return g * A / np.sqrt(np.sum(A * A, axis=(d0, d1), keepdims=True))
    m, gm = np.moveaxis(A, (d0, d1), (-2, -1)), np.moveaxis(g, (d0, d1), (-2, -1))
    if ord in ("nuc", 2, -2):
        u, _, vh = np.linalg.svd(m, full_matrices=False)
        k = slice(None) if ord == "nuc" else slice(0, 1) if ord == 2 else slice(-1, None)
        out = gm * (u[..., :, k] @ vh[..., k, :])
    else:
        across = -2 if abs(ord) == 1 else -1  # column sums for 1, row sums for inf
        sums = np.abs(m).sum(axis=across, keepdims=True)
        pick = np.max if ord > 0 else np.min
        mask = sums == pick(sums, axis=-1 if across == -2 else -2, keepdims=True)
        out = gm * np.sign(m) * mask / mask.sum(axis=(-2, -1), keepdims=True)
    return np.moveaxis(out, (-2, -1), (d0, d1))


DERIVATIVE_HELPERS = {
    "sum_to": sum_to,
    "unreduce": unreduce,
    "spread_evenly": spread_evenly,
    "put_along": put_along,
    "scatter_add": scatter_add,
    "split_like": split_like,
    "vector_norm_vjp": vector_norm_vjp,
    "matrix_norm_vjp": matrix_norm_vjp,
}
