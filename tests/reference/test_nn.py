"""``reference.nn.Module`` and ``Parameter`` against torch 2.13: registration, attribute
rules and their errors, iteration orders and names, modes, hooks, conversion, ``repr``,
``state_dict`` and ``load_state_dict``."""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict

import pytest

import reference
from tests.reference.nn_compare import same, to_ref

torch = pytest.importorskip("torch")


def build_net(mod):
    """A small model with nested modules, a shared module, buffers (one non-persistent)."""
    nn = mod.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)
            self.register_buffer("count", mod.zeros(1, dtype=mod.int64))
            self.register_buffer("scratch", mod.ones(2), persistent=False)

        def forward(self, x):
            return self.fc(x)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = Block()
            self.scale = nn.Parameter(mod.ones(()))
            self.second = nn.Sequential(nn.Linear(2, 4), nn.Identity())
            self.shared = self.first  # the same module registered twice
            self.register_parameter("unused", None)
            self.register_buffer("empty", None)

        def forward(self, x):
            return self.second(self.first(x)) * self.scale

    return Net()


# ----- Parameter ----------------------------------------------------------------------
def test_parameter_basics():
    same(lambda m: m.nn.Parameter(m.ones(2, 3)))
    same(lambda m: m.nn.Parameter(m.ones(2), requires_grad=False))
    same(lambda m: m.nn.Parameter())
    same(lambda m: repr(m.nn.Parameter(m.arange(4.0))))
    same(lambda m: str(m.nn.Parameter(m.zeros(2, dtype=m.float64), requires_grad=False)))
    same(lambda m: repr(m.nn.Parameter()))
    same(lambda m: m.nn.Parameter(m.zeros(2, dtype=m.int64)))
    same(lambda m: m.nn.Parameter(m.zeros(2, dtype=m.int64), requires_grad=False))
    same(lambda m: m.nn.Parameter([1.0]))
    with torch.no_grad(), reference.no_grad():
        same(lambda m: m.nn.Parameter(m.ones(1)).requires_grad)


def test_parameter_is_a_tensor_sharing_memory():
    def fn(m):
        data = m.zeros(3)
        p = m.nn.Parameter(data)
        data[0] = 5.0
        out = p * 2
        return (
            isinstance(p, m.Tensor),
            p.is_leaf,
            p.tolist(),
            type(out).__name__,
            type(p.data).__name__,
            type(p.detach()).__name__,
            type(p.clone()).__name__,
            out.requires_grad,
            isinstance(m.ones(1), m.nn.Parameter),
        )

    same(fn)


def test_parameter_from_a_non_leaf_is_a_leaf():
    def fn(m):
        x = m.ones(2, requires_grad=True)
        p = m.nn.Parameter(x * 2)
        return p.is_leaf, p.grad_fn is None, p.requires_grad

    same(fn)


def test_parameter_copies_and_pickles():
    for lib in (reference, torch):
        p = lib.nn.Parameter(lib.arange(3.0), requires_grad=False)
        for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
            assert type(q) is lib.nn.Parameter
            assert q.tolist() == [0.0, 1.0, 2.0] and not q.requires_grad
            assert q.data_ptr() != p.data_ptr()


def test_buffer():
    def fn(m):
        net = m.nn.Module()
        net.a = m.nn.Buffer(m.ones(2))
        net.b = m.nn.Buffer(m.zeros(1), persistent=False)
        net.c = m.ones(1)  # a plain tensor is a plain attribute
        return (
            isinstance(net.a, m.nn.Buffer),
            [n for n, _ in net.named_buffers()],
            list(net.state_dict()),
            "c" in net.__dict__,
        )

    same(fn)


# ----- registration and attribute rules -----------------------------------------------------
def test_registration_orders_and_names():
    def fn(m):
        net = build_net(m)
        return (
            [n for n, _ in net.named_parameters()],
            [n for n, _ in net.named_parameters(prefix="model")],
            [n for n, _ in net.named_parameters(remove_duplicate=False)],
            [n for n, _ in net.named_parameters(recurse=False)],
            [n for n, _ in net.named_buffers()],
            [n for n, _ in net.named_buffers(remove_duplicate=False)],
            [n for n, _ in net.named_children()],
            [n for n, _ in net.named_modules()],
            [n for n, _ in net.named_modules(prefix="root")],
            [n for n, _ in net.named_modules(remove_duplicate=False)],
            len(list(net.parameters())),
            len(list(net.parameters(recurse=False))),
            len(list(net.buffers())),
            len(list(net.children())),
            [type(x).__name__ for x in net.modules()],
            list(net._parameters),
            list(net._buffers),
            list(net._modules),
            sorted(net._non_persistent_buffers_set),
            sorted(net.first._non_persistent_buffers_set),
        )

    same(fn)


