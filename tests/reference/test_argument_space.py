"""Arguments of kinds the spec's generators reach since they draw every kind torch accepts:
each reference fix is pinned here against torch."""

from __future__ import annotations

import pytest

from tests.reference.conftest import check

torch = pytest.importorskip("torch")

STEPS = [
    lambda m: m.tensor(3),
    lambda m: m.tensor(3, dtype=m.int32),
    lambda m: m.tensor(3, dtype=m.uint8),
    lambda m: m.tensor(0),
    lambda m: m.tensor(-1),
    lambda m: m.tensor(3.0),
    lambda m: m.tensor(True),
    lambda m: m.tensor([3]),
    lambda m: True,
    lambda m: 3.0,
]


@pytest.mark.parametrize("steps", STEPS)
@pytest.mark.parametrize("op", ["linspace", "logspace"])
def test_steps_is_an_int_or_a_0dim_integer_tensor(op, steps):
    """torch takes a 0-dim integer tensor for ``steps``, and refuses bools, floats and 1-D."""
    check(lambda m: getattr(m, op)(0, 2, steps(m)), message=False)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8"])
@pytest.mark.parametrize(("start", "end", "steps"), [(-2.0, 0, 50), (-3, 1, 13), (0.5, -7.25, 31)])
def test_linspace_truncates_for_integer_dtypes(dtype, start, end, steps):
    check(lambda m: m.linspace(start, end, steps, dtype=getattr(m, dtype)))


@pytest.mark.parametrize("k", STEPS[:6] + STEPS[8:])
def test_topk_k_is_an_int_or_a_0dim_integer_tensor(k):
    """As for steps (a bool or 1-D tensor k trips an internal assert of torch 2.13's)."""
    check(lambda m: tuple(m.topk(m.arange(6.0), k(m))), message=False)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool", "float32"])
@pytest.mark.parametrize("shape", [(0,), (2, 0), (0, 3)])
def test_gather_takes_an_empty_index_of_any_dtype(dtype, shape):
    check(lambda m: m.gather(m.ones(2, 3), -1, m.zeros(shape, dtype=getattr(m, dtype))))


ENDS = [
    (1, 0, "uint8"), (0, 250, "int8"), (-2, 3, "uint8"), (-300, 3, "uint8"), (2.5, 300.7, "uint8"),
    (0, 2**31, "int32"), (0, float("inf"), "int64"), (0, float("nan"), "int32"),
    (0, 1e300, "float32"), (0, 70000, "float16"), (0, 1e39, "bfloat16"), (3, 0, "uint8"),
    (2.7, 0, "int8"), (0, complex(1, 2), "float32"), (0, complex(1e300, 1), "complex64"),
]


@pytest.mark.parametrize("steps", [0, 1, 2, 4])
@pytest.mark.parametrize(("start", "end", "dtype"), ENDS)
@pytest.mark.parametrize("op", ["linspace", "logspace"])
def test_space_ends_convert_to_the_dtype_as_torch_does(op, start, end, dtype, steps):
    """Both ends are converted to the result dtype (an error out of its range) from two
    steps on; integer ends subtract in C++'s int; logspace's one step is ``base ** start``
    converted; complex ends with a real ``dtype`` are refused."""
    check(lambda m: getattr(m, op)(start, end, steps, 2.0, dtype=getattr(m, dtype))
          if op == "logspace" else m.linspace(start, end, steps, dtype=getattr(m, dtype)))


@pytest.mark.parametrize("out_dtype", ["float64", "int64", "bfloat16", "complex64"])
def test_gather_out_has_the_input_dtype(out_dtype):
    check(lambda m: m.gather(m.ones(2, 2), 1, m.tensor([[0, 0]], dtype=m.int16),
                             out=m.empty(1, 2, dtype=getattr(m, out_dtype))))


@pytest.mark.parametrize("std", [lambda m: m.tensor([2.0, 3.0], requires_grad=True), lambda m: 2.0])
def test_normal_passes_no_gradient_back(std):
    """torch's normal is not reparametrised: mean and std get zero gradients."""

    def grads(m):
        mean = m.tensor([0.5, 1.0], requires_grad=True)
        s = std(m)
        inputs = (mean, s) if isinstance(s, m.Tensor) else (mean,)
        return m.autograd.grad(m.normal(mean, s).sum(), inputs)

    check(grads)


@pytest.mark.parametrize("args", [(2, 3), (2,), ([1.0],), (2.0, 1), (None,), (True, 1)])
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_of_a_non_tensor_is_a_type_error(op, args):
    check(lambda m: getattr(m, op)(*args))


def test_cat_gives_skipped_empty_inputs_an_empty_gradient():
    def grads(m):
        empty = m.tensor([], requires_grad=True)
        full = m.ones(2, 3, requires_grad=True)
        return m.autograd.grad(m.cat([empty, full], 0).sum(), (empty, full))

    check(grads)


