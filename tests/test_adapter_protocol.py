"""What an adapter does not claim: an item it lacks is `unsupported` once per case, a missing
capability skips exactly the cases that need it (complex dtypes, out=, in-place, autograd per
item), and without strided views the inputs arrive as contiguous copies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from adapters.base import TORCH_LIKE, MissingItem
from adapters.torch_adapter import TorchAdapter
from conformance import features, layouts
from conformance.generators import Strided
from conformance.session import RunConfig, Session
from spec.dtypes import ALL
from spec.expr import parse, where

ROOT = Path(__file__).resolve().parents[1]


class Limited(TorchAdapter):
    """torch without atan2, complex, out=, in-place, strided views, and sin's gradient."""

    name = "limited"
    complete = False
    withheld = {"torch.sin": frozenset({"autograd"})}

    def __init__(self) -> None:
        super().__init__()
        self.capabilities = self.capabilities - TORCH_LIKE

    def resolve(self, name: str) -> Any:
        if name == "torch.atan2":
            raise MissingItem("limited has no torch.atan2")
        return super().resolve(name)


def _outcomes(ops: list[str]) -> dict[str, Any]:
    session = Session.open(RunConfig(adapter="tests.test_adapter_protocol:Limited", ops=ops))
    return {case.id: (case, session.run(case)) for case in session.cases}


def test_a_missing_item_is_unsupported_and_runs_nothing() -> None:
    found = _outcomes(["torch.atan2"])
    assert {o.status for _, o in found.values()} == {"unsupported"}
    assert all(o.message == "limited has no torch.atan2" for _, o in found.values())
    assert all(o.duration_s == 0 for _, o in found.values())


def test_missing_capabilities_skip_only_the_cases_that_need_them() -> None:
    found = _outcomes(["torch.sin"])
    lacking = TORCH_LIKE | {"autograd"}
    for case, outcome in found.values():
        if missing := sorted(lacking.intersection(case.capabilities)):
            assert outcome.status == "skipped", case.id
            assert outcome.message == f"the adapter does not claim {', '.join(missing)}"
        else:
            assert outcome.status == "passed", (case.id, outcome.message)
    needed = {c.id: set(c.capabilities) for c, _ in found.values()}
    assert "complex" in needed["torch.sin[function-complex64-oracle]"]
    assert "out_variant" in needed["torch.sin[out-float32-oracle]"]
    assert "autograd" in needed["torch.sin[float64-gradcheck]"]
    assert needed["torch.sin[function-float32-oracle]"] == set()
    assert sum(o.status == "passed" for _, o in found.values()) >= 10


def test_expressions_tell_what_they_need() -> None:
    def needs(source: str) -> set[str]:
        return features.needed("example", None, None, [parse(source)])

    assert needs("torch.sin(torch.tensor([1.0], requires_grad=True))") == {"autograd"}
    assert needs("torch.sin(torch.tensor([1j]))") == {"complex"}
    assert needs("torch.zeros(2, dtype=torch.cfloat).sum()") == {"complex"}
    assert needs("torch.sin(torch.tensor([1.0])).is_complex()") == set()
    assert features.needed("oracle", "out", "complex128", []) == {"out_variant", "complex"}
    assert features.needed("contract", "inplace", "float32", []) == {"inplace_variant"}


class NoHalfNoDouble(TorchAdapter):
    """torch without float16 and float64 (the library has neither dtype)."""

    name = "no_half_no_double"
    dtypes = frozenset(ALL) - {"float16", "float64"}


def test_a_dtype_the_library_lacks_skips_the_cases_that_run_in_it_or_name_it() -> None:
    adapter = "tests.test_adapter_protocol:NoHalfNoDouble"
    session = Session.open(RunConfig(adapter=adapter, ops=["torch.sin"]))
    outcomes = {case.id: session.run(case) for case in session.cases}
    assert outcomes["torch.sin[function-float16-oracle]"].message == (
        "the adapter does not claim float16"
    )
    assert outcomes["torch.sin[float64-gradcheck]"].status == "skipped"
    assert outcomes["torch.sin[function-float32-oracle]"].status == "passed"
    example = session.cases[[c.id for c in session.cases].index("torch.sin[example-3]")]
    assert "torch.float64" in example.entry.item.examples[3].call.source
    assert outcomes[example.id].message == "the adapter does not claim float64"
    records = {r["id"]: r for r in session.results().model_dump()["cases"]}
    assert records["bootstrap[roundtrip:float16]"]["status"] == "skipped"
    assert (
        records["bootstrap[roundtrip:float16]"]["message"] == "the adapter does not claim float16"
    )
    assert records["bootstrap[roundtrip:float32]"]["status"] == "passed"


