"""``torch.nn.functional``: the regression and classification losses: l1, mse, smooth_l1,
cross_entropy, nll, poisson_nll, kl_div, binary_cross_entropy (with logits)."""

from __future__ import annotations

__all__: list[str] = []
