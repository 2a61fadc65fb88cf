"""Checks of ``nn_module`` entries: parameters, initial values, forward, buffers.

Every check builds the module the same way (:func:`build`): constructor arguments and forward
inputs drawn by hypothesis, a value drawn for every parameter and buffer and loaded through
``load_state_dict`` (so the numpy oracle sees every value, as ONNX's node tests do), then the
mode set with ``train()`` or ``eval()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from adapters.base import Adapter
from conformance.cases import Case
from conformance.compare import (
    CheckFailed,
    CheckSkipped,
    dtype_name,
    eps,
    library_dtype_name,
    numpy_dtype,
)
from conformance.drawing import Settings, Trace, draw, explore_examples, numpy_world, to_library
from conformance.namespaces import generator_env, library_env, numpy_env
from conformance.outputs import (
    accumulated_work,
    check_contract,
    compare,
    expected_dtype,
    tolerances_of,
)
from conformance.statistics import ks_normal, ks_uniform
from spec.expr import parse
from spec.schema import INITS, ModuleItem, Slot

#: The generator of a slot's values when the entry names none.
DEFAULT_DRAW = parse("tensor(shape=shape)")
#: Initial values pooled per slot for the distribution tests, and the most constructions.
INIT_SAMPLES, INIT_BUILDS = 2000, 200


@dataclass
class Built:
    """A module built from drawn values, with everything the oracle needs."""

    module: Any
    values: dict[str, Any]  # constructor arguments and forward inputs, as drawn
    slots: dict[str, np.ndarray | None]  # parameter and buffer values (None: absent)
    mode: str
    dtype: str

    def numpy_env(self) -> dict[str, Any]:
        """The oracle's names: arguments, inputs, slot values and ``training``. A submodule's
        slot (``out_proj.weight``) is also bound with ``_`` for ``.`` (``out_proj_weight``)."""
        nested = {k.replace(".", "_"): v for k, v in self.slots.items() if "." in k}
        world = numpy_world(self.values) | nested | self.slots
        return numpy_env(world | {"training": self.mode == "train"}, self.dtype)


def slot_shapes(
    item: ModuleItem, values: dict[str, Any], dtype: str
) -> dict[str, tuple[tuple[int, ...], str] | None]:
    """Each declared slot's shape and dtype name, or None where ``when`` says it is absent."""
    env = numpy_env(numpy_world(values), dtype)
    out: dict[str, tuple[tuple[int, ...], str] | None] = {}
    for name, slot in _slots(item).items():
        if slot.when is not None and not slot.when.evaluate(env):
            out[name] = None
            continue
        shape = slot.shape.evaluate(env)
        shape = (shape,) if isinstance(shape, (int, np.integer)) else shape
        out[name] = (tuple(int(n) for n in shape), slot.dtype or dtype)
    return out


def _slots(item: ModuleItem) -> dict[str, Slot]:
    return {**item.parameters, **item.buffers}


def draw_slots(
    data: st.DataObject, item: ModuleItem, values: dict[str, Any], dtype: str, trace: Trace
) -> dict[str, np.ndarray | None]:
    """A value for every present slot (its ``draw`` generator, or any tensor of its shape)."""
    out: dict[str, np.ndarray | None] = {}
    for name, found in slot_shapes(item, values, dtype).items():
        if found is None:
            out[name] = None
            continue
        shape, slot_dtype = found
        generator = _slots(item)[name].draw or DEFAULT_DRAW
        env = generator_env(numpy_world(values) | {"shape": shape}, slot_dtype)
        value = generator.evaluate(env)
        value = data.draw(value, label=name) if isinstance(value, st.SearchStrategy) else value
        out[name] = np.asarray(numpy_world({name: value})[name])
        trace.values[name] = out[name]
    return out


def construct(item: ModuleItem, adapter: Adapter, values: dict[str, Any], dtype: str) -> Any:
    """The module, from ``construct`` over the constructor arguments; a lazy one after a
    first forward with the drawn inputs (its parameters get their shapes there)."""
    lib = {k: to_library(values[k], adapter) for k in item.init}
    module = item.build.evaluate(library_env(adapter, lib, dtype))
    if item.lazy:
        inputs = {k: to_library(values[k], adapter) for k in item.inputs}
        env = library_env(adapter, lib | inputs | {"module": module}, dtype)
        item.forward_call.evaluate(env)
    return module


