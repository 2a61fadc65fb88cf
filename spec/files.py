"""The files a spec folder is read from, and the error that reports mistakes in them.

Nothing here validates (see :mod:`spec.loader`): it is what the command line needs before,
or without, loading a spec, so it imports nothing heavy.
"""

from __future__ import annotations

from pathlib import Path

BUILTIN_DIR = Path(__file__).resolve().parent
#: The folder of families, in a spec folder and in the built-in one.
FAMILIES = "families"


class SpecError(Exception):
    """One or more mistakes in spec files, each ``file:line: field: message``."""

    def __init__(self, problems: list[str]):
        self.problems = [_one_line(p) for p in problems]
        super().__init__("\n".join(problems))


def _one_line(problem: str) -> str:
    """A problem as one line: control characters (a newline in a name) shown escaped, so a
    spec cannot forge extra problem lines."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in problem)


def yaml_files(folder: Path) -> list[Path]:
    """Every YAML file that loading ``folder`` may read (its own and the built-in families),
    sorted."""
    return sorted({*folder.rglob("*.yaml"), *BUILTIN_DIR.joinpath(FAMILIES).glob("*.yaml")})
