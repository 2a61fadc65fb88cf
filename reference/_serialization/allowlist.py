"""Which pickle globals resolve: torch's weights-only allowlist mapped onto reference
objects, the torch names the reference cannot represent, and torch's refusal messages."""

from __future__ import annotations

import _compat_pickle
import codecs
import pickle
from collections import Counter, OrderedDict
from typing import Any

from .. import _dtypes
from .._device import channels_last, channels_last_3d, contiguous_format, device, preserve_format
from .._size import Size
from .._tensor import Tensor
from .rebuild import REBUILD_GLOBALS
from .storages import STORAGE_DTYPES, StorageType

_LEGACY = ("BFloat16", "Bool", "Byte", "Char", "Double", "Float", "Half", "Int", "Long", "Short")

#: globals torch's weights-only unpickler allows that the reference cannot represent
_TORCH_ONLY = frozenset(
    [f"torch._utils._rebuild_{n}" for n in ("qtensor", "sparse_tensor", "nested_tensor")]
    + [
        "torch._utils._rebuild_meta_tensor_no_storage",
        "torch._utils._rebuild_wrapper_subclass",
        "torch._utils._rebuild_device_tensor_from_numpy",
        "torch._utils._rebuild_device_tensor_from_cpu_tensor",
        "torch.storage.TypedStorage",
    ]
    + [f"torch.{q}Storage" for q in ("QInt32", "QInt8", "QUInt2x4", "QUInt4x2", "QUInt8")]
    + [f"torch.{p}.{n}Tensor" for p in ("sparse", "cuda.sparse") for n in _LEGACY if n != "Bool"]
    + [f"torch.{p}{n}Tensor" for p in ("", "cuda.") for n in _LEGACY]
    + [f"torch.per_{s}" for s in ("tensor_affine", "tensor_symmetric", "channel_affine")]
    + ["torch.per_channel_symmetric", "torch.per_channel_affine_float_qparams"]
    + [f"torch.{q}" for q in ("qint8", "qint32", "quint8", "quint4x2", "quint2x4")]
    + [f"torch.{d}" for d in ("float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu")]
    + ["torch.float4_e2m1fn_x2", "torch.bits8", "torch.bits16"]
    + [f"torch.bits{b}" for b in ("1x8", "2x4", "4x2")]
    + [f"torch.{s}int{n}" for s in ("", "u") for n in range(1, 8)]
)
_BLOCKED_MODULES = ("sys", "os", "posix", "nt")


def _safe_globals() -> dict[str, Any]:
    """Globals torch's weights-only unpickler allows, as reference objects."""
    table: dict[str, Any] = {
        "collections.OrderedDict": OrderedDict,
        "collections.Counter": Counter,
        "torch.Size": Size,
        "torch.Tensor": Tensor,
        "torch.device": device,
        "_codecs.encode": codecs.encode,
        "builtins.bytearray": bytearray,
        "builtins.set": set,
        "builtins.complex": complex,
        "torch.storage.UntypedStorage": StorageType(_dtypes.uint8),
        **REBUILD_GLOBALS,
    }
    table.update({f"torch.{name}": d for name, d in _dtypes._BY_NAME.items()})
    for name, d in STORAGE_DTYPES.items():
        table[f"torch.{name}"] = table[f"torch.cuda.{name}"] = StorageType(d)
    return table


_SAFE_GLOBALS = _safe_globals()
#: torch globals beyond the allowlist that the reference has (for ``weights_only=False``)
_OTHER_GLOBALS = {
    f"torch.{m._name}": m
    for m in (contiguous_format, preserve_format, channels_last, channels_last_3d)
}


def _refusal(module: str, full: str) -> str:
    """torch's weights-only message for a global it does not allow."""
    if module in _BLOCKED_MODULES:
        return f"Trying to load unsupported GLOBAL {full} whose module {module} is blocked."
    if full.startswith("builtins"):
        full = full[len("builtins") :]
        full = full[1:] if full.startswith(".") else "builtins" + full
    return (
        f"Unsupported global: GLOBAL {full} was not an allowed global by default. Please use "
        f"`torch.serialization.add_safe_globals([{full}])` or the "
        f"`torch.serialization.safe_globals([{full}])` context manager to allowlist this global "
        "if you trust this class/function."
    )


def find_class(module: str, name: str, weights_only: bool, fallback) -> Any:
    """Resolve a pickle global: torch names map to reference objects; with ``weights_only``
    everything outside torch's allowlist is refused before anything is imported."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    full = f"{module}.{name}"
    if full in _SAFE_GLOBALS:
        return _SAFE_GLOBALS[full]
    if full in _TORCH_ONLY:
        raise RuntimeError(f"reference.load: {full} is not supported by the reference")
    if weights_only:
        raise pickle.UnpicklingError(_refusal(module, full))
    if full in _OTHER_GLOBALS:
        return _OTHER_GLOBALS[full]
    if module.split(".")[0] == "torch":
        raise RuntimeError(f"reference.load: {full} is not supported by the reference")
    return fallback(module, name)
