"""``python -m tests.broken``: the planted bugs, the spec'd items they cover, and the items
that have none."""

from __future__ import annotations

from spec.loader import load_spec
from tests.broken import caught


def main() -> int:
    """Print the counts and the uncovered items; exit 0."""
    table = caught()
    covered = {item for _, item in table.values()}
    items = [entry.item.name for entry in load_spec().entries]
    missing = [name for name in items if name not in covered]
    print(
        f"{len(table)} planted bugs in {len({key.split(':')[0] for key in table})} modules "
        f"cover {len(items) - len(missing)} of {len(items)} spec'd items"
    )
    for name in missing:
        print(f"  no planted bug: {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
