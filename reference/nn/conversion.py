"""``Module._apply`` and ``Module.to``: converting every parameter (in place, so that it
keeps its identity), its gradient and every buffer."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from .._conversion import _parse_to
from .._grad_mode import no_grad
from .._tensor import Tensor

__all__ = ["apply_to_tensors", "to_converter"]

_COMPLEX_WARNING = (
    "Complex modules are a new feature under active development whose design may change, "
    "and some modules might not work as expected when using complex tensors as parameters "
    "or buffers. Please file an issue at "
    "https://github.com/pytorch/pytorch/issues/new?template=bug-report.yml if a complex "
    "module does not work as expected."
)


def apply_to_tensors(module: Any, fn: Callable[[Tensor], Tensor], recurse: bool) -> Any:
    """Children first; then ``param.data = fn(param)`` (and the same for ``param.grad``)
    and ``buffer = fn(buffer)``. Returns ``module``."""
    if recurse:
        for child in module.children():
            child._apply(fn)
    for param in module._parameters.values():
        if param is None:
            continue
        with no_grad():
            param.data = fn(param)
            if param.grad is not None:
                param.grad.data = fn(param.grad)
    for key, buf in module._buffers.items():
        if buf is not None:
            module._buffers[key] = fn(buf)
    return module


def to_converter(args: tuple, kwargs: dict) -> Callable[[Tensor], Tensor]:
    """The per-tensor conversion of ``Module.to(*args, **kwargs)``: the device for every
    tensor, the dtype (floating or complex only) for floating and complex tensors."""
    device, dtype, copy = _parse_to(args, dict(kwargs))
    if copy:
        raise RuntimeError(".to() does not accept copy argument")
    if dtype is not None:
        if not (dtype.is_floating_point or dtype.is_complex):
            raise TypeError(
                "nn.Module.to only accepts floating point or complex dtypes, but got "
                f"desired dtype={dtype}"
            )
        if dtype.is_complex:
            warnings.warn(_COMPLEX_WARNING, UserWarning, stacklevel=3)

    def convert(t: Tensor) -> Tensor:
        floating = t.is_floating_point() or t.is_complex()
        return t.to(device=device, dtype=dtype if floating else None)

    return convert