def test_parameters_are_the_registered_objects():
    for lib in (reference, torch):
        net = build_net(lib)
        assert next(net.parameters()) is net.scale
        assert dict(net.named_parameters())["scale"] is net.scale
        assert net.get_parameter("second.0.bias") is net.second[0].bias
        assert net.get_buffer("first.count") is net.first.count
        assert net.get_submodule("second.1") is net.second[1]
        assert net.get_submodule("") is net


def test_getattr_errors():
    same(lambda m: m.nn.Linear(1, 1).nope)
    same(lambda m: build_net(m).first.fc.out_features)
    same(lambda m: hasattr(m.nn.Module(), "weight"))


SETATTR_CASES = {
    "tensor_as_parameter": lambda m, net: setattr(net.first.fc, "weight", m.zeros(2, 3)),
    "int_as_parameter": lambda m, net: setattr(net.first.fc, "weight", 5),
    "double_tensor_as_parameter": lambda m, net: setattr(
        net, "scale", m.zeros((), dtype=m.float64)
    ),
    "int_as_module": lambda m, net: setattr(net, "first", 3),
    "tensor_as_module": lambda m, net: setattr(net, "first", m.ones(1)),
    "list_as_module": lambda m, net: setattr(net, "second", [1]),
    "int_as_buffer": lambda m, net: setattr(net.first, "count", 1.5),
    "module_as_parameter": lambda m, net: setattr(net, "scale", m.nn.Identity()),
    "none_as_parameter": lambda m, net: setattr(net, "scale", None),
    "none_as_module": lambda m, net: setattr(net, "first", None),
    "none_as_buffer": lambda m, net: setattr(net.first, "count", None),
    "tensor_as_buffer": lambda m, net: setattr(net.first, "count", m.ones(3)),
    "buffer_as_buffer_name": lambda m, net: setattr(net, "count", m.nn.Buffer(m.ones(1))),
}


@pytest.mark.parametrize("case", sorted(SETATTR_CASES))
def test_setattr_rules(case):
    def fn(m):
        net = build_net(m)
        SETATTR_CASES[case](m, net)
        return (
            [n for n, _ in net.named_parameters()],
            [n for n, _ in net.named_buffers()],
            [n for n, _ in net.named_modules()],
            list(net.state_dict()),
        )

    same(fn)


def test_reassignment_moves_between_registries():
    def fn(m):
        net = m.nn.Module()
        net.x = m.nn.Parameter(m.ones(1))
        net.x = m.nn.Identity()  # a module replaces the parameter
        after_module = (list(net._parameters), list(net._modules))
        net.x = m.nn.Parameter(m.ones(2))  # and back
        after_param = (list(net._parameters), list(net._modules))
        net.y = 3
        net.y = m.nn.Parameter(m.ones(1))  # a plain attribute becomes a parameter
        return after_module, after_param, "y" in net.__dict__, list(net._parameters)

    same(fn)


def test_delattr():
    def fn(m):
        net = build_net(m)
        del net.scale
        del net.first.count
        del net.second
        net.plain = 1
        del net.plain
        return (
            [n for n, _ in net.named_parameters()],
            [n for n, _ in net.named_buffers()],
            [n for n, _ in net.named_modules()],
            hasattr(net, "plain"),
        )

    same(fn)
    same(lambda m: delattr(m.nn.Module(), "missing"))


def _uninitialized(m):
    class Early(m.nn.Module):
        def __init__(self, what):
            if what == "param":
                self.p = m.nn.Parameter(m.ones(1))
            elif what == "module":
                self.s = m.nn.Identity()
            elif what == "buffer":
                self.register_buffer("b", m.ones(1))
            elif what == "register_parameter":
                self.register_parameter("p", None)
            super().__init__()

    return Early


@pytest.mark.parametrize("what", ["param", "module", "buffer", "register_parameter"])
def test_assignment_before_init(what):
    same(lambda m: _uninitialized(m)(what))


