"""``torch.optim.ASGD`` and the functional ``asgd`` (``torch/optim/asgd.py``): averaged SGD.

PyTorch's ``_single_tensor_asgd`` on the arrays (NOTE [ Updates on the arrays ] in
``optimizer.py``); ``eta`` and ``mu`` are 0-dim state tensors at the scalar dtype::

    p *= 1 - lambd * eta;  p -= eta * g
    ax += (p - ax) * mu   (ax = p while mu == 1)
    eta = lr / (1 + lambd * lr * step) ** alpha;  mu = 1 / max(1, step - t0)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import (
    Optimizer,
    _check_not_differentiable,
    _evaluate_closure,
    _get_value,
    _maximize_and_weight_decay,
    _real,
    _scalar_tensor,
    _use_grad_for_differentiable,
    _zeros_like,
)

__all__ = ["ASGD", "asgd"]


class ASGD(Optimizer):
    """``torch.optim.ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
    foreach=None, maximize=False, differentiable=False, capturable=False)``."""

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
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
            self._upgrade_scalar_state(group, ("step", "eta", "mu"))

    def _init_group(self, group, params_with_grad, grads, mus, axs, etas, state_steps) -> None:
        for p in self._params_with_grads(group, params_with_grad, grads):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_tensor(0.0)
                state["eta"] = _scalar_tensor(_get_value(group["lr"]))
                state["mu"] = _scalar_tensor(1.0)
                state["ax"] = _zeros_like(p)
            mus.append(state["mu"])
            axs.append(state["ax"])
            etas.append(state["eta"])
            state_steps.append(state["step"])

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = _evaluate_closure(closure)

        for group in self.param_groups:
            params_with_grad: list[Tensor] = []
            grads: list[Tensor] = []
            mus: list[Tensor] = []
            axs: list[Tensor] = []
            etas: list[Tensor] = []
            state_steps: list[Tensor] = []
            self._init_group(group, params_with_grad, grads, mus, axs, etas, state_steps)
            asgd(
                params_with_grad,
                grads,
                axs,
                mus,
                etas,
                state_steps,
                lambd=group["lambd"],
                lr=group["lr"],
                t0=group["t0"],
                alpha=group["alpha"],
                weight_decay=group["weight_decay"],
                maximize=group["maximize"],
            )
        return loss


def asgd(
    params: list[Tensor],
    grads: list[Tensor],
    axs: list[Tensor],
    mus: list[Tensor],
    etas: list[Tensor],
    state_steps: list[Tensor],
    *,
    lambd: float,
    lr: float | Tensor,
    t0: float,
    alpha: float,
    weight_decay: float,
    maximize: bool,
) -> None:
    """``torch.optim.asgd.asgd`` (single-tensor form): update in place."""
    lr = _get_value(lr)
    for i, param in enumerate(params):
        p = _real(param._data)
        ax = _real(axs[i]._data)
        mu, eta, step_t = mus[i], etas[i], state_steps[i]
        step_t._data += 1
        g = _maximize_and_weight_decay(
            param, grads[i], maximize=maximize, weight_decay=weight_decay
        )

        eta_value = float(eta._data)
        p *= 1 - lambd * eta_value  # decay
        p -= g * eta_value
        param._version[0] += 2

        if float(mu._data) != 1:
            scratch = np.subtract(p, ax)
            scratch *= float(mu._data)
            ax += scratch
        else:
            np.copyto(ax, p)

        step = float(step_t._data)
        # the new values pass through a default-dtype tensor, as PyTorch's ``torch.as_tensor``
        eta._data[...] = _scalar_tensor(lr / ((1 + lambd * lr * step) ** alpha))._data
        mu._data[...] = _scalar_tensor(1 / max(1, step - t0))._data