def test_dtypes_named_by_expressions() -> None:
    named = features.dtypes_named([parse("torch.zeros(2, dtype=torch.double) + x.to(float16)")])
    assert named == {"float64", "float16"}
    assert features.dtypes_named([parse("int(x) + float(y)")]) == set()


def test_withheld_capabilities_apply_to_matching_items_only() -> None:
    adapter = Limited()
    assert "autograd" not in adapter.capabilities_for("torch.sin")
    assert "autograd" in adapter.capabilities_for("torch.cos")


def test_without_strided_views_inputs_are_contiguous_copies() -> None:
    values = np.arange(6.0).reshape(2, 3)
    for layout in ("transposed", "sliced"):
        strided = Strided(values, layout)
        plain = layouts.to_library(strided, Limited())
        viewed = layouts.to_library(strided, TorchAdapter())
        assert plain.is_contiguous() and not viewed.is_contiguous()
        assert np.array_equal(plain.numpy(), values) and np.array_equal(viewed.numpy(), values)


class NoTranspose(TorchAdapter):
    """torch whose adapter cannot build transposed views."""

    name = "no-transpose"

    def view(self, tensor: Any, layout: str, shape: tuple[int, ...]) -> Any:
        if layout == "transposed":
            raise AttributeError("'Tensor' object has no attribute 'permute'")
        return super().view(tensor, layout, shape)


def test_a_failure_names_the_call_that_raised() -> None:
    session = Session.open(
        RunConfig(adapter="tests.test_adapter_protocol:NoTranspose", ops=["torch.sin"])
    )
    session.settings.max_examples = 250  # enough to draw a transposed input
    case = next(c for c in session.cases if c.id == "torch.sin[function-float32-oracle]")
    outcome = session.run(case)
    assert outcome.status == "error"
    assert outcome.message.endswith(
        "(in building the input: adapter.view(tensor, 'transposed', shape))"
    )


def test_the_innermost_failing_call_of_an_expression_is_named() -> None:
    import torch

    env = {"torch": torch, "x": np.ones((2, 3))}
    try:
        parse("torch.cat([x.permute(1, 0), x])").evaluate(env)
    except AttributeError as exc:
        assert where(exc) == "x.permute"
    else:
        raise AssertionError("a numpy array has no permute")
    try:
        parse("torch.cat([x.T, torch.sin(x.T)], dim=5)").evaluate({**env, "x": torch.ones(2, 3)})
    except Exception as exc:  # noqa: BLE001 - whatever the library raises
        assert where(exc) == "torch.cat([x.T, torch.sin(x.T)], dim=5)"
    else:
        raise AssertionError("a 2-d tensor has no dim 5")


class CosForSin(TorchAdapter):
    """A library whose sin is cos, whose tensors reproducers must build as the run did."""

    name = "cos-for-sin"
    import_line = ""
    tensor_literals = False

    def resolve(self, name: str) -> Any:
        return super().resolve("torch.cos" if name == "torch.sin" else name)


def test_reproducers_build_inputs_through_the_adapter() -> None:
    session = Session.open(
        RunConfig(adapter="tests.test_adapter_protocol:CosForSin", ops=["torch.sin"])
    )
    case = next(c for c in session.cases if c.id == "torch.sin[function-float64-oracle]")
    outcome = session.run(case)
    assert outcome.status == "failed" and outcome.reproducer
    script = outcome.reproducer
    assert "adapter = load_adapter('tests.test_adapter_protocol:CosForSin')" in script
    assert "input = adapter.from_numpy(np.array(" in script or "adapter.view(" in script
    assert "torch.tensor(" not in script
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0 and "tensor(" in run.stdout, script + run.stderr