REGISTER_CASES = {
    "buffer_name_type": lambda m, n: n.register_buffer(1, m.ones(1)),
    "buffer_dot": lambda m, n: n.register_buffer("a.b", m.ones(1)),
    "buffer_empty": lambda m, n: n.register_buffer("", m.ones(1)),
    "buffer_exists": lambda m, n: n.register_buffer("fc", m.ones(1)),
    "buffer_attr_exists": lambda m, n: n.register_buffer("training", m.ones(1)),
    "buffer_not_tensor": lambda m, n: n.register_buffer("b", [1.0]),
    "buffer_parameter_name": lambda m, n: n.register_buffer("w", m.ones(1)),
    "param_name_type": lambda m, n: n.register_parameter(None, m.nn.Parameter(m.ones(1))),
    "param_dot": lambda m, n: n.register_parameter("a.b", m.nn.Parameter(m.ones(1))),
    "param_empty": lambda m, n: n.register_parameter("", None),
    "param_exists": lambda m, n: n.register_parameter("fc", None),
    "param_tensor": lambda m, n: n.register_parameter("p", m.ones(1)),
    "param_non_leaf": lambda m, n: n.register_parameter("p", m.nn.Parameter(m.ones(1)) * 1),
    "module_type": lambda m, n: n.add_module("x", m.ones(1)),
    "module_int": lambda m, n: n.add_module("x", 3),
    "module_name_type": lambda m, n: n.add_module(2, m.nn.Identity()),
    "module_exists": lambda m, n: n.add_module("w", m.nn.Identity()),
    "module_dot": lambda m, n: n.register_module("a.b", m.nn.Identity()),
    "module_empty": lambda m, n: n.add_module("", m.nn.Identity()),
    "module_none": lambda m, n: n.add_module("gone", None),
    "buffer_ok": lambda m, n: n.register_buffer("b", m.ones(1), persistent=False),
}


@pytest.mark.parametrize("case", sorted(REGISTER_CASES))
def test_register_errors(case):
    def fn(m):
        net = m.nn.Module()
        net.fc = m.nn.Linear(1, 1)
        net.w = m.nn.Parameter(m.ones(1))
        REGISTER_CASES[case](m, net)
        return list(net._parameters), list(net._buffers), list(net._modules), repr(net)

    same(fn)


def test_non_leaf_parameter_assignment():
    def fn(m):
        net = m.nn.Module()
        p = m.nn.Parameter(m.ones(1))
        q = p.view(1)  # a view of a leaf has a grad_fn but is not a Parameter
        net.register_parameter("q", q)

    same(fn)


def test_submodule_accessors_errors():
    same(lambda m: build_net(m).get_submodule("first.nope"))
    same(lambda m: build_net(m).get_submodule("first.fc.weight"))
    same(lambda m: build_net(m).get_parameter("first.fc.nope"))
    same(lambda m: build_net(m).get_parameter("first.count"))
    same(lambda m: build_net(m).get_buffer("first.fc.weight"))
    same(lambda m: build_net(m).get_buffer("nope.count"))

    def replace(m):
        net = build_net(m)
        net.set_submodule("second.1", m.nn.Linear(4, 1))
        net.set_submodule("second.extra", m.nn.Identity())
        return net

    same(replace)
    same(lambda m: build_net(m).set_submodule("", m.nn.Identity()))
    same(lambda m: build_net(m).set_submodule("scale", m.nn.Identity()))
    same(lambda m: build_net(m).set_submodule("second.new", m.nn.Identity(), strict=True))


def test_dir_lists_registered_names():
    def fn(m):
        net = build_net(m)
        names = dir(net)
        seq = dir(net.second)
        return [n in names for n in ("first", "scale", "second", "unused", "empty", "training")], [
            n in seq for n in ("0", "1", "forward")
        ]

    same(fn)


# ----- modes, gradients, apply, conversion ---------------------------------------------------
def test_train_eval():
    def fn(m):
        net = build_net(m)
        modes = [net.eval() is net, [x.training for x in net.modules()]]
        net.second.train()
        modes.append([x.training for x in net.modules()])
        modes.append(net.train(True) is net)
        return modes

    same(fn)
    same(lambda m: m.nn.Linear(1, 1).train(1))
    same(lambda m: m.nn.Linear(1, 1).train("yes"))


