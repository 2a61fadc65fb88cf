"""torch.cuda / torch.cpu twins and tensors on cuda.

Without CUDA (no cupy) the reference must behave like torch's CPU build, compared call by
call. The tests taking the ``gpu`` fixture need cupy and a GPU and are skipped otherwise.
"""

from __future__ import annotations

import re
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import reference
from adapters.reference_adapter import ReferenceAdapter
from reference import _cuda_runtime

torch = pytest.importorskip("torch")

cpu_builds = pytest.mark.skipif(
    reference.cuda._is_compiled() or torch.backends.cuda.is_built(),
    reason="compares torch's CPU build with the reference without cupy",
)
_RESET_WARNING = (
    "torch.cuda.reset_max_memory_allocated now calls torch.cuda.reset_peak_memory_stats, "
    "which resets /all/ peak memory stats."
)


@pytest.fixture
def gpu():
    """Skip unless cupy imports and sees a GPU."""
    pytest.importorskip("cupy")
    if not reference.cuda.is_available():
        pytest.skip("no usable GPU")
    return reference


# ----- without a GPU ------------------------------------------------------------------------
def test_no_gpu_is_not_available():
    if reference.cuda.is_available():
        pytest.skip("a GPU is usable here")
    assert reference.cuda.is_available() is False
    assert reference.cuda.device_count() == 0
    assert reference.cuda.memory_allocated() == 0
    assert reference.cuda.max_memory_allocated() == 0


@cpu_builds
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.cuda.is_available(),
        lambda m: m.cuda.device_count(),
        lambda m: m.cuda.is_initialized(),
        lambda m: m.cuda.init(),
        lambda m: m.cuda.current_device(),
        lambda m: m.cuda.synchronize(),
        lambda m: m.cuda.synchronize("cpu"),
        lambda m: m.cuda.memory_allocated(),
        lambda m: m.cuda.memory_allocated(0),
        lambda m: m.cuda.memory_allocated("cpu"),
        lambda m: m.cuda.max_memory_allocated("cuda:1"),
        lambda m: m.cuda.reset_peak_memory_stats(),
        lambda m: m.cuda.reset_peak_memory_stats(0),
        lambda m: m.cuda.reset_peak_memory_stats("cpu"),
        lambda m: m.cuda.reset_max_memory_allocated(),
        lambda m: m.cuda.reset_max_memory_allocated(m.device("cpu")),
    ],
)
def test_cuda_functions_match_cpu_torch(same, fn):
    same(fn)


@cpu_builds
@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.zeros(2).cuda(),
        lambda m: m.zeros(2).cuda(0),
        lambda m: m.zeros(2).cuda("cpu"),
        lambda m: m.zeros(2).cuda(m.device("cpu")),
        lambda m: m.zeros(2).cuda("cuda:0", non_blocking=True),
        lambda m: m.zeros(2).to("cuda"),
        lambda m: m.zeros(2).to(0),
        lambda m: m.zeros(2).to("cuda", m.float64),
        lambda m: m.ones(2, device="cuda"),
        lambda m: m.full((2,), 1.0, device="cuda:0"),
        lambda m: m.empty_strided((2,), (1,), device="cuda"),
        lambda m: m.linspace(0, 1, 3, device="cuda"),
        lambda m: m.zeros_like(m.zeros(2), device="cuda"),
        lambda m: m.zeros(2).new_zeros(3, device="cuda"),
        lambda m: m.device(0),
    ],
)
def test_tensors_cannot_reach_cuda_on_cpu_builds(same, fn):
    same(fn)


@cpu_builds
def test_failed_init_leaves_cuda_uninitialised():
    with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled$"):
        reference.cuda.init()
    assert reference.cuda.is_initialized() is False


def test_reset_max_memory_allocated_warns_before_checking_the_device():
    with (
        pytest.warns(FutureWarning, match=re.escape(_RESET_WARNING)),
        pytest.raises(ValueError, match="Expected a cuda device, but got: cpu"),
    ):
        reference.cuda.reset_max_memory_allocated("cpu")


def test_reset_max_warning_text_is_torchs():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError):
            torch.cuda.reset_max_memory_allocated("cpu")
    assert [str(w.message) for w in caught if w.category is FutureWarning] == [_RESET_WARNING]


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.cpu.is_available(),
        lambda m: m.cpu.is_initialized(),
        lambda m: m.cpu.device_count(),
        lambda m: m.cpu.current_device(),
        lambda m: m.cpu.synchronize(),
        lambda m: m.cpu.synchronize("cuda"),
        lambda m: m.cpu.set_device("cpu"),
        lambda m: m.cpu.set_device(0),
        lambda m: m.cpu.is_available(1),
    ],
)
def test_torch_cpu_functions(same, fn):
    same(fn)


