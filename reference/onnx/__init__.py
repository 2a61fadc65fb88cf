"""``torch.onnx``: ``export`` writes a reference module as an ONNX model.

The forward runs once on the example inputs while the reference's own functions (nn
functional ops, views, arithmetic) are recorded; each recorded call is lowered to ONNX
nodes, and the model is written with the ``onnx`` package (an optional dependency,
imported on first export)."""

from __future__ import annotations

from . import errors
from ._export import ONNXProgram, TrainingMode, export
from ._trace import is_tracing as is_in_onnx_export
from .errors import OnnxExporterError

__all__ = [
    "errors",
    "export",
    "is_in_onnx_export",
    "OnnxExporterError",
    "ONNXProgram",
    "TrainingMode",
]
