"""Checks of ``optimizer`` and ``lr_scheduler`` entries: a whole trajectory against numpy.

An optimizer's trajectory is its parameters and state after every step, for gradients drawn
in advance, against the entry's numpy update rule applied step by step (as ONNX writes Adam as
a pure function of its state). A scheduler's is the learning rate after construction and after
every epoch, against the entry's numpy oracle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from adapters.base import Adapter
from conformance.cases import Case
from conformance.compare import TOLERANCES, CheckFailed, assert_values, eps, numpy_dtype
from conformance.drawing import Settings, Trace, draw, explore_examples, numpy_world, to_library
from conformance.namespaces import generator_env, library_env, numpy_env
from conformance.outputs import tolerances_of
from spec.schema import OptimizerItem, SchedulerItem


def _gradients(
    data: st.DataObject, item: OptimizerItem, params: dict[str, np.ndarray], dtype: str
) -> list[dict[str, np.ndarray]]:
    """For each step, a gradient per parameter from ``gradient`` (``param`` bound); none
    when an objective gives them."""
    out = []
    for step in range(item.steps):
        grads = {}
        for name, value in params.items():
            if item.objective is not None:
                continue
            strategy = item.gradient.evaluate(generator_env({"param": value}, dtype))
            drawn = data.draw(strategy, label=f"{name}.grad[{step}]")
            grads[name] = np.asarray(numpy_world({"g": drawn})["g"], dtype=value.dtype)
        out.append(grads)
    return out


def _numpy_closure(item: OptimizerItem, options: dict[str, Any], name: str, dtype: str) -> Any:
    """The rule's ``closure``: a numpy parameter -> ``(loss, gradient)`` from the objective."""

    def closure(value: np.ndarray) -> tuple[float, np.ndarray]:
        env = numpy_env(numpy_world(options) | {name: np.asarray(value)}, dtype)
        loss = item.objective.evaluate(env)  # type: ignore[union-attr]
        grad = item.objective_grad.evaluate(env)  # type: ignore[union-attr]
        return float(loss), np.asarray(grad, dtype=np.asarray(value).dtype)

    return closure


def _library_closure(item: OptimizerItem, optimizer: Any, env: dict[Any, Any]) -> Any:
    """``step``'s closure: zero the gradients, evaluate the objective, backward, the loss."""

    def closure() -> Any:
        optimizer.zero_grad()
        loss = item.objective.evaluate(env)  # type: ignore[union-attr]
        loss.backward()
        return loss

    return closure


