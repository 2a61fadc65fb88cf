"""Broken adapters for the normalization layers (6): realistic bugs in running statistics,
eval mode, the reduced dims, channel groups and eps.

Each replaces one reference class with a subclass carrying the bug, under the same name.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tests.broken.base import Patched


def _batch_moments(x: Any) -> tuple[Any, Any, int]:
    """Per-channel mean and biased variance of an (N, C, *) tensor, and the count."""
    dims = (0, *range(2, x.ndim))
    mean = x.mean(dims, keepdim=True)
    dev = x - mean
    return mean, (dev * dev).mean(dims, keepdim=True), x.numel() // x.shape[1]


class BatchNormBiasedRunningVar(Patched):
    """BatchNorm1d moves running_var towards the biased batch variance (the one it
    normalizes with) instead of the unbiased one."""

    patches = {"torch.nn.BatchNorm1d": "BatchNorm1d"}

    @cached_property
    def BatchNorm1d(self) -> type:  # noqa: N802 - the class's own name
        ref = self.ref

        class BatchNorm1d(ref.nn.BatchNorm1d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                if not (self.training and self.track_running_stats):
                    return super().forward(input)
                kept = self.running_var.clone()
                out = super().forward(input)
                factor = (
                    self.momentum
                    if self.momentum is not None
                    else (1.0 / float(self.num_batches_tracked))
                )
                with ref.no_grad():
                    _, var, _ = _batch_moments(input.detach())
                    self.running_var.copy_(kept * (1 - factor) + var.reshape(-1) * factor)
                return out

        return BatchNorm1d


class BatchNormMomentumReversed(Patched):
    """BatchNorm2d weighs the old running statistics by momentum and the batch by
    1 - momentum (``new = momentum * old + (1 - momentum) * batch``)."""

    patches = {"torch.nn.BatchNorm2d": "BatchNorm2d"}

    @cached_property
    def BatchNorm2d(self) -> type:  # noqa: N802
        ref = self.ref

        class BatchNorm2d(ref.nn.BatchNorm2d):
            def _average_factor(self) -> float:
                factor = super()._average_factor()
                return 1.0 - factor if self.momentum is not None else factor

        return BatchNorm2d


class BatchNormEvalUsesBatchStats(Patched):
    """BatchNorm1d normalizes with the batch statistics in eval mode too (running statistics
    are kept but never used)."""

    patches = {"torch.nn.BatchNorm1d": "BatchNorm1d"}

    @cached_property
    def BatchNorm1d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class BatchNorm1d(self.ref.nn.BatchNorm1d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                if self.training:
                    return super().forward(input)
                return F.batch_norm(input, None, None, self.weight, self.bias, True, 0.0, self.eps)

        return BatchNorm1d


class LayerNormLastDimOnly(Patched):
    """LayerNorm takes its statistics over the last dim only, whatever normalized_shape
    says (right only for a 1-d normalized_shape)."""

    patches = {"torch.nn.LayerNorm": "LayerNorm"}

    @cached_property
    def LayerNorm(self) -> type:  # noqa: N802
        class LayerNorm(self.ref.nn.LayerNorm):
            def forward(self, input: Any) -> Any:  # noqa: A002
                mean = input.mean(-1, keepdim=True)
                dev = input - mean
                var = (dev * dev).mean(-1, keepdim=True)
                y = dev / (var + self.eps).sqrt()
                if self.weight is not None:
                    y = y * self.weight
                return y if self.bias is None else y + self.bias

        return LayerNorm


class GroupNormInterleaved(Patched):
    """GroupNorm puts channel c in group c % num_groups (interleaved) instead of
    c // (C / num_groups) (consecutive)."""

    patches = {"torch.nn.GroupNorm": "GroupNorm"}

    @cached_property
    def GroupNorm(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class GroupNorm(self.ref.nn.GroupNorm):
            def forward(self, input: Any) -> Any:  # noqa: A002
                n, c, g = input.shape[0], input.shape[1], self.num_groups
                rest = tuple(input.shape[2:])
                # (N, C/G, G, *) -> (N, G, C/G, *): channel c = k * G + j goes to group j
                swapped = input.reshape(n, c // g, g, *rest).transpose(1, 2)
                normed = F.group_norm(swapped.reshape(n, c, *rest), g, None, None, self.eps)
                y = normed.reshape(n, g, c // g, *rest).transpose(1, 2).reshape(input.shape)
                shape = (1, c) + (1,) * len(rest)
                if self.weight is not None:
                    y = y * self.weight.reshape(shape)
                return y if self.bias is None else y + self.bias.reshape(shape)

        return GroupNorm


class InstanceNormEpsOutsideSqrt(Patched):
    """InstanceNorm1d divides by ``sqrt(var) + eps`` instead of ``sqrt(var + eps)``."""

    patches = {"torch.nn.InstanceNorm1d": "InstanceNorm1d"}

    @cached_property
    def InstanceNorm1d(self) -> type:  # noqa: N802
        class InstanceNorm1d(self.ref.nn.InstanceNorm1d):
            def _apply_instance_norm(self, input: Any) -> Any:  # noqa: A002
                if not (self.training or not self.track_running_stats):
                    return super()._apply_instance_norm(input)
                super()._apply_instance_norm(input)  # the running statistics, as torch's
                mean = input.mean(-1, keepdim=True)
                dev = input - mean
                y = dev / ((dev * dev).mean(-1, keepdim=True).sqrt() + self.eps)
                shape = (1, -1, 1)
                if self.weight is not None:
                    y = y * self.weight.reshape(shape)
                return y if self.bias is None else y + self.bias.reshape(shape)

        return InstanceNorm1d


CAUGHT = {
    "BatchNormBiasedRunningVar": (["torch.nn.BatchNorm1d"], "torch.nn.BatchNorm1d"),
    "BatchNormMomentumReversed": (["torch.nn.BatchNorm2d"], "torch.nn.BatchNorm2d"),
    "BatchNormEvalUsesBatchStats": (["torch.nn.BatchNorm1d"], "torch.nn.BatchNorm1d"),
    "LayerNormLastDimOnly": (["torch.nn.LayerNorm"], "torch.nn.LayerNorm"),
    "GroupNormInterleaved": (["torch.nn.GroupNorm"], "torch.nn.GroupNorm"),
    "InstanceNormEpsOutsideSqrt": (["torch.nn.InstanceNorm1d"], "torch.nn.InstanceNorm1d"),
}