def load(module: Any, slots: dict[str, np.ndarray | None], adapter: Adapter) -> None:
    """The drawn slot values into the module, through ``load_state_dict(strict=True)``."""
    state = {k: adapter.from_numpy(v) for k, v in slots.items() if v is not None}
    module.load_state_dict(state)


def set_mode(module: Any, mode: str) -> None:
    module.train() if mode == "train" else module.eval()


def forward(item: ModuleItem, adapter: Adapter, built: Built, inputs: dict[str, Any]) -> Any:
    """``forward`` over the module and the (library) inputs."""
    lib = {k: to_library(built.values[k], adapter) for k in item.init} | inputs
    env = library_env(adapter, lib | {"module": built.module}, built.dtype)
    return item.forward_call.evaluate(env)


def build(
    case: Case, adapter: Adapter, data: st.DataObject, trace: Trace, mode: str | None = None
) -> Built:
    """Draw everything, construct, load the slots, set the mode."""
    item: ModuleItem = case.entry.item  # type: ignore[assignment]
    dtype = case.dtype or "float32"
    values = dict(draw(data, item.init | item.inputs, dtype, trace))
    slots = draw_slots(data, item, values, dtype, trace)
    mode = mode or case.variant or item.modes[0]
    trace.call = call_source(item, slots, mode)
    module = construct(item, adapter, values, dtype)
    load(module, slots, adapter)
    set_mode(module, mode)
    return Built(module, values, slots, mode, dtype)


def call_source(item: ModuleItem, values: dict[str, Any], mode: str) -> str:
    """One expression that rebuilds the module, loads the slots and runs forward."""
    names = [*item.parameters, *item.buffers]
    state = ", ".join(f"{k!r}: {k}" for k in names if values.get(k) is not None)
    return (
        f"(module := {item.build.source}, module.load_state_dict({{{state}}}), "
        f"module.{mode}(), {item.forward_call.source})[-1]"
    )


def _library_inputs(item: ModuleItem, built: Built, adapter: Adapter) -> dict[str, Any]:
    return {k: to_library(built.values[k], adapter) for k in item.inputs}


# ----- the checks -------------------------------------------------------------------------