@pytest.mark.parametrize("indices", [False, True])
def test_bfloat16_max_pooling_keeps_nan_and_signed_zeros(indices):
    def pool(m):
        x = m.tensor([[[1.0, float("nan"), 3.0, -0.0, 0.0, 2.0]]]).to(m.bfloat16)
        return m.nn.functional.max_pool1d(x, 2, 1, return_indices=indices)

    check(pool)


def test_bfloat16_maximum_ties_and_nan():
    check(lambda m: m.maximum(m.tensor([-0.0, 1.0]).to(m.bfloat16),
                              m.tensor([0.0, float("nan")]).to(m.bfloat16)))


def test_bfloat16_losses_read_their_inputs():
    def losses(m):
        x = m.tensor([[-8.5, -1.765625, -4.3125], [-2.40625, -7.9375, 3.609375]]).to(m.bfloat16)
        f = m.nn.functional
        return (f.nll_loss(x, m.tensor([0, 2]), reduction="none"),
                f.poisson_nll_loss(x[0], x[1].abs(), log_input=True, full=True, reduction="none"))

    check(losses)


ROUNDED = [
    lambda m: m.div(m.tensor([7, -7, 7, -7, 0], dtype=m.int32),
                    m.tensor([2, 2, -2, -2, 3], dtype=m.int32), rounding_mode="trunc"),
    lambda m: m.div(m.tensor([7, -7, 7, -7]), m.tensor([2, 2, -2, -2]), rounding_mode="floor"),
    lambda m: m.tensor([7.0, -7.5, -0.5]).div(m.tensor([2.0, 2.0, 3.0]), rounding_mode="trunc"),
    lambda m: m.div(m.tensor([7, -7]), 2.5, rounding_mode="floor"),
    lambda m: m.divide(m.tensor([7.0, -7.0, 0.0]), 0.0, rounding_mode="trunc"),
    lambda m: m.div(m.tensor([7]), 0, rounding_mode="trunc"),
    lambda m: m.div(m.tensor([7]), 2, rounding_mode="round"),
    lambda m: m.div(m.tensor([True]), m.tensor([True]), rounding_mode="trunc"),
    lambda m: m.div(m.tensor([1 + 1j]), 2, rounding_mode="floor"),
]


@pytest.mark.parametrize("call", ROUNDED)
def test_div_rounding_modes(call):
    """trunc and floor keep the promoted dtype (integers stay integers), divide by an integer
    zero with torch's error, and refuse an unknown mode."""
    check(call)


def test_rounded_division_passes_zero_gradients():
    def grads(m):
        x = m.tensor([1.5, -2.5], requires_grad=True)
        y = m.tensor([[2.0], [3.0]], requires_grad=True)
        return [m.autograd.grad(m.div(x, y, rounding_mode=mode).sum(), (x, y))
                for mode in ("trunc", "floor")]

    check(grads)


def test_remainder_gradients():
    """``a % b``: ``g`` for ``a``, ``-g * floor(a / b)`` for ``b``."""

    def grads(m):
        a = m.tensor([-8.5, 7.25, 3.0], requires_grad=True)
        b = m.tensor([-1.75, 2.0, -2.5], requires_grad=True)
        return m.autograd.grad(m.remainder(a, b).sum(), (a, b)), m.autograd.grad((a % 2.5).sum(), a)

    check(grads)


GRAD_MODES = [
    lambda m: m.enable_grad(),
    lambda m: m.set_grad_enabled(True),
    lambda m: m.inference_mode(False),
    lambda m: m.no_grad(),
]


@pytest.mark.parametrize("inner", GRAD_MODES)
def test_inference_mode_records_nothing_whatever_the_grad_mode(inner):
    """Inside inference_mode, enable_grad turns grad mode on yet nothing is recorded; a view of
    a normal tensor stays a normal tensor; in-place ops on leaves are allowed."""

    def flags(m):
        x = m.ones(2, requires_grad=True)
        leaf = m.ones(2, requires_grad=True)
        with m.inference_mode(), inner(m):
            made = (x * 2, x.view(-1), x[:1], x.sum(), leaf.mul_(2))
            state = (m.is_grad_enabled(), m.is_inference_mode_enabled())
        return state, [(t.requires_grad, t.grad_fn is None, t.is_inference()) for t in made]

    check(flags)


