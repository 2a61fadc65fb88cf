"""Broken adapters for the math of 2.5 and 8: trigonometric and hyperbolic functions,
reductions, topk, cumsum, broadcasting, norms."""

from __future__ import annotations

from typing import Any

import numpy as np

from reference._conversion import write_out
from tests.broken.base import Patched


def _mapped(adapter: Patched, tensor: Any, fn: Any) -> Any:
    """A new tensor holding ``fn`` of ``tensor``'s values (as numpy), in its dtype."""
    return adapter.from_numpy(fn(adapter.to_numpy(tensor)).astype(adapter.to_numpy(tensor).dtype))


def _floating(value: Any) -> bool:
    """Whether ``value`` is a floating tensor (a Python number goes to the real op's error)."""
    return hasattr(value, "is_floating_point") and value.is_floating_point()


def _written(result: Any, kwargs: dict[str, Any]) -> Any:
    """``result``, or ``out=`` holding it when the call named one."""
    out = kwargs.get("out")
    return result if out is None else write_out(out, result, "out")


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


class TanComputesInFloat32(Patched):
    """tan of a float64 tensor is computed in float32 and cast back (a single-precision kernel)."""

    patches = {"torch.tan": "tan"}

    def tan(self, input: Any, **kwargs: Any) -> Any:
        if not _floating(input) or input.dtype != self.ref.float64:
            return self.ref.tan(input, **kwargs)
        return self.ref.tan(input.to(self.ref.float32), **kwargs).to(input.dtype)


class AsinClampsDomain(Patched):
    """asin clamps its input to [-1, 1]: asin(2) is pi/2 instead of NaN."""

    patches = {"torch.asin": "asin"}

    def asin(self, input: Any, **kwargs: Any) -> Any:
        if _floating(input):
            input = _mapped(self, input, lambda x: np.clip(x, -1, 1))
        return self.ref.asin(input, **kwargs)


class AcosStrictDomain(Patched):
    """acos checks its domain with ``|x| < 1``: acos(1) and acos(-1) are NaN instead of 0, pi."""

    patches = {"torch.acos": "acos"}

    def acos(self, input: Any, **kwargs: Any) -> Any:
        if _floating(input):
            input = _mapped(self, input, lambda x: np.where(np.abs(x) == 1, np.nan, x))
        return self.ref.acos(input, **kwargs)


class AtanViaAsin(Patched):
    """atan(x) computed as asin(x / sqrt(1 + x*x)): atan(+-inf) is NaN instead of +-pi/2."""

    patches = {"torch.atan": "atan"}

    def atan(self, input: Any, **kwargs: Any) -> Any:
        if not _floating(input):
            return self.ref.atan(input, **kwargs)
        return _written(self.ref.asin(input / (input * input + 1).sqrt()), kwargs)


class SinhByExponentials(Patched):
    """sinh(x) computed as (exp(x) - exp(-x)) / 2: tiny values cancel to 0, sinh(-0.0) is +0.0."""

    patches = {"torch.sinh": "sinh"}

    def sinh(self, input: Any, **kwargs: Any) -> Any:
        if not _floating(input):
            return self.ref.sinh(input, **kwargs)
        return _written((input.exp() - (-input).exp()) / 2, kwargs)


class AsinhByLogarithm(Patched):
    """asinh(x) computed as log(x + sqrt(x*x + 1)): cancels for large negative x."""

    patches = {"torch.asinh": "asinh"}

    def asinh(self, input: Any, **kwargs: Any) -> Any:
        if not _floating(input):
            return self.ref.asinh(input, **kwargs)
        return _written((input + (input * input + 1).sqrt()).log(), kwargs)


class AcoshClampsDomain(Patched):
    """acosh clamps its input to [1, inf): acosh(0.5) is 0 instead of NaN."""

    patches = {"torch.acosh": "acosh"}

    def acosh(self, input: Any, **kwargs: Any) -> Any:
        if _floating(input):
            input = _mapped(self, input, lambda x: np.maximum(x, 1))
        return self.ref.acosh(input, **kwargs)


