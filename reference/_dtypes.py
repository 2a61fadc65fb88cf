"""torch.dtype objects, their numpy counterparts, the default dtype and type promotion."""

from __future__ import annotations

import ml_dtypes
import numpy as np

__all__ = [
    "dtype",
    "float16",
    "half",
    "bfloat16",
    "float32",
    "float",
    "float64",
    "double",
    "complex64",
    "cfloat",
    "complex128",
    "cdouble",
    "uint8",
    "int8",
    "int16",
    "short",
    "int32",
    "int",
    "int64",
    "long",
    "bool",
    "uint16",
    "uint32",
    "uint64",
    "float8_e4m3fn",
    "float8_e5m2",
    "complex32",
    "chalf",
    "get_default_dtype",
    "set_default_dtype",
    "promote_types",
    "can_cast",
    "finfo",
    "iinfo",
]

_builtin_bool, _builtin_float, _builtin_int = bool, float, int


class dtype:  # noqa: N801 - torch spelling
    """A tensor element type (``torch.dtype``); the twelve instances are module constants."""

    __slots__ = ("_name", "_np", "_scalar_name", "_kind", "_rank", "_legacy")

    def __new__(cls, *args, **kwargs):
        raise TypeError("cannot create 'torch.dtype' instances")

    @classmethod
    def _make(cls, name: str, np_dtype, scalar_name: str, kind: str, rank: int, legacy: str):
        self = object.__new__(cls)
        for k, v in (
            ("_name", name),
            ("_np", np.dtype(np_dtype)),
            ("_scalar_name", scalar_name),
            ("_kind", kind),
            ("_rank", rank),
            ("_legacy", legacy),
        ):
            object.__setattr__(self, k, v)
        return self

    def __setattr__(self, name, value):
        raise AttributeError(f"attribute '{name}' of 'torch.dtype' objects is not writable")

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    __str__ = __repr__

    def __reduce__(self):
        return (_by_name, (self._name,))

    @property
    def is_floating_point(self) -> _builtin_bool:
        return self._kind == "f"

    @property
    def is_complex(self) -> _builtin_bool:
        return self._kind == "c"

    @property
    def is_signed(self) -> _builtin_bool:
        return self._kind in "fc" or self._name.startswith("int")

    @property
    def itemsize(self) -> _builtin_int:
        return self._np.itemsize

    def to_complex(self) -> dtype:
        """The complex dtype with this dtype's precision."""
        return {"float64": complex128, "complex128": complex128}.get(self._name, complex64)

    def to_real(self) -> dtype:
        """The real dtype with this complex dtype's precision."""
        return {"complex64": float32, "complex128": float64}.get(self._name, self)


# kinds: b bool, i integral, f floating, c complex; rank orders dtypes inside a kind
float16 = half = dtype._make("float16", np.float16, "Half", "f", 1, "HalfTensor")
bfloat16 = dtype._make("bfloat16", ml_dtypes.bfloat16, "BFloat16", "f", 1, "BFloat16Tensor")
float32 = float = dtype._make("float32", np.float32, "Float", "f", 2, "FloatTensor")
float64 = double = dtype._make("float64", np.float64, "Double", "f", 3, "DoubleTensor")
complex64 = cfloat = dtype._make(
    "complex64", np.complex64, "ComplexFloat", "c", 2, "ComplexFloatTensor"
)
complex128 = cdouble = dtype._make(
    "complex128", np.complex128, "ComplexDouble", "c", 3, "ComplexDoubleTensor"
)
uint8 = dtype._make("uint8", np.uint8, "Byte", "i", 0, "ByteTensor")
int8 = dtype._make("int8", np.int8, "Char", "i", 0, "CharTensor")
int16 = short = dtype._make("int16", np.int16, "Short", "i", 1, "ShortTensor")
int32 = int = dtype._make("int32", np.int32, "Int", "i", 2, "IntTensor")
int64 = long = dtype._make("int64", np.int64, "Long", "i", 3, "LongTensor")
bool = dtype._make("bool", np.bool_, "Bool", "b", 0, "BoolTensor")  # noqa: A001

# Dtypes PyTorch has beyond the twelve the notes document: named (torch.uint16 is a dtype),
# but the reference does not make tensors of them.
uint16 = dtype._make("uint16", np.uint16, "UInt16", "i", 1, "")
uint32 = dtype._make("uint32", np.uint32, "UInt32", "i", 2, "")
uint64 = dtype._make("uint64", np.uint64, "UInt64", "i", 3, "")
float8_e4m3fn = dtype._make("float8_e4m3fn", ml_dtypes.float8_e4m3fn, "Float8_e4m3fn", "f", 0, "")
float8_e5m2 = dtype._make("float8_e5m2", ml_dtypes.float8_e5m2, "Float8_e5m2", "f", 0, "")
complex32 = chalf = dtype._make(
    "complex32", [("real", np.float16), ("imag", np.float16)], "ComplexHalf", "c", 1, ""
)
EXTRA_DTYPES = (uint16, uint32, uint64, float8_e4m3fn, float8_e5m2, complex32)

