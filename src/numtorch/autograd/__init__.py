"""``numtorch.autograd``: ``backward``, ``grad``, grad modes, ``Function``, ``gradcheck``."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np

from .._tensor import Tensor
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
    "is_grad_enabled", "is_inference_mode_enabled", "Function", "FunctionCtx",
    "once_differentiable", "gradcheck", "gradgradcheck", "Node", "detect_anomaly",
    "set_detect_anomaly", "is_anomaly_enabled",
]  # fmt: skip


def _tensors_tuple(x) -> tuple:
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _inputs_tuple(inputs, api: str) -> tuple:
    if isinstance(inputs, Tensor):
        return (inputs,)
    if type(inputs) is dict:
        return tuple(inputs.values())
    if isinstance(inputs, Mapping):
        raise TypeError(
            f"`inputs` argument to `{api}()` must be a dict, not {type(inputs).__name__}. "
            "Other Mapping types are not supported."
        )
    return tuple(inputs)


def _make_grads(outputs: tuple, grads: tuple) -> tuple:
    """The root gradients: the given ones checked against their outputs, ones for scalars
    (``torch.autograd._make_grads``)."""
    new_grads = []
    for i, (out, grad) in enumerate(zip(outputs, grads)):
        if isinstance(grad, Tensor):
            if grad._data.shape != out._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {grad.shape} and "
                    f"output[{i}] has a shape of {out.shape}."
                )
            if out.is_complex() != grad.is_complex():
                raise RuntimeError(
                    "For complex Tensors, both grad_output and output are required to have the "
                    f"same dtype. Mismatch in dtype: grad_output[{i}] has a dtype of {grad.dtype} "
                    f"and output[{i}] has a dtype of {out.dtype}."
                )
            new_grads.append(grad)
        elif grad is None:
            if out._requires_grad:
                if out._data.size != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if not out.is_floating_point():
                    raise RuntimeError(
                        "grad can be implicitly created only for real scalar outputs but got "
                        f"{out.dtype}"
                    )
                new_grads.append(Tensor._make(np.ones(out._data.shape, out._data.dtype)))
            else:
                new_grads.append(None)
        else:
            raise TypeError(
                f"gradients can be either Tensors or None, but got {type(grad).__name__}"
            )
    return tuple(new_grads)


def _check_roots(tensors: tuple) -> None:
    for i, t in enumerate(tensors):
        if not t._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )


def backward(
    tensors,
    grad_tensors=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    grad_variables=None,
    inputs=None,
) -> None:
    """``torch.autograd.backward``: accumulate the gradients of ``tensors`` into the leaves'
    ``.grad`` (only into ``inputs``' when given; a non-leaf input retains its grad)."""
    from .engine import run_backward

    if grad_variables is not None:
        warnings.warn(
            "`grad_variables` is deprecated. Use `grad_tensors` instead.",
            FutureWarning,
            stacklevel=2,
        )
        if grad_tensors is None:
            grad_tensors = grad_variables
        else:
            raise RuntimeError(
                "`grad_tensors` and `grad_variables` (deprecated) arguments both passed to "
                "`backward()`. Please only use `grad_tensors`."
            )
    inputs_tuple = () if inputs is None else _inputs_tuple(inputs, "backward")
    if inputs is not None and not inputs_tuple:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    tensors = _tensors_tuple(tensors)
    if grad_tensors is None:
        grads = (None,) * len(tensors)
    else:
        grads = _tensors_tuple(grad_tensors)
    grads = _make_grads(tensors, grads)
    if retain_graph is None:
        retain_graph = create_graph
    _check_roots(tensors)
    for t in inputs_tuple:
        t.retain_grad()  # a non-leaf input gets its .grad the way PyTorch gives it (and raises)
    if create_graph:
        warnings.warn(
            "Using backward() with create_graph=True will create a reference cycle between the "
            "parameter and its gradient which can cause a memory leak. We recommend using "
            "autograd.grad when creating the graph to avoid this. If you have to use this "
            "function, make sure to reset the .grad fields of your parameters to None after use "
            "to break the cycle and avoid the leak.",
            UserWarning,
            stacklevel=3,
        )
    run_backward(tensors, grads, retain_graph, create_graph, inputs_tuple, True, True)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
):
    """``torch.autograd.grad``: the gradients of ``outputs`` with respect to ``inputs``,
    returned (not accumulated into ``.grad``)."""
    from .engine import run_backward

    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but "
            "got: allow_unused=False."
        )
    if allow_unused is None:
        allow_unused = materialize_grads
    outputs = _tensors_tuple(outputs)
    inputs_tuple = _inputs_tuple(inputs, "grad")
    if not inputs_tuple:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if not only_inputs:
        warnings.warn(
            "only_inputs argument is deprecated and is ignored now (defaults to True). To "
            "accumulate gradient for other parts of the graph, please use "
            "torch.autograd.backward.",
            FutureWarning,
            stacklevel=2,
        )
    if is_grads_batched:
        raise NotImplementedError("numtorch: autograd.grad(is_grads_batched=True) needs vmap")
    if grad_outputs is None:
        grads = (None,) * len(outputs)
    else:
        grads = _tensors_tuple(grad_outputs)
    grads = _make_grads(outputs, grads)
    if retain_graph is None:
        retain_graph = create_graph
    _check_roots(outputs)
    for t in inputs_tuple:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    result = run_backward(
        outputs, grads, retain_graph, create_graph, inputs_tuple, allow_unused, False
    )
    if materialize_grads:
        from ..ops.creation import zeros_like

        result = tuple(
            r if r is not None else zeros_like(t, requires_grad=create_graph)
            for r, t in zip(result, inputs_tuple)
        )
    if type(inputs) is dict:
        return dict(zip(inputs.keys(), result))
    return result


def __getattr__(name):
    if name == "functional":
        import importlib

        return importlib.import_module(".functional", __name__)
    raise AttributeError(f"module 'numtorch.autograd' has no attribute '{name}'")


# Imported last: they use backward/grad above (the function ``gradcheck`` shadows its module's
# name here, as in torch.autograd).
from .anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly  # noqa: E402
from .function import Function, FunctionCtx, once_differentiable  # noqa: E402
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402
