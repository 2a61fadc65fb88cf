"""The base of every broken adapter: the reference with some names replaced."""

from __future__ import annotations

from typing import Any

from adapters.reference_adapter import ReferenceAdapter


class Patched(ReferenceAdapter):
    """The reference with some names replaced by buggy versions."""

    name = "broken"
    import_line = ""  # reproducers must see the patched names, not plain reference
    patches: dict[str, str] = {}

    def resolve(self, name: str) -> Any:
        if name in self.patches:
            return getattr(self, self.patches[name])
        return super().resolve(name)

    @property
    def ref(self) -> Any:
        return self.root()