class Int32ByDefault(TorchAdapter):
    """A library whose torch.tensor makes int32 from Python ints."""

    name = "int32-by-default"
    import_line = ""

    def resolve(self, name: str) -> Any:
        found = super().resolve(name)
        if name != "torch.tensor":
            return found

        def tensor(data: Any, *args: Any, **kwargs: Any) -> Any:
            made = found(data, *args, **kwargs)
            from_ints = "dtype" not in kwargs and isinstance(data, (list, tuple, int))
            return made.int() if from_ints and made.dtype == self._torch.int64 else made

        return tensor


def test_a_default_dtype_difference_fails_its_own_examples_only() -> None:
    session = Session.open(
        RunConfig(adapter="tests.test_adapter_protocol:Int32ByDefault", ops=["torch.tensor"])
    )
    outcomes = {case.id: session.run(case) for case in session.cases}
    assert "tensor_from_list" not in session.bootstrap.failures
    failed = {i for i, o in outcomes.items() if o.status == "failed"}
    assert failed and all("example" in i for i in failed)
    assert not any(o.status == "blocked" for o in outcomes.values())


class BrokenComplex(TorchAdapter):
    """A library that claims complex tensors but loses their imaginary parts on the way in."""

    name = "broken-complex"

    def from_numpy(self, array: np.ndarray) -> Any:
        return super().from_numpy(array.real.copy() if array.dtype.kind == "c" else array)


def test_examples_with_complex_literals_are_blocked_when_complex_conversion_fails() -> None:
    session = Session.open(
        RunConfig(adapter="tests.test_adapter_protocol:BrokenComplex", ops=["torch.sin"])
    )
    complex_example = next(
        c for c in session.cases if c.check == "example" and "complex" in c.capabilities
    )
    outcome = session.run(complex_example)
    assert outcome.status == "blocked" and "roundtrip:complex" in outcome.message


class NoAcosMethod(Limited):
    """A library whose tensors have no acos method (torch.acos exists)."""

    name = "no-acos-method"

    def from_numpy(self, array: np.ndarray) -> Any:
        return _NoAcos(super().from_numpy(array))


class _NoAcos:
    """A tensor stand-in without ``acos``, passing everything else to the tensor."""

    def __init__(self, tensor: Any) -> None:
        self._tensor = tensor

    def __getattr__(self, name: str) -> Any:
        if name == "acos":
            raise AttributeError("'_NoAcos' object has no attribute 'acos'")
        return getattr(self._tensor, name)


def test_a_missing_method_is_unsupported_and_a_complete_library_errs() -> None:
    session = Session.open(
        RunConfig(adapter="tests.test_adapter_protocol:NoAcosMethod", ops=["torch.acos"])
    )
    case = next(c for c in session.cases if c.id == "torch.acos[method-float32-oracle]")
    outcome = session.run(case)
    assert outcome.status == "unsupported"
    assert outcome.message.endswith("torch's tensors have no method acos")
    session.adapter.complete = True  # torch itself lacking an item is a failure
    assert session.run(case).status == "error"
    session = Session.open(
        RunConfig(adapter="tests.test_adapter_protocol:Limited", ops=["torch.atan2"])
    )
    session.adapter.complete = True
    assert {session.run(c).status for c in session.cases} == {"error"}


class _Bare:
    """A tensor type with no methods."""


class BareTensors(TorchAdapter):
    name = "bare"
    library = "barelib"

    def is_tensor(self, obj: Any) -> bool:
        return isinstance(obj, _Bare)


def test_a_method_missing_from_the_librarys_tensors_is_unsupported_not_an_error() -> None:
    from conformance.runner import _missing_attribute

    adapter = BareTensors()
    with pytest.raises(AttributeError) as lacked:
        _Bare().stride()  # type: ignore[attr-defined]
    assert _missing_attribute(lacked.value, adapter) == "barelib's tensors have no attribute stride"
    with pytest.raises(AttributeError) as other:
        object().stride()  # type: ignore[attr-defined]
    assert _missing_attribute(other.value, adapter) is None  # not the library's tensor: an error
    assert _missing_attribute(AttributeError("made by hand"), adapter) is None
