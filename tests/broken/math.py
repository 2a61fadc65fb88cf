"""Broken adapters for the math of 2.5 and 8: reductions, topk, cumsum, broadcasting, norms."""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.broken.base import Patched


class SumKeepsIntegerDtype(Patched):
    """sum of an int8/int16/int32/bool tensor keeps the input dtype (and overflows)."""

    patches = {"torch.sum": "sum"}

    def sum(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        result = self.ref.sum(input, *args, **kwargs)
        if "dtype" in kwargs or "out" in kwargs or input.dtype == result.dtype:
            return result
        if input.dtype.is_floating_point or input.dtype.is_complex:
            return result
        return result.to(input.dtype)


class ArgmaxSkipsNaN(Patched):
    """argmax ignores NaN (like numpy's nanargmax) instead of returning the NaN's index."""

    patches = {"torch.argmax": "argmax"}

    def argmax(self, input: Any, dim: Any = None, keepdim: bool = False, **kw: Any) -> Any:
        if input.dtype.is_floating_point:
            array = self.to_numpy(input)
            filled = np.where(np.isnan(array), -np.inf, array)
            input = self.from_numpy(filled.astype(array.dtype))
        return self.ref.argmax(input, dim, keepdim, **kw)


class AmaxIgnoresKeepdim(Patched):
    """amax drops the reduced dims even when keepdim=True."""

    patches = {"torch.amax": "amax"}

    def amax(self, input: Any, dim: Any = (), keepdim: bool = False, **kw: Any) -> Any:
        return self.ref.amax(input, dim, False, **kw)


class MeanOfEmptyIsZero(Patched):
    """mean of an empty tensor gives 0 instead of NaN."""

    patches = {"torch.mean": "mean"}

    def mean(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        result = self.ref.mean(input, *args, **kwargs)
        return self.ref.zeros_like(result) if input.numel() == 0 else result


class TopkIgnoresLargest(Patched):
    """topk always returns the largest values, whatever largest= says."""

    patches = {"torch.topk": "topk"}

    def topk(self, input: Any, k: int, dim: int = -1, largest: bool = True, **kw: Any) -> Any:
        return self.ref.topk(input, k, dim, True, **kw)


class CumsumKeepsIntegerDtype(Patched):
    """cumsum of int32/int16/int8/bool keeps the input dtype instead of int64."""

    patches = {"torch.cumsum": "cumsum"}

    def cumsum(self, input: Any, dim: int, *, dtype: Any = None, out: Any = None) -> Any:
        result = self.ref.cumsum(input, dim, dtype=dtype, out=out)
        if dtype is None and out is None and not input.dtype.is_floating_point:
            return result if input.dtype.is_complex else result.to(input.dtype)
        return result


class SearchsortedIgnoresRight(Patched):
    """searchsorted returns the left insertion point even with right=True."""

    patches = {"torch.searchsorted": "searchsorted"}

    def searchsorted(self, sorted_sequence: Any, input: Any, **kw: Any) -> Any:
        kw.pop("right", None)
        kw.pop("side", None)
        return self.ref.searchsorted(sorted_sequence, input, **kw)


class BroadcastToCopies(Patched):
    """broadcast_to materialises a copy instead of returning a stride-0 view."""

    patches = {"torch.broadcast_to": "broadcast_to"}

    def broadcast_to(self, input: Any, size: Any) -> Any:
        return self.ref.broadcast_to(input, size).clone()


class VectorNormInfIsSum(Patched):
    """vector_norm with ord=inf sums |x| instead of taking the largest |x|."""

    patches = {"torch.linalg.vector_norm": "vector_norm"}

    def vector_norm(self, x: Any, ord: Any = 2, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        if ord == float("inf"):
            ord = 1  # noqa: A001
        return self.ref.linalg.vector_norm(x, ord, *args, **kwargs)


class TanhReadsStorageOrder(Patched):
    """tanh walks the input's memory in storage order, ignoring its strides."""

    patches = {"torch.tanh": "tanh"}

    def tanh(self, input: Any, **kw: Any) -> Any:
        if input.is_contiguous():
            return self.ref.tanh(input, **kw)
        array = self.to_numpy(input)
        strides = np.array(input.stride())
        order = np.argsort(-strides, kind="stable")  # dims from the slowest in memory
        walked = np.transpose(array, order).reshape(array.shape)
        return self.ref.tanh(self.from_numpy(np.ascontiguousarray(walked)), **kw)


#: adapter class -> (items to run, the item whose check must fail)
CAUGHT = {
    "SumKeepsIntegerDtype": (["torch.sum"], "torch.sum"),
    "ArgmaxSkipsNaN": (["torch.argmax"], "torch.argmax"),
    "AmaxIgnoresKeepdim": (["torch.amax"], "torch.amax"),
    "MeanOfEmptyIsZero": (["torch.mean"], "torch.mean"),
    "TopkIgnoresLargest": (["torch.topk"], "torch.topk"),
    "CumsumKeepsIntegerDtype": (["torch.cumsum"], "torch.cumsum"),
    "SearchsortedIgnoresRight": (["torch.searchsorted"], "torch.searchsorted"),
    "BroadcastToCopies": (["torch.broadcast_to"], "torch.broadcast_to"),
    "VectorNormInfIsSum": (["torch.linalg.vector_norm"], "torch.linalg.vector_norm"),
    "TanhReadsStorageOrder": (["torch.tanh"], "torch.tanh"),
}
