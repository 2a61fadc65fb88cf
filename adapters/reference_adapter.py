"""The adapter for torchconform's own numpy reference implementation."""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np

from adapters.base import TORCH_LIKE, Adapter, cuda_capabilities


class ReferenceAdapter(Adapter):
    name = "reference"
    library = "reference"
    tensor_literals = True
    complete = True
    import_line = "import reference as torch"
    capabilities = frozenset(
        {
            "shares_memory",
            "grad_mode",
            "legacy_tensor_types",
            "warnings",
            "error_messages",
            "bitwise_torch_rng",
            "autograd",
            "onnx_export",
        }
    ) | TORCH_LIKE

    def __init__(self) -> None:
        import reference

        self._ref = reference
        self.capabilities = type(self).capabilities | cuda_capabilities(
            reference.cuda.is_available(), reference.cuda._is_compiled()
        )

    def root(self) -> Any:
        return self._ref

    def version(self) -> str:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("torchconform")
        except PackageNotFoundError:
            return "unknown"

    def from_numpy(self, array: np.ndarray) -> Any:
        ref = self._ref
        array = np.array(array, order="C", copy=True)
        if array.dtype == ml_dtypes.bfloat16:
            return ref.from_numpy(array.view(np.int16).copy()).view(ref.bfloat16)
        return ref.from_numpy(array)

    def to_numpy(self, tensor: Any) -> np.ndarray:
        ref = self._ref
        t = tensor.detach().cpu()
        if t.dtype == ref.bfloat16:
            return t.contiguous().view(ref.int16).numpy().view(ml_dtypes.bfloat16).copy()
        return t.numpy().copy()

    def is_tensor(self, obj: Any) -> bool:
        return isinstance(obj, self._ref.Tensor)
