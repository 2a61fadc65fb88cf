"""``torch.nn``: PixelShuffle, PixelUnshuffle, Upsample, ChannelShuffle."""

from __future__ import annotations

__all__: list[str] = []
