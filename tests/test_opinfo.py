"""``torchconform opinfo``: PyTorch's own sample inputs through a library, beside torch."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.reference_adapter import ReferenceAdapter
from adapters.torch_adapter import TorchAdapter
from conformance.cli import main
from conformance.opinfo import CrossCheck, compare_leaves, opinfos
from tests.broken.base import Patched

pytest.importorskip("torch.testing._internal.common_methods_invocations")


def _verdicts(adapter: Any, name: str) -> list:
    check = CrossCheck(adapter, TorchAdapter())
    return [o for ops in opinfos([name]).values() for o in check.run(name, ops)]


@pytest.mark.parametrize(
    "name", ["torch.sin", "torch.atan2", "torch.topk", "torch.gather", "torch.normal",
             "torch.cat", "torch.amax"],
)
def test_the_reference_agrees_with_torch_on_its_samples(name: str) -> None:
    outcomes = _verdicts(ReferenceAdapter(), name)
    assert outcomes and any(o.verdict == "agree" for o in outcomes)
    assert [o for o in outcomes if o.verdict == "disagree"] == []


class TopkIndicesShifted(Patched):
    """topk's values are right, its indices point one place further along."""

    patches = {"torch.topk": "topk"}

    def topk(self, *args: Any, **kwargs: Any) -> Any:
        values, indices = self.ref.topk(*args, **kwargs)
        return values, (indices + 1) % max(1, int(args[0].shape[-1]) if args[0].ndim else 1)


class NormalReparametrised(Patched):
    """normal passes gradients back to mean and std (torch passes zeros)."""

    patches = {"torch.normal": "normal"}

    def normal(self, mean: Any, std: Any = 1.0, *args: Any, **kwargs: Any) -> Any:
        ref = self.ref
        if isinstance(mean, ref.Tensor) and mean.requires_grad and not args:
            return ref.normal(mean.detach(), std, **kwargs) - mean.detach() + mean
        return ref.normal(mean, std, *args, **kwargs)


@pytest.mark.parametrize(
    ("adapter", "name"),
    [(TopkIndicesShifted, "torch.topk"), (NormalReparametrised, "torch.normal")],
)
def test_broken_libraries_disagree(adapter: type, name: str) -> None:
    outcomes = _verdicts(adapter(), name)
    assert any(o.verdict == "disagree" for o in outcomes)


def test_tied_indices_that_pick_equal_values_agree() -> None:
    """topk([1, 1, 1, 2], 2): torch picks indices [3, 2]; [3, 0] is as good (unspecified)."""
    outcomes = _verdicts(ReferenceAdapter(), "torch.topk")
    assert any("tied" in o.detail for o in outcomes if o.verdict == "agree")


def test_compare_leaves_names_what_differs() -> None:
    import numpy as np

    def leaf(*values: float) -> list:
        return [("tensor", "float32", np.array(values, np.float32))]

    assert compare_leaves(leaf(1.0, 2.0), leaf(1.0, 2.0)) == ""
    assert "1 of 2 values differ" in compare_leaves(leaf(1.0, 2.0), leaf(1.0, 2.5))
    assert "shape" in compare_leaves(leaf(1.0, 2.0), leaf(1.0))
    assert compare_leaves(leaf(1.0, 2.0), leaf(1.0, 2.0) * 2).startswith("2 outputs")


def test_the_command_writes_opinfo_json(tmp_path, capsys) -> None:
    code = main(["opinfo", "--adapter", "reference", "--ops", "torch.atan2", "--out",
                 str(tmp_path)])
    record = json.loads((tmp_path / "opinfo.json").read_text())
    assert code == 0
    assert record["summary"]["disagree"] == 0 and record["summary"]["agree"] > 100
    assert set(record["summary"]["items"]) == {"torch.atan2"}
    assert "100.00% agree" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--adapter", "nope"], "unknown adapter 'nope'"),
     (["--adapter", "reference", "--ops", "torch.nothing"], "matches no spec'd item")],
)
def test_bad_usage_is_one_line_and_exit_2(tmp_path, capsys, args: list, message: str) -> None:
    assert main(["opinfo", *args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "opinfo.json").exists()


class NoComplexNoAutograd(ReferenceAdapter):
    """A library without autograd whose tensors cannot hold complex numbers."""

    capabilities = ReferenceAdapter.capabilities - {"autograd", "complex"}

    def __init__(self) -> None:
        super().__init__()
        self.capabilities = type(self).capabilities

    def from_numpy(self, array: Any) -> Any:
        if array.dtype.kind == "c":
            raise TypeError(f"no {array.dtype} here")
        return super().from_numpy(array)


def test_samples_a_library_cannot_hold_are_skipped_and_gradients_need_autograd() -> None:
    outcomes = _verdicts(NoComplexNoAutograd(), "torch.sin")
    complex_ = [o for o in outcomes if o.dtype.startswith("complex")]
    assert complex_ and all(o.verdict == "skipped" for o in complex_)
    assert all(o.verdict == "agree" for o in outcomes if o not in complex_)
