"""``reference.nn`` containers against torch 2.13: ``Sequential``, ``ModuleList``,
``ModuleDict``, ``ParameterList`` and ``ParameterDict`` (indexing, mutation, naming,
iteration, errors and ``repr``)."""

from __future__ import annotations

from collections import OrderedDict

import pytest

from tests.reference.nn_compare import same

torch = pytest.importorskip("torch")


def names(module) -> list[str]:
    return [n for n, _ in module.named_modules()]


def layers(m, n: int = 3) -> list:
    return [m.nn.Linear(i + 1, i + 2) for i in range(n)]


# ----- Sequential ------------------------------------------------------------------------
def test_sequential_construction_and_forward():
    def fn(m):
        seq = m.nn.Sequential(*layers(m))
        named = m.nn.Sequential(OrderedDict([("a", m.nn.Linear(1, 2)), ("b", m.nn.Identity())]))
        x = m.ones(2, 1)
        return (
            names(seq),
            names(named),
            repr(seq),
            repr(named),
            len(seq),
            seq(x).shape,
            named(x).shape,
            list(seq.state_dict()),
            list(named.state_dict()),
            repr(m.nn.Sequential()),
            m.nn.Sequential()(x),
        )

    same(fn)


SEQUENTIAL_INDEXING = {
    "int": lambda s: s[1],
    "negative": lambda s: s[-1],
    "slice": lambda s: s[1:],
    "step_slice": lambda s: s[::2],
    "empty_slice": lambda s: s[5:],
    "out_of_range": lambda s: s[3],
    "negative_out_of_range": lambda s: s[-4],
    "str_index": lambda s: s["0"],
    "float_index": lambda s: s[1.0],
    "iter": lambda s: [type(x).__name__ for x in s],
    "reversed_slice_names": lambda s: [n for n, _ in s[::-1].named_children()],
}


@pytest.mark.parametrize("case", sorted(SEQUENTIAL_INDEXING))
def test_sequential_indexing(case):
    def fn(m):
        seq = m.nn.Sequential(*layers(m))
        return SEQUENTIAL_INDEXING[case](seq)

    same(fn)


SEQUENTIAL_MUTATION = {
    "append": lambda m, s: s.append(m.nn.Identity()),
    "insert": lambda m, s: s.insert(1, m.nn.Identity()),
    "insert_negative": lambda m, s: s.insert(-1, m.nn.Identity()),
    "insert_end": lambda m, s: s.insert(3, m.nn.Identity()),
    "insert_out_of_range": lambda m, s: s.insert(5, m.nn.Identity()),
    "insert_not_module": lambda m, s: s.insert(0, 3),
    "extend": lambda m, s: s.extend([m.nn.Identity(), m.nn.Identity()]),
    "delitem": lambda m, s: s.__delitem__(0),
    "delitem_negative": lambda m, s: s.__delitem__(-2),
    "delitem_slice": lambda m, s: s.__delitem__(slice(0, 2)),
    "setitem": lambda m, s: s.__setitem__(1, m.nn.Identity()),
    "setitem_negative": lambda m, s: s.__setitem__(-1, m.nn.Identity()),
    "setitem_not_module": lambda m, s: s.__setitem__(0, 5),
    "setitem_out_of_range": lambda m, s: s.__setitem__(3, m.nn.Identity()),
    "pop": lambda m, s: s.pop(1),
    "add": lambda m, s: s + m.nn.Sequential(m.nn.Identity()),
    "add_list": lambda m, s: s + [m.nn.Identity()],
    "iadd": lambda m, s: s.__iadd__(m.nn.Sequential(m.nn.Identity())),
    "mul": lambda m, s: s * 2,
    "rmul": lambda m, s: 2 * s,
    "imul": lambda m, s: s.__imul__(2),
    "mul_zero": lambda m, s: s * 0,
    "mul_float": lambda m, s: s * 1.5,
    "append_int": lambda m, s: s.append(1),
}


@pytest.mark.parametrize("case", sorted(SEQUENTIAL_MUTATION))
def test_sequential_mutation(case):
    def fn(m):
        seq = m.nn.Sequential(*layers(m))
        result = SEQUENTIAL_MUTATION[case](m, seq)
        return (
            names(seq),
            repr(seq),
            repr(result) if result is not None and result is not seq else result is seq,
            names(result) if isinstance(result, m.nn.Module) else None,
        )

    same(fn)


def test_sequential_shares_modules_and_dir():
    def fn(m):
        first = m.nn.Linear(1, 1)
        seq = m.nn.Sequential(first, m.nn.Identity())
        doubled = seq * 2
        return (
            doubled[0] is first and doubled[2] is first,
            seq[0:1][0] is first,
            len(list(doubled.parameters())),
            [k for k in dir(seq) if k.isdigit()],
            type(seq[0:1]).__name__,
        )

    same(fn)


