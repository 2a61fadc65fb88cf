"""Numpy oracles larger than an expression: plain functions that spec oracles call by name.

Each computes in float64 and returns the input's dtype, like the one-line oracles. They import
numpy only (never the reference or the library under test), and ``tests/test_oracles.py``
holds each one against PyTorch. :data:`ORACLES` is the one registry of them: the numpy world of
spec expressions sees exactly these names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spec.oracles import (
    activation,
    attention,
    conv,
    lenet,
    loss,
    lr_scheduler,
    margin_loss,
    nn,
    normalization,
    optim,
    optim_adam,
    optim_lbfgs,
    padding,
    pooling,
    softmax,
    vision,
)

MODULES = (
    attention,
    activation,
    conv,
    lenet,
    loss,
    lr_scheduler,
    margin_loss,
    nn,
    normalization,
    optim,
    optim_adam,
    optim_lbfgs,
    padding,
    pooling,
    softmax,
    vision,
)

ORACLES: dict[str, Callable[..., Any]] = {
    name: getattr(module, name) for module in MODULES for name in module.__all__
}
