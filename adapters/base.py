"""The adapter protocol: what the suite needs from a library under test.

An adapter maps the spec's fully qualified names (``torch.gather``, ``torch.Tensor.view``)
onto the library, converts arrays to and from numpy, maps dtypes by their spec names
(``float32``), and declares its capabilities.  It never falls back to another library: an
item the library lacks raises :class:`MissingItem` and counts against it.
"""

from __future__ import annotations

import types
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import numpy as np

EXPECTATIONS_DIR = Path(__file__).resolve().parent / "expectations"

#: Capabilities an adapter may declare (the spec's ``requires``); checks needing one are
#: skipped without it.
CAPABILITIES = frozenset(
    {
        "shares_memory",  # views, from_numpy, numpy() and detach write through
        "grad_mode",  # torch.no_grad & co. and requires_grad propagation
        "legacy_tensor_types",  # torch.FloatTensor & co.
        "warnings",  # deprecation warnings as torch emits them
        "error_messages",  # error messages match torch's patterns (not only the class)
        "bitwise_torch_rng",  # same seed, same bits as torch's CPU generator
        "autograd",  # requires_grad, backward and torch.autograd
        "cuda",  # a usable CUDA device (see cuda_capabilities)
        "cpu_only",  # built without CUDA: torch's CPU-build errors for CUDA calls
        "onnx_export",  # torch.onnx.export writes ONNX models
        "complex",  # complex64/complex128 tensors
        "out_variant",  # functions take out= (torch.f(x, out=t))
        "inplace_variant",  # in-place methods (x.f_())
        "strided_views",  # non-contiguous views (Adapter.view); without it, inputs are copies
    }
)
#: What every built-in adapter of a torch-like library claims beyond its own extras.
TORCH_LIKE = frozenset({"complex", "out_variant", "inplace_variant", "strided_views"})

#: How :meth:`Adapter.view` lays a tensor out (see ``conformance.layouts``).
LAYOUTS = ("transposed", "sliced", "expanded")


def defaults_only(library: str, generator: Any = None, requires_grad: bool = False) -> None:
    """torch's ``generator=`` and ``requires_grad=`` of the random and creation functions, for
    a library that has neither: taken at their defaults; anything else is an item it lacks."""
    if generator is not None:
        raise MissingItem(f"{library} has no torch.Generator (generator=)")
    if requires_grad:
        raise MissingItem(f"{library} has no requires_grad")


def cuda_capabilities(available: bool, built: bool) -> frozenset[str]:
    """``cuda`` when a GPU is usable, ``cpu_only`` when the library has no CUDA at all
    (a CUDA build on a machine without a GPU claims neither)."""
    return frozenset({"cuda"} if available else set() if built else {"cpu_only"})


#: namespaces of a library that no spec reaches: they download, compile, or run code
CLOSED_NAMESPACES = frozenset(
    {"hub", "package", "utils", "multiprocessing", "distributed", "testing", "jit", "compiler"}
)
#: modules whose functions run programs, touch files or unpickle: never an API name
UNSAFE_ORIGINS = frozenset(
    {
        "builtins",
        "os",
        "posix",
        "nt",
        "sys",
        "subprocess",
        "shutil",
        "pickle",
        "_pickle",
        "marshal",
        "importlib",
        "ctypes",
        "socket",
        "io",
        "_io",
        "runpy",
        "code",
        "pty",
        "signal",
        "urllib",
        "http",
        "tempfile",
        "pathlib",
    }
)


def _vet(obj: Any, shown: str, top: str | None) -> None:
    """Refuse ``obj`` (reached as ``shown``) unless it belongs to the library's API."""
    if isinstance(obj, types.ModuleType):
        inside = top is not None and (obj.__name__ == top or obj.__name__.startswith(top + "."))
        if not inside:
            raise MissingItem(f"{shown} is the module {obj.__name__}, not part of the API")
        if obj.__name__.split(".")[1:2] and obj.__name__.split(".")[1] in CLOSED_NAMESPACES:
            raise MissingItem(f"{shown}: {obj.__name__} is closed to specs")
        return
    origin = getattr(obj, "__module__", None)
    foreign = isinstance(origin, str) and origin.split(".")[0] in UNSAFE_ORIGINS
    if foreign and callable(obj) and not isinstance(obj, type):
        raise MissingItem(f"{shown} is {origin}.{getattr(obj, '__name__', '?')}, not API")


class AdapterError(Exception):
    """An adapter that cannot be found or loaded."""


class MissingItem(AttributeError):
    """The library under test does not provide a spec'd item."""


