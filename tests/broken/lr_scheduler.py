"""Broken adapters for torch.optim.lr_scheduler (9): schedules one epoch off, milestones
deduplicated, the closed form in place of the recursion, plateau bookkeeping slips, a rate
scaled twice, and a state_dict that forgets where it was.

Each replaces one reference scheduler with a subclass that makes one mistake.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tests.broken.base import Patched

S = "torch.optim.lr_scheduler."


class StepLROneEpochLate(Patched):
    """StepLR decays at epochs step_size + 1, 2 * step_size + 1, ... (counting from 1)."""

    patches = {S + "StepLR": "StepLR"}

    @cached_property
    def StepLR(self) -> type:  # noqa: N802 - the class's own name
        class StepLR(self.ref.optim.lr_scheduler.StepLR):
            def get_lr(self) -> list[Any]:
                groups = self.optimizer.param_groups
                if self.last_epoch <= 1 or (self.last_epoch - 1) % self.step_size != 0:
                    return [group["lr"] for group in groups]
                return [group["lr"] * self.gamma for group in groups]

        return StepLR


class StepLRStateDictWithoutLastEpoch(Patched):
    """StepLR's state_dict leaves last_epoch out: a loaded scheduler restarts its count."""

    patches = {S + "StepLR": "StepLR"}

    @cached_property
    def StepLR(self) -> type:  # noqa: N802
        class StepLR(self.ref.optim.lr_scheduler.StepLR):
            def state_dict(self) -> dict[str, Any]:
                state = super().state_dict()
                del state["last_epoch"]
                return state

        return StepLR


class MultiStepLRIgnoresRepeatedMilestones(Patched):
    """MultiStepLR keeps its milestones as a set: a milestone listed twice decays once."""

    patches = {S + "MultiStepLR": "MultiStepLR"}

    @cached_property
    def MultiStepLR(self) -> type:  # noqa: N802
        class MultiStepLR(self.ref.optim.lr_scheduler.MultiStepLR):
            def __init__(self, optimizer: Any, milestones: Any, *args: Any, **kw: Any) -> None:
                super().__init__(optimizer, sorted(set(milestones)), *args, **kw)

        return MultiStepLR


class ExponentialLRDecaysAtConstruction(Patched):
    """ExponentialLR's constructor step decays too: epoch 0 already has base_lr * gamma."""

    patches = {S + "ExponentialLR": "ExponentialLR"}

    @cached_property
    def ExponentialLR(self) -> type:  # noqa: N802
        class ExponentialLR(self.ref.optim.lr_scheduler.ExponentialLR):
            def get_lr(self) -> list[Any]:
                return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

        return ExponentialLR


class CosineAnnealingLRClosedFormOnly(Patched):
    """CosineAnnealingLR computes the closed form from base_lr every epoch: alone it agrees
    within ulps, but it drops what another scheduler on the optimizer did."""

    patches = {S + "CosineAnnealingLR": "CosineAnnealingLR"}

    @cached_property
    def CosineAnnealingLR(self) -> type:  # noqa: N802
        class CosineAnnealingLR(self.ref.optim.lr_scheduler.CosineAnnealingLR):
            def get_lr(self) -> list[Any]:
                return self._get_closed_form_lr()

        return CosineAnnealingLR


class PlateauRelativeThresholdAsAbsolute(Patched):
    """ReduceLROnPlateau compares with best -/+ threshold in both threshold modes."""

    patches = {S + "ReduceLROnPlateau": "ReduceLROnPlateau"}

    @cached_property
    def ReduceLROnPlateau(self) -> type:  # noqa: N802
        class ReduceLROnPlateau(self.ref.optim.lr_scheduler.ReduceLROnPlateau):
            def _is_better(self, a: float, best: float) -> bool:
                if self.mode == "min":
                    return a < best - self.threshold
                return a > best + self.threshold

        return ReduceLROnPlateau


class PlateauCooldownCountsBadEpochs(Patched):
    """ReduceLROnPlateau counts bad epochs during the cooldown (only the reduction waits)."""

    patches = {S + "ReduceLROnPlateau": "ReduceLROnPlateau"}

    @cached_property
    def ReduceLROnPlateau(self) -> type:  # noqa: N802
        class ReduceLROnPlateau(self.ref.optim.lr_scheduler.ReduceLROnPlateau):
            def step(self, metrics: Any, epoch: Any = None) -> None:
                current = float(metrics)
                self.last_epoch += 1
                if self._is_better(current, self.best):
                    self.best, self.num_bad_epochs = current, 0
                else:
                    self.num_bad_epochs += 1
                if self.in_cooldown:
                    self.cooldown_counter -= 1
                elif self.num_bad_epochs > self.patience:
                    self._reduce_lr(self.last_epoch)
                    self.cooldown_counter = self.cooldown
                    self.num_bad_epochs = 0
                self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

        return ReduceLROnPlateau


class PlateauIgnoresMinLR(Patched):
    """ReduceLROnPlateau multiplies by factor without the min_lr floor."""

    patches = {S + "ReduceLROnPlateau": "ReduceLROnPlateau"}

    @cached_property
    def ReduceLROnPlateau(self) -> type:  # noqa: N802
        class ReduceLROnPlateau(self.ref.optim.lr_scheduler.ReduceLROnPlateau):
            def _reduce_lr(self, epoch: int) -> None:
                for group in self.optimizer.param_groups:
                    old = float(group["lr"])
                    if old - old * self.factor > self.eps:
                        group["lr"] = old * self.factor

        return ReduceLROnPlateau


class LambdaLRScalesTheCurrentRate(Patched):
    """LambdaLR multiplies the group's current rate by lr_lambda(epoch), not the base one."""

    patches = {S + "LambdaLR": "LambdaLR"}

    @cached_property
    def LambdaLR(self) -> type:  # noqa: N802
        class LambdaLR(self.ref.optim.lr_scheduler.LambdaLR):
            def get_lr(self) -> list[Any]:
                return [
                    group["lr"] * fn(self.last_epoch)
                    for fn, group in zip(self.lr_lambdas, self.optimizer.param_groups, strict=True)
                ]

        return LambdaLR


def _entry(name: str) -> tuple[list[str], str]:
    return ([S + name], S + name)


CAUGHT = {
    "StepLROneEpochLate": _entry("StepLR"),
    "StepLRStateDictWithoutLastEpoch": _entry("StepLR"),
    "MultiStepLRIgnoresRepeatedMilestones": _entry("MultiStepLR"),
    "ExponentialLRDecaysAtConstruction": _entry("ExponentialLR"),
    "CosineAnnealingLRClosedFormOnly": _entry("CosineAnnealingLR"),
    "PlateauRelativeThresholdAsAbsolute": _entry("ReduceLROnPlateau"),
    "PlateauCooldownCountsBadEpochs": _entry("ReduceLROnPlateau"),
    "PlateauIgnoresMinLR": _entry("ReduceLROnPlateau"),
    "LambdaLRScalesTheCurrentRate": _entry("LambdaLR"),
}
