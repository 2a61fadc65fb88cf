"""Broken adapters for creation, indexing and joining, grad modes, pointwise ops, Tensor and
its methods and attributes, dtypes, devices, layouts and the legacy tensor types."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from adapters.reference_adapter import ReferenceAdapter
from reference._conversion import write_out
from tests.broken.base import MethodsPatched, Patched, standing_in_for


class ChunkLikeTensorSplit(Patched):
    """chunk(6 elements, 4) gives four parts of 2, 2, 1, 1 instead of three of 2."""

    patches = {"torch.chunk": "chunk"}

    def chunk(self, input: Any, chunks: int, dim: int = 0) -> Any:
        return self.ref.tensor_split(input, chunks, dim)


class GatherClampsIndex(Patched):
    """gather clamps out-of-range indices instead of raising."""

    patches = {"torch.gather": "gather"}

    def gather(self, input: Any, dim: int, index: Any, **kwargs: Any) -> Any:
        size = input.shape[dim] if input.dim() else 1
        clamped = np.clip(self.to_numpy(index), 0, max(size - 1, 0))
        return self.ref.gather(input, dim, self.from_numpy(clamped), **kwargs)


class UnsqueezeNegativeOffByOne(Patched):
    """unsqueeze(x, -1) inserts before the last dim (wraps like an ordinary dim)."""

    patches = {"torch.unsqueeze": "unsqueeze"}

    def unsqueeze(self, input: Any, dim: int) -> Any:
        if dim < 0:
            dim = dim + max(input.dim(), 1)
        return self.ref.unsqueeze(input, dim)


class CatWithoutPromotion(Patched):
    """cat casts everything to the first tensor's dtype."""

    patches = {"torch.cat": "cat"}

    def cat(self, tensors: Any, dim: int = 0, **kwargs: Any) -> Any:
        tensors = list(tensors)
        if tensors:
            tensors = [t.to(tensors[0].dtype) for t in tensors]
        return self.ref.cat(tensors, dim, **kwargs)


class TensorSharesNumpy(Patched):
    """torch.tensor(ndarray) shares the array's memory instead of copying it."""

    patches = {"torch.tensor": "tensor"}

    def tensor(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, np.ndarray) and not kwargs:
            return self.ref.from_numpy(data)
        return self.ref.tensor(data, **kwargs)


