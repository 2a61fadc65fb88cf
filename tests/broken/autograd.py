"""Broken adapters for autograd (6): derivative formulas and the autograd functions.

Most keep an op's forward and replace its backward node's formula with a realistic mistake;
the others get grad, backward or gradcheck wrong.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import reference
from reference.autograd._graph import Formula
from reference.autograd._scatter import host_ids
from tests.broken.base import MethodsPatched, Patched


def _rewired(out: Any, fn: Any) -> Any:
    """``out`` with its backward formula replaced by ``fn(node, *grads)``."""
    node = out.grad_fn if not isinstance(out, tuple) else out[0].grad_fn
    if node is not None:
        node._formula = Formula(fn)
    return out


def _const(ref: Any, like: Any, array: np.ndarray) -> Any:
    return ref.tensor(array, dtype=like.dtype)


class CosBackwardMissesSign(Patched):
    """d/dx cos(x) taken as +sin(x)."""

    patches = {"torch.cos": "cos"}

    def cos(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        return _rewired(
            self.ref.cos(input, *args, **kwargs), lambda n, g: (g * n.saved_input(0).sin(),)
        )


class AmaxTiesGetFullGradient(Patched):
    """amax gives every tied maximum the whole gradient instead of an even share."""

    patches = {"torch.amax": "amax"}

    def amax(self, input: Any, dim: Any = (), keepdim: bool = False, **kw: Any) -> Any:
        out = self.ref.amax(input, dim, keepdim, **kw)
        axes = tuple(range(input.ndim)) if dim in ((), None) else dim
        axes = (axes,) if isinstance(axes, int) else tuple(a % max(input.ndim, 1) for a in axes)

        def fn(n: Any, g: Any) -> tuple:
            x, m = n.saved_input(0), n.saved_output(0)
            if not keepdim:
                for a in sorted(axes):
                    m, g = m.unsqueeze(a), g.unsqueeze(a)
            return (g * x.eq(m),)

        return _rewired(out, fn)


class GatherRepeatsOverwrite(Patched):
    """gather's backward writes the gradient of a repeated index once instead of adding."""

    patches = {"torch.gather": "gather"}

    def gather(self, input: Any, dim: int, index: Any, **kw: Any) -> Any:
        out = self.ref.gather(input, dim, index, **kw)
        d = dim % max(input.ndim, 1)

        def fn(n: Any, g: Any) -> tuple:
            idx = host_ids(n.saved_input(1))
            grad = np.zeros(tuple(input.shape), dtype=self.to_numpy(g.detach()).dtype)
            if input.ndim:
                np.put_along_axis(grad, idx, self.to_numpy(g.detach()), axis=d)
            return _const(self.ref, g, grad), None

        return _rewired(out, fn)


class NormOfZeroVectorIsNaN(Patched):
    """vector_norm's backward divides by the norm without guarding a zero vector."""

    patches = {"torch.linalg.vector_norm": "vector_norm"}

    def vector_norm(
        self,
        x: Any,
        ord: Any = 2,  # noqa: A002
        dim: Any = None,
        keepdim: bool = False,
        **kw: Any,
    ) -> Any:
        out = self.ref.linalg.vector_norm(x, ord, dim, keepdim, **kw)
        if ord != 2 or dim is not None:
            return out
        return _rewired(out, lambda n, g: (n.saved_input(0) * (g / n.saved_output(0)),))


class CumsumBackwardNotReversed(Patched):
    """cumsum's backward is a forward cumulative sum of the gradient (it must run in reverse)."""

    patches = {"torch.cumsum": "cumsum"}

    def cumsum(self, input: Any, dim: int, **kw: Any) -> Any:
        out = self.ref.cumsum(input, dim, **kw)
        if input.ndim == 0:
            return out
        return _rewired(out, lambda n, g: (g.cumsum(dim),))


