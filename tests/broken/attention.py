"""Broken adapters for torch.nn.MultiheadAttention (5): realistic attention bugs.

Each replaces the reference class with a subclass carrying the bug, under the same name.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tests.broken.base import Patched


def _subclass(ref: Any, forward: Any) -> type:
    """A MultiheadAttention whose ``forward`` is ``forward(self, super_forward, ...)``."""

    class MultiheadAttention(ref.nn.MultiheadAttention):
        def forward(self, *args: Any, **kwargs: Any) -> Any:
            return forward(self, super().forward, *args, **kwargs)

    return MultiheadAttention


class AttentionScalesByEmbedDim(Patched):
    """Scores scaled by 1/embed_dim instead of 1/sqrt(head_dim) (right only for 1x1 heads)."""

    patches = {"torch.nn.MultiheadAttention": "MultiheadAttention"}

    @cached_property
    def MultiheadAttention(self) -> type:  # noqa: N802 - the class's own name
        def forward(module: Any, parent: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            # the scores are q k^T / sqrt(head_dim): scaling q by sqrt(head_dim) / embed_dim
            # before the projection's weights (bias included) gives 1 / embed_dim
            factor = module.head_dim**0.5 / module.embed_dim
            saved = {n: p.data for n, p in module.named_parameters() if n.startswith("in_proj")}
            q_rows = slice(0, module.embed_dim)
            if module.in_proj_weight is not None:
                module.in_proj_weight.data = saved["in_proj_weight"].clone()
                module.in_proj_weight.data[q_rows] *= factor
            if module.in_proj_bias is not None:
                module.in_proj_bias.data = saved["in_proj_bias"].clone()
                module.in_proj_bias.data[q_rows] *= factor
            q_weight = module.q_proj_weight
            if q_weight is not None:
                saved["q_proj_weight"] = q_weight.data
                q_weight.data = q_weight.data * factor
            try:
                return parent(query, *args, **kwargs)
            finally:
                for name, data in saved.items():
                    getattr(module, name).data = data

        return _subclass(self.ref, forward)


class AttentionBoolMaskInverted(Patched):
    """A bool attn_mask read as scaled_dot_product_attention's: True means allowed."""

    patches = {"torch.nn.MultiheadAttention": "MultiheadAttention"}

    @cached_property
    def MultiheadAttention(self) -> type:  # noqa: N802
        torch = self.ref

        def forward(module: Any, parent: Any, *args: Any, attn_mask: Any = None, **kw: Any) -> Any:
            if attn_mask is not None and attn_mask.dtype == torch.bool:
                attn_mask = ~attn_mask
            return parent(*args, attn_mask=attn_mask, **kw)

        return _subclass(self.ref, forward)


class AttentionIgnoresKeyPadding(Patched):
    """key_padding_mask accepted and dropped: padded keys are attended."""

    patches = {"torch.nn.MultiheadAttention": "MultiheadAttention"}

    @cached_property
    def MultiheadAttention(self) -> type:  # noqa: N802
        def forward(module: Any, parent: Any, q: Any, k: Any, v: Any, *args: Any, **kw: Any) -> Any:
            kw.pop("key_padding_mask", None)
            return parent(q, k, v, None, *args[1:], **kw)

        return _subclass(self.ref, forward)


class AttentionWeightsNotAveraged(Patched):
    """The returned weights are summed over heads instead of averaged."""

    patches = {"torch.nn.MultiheadAttention": "MultiheadAttention"}

    @cached_property
    def MultiheadAttention(self) -> type:  # noqa: N802
        def forward(module: Any, parent: Any, *args: Any, **kw: Any) -> Any:
            output, weights = parent(*args, **kw)
            if weights is not None and kw.get("average_attn_weights", True):
                weights = weights * module.num_heads
            return output, weights

        return _subclass(self.ref, forward)


class AttentionBatchFirstIgnored(Patched):
    """batch_first stored but never applied: (N, L, E) inputs read as (L, N, E)."""

    patches = {"torch.nn.MultiheadAttention": "MultiheadAttention"}

    @cached_property
    def MultiheadAttention(self) -> type:  # noqa: N802
        def forward(module: Any, parent: Any, *args: Any, **kw: Any) -> Any:
            first, module.batch_first = module.batch_first, False
            try:
                return parent(*args, **kw)
            finally:
                module.batch_first = first

        return _subclass(self.ref, forward)


_MHA = "torch.nn.MultiheadAttention"
CAUGHT = {
    name: ([_MHA], _MHA)
    for name in (
        "AttentionScalesByEmbedDim",
        "AttentionBoolMaskInverted",
        "AttentionIgnoresKeyPadding",
        "AttentionWeightsNotAveraged",
        "AttentionBatchFirstIgnored",
    )
}
