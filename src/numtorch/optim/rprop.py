"""``torch.optim.Rprop`` and the functional ``rprop`` (``torch/optim/rprop.py``).

PyTorch's ``_single_tensor_rprop`` on the arrays (NOTE [ Updates on the arrays ] in
``optimizer.py``): each element's step size grows by ``etaplus`` while its gradient keeps its sign
and shrinks by ``etaminus`` when it flips (a flipped element is not moved that step)::

    factor = etaplus | etaminus | 1   where g * prev > 0 | < 0 | == 0
    step_size = clamp(step_size * factor, *step_sizes)
    g = 0 where the sign flipped;  p -= sign(g) * step_size;  prev = g
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
    _real,
    _scalar_tensor,
    _use_grad_for_differentiable,
    _zeros_like,
)

__all__ = ["Rprop", "rprop"]


class Rprop(Optimizer):
    """``torch.optim.Rprop(params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
    capturable=False, foreach=None, maximize=False, differentiable=False)``."""

    def __init__(
        self,
        params: Iterable,
        lr: float | Tensor = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        _check_not_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "etas": etas,
            "step_sizes": step_sizes,
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

    def _init_group(self, group, params, grads, prevs, step_sizes, state_steps) -> None:
        for p in self._params_with_grads(group, params, grads):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_tensor(0.0)
                state["prev"] = _zeros_like(p)
                lr = _get_value(group["lr"])
                # a complex element is two real ones: both parts start at lr
                fill = complex(lr, lr) if p.is_complex() else lr
                state["step_size"] = Tensor._make(np.full_like(p.grad._data, fill))
            prevs.append(state["prev"])
            step_sizes.append(state["step_size"])
            state_steps.append(state["step"])

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = _evaluate_closure(closure)

        for group in self.param_groups:
            params: list[Tensor] = []
            grads: list[Tensor] = []
            prevs: list[Tensor] = []
            step_sizes: list[Tensor] = []
            state_steps: list[Tensor] = []
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            self._init_group(group, params, grads, prevs, step_sizes, state_steps)
            rprop(
                params,
                grads,
                prevs,
                step_sizes,
                state_steps,
                step_size_min=step_size_min,
                step_size_max=step_size_max,
                etaminus=etaminus,
                etaplus=etaplus,
                maximize=group["maximize"],
            )
        return loss


def rprop(
    params: list[Tensor],
    grads: list[Tensor],
    prevs: list[Tensor],
    step_sizes: list[Tensor],
    state_steps: list[Tensor],
    *,
    step_size_min: float,
    step_size_max: float,
    etaminus: float,
    etaplus: float,
    maximize: bool,
) -> None:
    """``torch.optim.rprop.rprop`` (single-tensor form): update in place."""
    for i, param in enumerate(params):
        p = _real(param._data)
        g = _real(grads[i]._data)
        prev = _real(prevs[i]._data)
        step_size = _real(step_sizes[i]._data)
        state_steps[i]._data += 1
        g = np.negative(g) if maximize else g.copy()  # zeroed below, then kept as ``prev``

        factor = np.multiply(g, prev)
        np.sign(factor, out=factor)
        grew, flipped, flat = factor > 0, factor < 0, factor == 0
        factor[grew] = etaplus
        factor[flipped] = etaminus
        factor[flat] = 1
        step_size *= factor
        np.clip(step_size, step_size_min, step_size_max, out=step_size)

        g[flipped] = 0
        np.sign(g, out=factor)
        factor *= step_size  # exact: the sign is -1, 0 or 1
        p -= factor
        np.copyto(prev, g)
        param._version[0] += 1
