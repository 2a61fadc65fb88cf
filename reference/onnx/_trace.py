"""Recording a forward: the registered functions a model calls at top level (not from inside
another registered function), each with its bound arguments and its result.

The recorder is a ``sys.setprofile`` hook installed only while tracing, keyed by code
object, so the op machinery carries no tracing code and untraced runs pay nothing."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any

__all__ = ["Call", "record_calls", "is_tracing"]

_ACTIVE: list[bool] = [False]


@dataclass
class Call:
    """One top-level call: the lowering key, the arguments by parameter name, the result."""

    kind: str
    args: dict[str, Any]
    result: Any = None


def is_tracing() -> bool:
    """Whether a forward is being recorded for export now."""
    return _ACTIVE[0]


class _Recorder:
    def __init__(self, kinds: Mapping[CodeType, str]) -> None:
        self.kinds = kinds
        self.calls: list[Call] = []
        self.frame: FrameType | None = None

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and self.frame is None:
            kind = self.kinds.get(frame.f_code)
            if kind is not None:
                self.frame = frame
                self.calls.append(Call(kind, dict(frame.f_locals)))
        elif event == "return" and frame is self.frame:
            self.calls[-1].result = arg
            self.frame = None


def record_calls(
    kinds: Mapping[CodeType, str], fn: Callable[..., Any], *args: Any, **kwargs: Any
) -> tuple[Any, list[Call]]:
    """Run ``fn(*args, **kwargs)``; return its result and the top-level registered calls."""
    if _ACTIVE[0]:
        raise RuntimeError("reference.onnx.export is not reentrant")
    recorder = _Recorder(kinds)
    previous = sys.getprofile()
    _ACTIVE[0] = True
    sys.setprofile(recorder)
    try:
        result = fn(*args, **kwargs)
    finally:
        sys.setprofile(previous)
        _ACTIVE[0] = False
    return result, recorder.calls
