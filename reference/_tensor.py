"""The Tensor class: a dtype/device-tagged view of a shared array buffer.

A tensor holds ``_data``, an array (numpy for cpu) that is a *view* of a buffer shared by
every tensor viewing the same storage, so views really alias memory. Shape/stride queries
read that array; ops live in other modules and are bound onto the class in ``_methods``,
as are the legacy constructor ``Tensor(...)``, ``repr``, ``backward`` and ``register_hook``
(they need the layers above this one).
"""

from __future__ import annotations

import warnings

import numpy as np

from . import _dtypes
from ._device import (
    CPU,
    channels_last,
    channels_last_3d,
    data_ptr,
    device,
    layout,
    module_of,
    strided,
    to_host,
)
from ._dtypes import c_name, dtype
from ._grad_mode import _state as _grad_state
from ._grad_mode import is_inference_mode_enabled
from ._size import Size
from ._strides import contiguous_strides, memory_format_strides, strided_view, wrap_dim
from ._strides import is_contiguous as _is_contiguous

__all__ = ["Tensor"]


def _data_ptr(arr: np.ndarray) -> int:
    return data_ptr(arr)


def _with_torch_strides(data: np.ndarray) -> np.ndarray:
    """Contiguous or empty arrays get torch's contiguous strides (numpy's can differ for
    size-0 and size-1 dims)."""
    if not data.shape or min(data.shape) > 1:  # contiguous and no dim of 0 or 1: numpy's
        return data
    strides = contiguous_strides(data.shape)
    if data.strides == tuple(s * data.itemsize for s in strides):
        return data
    source = data if data.size else module_of(data).empty(1, dtype=data.dtype)
    return strided_view(source, data.shape, strides)


