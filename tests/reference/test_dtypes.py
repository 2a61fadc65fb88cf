"""dtype objects, promotion tables, default dtype, finfo/iinfo against torch."""

from __future__ import annotations

import itertools

import pytest

import reference
from spec.dtypes import ALL as DTYPE_NAMES

torch = pytest.importorskip("torch")

NAMES = list(DTYPE_NAMES)
ALIASES = {
    "half": "float16",
    "float": "float32",
    "double": "float64",
    "cfloat": "complex64",
    "cdouble": "complex128",
    "short": "int16",
    "int": "int32",
    "long": "int64",
}


@pytest.mark.parametrize("name", NAMES)
def test_dtype_attributes(name):
    r, t = getattr(reference, name), getattr(torch, name)
    assert isinstance(r, reference.dtype)
    assert repr(r) == repr(t) == str(r)
    for attr in ("is_floating_point", "is_complex", "is_signed", "itemsize"):
        assert getattr(r, attr) == getattr(t, attr), attr


@pytest.mark.parametrize("alias,name", ALIASES.items())
def test_aliases(alias, name):
    assert getattr(reference, alias) is getattr(reference, name)


def test_dtype_not_constructible():
    with pytest.raises(TypeError, match="cannot create 'torch.dtype' instances"):
        reference.dtype()


def test_promote_types_and_can_cast_tables():
    for a, b in itertools.product(NAMES, repeat=2):
        ra, rb = getattr(reference, a), getattr(reference, b)
        ta, tb = getattr(torch, a), getattr(torch, b)
        assert repr(reference.promote_types(ra, rb)) == repr(torch.promote_types(ta, tb)), (a, b)
        assert reference.can_cast(ra, rb) == torch.can_cast(ta, tb), (a, b)


SCALARS = [True, 3, -2, 2.5, 1j]


def test_result_type_combinations():
    for a, b in itertools.product(NAMES, repeat=2):
        if "complex" in a + b and ("float16" in a + b):
            continue  # torch gives complex32, which the reference does not have
        for shape_a, shape_b in [((2,), (2,)), ((2,), ()), ((), (2,)), ((), ())]:
            ra = reference.zeros(shape_a, dtype=getattr(reference, a))
            rb = reference.zeros(shape_b, dtype=getattr(reference, b))
            ta = torch.zeros(shape_a, dtype=getattr(torch, a))
            tb = torch.zeros(shape_b, dtype=getattr(torch, b))
            assert repr(reference.result_type(ra, rb)) == repr(torch.result_type(ta, tb)), (
                a,
                b,
                shape_a,
                shape_b,
            )
    for a, s in itertools.product(NAMES, SCALARS):
        if a in ("float16", "bfloat16") and isinstance(s, complex):
            continue
        r = reference.result_type(reference.zeros(2, dtype=getattr(reference, a)), s)
        assert repr(r) == repr(torch.result_type(torch.zeros(2, dtype=getattr(torch, a)), s))


def test_default_dtype_roundtrip():
    assert reference.get_default_dtype() is reference.float32
    try:
        reference.set_default_dtype(reference.float64)
        assert reference.tensor([1.5]).dtype is reference.float64
        assert reference.tensor([1j]).dtype is reference.complex128
        assert reference.arange(0, 1, 0.5).dtype is reference.float64
    finally:
        reference.set_default_dtype(reference.float32)
    with pytest.raises(TypeError, match="only floating-point types are supported"):
        reference.set_default_dtype(reference.int32)


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
def test_finfo(name):
    r, t = reference.finfo(getattr(reference, name)), torch.finfo(getattr(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(r, attr) == getattr(t, attr), attr
    assert repr(r) == repr(t)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo(name):
    r, t = reference.iinfo(getattr(reference, name)), torch.iinfo(getattr(torch, name))
    assert (r.bits, r.min, r.max) == (t.bits, t.min, t.max)
    assert repr(r) == repr(t)


def test_info_errors(same):
    same(lambda m: m.iinfo(m.float32))
    same(lambda m: m.finfo(m.int32))
