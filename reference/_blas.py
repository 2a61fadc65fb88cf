"""Matrix products on Intel MKL, the BLAS that torch's CPU build multiplies with.

numpy bundles OpenBLAS, whose float32 kernels take 10-15% longer than MKL's on the products
torch's ``mm`` and ``linear`` run (docs/speed.md). When the ``mkl`` wheel is installed (a
dependency on x86-64), :func:`matmul` hands float and complex numpy products above a small
size to its ``cblas_?gemm_batch_strided`` (operands it cannot read as they lie are copied first);
everything else (cupy arrays, integers, half types, vectors, small products) goes to
``xp.matmul``, and so does everything when the environment sets ``TORCHCONFORM_BLAS=numpy``.
Either way it is a BLAS product: results may differ from the other in the last bits, as
torch's own do from one CPU to the next."""

from __future__ import annotations

import ctypes
import functools
import importlib.metadata
import math
import os
from typing import Any

import numpy as np

ENV = "TORCHCONFORM_BLAS"
CHOICES = ("mkl", "numpy")
#: below this many multiply-adds per matrix, or in all, numpy's product is as fast: a call
#: here costs about 8 us more, and MKL's kernels save about a tenth of the arithmetic
MIN_WORK, MIN_TOTAL = 1 << 17, 1 << 22
#: MKL_INT is 32-bit in the LP64 interface selected at load
_MAX_DIM = 2**31 - 1
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
_LP64, _THREADING_INTEL, _THREADING_SEQUENTIAL = 0, 0, 1
#: numpy dtype -> cblas routine (a stack of products with one step between matrices, one
#: product a stack of one); complex routines take alpha and beta by address
_ROUTINES = {
    np.dtype(np.float32): ("cblas_sgemm_batch_strided", ctypes.c_float),
    np.dtype(np.float64): ("cblas_dgemm_batch_strided", ctypes.c_double),
    np.dtype(np.complex64): ("cblas_cgemm_batch_strided", ctypes.c_void_p),
    np.dtype(np.complex128): ("cblas_zgemm_batch_strided", ctypes.c_void_p),
}


def _library_path(distribution: str, prefix: str | tuple[str, ...]) -> str | None:
    """The installed shared library of ``distribution`` whose name starts with ``prefix``."""
    try:
        files = importlib.metadata.distribution(distribution).files or ()
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name.startswith(prefix) and (".so" in file.name or file.name.endswith(".dll")):
            return str(file.locate())
    return None


@functools.cache
def _mkl() -> ctypes.CDLL | None:
    """MKL's single dynamic library, set to the LP64 interface, or None."""
    choice = os.environ.get(ENV, "mkl")
    if choice not in CHOICES:
        raise ValueError(f"{ENV}={choice!r}: expected one of {', '.join(CHOICES)}")
    if choice == "numpy":
        return None
    path = _library_path("mkl", ("libmkl_rt", "mkl_rt"))  # Linux, Windows
    if path is None:
        return None
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return None
    lib.MKL_Set_Interface_Layer(_LP64)
    if "MKL_THREADING_LAYER" not in os.environ:  # MKL's OpenMP runtime comes with the wheel
        openmp = _library_path("intel-openmp", "libiomp5")
        lib.MKL_Set_Threading_Layer(_THREADING_INTEL if openmp else _THREADING_SEQUENTIAL)
    for routine, scalar in _ROUTINES.values():
        gemm = getattr(lib, routine)
        gemm.restype = None
        # address, leading dimension and step to the next matrix of each operand; how many
        matrices = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        gemm.argtypes = [ctypes.c_int] * 6 + [scalar, *matrices, *matrices, scalar, *matrices]
        gemm.argtypes += [ctypes.c_int]
    return lib


def active() -> bool:
    """Whether products go to MKL."""
    return _mkl() is not None


def describe() -> str:
    """Which library computes the products, for reports: ``MKL 2026.2.1`` or ``numpy``."""
    return f"MKL {importlib.metadata.version('mkl')}" if active() else "numpy"


def _operand(x: np.ndarray) -> tuple[np.ndarray, int, int]:
    """``x`` (batch of matrices) with how BLAS reads each matrix: (array, trans, ld)."""
    rows, cols = x.shape[-2:]
    size = x.itemsize
    row_step = x.strides[-2] if rows > 1 else cols * size
    col_step = x.strides[-1] if cols > 1 else size
    if x.flags.aligned:
        if col_step == size and row_step % size == 0 and row_step // size >= max(1, cols):
            return x, _NO_TRANS, row_step // size
        if row_step == size and col_step % size == 0 and col_step // size >= max(1, rows):
            return x, _TRANS, col_step // size
    x = np.ascontiguousarray(x)
    return x, _NO_TRANS, max(1, cols)


def _stack(x: np.ndarray) -> tuple[np.ndarray, int] | None:
    """``x`` (batch + matrix) as one stack of matrices and the step between them in
    elements, a view; None when its batch dims do not fold into one step."""
    flat = x.view()
    try:
        flat.shape = (-1, *x.shape[-2:])
    except AttributeError:  # folding would need a copy
        return None
    step = flat.strides[0] if len(flat) > 1 else 0
    if step % x.itemsize or not 0 <= step // x.itemsize <= _MAX_DIM:
        return None
    return flat, step // x.itemsize


def _fits(a: Any, b: Any) -> bool:
    """Whether MKL should compute ``a @ b``."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray or a.dtype != b.dtype:
        return False
    if a.dtype not in _ROUTINES or a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-2]:
        return False
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    work = m * n * k
    if work < MIN_WORK or max(m, n, k) > _MAX_DIM:
        return False
    if a.ndim > 2 or b.ndim > 2:
        work *= math.prod(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
    return work >= MIN_TOTAL and active()


def matmul(xp: Any, a: Any, b: Any) -> Any:
    """``xp.matmul(a, b)``, on MKL where it fits (see the module's docstring)."""
    if not _fits(a, b):
        return xp.matmul(a, b)
    batch = () if a.ndim == b.ndim == 2 else tuple(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
    (a, trans_a, lda), (b, trans_b, ldb) = (
        _operand(np.broadcast_to(x, batch + x.shape[-2:]) if batch else x) for x in (a, b)
    )
    stacks = _stack(a), _stack(b)
    if stacks[0] is None or stacks[1] is None:  # batch dims that do not fold: rare
        return xp.matmul(a, b)
    (a, step_a), (b, step_b) = stacks
    if max(lda, ldb) > _MAX_DIM:  # rows further apart than a 32-bit MKL_INT says
        return xp.matmul(a, b).reshape(batch + (a.shape[-2], b.shape[-1]))
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    out = np.empty((len(a), m, n), a.dtype)
    routine, scalar = _ROUTINES[a.dtype]
    if scalar is ctypes.c_void_p:
        scalars = np.array([1, 0], a.dtype)
        alpha, beta = scalars.ctypes.data, scalars.ctypes.data + a.itemsize
    else:
        alpha, beta = 1.0, 0.0
    if len(out) and len(out) <= _MAX_DIM and m * n <= _MAX_DIM:
        getattr(_mkl(), routine)(
            _ROW_MAJOR, trans_a, trans_b, m, n, k, alpha,
            a.ctypes.data, lda, step_a, b.ctypes.data, ldb, step_b,
            beta, out.ctypes.data, max(1, n), m * n, len(out),
        )  # fmt: skip
    elif len(out):
        return xp.matmul(a, b).reshape(batch + (m, n))
    return out.reshape(batch + (m, n))
