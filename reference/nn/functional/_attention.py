"""``torch.nn.functional``: multi_head_attention_forward and scaled dot-product attention."""

from __future__ import annotations

__all__: list[str] = []
