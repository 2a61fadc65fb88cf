"""The unpicklers: Python's, with ``find_class`` going through the allowlist and
``persistent_load`` reading storages; under ``weights_only`` only the opcodes torch's
weights-only unpickler knows are read, BUILD is limited to dict-like containers, and
errors are worded as ``torch.load`` words them."""

from __future__ import annotations

import io
import pickle
import re
import warnings
from collections import Counter, OrderedDict
from typing import Any

from .allowlist import find_class

_UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in "
    "`torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` set to "
    "`False` will likely succeed, but it can result in arbitrary code execution. Do it only if "
    "you got the file from a trusted source."
)
_DOCS_MESSAGE = (
    "\n\nCheck the documentation of torch.load to learn more about types accepted by default "
    "with weights_only https://pytorch.org/docs/stable/generated/torch.load.html."
)


#: the opcodes torch's weights-only unpickler reads (protocol 2, plus EMPTY_SET)
_WEIGHTS_ONLY_OPCODES = frozenset(
    op[0]
    for op in (
        pickle.GLOBAL, pickle.NEWOBJ, pickle.REDUCE, pickle.BUILD, pickle.APPEND,
        pickle.APPENDS, pickle.SETITEM, pickle.SETITEMS, pickle.MARK, pickle.TUPLE,
        pickle.TUPLE1, pickle.TUPLE2, pickle.TUPLE3, pickle.NONE, pickle.NEWFALSE,
        pickle.NEWTRUE, pickle.EMPTY_TUPLE, pickle.EMPTY_LIST, pickle.EMPTY_DICT,
        pickle.EMPTY_SET, pickle.BININT, pickle.BININT1, pickle.BININT2, pickle.BINFLOAT,
        pickle.BINUNICODE, pickle.SHORT_BINSTRING, pickle.BINPERSID, pickle.BINGET,
        pickle.LONG_BINGET, pickle.BINPUT, pickle.LONG_BINPUT, pickle.LONG1, pickle.PROTO,
        pickle.STOP,
    )
)  # fmt: skip


def _unsupported(code: int):
    def refuse(self: pickle._Unpickler) -> None:
        raise pickle.UnpicklingError(f"Unsupported operand {code}")

    return refuse


class WeightsOnlyUnpickler(pickle._Unpickler):
    """Python's unpickler limited as torch's weights-only unpickler is: only its opcodes
    (protocol 4's FRAME, STACK_GLOBAL, SHORT_BINUNICODE... are refused), a warning for a
    protocol other than 2, and BUILD only for dict-like containers (slot state could
    otherwise rewrite a tensor's internals)."""

    dispatch = {
        code: pickle._Unpickler.dispatch[code]
        if code in _WEIGHTS_ONLY_OPCODES
        else _unsupported(code)
        for code in range(256)
    }

    def load_proto(self) -> None:
        proto = self.read(1)[0]
        if proto != 2:
            warnings.warn(
                f"Detected pickle protocol {proto} in the checkpoint, which was not the default "
                "pickle protocol used by `torch.load` (2). The weights_only Unpickler might not "
                "support all instructions implemented by this protocol, please file an issue for "
                "adding support if you encounter this.",
                stacklevel=2,
            )
        self.proto = proto

    dispatch[pickle.PROTO[0]] = load_proto

    def load_build(self) -> None:
        inst = self.stack[-2]
        if type(inst) not in (OrderedDict, Counter):
            raise pickle.UnpicklingError(
                "Can only build Tensor, Parameter, OrderedDict or types allowlisted via "
                f"`add_safe_globals`, but got {type(inst)}"
            )
        super().load_build()

    dispatch[pickle.BUILD[0]] = load_build


def _unpickler_class(base: type, weights_only: bool, persistent_load) -> type:
    class Unpickler(base):  # type: ignore[misc, valid-type]
        def find_class(self, module, name):
            return find_class(module, name, weights_only, super().find_class)

        def persistent_load(self, pid):
            return persistent_load(pid)

    return Unpickler


def _weights_only_message(message: str) -> str:
    """torch.load's wrapper around a weights-only unpickling error."""
    if re.search(r"GLOBAL (\S+) was not an allowed global by default.", message):
        return (
            "Weights only load failed. This file can still be loaded, to do so you have two "
            "options, \033[1mdo those steps only if you trust the source of the checkpoint\033[0m. "
            f"\n\t(1) {_UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with `weights_only=True` "
            "please check the recommended steps in the following error message."
            "\n\tWeightsUnpickler error: " + message + _DOCS_MESSAGE
        )
    out = f"Weights only load failed. {_UNSAFE_MESSAGE}\n"
    if not re.search(r"whose module (\S+) is blocked", message):
        out += (
            "Please file an issue with the following so that we can make `weights_only=True` "
            "compatible with your use case: WeightsUnpickler error: "
        )
    return out + "\n\n" + message + _DOCS_MESSAGE


def unpickle(
    data: bytes, base: type, weights_only: bool, persistent_load, pickle_load_args: dict
) -> Any:
    """Unpickle ``data`` with an unpickler derived from ``base``."""
    unpickler = _unpickler_class(base, weights_only, persistent_load)
    stream = io.BytesIO(data)
    if not weights_only:
        return unpickler(stream, **pickle_load_args).load()
    try:
        return unpickler(stream, **pickle_load_args).load()
    except pickle.UnpicklingError as e:
        raise pickle.UnpicklingError(_weights_only_message(str(e))) from None
