"""``reference.nn`` linear layers, ``nn.functional.linear``/``bilinear`` and ``nn.init``
against torch 2.13: initialisation bit for bit after the same seed, forward values (within a
few ulp), errors, gradients of first and second order, and trained weights moving between
the two libraries through ``save``/``load``."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

import reference
from tests.reference.nn_compare import assert_close, plain, same, to_np, to_ref, to_torch

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)


def pair(*shape, dtype=np.float32, requires_grad=False):
    """The same random values as a reference and a torch tensor."""
    values = RNG.uniform(-2, 2, shape).astype(dtype)
    r = reference.tensor(values, requires_grad=requires_grad)
    t = torch.tensor(values, requires_grad=requires_grad)
    return r, t


def twins(build, seed: int = 0):
    """``build(lib)`` for both libraries after seeding each with ``seed``."""
    reference.manual_seed(seed)
    r = build(reference)
    torch.manual_seed(seed)
    return r, build(torch)


def peak(t):
    """The largest magnitude in ``t`` (None when empty): a tolerance scale."""
    return float(np.abs(to_np(t)).max()) if t.numel() else None


def linear_scale(x, w, b=None):
    """Magnitude of the terms a linear layer sums (the tolerance's scale)."""
    scale = np.abs(to_np(x)) @ np.abs(to_np(w)).T
    return scale if b is None else scale + np.abs(to_np(b))


# ----- initialisation bit for bit ------------------------------------------------------------
INIT_MODULES = {
    "linear": lambda m: m.nn.Linear(3, 4),
    "linear_wide": lambda m: m.nn.Linear(70, 33),
    "linear_no_bias": lambda m: m.nn.Linear(5, 2, bias=False),
    "linear_one": lambda m: m.nn.Linear(1, 1),
    "linear_float64": lambda m: m.nn.Linear(6, 3, dtype=m.float64),
    "linear_float16": lambda m: m.nn.Linear(6, 3, dtype=m.float16),
    "linear_bfloat16": lambda m: m.nn.Linear(6, 3, dtype=m.bfloat16),
    "linear_zero_in": lambda m: m.nn.Linear(0, 3),
    "linear_zero_out": lambda m: m.nn.Linear(3, 0),
    "bilinear": lambda m: m.nn.Bilinear(3, 4, 5),
    "bilinear_no_bias": lambda m: m.nn.Bilinear(2, 7, 3, bias=False),
    "bilinear_float64": lambda m: m.nn.Bilinear(2, 2, 2, dtype=m.float64),
    "sequence": lambda m: m.nn.Sequential(
        m.nn.Linear(4, 8), m.nn.Bilinear(2, 2, 2), m.nn.Linear(8, 1, bias=False), m.nn.Linear(2, 2)
    ),
}


@pytest.mark.parametrize("case", sorted(INIT_MODULES))
def test_default_initialisation_is_bit_exact(case):
    def fn(m):
        module = INIT_MODULES[case](m)
        return list(module.named_parameters()), m.rand(3)  # the generator moved alike

    same(fn)


def test_reset_parameters_draws_again():
    def fn(m):
        net = m.nn.Linear(4, 3)
        net.reset_parameters()
        return net.weight, net.bias

    same(fn)


def test_bilinear_needs_positive_in1_features():
    same(lambda m: m.nn.Bilinear(0, 2, 3))


# ----- nn.init ---------------------------------------------------------------------------------
INITIALISERS = {
    "uniform": lambda m, t: m.nn.init.uniform_(t),
    "uniform_range": lambda m, t: m.nn.init.uniform_(t, -0.3, 0.7),
    "normal": lambda m, t: m.nn.init.normal_(t),
    "normal_params": lambda m, t: m.nn.init.normal_(t, 1.5, 0.25),
    "zeros": lambda m, t: m.nn.init.zeros_(t),
    "ones": lambda m, t: m.nn.init.ones_(t),
    "constant": lambda m, t: m.nn.init.constant_(t, 0.3),
    "eye": lambda m, t: m.nn.init.eye_(t[0]),
    "dirac": lambda m, t: m.nn.init.dirac_(t),
    "dirac_groups": lambda m, t: m.nn.init.dirac_(t, 2),
    "dirac_bad_groups": lambda m, t: m.nn.init.dirac_(t, 3),
    "eye_3d": lambda m, t: m.nn.init.eye_(t),
    "dirac_2d": lambda m, t: m.nn.init.dirac_(t[0]),
    "xavier_uniform": lambda m, t: m.nn.init.xavier_uniform_(t),
    "xavier_uniform_gain": lambda m, t: m.nn.init.xavier_uniform_(t, gain=2.5),
    "xavier_normal": lambda m, t: m.nn.init.xavier_normal_(t, gain=0.5),
    "kaiming_uniform": lambda m, t: m.nn.init.kaiming_uniform_(t),
    "kaiming_uniform_sqrt5": lambda m, t: m.nn.init.kaiming_uniform_(t, a=math.sqrt(5)),
    "kaiming_uniform_fan_out": lambda m, t: m.nn.init.kaiming_uniform_(
        t, mode="fan_out", nonlinearity="relu"
    ),
    "kaiming_uniform_bad_mode": lambda m, t: m.nn.init.kaiming_uniform_(t, mode="fan"),
    "kaiming_uniform_bad_nonlinearity": lambda m, t: m.nn.init.kaiming_uniform_(
        t, nonlinearity="gelu"
    ),
    "kaiming_normal": lambda m, t: m.nn.init.kaiming_normal_(t, nonlinearity="tanh"),
    "kaiming_vector": lambda m, t: m.nn.init.kaiming_uniform_(t[0, 0, 0]),
    "kaiming_empty": lambda m, t: m.nn.init.kaiming_uniform_(t[:0]),
    "kaiming_normal_empty": lambda m, t: m.nn.init.kaiming_normal_(t[:, :0]),
    "xavier_vector": lambda m, t: m.nn.init.xavier_normal_(t[0, 0, 0]),
    "generator": lambda m, t: m.nn.init.uniform_(t, generator=m.Generator().manual_seed(3)),
    "normal_generator": lambda m, t: m.nn.init.normal_(t, generator=m.Generator().manual_seed(5)),
}


@pytest.mark.parametrize("case", sorted(INITIALISERS))
def test_initialisers(case):
    def fn(m):
        weight = m.nn.Parameter(m.empty(4, 2, 3, 5).fill_(9.0))
        out = INITIALISERS[case](m, weight)
        return out is weight or out, weight, weight.is_leaf, m.rand(2)

    same(fn)


def test_initialisers_never_record_history():
    def fn(m):
        w = m.ones(3, 3, requires_grad=True)
        m.nn.init.kaiming_uniform_(w)
        m.nn.init.zeros_(w)
        return w.grad_fn is None, w.is_leaf, w._version

    same(fn)


GAINS = [
    ("linear", None),
    ("conv2d", None),
    ("conv_transpose3d", None),
    ("sigmoid", None),
    ("tanh", None),
    ("relu", None),
    ("selu", None),
    ("leaky_relu", None),
    ("leaky_relu", 0.2),
    ("leaky_relu", 3),
    ("leaky_relu", True),
    ("leaky_relu", "x"),
    ("softmax", None),
]


@pytest.mark.parametrize(("nonlinearity", "param"), GAINS)
def test_calculate_gain(nonlinearity, param):
    same(lambda m: m.nn.init.calculate_gain(nonlinearity, param))


@pytest.mark.parametrize("shape", [(3,), (4, 5), (4, 5, 3), (2, 3, 4, 5), (0, 3)])
def test_fan_in_and_fan_out(shape):
    same(lambda m: m.nn.init._calculate_fan_in_and_fan_out(m.empty(shape)))


# ----- forward values ------------------------------------------------------------------------
LINEAR_INPUTS = {
    "vector": lambda x: x[0, 0],
    "matrix": lambda x: x[0],
    "batch3d": lambda x: x,
    "batch3d_transposed": lambda x: x.transpose(0, 1),
    "batch4d": lambda x: x.reshape(2, 3, 2, 5),
    "strided_matrix": lambda x: x[:, 0],
    "empty_batch": lambda x: x[:0],
}


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("case", sorted(LINEAR_INPUTS))
def test_linear_forward(case, bias):
    rl, tl = twins(lambda m: m.nn.Linear(5, 4, bias=bias))
    rx, tx = pair(6, 2, 5)
    rx, tx = LINEAR_INPUTS[case](rx), LINEAR_INPUTS[case](tx)
    ry, ty = rl(rx), tl(tx)
    assert ry.shape == ty.shape and ry.dtype is reference.float32
    assert ry.stride() == ty.stride()
    assert_close(ry, ty, linear_scale(rx, rl.weight, rl.bias))


def test_linear_forward_float64_and_grad_fn_names():
    rl, tl = twins(lambda m: m.nn.Linear(5, 3, dtype=m.float64))
    rx, tx = pair(4, 2, 5, dtype=np.float64, requires_grad=True)
    for view in (lambda x: x[0], lambda x: x, lambda x: x[0, 0]):
        ry, ty = rl(view(rx)), tl(view(tx))
        assert_close(ry, ty, linear_scale(view(rx), rl.weight, rl.bias))
        assert ry.grad_fn.name() == ty.grad_fn.name()
    rl.bias, tl.bias = None, None
    for view in (lambda x: x[0], lambda x: x[0, 0]):
        assert rl(view(rx)).grad_fn.name() == tl(view(tx)).grad_fn.name()


def test_identity():
    same(lambda m: m.nn.Identity(3, key=1)(m.arange(3.0)))
    for lib in (reference, torch):
        x = lib.ones(2)
        assert lib.nn.Identity()(x) is x


@pytest.mark.parametrize("batch", [(), (3,), (2, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_forward(batch, bias):
    rb, tb = twins(lambda m: m.nn.Bilinear(4, 3, 5, bias=bias))
    rx1, tx1 = pair(*batch, 4)
    rx2, tx2 = pair(*batch, 3)
    ry, ty = rb(rx1, rx2), tb(tx1, tx2)
    scale = np.einsum("...i,oij,...j->...o", *(np.abs(to_np(v)) for v in (rx1, rb.weight, rx2)))
    if bias:
        scale = scale + np.abs(to_np(rb.bias))
    assert ry.stride() == ty.stride()
    assert_close(ry, ty, scale)


FUNCTIONAL_ERRORS = {
    "mm_shapes": lambda m, F: F.linear(m.zeros(2, 3), m.zeros(5, 4)),
    "vector_shapes": lambda m, F: F.linear(m.zeros(3), m.zeros(5, 4)),
    "batch_shapes": lambda m, F: F.linear(m.zeros(2, 7, 3), m.zeros(5, 4)),
    "bias_size": lambda m, F: F.linear(m.zeros(2, 3), m.zeros(5, 3), m.zeros(4)),
    "bias_size_vector": lambda m, F: F.linear(m.zeros(3), m.zeros(5, 3), m.zeros(4)),
    "bias_size_batch": lambda m, F: F.linear(m.zeros(2, 7, 3), m.zeros(5, 3), m.zeros(4)),
    "scalar_input": lambda m, F: F.linear(m.zeros(()), m.zeros(5, 3)),
    "vector_weight": lambda m, F: F.linear(m.zeros(2, 3), m.zeros(3)),
    "vector_weight_bias": lambda m, F: F.linear(m.zeros(2, 3), m.zeros(3), m.zeros(2)),
    "vector_vector": lambda m, F: F.linear(m.zeros(3), m.zeros(3), m.zeros(())),
    "3d_weight": lambda m, F: F.linear(m.zeros(2, 3), m.zeros(2, 5, 3)),
    "dtype": lambda m, F: F.linear(m.zeros(2, 3), m.zeros(5, 3, dtype=m.float64)),
    "dtype_with_bias": lambda m, F: F.linear(
        m.zeros(2, 3), m.zeros(5, 3, dtype=m.float64), m.zeros(5, dtype=m.float64)
    ),
    "bias_dtype": lambda m, F: F.linear(m.zeros(2, 3), m.zeros(5, 3), m.zeros(5, dtype=m.float64)),
    "int_input": lambda m, F: F.linear(m.zeros(2, 3, dtype=m.int64), m.zeros(5, 3)),
    "int_both": lambda m, F: F.linear(m.ones(2, 3, dtype=m.int64), m.ones(5, 3, dtype=m.int64)),
    "int_bias_vector": lambda m, F: F.linear(m.zeros(3), m.zeros(2, 3), m.zeros(2, dtype=m.int64)),
    "bias_2d": lambda m, F: F.linear(m.ones(2, 3), m.ones(5, 3), m.ones(2, 5)),
    "bias_2d_bad": lambda m, F: F.linear(m.ones(2, 3), m.ones(5, 3), m.ones(3, 5)),
    "bias_2d_vector": lambda m, F: F.linear(m.ones(3), m.ones(5, 3), m.ones(2, 5)),
    "bias_scalar": lambda m, F: F.linear(m.ones(2, 3), m.ones(5, 3), m.ones(())),
    "bias_scalar_vector": lambda m, F: F.linear(m.ones(3), m.ones(5, 3), m.ones(())),
    "bilinear_batch": lambda m, F: F.bilinear(m.zeros(2, 3), m.zeros(3, 4), m.zeros(5, 3, 4)),
    "bilinear_in2": lambda m, F: F.bilinear(m.zeros(2, 3), m.zeros(2, 4), m.zeros(5, 3, 5)),
    "bilinear_in1": lambda m, F: F.bilinear(m.zeros(2, 3), m.zeros(2, 4), m.zeros(5, 2, 4)),
    "bilinear_bias": lambda m, F: F.bilinear(
        m.zeros(2, 3), m.zeros(2, 4), m.zeros(5, 3, 4), m.zeros(6)
    ),
    "bilinear_dims": lambda m, F: F.bilinear(m.zeros(2, 6, 3), m.zeros(12, 4), m.zeros(5, 3, 4)),
    "bilinear_2d_weight": lambda m, F: F.bilinear(m.zeros(2, 3), m.zeros(2, 4), m.zeros(3, 4)),
    "bilinear_dtype": lambda m, F: F.bilinear(
        m.zeros(2, 3), m.zeros(2, 4, dtype=m.float64), m.zeros(5, 3, 4)
    ),
    "bilinear_bias_dtype": lambda m, F: F.bilinear(
        m.zeros(2, 3), m.zeros(2, 4), m.zeros(5, 3, 4), m.zeros(5, dtype=m.float64)
    ),
    "bilinear_scalar": lambda m, F: F.bilinear(m.zeros(()), m.zeros(()), m.zeros(5, 3, 4)),
    "bilinear_ok": lambda m, F: F.bilinear(m.ones(2, 6, 3), m.ones(2, 6, 4), m.ones(5, 3, 4)),
    "bilinear_vectors": lambda m, F: F.bilinear(m.ones(3), m.ones(4), m.ones(5, 3, 4)),
    "linear_weight_type": lambda m, F: F.linear(m.ones(2, 2), 3),
    "linear_input_type": lambda m, F: F.linear([1.0], m.ones(2, 2)),
    "linear_bias_type": lambda m, F: F.linear(m.ones(2, 2), m.ones(2, 2), 3),
    "bilinear_weight_type": lambda m, F: F.bilinear(m.ones(2, 2), m.ones(2, 2), 3),
    "bilinear_bias_type": lambda m, F: F.bilinear(m.ones(2, 2), m.ones(2, 2), m.ones(1, 2, 2), "b"),
}


@pytest.mark.parametrize("case", sorted(FUNCTIONAL_ERRORS))
def test_functional_results_and_errors(case):
    same(lambda m: FUNCTIONAL_ERRORS[case](m, m.nn.functional))


# ----- matrix products ----------------------------------------------------------------------
MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3,)),
    ((5, 2, 3), (3, 4)),
    ((3,), (5, 3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((1, 2, 3), (5, 3, 4)),
    ((7, 1, 2, 3), (5, 3, 4)),
    ((0, 2, 3), (3, 4)),
    ((2, 0), (0, 4)),
]


@pytest.mark.parametrize(("a", "b"), MATMUL_SHAPES)
def test_matmul_values_and_gradients(a, b):
    ra, ta = pair(*a, dtype=np.float64, requires_grad=True)
    rb, tb = pair(*b, dtype=np.float64, requires_grad=True)
    ry, ty = ra @ rb, ta @ tb
    assert ry.shape == ty.shape and ry.stride() == ty.stride()
    assert_close(ry, ty, np.abs(to_np(ra)) @ np.abs(to_np(rb)) if ry.numel() else None)
    assert ry.grad_fn.name() == ty.grad_fn.name()
    rg, tg = pair(*ty.shape, dtype=np.float64)
    rgrads = reference.autograd.grad(ry, (ra, rb), rg, create_graph=True)
    tgrads = torch.autograd.grad(ty, (ta, tb), tg, create_graph=True)
    for r, t in zip(rgrads, tgrads, strict=True):
        assert_close(r, t, peak(t))
    if ry.numel():  # second order: d/d(a, b) of sum(grad_a ** 2) + sum(grad_b ** 2)
        rsecond = reference.autograd.grad(sum((g * g).sum() for g in rgrads), (ra, rb))
        tsecond = torch.autograd.grad(sum((g * g).sum() for g in tgrads), (ta, tb))
        for r, t in zip(rsecond, tsecond, strict=True):
            assert_close(r, t, peak(t), ulps=64)


MATRIX_OPS = {
    "mm": lambda m: m.mm(m.ones(2, 3), m.ones(3, 4)),
    "mm_method": lambda m: m.ones(2, 3).mm(m.ones(3, 1)),
    "mm_shapes": lambda m: m.mm(m.zeros(2, 3), m.zeros(4, 1)),
    "mm_vector": lambda m: m.mm(m.zeros(2, 3), m.zeros(3)),
    "mm_3d": lambda m: m.mm(m.zeros(2, 3, 1), m.zeros(3, 1)),
    "mm_dtype": lambda m: m.mm(m.zeros(2, 3), m.zeros(3, 4, dtype=m.float64)),
    "mm_shape_and_dtype": lambda m: m.mm(m.zeros(2, 3), m.zeros(4, 1, dtype=m.float64)),
    "mm_int": lambda m: m.mm(m.arange(6).reshape(2, 3), m.arange(3).reshape(3, 1)),
    "mm_int_float": lambda m: m.mm(m.zeros(2, 3, dtype=m.int64), m.zeros(3, 1)),
    "mm_bool": lambda m: m.mm(m.zeros(2, 3, dtype=m.bool), m.zeros(3, 4, dtype=m.bool)),
    "mv": lambda m: m.mv(m.arange(6.0).reshape(2, 3), m.ones(3)),
    "mv_shapes": lambda m: m.mv(m.zeros(2, 3), m.zeros(4)),
    "mv_matrix": lambda m: m.mv(m.zeros(2, 3), m.zeros(4, 1)),
    "mv_vector": lambda m: m.mv(m.zeros(3), m.zeros(3)),
    "mv_dtype": lambda m: m.mv(m.zeros(2, 3), m.zeros(4, dtype=m.float64)),
    "mv_bool": lambda m: m.mv(m.zeros(2, 3, dtype=m.bool), m.zeros(3, dtype=m.bool)),
    "dot": lambda m: m.dot(m.arange(3.0), m.arange(3.0)),
    "dot_int": lambda m: m.arange(3).dot(m.arange(3)),
    "dot_sizes": lambda m: m.dot(m.zeros(3), m.zeros(4)),
    "dot_dims": lambda m: m.dot(m.zeros(3, 1), m.zeros(3)),
    "dot_dtype": lambda m: m.dot(m.zeros(3), m.zeros(4, dtype=m.float64)),
    "dot_bool": lambda m: m.dot(m.zeros(3, dtype=m.bool), m.zeros(3, dtype=m.bool)),
    "bmm": lambda m: m.bmm(m.ones(2, 3, 4), m.ones(2, 4, 1)),
    "bmm_sizes": lambda m: m.bmm(m.zeros(2, 3, 4), m.zeros(2, 5, 6)),
    "bmm_batch": lambda m: m.bmm(m.zeros(2, 3, 4), m.zeros(3, 4, 6)),
    "bmm_2d": lambda m: m.bmm(m.zeros(2, 3), m.zeros(3, 4, 6)),
    "bmm_2d_second": lambda m: m.bmm(m.zeros(2, 3, 4), m.zeros(4, 6)),
    "bmm_dtype": lambda m: m.bmm(m.zeros(2, 3, 4), m.zeros(2, 4, 6, dtype=m.float64)),
    "bmm_bool": lambda m: m.bmm(m.zeros(2, 3, 3, dtype=m.bool), m.zeros(2, 3, 3, dtype=m.bool)),
    "addmm": lambda m: m.addmm(m.arange(4.0), m.ones(2, 3), m.ones(3, 4)),
    "addmm_scaled": lambda m: m.addmm(m.arange(4.0), m.ones(2, 3), m.ones(3, 4), beta=0.5, alpha=2),
    "addmm_beta_zero_nan": lambda m: m.addmm(
        m.full((4,), float("nan")), m.ones(2, 3), m.ones(3, 4), beta=0
    ),
    "addmm_method": lambda m: m.zeros(2, 1).addmm(m.ones(2, 3), m.ones(3, 4)),
    "addmm_int": lambda m: m.addmm(
        m.ones(4, dtype=m.int64), m.ones(2, 3, dtype=m.int64), m.ones(3, 4, dtype=m.int64)
    ),
    "addmm_bias_size": lambda m: m.addmm(m.zeros(5), m.zeros(2, 3), m.zeros(3, 4)),
    "addmm_bias_3d": lambda m: m.addmm(m.zeros(2, 1, 4), m.zeros(2, 3), m.zeros(3, 4)),
    "addmm_vector": lambda m: m.addmm(m.zeros(4), m.zeros(3), m.zeros(3, 4)),
    "addmm_vector_second": lambda m: m.addmm(m.zeros(4), m.zeros(2, 3), m.zeros(3)),
    "addmm_shapes": lambda m: m.addmm(m.zeros(4), m.zeros(2, 3), m.zeros(4, 4)),
    "addmm_self_dtype": lambda m: m.addmm(
        m.zeros(4), m.zeros(2, 3), m.zeros(3, 4, dtype=m.float64)
    ),
    "addmm_mat_dtype": lambda m: m.addmm(
        m.zeros(4, dtype=m.float64), m.zeros(2, 3), m.zeros(3, 4, dtype=m.float64)
    ),
    "matmul_scalar": lambda m: m.matmul(m.zeros(()), m.zeros(2)),
    "matmul_scalar_second": lambda m: m.zeros(2) @ m.zeros(()),
    "matmul_batch_mismatch": lambda m: m.zeros(2, 3, 4) @ m.zeros(3, 4, 6),
    "matmul_fold_mismatch": lambda m: m.zeros(2, 3, 4) @ m.zeros(5, 6),
    "matmul_fold_vector": lambda m: m.zeros(2, 3, 4) @ m.zeros(5),
    "matmul_dtype": lambda m: m.zeros(2, 3, 4) @ m.zeros(4, 5, dtype=m.float64),
    "matmul_batch_dtype": lambda m: m.zeros(2, 3, 4) @ m.zeros(2, 4, 5, dtype=m.float64),
    "matmul_vector_dtype": lambda m: m.zeros(3) @ m.zeros(3, dtype=m.float64),
    "matmul_int": lambda m: m.arange(24).reshape(2, 3, 4) @ m.arange(4),
    "rmatmul_list": lambda m: m.ones(2, 2).__rmatmul__(m.ones(2)),
    "matmul_float16": lambda m: m.ones(2, 3, dtype=m.float16) @ m.ones(3, 2, dtype=m.float16),
    "matmul_bfloat16": lambda m: m.ones(2, 3, dtype=m.bfloat16) @ m.ones(3, dtype=m.bfloat16),
    "matmul_complex": lambda m: m.ones(2, 3, dtype=m.complex64) @ m.ones(3, 2, dtype=m.complex64),
    "matmul_list": lambda m: m.ones(2) @ [1.0, 2.0],
    "rmatmul_list_operator": lambda m: [1.0, 2.0] @ m.ones(2),
    "matmul_int_operand": lambda m: m.ones(2) @ 3,
    "matmul_function_list": lambda m: m.matmul(m.ones(2), [1.0, 2.0]),
    "matmul_method_int": lambda m: m.ones(2).matmul(3),
    "mm_not_tensor": lambda m: m.mm(m.ones(2, 2), 3),
    "mm_first_not_tensor": lambda m: m.mm(3, m.ones(2, 2)),
    "mm_method_not_tensor": lambda m: m.ones(2, 2).mm(3),
    "mv_none": lambda m: m.mv(m.ones(2, 2), None),
    "dot_method_int": lambda m: m.ones(2).dot(3),
    "bmm_str": lambda m: m.bmm(m.ones(1, 2, 2), "a"),
    "addmm_int_mat": lambda m: m.addmm(m.ones(2), m.ones(2, 2), 3),
    "addmm_int_input": lambda m: m.addmm(1, m.ones(2, 2), m.ones(2, 2)),
    "addmm_method_int": lambda m: m.ones(2, 2).addmm(3, m.ones(2, 2)),
    "addmm_beta_str": lambda m: m.ones(2, 2).addmm(m.ones(2, 2), m.ones(2, 2), beta="a"),
}


@pytest.mark.parametrize("case", sorted(MATRIX_OPS))
def test_matrix_products(case):
    same(MATRIX_OPS[case])


@pytest.mark.parametrize("bias_shape", [(4,), (2, 4), (1, 4), ()])
def test_addmm_gradients(bias_shape):
    rc, tc = pair(*bias_shape, dtype=np.float64, requires_grad=True)
    ra, ta = pair(2, 3, dtype=np.float64, requires_grad=True)
    rb, tb = pair(3, 4, dtype=np.float64, requires_grad=True)
    ry = reference.addmm(rc, ra, rb, beta=0.5, alpha=-2)
    ty = torch.addmm(tc, ta, tb, beta=0.5, alpha=-2)
    assert_close(ry, ty, 16.0)
    assert ry.grad_fn.name() == ty.grad_fn.name()
    rg, tg = pair(2, 4, dtype=np.float64)
    rgrads = reference.autograd.grad(ry, (rc, ra, rb), rg, create_graph=True)
    tgrads = torch.autograd.grad(ty, (tc, ta, tb), tg, create_graph=True)
    for r, t in zip(rgrads, tgrads, strict=True):
        assert_close(r, t, peak(t))
    rsecond = reference.autograd.grad((rgrads[1] ** 2).sum(), rb)
    tsecond = torch.autograd.grad((tgrads[1] ** 2).sum(), tb)
    assert_close(rsecond[0], tsecond[0], peak(tsecond[0]), ulps=64)


MATMUL_GRAD_FNS = {
    "fold": lambda a, w: a @ w,
    "fold_weight_constant": lambda a, w: a @ w.detach(),
    "batched_strided": lambda a, w: a.transpose(0, 1) @ w.detach(),
    "fold_vector": lambda a, w: a @ w[:, 0],
    "left_vector": lambda a, w: a[0, 0] @ w,
    "batched": lambda a, w: a @ a.transpose(1, 2),
    "dot": lambda a, w: w[:, 0] @ w[:, 0],
    "mv": lambda a, w: a[0] @ w[:, 0],
    "mm": lambda a, w: a[0] @ w,
    "matrix_batch": lambda a, w: w.t() @ a.transpose(1, 2).detach(),
}


@pytest.mark.parametrize("case", sorted(MATMUL_GRAD_FNS))
def test_matmul_grad_fn_names(case):
    names = []
    for lib in (reference, torch):
        lib.manual_seed(0)
        a = lib.randn(2, 3, 4, requires_grad=True)
        w = lib.randn(4, 5, requires_grad=True)
        out = MATMUL_GRAD_FNS[case](a, w)
        names.append((out.grad_fn.name() if out.grad_fn is not None else None, out.stride()))
    assert names[0] == names[1]


# ----- gradients of the layers -------------------------------------------------------------
def _check_grads(rmod, tmod, rinputs, tinputs, ulps=16):
    """First derivatives (backward into .grad) and second derivatives (through
    ``autograd.grad(create_graph=True)``) match torch's within tolerance."""
    rout, tout = rmod(*rinputs), tmod(*tinputs)
    rw, tw = pair(*tout.shape, dtype=to_np(tout).dtype)
    (rout * rw).sum().backward()
    (tout * tw).sum().backward()
    for rp, tp in zip(rmod.parameters(), tmod.parameters(), strict=True):
        assert_close(rp.grad, tp.grad, peak(tp.grad), ulps)
    for r, t in zip(rinputs, tinputs, strict=True):
        assert_close(r.grad, t.grad, peak(t.grad), ulps)
    rmod.zero_grad()
    tmod.zero_grad()
    # second order: the gradient of ||d out / d input||^2 with respect to the parameters
    rparams, tparams = list(rmod.parameters()), list(tmod.parameters())
    rg = reference.autograd.grad((rmod(*rinputs) * rw).sum(), rinputs, create_graph=True)
    tg = torch.autograd.grad((tmod(*tinputs) * tw).sum(), tinputs, create_graph=True)
    rsecond = reference.autograd.grad(sum((g * g).sum() for g in rg), rparams, allow_unused=True)
    tsecond = torch.autograd.grad(sum((g * g).sum() for g in tg), tparams, allow_unused=True)
    for r, t in zip(rsecond, tsecond, strict=True):
        assert (r is None) == (t is None)
        if t is not None:
            assert_close(r, t, peak(t), ulps * 4)


@pytest.mark.parametrize("shape", [(5,), (3, 5), (2, 3, 5)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linear_gradients(shape, dtype):
    def build(m):
        return m.nn.Linear(5, 4, dtype=getattr(m, dtype))

    rl, tl = twins(build)
    rx, tx = pair(*shape, dtype=np.dtype(dtype), requires_grad=True)
    _check_grads(rl, tl, [rx], [tx])


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_gradients(bias):
    rb, tb = twins(lambda m: m.nn.Bilinear(3, 2, 4, bias=bias, dtype=m.float64))
    r1, t1 = pair(5, 3, dtype=np.float64, requires_grad=True)
    r2, t2 = pair(5, 2, dtype=np.float64, requires_grad=True)
    _check_grads(rb, tb, [r1, r2], [t1, t2])


def test_training_step_matches():
    """A few steps of plain gradient descent on a two-layer model stay together."""

    def build(m):
        return m.nn.Sequential(
            m.nn.Linear(3, 8, dtype=m.float64), m.nn.Linear(8, 1, dtype=m.float64)
        )

    rnet, tnet = twins(build)
    rx, tx = pair(16, 3, dtype=np.float64)
    ry, ty = pair(16, 1, dtype=np.float64)
    for _ in range(5):
        for net, x, y, lib in ((rnet, rx, ry, reference), (tnet, tx, ty, torch)):
            net.zero_grad()
            loss = ((net(x) - y) ** 2).mean()
            loss.backward()
            with lib.no_grad():
                for p in net.parameters():
                    p -= 0.1 * p.grad
    for (_, r), (_, t) in zip(rnet.named_parameters(), tnet.named_parameters(), strict=True):
        assert_close(r, t, 1.0, ulps=256)


# ----- LazyLinear ---------------------------------------------------------------------------
def test_lazy_linear_before_and_after_the_first_forward():
    def fn(m):
        lazy = m.nn.LazyLinear(4)
        before = (
            repr(lazy),
            type(lazy).__name__,
            repr(lazy.weight),
            type(lazy.weight).__name__,
            lazy.has_uninitialized_params(),
            [n for n, _ in lazy.named_parameters()],
            [(k, repr(v)) for k, v in lazy.state_dict().items()],
            lazy.weight.size(),
        )
        out = lazy(m.ones(2, 3))
        after = (
            repr(lazy),
            type(lazy).__name__,
            type(lazy.weight).__name__,
            lazy.in_features,
            list(lazy.named_parameters()),
            out.shape,
            len(lazy._forward_pre_hooks),
            hasattr(lazy, "_initialize_hook"),
        )
        return before, after, m.rand(2)

    same(fn)


def test_lazy_linear_materialises_like_linear():
    def lazy(m):
        net = m.nn.LazyLinear(3)
        net(m.zeros(1, 7))
        return net.weight, net.bias

    def eager(m):
        net = m.nn.Linear(7, 3)
        return net.weight, net.bias

    same(lazy)
    assert outcome_values(lazy) == outcome_values(eager)


def outcome_values(fn):
    reference.manual_seed(0)
    return plain(fn(reference))


def test_lazy_linear_errors_and_variants():
    same(lambda m: m.nn.LazyLinear(2).weight.shape)
    same(lambda m: m.nn.LazyLinear(2, bias=False)(m.ones(3)).shape)
    same(lambda m: repr(m.nn.LazyLinear(2, bias=False)))

    def double(m):
        net = m.nn.LazyLinear(2, dtype=m.float64)
        return net(m.ones(1, 2, dtype=m.float64)), net.weight.dtype

    same(double)

    def load(m):
        net = m.nn.LazyLinear(2)
        source = m.nn.Linear(5, 2)
        result = net.load_state_dict(source.state_dict())
        loaded = (repr(result), type(net).__name__, net.weight, net.in_features)
        net(m.ones(1, 5))
        return loaded, type(net).__name__, net.in_features, net.weight

    same(load)

    def mismatch(m):
        net = m.nn.LazyLinear(2)
        net.load_state_dict(m.nn.Linear(5, 2).state_dict())
        return net(m.ones(1, 4))

    same(mismatch)


# ----- trained weights between the libraries --------------------------------------------------
def _model(m):
    class Model(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = m.nn.Sequential(m.nn.Linear(4, 6), m.nn.Identity(), m.nn.Linear(6, 3))
            self.pair = m.nn.Bilinear(3, 4, 2)
            self.register_buffer("offset", m.zeros(2))

        def forward(self, x):
            return self.pair(self.body(x), x) + self.offset

    return Model()


def _train(net, lib, x, steps=3):
    for _ in range(steps):
        net.zero_grad()
        (net(x) ** 2).mean().backward()
        with lib.no_grad():
            for p in net.parameters():
                p -= 0.05 * p.grad
            net.offset += 0.5


@pytest.mark.parametrize("keep_vars", [False, True])
def test_reference_weights_load_into_torch(keep_vars):
    rx, tx = pair(5, 4)
    reference.manual_seed(1)
    rnet = _model(reference)
    _train(rnet, reference, rx)
    buffer = io.BytesIO()
    reference.save(rnet.state_dict(keep_vars=keep_vars), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    assert list(state) == list(rnet.state_dict())
    assert state._metadata == rnet.state_dict()._metadata
    if keep_vars:
        assert all(type(v) is torch.nn.Parameter for k, v in state.items() if k != "offset")
    tnet = _model(torch)
    assert repr(tnet.load_state_dict(state)) == "<All keys matched successfully>"
    for (name, r), (_, t) in zip(rnet.state_dict().items(), tnet.state_dict().items(), strict=True):
        np.testing.assert_array_equal(to_np(r), to_np(t), err_msg=name)
    assert_close(rnet(rx), tnet(tx), 4.0, ulps=32)


@pytest.mark.parametrize("keep_vars", [False, True])
def test_torch_weights_load_into_reference(keep_vars):
    rx, tx = pair(5, 4)
    torch.manual_seed(2)
    tnet = _model(torch)
    _train(tnet, torch, tx)
    buffer = io.BytesIO()
    torch.save(tnet.state_dict(keep_vars=keep_vars), buffer)
    buffer.seek(0)
    state = reference.load(buffer)
    assert state._metadata == tnet.state_dict()._metadata
    if keep_vars:
        assert all(
            type(v) is reference.nn.Parameter and v.requires_grad
            for k, v in state.items()
            if k != "offset"
        )
    rnet = _model(reference)
    weight = rnet.body[0].weight
    assert repr(rnet.load_state_dict(state)) == "<All keys matched successfully>"
    assert rnet.body[0].weight is weight  # loaded in place
    for (name, r), (_, t) in zip(rnet.state_dict().items(), tnet.state_dict().items(), strict=True):
        np.testing.assert_array_equal(to_np(r), to_np(t), err_msg=name)
    assert_close(rnet(rx), tnet(tx), 4.0, ulps=32)


def test_parameters_round_trip_through_files(tmp_path):
    rp = reference.nn.Parameter(reference.arange(3.0), requires_grad=False)
    reference.save({"p": rp, "again": rp}, tmp_path / "r.pt")
    loaded = torch.load(tmp_path / "r.pt", weights_only=True)
    assert type(loaded["p"]) is torch.nn.Parameter and not loaded["p"].requires_grad
    assert loaded["again"] is loaded["p"]
    torch.save({"q": torch.nn.Parameter(torch.ones(2))}, tmp_path / "t.pt")
    back = reference.load(tmp_path / "t.pt")
    assert type(back["q"]) is reference.nn.Parameter and back["q"].requires_grad
    assert back["q"].is_leaf and back["q"].tolist() == [1.0, 1.0]


def test_state_dict_values_convert_both_ways():
    rnet, tnet = twins(_model)
    tnet.load_state_dict({k: to_torch(v) for k, v in rnet.state_dict().items()})
    for (name, r), (_, t) in zip(rnet.state_dict().items(), tnet.state_dict().items(), strict=True):
        np.testing.assert_array_equal(to_np(r), to_np(t), err_msg=name)
        assert to_torch(r).dtype == t.dtype and to_ref(t).dtype is r.dtype


@pytest.mark.parametrize(
    "fn",
    [
        lambda a, b, c: reference.addmm(c, a, b, beta=0.3, alpha=1.7),
        lambda a, b, c: a @ b,
        lambda a, b, c: a[0] @ b[:, 1],
        lambda a, b, c: b[:, 0] @ b[:, 1],
        lambda a, b, c: reference.bmm(a.unsqueeze(0), b.unsqueeze(0)),
        lambda a, b, c: reference.nn.functional.linear(a, b.t(), c),
        lambda a, b, c: reference.nn.functional.bilinear(a, a, b[:, :3].expand(2, 3, 3), c[:2]),
    ],
)
def test_matrix_products_pass_gradcheck(fn):
    a = reference.tensor(RNG.uniform(-1, 1, (2, 3)), requires_grad=True)
    b = reference.tensor(RNG.uniform(-1, 1, (3, 4)), requires_grad=True)
    c = reference.tensor(RNG.uniform(-1, 1, (4,)), requires_grad=True)
    assert reference.autograd.gradcheck(fn, (a, b, c))
    assert reference.autograd.gradgradcheck(fn, (a, b, c))
