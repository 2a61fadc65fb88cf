"""Broken adapters for generators and random sampling (section 2.2).

Most bugs keep shapes, dtypes and the value range plausible, so only the checks of what the
numbers are (determinism, state round trips, generator independence, distributions) see them;
the others get a dtype, a layout, a return value or a seed's width wrong.
"""

from __future__ import annotations

import os
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


def _keeping_spare_normal(gen: Any, restore: Any) -> Any:
    """``restore()`` run on ``gen``, which keeps the spare normals it held before."""
    spare = gen._normal, gen._float_normal
    result = restore()
    gen._normal, gen._float_normal = spare
    return result


class _SeededStateGenerator(reference.Generator):
    def manual_seed(self, seed: Any) -> Any:
        super().manual_seed(seed)
        self.seeded = super().get_state()
        return self

    def get_state(self) -> Any:
        seeded = getattr(self, "seeded", None)
        return super().get_state() if seeded is None else seeded.clone()


class GetStateAtLastSeed(Patched):
    """Generator.get_state returns the state cached at the last manual_seed, not the current
    one: draws since then are not in it."""

    patches = {"torch.Generator": "_SeededState"}
    _SeededState = _SeededStateGenerator


class _SpareKeepingGenerator(reference.Generator):
    def set_state(self, new_state: Any) -> Any:
        return _keeping_spare_normal(self, lambda: super(type(self), self).set_state(new_state))


class SetStateKeepsSpareNormal(Patched):
    """Generator.set_state restores the Mersenne Twister but keeps the generator's own cached
    spare normal (the Box-Muller value the state also carries)."""

    patches = {"torch.Generator": "_SpareKeeping"}
    _SpareKeeping = _SpareKeepingGenerator


class _FixedInitialSeedGenerator(reference.Generator):
    def initial_seed(self) -> int:
        return 67280421310721


class GeneratorInitialSeedIsDefault(Patched):
    """Generator.initial_seed always answers the default seed 67280421310721, whatever the
    generator was seeded with."""

    patches = {"torch.Generator": "_FixedInitialSeed"}
    _FixedInitialSeed = _FixedInitialSeedGenerator


class _NoChainGenerator(reference.Generator):
    def manual_seed(self, seed: Any) -> Any:
        super().manual_seed(seed)
        return None


class GeneratorManualSeedReturnsNone(Patched):
    """Generator.manual_seed seeds but returns None, not the generator (no chaining)."""

    patches = {"torch.Generator": "_NoChain"}
    _NoChain = _NoChainGenerator


class _SeedNotAppliedGenerator(reference.Generator):
    def seed(self) -> int:
        return reference.Generator().seed()


class GeneratorSeedNotApplied(Patched):
    """Generator.seed returns a fresh seed but never seeds the generator with it."""

    patches = {"torch.Generator": "_SeedNotApplied"}
    _SeedNotApplied = _SeedNotAppliedGenerator


class SeedFromClock(Patched):
    """torch.seed seeds from the clock in whole seconds: calls within a second repeat."""

    patches = {"torch.seed": "seed"}

    def seed(self) -> int:
        import time

        value = int(time.time())
        self.ref.manual_seed(value)
        return value


class InitialSeedSigned(Patched):
    """torch.initial_seed returns the uint64 seed as a signed int64: seeds of 2**63 and more
    come back negative."""

    patches = {"torch.initial_seed": "initial_seed"}

    def initial_seed(self) -> int:
        seed = self.ref.initial_seed()
        return seed - 2**64 if seed >= 2**63 else seed


class SetRngStateKeepsSpareNormal(Patched):
    """set_rng_state restores the default generator's Mersenne Twister but keeps its cached
    spare normal."""

    patches = {"torch.set_rng_state": "set_rng_state"}

    def set_rng_state(self, new_state: Any) -> None:
        gen = self.ref.default_generator
        return _keeping_spare_normal(gen, lambda: self.ref.set_rng_state(new_state))


class RandLikeIgnoresDtype(Patched):
    """rand_like draws in the input's dtype whatever dtype= says."""

    patches = {"torch.rand_like": "rand_like"}

    def rand_like(self, input: Any, *, dtype: Any = None, **kwargs: Any) -> Any:
        return self.ref.rand_like(input, **kwargs)


class RandintLikeIgnoresLow(Patched):
    """randint_like(x, low, high) draws from [0, high): low is dropped."""

    patches = {"torch.randint_like": "randint_like"}

    def randint_like(self, input: Any, *args: Any, low: Any = None, **kwargs: Any) -> Any:
        if len(args) == 2:
            args = args[1:]
        return self.ref.randint_like(input, *args, **kwargs)


class RandnLikeIgnoresGenerator(Patched):
    """randn_like draws from the default generator even when given one."""

    patches = {"torch.randn_like": "randn_like"}

    def randn_like(self, input: Any, *, generator: Any = None, **kwargs: Any) -> Any:
        return self.ref.randn_like(input, **kwargs)


class _SpareSurvivesSeedGenerator(reference.Generator):
    def manual_seed(self, seed: Any) -> Any:
        return _keeping_spare_normal(self, lambda: super(type(self), self).manual_seed(seed))


class ManualSeedKeepsSpareNormal(Patched):
    """Generator.manual_seed reseeds the Mersenne Twister but keeps the cached spare normal, so
    the first randn after reseeding depends on earlier draws."""

    patches = {"torch.Generator": "_SpareSurvivesSeed"}
    _SpareSurvivesSeed = _SpareSurvivesSeedGenerator


