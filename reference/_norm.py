"""``torch.norm`` (deprecated): dispatches to ``linalg.vector_norm`` / ``matrix_norm``."""

from __future__ import annotations

import numbers

from ._conversion import write_out
from ._dtypes import dtype
from ._linalg import matrix_norm, vector_norm
from ._reductions import expect_out_dtype
from ._tensor import Tensor

__all__ = ["norm"]


def norm(
    input: Tensor,  # noqa: A002
    p="fro",
    dim=None,
    keepdim: bool = False,
    out: Tensor | None = None,
    dtype: dtype | None = None,
) -> Tensor:
    """``torch.norm``: dispatches to ``linalg.vector_norm`` / ``linalg.matrix_norm``."""
    _dim = None
    if dim is not None:
        _dim = [dim] if isinstance(dim, numbers.Integral) else list(dim)
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, numbers.Integral) or len(dim) <= 2):
            result = vector_norm(input, 2, _dim, keepdim, dtype=dtype)
        else:
            if _dim is None:
                _dim = list(range(input.ndim))
            result = matrix_norm(input, p, _dim, keepdim, dtype=dtype)
    else:
        result = vector_norm(input, 2.0 if p is None else p, _dim, keepdim, dtype=dtype)
    if out is None:
        return result
    expect_out_dtype(out, result._dtype)
    return write_out(out, result, "norm")