def test_zero_grad_and_requires_grad():
    def fn(m, set_to_none):
        net = m.nn.Linear(3, 2)
        net(m.ones(4, 3)).sum().backward()
        before = [p.grad is not None for p in net.parameters()]
        net.zero_grad(set_to_none=set_to_none)
        return before, [None if p.grad is None else p.grad for p in net.parameters()]

    same(lambda m: fn(m, True))
    same(lambda m: fn(m, False))

    def freeze(m):
        net = build_net(m)
        assert net.requires_grad_(False) is net
        return [p.requires_grad for p in net.parameters()]

    same(freeze)


def test_apply_visits_children_first():
    def fn(m):
        seen = []
        net = build_net(m)
        assert net.apply(lambda x: seen.append(type(x).__name__)) is net
        return seen

    same(fn)


def test_conversion_keeps_parameter_identity():
    def fn(m, how):
        net = build_net(m)
        weight = net.first.fc.weight
        net(m.ones(1, 3)).sum().backward()
        out = getattr(net, how)() if how in ("double", "float", "half", "cpu") else net.to(how)
        return (
            out is net,
            net.first.fc.weight is weight,
            [(n, str(p.dtype), str(p.grad.dtype)) for n, p in net.named_parameters()],
            [(n, str(b.dtype)) for n, b in net.named_buffers()],
            type(net.first.fc.weight).__name__,
            net.first.fc.weight.requires_grad,
        )

    for how in ("double", "float", "half", "cpu"):
        same(lambda m, how=how: fn(m, how))
    same(lambda m: fn(m, m.float64))
    same(lambda m: fn(m, "cpu"))
    same(lambda m: fn(m, m.zeros(1, dtype=m.float16)))
    same(lambda m: build_net(m).to(m.device("cpu"), m.float64).scale.dtype)
    same(lambda m: build_net(m).to(dtype=m.float64).first.count.dtype)
    same(lambda m: build_net(m).to(m.complex128).scale)  # torch warns
    same(lambda m: build_net(m).to(m.int64))
    same(lambda m: build_net(m).to(copy=True))
    same(lambda m: build_net(m).to(m.ones(1, dtype=m.int64)))
    same(lambda m: build_net(m).to(m.ones(1, dtype=m.float64), non_blocking=True).scale)
    same(lambda m: build_net(m).to(dtype=m.bool))
    same(lambda m: build_net(m).cuda())
    same(lambda m: build_net(m).to("cuda"))


def test_conversion_values():
    def fn(m):
        net = m.nn.Linear(2, 2)
        return net.double().weight, net.half().bias, net.float().weight

    same(fn)


# ----- calling and hooks -------------------------------------------------------------------
def test_module_without_forward():
    same(lambda m: m.nn.Module()(1))

    def sub(m):
        class NoForward(m.nn.Module):
            pass

        return NoForward()(m.ones(1))

    same(sub)


def _traced(m, log):
    net = m.nn.Linear(2, 2)
    net.register_forward_pre_hook(lambda mod, args: log.append(("pre", len(args))))
    net.register_forward_hook(lambda mod, args, out: log.append(("post", tuple(out.shape))))
    return net


def test_hooks_order_and_results():
    def fn(m):
        log = []
        net = _traced(m, log)
        h1 = net.register_forward_pre_hook(lambda mod, args: args[0] * 0)
        h2 = net.register_forward_hook(lambda mod, args, out: out + 1)
        net.register_forward_pre_hook(lambda mod, args: log.append("first"), prepend=True)
        net.register_forward_hook(lambda mod, args, out: log.append("earliest"), prepend=True)
        y = net(m.ones(3, 2))
        h1.remove()
        h2.remove()
        h2.remove()  # removing twice is a no-op
        z = net(m.zeros(3, 2))
        return log, y - net.bias - 1, z - net.bias

    same(fn)


def test_hooks_with_kwargs_and_context_manager():
    def fn(m):
        class Scale(m.nn.Module):
            def forward(self, x, factor=1.0):
                return x * factor

        net = Scale()
        log = []

        def pre(mod, args, kwargs):
            log.append(sorted(kwargs))
            return (args[0] + 1,), {"factor": 3.0}

        def post(mod, args, kwargs, out):
            log.append((sorted(kwargs), out.tolist()))

        with net.register_forward_pre_hook(pre, with_kwargs=True):
            net.register_forward_hook(post, with_kwargs=True)
            a = net(m.ones(2), factor=2.0)
        b = net(m.ones(2), factor=2.0)
        return log, a, b

    same(fn)


