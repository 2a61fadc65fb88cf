"""Reference autograd against real torch: first and second derivatives of every op with a
formula, the graph's structure and errors, in-place rewiring, hooks and gradcheck."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest

import reference

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
X = RNG.uniform(-0.9, 0.9, (3, 4))
Y = RNG.uniform(0.5, 1.5, (3, 4))
IDX = np.array([[0, 0, 2, 1], [1, 1, 1, 0], [2, 0, 0, 2]])

# name -> f(lib, x, y) on float64 tensors; x in (-0.9, 0.9), y in (0.5, 1.5)
OPS: dict[str, Callable] = {
    "sin": lambda t, x, y: t.sin(x),
    "cos": lambda t, x, y: t.cos(x),
    "tan": lambda t, x, y: t.tan(x),
    "asin": lambda t, x, y: t.asin(x),
    "acos": lambda t, x, y: t.acos(x),
    "atan": lambda t, x, y: t.atan(x),
    "sinh": lambda t, x, y: t.sinh(x),
    "cosh": lambda t, x, y: t.cosh(x),
    "tanh": lambda t, x, y: t.tanh(x),
    "asinh": lambda t, x, y: t.asinh(x),
    "acosh": lambda t, x, y: t.acosh(y + 1),
    "atanh": lambda t, x, y: t.atanh(x),
    "exp": lambda t, x, y: t.exp(x),
    "log": lambda t, x, y: t.log(y),
    "sqrt": lambda t, x, y: t.sqrt(y),
    "abs": lambda t, x, y: t.abs(x),
    "neg": lambda t, x, y: -x,
    "reciprocal": lambda t, x, y: y.reciprocal(),
    "add": lambda t, x, y: x + y,
    "sub": lambda t, x, y: x - 2 * y,
    "mul": lambda t, x, y: x * y,
    "div": lambda t, x, y: x / y,
    "rdiv": lambda t, x, y: 2 / y,
    "pow_scalar": lambda t, x, y: y**3,
    "pow_tensor": lambda t, x, y: y**x,
    "rpow": lambda t, x, y: 2**x,
    "atan2": lambda t, x, y: t.atan2(x, y),
    "maximum": lambda t, x, y: t.maximum(x, y - 1),
    "broadcast_mul": lambda t, x, y: x * y[0],
    "sum": lambda t, x, y: x.sum(),
    "sum_dim": lambda t, x, y: (x * y).sum(1, keepdim=True),
    "mean": lambda t, x, y: x.mean(0),
    "amax": lambda t, x, y: t.amax(x, 1),
    "amin": lambda t, x, y: t.amin(x, (0, 1)),
    "max": lambda t, x, y: t.max(x),
    "max_dim": lambda t, x, y: t.max(x, 0).values,
    "min_dim": lambda t, x, y: t.min(x, 1, keepdim=True).values,
    "topk": lambda t, x, y: t.topk(x, 2, 1).values,
    "cumsum": lambda t, x, y: t.cumsum(x, 1),
    "gather": lambda t, x, y: t.gather(x, 1, t.tensor(IDX)),
    "index": lambda t, x, y: x[[0, 0, 2]],
    "cat": lambda t, x, y: t.cat([x, y * 2], 1),
    "stack": lambda t, x, y: t.stack([x, y], 2),
    "views": lambda t, x, y: x.t().reshape(2, 6).unsqueeze(0).expand(3, 2, 6).squeeze(),
    "chunk": lambda t, x, y: t.chunk(x, 2, 1)[1],
    "tensor_split": lambda t, x, y: t.tensor_split(x, [1], 0)[1] * 3,
    "broadcast_to": lambda t, x, y: t.broadcast_to(x[0], (2, 4)),
    "transpose": lambda t, x, y: t.transpose(x, 0, 1) * y.t(),
    "to_float32": lambda t, x, y: x.to(t.float32).to(t.float64),
    "clone": lambda t, x, y: t.clone(x) * x,
    "vector_norm": lambda t, x, y: t.linalg.vector_norm(x, 3, 1),
    "vector_norm_inf": lambda t, x, y: t.linalg.vector_norm(x, float("inf")),
    "matrix_norm_fro": lambda t, x, y: t.linalg.matrix_norm(x),
    "matrix_norm_1": lambda t, x, y: t.linalg.matrix_norm(x, 1),
    "norm": lambda t, x, y: t.norm(x, 2, 1),
}
FIRST_ORDER_ONLY = {
    "matrix_norm_nuc": lambda t, x, y: t.linalg.matrix_norm(x, "nuc"),
    "matrix_norm_2": lambda t, x, y: t.linalg.matrix_norm(x, 2),
}


def _inputs(lib):
    x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
    y = lib.tensor(Y, dtype=lib.float64, requires_grad=True)
    return x, y


def _grads(lib, fn, create_graph: bool = False):
    x, y = _inputs(lib)
    out = fn(lib, x, y)
    v = lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)), dtype=out.dtype)
    gx, gy = lib.autograd.grad(out, (x, y), v, create_graph=create_graph, allow_unused=True)
    return x, y, gx, gy


def _np(t):
    return None if t is None else t.detach().numpy(force=True)


def _same(a, b) -> None:
    if a is None or b is None:
        assert (a is None or not np.any(_np(a))) and (b is None or not np.any(_np(b)))
        return
    np.testing.assert_allclose(_np(a), _np(b), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(OPS) + sorted(FIRST_ORDER_ONLY))
def test_first_derivatives_match_torch(name: str) -> None:
    fn = OPS.get(name) or FIRST_ORDER_ONLY[name]
    *_, rx, ry = _grads(reference, fn)
    *_, tx, ty = _grads(torch, fn)
    _same(rx, tx)
    _same(ry, ty)


#: Ops whose gradients are conjugate Wirtinger derivatives on complex inputs.
COMPLEX_OPS = [
    "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh",
    "atanh", "exp", "log", "sqrt", "abs", "reciprocal", "mul", "div", "rdiv", "pow_scalar",
    "pow_tensor", "sum", "mean", "vector_norm", "norm",
]


@pytest.mark.parametrize("name", COMPLEX_OPS)
def test_complex_first_derivatives_match_torch(name: str) -> None:
    """torch sends ``g`` back through a holomorphic ``f`` as ``g * conj(f'(z))``."""

    def grads(lib):
        x = lib.tensor(X + 0.4j * Y, dtype=lib.complex128, requires_grad=True)
        y = lib.tensor(Y - 0.3j * X, dtype=lib.complex128, requires_grad=True)
        out = OPS[name](lib, x, y)
        v = np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape))
        v = lib.tensor(v * (1 - 0.5j) if out.is_complex() else v, dtype=out.dtype)
        return lib.autograd.grad(out, (x, y), v, allow_unused=True)

    for r, t in zip(grads(reference), grads(torch), strict=True):
        _same(r, t)


