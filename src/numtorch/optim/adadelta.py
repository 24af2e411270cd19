"""``torch.optim.Adadelta`` and the functional ``adadelta`` (``torch/optim/adadelta.py``).

PyTorch's ``_single_tensor_adadelta`` on the arrays (NOTE [ Updates on the arrays ] in
``optimizer.py``)::

    v = rho * v + (1 - rho) * g * g
    delta = sqrt(u + eps) / sqrt(v + eps) * g
    u = rho * u + (1 - rho) * delta * delta
    p -= lr * delta
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import (
    Optimizer,
    _check_not_differentiable,
    _decay_add_square_,
    _evaluate_closure,
    _get_value,
    _maximize_and_weight_decay,
    _real,
    _scalar_tensor,
    _use_grad_for_differentiable,
    _zeros_like,
)

__all__ = ["Adadelta", "adadelta"]


class Adadelta(Optimizer):
    """``torch.optim.Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
    capturable=False, maximize=False, differentiable=False)``."""

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
            self._upgrade_scalar_state(group)

    def _init_group(
        self, group, params_with_grad, grads, square_avgs, acc_deltas, state_steps
    ) -> None:
        for p in self._params_with_grads(group, params_with_grad, grads):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_tensor(0.0)
                state["square_avg"] = _zeros_like(p)
                state["acc_delta"] = _zeros_like(p)
            square_avgs.append(state["square_avg"])
            acc_deltas.append(state["acc_delta"])
            state_steps.append(state["step"])

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = _evaluate_closure(closure)

        for group in self.param_groups:
            params_with_grad: list[Tensor] = []
            grads: list[Tensor] = []
            square_avgs: list[Tensor] = []
            acc_deltas: list[Tensor] = []
            state_steps: list[Tensor] = []
            self._init_group(group, params_with_grad, grads, square_avgs, acc_deltas, state_steps)
            adadelta(
                params_with_grad,
                grads,
                square_avgs,
                acc_deltas,
                state_steps,
                lr=group["lr"],
                rho=group["rho"],
                eps=group["eps"],
                weight_decay=group["weight_decay"],
                maximize=group["maximize"],
            )
        return loss


def adadelta(
    params: list[Tensor],
    grads: list[Tensor],
    square_avgs: list[Tensor],
    acc_deltas: list[Tensor],
    state_steps: list[Tensor],
    *,
    lr: float | Tensor,
    rho: float,
    eps: float,
    weight_decay: float,
    maximize: bool,
) -> None:
    """``torch.optim.adadelta.adadelta`` (single-tensor form): update in place."""
    lr = _get_value(lr)
    for param, grad, square_avg_t, acc_delta_t, step_t in zip(
        params, grads, square_avgs, acc_deltas, state_steps
    ):
        step_t._data += 1
        p = _real(param._data)
        square_avg = _real(square_avg_t._data)
        acc_delta = _real(acc_delta_t._data)
        g = _maximize_and_weight_decay(param, grad, maximize=maximize, weight_decay=weight_decay)

        _decay_add_square_(square_avg, rho, g)
        std = np.add(square_avg, eps)
        np.sqrt(std, out=std)
        delta = np.add(acc_delta, eps)
        np.sqrt(delta, out=delta)
        delta /= std
        delta *= g
        scratch = _decay_add_square_(acc_delta, rho, delta)
        np.multiply(delta, lr, out=scratch)
        p -= scratch
        param._version[0] += 1
