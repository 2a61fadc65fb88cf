"""Broken adapters for serialization (section 2.3): torch.save and torch.load."""

from __future__ import annotations

from typing import Any

from tests.broken.base import Patched


def _map_tensors(obj: Any, fn: Any, is_tensor: Any, memo: dict[int, Any] | None = None) -> Any:
    """``obj`` with every tensor inside lists, tuples and dicts replaced by ``fn(tensor)``
    (one replacement per tensor object, so a tensor saved twice stays one object)."""
    memo = {} if memo is None else memo
    if id(obj) in memo:
        return memo[id(obj)]
    if is_tensor(obj):
        out = fn(obj)
    elif type(obj) in (list, tuple):  # not torch.Size or named tuples
        items = [_map_tensors(v, fn, is_tensor, memo) for v in obj]
        out = items if isinstance(obj, list) else tuple(items)
    elif isinstance(obj, dict):
        out = type(obj)((k, _map_tensors(v, fn, is_tensor, memo)) for k, v in obj.items())
        if hasattr(obj, "__dict__"):  # an OrderedDict's _metadata
            out.__dict__.update(obj.__dict__)
    else:
        return obj
    memo[id(obj)] = out
    return out


class SaveCopiesViews(Patched):
    """save writes each tensor as a copy of its own elements: views saved together no
    longer share a storage after loading (and each view loads contiguous at offset 0)."""

    patches = {"torch.save": "save"}

    def save(self, obj: Any, f: Any, *args: Any, **kwargs: Any) -> None:
        copied = _map_tensors(obj, lambda t: t.clone(), self.is_tensor)
        self.ref.save(copied, f, *args, **kwargs)


class SaveDropsRequiresGrad(Patched):
    """save detaches every tensor first: requires_grad is lost."""

    patches = {"torch.save": "save"}

    def save(self, obj: Any, f: Any, *args: Any, **kwargs: Any) -> None:
        detached = _map_tensors(obj, lambda t: t.detach(), self.is_tensor)
        self.ref.save(detached, f, *args, **kwargs)


class LoadIgnoresMapLocationFunction(Patched):
    """load handles strings, devices and dicts, but never calls a map_location function."""

    patches = {"torch.load": "load"}

    def load(self, f: Any, map_location: Any = None, *args: Any, **kwargs: Any) -> Any:
        if callable(map_location) and not isinstance(map_location, type(self.ref.device("cpu"))):
            map_location = None
        return self.ref.load(f, map_location, *args, **kwargs)


class LoadIgnoresMapLocationDict(Patched):
    """load treats a map_location dict as if none were given."""

    patches = {"torch.load": "load"}

    def load(self, f: Any, map_location: Any = None, *args: Any, **kwargs: Any) -> Any:
        if isinstance(map_location, dict):
            map_location = None
        return self.ref.load(f, map_location, *args, **kwargs)


class LoadUnsafeByDefault(Patched):
    """load's weights_only defaults to False (the pre-2.6 default): any global is imported
    and called, so loading an untrusted file runs its code."""

    patches = {"torch.load": "load"}

    def load(
        self,
        f: Any,
        map_location: Any = None,
        pickle_module: Any = None,
        *,
        weights_only: bool = False,
        **kwargs: Any,
    ) -> Any:
        return self.ref.load(f, map_location, pickle_module, weights_only=weights_only, **kwargs)


class LoadReadsBFloat16AsHalf(Patched):
    """load's storage-type table maps BFloat16Storage to float16: bfloat16 tensors load as
    float16 tensors over the same bits."""

    patches = {"torch.load": "load"}

    def load(self, *args: Any, **kwargs: Any) -> Any:
        from reference._serialization import allowlist

        table = allowlist._SAFE_GLOBALS
        saved = table["torch.BFloat16Storage"]
        table["torch.BFloat16Storage"] = table["torch.HalfStorage"]
        try:
            return self.ref.load(*args, **kwargs)
        finally:
            table["torch.BFloat16Storage"] = saved


#: adapter class -> (items to run, the item whose check must fail)
CAUGHT = {
    "SaveCopiesViews": (["torch.save"], "torch.save"),
    "SaveDropsRequiresGrad": (["torch.save"], "torch.save"),
    "LoadIgnoresMapLocationFunction": (["torch.load"], "torch.load"),
    "LoadIgnoresMapLocationDict": (["torch.load"], "torch.load"),
    "LoadUnsafeByDefault": (["torch.load"], "torch.load"),
    "LoadReadsBFloat16AsHalf": (["torch.load"], "torch.load"),
}
