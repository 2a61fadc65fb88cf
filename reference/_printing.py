"""``repr(tensor)`` following torch/_tensor_str.py (precision 4, threshold 1000,
edgeitems 3, linewidth 80)."""

from __future__ import annotations

import math

import numpy as np

from . import _dtypes
from ._tensor import Tensor

PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = 4, 1000, 3, 80


class _Formatter:
    """Chooses int / fixed / scientific notation and the column width for real values."""

    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating, self.int_mode, self.sci_mode, self.max_width = floating, True, False, 1
        values = values.reshape(-1)
        if not floating:
            for v in values.tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return
        vals = values.astype(np.float64)
        finite = vals[np.isfinite(vals) & (vals != 0)]
        if finite.size == 0:
            return
        absv = np.abs(finite)
        vmin, vmax = float(absv.min()), float(absv.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if self.int_mode:
            self.sci_mode = vmax / vmin > 1000.0 or vmax > 1.0e8
            fmt = f"{{:.{PRECISION}e}}" if self.sci_mode else "{:.0f}"
            extra = 0 if self.sci_mode else 1
        else:
            self.sci_mode = vmax / vmin > 1000.0 or vmax > 1.0e8 or vmin < 1.0e-4
            fmt = f"{{:.{PRECISION}e}}" if self.sci_mode else f"{{:.{PRECISION}f}}"
            extra = 0
        for v in finite.tolist():
            self.max_width = max(self.max_width, len(fmt.format(v)) + extra)

    def width(self) -> int:
        return self.max_width

    def format(self, value) -> str:
        if self.floating:
            if self.sci_mode:
                ret = f"{{:{self.max_width}.{PRECISION}e}}".format(value)
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{{:.{PRECISION}f}}".format(value)
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _summarized(arr: np.ndarray) -> np.ndarray:
    """The edge items that are shown when the tensor is summarised."""
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        if arr.shape[0] > 2 * EDGEITEMS:
            return np.concatenate((arr[:EDGEITEMS], arr[-EDGEITEMS:]))
        return arr
    rows = list(arr)
    if len(rows) > 2 * EDGEITEMS:
        rows = rows[:EDGEITEMS] + rows[-EDGEITEMS:]
    return np.stack([_summarized(x) for x in rows])


def _val(v, f1: _Formatter, f2: _Formatter | None) -> str:
    if f2 is None:
        return f1.format(v)
    real = f1.format(v.real)
    imag = (f2.format(v.imag) + "j").lstrip()
    return real + imag if imag[0] in "+-" else real + "+" + imag


def _vector(arr: np.ndarray, indent: int, summarize: bool, f1, f2) -> str:
    width = f1.width() + (f2.width() + 1 if f2 is not None else 0) + 2
    per_line = max(1, int(math.floor((LINEWIDTH - indent) / width)))
    if summarize and arr.shape[0] > 2 * EDGEITEMS:
        data = (
            [_val(v, f1, f2) for v in arr[:EDGEITEMS].tolist()]
            + [" ..."]
            + [_val(v, f1, f2) for v in arr[-EDGEITEMS:].tolist()]
        )
    else:
        data = [_val(v, f1, f2) for v in arr.tolist()]
    lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(arr: np.ndarray, indent: int, summarize: bool, f1, f2) -> str:
    if arr.ndim == 0:
        return _val(arr.item(), f1, f2)
    if arr.ndim == 1:
        return _vector(arr, indent, summarize, f1, f2)
    if summarize and arr.shape[0] > 2 * EDGEITEMS:
        rows = (
            [_nested(arr[i], indent + 1, summarize, f1, f2) for i in range(EDGEITEMS)]
            + ["..."]
            + [
                _nested(arr[i], indent + 1, summarize, f1, f2)
                for i in range(arr.shape[0] - EDGEITEMS, arr.shape[0])
            ]
        )
    else:
        rows = [_nested(arr[i], indent + 1, summarize, f1, f2) for i in range(arr.shape[0])]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _body(t: Tensor, indent: int) -> str:
    arr = t._python_array()
    summarize = arr.size > THRESHOLD
    sample = _summarized(arr) if summarize else arr
    if t._dtype.is_complex:
        f1 = _Formatter(sample.real, True)
        f2 = _Formatter(sample.imag, True)
    else:
        f1, f2 = _Formatter(sample, t._dtype._kind == "f"), None
    return _nested(arr, indent, summarize, f1, f2)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    last = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t: Tensor) -> str:
    """torch's ``repr`` of a strided tensor."""
    prefix, indent, suffixes = "tensor(", 7, []
    default = _dtypes.get_default_dtype()
    default_complex = _dtypes.get_default_complex_dtype()
    if t._device.type != "cpu":
        suffixes.append(f"device='{t._device}'")
    if t.numel() == 0:
        if t.ndim != 1:
            suffixes.append(f"size={tuple(t.shape)}")
        if t._dtype is not default:
            suffixes.append(f"dtype={t._dtype}")
        body = "[]"
    else:
        if t._dtype not in (default, default_complex, _dtypes.int64, _dtypes.bool):
            suffixes.append(f"dtype={t._dtype}")
        body = _body(t, indent)
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{t._grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
