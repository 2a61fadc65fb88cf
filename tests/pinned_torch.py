"""torch held to one CPU kernel, for the tests where torch's exact bits are the point.

torch picks its CPU kernel once, when it starts (``ATEN_CPU_CAPABILITY``, else the best the
CPU has), and some kernels draw different bits: float normals of 16+ elements and
``uniform_(a, b)`` differ between the default kernel and AVX2. The reference follows AVX2
(reference/README.md). :func:`run` computes with torch on that kernel: in this process when
its torch runs it already, else in a helper process started once with the kernel pinned.
The test process itself stays unpinned, so every other test meets whichever kernel the
machine gives.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import marshal
import os
import pickle
import subprocess
import sys
import traceback
import types
from pathlib import Path
from typing import Any, NamedTuple

import pytest

#: the kernel the reference's random numbers follow, as ATEN_CPU_CAPABILITY spells it
KERNEL = "avx2"
ROOT = Path(__file__).resolve().parents[1]

_worker: subprocess.Popen | None = None


class Frozen(NamedTuple):
    """A function (lambda and closure included) in a form that crosses processes."""

    code: bytes
    module: str
    file: str
    defaults: tuple
    closure: tuple


def freeze(value: Any) -> Any:
    """``value`` with functions replaced by :class:`Frozen` (other values must pickle)."""
    if not isinstance(value, types.FunctionType):
        return value
    return Frozen(
        marshal.dumps(value.__code__),
        value.__module__,
        value.__globals__["__file__"],
        tuple(freeze(v) for v in value.__defaults__ or ()),
        tuple(freeze(c.cell_contents) for c in value.__closure__ or ()),
    )


def thaw(value: Any) -> Any:
    """The function a :class:`Frozen` describes, its globals those of its module."""
    if not isinstance(value, Frozen):
        return value
    module = sys.modules.get(value.module)
    if module is None or getattr(module, "__file__", None) != value.file:
        spec = importlib.util.spec_from_file_location(value.module, value.file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[value.module] = module
        spec.loader.exec_module(module)
    cells = tuple(types.CellType(thaw(v)) for v in value.closure)
    code = marshal.loads(value.code)
    defaults = tuple(thaw(v) for v in value.defaults) or None
    return types.FunctionType(code, vars(module), code.co_name, defaults, cells)


def run(fn, *args):
    """``fn(torch, *args)`` with torch on :data:`KERNEL`; the result must pickle.

    Skips the test where this CPU cannot run that kernel.
    """
    import torch  # the test modules importorskip torch before calling this

    if torch.backends.cpu.get_cpu_capability() == KERNEL.upper():
        return fn(torch, *args)
    worker = _start()
    pickle.dump(tuple(freeze(a) for a in (fn, *args)), worker.stdin)
    worker.stdin.flush()
    try:
        status, value = pickle.load(worker.stdout)
    except EOFError:
        raise AssertionError(f"the torch helper process exited ({worker.wait()})") from None
    if status == "skip":
        pytest.skip(value)
    if status == "err":
        raise AssertionError(f"torch ({KERNEL} kernel, helper process) raised:\n{value}")
    return value


def _start() -> subprocess.Popen:
    global _worker
    if _worker is None or _worker.poll() is not None:
        env = {**os.environ, "ATEN_CPU_CAPABILITY": KERNEL, "PYTHONPATH": os.pathsep.join(sys.path)}
        _worker = subprocess.Popen(
            [sys.executable, "-c", "from tests.pinned_torch import serve; serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        atexit.register(_stop, _worker)
    return _worker


def _stop(worker: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):
        worker.stdin.close()
    worker.wait(timeout=30)
    worker.stdout.close()


def serve() -> None:
    """The helper process: read ``(fn, *args)`` requests, answer ``(status, value)``."""
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not mix in
    skip = _unsupported()
    while True:
        try:
            request = pickle.load(sys.stdin.buffer)
        except EOFError:
            return
        if skip:
            reply = ("skip", skip)
        else:
            try:
                import torch

                fn, *args = (thaw(v) for v in request)
                reply = ("ok", fn(torch, *args))
            except Exception:  # noqa: BLE001 - reported to the test
                reply = ("err", traceback.format_exc())
        pickle.dump(reply, replies)
        replies.flush()


def _unsupported() -> str | None:
    """Why this CPU cannot run :data:`KERNEL` (torch trusts ATEN_CPU_CAPABILITY blindly)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists() and not {"avx2", "fma"} <= set(cpuinfo.read_text().split()):
        return f"this CPU lacks {KERNEL}, so torch's {KERNEL} kernels cannot run here"
    import torch

    got = torch.backends.cpu.get_cpu_capability()
    if got != KERNEL.upper():
        return f"torch runs its {got} kernels here, not {KERNEL}"
    return None