class AtanhByLogarithm(Patched):
    """atanh(x) computed as log((1 + x) / (1 - x)) / 2: small values lose their digits and
    atanh(-0.0) is +0.0."""

    patches = {"torch.atanh": "atanh"}

    def atanh(self, input: Any, **kwargs: Any) -> Any:
        if not _floating(input):
            return self.ref.atanh(input, **kwargs)
        return _written(((1 + input) / (1 - input)).log() / 2, kwargs)


class AllOfEmptyIsFalse(Patched):
    """all() of an empty tensor is False (the identity of "and" is True)."""

    patches = {"torch.all": "all"}

    def all(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        result = self.ref.all(input, *args, **kwargs)
        if input.numel() == 0 and not args and not kwargs:
            return self.ref.zeros_like(result)
        return result


class AnyOfUint8GivesBool(Patched):
    """any() of a uint8 tensor returns bool (torch keeps uint8 for uint8 input)."""

    patches = {"torch.any": "any"}

    def any(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        result = self.ref.any(input, *args, **kwargs)
        return result.to(self.ref.bool) if "out" not in kwargs else result


class NormOddPowerWithoutAbs(Patched):
    """norm(x, p) for an odd integer p sums x**p without taking |x| first."""

    patches = {"torch.norm": "norm"}

    def norm(
        self, input: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False, **kw: Any
    ) -> Any:
        odd = isinstance(p, (int, float)) and p > 0 and p % 2 == 1
        if not (odd and input.is_floating_point() and not kw):
            return self.ref.norm(input, p, dim, keepdim, **kw)
        dims = tuple(range(input.dim())) if dim is None else dim
        return (input**p).sum(dims, keepdim) ** (1 / p)


class MaxDimIndicesDropKeepdim(Patched):
    """max(x, dim, keepdim=True) keeps the dim in the values but not in the indices."""

    patches = {"torch.max": "max"}

    def max(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        result = self.ref.max(input, *args, **kwargs)
        keepdim = kwargs.get("keepdim", args[1] if len(args) > 1 else False)
        if not isinstance(result, tuple) or keepdim is not True or "out" in kwargs:
            return result
        dim = kwargs.get("dim", args[0] if args else None)
        indices = result[1].squeeze(dim) if input.dim() else result[1]
        return type(result)((result[0], indices))


class MinIgnoresNaN(Patched):
    """min() of a whole tensor skips NaN (numpy's fmin reduction) instead of returning NaN."""

    patches = {"torch.min": "min"}

    def min(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not _floating(input) or input.numel() == 0:
            return self.ref.min(input, *args, **kwargs)
        array = self.to_numpy(input)
        if np.isnan(array).all():
            return self.ref.min(input)
        return self.ref.tensor(np.nanmin(array), dtype=input.dtype)


class ArgminLastTie(Patched):
    """argmin returns the last of tied minima instead of the first."""

    patches = {"torch.argmin": "argmin"}

    def argmin(self, input: Any, dim: Any = None, keepdim: bool = False, **kw: Any) -> Any:
        flip = (
            (lambda x: np.flip(x))
            if dim is None or not input.dim()
            else (lambda x: np.flip(x, dim))
        )
        index = self.ref.argmin(_mapped(self, input, flip), dim, keepdim, **kw)
        last = input.numel() - 1 if dim is None else (input.shape[dim] if input.dim() else 1) - 1
        return _written(last - index, kw)


class AminEmptyDimReducesNothing(Patched):
    """amin(x, dim=()) returns x unreduced instead of reducing over every dim."""

    patches = {"torch.amin": "amin"}

    def amin(self, input: Any, dim: Any = (), keepdim: bool = False, **kw: Any) -> Any:
        if isinstance(dim, (tuple, list)) and len(dim) == 0 and not kw:
            return input.clone()
        return self.ref.amin(input, dim, keepdim, **kw)


class BroadcastTensorsCopies(Patched):
    """broadcast_tensors materialises copies instead of returning views of the inputs."""

    patches = {"torch.broadcast_tensors": "broadcast_tensors"}

    def broadcast_tensors(self, *tensors: Any) -> Any:
        return tuple(t.clone() for t in self.ref.broadcast_tensors(*tensors))


class MatrixNormOneTakesRows(Patched):
    """matrix_norm(A, 1) takes the largest absolute row sum (the inf-norm) instead of the
    largest absolute column sum."""

    patches = {"torch.linalg.matrix_norm": "matrix_norm"}

    def matrix_norm(self, A: Any, ord: Any = "fro", *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        if ord in (1, -1):
            ord = ord * float("inf")  # noqa: A001
        return self.ref.linalg.matrix_norm(A, ord, *args, **kwargs)


class LinalgNormFlattensMatrices(Patched):
    """linalg.norm(A, ord) of a 2-D A without dim flattens A and takes a vector norm instead of
    the matrix norm ord names."""

    patches = {"torch.linalg.norm": "norm"}

    def norm(self, A: Any, ord: Any = None, dim: Any = None, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        if A.dim() == 2 and dim is None and ord is not None and not isinstance(ord, str):
            return self.ref.linalg.vector_norm(A, ord, None, *args, **kwargs)
        return self.ref.linalg.norm(A, ord, dim, *args, **kwargs)


class MaxBinaryDropsNaN(Patched):
    """max(input, other) returns the number where one side is NaN (numpy's fmax), instead of NaN."""

    patches = {"torch.max": "max"}

    def max(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        other = args[0] if args else kwargs.get("other")
        if not (_floating(input) and _floating(other)) or len(args) > 1 or "out" in kwargs:
            return self.ref.max(input, *args, **kwargs)
        result = self.ref.max(input, other)
        kept = np.fmax(self.to_numpy(input), self.to_numpy(other)).astype(
            self.to_numpy(result).dtype
        )
        return self.from_numpy(kept)


class MatrixNormNucIsSpectral(Patched):
    """matrix_norm(A, 'nuc') takes the largest singular value instead of their sum."""

    patches = {"torch.linalg.matrix_norm": "matrix_norm"}

    def matrix_norm(self, A: Any, ord: Any = "fro", *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        if ord == "nuc":
            ord = 2  # noqa: A001
        return self.ref.linalg.matrix_norm(A, ord, *args, **kwargs)


class LinalgNormTwoIsFrobenius(Patched):
    """linalg.norm(A, 2, dim=(a, b)) takes the Frobenius norm over the two dims instead of the
    largest singular value."""

    patches = {"torch.linalg.norm": "norm"}

    def norm(self, A: Any, ord: Any = None, dim: Any = None, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        if ord in (2, -2) and isinstance(dim, (tuple, list)) and len(dim) == 2:
            ord = "fro"  # noqa: A001
        return self.ref.linalg.norm(A, ord, dim, *args, **kwargs)


class AllOfUint8GivesBool(Patched):
    """all() of a uint8 tensor returns bool (torch keeps uint8 for uint8 input)."""

    patches = {"torch.all": "all"}

    def all(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        result = self.ref.all(input, *args, **kwargs)
        return result.to(self.ref.bool) if "out" not in kwargs else result


class AminSkipsNaN(Patched):
    """amin ignores NaN (numpy's nanmin) instead of returning NaN where a NaN is reduced."""

    patches = {"torch.amin": "amin"}

    def amin(self, input: Any, dim: Any = (), keepdim: bool = False, **kw: Any) -> Any:
        if _floating(input):
            input = _mapped(self, input, lambda x: np.where(np.isnan(x), np.inf, x))
        return self.ref.amin(input, dim, keepdim, **kw)


class ArgminSkipsNaN(Patched):
    """argmin ignores NaN (numpy's nanargmin) instead of returning the NaN's index."""

    patches = {"torch.argmin": "argmin"}

    def argmin(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        if _floating(input):
            input = _mapped(self, input, lambda x: np.where(np.isnan(x), np.inf, x))
        return self.ref.argmin(input, *args, **kwargs)


class NormIgnoresKeepdim(Patched):
    """norm(x, p, dim, keepdim=True) drops the reduced dims."""

    patches = {"torch.norm": "norm"}

    def norm(
        self, input: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False, **kw: Any
    ) -> Any:
        return self.ref.norm(input, p, dim, False, **kw)


class AcoshByLogarithm(Patched):
    """acosh(x) computed as log(x + sqrt(x*x - 1)): x*x overflows for large x, giving inf."""

    patches = {"torch.acosh": "acosh"}

    def acosh(self, input: Any, **kwargs: Any) -> Any:
        if not _floating(input):
            return self.ref.acosh(input, **kwargs)
        return _written((input + (input * input - 1).sqrt()).log(), kwargs)


class BroadcastTensorsReturnsList(Patched):
    """broadcast_tensors returns a list instead of a tuple."""

    patches = {"torch.broadcast_tensors": "broadcast_tensors"}

    def broadcast_tensors(self, *tensors: Any) -> Any:
        return list(self.ref.broadcast_tensors(*tensors))


class AnyIgnoresKeepdim(Patched):
    """any(x, dim, keepdim=True) drops the reduced dim."""

    patches = {"torch.any": "any"}

    def any(self, input: Any, *args: Any, keepdim: bool = False, **kwargs: Any) -> Any:
        if len(args) > 1:
            args = args[:1]
        return self.ref.any(input, *args, **kwargs)


class CoshOddLikeSinh(Patched):
    """cosh computed as sign(x) * cosh(|x|), the odd symmetry of sinh: negative for x < 0."""

    patches = {"torch.cosh": "cosh"}

    def cosh(self, input: Any, **kwargs: Any) -> Any:
        if not _floating(input):
            return self.ref.cosh(input, **kwargs)
        sign = _mapped(self, input, lambda x: np.where(np.signbit(x), -1, 1))
        return _written(sign * self.ref.cosh(input), kwargs)


class MinDimIndicesOfMax(Patched):
    """min(x, dim) returns the minima with the indices of the maxima (argmax copied in)."""

    patches = {"torch.min": "min"}

    def min(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        result = self.ref.min(input, *args, **kwargs)
        if not isinstance(result, tuple) or "out" in kwargs:
            return result
        indices = self.ref.max(input, *args, **kwargs)[1]
        return type(result)((result[0], indices))


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
    "TanComputesInFloat32": (["torch.tan"], "torch.tan"),
    "AsinClampsDomain": (["torch.asin"], "torch.asin"),
    "AcosStrictDomain": (["torch.acos"], "torch.acos"),
    "AtanViaAsin": (["torch.atan"], "torch.atan"),
    "SinhByExponentials": (["torch.sinh"], "torch.sinh"),
    "AsinhByLogarithm": (["torch.asinh"], "torch.asinh"),
    "AcoshClampsDomain": (["torch.acosh"], "torch.acosh"),
    "AtanhByLogarithm": (["torch.atanh"], "torch.atanh"),
    "AllOfEmptyIsFalse": (["torch.all"], "torch.all"),
    "AnyOfUint8GivesBool": (["torch.any"], "torch.any"),
    "NormOddPowerWithoutAbs": (["torch.norm"], "torch.norm"),
    "MaxDimIndicesDropKeepdim": (["torch.max"], "torch.max"),
    "MinIgnoresNaN": (["torch.min"], "torch.min"),
    "ArgminLastTie": (["torch.argmin"], "torch.argmin"),
    "AminEmptyDimReducesNothing": (["torch.amin"], "torch.amin"),
    "BroadcastTensorsCopies": (["torch.broadcast_tensors"], "torch.broadcast_tensors"),
    "MatrixNormOneTakesRows": (["torch.linalg.matrix_norm"], "torch.linalg.matrix_norm"),
    "LinalgNormFlattensMatrices": (["torch.linalg.norm"], "torch.linalg.norm"),
    "MaxBinaryDropsNaN": (["torch.max"], "torch.max"),
    "MatrixNormNucIsSpectral": (["torch.linalg.matrix_norm"], "torch.linalg.matrix_norm"),
    "LinalgNormTwoIsFrobenius": (["torch.linalg.norm"], "torch.linalg.norm"),
    "AllOfUint8GivesBool": (["torch.all"], "torch.all"),
    "AminSkipsNaN": (["torch.amin"], "torch.amin"),
    "ArgminSkipsNaN": (["torch.argmin"], "torch.argmin"),
    "NormIgnoresKeepdim": (["torch.norm"], "torch.norm"),
    "AcoshByLogarithm": (["torch.acosh"], "torch.acosh"),
    "BroadcastTensorsReturnsList": (["torch.broadcast_tensors"], "torch.broadcast_tensors"),
    "AnyIgnoresKeepdim": (["torch.any"], "torch.any"),
    "CoshOddLikeSinh": (["torch.cosh"], "torch.cosh"),
    "MinDimIndicesOfMax": (["torch.min"], "torch.min"),
}
