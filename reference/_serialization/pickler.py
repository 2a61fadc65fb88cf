"""The protocol-2 pickle writer, opcode by opcode and only with opcodes torch's
weights-only unpickler knows: tensors become ``_rebuild_tensor_v2`` calls on persistent
storage ids, torch objects the globals torch writes for them."""

from __future__ import annotations

import _compat_pickle
import codecs
import importlib
import pickle
import struct
import types
from collections import OrderedDict
from typing import Any, NamedTuple

import numpy as np

from .. import _dtypes
from .._device import contiguous_format, device, strided
from .._dtypes import dtype
from .._size import Size
from .._strides import strided_view
from .._tensor import Tensor
from ..nn.parameter import Parameter
from .storages import storage_name, storage_nbytes, tensor_span

_TUPLES = {1: pickle.TUPLE1, 2: pickle.TUPLE2, 3: pickle.TUPLE3}


class StorageEntry(NamedTuple):
    key: str
    dtype: dtype
    nbytes: int
    data: np.ndarray  # uint8 view of the storage bytes


def _u32(value: int) -> bytes:
    return struct.pack("<I", value)


class Pickler:
    """Writes ``obj`` as a protocol-2 pickle, tensors as persistent storages."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.memo: dict[Any, int] = {}
        self.keep: list[Any] = []
        self.storages: dict[Any, StorageEntry] = {}

    def dump(self, obj: Any) -> bytes:
        """The pickle of ``obj``; storages found on the way are in ``self.storages``."""
        self.out += pickle.PROTO + b"\x02"
        self.save(obj)
        self.out += pickle.STOP
        return bytes(self.out)

    # ----- memo ---------------------------------------------------------------------
    def _put(self, key: Any, obj: Any = None) -> None:
        idx = len(self.memo)
        self.memo[key] = idx
        self.keep.append(obj)
        short = idx < 256
        self.out += pickle.BINPUT + bytes([idx]) if short else pickle.LONG_BINPUT + _u32(idx)

    def _get(self, key: Any) -> bool:
        idx = self.memo.get(key)
        if idx is None:
            return False
        short = idx < 256
        self.out += pickle.BINGET + bytes([idx]) if short else pickle.LONG_BINGET + _u32(idx)
        return True

    # ----- dispatch -----------------------------------------------------------------
    def save(self, obj: Any) -> None:
        """Write one object."""
        if self._get(id(obj)):
            return
        atom = _ATOMS.get(type(obj))
        if atom is not None:
            atom(self, obj)
        elif isinstance(obj, Tensor) and _is_parameter(obj):
            self.save_parameter(obj)
        elif isinstance(obj, Tensor):
            self.save_tensor(obj)
        elif type(obj) in _SPECIAL:
            _SPECIAL[type(obj)](self, obj)
        elif isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
            self.save_global_object(obj)
        else:
            self.save_reduce_ex(obj)

    # ----- atoms --------------------------------------------------------------------
    def save_none(self, obj: None) -> None:
        self.out += pickle.NONE

    def save_bool(self, obj: bool) -> None:
        self.out += pickle.NEWTRUE if obj else pickle.NEWFALSE

    def save_int(self, obj: int) -> None:
        if 0 <= obj < 256:
            self.out += pickle.BININT1 + bytes([obj])
        elif 0 <= obj < 65536:
            self.out += pickle.BININT2 + struct.pack("<H", obj)
        elif -(2**31) <= obj < 2**31:
            self.out += pickle.BININT + struct.pack("<i", obj)
        else:
            data = pickle.encode_long(obj)
            if len(data) < 256:
                self.out += pickle.LONG1 + bytes([len(data)]) + data
            else:  # beyond what torch's weights-only unpickler reads, as with torch.save
                self.out += pickle.LONG4 + struct.pack("<i", len(data)) + data

    def save_float(self, obj: float) -> None:
        self.out += pickle.BINFLOAT + struct.pack(">d", obj)

    def save_str(self, obj: str) -> None:
        data = obj.encode("utf-8", "surrogatepass")
        self.out += pickle.BINUNICODE + struct.pack("<I", len(data)) + data

    def save_bytes(self, obj: bytes) -> None:
        self.save_call(codecs.encode, (str(obj, "latin1"), "latin1"), obj)

    def save_complex(self, obj: complex) -> None:
        self.save_call(complex, (obj.real, obj.imag), obj)

    # ----- containers -------------------------------------------------------------------
    def save_tuple(self, obj: tuple) -> None:
        if not obj:
            self.out += pickle.EMPTY_TUPLE
            return
        if len(obj) > 3:
            self.out += pickle.MARK
        for item in obj:
            self.save(item)
        self.out += _TUPLES.get(len(obj), pickle.TUPLE)
        self._put(id(obj), obj)

    def save_list(self, obj: list) -> None:
        self.out += pickle.EMPTY_LIST
        self._put(id(obj), obj)
        self._appends(obj)

    def save_dict(self, obj: dict) -> None:
        self.out += pickle.EMPTY_DICT
        self._put(id(obj), obj)
        self._setitems(obj.items())

    def _appends(self, items) -> None:
        self._items(items, pickle.APPEND, pickle.APPENDS, self.save)

    def _setitems(self, items) -> None:
        self._items(items, pickle.SETITEM, pickle.SETITEMS, self._save_pair)

    def _save_pair(self, kv: tuple) -> None:
        self.save(kv[0])
        self.save(kv[1])

    def _items(self, items, one: bytes, many: bytes, save_item) -> None:
        """Batches of 1000 items like pickle: ``MARK ... APPENDS``/``SETITEMS``."""
        batch = []
        for item in items:
            batch.append(item)
            if len(batch) == 1000:
                self._flush(batch, one, many, save_item)
                batch = []
        self._flush(batch, one, many, save_item)

    def _flush(self, batch: list, one: bytes, many: bytes, save_item) -> None:
        if len(batch) > 1:
            self.out += pickle.MARK
        for item in batch:
            save_item(item)
        if batch:
            self.out += many if len(batch) > 1 else one

    # ----- globals and reductions -------------------------------------------------------
    def save_global(self, module: str, name: str) -> None:
        """``GLOBAL module name`` (memoized), with Python 2 names as protocol 2 writes them."""
        if (module, name) in _compat_pickle.REVERSE_NAME_MAPPING:
            module, name = _compat_pickle.REVERSE_NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.REVERSE_IMPORT_MAPPING:
            module = _compat_pickle.REVERSE_IMPORT_MAPPING[module]
        if self._get(("global", module, name)):
            return
        self.out += pickle.GLOBAL + f"{module}\n{name}\n".encode()
        self._put(("global", module, name))

    def save_global_object(self, obj: Any, name: str | None = None) -> None:
        """A class or function by reference, checked to be importable under its name."""
        name = name or getattr(obj, "__qualname__", None) or obj.__name__
        module = getattr(obj, "__module__", None) or pickle.whichmodule(obj, name)
        try:
            found = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            found = None
        if found is not obj:
            raise pickle.PicklingError(f"Can't pickle {obj!r}: it's not found as {module}.{name}")
        self.save_global(module, name)

    def _reduce(self, args: tuple, obj: Any) -> None:
        """With the callable written: its ``args``, REDUCE, memoized as ``obj`` when given."""
        self.save(args)
        self.out += pickle.REDUCE
        if obj is not None:
            self._put(id(obj), obj)

    def save_call(self, func: Any, args: tuple, obj: Any = None) -> None:
        """``func(*args)`` via REDUCE, memoized as ``obj`` when given."""
        self.save(func)
        self._reduce(args, obj)

    def save_global_call(self, module: str, name: str, args: tuple, obj: Any = None) -> None:
        """``module.name(*args)`` via REDUCE, memoized as ``obj`` when given."""
        self.save_global(module, name)
        self._reduce(args, obj)

    def save_reduce_ex(self, obj: Any) -> None:
        """Anything else through ``__reduce_ex__(2)``, as pickle does."""
        if type(obj).__module__.split(".")[0] == "torch":
            raise pickle.PicklingError(f"reference.save: cannot save torch object {type(obj)}")
        rv = obj.__reduce_ex__(2)
        if isinstance(rv, str):
            self.save_global_object(obj, rv)
            return
        func, args, state, listitems, dictitems = (tuple(rv) + (None,) * 3)[:5]
        if len(rv) > 5 and rv[5] is not None:
            raise pickle.PicklingError("reference.save: state_setter needs pickle protocol 5")
        if getattr(func, "__name__", "") == "__newobj__":
            self.save(args[0])
            self.save(tuple(args[1:]))
            self.out += pickle.NEWOBJ
            self._put(id(obj), obj)
        else:
            self.save_call(func, tuple(args), obj)
        if listitems is not None:
            self._appends(listitems)
        if dictitems is not None:
            self._setitems(dictitems)
        if state is not None:
            self.save(state)
            self.out += pickle.BUILD

    # ----- torch objects ----------------------------------------------------------------
    def save_dtype(self, obj: dtype) -> None:
        self.save_global("torch", obj._name)

    def save_size(self, obj: Size) -> None:
        self.save_global_call("torch", "Size", (tuple(obj),), obj)

    def save_device(self, obj: device) -> None:
        args = (obj.type,) if obj.index is None else (obj.type, obj.index)
        self.save_global_call("torch", "device", args, obj)

    def save_layout(self, obj: Any) -> None:
        self.save_global_call("torch.serialization", "_get_layout", (repr(obj),))

    def save_memory_format(self, obj: Any) -> None:
        self.save_global("torch", obj._name)

    def save_tensor(self, t: Tensor) -> None:
        """``_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict())``."""
        entry = self._storage(t)
        self.save_global("torch._utils", "_rebuild_tensor_v2")
        self.out += pickle.MARK
        self._save_storage_id(t, entry)
        self.save(t.storage_offset())
        self.save(tuple(t.shape))
        self.save(t.stride())
        self.save(t.requires_grad)
        self.save_global("collections", "OrderedDict")
        self.out += pickle.EMPTY_TUPLE + pickle.REDUCE + pickle.TUPLE + pickle.REDUCE
        self._put(id(t), t)

    def save_parameter(self, p: Tensor) -> None:
        """``_rebuild_parameter(data, requires_grad, OrderedDict())``, as torch saves
        ``nn.Parameter``."""
        args = (p.detach(), p.requires_grad, OrderedDict())
        self.save_global_call("torch._utils", "_rebuild_parameter", args, p)

    def _save_storage_id(self, t: Tensor, entry: StorageEntry) -> None:
        """The persistent id ``('storage', torch.FloatStorage, key, device, numel)``."""
        self.out += pickle.MARK
        self.save("storage")
        self.save_global("torch", storage_name(t.dtype))
        self.save(entry.key)
        self.save(str(t.device))
        self.save(entry.nbytes // t.dtype.itemsize)
        self.out += pickle.TUPLE + pickle.BINPERSID

    def _storage(self, t: Tensor) -> StorageEntry:
        """The storage entry of ``t`` (created on first sight, keys "0", "1", ...)."""
        if t.dtype not in _dtypes.ALL_DTYPES:
            raise pickle.PicklingError(f"reference.save: cannot save a {t.dtype} tensor")
        nbytes = storage_nbytes(t)
        group = t._storage_ptr if nbytes else ("empty", id(t._base if t._base is not None else t))
        entry = self.storages.get(group)
        if entry is None:
            entry = self.storages[group] = self._new_storage(t, nbytes)
            self.keep.append(t)
        elif entry.dtype is not t.dtype:
            raise RuntimeError(
                "Cannot save multiple tensors or storages that view the same data as "
                "different types"
            )
        if tensor_span(t) * t.dtype.itemsize > entry.nbytes:
            raise RuntimeError("reference.save: a tensor reaches past the end of its storage")
        return entry

    def _new_storage(self, t: Tensor, nbytes: int) -> StorageEntry:
        """An entry for the storage ``t`` views, with the next key."""
        numel = nbytes // t.dtype.itemsize
        data = strided_view(t._data, (numel,), (1,), -t.storage_offset()).view(np.uint8)
        return StorageEntry(str(len(self.storages)), t.dtype, numel * t.dtype.itemsize, data)


def _is_parameter(t: Tensor) -> bool:
    return isinstance(t, Parameter)


_ATOMS = {
    type(None): Pickler.save_none,
    bool: Pickler.save_bool,
    int: Pickler.save_int,
    float: Pickler.save_float,
    str: Pickler.save_str,
    bytes: Pickler.save_bytes,
    complex: Pickler.save_complex,
}
_SPECIAL = {
    tuple: Pickler.save_tuple,
    list: Pickler.save_list,
    dict: Pickler.save_dict,
    dtype: Pickler.save_dtype,
    Size: Pickler.save_size,
    device: Pickler.save_device,
    type(strided): Pickler.save_layout,
    type(contiguous_format): Pickler.save_memory_format,
}
