"""``python -m tests.broken``: the planted bugs, the spec'd items they cover, and the items
that have none."""

from __future__ import annotations

from spec.loader import load_spec
from tests.broken import caught, uncovered


def main() -> int:
    """Print the counts and the uncovered items; exit 0."""
    table = caught()
    items, missing = len(load_spec().entries), uncovered()
    modules = len({key.split(":")[0] for key in table})
    covered = items - len(missing)
    print(f"{len(table)} planted bugs in {modules} modules cover {covered} of {items} spec'd items")
    for name in missing:
        print(f"  no planted bug: {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
