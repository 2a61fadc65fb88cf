"""``torch.optim``: the optimizers, one module each as torch lays them out, and
:mod:`lr_scheduler`. Modules load on first use of a name."""

from __future__ import annotations

import importlib
from typing import Any

from .optimizer import Optimizer

#: Every optimizer class, by the module that holds it.
OPTIMIZERS = {
    "Adadelta": "adadelta",
    "Adagrad": "adagrad",
    "Adam": "adam",
    "AdamW": "adamw",
    "Adamax": "adamax",
    "ASGD": "asgd",
    "LBFGS": "lbfgs",
    "RMSprop": "rmsprop",
    "Rprop": "rprop",
    "SGD": "sgd",
    "SparseAdam": "sparse_adam",
}

__all__ = ["Optimizer", "lr_scheduler", *OPTIMIZERS]


def __getattr__(name: str) -> Any:
    if name == "lr_scheduler":
        return importlib.import_module(f"{__name__}.lr_scheduler")
    if name in OPTIMIZERS:
        return getattr(importlib.import_module(f"{__name__}.{OPTIMIZERS[name]}"), name)
    raise AttributeError(f"module 'torch.optim' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(__all__)
