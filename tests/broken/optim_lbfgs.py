"""Broken adapters for L-BFGS (4): the mistakes L-BFGS implementations make in the two-loop
recursion, the history, the line search and the evaluation budget.

Each replaces ``torch.optim.LBFGS`` by a subclass of the reference with one mistake.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import numpy as np

from tests.broken.base import Patched


class LbfgsSecondLoopNewestFirst(Patched):
    """The two-loop recursion's second loop runs newest pair first, like the first loop
    (the correction is applied in the wrong order once two pairs are kept)."""

    patches = {"torch.optim.LBFGS": "LBFGS"}

    @cached_property
    def LBFGS(self) -> type:  # noqa: N802 - the class's own name
        class LBFGS(self.ref.optim.LBFGS):
            @staticmethod
            def _direction(m: dict[str, Any], g: np.ndarray, history_size: int) -> np.ndarray:
                dirs, stps, ro = m["old_dirs"], m["old_stps"], m["ro"]
                al = m.setdefault("al", [None] * history_size)
                q = -g
                for i in range(len(dirs) - 1, -1, -1):
                    al[i] = np.dot(stps[i], q) * ro[i]
                    q = q + (-al[i]) * dirs[i]
                r = q * m["H_diag"]
                for i in range(len(dirs) - 1, -1, -1):
                    r = r + (al[i] - np.dot(dirs[i], r) * ro[i]) * stps[i]
                return r

        return LBFGS


class LbfgsHistoryOneTooLong(Patched):
    """The oldest pair is dropped only once the history exceeds history_size (``>`` for
    ``==``): one pair too many is kept."""

    patches = {"torch.optim.LBFGS": "LBFGS"}

    @cached_property
    def LBFGS(self) -> type:  # noqa: N802
        class LBFGS(self.ref.optim.LBFGS):
            @staticmethod
            def _remember(m: dict[str, Any], y: np.ndarray, s: np.ndarray, size: int) -> None:
                ys = np.dot(y, s)
                if ys > 1e-10:
                    if len(m["old_dirs"]) > size:
                        del m["old_dirs"][0], m["old_stps"][0], m["ro"][0]
                    m["old_dirs"].append(y)
                    m["old_stps"].append(s)
                    m["ro"].append(1.0 / ys)
                    m["H_diag"] = ys / np.dot(y, y)
                    if len(m.get("al") or ()) < len(m["old_dirs"]):
                        m["al"] = [*m.get("al", []), None]

        return LBFGS


class LbfgsLineSearchWithoutCurvature(Patched):
    """The strong-Wolfe search accepts the first point of sufficient decrease: the curvature
    condition |g'd| <= c2 |g.d| is never tested (Armijo only)."""

    patches = {"torch.optim.LBFGS": "LBFGS"}

    @cached_property
    def LBFGS(self) -> type:  # noqa: N802
        base = self.ref.optim.LBFGS

        class LBFGS(base):
            @staticmethod
            def _line_search(*args: Any) -> Any:
                return base._line_search(*args, c2=math.inf)

        return LBFGS


class LbfgsMaxEvalDefaultIsMaxIter(Patched):
    """max_eval defaults to max_iter instead of max_iter * 5 // 4."""

    patches = {"torch.optim.LBFGS": "LBFGS"}

    @cached_property
    def LBFGS(self) -> type:  # noqa: N802
        class LBFGS(self.ref.optim.LBFGS):
            def __init__(self, params: Any, lr: Any = 1, max_iter: int = 20, max_eval: Any = None,
                         **options: Any) -> None:  # fmt: skip
                max_eval = max_iter if max_eval is None else max_eval
                super().__init__(params, lr, max_iter, max_eval, **options)

        return LBFGS


CAUGHT = {
    "LbfgsSecondLoopNewestFirst": (["torch.optim.LBFGS"], "torch.optim.LBFGS"),
    "LbfgsHistoryOneTooLong": (["torch.optim.LBFGS"], "torch.optim.LBFGS"),
    "LbfgsLineSearchWithoutCurvature": (["torch.optim.LBFGS"], "torch.optim.LBFGS"),
    "LbfgsMaxEvalDefaultIsMaxIter": (["torch.optim.LBFGS"], "torch.optim.LBFGS"),
}
