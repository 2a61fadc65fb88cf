"""``torch.nn.functional``: ctc_loss.

The forward-backward recursions run in log space over the extended label sequence (a blank
before, between and after the targets), one time step at a time, vectorised over the batch and
the label positions. The derivative is torch's: ``exp(lp) - exp(log(alpha * beta) + nll - lp)``
per class, which is the gradient with respect to the logits behind ``log_probs`` when these
come from ``log_softmax`` (torch's convention); it is not differentiable again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..._factory import new_leaf
from ..._ops import apply_op
from ..._tensor import Tensor
from ...autograd._graph import Formula
from .._reduction import get_enum

__all__ = ["ctc_loss"]

_WHERE = " (while checking arguments for ctc_loss_allocate_outputs)"
_TYPE_NAMES = {
    "float16": "Half",
    "bfloat16": "BFloat16",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
    "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
}


def _lengths(value: Any, name: str) -> list[int]:
    """A lengths argument (tensor or sequence of ints) as a list of ints."""
    if isinstance(value, Tensor):
        if (
            value.dtype.is_floating_point
            or value.dtype.is_complex
            or repr(value.dtype) == ("torch.bool")
        ):
            raise RuntimeError(f"{name} must be integral")
        return [int(v) for v in np.asarray(value._data).reshape(-1)]
    return [int(v) for v in value]


def _check_lengths_kinds(input_lengths: Any, target_lengths: Any) -> None:
    tensors = isinstance(input_lengths, Tensor), isinstance(target_lengths, Tensor)
    sequences = [isinstance(v, Sequence) for v in (input_lengths, target_lengths)]
    if not (all(tensors) or all(sequences)):
        got = ", ".join(type(v).__name__ for v in (input_lengths, target_lengths))
        raise TypeError(
            "ctc_loss() received an invalid combination of arguments - got (Tensor, Tensor, "
            f"{got}, int, int, bool), but expected one of: (Tensor log_probs, Tensor targets, "
            "tuple of ints input_lengths, tuple of ints target_lengths, ...) or (Tensor "
            "log_probs, Tensor targets, Tensor input_lengths, Tensor target_lengths, ...)"
        )


def _dim_error(want: str, got: int, arg: str) -> RuntimeError:
    return RuntimeError(f"Expected {want}, but got {got}-dimensional tensor for {arg}{_WHERE}")


def _padded_targets(
    targets: np.ndarray, target_lengths: list[int], batch: int
) -> tuple[np.ndarray, int]:
    """``(N, S)`` targets from either layout (after torch's checks), and ``S``."""
    arg = "argument #2 'targets'"
    for n in target_lengths:
        if n < 0:
            raise RuntimeError(
                f"Expected target_lengths to have value at least 0, but got value {n}{_WHERE}"
            )
    longest = max(target_lengths, default=0)
    lengths = np.asarray(target_lengths, np.int64)
    if targets.ndim == 1:
        total = int(lengths.sum())
        if targets.shape[0] != total:
            raise RuntimeError(
                f"Expected tensor to have size {total} at dimension 0, but got size "
                f"{targets.shape[0]} for {arg}{_WHERE}"
            )
        starts = np.cumsum(lengths) - lengths
        ids = np.minimum(starts[:, None] + np.arange(longest)[None, :], max(total - 1, 0))
        padded = targets[ids] if total else np.zeros((batch, longest), np.int64)
        return padded, longest
    if targets.shape[0] != batch:
        raise RuntimeError(
            f"Expected tensor to have size {batch} at dimension 0, but got size "
            f"{targets.shape[0]} for {arg}{_WHERE}"
        )
    if targets.shape[1] < longest:
        raise RuntimeError(
            f"Expected tensor to have size at least {longest} at dimension 1, but got size "
            f"{targets.shape[1]} for {arg}{_WHERE}"
        )
    return targets[:, :longest], longest


def _check_input_lengths(input_lengths: list[int], frames: int) -> None:
    for n in input_lengths:
        if n < 0:
            raise RuntimeError(
                f"Expected input_lengths to have value at least 0, but got value {n}{_WHERE}"
            )
        if n > frames:
            raise RuntimeError(
                f"Expected input_lengths to have value at most {frames}, but got value {n}{_WHERE}"
            )


# ----- the recursions ---------------------------------------------------------------------
class _Lattice:
    """The extended labels of every sample and the log-probabilities along them."""

    def __init__(
        self, lp: np.ndarray, padded: np.ndarray, il: np.ndarray, tl: np.ndarray, blank: int
    ) -> None:
        batch, longest = padded.shape
        self.il, self.tl, self.blank = il, tl, blank
        self.ext = np.full((batch, 2 * longest + 1), blank, np.int64)
        self.ext[:, 1::2] = padded
        self.states = np.arange(self.ext.shape[1])
        self.valid = self.states[None, :] < (2 * tl + 1)[:, None]
        # a state may be entered from two back when it is a label differing from that one
        skip = np.zeros_like(self.valid)
        skip[:, 2:] = self.ext[:, 2:] != self.ext[:, :-2]
        self.skip = skip & self.valid
        self.lpe = np.take_along_axis(
            lp, np.broadcast_to(self.ext[None], (lp.shape[0],) + self.ext.shape), 2
        )

    def alpha(self) -> np.ndarray:
        """``log alpha[t, n, s]``: the paths up to ``t`` that end in state ``s``."""
        frames = self.lpe.shape[0]
        out = np.full(self.lpe.shape, -np.inf)
        first = np.full(self.ext.shape, -np.inf)
        first[:, 0] = self.lpe[0, :, 0]
        if first.shape[1] > 1:
            first[:, 1] = np.where(self.tl > 0, self.lpe[0, :, 1], -np.inf)
        out[0] = np.where(self.valid, first, -np.inf)
        for t in range(1, frames):
            prev = out[t - 1]
            one = _shift(prev, 1)
            two = np.where(self.skip, _shift(prev, 2), -np.inf)
            step = _logsumexp3(prev, one, two) + self.lpe[t]
            out[t] = np.where(self.valid, step, -np.inf)
        return out

    def beta(self) -> np.ndarray:
        """``log beta[t, n, s]``: the paths from state ``s`` at ``t`` to the end, ``t``'s
        probability included (torch's convention)."""
        frames = self.lpe.shape[0]
        out = np.full(self.lpe.shape, -np.inf)
        last = 2 * self.tl
        final = (self.states[None, :] == last[:, None]) | (
            (self.states[None, :] == (last - 1)[:, None]) & (self.tl > 0)[:, None]
        )
        nxt_skip = np.zeros_like(self.skip)
        nxt_skip[:, :-2] = self.skip[:, 2:]
        for t in range(frames - 1, -1, -1):
            start = np.where(final, self.lpe[t], -np.inf)
            if t + 1 < frames:
                nxt = out[t + 1]
                one = _shift(nxt, -1)
                two = np.where(nxt_skip, _shift(nxt, -2), -np.inf)
                step = np.where(self.valid, _logsumexp3(nxt, one, two) + self.lpe[t], -np.inf)
            else:
                step = start
            begin = (self.il - 1 == t)[:, None]
            inside = (t < self.il - 1)[:, None]
            out[t] = np.where(begin, start, np.where(inside, step, -np.inf))
        return out

    def nll(self, alpha: np.ndarray) -> np.ndarray:
        """Minus the log-likelihood of each sample's target."""
        batch = np.arange(self.ext.shape[0])
        end = np.maximum(self.il - 1, 0)
        last = alpha[end, batch, 2 * self.tl]
        before = np.where(self.tl > 0, alpha[end, batch, np.maximum(2 * self.tl - 1, 0)], -np.inf)
        out = -np.logaddexp(last, before)
        empty = np.where(self.tl == 0, 0.0, np.inf)
        return np.where(self.il == 0, empty, out)

    def gradient(self, lp: np.ndarray, nll: np.ndarray, zero_infinity: bool) -> np.ndarray:
        """torch's ``d loss / d log_probs`` per sample: ``exp(lp) - exp(lcab + nll - lp)``,
        zero past each input length (and for infinite losses with ``zero_infinity``)."""
        ab = self.alpha() + self.beta()
        top = ab.max(axis=2, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        onehot = (self.ext[:, :, None] == np.arange(lp.shape[2])[None, None, :]).astype(float)
        summed = np.einsum("tns,nsc->tnc", np.exp(ab - top), onehot)
        with np.errstate(divide="ignore", invalid="ignore"):
            lcab = np.log(summed) + top
            grad = np.exp(lp) - np.exp(lcab + nll[None, :, None] - lp)
        inside = np.arange(lp.shape[0])[:, None] < self.il[None, :]
        grad = np.where(inside[:, :, None], grad, 0.0)
        if zero_infinity:
            grad = np.where(np.isinf(nll)[None, :, None], 0.0, grad)
        return grad


def _shift(a: np.ndarray, k: int) -> np.ndarray:
    """``a`` moved ``k`` states later (earlier when negative), -inf filling."""
    out = np.full_like(a, -np.inf)
    if k > 0:
        out[:, k:] = a[:, :-k]
    else:
        out[:, :k] = a[:, -k:]
    return out


def _logsumexp3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    top = np.maximum(np.maximum(a, b), c)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.exp(a - top) + np.exp(b - top) + np.exp(c - top)) + top


# ----- the op -----------------------------------------------------------------------------
def _ctc_nll(log_probs: Tensor, lattice: _Lattice, zero_infinity: bool) -> Tensor:
    """Per-sample losses as a differentiable op on ``(T, N, C)`` log-probabilities."""
    lp64 = np.asarray(log_probs._data, np.float64)
    nll = lattice.nll(lattice.alpha())

    def backward(node: Any, g: Tensor) -> tuple:
        grad = lattice.gradient(lp64, nll, zero_infinity)
        return (_ctc_backward(g, node.saved_input(0), grad),)

    out = np.where(np.isinf(nll), 0.0, nll) if zero_infinity else nll
    dt = np.asarray(log_probs._data).dtype
    formula = Formula(backward, inputs="all")
    return apply_op("ctc_loss", lambda a: out.astype(dt), log_probs, backward=formula)


def _ctc_backward(g: Tensor, log_probs: Tensor, grad: np.ndarray) -> Tensor:
    """``grad * g`` per sample, as an op whose own derivative torch does not implement."""

    def refuse(node: Any, gg: Tensor) -> tuple:
        raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented")

    def fn(gs: np.ndarray, lp: np.ndarray) -> np.ndarray:
        return (grad * np.asarray(gs, np.float64)[None, :, None]).astype(lp.dtype)

    return apply_op("ctc_loss_backward", fn, g, log_probs, backward=Formula(refuse))


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Tensor | Sequence[int],
    target_lengths: Tensor | Sequence[int],
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """Connectionist Temporal Classification loss of ``(T, N, C)`` (or unbatched ``(T, C)``)
    log-probabilities against padded ``(N, S)`` or concatenated targets; ``mean`` divides
    each loss by its target length (at least 1) before averaging over the batch."""
    code = get_enum(reduction)
    _check_lengths_kinds(input_lengths, target_lengths)
    il_list = _lengths(input_lengths, "input_lengths")
    tl_list = _lengths(target_lengths, "target_lengths")
    name = repr(log_probs.dtype).removeprefix("torch.")
    if name not in ("float32", "float64"):
        raise NotImplementedError(
            f"\"ctc_loss_cpu\" not implemented for '{_TYPE_NAMES.get(name, name)}'"
        )
    batched = log_probs.ndim == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    if lp.ndim != 3:
        raise _dim_error("3-dimensional tensor", lp.ndim, "argument #1 'log_probs'")
    if targets.ndim not in (1, 2):
        raise _dim_error("1 to 2 dimensions", targets.ndim, "argument #2 'targets'")
    frames, batch, classes = lp.shape
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    if len(il_list) != batch:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(tl_list) != batch:
        raise RuntimeError("target_lengths must be of size batch_size")
    padded, _ = _padded_targets(np.asarray(targets._data).astype(np.int64), tl_list, batch)
    _check_input_lengths(il_list, frames)
    il, tl = np.asarray(il_list, np.int64), np.asarray(tl_list, np.int64)
    lattice = _Lattice(np.asarray(lp._data, np.float64), padded, il, tl, blank)
    res = _ctc_nll(lp, lattice, zero_infinity)
    if code == 1:
        divisor = np.maximum(tl, 1).astype(np.asarray(lp._data).dtype)
        return (res / new_leaf(divisor, None, lp.device)).mean()
    if code == 2:
        return res.sum()
    return res if batched else res.squeeze(0)