# ----- ModuleList ------------------------------------------------------------------------
MODULE_LIST = {
    "index": lambda m, ml: ml[1],
    "negative": lambda m, ml: ml[-1],
    "slice": lambda m, ml: ml[1:],
    "out_of_range": lambda m, ml: ml[3],
    "append": lambda m, ml: ml.append(m.nn.Identity()),
    "extend": lambda m, ml: ml.extend([m.nn.Identity()]),
    "extend_not_iterable": lambda m, ml: ml.extend(3),
    "extend_not_modules": lambda m, ml: ml.extend([1]),
    "insert": lambda m, ml: ml.insert(0, m.nn.Identity()),
    "insert_end": lambda m, ml: ml.insert(3, m.nn.Identity()),
    "add": lambda m, ml: ml + m.nn.ModuleList([m.nn.Identity()]),
    "add_list": lambda m, ml: ml + [m.nn.Identity()],
    "iadd": lambda m, ml: ml.__iadd__([m.nn.Identity()]),
    "delitem": lambda m, ml: ml.__delitem__(1),
    "delitem_slice": lambda m, ml: ml.__delitem__(slice(None, None, 2)),
    "setitem": lambda m, ml: ml.__setitem__(-1, m.nn.Identity()),
    "setitem_bad": lambda m, ml: ml.__setitem__(0, 1),
    "pop": lambda m, ml: ml.pop(0),
    "len": lambda m, ml: len(ml),
    "iter": lambda m, ml: [type(x).__name__ for x in ml],
    "call": lambda m, ml: ml(m.ones(1)),
}


@pytest.mark.parametrize("case", sorted(MODULE_LIST))
def test_module_list(case):
    def fn(m):
        ml = m.nn.ModuleList(layers(m))
        result = MODULE_LIST[case](m, ml)
        return names(ml), repr(ml), result if not isinstance(result, m.nn.Module) else names(result)

    same(fn)


def test_module_list_repr_groups_repeats():
    def fn(m):
        ml = m.nn.ModuleList([m.nn.Linear(2, 2) for _ in range(3)])
        ml.append(m.nn.Identity())
        ml.append(m.nn.Sequential(m.nn.Linear(1, 1), m.nn.Linear(1, 1)))
        ml.append(m.nn.Sequential(m.nn.Linear(1, 1), m.nn.Linear(1, 1)))
        ml.append(m.nn.Linear(2, 2))
        return repr(ml), repr(m.nn.ModuleList()), repr(m.nn.ModuleList([m.nn.Identity()]))

    same(fn)


