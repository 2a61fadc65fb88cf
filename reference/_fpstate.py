"""numpy's floating-point error state for array kernels: ``with quiet():`` is ``with
np.errstate(all="ignore"):`` (torch's kernels never warn about overflow, division by zero or
invalid values) at a quarter of its cost, which matters on small tensors."""

from __future__ import annotations

import numpy as np

try:  # numpy 2 keeps the state in a context variable, set here directly
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj
except ImportError:  # pragma: no cover - numpy 1.x
    _extobj_contextvar = _make_extobj = None

__all__ = ["quiet"]


class _Quiet:
    """Every floating-point error ignored inside the ``with`` block (nestable)."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _extobj_contextvar.set(_IGNORE)

    def __exit__(self, *exc_info) -> None:
        _extobj_contextvar.reset(self._token)


if _extobj_contextvar is not None:
    _IGNORE = _make_extobj(all="ignore")
    quiet = _Quiet
else:  # pragma: no cover - numpy 1.x

    def quiet() -> np.errstate:
        """``np.errstate(all="ignore")``."""
        return np.errstate(all="ignore")
