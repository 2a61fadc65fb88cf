"""Broken adapters for ONNX export (section 9): real torch whose ``torch.onnx.export`` makes
one realistic mistake with an argument."""

from __future__ import annotations

from typing import Any

from adapters.torch_adapter import TorchAdapter


class _ExportPatched(TorchAdapter):
    """Real torch with ``torch.onnx.export`` replaced by :meth:`export`, a wrapper that
    changes the arguments before calling torch's own exporter."""

    name = "broken-onnx"
    import_line = ""  # reproducers must see the patched exporter, not plain torch

    def resolve(self, name: str) -> Any:
        if name == "torch.onnx.export":
            return self.export
        return super().resolve(name)

    def export(self, model: Any, args: Any = (), f: Any = None, **options: Any) -> Any:
        model, args, f, options = self.mistake(model, args, f, options)
        return self._torch.onnx.export(model, args, f, **options)

    def mistake(self, model: Any, args: Any, f: Any, options: dict[str, Any]) -> tuple:
        """The arguments passed on to torch's exporter."""
        raise NotImplementedError


class IgnoresDynamicAxes(_ExportPatched):
    """dynamic_axes is dropped: every dimension stays fixed to the example's."""

    def mistake(self, model: Any, args: Any, f: Any, options: dict[str, Any]) -> tuple:
        options.pop("dynamic_axes", None)
        return model, args, f, options


class DropsOutputNames(_ExportPatched):
    """output_names is dropped: the graph's outputs keep the exporter's own names."""

    def mistake(self, model: Any, args: Any, f: Any, options: dict[str, Any]) -> tuple:
        options.pop("output_names", None)
        return model, args, f, options


class ExportsTrainingWhenEval(_ExportPatched):
    """training=EVAL (the default) is read as TRAINING: batch norm normalizes with the batch's
    statistics and dropout stays active in the exported graph."""

    def mistake(self, model: Any, args: Any, f: Any, options: dict[str, Any]) -> tuple:
        modes = self._torch.onnx.TrainingMode
        if options.get("training", modes.EVAL) == modes.EVAL:
            options["training"] = modes.TRAINING
        return model, args, f, options


class IgnoresOpsetVersion(_ExportPatched):
    """opset_version is dropped: every model imports the default opset."""

    def mistake(self, model: Any, args: Any, f: Any, options: dict[str, Any]) -> tuple:
        options.pop("opset_version", None)
        return model, args, f, options


class KeepsParamsWhenAskedNot(_ExportPatched):
    """export_params=False is ignored: the weights are still stored in the file."""

    def mistake(self, model: Any, args: Any, f: Any, options: dict[str, Any]) -> tuple:
        options["export_params"] = True
        return model, args, f, options


class DropsTrailingDict(_ExportPatched):
    """args ending in a dict of named arguments loses the dict: the forward runs with those
    arguments' defaults (MultiheadAttention averages its heads' weights again)."""

    def mistake(self, model: Any, args: Any, f: Any, options: dict[str, Any]) -> tuple:
        if isinstance(args, tuple) and args and isinstance(args[-1], dict):
            args = args[:-1]
        return model, args, f, options


#: adapter class -> (items to run, the item whose check must fail)
CAUGHT = {
    name: (["torch.onnx.export"], "torch.onnx.export")
    for name in (
        "IgnoresDynamicAxes",
        "DropsOutputNames",
        "ExportsTrainingWhenEval",
        "IgnoresOpsetVersion",
        "KeepsParamsWhenAskedNot",
        "DropsTrailingDict",
    )
}
