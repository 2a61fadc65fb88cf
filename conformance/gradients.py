"""Gradient checks from the spec's ``differentiable:`` blocks.

``gradient``: the adapter's vector-Jacobian product (VJP, through its ``torch.autograd.grad``)
against the one the reference computes in float64 on the same inputs and cotangent.
``gradcheck``: the analytic VJP against central finite differences of the adapter's own
float64 forward. ``gradgradcheck``: the same for the first-order VJP as a function of the
inputs. ``nondifferentiable``: an op declared ``wrt: []`` gives outputs that do not require
grad, even from inputs that do.

Where the forward and backward one-sided differences disagree, or the central differences
with steps EPS and 2 * EPS do, the function is not differentiable at that point (a tie, a kink,
a jump, a singularity) and the element is not checked; explicit scenarios pin such points. At
most :data:`MAX_ELEMENTS` input elements are checked per example.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from adapters.base import Adapter
from adapters.registry import load_adapter
from conformance import modules, reproducer
from conformance.cases import AUTOGRAD, Case
from conformance.compare import (
    TOLERANCES,
    CheckFailed,
    CheckSkipped,
    eps,
    library_dtype_name,
    numpy_dtype,
)
from conformance.drawing import (
    Settings,
    Trace,
    draw,
    explore_examples,
    plain,
    to_library,
    widen64,
)
from conformance.generators import Strided
from conformance.namespaces import library_env, numpy_env
from spec.dtypes import FLOATING
from spec.expr import EvalError, Expr
from spec.schema import Item, ModuleItem

#: Finite-difference step and tolerances, as ``torch.autograd.gradcheck``'s defaults.
EPS = 1e-6
RTOL, ATOL = 1e-3, 1e-5
#: Input elements perturbed per example (each costs four forward evaluations).
MAX_ELEMENTS = 64
#: The adapter whose float64 gradients ``gradient`` cases are compared with.
ORACLE = "reference"
#: What a ``gradient`` case compares with: the entry's derivative formulas where it has them,
#: else the reference's VJP, or, for the reference itself, finite differences.
FORMULA = "the spec's derivative formula in float64"
WITNESSES = {
    False: "the reference's VJP in float64",
    True: "central differences of the float64 forward",
}
#: Input elements perturbed per example when differences are the witness.
WITNESS_ELEMENTS = 16

Arrays = list[np.ndarray]
Element = tuple[int, int]  # (which wrt tensor, flat index)


@dataclass(frozen=True)
class _Leaf:
    """A drawn array the library receives as a leaf tensor that requires grad."""

    array: np.ndarray

    def __repr__(self) -> str:
        return self.reproduce(None)

    def reproduce(self, adapter: Adapter | None) -> str:
        """How reproducers and counterexamples spell it (see ``reproducer.literal``)."""
        text = reproducer.literal(self.array, adapter)
        if adapter is not None:
            return f"{text}.requires_grad_()"
        return text[:-1] + ", requires_grad=True)" if text.endswith(")") else text


@dataclass(frozen=True)
class _Estimate:
    """Finite differences of ``cotangent . f`` along one input element."""

    central: float
    noise: float  # rounding error the differences may carry
    smooth: bool  # finite, and the one-sided differences agree
    frozen: bool  # some output is non-finite at x and on both sides


@dataclass
class _Function:
    """An item's call as a function of its wrt tensors, the other inputs fixed, on one adapter."""

    adapter: Adapter
    call: Expr
    values: dict[str, Any]
    slots: list[tuple[str, int | None]]
    dtype: str

    def result(self, arrays: Arrays, grad: bool = True) -> tuple[Any, list[Any]]:
        """The call's result, and the wrt leaves (requiring grad when ``grad``)."""
        wrt = {name for name, _ in self.slots}
        lib = {k: to_library(v, self.adapter) for k, v in self.values.items() if k not in wrt}
        leaves = [self.adapter.from_numpy(np.array(a, order="C")) for a in arrays]
        if grad:
            leaves = [t.requires_grad_(True) for t in leaves]
        lib.update(_regroup(self.slots, leaves, self.values))
        return self.call.evaluate(library_env(self.adapter, lib, self.dtype)), leaves

    def forward(self, arrays: Arrays) -> Arrays:
        """The floating outputs as float64 arrays."""
        result, _ = self.result(arrays, grad=False)
        return [self.adapter.to_numpy(t).astype(np.float64) for t in self._floating(result)]

    def gradients(self, outs: list[Any], leaves: list[Any], cots: Arrays, arrays: Arrays) -> Arrays:
        """The VJP of ``outs`` as arrays shaped (and typed) like the inputs."""
        grads = _autograd(self.adapter, outs, leaves, cots)
        return [_as_array(g, a, self.adapter) for g, a in zip(grads, arrays, strict=True)]

    def vjp(self, arrays: Arrays, cots: Arrays) -> Arrays:
        """The first-order VJP at ``arrays`` (float64 arrays)."""
        result, leaves = self.result(arrays)
        return self.gradients(self._floating(result), leaves, cots, arrays)

    def second(self, arrays: Arrays, cots: Arrays, outer: Arrays) -> Arrays:
        """The VJP (cotangent ``outer``) of the first-order VJP as a function of the inputs."""
        result, leaves = self.result(arrays)
        first = _autograd(self.adapter, self._floating(result), leaves, cots, create_graph=True)
        grads = _autograd(self.adapter, first, leaves, outer)
        return [_as_array(g, a, self.adapter) for g, a in zip(grads, arrays, strict=True)]

    def moved(self, adapter: Adapter, values: dict[str, Any], dtype: str) -> _Function:
        """The same function on another adapter, with other values and dtype."""
        return dataclasses.replace(self, adapter=adapter, values=values, dtype=dtype)

    def widened(self, adapter: Adapter) -> _Function:
        """The same function on ``adapter`` in float64."""
        return self.moved(adapter, _widen_all(self.values), "float64")

    @property
    def source(self) -> str:
        """The call as reproducers print it."""
        return self.call.source

    def labels(self) -> list[str]:
        """How messages name each wrt tensor: ``input``, ``tensors[1]``."""
        return [name if pos is None else f"{name}[{pos}]" for name, pos in self.slots]

    def _floating(self, result: Any) -> list[Any]:
        return _floating(result, self.adapter)


