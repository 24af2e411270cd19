"""``torch.nn.functional``: the stateless form of every layer, activation and loss.

Hot paths go to fused kernels in ``ops/nn_ops.py`` (one graph node each: ``linear``, ``relu``,
``cross_entropy``); the rest are composed from tensor ops, as in ``torch/nn/functional.py``.
"""

from __future__ import annotations

import warnings

from .._tensor import Tensor
from ..ops import nn_ops
from ..ops import reduction as _reduction_ops

__all__ = [
    "linear", "bilinear", "relu", "relu_", "threshold", "threshold_", "softmax", "log_softmax",
    "cross_entropy", "nll_loss",
]  # fmt: skip

linear = nn_ops.linear
bilinear = nn_ops.bilinear


# --- reductions ---------------------------------------------------------------------------------------
def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """``_Reduction.legacy_get_string``: the old ``size_average``/``reduce`` flags as a string."""
    warnings.warn(
        "size_average and reduce args will be deprecated, please use reduction='"
        + _legacy_string(size_average, reduce)
        + "' instead.",
        stacklevel=3,
    )
    return _legacy_string(size_average, reduce)


def _legacy_string(size_average: bool | None, reduce: bool | None) -> str:
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def _check_reduction(reduction: str) -> None:
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")


# --- activations ----------------------------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``F.relu``: max(x, 0), one fused node (``ReluBackward0``)."""
    if inplace:
        return input.relu_()
    return nn_ops.relu(input)


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``F.threshold``: ``x`` where ``x > threshold``, else ``value``."""
    result = nn_ops.threshold(input, threshold, value)
    if inplace:
        from ..ops._base import assign_inplace, check_inplace, rebase_history

        check_inplace(input)
        assign_inplace(input, result, "threshold_")
        rebase_history(input, result)
        return input
    return result


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return globals()["threshold"](input, threshold, value, inplace=True)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``F.softmax`` along ``dim`` (``dim=None`` picks one and warns, as PyTorch does)."""
    return _reduction_ops.softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``F.log_softmax`` along ``dim``."""
    return _reduction_ops.log_softmax(input, dim, dtype)


# --- losses ------------------------------------------------------------------------------------------------
def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """``F.cross_entropy``: log_softmax + nll_loss, fused into one node for class-index targets;
    class-probability targets (same shape as ``input``) are composed from tensor ops."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    _check_reduction(reduction)
    if input.shape == target.shape:
        return _cross_entropy_probabilities(input, target, weight, ignore_index, reduction,
                                            label_smoothing)  # fmt: skip
    return nn_ops.cross_entropy_indices(
        input, target, weight, ignore_index, reduction, label_smoothing
    )


def _cross_entropy_probabilities(input, target, weight, ignore_index, reduction, label_smoothing):
    if not target.is_floating_point():
        raise RuntimeError(
            "Expected floating point type for target with class probabilities, got "
            f"{target.dtype._legacy}"
        )
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim]
    if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
        raise RuntimeError(
            f"cross_entropy: weight tensor should be defined either for all {n_classes} classes "
            "or no classes but got weight tensor of shape: "
            f"[{', '.join(map(str, weight.shape))}]"
        )
    logp = input.log_softmax(class_dim)
    if label_smoothing > 0:
        if label_smoothing > 1:
            raise RuntimeError(
                f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}"
            )
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    product = logp * target
    if weight is not None:
        shape = [1] * input.ndim
        if input.ndim > 1:
            shape[1] = weight.shape[0]
            product = product * weight.view(shape)
        else:
            product = product * weight
    if reduction == "none":
        return -product.sum(class_dim)
    if reduction == "sum":
        return -product.sum()
    if input.numel() == 0:
        return -product.sum().fill_(float("nan"))
    return -product.sum() / (input.numel() // n_classes)


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``F.nll_loss`` on log-probabilities with class-index targets."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    _check_reduction(reduction)
    return nn_ops.nll_loss(input, target, weight, ignore_index, reduction)


# Convolution and pooling (ops/conv.py, ops/pooling.py).
from ..ops.conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, fold, unfold  # noqa: E402, F401, I001  # fmt: skip
from ..ops.pooling import *  # noqa: E402, F403
