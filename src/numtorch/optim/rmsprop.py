"""``torch.optim.RMSprop`` and the functional ``rmsprop`` (``torch/optim/rmsprop.py``).

PyTorch's ``_single_tensor_rmsprop`` on the arrays (NOTE [ Updates on the arrays ] in
``optimizer.py``)::

    v = alpha * v + (1 - alpha) * g * g
    avg = sqrt(v - g_avg**2) + eps, with g_avg.lerp_(g, 1 - alpha)   (centered)
    avg = sqrt(v) + eps                                                (otherwise)
    buf = momentum * buf + g / avg;  p -= lr * buf                     (momentum > 0)
    p += (-lr * g) / avg                                               (otherwise)
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
    _lerp_,
    _maximize_and_weight_decay,
    _real,
    _scalar_tensor,
    _use_grad_for_differentiable,
    _zeros_like,
)

__all__ = ["RMSprop", "rmsprop"]


class RMSprop(Optimizer):
    """``torch.optim.RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
    centered=False, capturable=False, foreach=None, maximize=False, differentiable=False)``."""

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        _check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
            self._upgrade_scalar_state(group)

    def _init_group(
        self, group, params_with_grad, grads, square_avgs, momentum_buffer_list, grad_avgs, steps
    ) -> None:
        for p in self._params_with_grads(group, params_with_grad, grads):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_tensor(0.0)
                state["square_avg"] = _zeros_like(p)
                if group["momentum"] > 0:
                    state["momentum_buffer"] = _zeros_like(p)
                if group["centered"]:
                    state["grad_avg"] = _zeros_like(p)
            square_avgs.append(state["square_avg"])
            steps.append(state["step"])
            if group["momentum"] > 0:
                momentum_buffer_list.append(state["momentum_buffer"])
            if group["centered"]:
                grad_avgs.append(state["grad_avg"])

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = _evaluate_closure(closure)

        for group in self.param_groups:
            params_with_grad: list[Tensor] = []
            grads: list[Tensor] = []
            square_avgs: list[Tensor] = []
            grad_avgs: list[Tensor] = []
            momentum_buffer_list: list[Tensor] = []
            state_steps: list[Tensor] = []
            self._init_group(
                group,
                params_with_grad,
                grads,
                square_avgs,
                momentum_buffer_list,
                grad_avgs,
                state_steps,
            )
            rmsprop(
                params_with_grad,
                grads,
                square_avgs,
                grad_avgs,
                momentum_buffer_list,
                state_steps,
                lr=group["lr"],
                alpha=group["alpha"],
                eps=group["eps"],
                weight_decay=group["weight_decay"],
                momentum=group["momentum"],
                centered=group["centered"],
                maximize=group["maximize"],
            )
        return loss


def rmsprop(
    params: list[Tensor],
    grads: list[Tensor],
    square_avgs: list[Tensor],
    grad_avgs: list[Tensor],
    momentum_buffer_list: list[Tensor],
    state_steps: list[Tensor],
    *,
    lr: float | Tensor,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
    maximize: bool,
) -> None:
    """``torch.optim.rmsprop.rmsprop`` (single-tensor form): update in place."""
    lr = _get_value(lr)
    for i, param in enumerate(params):
        p = _real(param._data)
        square_avg = _real(square_avgs[i]._data)
        state_steps[i]._data += 1
        g = _maximize_and_weight_decay(
            param, grads[i], maximize=maximize, weight_decay=weight_decay
        )

        scratch = _decay_add_square_(square_avg, alpha, g)
        if centered:
            grad_avg = _real(grad_avgs[i]._data)
            _lerp_(grad_avg, g, 1 - alpha)
            np.multiply(grad_avg, grad_avg, out=scratch)
            avg = np.subtract(square_avg, scratch)
            np.sqrt(avg, out=avg)
        else:
            avg = np.sqrt(square_avg)
        avg += eps

        if momentum > 0:
            buf = _real(momentum_buffer_list[i]._data)
            buf *= momentum
            np.divide(g, avg, out=scratch)
            buf += scratch
            np.multiply(buf, lr, out=scratch)
            p -= scratch
        else:
            # p.addcdiv_(g, avg, value=-lr)
            np.multiply(g, -lr, out=scratch)
            scratch /= avg
            p += scratch
        param._version[0] += 1