ALL_DTYPES = (
    float16,
    bfloat16,
    float32,
    float64,
    complex64,
    complex128,
    uint8,
    int8,
    int16,
    int32,
    int64,
    bool,
)
_BY_NAME = {d._name: d for d in ALL_DTYPES + EXTRA_DTYPES}
_BY_NP = {d._np: d for d in ALL_DTYPES}
_CATEGORY = {"b": 0, "i": 1, "f": 2, "c": 3}


def _by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype | None:
    """The reference dtype for a numpy dtype, or None when torch has no match here."""
    return _BY_NP.get(np_dtype if isinstance(np_dtype, np.dtype) else np.dtype(np_dtype))


def array_kind(np_dtype: np.dtype) -> str:
    """numpy's kind letter of an array dtype, with ``"f"`` for ml_dtypes' floats (bfloat16,
    whose numpy kind is ``"V"``)."""
    kind = np_dtype.kind
    return "f" if kind == "V" and np_dtype in _ML_FLOATS else kind


_ML_FLOATS = frozenset(np.dtype(t) for t in (ml_dtypes.bfloat16, ml_dtypes.float8_e4m3fn,
                                             ml_dtypes.float8_e5m2))


def category(dt: dtype) -> _builtin_int:
    """0 bool, 1 integral, 2 floating, 3 complex."""
    return _CATEGORY[dt._kind]


class _DefaultDtype:
    value: dtype = float32


def get_default_dtype() -> dtype:
    """The dtype of Python floats turned into tensors (float32 unless changed)."""
    return _DefaultDtype.value


def set_default_dtype(d: dtype) -> None:
    """Set the default floating point dtype (a floating dtype only, as torch)."""
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _DefaultDtype.value = d


def get_default_complex_dtype() -> dtype:
    """complex128 when the default dtype is float64, else complex64."""
    return complex128 if _DefaultDtype.value is float64 else complex64


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype both can be converted to, following torch's promotion table."""
    if type1 is type2:
        return type1
    c1, c2 = category(type1), category(type2)
    if c1 != c2:
        lo, hi = (type1, type2) if c1 < c2 else (type2, type1)
        if hi.is_complex and lo is float64:
            return complex128
        return hi
    if type1.is_floating_point and {type1, type2} == {float16, bfloat16}:
        return float32
    if type1._kind == "i" and {type1, type2} == {uint8, int8}:
        return int16
    return type1 if type1._rank >= type2._rank else type2


def can_cast(from_: dtype, to: dtype) -> _builtin_bool:
    """torch's casting rule: no complex->real, floating->integral or non-bool->bool."""
    cf, ct = category(from_), category(to)
    return not (cf > ct and (ct < 2 or cf == 3)) and not (ct == 0 and cf != 0)


class finfo:  # noqa: N801
    """Machine limits of a floating dtype (``torch.finfo``)."""

    def __init__(self, type: dtype | None = None) -> None:  # noqa: A002
        type = get_default_dtype() if type is None else type  # noqa: A001
        if not (type.is_floating_point or type.is_complex):
            raise TypeError(
                "torch.finfo() requires a floating point input type. "
                "Use torch.iinfo to handle 'torch.finfo'"
            )
        real = type.to_real()
        info = ml_dtypes.finfo(real._np) if real is bfloat16 else np.finfo(real._np)
        self.bits = info.bits
        self.eps = _builtin_float(info.eps)
        self.max = _builtin_float(info.max)
        self.min = _builtin_float(info.min)
        self.tiny = self.smallest_normal = _builtin_float(info.smallest_normal)
        self.resolution = 10.0 ** -_builtin_int(np.floor(-np.log10(self.eps)))
        self.dtype = real._name

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
            f"tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:  # noqa: N801
    """Machine limits of an integral dtype (``torch.iinfo``)."""

    def __init__(self, type: dtype) -> None:  # noqa: A002
        if type._kind == "b":
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if type._kind != "i":
            raise TypeError(
                "torch.iinfo() requires an integer input type. "
                "Use torch.finfo to handle 'torch.iinfo'"
            )
        info = np.iinfo(type._np)
        self.bits = info.bits
        self.max = _builtin_int(info.max)
        self.min = _builtin_int(info.min)
        self.dtype = type._name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


#: The C++ type names torch's messages use (``float``, ``long int``, ``c10::Half``).
CPP_TYPE_NAMES = {
    "uint8": "unsigned char",
    "int8": "signed char",
    "int16": "short int",
    "int32": "int",
    "int64": "long int",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "float32": "float",
    "float64": "double",
    "bool": "bool",
    "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}


def c_name(dt: dtype) -> str:
    """The C++ type name torch's messages give ``dt`` (``float``, ``long int``)."""
    return CPP_TYPE_NAMES[dt._name]
