"""torch.Size: the tuple of dimension lengths."""

from __future__ import annotations

import math
import operator


class Size(tuple):
    """A tuple of ints describing a tensor shape; repr ``torch.Size([2, 3])``."""

    def __new__(cls, sizes=()):
        return super().__new__(cls, map(operator.index, sizes))

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def __getitem__(self, item):
        out = super().__getitem__(item)
        return Size(out) if isinstance(item, slice) else out

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __reduce__(self):
        return (Size, (tuple(self),))

    def numel(self) -> int:
        """Number of elements of a tensor of this shape."""
        return math.prod(self)
