"""View ops, indexing, joining and splitting against torch (values, strides, sharing)."""

from __future__ import annotations

import numpy as np
import pytest

import reference

torch = pytest.importorskip("torch")


def base(m):
    return m.arange(24.0).reshape(2, 3, 4)


VIEWS = [
    lambda m: base(m).view(6, 4),
    lambda m: base(m).view(-1),
    lambda m: base(m).view(4, -1, 2),
    lambda m: base(m).view(m.Size([24])),
    lambda m: base(m).transpose(0, 2).view(-1),
    lambda m: base(m).permute(1, 0, 2).view(3, 8),
    lambda m: base(m).permute(1, 0, 2).view(3, 2, 1, 4),
    lambda m: base(m).view(4, 7),
    lambda m: base(m).view(-1, -1),
    lambda m: m.zeros(0, 3).view(-1, 0),
    lambda m: m.zeros(2, 3).view(0, -1),
    lambda m: m.tensor(5.0).view(1, 1),
    lambda m: m.tensor(5.0).view(()),
    lambda m: m.zeros(2, 3).view(m.int32),
    lambda m: m.zeros(2, 3).view(m.float16),
    lambda m: m.zeros(2, 3).t().view(m.float16),
    lambda m: base(m).reshape(4, 6),
    lambda m: base(m).transpose(0, 1).reshape(-1),
    lambda m: base(m).flatten(),
    lambda m: base(m).flatten(1),
    lambda m: base(m).flatten(2, 1),
    lambda m: base(m).flatten(5),
    lambda m: m.tensor(5.0).flatten(),
    lambda m: base(m).transpose(0, 2),
    lambda m: base(m).transpose(0, 5),
    lambda m: base(m).swapaxes(1, -1),
    lambda m: m.zeros(2, 3).t(),
    lambda m: m.zeros(3).t(),
    lambda m: base(m).t(),
    lambda m: base(m).permute(2, 0, 1),
    lambda m: base(m).permute(0, 0, 1),
    lambda m: base(m).permute(0),
    lambda m: base(m).permute((1, 2, 0)),
    lambda m: m.zeros(2, 3).expand(4, 2, 3),
    lambda m: m.zeros(3, 1).expand(3, 4),
    lambda m: m.zeros(2, 3).expand(-1, 3),
    lambda m: m.zeros(2, 3).expand(3, 3),
    lambda m: m.zeros(2, 3).expand(3),
    lambda m: m.zeros(2, 3).T,
    lambda m: base(m).T,
    lambda m: base(m).narrow(1, 1, 2),
    lambda m: base(m).select(2, -1),
    lambda m: base(m).unbind(1),
    lambda m: m.zeros(3, 4).as_strided((2, 2), (1, 4), 1),
]


@pytest.mark.parametrize("fn", VIEWS)
def test_view_ops(same, fn):
    same(fn)


