"""PyTorch's own sample inputs (its OpInfo database) run through a library and through torch.

A second source of inputs beside the spec's generators: the samples PyTorch's developers wrote
for their own tests. Each sample is converted to the library through its adapter (numpy in
between), called there and in torch, and the two results compared: values, dtypes and shapes,
the gradient of a fixed weighted sum of the outputs where both sides record autograd, and the
exception class where torch refuses the sample or OpInfo lists it among an op's error inputs.
Random ops are compared after seeding both libraries alike.
"""

from __future__ import annotations

import contextlib
import dataclasses
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from adapters.base import Adapter, MissingItem
from conformance.compare import TOLERANCES, CheckFailed, assert_values, library_dtype_name

#: Dtypes whose samples are drawn; the others add time without reaching new code.
DTYPES: tuple[str, ...] = (
    "bool", "uint8", "int8", "int16", "int32", "int64",
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
)

#: The verdicts a sample can get.
VERDICTS = ("agree", "disagree", "skipped")

#: Ops returning (values, indices) that leave the indices of tied values unspecified (their
#: spec entries say so), with where their ``dim`` argument sits in a sample's args and its
#: default: indices that pick values equal to torch's agree.
TIED_INDICES: dict[str, tuple[int, int]] = {"torch.topk": (1, -1)}


@dataclasses.dataclass
class Outcome:
    """The verdict on one sample of one op at one dtype, and why."""

    op: str
    variant: str
    dtype: str
    sample: str
    verdict: str
    detail: str = ""


class Unconvertible(Exception):
    """A sample holds a value that cannot be handed to the library (a torch-only object)."""


def opinfos(names: Iterable[str]) -> dict[str, list[Any]]:
    """The OpInfos of PyTorch's database for each ``torch.*`` name that has any."""
    from torch.testing._internal.common_methods_invocations import op_db

    by_name: dict[str, list[Any]] = {}
    for op in op_db:
        by_name.setdefault("torch." + op.name, []).append(op)
    return {name: by_name[name] for name in names if name in by_name}


class Converter:
    """Moves values between torch and the library under test, through numpy."""

    def __init__(self, adapter: Adapter, torch_adapter: Adapter) -> None:
        self.adapter = adapter
        self.torch = torch_adapter
        self.root = torch_adapter.root()

    def dtype_name(self, dtype: Any) -> str:
        """The spec name of a torch dtype (``float32``)."""
        return self.torch.dtype_name(dtype)

    def to_library(self, value: Any) -> Any:
        """The library's version of a sample argument (tensors copied with requires_grad)."""
        torch = self.root
        if isinstance(value, torch.Tensor):
            if value.layout != torch.strided or value.is_quantized:
                raise Unconvertible(f"a {value.layout} tensor")
            try:
                out = self.adapter.from_numpy(self.torch.to_numpy(value))
            except Exception as exc:  # noqa: BLE001 - numpy or the library cannot hold it
                raise Unconvertible(f"a tensor that cannot be converted ({exc})") from None
            if value.requires_grad and "autograd" in self.adapter.capabilities:
                out.requires_grad_(True)
            return out
        if isinstance(value, torch.dtype):
            try:
                return self.adapter.dtype(self.dtype_name(value))
            except (KeyError, AttributeError, ValueError) as exc:
                raise Unconvertible(f"a dtype the library lacks ({exc})") from None
        if isinstance(value, torch.device):
            return str(value)
        if isinstance(value, torch.Size):
            return tuple(value)
        if isinstance(value, (list, tuple)):
            return type(value)(self.to_library(v) for v in value)
        if isinstance(value, dict):
            return {k: self.to_library(v) for k, v in value.items()}
        if value is None or isinstance(value, (bool, int, float, complex, str, slice)):
            return value
        raise Unconvertible(f"a {type(value).__name__} argument")

    def flatten(self, value: Any, library: bool) -> list[Any]:
        """The leaves of a result: arrays for tensors, plain Python values otherwise."""
        adapter = self.adapter if library else self.torch
        if adapter.is_tensor(value):
            name = library_dtype_name(adapter, value.dtype)
            return [("tensor", name, adapter.to_numpy(value))]
        if isinstance(value, (list, tuple)):
            return [leaf for v in value for leaf in self.flatten(v, library)]
        return [("value", type(value).__name__, value)]