def check_optimizer(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    """Parameters and state after every step against the numpy update rule."""
    item: OptimizerItem = case.entry.item  # type: ignore[assignment]
    dtype = case.dtype or "float32"

    def body(data: st.DataObject) -> None:
        options = dict(draw(data, item.options, dtype, trace))
        params = {
            k: np.asarray(v) for k, v in numpy_world(draw(data, item.params, dtype, trace)).items()
        }
        trace.values = options | params
        steps = _gradients(data, item, params, dtype)
        how = "step(closure)" if item.objective is not None else "assign .grad, step()"
        trace.call = f"{item.build.source}  # then, {item.steps} times: {how}"
        leaves = {k: adapter.from_numpy(v).requires_grad_(True) for k, v in params.items()}
        lib = {k: to_library(v, adapter) for k, v in options.items()}
        env = library_env(adapter, lib | {"params": list(leaves.values())}, dtype)
        optimizer = item.build.evaluate(env)
        closure = _library_closure(item, optimizer, env | leaves)
        expected = {k: v.copy() for k, v in params.items()}
        states: dict[str, dict[str, Any]] = {k: {} for k in params}
        for step, grads in enumerate(steps, start=1):
            for name, leaf in leaves.items():
                if name in grads:
                    leaf.grad = _library_grad(adapter, grads[name], item.sparse_grad)
            optimizer.step(closure) if item.objective is not None else optimizer.step()
            for name in params:
                world = numpy_world(options) | {"param": expected[name], "state": states[name]}
                world |= {"step": step} | _rule_gradient(item, options, name, dtype, world, grads)
                expected[name], states[name] = item.update.evaluate(numpy_env(world, dtype))
                _same_param(name, step, leaves[name], expected[name], adapter, item)
                got = optimizer.state[leaves[name]]
                _same_state(name, step, got, states[name], adapter, item)

    explore_examples(opts, body)


def _library_grad(adapter: Adapter, grad: np.ndarray, sparse: bool) -> Any:
    tensor = adapter.from_numpy(grad)
    return tensor.to_sparse() if sparse else tensor


def _rule_gradient(
    item: OptimizerItem,
    options: dict[str, Any],
    name: str,
    dtype: str,
    world: dict[str, Any],
    grads: dict[str, np.ndarray],
) -> dict[str, Any]:
    """``grad`` (and ``closure``, with an objective) for the rule of parameter ``name``."""
    if item.objective is None:
        return {"grad": grads[name]}
    closure = _numpy_closure(item, options, name, dtype)
    return {"closure": closure, "grad": closure(world["param"])[1]}


def _tolerance(dtype: np.dtype, item: Any, steps: int) -> tuple[float, float]:
    """The dtype's tolerance, widened by one rounding per step."""
    rtol, atol = tolerances_of(item).get(str(dtype)) or TOLERANCES.get(str(dtype), (0.0, 0.0))
    return rtol + steps * eps(dtype), atol


def _same_param(
    name: str, step: int, leaf: Any, want: np.ndarray, adapter: Adapter, item: Any
) -> None:
    got = adapter.to_numpy(leaf)
    if got.shape != want.shape or got.dtype != want.dtype:
        raise CheckFailed(
            f"{name} after step {step}: shape {got.shape} {got.dtype}, expected {want.shape} "
            f"{want.dtype}"
        )
    assert_values(got, want, _tolerance(got.dtype, item, step), f"{name} after step {step}")


def _same_state(
    name: str, step: int, state: Any, want: dict[str, Any], adapter: Adapter, item: Any
) -> None:
    """The optimizer's whole state: the rule's keys (torch's), every value within the
    entry's tolerance for its dtype; a rule's ``...`` is a key whose value is not compared."""
    where = f"state of {name} after step {step}"
    if set(state) != set(want):
        raise CheckFailed(f"{where} has keys {sorted(state)}, expected {sorted(want)}")
    for key, value in want.items():
        _same_value(state[key], value, adapter, f"{where}: [{key!r}]", tolerances_of(item))


def _same_value(got: Any, want: Any, adapter: Adapter, where: str, tols: dict) -> None:
    """A state value: a tensor, a number, None or a list of them, against the rule's."""
    if want is Ellipsis:
        return
    if want is None or got is None:
        if got is not want:
            raise CheckFailed(f"{where} is {got!r}, expected {want!r}")
        return
    if isinstance(want, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(want):
            raise CheckFailed(f"{where} is {got!r}, expected {len(want)} items")
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _same_value(g, w, adapter, f"{where}[{i}]", tols)
        return
    got = adapter.to_numpy(got) if adapter.is_tensor(got) else np.asarray(got)
    want = np.asarray(want)
    if got.shape != want.shape:
        raise CheckFailed(f"{where} has shape {got.shape}, expected {want.shape}")
    name = str(got.dtype)
    tol = tols.get(name) or TOLERANCES.get(name, (0.0, 0.0))
    assert_values(got.astype(np.float64), want.astype(np.float64), tol, where)


def check_scheduler(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    """Every group's learning rate after construction and after every epoch against the
    oracle (called once per group, with that group's initial rate and index)."""
    item: SchedulerItem = case.entry.item  # type: ignore[assignment]
    dtype = case.dtype or "float32"

    def body(data: st.DataObject) -> None:
        drawn = dict(draw(data, item.options | {"lr": item.lr}, dtype, trace))
        metrics = _metrics(data, item, dtype)
        trace.call = f"{item.build.source}  # then, {item.epochs} epochs"
        param = adapter.from_numpy(np.zeros(2, numpy_dtype(dtype))).requires_grad_(True)
        lib = {k: to_library(v, adapter) for k, v in drawn.items()}
        env = library_env(adapter, lib | {"params": [param]}, dtype)
        optimizer = item.optimizer.evaluate(env)
        base_lrs = _lrs(optimizer)
        scheduler = item.build.evaluate(env | {"optimizer": optimizer})
        got = [_lrs(optimizer)]
        for epoch in range(item.epochs):
            optimizer.step()
            scheduler.step(*([] if metrics is None else [metrics[epoch]]))
            got.append(_lrs(optimizer))
            last = [float(v) for v in scheduler.get_last_lr()]
            if not np.allclose(last, got[-1], rtol=1e-12, atol=0):
                raise CheckFailed(f"epoch {epoch + 1}: get_last_lr() {last} != group lrs {got[-1]}")
        world = numpy_world(drawn) | {"epochs": item.epochs, "metrics": metrics}
        for group, base in enumerate(base_lrs):
            env_np = numpy_env(world | {"base_lr": base, "group": group}, dtype)
            want = item.oracle.evaluate(env_np)
            rates = np.asarray([lrs[group] for lrs in got], np.float64)
            _same_rates(rates, np.asarray(want, np.float64), group)

    explore_examples(opts, body)


def _metrics(data: st.DataObject, item: SchedulerItem, dtype: str) -> list[float] | None:
    if item.metric is None:
        return None
    env = generator_env({}, dtype)
    return [
        float(data.draw(item.metric.evaluate(env), label=f"metric[{epoch}]"))
        for epoch in range(item.epochs)
    ]


def _lrs(optimizer: Any) -> list[float]:
    return [float(group["lr"]) for group in optimizer.param_groups]


def _same_rates(got: np.ndarray, want: np.ndarray, group: int) -> None:
    if got.shape != want.shape:
        raise CheckFailed(f"{got.size} learning rates, the oracle gives {want.size}")
    bad = ~np.isclose(got, want, rtol=1e-9, atol=0)
    if bad.any():
        epoch = int(np.argmax(bad))
        raise CheckFailed(
            f"learning rate of group {group} after epoch {epoch}: {got[epoch]!r} != expected "
            f"{want[epoch]!r} (all: {got.tolist()})"
        )


def check_trajectory(case: Case, adapter: Adapter, opts: Settings, trace: Trace) -> None:
    """The trajectory check of the entry's kind."""
    run = check_optimizer if case.entry.item.kind == "optimizer" else check_scheduler
    run(case, adapter, opts, trace)


CHECKS: dict[str, Callable[[Case, Adapter, Settings, Trace], None]] = {
    "trajectory": check_trajectory,
}