def test_cpu_and_to_cpu_return_self():
    x = reference.arange(3.0)
    assert x.cpu() is x and x.to("cpu") is x and x.to(reference.device("cpu")) is x
    y = x.to("cpu", copy=True)
    assert y is not x and reference.equal(y, x)


def test_adapter_capabilities_follow_cuda():
    caps = ReferenceAdapter().capabilities
    assert ("cuda" in caps) == reference.cuda.is_available()
    assert ("cpu_only" in caps) == (not reference.cuda._is_compiled())


def test_peak_tracker_samples_every_allocation(monkeypatch):
    """The peak logic on a stand-in for cupy's pool and allocator hooks."""
    pool = SimpleNamespace(used=0)
    pool.used_bytes = lambda: pool.used

    def malloc(size):
        pool.used += size
        return SimpleNamespace(device_id=0)

    hooks = {"allocator": malloc}
    cp = SimpleNamespace(
        get_default_memory_pool=lambda: pool,
        cuda=SimpleNamespace(
            get_allocator=lambda: hooks["allocator"],
            set_allocator=lambda fn: hooks.update(allocator=fn),
        ),
    )
    monkeypatch.setattr(_cuda_runtime, "peaks", {})
    _cuda_runtime.track_peaks(cp)
    hooks["allocator"](4096)
    pool.used -= 4096  # freed
    hooks["allocator"](512)
    assert _cuda_runtime.peaks == {0: 4096}


# ----- with a GPU (cupy) ------------------------------------------------------------------
def test_creation_on_cuda(gpu):
    index = gpu.cuda.current_device()
    for t in (
        gpu.zeros(2, 3, device="cuda"),
        gpu.tensor([1.0, 2.0], device="cuda"),
        gpu.arange(4, device=gpu.device("cuda", index)),
        gpu.full((2,), 7, device="cuda"),
    ):
        assert t.is_cuda and t.device == gpu.device("cuda", index)
        assert type(t._data).__module__.startswith("cupy"), "data must live on the GPU"
    assert gpu.equal(gpu.arange(4, device="cuda").cpu(), gpu.arange(4))
    assert gpu.cuda.is_initialized()


def test_cpu_round_trip(gpu):
    x = gpu.arange(6.0).reshape(2, 3)
    y = x.cuda()
    assert y.cuda() is y and y.to("cuda") is y
    z = y.cpu()
    assert z.device.type == "cpu" and isinstance(z._data, np.ndarray)
    assert gpu.equal(z, x) and z.stride() == x.stride()
    assert gpu.equal(x.to("cuda", gpu.float64).cpu(), x.double())
    with pytest.raises(TypeError, match="can't convert cuda"):
        y.numpy()


def test_elementwise_matches_cpu(gpu):
    x = gpu.linspace(-2, 2, 12).reshape(3, 4)
    y = x.cuda()
    for f in (lambda t: t * 2 + 1, lambda t: gpu.sin(t), lambda t: t / 3, lambda t: t.gt(0)):
        r = f(y)
        assert r.device == y.device
        np.testing.assert_allclose(r.cpu().numpy(), f(x).numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.xfail(
    strict=True,
    raises=TypeError,
    reason="reference/_reductions.py converts results with np.asarray, which cupy refuses",
)
def test_reduction_matches_cpu(gpu):
    x = gpu.linspace(-2, 2, 12).reshape(3, 4)
    y = x.cuda()
    np.testing.assert_allclose(y.sum().cpu().numpy(), x.sum().numpy(), rtol=1e-6)
    np.testing.assert_allclose(y.sum(dim=0).cpu().numpy(), x.sum(dim=0).numpy(), rtol=1e-6)


def test_memory_statistics(gpu):
    gpu.cuda.init()
    before = gpu.cuda.memory_allocated()
    x = gpu.zeros(1024, 1024, device="cuda")
    assert gpu.cuda.memory_allocated() >= before + 4 * 2**20
    del x
    assert gpu.cuda.memory_allocated() < before + 4 * 2**20
    assert gpu.cuda.max_memory_allocated() >= before + 4 * 2**20
    gpu.cuda.reset_peak_memory_stats()
    assert gpu.cuda.max_memory_allocated() == gpu.cuda.memory_allocated()
    with pytest.warns(FutureWarning):
        gpu.cuda.reset_max_memory_allocated()
    with pytest.raises(ValueError, match="Expected a cuda device, but got: cpu"):
        gpu.cuda.memory_allocated("cpu")
