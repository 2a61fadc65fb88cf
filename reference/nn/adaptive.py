"""``torch.nn``: ``AdaptiveLogSoftmaxWithLoss`` (Grave et al.'s adaptive softmax): a head
scoring the shortlist classes and one entry per tail cluster, and per cluster a two-layer
projection scoring its classes. Parameters are ``Linear`` layers, so they initialise as
torch's do (same seed, same weights)."""

from __future__ import annotations

import itertools
from collections import namedtuple
from collections.abc import Sequence

import numpy as np

from .._creation import as_tensor
from .._dtypes import int32, int64
from .._joining import cat
from .._reductions import argmax
from .._tensor import Tensor
from . import functional as F  # noqa: N812
from .containers import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])  # noqa: PYI024 - torch's own type

_BAD_CUTOFFS = (
    "cutoffs should be a sequence of unique, positive integers sorted in an increasing order, "
    "where each value is between 1 and n_classes-1"
)


def _check_cutoffs(cutoffs: list, n_classes: int) -> None:
    if len(cutoffs) == 0:
        raise ValueError("cutoffs should be a sequence of length larger than 0")
    if (
        cutoffs != sorted(cutoffs)
        or min(cutoffs) <= 0
        or max(cutoffs) > n_classes - 1
        or len(set(cutoffs)) != len(cutoffs)
        or any(int(c) != c for c in cutoffs)
    ):
        raise ValueError(_BAD_CUTOFFS)


def _check_forward_shapes(input: Tensor, target: Tensor) -> None:  # noqa: A002
    if target.dim() == 1:
        if input.size(0) != target.size(0):
            raise RuntimeError("Input and target should have the same size in the batch dimension.")
        if input.dim() != 2:
            raise RuntimeError(
                "1D target tensor expects 2D input tensors, but found inputs with size "
                f"{input.size()}"
            )
    elif target.dim() == 0:
        if input.dim() != 1:
            raise RuntimeError(
                "0D target tensor expects 1D input tensors, but found inputs with size "
                f"{input.size()}"
            )
    else:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")


class AdaptiveLogSoftmaxWithLoss(Module):
    """Log-probabilities of the targets (``output``) and their mean negative (``loss``).

    Classes below ``cutoffs[0]`` are scored by the head; class ``c`` of cluster ``i`` gets
    ``log p_head(shortlist + i) + log p_i(c - cutoffs[i])``. Cluster ``i`` (from 0) projects
    to ``int(in_features // div_value ** (i + 1))`` features before its output layer.
    """

    def __init__(
        self,
        in_features: int,
        n_classes: int,
        cutoffs: Sequence[int],
        div_value: float = 4.0,
        head_bias: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        factory = {"device": device, "dtype": dtype}
        super().__init__()
        cutoffs = list(cutoffs)
        _check_cutoffs(cutoffs, n_classes)
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = [*cutoffs, n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, **factory)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(
                Sequential(
                    Linear(in_features, hidden, bias=False, **factory),
                    Linear(hidden, size, bias=False, **factory),
                )
            )

    def reset_parameters(self) -> None:
        """Each ``Linear``'s own initialisation, head first."""
        self.head.reset_parameters()
        for projection, output in self.tail:
            projection.reset_parameters()
            output.reset_parameters()

    def _clusters(self, target: Tensor) -> np.ndarray:
        """Each target's cluster (0: the shortlist), after torch's range check."""
        labels = target.detach().cpu().numpy()
        clusters = np.searchsorted(np.asarray(self.cutoffs), labels, side="right")
        if labels.size and ((labels < 0).any() or (labels >= self.n_classes).any()):
            raise RuntimeError(
                f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                f"[{target.min().item()}, {target.max().item()}] were found. "
            )
        if target.dtype not in (int32, int64):
            raise RuntimeError("gather(): Expected dtype int32/int64 for index")
        return clusters

    def _index(self, like: Tensor, values: np.ndarray) -> Tensor:
        return as_tensor(np.asarray(values, dtype=np.int64), device=like.device)

    def _tail_part(self, input: Tensor, labels: np.ndarray, clusters: np.ndarray) -> Tensor | None:  # noqa: A002
        """Per row, the log-probability of its class within its cluster (0 in the shortlist);
        None when every target is in the shortlist."""
        pieces, rows_seen = [], [np.flatnonzero(clusters == 0)]
        for i in range(1, self.n_clusters + 1):
            rows = np.flatnonzero(clusters == i)
            if rows.size == 0:
                continue
            scores = self.tail[i - 1](input[self._index(input, rows)])
            relative = self._index(input, labels[rows] - self.cutoffs[i - 1])
            pieces.append(F.log_softmax(scores, dim=1).gather(1, relative.unsqueeze(1)).squeeze(1))
            rows_seen.append(rows)
        if not pieces:
            return None
        values = cat([input.new_zeros(rows_seen[0].size), *pieces])
        return values[self._index(input, np.argsort(np.concatenate(rows_seen), kind="stable"))]

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        _check_forward_shapes(input_, target_)
        batched = target_.dim() > 0
        input = input_ if batched else input_.unsqueeze(0)  # noqa: A001
        target = target_ if batched else target_.unsqueeze(0)
        clusters = self._clusters(target)
        labels = target.detach().cpu().numpy().astype(np.int64)
        head_index = np.where(clusters == 0, labels, self.shortlist_size + clusters - 1)
        head_logprob = F.log_softmax(self.head(input), dim=1)
        index = self._index(input, head_index).unsqueeze(1)
        output = head_logprob.gather(1, index).squeeze(1)
        tail = self._tail_part(input, labels, clusters)
        if tail is not None:
            output = tail + output
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _get_full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:  # noqa: A002
        """(N, n_classes) log-probabilities from the input and the head's scores."""
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, : self.shortlist_size]]
        for i, _ in enumerate(itertools.pairwise(self.cutoffs)):
            cluster_logprob = F.log_softmax(self.tail[i](input), dim=1)
            parts.append(cluster_logprob + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return cat(parts, 1)

    def log_prob(self, input: Tensor) -> Tensor:  # noqa: A002
        """Log-probabilities of all ``n_classes`` classes, shape ``(N, n_classes)``."""
        return self._get_full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:  # noqa: A002
        """The most probable class per row: the head's argmax when it is a shortlist class,
        else the argmax of the full distribution."""
        head_output = self.head(input)
        output = argmax(head_output, dim=1)
        outside = output.detach().cpu().numpy() >= self.shortlist_size
        if not outside.any():
            return output
        if outside.all():
            return argmax(self._get_full_log_prob(input, head_output), dim=1)
        rows = self._index(input, np.flatnonzero(outside))
        log_prob = self._get_full_log_prob(input[rows], head_output[rows])
        output[rows] = argmax(log_prob, dim=1)
        return output
