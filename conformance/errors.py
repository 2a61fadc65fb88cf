"""The engine's own exceptions and the exit statuses they become."""

from __future__ import annotations

#: exit statuses beyond 0 (all passed) and 1 (the library failed checks)
EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 2, 3, 130


class UsageError(Exception):
    """Bad command-line input: reported in one line, exit status 2."""
