"""Broken adapters for SGD, ASGD and the adaptive optimizers (8): update-rule slips real
implementations have had. Each replaces one reference optimizer with a subclass that makes
one mistake."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from reference.optim._functional import direction, number, real
from reference.optim.optimizer import array, written, xp
from tests.broken.base import Patched


class SgdNesterovOldBuffer(Patched):
    """Nesterov's look-ahead adds the buffer of the previous step, not the updated one."""

    patches = {"torch.optim.SGD": "SGD"}

    @cached_property
    def SGD(self) -> type:  # noqa: N802 - the class's own name
        class SGD(self.ref.optim.SGD):
            def _update(self, p: Any, group: dict[str, Any]) -> None:
                old = self.state[p].get("momentum_buffer")
                old = None if old is None else array(old).copy()
                if not group["nesterov"] or old is None:
                    return super()._update(p, group)
                grad = direction(p, group["maximize"], group["weight_decay"])
                self._buffer(p, grad, group["momentum"], group["dampening"])
                array(p)[...] -= group["lr"] * (grad + group["momentum"] * old)
                written(p)
                return None

        return SGD


class SgdDampenedFirstStep(Patched):
    """The first momentum buffer is (1 - dampening) * grad, not the gradient itself."""

    patches = {"torch.optim.SGD": "SGD"}

    @cached_property
    def SGD(self) -> type:  # noqa: N802
        class SGD(self.ref.optim.SGD):
            def _buffer(self, p: Any, grad: Any, momentum: float, dampening: float) -> Any:
                fresh = self.state[p].get("momentum_buffer") is None
                buf = super()._buffer(p, grad, momentum, dampening)
                if fresh:
                    buf *= 1 - dampening
                return buf

        return SGD


class SgdWeightDecayAfterMomentum(Patched):
    """Weight decay added to the step after the momentum buffer, not to the gradient."""

    patches = {"torch.optim.SGD": "SGD"}

    @cached_property
    def SGD(self) -> type:  # noqa: N802
        class SGD(self.ref.optim.SGD):
            def _update(self, p: Any, group: dict[str, Any]) -> None:
                before = array(p).copy()
                super()._update(p, {**group, "weight_decay": 0})
                array(p)[...] -= group["lr"] * group["weight_decay"] * before
                written(p)

        return SGD


class AsgdAverageNeverUpdated(Patched):
    """ASGD's ``ax`` stays at its initial zeros."""

    patches = {"torch.optim.ASGD": "ASGD"}

    @cached_property
    def ASGD(self) -> type:  # noqa: N802
        class ASGD(self.ref.optim.ASGD):
            @staticmethod
            def _update(p: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
                kept = array(state["ax"]).copy()
                self_type._update(p, state, group)
                array(state["ax"])[...] = kept

        self_type = self.ref.optim.ASGD
        return ASGD


class AdagradDecayOffByOne(Patched):
    """Adagrad's learning rate decays from the first step: lr / (1 + step * lr_decay)."""

    patches = {"torch.optim.Adagrad": "Adagrad"}

    @cached_property
    def Adagrad(self) -> type:  # noqa: N802
        class Adagrad(self.ref.optim.Adagrad):
            @staticmethod
            def _rule(p: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
                array(state["step"])[...] += 1
                step = state["step"].item()
                grad = real(direction(p, group["maximize"], group["weight_decay"]))
                clr = number(group["lr"]) / (1 + step * group["lr_decay"])
                total = real(array(state["sum"]))
                total += grad * grad
                array(p)[...] += -clr * grad / (xp(p).sqrt(total) + group["eps"])

        return Adagrad


class RmspropCenteredWithoutMean(Patched):
    """Centered RMSprop keeps grad_avg but divides by sqrt(square_avg), the variance's
    mean never subtracted."""

    patches = {"torch.optim.RMSprop": "RMSprop"}

    @cached_property
    def RMSprop(self) -> type:  # noqa: N802
        base = self.ref.optim.RMSprop

        class RMSprop(base):
            @staticmethod
            def _rule(p: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
                if not group["centered"]:
                    return base._rule(p, state, group)
                grad_avg = array(state["grad_avg"])
                grad = direction(p, group["maximize"], group["weight_decay"])
                base._rule(p, state, {**group, "centered": False})
                grad_avg += (1 - group["alpha"]) * (grad - grad_avg)
                return None

        return RMSprop


class RpropKeepsGradientAfterFlip(Patched):
    """After a sign change Rprop still moves and remembers the gradient (torch zeroes it)."""

    patches = {"torch.optim.Rprop": "Rprop"}

    @cached_property
    def Rprop(self) -> type:  # noqa: N802
        class Rprop(self.ref.optim.Rprop):
            @staticmethod
            def _rule(p: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
                etaminus, etaplus = group["etas"]
                grad = -array(p.grad) if group["maximize"] else array(p.grad)
                array(state["step"])[...] += 1
                prev, step_size = array(state["prev"]), array(state["step_size"])
                sign = xp(p).sign(grad * prev)
                factor = xp(p).where(sign > 0, etaplus, xp(p).where(sign < 0, etaminus, 1.0))
                step_size[...] = xp(p).clip(step_size * factor, *group["step_sizes"])
                array(p)[...] -= xp(p).sign(grad) * step_size
                prev[...] = grad

        return Rprop


class AdadeltaSwapsRho(Patched):
    """Adadelta's running means weight the new term by rho and the old by 1 - rho."""

    patches = {"torch.optim.Adadelta": "Adadelta"}

    @cached_property
    def Adadelta(self) -> type:  # noqa: N802
        base = self.ref.optim.Adadelta

        class Adadelta(base):
            @staticmethod
            def _rule(p: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
                base._rule(p, state, {**group, "rho": 1 - group["rho"]})

        return Adadelta


CAUGHT = {
    "SgdNesterovOldBuffer": (["torch.optim.SGD"], "torch.optim.SGD"),
    "SgdDampenedFirstStep": (["torch.optim.SGD"], "torch.optim.SGD"),
    "SgdWeightDecayAfterMomentum": (["torch.optim.SGD"], "torch.optim.SGD"),
    "AsgdAverageNeverUpdated": (["torch.optim.ASGD"], "torch.optim.ASGD"),
    "AdagradDecayOffByOne": (["torch.optim.Adagrad"], "torch.optim.Adagrad"),
    "RmspropCenteredWithoutMean": (["torch.optim.RMSprop"], "torch.optim.RMSprop"),
    "RpropKeepsGradientAfterFlip": (["torch.optim.Rprop"], "torch.optim.Rprop"),
    "AdadeltaSwapsRho": (["torch.optim.Adadelta"], "torch.optim.Adadelta"),
}
