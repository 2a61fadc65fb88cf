"""The exporter's exceptions, as ``torch.onnx.errors`` names them."""

from __future__ import annotations

__all__ = ["OnnxExporterWarning", "UnsupportedOperatorError"]


class OnnxExporterWarning(UserWarning):
    """Warnings in the ONNX exporter."""


class OnnxExporterError(RuntimeError):
    """Errors raised by the ONNX exporter: the base class of every exporter error."""


class UnsupportedOperatorError(OnnxExporterError):
    """An operator (or an argument of one) that the exporter cannot express in ONNX."""

    def __init__(self, name: str, version: int, detail: str | None = None) -> None:
        msg = f"Exporting the operator '{name}' to ONNX opset version {version} is not supported"
        super().__init__(msg if detail is None else f"{msg}: {detail}")


class TorchExportError(OnnxExporterError):
    """The dynamo exporter could not capture the model's forward."""


class ConversionError(OnnxExporterError):
    """The dynamo exporter could not convert the captured forward to ONNX."""
