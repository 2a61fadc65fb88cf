"""``save`` / ``load`` in PyTorch's zip serialization format, without torch.

The archive holds ``<name>/data.pkl`` (a protocol-2 pickle), one ``data/<key>`` record of raw
little-endian bytes per storage, and ``version``. Entries are stored (never compressed),
their data aligned to 64 bytes through the local header's extra field, laid out as
torch's writer (miniz) lays them out. The pickle is written opcode by opcode so that
torch's weights-only unpickler accepts it: a tensor is
``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict())``
and a storage a persistent id ``('storage', torch.FloatStorage, key, 'cpu', numel)``.

``load`` reads records through their local headers (torch may write zero CRCs) and, by
default (``weights_only``), unpickles with a ``find_class`` that only resolves torch's
allowlisted globals, mapped onto reference objects.

Modules: ``archive`` (the zip container), ``pickler`` (the protocol-2 writer), ``storages``
(storage extents and loaded storages), ``locations`` (``map_location``), ``rebuild``
(torch's rebuild functions), ``allowlist`` (which globals resolve), ``unpickler``
(weights-only and full unpicklers), ``saving`` and ``loading`` (the entry points).
"""

from .loading import load
from .saving import save

__all__ = ["save", "load"]
