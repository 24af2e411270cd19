"""``clip_grad_norm_`` and ``clip_grad_value_`` (``torch/nn/utils/clip_grad.py``)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable

import numpy as np

from ..._tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_"]


def _as_list(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale all gradients together so their combined ``norm_type`` norm is at most ``max_norm``;
    returns the total norm before clipping (a 0-d tensor)."""
    from ...ops.creation import tensor as make_tensor

    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not grads:
        return make_tensor(0.0)
    dtype = grads[0]._data.dtype
    if norm_type == math.inf:
        norms = [np.abs(g._data).max() if g._data.size else dtype.type(0) for g in grads]
        total = np.max(np.asarray(norms, dtype=dtype))
    else:
        norms = [_vector_norm(g._data, norm_type) for g in grads]
        total = _vector_norm(np.asarray(norms, dtype=dtype), norm_type)
    total = np.asarray(total, dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    clip_coef = dtype.type(max_norm) / (total + dtype.type(1e-6))
    clip_coef_clamped = min(clip_coef, dtype.type(1.0))
    for g in grads:
        g._data *= clip_coef_clamped
        g._version[0] += 1
    return Tensor._make(total)


def _vector_norm(x: np.ndarray, p: float):
    if p == 2.0:
        flat = x.reshape(-1)
        return np.sqrt(np.dot(flat, flat)) if flat.size else x.dtype.type(0)
    if p == 1.0:
        return np.abs(x).sum(dtype=x.dtype)
    if p == 0.0:
        return x.dtype.type(np.count_nonzero(x))
    if p == -math.inf:
        return np.abs(x).min()
    return (np.abs(x) ** x.dtype.type(p)).sum(dtype=x.dtype) ** x.dtype.type(1.0 / p)


def clip_grad_norm(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Deprecated alias of :func:`clip_grad_norm_`."""
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
        "`torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient elementwise into ``[-clip_value, clip_value]``, in place."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)
            p.grad._version[0] += 1