def compare_leaves(
    expected: list[Any], actual: list[Any], ulps: float = 1.0, normwise: bool = False
) -> str:
    """Why two flattened results differ, or '' when they agree; ``normwise`` also allows an
    error relative to the largest value (sums, as gradients are, round in their own order)."""
    if len(expected) != len(actual):
        return f"{len(actual)} outputs, torch gives {len(expected)}"
    for i, (left, right) in enumerate(zip(expected, actual, strict=True)):
        (kind_e, type_e, e), (kind_a, type_a, a) = left, right
        where = f"output {i}" if len(expected) > 1 else "result"
        if kind_e != kind_a:
            return f"{where}: a {kind_a}, torch gives a {kind_e}"
        if kind_e == "value":
            if e != a and not (isinstance(e, float) and isinstance(a, float)
                               and np.isnan(e) and np.isnan(a)):
                return f"{where}: {a!r}, torch gives {e!r}"
            continue
        if type_e != type_a:
            return f"{where}: dtype {type_a}, torch gives {type_e}"
        if e.shape != a.shape:
            return f"{where}: shape {tuple(a.shape)}, torch gives {tuple(e.shape)}"
        why = _value_mismatch(e, a, type_e, ulps, normwise)
        if why:
            return f"{where}: {why}"
    return ""


def _value_mismatch(e: np.ndarray, a: np.ndarray, dtype: str, ulps: float,
                    normwise: bool = False) -> str:
    """:func:`conformance.compare.assert_values` at ``ulps`` times its tolerances, as a reason
    (empty when the values agree); ``normwise`` adds an error relative to the largest value."""
    rtol, atol = TOLERANCES.get(dtype, (0.0, 0.0))
    if normwise and e.size:
        magnitude = np.abs(e.astype(np.complex128))
        atol = max(atol, rtol * float(magnitude[np.isfinite(magnitude)].max(initial=0.0)))
    try:
        assert_values(a, e, (rtol * ulps, atol * ulps), what="values")
    except CheckFailed as exc:
        return str(exc).replace("expected", "torch gives")
    return ""


def describe(sample: Any) -> str:
    """A short, readable account of a sample's input, args and kwargs."""
    def show(v: Any) -> str:
        if hasattr(v, "shape") and hasattr(v, "dtype"):
            small = v.numel() <= 6
            body = repr(v.detach().tolist()) if small else f"shape={tuple(v.shape)}"
            return f"tensor({body}, {str(v.dtype).removeprefix('torch.')})"
        if isinstance(v, (list, tuple)):
            inner = ", ".join(show(x) for x in v)
            return f"[{inner}]" if isinstance(v, list) else f"({inner})"
        return repr(v)

    parts = [show(sample.input)] + [show(a) for a in sample.args]
    parts += [f"{k}={show(v)}" for k, v in sample.kwargs.items()]
    return ", ".join(parts)


