"""``torch.autograd``: reverse-mode automatic differentiation for the reference tensors."""

from __future__ import annotations

from .._grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from ._api import backward, grad
from ._gradcheck import gradcheck, gradgradcheck

__all__ = [
    "backward",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
]
