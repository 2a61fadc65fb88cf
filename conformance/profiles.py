"""How hard a run looks: hypothesis examples per drawn case, by profile name."""

from __future__ import annotations

PROFILES = {"quick": 10, "standard": 50, "thorough": 250}
