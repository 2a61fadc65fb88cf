"""The optimizer and lr_scheduler kinds: a trajectory run on torch passes, realistic bugs in
an optimizer or a scheduler are caught, and mistakes in such entries are file:line errors."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from adapters.torch_adapter import TorchAdapter
from conformance.session import RunConfig, Session
from spec.loader import SpecError, load_spec

pytest.importorskip("torch")

SPEC = Path(__file__).resolve().parent / "specs" / "optim"


class _Patched(TorchAdapter):
    """Real torch with one optimizer or scheduler replaced by a buggy subclass."""

    name = "broken-optim"
    patched: str = ""

    def resolve(self, name: str) -> Any:
        return self.replacement if name == self.patched else super().resolve(name)


class SGDIgnoresNesterov(_Patched):
    """nesterov=True behaves as plain momentum."""

    patched = "torch.optim.SGD"

    @cached_property
    def replacement(self) -> type:
        base = self._torch.optim.SGD

        class SGD(base):
            def __init__(self, params: Any, **options: Any) -> None:
                options["nesterov"] = False
                super().__init__(params, **options)

        return SGD


class SGDWeightDecayAfterMomentum(_Patched):
    """Weight decay applied to the parameter directly (decoupled), not added to the gradient."""

    patched = "torch.optim.SGD"

    @cached_property
    def replacement(self) -> type:
        torch = self._torch
        base = torch.optim.SGD

        class SGD(base):
            def __init__(self, params: Any, **options: Any) -> None:
                self.decay = options.pop("weight_decay", 0.0)
                super().__init__(params, **options)

            @torch.no_grad()
            def step(self, closure: Any = None) -> Any:
                super().step(closure)
                for group in self.param_groups:
                    for p in group["params"]:
                        p.mul_(1 - group["lr"] * self.decay)

        return SGD


class StepLROffByOne(_Patched):
    """The rate decays one epoch late (at step_size + 1, 2 * step_size + 1, ...)."""

    patched = "torch.optim.lr_scheduler.StepLR"

    @cached_property
    def replacement(self) -> type:
        base = self._torch.optim.lr_scheduler.StepLR

        class StepLR(base):
            def get_lr(self) -> list[float]:
                if self.last_epoch == 0 or (self.last_epoch - 1) % self.step_size:
                    return [group["lr"] for group in self.optimizer.param_groups]
                return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

        return StepLR


def _statuses(adapter: str) -> dict[str, str]:
    session = Session.open(RunConfig(adapter=adapter, spec_dir=str(SPEC)))
    session.settings.shrink = False  # finding the bug is enough; shrinking it costs time
    return {case.id: session.run(case).status for case in session.cases}


def test_torch_passes_the_trajectories() -> None:
    statuses = _statuses("torch")
    assert statuses and set(statuses.values()) == {"passed"}, statuses


@pytest.mark.parametrize(
    ("adapter", "item"),
    [
        ("SGDIgnoresNesterov", "torch.optim.SGD"),
        ("SGDWeightDecayAfterMomentum", "torch.optim.SGD"),
        ("StepLROffByOne", "torch.optim.lr_scheduler.StepLR"),
    ],
)
def test_broken_optimizers_are_caught(adapter: str, item: str) -> None:
    statuses = _statuses(f"{__name__}:{adapter}")
    failed = [i for i, s in statuses.items() if i.startswith(item + "[") and s == "failed"]
    assert failed, statuses


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("steps: 4", "steps: 5000"), "items[0](torch.optim.SGD).steps"),
        (("epochs: 9", "epochs: -1"), "items[1](torch.optim.lr_scheduler.StepLR).epochs"),
        (
            ("construct: torch.optim.lr_scheduler.StepLR(optimizer,", "construct: f(x,"),
            "items[1](torch.optim.lr_scheduler.StepLR).construct",
        ),
        (("    update: >-", "    updates: >-"), "items[0](torch.optim.SGD)"),
    ],
)
def test_mistakes_are_file_line_errors(tmp_path: Path, change: tuple[str, str], where: str) -> None:
    text = (SPEC / "10_optim.yaml").read_text(encoding="utf-8")
    assert change[0] in text
    (tmp_path / "10_optim.yaml").write_text(text.replace(change[0], change[1]), encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_spec(tmp_path)
    assert any("10_optim.yaml:" in p and where in p for p in err.value.problems), err.value