@dataclass
class _ModuleFunction(_Function):
    """A module's forward as a function of its wrt inputs and parameters: the drawn slot
    values are loaded (the wrt ones from ``arrays``), and a wrt parameter's leaf is the
    module's own parameter."""

    item: ModuleItem | None = None
    mode: str = "train"
    args: dict[str, Any] = dataclasses.field(default_factory=dict)  # init and inputs, drawn
    built: Any = dataclasses.field(default=None, init=False, repr=False)

    def result(self, arrays: Arrays, grad: bool = True) -> tuple[Any, list[Any]]:
        item, adapter = self.item, self.adapter
        assert item is not None
        wrt = {name: array for (name, _), array in zip(self.slots, arrays, strict=True)}
        if self.built is None:
            self.built = modules.construct(item, adapter, self.args, self.dtype)
        slots = {k: wrt.get(k, self.values.get(k)) for k in [*item.parameters, *item.buffers]}
        modules.load(self.built, slots, adapter)
        modules.set_mode(self.built, self.mode)
        params = dict(self.built.named_parameters())
        inputs = {k: to_library(self.args[k], adapter) for k in item.inputs}
        leaves = []
        for name, _ in self.slots:
            if name in params:
                leaves.append(params[name])
                continue
            leaf = adapter.from_numpy(np.array(wrt[name], order="C"))
            inputs[name] = leaf.requires_grad_(True) if grad else leaf
            leaves.append(inputs[name])
        lib = {k: to_library(self.args[k], adapter) for k in item.init} | inputs
        env = library_env(adapter, lib | {"module": self.built}, self.dtype)
        return item.forward_call.evaluate(env), leaves

    def widened(self, adapter: Adapter) -> _Function:
        wide = dataclasses.replace(self, args=_widen_all(self.args))
        return _Function.widened(wide, adapter)

    @property
    def source(self) -> str:
        assert self.item is not None
        return modules.call_source(self.item, self.values, self.mode)


