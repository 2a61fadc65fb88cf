"""``torch.linalg``: norms (``vector_norm``, ``matrix_norm``, ``norm``) and ``svdvals``."""

from __future__ import annotations

from ._linalg import LinAlgError, matrix_norm, norm, svdvals, vector_norm

__all__ = ["LinAlgError", "vector_norm", "matrix_norm", "norm", "svdvals"]