def test_views_share_memory():
    x = reference.arange(12.0).reshape(3, 4)
    views = [
        x.view(12),
        x.t(),
        x.transpose(0, 1),
        x[1],
        x[:, 1:3],
        x[None],
        x[..., 2],
        x.unsqueeze(0),
        x.unsqueeze(1).squeeze(),
        x.detach(),
        x.expand(2, 3, 4),
        x.chunk(2, 1)[1],
        x.tensor_split(3)[2],
        x.permute(1, 0),
        x.flatten(),
        x.narrow(0, 1, 1),
        reference.squeeze(x.view(1, 3, 4)),
        reference.transpose(x, 0, 1),
        x.reshape(4, 3),
        x.view_as(x),
        x.select(1, 0),
        x.split(2)[1],
        x.T,
        x.swapaxes(0, 1),
        x.data,
    ]
    for v in views:
        assert np.shares_memory(v.numpy(), x.numpy())
    x.view(12)[5] = 100.0
    assert x[1, 1].item() == 100.0
    x.t()[3, 2] = -1.0
    assert x[2, 3].item() == -1.0


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.arange(12.0).reshape(3, 4)[1:].storage_offset(),
        lambda m: m.arange(12.0).reshape(3, 4)[2:, 1:].storage_offset(),
        lambda m: m.arange(12.0).reshape(3, 4)[5:].storage_offset(),
        lambda m: m.arange(12.0).reshape(3, 4)[1].select(0, 2).storage_offset(),
        lambda m: m.arange(12.0).reshape(3, 4).t().is_contiguous(),
        lambda m: m.arange(12.0).reshape(3, 4).t().contiguous().stride(),
        lambda m: m.zeros(3, 1).expand(3, 4).is_contiguous(),
        lambda m: m.zeros(1, 4)[:, ::2].is_contiguous(),
        lambda m: m.zeros(2, 3).t().clone().stride(),
        lambda m: m.zeros(2, 3)[:, ::2].clone().stride(),
        lambda m: m.zeros(2, 3).expand(4, 2, 3).clone().stride(),
        lambda m: m.zeros(1, 2, 3, 4).clone(memory_format=m.channels_last).stride(),
        lambda m: (
            m.zeros(1, 2, 3, 4)
            .contiguous(memory_format=m.channels_last)
            .is_contiguous(memory_format=m.channels_last)
        ),
        lambda m: m.zeros(2, 3).clone(memory_format=m.channels_last),
        lambda m: m.zeros(2, 3).t().clone(memory_format=m.contiguous_format).stride(),
        lambda m: m.zeros(2, 0).stride(),
        lambda m: m.zeros(0, 2, 0).stride(),
        lambda m: m.zeros(2, 3).size(1),
        lambda m: m.zeros(2, 3).size(-1),
        lambda m: m.zeros(2, 3).size(2),
        lambda m: m.tensor(1.0).size(0),
        lambda m: m.tensor(1.0).stride(0),
        lambda m: m.zeros(2, 3).stride(-2),
    ],
)
def test_layout_queries(same, fn):
    same(fn)


INDEX = [
    0,
    -1,
    (1, 2),
    (slice(None), 1),
    (Ellipsis, 0),
    (None,),
    (slice(None), None),
    (Ellipsis, None),
    (None, Ellipsis, None),
    slice(1, None),
    slice(None, None, 2),
    (slice(0, 2), slice(1, 4, 2)),
    (0, slice(None), 3),
    5,
    (0, 0, 0, 0),
    (slice(5, 9),),
    (slice(None, None, -1),),
    1.5,
    [0, 1],
    (slice(None), [2, 0]),
    ([0, 1], [1, 2]),
    (Ellipsis, [3]),
    [5],
    True,
    (1, Ellipsis, 1),
    (Ellipsis, Ellipsis),
]


@pytest.mark.parametrize("index", INDEX)
def test_getitem(same, index):
    same(lambda m: base(m)[index])


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.tensor([True, False]),
        lambda m: m.tensor([0, 1, 1]),
        lambda m: m.tensor([[0], [1]]),
        lambda m: m.tensor(1),
        lambda m: m.tensor([True, False, True]),
        lambda m: base(m) > 10,
        lambda m: m.tensor([1.0]),
        lambda m: m.tensor([5]),
    ],
)
def test_tensor_index(same, make):
    same(lambda m: base(m)[make(m)], strides=False)


@pytest.mark.parametrize(
    "index,value",
    [
        (0, 1.5),
        ((slice(None), 1), 7),
        (Ellipsis, 3),
        ((0, 1, 2), -1.0),
        ((None, 0), 2.0),
        ([0, 1], 9),
        ((slice(None), [0, 2]), 4),
    ],
)
def test_setitem(same, index, value):
    def fn(m):
        x = base(m)
        x[index] = value
        y = base(m)
        y[index] = m.tensor(value, dtype=m.float64)
        return x, y

    same(fn)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.zeros(2, dtype=m.uint8).__setitem__(0, 300),
        lambda m: m.zeros(2, 3).__setitem__(0, m.ones(4)),
        lambda m: m.zeros(2, 3).__setitem__(5, 1.0),
        lambda m: m.zeros(2, 3).__setitem__(m.tensor([True, False]), m.ones(3)),
    ],
)
def test_setitem_errors(same, fn):
    same(fn, message=False)