def test_bad_pre_hook_result_and_always_call():
    def bad(m):
        net = m.nn.Identity()
        net.register_forward_pre_hook(lambda mod, a, k: 5, with_kwargs=True)
        return net(m.ones(1))

    same(bad)

    def always(m):
        class Boom(m.nn.Module):
            def forward(self, x):
                raise ValueError("boom")

        net = Boom()
        log = []
        net.register_forward_hook(lambda mod, a, out: log.append(("always", out)), always_call=True)
        net.register_forward_hook(lambda mod, a, out: log.append("normal"))
        try:
            net(m.ones(1))
        except ValueError as e:
            log.append(str(e))
        return log

    same(always)


def test_forward_pre_hook_single_value_is_wrapped():
    def fn(m):
        net = m.nn.Bilinear(2, 2, 1)
        net.register_forward_pre_hook(lambda mod, args: (args[1], args[0]))
        seen = []
        net.register_forward_hook(lambda mod, args, out: seen.append(len(args)))
        net(m.ones(1, 2), m.zeros(1, 2))
        ident = m.nn.Identity()
        ident.register_forward_pre_hook(lambda mod, args: args[0] * 2)
        return seen, ident(m.ones(2))

    same(fn)


# ----- repr ----------------------------------------------------------------------------------
def test_repr():
    def fn(m):
        class Multi(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = m.nn.Linear(2, 3, bias=False)

            def extra_repr(self):
                return "first line\nsecond line"

        class Only(m.nn.Module):
            def extra_repr(self):
                return "alpha=1"

        return [
            repr(m.nn.Module()),
            repr(build_net(m)),
            repr(Multi()),
            str(Only()),
            repr(m.nn.Bilinear(2, 3, 4, bias=False)),
            repr(m.nn.Identity(54, unused="x")),
            repr(m.nn.Sequential()),
        ]

    same(fn)


# ----- state_dict ----------------------------------------------------------------------------
def test_state_dict_keys_values_and_metadata():
    def fn(m):
        net = build_net(m)
        sd = net.state_dict()
        return (
            type(sd).__name__,
            sd,
            sd._metadata,
            list(net.state_dict(prefix="model.")),
            net.state_dict(prefix="p.")._metadata,
            [type(v).__name__ for v in net.state_dict(keep_vars=True).values()],
        )

    same(fn)


def test_state_dict_shares_memory_and_detaches():
    for lib in (reference, torch):
        net = build_net(lib)
        sd = net.state_dict()
        assert not sd["first.fc.weight"].requires_grad
        assert sd["first.fc.weight"].data_ptr() == net.first.fc.weight.data_ptr()
        sd["scale"].fill_(7.0)
        assert net.scale.item() == 7.0
        assert net.state_dict(keep_vars=True)["scale"] is net.scale


def test_state_dict_destination_and_positional_args():
    def fn(m):
        dest = {}
        out = m.nn.Linear(1, 2).state_dict(dest, "x.")
        return out is dest, list(dest), hasattr(dest, "_metadata")

    same(fn)


def test_state_dict_hooks():
    def fn(m):
        net = m.nn.Linear(1, 1)
        log = []
        net.register_state_dict_pre_hook(lambda mod, prefix, keep: log.append((prefix, keep)))
        h = net.register_state_dict_post_hook(lambda mod, sd, prefix, meta: log.append(list(sd)))
        net.state_dict(prefix="a.")
        h.remove()
        net.state_dict()
        return log

    same(fn)
    same(
        lambda m: (
            m.nn.Linear(1, 1).register_state_dict_post_hook(lambda *a: {})
            and None
            or m.nn.Linear(1, 1).state_dict()
        )
    )


def _load(m, net, entries, **kwargs):
    """``net.load_state_dict`` of torch tensors converted to ``m``'s tensors."""
    conv = (lambda v: to_ref(v) if isinstance(v, torch.Tensor) else v) if m is reference else None
    state = OrderedDict((k, conv(v) if conv else v) for k, v in entries.items())
    result = net.load_state_dict(state, **kwargs)
    return repr(result), str(result), result.missing_keys, result.unexpected_keys, net


LOAD_CASES = {
    "exact": lambda: {"weight": torch.ones(4, 3), "bias": torch.zeros(4)},
    "missing": lambda: {"weight": torch.ones(4, 3)},
    "unexpected": lambda: {"weight": torch.ones(4, 3), "bias": torch.ones(4), "x": torch.ones(1)},
    "both": lambda: {"weight": torch.ones(4, 3), "x.y": torch.ones(1)},
    "size": lambda: {"weight": torch.ones(4, 2), "bias": torch.ones(3)},
    "not_tensor": lambda: {"weight": 3, "bias": torch.zeros(4)},
    "dtype_cast": lambda: {"weight": torch.ones(4, 3, dtype=torch.float64), "bias": torch.ones(4)},
    "int_values": lambda: {"weight": torch.ones(4, 3, dtype=torch.int64), "bias": torch.ones(4)},
    "extra_state": lambda: {"weight": torch.ones(4, 3), "bias": torch.ones(4), "_extra_state": 1},
    "empty": lambda: {},
}


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("case", sorted(LOAD_CASES))
def test_load_state_dict(case, strict):
    same(lambda m: _load(m, m.nn.Linear(3, 4), LOAD_CASES[case](), strict=strict))


def test_load_state_dict_nested_and_errors():
    def fn(m, entries):
        return _load(m, build_net(m), entries)

    sd = build_net(torch).state_dict()
    same(lambda m: fn(m, sd))
    partial = {k: v for k, v in sd.items() if not k.startswith("second")}
    same(lambda m: fn(m, partial))
    extra = dict(sd, **{"second.2.weight": torch.ones(1), "first.fc.extra": torch.ones(1)})
    same(lambda m: fn(m, extra))
    same(lambda m: m.nn.Linear(1, 1).load_state_dict([("weight", m.ones(1, 1))]))
    same(lambda m: m.nn.Linear(1, 1).load_state_dict(None))


def test_load_state_dict_copies_in_place():
    def fn(m):
        net = m.nn.Linear(2, 2)
        weight, version = net.weight, net.weight._version
        source = m.nn.Linear(2, 2)
        with m.no_grad():
            source.weight.fill_(3.0)
        net.load_state_dict(source.state_dict())
        source.weight.data.fill_(4.0)  # no aliasing with the source
        return net.weight is weight, net.weight._version > version, net.weight, net.bias

    same(fn)


def test_load_state_dict_assign():
    def fn(m):
        net = m.nn.Linear(2, 2)
        net.weight.requires_grad_(False)
        weight = net.weight
        state = {"weight": m.full((2, 2), 2.0), "bias": m.nn.Parameter(m.ones(2))}
        net.load_state_dict(state, assign=True)
        return (
            net.weight is weight,
            type(net.weight).__name__,
            net.weight.requires_grad,
            net.bias is state["bias"],
            net.weight.data_ptr() == state["weight"].data_ptr(),
            net.weight,
        )

    same(fn)


def test_load_state_dict_scalar_from_one_element():
    def fn(m):
        net = m.nn.Module()
        net.s = m.nn.Parameter(m.zeros(()))
        net.load_state_dict({"s": m.full((1,), 4.0)})
        return net.s

    same(fn)


def test_load_state_dict_hooks_and_extra_state():
    def fn(m):
        class Stateful(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = m.nn.Linear(1, 1)
                self.note = "initial"

            def get_extra_state(self):
                return {"note": self.note}

            def set_extra_state(self, state):
                self.note = state["note"]

        src, dst = Stateful(), Stateful()
        src.note = "saved"
        log = []
        dst.register_load_state_dict_pre_hook(lambda mod, sd, prefix, *rest: log.append(prefix))
        dst.register_load_state_dict_post_hook(
            lambda mod, keys: log.append((keys.missing_keys, keys.unexpected_keys))
        )
        sd = src.state_dict()
        result = dst.load_state_dict(sd)
        missing = Stateful().load_state_dict({}, strict=False)
        return list(sd), dst.note, log, repr(result), repr(missing)

    same(fn)


# ----- copying ------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_modules_copy_and_pickle(how):
    def fn(m):
        net = m.nn.Sequential(
            m.nn.Linear(2, 3),
            m.nn.LazyLinear(2),
            m.nn.ModuleList([m.nn.Identity()]),
            m.nn.ParameterDict({"p": m.ones(1)}),
        )
        net[0].register_buffer("steps", m.zeros((), dtype=m.int64))
        copied = copy.deepcopy(net) if how == "deepcopy" else pickle.loads(pickle.dumps(net))
        out = copied[:2](m.ones(1, 2))
        return (
            repr(copied),
            copied.state_dict(),
            copied[0].weight is net[0].weight,
            type(copied[0].weight).__name__,
            copied[0].weight.requires_grad,
            type(net[1]).__name__,
            len(net[1]._forward_pre_hooks),
            out.shape,
        )

    same(fn)
