"""Numpy L-BFGS as ``torch.optim.LBFGS`` runs it: one ``step(closure)`` of up to ``max_iter``
iterations, the two-loop recursion over a bounded history, and the optional strong-Wolfe line
search (bracketing, then cubic-interpolation zoom).

L-BFGS branches on its numbers (tolerances, the curvature test, the line search's
conditions), so the rule computes in the parameter's dtype as torch does: vectors are arrays
of that dtype and torch's 0-dim tensors are numpy scalars of it, while what torch keeps as
Python numbers (the losses, the first step length ``1``, the bracket's ``0``) stay Python
numbers. float64 parameters compute in float64 throughout.

The state is torch's: ``func_evals`` and ``n_iter`` (counts over all steps), ``d`` (the last
direction), ``t`` (its step length), ``old_dirs``/``old_stps``/``ro`` (the history of gradient
differences, steps and their inverse products, oldest first), ``H_diag`` (the initial inverse
Hessian's scale), ``prev_flat_grad``, ``prev_loss`` and ``al`` (the two-loop's coefficients,
``history_size`` slots, ``None`` until used).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["lbfgs", "quadratic_grad", "rosenbrock_grad"]

State = dict[str, Any]
Closure = Callable[[np.ndarray], tuple[float, np.ndarray]]
#: A point of the line search: step length, loss, gradient, directional derivative.
Point = tuple[Any, float, np.ndarray, Any]


def lbfgs(
    param: np.ndarray,
    closure: Closure,
    state: State,
    step: int,
    lr: float = 1,
    max_iter: int = 20,
    max_eval: int | None = None,
    tolerance_grad: float = 1e-7,
    tolerance_change: float = 1e-9,
    history_size: int = 100,
    line_search_fn: str | None = None,
) -> tuple[np.ndarray, State]:
    """One ``step(closure)`` from ``param``; ``closure(x) -> (loss, gradient)``. ``step`` is
    not used: the iteration count lives in the state."""
    del step
    if max_eval is None:
        max_eval = max_iter * 5 // 4
    shape, dtype = np.shape(param), np.asarray(param).dtype

    def evaluate(x: np.ndarray) -> tuple[float, np.ndarray]:
        loss, grad = closure(x.reshape(shape))
        return float(loss), np.array(grad, dtype=dtype).reshape(-1)

    x = np.array(param, dtype=dtype).reshape(-1)
    st = {k: list(v) if isinstance(v, list) else v for k, v in state.items()}
    st.setdefault("func_evals", 0)
    st.setdefault("n_iter", 0)
    loss, g = evaluate(x)
    st["func_evals"] += 1
    if np.abs(g).max() <= tolerance_grad:
        return x.reshape(shape), st
    options = (lr, max_iter, max_eval, tolerance_grad, tolerance_change, history_size)
    x = _iterate(x, loss, g, st, evaluate, options, line_search_fn)
    return x.reshape(shape), st


def _iterate(
    x: np.ndarray,
    loss: float,
    g: np.ndarray,
    st: State,
    evaluate: Callable[[np.ndarray], tuple[float, np.ndarray]],
    options: tuple,
    line_search_fn: str | None,
) -> np.ndarray:
    """The iterations of one step; ``st`` is updated in place. Returns the new point."""
    lr, max_iter, max_eval, tolerance_grad, tolerance_change, history_size = options
    d, t = st.get("d"), st.get("t")
    evals = 1
    for n in range(1, max_iter + 1):
        st["n_iter"] += 1
        if st["n_iter"] == 1:
            d = -g
            st.update(old_dirs=[], old_stps=[], ro=[], H_diag=1)
        else:
            _remember(st, g - st["prev_flat_grad"], d * t, history_size)
            d = _two_loop(st, g, history_size)
        st["prev_flat_grad"], st["prev_loss"] = g.copy(), loss
        t = min(1.0, 1.0 / np.abs(g).sum()) * lr if st["n_iter"] == 1 else lr
        gtd = np.dot(g, d)
        if gtd > -tolerance_change:
            break
        used, converged = 0, False
        if line_search_fn is not None:
            if line_search_fn != "strong_wolfe":
                raise RuntimeError("only 'strong_wolfe' is supported")
            loss, g, t, used = strong_wolfe(
                lambda step, x=x, d=d: evaluate(x + step * d),
                t, d, loss, g, gtd, max_ls=max_eval - evals,
            )  # fmt: skip
            x = x + t * d
            converged = np.abs(g).max() <= tolerance_grad
        else:
            x = x + t * d
            if n != max_iter:
                loss, g = evaluate(x)
                converged, used = np.abs(g).max() <= tolerance_grad, 1
        evals += used
        st["func_evals"] += used
        if n == max_iter or evals >= max_eval or converged:
            break
        if (
            np.abs(d * t).max() <= tolerance_change
            or abs(loss - st["prev_loss"]) < tolerance_change
        ):
            break
    st["d"], st["t"] = d, t
    for key in ("old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss"):
        st.setdefault(key, None)
    return x


def _remember(st: State, y: np.ndarray, s: np.ndarray, history_size: int) -> None:
    """Add the pair ``(y, s)`` to the history when its curvature ``y.s`` is positive
    enough, dropping the oldest pair beyond ``history_size``; rescale ``H_diag``."""
    ys = np.dot(y, s)
    if not ys > 1e-10:
        return
    if len(st["old_dirs"]) == history_size:
        for key in ("old_dirs", "old_stps", "ro"):
            st[key].pop(0)
    st["old_dirs"].append(y)
    st["old_stps"].append(s)
    st["ro"].append(1.0 / ys)
    st["H_diag"] = ys / np.dot(y, y)


def _two_loop(st: State, g: np.ndarray, history_size: int) -> np.ndarray:
    """The two-loop recursion: minus the inverse-Hessian estimate times ``g``."""
    ys, ss, ro = st["old_dirs"], st["old_stps"], st["ro"]
    al = st.setdefault("al", [None] * history_size)
    q = -g
    for i in reversed(range(len(ys))):
        al[i] = np.dot(ss[i], q) * ro[i]
        q = q + (-al[i]) * ys[i]
    r = q * st["H_diag"]
    for i in range(len(ys)):
        beta = np.dot(ys[i], r) * ro[i]
        r = r + (al[i] - beta) * ss[i]
    return r


def _over(numerator: Any, denominator: Any) -> Any:
    """``numerator / denominator`` as torch divides a Python number by a 0-dim tensor: the
    tensor's reciprocal times the number."""
    if isinstance(denominator, np.generic) and not isinstance(numerator, np.generic):
        return (1 / denominator) * numerator
    return numerator / denominator