@pytest.mark.parametrize(
    "base, exponent",
    [([0.0, 0.0, 0.0, -2.0, 2.0], [-1.0, 0.0, 2.0, 2.0, 0.5]), ([0.0] * 3, [-1.0, 0.0, 2.0])],
)
def test_pow_gradients_at_zero_and_negative_bases(base: list, exponent: list) -> None:
    """torch gives no gradient to the base where the exponent is 0, none to the exponent
    where a zero base makes the power constant, NaN through the log of a negative base."""

    def grads(lib):
        a = lib.tensor(base, dtype=lib.float64, requires_grad=True)
        b = lib.tensor(exponent, dtype=lib.float64, requires_grad=True)
        pairs = (lib.autograd.grad(lib.pow(a, b).sum(), (a, b)),
                 lib.autograd.grad(lib.pow(0.0, b).sum(), b),
                 lib.autograd.grad(lib.pow(-2.0, b).sum(), b))
        return [g for p in pairs for g in p]

    for r, t in zip(grads(reference), grads(torch), strict=True):
        np.testing.assert_array_equal(_np(r), _np(t))


@pytest.mark.parametrize("name", sorted(OPS))
def test_second_derivatives_match_torch(name: str) -> None:
    def second(lib):
        x, y, gx, gy = _grads(lib, OPS[name], create_graph=True)
        total = sum((g * g).sum() for g in (gx, gy) if g is not None and g.requires_grad)
        if not isinstance(total, lib.Tensor):
            return None, None
        return lib.autograd.grad(total, (x, y), allow_unused=True)

    for r, t in zip(second(reference), second(torch), strict=True):
        _same(r, t)


