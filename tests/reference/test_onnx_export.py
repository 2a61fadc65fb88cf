"""``reference.onnx.export`` against torch 2.13's: the same weights exported by both, both
files checked by ``onnx.checker`` and run in ONNX Runtime with close outputs, the reference's
file close to its own forward, and every argument of the exporter observed in the file."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest

import reference

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

R = reference


# ----- helpers --------------------------------------------------------------------------
def _load(f) -> onnx.ModelProto:
    if isinstance(f, io.BytesIO):
        return onnx.load_from_string(f.getvalue())
    return onnx.load(str(f))


def _checked(f) -> onnx.ModelProto:
    model = _load(f)
    onnx.checker.check_model(model, full_check=True)
    return model


def _run(f, *inputs: np.ndarray) -> list[np.ndarray]:
    data = f.getvalue() if isinstance(f, io.BytesIO) else _load(f).SerializeToString()
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    feeds = {i.name: x for i, x in zip(session.get_inputs(), inputs, strict=False)}
    return session.run(None, feeds)


def _dims(info) -> list:
    return [d.dim_param if d.dim_param else d.dim_value for d in info.type.tensor_type.shape.dim]


def _ops(model) -> list[str]:
    return [n.op_type for n in model.graph.node]


def _copy_weights(source, target) -> None:
    """Load ``source``'s (torch) state dict into ``target`` (reference)."""
    state = {k: R.from_numpy(v.detach().numpy().copy()) for k, v in source.state_dict().items()}
    target.load_state_dict(state)


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _lenet(nn):
    return nn.Sequential(
        nn.Conv2d(1, 20, 5), nn.BatchNorm2d(20), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(20, 50, 5), nn.BatchNorm2d(50), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10),
    )  # fmt: skip


def _stack(nn):
    return nn.Sequential(
        nn.Linear(6, 16), nn.LeakyReLU(0.2), nn.Linear(16, 16), nn.ELU(), nn.Linear(16, 16),
        nn.GELU(), nn.Linear(16, 16), nn.SiLU(), nn.Linear(16, 8), nn.Hardtanh(-0.5, 0.5),
        nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 8), nn.Sigmoid(), nn.LayerNorm(8),
        nn.Linear(8, 4), nn.LogSoftmax(dim=1),
    )  # fmt: skip


def _conv_bn(nn):
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding="same", groups=2), nn.AvgPool2d(2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(8, 3),
        nn.Softmax(dim=-1),
    )  # fmt: skip


def _conv1d(nn):
    return nn.Sequential(
        nn.Conv1d(2, 4, 3, padding=1), nn.BatchNorm1d(4), nn.ReLU(), nn.MaxPool1d(2),
        nn.Flatten(), nn.Linear(32, 2),
    )  # fmt: skip


def _conv3d(nn):
    return nn.Sequential(
        nn.Conv3d(1, 2, 2, padding=1, dilation=2), nn.ReLU(), nn.Flatten(), nn.Linear(128, 2)
    )


def _twin(build, seed: int = 0):
    """The same model in torch and in the reference, with the same weights and statistics,
    both in eval mode."""
    torch.manual_seed(seed)
    tm, rm = build(torch.nn), build(R.nn)
    for module in tm.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 1.5)
    _copy_weights(tm, rm)
    return tm.eval(), rm.eval()


def _both(tm, rm, x: np.ndarray, tmp_path, **options) -> tuple[list, list, np.ndarray]:
    """Export both, check both, run both; with the reference's own forward."""
    tpath, rpath = tmp_path / "t.onnx", tmp_path / "r.onnx"
    _quiet(torch.onnx.export, tm, (torch.from_numpy(x),), tpath, **options)
    _quiet(R.onnx.export, rm, (R.from_numpy(x),), rpath, **options)
    _checked(tpath), _checked(rpath)
    own = rm(R.from_numpy(x))._data
    return _run(tpath, x), _run(rpath, x), own


# ----- models: the reference's file against torch's and against its own forward ----------
MODELS = {
    "lenet": (_lenet, (2, 1, 28, 28)),
    "stack": (_stack, (5, 6)),
    "conv_bn": (_conv_bn, (2, 3, 12, 12)),
    "conv1d": (_conv1d, (3, 2, 16)),
    "conv3d": (_conv3d, (2, 1, 4, 4, 4)),
}


@pytest.mark.parametrize("dynamo", [False, True])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_runs_like_torch_export(name: str, dynamo: bool, tmp_path) -> None:
    build, shape = MODELS[name]
    tm, rm = _twin(build)
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    theirs, ours, own = _both(tm, rm, x, tmp_path, dynamo=dynamo)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours[0], own, rtol=1e-4, atol=1e-5)


