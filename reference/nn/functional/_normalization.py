"""``torch.nn.functional``: batch_norm, instance_norm, layer_norm, group_norm, local_response_norm,
normalize."""

from __future__ import annotations

__all__: list[str] = []
