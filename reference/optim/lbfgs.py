"""``torch.optim.LBFGS``: limited-memory BFGS over the flattened parameters, with an optional
strong-Wolfe line search.

Every ``step(closure)`` runs up to ``max_iter`` iterations: a direction from the two-loop
recursion over the last ``history_size`` (step, gradient change) pairs, a step length (fixed,
or found by the line search), and the stopping tests on the gradient, the step and the loss.
The whole state sits on the first parameter, as torch keeps it.

The numbers follow torch's types: vectors are arrays of the parameters' dtype, torch's 0-dim
tensors (dot products, ``H_diag``, ``ro``...) are numpy scalars of it while computing and 0-dim
tensors in the state, and Python numbers (losses, ``lr``, the bracket's ``0``) stay Python
numbers, so comparisons and roundings happen in the same precision as torch's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._grad_mode import set_grad_enabled
from .._tensor import Tensor
from .optimizer import Optimizer, array, stepping, written, xp

__all__ = ["LBFGS"]

Evaluate = Callable[[Any], tuple[float, np.ndarray]]


class LBFGS(Optimizer):
    """``LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
    tolerance_change=1e-9, history_size=100, line_search_fn=None)``: one parameter group;
    ``max_eval`` defaults to ``max_iter * 5 // 4``; ``line_search_fn`` is None or
    ``'strong_wolfe'``."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float | Tensor = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # ----- the flattened parameters ----------------------------------------------------
    def _flat_grad(self) -> np.ndarray:
        """Every parameter's gradient (zeros where none), complex ones as real pairs, in one
        vector."""
        views = []
        for p in self._params:
            g = p.grad
            if g is None:
                views.append(_real(np.zeros(tuple(p.shape), dtype=array(p).dtype)))
                continue
            if getattr(g, "is_sparse", False):
                g = g.to_dense()
            views.append(_real(array(g)))
        return np.concatenate(views)

    def _add(self, t: Any, d: np.ndarray) -> None:
        """``p += t * d`` over the flattened parameters."""
        offset = 0
        for p in self._params:
            a = array(p)
            flat = _real(a)
            part = d[offset : offset + flat.size]
            _put(a, flat + t * part)
            written(p)
            offset += flat.size

    def _get(self) -> list[np.ndarray]:
        return [array(p).copy() for p in self._params]

    def _set(self, values: list[np.ndarray]) -> None:
        for p, value in zip(self._params, values, strict=True):
            array(p)[...] = value
            written(p)

    def _evaluate(self, closure: Callable[[], Any]) -> tuple[Any, float, np.ndarray]:
        with set_grad_enabled(True):
            loss = closure()
        return loss, float(loss), self._flat_grad()

    # ----- the step ----------------------------------------------------------------------
    @stepping
    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Up to ``max_iter`` L-BFGS iterations; returns the closure's first loss."""
        group = self.param_groups[0]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss, loss, g = self._evaluate(closure)
        state["func_evals"] += 1
        if np.abs(g).max() <= group["tolerance_grad"]:
            return orig_loss
        memory = {k: _numbers(v) for k, v in state.items() if k not in ("func_evals", "n_iter")}
        memory["n_iter"] = state["n_iter"]
        self._iterate(closure, group, memory, loss, g, state)
        like = self._params[0]
        if "al" in memory:  # torch adds it first, during the iterations
            state["al"] = _tensors(memory["al"], like)
        for key in ("d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad"):
            state[key] = _tensors(memory.get(key), like)
        state["prev_loss"] = memory.get("prev_loss")
        return orig_loss

    def _iterate(
        self,
        closure: Callable[[], Any],
        group: dict[str, Any],
        m: dict[str, Any],
        loss: float,
        g: np.ndarray,
        state: dict[str, Any],
    ) -> None:
        """The iterations; ``m`` holds the state as numbers, ``state`` gets the counts."""
        lr = _scalar(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size, line_search_fn = group["history_size"], group["line_search_fn"]
        evals, n = 1, 0
        while n < max_iter:
            n += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                m.update(d=-g, old_dirs=[], old_stps=[], ro=[], H_diag=1)
            else:
                self._remember(m, g - m["prev_flat_grad"], m["d"] * m["t"], history_size)
                m["d"] = self._direction(m, g, history_size)
            d = m["d"]
            m["prev_flat_grad"], m["prev_loss"] = g.copy(), loss
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr if state["n_iter"] == 1 else lr
            m["t"] = t
            gtd = np.dot(g, d)
            if gtd > -tolerance_change:
                break
            used, optimal = 0, False
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                start = self._get()

                def along(step: Any, start: list = start, d: np.ndarray = d) -> Any:
                    self._add(step, d)
                    out = self._evaluate(closure)[1:]
                    self._set(start)
                    return out

                loss, g, t, used = self._line_search(along, t, d, loss, g, gtd, max_eval - evals)
                m["t"] = t
                self._add(t, d)
                optimal = np.abs(g).max() <= tolerance_grad
            else:
                self._add(t, d)
                if n != max_iter:
                    loss, g = self._evaluate(closure)[1:]
                    optimal, used = np.abs(g).max() <= tolerance_grad, 1
            evals += used
            state["func_evals"] += used
            if n == max_iter or evals >= max_eval or optimal:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - m["prev_loss"]) < tolerance_change:
                break


