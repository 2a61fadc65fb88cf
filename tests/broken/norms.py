"""Broken adapters for the normalization layers and functions (25): realistic bugs in
running statistics, eval mode, the reduced dims, channel groups, eps and the affine order.

Each replaces one reference class (or function) with a version carrying the bug, under the
same name.
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
                return _channel_affine(y, self.weight, self.bias)

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
                return _channel_affine(y, self.weight, self.bias)

        return InstanceNorm1d


class BatchNormUnbiasedNormalization(Patched):
    """BatchNorm3d normalizes with the unbiased batch variance (the one it stores in
    running_var) instead of the biased one."""

    patches = {"torch.nn.BatchNorm3d": "BatchNorm3d"}

    @cached_property
    def BatchNorm3d(self) -> type:  # noqa: N802
        class BatchNorm3d(self.ref.nn.BatchNorm3d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                out = super().forward(input)  # the checks and the running statistics
                if not self._uses_batch_stats():
                    return out
                mean, var, count = _batch_moments(input)
                var = var * (count / (count - 1)) if count > 1 else var
                return _channel_affine(
                    (input - mean) / (var + self.eps).sqrt(), self.weight, self.bias
                )

        return BatchNorm3d


class BatchNormBesselOverBatchOnly(Patched):
    """BatchNorm3d's running_var corrects the batch variance by N / (N - 1), the batch size,
    instead of the number of values per channel."""

    patches = {"torch.nn.BatchNorm3d": "BatchNorm3d"}

    @cached_property
    def BatchNorm3d(self) -> type:  # noqa: N802
        ref = self.ref

        class BatchNorm3d(ref.nn.BatchNorm3d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                if not (self.training and self.track_running_stats):
                    return super().forward(input)
                kept = self.running_var.clone()
                out = super().forward(input)
                factor = float(self.momentum) if self.momentum is not None else (
                    1.0 / float(self.num_batches_tracked))  # fmt: skip
                n = input.shape[0]
                with ref.no_grad():
                    _, var, _ = _batch_moments(input.detach())
                    var = var.reshape(-1) * (n / (n - 1) if n > 1 else float("nan"))
                    self.running_var.copy_(kept * (1 - factor) + var * factor)
                return out

        return BatchNorm3d


class SyncBatchNormConvertDropsMomentum(Patched):
    """SyncBatchNorm.convert_sync_batchnorm builds its SyncBatchNorm with the default
    momentum, not the converted module's."""

    patches = {"torch.nn.SyncBatchNorm": "SyncBatchNorm"}

    @cached_property
    def SyncBatchNorm(self) -> type:  # noqa: N802
        ref = self.ref

        class SyncBatchNorm(ref.nn.SyncBatchNorm):
            @classmethod
            def convert_sync_batchnorm(cls, module: Any, process_group: Any = None) -> Any:
                out = super().convert_sync_batchnorm(module, process_group)
                for m in out.modules():
                    if isinstance(m, ref.nn.SyncBatchNorm):
                        m.momentum = 0.1
                return out

        return SyncBatchNorm


class InstanceNormRowsOnly(Patched):
    """InstanceNorm2d takes each instance's statistics over the width only (each row
    normalized on its own)."""

    patches = {"torch.nn.InstanceNorm2d": "InstanceNorm2d"}

    @cached_property
    def InstanceNorm2d(self) -> type:  # noqa: N802
        class InstanceNorm2d(self.ref.nn.InstanceNorm2d):
            def _apply_instance_norm(self, input: Any) -> Any:  # noqa: A002
                out = super()._apply_instance_norm(input)  # the running statistics, as torch's
                if not (self.training or not self.track_running_stats):
                    return out
                mean = input.mean(-1, keepdim=True)
                dev = input - mean
                y = dev / ((dev * dev).mean(-1, keepdim=True) + self.eps).sqrt()
                return _channel_affine(y, self.weight, self.bias)

        return InstanceNorm2d


class InstanceNormEvalIgnoresRunningStats(Patched):
    """InstanceNorm3d normalizes with each instance's statistics in eval mode even when it
    tracks running statistics."""

    patches = {"torch.nn.InstanceNorm3d": "InstanceNorm3d"}

    @cached_property
    def InstanceNorm3d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class InstanceNorm3d(self.ref.nn.InstanceNorm3d):
            def _apply_instance_norm(self, input: Any) -> Any:  # noqa: A002
                if self.training or not self.track_running_stats:
                    return super()._apply_instance_norm(input)
                return F.instance_norm(input, None, None, self.weight, self.bias, True, 0.0,
                                       self.eps)  # fmt: skip

        return InstanceNorm3d


