"""reference.save / reference.load against torch.save / torch.load (the zip format)."""

from __future__ import annotations

import collections
import io
import math
import os
import pathlib
import pickle
import re
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import reference
from reference._serialization import archive

torch = pytest.importorskip("torch")

DTYPES = [
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "complex64",
    "complex128",
]


class Holder:
    """A plain Python object with a tensor inside (needs ``weights_only=False``)."""

    def __init__(self, tensor, note: str) -> None:
        self.tensor, self.note = tensor, note


class Payload:
    """Unpickles to ``os.system(command)``: must never run under ``weights_only``."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


# ----- helpers ----------------------------------------------------------------------------
def values(name: str) -> list:
    """2x3 values exercising the dtype (specials for floating dtypes)."""
    if name == "bool":
        return [[True, False, True], [False, False, True]]
    if name == "uint8":
        return [[0, 1, 254], [127, 128, 5]]
    if name.startswith("int"):
        return [[0, 1, -2], [127, -128, 5]]
    floats = [[0.0, 1.5, -2.0], [math.inf, math.nan, -0.0]]
    if name.startswith("complex"):
        return [[complex(a, -b) for a, b in zip(row, row[::-1], strict=True)] for row in floats]
    return floats


def make(m, name: str):
    return m.tensor(values(name), dtype=getattr(m, name))


def raw_bytes(t) -> bytes:
    """Bit pattern of a reference or torch tensor's values (row-major)."""
    if isinstance(t, reference.Tensor):
        return np.ascontiguousarray(t._data).tobytes()
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def storage_id(t):
    if isinstance(t, reference.Tensor):
        return t._storage_ptr
    return t.untyped_storage().data_ptr()


