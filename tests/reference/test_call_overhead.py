"""The shortcuts of the op mechanism and the autograd engine behave as the general paths
did, and as torch: one dtype plan per kind of operand, the engine's graph walk, a leaf's
gradient accumulated in place, and a full reduction's gradient expanded in one op."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import reference
from tests.reference.conftest import check

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.arange(3) ** -1,  # the exponent's value is checked on every call
        lambda m: m.ones(2, dtype=m.bool) - m.ones(2, dtype=m.bool),
        lambda m: m.ones(2, dtype=m.bool) - True,
        lambda m: m.ones(2, 3) + m.ones(4, 1, 2),
        lambda m: m.ones(3, dtype=m.int64).__ipow__(-2),
    ],
)
def test_refusals_after_a_remembered_plan(call: Any) -> None:
    """An error comes on every call, also after the same kinds of operand succeeded."""
    for m in (reference, torch):
        _ = m.arange(3) ** 2, m.ones(2, dtype=m.bool) + True, m.ones(2, 3) + m.ones(2, 3)
    check(call)
    check(call)


def _diamond(m: Any, targets: str) -> tuple:
    """A graph with shared nodes, a non-leaf target and an unused branch."""
    x = m.tensor([0.5, -1.5, 2.0], requires_grad=True)
    y = m.tensor([1.0, 3.0, -2.0], requires_grad=True)
    a = x.sin() * y
    b = a.exp() + a * x
    unused = (y * 3).sum()
    out = (b * b).sum() + a.sum()
    chosen = {"leaves": (x, y), "inner": (a,), "mixed": (a, y), "x": (x,)}[targets]
    grads = m.autograd.grad(out, chosen, retain_graph=True)
    out.backward(inputs=[y])
    return (*grads, y.grad, unused)


@pytest.mark.parametrize("targets", ["leaves", "inner", "mixed", "x"])
def test_graph_walk_with_targets_like_torch(targets: str) -> None:
    """grad() runs only the nodes leading to its inputs, in dependency order."""
    check(lambda m: _diamond(m, targets), scale=4.0)


def test_hooks_run_in_the_same_order_as_before() -> None:
    """Tensor hooks and retain_grad see the summed gradient once, newest node first."""

    def run(m: Any) -> tuple:
        seen: list = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        a = x * 2
        a.retain_grad()
        b = a.sin()
        c = a.cos()
        b.register_hook(lambda g: seen.append(("b", g.detach().clone())))
        c.register_hook(lambda g: seen.append(("c", g.detach().clone())))
        a.register_hook(lambda g: seen.append(("a", g.detach().clone())))
        (b * c).sum().backward()
        return seen, a.grad

    check(run, scale=4.0)


def test_accumulated_gradients_like_torch() -> None:
    """A second backward adds into ``.grad`` in place (the same tensor, its version
    bumped); a gradient that is a view or of another layout takes the general path."""

    def run(m: Any, layout: str) -> tuple:
        x = m.tensor([[1.0, 2.0], [3.0, -4.0]], requires_grad=True)
        (x * x).sum().backward()
        if layout == "transposed":
            x.grad = x.grad.t().contiguous().t()
        first, version = x.grad, x.grad._version
        (x.sin() * 2).sum().backward()
        return x.grad, x.grad is first, x.grad._version - version, x.grad.stride()

    check(lambda m: run(m, "fresh"), scale=4.0)
    # torch also warns that such a gradient breaks its layout contract (the reference not)
    check(lambda m: run(m, "transposed"), scale=4.0, warns=False)


def test_accumulating_into_a_read_only_gradient_fails_like_the_general_path() -> None:
    """numpy's in-place add is only taken for a writeable gradient."""
    x = reference.tensor([1.0, 2.0], requires_grad=True)
    x.sum().backward()
    x.grad._data.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        x.sum().backward()


def test_full_reduction_gradient_is_one_expand() -> None:
    """sum's and mean's gradients of a full reduction expand the 0-dim gradient, as torch."""

    def run(m: Any) -> tuple:
        x = m.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
        (g,) = m.autograd.grad(x.sum(), x, create_graph=True)
        (h,) = m.autograd.grad(x.mean(), x, create_graph=True)
        return g, g.grad_fn.name(), g.stride(), h, h.grad_fn.name()

    check(run, strides=False)


