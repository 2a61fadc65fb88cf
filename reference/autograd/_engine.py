"""The backward pass: walk the graph from the outputs in reverse creation order, call each
node's formula with the summed gradients of its outputs, and hand the results on to the
nodes of its inputs (leaves accumulate into ``.grad``)."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import Any

from .._factory import filled
from .._grad_mode import set_grad_enabled
from ._graph import AccumulateGrad, Node, edge_of

__all__ = ["run_backward"]

Edge = tuple[Node, int]


def run_backward(
    outputs: Sequence[Any],
    grad_outputs: Sequence[Any],
    *,
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Any] | None = None,
    accumulate: bool = True,
) -> list[Any] | None:
    """Backpropagate ``grad_outputs`` from ``outputs``.

    Without ``inputs``: accumulate into every leaf's ``.grad``. With ``inputs``: return the
    gradients of those tensors (``accumulate=False``, ``autograd.grad``) or accumulate into
    their ``.grad`` only (``accumulate=True``, ``backward(inputs=...)``)."""
    roots = _root_edges(outputs)
    targets = [edge_of(t) for t in inputs] if inputs is not None else None
    graph = _Graph(roots, targets)
    captured: dict[int, Any] = {}
    with set_grad_enabled(create_graph):
        for (node, nr), g in zip(roots, grad_outputs, strict=True):
            graph.add(node, nr, g)
        for node in graph.in_order():
            grads = graph.take(node)
            _capture(node, grads, targets, captured)
            if not graph.should_run(node, accumulate):
                continue
            if isinstance(node, AccumulateGrad):
                if grads[0] is not None:
                    accumulate_grad(node.variable, grads[0], create_graph)
                continue
            for (child, nr), g in zip(node.next_functions, _apply(node, grads), strict=True):
                if child is not None and g is not None:
                    graph.add(child, nr, g)
            if not retain_graph:
                node._release()
    if targets is None:
        return None
    return [captured.get(i) for i in range(len(targets))]


def _root_edges(outputs: Sequence[Any]) -> list[Edge]:
    roots = []
    for i, t in enumerate(outputs):
        node, nr = edge_of(t)
        if node is None:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        roots.append((node, nr))
    return roots


def _capture(node: Node, grads: list, targets: list[Edge] | None, captured: dict) -> None:
    """Run the node's hooks and retain_grad, and keep the gradients ``inputs`` asked for."""
    for nr, hooks in node._hooks.items():
        for hook in hooks:
            if grads[nr] is not None:
                new = hook(grads[nr])
                grads[nr] = grads[nr] if new is None else new
    for nr, ref in node._retained.items():
        t = ref()
        if t is not None and grads[nr] is not None:
            accumulate_grad(t, grads[nr], False)
    for i, (n, nr) in enumerate(targets or ()):
        if n is node and grads[nr] is not None:
            captured[i] = grads[nr]


def _apply(node: Node, grads: list) -> Sequence[Any]:
    """Call the formula (undefined output gradients become zeros) and fit each result to
    its input's shape, dtype and device."""
    full = [
        g if g is not None else filled(shape, 0, dt, dev)
        for g, (shape, dt, dev) in zip(grads, node._out_meta, strict=True)
    ]
    results = node.apply(full)
    return [
        None if g is None or child is None else _fit(g, meta)
        for g, (child, _), meta in zip(results, node.next_functions, node._meta, strict=True)
    ]


def _fit(g: Any, meta: tuple) -> Any:
    """Sum a broadcast gradient back to the input's shape and cast it to its dtype."""
    shape, dt, dev = meta
    if g.shape != shape:
        lead = g.ndim - len(shape)
        dims = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
        )
        g = g.sum(dims, keepdim=True) if dims else g
        g = g.reshape(shape)
    if g._dtype is not dt or (g._device is not dev and g._device != dev):
        g = g.to(device=dev, dtype=dt)
    return g


def accumulate_grad(t: Any, g: Any, create_graph: bool) -> None:
    """``t.grad += g`` (the first gradient is stored as a copy)."""
    if t._grad is None:
        t._grad = g if create_graph else g.detach().clone()
    elif create_graph:
        t._grad = t._grad + g
    else:
        with set_grad_enabled(False):
            t._grad.add_(g.detach())


class _Graph:
    """The part of the graph reachable from the roots (and, with targets, leading to them),
    with dependency counts and the gradient buffers of nodes not yet run."""

    def __init__(self, roots: list[Edge], targets: list[Edge] | None) -> None:
        self.kids: dict[Node, list[Node]] = {}
        self.target_nodes = {n for n, _ in targets or () if n is not None}
        self.needed = self._needed(roots) if targets is not None else None
        self.deps: dict[Node, int] = {}
        self.buffers: dict[Node, list] = {}
        self._count(roots)

    def _children(self, node: Node) -> list[Node]:
        kids = self.kids.get(node)
        if kids is None:  # found once per node: counting, ordering and running ask again
            kids = [c for c, _ in node.next_functions if c is not None]
            if self.needed is not None:
                kids = [c for c in kids if c in self.needed]
            self.kids[node] = kids
        return kids

    def _needed(self, roots: list[Edge]) -> set[Node]:
        """Nodes from which a target is reachable."""
        memo: dict[Node, bool] = {}
        order = _postorder([n for n, _ in roots])
        for node in order:
            memo[node] = node in self.target_nodes or any(
                memo.get(c, False) for c, _ in node.next_functions if c is not None
            )
        return {n for n, ok in memo.items() if ok}

    def _count(self, roots: list[Edge]) -> None:
        seen: set[Node] = set()
        stack = [n for n, _ in roots if self.needed is None or n in self.needed]
        self.start = list(dict.fromkeys(stack))
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            for child in self._children(node):
                self.deps[child] = self.deps.get(child, 0) + 1
                stack.append(child)

    def add(self, node: Node, nr: int, g: Any) -> None:
        buf = self.buffers.setdefault(node, [None] * max(node.n_outputs, nr + 1))
        buf[nr] = g if buf[nr] is None else buf[nr] + g

    def take(self, node: Node) -> list:
        return self.buffers.pop(node, None) or [None] * max(node.n_outputs, 1)

    def should_run(self, node: Node, accumulate: bool) -> bool:
        """Whether to call the node: with targets, only nodes leading to other targets run,
        and leaves accumulate only when ``accumulate``."""
        if self.needed is None:
            return True
        if isinstance(node, AccumulateGrad):
            return accumulate and node in self.target_nodes
        return bool(self._children(node))

    def in_order(self):
        """Nodes whose dependencies are done, newest first (torch's order)."""
        heap = [(-n._seq, id(n), n) for n in self.start if self.deps.get(n, 0) == 0]
        heapq.heapify(heap)
        while heap:
            node = heapq.heappop(heap)[2]
            yield node
            for child in self._children(node):
                self.deps[child] -= 1
                if self.deps[child] == 0:
                    heapq.heappush(heap, (-child._seq, id(child), child))


def _postorder(starts: list[Node]) -> list[Node]:
    """Children before parents."""
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list[tuple[Node, bool]] = [(n, False) for n in starts]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((c, False) for c, _ in node.next_functions if c is not None and c not in seen)
    return order