def test_setitem_mask_and_uint8_wrap(same):
    def fn(m):
        x = m.arange(6).reshape(2, 3)
        x[x > 2] = 0
        y = m.zeros(2, dtype=m.uint8)
        y[0] = -1
        return x, y

    same(fn)


JOIN = [
    lambda m: m.cat([base(m), base(m)]),
    lambda m: m.cat([base(m), base(m)], 2),
    lambda m: m.cat([base(m), base(m)], -1),
    lambda m: m.cat((m.zeros(2, 3), m.zeros(2, 3).t().t())),
    lambda m: m.cat([]),
    lambda m: m.cat([m.zeros(2, 3), m.zeros(3, 2)]),
    lambda m: m.cat([m.zeros(2, 3), m.zeros(3)]),
    lambda m: m.cat([m.zeros(2, 3), m.zeros(0)]),
    lambda m: m.cat([m.zeros(0), m.zeros(0)]),
    lambda m: m.cat([m.zeros(2, 3), m.zeros(2, 3)], 2),
    lambda m: m.cat([m.tensor(1.0), m.tensor(1.0)]),
    lambda m: m.cat(m.zeros(2)),
    lambda m: m.cat([m.zeros(2, dtype=m.int8), m.ones(2, dtype=m.uint8)]),
    lambda m: m.cat([m.zeros(0, dtype=m.int64), m.zeros(2, 3)]),
    lambda m: m.cat([m.zeros(2), m.ones(2)], out=m.zeros(1)),
    lambda m: m.cat([m.zeros(2), m.ones(2)], out=m.zeros(1, dtype=m.int64)),
    lambda m: m.concat([m.ones(1), m.zeros(2)]),
    lambda m: m.concatenate([m.ones(1), m.zeros(2)]),
    lambda m: m.stack([base(m), base(m)]),
    lambda m: m.stack([base(m), base(m)], 3),
    lambda m: m.stack([base(m), base(m)], -1),
    lambda m: m.stack([m.zeros(2), m.zeros(3)]),
    lambda m: m.stack([]),
    lambda m: m.stack([m.zeros(2), m.zeros(2)], 3),
    lambda m: m.stack([m.zeros(2), m.zeros(2, dtype=m.long)]),
    lambda m: m.stack([m.tensor(1), m.tensor(2)]),
]


@pytest.mark.parametrize("fn", JOIN)
def test_cat_stack(same, fn):
    same(fn)


def g_input(m):
    return m.arange(12.0).reshape(3, 4)


GATHER = [
    lambda m: m.gather(g_input(m), 1, m.tensor([[0, 3], [1, 1], [2, 0]])),
    lambda m: m.gather(g_input(m), 0, m.tensor([[0, 2, 1, 0]])),
    lambda m: m.gather(g_input(m), -1, m.tensor([[3], [0]])),
    lambda m: g_input(m).gather(1, m.tensor([[0]], dtype=m.int32)),
    lambda m: m.gather(g_input(m), 1, m.tensor([[5]])),
    lambda m: m.gather(g_input(m), 1, m.tensor([[-1]])),
    lambda m: m.gather(g_input(m), 1, m.tensor([0])),
    lambda m: m.gather(g_input(m), 1, m.zeros(4, 1, dtype=m.long)),
    lambda m: m.gather(g_input(m), 2, m.zeros(2, 1, dtype=m.long)),
    lambda m: m.gather(g_input(m), 1, m.tensor([[0.0]])),
    lambda m: m.gather(g_input(m), 1, m.zeros(0, 2, dtype=m.long)),
    lambda m: m.gather(m.tensor(5.0), 0, m.tensor(0)),
    lambda m: m.gather(g_input(m), 1, m.tensor([[1]]), out=m.zeros(1, 1)),
    lambda m: m.gather(m.arange(5), 0, m.tensor([4, 0])),
    # an empty index: any dtype, any shape, no checks but the dim's
    lambda m: m.gather(m.arange(5.0), 0, m.tensor([], dtype=m.uint8)),
    lambda m: m.gather(g_input(m), 1, m.zeros(0, 4, 5, dtype=m.int16)),
    lambda m: m.gather(g_input(m), 0, m.zeros(3, 0)),
    lambda m: m.gather(g_input(m), 5, m.zeros(0, dtype=m.bool)),
    lambda m: m.gather(g_input(m), 1, m.zeros(0, dtype=m.long), out=m.zeros(2)),
    lambda m: m.gather(m.arange(5.0), 0, m.tensor([1], dtype=m.uint8)),
]