class LocalResponseNormSumNotMean(Patched):
    """LocalResponseNorm scales the window's sum of squares by alpha, not by alpha / size."""

    patches = {"torch.nn.LocalResponseNorm": "LocalResponseNorm"}

    @cached_property
    def LocalResponseNorm(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class LocalResponseNorm(self.ref.nn.LocalResponseNorm):
            def forward(self, input: Any) -> Any:  # noqa: A002
                alpha = self.alpha * self.size
                return F.local_response_norm(input, self.size, alpha, self.beta, self.k)

        return LocalResponseNorm


class FunctionalBatchNormKeepsRunningMean(Patched):
    """F.batch_norm in training moves running_var but leaves running_mean where it was."""

    patches = {"torch.nn.functional.batch_norm": "batch_norm"}

    def batch_norm(self, input: Any, running_mean: Any, running_var: Any, weight: Any = None,  # noqa: A002
                   bias: Any = None, training: bool = False, momentum: float = 0.1,
                   eps: float = 1e-5) -> Any:  # fmt: skip
        kept = None if running_mean is None else running_mean.clone()
        out = self.ref.nn.functional.batch_norm(
            input, running_mean, running_var, weight, bias, training, momentum, eps
        )
        if kept is not None:
            running_mean.copy_(kept)
        return out


class FunctionalBatchNormEpsOutsideSqrt(Patched):
    """F.batch_norm with running statistics divides by ``sqrt(running_var) + eps``."""

    patches = {"torch.nn.functional.batch_norm": "batch_norm"}

    def batch_norm(self, input: Any, running_mean: Any, running_var: Any, weight: Any = None,  # noqa: A002
                   bias: Any = None, training: bool = False, momentum: float = 0.1,
                   eps: float = 1e-5) -> Any:  # fmt: skip
        F = self.ref.nn.functional
        if training:
            return F.batch_norm(
                input, running_mean, running_var, weight, bias, training, momentum, eps
            )
        shape = (1, -1) + (1,) * (input.ndim - 2)
        y = (input - running_mean.reshape(shape)) / (running_var.reshape(shape).sqrt() + eps)
        return _channel_affine(y, weight, bias)


class FunctionalInstanceNormAlwaysInputStats(Patched):
    """F.instance_norm normalizes with the instance statistics even when told to use the
    running ones (use_input_stats=False)."""

    patches = {"torch.nn.functional.instance_norm": "instance_norm"}

    def instance_norm(self, input: Any, running_mean: Any = None, running_var: Any = None,  # noqa: A002
                      weight: Any = None, bias: Any = None, use_input_stats: bool = True,
                      momentum: float = 0.1, eps: float = 1e-5) -> Any:  # fmt: skip
        return self.ref.nn.functional.instance_norm(
            input, None if use_input_stats is False else running_mean,
            None if use_input_stats is False else running_var, weight, bias, True, momentum, eps,
        )  # fmt: skip


class FunctionalInstanceNormBiasedRunningVar(Patched):
    """F.instance_norm moves running_var towards the instances' biased variances."""

    patches = {"torch.nn.functional.instance_norm": "instance_norm"}

    def instance_norm(self, input: Any, running_mean: Any = None, running_var: Any = None,  # noqa: A002
                      weight: Any = None, bias: Any = None, use_input_stats: bool = True,
                      momentum: float = 0.1, eps: float = 1e-5) -> Any:  # fmt: skip
        ref = self.ref
        kept = None if running_var is None else running_var.clone()
        out = ref.nn.functional.instance_norm(
            input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps
        )
        if kept is not None and use_input_stats:
            dims = tuple(range(2, input.ndim))
            dev = input - input.mean(dims, keepdim=True)
            var = (dev * dev).mean(dims).mean(0)
            with ref.no_grad():
                running_var.copy_(kept * (1 - momentum) + var.detach() * momentum)
        return out


class FunctionalLayerNormEpsOutsideSqrt(Patched):
    """F.layer_norm divides by ``sqrt(var) + eps`` instead of ``sqrt(var + eps)``."""

    patches = {"torch.nn.functional.layer_norm": "layer_norm"}

    def layer_norm(self, input: Any, normalized_shape: Any, weight: Any = None,  # noqa: A002
                   bias: Any = None, eps: float = 1e-5) -> Any:  # fmt: skip
        dims = tuple(range(input.ndim - len(normalized_shape), input.ndim))
        dev = input - input.mean(dims, keepdim=True)
        y = dev / ((dev * dev).mean(dims, keepdim=True).sqrt() + eps)
        if weight is not None:
            y = y * weight
        return y if bias is None else y + bias


class FunctionalLayerNormBiasBeforeWeight(Patched):
    """F.layer_norm adds bias before multiplying by weight: (x_hat + bias) * weight."""

    patches = {"torch.nn.functional.layer_norm": "layer_norm"}

    def layer_norm(self, input: Any, normalized_shape: Any, weight: Any = None,  # noqa: A002
                   bias: Any = None, eps: float = 1e-5) -> Any:  # fmt: skip
        y = self.ref.nn.functional.layer_norm(input, normalized_shape, None, None, eps)
        if bias is not None:
            y = y + bias
        return y if weight is None else y * weight


class InstanceNormStatsConstantInBackward(Patched):
    """InstanceNorm2d's backward treats each instance's mean and variance as constants (the
    forward is right; the input gradient misses the statistics' terms)."""

    patches = {"torch.nn.InstanceNorm2d": "InstanceNorm2d"}

    @cached_property
    def InstanceNorm2d(self) -> type:  # noqa: N802
        class InstanceNorm2d(self.ref.nn.InstanceNorm2d):
            def _apply_instance_norm(self, input: Any) -> Any:  # noqa: A002
                out = super()._apply_instance_norm(input)  # the running statistics, as torch's
                if not (self.training or not self.track_running_stats):
                    return out
                stats = input.detach()
                mean = stats.mean((-2, -1), keepdim=True)
                var = ((stats - mean) ** 2).mean((-2, -1), keepdim=True)
                return _channel_affine(
                    (input - mean) / (var + self.eps).sqrt(), self.weight, self.bias
                )

        return InstanceNorm2d


class LocalResponseNormDivisorConstantInBackward(Patched):
    """LocalResponseNorm's backward divides the gradient by the divisor only, as if the
    divisor did not depend on the input."""

    patches = {"torch.nn.LocalResponseNorm": "LocalResponseNorm"}

    @cached_property
    def LocalResponseNorm(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class LocalResponseNorm(self.ref.nn.LocalResponseNorm):
            def forward(self, input: Any) -> Any:  # noqa: A002
                if input.ndim < 3 or input.numel() == 0:
                    return super().forward(input)
                sums = F._normalization._window_sums(input.detach() ** 2, self.size)
                return input / (sums * (self.alpha / self.size) + self.k) ** self.beta

        return LocalResponseNorm


class BatchNormStatsConstantInBackward(Patched):
    """BatchNorm3d's backward in training treats the batch mean and variance as constants
    (the forward is right; the input gradient misses the statistics' terms)."""

    patches = {"torch.nn.BatchNorm3d": "BatchNorm3d"}

    @cached_property
    def BatchNorm3d(self) -> type:  # noqa: N802
        class BatchNorm3d(self.ref.nn.BatchNorm3d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                out = super().forward(input)
                if not self._uses_batch_stats():
                    return out
                mean, var, _ = _batch_moments(input.detach())
                return _channel_affine(
                    (input - mean) / (var + self.eps).sqrt(), self.weight, self.bias
                )

        return BatchNorm3d


class InstanceNormTracksByDefault(Patched):
    """InstanceNorm3d's track_running_stats defaults to True (as BatchNorm's)."""

    patches = {"torch.nn.InstanceNorm3d": "InstanceNorm3d"}

    @cached_property
    def InstanceNorm3d(self) -> type:  # noqa: N802
        class InstanceNorm3d(self.ref.nn.InstanceNorm3d):
            def __init__(self, num_features: int, eps: float = 1e-5, momentum: Any = 0.1,
                         affine: bool = False, track_running_stats: bool = True,
                         **kwargs: Any) -> None:  # fmt: skip
                super().__init__(num_features, eps, momentum, affine, track_running_stats,
                                 **kwargs)  # fmt: skip

        return InstanceNorm3d


class LocalResponseNormDefaultK2(Patched):
    """LocalResponseNorm's k defaults to 2 (AlexNet's value) instead of 1."""

    patches = {"torch.nn.LocalResponseNorm": "LocalResponseNorm"}

    @cached_property
    def LocalResponseNorm(self) -> type:  # noqa: N802
        class LocalResponseNorm(self.ref.nn.LocalResponseNorm):
            def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                         k: float = 2.0) -> None:  # fmt: skip
                super().__init__(size, alpha, beta, k)

        return LocalResponseNorm


class FunctionalLayerNormStatsConstantInBackward(Patched):
    """F.layer_norm's backward treats the mean and variance as constants (right forward,
    wrong input gradient)."""

    patches = {"torch.nn.functional.layer_norm": "layer_norm"}

    def layer_norm(self, input: Any, normalized_shape: Any, weight: Any = None,  # noqa: A002
                   bias: Any = None, eps: float = 1e-5) -> Any:  # fmt: skip
        F = self.ref.nn.functional
        out = F.layer_norm(input, normalized_shape, weight, bias, eps)
        if input.numel() == 0:
            return out
        dims = tuple(range(input.ndim - len(normalized_shape), input.ndim))
        x = input.detach()
        mean = x.mean(dims, keepdim=True)
        var = ((x - mean) ** 2).mean(dims, keepdim=True)
        y = (input - mean) / (var + eps).sqrt()
        if weight is not None:
            y = y * weight
        return y if bias is None else y + bias


class SyncBatchNormEvalUsesBatchStats(Patched):
    """SyncBatchNorm normalizes with the batch statistics in eval mode too."""

    patches = {"torch.nn.SyncBatchNorm": "SyncBatchNorm"}

    @cached_property
    def SyncBatchNorm(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class SyncBatchNorm(self.ref.nn.SyncBatchNorm):
            def forward(self, input: Any) -> Any:  # noqa: A002
                if self.training:
                    return super().forward(input)
                return F.batch_norm(input, None, None, self.weight, self.bias, True, 0.0, self.eps)

        return SyncBatchNorm


def _channel_affine(y: Any, weight: Any, bias: Any) -> Any:
    """``y`` of shape (N, C, *) scaled and shifted per channel by ``weight`` and ``bias``,
    either of which may be None."""
    shape = (1, -1) + (1,) * (y.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    return y if bias is None else y + bias.reshape(shape)


CAUGHT = {
    "BatchNormBiasedRunningVar": (["torch.nn.BatchNorm1d"], "torch.nn.BatchNorm1d"),
    "BatchNormMomentumReversed": (["torch.nn.BatchNorm2d"], "torch.nn.BatchNorm2d"),
    "BatchNormEvalUsesBatchStats": (["torch.nn.BatchNorm1d"], "torch.nn.BatchNorm1d"),
    "LayerNormLastDimOnly": (["torch.nn.LayerNorm"], "torch.nn.LayerNorm"),
    "GroupNormInterleaved": (["torch.nn.GroupNorm"], "torch.nn.GroupNorm"),
    "InstanceNormEpsOutsideSqrt": (["torch.nn.InstanceNorm1d"], "torch.nn.InstanceNorm1d"),
    "BatchNormUnbiasedNormalization": (["torch.nn.BatchNorm3d"], "torch.nn.BatchNorm3d"),
    "BatchNormBesselOverBatchOnly": (["torch.nn.BatchNorm3d"], "torch.nn.BatchNorm3d"),
    "SyncBatchNormConvertDropsMomentum": (["torch.nn.SyncBatchNorm"], "torch.nn.SyncBatchNorm"),
    "InstanceNormRowsOnly": (["torch.nn.InstanceNorm2d"], "torch.nn.InstanceNorm2d"),
    "InstanceNormEvalIgnoresRunningStats": (["torch.nn.InstanceNorm3d"], "torch.nn.InstanceNorm3d"),
    "LocalResponseNormSumNotMean": (["torch.nn.LocalResponseNorm"], "torch.nn.LocalResponseNorm"),
    "FunctionalBatchNormKeepsRunningMean": (
        ["torch.nn.functional.batch_norm"],
        "torch.nn.functional.batch_norm",
    ),
    "FunctionalBatchNormEpsOutsideSqrt": (
        ["torch.nn.functional.batch_norm"],
        "torch.nn.functional.batch_norm",
    ),
    "FunctionalInstanceNormAlwaysInputStats": (
        ["torch.nn.functional.instance_norm"],
        "torch.nn.functional.instance_norm",
    ),
    "FunctionalInstanceNormBiasedRunningVar": (
        ["torch.nn.functional.instance_norm"],
        "torch.nn.functional.instance_norm",
    ),
    "FunctionalLayerNormEpsOutsideSqrt": (
        ["torch.nn.functional.layer_norm"],
        "torch.nn.functional.layer_norm",
    ),
    "FunctionalLayerNormBiasBeforeWeight": (
        ["torch.nn.functional.layer_norm"],
        "torch.nn.functional.layer_norm",
    ),
    "InstanceNormStatsConstantInBackward": (["torch.nn.InstanceNorm2d"], "torch.nn.InstanceNorm2d"),
    "LocalResponseNormDivisorConstantInBackward": (
        ["torch.nn.LocalResponseNorm"],
        "torch.nn.LocalResponseNorm",
    ),
    "BatchNormStatsConstantInBackward": (["torch.nn.BatchNorm3d"], "torch.nn.BatchNorm3d"),
    "InstanceNormTracksByDefault": (["torch.nn.InstanceNorm3d"], "torch.nn.InstanceNorm3d"),
    "LocalResponseNormDefaultK2": (["torch.nn.LocalResponseNorm"], "torch.nn.LocalResponseNorm"),
    "FunctionalLayerNormStatsConstantInBackward": (
        ["torch.nn.functional.layer_norm"],
        "torch.nn.functional.layer_norm",
    ),
    "SyncBatchNormEvalUsesBatchStats": (["torch.nn.SyncBatchNorm"], "torch.nn.SyncBatchNorm"),
}
