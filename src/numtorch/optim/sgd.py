"""``torch.optim.SGD`` and the functional ``sgd`` (``torch/optim/sgd.py``).

The update follows PyTorch's ``_single_tensor_sgd`` on the arrays (NOTE [ Updates on the arrays ]
in ``optimizer.py``)::

    g = -grad if maximize else grad
    g = g + weight_decay * p                       if weight_decay != 0
    buf = g (first step)  |  buf = momentum * buf + (1 - dampening) * g
    g = g + momentum * buf (nesterov)  |  g = buf  if momentum != 0
    p -= lr * g
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .._blas import axpy
from .._tensor import Tensor
from .optimizer import (
    Optimizer,
    _check_not_differentiable,
    _evaluate_closure,
    _get_value,
    _real,
    _use_grad_for_differentiable,
)

__all__ = ["SGD", "sgd"]


class SGD(Optimizer):
    """``torch.optim.SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
    *, maximize=False, foreach=None, differentiable=False, fused=None)``."""

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float | Tensor = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def _init_group(self, group, params, grads, momentum_buffer_list) -> bool:
        for p in self._params_with_grads(group, params, grads):
            if group["momentum"] != 0:
                momentum_buffer_list.append(self.state[p].get("momentum_buffer"))
        return False  # numtorch has no sparse gradients

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = _evaluate_closure(closure)

        for group in self.param_groups:
            params: list[Tensor] = []
            grads: list[Tensor] = []
            momentum_buffer_list: list[Tensor | None] = []
            self._init_group(group, params, grads, momentum_buffer_list)
            sgd(
                params,
                grads,
                momentum_buffer_list,
                weight_decay=group["weight_decay"],
                momentum=group["momentum"],
                lr=group["lr"],
                dampening=group["dampening"],
                nesterov=group["nesterov"],
                maximize=group["maximize"],
            )
            if group["momentum"] != 0:
                for p, momentum_buffer in zip(params, momentum_buffer_list):
                    self.state[p]["momentum_buffer"] = momentum_buffer
        return loss


def sgd(
    params: list[Tensor],
    d_p_list: list[Tensor],
    momentum_buffer_list: list[Tensor | None],
    has_sparse_grad: bool = False,
    foreach: bool | None = None,
    fused: bool | None = None,
    grad_scale: Tensor | None = None,
    found_inf: Tensor | None = None,
    *,
    weight_decay: float,
    momentum: float,
    lr: float,
    dampening: float,
    nesterov: bool,
    maximize: bool,
) -> None:
    """``torch.optim.sgd.sgd``: update ``params`` in place; fills ``None`` momentum buffers."""
    if grad_scale is not None or found_inf is not None:
        raise AssertionError("Expected grad_scale and found_inf to be None")
    lr = _get_value(lr)
    weight_decay = _get_value(weight_decay)
    for i, param in enumerate(params):
        p = _real(param._data)
        g = _real(d_p_list[i]._data)
        owned = False  # whether ``g`` is a temporary this step may overwrite
        if maximize:
            g, owned = np.negative(g), True
        if weight_decay != 0:
            decay = p * weight_decay
            g, owned = np.add(g, decay, out=decay), True
        if momentum != 0:
            buf = momentum_buffer_list[i]
            if buf is None:
                buf = Tensor._make(d_p_list[i]._data.copy() if not owned else _unreal(g, param))
                momentum_buffer_list[i] = buf
                b = _real(buf._data)
            else:
                b = _real(buf._data)
                b *= momentum
                if dampening != 0:
                    b += g * (1 - dampening)
                else:
                    b += g
            if nesterov:
                g, owned = np.add(g, b * momentum), True
            else:
                g, owned = b, False
        if not axpy(-lr, g, p):  # NOTE [ axpy for parameter updates ]
            if owned:
                np.multiply(g, lr, out=g)
                np.subtract(p, g, out=p)
            else:
                np.subtract(p, g * lr, out=p)
        param._version[0] += 1


def _unreal(g: np.ndarray, like: Tensor) -> np.ndarray:
    """``g`` (a float view made by ``_real``) viewed back as ``like``'s dtype."""
    if like._data.dtype.kind == "c":
        return g.view(like._data.dtype)
    return g
