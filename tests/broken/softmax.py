"""Broken adapters for the softmax family (8): the numerically naive and the off-by-one-axis
bugs real implementations have had.

Each replaces one reference class or function with a buggy version under the same name.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from tests.broken.base import Patched


class SoftmaxWithoutMaxShift(Patched):
    """Softmax as exp(x) / sum(exp(x)): large logits overflow to inf / inf = NaN."""

    patches = {"torch.nn.Softmax": "Softmax"}

    @cached_property
    def Softmax(self) -> type:  # noqa: N802 - the class's own name
        class Softmax(self.ref.nn.Softmax):
            def forward(self, input: Any) -> Any:  # noqa: A002
                exps = input.exp()
                return exps / exps.sum(self.dim, keepdim=True)

        return Softmax


class LogSoftmaxAsLogOfSoftmax(Patched):
    """LogSoftmax as log(softmax(x)): far-below-the-maximum logits underflow to -inf."""

    patches = {"torch.nn.LogSoftmax": "LogSoftmax"}

    @cached_property
    def LogSoftmax(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class LogSoftmax(self.ref.nn.LogSoftmax):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.softmax(input, self.dim).log()

        return LogSoftmax


class SoftmaxImplicitDimIsLast(Patched):
    """Softmax() without a dim normalises the last dim (torch: 0 for 0-, 1- and 3-d inputs,
    else 1)."""

    patches = {"torch.nn.Softmax": "Softmax"}

    @cached_property
    def Softmax(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class Softmax(self.ref.nn.Softmax):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.softmax(input, -1 if self.dim is None else self.dim)

        return Softmax


class Softmax2dOverTheLastDim(Patched):
    """Softmax2d normalises over the width (dim -1) instead of the channels (dim -3)."""

    patches = {"torch.nn.Softmax2d": "Softmax2d"}

    @cached_property
    def Softmax2d(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class Softmax2d(self.ref.nn.Softmax2d):
            def forward(self, input: Any) -> Any:  # noqa: A002
                super().forward(input)  # keeps the input checks
                return F.softmax(input, -1)

        return Softmax2d


class GluGatesTheWrongHalf(Patched):
    """glu returns b * sigmoid(a): the second half gated by the first."""

    patches = {"torch.nn.functional.glu": "glu"}

    def glu(self, input: Any, dim: int = -1) -> Any:  # noqa: A002
        a, b = input.chunk(2, dim)
        return b / (1 + (-a).exp())


class SoftminImplicitDimIsLast(Patched):
    """Softmin() without a dim normalises the last dim (torch: 0 for 0-, 1- and 3-d inputs,
    else 1)."""

    patches = {"torch.nn.Softmin": "Softmin"}

    @cached_property
    def Softmin(self) -> type:  # noqa: N802
        F = self.ref.nn.functional

        class Softmin(self.ref.nn.Softmin):
            def forward(self, input: Any) -> Any:  # noqa: A002
                return F.softmin(input, -1 if self.dim is None else self.dim)

        return Softmin


class AdaptiveTailWidthsOffByOne(Patched):
    """AdaptiveLogSoftmaxWithLoss projects cluster i to in_features // div_value ** i features
    (torch: ** (i + 1)), so the first cluster keeps every feature."""

    patches = {"torch.nn.AdaptiveLogSoftmaxWithLoss": "AdaptiveLogSoftmaxWithLoss"}

    @cached_property
    def AdaptiveLogSoftmaxWithLoss(self) -> type:  # noqa: N802
        nn = self.ref.nn

        class AdaptiveLogSoftmaxWithLoss(nn.AdaptiveLogSoftmaxWithLoss):
            def __init__(self, in_features: int, n_classes: int, *args: Any, **kw: Any) -> None:
                super().__init__(in_features, n_classes, *args, **kw)
                factory = {"dtype": self.head.weight.dtype}
                for i, (_, output) in enumerate(self.tail):
                    hidden = int(in_features // self.div_value**i)
                    self.tail[i] = nn.Sequential(
                        nn.Linear(in_features, hidden, bias=False, **factory),
                        nn.Linear(hidden, output.out_features, bias=False, **factory),
                    )

        return AdaptiveLogSoftmaxWithLoss


class AdaptiveLogProbFirstClusterOnly(Patched):
    """AdaptiveLogSoftmaxWithLoss.log_prob adds the head's log-probability of the first
    cluster to every cluster's classes (an index that never moves past shortlist_size)."""

    patches = {"torch.nn.AdaptiveLogSoftmaxWithLoss": "AdaptiveLogSoftmaxWithLoss"}

    @cached_property
    def AdaptiveLogSoftmaxWithLoss(self) -> type:  # noqa: N802
        ref = self.ref
        F = ref.nn.functional

        class AdaptiveLogSoftmaxWithLoss(ref.nn.AdaptiveLogSoftmaxWithLoss):
            def _get_full_log_prob(self, input: Any, head_output: Any) -> Any:  # noqa: A002
                head_logprob = F.log_softmax(head_output, dim=1)
                first = head_logprob[:, self.shortlist_size].unsqueeze(1)
                parts = [head_logprob[:, : self.shortlist_size]]
                parts += [F.log_softmax(tail(input), dim=1) + first for tail in self.tail]
                return ref.cat(parts, 1)

        return AdaptiveLogSoftmaxWithLoss


CAUGHT = {
    "SoftmaxWithoutMaxShift": (["torch.nn.Softmax"], "torch.nn.Softmax"),
    "LogSoftmaxAsLogOfSoftmax": (["torch.nn.LogSoftmax"], "torch.nn.LogSoftmax"),
    "SoftmaxImplicitDimIsLast": (["torch.nn.Softmax"], "torch.nn.Softmax"),
    "Softmax2dOverTheLastDim": (["torch.nn.Softmax2d"], "torch.nn.Softmax2d"),
    "GluGatesTheWrongHalf": (["torch.nn.functional.glu"], "torch.nn.functional.glu"),
    "SoftminImplicitDimIsLast": (["torch.nn.Softmin"], "torch.nn.Softmin"),
    "AdaptiveTailWidthsOffByOne": (
        ["torch.nn.AdaptiveLogSoftmaxWithLoss"],
        "torch.nn.AdaptiveLogSoftmaxWithLoss",
    ),
    "AdaptiveLogProbFirstClusterOnly": (
        ["torch.nn.AdaptiveLogSoftmaxWithLoss"],
        "torch.nn.AdaptiveLogSoftmaxWithLoss",
    ),
}