class _LeNetClass:
    """The notes' LeNet as a module class whose forward calls the functional API."""

    @staticmethod
    def build(nn, F):
        class LeNet(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.conv1, self.bn1 = nn.Conv2d(1, 20, 5), nn.BatchNorm2d(20)
                self.conv2, self.bn2 = nn.Conv2d(20, 50, 5), nn.BatchNorm2d(50)
                self.fc1, self.fc2 = nn.Linear(800, 500), nn.Linear(500, 10)

            def forward(self, x):
                x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
                x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
                x = x.view(x.size(0), -1)
                return self.fc2(F.relu(self.fc1(x)))

        return LeNet()


def test_functional_lenet_follows_another_batch_size(tmp_path) -> None:
    tm, rm = _twin(lambda nn: _LeNetClass.build(nn, nn.functional))
    x = np.random.default_rng(2).standard_normal((2, 1, 28, 28)).astype(np.float32)
    dyn = {"dynamic_axes": {"x": {0: "batch"}}, "input_names": ["x"], "dynamo": False}
    theirs, ours, own = _both(tm, rm, x, tmp_path, **dyn)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-4, atol=1e-5)
    big = np.random.default_rng(3).standard_normal((7, 1, 28, 28)).astype(np.float32)
    expected = rm(R.from_numpy(big))._data
    np.testing.assert_allclose(_run(tmp_path / "r.onnx", big)[0], expected, rtol=1e-4, atol=1e-5)