def _regroup(
    slots: list[tuple[str, int | None]], parts: list[Any], values: dict[str, Any]
) -> dict[str, Any]:
    """Per wrt name its part, or the list of its parts for list inputs (``tensors``)."""
    out: dict[str, Any] = {}
    for name in dict.fromkeys(name for name, _ in slots):
        mine = [p for (n, _), p in zip(slots, parts, strict=True) if n == name]
        out[name] = mine if isinstance(values[name], (list, tuple)) else mine[0]
    return out


def _floating(result: Any, adapter: Adapter) -> list[Any]:
    """The floating tensors of a result (a tensor or nested tuples and lists of them)."""
    if isinstance(result, (list, tuple)):
        return [t for part in result for t in _floating(part, adapter)]
    if adapter.is_tensor(result) and library_dtype_name(adapter, result.dtype) in FLOATING:
        return [result]
    return []


def _requires_grad(tensor: Any) -> bool:
    return tensor is not None and bool(getattr(tensor, "requires_grad", False))


def _autograd(
    adapter: Adapter, outs: list[Any], leaves: list[Any], cots: Arrays, create_graph: bool = False
) -> list[Any]:
    """``torch.autograd.grad`` over the outputs that require grad (None: not reached)."""
    live = [(o, c) for o, c in zip(outs, cots, strict=True) if _requires_grad(o)]
    if not live:
        return [None] * len(leaves)
    grad = adapter.resolve("torch.autograd.grad")
    tensors = [adapter.from_numpy(c.astype(_dtype_of(o, adapter))) for o, c in live]
    found = grad(
        [o for o, _ in live], leaves, tensors, create_graph=create_graph, allow_unused=True
    )
    return list(found)


def _dtype_of(tensor: Any, adapter: Adapter) -> np.dtype:
    return numpy_dtype(library_dtype_name(adapter, tensor.dtype))


def _as_array(grad: Any, leaf: np.ndarray, adapter: Adapter) -> np.ndarray:
    """A gradient as numpy; None is zeros. Its shape and dtype must be the input's."""
    if grad is None:
        return np.zeros_like(leaf)
    array = adapter.to_numpy(grad)
    if array.shape != leaf.shape or array.dtype != leaf.dtype:
        raise CheckFailed(
            f"a gradient has shape {array.shape} and dtype {array.dtype}; the input has "
            f"{leaf.shape} and {leaf.dtype}"
        )
    return array


# ----- drawing and reproducers ----------------------------------------------------------


def _setup(
    case: Case, adapter: Adapter, data: st.DataObject, trace: Trace
) -> tuple[_Function, Arrays, np.random.Generator]:
    """Draw the inputs; the call as a function of the wrt tensors, their values, an rng."""
    item = case.entry.item
    if isinstance(item, ModuleItem):
        return _setup_module(case, adapter, data, trace)
    block = item.differentiable
    call = (block.call if block else None) or item.call
    assert block is not None and call is not None
    drawn = dict(draw(data, block.merged_inputs(item.inputs), case.dtype, trace))
    slots: list[tuple[str, int | None]] = []
    arrays: Arrays = []
    for name in block.wrt:
        value = plain(drawn[name])
        parts = list(enumerate(value)) if isinstance(value, (list, tuple)) else [(None, value)]
        for pos, array in parts:
            if not (isinstance(array, np.ndarray) and array.dtype.kind == "f"):
                raise EvalError(f"differentiable.wrt: {name} is not a floating tensor input")
            slots.append((name, pos))
            arrays.append(np.array(array, order="C"))
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    fn = _Function(adapter, call, drawn, slots, case.dtype or "float64")
    return fn, arrays, np.random.default_rng(seed)