class MeanBackwardForgetsCount(Patched):
    """mean's backward broadcasts the gradient without dividing by the element count."""

    patches = {"torch.mean": "mean"}

    def mean(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        out = self.ref.mean(input, *args, **kwargs)
        shape = tuple(input.shape)
        if args or kwargs.get("dim") is not None:
            return out
        return _rewired(out, lambda n, g: (g.expand(shape) if shape else g,))


class TanhSavesDetachedOutput(Patched):
    """tanh's backward uses a detached copy of its output: first derivatives are right,
    second derivatives miss the output's own dependence on the input."""

    patches = {"torch.tanh": "tanh"}

    def tanh(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        out = self.ref.tanh(input, *args, **kwargs)
        frozen = out.detach().clone()
        return _rewired(out, lambda n, g: (g * (1 - frozen * frozen),))


class CoshBackwardUsesCosh(Patched):
    """d/dx cosh(x) taken as cosh(x) instead of sinh(x)."""

    patches = {"torch.cosh": "cosh"}

    def cosh(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        return _rewired(
            self.ref.cosh(input, *args, **kwargs), lambda n, g: (g * n.saved_input(0).cosh(),)
        )


class AtanhBackwardIsAtans(Patched):
    """d/dx atanh(x) taken as atan's 1 / (1 + x**2) instead of 1 / (1 - x**2)."""

    patches = {"torch.atanh": "atanh"}

    def atanh(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        out = self.ref.atanh(input, *args, **kwargs)
        return _rewired(out, lambda n, g: (g / (n.saved_input(0) ** 2 + 1),))


class GradIgnoresGradOutputs(Patched):
    """autograd.grad weights every output by ones, whatever grad_outputs says."""

    patches = {"torch.autograd.grad": "grad"}

    def grad(self, outputs: Any, inputs: Any, grad_outputs: Any = None, **kwargs: Any) -> Any:
        if grad_outputs is not None:
            outs = [outputs] if isinstance(outputs, self.ref.Tensor) else list(outputs)
            grad_outputs = [self.ref.ones_like(o) for o in outs]
        return self.ref.autograd.grad(outputs, inputs, grad_outputs, **kwargs)


class BackwardIgnoresInputs(Patched):
    """autograd.backward(..., inputs=[w]) accumulates into every leaf, not only w."""

    patches = {"torch.autograd.backward": "backward"}

    def backward(self, tensors: Any, *args: Any, inputs: Any = None, **kwargs: Any) -> Any:
        return self.ref.autograd.backward(tensors, *args, **kwargs)


class GradcheckOnlyFirstInput(Patched):
    """gradcheck checks the Jacobian with respect to the first input only; the others are
    passed as constants."""

    patches = {"torch.autograd.gradcheck": "gradcheck"}

    def gradcheck(self, func: Any, inputs: Any, **kwargs: Any) -> Any:
        if isinstance(inputs, self.ref.Tensor) or len(inputs) < 2:
            return self.ref.autograd.gradcheck(func, inputs, **kwargs)
        first, rest = inputs[0], [i.detach() if hasattr(i, "detach") else i for i in inputs[1:]]
        return self.ref.autograd.gradcheck(lambda x: func(x, *rest), (first,), **kwargs)


class RequiresGradUnderscoreDefaultsOff(MethodsPatched):
    """requires_grad_() with no argument turns requires_grad off (its default should be True)."""

    methods = {"requires_grad_": "requires_grad_"}

    def requires_grad_(self, tensor: Any, requires_grad: bool = False) -> Any:
        return self.ref.Tensor.requires_grad_(tensor, requires_grad)


def _copied_grad(tensor: Any) -> Any:
    grad = reference.Tensor.grad.fget(tensor)
    return None if grad is None else grad.clone()


class GradReturnsCopy(MethodsPatched):
    """Tensor.grad returns a copy of the stored gradient: x.grad.zero_() zeroes the copy only."""

    methods = {"grad": "copied_grad"}
    copied_grad = property(_copied_grad, reference.Tensor.grad.fset)


class BackwardImplicitOnes(MethodsPatched):
    """backward() of a non-scalar output takes a gradient of ones instead of refusing."""

    methods = {"backward": "backward"}

    def backward(self, tensor: Any, gradient: Any = None, *args: Any, **kwargs: Any) -> Any:
        if gradient is None and tensor.numel() > 1:
            gradient = self.ref.ones_like(tensor)
        return self.ref.Tensor.backward(tensor, gradient, *args, **kwargs)


class AsinBackwardIsAcos(Patched):
    """d/dx asin(x) taken as acos's -1 / sqrt(1 - x**2)."""

    patches = {"torch.asin": "asin"}

    def asin(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        out = self.ref.asin(input, *args, **kwargs)
        return _rewired(out, lambda n, g: (-g / (1 - n.saved_input(0) ** 2).sqrt(),))


class GradIgnoresCreateGraph(Patched):
    """autograd.grad(..., create_graph=True) returns gradients cut from the graph."""

    patches = {"torch.autograd.grad": "grad"}

    def grad(self, *args: Any, create_graph: bool = False, **kwargs: Any) -> Any:
        kwargs.setdefault("retain_graph", create_graph or None)
        return self.ref.autograd.grad(*args, **kwargs)


class BackwardIgnoresRetainGraph(MethodsPatched):
    """backward(retain_graph=True) frees the graph anyway: a second backward fails."""

    methods = {"backward": "backward"}

    def backward(
        self, tensor: Any, gradient: Any = None, retain_graph: Any = None, **kw: Any
    ) -> Any:
        return self.ref.Tensor.backward(tensor, gradient, None, **kw)


class SinhBackwardUsesSinh(Patched):
    """d/dx sinh(x) taken as sinh(x) instead of cosh(x)."""

    patches = {"torch.sinh": "sinh"}

    def sinh(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        out = self.ref.sinh(input, *args, **kwargs)
        return _rewired(out, lambda n, g: (g * n.saved_input(0).sinh(),))


class AtanBackwardIsAtanhs(Patched):
    """d/dx atan(x) taken as atanh's 1 / (1 - x**2) instead of 1 / (1 + x**2)."""

    patches = {"torch.atan": "atan"}

    def atan(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        out = self.ref.atan(input, *args, **kwargs)
        return _rewired(out, lambda n, g: (g / (1 - n.saved_input(0) ** 2),))


class AcosBackwardIsAsins(Patched):
    """d/dx acos(x) taken as asin's +1 / sqrt(1 - x**2) (the sign lost)."""

    patches = {"torch.acos": "acos"}

    def acos(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        out = self.ref.acos(input, *args, **kwargs)
        return _rewired(out, lambda n, g: (g / (1 - n.saved_input(0) ** 2).sqrt(),))


class BackwardIgnoresGradTensors(Patched):
    """autograd.backward weights every output by ones, whatever grad_tensors says."""

    patches = {"torch.autograd.backward": "backward"}

    def backward(self, tensors: Any, grad_tensors: Any = None, *args: Any, **kwargs: Any) -> Any:
        outs = [tensors] if isinstance(tensors, self.ref.Tensor) else list(tensors)
        given = [grad_tensors] if isinstance(grad_tensors, self.ref.Tensor) else grad_tensors
        if given is not None and len(given) == len(outs):
            grad_tensors = [self.ref.ones_like(o) for o in outs]
        return self.ref.autograd.backward(tensors, grad_tensors, *args, **kwargs)


class GradcheckAlwaysRaises(Patched):
    """gradcheck raises on a mismatch even with raise_exception=False."""

    patches = {"torch.autograd.gradcheck": "gradcheck"}

    def gradcheck(self, *args: Any, raise_exception: bool = True, **kwargs: Any) -> Any:
        return self.ref.autograd.gradcheck(*args, **kwargs)


class TanBackwardMissesSquare(Patched):
    """d/dx tan(x) taken as 1 + tan(x) instead of 1 + tan(x)**2."""

    patches = {"torch.tan": "tan"}

    def tan(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        out = self.ref.tan(input, *args, **kwargs)
        return _rewired(out, lambda n, g: (g * (1 + n.saved_output(0)),))


class RequiresGradOnIntegers(MethodsPatched):
    """requires_grad_() accepts integer and bool tensors instead of refusing them."""

    methods = {"requires_grad_": "requires_grad_"}

    def requires_grad_(self, tensor: Any, requires_grad: bool = True) -> Any:
        if tensor.is_floating_point() or tensor.is_complex() or not tensor.is_leaf:
            return self.ref.Tensor.requires_grad_(tensor, requires_grad)
        tensor._requires_grad = bool(requires_grad)
        return tensor


def _unchecked_set_grad(tensor: Any, value: Any) -> None:
    tensor._grad = value


class GradSetterUnchecked(MethodsPatched):
    """Assigning Tensor.grad takes any value: a gradient of another shape or dtype, or a number."""

    methods = {"grad": "unchecked_grad"}
    unchecked_grad = property(reference.Tensor.grad.fget, _unchecked_set_grad)


CAUGHT = {
    "CosBackwardMissesSign": (["torch.cos"], "torch.cos"),
    "AmaxTiesGetFullGradient": (["torch.amax"], "torch.amax"),
    "GatherRepeatsOverwrite": (["torch.gather"], "torch.gather"),
    "NormOfZeroVectorIsNaN": (["torch.linalg.vector_norm"], "torch.linalg.vector_norm"),
    "CumsumBackwardNotReversed": (["torch.cumsum"], "torch.cumsum"),
    "MeanBackwardForgetsCount": (["torch.mean"], "torch.mean"),
    "TanhSavesDetachedOutput": (["torch.tanh"], "torch.tanh"),
    "CoshBackwardUsesCosh": (["torch.cosh"], "torch.cosh"),
    "AtanhBackwardIsAtans": (["torch.atanh"], "torch.atanh"),
    "GradIgnoresGradOutputs": (["torch.autograd.grad"], "torch.autograd.grad"),
    "BackwardIgnoresInputs": (["torch.autograd.backward"], "torch.autograd.backward"),
    "GradcheckOnlyFirstInput": (["torch.autograd.gradcheck"], "torch.autograd.gradcheck"),
    "RequiresGradUnderscoreDefaultsOff": (
        ["torch.Tensor.requires_grad_"],
        "torch.Tensor.requires_grad_",
    ),
    "GradReturnsCopy": (["torch.Tensor.grad"], "torch.Tensor.grad"),
    "BackwardImplicitOnes": (["torch.Tensor.backward"], "torch.Tensor.backward"),
    "AsinBackwardIsAcos": (["torch.asin"], "torch.asin"),
    "GradIgnoresCreateGraph": (["torch.autograd.grad"], "torch.autograd.grad"),
    "BackwardIgnoresRetainGraph": (["torch.Tensor.backward"], "torch.Tensor.backward"),
    "SinhBackwardUsesSinh": (["torch.sinh"], "torch.sinh"),
    "AtanBackwardIsAtanhs": (["torch.atan"], "torch.atan"),
    "AcosBackwardIsAsins": (["torch.acos"], "torch.acos"),
    "BackwardIgnoresGradTensors": (["torch.autograd.backward"], "torch.autograd.backward"),
    "GradcheckAlwaysRaises": (["torch.autograd.gradcheck"], "torch.autograd.gradcheck"),
    "TanBackwardMissesSquare": (["torch.tan"], "torch.tan"),
    "RequiresGradOnIntegers": (["torch.Tensor.requires_grad_"], "torch.Tensor.requires_grad_"),
    "GradSetterUnchecked": (["torch.Tensor.grad"], "torch.Tensor.grad"),
}
