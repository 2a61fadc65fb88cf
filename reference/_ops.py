"""The op mechanism: every tensor-producing op runs through ``apply_op`` (or
``apply_view`` / ``apply_inplace``), never by building tensors by hand.

``apply_op(name, fn, *inputs)``:

1. checks that all tensor inputs live on one device,
2. unwraps them to arrays and calls ``fn(*arrays)`` (the array computation, written
   against the array module from ``array_namespace``),
3. wraps each returned array as a Tensor on that device,
4. sets ``requires_grad`` of each output to: grad mode enabled AND the output is
   floating/complex AND some input requires grad (torch's rule; False under no_grad),
5. attaches a backward node (``grad_fn``) built from ``backward``, the op's derivative
   formula (``autograd._formulas``), to the outputs that require grad.

``apply_view`` is the same for ops whose output aliases the input's storage (one generic
derivative: gradients go back to the aliased positions), and ``apply_inplace`` for ops
writing into ``self`` (with torch's leaf/in-place checks, version counters, and the graph
rewired so that ``self`` becomes the op's output). Gradients move to and from aliased
positions by ``take`` and ``put_add``, two ops that are each other's derivative, so double
backward through views works.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import _dtypes
from ._device import CPU, array_namespace, as_device, data_ptr, device
from ._dtypes import dtype
from ._grad_mode import _state as _grad_state
from ._grad_mode import is_inference_mode_enabled, is_recording
from ._strides import strided_view
from ._tensor import Tensor
from .autograd._graph import Formula, Node, record
from .autograd._scatter import positions

__all__ = [
    "apply_op",
    "apply_view",
    "apply_inplace",
    "common_device",
    "xp_of",
    "take",
    "put_add",
]


def common_device(tensors: Sequence[Tensor], default: device = CPU) -> device:
    """The device shared by ``tensors`` (torch's error when they differ)."""
    if not tensors:
        return default
    first = tensors[0]._device
    for t in tensors:
        if t._device is not first:
            break
    else:
        return first
    devs = {t._device for t in tensors}
    if len(devs) > 1:
        a, b = sorted(str(d) for d in devs)[:2]
        raise RuntimeError(
            "Expected all tensors to be on the same device, but found at least "
            f"two devices, {b} and {a}!"
        )
    return devs.pop()


def xp_of(t: Tensor):
    """Array module of a tensor's device."""
    return array_namespace(t._device)


def _finish(
    name: str,
    inputs: Sequence[Tensor],
    outputs: list[Tensor],
    differentiable: bool,
    backward: Formula | None,
) -> None:
    if not differentiable or not _grad_state.grad_enabled or _grad_state.inference:
        return  # no output requires grad (as made) and nothing is recorded
    for t in inputs:
        if t._requires_grad:
            break
    else:
        return
    for out in outputs:
        out._requires_grad = out._dtype._kind in "fc"  # floating point or complex
    record(name, backward, inputs, outputs)


def _device_of(inputs: Sequence[Tensor]) -> device:
    """``common_device(inputs)``: most calls have every input on one device object."""
    if not inputs:
        return CPU
    dev = inputs[0]._device
    for t in inputs:
        if t._device is not dev:
            return common_device(inputs)
    return dev


def apply_op(
    name: str,
    fn: Callable[..., Any],
    *inputs: Tensor,
    dtype: dtype | None = None,
    device: device | None = None,
    differentiable: bool = True,
    backward: Formula | None = None,
) -> Any:
    """Run ``fn`` on the inputs' arrays and wrap its array (or tuple of arrays) result.

    The outputs live on ``device`` when given (a copy across devices), else on the inputs'
    device (cpu without inputs). ``backward`` is the op's derivative formula."""
    common = _device_of(inputs)
    dev = common if device is None else as_device(device)
    result = fn(*[t._data for t in inputs])
    cpu = dev is CPU or dev.type == "cpu"
    if type(result) is not tuple:  # one output: most ops
        out = Tensor._make(
            result if type(result) is np.ndarray or not cpu else np.asarray(result), dtype, dev
        )
        _finish(name, inputs, [out], differentiable, backward)
        return out
    outputs = [
        Tensor._make(a if type(a) is np.ndarray or not cpu else np.asarray(a), dtype, dev)
        for a in result
    ]
    _finish(name, inputs, outputs, differentiable, backward)
    return tuple(outputs)


def apply_view(name: str, fn: Callable[[Any], Any], source: Tensor) -> Any:
    """Like ``apply_op`` for ops returning view(s) of ``source``'s memory."""
    result = fn(source._data)
    base = source._base if source._base is not None else source
    start = source._storage_ptr
    if isinstance(result, (tuple, list)):
        return tuple([_view_out(name, a, source, base, start) for a in result])
    return _view_out(name, result, source, base, start)


def _view_out(name: str, a: Any, source: Tensor, base: Tensor, start: int) -> Tensor:
    """Wrap ``a``, a view of ``source``'s memory, and record the view's derivative."""
    same = a.dtype is source._data.dtype  # the source's dtype, unless viewed as another
    out = Tensor._make(a, source._dtype if same else None, source._device, storage_ptr=start,
                       base=base)
    out._inference = source._inference  # a view of a normal tensor is a normal tensor
    # a view shares its base's requires_grad even under no_grad (it is then a leaf)
    if source._requires_grad and out._dtype._kind in "fc":
        out._requires_grad = True
        if _grad_state.grad_enabled and not _grad_state.inference:  # is_recording()
            record(name, view_formula(out, source), (source,), [out])
    return out


def view_formula(view: Tensor, source: Tensor) -> Formula:
    """Every view's derivative: the gradient goes back to the positions it aliases."""
    arrays, shape = (view._data, source._data), tuple(source.shape)
    unique = _no_overlap(tuple(view.shape), view.stride())
    ids: list = []  # found on the first backward: a forward without backward pays nothing

    def index() -> np.ndarray:
        if not ids:
            ids.append(positions(*arrays))
        return ids[0]

    def fn(node: Node, g: Tensor) -> tuple:
        dims = None if unique else _broadcast_dims(*arrays)
        if dims is not None:  # an expand: the gradient summed over the broadcast dims
            return ((g.sum(dims, keepdim=True) if dims else g).reshape(shape),)
        place = _layout(*arrays) if unique else None
        if place is not None:
            return (put_strided(g, shape, place, index),)
        return (put_add(g, index(), shape, unique),)

    return Formula(fn)


def _no_overlap(shape: tuple[int, ...], strides: tuple[int, ...]) -> bool:
    """Whether no two elements of a view with these sizes and strides share memory: taken
    by increasing stride, each dim steps past all that the smaller ones span."""
    span = 0
    for st, n in sorted((abs(st), n) for st, n in zip(strides, shape, strict=True) if n > 1):
        if st <= span:
            return False
        span += st * (n - 1)
    return True


def _broadcast_dims(view: Any, source: Any) -> tuple[int, ...] | None:
    """The dims ``view`` broadcasts ``source`` along (stride 0 over a side of 1, or leading),
    when it is ``source`` expanded and nothing else, as ``expand`` makes; else None."""
    lead = view.ndim - source.ndim
    if lead < 0 or view.dtype != source.dtype or data_ptr(view) != data_ptr(source):
        return None
    if any(view.strides[d] != 0 and view.shape[d] > 1 for d in range(lead)):
        return None  # a leading dim that moves through memory: not an expand
    dims = list(range(lead))
    for i, (n, st) in enumerate(zip(source.shape, source.strides, strict=True)):
        vn, vst = view.shape[lead + i], view.strides[lead + i]
        if vn == n and (vst == st or n <= 1):
            continue
        if n != 1 or vst != 0:
            return None
        dims.append(lead + i)
    return tuple(dims)


def _layout(view: Any, source: Any) -> tuple | None:
    """Where ``view`` and ``source`` lie in the memory ``source`` spans: ``(span, source
    (offset, strides), view (offset, strides))`` in elements, or None unless both have
    non-negative strides, one dtype size, and ``source`` no element twice."""
    item = source.dtype.itemsize
    if view.dtype.itemsize != item or not source.size:
        return None
    if any(st < 0 or st % item for st in (*view.strides, *source.strides)):
        return None
    if any(st == 0 and n > 1 for st, n in zip(source.strides, source.shape, strict=True)):
        return None
    start = data_ptr(source)
    gap = data_ptr(view) - start
    if gap < 0 or gap % item:
        return None
    span = 1 + sum((n - 1) * st for n, st in zip(source.shape, source.strides, strict=True)) // item
    return (
        span,
        (0, tuple(st // item for st in source.strides)),
        (gap // item, tuple(st // item for st in view.strides)),
    )


def put_strided(g: Any, shape: tuple[int, ...], place: tuple, index: Callable) -> Any:
    """``put_add`` for a view that aliases each element of its source at most once, by
    the view's own strides (``place``: ``_layout``) instead of an index per element;
    ``index()`` gives the positions for the derivative, ``take``."""
    xp = xp_of(g)
    span, (src_offset, src_strides), (view_offset, view_strides) = place

    covered = span == g.numel() == math.prod(shape)  # the view writes every element once

    def fn(a):
        if covered and view_offset == 0 and _laid_out_as(a, view_strides):
            memory = a.ravel(order="K")  # a's own memory is the source's, as the view had it
        else:
            memory = (xp.empty if covered else xp.zeros)(span, dtype=a.dtype)
            strided_view(memory, a.shape, view_strides, view_offset)[...] = a
        return xp.ascontiguousarray(strided_view(memory, shape, src_strides, src_offset))

    formula = Formula(lambda node, gg: (take(gg, index(), True),))
    return apply_op("put_add", fn, g, backward=formula)


def _laid_out_as(a: Any, strides: tuple[int, ...]) -> bool:
    """Whether numpy array ``a`` has these element strides (positive) on every dim longer than
    1: then, dense, its memory in order is the source the view was taken from (a transpose's
    gradient computed in the transposed layout, as matrix products do, needs no copy)."""
    if type(a) is not np.ndarray:
        return False
    item = a.itemsize
    return all(
        st == s * item and s > 0
        for n, st, s in zip(a.shape, a.strides, strides, strict=True)
        if n > 1
    )


# ----- the differentiable index primitives: each is the other's derivative ---------------
def take(x: Any, ids: np.ndarray, unique: bool = False) -> Any:
    """``x.reshape(-1)[ids]`` as a differentiable op (``unique``: no index repeats)."""
    xp = xp_of(x)
    dev_ids = xp.asarray(ids)
    formula = Formula(lambda node, g: (put_add(g, ids, tuple(x.shape), unique),))
    return apply_op("take", lambda a: a.reshape(-1)[dev_ids], x, backward=formula)


def put_add(g: Any, ids: np.ndarray, shape: tuple[int, ...], unique: bool = False) -> Any:
    """A zero tensor of ``shape`` with ``g`` added at the row-major ``ids`` (repeats add up;
    ``unique`` says there are none, so a plain assignment does)."""
    xp = xp_of(g)
    flat = ids.reshape(-1)
    dev_ids = xp.asarray(flat)
    size = int(np.prod(shape, dtype=np.int64))

    def fn(a):
        values = a.reshape(-1)
        if unique:
            out = xp.zeros(size, dtype=a.dtype)
            out[dev_ids] = values
        elif xp is np and a.dtype.kind in "fV" and a.dtype.itemsize <= 2:  # half types:
            summed = np.bincount(flat, weights=values.astype(np.float64), minlength=size)
            out = summed.astype(a.dtype)  # summed wide
        else:  # in the dtype, in row-major order: torch's scatter_add, bit for bit
            out = xp.zeros(size, dtype=a.dtype)
            xp.add.at(out, dev_ids, values)
        return out.reshape(shape)

    formula = Formula(lambda node, gg: (take(gg, ids, unique),))
    return apply_op("put_add", fn, g, backward=formula)


#: In-place ops torch lets write to a receiver whose elements overlap (stride 0).
_OVERLAP_ALLOWED = frozenset({"fill_", "index_put_"})


def apply_inplace(
    name: str,
    fn: Callable[..., None],
    self: Tensor,
    *others: Tensor,
    backward: Formula | None = None,
) -> Tensor:
    """Run ``fn(self_array, *other_arrays)`` which writes into ``self``; returns ``self``.

    Under grad mode, ``self`` becomes the output of a node whose input is a snapshot of its
    old value; when ``self`` is a view, its base's history is rewired too (torch's
    CopySlices)."""
    common_device((self, *others))
    _check_inplace(name, self)
    tracked = (
        is_recording()
        and (self._dtype.is_floating_point or self._dtype.is_complex)
        and (self._requires_grad or any(t._requires_grad for t in others))
    )
    old = _stand_in(self, copy=True) if tracked else None
    fn(self._data, *[t._data for t in others])
    bump_version(self)
    if tracked:
        _rewire(name, self, old, others, backward)
    return self


def _check_inplace(name: str, self: Tensor) -> None:
    if is_recording() and self._is_leaf and self._requires_grad:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    base = self._base
    if is_recording() and base is not None and base._is_leaf and base._requires_grad:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation."
        )
    if self._inference and not is_inference_mode_enabled():
        raise RuntimeError(
            "Inplace update to inference tensor outside InferenceMode is not "
            "allowed.You can make a clone to get a normal tensor before doing "
            "inplace update.See https://github.com/pytorch/rfcs/pull/17 for more "
            "details."
        )
    if (
        name not in _OVERLAP_ALLOWED
        and self.numel() > 0
        and any(st == 0 and n > 1 for n, st in zip(self.shape, self.stride(), strict=True))
    ):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to "
            "a single memory location. Please clone() the tensor before performing the "
            "operation."
        )


def bump_version(t: Tensor) -> None:
    """Count a write into ``t``'s memory (seen by every view sharing its version counter)."""
    t._version_box[0] += 1


def _stand_in(t: Tensor, copy: bool) -> Tensor:
    """A tensor holding ``t``'s place in the graph before a write into it; with ``copy``, it
    also keeps the old value (formulas may read it)."""
    if copy:
        old = Tensor._make(t._data.copy(), t._dtype, t._device)
    else:
        old = Tensor._make(t._data, t._dtype, t._device, storage_ptr=t._storage_ptr)
    old._requires_grad, old._is_leaf = t._requires_grad, t._is_leaf
    old._grad_fn, old._output_nr = t._grad_fn, t._output_nr
    return old


def _rewire(
    name: str, self: Tensor, old: Tensor, others: Sequence[Tensor], backward: Formula | None
) -> None:
    """Make ``self`` the output of the in-place op, and its base the output of CopySlices."""
    self._requires_grad = True
    record(name.rstrip("_"), backward, (old, *others), [self])
    base = self._base
    if base is None or not is_recording():
        return
    ids, shape = positions(self._data, base._data), tuple(base.shape)
    keep = array_namespace(base._device).ones(shape, dtype=base._dtype._np)
    keep.reshape(-1)[array_namespace(base._device).asarray(ids.reshape(-1))] = 0
    keep_t = Tensor._make(keep, base._dtype, base._device)
    base_old = _stand_in(base, copy=False)
    copy_slices = Formula(lambda node, g: (g * keep_t, take(g, ids)))
    base._requires_grad = True
    node = record("torch::autograd::CopySlices", copy_slices, (base_old, self), [base])
    assert isinstance(node, Node)
    record("as_strided", view_formula(self, base), (base,), [self])


def dtype_of(np_dtype) -> dtype:
    """The reference dtype of an array dtype (TypeError when torch has none)."""
    dt = _dtypes.from_numpy_dtype(np_dtype)
    if dt is None:
        raise TypeError(f"reference: unsupported array dtype {np_dtype}")
    return dt
