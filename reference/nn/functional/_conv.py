"""``torch.nn.functional``: conv1d/2d/3d and conv_transpose1d/2d/3d."""

from __future__ import annotations

__all__: list[str] = []