class CrossCheck:
    """Runs OpInfo samples through torch and through one library, sample by sample."""

    def __init__(self, adapter: Adapter, torch_adapter: Adapter, ulps: float = 4.0) -> None:
        self.convert = Converter(adapter, torch_adapter)
        self.adapter = adapter
        self.torch = torch_adapter.root()
        self.ulps = ulps
        self.autograd = "autograd" in adapter.capabilities

    def run(self, name: str, ops: list[Any]) -> Iterator[Outcome]:
        """Every outcome for one spec'd name, over its OpInfo variants and dtypes."""
        try:
            library_fn = self.adapter.resolve(name)
        except MissingItem as exc:
            yield Outcome(name, "function", "-", "-", "skipped", f"unsupported: {exc}")
            return
        for op in ops:
            variant = op.variant_test_name or "default"
            for dtype in self._dtypes(op):
                for kind, sample, fn in self._samples(op, dtype, library_fn):
                    yield self._one(name, f"{variant}/{kind}", dtype, op, sample, fn)
            yield from self._errors(name, variant, op, library_fn)

    def _errors(self, name: str, variant: str, op: Any, library_fn: Any) -> Iterator[Outcome]:
        """OpInfo's error inputs: the library must raise the class torch documents."""
        if op.error_inputs_func is None:
            return
        try:
            errors = list(op.error_inputs("cpu"))
        except Exception:  # noqa: BLE001 - an error-input builder torch itself cannot run
            return
        torch_fn = _torch_function(self.torch, op)
        if torch_fn is None:
            return
        for error in errors:
            sample = error.sample_input
            result = Outcome(name, f"{variant}/error", "-", describe(sample), "agree")
            lib_args = self._prepare(sample, result)
            if lib_args is None:
                yield result
                continue
            torch_out, torch_exc = self._call(torch_fn, _arguments(sample), True)
            lib_out, lib_exc = self._call(library_fn, lib_args, False)
            if torch_exc is None:
                result.verdict, result.detail = "skipped", "torch accepts this error input"
            else:
                why = self._verdict(torch_out, torch_exc, lib_out, lib_exc)
                if why:
                    result.verdict, result.detail = "disagree", why
            yield result

    def _dtypes(self, op: Any) -> list[Any]:
        supported = op.supported_dtypes("cpu")
        return [d for d in supported if self.convert.dtype_name(d) in DTYPES]

    def _samples(self, op: Any, dtype: Any, library_fn: Any) -> Iterator[tuple[str, Any, Any]]:
        grad = bool(op.supports_autograd and (dtype.is_floating_point or dtype.is_complex))
        method = op.name.rsplit(".", 1)[-1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            samples = list(op.sample_inputs("cpu", dtype, requires_grad=grad))
        torch_fn = _torch_function(self.torch, op)
        for sample in samples:
            if torch_fn is not None:
                yield "function", sample, (torch_fn, library_fn)
            if op.method_variant is not None:
                yield "method", sample, (op.method_variant, _method(method))

    def _one(self, name: str, variant: str, dtype: Any, op: Any, sample: Any,
             fns: tuple[Callable, Callable]) -> Outcome:
        result = Outcome(name, variant, self.convert.dtype_name(dtype), describe(sample), "agree")
        lib_args = self._prepare(sample, result)
        if lib_args is None:
            return result
        torch_out, torch_exc = self._call(fns[0], _arguments(sample), True)
        lib_out, lib_exc = self._call(fns[1], lib_args, False)
        if torch_exc is None and lib_exc is None and op.has_nondeterministic_output:
            torch_out, lib_out = _metadata(torch_out), _metadata(lib_out)
            result.detail = "values unspecified (torch's vary per call): dtypes and shapes compared"
        why = self._verdict(torch_out, torch_exc, lib_out, lib_exc)
        tied = bool(why) and name in TIED_INDICES and self._tied(name, sample, torch_out, lib_out)
        if tied:  # the gradient follows the indices, so it is unspecified too
            why, result.detail = "", "indices of tied values differ (unspecified)"
        if not why and not tied and torch_exc is None and self.autograd:
            why = self._gradients(sample, lib_args, torch_out, lib_out)
        if why:
            result.verdict, result.detail = "disagree", why
        return result

    def _prepare(self, sample: Any, result: Outcome) -> tuple | None:
        """The library's arguments of a sample, or None (``result`` says why it is skipped)."""
        try:
            lib_args = self.convert.to_library(_arguments(sample))
        except Unconvertible as exc:
            result.verdict, result.detail = "skipped", f"sample holds {exc}"
            return None
        if _memory_bound(self.torch, sample):
            result.verdict = "skipped"
            result.detail = "its tensors' memory (overlap, a fixed size) is lost in copying"
            return None
        return lib_args

    def _tied(self, name: str, sample: Any, torch_out: Any, lib_out: Any) -> bool:
        """Whether the library's values are torch's and its indices pick equal values."""
        position, default = TIED_INDICES[name]
        args = sample.args
        dim = sample.kwargs.get("dim", args[position] if len(args) > position else default)
        try:
            values = self.convert.flatten(lib_out[0], True)
            if compare_leaves(self.convert.flatten(torch_out[0], False), values, self.ulps):
                return False
            index = self.convert.torch.from_numpy(self.adapter.to_numpy(lib_out[1]))
            picked = self.torch.gather(sample.input.detach(), dim, index)
            return self.torch.equal(picked, torch_out[0].detach())
        except Exception:  # noqa: BLE001 - indices that cannot be read are not ties
            return False

    def _call(self, fn: Callable, args: tuple, is_torch: bool) -> tuple[Any, Exception | None]:
        first, rest, kwargs = args
        self._seed(is_torch)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return fn(first, *rest, **kwargs), None
        except Exception as exc:  # noqa: BLE001 - every failure is compared, not raised
            return None, exc

    def _seed(self, is_torch: bool) -> None:
        if is_torch:
            self.torch.manual_seed(0)
            return
        with contextlib.suppress(MissingItem):
            self.adapter.resolve("torch.manual_seed")(0)

    def _verdict(self, torch_out: Any, torch_exc: Exception | None, lib_out: Any,
                 lib_exc: Exception | None) -> str:
        if torch_exc is not None:
            if lib_exc is None:
                return f"returns a result; torch raises {_show(torch_exc)}"
            if not _same_class(torch_exc, lib_exc):
                return f"raises {_show(lib_exc)}; torch raises {_show(torch_exc)}"
            return ""
        if lib_exc is not None:
            return f"raises {_show(lib_exc)}; torch returns a result"
        try:
            return compare_leaves(self.convert.flatten(torch_out, False),
                                  self.convert.flatten(lib_out, True), self.ulps)
        except Exception as exc:  # noqa: BLE001 - a result that cannot be read is a finding
            return f"its result cannot be read: {_show(exc)}"

    def _gradients(self, sample: Any, lib_args: tuple, torch_out: Any, lib_out: Any) -> str:
        """Why the gradients of ``sum(w * outputs)`` differ, for fixed weights ``w``."""
        torch_pairs = _grad_pairs(self.torch.is_tensor, torch_out, _arguments(sample))
        if torch_pairs is None:
            return ""
        outs, inputs = torch_pairs
        lib_pairs = _grad_pairs(self.adapter.is_tensor, lib_out, lib_args)
        if lib_pairs is None or len(lib_pairs[0]) != len(outs) or len(lib_pairs[1]) != len(inputs):
            return "records no gradient where torch does"
        # the weights in each output's dtype, the same numbers on both sides
        weights = [self.convert.torch.to_numpy(self.convert.torch.from_numpy(
            _weights(tuple(o.shape))).to(o.dtype)) for o in outs]
        torch_weights = [self.convert.torch.from_numpy(w) for w in weights]
        expected = self.torch.autograd.grad(outs, inputs, torch_weights, allow_unused=True)
        lib_weights = [self.adapter.from_numpy(w) for w in weights]
        try:
            actual = self.adapter.resolve("torch.autograd.grad")(
                lib_pairs[0], lib_pairs[1], lib_weights, allow_unused=True)
        except Exception as exc:  # noqa: BLE001 - the library's failure is the finding
            return f"gradient raises {_show(exc)}; torch computes one"
        why = compare_leaves(self.convert.flatten(list(expected), False),
                             self.convert.flatten(list(actual), True), self.ulps, normwise=True)
        return f"gradient {why}" if why else ""


def _torch_function(torch: Any, op: Any) -> Any:
    """The public torch function of an OpInfo's name: both libraries get the same call, even
    where the OpInfo wraps it (to seed a random op, say)."""
    obj = torch
    for part in op.name.split("."):
        obj = getattr(obj, part, None)
    return obj


def _method(name: str) -> Callable:
    def call(tensor: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(tensor, name)(*args, **kwargs)

    return call


def _same_class(expected: Exception, actual: Exception) -> bool:
    return isinstance(actual, type(expected)) or isinstance(expected, type(actual))


def _show(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}({text[:160]!r})"


def _tensors(value: Any, is_tensor: Callable[[Any], bool]) -> list[Any]:
    if is_tensor(value):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors(v, is_tensor)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v, is_tensor)]
    return []