def test_grad_fn_names_and_edges() -> None:
    for lib in (reference, torch):
        x = lib.ones(2, requires_grad=True)
        y = (x * 2).sin().sum()
        assert y.grad_fn.name() == "SumBackward0"
        sin = y.grad_fn.next_functions[0][0]
        assert sin.name() == "SinBackward0"
        mul = sin.next_functions[0][0]
        assert mul.name() == "MulBackward0"
        assert mul.next_functions[0][0].name() == "torch::autograd::AccumulateGrad"
        assert repr(y).endswith("grad_fn=<SumBackward0>)")


def _message(fn) -> tuple[type, str]:
    try:
        fn()
    except Exception as exc:  # noqa: BLE001
        return type(exc), str(exc)
    return type(None), ""


ERRORS = {
    "non_scalar": lambda t: (t.ones(2, requires_grad=True) * 2).backward(),
    "no_grad_fn": lambda t: t.ones(2).sum().backward(),
    "twice": lambda t: _twice(t),
    "saved_output_modified": lambda t: _modify(t, lambda x: x.exp()),
    "saved_input_modified": lambda t: _modify_input(t),
    "leaf_inplace": lambda t: t.ones(2, requires_grad=True).add_(1),
    "view_of_leaf_inplace": lambda t: t.ones(2, requires_grad=True)[0].mul_(2),
    "shape_mismatch": lambda t: t.autograd.grad(
        t.ones(2, requires_grad=True).sum(), t.ones(1), t.ones(2)
    ),
    "unused": lambda t: _unused(t),
    "input_no_grad": lambda t: t.autograd.grad(t.ones(2, requires_grad=True).sum(), t.ones(2)),
    "empty_inputs": lambda t: t.autograd.grad(t.ones(2, requires_grad=True).sum(), []),
    "inference_saved": lambda t: _inference(t),
    "assign_wrong_grad": lambda t: setattr(t.ones(2, requires_grad=True), "grad", t.ones(3)),
    "retain_grad_no_grad": lambda t: t.ones(2).retain_grad(),
}


def _twice(t):
    y = (t.ones(2, requires_grad=True) * 1).sin().sum()
    y.backward()
    y.backward()


def _modify(t, f):
    x = t.ones(2, requires_grad=True)
    y = f(x)
    y.add_(1)
    y.sum().backward()


def _modify_input(t):
    x = t.ones(2, requires_grad=True)
    w = x * 1
    q = w * w
    w.add_(1)
    q.sum().backward()


def _unused(t):
    x, z = t.ones(2, requires_grad=True), t.ones(2, requires_grad=True)
    t.autograd.grad((x * 2).sum(), [x, z])


def _inference(t):
    x = t.ones(2, requires_grad=True)
    with t.inference_mode():
        i = t.ones(2)
    return x * i


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name: str) -> None:
    want = _message(lambda: ERRORS[name](torch))
    got = _message(lambda: ERRORS[name](reference))
    assert want[0] is not type(None), "torch raised nothing"
    assert got[0].__name__ == want[0].__name__
    assert got[1] == want[1]


def _both(fn):
    return fn(reference), fn(torch)


