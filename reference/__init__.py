"""A torch-shaped reference implementation on numpy: ``import reference as torch``."""

from __future__ import annotations

from . import _methods
from ._arith import abs, allclose, bitwise_not, equal, isclose, neg  # noqa: A004
from ._conversion import clone, detach
from ._creation import (
    arange, as_tensor, empty, empty_like, empty_strided, from_numpy, full, full_like, linspace,
    logspace, ones, ones_like, range, tensor, zeros, zeros_like,
)
from ._device import (
    channels_last, channels_last_3d, contiguous_format, device, layout, memory_format,
    preserve_format, sparse_coo, strided,
)
from ._dtypes import (
    bfloat16, bool, can_cast, cdouble, cfloat, complex64, complex128, double, dtype, finfo,
    float, float16, float32, float64, get_default_dtype, half, iinfo, int, int8, int16, int32,
    int64, long, promote_types, set_default_dtype, short, uint8,
)
from ._functions import (
    add, bitwise_and, bitwise_or, bitwise_xor, div, divide, eq, floor_divide, ge, gt,
    is_complex, is_floating_point, is_tensor, le, lt, mul, multiply, ne, numel, pow, remainder,
    sub, subtract, true_divide,
)
from ._grad_mode import (
    enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
    set_grad_enabled,
)
from ._joining import (
    cat, chunk, concat, concatenate, gather, split, squeeze, stack, tensor_split, unsqueeze,
)
from ._legacy import (
    BFloat16Tensor, BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor,
    IntTensor, LongTensor, ShortTensor,
)
from ._promotion import result_type
from ._size import Size
from ._tensor import Tensor
from ._views import (
    as_strided, flatten, movedim, narrow, permute, reshape, select, swapaxes, swapdims, t,
    transpose, unbind, unflatten,
)

_methods.bind()

__all__ = [name for name in dir() if not name.startswith("_")]