# ----- the direction -----------------------------------------------------------------------
def _update_history(m: dict[str, Any], y: np.ndarray, s: np.ndarray, history_size: int) -> None:
    """Keep the pair when ``y.s > 1e-10`` (the oldest one goes once ``history_size`` are
    kept) and rescale the initial inverse Hessian to ``y.s / y.y``."""
    ys = np.dot(y, s)
    if ys > 1e-10:
        if len(m["old_dirs"]) == history_size:
            del m["old_dirs"][0], m["old_stps"][0], m["ro"][0]
        m["old_dirs"].append(y)
        m["old_stps"].append(s)
        m["ro"].append(1.0 / ys)
        m["H_diag"] = ys / np.dot(y, y)


def _direction(m: dict[str, Any], g: np.ndarray, history_size: int) -> np.ndarray:
    """``-H g`` by the two-loop recursion: newest pair first, then oldest first."""
    dirs, stps, ro = m["old_dirs"], m["old_stps"], m["ro"]
    if "al" not in m:
        m["al"] = [None] * history_size
    al = m["al"]
    q = -g
    for i in range(len(dirs) - 1, -1, -1):
        al[i] = np.dot(stps[i], q) * ro[i]
        q = q + (-al[i]) * dirs[i]
    r = q * m["H_diag"]
    for i in range(len(dirs)):
        be_i = np.dot(dirs[i], r) * ro[i]
        r = r + (al[i] - be_i) * stps[i]
    return r


