"""``torch.nn``: the module system (``Module``, ``Parameter``, containers), the layers (one
module per family, as in ``torch/nn/modules``), ``functional`` and ``init``."""

from __future__ import annotations

from . import (
    activation,
    adaptive,
    attention,
    conv,
    ctc_loss,
    dropout,
    flatten,
    fold,
    functional,
    init,
    loss,
    margin_loss,
    normalization,
    padding,
    parameter,
    pooling,
    softmax,
    vision,
)
from .activation import *  # noqa: F403
from .adaptive import *  # noqa: F403
from .attention import *  # noqa: F403
from .containers import ModuleDict, ModuleList, Sequential
from .conv import *  # noqa: F403
from .ctc_loss import *  # noqa: F403
from .dropout import *  # noqa: F403
from .flatten import *  # noqa: F403
from .fold import *  # noqa: F403
from .linear import Bilinear, Identity, LazyLinear, Linear
from .loss import *  # noqa: F403
from .margin_loss import *  # noqa: F403
from .module import Module
from .normalization import *  # noqa: F403
from .padding import *  # noqa: F403
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from .parameter_containers import ParameterDict, ParameterList
from .pooling import *  # noqa: F403
from .softmax import *  # noqa: F403
from .vision import *  # noqa: F403

__all__ = [
    "Bilinear",
    "Buffer",
    "Identity",
    "LazyLinear",
    "Linear",
    "Module",
    "ModuleDict",
    "ModuleList",
    "Parameter",
    "ParameterDict",
    "ParameterList",
    "Sequential",
    "UninitializedBuffer",
    "UninitializedParameter",
    "functional",
    "init",
    "parameter",
    *activation.__all__,
    *softmax.__all__,
    *attention.__all__,
    *adaptive.__all__,
    *normalization.__all__,
    *loss.__all__,
    *margin_loss.__all__,
    *ctc_loss.__all__,
    *dropout.__all__,
    *conv.__all__,
    *flatten.__all__,
    *fold.__all__,
    *pooling.__all__,
    *padding.__all__,
    *vision.__all__,
]
