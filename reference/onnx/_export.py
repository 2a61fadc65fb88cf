"""``export``: trace a module's forward through the reference's own functions, lower each
recorded call to ONNX nodes, and write the model."""

from __future__ import annotations

import enum
import inspect
import io
import os
import warnings
from collections.abc import Mapping, Sequence
from types import CodeType
from typing import Any

from .._grad_mode import no_grad
from .._tensor import Tensor
from ..nn.module import Module
from . import _fold, _lower, _trace, _write
from ._graph import INPUT, NODE, PARAM, Graph, tensors_in
from .errors import ConversionError, OnnxExporterError, OnnxExporterWarning, TorchExportError

__all__ = ["TrainingMode", "ONNXProgram", "export", "DEFAULT_OPSET", "MIN_OPSET"]

#: torch 2.13's default opset for both exporters (and the TorchScript one's newest without a
#: warning), the newest its TorchScript exporter writes, and the reference's oldest.
DEFAULT_OPSET, TORCHSCRIPT_MAX_OPSET, MIN_OPSET = 20, 23, 17


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
    kinds: dict[CodeType, str] = {}
    for fn, lowering in _lower.LOWERINGS.items():
        key = f"{fn.__module__}.{fn.__qualname__}"
        if _BY_KIND.get(kinds.get(fn.__code__, key)) is not lowering:
            raise RuntimeError(f"two lowerings share the code of {key}")
        kinds[fn.__code__] = key
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


def _dynamic(spec: Mapping[str, Any] | None, known: set[str], dynamo: bool) -> dict:
    """``dynamic_axes`` as name -> {axis: dim name}; a list of axes gets torch's names. An
    unknown name is skipped with a warning (TorchScript) or an error (dynamo)."""
    result: dict[str, dict[int, str]] = {}
    for name, axes in (spec or {}).items():
        if name not in known and dynamo:
            raise OnnxExporterError(
                "# Failed to convert 'dynamic_axes' to 'dynamic_shapes'. Please provide "
                "'dynamic_shapes' directly. Refer to the documentation for "
                f"'torch.export.export' for more information on dynamic shapes. ({name!r} names "
                "no input or output)"
            )
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


def _opset(onnx: Any, opset_version: int | None, dynamo: bool) -> int:
    """The opset to write: torch's default, its TorchScript exporter's bounds (a warning above
    20, an error above 23), and the reference's own (17 to the onnx package's newest)."""
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    newest = onnx.defs.onnx_opset_version()
    if not dynamo and opset > TORCHSCRIPT_MAX_OPSET or not MIN_OPSET <= opset <= newest:
        raise OnnxExporterError(
            f"Unsupported onnx_opset_version: {opset} (the reference writes opsets "
            f"{MIN_OPSET} to {min(newest, TORCHSCRIPT_MAX_OPSET if not dynamo else newest)})"
        )
    if not dynamo and opset > DEFAULT_OPSET:
        warnings.warn(
            f"Exporting to ONNX opset version {opset} is not supported. by "
            f"'torch.onnx.export()'. The highest opset version supported is {DEFAULT_OPSET}. "
            "To use a newer opset version, consider 'torch.onnx.export(..., dynamo=True)'. ",
            OnnxExporterWarning,
            stacklevel=3,
        )
    return opset


def _warn_path(dynamo: bool, model: Module, training: TrainingMode) -> None:
    """torch's warnings: the legacy exporter and its deprecated ``training``, or (dynamo) a
    model exported in training mode."""
    if dynamo:
        if model.training:
            warnings.warn(
                "Exporting a model while it is in training mode. Please ensure that this is "
                "intended, as it may lead to different behavior during inference. Calling "
                "model.eval() before export is recommended.",
                UserWarning,
                stacklevel=3,
            )
        return
    warnings.warn(
        "You are using the legacy TorchScript-based ONNX export. Starting in PyTorch 2.9, the "
        "new torch.export-based ONNX exporter has become the default. Learn more about the new "
        "export logic: https://docs.pytorch.org/docs/stable/onnx_export.html. For exporting "
        "control flow: https://pytorch.org/tutorials/beginner/onnx/"
        "export_control_flow_model_to_onnx_tutorial.html",
        DeprecationWarning,
        stacklevel=3,
    )
    if training == TrainingMode.TRAINING:
        warnings.warn(
            "Setting `training` to something other than default is deprecated. The option "
            "will be removed in a future release. Please set the training mode before "
            "exporting the model.",
            DeprecationWarning,
            stacklevel=3,
        )


def _check_inputs(inputs: list[tuple[str, Tensor]], dynamo: bool) -> None:
    for _, t in inputs:
        if t._dtype.is_complex:
            msg = f"ScalarType {t._dtype._scalar_name} is an unexpected tensor scalar type"
            raise ConversionError(_CONVERSION + msg) if dynamo else OnnxExporterError(msg)


# ----- tracing and lowering ---------------------------------------------------------------
def _modes(model: Module) -> list[tuple[Module, bool]]:
    return [(m, m.training) for m in model.modules()]


