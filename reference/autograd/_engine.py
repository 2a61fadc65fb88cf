"""The backward pass: walk the graph from the outputs in reverse creation order, call each
node's formula with the summed gradients of its outputs, and hand the results on to the
nodes of its inputs (leaves accumulate into ``.grad``)."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._device import CPU
from .._factory import filled
from .._fpstate import quiet
from .._grad_mode import set_grad_enabled
from .._tensor import Tensor
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
            if targets or node._hooks or node._retained:
                _capture(node, grads, targets, captured)
            if not graph.should_run(node, accumulate):
                continue
            if type(node) is AccumulateGrad:
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
    for nr, hooks in (node._hooks or {}).items():
        for hook in hooks:
            if grads[nr] is not None:
                new = hook(grads[nr])
                grads[nr] = grads[nr] if new is None else new
    for nr, ref in (node._retained or {}).items():
        t = ref()
        if t is not None and grads[nr] is not None:
            accumulate_grad(t, grads[nr], False)
    for i, (n, nr) in enumerate(targets or ()):
        if n is node and grads[nr] is not None:
            captured[i] = grads[nr]


def _apply(node: Node, grads: list) -> list:
    """Call the formula (undefined output gradients become zeros) and fit each result to
    its input's shape, dtype and device."""
    if None in grads:
        grads = [
            g if g is not None else filled(shape, 0, dt, dev)
            for g, (shape, dt, dev) in zip(grads, node._out_meta, strict=True)
        ]
    results = node.apply(grads)
    fitted = []
    for g, (child, _), meta in zip(results, node.next_functions, node._meta, strict=True):
        if g is None or child is None:
            fitted.append(None)
        elif g._data is not None and g._data.shape == meta[0] and g._dtype is meta[1] and (
            g._device is meta[2]
        ):  # already fits: most gradients
            fitted.append(g)
        else:
            fitted.append(_fit(g, meta))
    return fitted


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
    grad = t._grad
    if grad is None:
        t._grad = g if create_graph else g.detach().clone()
    elif create_graph:
        t._grad = grad + g
    elif _plain_add(grad, g):
        with quiet():
            np.add(grad._data, g._data, out=grad._data)
        grad._version_box[0] += 1  # a write, as add_ counts it
    else:
        with set_grad_enabled(False):
            grad.add_(g.detach())


def _plain_add(grad: Any, g: Any) -> bool:
    """Whether ``grad.add_(g)`` under no_grad is numpy's in-place add: both cpu tensors of
    one dtype and shape, ``grad`` a normal tensor whose elements do not overlap."""
    data = grad._data
    return (
        type(grad) is Tensor
        and type(g) is Tensor
        and grad._device is CPU
        and g._device is CPU
        and grad._dtype is g._dtype
        and data.shape == g._data.shape
        and data.flags.c_contiguous
        and data.flags.writeable
        and not grad._inference
    )


class _Graph:
    """The part of the graph reachable from the roots (and, with targets, leading to them),
    with dependency counts and the gradient buffers of nodes not yet run."""

    def __init__(self, roots: list[Edge], targets: list[Edge] | None) -> None:
        self.target_nodes = {n for n, _ in targets or () if n is not None}
        self.buffers: dict[Node, list] = {}
        starts = list(dict.fromkeys(n for n, _ in roots))
        if targets is None:
            self.needed = None
            self.kids = _walk(starts)
        else:
            self.kids, self.needed = _walk_needed(starts, self.target_nodes)
            starts = [n for n in starts if n in self.needed]
        deps: dict[Node, int] = {}
        for kids in self.kids.values():
            for child in kids:
                deps[child] = deps.get(child, 0) + 1
        self.deps = deps
        self.start = starts

    def add(self, node: Node, nr: int, g: Any) -> None:
        buf = self.buffers.get(node)
        if buf is None:
            buf = self.buffers[node] = [None] * max(node.n_outputs, nr + 1)
        buf[nr] = g if buf[nr] is None else buf[nr] + g

    def take(self, node: Node) -> list:
        return self.buffers.pop(node, None) or [None] * max(node.n_outputs, 1)

    def should_run(self, node: Node, accumulate: bool) -> bool:
        """Whether to call the node: with targets, only nodes leading to other targets run,
        and leaves accumulate only when ``accumulate``."""
        if self.needed is None:
            return True
        if type(node) is AccumulateGrad:
            return accumulate and node in self.target_nodes
        return bool(self.kids[node])

    def in_order(self):
        """Nodes whose dependencies are done, newest first (torch's order)."""
        deps, kids = self.deps, self.kids
        heap = [(-n._seq, n) for n in self.start if n not in deps]  # sequence numbers differ
        heapq.heapify(heap)
        while heap:
            node = heapq.heappop(heap)[1]
            yield node
            for child in kids[node]:
                left = deps[child] - 1
                deps[child] = left
                if not left:
                    heapq.heappush(heap, (-child._seq, child))


def _walk(starts: list[Node]) -> dict[Node, list[Node]]:
    """Every node reachable from ``starts``, with its children (one entry per edge)."""
    kids: dict[Node, list[Node]] = {}
    stack = list(starts)
    while stack:
        node = stack.pop()
        if node in kids:
            continue
        found = kids[node] = [c for c, _ in node.next_functions if c is not None]
        stack.extend(found)
    return kids


def _walk_needed(
    starts: list[Node], target_nodes: set[Node]
) -> tuple[dict[Node, list[Node]], set[Node]]:
    """``_walk`` restricted to the nodes from which a target is reachable (and the edges
    between them), and that set, from one depth-first pass (children before parents)."""
    kids: dict[Node, list[Node]] = {}
    needed: set[Node] = set()
    stack: list[tuple[Node, bool]] = [(n, False) for n in starts]
    while stack:
        node, done = stack.pop()
        if done:
            mine = kids[node] = [c for c in kids[node] if c in needed]
            if mine or node in target_nodes:
                needed.add(node)
            continue
        if node in kids:
            continue
        found = kids[node] = [c for c, _ in node.next_functions if c is not None]
        stack.append((node, True))
        stack.extend((c, False) for c in found if c not in kids)
    return {n: k for n, k in kids.items() if n in needed}, needed
