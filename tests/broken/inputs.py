"""Broken adapters whose bugs live only in kinds of argument that the spec's generators once
never drew: float endpoints with integer dtypes, 0-dim tensor arguments, index dtypes other
than int64, empty indices, lists and negative entries as dims, tuples of tensors, seeds of
2**63 and more, out= of another dtype, operands of mixed dtypes, decorators inside other
grad modes."""

from __future__ import annotations

from typing import Any

from tests.broken.base import Patched

INTEGER_DTYPES = ("int64", "int32", "int16", "int8", "uint8")


def _name(dtype: Any) -> str:
    """``int64`` for torch.int64 or the reference's int64 (``None`` for None)."""
    return str(dtype).removeprefix("torch.")


class LinspaceRoundsEndpoints(Patched):
    """linspace with an integer dtype rounds float endpoints to the nearest integer instead of
    truncating them (linspace(-2.7, 3, 2, dtype=int64) starts at -3, not -2)."""

    patches = {"torch.linspace": "linspace"}

    def linspace(self, start: Any, end: Any, steps: Any, **kwargs: Any) -> Any:
        if _name(kwargs.get("dtype")) in INTEGER_DTYPES:
            start, end = (round(float(v)) for v in (start, end))
        return self.ref.linspace(start, end, steps, **kwargs)


class LinspaceRejectsTensorSteps(Patched):
    """linspace takes only a Python int for steps, refusing a 0-dim integer tensor."""

    patches = {"torch.linspace": "linspace", "torch.logspace": "logspace"}

    def linspace(self, start: Any, end: Any, steps: Any, **kwargs: Any) -> Any:
        return self.ref.linspace(start, end, _python_int(steps), **kwargs)

    def logspace(self, start: Any, end: Any, steps: Any, *args: Any, **kwargs: Any) -> Any:
        return self.ref.logspace(start, end, _python_int(steps), *args, **kwargs)


def _python_int(steps: Any) -> int:
    if not isinstance(steps, int):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    return steps