def test_implicit_gradient_of_a_scalar_output() -> None:
    """backward() of a 0-dim output seeds with a fresh 0-dim one, of one element
    otherwise with ones laid out like the output."""

    def run(m: Any) -> tuple:
        x = m.tensor([2.0], requires_grad=True)
        seeds: list = []
        for y in (x.sum(), x * 3, (x * 3).expand(1, 1).t()):
            y.register_hook(lambda g: seeds.append((g.shape, g.stride(), g.tolist())))
            y.backward()
        return seeds, x.grad

    check(run)


def test_node_has_no_instance_dict() -> None:
    """grad_fn refuses new attributes, as torch's does."""
    for m in (reference, torch):
        node = m.ones(2, requires_grad=True).sin().grad_fn
        with pytest.raises(AttributeError):
            node.anything = 1
    assert np.array_equal(reference.ones(2).numpy(), np.ones(2, np.float32))


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.stack([m.ones(2, 3), m.zeros(2, 3, dtype=m.float64)], 1),
        lambda m: m.stack([m.ones(1, 3)] * 3, -1),
        lambda m: m.stack([m.tensor(1.0), m.tensor(2)]),
        lambda m: m.stack([m.ones(2, 3), m.ones(3, 2)]),
        lambda m: m.stack([m.ones(2)], 2),
        lambda m: m.stack([]),
        lambda m: m.stack([m.ones(2), m.ones(2)], out=m.empty(2, 2, dtype=m.int32)),
        lambda m: m.stack([m.ones(2), m.ones(2)], out=3),
        lambda m: m.stack([m.ones(2), m.ones(2)], out=m.empty(0)),
        lambda m: m.cat([m.ones(2), m.ones(2)], out=3),
        lambda m: m.cat([m.ones(2, 3), m.empty(0), m.ones(1, 3)]),
        lambda m: m.cat([m.empty(0), m.empty(0)]),
        lambda m: m.cat([m.ones(2, 3), m.ones(2, 4)]),
        lambda m: m.cat([m.ones(2, 3), m.ones(2, 4)], 1),
        lambda m: m.cat([m.ones(2, 3), m.ones(2)]),
        lambda m: m.cat([m.ones(2), m.tensor(1.0)]),
    ],
)
def test_stack_and_cat_like_torch(call: Any) -> None:
    """stack as one op (cat's dtype promotion and out= checks), and cat's checks read from
    the arrays' shapes."""
    check(call)


def test_stack_gradient_like_torch() -> None:
    """StackBackward0 hands each input its slice; twice differentiable."""

    def run(m: Any) -> tuple:
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([3.0, -4.0], dtype=m.float64, requires_grad=True)
        y = m.stack([a, b, a], 1)
        w = m.arange(6.0, dtype=m.float64).reshape(2, 3)
        ga, gb = m.autograd.grad((y * y * w).sum(), (a, b), create_graph=True)
        (gga,) = m.autograd.grad(ga.sum() + gb.sum(), a)
        return y.grad_fn.name(), ga, gb, gga

    check(run)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.ones(1, 3, 1).squeeze(),
        lambda m: m.ones(1, 3, 1).squeeze((0, -1)),
        lambda m: m.ones(1, 3, 1).squeeze(1),
        lambda m: m.ones(1, 3, 1).squeeze((0, 0)),
        lambda m: m.tensor(2.0).squeeze(0),
        lambda m: m.tensor(2.0).squeeze(),
        lambda m: m.ones(4, 1, 6)[:, :, ::2].squeeze().stride(),
        lambda m: m.ones(4, 6)[:, ::2].unsqueeze(1).stride(),
        lambda m: m.ones(4, 6).unsqueeze(-1).stride(),
        lambda m: m.ones(4, 6).unsqueeze(3),
    ],
)
def test_squeeze_unsqueeze_like_torch(call: Any) -> None:
    """squeeze and unsqueeze read the array's shape; torch's strides and errors."""
    check(call)


