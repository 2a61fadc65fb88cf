"""``torch.nn.functional``: pad in every mode (constant, reflect, replicate, circular).

The pad tuple is read from the last dimension backwards, ``(left, right)`` per dimension;
negative amounts crop. Constant padding is the op ``constant_pad_nd`` (its derivative is
the same op with the amounts negated); the other modes gather every output element from a
source position (one index array per padded dimension), so their derivative scatters the
gradient back with ``put_add`` and differentiates again."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..._ops import apply_op, put_add
from ..._tensor import Tensor
from ...autograd._graph import Formula

__all__ = ["pad"]

_NON_CONSTANT = ("reflect", "replicate", "circular")

_COMBINATIONS = (
    "Supported combinations for non-constant padding:\n"
    "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
    "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
    "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
)


def _pairs(pad: Sequence[int], ndim: int) -> list[tuple[int, int]]:
    """``(before, after)`` per dimension of an ``ndim``-dimensional input, first dim first."""
    pairs = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        pairs[ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return pairs


def _check_pad(input: Tensor, pad: Sequence[int]) -> list[int]:  # noqa: A002
    amounts = list(pad)
    for i, p in enumerate(amounts):
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
            raise TypeError(
                "pad(): argument 'pad' (position 2) must be tuple of ints, but found element "
                f"of type {type(p).__name__} at pos {i}"
            )
    if len(amounts) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(amounts) // 2 > input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(amounts)} and input of dimension {input.ndim}"
        )
    return [int(p) for p in amounts]


# ----- constant ----------------------------------------------------------------------------
def _constant_array(a: np.ndarray, pairs: list[tuple[int, int]], value: float) -> np.ndarray:
    shape = tuple(n + lo + hi for n, (lo, hi) in zip(a.shape, pairs, strict=True))
    out = np.full(shape, value, dtype=a.dtype)
    src = tuple(
        slice(max(-lo, 0), n - max(-hi, 0)) for n, (lo, hi) in zip(a.shape, pairs, strict=True)
    )
    dst = tuple(
        slice(max(lo, 0), max(lo, 0) + s.stop - s.start)
        for s, (lo, _) in zip(src, pairs, strict=True)
    )
    if all(s.stop > s.start for s in src):
        out[dst] = a[src]
    return out


def constant_pad_nd(input: Tensor, pad: Sequence[int], value: float = 0) -> Tensor:  # noqa: A002
    """``aten::constant_pad_nd``: pads with ``value`` (negative amounts crop)."""
    pairs = _pairs(pad, input.ndim)
    for n, (lo, hi) in zip(input.shape, pairs, strict=True):
        if n + lo + hi < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
    negated = [-p for p in pad]
    formula = Formula(lambda node, g: (constant_pad_nd(g, negated, 0),))
    return apply_op(
        "constant_pad_nd", lambda a: _constant_array(a, pairs, value), input, backward=formula
    )


# ----- reflect, replicate, circular ----------------------------------------------------------
def _source_index(n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """For each output position along one dimension, the input position it copies."""
    i = np.arange(-lo, n + hi)
    if mode == "reflect":
        i = np.abs(i)
        return np.where(i >= n, 2 * (n - 1) - i, i)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    # circular: a negative amount crops first, then the cropped part wraps around
    start, kept = max(-lo, 0), n - max(-lo, 0) - max(-hi, 0)
    return start + np.mod(np.arange(kept + max(lo, 0) + max(hi, 0)) - max(lo, 0), kept)


def _gather_ids(shape: tuple[int, ...], pairs: list[tuple[int, int]], mode: str) -> np.ndarray:
    """Row-major flat positions in the input of every output element."""
    ids = np.zeros((), dtype=np.int64)
    for n, (lo, hi) in zip(shape, pairs, strict=True):
        ids = ids[..., None] * n + _source_index(n, lo, hi, mode)
    return ids


def _gathered_pad(input: Tensor, pairs: list[tuple[int, int]], mode: str, name: str) -> Tensor:  # noqa: A002
    shape = tuple(input.shape)
    ids = _gather_ids(shape, pairs, mode)
    flat = ids.reshape(-1)
    formula = Formula(lambda node, g: (put_add(g, ids, shape),))
    return apply_op(name, lambda a: a.reshape(-1)[flat].reshape(ids.shape), input, backward=formula)


def _check_non_constant(input: Tensor, pairs: list, k: int, mode: str) -> None:  # noqa: A002
    if k == 0 or input.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {2 * k} is not supported for {input.ndim}D input tensor.\n"
            + _COMBINATIONS
        )
    nonzero = input.shape[1:] if input.ndim == k + 2 else input.shape
    if mode != "circular" and any(n == 0 for n in nonzero):
        raise RuntimeError(
            f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and "
            f"other non-zero dimensions for input, but got: {list(input.shape)}"
        )
    for d in range(input.ndim - k, input.ndim):
        n, (lo, hi) = input.shape[d], pairs[d]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(
                f"Argument #{2 * k + 2}: Padding size should be less than the corresponding "
                f"input dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                f"{list(input.shape)}"
            )
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if n + lo + hi < 0 or (mode == "circular" and n + lo + hi == 0 and n):
            raise RuntimeError("Negative padding value is resulting in an empty dimension.")


#: Node names giving torch's ``ReflectionPad2DBackward0`` and the like.
_NODE = {
    "reflect": "reflection_pad{}_d",
    "replicate": "replication_pad{}_d",
    "circular": "_pad_circular",
}


def pad(
    input: Tensor,  # noqa: A002
    pad: Sequence[int],
    mode: str = "constant",
    value: float | None = None,
) -> Tensor:
    """Pad ``input``: ``pad`` holds ``(left, right)`` amounts from the last dimension backwards."""
    amounts = _check_pad(input, pad)
    if mode == "constant":
        return constant_pad_nd(input, amounts, 0 if value is None else value)
    if mode not in _NON_CONSTANT:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    k = len(amounts) // 2
    pairs = _pairs(amounts, input.ndim)
    _check_non_constant(input, pairs, k, mode)
    return _gathered_pad(input, pairs, mode, _NODE[mode].format(k))