class ArangeIncludesEnd(Patched):
    """arange with a float step includes end, like range."""

    patches = {"torch.arange": "arange"}

    def arange(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 3 and isinstance(args[2], float):
            start, end, step = args
            return self.ref.arange(start, end + step / 2, step, **kwargs)
        return self.ref.arange(*args, **kwargs)


class SqueezeIgnoresDim(Patched):
    """squeeze(x, dim) removes every size-one dim, not only dim."""

    patches = {"torch.squeeze": "squeeze"}

    def squeeze(self, input: Any, dim: Any = None) -> Any:
        return self.ref.squeeze(input)


class GlobalGradMode(Patched):
    """Grad mode shared by all threads (a global instead of thread-local state)."""

    patches = {
        "torch.no_grad": "no_grad",
        "torch.is_grad_enabled": "is_grad_enabled",
    }
    _enabled = [True]

    def is_grad_enabled(self) -> bool:
        return self._enabled[0] and self.ref.is_grad_enabled()

    def no_grad(self, fn: Any = None) -> Any:
        adapter = self

        class _NoGrad:
            def __enter__(self) -> None:
                self.prev = adapter._enabled[0]
                adapter._enabled[0] = False

            def __exit__(self, *exc: Any) -> None:
                adapter._enabled[0] = self.prev

            def __call__(self, func: Any) -> Any:
                def wrapped(*a: Any, **k: Any) -> Any:
                    with _NoGrad():
                        return func(*a, **k)

                return wrapped

        return _NoGrad()(fn) if callable(fn) else _NoGrad()


class Float16RoundTripBroken(Patched):
    """Converting float16 arrays truncates them to integers: every float16 case is blocked."""

    def from_numpy(self, array: np.ndarray) -> Any:
        if array.dtype == np.float16:
            array = np.trunc(array)
        return super().from_numpy(array)


class ViewCopies(Patched):
    """unsqueeze returns a copy instead of a view (memory is not shared)."""

    patches = {"torch.unsqueeze": "unsqueeze"}

    def unsqueeze(self, input: Any, dim: int) -> Any:
        return self.ref.unsqueeze(input, dim).clone()


class NoMemorySharing(ViewCopies):
    """Copies instead of views, and says so: sharing checks are skipped, not failed."""

    capabilities = ReferenceAdapter.capabilities - {"shares_memory"}


class CrashesAndHangs(Patched):
    """squeeze with a repeated dim takes the process down; unsqueeze(2-d, -4) never returns.

    Both triggers are inputs only the spec's error cases use (generated dims are valid and
    distinct), so every other case still runs normally.
    """

    patches = {"torch.squeeze": "squeeze", "torch.unsqueeze": "unsqueeze"}

    def squeeze(self, input: Any, *dim: Any) -> Any:
        if dim == ((0, 0),):
            import ctypes

            ctypes.string_at(0)  # a segmentation fault, as a buggy C extension would have
        return self.ref.squeeze(input, *dim)

    def unsqueeze(self, input: Any, dim: int) -> Any:
        if dim == -4 and input.dim() == 2:
            import time

            time.sleep(3600)
        return self.ref.unsqueeze(input, dim)


class SinLosesNegativeZero(Patched):
    """sin computed as ``np.sin(x) + 0.0``: sin(-0.0) comes back as +0.0."""

    patches = {"torch.sin": "sin"}

    def sin(self, input: Any, **kwargs: Any) -> Any:
        return self.ref.add(self.ref.sin(input, **kwargs), 0.0)


class Atan2SwapsArguments(Patched):
    """atan2(y, x) computed as atan2(x, y)."""

    patches = {"torch.atan2": "atan2"}

    def atan2(self, input: Any, other: Any, **kwargs: Any) -> Any:
        return self.ref.atan2(other, input, **kwargs)


class TrigKeepsIntegerDtype(Patched):
    """cos of an integer tensor returns the integer dtype instead of the default float."""

    patches = {"torch.cos": "cos"}

    def cos(self, input: Any, **kwargs: Any) -> Any:
        result = self.ref.cos(input, **kwargs)
        return result if input.is_floating_point() or input.is_complex() else result.to(input.dtype)


class AsTensorAlwaysCopies(Patched):
    """as_tensor copies a numpy array or tensor even when its dtype and device already fit."""

    patches = {"torch.as_tensor": "as_tensor"}

    def as_tensor(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        result = self.ref.as_tensor(data, *args, **kwargs)
        return result.clone() if result is data or isinstance(data, np.ndarray) else result


class RangeExcludesEnd(Patched):
    """range(start, end, step) stops before end, like arange."""

    patches = {"torch.range": "range"}

    def range(self, start: Any = 0, end: Any = None, step: Any = 1, **kwargs: Any) -> Any:
        kwargs.setdefault("dtype", self.ref.get_default_dtype())
        return self.ref.arange(start, end, step, **kwargs)


class LogspaceIgnoresBase(Patched):
    """logspace always uses base 10, whatever base says."""

    patches = {"torch.logspace": "logspace"}

    def logspace(self, start: Any, end: Any, steps: Any, base: Any = 10.0, **kwargs: Any) -> Any:
        return self.ref.logspace(start, end, steps, 10.0, **kwargs)


class TensorSplitRemainderLast(Patched):
    """tensor_split(x, n) with n not dividing the size gives the larger parts last, not first."""

    patches = {"torch.tensor_split": "tensor_split"}

    def tensor_split(self, input: Any, sections: Any, dim: int = 0) -> Any:
        if not isinstance(sections, int) or input.dim() == 0:
            return self.ref.tensor_split(input, sections, dim)
        size = input.shape[dim]
        small, extra = divmod(size, sections)
        ends = [(i + 1) * small + max(0, i + 1 - (sections - extra)) for i in range(sections)]
        return self.ref.tensor_split(input, ends[:-1], dim)


class EnableGradExitsEnabled(Patched):
    """enable_grad leaves grad mode on when it exits instead of restoring the mode before it."""

    patches = {"torch.enable_grad": "enable_grad"}

    def enable_grad(self, orig_func: Any = None) -> Any:
        ref = self.ref

        class EnableGrad(ref.enable_grad):
            def __exit__(self, *exc: Any) -> None:
                ref.set_grad_enabled(True)

        return EnableGrad(orig_func)


class IsGradEnabledIgnoresInference(Patched):
    """is_grad_enabled() answers True inside inference_mode (it reads a flag inference_mode
    does not clear)."""

    patches = {"torch.is_grad_enabled": "is_grad_enabled"}

    def is_grad_enabled(self) -> bool:
        return self.ref.is_grad_enabled() or self.ref.is_inference_mode_enabled()


class InferenceModeIgnoresMode(Patched):
    """inference_mode(False) enters inference mode like inference_mode(True)."""

    patches = {"torch.inference_mode": "inference_mode"}

    def inference_mode(self, mode: Any = True) -> Any:
        return self.ref.inference_mode(True if isinstance(mode, bool) else mode)


class IsInferenceModeFollowsGradMode(Patched):
    """is_inference_mode_enabled() is True whenever grad mode is off (under no_grad too)."""

    patches = {"torch.is_inference_mode_enabled": "is_inference_mode_enabled"}

    def is_inference_mode_enabled(self) -> bool:
        return not self.ref.is_grad_enabled()


class TransposeCopies(Patched):
    """torch.transpose returns a contiguous copy instead of a view with swapped strides."""

    patches = {"torch.transpose": "transpose"}

    def transpose(self, input: Any, *args: Any) -> Any:
        return self.ref.transpose(input, *args).contiguous().clone()


class ZerosIgnoresRequiresGrad(Patched):
    """zeros(..., requires_grad=True) returns a tensor that does not require grad."""

    patches = {"torch.zeros": "zeros"}

    def zeros(self, *size: Any, requires_grad: bool = False, **kwargs: Any) -> Any:
        return self.ref.zeros(*size, **kwargs)


class OnesClampsNegativeSize(Patched):
    """ones with a negative size gives an empty dim instead of raising."""

    patches = {"torch.ones": "ones"}

    def ones(self, *size: Any, **kwargs: Any) -> Any:
        if size and all(isinstance(n, int) for n in size):
            size = tuple(max(n, 0) for n in size)
        return self.ref.ones(*size, **kwargs)


class EmptyIgnoresRequiresGrad(Patched):
    """empty(..., requires_grad=True) returns a tensor that does not require grad."""

    patches = {"torch.empty": "empty"}

    def empty(self, *size: Any, requires_grad: bool = False, **kwargs: Any) -> Any:
        return self.ref.empty(*size, **kwargs)


class FromNumpyCopies(Patched):
    """from_numpy copies the array instead of sharing its memory."""

    patches = {"torch.from_numpy": "from_numpy_copy"}

    def from_numpy_copy(self, ndarray: Any) -> Any:
        return self.ref.from_numpy(ndarray).clone()


class CloneDetaches(Patched):
    """clone returns a copy cut from the graph: no gradient flows back to the input."""

    patches = {"torch.clone": "clone"}

    def clone(self, input: Any, **kwargs: Any) -> Any:
        return self.ref.clone(input, **kwargs).detach().requires_grad_(input.requires_grad)


class ItemOfBoolIsInt(MethodsPatched):
    """item() of a bool tensor returns the int 1 or 0 instead of True or False."""

    methods = {"item": "item"}

    def item(self, tensor: Any) -> Any:
        value = self.ref.Tensor.item(tensor)
        return int(value) if isinstance(value, bool) else value


class TolistOfScalarIsList(MethodsPatched):
    """tolist() of a 0-dim tensor returns a one-element list instead of the number."""

    methods = {"tolist": "tolist"}

    def tolist(self, tensor: Any) -> Any:
        return self.ref.Tensor.tolist(tensor.reshape(-1) if tensor.dim() == 0 else tensor)


class NumpyCopies(MethodsPatched):
    """numpy() returns a copy of the data instead of an array sharing the tensor's memory."""

    methods = {"numpy": "numpy"}

    def numpy(self, tensor: Any, **kwargs: Any) -> Any:
        return self.ref.Tensor.numpy(tensor, **kwargs).copy()


class ViewCopiesWhenStridesDisagree(MethodsPatched):
    """view() of a tensor whose strides do not allow it copies (reshape) instead of raising."""

    methods = {"view": "view"}

    def view(self, tensor: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.ref.Tensor.view(tensor, *args, **kwargs)
        except RuntimeError as error:
            if "stride" not in str(error):
                raise
            return self.ref.Tensor.view(tensor.contiguous(), *args, **kwargs)


class TransposeWrapsLikeUnsqueeze(MethodsPatched):
    """Tensor.transpose wraps a negative dim by ndim + 1 (unsqueeze's rule): -1 is past the end."""

    methods = {"transpose": "transpose"}

    def transpose(self, tensor: Any, *dims: Any) -> Any:
        dims = tuple(d + tensor.dim() + 1 if isinstance(d, int) and d < 0 else d for d in dims)
        return self.ref.Tensor.transpose(tensor, *dims)


class DetachCopies(MethodsPatched):
    """detach() returns a copy cut from the graph instead of a view of the same data."""

    methods = {"detach": "detach"}

    def detach(self, tensor: Any) -> Any:
        return self.ref.Tensor.detach(tensor).clone()


class NewTensorInfersDtype(MethodsPatched):
    """new_tensor(data) takes the dtype inferred from data instead of the receiver's."""

    methods = {"new_tensor": "new_tensor"}

    def new_tensor(self, tensor: Any, data: Any, **kwargs: Any) -> Any:
        kwargs.setdefault(
            "dtype", self.ref.tensor(data).dtype if not hasattr(data, "dtype") else None
        )
        return self.ref.Tensor.new_tensor(tensor, data, **kwargs)


class NewFullTakesFillDtype(MethodsPatched):
    """new_full(size, fill) takes the fill value's dtype (as torch.full does) instead of the
    receiver's."""

    methods = {"new_full": "new_full"}

    def new_full(self, tensor: Any, size: Any, fill_value: Any, **kwargs: Any) -> Any:
        if "dtype" in kwargs or isinstance(fill_value, str):
            return self.ref.Tensor.new_full(tensor, size, fill_value, **kwargs)
        return self.ref.full(size, fill_value, device=tensor.device, **kwargs)


class NewEmptyIgnoresDtype(MethodsPatched):
    """new_empty(size, dtype=d) keeps the receiver's dtype instead of d."""

    methods = {"new_empty": "new_empty"}

    def new_empty(self, tensor: Any, *size: Any, dtype: Any = None, **kwargs: Any) -> Any:
        return self.ref.Tensor.new_empty(tensor, *size, **kwargs)


class NewOnesTakesFirstSize(MethodsPatched):
    """new_ones(2, 3) takes only the first size (a 1-d tensor of 2) instead of the shape (2, 3)."""

    methods = {"new_ones": "new_ones"}

    def new_ones(self, tensor: Any, *size: Any, **kwargs: Any) -> Any:
        return self.ref.Tensor.new_ones(tensor, *size[:1], **kwargs)


class NewZerosInheritsRequiresGrad(MethodsPatched):
    """new_zeros of a tensor that requires grad requires grad too (it should default to False)."""

    methods = {"new_zeros": "new_zeros"}

    def new_zeros(self, tensor: Any, *size: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("requires_grad", tensor.requires_grad)
        return self.ref.Tensor.new_zeros(tensor, *size, **kwargs)


class TensorSplitNegativeIndicesUnwrapped(Patched):
    """tensor_split(x, indices) takes a negative index as 0 instead of counting from the end."""

    patches = {"torch.tensor_split": "tensor_split"}

    def tensor_split(self, input: Any, sections: Any, dim: int = 0) -> Any:
        if isinstance(sections, (list, tuple)):
            sections = [max(int(i), 0) for i in sections]
        return self.ref.tensor_split(input, sections, dim)


class AsTensorKeepsTensorDtype(Patched):
    """as_tensor(t, dtype=d) of a tensor returns t unchanged, ignoring d."""

    patches = {"torch.as_tensor": "as_tensor"}

    def as_tensor(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(data, self.ref.Tensor):
            return data
        return self.ref.as_tensor(data, *args, **kwargs)


class CloneMakesContiguous(Patched):
    """torch.clone returns a contiguous copy whatever the input's strides (no preserve_format)."""

    patches = {"torch.clone": "clone"}

    def clone(self, input: Any, **kwargs: Any) -> Any:
        if "memory_format" in kwargs:
            return self.ref.clone(input, **kwargs)
        return self.ref.clone(input, memory_format=self.ref.contiguous_format)


class ViewDtypeConvertsValues(MethodsPatched):
    """view(dtype) of the same element size converts the values instead of reinterpreting
    the bytes."""

    methods = {"view": "view"}

    def view(self, tensor: Any, *args: Any, **kwargs: Any) -> Any:
        dtype = kwargs.get("dtype", args[0] if len(args) == 1 else None)
        if isinstance(dtype, self.ref.dtype) and dtype.itemsize == tensor.dtype.itemsize:
            return tensor.to(dtype)
        return self.ref.Tensor.view(tensor, *args, **kwargs)


class LogspaceInFloat32(Patched):
    """logspace computes base ** linspace in float32 and casts, losing float64's digits."""

    patches = {"torch.logspace": "logspace"}

    def logspace(self, *args: Any, dtype: Any = None, **kwargs: Any) -> Any:
        if dtype != self.ref.float64:
            return self.ref.logspace(*args, dtype=dtype, **kwargs)
        out = kwargs.pop("out", None)
        result = self.ref.logspace(*args, dtype=self.ref.float32, **kwargs).to(dtype)
        return result if out is None else write_out(out, result, "out")


class InferenceModeDecoratorDoesNothing(Patched):
    """@inference_mode() used as a decorator returns the function unchanged."""

    patches = {"torch.inference_mode": "inference_mode"}

    def inference_mode(self, mode: Any = True) -> Any:
        if callable(mode):
            return mode

        class InferenceMode(self.ref.inference_mode):
            def __call__(self, func: Any) -> Any:
                return func

        return InferenceMode(mode)


class ItemTakesFirstElement(MethodsPatched):
    """item() of a tensor of several elements returns the first instead of raising."""

    methods = {"item": "item"}

    def item(self, tensor: Any) -> Any:
        return self.ref.Tensor.item(tensor.reshape(-1)[0] if tensor.numel() > 1 else tensor)


class NumpyIgnoresForce(MethodsPatched):
    """numpy(force=True) still refuses a tensor that requires grad."""

    methods = {"numpy": "numpy"}

    def numpy(self, tensor: Any, *, force: bool = False) -> Any:
        return self.ref.Tensor.numpy(tensor)


class DetachKeepsRequiresGrad(MethodsPatched):
    """detach() cuts the graph but the result still says requires_grad=True."""

    methods = {"detach": "detach"}

    def detach(self, tensor: Any) -> Any:
        out = self.ref.Tensor.detach(tensor)
        return out.requires_grad_() if tensor.requires_grad else out


class RangeIgnoresDtype(Patched):
    """range(..., dtype=d) returns the default float dtype whatever d is."""

    patches = {"torch.range": "range"}

    def range(self, *args: Any, dtype: Any = None, **kwargs: Any) -> Any:
        return self.ref.range(*args, **kwargs)


class EnableGradDecoratorDoesNothing(Patched):
    """@enable_grad() used as a decorator returns the function unchanged: it runs in the
    caller's grad mode."""

    patches = {"torch.enable_grad": "enable_grad"}

    def enable_grad(self, orig_func: Any = None) -> Any:
        if orig_func is not None:
            return orig_func

        class EnableGrad(self.ref.enable_grad):
            def __call__(self, func: Any) -> Any:
                return func

        return EnableGrad()


class ZerosIgnoresOut(Patched):
    """zeros(..., out=t) returns a new tensor and leaves t alone."""

    patches = {"torch.zeros": "zeros"}

    def zeros(self, *size: Any, out: Any = None, **kwargs: Any) -> Any:
        return self.ref.zeros(*size, **kwargs)


class AddKeepsLeftDtype(MethodsPatched):
    """tensor + tensor computes in the left operand's dtype (int + float stays int)."""

    methods = {"__add__": "add"}

    def add(self, tensor: Any, other: Any) -> Any:
        result = self.ref.Tensor.__add__(tensor, other)
        return result.to(tensor.dtype) if isinstance(other, self.ref.Tensor) else result


class TensorDtypeIsNumpy(MethodsPatched):
    """Tensor.dtype gives the numpy dtype of the storage instead of the torch dtype."""

    methods = {"dtype": "numpy_dtype"}

    @property
    def numpy_dtype(self) -> Any:  # ``self`` is the tensor: the property is the tensor's
        return self._dtype._np


class DeviceIndexDefaultsToZero(Patched):
    """torch.device('cpu') gets index 0 instead of None: no index and index 0 are one device."""

    patches = {"torch.device": "device"}

    @cached_property
    def device(self) -> type:
        base = self.ref.device

        class device(base, metaclass=standing_in_for(base)):  # noqa: N801 - torch spelling
            __slots__ = ()

            def __init__(self, type: Any = None, index: Any = None) -> None:  # noqa: A002
                super().__init__(type, index)
                if self.index is None:
                    object.__setattr__(self, "_index", 0)

        return device


class LayoutInstantiable(Patched):
    """torch.layout() builds a new, nameless layout instead of refusing."""

    patches = {"torch.layout": "layout"}

    @cached_property
    def layout(self) -> type:
        base = self.ref.layout

        class layout(base, metaclass=standing_in_for(base)):  # noqa: N801 - torch spelling
            def __new__(cls, *args: Any, **kwargs: Any) -> Any:
                return base._make("")

        return layout


def _dtype_with(real: Any, **attributes: Any) -> Any:
    """A dtype equal to ``real`` (same hash, same storage) whose ``attributes`` differ."""
    base = type(real)
    namespace: dict[str, Any] = {
        "__slots__": (),
        "__eq__": lambda self, other: other is self or other is real,
        "__hash__": lambda self: hash(real),
    }
    for name, value in attributes.items():
        namespace[name] = value if callable(value) else property(lambda self, v=value: v)
    fake = object.__new__(type("dtype", (base,), namespace))
    for slot in base.__slots__:
        object.__setattr__(fake, slot, getattr(real, slot))
    return fake


class _WrongDtype(Patched):
    """A dtype of the reference (``target``) with some ``wrong`` attributes."""

    target = ""
    wrong: dict[str, Any] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.patches = {f"torch.{cls.target}": "wrong_dtype"}

    @cached_property
    def wrong_dtype(self) -> Any:
        return _dtype_with(getattr(self.ref, self.target), **self.wrong)


class Float16ItemsizeOfFloat(_WrongDtype):
    """float16.itemsize is 4: half is stored in floats and the size is the storage's."""

    target, wrong = "float16", {"itemsize": 4}


class Bfloat16Unsigned(_WrongDtype):
    """bfloat16.is_signed is False: signedness looked up in a table that lacks bfloat16."""

    target, wrong = "bfloat16", {"is_signed": False}


class Float32SignedOnlyIfInt(_WrongDtype):
    """float32.is_signed is False: is_signed tests the name for "int"."""

    target, wrong = "float32", {"is_signed": False}


class Float64ToComplexSingle(Patched):
    """float64.to_complex() is complex64: every real dtype maps to complex64."""

    patches = {"torch.float64": "float64"}

    @cached_property
    def float64(self) -> Any:
        complex64 = self.ref.complex64
        return _dtype_with(self.ref.float64, to_complex=lambda self: complex64)


class Complex64IsFloatingPoint(_WrongDtype):
    """complex64.is_floating_point is True: "has a float part" taken for floating point."""

    target, wrong = "complex64", {"is_floating_point": True}


class Complex128ItemsizeOfHalf(_WrongDtype):
    """complex128.itemsize is 8, the size of one of its two float64 halves."""

    target, wrong = "complex128", {"itemsize": 8}


class Uint8Signed(_WrongDtype):
    """uint8.is_signed is True: is_signed tests whether the name contains "int"."""

    target, wrong = "uint8", {"is_signed": True}


class Int8Unsigned(_WrongDtype):
    """int8.is_signed is False: int8 taken for a byte, which is unsigned."""

    target, wrong = "int8", {"is_signed": False}


class Int16ItemsizeOfInt(_WrongDtype):
    """int16.itemsize is 4, the size of a C int."""

    target, wrong = "int16", {"itemsize": 4}


class Int32ItemsizeInBits(_WrongDtype):
    """int32.itemsize is 32: the width in bits, not bytes."""

    target, wrong = "int32", {"itemsize": 32}


class Int64ItemsizeOfWindowsLong(_WrongDtype):
    """int64.itemsize is 4, the size of a C long on Windows."""

    target, wrong = "int64", {"itemsize": 4}


class BoolSigned(_WrongDtype):
    """bool.is_signed is True: every non-unsigned integral kind counted as signed."""

    target, wrong = "bool", {"is_signed": True}


def _legacy(adapter: Patched, name: str, dtype: Any, meta: type | None = None) -> type:
    """A legacy tensor type named ``name`` made for ``dtype``, of the reference's metaclass
    or of ``meta`` (a subclass of it)."""
    meta = meta or type(adapter.ref.FloatTensor)
    return meta(name, (), {"dtype": dtype, "is_cuda": False, "is_sparse": False})


class _LegacyMadeFor(Patched):
    """A legacy tensor type (``target``) made for another dtype (``made_for``)."""

    target = made_for = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.patches = {f"torch.{cls.target}": "legacy_type"}

    @cached_property
    def legacy_type(self) -> type:
        return _legacy(self, self.target, getattr(self.ref, self.made_for))


class HalfTensorIsBfloat16(_LegacyMadeFor):
    """torch.HalfTensor is made for bfloat16, the other 16-bit float."""

    target, made_for = "HalfTensor", "bfloat16"


class Bfloat16TensorIsHalf(_LegacyMadeFor):
    """torch.BFloat16Tensor is made for float16."""

    target, made_for = "BFloat16Tensor", "float16"


class FloatTensorTakesAnyFloat(Patched):
    """isinstance(t, torch.FloatTensor) holds for every floating cpu tensor, not only float32."""

    patches = {"torch.FloatTensor": "FloatTensor"}

    @cached_property
    def FloatTensor(self) -> type:  # noqa: N802
        class AnyFloat(type(self.ref.FloatTensor)):
            def __instancecheck__(cls, obj: Any) -> bool:
                return super().__instancecheck__(obj) or (
                    isinstance(obj, self.ref.Tensor) and obj.is_floating_point()
                )

        return _legacy(self, "FloatTensor", self.ref.float32, AnyFloat)


class DoubleTensorBuildsDefaultDtype(Patched):
    """torch.DoubleTensor(data) builds a tensor of the default dtype (float32)."""

    patches = {"torch.DoubleTensor": "DoubleTensor"}

    @cached_property
    def DoubleTensor(self) -> type:  # noqa: N802
        default = self.ref.FloatTensor

        class DefaultDtype(type(default)):
            def __call__(cls, *args: Any, **kwargs: Any) -> Any:
                return default(*args, **kwargs)

        return _legacy(self, "DoubleTensor", self.ref.float64, DefaultDtype)


class ByteTensorIsSigned(_LegacyMadeFor):
    """torch.ByteTensor is made for int8 (a C char taken for a byte)."""

    target, made_for = "ByteTensor", "int8"


class CharTensorIsUnsigned(_LegacyMadeFor):
    """torch.CharTensor is made for uint8 (an unsigned char)."""

    target, made_for = "CharTensor", "uint8"


class ShortTensorIsInt(_LegacyMadeFor):
    """torch.ShortTensor is made for int32."""

    target, made_for = "ShortTensor", "int32"


class IntTensorIsLong(_LegacyMadeFor):
    """torch.IntTensor is made for int64 (Python's int taken for torch's)."""

    target, made_for = "IntTensor", "int64"


class LongTensorIsWindowsLong(_LegacyMadeFor):
    """torch.LongTensor is made for int32, a C long on Windows."""

    target, made_for = "LongTensor", "int32"


class BoolTensorIsByte(_LegacyMadeFor):
    """torch.BoolTensor is made for uint8, the old mask dtype."""

    target, made_for = "BoolTensor", "uint8"


class RequiresGradOnlyForFloats(MethodsPatched):
    """Tensor.requires_grad reads False on complex tensors: only floating point counted."""

    methods = {"requires_grad": "requires_grad_if_float"}

    @property
    def requires_grad_if_float(self) -> bool:  # ``self`` is the tensor
        return self._requires_grad and self._dtype.is_floating_point


class MulPromotesZeroDimLikeTensor(MethodsPatched):
    """tensor * zero-dim tensor promotes as if the zero-dim one had dimensions: float32 times
    a float64 scalar tensor gives float64."""

    methods = {"__mul__": "mul"}

    def mul(self, tensor: Any, other: Any) -> Any:
        result = self.ref.Tensor.__mul__(tensor, other)
        if isinstance(other, self.ref.Tensor) and other.ndim == 0:
            return result.to(self.ref.promote_types(tensor.dtype, other.dtype))
        return result


class DeviceEqualityIgnoresIndex(Patched):
    """torch.device equality compares the type only: cuda:1 == cuda:0."""

    patches = {"torch.device": "device"}

    @cached_property
    def device(self) -> type:
        base = self.ref.device

        class device(base, metaclass=standing_in_for(base)):  # noqa: N801 - torch spelling
            __slots__ = ()
            __hash__ = base.__hash__

            def __eq__(self, other: object) -> bool:
                return isinstance(other, base) and self.type == other.type

        return device


class RequiresGradOnlyOnLeaves(MethodsPatched):
    """Tensor.requires_grad reads True on leaves only: results of recorded ops say False."""

    methods = {"requires_grad": "requires_grad_if_leaf"}

    @property
    def requires_grad_if_leaf(self) -> bool:  # ``self`` is the tensor
        return self._requires_grad and self._is_leaf


#: adapter class -> (items to run, the item whose check must fail)
CAUGHT = {
    "ChunkLikeTensorSplit": (["torch.chunk"], "torch.chunk"),
    "GatherClampsIndex": (["torch.gather"], "torch.gather"),
    "UnsqueezeNegativeOffByOne": (["torch.unsqueeze"], "torch.unsqueeze"),
    "CatWithoutPromotion": (["torch.cat"], "torch.cat"),
    "TensorSharesNumpy": (["torch.tensor"], "torch.tensor"),
    "ArangeIncludesEnd": (["torch.arange"], "torch.arange"),
    "SqueezeIgnoresDim": (["torch.squeeze"], "torch.squeeze"),
    "GlobalGradMode": (["torch.no_grad"], "torch.no_grad"),
    "ViewCopies": (["torch.unsqueeze"], "torch.unsqueeze"),
    "SinLosesNegativeZero": (["torch.sin"], "torch.sin"),
    "Atan2SwapsArguments": (["torch.atan2"], "torch.atan2"),
    "TrigKeepsIntegerDtype": (["torch.cos"], "torch.cos"),
    "AsTensorAlwaysCopies": (["torch.as_tensor"], "torch.as_tensor"),
    "RangeExcludesEnd": (["torch.range"], "torch.range"),
    "LogspaceIgnoresBase": (["torch.logspace"], "torch.logspace"),
    "TensorSplitRemainderLast": (["torch.tensor_split"], "torch.tensor_split"),
    "EnableGradExitsEnabled": (["torch.enable_grad"], "torch.enable_grad"),
    "IsGradEnabledIgnoresInference": (["torch.is_grad_enabled"], "torch.is_grad_enabled"),
    "InferenceModeIgnoresMode": (["torch.inference_mode"], "torch.inference_mode"),
    "IsInferenceModeFollowsGradMode": (
        ["torch.is_inference_mode_enabled"],
        "torch.is_inference_mode_enabled",
    ),
    "TransposeCopies": (["torch.transpose"], "torch.transpose"),
    "ZerosIgnoresRequiresGrad": (["torch.zeros"], "torch.zeros"),
    "OnesClampsNegativeSize": (["torch.ones"], "torch.ones"),
    "EmptyIgnoresRequiresGrad": (["torch.empty"], "torch.empty"),
    "FromNumpyCopies": (["torch.from_numpy"], "torch.from_numpy"),
    "CloneDetaches": (["torch.clone"], "torch.clone"),
    "ItemOfBoolIsInt": (["torch.Tensor.item"], "torch.Tensor.item"),
    "TolistOfScalarIsList": (["torch.Tensor.tolist"], "torch.Tensor.tolist"),
    "NumpyCopies": (["torch.Tensor.numpy"], "torch.Tensor.numpy"),
    "ViewCopiesWhenStridesDisagree": (["torch.Tensor.view"], "torch.Tensor.view"),
    "TransposeWrapsLikeUnsqueeze": (["torch.Tensor.transpose"], "torch.Tensor.transpose"),
    "DetachCopies": (["torch.Tensor.detach"], "torch.Tensor.detach"),
    "NewTensorInfersDtype": (["torch.Tensor.new_tensor"], "torch.Tensor.new_tensor"),
    "NewFullTakesFillDtype": (["torch.Tensor.new_full"], "torch.Tensor.new_full"),
    "NewEmptyIgnoresDtype": (["torch.Tensor.new_empty"], "torch.Tensor.new_empty"),
    "NewOnesTakesFirstSize": (["torch.Tensor.new_ones"], "torch.Tensor.new_ones"),
    "NewZerosInheritsRequiresGrad": (["torch.Tensor.new_zeros"], "torch.Tensor.new_zeros"),
    "TensorSplitNegativeIndicesUnwrapped": (["torch.tensor_split"], "torch.tensor_split"),
    "AsTensorKeepsTensorDtype": (["torch.as_tensor"], "torch.as_tensor"),
    "CloneMakesContiguous": (["torch.clone"], "torch.clone"),
    "ViewDtypeConvertsValues": (["torch.Tensor.view"], "torch.Tensor.view"),
    "LogspaceInFloat32": (["torch.logspace"], "torch.logspace"),
    "InferenceModeDecoratorDoesNothing": (["torch.inference_mode"], "torch.inference_mode"),
    "ItemTakesFirstElement": (["torch.Tensor.item"], "torch.Tensor.item"),
    "NumpyIgnoresForce": (["torch.Tensor.numpy"], "torch.Tensor.numpy"),
    "DetachKeepsRequiresGrad": (["torch.Tensor.detach"], "torch.Tensor.detach"),
    "RangeIgnoresDtype": (["torch.range"], "torch.range"),
    "EnableGradDecoratorDoesNothing": (["torch.enable_grad"], "torch.enable_grad"),
    "ZerosIgnoresOut": (["torch.zeros"], "torch.zeros"),
    "AddKeepsLeftDtype": (["torch.Tensor"], "torch.Tensor"),
    "TensorDtypeIsNumpy": (["torch.dtype"], "torch.dtype"),
    "DeviceIndexDefaultsToZero": (["torch.device"], "torch.device"),
    "LayoutInstantiable": (["torch.layout"], "torch.layout"),
    "Float16ItemsizeOfFloat": (["torch.float16"], "torch.float16"),
    "Bfloat16Unsigned": (["torch.bfloat16"], "torch.bfloat16"),
    "Float32SignedOnlyIfInt": (["torch.float32"], "torch.float32"),
    "Float64ToComplexSingle": (["torch.float64"], "torch.float64"),
    "Complex64IsFloatingPoint": (["torch.complex64"], "torch.complex64"),
    "Complex128ItemsizeOfHalf": (["torch.complex128"], "torch.complex128"),
    "Uint8Signed": (["torch.uint8"], "torch.uint8"),
    "Int8Unsigned": (["torch.int8"], "torch.int8"),
    "Int16ItemsizeOfInt": (["torch.int16"], "torch.int16"),
    "Int32ItemsizeInBits": (["torch.int32"], "torch.int32"),
    "Int64ItemsizeOfWindowsLong": (["torch.int64"], "torch.int64"),
    "BoolSigned": (["torch.bool"], "torch.bool"),
    "HalfTensorIsBfloat16": (["torch.HalfTensor"], "torch.HalfTensor"),
    "Bfloat16TensorIsHalf": (["torch.BFloat16Tensor"], "torch.BFloat16Tensor"),
    "FloatTensorTakesAnyFloat": (["torch.FloatTensor"], "torch.FloatTensor"),
    "DoubleTensorBuildsDefaultDtype": (["torch.DoubleTensor"], "torch.DoubleTensor"),
    "ByteTensorIsSigned": (["torch.ByteTensor"], "torch.ByteTensor"),
    "CharTensorIsUnsigned": (["torch.CharTensor"], "torch.CharTensor"),
    "ShortTensorIsInt": (["torch.ShortTensor"], "torch.ShortTensor"),
    "IntTensorIsLong": (["torch.IntTensor"], "torch.IntTensor"),
    "LongTensorIsWindowsLong": (["torch.LongTensor"], "torch.LongTensor"),
    "BoolTensorIsByte": (["torch.BoolTensor"], "torch.BoolTensor"),
    "RequiresGradOnlyForFloats": (["torch.Tensor.requires_grad"], "torch.Tensor.requires_grad"),
    "MulPromotesZeroDimLikeTensor": (["torch.Tensor"], "torch.Tensor"),
    "DeviceEqualityIgnoresIndex": (["torch.device"], "torch.device"),
    "RequiresGradOnlyOnLeaves": (["torch.Tensor.requires_grad"], "torch.Tensor.requires_grad"),
}
