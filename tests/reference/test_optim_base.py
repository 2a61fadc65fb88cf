"""``reference.optim.Optimizer`` (the base class) against torch 2.13: parameter groups and
their defaults, add_param_group's errors, zero_grad, parameters without gradients,
state_dict's layout, load_state_dict (errors, casting, sharing, the same trajectory after a
load) and the step, state_dict and load_state_dict hooks.

Both libraries run the same small optimizer written on their base class (``Halving``: a
buffer halved and added to each step), so these tests need no concrete optimizer; its steps
compute exactly (powers of two), so values are compared bit for bit.
"""

from __future__ import annotations

import functools
import importlib
import re
from typing import Any

import numpy as np
import pytest

import reference
from reference.optim.optimizer import stepping
from tests.reference.nn_compare import outcome, same, to_np

torch = pytest.importorskip("torch")


@functools.cache
def halving(lib: Any) -> type:
    """An optimizer on ``lib``'s base class: ``buf = buf / 2 + grad; p -= lr * buf``, with a
    float32 ``step`` count, like torch's own optimizers."""
    wrap = stepping if lib is reference else (lambda f: f)

    class Halving(lib.optim.Optimizer):
        def __init__(self, params: Any, lr: float = 0.5, decay: float = 0.0, flag=False):
            if lr < 0:
                raise ValueError(f"Invalid learning rate: {lr}")
            super().__init__(params, {"lr": lr, "decay": decay, "flag": flag})

        @wrap
        def step(self, closure: Any = None) -> Any:
            loss = None
            if closure is not None:
                with lib.enable_grad():
                    loss = closure()
            with lib.no_grad():
                for group in self.param_groups:
                    for p in group["params"]:
                        if p.grad is None:
                            continue
                        state = self.state[p]
                        if not state:
                            state["step"] = lib.tensor(0.0)
                            state["buf"] = lib.zeros_like(p)
                        state["step"] += 1
                        state["buf"].mul_(0.5).add_(p.grad)
                        p.sub_(state["buf"] * group["lr"])
            return loss

    return Halving


def base_module(lib: Any) -> Any:
    """``torch.optim.optimizer`` (torch's package does not bind it as an attribute)."""
    return importlib.import_module(f"{lib.__name__}.optim.optimizer")


def leaves(lib: Any, *shapes: tuple[int, ...], dtype: str = "float32") -> list[Any]:
    """Leaf tensors that require grad, with fixed values (multiples of 1/4)."""
    out = []
    for i, shape in enumerate(shapes):
        n = int(np.prod(shape))
        values = ((np.arange(n) % 7 - 3 + i) / 4).reshape(shape)
        out.append(lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=True))
    return out


def give_grads(lib: Any, params: list[Any], k: int = 1) -> None:
    """Gradients of the same values in both libraries (multiples of 1/8)."""
    for i, p in enumerate(params):
        n = p.numel()
        values = ((np.arange(n) * (k + 2) + i) % 5 - 2) / 8
        p.grad = lib.tensor(values.reshape(tuple(p.shape)), dtype=p.dtype)


def describe(state_dict: dict[str, Any]) -> Any:
    """A state_dict as plain values: tensors as (dtype, shape, values)."""
    if isinstance(state_dict, dict):
        return {k: describe(v) for k, v in state_dict.items()}
    if isinstance(state_dict, (list, tuple)):
        return type(state_dict)(describe(v) for v in state_dict)
    if isinstance(state_dict, (reference.Tensor, torch.Tensor)):
        return (str(state_dict.dtype), tuple(state_dict.shape), to_np(state_dict).tolist())
    return state_dict


def run_steps(lib: Any, opt: Any, params: list[Any], steps: int, start: int = 0) -> None:
    for k in range(start, start + steps):
        give_grads(lib, params, k)
        opt.step()


# ----- construction and parameter groups ------------------------------------------------
def test_per_parameter_options_fill_defaults() -> None:
    def fn(lib):
        a, b, c = leaves(lib, (2, 3), (3,), (1,))
        opt = halving(lib)([{"params": [a, b]}, {"params": c, "lr": 0.25}], decay=0.5)
        return [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups], [
            len(g["params"]) for g in opt.param_groups
        ]

    same(fn, seed=None)


def test_param_groups_keep_the_callers_dicts_and_order() -> None:
    for lib in (reference, torch):
        a, b = leaves(lib, (2,), (3,))
        group = {"params": (p for p in [b, a]), "lr": 0.125}
        opt = halving(lib)([group])
        assert opt.param_groups[0] is group
        assert group["params"][0] is b and group["params"][1] is a
        assert list(group) == ["params", "lr", "decay", "flag"]