@pytest.mark.parametrize("fn", GATHER)
def test_gather(same, fn):
    same(fn)


def test_gather_of_an_empty_index_has_a_zero_gradient():
    """The empty result is recorded like any gather: it requires grad, its gradient is 0."""
    for m in (reference, torch):
        x = m.ones(2, 3, requires_grad=True)
        m.gather(x, 0, m.zeros(0, 4, 5, dtype=m.long)).sum().backward()
        assert x.grad.abs().sum().item() == 0 and tuple(x.grad.shape) == (2, 3)


SPLIT = [
    lambda m: m.squeeze(m.zeros(1, 2, 1)),
    lambda m: m.squeeze(m.zeros(1, 2, 1), 0),
    lambda m: m.squeeze(m.zeros(1, 2, 1), (0, 2)),
    lambda m: m.squeeze(m.zeros(1, 2, 1), 1),
    lambda m: m.squeeze(m.zeros(2), 3),
    lambda m: m.squeeze(m.zeros(1, 2, 1), (0, 2, 0)),
    lambda m: m.squeeze(m.tensor(1.0), 0),
    lambda m: m.zeros(2, 3).squeeze((0, 1)),
    lambda m: m.unsqueeze(m.zeros(2, 3), 0),
    lambda m: m.unsqueeze(m.zeros(2, 3), 2),
    lambda m: m.unsqueeze(m.zeros(2, 3), -1),
    lambda m: m.unsqueeze(m.zeros(2, 3), -3),
    lambda m: m.unsqueeze(m.zeros(2), 3),
    lambda m: m.unsqueeze(m.zeros(2), -3),
    lambda m: m.unsqueeze(m.tensor(1.0), 0),
    lambda m: m.zeros(2, 3).t().unsqueeze(1),
    lambda m: m.chunk(m.arange(6), 4),
    lambda m: m.chunk(m.arange(5), 4),
    lambda m: m.chunk(m.arange(5), 5),
    lambda m: m.chunk(m.arange(5), 7),
    lambda m: m.chunk(m.zeros(0), 3),
    lambda m: m.chunk(m.tensor(1.0), 3),
    lambda m: m.chunk(m.zeros(2), 0),
    lambda m: base(m).chunk(2, -1),
    lambda m: m.tensor_split(m.arange(7), 3),
    lambda m: m.tensor_split(m.arange(7), [1, 5]),
    lambda m: m.tensor_split(m.arange(5), [4, 1, 7]),
    lambda m: m.tensor_split(m.arange(5), [-2]),
    lambda m: m.tensor_split(m.arange(7), m.tensor(3)),
    lambda m: m.tensor_split(m.arange(7), m.tensor([2, 3])),
    lambda m: m.tensor_split(base(m), 2, dim=2),
    lambda m: m.tensor_split(m.zeros(2), 0),
    lambda m: m.tensor_split(m.tensor(1.0), 2),
    lambda m: m.tensor_split(m.zeros(5), m.tensor([1.0])),
    lambda m: m.tensor_split(m.zeros(5), m.tensor([[1, 2]])),
    lambda m: m.split(m.arange(7), 3),
    lambda m: m.split(m.arange(7), [3, 4]),
]


@pytest.mark.parametrize("fn", SPLIT)
def test_squeeze_chunk_split(same, fn):
    same(fn)
