"""torch.device / layout / memory_format and the cuda error path."""

from __future__ import annotations

import pytest

import reference

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(
    "args", [("cpu",), ("cuda",), ("cuda", 0), ("cuda:1",), ("cpu", 0), ("meta",), ("mps",)]
)
def test_device_construction(same, args):
    r, t = same(lambda m: m.device(*args))
    assert str(r) == str(t)
    assert (r.type, r.index) == (t.type, t.index)


@pytest.mark.parametrize(
    "args",
    [
        ("foo",),
        ("cuda:x",),
        ("CPU",),
        (" cpu",),
        ("cuda:01",),
        ("cuda:-1",),
        ("cuda:1:2",),
        ("",),
        ("foo:1",),
        ("cuda:",),
        ("cuda", -1),
        ("cuda:1", 0),
        ("cuda", "x"),
        (0,),
    ],
)
def test_device_errors(same, args):
    same(lambda m: m.device(*args))


def test_device_eq_hash():
    d = reference.device
    assert d("cuda", 1) == d("cuda:1") and hash(d("cuda", 1)) == hash(d("cuda:1"))
    assert d("cpu") != d("cpu", 0)
    assert d("cpu") != "cpu"
    assert d(d("cuda:2")) == d(type="cuda", index=2)
    assert len({d("cpu"), d("cpu"), d("cuda")}) == 2


def test_layout_and_memory_format():
    assert repr(reference.strided) == repr(torch.strided)
    assert repr(reference.sparse_coo) == repr(torch.sparse_coo)
    assert isinstance(reference.strided, reference.layout)
    assert reference.zeros(2).layout is reference.strided
    for name in ("contiguous_format", "preserve_format", "channels_last", "channels_last_3d"):
        assert repr(getattr(reference, name)) == repr(getattr(torch, name))
        assert isinstance(getattr(reference, name), reference.memory_format)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.zeros(1, device="cuda"),
        lambda m: m.zeros(1, device="cuda:0"),
        lambda m: m.tensor([1.0], device=m.device("cuda")),
        lambda m: m.zeros(1).to("cuda"),
        lambda m: m.zeros(1).cuda(),
        lambda m: m.arange(3, device="cuda"),
    ],
)
def test_cuda_unavailable(same, fn):
    same(fn)


def test_tensor_device_attributes():
    x = reference.zeros(2)
    assert x.device == reference.device("cpu") and x.device.type == "cpu"
    assert x.is_cpu and not x.is_cuda
    assert x.cpu() is x
