"""Gradient checks from ``differentiable:`` blocks: the schema, the cases, and that they fail."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from adapters.torch_adapter import TorchAdapter
from conformance import gradients
from conformance.cases import build_cases
from conformance.drawing import Settings
from conformance.runner import Outcome, run_case
from conformance.session import RunConfig, Session
from spec.loader import Spec, SpecError, load_spec

KINDS = ("gradient", "gradcheck", "gradgradcheck", "nondifferentiable")

SPEC = """\
section: "9.9"
title: Test
items:
  - name: {name}
    kind: function
    dtypes: [float32, float64]
    inputs:
      input: "{input}"
    call: {call}
    differentiable:
{block}
"""


def _spec(tmp_path: Path, block: str, name: str = "torch.sin", **fields: str) -> Path:
    text = SPEC.format(
        name=name,
        input=fields.get("input", "tensor(low=-4, high=4)"),
        call=fields.get("call", f"{name}(input)"),
        block=block,
    )
    (tmp_path / "a.yaml").write_text(text)
    return tmp_path


@functools.cache
def _builtin() -> Spec:
    return load_spec()


def _run(
    adapter: Any, ops: list[str], spec: Path | None = None, kinds: tuple[str, ...] = KINDS
) -> dict[str, Outcome]:
    """Outcomes of the gradient cases of ``ops`` (without shrinking, for speed)."""
    cases = [
        c for c in build_cases(load_spec(spec) if spec else _builtin(), ops) if c.check in kinds
    ]
    assert cases
    opts = Settings(max_examples=10, shrink=False)
    return {c.id: run_case(c, adapter, opts) for c in cases}


@pytest.fixture
def needs_torch() -> None:
    pytest.importorskip("torch")


class WrongSinBackward(TorchAdapter):
    """torch, except that sin's backward multiplies by sin instead of cos."""

    name = "wrong_sin_backward"
    import_line = ""  # reproducers reach the patched sin through the adapter

    def resolve(self, name: str) -> Any:
        if name != "torch.sin":
            return super().resolve(name)
        torch = self.root()

        class Sin(torch.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                ctx.save_for_backward(x)
                return torch.sin(x)

            @staticmethod
            def backward(ctx: Any, grad: Any) -> Any:
                (x,) = ctx.saved_tensors
                return grad * torch.sin(x)

        return Sin.apply


class WithoutAutograd(TorchAdapter):
    """torch, claiming no autograd (as an oracle that cannot differentiate)."""

    name = "without_autograd"

    def __init__(self) -> None:
        super().__init__()
        self.capabilities = self.capabilities - {"autograd"}


# ----- the checks on torch and on broken libraries ----------------------------------------


@pytest.mark.usefixtures("needs_torch")
def test_torch_passes_its_gradient_checks() -> None:
    ops = ["torch.sin", "torch.amax", "torch.max", "torch.stack", "torch.chunk", "torch.argmax"]
    outcomes = _run(TorchAdapter(), ops)  # tuple outputs (max, chunk), a list input (stack)
    assert {o.status for o in outcomes.values()} == {"passed"}, outcomes
    kinds = {i.split("-")[-1].rstrip("]") for i in outcomes}
    assert kinds == set(KINDS)


@pytest.mark.usefixtures("needs_torch")
def test_wrong_backward_is_caught_with_evidence() -> None:
    outcomes = _run(WrongSinBackward(), ["torch.sin"])
    failed = {i for i, o in outcomes.items() if o.status == "failed"}
    assert {"torch.sin[float32-gradient]", "torch.sin[float64-gradcheck]"} <= failed
    check = outcomes["torch.sin[float64-gradcheck]"]
    assert re.search(r"worst at input(\[[\d, ]*\])?: analytic \S+, numeric \S+", check.message)
    assert "requires_grad=True" in (check.counterexample or "")
    assert "torch.autograd.grad(torch.sin(input), [input], grad_outputs" in (check.reproducer or "")
    assert gradients.FORMULA in outcomes["torch.sin[float32-gradient]"].message


@pytest.mark.usefixtures("needs_torch")
def test_a_kink_is_skipped_not_reported(tmp_path: Path) -> None:
    # relu'(0) is 0 in torch, the central difference at 0 is 0.5: only skipping passes.
    spec = _spec(tmp_path, "      wrt: [input]", name="torch.relu", input="np.zeros(3, dtype)")
    outcomes = _run(TorchAdapter(), ["torch.relu"], spec, ("gradcheck", "gradgradcheck"))
    assert {o.status for o in outcomes.values()} == {"passed"}, outcomes


def test_kinks_and_jumps_are_not_differentiable_points() -> None:
    def relu(arrays: list[np.ndarray]) -> list[np.ndarray]:
        return [np.maximum(arrays[0], 0.0)]

    def sign(arrays: list[np.ndarray]) -> list[np.ndarray]:
        return [np.sign(arrays[0])]  # one-sided differences agree at 0: a symmetric jump

    x, v = [np.array([0.0, 1.0])], [np.ones(2)]
    for f in (relu, sign):
        found = gradients._numeric(f, x, v, [(0, 0), (0, 1)])
        assert not found[(0, 0)].smooth and found[(0, 1)].smooth, f.__name__
    smooth = gradients._numeric(lambda a: [np.sin(a[0])], x, v, [(0, 0), (0, 1)])
    assert [round(e.central, 6) for e in smooth.values()] == [1.0, round(np.cos(1.0), 6)]


@pytest.mark.usefixtures("needs_torch")
def test_a_nondifferentiable_op_with_a_gradient_is_caught(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "      wrt: []", name="torch.clone")
    (outcome,) = _run(TorchAdapter(), ["torch.clone"], spec).values()
    assert outcome.status == "failed"
    assert "declared not differentiable" in outcome.message


def test_gradient_is_skipped_while_the_oracle_has_no_autograd(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("torch")
    monkeypatch.setattr(gradients, "ORACLE", "tests.test_gradients:WithoutAutograd")
    outcomes = _run(TorchAdapter(), ["torch.sin"])
    assert outcomes["torch.sin[float32-gradient]"].status == "skipped"
    assert outcomes["torch.sin[float64-gradcheck]"].status == "passed"


# ----- cases -------------------------------------------------------------------------------


def test_cases_per_block(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "      wrt: [input]\n      second_order: false")
    cases = [c for c in build_cases(load_spec(spec)) if c.check in KINDS]
    assert [c.id for c in cases] == [
        "torch.sin[float32-gradient]",
        "torch.sin[float64-gradient]",
        "torch.sin[float64-gradcheck]",
    ]
    assert all("autograd" in c.capabilities for c in cases)
    spec = _spec(tmp_path, "      wrt: []\n      dtypes: [float64]")
    (case,) = [c for c in build_cases(load_spec(spec)) if c.check in KINDS]
    assert case.id == "torch.sin[float64-nondifferentiable]"


def test_adapters_without_autograd_skip_them() -> None:
    pytest.importorskip("torch")
    cases = [c for c in build_cases(_builtin(), ["torch.sin"]) if c.check in KINDS]
    config = RunConfig(adapter="without_autograd")
    session = Session(config, WithoutAutograd(), _builtin(), cases, [], Settings())
    assert {session.run(case).status for case in cases} == {"skipped"}


def test_override_inputs_are_drawn_before_the_input_they_feed(tmp_path: Path) -> None:
    block = '      wrt: [input]\n      inputs:\n        size: "tensor()"\n        input: "size + 1"'
    item = load_spec(_spec(tmp_path, block)).entries[0].item
    assert item.differentiable is not None
    assert list(item.differentiable.merged_inputs(item.inputs)) == ["size", "input"]


# ----- the schema ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "line", "field", "message"),
    [
        ("      wrt: [input, other]", 11, "differentiable.wrt[1]", "'other' is not an input"),
        ("      wrt: [input]\n      dtypes: [int64]", 12, "differentiable.dtypes", "floating"),
        ("      wrt: [input]\n      call: torch.sin(y)", 12, "differentiable.call", "['y']"),
        ("      wrt: [input]\n      colour: red", 12, "differentiable.colour", "Extra inputs"),
        ("      wrt: [input, input]", 11, "differentiable.wrt", "names repeat"),
        (
            "      wrt: [input]\n      derivative: {input: grad, other: grad}",
            12,
            "differentiable.derivative.other",
            "'other' is not in 'wrt'",
        ),
        (
            '      wrt: [input, other]\n      inputs: {other: "tensor()"}\n'
            "      derivative: {input: grad}",
            13,
            "differentiable.derivative",
            "no formula for the wrt inputs ['other']",
        ),
    ],
)
def test_block_mistakes_name_file_line_and_field(
    tmp_path: Path, block: str, line: int, field: str, message: str
) -> None:
    with pytest.raises(SpecError) as info:
        load_spec(_spec(tmp_path, block))
    (problem,) = info.value.problems
    where = rf".*a\.yaml:{line}: items\[0\]\(torch\.sin\)\.{re.escape(field)}: "
    assert re.match(where + rf".*{re.escape(message)}", problem), problem


def _takes_floating_tensors(item: Any) -> bool:
    """A call, or a module's forward, over drawn floating tensors."""
    sources = [expr.source for expr in getattr(item, "inputs", {}).values()]
    drawn = any(re.search(r"\b(tensor|stackable|concatenable)\(", s) for s in sources)
    called = item.kind == "nn_module" or getattr(item, "call", None) is not None
    return called and drawn and bool({"float32", "float64"} & set(item.dtype_list))


def test_builtin_ops_declare_differentiability() -> None:
    """Every op on floating tensors says whether it is differentiable; creation and random
    sampling (new tensors, not functions of the input's values) are exempt."""
    missing = [
        e.item.name
        for e in _builtin().entries
        if _takes_floating_tensors(e.item)
        and e.item.differentiable is None
        and e.section not in ("2.1.1", "2.2")
        and not e.item.name.startswith("torch.Tensor.new_")
    ]
    assert not missing


def test_a_cancelled_sum_is_held_to_its_terms_size() -> None:
    """A gradient element that sums large terms to a small value keeps their rounding: its
    bound follows the terms' size where the entry declares accumulated sums; a wrong value is
    still far outside it."""
    tolerance = (1.5e-6, 1e-5)
    want, terms = [np.array([1e-3])], [np.array([4.0e4])]
    rounded, wrong = [np.array([1e-3 + 3e-2])], [np.array([1e-3 + 4.0e2])]
    element = (0, 0)
    assert not gradients._agrees(rounded, want, element, tolerance)
    assert gradients._agrees(rounded, want, element, tolerance, terms)
    assert not gradients._agrees(wrong, want, element, tolerance, terms)


@pytest.mark.parametrize(
    ("item", "profile", "seed"),
    [("torch.nn.Linear", "thorough", 0), ("torch.nn.Bilinear", "standard", 2)],
)
def test_torch_float32_linear_gradients_that_cancel_pass(
    item: str, profile: str, seed: int
) -> None:
    """The draws where float32 Linear and Bilinear gradients cancelled and were blamed on torch."""
    session = Session.open(RunConfig(adapter="torch", ops=[item], profile=profile, seed=seed))
    case = next(c for c in session.cases if c.check == "gradient" and c.dtype == "float32")
    outcome = session.run(case)
    assert outcome.status == "passed", outcome.message


def test_the_reference_is_witnessed_by_differences_not_by_itself(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The reference is the gradient oracle: where an entry has no derivative formulas, its
    own gradient cases take central differences of its float64 forward as the witness, so a
    wrong derivative in the reference is caught either way."""
    from adapters.reference_adapter import ReferenceAdapter
    from reference.autograd import _formulas
    from reference.autograd._graph import Formula

    bare = _spec(tmp_path, "      wrt: [input]")  # torch.sin without derivative formulas
    witnesses = [(bare, gradients.WITNESSES[True]), (None, gradients.FORMULA)]
    for spec, witness in witnesses:
        sound = _run(ReferenceAdapter(), ["torch.sin"], spec, ("gradient",))
        assert {o.status for o in sound.values()} == {"passed"}
        assert {o.message for o in sound.values()} == {f"witness: {witness}"}
    wrong = Formula(lambda n, g: (g * n.saved_input(0).sin(),), inputs="all")
    monkeypatch.setitem(_formulas.UNARY, "sin", wrong)
    for spec, witness in witnesses:
        broken = _run(ReferenceAdapter(), ["torch.sin"], spec, ("gradient",))
        assert {o.status for o in broken.values()} == {"failed"}
        assert f"gradient vs {witness}" in broken["torch.sin[float64-gradient]"].message


@pytest.mark.usefixtures("needs_torch")
def test_other_libraries_are_witnessed_by_the_formulas_or_the_reference(tmp_path: Path) -> None:
    outcomes = _run(TorchAdapter(), ["torch.sin"], kinds=("gradient",))
    assert {o.message for o in outcomes.values()} == {f"witness: {gradients.FORMULA}"}
    bare = _spec(tmp_path, "      wrt: [input]")
    outcomes = _run(TorchAdapter(), ["torch.sin"], bare, kinds=("gradient",))
    assert {o.message for o in outcomes.values()} == {f"witness: {gradients.WITNESSES[False]}"}


@pytest.mark.usefixtures("needs_torch")
def test_a_wrong_derivative_formula_is_caught_by_torch(tmp_path: Path) -> None:
    """The formulas are the spec's own claims: torch checks them as it checks the oracles."""
    block = '      wrt: [input]\n      derivative: {input: "grad * np.sin(input)"}'
    outcomes = _run(TorchAdapter(), ["torch.sin"], _spec(tmp_path, block), ("gradient",))
    assert {o.status for o in outcomes.values()} == {"failed"}
    message = outcomes["torch.sin[float64-gradient]"].message
    assert re.search(r"worst at input\S*: got \S+, formula \S+", message), message


@pytest.mark.usefixtures("needs_torch")
def test_a_formula_of_the_wrong_shape_is_a_spec_mistake(tmp_path: Path) -> None:
    block = '      wrt: [input]\n      derivative: {input: "np.sum(grad)"}'
    spec = _spec(tmp_path, block, input="tensor(min_dims=1, min_side=2)")
    outcomes = _run(TorchAdapter(), ["torch.sin"], spec, ("gradient",))
    assert all("a mistake of the spec" in o.message for o in outcomes.values()), outcomes


MODULE = """\
section: "9.9"
title: Test
items:
  - name: torch.nn.Identity
    kind: nn_module
    dtypes: [float64]
    construct: torch.nn.Identity()
    inputs:
      input: "tensor()"
    oracle: input
    differentiable:
      wrt: [input]
      derivative: {input: grad}
"""


def test_a_module_has_no_derivative_formulas(tmp_path: Path) -> None:
    """Formulas are for function entries; a module's gradients go to the reference."""
    (tmp_path / "a.yaml").write_text(MODULE)
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path)
    (problem,) = info.value.problems
    assert re.match(r".*a\.yaml:13: .*differentiable\.derivative: .*function entries", problem)