class _TwoInputs:
    @staticmethod
    def build(nn):
        class Mix(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.a, self.b = nn.Linear(4, 3), nn.Linear(5, 3)

            def forward(self, x, y, bias=None):
                out = (self.a(x) + self.b(y)) * 2.0
                return out if bias is None else out - bias

        return Mix()


@pytest.mark.parametrize("dynamo", [False, True])
def test_args_tuple_ending_in_a_dict_and_kwargs(dynamo: bool, tmp_path) -> None:
    tm, rm = _twin(_TwoInputs.build)
    rng = np.random.default_rng(4)
    x, y, b = (rng.standard_normal(s).astype(np.float32) for s in ((2, 4), (2, 5), (2, 3)))
    calls = {"dict": ((x, y, {"bias": b}), None), "kwargs": ((x,), {"y": y, "bias": b})}
    for how, (args, kwargs) in calls.items():
        files = {}
        for lib, model, wrap in ((torch, tm, torch.from_numpy), (R, rm, R.from_numpy)):
            files[lib] = tmp_path / f"{lib.__name__}-{how}.onnx"
            wrapped = tuple(a if isinstance(a, dict) else wrap(a) for a in args)
            wrapped = tuple({k: wrap(v) for k, v in a.items()} if isinstance(a, dict) else a
                            for a in wrapped)  # fmt: skip
            named = None if kwargs is None else {k: wrap(v) for k, v in kwargs.items()}
            _quiet(lib.onnx.export, model, wrapped, files[lib], kwargs=named, dynamo=dynamo)
        model = _checked(files[R])
        assert [i.name for i in model.graph.input] == ["x", "y", "bias"]
        expected = rm(R.from_numpy(x), R.from_numpy(y), bias=R.from_numpy(b))._data
        ours = _run(files[R], x, y, b)[0]
        np.testing.assert_allclose(ours, _run(files[torch], x, y, b)[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-6)


def test_single_tensor_args_and_file_object(tmp_path) -> None:
    _, rm = _twin(_stack)
    x = np.random.default_rng(5).standard_normal((3, 6)).astype(np.float32)
    with open(tmp_path / "m.onnx", "wb") as fh:
        assert _quiet(R.onnx.export, rm, R.from_numpy(x), fh, dynamo=False) is None
    buffer = io.BytesIO()
    program = _quiet(R.onnx.export, rm, R.from_numpy(x), buffer, dynamo=True)
    assert isinstance(program, R.onnx.ONNXProgram)
    own = rm(R.from_numpy(x))._data
    for f in (tmp_path / "m.onnx", buffer):
        _checked(f)
        np.testing.assert_allclose(_run(f, x)[0], own, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(program(R.from_numpy(x))[0]._data, own, rtol=1e-5, atol=1e-6)
    with open(tmp_path / "n.onnx", "wb") as fh, pytest.raises(TypeError, match="PathLike"):
        _quiet(R.onnx.export, rm, R.from_numpy(x), fh, dynamo=True)


# ----- the arguments, observed in the file -----------------------------------------------
@pytest.fixture
def small():
    _, rm = _twin(_conv1d)
    return rm, np.random.default_rng(6).standard_normal((3, 2, 16)).astype(np.float32)


@pytest.mark.parametrize("dynamo", [False, True])
def test_names_and_fixed_shapes(small, dynamo: bool, tmp_path) -> None:
    rm, x = small
    path = tmp_path / "m.onnx"
    names = {"input_names": ["signal"], "output_names": ["logits"]}
    _quiet(R.onnx.export, rm, (R.from_numpy(x),), path, dynamo=dynamo, **names)
    model = _checked(path)
    assert [i.name for i in model.graph.input] == ["signal"]
    assert [o.name for o in model.graph.output] == ["logits"]
    assert _dims(model.graph.input[0]) == [3, 2, 16] and _dims(model.graph.output[0]) == [3, 2]
    with pytest.raises(Exception, match="signal"):  # a fixed batch size of 3
        _run(path, np.concatenate([x, x]))


@pytest.mark.parametrize("axes", [{0: "batch"}, [0]])
def test_dynamic_axes(small, axes, tmp_path) -> None:
    rm, x = small
    path = tmp_path / "m.onnx"
    dyn = {"in": axes, "out": axes}
    options = {"input_names": ["in"], "output_names": ["out"], "dynamic_axes": dyn}
    _quiet(R.onnx.export, rm, (R.from_numpy(x),), path, dynamo=False, **options)
    model = _checked(path)
    label = "batch" if isinstance(axes, dict) else None
    assert _dims(model.graph.input[0])[0] == (label or "in_dynamic_axes_1")
    assert _dims(model.graph.output[0])[0] == (label or "out_dynamic_axes_1")
    big = np.concatenate([x, x, x])
    np.testing.assert_allclose(
        _run(path, big)[0], rm(R.from_numpy(big))._data, rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("opset", [17, 18, 19, 20])
def test_opset_version(opset: int, tmp_path) -> None:
    _, rm = _twin(_stack)
    x = np.random.default_rng(7).standard_normal((3, 6)).astype(np.float32)
    path = tmp_path / "m.onnx"
    _quiet(R.onnx.export, rm, (R.from_numpy(x),), path, opset_version=opset, dynamo=False)
    model = _checked(path)
    assert [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] == [opset]
    np.testing.assert_allclose(_run(path, x)[0], rm(R.from_numpy(x))._data, rtol=1e-4, atol=1e-5)


def test_default_opset_and_names(small, tmp_path) -> None:
    rm, x = small
    _quiet(R.onnx.export, rm, (R.from_numpy(x),), tmp_path / "m.onnx")
    model = _checked(tmp_path / "m.onnx")
    assert model.opset_import[0].version == 20
    assert [i.name for i in model.graph.input] == ["input"]  # Sequential.forward(input)


def test_export_params(small, tmp_path) -> None:
    rm, x = small
    state = ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var"]
    state += ["5.weight", "5.bias"]
    bare, kept = tmp_path / "bare.onnx", tmp_path / "kept.onnx"
    _quiet(R.onnx.export, rm, (R.from_numpy(x),), bare, export_params=False, dynamo=False)
    model = _checked(bare)
    assert not model.graph.initializer
    assert sorted(i.name for i in model.graph.input[1:]) == sorted(state)
    options = {"keep_initializers_as_inputs": True, "do_constant_folding": False}
    _quiet(R.onnx.export, rm, (R.from_numpy(x),), kept, dynamo=False, **options)
    model = _checked(kept)
    assert sorted(i.name for i in model.graph.initializer) == sorted(state)
    assert sorted(i.name for i in model.graph.input[1:]) == sorted(state)
    _quiet(R.onnx.export, rm, (R.from_numpy(x),), bare, export_params=False, dynamo=True)
    assert not _load(bare).graph.initializer and len(_load(bare).graph.input) == 1


def test_constant_folding(tmp_path) -> None:
    tm, rm = _twin(_conv1d)
    x = np.random.default_rng(8).standard_normal((3, 2, 16)).astype(np.float32)
    for folding, count in ((True, 4), (False, 8)):
        path = tmp_path / f"{folding}.onnx"
        options = {"do_constant_folding": folding, "dynamo": False}
        _quiet(R.onnx.export, rm, (R.from_numpy(x),), path, **options)
        model = _checked(path)
        assert len(model.graph.initializer) == count
        assert ("BatchNormalization" in _ops(model)) is not folding
        np.testing.assert_allclose(
            _run(path, x)[0], rm(R.from_numpy(x))._data, rtol=1e-4, atol=1e-5
        )


def test_training_modes(tmp_path) -> None:
    tm, rm = _twin(_conv_bn)
    x = np.random.default_rng(9).standard_normal((4, 3, 12, 12)).astype(np.float32)
    modes = R.onnx.TrainingMode
    for mode, train_bn in ((modes.EVAL, 0), (modes.TRAINING, 1), (modes.PRESERVE, 0)):
        path = tmp_path / f"{mode.name}.onnx"
        _quiet(R.onnx.export, rm, (R.from_numpy(x),), path, training=mode, dynamo=False)
        model = _checked(path)
        bn = [n for n in model.graph.node if n.op_type == "BatchNormalization"]
        attrs = {a.name: a.i for a in bn[0].attribute} if bn else {}
        assert attrs.get("training_mode", 0) == train_bn, mode
        assert ("Dropout" in _ops(model)) is bool(train_bn)
        assert not rm.training  # the module's mode is left as it was
    rm.train()
    _quiet(R.onnx.export, rm, (R.from_numpy(x),), tmp_path / "p.onnx", training=modes.PRESERVE)
    assert "Dropout" in _ops(_load(tmp_path / "p.onnx"))
    # the training-mode graph normalizes with the batch's statistics, as torch's does
    rm.eval()
    tm[7].p = rm[7].p = 0.0  # dropout off, so both outputs are deterministic
    options = {"training": modes.TRAINING, "dynamo": False}
    _quiet(R.onnx.export, rm, (R.from_numpy(x),), tmp_path / "r0.onnx", **options)
    options["training"] = torch.onnx.TrainingMode.TRAINING
    _quiet(torch.onnx.export, tm, (torch.from_numpy(x),), tmp_path / "t0.onnx", **options)
    theirs, ours = _run(tmp_path / "t0.onnx", x)[0], _run(tmp_path / "r0.onnx", x)[0]
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_dynamo_exports_the_module_as_it_is(tmp_path) -> None:
    _, rm = _twin(_conv_bn)
    x = R.randn(2, 3, 12, 12)
    rm.train()
    with pytest.warns(UserWarning, match="training mode"):
        R.onnx.export(rm, (x,), tmp_path / "m.onnx", training=R.onnx.TrainingMode.EVAL)
    model = _load(tmp_path / "m.onnx")
    assert "Dropout" in _ops(model)
    bn = [n for n in model.graph.node if n.op_type == "BatchNormalization"]
    assert bn and all(a.i == 0 for a in bn[0].attribute if a.name == "training_mode")
    assert rm.training and int(rm[1].num_batches_tracked) == 0  # state left as it was


# ----- errors ---------------------------------------------------------------------------
class _Unsupported:
    @staticmethod
    def build(nn):
        class Cumulative(nn.Module):
            def forward(self, x):
                return x.cumsum(0)

        return Cumulative()


def test_unsupported_operator_is_named(tmp_path) -> None:
    x = R.randn(3, 4)
    with pytest.raises(R.onnx.errors.UnsupportedOperatorError, match="'aten::cumsum'"):
        _quiet(R.onnx.export, _Unsupported.build(R.nn), (x,), tmp_path / "m.onnx", dynamo=False)
    with pytest.raises(R.onnx.OnnxExporterError, match="Failed to convert.*cumsum"):
        _quiet(R.onnx.export, _Unsupported.build(R.nn), (x,), tmp_path / "m.onnx", dynamo=True)


def test_errors_as_torch_raises_them(tmp_path) -> None:
    _, rm = _twin(_stack)
    x, path = R.randn(3, 6), tmp_path / "m.onnx"
    with pytest.raises(RuntimeError, match="Unsupported onnx_opset_version: 24"):
        _quiet(R.onnx.export, rm, (x,), path, opset_version=24, dynamo=False)
    with pytest.raises(RuntimeError, match="exceeded number of inputs"):
        _quiet(R.onnx.export, rm, (x,), path, input_names=["a", "b"], dynamo=False)
    with pytest.raises(TypeError, match="takes 2 positional arguments but 3 were given"):
        _quiet(R.onnx.export, rm, (x, x), path, dynamo=False)
    with pytest.raises(RuntimeError, match="Failed to export the model"):
        _quiet(R.onnx.export, rm, (x, x), path, dynamo=True)
    with pytest.warns(UserWarning, match="not a valid input/output name"):
        R.onnx.export(rm, (x,), path, dynamic_axes={"nope": [0]}, dynamo=False)
    with pytest.raises(RuntimeError, match="Failed to convert 'dynamic_axes'"):
        _quiet(R.onnx.export, rm, (x,), path, dynamic_axes={"nope": [0]}, dynamo=True)
    with pytest.warns(DeprecationWarning, match="legacy TorchScript-based ONNX export"):
        R.onnx.export(rm, (x,), path, dynamo=False)


def test_untraced_runs_are_not_recorded() -> None:
    assert not R.onnx.is_in_onnx_export()
    seen = []

    class Probe(R.nn.Module):
        def forward(self, x):
            seen.append(R.onnx.is_in_onnx_export())
            return x.relu() if hasattr(x, "relu") else R.nn.functional.relu(x)

    _quiet(R.onnx.export, Probe(), (R.randn(2),), io.BytesIO(), dynamo=True)
    assert seen == [True] and not R.onnx.is_in_onnx_export()
