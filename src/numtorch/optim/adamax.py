"""``torch.optim.Adamax`` and the functional ``adamax`` (``torch/optim/adamax.py``).

PyTorch's ``_single_tensor_adamax`` on the arrays (NOTE [ Updates on the arrays ] in
``optimizer.py``)::

    m.lerp_(g, 1 - beta1)
    u = max(beta2 * u, |g| + eps)
    p += (-lr / (1 - beta1**step) * m) / u
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import (
    Optimizer,
    _check_adam_hyperparameters,
    _check_not_differentiable,
    _evaluate_closure,
    _get_value,
    _lerp_,
    _maximize_and_weight_decay,
    _real,
    _scalar_tensor,
    _use_grad_for_differentiable,
    _zeros_like,
)

__all__ = ["Adamax", "adamax"]


class Adamax(Optimizer):
    """``torch.optim.Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    foreach=None, *, maximize=False, differentiable=False, capturable=False)``."""

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        _check_adam_hyperparameters(lr, betas, eps, weight_decay)
        _check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
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

    def _init_group(self, group, params_with_grad, grads, exp_avgs, exp_infs, state_steps) -> None:
        for p in self._params_with_grads(group, params_with_grad, grads):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_tensor(0.0)
                state["exp_avg"] = _zeros_like(p)
                state["exp_inf"] = _zeros_like(p)
            exp_avgs.append(state["exp_avg"])
            exp_infs.append(state["exp_inf"])
            state_steps.append(state["step"])

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = _evaluate_closure(closure)

        for group in self.param_groups:
            params_with_grad: list[Tensor] = []
            grads: list[Tensor] = []
            exp_avgs: list[Tensor] = []
            exp_infs: list[Tensor] = []
            state_steps: list[Tensor] = []
            beta1, beta2 = group["betas"]
            self._init_group(group, params_with_grad, grads, exp_avgs, exp_infs, state_steps)
            adamax(
                params_with_grad,
                grads,
                exp_avgs,
                exp_infs,
                state_steps,
                eps=group["eps"],
                beta1=beta1,
                beta2=beta2,
                lr=group["lr"],
                weight_decay=group["weight_decay"],
                maximize=group["maximize"],
            )
        return loss


def adamax(
    params: list[Tensor],
    grads: list[Tensor],
    exp_avgs: list[Tensor],
    exp_infs: list[Tensor],
    state_steps: list[Tensor],
    *,
    eps: float,
    beta1: float,
    beta2: float,
    lr: float | Tensor,
    weight_decay: float,
    maximize: bool,
) -> None:
    """``torch.optim.adamax.adamax`` (single-tensor form): update in place."""
    lr = _get_value(lr)
    for i, param in enumerate(params):
        p = _real(param._data)
        exp_avg = _real(exp_avgs[i]._data)
        exp_inf = _real(exp_infs[i]._data)
        step_t = state_steps[i]
        step_t._data += 1
        g = _maximize_and_weight_decay(
            param, grads[i], maximize=maximize, weight_decay=weight_decay
        )

        _lerp_(exp_avg, g, 1 - beta1)
        exp_inf *= beta2
        norm = np.abs(g)
        norm += eps
        np.maximum(exp_inf, norm, out=exp_inf)

        clr = lr / (1 - beta1 ** float(step_t._data))
        # p.addcdiv_(exp_avg, exp_inf, value=-clr)
        np.multiply(exp_avg, -clr, out=norm)
        norm /= exp_inf
        p += norm
        param._version[0] += 1