def test_module_list_in_a_model():
    def fn(m):
        class Stack(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.blocks = m.nn.ModuleList([m.nn.Linear(2, 2) for _ in range(2)])

            def forward(self, x):
                for block in self.blocks:
                    x = block(x)
                return x

        net = Stack()
        return list(net.state_dict()), repr(net), net(m.zeros(1, 2)).shape

    same(fn)


# ----- ModuleDict ------------------------------------------------------------------------
MODULE_DICT = {
    "getitem": lambda m, md: md["b"],
    "missing": lambda m, md: md["z"],
    "setitem": lambda m, md: md.__setitem__("c", m.nn.Identity()),
    "setitem_bad": lambda m, md: md.__setitem__("c", 1),
    "setitem_dot": lambda m, md: md.__setitem__("c.d", m.nn.Identity()),
    "delitem": lambda m, md: md.__delitem__("a"),
    "pop": lambda m, md: md.pop("a"),
    "contains": lambda m, md: ("a" in md, "z" in md),
    "keys": lambda m, md: list(md.keys()),
    "values": lambda m, md: [type(v).__name__ for v in md.values()],
    "items": lambda m, md: [(k, type(v).__name__) for k, v in md.items()],
    "iter": lambda m, md: list(md),
    "len": lambda m, md: len(md),
    "clear": lambda m, md: md.clear(),
    "update_dict": lambda m, md: md.update({"z": m.nn.Identity(), "c": m.nn.Identity()}),
    "update_pairs": lambda m, md: md.update([("z", m.nn.Identity()), ("c", m.nn.Identity())]),
    "update_module_dict": lambda m, md: md.update(m.nn.ModuleDict({"q": m.nn.Identity()})),
    "update_not_iterable": lambda m, md: md.update(3),
    "update_bad_element": lambda m, md: md.update([1]),
    "update_bad_length": lambda m, md: md.update([("x", m.nn.Identity(), 1)]),
    "call": lambda m, md: md(m.ones(1)),
}


@pytest.mark.parametrize("case", sorted(MODULE_DICT))
def test_module_dict(case):
    def fn(m):
        md = m.nn.ModuleDict(OrderedDict([("b", m.nn.Linear(1, 2)), ("a", m.nn.Identity())]))
        result = MODULE_DICT[case](m, md)
        if isinstance(result, m.nn.Module):
            result = repr(result)
        return names(md), repr(md), list(md.state_dict()), result

    same(fn)


def test_module_dict_from_plain_dict_keeps_insertion_order():
    same(lambda m: list(m.nn.ModuleDict({"z": m.nn.Identity(), "a": m.nn.Identity()})))


# ----- ParameterList ---------------------------------------------------------------------
PARAMETER_LIST = {
    "index": lambda m, pl: pl[0],
    "negative": lambda m, pl: pl[-1],
    "slice": lambda m, pl: [p for p in pl[1:]],
    "slice_type": lambda m, pl: type(pl[:1]).__name__,
    "out_of_range": lambda m, pl: pl[5],
    "append_tensor": lambda m, pl: pl.append(m.zeros(2)),
    "append_parameter": lambda m, pl: pl.append(m.nn.Parameter(m.zeros(1), requires_grad=False)),
    "append_other": lambda m, pl: pl.append("text"),
    "extend": lambda m, pl: pl.extend([m.ones(1), m.ones(2)]),
    "extend_tensor": lambda m, pl: pl.extend(m.ones(2)),
    "extend_int": lambda m, pl: pl.extend(3),
    "iadd": lambda m, pl: pl.__iadd__([m.ones(3)]),
    "setitem": lambda m, pl: pl.__setitem__(0, m.full((2,), 3.0)),
    "setitem_out_of_range": lambda m, pl: pl.__setitem__(4, m.ones(1)),
    "iter": lambda m, pl: list(pl),
    "len": lambda m, pl: len(pl),
    "call": lambda m, pl: pl(),
    "dir": lambda m, pl: [k for k in dir(pl) if k.isdigit()],
}


@pytest.mark.parametrize("case", sorted(PARAMETER_LIST))
def test_parameter_list(case):
    def fn(m):
        pl = m.nn.ParameterList([m.ones(2, 3), m.nn.Parameter(m.zeros(4))])
        result = PARAMETER_LIST[case](m, pl)
        result = result is pl if result is pl else result
        return (
            [(n, type(p).__name__, p.requires_grad) for n, p in pl.named_parameters()],
            repr(pl),
            list(pl.state_dict()),
            result,
        )

    same(fn)


def test_parameter_list_repr_with_mixed_entries():
    def fn(m):
        pl = m.nn.ParameterList([m.ones(2, dtype=m.float64), 7, m.nn.Parameter(m.ones(()))])
        return repr(pl), str(m.nn.ParameterList())

    same(fn)


# ----- ParameterDict ---------------------------------------------------------------------
PARAMETER_DICT = {
    "getitem": lambda m, pd: pd["b"],
    "missing": lambda m, pd: pd["z"],
    "non_str_key": lambda m, pd: pd[1],
    "setitem_tensor": lambda m, pd: pd.__setitem__("c", m.zeros(1)),
    "setitem_other": lambda m, pd: pd.__setitem__("c", 5),
    "delitem": lambda m, pd: pd.__delitem__("b"),
    "pop": lambda m, pd: pd.pop("a"),
    "popitem": lambda m, pd: pd.popitem(),
    "get": lambda m, pd: (pd.get("a"), pd.get("z", 3)),
    "setdefault": lambda m, pd: (pd.setdefault("a"), pd.setdefault("n", m.ones(1))),
    "contains": lambda m, pd: ("a" in pd, "z" in pd),
    "keys": lambda m, pd: list(pd.keys()),
    "values": lambda m, pd: list(pd.values()),
    "items": lambda m, pd: list(pd.items()),
    "iter": lambda m, pd: list(pd),
    "reversed": lambda m, pd: list(reversed(pd)),
    "len": lambda m, pd: len(pd),
    "clear": lambda m, pd: pd.clear(),
    "copy": lambda m, pd: list(pd.copy().items()),
    "fromkeys": lambda m, pd: list(pd.fromkeys(["x", "y"], m.ones(1)).items()),
    "update_dict_sorted": lambda m, pd: pd.update({"z": m.ones(1), "c": m.zeros(1)}),
    "update_ordered": lambda m, pd: pd.update(OrderedDict([("z", m.ones(1)), ("c", m.zeros(1))])),
    "update_pairs": lambda m, pd: pd.update([("z", m.ones(1)), ("c", m.zeros(1))]),
    "update_not_iterable": lambda m, pd: pd.update(3),
    "update_bad_length": lambda m, pd: pd.update([("a",)]),
    "or": lambda m, pd: list((pd | m.nn.ParameterDict({"q": m.ones(1)})).keys()),
    "ior": lambda m, pd: pd.__ior__(m.nn.ParameterDict({"q": m.ones(1)})) is pd,
    "call": lambda m, pd: pd(1),
}


@pytest.mark.parametrize("case", sorted(PARAMETER_DICT))
def test_parameter_dict(case):
    def fn(m):
        pd = m.nn.ParameterDict({"b": m.ones(2), "a": m.nn.Parameter(m.zeros(1))})
        result = PARAMETER_DICT[case](m, pd)
        return (
            [(n, type(p).__name__) for n, p in pd.named_parameters()],
            repr(pd),
            list(pd.state_dict()),
            result,
        )

    same(fn)


def test_parameter_dict_repr_with_mixed_entries():
    def fn(m):
        pd = m.nn.ParameterDict()
        pd["x"] = m.ones(2, 3, dtype=m.int64) * 1.5
        pd["y"] = "other"
        return repr(pd), repr(m.nn.ParameterDict())

    same(fn)
