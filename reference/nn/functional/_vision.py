"""``torch.nn.functional``: pixel_shuffle, pixel_unshuffle, interpolate, channel_shuffle."""

from __future__ import annotations

__all__: list[str] = []
