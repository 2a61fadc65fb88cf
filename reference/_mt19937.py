"""The MT19937 engine of PyTorch's CPU generator (``ATen/core/MT19937RNGEngine.h``).

Standard MT19937 (624 words, M = 397, matrix 0x9908B0DF, usual tempering) with torch's
bookkeeping: ``left`` counts down to the next regeneration and ``next`` indexes the state.
Seeding leaves ``left = 1, next = 0`` so the first draw regenerates the state. Draws are
vectorised: the words left in the current block are tempered at once, and the
regenerate-and-draw cycles after them are numpy's own MT19937 (the same algorithm).
"""

from __future__ import annotations

import sys
import threading

import numpy as np

__all__ = ["MT19937", "N"]

N = 624
_local = threading.local()


def _scratch_engine() -> np.random.MT19937:
    """A per-thread numpy MT19937 whose state is overwritten before each use."""
    bitgen = getattr(_local, "bitgen", None)
    if bitgen is None:
        bitgen = _local.bitgen = np.random.MT19937(0)
    return bitgen


def temper(y: np.ndarray) -> np.ndarray:
    """MT19937's output transformation, element-wise on uint32 words."""
    y = y ^ (y >> np.uint32(11))
    y = y ^ ((y << np.uint32(7)) & np.uint32(0x9D2C5680))
    y = y ^ ((y << np.uint32(15)) & np.uint32(0xEFC60000))
    return y ^ (y >> np.uint32(18))


def seeded_state(seed: int) -> np.ndarray:
    """The 624 words ``init_genrand`` derives from the low 32 bits of ``seed``."""
    words = [seed & 0xFFFFFFFF]
    for j in range(1, N):
        prev = words[-1]
        words.append((1812433253 * (prev ^ (prev >> 30)) + j) & 0xFFFFFFFF)
    return np.array(words, np.uint32)


class MT19937:
    """Engine state: ``seed`` (u64), ``left``, ``next``, ``state`` (624 uint32 words)."""

    __slots__ = ("seed", "left", "next", "state")

    def __init__(self, seed: int = 5489) -> None:
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        """torch's ``init_with_uint32``: keeps the full 64-bit seed, uses its low word."""
        self.seed = seed
        self.state = seeded_state(seed)
        self.left, self.next = 1, 0

    def copy(self) -> MT19937:
        other = MT19937.__new__(MT19937)
        other.seed, other.left, other.next = self.seed, self.left, self.next
        other.state = self.state.copy()
        return other

    def random(self, n: int) -> np.ndarray:
        """``n`` successive 32-bit outputs (torch's ``random()``) as uint32."""
        out = np.empty(n, np.uint32)
        head = min(n, self.left - 1)  # words left before the next regeneration
        if self.next + head <= N:
            words = self.state[self.next : self.next + head]
        else:  # a state set by hand may index past the 624 words (undefined in torch)
            words = np.take(self.state, range(self.next, self.next + head), mode="wrap")
        out[:head] = temper(words)
        self.next, self.left = self.next + head, self.left - head
        if n > head:  # regenerate-and-draw is plain MT19937: numpy's engine runs it
            bitgen = _scratch_engine()
            bitgen.state = {"bit_generator": "MT19937", "state": {"key": self.state, "pos": N}}
            out[head:] = bitgen.random_raw(n - head)
            state = bitgen.state["state"]
            self.state = np.asarray(state["key"], np.uint32).copy()
            self.next, self.left = int(state["pos"]), N + 1 - int(state["pos"])
        return out

    def random64(self, n: int) -> np.ndarray:
        """``n`` 64-bit outputs (torch's ``random64()``): two draws, the first one high."""
        pairs = self.random(2 * n).view(np.uint64)  # each pair of draws in memory order
        if sys.byteorder == "big":
            return pairs
        high = pairs << np.uint64(32)
        pairs >>= np.uint64(32)
        pairs |= high
        return pairs