def assert_same(r, t, path: str = "") -> None:
    """A reference object equals its torch counterpart (tensors: dtype, geometry, bits)."""
    if isinstance(t, torch.Tensor):
        assert isinstance(r, reference.Tensor), path
        assert repr(r.dtype) == repr(t.dtype), path
        assert tuple(r.shape) == tuple(t.shape), path
        assert r.stride() == t.stride(), path
        assert r.storage_offset() == t.storage_offset(), path
        assert r.requires_grad == t.requires_grad, path
        assert raw_bytes(r) == raw_bytes(t), path
    elif isinstance(t, dict):
        assert type(r) is type(t), path
        assert list(r) == list(t), path
        assert getattr(r, "__dict__", {}).keys() == getattr(t, "__dict__", {}).keys(), path
        for k in t:
            assert_same(r[k], t[k], f"{path}[{k!r}]")
        for k, v in getattr(t, "__dict__", {}).items():
            assert_same(getattr(r, k), v, f"{path}.{k}")
    elif isinstance(t, (list, tuple)) and not isinstance(t, torch.Size):
        assert type(r) is type(t) and len(r) == len(t), path
        for i, (a, b) in enumerate(zip(r, t, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(t, (torch.dtype, torch.Size, torch.device, torch.layout)):
        assert repr(r) == repr(t), path
    elif isinstance(t, float) and math.isnan(t):
        assert math.isnan(r), path
    else:
        assert type(r) is type(t) and r == t, path


def both_ways(tmp_path, build):
    """``build(module)`` saved by each library and loaded by the other."""
    r_obj, t_obj = build(reference), build(torch)
    reference.save(r_obj, tmp_path / "r.pt")
    torch.save(t_obj, tmp_path / "t.pt")
    from_reference = torch.load(tmp_path / "r.pt", weights_only=True)
    from_torch = reference.load(tmp_path / "t.pt")
    assert_same(from_torch, t_obj)
    assert_same(r_obj, from_reference)
    return from_torch, from_reference


def zip_bytes(entries: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def records(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def torch_bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def load_both(data: bytes, **kwargs):
    """``load`` of the same bytes by each library: results or (class, message) of errors."""
    out = []
    for m in (reference, torch):
        try:
            out.append(("ok", m.load(io.BytesIO(data), **kwargs)))
        except Exception as e:  # noqa: BLE001 - compared below
            out.append(("err", type(e), str(e)))
    return out


def same_error(data: bytes, **kwargs) -> tuple:
    """Both libraries raise the same class and message (torch's C++ location left out)."""
    r, t = load_both(data, **kwargs)
    assert t[0] == "err" and r[0] == "err", (r, t)
    assert r[1:] == (t[1], re.sub(r"^\[enforce fail at [^\]]*\] \. ", "", t[2]))
    return r[1:]


# ----- tensors of every dtype -------------------------------------------------------------
@pytest.mark.parametrize("name", DTYPES)
def test_every_dtype_both_ways(tmp_path, name):
    def build(m):
        x = make(m, name)
        return {
            "x": x,
            "t": x.t(),
            "row": x[1],
            "scalar": m.tensor(values(name)[0][1], dtype=getattr(m, name)),
            "empty": m.zeros(0, 3, dtype=getattr(m, name)),
        }

    from_torch, from_reference = both_ways(tmp_path, build)
    for loaded in (from_torch, from_reference):
        assert storage_id(loaded["x"]) == storage_id(loaded["t"]) == storage_id(loaded["row"])
    assert from_reference["row"].untyped_storage().nbytes() == 6 * make(torch, name).itemsize


def test_views_share_one_storage(tmp_path):
    def build(m):
        base = m.arange(24.0).reshape(2, 3, 4)
        return [
            base.transpose(0, 2),
            base[1],
            base.narrow(2, 1, 2),
            base[:, 1:, ::2],
            base.select(1, 2).unsqueeze(0).expand(3, 2, 4),
            base.as_strided((2, 2), (5, 7), 3),
            base.flatten()[7:7],
        ]

    from_torch, from_reference = both_ways(tmp_path, build)
    for loaded in (from_torch, from_reference):
        assert len({storage_id(v) for v in loaded}) == 1
    assert from_reference[0].untyped_storage().nbytes() == 24 * 4
    for loaded in (from_torch, from_reference):
        loaded[1][0, 1] = -7.0  # base[1, 0, 1] is (transposed) [1, 0, 1] of view 0
        assert loaded[0][1, 0, 1].item() == -7.0
        assert loaded[2][1, 0, 0].item() == -7.0


def test_same_tensor_twice_stays_one_object(tmp_path):
    def build(m):
        x = m.ones(3)
        return {"a": x, "b": x, "pair": [x, x]}

    from_torch, from_reference = both_ways(tmp_path, build)
    for loaded in (from_torch, from_reference):
        assert loaded["a"] is loaded["b"] is loaded["pair"][1]


def test_requires_grad_and_parameters(tmp_path):
    leaf = reference.ones(2, requires_grad=True)
    obj = {"leaf": leaf, "result": leaf * 2, "plain": reference.ones(2)}
    reference.save(obj, tmp_path / "r.pt")
    loaded = torch.load(tmp_path / "r.pt", weights_only=True)
    assert [v.requires_grad for v in loaded.values()] == [True, True, False]
    assert all(v.is_leaf for v in loaded.values())

    frozen = torch.nn.Parameter(torch.ones(2), requires_grad=False)
    torch.save({"p": torch.nn.Parameter(torch.zeros(3)), "frozen": frozen}, tmp_path / "t.pt")
    back = reference.load(tmp_path / "t.pt")
    assert back["p"].requires_grad and back["p"].is_leaf
    assert not back["frozen"].requires_grad
    assert back["p"].tolist() == [0.0, 0.0, 0.0]


# ----- containers -------------------------------------------------------------------------
def test_state_dict_with_metadata(tmp_path):
    linear = torch.nn.Linear(3, 2)
    torch.save(linear.state_dict(), tmp_path / "t.pt")
    sd = reference.load(tmp_path / "t.pt")
    assert type(sd) is collections.OrderedDict
    assert sd._metadata == linear.state_dict()._metadata
    assert_same(sd, linear.state_dict())

    reference.save(sd, tmp_path / "r.pt")
    again = torch.load(tmp_path / "r.pt", weights_only=True)
    assert again._metadata == sd._metadata
    fresh = torch.nn.Linear(3, 2)
    fresh.load_state_dict(again)
    assert torch.equal(fresh.weight, linear.weight)


def test_nested_containers_and_scalars(tmp_path):
    def build(m):
        shared = [1, 2]
        return {
            "memo": [[i] for i in range(300)],  # memo indices past 255: LONG_BINPUT/GET
            "ints": [0, 255, 256, 65535, 65536, -1, 2**31 - 1, -(2**31), 2**40, -(2**70)],
            "floats": (1.5, -0.0, math.inf, math.nan, 1e-300),
            "text": ["", "x", "ünïcødé ✓", "a\nb"],
            "misc": (None, True, False, 1 + 2j, b"\x00\xff", bytearray(b"ab"), {3, 4}),
            "deep": {"a": [{"b": (m.tensor([1, 2]),)}], 1: "int key"},
            "long": list(range(2500)),
            "tuple4": (1, 2, 3, 4),
            "shared": (shared, shared),
            "size": m.Size([2, 3]),
            "dtypes": [getattr(m, name) for name in DTYPES],
            "devices": [m.device("cpu"), m.device("cuda", 1), m.device("cuda")],
            "layout": m.strided,
            "counter": collections.Counter(a=2),
        }

    from_torch, from_reference = both_ways(tmp_path, build)
    for loaded in (from_torch, from_reference):
        assert loaded["shared"][0] is loaded["shared"][1]
    assert from_torch["dtypes"][7] is reference.bfloat16


def test_empty_bytes(tmp_path):
    """torch pickles b"" as ``builtins.bytes()``, which its own weights-only load refuses."""
    reference.save(b"", tmp_path / "r.pt")
    assert torch.load(tmp_path / "r.pt", weights_only=True) == b""
    same_error(torch_bytes(b""))


@pytest.mark.parametrize("kind", ["str", "path", "file", "buffer"])
def test_file_kinds(tmp_path, kind):
    obj = {"x": reference.arange(4)}
    path = tmp_path / "weights.pt"
    target = {"str": str(path), "path": path}.get(kind)
    if kind == "file":
        with open(path, "wb") as f:
            reference.save(obj, f)
        with open(path, "rb") as f:
            loaded = reference.load(f)
    elif kind == "buffer":
        buf = io.BytesIO(b"junk")
        buf.seek(4)
        reference.save(obj, buf)
        buf.seek(4)
        loaded = reference.load(buf)
        path.write_bytes(buf.getvalue()[4:])
    else:
        reference.save(obj, target)
        loaded = reference.load(target)
    assert loaded["x"].tolist() == [0, 1, 2, 3]
    assert torch.load(path, weights_only=True)["x"].tolist() == [0, 1, 2, 3]
    torch.save({"x": torch.arange(4)}, tmp_path / "torch.pt")
    ours = zipfile.ZipFile(path).namelist()
    theirs = zipfile.ZipFile(tmp_path / "torch.pt").namelist()
    prefix = "weights" if kind in ("str", "path") else "archive"
    assert ours == [n.replace("torch/", f"{prefix}/", 1) for n in theirs]


def test_layout_matches_torch_offset_calculation(tmp_path, monkeypatch):
    """Aligned data, data descriptors: torch's mmap offset arithmetic finds every record."""
    from torch.utils.serialization import config

    monkeypatch.setenv("TORCH_SERIALIZATION_DEBUG", "1")
    with config.patch({"load.calculate_storage_offsets": True}):
        _check_aligned_and_loadable(tmp_path)


def _check_aligned_and_loadable(tmp_path):
    obj = {"a": reference.arange(5.0), "e": reference.zeros(0), "b": reference.ones(70, 3)}
    reference.save(obj, tmp_path / "r.pt")
    data = (tmp_path / "r.pt").read_bytes()
    with zipfile.ZipFile(tmp_path / "r.pt") as z:
        for info in z.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            name_len = len(info.filename.encode())
            extra_len = int.from_bytes(
                data[info.header_offset + 28 : info.header_offset + 30], "little"
            )
            assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0
    loaded = torch.load(tmp_path / "r.pt", mmap=True, weights_only=True)
    assert loaded["b"].shape == (70, 3) and loaded["a"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_disable_byteorder_record(tmp_path):
    reference.save(reference.ones(2), tmp_path / "r.pt", _disable_byteorder_record=True)
    assert "r/byteorder" not in zipfile.ZipFile(tmp_path / "r.pt").namelist()
    assert torch.load(tmp_path / "r.pt").tolist() == [1.0, 1.0]


def test_zip64_records(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "ZIP64_LIMIT", 0)
    reference.save({"a": reference.arange(5), "e": reference.zeros(0)}, tmp_path / "r.pt")
    assert torch.load(tmp_path / "r.pt")["a"].tolist() == [0, 1, 2, 3, 4]
    assert reference.load(tmp_path / "r.pt")["a"].tolist() == [0, 1, 2, 3, 4]


# ----- reading what torch and others write ------------------------------------------------
def test_zero_crcs(tmp_path):
    torch.serialization.set_crc32_options(False)
    try:
        torch.save({"x": torch.arange(6.0)}, tmp_path / "t.pt")
    finally:
        torch.serialization.set_crc32_options(True)
    with zipfile.ZipFile(tmp_path / "t.pt") as z, pytest.raises(zipfile.BadZipFile):
        z.read("t/data/0")
    assert reference.load(tmp_path / "t.pt")["x"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_archives_from_pythons_zipfile(compression):
    data = zip_bytes(records(torch_bytes({"x": torch.arange(6.0)})), compression)
    (r, t) = load_both(data)
    assert r[0] == t[0] == "ok"
    assert r[1]["x"].tolist() == t[1]["x"].tolist()


def test_big_endian_records():
    tensors = {n: make(torch, n) for n in ("int16", "bfloat16", "float32", "complex128")}
    entries = records(torch_bytes(tensors))
    entries["archive/byteorder"] = b"big"
    for key, name in enumerate(tensors):
        width = getattr(torch, name).itemsize // (2 if name.startswith("complex") else 1)
        data = np.frombuffer(entries[f"archive/data/{key}"], f"<u{width}")
        entries[f"archive/data/{key}"] = data.byteswap().tobytes()
    r, t = load_both(zip_bytes(entries))
    assert_same(r[1], t[1])
    assert_same(r[1], tensors)


def test_mmap(tmp_path):
    torch.save({"x": torch.arange(6.0), "y": torch.ones(2, 2)}, tmp_path / "t.pt")
    before = (tmp_path / "t.pt").read_bytes()
    loaded = reference.load(tmp_path / "t.pt", mmap=True)
    loaded["x"][0] = 42.0  # copy-on-write: the file keeps its bytes
    assert loaded["x"].tolist() == [42.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert (tmp_path / "t.pt").read_bytes() == before
    assert same_error(before, mmap=True)[0] is ValueError


# ----- map_location -----------------------------------------------------------------------
@pytest.fixture
def cuda_file(monkeypatch):
    """Bytes of ``torch.save({'x': ...})`` with its storage tagged ``cuda:0``."""
    monkeypatch.setattr(torch.serialization, "location_tag", lambda storage: "cuda:0")
    data = torch_bytes({"x": torch.arange(3.0)})
    monkeypatch.undo()
    return data


def test_cuda_storage_without_cuda_raises_like_torch(cuda_file):
    cls, message = same_error(cuda_file)
    assert cls is RuntimeError and "torch.cuda.is_available() is False" in message
    same_error(cuda_file, map_location={"cuda:1": "cpu"})
    same_error(cuda_file, map_location=lambda storage, location: None)
    same_error(torch_bytes(torch.ones(1)), map_location="cuda:0")
    same_error(torch_bytes(torch.ones(1)), map_location="foo")


@pytest.mark.parametrize(
    "map_location",
    [
        "cpu",
        reference.device("cpu"),
        {"cuda:0": "cpu"},
        lambda storage, location: storage,
        lambda storage, location: storage.cpu(),
    ],
)
def test_map_location_to_cpu(cuda_file, map_location):
    loaded = reference.load(io.BytesIO(cuda_file), map_location=map_location)
    assert loaded["x"].device == reference.device("cpu")
    assert loaded["x"].tolist() == [0.0, 1.0, 2.0]


def test_map_location_function_arguments(cuda_file):
    seen = []
    reference.load(io.BytesIO(cuda_file), map_location=lambda s, loc: seen.append((s, loc)) or s)
    assert [(s.nbytes(), loc) for s, loc in seen] == [(12, "cuda:0")]


# ----- weights_only -----------------------------------------------------------------------
def test_forbidden_global_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "ran"
    reference.save({"w": reference.ones(2), "evil": Payload(f"touch {marker}")}, tmp_path / "r.pt")
    cls, message = same_error((tmp_path / "r.pt").read_bytes())
    assert cls is pickle.UnpicklingError
    assert f"GLOBAL {os.system.__module__}.system" in message
    with pytest.raises(pickle.UnpicklingError, match="whose module .* is blocked"):
        reference.load(tmp_path / "r.pt")
    assert not marker.exists()


def test_unknown_global_is_refused_before_import():
    module = "tc_serialization_never_imported"
    payload = b"\x80\x02c" + module.encode() + b"\nboom\n)R."
    data = zip_bytes({"archive/data.pkl": payload, "archive/version": b"3\n"})
    cls, message = same_error(data)
    assert cls is pickle.UnpicklingError and f"GLOBAL {module}.boom was not an allowed" in message
    assert module not in sys.modules


def test_weights_only_false_is_an_explicit_opt_in(tmp_path):
    torch.save(Holder(torch.arange(3), "t"), tmp_path / "t.pt")
    reference.save(Holder(reference.arange(3), "r"), tmp_path / "r.pt")
    for name in ("t.pt", "r.pt"):
        with pytest.raises(pickle.UnpicklingError, match="Holder was not an allowed global"):
            reference.load(tmp_path / name)
        obj = reference.load(tmp_path / name, weights_only=False)
        assert isinstance(obj, Holder) and isinstance(obj.tensor, reference.Tensor)
        assert obj.tensor.tolist() == [0, 1, 2]
    assert reference.load(tmp_path / "r.pt", pickle_module=pickle).note == "r"
    assert torch.load(tmp_path / "r.pt", weights_only=False).tensor.tolist() == [0, 1, 2]


def test_torch_modules_are_refused(tmp_path):
    data = torch_bytes(torch.nn.Linear(2, 2))
    cls, message = same_error(data)
    assert "torch.nn.modules.linear.Linear" in message
    with pytest.raises(RuntimeError, match="not supported by the reference"):
        reference.load(io.BytesIO(data), weights_only=False)


def test_argument_errors_like_torch():
    data = torch_bytes(torch.ones(2))
    same_error(data, pickle_module=pickle, weights_only=True)
    r, t = load_both(data, pickle_module=pickle)
    assert r[0] == t[0] == "ok"
    with pytest.warns(UserWarning, match="pickle_load_args only works"):
        reference.load(io.BytesIO(data), encoding="latin1")
    for m in (reference, torch):
        with pytest.raises(AttributeError, match="expected 'f' to be string, path"):
            m.save(m.ones(1), 123)
    with pytest.raises(AttributeError, match="You can only torch.load from a file that is seek"):
        reference.load(123)


def test_different_dtypes_of_one_storage_are_refused(tmp_path):
    for m in (reference, torch):
        x = m.zeros(4)
        with pytest.raises(RuntimeError, match="view the same data as different types"):
            m.save([x, x.view(m.int32)], tmp_path / "x.pt")


# ----- bad input --------------------------------------------------------------------------
def test_bad_archives_raise_like_torch():
    good = torch_bytes(torch.ones(2))
    entries = records(good)
    same_error(good[:200])  # truncated: no central directory
    same_error(zip_bytes({"archive/foo": b"x"}))  # no version
    same_error(zip_bytes({"archive/version": b"3\n"}))  # no data.pkl
    same_error(zip_bytes({k: v for k, v in entries.items() if not k.endswith("data/0")}))
    same_error(zip_bytes({"archive/data.pkl": pickle.dumps(1, 2), "archive/version": b"99\n"}))
    same_error(zip_bytes({"data.pkl": pickle.dumps(1, 2), "version": b"3\n"}))
    assert load_both(b"")[0][1] is EOFError
    with pytest.raises(RuntimeError, match="not a zip archive"):
        reference.load(io.BytesIO(b"hello world"))


def test_out_of_bounds_tensor_is_refused():
    entries = records(torch_bytes(torch.ones(2)))
    pkl = entries["archive/data.pkl"]
    entries["archive/data.pkl"] = pkl.replace(b"K\x02\x85", b"K\x09\x85", 1)  # size (9,)
    with pytest.raises(RuntimeError, match="out of bounds for storage of size 8"):
        reference.load(io.BytesIO(zip_bytes(entries)))


def test_pathlib_names(tmp_path):
    path = pathlib.Path(tmp_path) / "my.model.pt"
    reference.save([reference.ones(1)], path)
    assert zipfile.ZipFile(path).namelist()[0] == "my.model/data.pkl"


def test_build_on_a_tensor_is_refused():
    """Slot state cannot rewrite a loaded tensor's internals under ``weights_only``."""
    buf = io.BytesIO()
    reference.save(reference.ones(2), buf)
    entries = records(buf.getvalue())
    name = b"_storage_ptr"
    state = b"N}X" + len(name).to_bytes(4, "little") + name + b"K\x00s\x86b."
    entries["archive/data.pkl"] = entries["archive/data.pkl"][:-1] + state
    with pytest.raises(pickle.UnpicklingError, match="Can only build Tensor, Parameter"):
        reference.load(io.BytesIO(zip_bytes(entries)))


def test_reference_never_imports_torch(tmp_path):
    torch.save({"x": torch.arange(3), "sd": torch.nn.Linear(2, 1).state_dict()}, tmp_path / "t.pt")
    code = (
        "import sys, reference\n"
        f"obj = reference.load({str(tmp_path / 't.pt')!r})\n"
        f"reference.save(obj, {str(tmp_path / 'r.pt')!r})\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    root = pathlib.Path(reference.__file__).parent.parent
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)
    assert torch.load(tmp_path / "r.pt")["x"].tolist() == [0, 1, 2]