def _setup_module(
    case: Case, adapter: Adapter, data: st.DataObject, trace: Trace
) -> tuple[_Function, Arrays, np.random.Generator]:
    """For a module: its arguments, inputs and slot values drawn, the wrt ones as arrays."""
    item: ModuleItem = case.entry.item  # type: ignore[assignment]
    block = item.differentiable
    assert block is not None
    dtype = case.dtype or "float64"
    drawn = dict(draw(data, item.init | block.merged_inputs(item.inputs), dtype, trace))
    values = drawn | modules.draw_slots(data, item, drawn, dtype, trace)
    slots: list[tuple[str, int | None]] = []
    arrays: Arrays = []
    for name in block.wrt:
        value = plain(values[name])
        if value is None:  # a parameter the drawn arguments leave out (bias=False)
            continue
        if not (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
            raise EvalError(f"differentiable.wrt: {name} is not a floating tensor")
        slots.append((name, None))
        arrays.append(np.array(value, order="C"))
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    fn = _ModuleFunction(
        adapter, item.forward_call, values, slots, dtype, item, item.modes[0], drawn
    )
    return fn, arrays, np.random.default_rng(seed)


def _cotangent(rng: np.random.Generator, tensor: Any, adapter: Adapter) -> np.ndarray:
    """Uniform in [-1, 1], shaped and typed like ``tensor``."""
    return np.asarray(rng.uniform(-1.0, 1.0, tuple(tensor.shape)), dtype=_dtype_of(tensor, adapter))


def _outputs(fn: _Function, result: Any) -> list[Any]:
    """The floating outputs; a declared-differentiable op must make them require grad."""
    outs = _floating(result, fn.adapter)
    if not outs:
        raise CheckFailed("the call has no floating output to differentiate")
    if not any(_requires_grad(t) for t in outs):
        names = ", ".join(dict.fromkeys(n for n, _ in fn.slots))
        raise CheckFailed(f"no floating output requires grad, though {names} do")
    return outs


def _record(trace: Trace, fn: _Function, arrays: Arrays, extra: dict[str, Any]) -> None:
    """The example for the counterexample and reproducer: wrt inputs as leaves, cotangents."""
    trace.values.update(_regroup(fn.slots, [_Leaf(a) for a in arrays], fn.values))
    trace.values.update(extra)


def _grad_call(fn: _Function, result: Any, second: bool = False) -> str:
    """Source of the (second-order) VJP for reproducers."""
    call = fn.source
    outs = call if fn.adapter.is_tensor(result) else f"[t for t in {call} if t.is_floating_point()]"
    names = dict.fromkeys(n for n, _ in fn.slots)
    wrt = ", ".join(f"*{n}" if isinstance(fn.values[n], (list, tuple)) else n for n in names)
    first = f"torch.autograd.grad({outs}, [{wrt}], grad_outputs, allow_unused=True"
    if not second:
        return first + ")"
    return f"torch.autograd.grad({first}, create_graph=True), [{wrt}], grad_grad_outputs)"


# ----- finite differences -----------------------------------------------------------------


def _sample(rng: np.random.Generator, arrays: Arrays, most: int = MAX_ELEMENTS) -> list[Element]:
    """Up to ``most`` (tensor, flat index) pairs, all of them when there are few."""
    sizes = [a.size for a in arrays]
    total = sum(sizes)
    picks = range(total) if total <= most else np.sort(rng.choice(total, most, replace=False))
    offsets = np.cumsum([0, *sizes])
    out = []
    for pick in picks:
        k = int(np.searchsorted(offsets, pick, side="right")) - 1
        out.append((k, int(pick - offsets[k])))
    return out


def _nudge(arrays: Arrays, element: Element, delta: float) -> tuple[Arrays, float]:
    """The inputs with one element moved by ``delta``, and the step actually taken."""
    k, i = element
    moved = arrays[k].copy()
    moved.flat[i] += delta
    out = list(arrays)
    out[k] = moved
    return out, abs(float(moved.flat[i]) - float(arrays[k].flat[i]))


def _numeric(
    f: Callable[[Arrays], Arrays], arrays: Arrays, cots: Arrays, elements: list[Element]
) -> dict[Element, _Estimate]:
    """Finite differences of ``cots . f`` along each element, with steps EPS and 2 * EPS."""
    base = f(arrays)
    out = {}
    for element in elements:
        moves = [_nudge(arrays, element, delta) for delta in (EPS, -EPS, 2 * EPS, -2 * EPS)]
        steps = [step for _, step in moves]
        if not all(step > 0 and np.isfinite(step) for step in steps):
            out[element] = _Estimate(np.nan, 0.0, smooth=False, frozen=False)
            continue
        near = _estimate(base, f(moves[0][0]), f(moves[1][0]), steps[:2], cots)
        far = _estimate(base, f(moves[2][0]), f(moves[3][0]), steps[2:], cots)
        out[element] = _Estimate(
            near.central, near.noise, near.smooth and far.smooth and _close(near, far), near.frozen
        )
    return out


def _close(near: _Estimate, far: _Estimate) -> bool:
    """Central differences with steps EPS and 2 * EPS agree (a jump halves the second)."""
    bound = ATOL + RTOL * max(abs(near.central), abs(far.central)) + 2 * near.noise
    return abs(near.central - far.central) <= bound


def _estimate(
    base: Arrays, plus: Arrays, minus: Arrays, steps: list[float], cots: Arrays
) -> _Estimate:
    """Central difference; smooth when finite and the one-sided differences agree."""
    rise = fall = scale = 0.0
    frozen = False
    with np.errstate(invalid="ignore", over="ignore"):
        for f0, fp, fm, v in zip(base, plus, minus, cots, strict=True):
            stuck = ~np.isfinite(f0) & ~np.isfinite(fp) & ~np.isfinite(fm)
            frozen = frozen or bool(stuck.any())
            rise += float(np.sum(np.where(stuck, 0.0, v * (fp - f0))))
            fall += float(np.sum(np.where(stuck, 0.0, v * (f0 - fm))))
            # every finite output counts: a change below an output's rounding is invisible,
            # so an output that did not move may still depend on the element
            size = np.maximum(np.maximum(np.abs(f0), np.abs(fp)), np.abs(fm))
            scale += float(np.sum(np.where(stuck | ~np.isfinite(size), 0.0, np.abs(v) * size)))
    forward, backward = rise / steps[0], fall / steps[1]
    noise = 4 * eps(np.float64) * scale / min(steps)
    agree = abs(forward - backward) <= ATOL + RTOL * max(abs(forward), abs(backward)) + 2 * noise
    central = (rise + fall) / (steps[0] + steps[1])
    return _Estimate(central, noise, bool(np.isfinite(central) and agree), frozen)


# ----- comparison -------------------------------------------------------------------------


@dataclass
class _Tally:
    """Elements compared, skipped, and the mismatches (excess, label, analytic, expected)."""

    checked: int = 0
    skipped: int = 0
    bad: list[tuple[float, str, float, float]] | None = None

    def miss(self, excess: float, where: str, got: float, want: float) -> None:
        self.bad = [*(self.bad or []), (excess, where, got, want)]


def _where(fn: _Function, arrays: Arrays, element: Element) -> str:
    """``input[1, 2]``: the wrt tensor and the element's index."""
    k, i = element
    if not arrays[k].ndim:
        return fn.labels()[k]
    return f"{fn.labels()[k]}{[int(j) for j in np.unravel_index(i, arrays[k].shape)]}"


def _verdict(tally: _Tally, what: str, names: tuple[str, str], tolerance: str) -> None:
    """Raise with the worst mismatch, if any."""
    if not tally.bad:
        return
    _, where, got, want = max(tally.bad, key=lambda row: row[0])
    raise CheckFailed(
        f"{what}: {len(tally.bad)} of {tally.checked} checked elements differ ({tolerance}; "
        f"{tally.skipped} not differentiable there, skipped); worst at {where}: "
        f"{names[0]} {got!r}, {names[1]} {want!r}"
    )


def _numeric_verdict(tally: _Tally, what: str) -> None:
    tolerance = f"eps={EPS:g}, rtol={RTOL:g}, atol={ATOL:g}"
    _verdict(
        tally, f"{what}: analytic VJP vs central differences", ("analytic", "numeric"), tolerance
    )


def _against_numeric(
    analytic: Arrays,
    estimates: dict[Element, _Estimate],
    where: Callable[[Element], str],
    tolerance: tuple[float, float] = (RTOL, ATOL),
    scale: Arrays | None = None,
) -> _Tally:
    """Analytic VJP elements against central differences; NaN equals NaN."""
    tally = _Tally()
    for element, est in estimates.items():
        got = float(analytic[element[0]].flat[element[1]])
        if est.frozen and not np.isfinite(got):
            tally.checked += 1
            continue
        if not est.smooth:
            tally.skipped += 1
            continue
        tally.checked += 1
        bound = _bound(est.central, element, tolerance, scale) + est.noise
        if not abs(got - est.central) <= bound:
            tally.miss(_excess(got, est.central, bound), where(element), got, est.central)
    return tally


def _against_reference(
    got: Arrays,
    want: Arrays,
    estimates: dict[Element, _Estimate],
    tolerance: tuple[float, float],
    where: Callable[[Element], str],
    scale: Arrays | None = None,
) -> _Tally:
    """The adapter's gradient elements against the reference's, where it is differentiable."""
    tally = _Tally()
    for element, est in estimates.items():
        if not (est.smooth or est.frozen):
            tally.skipped += 1
            continue
        tally.checked += 1
        if not _agrees(got, want, element, tolerance, scale):
            a = float(got[element[0]].flat[element[1]])
            e = float(want[element[0]].flat[element[1]])
            tally.miss(_excess(a, e, _bound(e, element, tolerance, scale)), where(element), a, e)
    return tally


def _agrees(
    got: Arrays,
    want: Arrays,
    element: Element,
    tolerance: tuple[float, float],
    scale: Arrays | None = None,
) -> bool:
    """One gradient element within :func:`_bound` (NaN equals NaN)."""
    a = float(got[element[0]].flat[element[1]])
    e = float(want[element[0]].flat[element[1]])
    return _equal(a, e) or abs(a - e) <= _bound(e, element, tolerance, scale)


def _bound(
    want: float, element: Element, tolerance: tuple[float, float], scale: Arrays | None
) -> float:
    """``atol + rtol * |want|``, or ``rtol`` of the summed terms' magnitude where that is
    larger: a sum that cancels keeps the rounding of its terms."""
    rtol, atol = tolerance
    size = abs(want)
    if scale is not None:
        size = max(size, float(scale[element[0]].flat[element[1]]))
    return atol + rtol * size


def _magnitudes(
    item: Item, wide: _Function, arrays: Arrays, cots: Arrays, shapes: list[tuple[int, ...]]
) -> Arrays | None:
    """For items that declare accumulated sums (``accuracy``): the reference's VJP at the
    inputs' and cotangents' absolute values, the size of the terms each gradient element
    sums (exactly so for linear maps such as ``linear`` and ``bilinear``); else None."""
    if item.accuracy is None:
        return None
    try:
        sizes = _reference_vjp(wide, [np.abs(a) for a in arrays], [np.abs(c) for c in cots], shapes)
    except Exception:  # noqa: BLE001 - a function undefined at |x| simply gets no widening
        return None
    return [np.abs(g) for g in sizes]


def _excess(got: float, want: float, bound: float) -> float:
    """How many times the allowed error the error is (inf for NaN or infinities)."""
    error = abs(got - want)
    return error / bound if np.isfinite(error) and bound > 0 else np.inf


def _equal(a: float, e: float) -> bool:
    return (np.isnan(a) and np.isnan(e)) or (np.isinf(a) and a == e)


# ----- the checks -------------------------------------------------------------------------


@functools.cache
def _load(name: str) -> Adapter:
    return load_adapter(name)


def oracle() -> Adapter:
    """The adapter whose float64 gradients are the expected values."""
    return _load(ORACLE)


def _tolerance(item: Item, dtype: str, values: dict[str, Any]) -> tuple[float, float]:
    """The dtype's (rtol, atol), rtol widened by the item's accumulated terms (if declared)."""
    given = item.tolerance.get(dtype)
    rtol, atol = (given.rtol, given.atol) if given else TOLERANCES[dtype]
    if item.accuracy is None:
        return rtol, atol
    try:
        env = numpy_env({k: plain(v) for k, v in values.items()}, dtype)
        terms = float(np.max(item.accuracy.terms.evaluate(env), initial=1.0))
    except Exception:  # noqa: BLE001 - the terms may refer to inputs a call override lacks
        terms = 1.0
    return rtol + terms * eps(numpy_dtype(dtype)), atol


@dataclass
class _Example:
    """One drawn example differentiated once: its cotangents and the adapter's VJP."""

    fn: _Function
    arrays: Arrays
    rng: np.random.Generator
    outs: list[Any]
    cots: Arrays
    grads: Arrays


def _first_order(case: Case, adapter: Adapter, data: st.DataObject, trace: Trace) -> _Example:
    fn, arrays, rng = _setup(case, adapter, data, trace)
    result, leaves = fn.result(arrays)
    outs = _outputs(fn, result)
    cots = [_cotangent(rng, t, adapter) for t in outs]
    _record(trace, fn, arrays, {"grad_outputs": cots})
    trace.call = _grad_call(fn, result)
    return _Example(fn, arrays, rng, outs, cots, fn.gradients(outs, leaves, cots, arrays))


def check_gradient(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    """The adapter's VJP against a witness on the same inputs: the entry's ``derivative``
    formulas in float64 where it has them; else the reference's float64 VJP, or, for the
    reference itself, central differences of its float64 forward (its own VJP would be no
    witness)."""
    ref = oracle()
    if AUTOGRAD not in ref.capabilities:
        raise CheckSkipped(f"the {ref.name} adapter (the gradient oracle) has no autograd yet")
    item = case.entry.item
    formulas = isinstance(item, Item) and bool(
        item.differentiable and item.differentiable.derivative
    )
    own = adapter.library == ref.library
    trace.witness = FORMULA if formulas else WITNESSES[own]

    def body(data: st.DataObject) -> None:
        ex = _first_order(case, adapter, data, trace)
        wide = ex.fn.widened(ref)
        args = ([a.astype(np.float64) for a in ex.arrays], [c.astype(np.float64) for c in ex.cots])
        shapes = [tuple(t.shape) for t in ex.outs]
        tol = _tolerance(item, ex.fn.dtype, ex.fn.values)
        where = functools.partial(_where, ex.fn, ex.arrays)
        if own and not formulas:
            elements = _sample(ex.rng, ex.arrays, WITNESS_ELEMENTS)
            estimates = _numeric(wide.forward, *args, elements)
            scale = _magnitudes(item, wide, *args, shapes)
            loose = (max(tol[0], RTOL), max(tol[1], ATOL))
            tally = _against_numeric(ex.grads, estimates, where, loose, scale)
            text = f"eps={EPS:g}, rtol={loose[0]:.3g}, atol={loose[1]:.3g}"
            _verdict(tally, f"gradient vs {trace.witness}", ("got", "numeric"), text)
            return
        if formulas:
            want = _formula_vjp(item, case.dtype, wide, *args)
        else:
            want = _reference_vjp(wide, *args, shapes=shapes)
        elements = _sample(ex.rng, ex.arrays)
        if all(_agrees(ex.grads, want, e, tol) for e in elements):
            return  # differences decide only whether a mismatching element is differentiable
        scale = _magnitudes(item, wide, *args, shapes)
        estimates = _numeric(wide.forward, *args, elements)
        tally = _against_reference(ex.grads, want, estimates, tol, where, scale)
        text = f"rtol={tol[0]:.3g}, atol={tol[1]:.3g}"
        names = ("got", "formula" if formulas else "reference")
        _verdict(tally, f"gradient vs {trace.witness}", names, text)

    explore_examples(opts, body)


def _formula_vjp(
    item: Item, dtype: str | None, wide: _Function, arrays: Arrays, cots: Arrays
) -> Arrays:
    """The entry's ``derivative`` formulas at the float64 inputs: per wrt input, its VJP with
    the cotangents ``grads`` (``grad``: the first) and ``result``, the oracle's value there
    (unless the block replaces the call)."""
    block = item.differentiable
    assert block is not None
    values = dict(wide.values) | _regroup(wide.slots, arrays, wide.values)
    env = numpy_env(values, dtype)
    uses_result = any("result" in f.names for f in block.derivative.values())
    if uses_result and item.oracle is not None and block.call is None:
        env["result"] = item.oracle.evaluate(env)
    env.update(grad=cots[0], grads=list(cots))
    out: Arrays = []
    for name, pos in wide.slots:
        value = block.derivative[name].evaluate(env)
        part = value if pos is None else value[pos]
        array = np.asarray(part, dtype=np.float64)
        if array.shape != arrays[len(out)].shape:
            raise CheckFailed(
                f"differentiable.derivative.{name} has shape {array.shape}; the input has "
                f"{arrays[len(out)].shape} (a mistake of the spec)"
            )
        out.append(array)
    return out


def _widen_all(values: dict[str, Any]) -> dict[str, Any]:
    return {k: widen64(plain(v)) for k, v in values.items()}


def _reference_vjp(
    wide: _Function, arrays: Arrays, cots: Arrays, shapes: list[tuple[int, ...]]
) -> Arrays:
    """The reference's VJP; its floating outputs must have the adapter's shapes."""
    result, leaves = wide.result(arrays)
    outs = _floating(result, wide.adapter)
    theirs = [tuple(t.shape) for t in outs]
    if theirs != shapes:
        raise CheckFailed(f"floating outputs of shapes {shapes}; the reference's are {theirs}")
    return wide.gradients(outs, leaves, cots, arrays)


def check_gradcheck(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    """The analytic VJP against central differences of the adapter's own forward."""

    def body(data: st.DataObject) -> None:
        ex = _first_order(case, adapter, data, trace)
        estimates = _numeric(ex.fn.forward, ex.arrays, ex.cots, _sample(ex.rng, ex.arrays))
        tally = _against_numeric(ex.grads, estimates, functools.partial(_where, ex.fn, ex.arrays))
        _numeric_verdict(tally, "gradcheck")

    explore_examples(opts, body)


def check_gradgradcheck(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    """gradcheck of x -> VJP(f, x, v): second derivatives against differences of the first."""

    def body(data: st.DataObject) -> None:
        fn, arrays, rng = _setup(case, adapter, data, trace)
        result, _ = fn.result(arrays)
        cots = [_cotangent(rng, t, adapter) for t in _outputs(fn, result)]
        outer = [np.asarray(rng.uniform(-1.0, 1.0, a.shape)) for a in arrays]
        _record(trace, fn, arrays, {"grad_outputs": cots, "grad_grad_outputs": outer})
        trace.call = _grad_call(fn, result, second=True)
        analytic = fn.second(arrays, cots, outer)
        first = functools.partial(fn.vjp, cots=cots)
        estimates = _numeric(first, arrays, outer, _sample(rng, arrays))
        where = functools.partial(_where, fn, arrays)
        _numeric_verdict(_against_numeric(analytic, estimates, where), "gradgradcheck")

    explore_examples(opts, body)


def check_nondifferentiable(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    """From floating inputs that require grad, no floating output requires grad."""
    item = case.entry.item
    block = item.differentiable
    call = (block.call if block else None) or item.call
    assert block is not None and call is not None
    leaf = functools.partial(_leaf_tensor, adapter)
    other = functools.partial(to_library, adapter=adapter)

    def body(data: st.DataObject) -> None:
        drawn = dict(draw(data, block.merged_inputs(item.inputs), case.dtype, trace))
        trace.values.update({k: _as_leaves(v, _Leaf) for k, v in drawn.items()})
        trace.call = call.source
        lib = {k: _as_leaves(v, leaf, other) for k, v in drawn.items()}
        result = call.evaluate(library_env(adapter, lib, case.dtype))
        leaked = [i for i, t in enumerate(_floating(result, adapter)) if _requires_grad(t)]
        if leaked:
            raise CheckFailed(
                f"{item.name} is declared not differentiable, but its floating output(s) "
                f"{leaked} require grad when the floating inputs do"
            )

    explore_examples(opts, body)


def _is_floating(value: Any) -> bool:
    return isinstance(value, (np.ndarray, Strided)) and plain(value).dtype.kind == "f"


def _as_leaves(
    value: Any, make: Callable[[np.ndarray], Any], other: Callable[[Any], Any] = lambda v: v
) -> Any:
    """Floating tensor inputs (alone or in a list) through ``make``, the rest through ``other``."""
    if _is_floating(value):
        return make(np.array(plain(value), order="C"))
    if isinstance(value, (list, tuple)) and value and all(map(_is_floating, value)):
        return type(value)(make(np.array(plain(v), order="C")) for v in value)
    return other(value)


def _leaf_tensor(adapter: Adapter, array: np.ndarray) -> Any:
    return adapter.from_numpy(array).requires_grad_(True)


CHECKS: dict[str, Callable[[Case, Adapter, Settings, Trace], None]] = {
    "gradient": check_gradient,
    "gradcheck": check_gradcheck,
    "gradgradcheck": check_gradgradcheck,
    "nondifferentiable": check_nondifferentiable,
}