class Tensor:
    """A multi-dimensional array with torch's API; ``Tensor(...)`` is torch's legacy ctor."""

    __slots__ = (
        "_data",
        "_dtype",
        "_device",
        "_requires_grad",
        "_is_leaf",
        "_grad",
        "_grad_fn",
        "_output_nr",
        "_version_box",
        "_accumulator",
        "_retains_grad",
        "_inference",
        "_sptr",
        "_base",
        "__weakref__",
    )
    __array_priority__ = 1000

    def __init__(self, *args, **kwargs) -> None:
        pass

    @classmethod
    def _make(
        cls,
        data: np.ndarray,
        dtype_: dtype | None = None,
        dev: device = CPU,
        *,
        storage_ptr: int | None = None,
        base: Tensor | None = None,
        exact: bool = False,
    ) -> Tensor:
        """Wrap an array (no copy). ``storage_ptr`` is the start of the shared storage
        (by default the array's first element, read when first needed). A new array's
        size-0 and size-1 dims get torch's contiguous strides unless ``exact`` (strides laid
        out on purpose: ``empty_strided``, ``empty_like``)."""
        self = object.__new__(cls)
        if dtype_ is None:
            dtype_ = _dtypes.from_numpy_dtype(data.dtype)
        elif data.dtype is not dtype_._np and data.dtype != dtype_._np:
            data = data.astype(dtype_._np)
        shape = data.shape
        # only a dim of 0 or 1 can give numpy's contiguous strides another value than torch's
        odd = base is None and shape and min(shape) <= 1 and not exact
        if odd and (data.size == 0 or data.flags.c_contiguous):
            data = _with_torch_strides(data)
        self._data = data
        self._dtype = dtype_
        self._device = dev if dev is CPU or dev.type != "cpu" else CPU  # cpu has no index
        self._requires_grad = False
        self._is_leaf = True
        self._grad = None
        self._grad_fn = None
        self._output_nr = 0
        self._version_box = [0] if base is None else base._version_box
        self._accumulator = None
        self._retains_grad = False
        self._inference = _grad_state.inference
        self._sptr = storage_ptr
        self._base = base
        return self

    @property
    def _storage_ptr(self) -> int:
        """Address of the start of the storage this tensor views."""
        if self._sptr is None:
            self._sptr = _data_ptr(self._data)
        return self._sptr

    @_storage_ptr.setter
    def _storage_ptr(self, value: int) -> None:
        self._sptr = value

    # ----- metadata -------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return tuple.__new__(Size, self._data.shape)  # numpy's lengths are ints already

    def size(self, dim: int | None = None) -> Size | int:
        """The shape, or the length of dimension ``dim``."""
        if dim is None:
            return self.shape
        return self._data.shape[wrap_dim(dim, self.ndim, wrap_scalar=False)]

    @property
    def dtype(self) -> dtype:
        return self._dtype

    @property
    def device(self) -> device:
        return self._device

    @property
    def layout(self) -> layout:
        return strided

    @property
    def is_cuda(self) -> bool:
        return self._device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self._device.type == "cpu"

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        """Number of elements."""
        return int(self._data.size)

    nelement = numel

    def stride(self, dim: int | None = None) -> tuple[int, ...] | int:
        """Strides in elements (all dims, or one)."""
        item = self._data.dtype.itemsize
        strides = tuple(s // item for s in self._data.strides)
        if dim is None:
            return strides
        return strides[wrap_dim(dim, self.ndim, wrap_scalar=False)]

    def storage_offset(self) -> int:
        """Offset of the first element from the start of the storage, in elements."""
        return (_data_ptr(self._data) - self._storage_ptr) // self._data.dtype.itemsize

    def is_contiguous(self, memory_format=None) -> bool:
        """True when row-major contiguous (or in the given memory format)."""
        if memory_format in (channels_last, channels_last_3d):
            want = memory_format_strides(self.shape, memory_format)
            return all(
                s == w for s, w, n in zip(self.stride(), want, self.shape, strict=True) if n != 1
            )
        return _is_contiguous(self._data.shape, self.stride())

    def data_ptr(self) -> int:
        """Address of the first element."""
        return _data_ptr(self._data)

    def element_size(self) -> int:
        """Bytes per element."""
        return self._dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self._dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.numel() * self._dtype.itemsize

    def is_floating_point(self) -> bool:
        """True for floating dtypes."""
        return self._dtype.is_floating_point

    def is_complex(self) -> bool:
        """True for complex dtypes."""
        return self._dtype.is_complex

    @property
    def is_sparse(self) -> bool:
        """Always False: the reference has only strided tensors."""
        return False

    def is_inference(self) -> bool:
        """True for tensors created under inference_mode."""
        return self._inference

    # ----- autograd flags -------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._set_requires_grad(value, "only")

    def _set_requires_grad(self, value: bool, first_word: str) -> None:
        if not self._is_leaf and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if value and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError(
                f"{first_word} Tensors of floating point and complex dtype can require gradients"
            )
        if value and self._inference and not is_inference_mode_enabled():
            raise RuntimeError(
                "Setting requires_grad=True on inference tensor outside "
                "InferenceMode is not allowed."
            )
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self."""
        if requires_grad and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._set_requires_grad(requires_grad, "only")
        return self

    @property
    def is_leaf(self) -> bool:
        return self._is_leaf

    @property
    def grad(self) -> Tensor | None:
        if not self._is_leaf and not self._retains_grad and self._grad is None:
            warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            _check_grad(self, value)
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def grad_fn(self):
        return self._grad_fn

    @property
    def _version(self) -> int:
        return self._version_box[0]

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        """Keep ``.grad`` of a non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._is_leaf or self._retains_grad:
            return
        self._retains_grad = True
        self._grad_fn._retain(self)

    # ----- conversion to Python / numpy ----------------------------------------------
    def _python_array(self) -> np.ndarray:
        data = to_host(self._data)
        return data.astype(np.float32) if self._dtype is _dtypes.bfloat16 else data

    def item(self) -> bool | int | float | complex:
        """The single element as a Python number."""
        if self.numel() != 1:
            raise RuntimeError(
                f"a Tensor with {self.numel()} elements cannot be converted to Scalar"
            )
        return self._python_array().reshape(-1)[0].item()

    def tolist(self) -> list | bool | int | float | complex:
        """Nested Python lists of Python numbers (a number for 0-dim tensors)."""
        return self._python_array().tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The ndarray sharing this tensor's memory."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use "
                "tensor.detach().numpy() instead."
            )
        if self._dtype is _dtypes.bfloat16:
            raise TypeError("Got unsupported ScalarType BFloat16")
        if self._device.type != "cpu":
            raise TypeError(
                f"can't convert {self._device.type}:{self._device.index or 0} "
                "device type tensor to numpy. Use Tensor.cpu() to copy the tensor "
                "to host memory first."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self.detach().numpy()
        return arr if dtype is None else arr.astype(dtype, copy=False)

    # ----- Python protocol -----------------------------------------------------------
    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter([self[i] for i in range(self._data.shape[0])])

    def __bool__(self) -> bool:
        n = self.numel()
        if n != 1:
            what = "no values" if n == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {what} is ambiguous")
        return bool(self.item())

    def _scalar(self) -> bool | int | float | complex:
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __float__(self) -> float:
        if self._dtype.is_complex:
            raise RuntimeError("value cannot be converted to type double without overflow")
        return float(self._scalar())

    def __int__(self) -> int:
        if self._dtype.is_complex:
            raise RuntimeError("value cannot be converted to type int64_t without overflow")
        return int(self._scalar())

    def __complex__(self) -> complex:
        return complex(self._scalar())

    def __index__(self) -> int:
        if self._dtype._kind not in "ib" or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __format__(self, spec: str) -> str:
        if self.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    __hash__ = object.__hash__

    def __reduce_ex__(self, protocol):
        return (
            _rebuild,
            (self._data.copy(), self._dtype._name, str(self._device), self._requires_grad),
        )

    def __deepcopy__(self, memo):
        out = self.clone().detach()
        out._requires_grad = self._requires_grad
        memo[id(self)] = out
        return out


_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)


def _check_grad(t: Tensor, value) -> None:
    """torch's checks when assigning ``.grad``."""
    if not isinstance(value, Tensor):
        raise TypeError(
            "assigned grad expected to be a Tensor or None but got grad of type "
            f"{type(value).__name__}"
        )
    if tuple(value.shape) != tuple(t.shape):
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of "
            f"size '{list(t.shape)}'. Please ensure that the gradient and the tensor are the "
            "same size"
        )
    if value._dtype is not t._dtype:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{c_name(value._dtype)}' to a "
            f"tensor with grad_dtype '{t._dtype._scalar_name}'. The gradient must match the "
            "tensor's grad_dtype (defaults to the tensor's dtype). You can set the tensor's "
            "grad_dtype attribute with a specific dtype, or None to allow any dtype. Set "
            "grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may "
            "break downstream systems that assume they match."
        )
    if value._device != t._device:
        raise RuntimeError(
            f"attempting to assign a gradient located on device with type "
            f"'{value._device.type}' to a tensor located on device with type "
            f"'{t._device.type}'. Please ensure that the gradient and the tensor are on the "
            "same device"
        )


def _rebuild(data: np.ndarray, dtype_name: str, dev: str, requires_grad: bool) -> Tensor:
    """Unpickle a tensor."""
    t = Tensor._make(data, _dtypes._by_name(dtype_name), device(dev))
    t._requires_grad = requires_grad
    return t
