"""``torch.optim.Adagrad`` and the functional ``adagrad`` (``torch/optim/adagrad.py``).

PyTorch's ``_single_tensor_adagrad`` on the arrays (NOTE [ Updates on the arrays ] in
``optimizer.py``)::

    clr = lr / (1 + (step - 1) * lr_decay)
    sum += g * g
    p += (-clr * g) / (sqrt(sum) + eps)

Unlike the others, Adagrad creates its state (``step`` and ``sum``, filled with
``initial_accumulator_value``) in the constructor, so ``state_dict()`` holds it before any step.
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
)

__all__ = ["Adagrad", "adagrad"]


class Adagrad(Optimizer):
    """``torch.optim.Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0,
    initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
    differentiable=False, fused=None)``."""

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(self.state[p], p, group["fused"], initial_accumulator_value)

    @staticmethod
    def _init_state(state: dict, p: Tensor, fused, initial_accumulator_value: float) -> None:
        state["step"] = _scalar_tensor(0.0, fused)
        init_value = (
            complex(initial_accumulator_value, initial_accumulator_value)
            if p.is_complex()
            else initial_accumulator_value
        )
        state["sum"] = Tensor._make(np.full_like(p._data, init_value))

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        fused = None
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            fused = group.setdefault("fused", None)
            self._upgrade_scalar_state(group, is_fused=fused)
        for s in self.state.values():
            if not isinstance(s["step"], Tensor):
                s["step"] = _scalar_tensor(float(s["step"]), fused)

    def share_memory(self) -> None:
        """PyTorch moves the ``sum`` state to shared memory; one process here, nothing to do."""

    def _init_group(self, group, params_with_grad, grads, state_sums, state_steps) -> None:
        for p in self._params_with_grads(group, params_with_grad, grads):
            state = self.state[p]
            if len(state) == 0:  # a group added after construction
                self._init_state(
                    state, p, group["fused"], self.defaults["initial_accumulator_value"]
                )
            state_sums.append(state["sum"])
            state_steps.append(state["step"])

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = _evaluate_closure(closure)

        for group in self.param_groups:
            params_with_grad: list[Tensor] = []
            grads: list[Tensor] = []
            state_sums: list[Tensor] = []
            state_steps: list[Tensor] = []
            self._init_group(group, params_with_grad, grads, state_sums, state_steps)
            adagrad(
                params_with_grad,
                grads,
                state_sums,
                state_steps,
                lr=group["lr"],
                weight_decay=group["weight_decay"],
                lr_decay=group["lr_decay"],
                eps=group["eps"],
                maximize=group["maximize"],
            )
        return loss


def adagrad(
    params: list[Tensor],
    grads: list[Tensor],
    state_sums: list[Tensor],
    state_steps: list[Tensor],
    *,
    lr: float | Tensor,
    weight_decay: float,
    lr_decay: float,
    eps: float,
    maximize: bool,
) -> None:
    """``torch.optim.adagrad.adagrad`` (single-tensor form): update in place."""
    lr = _get_value(lr)
    for param, grad, state_sum_t, step_t in zip(params, grads, state_sums, state_steps):
        step_t._data += 1
        step = float(step_t._data)
        p = _real(param._data)
        state_sum = _real(state_sum_t._data)
        g = _maximize_and_weight_decay(param, grad, maximize=maximize, weight_decay=weight_decay)
        clr = lr / (1 + (step - 1) * lr_decay)

        scratch = np.multiply(g, g)
        state_sum += scratch
        std = np.sqrt(state_sum)
        std += eps
        # p.addcdiv_(g, std, value=-clr)
        np.multiply(g, -clr, out=scratch)
        scratch /= std
        p += scratch
        param._version[0] += 1
