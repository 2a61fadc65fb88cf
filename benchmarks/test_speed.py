"""The reference's speed beside PyTorch's, op by op, in the same run (ratios, never asserts).

Run with ``pytest benchmarks --benchmark-group-by=group`` (``tox -e bench``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from benchmarks.conftest import Groups, cases, measure

pytest.importorskip("torch")
RNG = np.random.default_rng(0)
DATA = RNG.standard_normal((256, 256)).astype(np.float32)
INDEX = RNG.integers(0, 256, (256, 256))
NESTED = DATA[:64, :64].tolist()

GROUPS: Groups = {
    "creation": {
        "tensor_from_nested_list": (lambda m: (), lambda m: m.tensor(NESTED)),
        "from_numpy": (lambda m: (), lambda m: m.from_numpy(DATA)),
        "zeros": (lambda m: (), lambda m: m.zeros(256, 256)),
        "arange": (lambda m: (), lambda m: m.arange(0, 65536, 1)),
        "linspace": (lambda m: (), lambda m: m.linspace(0, 1, 65536)),
        "tolist": (lambda m: (m.from_numpy(DATA[:64, :64]),), lambda m, x: x.tolist()),
    },
    "joining": {
        "cat": (lambda m: ([m.from_numpy(DATA)] * 4,), lambda m, ts: m.cat(ts, 1)),
        "stack": (lambda m: ([m.from_numpy(DATA)] * 4,), lambda m, ts: m.stack(ts, 0)),
        "gather": (
            lambda m: (m.from_numpy(DATA), m.from_numpy(INDEX)),
            lambda m, x, i: m.gather(x, 1, i),
        ),
        "chunk": (lambda m: (m.from_numpy(DATA),), lambda m, x: m.chunk(x, 7, 1)),
        "tensor_split": (lambda m: (m.from_numpy(DATA),), lambda m, x: m.tensor_split(x, 7, 1)),
    },
    "views": {
        "view_transpose": (
            lambda m: (m.from_numpy(DATA),),
            lambda m, x: x.view(64, 1024).transpose(0, 1),
        ),
        "clone_transposed": (lambda m: (m.from_numpy(DATA).t(),), lambda m, x: x.clone()),
        "squeeze_unsqueeze": (
            lambda m: (m.from_numpy(DATA),),
            lambda m, x: x.unsqueeze(0).squeeze(),
        ),
    },
    "autograd": {
        "grad_pointwise_chain": (
            lambda m: (_leaf(m),),
            lambda m, x: m.autograd.grad((x.sin() * x.tanh()).sum(), x),
        ),
        "grad_view_reduce": (
            lambda m: (_leaf(m),),
            lambda m, x: m.autograd.grad(m.amax(x.t()[::2], 1).sum(), x),
        ),
        "grad_gather": (
            lambda m: (_leaf(m), m.from_numpy(INDEX)),
            lambda m, x, i: m.autograd.grad(m.gather(x, 1, i).sum(), x),
        ),
        "double_backward_tanh": (
            lambda m: (_leaf(m),),
            lambda m, x: m.autograd.grad(
                m.autograd.grad(x.tanh().sum(), x, create_graph=True)[0].sum(), x
            ),
        ),
    },
}


def _leaf(m: Any) -> Any:
    """A float32 leaf that requires grad."""
    return m.from_numpy(DATA.copy()).requires_grad_()


@pytest.mark.parametrize(("group", "op", "library"), cases(GROUPS))
def test_speed(benchmark: Any, group: str, op: str, library: str) -> None:
    measure(benchmark, GROUPS, group, op, library)
