"""Broken adapters for generators and random sampling (section 2.2).

Each bug keeps shapes, dtypes and the value range plausible, so only the checks of what the
numbers are (determinism, state round trips, generator independence, distributions) see it.
"""

from __future__ import annotations

import weakref
from typing import Any

import reference
from tests.broken.base import Patched


class ManualSeedSeedsACopy(Patched):
    """torch.manual_seed seeds (and returns) a new generator, leaving the default one alone:
    seeding does not make later draws reproducible."""

    patches = {"torch.manual_seed": "manual_seed"}

    def manual_seed(self, seed: Any) -> Any:
        return self.ref.Generator().manual_seed(int(seed))


class SharedGenerator(Patched):
    """Every torch.Generator() is the default generator: a private generator's draws move
    the global sequence (no per-generator state)."""

    class _Shared(reference.Generator):
        def __new__(cls, device: Any = "cpu") -> Any:
            return reference.default_generator

    patches = {"torch.Generator": "_Shared"}


class GetRngStateLiveView(Patched):
    """get_rng_state returns a view of the default generator's live state instead of a copy:
    a state taken earlier follows every later draw, so restoring it restores nothing."""

    patches = {
        "torch.get_rng_state": "get_rng_state",
        "torch.rand": "rand",
        "torch.randn": "randn",
        "torch.randint": "randint",
        "torch.randperm": "randperm",
    }

    def __init__(self) -> None:
        super().__init__()
        self._views: weakref.WeakSet = weakref.WeakSet()

    def get_rng_state(self) -> Any:
        state = self.ref.get_rng_state()
        self._views.add(state)
        return state

    def _drawn(self, result: Any) -> Any:
        current = self.ref.get_rng_state()
        for view in list(self._views):
            view.copy_(current)
        return result

    def rand(self, *args: Any, **kwargs: Any) -> Any:
        return self._drawn(self.ref.rand(*args, **kwargs))

    def randn(self, *args: Any, **kwargs: Any) -> Any:
        return self._drawn(self.ref.randn(*args, **kwargs))

    def randint(self, *args: Any, **kwargs: Any) -> Any:
        return self._drawn(self.ref.randint(*args, **kwargs))

    def randperm(self, *args: Any, **kwargs: Any) -> Any:
        return self._drawn(self.ref.randperm(*args, **kwargs))


class RandintInclusiveHigh(Patched):
    """randint draws from [low, high], high included (numpy's ``random_integers`` mistake)."""

    patches = {"torch.randint": "randint"}

    def randint(self, *args: Any, **kwargs: Any) -> Any:
        args = list(args)
        if "high" in kwargs:
            kwargs["high"] += 1
        elif len(args) >= 2 and isinstance(args[1], int):  # randint(low, high, size)
            args[1] += 1
        elif args and isinstance(args[0], int):  # randint(high, size)
            args[0] += 1
        return self.ref.randint(*args, **kwargs)


class RandSkewed(Patched):
    """rand returns u ** 1.1 for uniform u: still in [0, 1), but skewed towards 0."""

    patches = {"torch.rand": "rand"}

    def rand(self, *args: Any, requires_grad: bool = False, **kwargs: Any) -> Any:
        x = self.ref.rand(*args, **kwargs)
        x.pow_(1.1)  # in place, so out= still gets (and returns) the values
        return x.requires_grad_() if requires_grad else x


class RandnRepeatsValues(Patched):
    """randn returns each Box-Muller value twice (the spare value is dropped and the first
    one reused): every value is normal, but neighbours are equal."""

    patches = {"torch.randn": "randn"}

    def randn(self, *args: Any, requires_grad: bool = False, **kwargs: Any) -> Any:
        x = self.ref.randn(*args, **kwargs)
        flat = x.view(-1)
        if flat.numel() > 1:
            flat[1::2] = flat[0::2][: flat[1::2].numel()]
        return x.requires_grad_() if requires_grad else x


class NormalIgnoresStd(Patched):
    """normal draws with standard deviation 1 whatever std says (mean is honoured)."""

    patches = {"torch.normal": "normal"}

    def normal(self, mean: Any, std: Any = 1.0, *args: Any, **kwargs: Any) -> Any:
        unit = self.ref.ones_like(std) if isinstance(std, self.ref.Tensor) else 1.0
        return self.ref.normal(mean, unit, *args, **kwargs)


class RandpermRotates(Patched):
    """randperm returns 0 .. n-1 rotated by a random amount: every value is equally likely
    at every position, yet only n of the n! permutations ever occur."""

    patches = {"torch.randperm": "randperm"}

    def randperm(self, n: Any, **kwargs: Any) -> Any:
        ref = self.ref
        perm = ref.randperm(n, **kwargs)
        if perm.numel() > 1:
            shift = int(perm[0].item())
            with ref.no_grad():
                perm.copy_((ref.arange(perm.numel()) + shift) % perm.numel())
        return perm


#: adapter class -> (items to run, the item whose check must fail)
CAUGHT = {
    "ManualSeedSeedsACopy": (["torch.manual_seed"], "torch.manual_seed"),
    "SharedGenerator": (["torch.Generator"], "torch.Generator"),
    "GetRngStateLiveView": (["torch.get_rng_state"], "torch.get_rng_state"),
    "RandintInclusiveHigh": (["torch.randint"], "torch.randint"),
    "RandSkewed": (["torch.rand"], "torch.rand"),
    "RandnRepeatsValues": (["torch.randn"], "torch.randn"),
    "NormalIgnoresStd": (["torch.normal"], "torch.normal"),
    "RandpermRotates": (["torch.randperm"], "torch.randperm"),
}