def test_named_parameters_give_param_names() -> None:
    def fn(lib):
        a, b = leaves(lib, (2,), (3,))
        opt = halving(lib)([("w", a), ("b", b)])
        opt.add_param_group({"params": [("c", leaves(lib, (1,))[0])], "lr": 1.0})
        sd = opt.state_dict()
        return [g.get("param_names") for g in sd["param_groups"]], repr(opt)

    same(fn, seed=None)


def test_add_param_group_appends_a_group() -> None:
    def fn(lib):
        a, b = leaves(lib, (2,), (3,))
        opt = halving(lib)([a], lr=0.25)
        opt.add_param_group({"params": b, "flag": True})
        return describe(opt.state_dict()["param_groups"]), repr(opt)

    same(fn, seed=None)


def _second_group(params: Any) -> Any:
    def fn(lib):
        a, b = leaves(lib, (2,), (3,))
        opt = halving(lib)([a])
        opt.add_param_group(params(lib, a, b))

    return fn


ERRORS = {
    "tensor_as_params": lambda lib: halving(lib)(leaves(lib, (2,))[0]),
    "empty": lambda lib: halving(lib)([]),
    "empty_generator": lambda lib: halving(lib)(iter([])),
    "set": lambda lib: halving(lib)([{"params": set(leaves(lib, (2,)))}]),
    "non_tensor": lambda lib: halving(lib)([leaves(lib, (2,))[0], 3]),
    "non_tensor_list": lambda lib: halving(lib)([[1.0, 2.0]]),
    "non_leaf": lambda lib: halving(lib)([leaves(lib, (2,))[0] * 2]),
    "group_not_dict": _second_group(lambda lib, a, b: [b]),
    "no_params_key": _second_group(lambda lib, a, b: {"lr": 0.1}),
    "in_two_groups": _second_group(lambda lib, a, b: {"params": [b, a]}),
    "same_group_again": _second_group(lambda lib, a, b: {"params": a}),
    "set_in_group": _second_group(lambda lib, a, b: {"params": {b}}),
    "non_tensor_in_group": _second_group(lambda lib, a, b: {"params": [b, "w"]}),
    "non_leaf_in_group": _second_group(lambda lib, a, b: {"params": [b.exp()]}),
    "names_missing": lambda lib: halving(lib)([("w", leaves(lib, (2,))[0]), leaves(lib, (1,))[0]]),
    "named_group_after_plain": _second_group(lambda lib, a, b: {"params": [("b", b)]}),
    "invalid_lr": lambda lib: halving(lib)(leaves(lib, (2,)), lr=-1.0),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_construction_errors(case: str) -> None:
    same(ERRORS[case], seed=None)


def test_required_option_missing() -> None:
    def fn(lib):
        class Needs(lib.optim.Optimizer):
            def __init__(self, params):
                super().__init__(params, {"lr": base_module(lib).required, "m": 0})

        opt = Needs([{"params": leaves(lib, (1,)), "lr": 0.5}])
        out = [repr(base_module(lib).required), opt.param_groups[0]["m"]]
        Needs(leaves(lib, (1,)))
        return out

    same(fn, seed=None)


def test_duplicate_parameters_warn() -> None:
    def fn(lib):
        (a,) = leaves(lib, (2,))
        opt = halving(lib)([a, a])
        return describe(opt.state_dict())

    same(fn, seed=None)


def test_retained_non_leaf_is_accepted() -> None:
    def fn(lib):
        (a,) = leaves(lib, (2,))
        b = a * 2
        b.retain_grad()
        return len(halving(lib)([b]).param_groups[0]["params"])

    same(fn, seed=None)


# ----- gradients and steps --------------------------------------------------------------
@pytest.mark.parametrize("set_to_none", [None, True, False])
def test_zero_grad(set_to_none: bool | None) -> None:
    def fn(lib):
        a, b, c = leaves(lib, (2, 2), (3,), (1,))
        opt = halving(lib)([a, b, c])
        a.grad = lib.ones(2, 2, requires_grad=True) * 3  # a gradient with a graph
        b.grad = lib.tensor([1.0, 2.0, 3.0])  # c has none
        old = a.grad
        opt.zero_grad() if set_to_none is None else opt.zero_grad(set_to_none)
        grads = [p.grad for p in (a, b, c)]
        kept = a.grad is old
        flags = [(g.requires_grad, g.grad_fn is None) for g in grads if g is not None]
        return [None if g is None else to_np(g).tolist() for g in grads], kept, flags

    same(fn, seed=None)


def test_parameters_without_gradients_are_skipped() -> None:
    def fn(lib):
        a, b = leaves(lib, (2,), (3,))
        opt = halving(lib)([a, b])
        for k in range(3):
            give_grads(lib, [a], k)
            opt.step()
        return [to_np(a).tolist(), to_np(b).tolist()], describe(opt.state_dict())

    same(fn, seed=None)


def test_step_follows_the_same_trajectory() -> None:
    def fn(lib):
        params = leaves(lib, (2, 3), (4,), (1,))
        opt = halving(lib)([{"params": params[:2]}, {"params": params[2:], "lr": 0.25}])
        run_steps(lib, opt, params, 4)
        return [to_np(p).tolist() for p in params], describe(opt.state_dict())

    same(fn, seed=None)


def test_step_with_closure_returns_its_loss() -> None:
    def fn(lib):
        (a,) = leaves(lib, (3,))
        opt = halving(lib)([a])

        def closure():
            opt.zero_grad()
            loss = (a * a).sum()
            loss.backward()
            return loss

        losses = [opt.step(closure).item() for _ in range(3)]
        return losses, to_np(a).tolist()

    same(fn, seed=None)


def test_step_hooks() -> None:
    def fn(lib):
        (a,) = leaves(lib, (2,))
        opt = halving(lib)([a])
        calls: list[Any] = []
        module = base_module(lib)
        handles = [
            module.register_optimizer_step_pre_hook(
                lambda o, args, kw: calls.append(
                    ("global pre", args[0] is o, len(args), sorted(kw))
                )
            ),
            opt.register_step_pre_hook(
                lambda o, args, kw: calls.append(("pre", args[0] is o, len(args), sorted(kw)))
            ),
            opt.register_step_post_hook(lambda o, args, kw: calls.append(("post", len(args)))),
            module.register_optimizer_step_post_hook(lambda o, a, kw: calls.append("global")),
        ]
        try:
            give_grads(lib, [a])
            opt.step()
            opt.step(closure=None)
            with opt.register_step_pre_hook(lambda o, args, kw: ((o,), {})):
                opt.step(closure=lambda: calls.append("closure"))  # dropped by the hook
            handles[1].remove()
            opt.step()
        finally:
            for handle in handles:
                handle.remove()
        opt.step()
        return calls, to_np(a).tolist()

    same(fn, seed=None)


def test_step_pre_hook_with_a_bad_result() -> None:
    messages = []
    for lib in (reference, torch):
        (a,) = leaves(lib, (2,))
        opt = halving(lib)([a])
        opt.register_step_pre_hook(lambda o, args, kw: 3)
        with pytest.raises(RuntimeError) as info:
            opt.step()
        messages.append(re.sub(r" at 0x[0-9a-f]+", "", str(info.value)))
    assert messages[0] == messages[1]
    assert messages[1].endswith("must return None or a tuple of (new_args, new_kwargs), but got 3.")


# ----- state_dict and load_state_dict -------------------------------------------------------
def test_state_dict_layout() -> None:
    def fn(lib):
        a, b, c, d = leaves(lib, (2, 3), (4,), (1,), (2,))
        opt = halving(lib)([{"params": [a, b], "lr": 0.25}, {"params": [c, d], "flag": True}])
        run_steps(lib, opt, [a, c, d], 2)  # b has no state
        sd = opt.state_dict()
        shares = opt.state[a]["buf"] is sd["state"][0]["buf"]
        return describe(sd), list(sd), list(sd["state"]), shares

    same(fn, seed=None)


def test_state_dict_numbers_duplicates_as_torch() -> None:
    def fn(lib):
        a, b, c = leaves(lib, (2,), (3,), (1,))
        opt = halving(lib)([{"params": [a, b, a]}, {"params": [c, c]}])
        run_steps(lib, opt, [a, b, c], 1)
        return describe(opt.state_dict())

    same(fn, seed=None)


LOAD_ERRORS = {
    "group_count": ([(2,), (3,)], [[(2,), (3,)], [(1,)]]),
    "group_size": ([(2,), (3,)], [[(2,)], [(3,), (1,)]]),
    "group_size_one_group": ([(2,), (3,)], [[(2,), (3,), (1,)]]),
}


@pytest.mark.parametrize("case", sorted(LOAD_ERRORS))
def test_load_state_dict_errors(case: str) -> None:
    saved, target = LOAD_ERRORS[case]

    def fn(lib):
        src = leaves(lib, *saved)
        opt = halving(lib)([{"params": src[:1]}, {"params": src[1:]}])
        run_steps(lib, opt, src, 1)
        groups = [{"params": leaves(lib, *shapes)} for shapes in target]
        halving(lib)(groups).load_state_dict(opt.state_dict())

    same(fn, seed=None)


def test_load_state_dict_casts_state_but_not_step() -> None:
    def fn(lib):
        src = leaves(lib, (2, 3), (4,))
        opt = halving(lib)(src)
        run_steps(lib, opt, src, 2)
        dst = leaves(lib, (2, 3), (4,), dtype="float64")
        new = halving(lib)(dst, lr=1.0)
        new.load_state_dict(opt.state_dict())
        state = new.state_dict()
        shares = new.state[dst[0]]["step"] is opt.state[src[0]]["step"]
        run_steps(lib, new, dst, 2, start=2)
        return describe(state), shares, describe(new.state_dict()), [to_np(p).tolist() for p in dst]

    same(fn, seed=None)


def test_load_state_dict_shares_tensors_of_the_same_dtype() -> None:
    for lib in (reference, torch):
        src = leaves(lib, (3,))
        opt = halving(lib)(src)
        run_steps(lib, opt, src, 1)
        sd = opt.state_dict()
        dst = leaves(lib, (3,))
        new = halving(lib)(dst)
        new.load_state_dict(sd)
        assert new.state[dst[0]]["buf"] is sd["state"][0]["buf"]
        assert new.param_groups[0]["params"][0] is dst[0]


def test_load_state_dict_continues_the_same_trajectory() -> None:
    def fn(lib):
        params = leaves(lib, (2, 3), (4,), (2,))
        opt = halving(lib)([{"params": params[:2], "lr": 0.25}, {"params": params[2:]}])
        run_steps(lib, opt, params, 3)
        copies = [p.detach().clone().requires_grad_(True) for p in params]
        new = halving(lib)([{"params": copies[:2]}, {"params": copies[2:]}], lr=2.0)
        new.load_state_dict(opt.state_dict())
        run_steps(lib, opt, params, 3, start=3)
        run_steps(lib, new, copies, 3, start=3)
        same_values = all(
            np.array_equal(to_np(p), to_np(q)) for p, q in zip(params, copies, strict=True)
        )
        return same_values, describe(new.state_dict()), [to_np(p).tolist() for p in copies]

    same(fn, seed=None)


def test_load_state_dict_keeps_unknown_keys_and_names() -> None:
    def fn(lib):
        a, b = leaves(lib, (2,), (3,))
        opt = halving(lib)([("w", a), ("b", b)])
        run_steps(lib, opt, [a, b], 1)
        sd = opt.state_dict()
        sd["state"]["extra"] = {"note": 1}
        sd["param_groups"][0]["param_names"] = ["x", "y"]
        sd["param_groups"][0]["other"] = 3
        c, d = leaves(lib, (2,), (3,))
        new = halving(lib)([("p", c), ("q", d)])
        new.load_state_dict(sd)
        out = describe(new.state_dict())
        del sd["param_groups"][0]["param_names"]
        new.load_state_dict(sd)
        return out, new.param_groups[0]["param_names"]

    same(fn, seed=None)


def test_state_dict_and_load_hooks() -> None:
    def fn(lib):
        a, b = leaves(lib, (2,), (3,))
        opt = halving(lib)([a, b])
        run_steps(lib, opt, [a, b], 1)
        calls: list[Any] = []
        opt.register_state_dict_pre_hook(lambda o: calls.append("pre"))
        opt.register_state_dict_pre_hook(lambda o: calls.append("first"), prepend=True)
        opt.register_state_dict_post_hook(lambda o, sd: calls.append(sorted(sd)))
        opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
        sd = opt.state_dict()
        new = halving(lib)(leaves(lib, (2,), (3,)))

        def rename(o: Any, sd: Any) -> Any:
            calls.append(sorted(sd))
            return {"state": {}, "param_groups": sd["param_groups"]}

        new.register_load_state_dict_pre_hook(rename)
        new.register_load_state_dict_post_hook(lambda o: calls.append(len(o.state)))
        new.load_state_dict(sd)
        return calls, sorted(sd), describe(new.state_dict())

    same(fn, seed=None)


def test_repr() -> None:
    def fn(lib):
        a, b = leaves(lib, (2,), (3,))
        return repr(halving(lib)([{"params": [a]}, {"params": [b], "lr": 0.125}]))

    same(fn, seed=None)


def test_outcome_of_a_missing_param_group_key() -> None:
    """A saved group without ``params`` is a KeyError in both."""

    def fn(lib):
        (a,) = leaves(lib, (2,))
        halving(lib)([a]).load_state_dict({"state": {}, "param_groups": [{"lr": 1.0}]})

    assert outcome(fn, reference, None)[0][:2] == outcome(fn, torch, None)[0][:2]
