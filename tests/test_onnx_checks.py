"""The ONNX checks (onnx_check, onnx_graph, onnx_run), how they skip without the extra, the
onnx_export capability, and the torch.onnx.export entry's shape."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from adapters.torch_adapter import TorchAdapter
from conformance import checks, files, onnx_checks
from conformance.compare import CheckFailed, CheckSkipped
from conformance.session import RunConfig, Session

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


def _affine(opset: int = 18, batch: Any = "n") -> Any:
    """y = x * w + b over (batch, 3), w an initializer, b a second input."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 3])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, [3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 3])
    w = numpy_helper.from_array(np.array([1.0, 2.0, 3.0], np.float32), "w")
    nodes = [
        helper.make_node("Mul", ["x", "w"], ["xw"]),
        helper.make_node("Add", ["xw", "b"], ["y"]),
    ]
    graph = helper.make_graph(nodes, "affine", [x, b], [y], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _saved(model: Any) -> str:
    path = files.temp_path(name="model.onnx")
    onnx.save(model, path)
    return path


def _run(f: Any, *inputs: Any) -> list[np.ndarray]:
    return onnx_checks.runner(lambda v: v)(f, *inputs)


def test_graph_facts() -> None:
    g = onnx_checks.onnx_graph(_saved(_affine(opset=17)))
    assert g == {
        "inputs": ["x", "b"],
        "outputs": ["y"],
        "initializers": ["w"],
        "opset": 17,
        "input_shapes": {"x": ["n", 3], "b": [3]},
        "output_shapes": {"y": ["n", 3]},
        "ops": ["Mul", "Add"],
    }


def test_graph_of_a_fixed_and_an_unknown_dim() -> None:
    assert onnx_checks.onnx_graph(_saved(_affine(batch=2)))["input_shapes"]["x"] == [2, 3]
    assert onnx_checks.onnx_graph(_saved(_affine(batch=None)))["input_shapes"]["x"] == [None, 3]


def test_check_accepts_a_valid_model_and_refuses_a_broken_one() -> None:
    assert onnx_checks.onnx_check(_saved(_affine())) is True
    broken = _affine()
    broken.graph.node[1].input[0] = "missing"
    with pytest.raises(CheckFailed, match="onnx.checker refuses"):
        onnx_checks.onnx_check(_saved(broken))


def test_run_feeds_the_inputs_that_are_not_initializers_in_order() -> None:
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([10.0, 20.0, 30.0], np.float32)
    (y,) = _run(_saved(_affine()), x, b)
    np.testing.assert_array_equal(y, x * np.array([1, 2, 3], np.float32) + b)


def test_run_refuses_a_wrong_count_and_a_wrong_shape() -> None:
    path = _saved(_affine(batch=2))
    with pytest.raises(CheckFailed, match=re.escape("takes 2 inputs ['x', 'b'], got 1")):
        _run(path, np.zeros((2, 3), np.float32))
    with pytest.raises(RuntimeError, match="onnxruntime"):
        _run(path, np.zeros((5, 3), np.float32), np.zeros(3, np.float32))


def test_buffers_and_bytes_are_read_like_files() -> None:
    data = _affine(opset=19).SerializeToString()
    assert onnx_checks.onnx_graph(io.BytesIO(data))["opset"] == 19
    assert onnx_checks.onnx_graph(data)["ops"] == ["Mul", "Add"]
    assert onnx_checks.onnx_check(io.BytesIO(data)) is True
    (y,) = _run(io.BytesIO(data), np.ones((1, 3), np.float32), np.zeros(3, np.float32))
    np.testing.assert_array_equal(y, [[1.0, 2.0, 3.0]])


def test_paths_outside_the_run_folder_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "model.onnx"
    onnx.save(_affine(), str(outside))
    with pytest.raises(PermissionError, match="outside the run's temporary folder"):
        onnx_checks.onnx_graph(str(outside))


def test_the_checks_are_in_the_vocabulary() -> None:
    names = {"onnx_check", "onnx_graph", "onnx_run", "onnx_installed"}
    assert names <= checks.CHECK_NAMES
    vocabulary = checks.vocabulary(TorchAdapter())
    assert names <= set(vocabulary)
    torch = pytest.importorskip("torch")
    y = vocabulary["onnx_run"](_saved(_affine()), torch.ones(1, 3), torch.zeros(3))[0]
    np.testing.assert_array_equal(y, [[1.0, 2.0, 3.0]])


@pytest.mark.parametrize("missing", ["onnx", "onnxruntime", "onnxscript"])
def test_without_the_extra_the_checks_skip_naming_it(
    missing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _saved(_affine())
    monkeypatch.setitem(sys.modules, missing, None)  # import raises ImportError
    with pytest.raises(CheckSkipped, match=re.escape("pip install torchconform[onnx]")):
        onnx_checks.onnx_installed()
    if missing != "onnxscript":
        with pytest.raises(CheckSkipped, match="needs the 'onnx' extra"):
            _run(path, np.zeros((1, 3), np.float32), np.zeros(3, np.float32))


def _scenario(adapter: str, name: str) -> tuple[Session, Any]:
    session = Session.open(RunConfig(adapter=adapter, ops=["torch.onnx.export"]))
    return session, next(c for c in session.cases if c.name == name)


def test_a_scenario_without_the_extra_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    session, case = _scenario("torch", "errors_ts")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    outcome = session.run(case)
    assert (outcome.status, outcome.message) == ("skipped", onnx_checks.MISSING_EXTRA)


class NoExporter(TorchAdapter):
    """torch, claiming no ONNX exporter."""

    capabilities = TorchAdapter.capabilities - {"onnx_export"}


def test_an_adapter_without_the_capability_is_skipped() -> None:
    pytest.importorskip("torch")
    session, case = _scenario(f"{__name__}:NoExporter", "single_tensor_args_ts")
    outcome = session.run(case)
    assert outcome.status == "skipped" and "onnx_export" in outcome.message


def test_torch_passes_a_scenario() -> None:
    pytest.importorskip("torch")
    session, case = _scenario("torch", "export_params_ts")
    outcome = session.run(case)
    assert outcome.status == "passed", outcome.message


def test_every_behaviour_is_specified_for_both_exporters() -> None:
    """Scenarios come in pairs, *_ts exporting with dynamo=False and *_dynamo with
    dynamo=True, every export naming its exporter."""
    session = Session.open(RunConfig(adapter="reference", ops=["torch.onnx.export"]))
    entry = session.cases[0].entry
    scenarios = {s.name: s for s in entry.item.scenarios}
    assert entry.item.requires == ["onnx_export"]
    for name, scenario in scenarios.items():
        stem, _, exporter = name.rpartition("_")
        assert exporter in ("ts", "dynamo"), name
        twin = f"{stem}_{'dynamo' if exporter == 'ts' else 'ts'}"
        assert twin in scenarios, f"{name} has no {twin}"
        steps = _sources(scenario.steps)
        assert steps[0] == "onnx_installed()", name
        exports = [s for s in steps if "torch.onnx.export(" in s]
        flag = "dynamo=False" if exporter == "ts" else "dynamo=True"
        assert exports and all(flag in s for s in exports), name


def _sources(steps: list[Any]) -> list[str]:
    """The expression text of every step, nested ones included."""
    out: list[str] = []
    for step in steps:
        for field in ("check", "do", "raises", "warns"):
            expr = getattr(step, field)
            if expr is not None:
                out.append(expr.source)
        if step.let:
            out.extend(e.source for e in step.let.values())
        out.extend(_sources(step.steps or []))
    return out
