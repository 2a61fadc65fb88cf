"""``torch.nn``: BatchNorm1d/2d/3d, SyncBatchNorm, InstanceNorm1d/2d/3d, LayerNorm, GroupNorm,
LocalResponseNorm."""

from __future__ import annotations

__all__: list[str] = []