class RandLikeContiguous(Patched):
    """rand_like returns a contiguous tensor for a transposed input (no preserve_format)."""

    patches = {"torch.rand_like": "rand_like"}

    def rand_like(self, input: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("memory_format", self.ref.contiguous_format)
        return self.ref.rand_like(input, **kwargs)


class RandintLikeInclusiveHigh(Patched):
    """randint_like draws from [low, high], high included."""

    patches = {"torch.randint_like": "randint_like"}

    def randint_like(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        if "high" in kwargs:
            kwargs["high"] = int(kwargs["high"]) + 1
        elif args and isinstance(args[-1], int):
            args = (*args[:-1], args[-1] + 1)
        return self.ref.randint_like(input, *args, **kwargs)


class _SpareDroppingGenerator(reference.Generator):
    def get_state(self) -> Any:
        spare = self._normal, self._float_normal
        self._normal = self._float_normal = None
        state = super().get_state()
        self._normal, self._float_normal = spare
        return state


class GetStateDropsSpareNormal(Patched):
    """Generator.get_state leaves the cached spare normal out of the state."""

    patches = {"torch.Generator": "_SpareDropping"}
    _SpareDropping = _SpareDroppingGenerator


class SeedNotApplied(Patched):
    """torch.seed returns a fresh seed but never seeds the default generator with it."""

    patches = {"torch.seed": "seed"}

    def seed(self) -> int:
        return self.ref.Generator().seed()


class SetRngStateSkipsSizeCheck(Patched):
    """set_rng_state takes a state of any size, padding it with the current state's bytes."""

    patches = {"torch.set_rng_state": "set_rng_state"}

    def set_rng_state(self, new_state: Any) -> None:
        current = self.ref.get_rng_state()
        if isinstance(new_state, self.ref.Tensor) and new_state.dtype == self.ref.uint8:
            n = min(new_state.numel(), current.numel())
            current[:n] = new_state.reshape(-1)[:n]
            new_state = current
        self.ref.set_rng_state(new_state)


class RandnLikeIgnoresDtype(Patched):
    """randn_like draws in the input's dtype whatever dtype= says."""

    patches = {"torch.randn_like": "randn_like"}

    def randn_like(self, input: Any, *, dtype: Any = None, **kwargs: Any) -> Any:
        return self.ref.randn_like(input, **kwargs)


class _Seed32Generator(reference.Generator):
    def seed(self) -> int:
        value = int.from_bytes(os.urandom(4), "little")
        self.manual_seed(value)
        return value


class GeneratorSeedOf32Bits(Patched):
    """Generator.seed draws a 32-bit seed (4 bytes of entropy) instead of a 64-bit one."""

    patches = {"torch.Generator": "_Seed32"}
    _Seed32 = _Seed32Generator


class _SetStateReturnsNoneGenerator(reference.Generator):
    def set_state(self, new_state: Any) -> Any:
        super().set_state(new_state)
        return None


class SetStateReturnsNone(Patched):
    """Generator.set_state restores the state but returns None, not the generator."""

    patches = {"torch.Generator": "_SetStateReturnsNone"}
    _SetStateReturnsNone = _SetStateReturnsNoneGenerator


class _SignedSeedGenerator(reference.Generator):
    def initial_seed(self) -> int:
        seed = super().initial_seed()
        return seed - 2**64 if seed >= 2**63 else seed


class GeneratorInitialSeedSigned(Patched):
    """Generator.initial_seed returns the uint64 seed as a signed int64 (negative from 2**63)."""

    patches = {"torch.Generator": "_SignedSeed"}
    _SignedSeed = _SignedSeedGenerator


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
    "GetStateAtLastSeed": (["torch.Generator.get_state"], "torch.Generator.get_state"),
    "SetStateKeepsSpareNormal": (["torch.Generator.set_state"], "torch.Generator.set_state"),
    "GeneratorInitialSeedIsDefault": (
        ["torch.Generator.initial_seed"],
        "torch.Generator.initial_seed",
    ),
    "GeneratorManualSeedReturnsNone": (
        ["torch.Generator.manual_seed"],
        "torch.Generator.manual_seed",
    ),
    "GeneratorSeedNotApplied": (["torch.Generator.seed"], "torch.Generator.seed"),
    "SeedFromClock": (["torch.seed"], "torch.seed"),
    "InitialSeedSigned": (["torch.initial_seed"], "torch.initial_seed"),
    "SetRngStateKeepsSpareNormal": (["torch.set_rng_state"], "torch.set_rng_state"),
    "RandLikeIgnoresDtype": (["torch.rand_like"], "torch.rand_like"),
    "RandintLikeIgnoresLow": (["torch.randint_like"], "torch.randint_like"),
    "RandnLikeIgnoresGenerator": (["torch.randn_like"], "torch.randn_like"),
    "ManualSeedKeepsSpareNormal": (["torch.Generator.manual_seed"], "torch.Generator.manual_seed"),
    "RandLikeContiguous": (["torch.rand_like"], "torch.rand_like"),
    "RandintLikeInclusiveHigh": (["torch.randint_like"], "torch.randint_like"),
    "GetStateDropsSpareNormal": (["torch.Generator.get_state"], "torch.Generator.get_state"),
    "SeedNotApplied": (["torch.seed"], "torch.seed"),
    "SetRngStateSkipsSizeCheck": (["torch.set_rng_state"], "torch.set_rng_state"),
    "RandnLikeIgnoresDtype": (["torch.randn_like"], "torch.randn_like"),
    "GeneratorSeedOf32Bits": (["torch.Generator.seed"], "torch.Generator.seed"),
    "SetStateReturnsNone": (["torch.Generator.set_state"], "torch.Generator.set_state"),
    "GeneratorInitialSeedSigned": (
        ["torch.Generator.initial_seed"],
        "torch.Generator.initial_seed",
    ),
}
