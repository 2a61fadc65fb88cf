"""``torch.nn``: Conv1d/2d/3d, ConvTranspose1d/2d/3d."""

from __future__ import annotations

__all__: list[str] = []
