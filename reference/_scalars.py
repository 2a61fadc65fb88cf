"""Converting Python scalars to array scalars of a dtype, with torch's overflow checks."""

from __future__ import annotations

import math
import numbers

import numpy as np

from . import _dtypes
from ._dtypes import dtype

# c10 type names used in "value cannot be converted to type X without overflow"
_C10_NAMES = {
    "uint8": "uint8_t",
    "int8": "int8_t",
    "int16": "int16_t",
    "int32": "int",
    "int64": "int64_t",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "float32": "float",
    "float64": "double",
    "bool": "bool",
    "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}


def _overflow(dt: dtype, c10_names: bool) -> RuntimeError:
    name = _C10_NAMES[dt._name] if c10_names else dt._name
    return RuntimeError(f"value cannot be converted to type {name} without overflow")


def _int_in_range(v: int, dt: dtype) -> bool:
    info = np.iinfo(dt._np)
    if dt is _dtypes.uint8:  # c10 lets negative values wrap for uint8
        return -int(info.max) <= v <= int(info.max)
    return int(info.min) <= v <= int(info.max)


def _float_in_range(v: float, dt: dtype) -> bool:
    """c10's check of a double for an integer dtype: the value itself, before truncation,
    within the dtype's range (-0.5 overflows uint8, 127.9 int8; NaN and infinities all)."""
    info = np.iinfo(dt._np)
    return float(info.min) <= v <= float(info.max)


def python_scalar(value):
    """A numpy scalar as torch's argument parser reads a ``Scalar``, with no dtype of its own:
    an integer as int, complex128 (a Python complex) as complex, any other numpy number (bool_
    and complex64 too, which loses its imaginary part with numpy's ComplexWarning) as float.
    Anything else is returned as it is."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.generic) and isinstance(value, complex):
        return complex(value)
    if isinstance(value, (np.number, np.bool_)):
        return float(value)
    return value


def checked_scalar(value, dt: dtype, *, check_float: bool = True, c10_names: bool = True):
    """``value`` as a 0-d array of ``dt``; torch's overflow RuntimeError when out of range."""
    if isinstance(value, np.generic):
        value = value.item()
    if dt is _dtypes.bool:
        return np.asarray(bool(value), dtype=np.bool_)
    if dt.is_complex:
        z = complex(value)
        limit = _largest(dt)
        if check_float and any(math.isfinite(v) and abs(v) > limit for v in (z.real, z.imag)):
            raise _overflow(dt, c10_names)
        return np.asarray(z, dtype=dt._np)
    if isinstance(value, complex) and not isinstance(value, numbers.Real):
        if value.imag != 0:
            raise _overflow(dt, c10_names)
        value = value.real
    if dt.is_floating_point:
        v = float(value)
        if check_float and math.isfinite(v) and abs(v) > _largest(dt):
            raise _overflow(dt, c10_names)
        return np.asarray(v, dtype=np.float64).astype(dt._np)
    if isinstance(value, float) and not _float_in_range(value, dt):
        raise _overflow(dt, c10_names)
    v = int(value)
    if isinstance(value, float) and v == 2**63:
        v = -(2**63)  # the check passes double(2**63); x86's conversion gives int64's minimum
    if not _int_in_range(v, dt):
        raise _overflow(dt, c10_names)
    return np.asarray(v, dtype=np.int64).astype(dt._np)


def wrapped_scalar(value, dt: dtype):
    """``value`` as a 0-d array of ``dt`` the way arithmetic casts a Python scalar (wraps)."""
    if isinstance(value, np.generic):
        value = value.item()
    if dt is _dtypes.bool:
        return np.asarray(bool(value))
    if dt.is_complex:
        return np.asarray(complex(value), dtype=dt._np)
    if dt._kind == "f":
        v = value.real if isinstance(value, complex) else float(value)
        if -_largest(dt) <= v <= _largest(dt):  # the cast cannot overflow
            return np.asarray(v, dtype=np.float64).astype(dt._np)
        with np.errstate(over="ignore"):
            return np.asarray(v, dtype=np.float64).astype(dt._np)
    v = int(value)
    if not -(2**63) <= v < 2**63:
        raise RuntimeError("Overflow when unpacking long")
    return np.asarray(v, dtype=np.int64).astype(dt._np)


_LARGEST: dict[dtype, float] = {}


def _largest(dt: dtype) -> float:
    """The largest finite value of a floating dtype."""
    if dt not in _LARGEST:
        _LARGEST[dt] = float(_dtypes.finfo(dt).max)
    return _LARGEST[dt]


def int_argument(value, what: str) -> int:
    """An int parameter as torch's argument parser takes it: an integer (not a bool) or a 0-dim
    integer tensor (a value with a reference dtype). ``what`` names it in the TypeError:
    ``"topk(): argument 'k' (position 2)"``."""
    tensor_dtype = getattr(value, "dtype", None)
    if isinstance(tensor_dtype, dtype) and value.ndim == 0 and tensor_dtype._kind == "i":
        return int(value.item())
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{what} must be int, not {type(value).__name__}")
    return int(value)
