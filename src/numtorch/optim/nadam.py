"""``torch.optim.NAdam`` and the functional ``nadam`` (``torch/optim/nadam.py``).

PyTorch's ``_single_tensor_nadam`` on the arrays (NOTE [ Updates on the arrays ] in
``optimizer.py``)::

    mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay));  mu_product *= mu_t   (float32 state)
    m.lerp_(g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
    denom = sqrt(v / (1 - beta2**t)) + eps
    p += (-lr * (1 - mu_t) / (1 - mu_product) * g) / denom
    p += (-lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m) / denom
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import (
    Optimizer,
    _check_adam_hyperparameters,
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

__all__ = ["NAdam", "nadam"]


class NAdam(Optimizer):
    """``torch.optim.NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None, maximize=False,
    capturable=False, differentiable=False)``."""

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        _check_adam_hyperparameters(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        _check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            self._upgrade_scalar_state(group, ("step", "mu_product"))

    def _init_group(
        self, group, params_with_grad, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps
    ) -> None:
        for p in self._params_with_grads(group, params_with_grad, grads):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_tensor(0.0)
                state["mu_product"] = _scalar_tensor(1.0)
                state["exp_avg"] = _zeros_like(p)
                state["exp_avg_sq"] = _zeros_like(p)
            exp_avgs.append(state["exp_avg"])
            exp_avg_sqs.append(state["exp_avg_sq"])
            mu_products.append(state["mu_product"])
            state_steps.append(state["step"])

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = _evaluate_closure(closure)

        for group in self.param_groups:
            params_with_grad: list[Tensor] = []
            grads: list[Tensor] = []
            exp_avgs: list[Tensor] = []
            exp_avg_sqs: list[Tensor] = []
            mu_products: list[Tensor] = []
            state_steps: list[Tensor] = []
            beta1, beta2 = group["betas"]
            self._init_group(
                group, params_with_grad, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps
            )
            nadam(
                params_with_grad,
                grads,
                exp_avgs,
                exp_avg_sqs,
                mu_products,
                state_steps,
                beta1=beta1,
                beta2=beta2,
                lr=group["lr"],
                weight_decay=group["weight_decay"],
                momentum_decay=group["momentum_decay"],
                eps=group["eps"],
                maximize=group["maximize"],
                decoupled_weight_decay=group["decoupled_weight_decay"],
            )
        return loss


def nadam(
    params: list[Tensor],
    grads: list[Tensor],
    exp_avgs: list[Tensor],
    exp_avg_sqs: list[Tensor],
    mu_products: list[Tensor],
    state_steps: list[Tensor],
    *,
    beta1: float,
    beta2: float,
    lr: float | Tensor,
    weight_decay: float,
    momentum_decay: float,
    eps: float,
    maximize: bool,
    decoupled_weight_decay: bool = False,
) -> None:
    """``torch.optim.nadam.nadam`` (single-tensor form): update in place."""
    lr = _get_value(lr)
    for i, param in enumerate(params):
        p = _real(param._data)
        exp_avg = _real(exp_avgs[i]._data)
        exp_avg_sq = _real(exp_avg_sqs[i]._data)
        mu_product_t = mu_products[i]
        step_t = state_steps[i]
        step_t._data += 1
        step = float(step_t._data)
        bias_correction2 = 1 - beta2**step
        g = _maximize_and_weight_decay(
            param,
            grads[i],
            maximize=maximize,
            weight_decay=weight_decay,
            lr=lr,
            decoupled_weight_decay=decoupled_weight_decay,
        )

        # the momentum cache mu_t and mu_{t+1}; the running product is kept at the state's dtype
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product_t._data *= mu
        mu_product = float(mu_product_t._data)

        _lerp_(exp_avg, g, 1 - beta1)
        scratch = _decay_add_square_(exp_avg_sq, beta2, g)
        denom = np.divide(exp_avg_sq, bias_correction2)
        np.sqrt(denom, out=denom)
        mu_product_next = mu_product * mu_next
        denom += eps

        # p.addcdiv_(g, denom, value=...) then p.addcdiv_(exp_avg, denom, value=...)
        np.multiply(g, -lr * (1.0 - mu) / (1.0 - mu_product), out=scratch)
        scratch /= denom
        p += scratch
        np.multiply(exp_avg, (-lr * mu_next) / (1.0 - mu_product_next), out=scratch)
        scratch /= denom
        p += scratch
        param._version[0] += 2