# ----- the strong-Wolfe line search ----------------------------------------------------------
def _cubic_interpolate(
    x1: Any, f1: float, g1: Any, x2: Any, f2: float, g2: Any, bounds: tuple | None = None
) -> Any:
    """Where the cubic with values ``f`` and slopes ``g`` at ``x1``, ``x2`` is least,
    within ``bounds`` (the two points by default); their middle if it has no minimum."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - _divide(3 * (f1 - f2), x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, lo), hi)
    return (lo + hi) / 2.0


def _strong_wolfe(
    along: Evaluate,
    t: Any,
    d: np.ndarray,
    f: float,
    g: np.ndarray,
    gtd: Any,
    max_ls: int,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
) -> tuple[float, np.ndarray, Any, int]:
    """Bracket a step meeting the strong Wolfe conditions, then zoom into the bracket.
    Returns the loss, gradient and step length found, and the evaluations spent."""
    f_new, g_new = along(t)
    gtd_new = np.dot(g_new, d)
    points = [[0, f, g, gtd]]  # the previous trial, then the current one
    current = [t, f_new, g_new, gtd_new]
    done, ls_iter = False, 0
    bracket: list[list[Any]] | None = None
    while ls_iter < max_ls:
        prev = points[-1]
        if current[1] > (f + c1 * current[0] * gtd) or (ls_iter > 1 and current[1] >= prev[1]):
            bracket = [prev, current]
            break
        if abs(current[3]) <= -c2 * gtd:
            bracket, done = [current], True
            break
        if current[3] >= 0:
            bracket = [prev, current]
            break
        bounds = (current[0] + 0.01 * (current[0] - prev[0]), current[0] * 10)
        t_next = _cubic_interpolate(*prev[:2], prev[3], *current[:2], current[3], bounds)
        points.append(current)
        f_new, g_new = along(t_next)
        current = [t_next, f_new, g_new, np.dot(g_new, d)]
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = [[0, f, g, None], current]
    assert bracket is not None
    low = 0 if bracket[0][1] <= bracket[-1][1] else 1
    if not done:
        ls_iter, low = _zoom(along, bracket, d, f, gtd, ls_iter, max_ls, (c1, c2, tolerance_change))
    best = bracket[low]
    return best[1], best[2], best[0], ls_iter + 1


def _zoom(
    along: Evaluate,
    bracket: list[list[Any]],
    d: np.ndarray,
    f: float,
    gtd: Any,
    ls_iter: int,
    max_ls: int,
    constants: tuple[float, float, float],
) -> tuple[int, int]:
    """Narrow a two-point bracket (in place) by safeguarded cubic interpolation until a
    point meets the conditions, the bracket is too small, or evaluations run out. Returns the
    evaluation count and the better end's index."""
    c1, c2, tolerance_change = constants
    d_norm = np.abs(d).max()
    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    insuf_progress = False
    while ls_iter < max_ls:
        if abs(bracket[1][0] - bracket[0][0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(*bracket[0][:2], bracket[0][3], *bracket[1][:2], bracket[1][3])
        t, insuf_progress = _safeguard(t, bracket[0][0], bracket[1][0], insuf_progress)
        f_new, g_new = along(t)
        gtd_new = np.dot(g_new, d)
        ls_iter += 1
        point = [t, f_new, g_new, gtd_new]
        if f_new > (f + c1 * t * gtd) or f_new >= bracket[low][1]:
            bracket[high] = point
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
            continue
        done = abs(gtd_new) <= -c2 * gtd
        if not done and gtd_new * (bracket[high][0] - bracket[low][0]) >= 0:
            bracket[high] = bracket[low]
        bracket[low] = point
        if done:
            break
    return ls_iter, low


def _safeguard(t: Any, a: Any, b: Any, insuf_progress: bool) -> tuple[Any, bool]:
    """A trial within a tenth of the bracket of an end is moved that far inside when the
    previous trial was also too close, or when it is at or beyond an end."""
    top, bottom = max([a, b]), min([a, b])
    eps = 0.1 * (top - bottom)
    if min(top - t, t - bottom) >= eps:
        return t, False
    if insuf_progress or t >= top or t <= bottom:
        return (top - eps if abs(t - top) < abs(t - bottom) else bottom + eps), False
    return t, True


# ----- numbers and tensors -----------------------------------------------------------------
def _divide(numerator: Any, denominator: Any) -> Any:
    """A Python number over a 0-dim tensor is, in torch, the tensor's reciprocal times it."""
    if isinstance(denominator, np.generic) and not isinstance(numerator, np.generic):
        return (1 / denominator) * numerator
    return numerator / denominator


def _scalar(value: Any) -> Any:
    """A tensor learning rate as a number of its dtype; a Python number as it is."""
    if isinstance(value, Tensor):
        return np.asarray(array(value)).reshape(())[()]
    return value


def _real(a: np.ndarray) -> np.ndarray:
    """``a`` flattened, complex values as (real, imaginary) pairs."""
    flat = np.ascontiguousarray(a).reshape(-1)
    return flat.view(flat.real.dtype) if np.iscomplexobj(flat) else flat


def _put(a: np.ndarray, flat: np.ndarray) -> None:
    """Write a flat (real-paired) vector back into ``a``."""
    a[...] = (flat.view(a.dtype) if np.iscomplexobj(a) else flat).reshape(a.shape)


def _numbers(value: Any) -> Any:
    """A state value for computing: tensors as arrays (0-dim ones as numpy scalars)."""
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, Tensor):
        a = np.asarray(array(value))
        return a[()] if a.ndim == 0 else a.copy()
    return value


def _tensors(value: Any, like: Tensor) -> Any:
    """A computed value for the state: arrays and numpy scalars as tensors on ``like``'s
    device; Python numbers and None as they are."""
    if isinstance(value, list):
        return [_tensors(v, like) for v in value]
    if isinstance(value, (np.ndarray, np.generic)):
        return Tensor._make(xp(like).asarray(value), None, like._device)
    return value


# The parts of an iteration, as methods a subclass may replace.
LBFGS._remember = staticmethod(_update_history)  # type: ignore[attr-defined]
LBFGS._direction = staticmethod(_direction)  # type: ignore[attr-defined]
LBFGS._line_search = staticmethod(_strong_wolfe)  # type: ignore[attr-defined]