class Adapter:
    """Base class for adapters; subclasses set the class attributes and the conversions."""

    #: Short name used on the command line and in reports.
    name: str = ""
    #: Distribution name of the library under test.
    library: str = ""
    #: The Python line that binds the library to the name ``torch`` (used in reproducers);
    #: leave it empty when names resolve differently from plain attribute access, and
    #: reproducers reach the library through the adapter instead.
    import_line: str = ""
    #: True when ``torch.tensor(nested list, dtype=torch.<name>)`` builds exactly what
    #: :meth:`from_numpy` builds: reproducers then spell inputs that way; otherwise they
    #: build them through the adapter, as the run did.
    tensor_literals: bool = False
    #: True for a library meant to have every spec'd item (torch itself, the reference): an
    #: item it lacks is then an ``error``; for others it is ``unsupported``, a gap to publish.
    complete: bool = False
    #: Capabilities from :data:`CAPABILITIES`.
    capabilities: frozenset[str] = frozenset()
    #: The spec's dtype names the library has; None: every one (the complex ones only with
    #: ``complex``). A case of another dtype, or naming one (``torch.float64``), is skipped
    #: ("the adapter does not claim float64"), and that dtype's round trip is not checked.
    dtypes: frozenset[str] | None = None
    #: Device the tensors live on.
    device: str = "cpu"
    #: Capabilities withheld from some items: fnmatch pattern of item names -> capabilities
    #: (``{"torch.linalg.*": {"autograd"}}``: no gradients through torch.linalg).
    withheld: dict[str, frozenset[str]] = {}
    #: The structured expected-failures file; None looks for ``expectations/<name>.yaml``
    #: beside this module.
    expectations: Path | None = None

    def root(self) -> Any:
        """The object that ``torch.<name>`` resolves against (usually a module)."""
        raise NotImplementedError

    def version(self) -> str:
        """The library's version string."""
        return str(getattr(self.root(), "__version__", "unknown"))

    def resolve(self, name: str) -> Any:
        """Look up a fully qualified spec name such as ``torch.nn.functional.relu``.

        Only the library's API is reachable: no private names, no module from outside the
        library (``torch.os``), none of its namespaces that download or run code
        (:data:`CLOSED_NAMESPACES`), and no function of the modules that run programs or
        touch files (:data:`UNSAFE_ORIGINS`) re-exported by it.
        """
        parts = name.split(".")
        if parts[0] != "torch":
            raise MissingItem(f"{name}: spec names start with 'torch.'")
        root = self.root()
        top = getattr(root, "__name__", None)
        obj = root
        for depth, part in enumerate(parts[1:], start=2):
            shown = ".".join(parts[:depth])
            if part.startswith("_"):
                raise MissingItem(f"{shown}: private names are not part of the API")
            try:
                obj = getattr(obj, part)
            except AttributeError:
                raise MissingItem(f"{self.library} has no {shown}") from None
            _vet(obj, shown, top)
        return obj

    def from_numpy(self, array: np.ndarray) -> Any:
        """A new library tensor holding a copy of ``array`` (dtype preserved)."""
        raise NotImplementedError

    def to_numpy(self, tensor: Any) -> np.ndarray:
        """A numpy copy of a library tensor (dtype preserved, bfloat16 via ml_dtypes)."""
        raise NotImplementedError

    def is_tensor(self, obj: Any) -> bool:
        """Whether ``obj`` is one of the library's tensors."""
        raise NotImplementedError

    def dtype(self, name: str) -> Any:
        """The library's dtype object for a spec dtype name."""
        return self.resolve(f"torch.{name}")

    def dtype_name(self, dtype: Any) -> str:
        """The spec name (``float32``) of a library dtype object that :meth:`dtype` did
        not give (the engine looks those up first): the last dotted part of ``str(dtype)``."""
        return str(dtype).rsplit(".", 1)[-1]

    def view(self, tensor: Any, layout: str, shape: tuple[int, ...]) -> Any:
        """A non-contiguous view of the contiguous ``tensor`` (needs ``strided_views``).

        ``transposed``: all dimensions reversed (``tensor.permute(n-1, ..., 0)``);
        ``sliced``: every second element of the last dimension (``tensor[..., 1::2]``);
        ``expanded``: ``tensor.expand(*shape)`` (its broadcast dimension has size 1).
        The default uses those torch methods; override it for another spelling.
        """
        if layout == "transposed":
            return tensor.permute(*range(len(shape) - 1, -1, -1))
        if layout == "sliced":
            return tensor[..., 1::2]
        if layout == "expanded":
            return tensor.expand(*shape)
        raise ValueError(f"unknown layout {layout!r} (one of {', '.join(LAYOUTS)})")

    def capabilities_for(self, item: str) -> frozenset[str]:
        """The capabilities the adapter claims for ``item``: all of them, less what
        :attr:`withheld` takes away for it."""
        taken = [caps for pattern, caps in self.withheld.items() if fnmatchcase(item, pattern)]
        return self.capabilities.difference(*taken)

    def lacks_dtype(self, name: str) -> bool:
        """Whether the library has no dtype ``name`` (a spec dtype name)."""
        if name in ("complex64", "complex128") and "complex" not in self.capabilities:
            return True
        return self.dtypes is not None and name not in self.dtypes

    def expectations_file(self) -> Path | None:
        """The structured expected-failures file of this adapter, if any."""
        if self.expectations is not None:
            return Path(self.expectations)
        path = EXPECTATIONS_DIR / f"{self.name}.yaml"
        return path if path.exists() else None

    def describe(self) -> dict[str, str]:
        """Library, version and device, for the run's environment record."""
        return {"library": self.library, "library_version": self.version(), "device": self.device}