def _metadata(value: Any) -> Any:
    """A result reduced to its tensors' dtypes and shapes (for values that vary per call)."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return (str(value.dtype).rsplit(".", 1)[-1], tuple(value.shape))
    if isinstance(value, (list, tuple)):
        return [_metadata(v) for v in value]
    return value


def _arguments(sample: Any) -> tuple:
    return sample.input, sample.args, sample.kwargs


def _memory_bound(torch: Any, sample: Any) -> bool:
    """Whether a sample's tensors share or overlap memory, or an ``out=`` cannot be resized:
    copies would lose what the sample is about."""
    tensors = [t for t in _tensors(_arguments(sample), torch.is_tensor)
               if t.layout == torch.strided and t.numel() > 0]
    seen = [t.untyped_storage().data_ptr() for t in tensors]
    overlapping = any(
        st == 0 and n > 1 for t in tensors for n, st in zip(t.shape, t.stride(), strict=True)
    )
    outs = _tensors(sample.kwargs.get("out"), torch.is_tensor)
    fixed = any(not t.untyped_storage().resizable() for t in outs)
    return overlapping or fixed or len(seen) != len(set(seen))


def _grad_pairs(is_tensor: Callable[[Any], bool], out: Any, args: tuple
                ) -> tuple[list[Any], list[Any]] | None:
    """(differentiable outputs, leaf inputs that require grad), or None if there are none."""
    inputs = [t for t in _tensors(args, is_tensor) if t.requires_grad]
    outs = [t for t in _tensors(out, is_tensor) if t.requires_grad]
    if not inputs or not outs:
        return None
    return outs, inputs


def _weights(shape: tuple[int, ...]) -> np.ndarray:
    """A fixed cotangent: distinct values in [-1, 1], so a transposed gradient shows."""
    n = int(np.prod(shape, dtype=np.int64))
    return np.linspace(-1.0, 1.0, n).reshape(shape) if n > 1 else np.full(shape, 0.5)
