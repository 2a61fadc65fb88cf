"""``torch.nn.functional``: each family in its own module (``_<family>.py``), all re-exported
here."""

from __future__ import annotations

from . import (
    _activation,
    _attention,
    _conv,
    _ctc_loss,
    _dropout,
    _fold,
    _linear,
    _loss,
    _margin_loss,
    _normalization,
    _padding,
    _pooling,
    _softmax,
    _vision,
)
from ._activation import *  # noqa: F403
from ._attention import *  # noqa: F403
from ._conv import *  # noqa: F403
from ._ctc_loss import *  # noqa: F403
from ._dropout import *  # noqa: F403
from ._fold import *  # noqa: F403
from ._linear import *  # noqa: F403
from ._loss import *  # noqa: F403
from ._margin_loss import *  # noqa: F403
from ._normalization import *  # noqa: F403
from ._padding import *  # noqa: F403
from ._pooling import *  # noqa: F403
from ._softmax import *  # noqa: F403
from ._vision import *  # noqa: F403

__all__ = [
    *_linear.__all__,
    *_activation.__all__,
    *_softmax.__all__,
    *_attention.__all__,
    *_normalization.__all__,
    *_loss.__all__,
    *_margin_loss.__all__,
    *_ctc_loss.__all__,
    *_dropout.__all__,
    *_conv.__all__,
    *_fold.__all__,
    *_pooling.__all__,
    *_padding.__all__,
    *_vision.__all__,
]