def cubic_minimum(
    x1: Any, f1: float, g1: Any, x2: Any, f2: float, g2: Any, bounds: tuple | None = None
) -> Any:
    """The minimiser of the cubic through two points with their slopes, clamped to
    ``bounds`` (default: between the points); the midpoint when the cubic has none."""
    if bounds is None:
        bounds = (x1, x2) if x1 <= x2 else (x2, x1)
    low, high = bounds
    d1 = g1 + g2 - _over(3 * (f1 - f2), x1 - x2)
    square = d1**2 - g1 * g2
    if not square >= 0:
        return (low + high) / 2.0
    d2 = np.sqrt(square)
    if x1 <= x2:
        at = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        at = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(at, low), high)


def strong_wolfe(
    evaluate: Callable[[Any], tuple[float, np.ndarray]],
    t: Any,
    d: np.ndarray,
    f: float,
    g: np.ndarray,
    gtd: Any,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, np.ndarray, Any, int]:
    """A step length along ``d`` meeting the strong Wolfe conditions, found with at most
    ``max_ls`` evaluations after the first; ``evaluate(t)`` is the loss and gradient at
    ``x + t * d``. Returns the loss, gradient and step length chosen and the evaluations."""
    f_new, g_new = evaluate(t)
    new: Point = (t, f_new, g_new, np.dot(g_new, d))
    previous: Point = (0, f, g, gtd)

    def sufficient(p: Point) -> bool:
        return bool(p[1] > (f + c1 * p[0] * gtd))

    def curved(p: Point) -> bool:
        return bool(abs(p[3]) <= -c2 * gtd)

    tries = 0
    bracket: list[Point] | None = None
    done = False
    while tries < max_ls:
        if sufficient(new) or (tries > 1 and new[1] >= previous[1]):
            bracket = [previous, new]
        elif curved(new):
            bracket, done = [new], True
        elif new[3] >= 0:
            bracket = [previous, new]
        if bracket is not None:
            break
        span = (new[0] + 0.01 * (new[0] - previous[0]), new[0] * 10)
        step = cubic_minimum(*previous[:2], previous[3], *new[:2], new[3], bounds=span)
        previous = new
        f_new, g_new = evaluate(step)
        new = (step, f_new, g_new, np.dot(g_new, d))
        tries += 1
    if tries == max_ls:
        bracket = [(0, f, g, None), new]
    assert bracket is not None
    low = 0
    if not done:
        tries, low = _zoom(bracket, evaluate, d, f, gtd, tries, (c1, c2, tolerance_change, max_ls))
    return bracket[low][1], bracket[low][2], bracket[low][0], tries + 1


