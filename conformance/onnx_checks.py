"""Checks on exported ONNX models (section 9, ``torch.onnx.export``).

A scenario exports a module to a path from ``temp_path()`` or into a ``bytes_io()`` buffer,
then asks what the file holds and what it computes:

- ``onnx_check(f)``: ``onnx.checker.check_model(model, full_check=True)`` passes;
- ``onnx_graph(f)``: the graph as plain data (names, initializers, opset, shapes, ops);
- ``onnx_run(f, *inputs)``: the outputs of ONNX Runtime on the CPU.

They need the optional ``onnx`` extra (``onnx`` and ``onnxruntime``); without it every check
that uses them is skipped with a reason naming the extra. :func:`vocabulary` is merged into
the check vocabulary (:mod:`conformance.checks`).
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable
from typing import Any

import numpy as np

from conformance import files
from conformance.compare import CheckFailed, CheckSkipped

#: why a check is skipped when the extra is missing
MISSING_EXTRA = "needs the 'onnx' extra: pip install torchconform[onnx]"
#: the names :func:`vocabulary` adds
NAMES = frozenset({"onnx_check", "onnx_graph", "onnx_run", "onnx_installed"})

Dim = int | str | None


def _module(name: str) -> Any:
    """``onnx`` or ``onnxruntime``, or the engine's skip when it is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError:
        raise CheckSkipped(MISSING_EXTRA) from None


def onnx_installed() -> bool:
    """True when ``onnx``, ``onnxruntime`` and ``onnxscript`` (torch's dynamo exporter needs
    it) import; otherwise the case is skipped (a scenario's first step, before it exports)."""
    for name in ("onnx", "onnxruntime", "onnxscript"):
        _module(name)
    return True


def _load(f: Any) -> Any:
    """The ``ModelProto`` in a path of the run's temporary folder or in a buffer (weights
    stored as external data beside a path are loaded with it)."""
    onnx = _module("onnx")
    if isinstance(f, io.BytesIO):
        return onnx.load_from_string(f.getvalue())
    if isinstance(f, (bytes, bytearray, memoryview)):
        return onnx.load_from_string(bytes(f))
    return onnx.load(str(files.path_like(f)))


def onnx_check(f: Any) -> bool:
    """True once ``onnx.checker.check_model(model, full_check=True)`` accepts the model (full
    check: shape inference too); a model it refuses fails the check with the checker's
    message."""
    onnx = _module("onnx")
    model = _load(f)
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise CheckFailed(f"onnx.checker refuses the model: {exc}") from None
    return True


def _dims(value: Any) -> list[Dim]:
    """A graph value's shape: ``int`` (fixed), ``str`` (a named dynamic dim) or ``None``."""
    dims: list[Dim] = []
    for dim in value.type.tensor_type.shape.dim:
        if dim.HasField("dim_value"):
            dims.append(int(dim.dim_value))
        elif dim.HasField("dim_param"):
            dims.append(str(dim.dim_param))
        else:
            dims.append(None)
    return dims


def _opset(model: Any) -> int | None:
    """The version of the default (``ai.onnx``) opset the model imports."""
    versions = [int(o.version) for o in model.opset_import if o.domain in ("", "ai.onnx")]
    return versions[0] if versions else None


def onnx_graph(f: Any) -> dict[str, Any]:
    """The model's graph as plain data: ``inputs`` and ``outputs`` (names in order, inputs
    including initializers kept as inputs), ``initializers`` (names), ``opset`` (default
    domain), ``input_shapes`` and ``output_shapes`` (name -> dims) and ``ops`` (op types in
    node order)."""
    model = _load(f)
    graph = model.graph
    return {
        "inputs": [v.name for v in graph.input],
        "outputs": [v.name for v in graph.output],
        "initializers": [t.name for t in graph.initializer],
        "opset": _opset(model),
        "input_shapes": {v.name: _dims(v) for v in graph.input},
        "output_shapes": {v.name: _dims(v) for v in graph.output},
        "ops": [node.op_type for node in graph.node],
    }


def _session(model: Any) -> Any:
    ort = _module("onnxruntime")
    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only
    try:
        return ort.InferenceSession(
            model.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # noqa: BLE001 - onnxruntime's errors derive from Exception only
        raise RuntimeError(f"onnxruntime cannot load the model: {exc}") from None


def runner(to_np: Callable[[Any], Any]) -> Callable[..., list[np.ndarray]]:
    """``onnx_run`` converting its inputs with ``to_np``."""

    def onnx_run(f: Any, *inputs: Any) -> list[np.ndarray]:
        """The model's outputs, in order, from an ONNX Runtime CPU session; ``inputs``
        (library tensors or numpy arrays) feed the graph inputs that are not initializers,
        in order. A run onnxruntime refuses (a wrong shape or dtype) raises RuntimeError."""
        model = _load(f)
        stored = {t.name for t in model.graph.initializer}
        names = [v.name for v in model.graph.input if v.name not in stored]
        if len(inputs) != len(names):
            raise CheckFailed(f"the graph takes {len(names)} inputs {names}, got {len(inputs)}")
        feed = {name: np.asarray(to_np(x)) for name, x in zip(names, inputs, strict=True)}
        session = _session(model)
        try:
            return list(session.run(None, feed))
        except Exception as exc:  # noqa: BLE001 - onnxruntime's errors derive from Exception only
            raise RuntimeError(f"onnxruntime: {exc}") from None

    return onnx_run


def vocabulary(to_np: Callable[[Any], Any]) -> dict[str, Any]:
    """The ONNX checks, ``onnx_run`` converting library tensors with ``to_np``."""
    return {
        "onnx_check": onnx_check,
        "onnx_graph": onnx_graph,
        "onnx_run": runner(to_np),
        "onnx_installed": onnx_installed,
    }
