"""``export``: trace a module's forward through the reference's own functions, lower each
recorded call to ONNX nodes, and write the model."""

from __future__ import annotations

import enum
import inspect
import os
import warnings
from collections.abc import Mapping, Sequence
from types import CodeType
from typing import Any

from .._grad_mode import no_grad
from .._tensor import Tensor
from ..nn.module import Module
from . import _lower, _trace, _write
from ._graph import INPUT, NODE, PARAM, Graph, tensors_in
from .errors import OnnxExporterError, OnnxExporterWarning

__all__ = ["TrainingMode", "ONNXProgram", "export", "DEFAULT_OPSET", "MIN_OPSET"]

#: torch 2.13's default opset for both exporters; the reference writes 17 and later.
DEFAULT_OPSET, MIN_OPSET = 20, 17


class TrainingMode(enum.IntEnum):
    """How the exporter treats modules' training mode (``torch.onnx.TrainingMode``)."""

    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


class ONNXProgram:
    """The exported model (``dynamo=True``'s result): ``model_proto``, ``save``, and a call
    that runs it in ONNX Runtime on the CPU."""

    def __init__(self, model_proto: Any) -> None:
        self.model_proto = model_proto

    def save(self, destination: str | os.PathLike) -> None:
        """Write the model to ``destination``."""
        with open(destination, "wb") as fh:
            fh.write(self.model_proto.SerializeToString())

    def __call__(self, *args: Any, **kwargs: Any) -> list[Tensor]:
        """Run the model in ONNX Runtime on the inputs; the outputs as reference tensors."""
        import onnxruntime

        from .._creation import from_numpy

        session = onnxruntime.InferenceSession(
            self.model_proto.SerializeToString(), providers=["CPUExecutionProvider"]
        )
        values = [_host(t) for t in tensors_in((args, kwargs))]
        feeds = {i.name: v for i, v in zip(session.get_inputs(), values, strict=False)}
        return [from_numpy(out) for out in session.run(None, feeds)]


def _host(t: Tensor) -> Any:
    return t.detach().cpu()._data


def _kinds() -> dict[CodeType, str]:
    kinds = {fn.__code__: f"{fn.__module__}.{fn.__qualname__}" for fn in _lower.LOWERINGS}
    kinds.update({fn.__code__: "primitive" for fn in _lower.PRIMITIVES})
    return kinds


_KINDS: dict[CodeType, str] = {}
_BY_KIND = {f"{fn.__module__}.{fn.__qualname__}": low for fn, low in _lower.LOWERINGS.items()}


def _import_onnx() -> Any:
    try:
        import onnx
    except ModuleNotFoundError as e:
        raise ModuleNotFoundError(
            "reference.onnx.export needs the 'onnx' package: pip install onnx"
        ) from e
    return onnx


# ----- arguments ------------------------------------------------------------------------
def _split_args(args: Any, kwargs: Mapping[str, Any] | None) -> tuple[tuple, dict]:
    if isinstance(args, Tensor):
        args = (args,)
    if not isinstance(args, tuple):
        raise OnnxExporterError(
            "args must be a tuple of the forward's arguments or a tensor, "
            f"not {type(args).__name__}"
        )
    named = dict(kwargs or {})
    if args and isinstance(args[-1], dict):
        named = {**args[-1], **named}
        args = args[:-1]
    return args, named


def _default_names(model: Module, args: tuple, named: Mapping[str, Any]) -> list[tuple]:
    """Each input tensor with its default name: the forward's parameter it is passed to."""
    params = list(inspect.signature(model.forward).parameters.values())
    found: list[tuple[str, Tensor]] = []
    for i, arg in enumerate(args):
        label = _positional_name(params, i)
        items = list(tensors_in(arg))
        for k, t in enumerate(items):
            found.append((label if len(items) == 1 else f"{label}_{k}", t))
    for key, arg in named.items():
        items = list(tensors_in(arg))
        for k, t in enumerate(items):
            found.append((key if len(items) == 1 else f"{key}_{k}", t))
    return found


def _positional_name(params: list[inspect.Parameter], i: int) -> str:
    for j, p in enumerate(params):
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            return f"{p.name}_{i - j}"
        if j == i and p.kind is not inspect.Parameter.KEYWORD_ONLY:
            return p.name
    return f"input_{i}"


def _dynamic(spec: Mapping[str, Any] | None, known: set[str]) -> dict[str, dict[int, str]]:
    """``dynamic_axes`` as name -> {axis: dim name}; a list of axes gets torch's names."""
    result: dict[str, dict[int, str]] = {}
    for name, axes in (spec or {}).items():
        if name not in known:
            warnings.warn(
                f"Provided key {name} for dynamic axes is not a valid input/output name",
                OnnxExporterWarning,
                stacklevel=3,
            )
            continue
        if isinstance(axes, Mapping):
            result[name] = {int(a): str(label) for a, label in axes.items()}
        else:
            result[name] = {int(a): f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(axes)}
    return result


def _opset(onnx: Any, opset_version: int | None) -> int:
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if not MIN_OPSET <= opset <= onnx.defs.onnx_opset_version():
        raise OnnxExporterError(
            f"Unsupported onnx_opset_version: {opset} (the reference writes opsets "
            f"{MIN_OPSET} to {onnx.defs.onnx_opset_version()})"
        )
    return opset


# ----- tracing and lowering ---------------------------------------------------------------
def _modes(model: Module) -> list[tuple[Module, bool]]:
    return [(m, m.training) for m in model.modules()]


