"""``torch.nn.functional``: elementwise activations: relu, gelu, sigmoid, elu, hardtanh, ... (with
their in-place forms)."""

from __future__ import annotations

__all__: list[str] = []
