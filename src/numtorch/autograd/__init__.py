"""``numtorch.autograd``: ``backward``, ``grad``, grad modes, ``Function``, ``gradcheck``."""

from __future__ import annotations

from .. import _dtype
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .graph import Node

__all__ = [
    "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
    "is_grad_enabled", "is_inference_mode_enabled", "Function", "gradcheck", "gradgradcheck", "Node",
]  # fmt: skip


def _as_tuple(x):
    if x is None:
        return None
    from .._tensor import Tensor

    return (x,) if isinstance(x, Tensor) else tuple(x)


def _make_grads(outputs, grads, is_grads_batched=False):
    from .._tensor import Tensor
    from ..ops.creation import ones_like

    result = []
    for out, g in zip(outputs, grads):
        if g is None:
            if out._requires_grad:
                if out.numel() != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if not out.is_floating_point() and not out.is_complex():
                    raise RuntimeError(
                        f"grad can be implicitly created only for real scalar outputs but got {out.dtype}"
                    )
            result.append(ones_like(out))
        else:
            if not isinstance(g, Tensor):
                from ..ops.creation import tensor

                g = tensor(g, dtype=out.dtype)
            if g.shape != out.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{len(result)}] has a shape of {g.shape} and output[{len(result)}] has a shape of {out.shape}."
                )
            result.append(g)
    return result


def backward(
    tensors,
    grad_tensors=None,
    retain_graph=None,
    create_graph: bool = False,
    grad_variables=None,
    inputs=None,
) -> None:
    """``torch.autograd.backward``: accumulate gradients of ``tensors`` into the leaves' ``.grad``."""
    from .engine import run_backward

    tensors = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors) if grad_tensors is not None else (None,) * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"got {len(grads)} tensors and {len(tensors)} gradients")
    for t in tensors:
        if not t._requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if len(inputs) == 0:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    grads = _make_grads(tensors, grads)
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused=None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
):
    """``torch.autograd.grad``: gradients of ``outputs`` w.r.t. ``inputs``, returned (not accumulated)."""
    from .engine import run_backward
    from .graph import edge_of

    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    grads = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    for out in outputs:
        if not out._requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _make_grads(outputs, grads)
    keys = [edge_of(t) for t in inputs]
    capture = {k: None for k in keys}
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(outputs, grads, retain_graph, create_graph, capture=capture)
    result = []
    for i, (k, t) in enumerate(zip(keys, inputs)):
        g = capture.get(k)
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
            if materialize_grads:
                from ..ops.creation import zeros_like

                g = zeros_like(t)
        elif not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)


def __getattr__(name):
    if name in ("Function", "FunctionCtx", "once_differentiable"):
        from . import function

        return getattr(function, name)
    if name in ("gradcheck", "gradgradcheck"):
        from . import gradcheck as _gc

        return getattr(_gc, name)
    if name == "functional":
        import importlib

        return importlib.import_module(".functional", __name__)
    raise AttributeError(f"module 'numtorch.autograd' has no attribute '{name}'")


del _dtype
