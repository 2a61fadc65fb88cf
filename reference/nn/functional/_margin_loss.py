"""``torch.nn.functional``: the margin and embedding losses: margin_ranking, hinge_embedding,
soft_margin, multilabel(_soft)_margin, multi_margin, cosine_embedding, triplet_margin."""

from __future__ import annotations

__all__: list[str] = []