def test_accumulation_retain_graph_and_zero_grad() -> None:
    def run(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        first = x.grad.clone()
        y.backward()
        both = x.grad.clone()
        x.grad = None
        (x + 1).sum().backward()
        return first.tolist(), both.tolist(), x.grad.tolist()

    r, t = _both(run)
    assert r == t


def test_graph_without_saved_tensors_runs_twice() -> None:
    def run(t):
        x = t.ones(2, requires_grad=True)
        y = (x + 1).sum()
        y.backward()
        y.backward()
        return x.grad.tolist()

    r, t = _both(run)
    assert r == t == [2.0, 2.0]


def test_inplace_and_copy_slices() -> None:
    def run(t):
        x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.add_(1)
        y[0] = 5
        y[1:].mul_(x[1:])
        z = t.zeros(3)
        z[torch_index(t)] = x[:2] * 3
        (y.sum() + (z * z).sum()).backward()
        return x.grad.tolist(), y.grad_fn.name(), z.grad_fn.name()

    r, t = _both(run)
    assert r[0] == pytest.approx(t[0])
    assert r[1:] == t[1:]


def torch_index(t):
    return t.tensor([0, 2])


def test_retain_grad_hooks_and_backward_inputs() -> None:
    def run(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        w = t.tensor([3.0, 4.0], requires_grad=True)
        h = x * w
        h.retain_grad()
        seen = []
        h.register_hook(lambda g: seen.append(g.tolist()) or g * 2)
        (h * h).sum().backward(inputs=[x])
        return h.grad.tolist(), seen, x.grad.tolist(), w.grad

    r, t = _both(run)
    assert r == t


def test_detach_and_no_grad_cut_the_graph() -> None:
    def run(t):
        x = t.ones(2, requires_grad=True)
        d = x.detach()
        with t.no_grad():
            n = x * 2
        return d.requires_grad, d.is_leaf, n.requires_grad, n.grad_fn is None, d._base is None

    r, t = _both(run)
    assert r == t


def test_non_leaf_grad_warns() -> None:
    for lib in (reference, torch):
        y = lib.ones(2, requires_grad=True) * 2
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert y.grad is None
        assert "not a leaf Tensor" in str(caught[0].message)


def _half_detached(x):
    """x * x with one factor detached: its analytic gradient is half the true one."""
    return x * x.detach()


def test_gradcheck_passes_and_fails_like_torch() -> None:
    for lib in (reference, torch):
        x = lib.tensor([0.3, -0.2], dtype=lib.float64, requires_grad=True)
        assert lib.autograd.gradcheck(lib.sin, (x,))
        assert lib.autograd.gradgradcheck(lib.tanh, (x,))
        assert not lib.autograd.gradcheck(_half_detached, (x,), raise_exception=False)
        with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0"):
            lib.autograd.gradcheck(_half_detached, (x,))
        with pytest.warns(UserWarning, match="not a double precision"):
            lib.autograd.gradcheck(
                lib.sin, (lib.tensor([0.5], requires_grad=True),), eps=1e-3, atol=1e-2
            )


def test_gradcheck_of_a_non_contiguous_output():
    x = reference.randn(3, 2, dtype=reference.float64, requires_grad=True)
    assert reference.autograd.gradcheck(lambda a: (a * 1).transpose(0, 1), (x,))
    assert reference.autograd.gradcheck(lambda a: (a * a)[:, ::2], (x,))


GRADCHECKED = {
    "holomorphic": lambda t: t.sin,
    "real_valued": lambda t: t.abs,
    "not_holomorphic": lambda t: (lambda z: z * z.detach()),
    "real_of_not_holomorphic": lambda t: (lambda z: (z * z.detach()).abs()),
}


@pytest.mark.parametrize("name", sorted(GRADCHECKED))
def test_gradcheck_of_complex_functions_matches_torch(name: str) -> None:
    """Complex outputs are checked as their imaginary, then real, part, each against the
    conjugate Wirtinger derivative ``d/dx + 1j d/dy``: the verdict and message are torch's."""

    def run(lib):
        z = lib.tensor([1.0 + 1j, 2.0 - 3.0j], dtype=lib.complex128, requires_grad=True)
        try:
            return lib.autograd.gradcheck(GRADCHECKED[name](lib), z)
        except Exception as exc:  # noqa: BLE001 - the verdict is compared
            return type(exc).__name__, str(exc)

    assert run(reference) == run(torch)


def test_bfloat16_gradients_of_broadcasts_sum_wide() -> None:
    """Gradients gathered from a broadcast add up in a wide type and round once, as torch's."""

    def grad(lib):
        x = lib.tensor([-8.5], dtype=lib.bfloat16, requires_grad=True)
        v = lib.tensor(np.linspace(-1, 1, 125), dtype=lib.float64).to(lib.bfloat16)
        (g,) = lib.autograd.grad(lib.broadcast_to(x, (5, 5, 5)), x, v.reshape(5, 5, 5))
        return g.float().numpy()

    np.testing.assert_array_equal(grad(reference), grad(torch))


EXPANDS = {
    "row": lambda x: x.expand(3, 5),
    "column": lambda x: x.reshape(5, 1).expand(5, 4),
    "leading": lambda x: x.expand(2, 3, 5),
    "of_a_slice": lambda x: x[1:4].expand(2, 3),
    "none": lambda x: x.reshape(1, 5).expand(1, 5),
}


@pytest.mark.parametrize("name", list(EXPANDS))
def test_expand_gradient_sums_the_broadcast_dims(name: str) -> None:
    """An expand's gradient is the sum over its broadcast dims (not a scatter), and stays
    differentiable: first and second derivatives as torch's."""
    base = np.linspace(-2.0, 3.0, 5).astype(np.float32)
    got = []
    for m in (torch, reference):
        x = m.from_numpy(base.copy()).requires_grad_()
        y = EXPANDS[name](x)
        g = m.from_numpy(np.arange(y.numel(), dtype=np.float32).reshape(tuple(y.shape)))
        (gx,) = m.autograd.grad(y * y, x, g, create_graph=True)
        (ggx,) = m.autograd.grad((gx * gx).sum(), x)
        got.append((gx.detach().numpy(), ggx.numpy()))
    np.testing.assert_allclose(got[1][0], got[0][0], rtol=1e-6)
    np.testing.assert_allclose(got[1][1], got[0][1], rtol=1e-6)


def test_linear_weight_gradient_in_the_weights_layout() -> None:
    """``linear`` multiplies by ``weight.t()`` (column-major): its gradient is computed
    transposed, as torch's ``mm_mat2_backward``, and comes back row-major and equal."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((6, 4), (3, 4), (3,))]
    got = []
    for m in (torch, reference):
        leaves = [m.from_numpy(a.copy()).requires_grad_() for a in arrays]
        grads = m.autograd.grad((m.nn.functional.linear(*leaves) ** 2).sum(), leaves)
        got.append([(g.detach().numpy(), g.stride()) for g in grads])
    for (t_value, t_stride), (r_value, r_stride) in zip(*got, strict=True):
        np.testing.assert_allclose(r_value, t_value, rtol=1e-5, atol=1e-6)
        assert r_stride == t_stride


@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gather_gradient_adds_repeats_as_torch(dim: int, dtype: str) -> None:
    """gather's gradient adds repeated positions in the gradient's dtype, in row-major order,
    as torch's scatter_add: the same bits (``1e8 + 1 - 1e8 + 3`` is 3 in float32, not 4)."""
    rng = np.random.default_rng(dim)
    index = rng.integers(0, 4, (9, 8) if dim == 0 else (6, 11))
    index[0, :4 if dim else 1] = 0
    g = (rng.standard_normal(index.shape) * 1e4).astype(dtype)
    g.reshape(-1)[:4] = [1e8, 1, -1e8, 3]
    got = []
    for m in (torch, reference):
        x = m.zeros((4, 8) if dim == 0 else (6, 4), dtype=getattr(m, dtype), requires_grad=True)
        m.gather(x, dim, m.from_numpy(index)).backward(m.from_numpy(g.copy()))
        got.append(x.grad.numpy())
    np.testing.assert_array_equal(got[1], got[0])


def test_overlapping_leading_view_is_not_taken_for_an_expand() -> None:
    """A view with a leading dim that moves through memory (as_strided windows) is not an
    expand: each window's gradient goes back to its own positions, as torch's."""
    got = []
    for m in (torch, reference):
        x = m.arange(4.0, requires_grad=True)
        y = x.as_strided((2, 3), (1, 1))
        g = m.tensor([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]])
        (gx,) = m.autograd.grad(y, x, g)
        got.append(gx.detach().numpy())
    np.testing.assert_array_equal(got[1], got[0])