def check_parameters(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    """Names (in order), shapes, dtypes and requires_grad of parameters and buffers, and
    the state_dict's keys, right after construction."""
    item: ModuleItem = case.entry.item  # type: ignore[assignment]
    dtype = case.dtype or "float32"
    grads = "autograd" in adapter.capabilities_for(item.name)  # else no requires_grad to read

    def body(data: st.DataObject) -> None:
        values = dict(draw(data, item.init | item.inputs, dtype, trace))
        trace.call = item.build.source
        shapes = slot_shapes(item, values, dtype)
        module = construct(item, adapter, values, dtype)
        for what, declared in (("parameters", item.parameters), ("buffers", item.buffers)):
            found = dict(getattr(module, f"named_{what}")())
            _same_names(what, [n for n in declared if shapes[n]], list(found))
            for name, tensor in found.items():
                _slot_matches(name, tensor, shapes[name], declared[name], adapter, what, grads)
        keys = [n for n, s in _slots(item).items() if shapes[n] and s.persistent]
        _same_names("state_dict keys", sorted(keys), sorted(module.state_dict()))

    explore_examples(opts, body)


def _same_names(what: str, want: list[str], got: list[str]) -> None:
    if want != got:
        raise CheckFailed(f"{what}: {got} != expected {want}")


def _slot_matches(
    name: str, tensor: Any, found: Any, slot: Slot, adapter: Adapter, what: str, grads: bool
) -> None:
    shape, dtype = found
    if tuple(tensor.shape) != shape:
        raise CheckFailed(f"{what} {name}: shape {tuple(tensor.shape)} != expected {shape}")
    if (got := library_dtype_name(adapter, tensor.dtype)) != dtype:
        raise CheckFailed(f"{what} {name}: dtype {got} != expected {dtype}")
    if grads and what == "parameters" and bool(tensor.requires_grad) != slot.requires_grad:
        raise CheckFailed(f"{name}.requires_grad is {bool(tensor.requires_grad)}")


def check_init(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    """The constructor's values of each slot with an ``init`` follow that distribution,
    pooled over repeated constructions."""
    item: ModuleItem = case.entry.item  # type: ignore[assignment]
    dtype = case.dtype or "float32"
    seed = adapter.resolve("torch.manual_seed")
    few = Settings(min(opts.max_examples, 3), opts.seed, opts.shrink)

    def body(data: st.DataObject) -> None:
        values = dict(draw(data, item.init | item.inputs, dtype, trace))
        trace.call = item.build.source
        env = numpy_env(numpy_world(values), dtype) | _INIT_WORLD
        seed(opts.seed)
        pools: dict[str, list[np.ndarray]] = {}
        for _ in range(INIT_BUILDS):
            module = construct(item, adapter, values, dtype)
            state = {**dict(module.named_parameters()), **dict(module.named_buffers())}
            for name, slot in _slots(item).items():
                if slot.init is not None and name in state:
                    pools.setdefault(name, []).append(adapter.to_numpy(state[name]).ravel())
            if all(sum(map(len, p)) >= INIT_SAMPLES for p in pools.values()):
                break
        for name, pool in pools.items():
            law = _slots(item)[name].init.evaluate(env)  # type: ignore[union-attr]
            _follows(name, np.concatenate(pool), law, numpy_dtype(dtype))

    explore_examples(few, body)


#: ``Slot.init`` expressions evaluate to (distribution, arguments).
_INIT_WORLD: dict[str, Callable[..., tuple[str, tuple[float, ...]]]] = {
    name: (lambda *args, _name=name: (_name, tuple(float(a) for a in args))) for name in INITS
}


def _follows(name: str, values: np.ndarray, law: tuple[str, tuple[float, ...]], dt: Any) -> None:
    """``values`` follow the distribution ``law``."""
    kind, args = law
    if values.size == 0:
        return
    if kind in ("zeros", "ones", "constant"):
        want = {"zeros": 0.0, "ones": 1.0}.get(kind) if kind != "constant" else args[0]
        if not np.all(values.astype(np.float64) == np.asarray(want, dt).astype(np.float64)):
            raise CheckFailed(f"{name}: initial values are not all {want}: {values[:5]}")
        return
    if values.size < 100:
        raise CheckSkipped(f"{name}: {values.size} initial values are too few to test")
    try:
        if kind == "uniform":
            low, high = args
            slack = eps(dt) * max(abs(low), abs(high))  # the bounds rounded to the dtype
            ks_uniform(values, low - slack, high + slack)
        else:
            ks_normal(values, *args)
    except CheckFailed as exc:
        raise CheckFailed(f"{name}: initial values: {exc}") from None


def check_forward(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    """``contract``: the forward result's shape and dtype; ``oracle``: its values."""
    item: ModuleItem = case.entry.item  # type: ignore[assignment]

    def body(data: st.DataObject) -> None:
        built = build(case, adapter, data, trace)
        result = forward(item, adapter, built, _library_inputs(item, built, adapter))
        env = built.numpy_env()
        want_dtype = expected_dtype(item, env)
        if case.check == "contract":
            check_contract(result, item, env, want_dtype, adapter)
            return
        expected = item.oracle.evaluate(env)  # type: ignore[union-attr]
        compare(
            result,
            expected,
            want_dtype,
            adapter,
            tolerances_of(item),
            "result",
            accumulated_work(item, env),
        )

    explore_examples(opts, body)


def check_buffers(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    """Buffers after one forward (running statistics) against their ``after`` values."""
    item: ModuleItem = case.entry.item  # type: ignore[assignment]

    def body(data: st.DataObject) -> None:
        built = build(case, adapter, data, trace)
        env = built.numpy_env()
        forward(item, adapter, built, _library_inputs(item, built, adapter))
        found = dict(built.module.named_buffers())
        for name, slot in item.after_forward.items():
            if built.slots.get(name) is None:
                continue
            expected = np.asarray(slot.after.evaluate(env))  # type: ignore[union-attr]
            dtype = dtype_name(expected.dtype) if slot.dtype else built.dtype
            compare(
                found[name],
                expected.astype(numpy_dtype(dtype)),
                dtype,
                adapter,
                tolerances_of(item),
                f"buffer {name} after forward",
            )

    explore_examples(opts, body)


CHECKS: dict[str, Callable[[Case, Adapter, Settings, Trace], None]] = {
    "parameters": check_parameters,
    "init": check_init,
    "contract": check_forward,
    "oracle": check_forward,
    "buffers": check_buffers,
}