def _run_forward(model: Module, args: tuple, named: dict, mode: bool | None) -> tuple[Any, list]:
    saved = _modes(model)
    if mode is not None:
        model.train(mode)
    if not _KINDS:
        _KINDS.update(_kinds())
    try:
        with no_grad():
            return _trace.record_calls(_KINDS, model, *args, **named)
    finally:
        for m, was in saved:
            m.training = was


def _live(g: Graph, call: _trace.Call, fold_params: bool) -> bool:
    """Whether a call depends on the graph's inputs (else its result is a constant)."""
    live = {INPUT, NODE} | (set() if fold_params else {PARAM})
    return any(g.kind_of(t) in live for t in tensors_in(call.args))


def _lower_calls(g: Graph, calls: list, folding: bool, fold_params: bool) -> None:
    for call in calls:
        if not _live(g, call, fold_params) and (folding or call.kind == "primitive"):
            continue
        lowering = _BY_KIND.get(call.kind, _lower._primitive)
        lowering(g, call.args, call.result)


def _outputs(result: Any) -> list[Tensor]:
    outs = list(tensors_in(result))
    if not outs:
        raise OnnxExporterError("the model's forward returned no tensor to export")
    return outs


# ----- export ---------------------------------------------------------------------------
def export(
    model: Module,
    args: tuple[Any, ...] | Tensor = (),
    f: str | os.PathLike | Any | None = None,
    *,
    kwargs: dict[str, Any] | None = None,
    verbose: bool | None = None,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    opset_version: int | None = None,
    dynamo: bool = True,
    external_data: bool = True,
    dynamic_shapes: Any = None,
    custom_translation_table: Any = None,
    report: bool = False,
    optimize: bool = True,
    verify: bool = False,
    profile: bool = False,
    dump_exported_program: bool = False,
    artifacts_dir: str | os.PathLike = ".",
    export_params: bool = True,
    keep_initializers_as_inputs: bool = False,
    dynamic_axes: Mapping[str, Mapping[int, str]] | Mapping[str, Sequence[int]] | None = None,
    training: TrainingMode = TrainingMode.EVAL,
    operator_export_type: Any = None,
    do_constant_folding: bool = True,
    custom_opsets: Mapping[str, int] | None = None,
    export_modules_as_functions: Any = False,
    autograd_inlining: bool = True,
) -> ONNXProgram | None:
    """Export ``model`` to ONNX (torch.onnx.export's signature and defaults).

    Both exporters share one path here; as in torch, ``training`` applies to the
    TorchScript-based one (``dynamo=False``), while ``dynamo=True`` exports the modules in
    their current mode and returns an :class:`ONNXProgram`."""
    if not isinstance(model, Module):
        raise OnnxExporterError(f"the model to export must be an nn.Module, not {type(model)}")
    if not dynamo and dynamic_shapes:
        raise ValueError(
            "The exporter only supports dynamic shapes through parameter dynamic_axes when "
            "dynamo=False."
        )
    if f is None and not dynamo:
        raise OnnxExporterError("f (a path or a binary file) is required when dynamo=False")
    onnx = _import_onnx()
    opset = _opset(onnx, opset_version)
    args, named = _split_args(args, kwargs)
    inputs = _default_names(model, args, named)
    given_in, given_out = list(input_names or ()), list(output_names or ())
    if not dynamo and len(given_in) > len(inputs):
        raise RuntimeError(
            f"number of input names provided ({len(given_in)}) exceeded number of inputs "
            f"({len(inputs)})"
        )
    inputs = [(given_in[i] if i < len(given_in) else n, t) for i, (n, t) in enumerate(inputs)]
    mode = (
        None
        if dynamo
        else {TrainingMode.EVAL: False, TrainingMode.TRAINING: True}.get(
            TrainingMode(int(training))
        )
    )
    result, calls = _run_forward(model, args, named, mode)
    g = Graph(onnx, opset, reserved=[*given_in, *given_out])
    for name, t in inputs:
        g.add_input(t, name)
    for name, t in [*model.named_parameters(), *model.named_buffers()]:
        g.add_param(t, name)
    eval_mode = not (mode if mode is not None else model.training)
    fold_params = do_constant_folding and export_params and eval_mode
    fold_params = fold_params and not keep_initializers_as_inputs
    _lower_calls(g, calls, do_constant_folding, fold_params)
    outs = _outputs(result)
    if not dynamo and len(given_out) > len(outs):
        raise RuntimeError(
            f"number of output names provided ({len(given_out)}) exceeded number of outputs "
            f"({len(outs)})"
        )
    out_names = _write.rename_outputs(g, outs, given_out)
    _write.prune(g, out_names)
    dynamic = _dynamic(dynamic_axes, {n for n, _ in inputs} | set(out_names))
    model_proto = _write.build_model(
        g,
        inputs,
        list(zip(out_names, outs, strict=True)),
        dynamic=dynamic,
        export_params=export_params,
        keep_initializers_as_inputs=keep_initializers_as_inputs,
    )
    if verbose:
        print(onnx.helper.printable_graph(model_proto.graph))
    _save(model_proto, f)
    return ONNXProgram(model_proto) if dynamo else None


def _save(model_proto: Any, f: Any) -> None:
    if f is None:
        return
    data = model_proto.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            fh.write(data)
    elif hasattr(f, "write"):
        f.write(data)
    else:
        raise TypeError(f"f must be a path or a binary file object, not {type(f).__name__}")