def _zoom(
    bracket: list[Point],
    evaluate: Callable[[Any], tuple[float, np.ndarray]],
    d: np.ndarray,
    f: float,
    gtd: Any,
    tries: int,
    options: tuple,
) -> tuple[int, int]:
    """Shrink ``bracket`` (in place) around a strong-Wolfe point. Returns the count of
    evaluations so far and the position of the bracket's better end."""
    c1, c2, tolerance_change, max_ls = options
    d_norm = np.abs(d).max()
    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    stalled = False
    while tries < max_ls:
        if abs(bracket[1][0] - bracket[0][0]) * d_norm < tolerance_change:
            break
        t = cubic_minimum(*bracket[0][:2], bracket[0][3], *bracket[1][:2], bracket[1][3])
        t, stalled = _away_from_ends(t, [bracket[0][0], bracket[1][0]], stalled)
        f_new, g_new = evaluate(t)
        point = (t, f_new, g_new, np.dot(g_new, d))
        tries += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket[low][1]:
            bracket[high] = point
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
            continue
        wolfe = abs(point[3]) <= -c2 * gtd
        if not wolfe and point[3] * (bracket[high][0] - bracket[low][0]) >= 0:
            bracket[high] = bracket[low]
        bracket[low] = point
        if wolfe:
            break
    return tries, low


def _away_from_ends(t: Any, ends: list[Any], stalled: bool) -> tuple[Any, bool]:
    """Keep a trial step a tenth of the bracket away from its ends when it lands too near
    them twice in a row (or outside): torch's guard against insufficient progress."""
    top, bottom = max(ends), min(ends)
    margin = 0.1 * (top - bottom)
    if not min(top - t, t - bottom) < margin:
        return t, False
    if not (stalled or t >= top or t <= bottom):
        return t, True
    return (top - margin if abs(t - top) < abs(t - bottom) else bottom + margin), False


def rosenbrock_grad(x: np.ndarray) -> np.ndarray:
    """Gradient of ``sum(100 * (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)``, in ``x``'s dtype."""
    v = np.asarray(x, dtype=np.float64)
    inner = v[1:] - v[:-1] ** 2
    grad = np.zeros_like(v)
    grad[:-1] += -400.0 * v[:-1] * inner - 2.0 * (1.0 - v[:-1])
    grad[1:] += 200.0 * inner
    return grad.astype(np.asarray(x).dtype)


def quadratic_grad(x: np.ndarray, scale: float, centre: float) -> np.ndarray:
    """Gradient of ``sum(scale * (x - centre)**2) + sum((x[1:] - x[:-1])**2)``, a convex
    quadratic whose coupling term makes it anisotropic, in ``x``'s dtype."""
    v = np.asarray(x, dtype=np.float64)
    grad = 2.0 * scale * (v - centre)
    diff = 2.0 * (v[1:] - v[:-1])
    grad[1:] += diff
    grad[:-1] -= diff
    return grad.astype(np.asarray(x).dtype)
