"""Function forms (``torch.add(a, b)``, ``torch.numel(t)``, ...) of Tensor methods."""

from __future__ import annotations

from ._arith import binary
from ._tensor import Tensor


def is_tensor(obj) -> bool:
    """True when ``obj`` is a Tensor."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:  # noqa: A002
    """Number of elements of ``input``."""
    return input.numel()


def is_floating_point(input: Tensor) -> bool:  # noqa: A002
    """True for floating dtypes."""
    return input.is_floating_point()


def is_complex(input: Tensor) -> bool:  # noqa: A002
    """True for complex dtypes."""
    return input.is_complex()


def _binary(op: str, doc: str):
    def fn(input, other):  # noqa: A002
        if not isinstance(input, Tensor) and not isinstance(other, Tensor):
            raise TypeError(
                f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
            )
        return binary(op, input, other)

    fn.__name__, fn.__doc__ = op, doc
    return fn


def _alpha(op: str, doc: str):
    def fn(input, other, *, alpha=1):  # noqa: A002
        return binary(op, input, other * alpha if alpha != 1 else other)

    fn.__name__, fn.__doc__ = op, doc
    return fn


add = _alpha("add", "``input + alpha * other`` with type promotion.")
sub = subtract = _alpha("sub", "``input - alpha * other`` with type promotion.")
mul = multiply = _binary("mul", "``input * other``.")
true_divide = _binary("div", "``input / other`` (always floating).")

#: ``div``'s rounding modes and the functions that compute them.
_ROUNDING = {
    None: true_divide,
    "trunc": _binary("div_trunc", "``input / other`` rounded toward zero."),
    "floor": _binary("div_floor", "``input / other`` rounded down."),
}


def div(input, other, *, rounding_mode: str | None = None):  # noqa: A002
    """``input / other``: true division (floating), or rounded toward zero (``"trunc"``) or
    down (``"floor"``) in the promoted dtype, integers included."""
    if rounding_mode not in _ROUNDING:
        raise RuntimeError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'"
        )
    return _ROUNDING[rounding_mode](input, other)


divide = div
floor_divide = _binary("floor_divide", "``input // other`` (floor).")
remainder = _binary("remainder", "``input % other`` (sign of the divisor).")
pow = _binary("pow", "``input ** other``.")  # noqa: A001
eq = _binary("eq", "Elementwise ``==``.")
ne = _binary("ne", "Elementwise ``!=``.")
lt = _binary("lt", "Elementwise ``<``.")
le = _binary("le", "Elementwise ``<=``.")
gt = _binary("gt", "Elementwise ``>``.")
ge = _binary("ge", "Elementwise ``>=``.")
bitwise_and = _binary("bitwise_and", "Elementwise ``&``.")
bitwise_or = _binary("bitwise_or", "Elementwise ``|``.")
bitwise_xor = _binary("bitwise_xor", "Elementwise ``^``.")