class ArangeCountsTruncated(Patched):
    """arange applies int64's rule to every integer dtype: it truncates start and end before
    counting, so arange(-2.5, 3, 1, dtype=int32) has 5 values instead of torch's 6."""

    patches = {"torch.arange": "arange"}

    def arange(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 3 and _name(kwargs.get("dtype")) in INTEGER_DTYPES[1:]:
            args = tuple(int(float(v)) for v in args)
        return self.ref.arange(*args, **kwargs)


class GatherRejectsEmptyIndexOfOtherDtype(Patched):
    """gather checks the index dtype before it looks at the size: an empty uint8, bool or
    float index raises instead of giving an empty result."""

    patches = {"torch.gather": "gather"}

    def gather(self, input: Any, dim: int, index: Any, **kwargs: Any) -> Any:
        if _name(index.dtype) not in ("int64", "int32"):
            raise RuntimeError("gather(): Expected dtype int32/int64 for index")
        return self.ref.gather(input, dim, index, **kwargs)


class GatherOnlyInt64Index(Patched):
    """gather refuses an int32 index (as torch once did)."""

    patches = {"torch.gather": "gather"}

    def gather(self, input: Any, dim: int, index: Any, **kwargs: Any) -> Any:
        if _name(index.dtype) == "int32" and index.numel():
            raise RuntimeError("gather(): Expected dtype int64 for index")
        return self.ref.gather(input, dim, index, **kwargs)


class SumListDimReducesFirst(Patched):
    """sum over a list of dims reduces only its first dim (a tuple works)."""

    patches = {"torch.sum": "sum"}

    def sum(self, input: Any, dim: Any = None, *args: Any, **kwargs: Any) -> Any:
        if isinstance(dim, list):
            dim = dim[0] if dim else None
        return self.ref.sum(input, dim, *args, **kwargs)


class AmaxNegativeDimsInTuple(Patched):
    """amax wraps a negative int dim but not the negative dims of a tuple, which count from
    the front as if they were positive: (-1,) reduces dim 1."""

    patches = {"torch.amax": "amax"}

    def amax(self, input: Any, dim: Any = (), *args: Any, **kwargs: Any) -> Any:
        if isinstance(dim, (tuple, list)) and input.dim():
            dim = tuple(abs(d) % input.dim() for d in dim)
        return self.ref.amax(input, dim, *args, **kwargs)


class StackRejectsTuple(Patched):
    """stack takes only a list of tensors, refusing a tuple."""

    patches = {"torch.stack": "stack"}

    def stack(self, tensors: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(tensors, list):
            kind = type(tensors).__name__
            raise TypeError(f"stack(): argument 'tensors' must be a list, not {kind}")
        return self.ref.stack(tensors, *args, **kwargs)


class ManualSeedRefusesHighSeeds(Patched):
    """torch.manual_seed reads the seed as a signed 64-bit int: seeds from 2**63 to 2**64 - 1,
    which torch takes, overflow."""

    patches = {"torch.manual_seed": "manual_seed"}

    def manual_seed(self, seed: Any) -> Any:
        if int(seed) >= 2**63:
            raise ValueError("Overflow when unpacking long long")
        return self.ref.manual_seed(seed)


class RandintRejectsTensorBounds(Patched):
    """randint takes only Python ints for low and high, refusing 0-dim integer tensors."""

    patches = {"torch.randint": "randint"}

    def randint(self, *args: Any, **kwargs: Any) -> Any:
        if any(isinstance(a, self.ref.Tensor) for a in args):
            raise TypeError("randint(): argument 'high' must be int, not Tensor")
        return self.ref.randint(*args, **kwargs)


class FullInfersFromTensorDtype(Patched):
    """full with a 0-dim tensor fill and no dtype takes the tensor's dtype instead of the
    default for its Python number (a float64 tensor fills float64, not float32)."""

    patches = {"torch.full": "full"}

    def full(self, size: Any, fill_value: Any, *, dtype: Any = None, **kwargs: Any) -> Any:
        if dtype is None and isinstance(fill_value, self.ref.Tensor):
            dtype = fill_value.dtype
        return self.ref.full(size, fill_value, dtype=dtype, **kwargs)


class SinComputesInOutDtype(Patched):
    """sin with out= converts the input to out's dtype first, so a float16 out of a float32
    input rounds before the sine instead of after it."""

    patches = {"torch.sin": "sin"}

    def sin(self, input: Any, *, out: Any = None) -> Any:
        if out is None or out.dtype == input.dtype or not input.is_floating_point():
            return self.ref.sin(input, out=out)
        return self.ref.sin(input.to(out.dtype), out=out)


class Atan2CastsOtherToInputDtype(Patched):
    """atan2 converts other to input's dtype before promoting (an int64 input truncates a
    float other; a float32 input rounds a float64 other)."""

    patches = {"torch.atan2": "atan2"}

    def atan2(self, input: Any, other: Any, **kwargs: Any) -> Any:
        return self.ref.atan2(input, other.to(input.dtype), **kwargs)


class NoGradDecoratorEnablesAfter(Patched):
    """no_grad used as a decorator turns grad mode on when the function returns, instead of
    restoring the mode it found: a decorated call inside a disabled block enables grad."""

    patches = {"torch.no_grad": "no_grad"}

    def no_grad(self, func: Any = None) -> Any:
        ref = self.ref

        class _NoGrad(ref.no_grad):
            def __call__(self, fn: Any) -> Any:
                def wrapped(*args: Any, **kwargs: Any) -> Any:
                    ref.set_grad_enabled(False)
                    try:
                        return fn(*args, **kwargs)
                    finally:
                        ref.set_grad_enabled(True)

                return wrapped

        return _NoGrad()(func) if callable(func) else _NoGrad()


CAUGHT = {
    "LinspaceRoundsEndpoints": (["torch.linspace"], "torch.linspace"),
    "LinspaceRejectsTensorSteps": (["torch.linspace"], "torch.linspace"),
    "ArangeCountsTruncated": (["torch.arange"], "torch.arange"),
    "GatherRejectsEmptyIndexOfOtherDtype": (["torch.gather"], "torch.gather"),
    "GatherOnlyInt64Index": (["torch.gather"], "torch.gather"),
    "SumListDimReducesFirst": (["torch.sum"], "torch.sum"),
    "AmaxNegativeDimsInTuple": (["torch.amax"], "torch.amax"),
    "StackRejectsTuple": (["torch.stack"], "torch.stack"),
    "ManualSeedRefusesHighSeeds": (["torch.manual_seed"], "torch.manual_seed"),
    "RandintRejectsTensorBounds": (["torch.randint"], "torch.randint"),
    "FullInfersFromTensorDtype": (["torch.full"], "torch.full"),
    "SinComputesInOutDtype": (["torch.sin"], "torch.sin"),
    "Atan2CastsOtherToInputDtype": (["torch.atan2"], "torch.atan2"),
    "NoGradDecoratorEnablesAfter": (["torch.set_grad_enabled"], "torch.set_grad_enabled"),
}