def _run_forward(
    model: Module, args: tuple, named: dict, mode: bool | None, dynamo: bool
) -> tuple[Any, list]:
    saved = _modes(model)
    buffers = [(b, b._data.copy()) for b in model.buffers()] if dynamo else []
    if mode is not None:
        model.train(mode)
    if not _KINDS:
        _KINDS.update(_kinds())
    try:
        with no_grad():
            return _trace.record_calls(_KINDS, model, *args, **named)
    except Exception as e:
        if not dynamo:
            raise
        raise TorchExportError(f"Failed to export the model with torch.export. {e}") from e
    finally:
        for m, was in saved:
            m.training = was
        for b, values in buffers:  # torch.export leaves the module's state as it was
            b._data[...] = values


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

    Both exporters share one tracer here, with the observable differences of torch's two:
    the TorchScript one (``dynamo=False``) honours ``training`` and ``do_constant_folding``
    and returns None; the dynamo one exports the modules in their current mode, always
    folds, and returns an :class:`ONNXProgram`."""
    if not isinstance(model, Module):
        raise OnnxExporterError(f"the model to export must be an nn.Module, not {type(model)}")
    if not dynamo and dynamic_shapes:
        raise ValueError(
            "The exporter only supports dynamic shapes through parameter dynamic_axes when "
            "dynamo=False."
        )
    if f is None and not dynamo:
        raise OnnxExporterError("f (a path or a binary file) is required when dynamo=False")
    _check_target(f, dynamo)
    training = TrainingMode(int(training))
    _warn_path(dynamo, model, training)
    onnx = _import_onnx()
    opset = _opset(onnx, opset_version, dynamo)
    args, named = _split_args(args, kwargs)
    inputs = _named_inputs(model, args, named, list(input_names or ()), dynamo)
    _check_inputs(inputs, dynamo)
    mode = None if dynamo else {TrainingMode.EVAL: False, TrainingMode.TRAINING: True}.get(training)
    result, calls = _run_forward(model, args, named, mode, dynamo)
    eval_mode = not (mode if mode is not None else model.training)
    folding = dynamo or do_constant_folding
    fold_params = folding and eval_mode
    fold_params = fold_params and (dynamo or (export_params and not keep_initializers_as_inputs))
    g = Graph(onnx, opset, reserved=[*(input_names or ()), *(output_names or ())])
    g.legacy = not dynamo
    for name, t in inputs:
        g.add_input(t, name)
    for name, t in [*model.named_parameters(), *model.named_buffers()]:
        g.add_param(t, name)
    try:
        _lower_calls(g, calls, folding, fold_params)
        if fold_params:
            _fold.fold_batch_norms(g)
    except OnnxExporterError as e:
        if not dynamo:
            raise
        raise ConversionError(_CONVERSION + str(e)) from e
    outs = _outputs(result)
    given_out = list(output_names or ())
    if not dynamo and len(given_out) > len(outs):
        raise RuntimeError(
            f"number of output names provided ({len(given_out)}) exceeded number of outputs "
            f"({len(outs)})"
        )
    out_names = _write.rename_outputs(g, outs, given_out)
    _write.prune(g, out_names)
    dynamic = _dynamic(dynamic_axes, {n for n, _ in inputs} | set(out_names), dynamo)
    model_proto = _write.build_model(
        g, inputs, list(zip(out_names, outs, strict=True)), dynamic=dynamic
    )
    if verbose:
        print(onnx.helper.printable_graph(model_proto.graph))
    _save(model_proto, f, dynamo, export_params, keep_initializers_as_inputs)
    return ONNXProgram(model_proto) if dynamo else None


_CONVERSION = "Failed to convert the exported program to an ONNX model. "


def _named_inputs(
    model: Module, args: tuple, named: dict, given: list[str], dynamo: bool
) -> list[tuple[str, Tensor]]:
    inputs = _default_names(model, args, named)
    if not dynamo and len(given) > len(inputs):
        raise RuntimeError(
            f"number of input names provided ({len(given)}) exceeded number of inputs "
            f"({len(inputs)})"
        )
    return [(given[i] if i < len(given) else n, t) for i, (n, t) in enumerate(inputs)]


def _check_target(f: Any, dynamo: bool) -> None:
    """The dynamo exporter takes a path or a BytesIO; the TorchScript one any binary file."""
    if f is None or isinstance(f, (str, os.PathLike)):
        return
    if dynamo and not isinstance(f, io.BytesIO):
        raise TypeError(f"expected str, bytes or os.PathLike object, not {type(f).__name__}")
    if not hasattr(f, "write"):
        raise TypeError(f"f must be a path or a binary file object, not {type(f).__name__}")


def _save(model_proto: Any, f: Any, dynamo: bool, export_params: bool, keep: bool) -> None:
    """Write the model: TorchScript lists the weights as inputs without ``export_params``;
    dynamo then leaves them out, and writes a BytesIO whole (with a deprecation warning)."""
    if f is None:
        return
    if dynamo and isinstance(f, io.BytesIO):
        warnings.warn(
            "Saving ONNX model to a BytesIO object is deprecated. Please use a file path instead.",
            DeprecationWarning,
            stacklevel=3,
        )
    elif dynamo:
        model_proto = _write.for_saving(model_proto, export_params, keep)
    else:
        model_proto = _write.for_saving(model_proto, export_params, keep or not export_params)
    data = model_proto.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            fh.write(data)
    else:
        f.write(data)