@pytest.mark.parametrize(
    "args",
    [(65536,), (3, 100, 7), (-5, 5), (10, -10, -3), (2**62, 2**62 + 5), (0, 2**45, 2**40)],
)
@pytest.mark.parametrize("dtype", [None, "int32", "int16", "int8", "uint8"])
def test_integer_arange_in_one_array_like_torch(args: tuple, dtype: str | None) -> None:
    """start + step * i computed in place in int64, then cast (wrapping as torch's)."""

    def run(m: Any) -> Any:
        return m.arange(*args, **({} if dtype is None else {"dtype": getattr(m, dtype)}))

    check(run)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.tensor([1.0, 2.0, 3.0]),
        lambda m: m.tensor([[1, 2], [3, 4]]),
        lambda m: m.tensor([True, False]),
        lambda m: m.tensor([]),
        lambda m: m.tensor(2.5),
        lambda m: m.tensor([m.tensor(1.5), 2]),
        lambda m: m.tensor([[1.0], [2.0, 3.0]]),
        lambda m: m.zeros(2, 3),
        lambda m: m.zeros((2, 0)),
        lambda m: m.zeros(2, -1),
        lambda m: m.zeros(2, m.tensor(3)),
    ],
)
def test_factories_like_torch(call: Any) -> None:
    """tensor() keeps the array its sequence converted into; sizes that are ints skip
    the checks of other types."""
    check(call)


def test_tensor_owns_its_memory() -> None:
    """tensor() never shares memory with the data it copies."""
    data = np.arange(3.0)
    nested = [data, data]
    for source in (data, nested, [1.0, 2.0]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a list of ndarrays is slow
            t = reference.tensor(source)
        t.add_(1)
        assert not np.shares_memory(t.numpy(), data)
    assert np.array_equal(data, np.arange(3.0))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather_gradient_reuses_the_forward_positions(dim: int) -> None:
    """gather's gradient scatters to the positions the forward took (repeats add up),
    twice differentiable, and still refuses an index written after the forward."""
    index = np.array([[0, 2, 2], [1, 1, 0]])

    def run(m: Any) -> tuple:
        x = m.arange(12.0).reshape(3, 4)[:, 1:].requires_grad_()
        y = m.gather(x, dim, m.from_numpy(index.copy()))
        (g,) = m.autograd.grad((y * y).sum(), x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        return y, g, gg

    check(run)

    def modified(m: Any) -> Any:
        x = m.ones(3, 3, requires_grad=True)
        i = m.from_numpy(index.copy())
        y = m.gather(x, dim, i)
        i.add_(0)
        return m.autograd.grad(y.sum(), x)

    check(modified)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "complex64"])
def test_tanh_backward_is_one_op_like_torch(dtype: str) -> None:
    """tanh's gradient is torch's tanh_backward (TanhBackwardBackward0), differentiable
    twice more, with torch's values in each dtype."""

    def run(m: Any) -> tuple:
        values = [0.3, -1.2, 2.0, 0.0] if dtype != "complex64" else [0.3 + 0.2j, -1.2j, 0.5]
        z = m.tensor(values, dtype=getattr(m, dtype), requires_grad=True)
        w = m.tensor(values[::-1], dtype=getattr(m, dtype))
        (g,) = m.autograd.grad((z.tanh() * w).sum().abs(), z, create_graph=True)
        (g2,) = m.autograd.grad((g * w).sum().abs(), z, create_graph=True)
        (g3,) = m.autograd.grad(g2.sum().abs(), z)
        return g.grad_fn.name(), g, g2, g3

    check(run, scale=8.0)


