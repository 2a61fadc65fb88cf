"""The adapter for real PyTorch: the library the spec is cross-checked against."""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np

from adapters.base import TORCH_LIKE, Adapter, AdapterError, cuda_capabilities


class TorchAdapter(Adapter):
    name = "torch"
    library = "torch"
    tensor_literals = True
    complete = True
    import_line = "import torch"
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
        try:
            import torch
        except ImportError as exc:
            raise AdapterError(f"the torch adapter needs PyTorch installed: {exc}") from None
        self._torch = torch
        self.capabilities = type(self).capabilities | cuda_capabilities(
            torch.cuda.is_available(), torch.backends.cuda.is_built()
        )

    def root(self) -> Any:
        return self._torch

    def from_numpy(self, array: np.ndarray) -> Any:
        torch = self._torch
        array = np.array(array, order="C", copy=True)
        if array.dtype == ml_dtypes.bfloat16:
            return torch.from_numpy(array.view(np.int16).copy()).view(torch.bfloat16)
        return torch.from_numpy(array)

    def to_numpy(self, tensor: Any) -> np.ndarray:
        torch = self._torch
        t = tensor.detach().cpu().resolve_conj().resolve_neg()
        if t.dtype == torch.bfloat16:
            return t.contiguous().view(torch.int16).numpy().view(ml_dtypes.bfloat16).copy()
        return t.numpy(force=True).copy()  # force: zero tensors from double backward

    def is_tensor(self, obj: Any) -> bool:
        return isinstance(obj, self._torch.Tensor)
