"""Broken adapters for the Adam family (6): bias correction left out, AdamW's decay through
the gradient, AMSGrad's maximum of the wrong moment, Adamax's norm as a sum, SparseAdam
updating entries the gradient leaves out, SparseAdam's eps after the bias correction.

Each replaces one optimizer by a subclass of the reference's whose step has one mistake;
the rest of the step is the plain rule on the parameter's arrays.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from tests.broken.base import Patched

O = "torch.optim."


def _hyper(group: dict[str, Any]) -> tuple[Any, ...]:
    lr = group["lr"]
    lr = float(np.asarray(lr._data)) if hasattr(lr, "_data") else lr
    return lr, *group["betas"], group["eps"], group.get("weight_decay", 0.0)


def _adam_step(p: Any, state: dict[str, Any], group: dict[str, Any], **bug: Any) -> None:
    """Adam on ``p``'s arrays, with the mistake ``bug`` names."""
    lr, beta1, beta2, eps, wd = _hyper(group)
    param, grad = p._data, p.grad._data
    grad = -grad if group["maximize"] else grad.copy()
    state["step"]._data[...] += 1
    t = float(state["step"]._data)
    if wd:
        if group["decoupled_weight_decay"] and not bug.get("decay_through_grad"):
            param *= 1 - lr * wd
        else:
            grad = grad + wd * param
    m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
    m += (1 - beta1) * (grad - m)
    v *= beta2
    v += (1 - beta2) * grad * grad
    second = v
    if group["amsgrad"]:
        second = state["max_exp_avg_sq"]._data
        np.maximum(second, m if bug.get("max_of_first_moment") else v, out=second)
    bias1, bias2 = (1.0, 1.0) if bug.get("no_bias_correction") else (1 - beta1**t, 1 - beta2**t)
    param -= lr / bias1 * m / (np.sqrt(second) / np.sqrt(bias2) + eps)


def _adam_class(base: type, **bug: Any) -> type:
    class Broken(base):
        def step(self, closure: Any = None) -> Any:
            for group in self.param_groups:
                for p in self._group_params(group):
                    _adam_step(p, self.state[p], group, **bug)

    Broken.__name__ = base.__name__
    return Broken


class AdamWithoutBiasCorrection(Patched):
    """Adam that divides by the raw moments (no 1 - beta^t): the first steps are ten times too
    small."""

    patches = {O + "Adam": "Adam"}

    @cached_property
    def Adam(self) -> type:  # noqa: N802 - the class's own name
        return _adam_class(self.ref.optim.Adam, no_bias_correction=True)


class AdamWDecaysThroughTheGradient(Patched):
    """AdamW that adds weight_decay * param to the gradient (Adam's L2) instead of shrinking
    the weights."""

    patches = {O + "AdamW": "AdamW"}

    @cached_property
    def AdamW(self) -> type:  # noqa: N802
        return _adam_class(self.ref.optim.AdamW, decay_through_grad=True)


class AmsgradMaxOfFirstMoment(Patched):
    """AMSGrad keeping the running maximum of exp_avg instead of exp_avg_sq."""

    patches = {O + "Adam": "Adam"}

    @cached_property
    def Adam(self) -> type:  # noqa: N802
        return _adam_class(self.ref.optim.Adam, max_of_first_moment=True)


class AdamaxSumsTheNorm(Patched):
    """Adamax whose exp_inf accumulates beta2 * exp_inf + |grad| + eps instead of the
    maximum."""

    patches = {O + "Adamax": "Adamax"}

    @cached_property
    def Adamax(self) -> type:  # noqa: N802
        class Adamax(self.ref.optim.Adamax):
            def step(self, closure: Any = None) -> Any:
                for group in self.param_groups:
                    for p in self._group_params(group):
                        _adamax_sum(p, self.state[p], group)

        return Adamax


def _adamax_sum(p: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
    lr, beta1, beta2, eps, wd = _hyper(group)
    param, grad = p._data, p.grad._data
    grad = -grad if group["maximize"] else grad
    if wd:
        grad = grad + wd * param
    state["step"]._data[...] += 1
    m, u = state["exp_avg"]._data, state["exp_inf"]._data
    m += (1 - beta1) * (grad - m)
    u *= beta2
    u += np.abs(grad) + eps
    param -= lr / (1 - beta1 ** float(state["step"]._data)) * m / u


def _sparse_adam_class(base: type, dense: bool = False, eps_corrected: bool = False) -> type:
    class SparseAdam(base):
        def step(self, closure: Any = None) -> Any:
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if not p.grad.is_sparse:
                        raise RuntimeError(
                            "SparseAdam does not support dense gradients, please consider Adam "
                            "instead"
                        )
                    state = self.state[p]
                    if not state:
                        state.update(step=0, exp_avg=p.detach().clone().zero_())
                        state["exp_avg_sq"] = p.detach().clone().zero_()
                    state["step"] += 1
                    _sparse_step(p, state, group, dense, eps_corrected)

    return SparseAdam


def _sparse_step(
    p: Any, state: dict[str, Any], group: dict[str, Any], dense: bool, eps_corrected: bool
) -> None:
    lr, beta1, beta2, eps, _ = _hyper(group)
    grad = p.grad.coalesce()
    if dense:
        at = (slice(None),)
        values = p.grad.to_dense()._data
    else:
        at = tuple(grad._indices()._data)
        values = grad._values()._data
    values = -values if group["maximize"] else values
    m, v, param = state["exp_avg"]._data, state["exp_avg_sq"]._data, p._data
    m[at] = m[at] + (values - m[at]) * (1 - beta1)
    v[at] = v[at] + (values * values - v[at]) * (1 - beta2)
    t = state["step"]
    bias1, bias2 = 1 - beta1**t, 1 - beta2**t
    if eps_corrected:
        param[at] -= lr / bias1 * m[at] / (np.sqrt(v[at]) / np.sqrt(bias2) + eps)
    else:
        param[at] -= lr * np.sqrt(bias2) / bias1 * m[at] / (np.sqrt(v[at]) + eps)


class SparseAdamUpdatesAbsentEntries(Patched):
    """SparseAdam that densifies the gradient: entries it leaves out decay their moments and
    keep moving the parameter."""

    patches = {O + "SparseAdam": "SparseAdam"}

    @cached_property
    def SparseAdam(self) -> type:  # noqa: N802
        return _sparse_adam_class(self.ref.optim.SparseAdam, dense=True)


class SparseAdamEpsAfterCorrection(Patched):
    """SparseAdam with Adam's denominator (eps added after the second moment's correction):
    torch adds it to the uncorrected root and folds the correction into the step size."""

    patches = {O + "SparseAdam": "SparseAdam"}

    @cached_property
    def SparseAdam(self) -> type:  # noqa: N802
        return _sparse_adam_class(self.ref.optim.SparseAdam, eps_corrected=True)


CAUGHT = {
    "AdamWithoutBiasCorrection": ([O + "Adam"], O + "Adam"),
    "AdamWDecaysThroughTheGradient": ([O + "AdamW"], O + "AdamW"),
    "AmsgradMaxOfFirstMoment": ([O + "Adam"], O + "Adam"),
    "AdamaxSumsTheNorm": ([O + "Adamax"], O + "Adamax"),
    "SparseAdamUpdatesAbsentEntries": ([O + "SparseAdam"], O + "SparseAdam"),
    "SparseAdamEpsAfterCorrection": ([O + "SparseAdam"], O + "SparseAdam"),
}