def test_tanh_backward_of_two_dtypes_is_the_composed_ops() -> None:
    """Operands of two dtypes (never made by tanh's formula) take the ops it composed."""
    from reference.autograd._formulas import tanh_backward

    g = reference.tensor([1.0, -2.0, 0.5], dtype=reference.float64)
    out = reference.tensor([0.1, 0.9, -0.4])
    fused = tanh_backward(g, out)
    assert fused.dtype is reference.float64
    assert np.array_equal(fused.numpy(), (g * (1 - out * out)).numpy())
    same = tanh_backward(out, out)
    assert np.array_equal(same.numpy(), (out * (1 - out * out)).numpy())


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.ones(4, 6).t(),
        lambda m: m.ones(2, 3, 4).permute(2, 0, 1),
        lambda m: m.ones(2, 3, 4).transpose(0, 2),
        lambda m: m.ones(4, 6)[:, ::2],
        lambda m: m.ones(4, 1).expand(4, 3),
    ],
)
def test_clone_layouts_like_torch(make: Any) -> None:
    """clone keeps a dense layout's strides (a transposed matrix allocated transposed) and
    makes others dense, as torch's preserve_format."""
    check(lambda m: (make(m).clone(), make(m).clone().stride(), m.empty_like(make(m)).stride()))


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.tensor_split(m.ones(6, 9), 7, 1),
        lambda m: m.tensor_split(m.ones(6, 9), [2, -3, 10, 1], 1),
        lambda m: m.tensor_split(m.ones(6, 9), [-100, 100], 1),
        lambda m: m.tensor_split(m.ones(6, 9), [], 0),
        lambda m: m.chunk(m.ones(6, 9), 4, -1),
        lambda m: m.split(m.ones(6, 9), [2, 0, 4]),
        lambda m: m.split(m.ones(6, 9), 4, 1),
    ],
)
def test_pieces_like_torch(call: Any) -> None:
    """Splits as one view op: each piece's size, strides and offset as torch's."""
    check(lambda m: [(p, p.stride(), p.storage_offset()) for p in call(m)])


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.tensor(0.7, requires_grad=True),
        lambda m: m.tensor([[0.1, -0.4, 0.5], [0.25, 0.0, -0.3]], requires_grad=True),
    ],
)
@pytest.mark.parametrize("layout", ["same", "transposed", "expanded"])
def test_tanh_gradient_layouts_like_torch(make: Any, layout: str) -> None:
    """tanh_backward of 0-dim tensors and of gradients laid out like the output,
    transposed, or one broadcast value: torch's values, and the strides the composed ops
    gave."""
    from reference.autograd._formulas import tanh_backward

    def run(m: Any) -> Any:
        x = make(m)
        y = x.t().tanh() if layout == "transposed" and x.ndim else x.tanh()
        if layout == "expanded":
            y.sum().backward()
        else:
            y.backward(m.ones(tuple(y.shape)).t().contiguous().t() if y.ndim else None)
        return x.grad

    check(run, strides=False)
    x = make(reference)
    out = (x.t() if layout == "transposed" and x.ndim else x).detach().tanh()
    grads = {
        "same": reference.ones(tuple(out.shape)),
        "transposed": reference.ones(tuple(out.shape)[::-1]).t() if out.ndim else None,
        "expanded": reference.ones(()).expand(tuple(out.shape)),
    }
    g = grads[layout] if grads[layout] is not None else grads["same"]
    fused, composed = tanh_backward(g, out), g * (1 - out * out)
    assert fused.stride() == composed.stride()
    assert np.array_equal(fused.numpy(), composed.numpy())


@pytest.mark.parametrize("source", [(2, 3, 4), (1, 6, 4), (6, 1, 4), (24,), "sliced", "t"])
@pytest.mark.parametrize("shape", [(24,), (4, 3, 2), (3, 8), (1, 24), (24, 1), (-1, 4), (2, 0)])
def test_view_of_dense_tensors_like_torch(source: Any, shape: tuple) -> None:
    """view of a row-major tensor into a shape without dims of 0 or 1 is numpy's reshape;
    every view keeps torch's strides, offset and errors."""

    def run(m: Any) -> tuple:
        if source == "sliced":
            t = m.arange(48.0).reshape(2, 6, 4)[1]
        elif source == "t":
            t = m.arange(24.0).reshape(6, 4).t()
        else:
            t = m.arange(24.0).reshape(source)
        v = t.view(*shape)
        return v, v.stride(), v.storage_offset()

    check(run)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.ones(3) + m.ones(3, dtype=m.float64),
        lambda m: m.ones(3, dtype=m.float16) * m.ones(3, dtype=m.float16),
        lambda m: m.ones(3, dtype=m.bfloat16) - 0.1,
        lambda m: m.arange(5) // m.tensor(2),
        lambda m: m.arange(5) % 0,
        lambda m: m.arange(5) < 2.5,
        lambda m: m.tensor(3.0) / m.tensor(2.0),
        lambda m: m.tensor(True) & m.tensor(False),
        lambda m: (m.ones(2, dtype=m.complex64) * 1j).dtype,
    ],
)
def test_binary_kernels_without_casts_like_torch(call: Any) -> None:
    """Operands already in the computation dtype skip the casts; the others cast first."""
    check(call)