VIEWS = [
    lambda m: m.arange(6).view(size=[2, -1]),
    lambda m: m.arange(6).view(size=m.Size([3, 2])),
    lambda m: m.tensor(5.0).view(size=()),
    lambda m: m.arange(4.0).view(dtype=m.int16),
    lambda m: m.arange(4.0, requires_grad=True).view(m.float16).requires_grad,
    lambda m: m.arange(4.0, requires_grad=True).view(dtype=m.complex64).requires_grad,
    lambda m: m.arange(4.0, requires_grad=True).view(m.float32).requires_grad,
    lambda m: m.arange(4.0).view(m.int32, dtype=m.int32),
    lambda m: m.zeros(2, 3).new_zeros(size=(2,)),
    lambda m: m.zeros(2, 3).new_ones(size=[1, 2]),
    lambda m: m.zeros(2, 3).new_empty(size=m.Size([0])).shape,
]


@pytest.mark.parametrize("call", VIEWS)
def test_sizes_and_dtypes_by_keyword(call):
    """view takes size= and dtype=, new_zeros/new_ones/new_empty size=; view(dtype) is not
    differentiable (its result never requires grad)."""
    check(call, message=False)


@pytest.mark.parametrize("fill", [127.9, -128.9, -0.5, -1.0, 255.5, 255.0, -1, -255, -256, 2.75])
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16"])
def test_float_fill_must_fit_before_truncation(dtype, fill):
    """A float converts to an integer dtype only when it lies in the dtype's range itself
    (-0.5 overflows uint8, 127.9 int8), in full and in torch.tensor; an int -1 wraps for
    uint8 in full (torch.tensor refuses it)."""
    check(lambda m: m.full((2,), fill, dtype=getattr(m, dtype)))
    check(lambda m: m.tensor([fill, 0.5], dtype=getattr(m, dtype)))
    check(lambda m: m.tensor(fill, dtype=getattr(m, dtype)))


def test_the_largest_int64_float_converts_as_c10_does():
    """double(2**63) passes c10's range check for int64 and converts to its minimum on x86."""
    check(lambda m: m.full((1,), 2.0**63, dtype=m.int64))
    check(lambda m: m.tensor([2.0**63], dtype=m.int64))
    check(lambda m: m.full((1,), 2.0**64, dtype=m.int64))


NUMPY_FILLS = ["bool_", "int32", "uint8", "float16", "float64", "complex128", "longdouble"]


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize("kind", [*NUMPY_FILLS, "complex64"])
def test_a_numpy_scalar_fill_is_a_python_number(kind):
    """full's fill is a Scalar: a numpy integer infers int64, complex128 (a Python complex)
    the default complex dtype, any other numpy number (bool_, complex64 too) a float."""
    import numpy as np

    value = getattr(np, kind)(1 + 2j if kind.startswith("complex") else 3)
    check(lambda m: m.full((2,), value), warns=False)
    check(lambda m: m.zeros(2).fill_(value), warns=False)


def test_a_bfloat16_scalar_is_no_fill():
    import ml_dtypes

    check(lambda m: m.full((2,), ml_dtypes.bfloat16(1.5)))


VIEW_DTYPES = [
    lambda m: m.zeros(3, 4)[:, ::2].view(m.float64),
    lambda m: m.zeros(3, 3).view(m.float64),
    lambda m: m.zeros(10)[1:5].view(m.float64),
    lambda m: m.zeros(3, 5)[:, :4].view(m.float64),
    lambda m: m.zeros(2, 0).view(m.float64),
    lambda m: m.zeros(0).view(m.float64),
    lambda m: m.zeros(3, 4)[:, ::2].view(m.float16),
    lambda m: m.zeros(3, 4)[1:].view(m.int16),
]


@pytest.mark.parametrize("call", VIEW_DTYPES)
def test_a_dtype_view_checks_strides_and_offset_in_torchs_order(call):
    """Viewing as a wider dtype needs a unit last stride, then a divisible last size, offset
    and other strides (an empty tensor too); a narrower one the unit last stride only."""
    check(call)


@pytest.mark.parametrize("spelling", ["cpu", "cpu:0", "cpu:1"])
@pytest.mark.parametrize(
    "make",
    [
        lambda m, d: m.zeros(2, device=d),
        lambda m, d: m.tensor([1.0], device=d),
        lambda m, d: m.arange(3).to(d),
        lambda m, d: m.ones(2).to(device=d, dtype=m.float64),
        lambda m, d: m.zeros_like(m.ones(2), device=d),
    ],
)
def test_a_cpu_tensor_has_no_device_index(spelling, make):
    """torch.device('cpu:1') keeps its index; a tensor made there lives on the CPU device."""
    check(lambda m: str(make(m, spelling).device))
    check(lambda m: str(make(m, m.device(spelling)).device))


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.linalg.vector_norm(m.tensor([[3.0, 4.0]]), dim=m.tensor(1)),
        lambda m: m.linalg.vector_norm(m.tensor([[3.0, 4.0]]), 1, m.tensor(-1), True),
        lambda m: m.linalg.norm(m.tensor([[3.0, 4.0]]), dim=m.tensor(0)),
    ],
)
def test_a_norm_dim_may_be_a_0dim_integer_tensor(call):
    check(call)
