"""Fused neural-network kernels behind ``nn.functional``: each forward on NumPy arrays with its
backward beside it (NOTE [ Op anatomy ] in ``_base.py``).

NOTE [ Fused backward paths ]
The hot kernels (``linear``, ``relu``, ``cross_entropy``) run their backward directly on arrays:
during a plain ``backward()`` grad mode is off, so building tensors op by op would only add Python
overhead. Under ``create_graph=True`` grad mode is on, and the same backward is written with
differentiable tensor ops instead, so double backward works through every fused node.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.graph import Node
from ._base import finish, needs_grad

__all__: list[str] = []  # reached through ``nn.functional``; nothing joins the torch namespace


def _shape_str(shape) -> str:
    return "x".join(str(s) for s in shape)


def _wrap(array: np.ndarray) -> Tensor:
    return Tensor._make(array if type(array) is np.ndarray else np.asarray(array))


# --- linear -----------------------------------------------------------------------------------------------
class AddmmBackward0(Node):
    """``linear`` with a bias on a matrix: ``x @ W.T + b`` (PyTorch records ``addmm``)."""

    def backward(self, grad):
        x, weight = self.saved_tensors
        need_x = self.next_functions[0][0] is not None
        need_w = self.next_functions[1][0] is not None
        need_b = len(self.next_functions) > 2 and self.next_functions[2][0] is not None
        if grad_mode.enabled:  # create_graph: differentiable ops (NOTE [ Fused backward paths ])
            return (
                grad.mm(weight) if need_x else None,
                grad.t().mm(x) if need_w else None,
                grad.sum(0) if need_b else None,
            )
        g = grad._data
        return (
            _wrap(g @ weight._data) if need_x else None,
            _wrap(g.T @ x._data) if need_w else None,
            _wrap(np.add.reduce(g, axis=0)) if need_b else None,
        )


class MmBackward0(AddmmBackward0):
    """``linear`` without a bias: ``x @ W.T``."""


def _linear_checks(x: np.ndarray, w: np.ndarray, input: Tensor, weight: Tensor) -> None:
    if x.ndim == 0 or w.ndim == 0:
        raise RuntimeError(
            f"both arguments to linear need to be at least 1D, but they are {x.ndim}D and {w.ndim}D"
        )
    if w.ndim != 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {w.ndim}D")
    if x.shape[-1] != w.shape[1]:
        rows = x.size // x.shape[-1] if x.shape[-1] else int(np.prod(x.shape[:-1]))
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} and "
            f"{w.shape[1]}x{w.shape[0]})"
        )
    if x.dtype != w.dtype:
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {input.dtype._legacy} and "
            f"{weight.dtype._legacy}"
        )


def _matmul_t(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``x @ w.T`` in one BLAS call (bfloat16 goes through float32, NumPy has no bf16 GEMM)."""
    if x.dtype.kind == "V":
        return (x.astype(np.float32) @ w.astype(np.float32).T).astype(x.dtype)
    return x @ w.T


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``F.linear``: ``input @ weight.T + bias`` as one node (``AddmmBackward0``/``MmBackward0``
    for a matrix input; other ranks fold their leading dimensions and view the result back)."""
    x, w = input._data, weight._data
    if x.ndim != 2:
        _linear_checks(x, w, input, weight)
        lead = x.shape[:-1]
        flat = input.reshape(-1, x.shape[-1])
        out = linear(flat, weight, bias)
        return out.view(*lead, w.shape[0])
    if x.shape[1] != w.shape[-1] or x.dtype != w.dtype or w.ndim != 2:
        _linear_checks(x, w, input, weight)
    result = _matmul_t(x, w)
    if bias is not None:
        b = bias._data
        if b.shape != (w.shape[0],) and b.shape not in ((), (1,)):
            _bad_bias(b.shape, result.shape)
        if b.dtype != result.dtype:
            raise RuntimeError(
                f"self and mat2 must have the same dtype, but got {bias.dtype._legacy} and "
                f"{weight.dtype._legacy}"
            )
        result += b
        if not needs_grad(input, weight, bias):
            return _wrap(result)
        return finish(AddmmBackward0, result, (input, weight, bias), save=(input, weight))
    return finish(MmBackward0, result, (input, weight), save=(input, weight))


def _bad_bias(bias_shape, out_shape) -> None:
    dim = len(out_shape) - 1
    raise RuntimeError(
        f"The expanded size of the tensor ({out_shape[-1]}) must match the existing size "
        f"({bias_shape[-1]}) at non-singleton dimension {dim}.  Target sizes: "
        f"[{', '.join(map(str, out_shape))}].  Tensor sizes: [{', '.join(map(str, bias_shape))}]"
    )


class BilinearBackward0(Node):
    """``bilinear``: ``y_k = x1 A_k x2 + b_k``, composed as differentiable ops in backward."""

    def backward(self, grad):
        x1, x2, weight = self.saved_tensors
        gx1 = gx2 = gw = gb = None
        if self.next_functions[0][0] is not None:
            gx1 = _einsum("bk,kij,bj->bi", grad, weight, x2)
        if self.next_functions[1][0] is not None:
            gx2 = _einsum("bk,kij,bi->bj", grad, weight, x1)
        if self.next_functions[2][0] is not None:
            gw = _einsum("bk,bi,bj->kij", grad, x1, x2)
        if len(self.next_functions) > 3 and self.next_functions[3][0] is not None:
            gb = grad.sum(0)
        return gx1, gx2, gw, gb


def _einsum(eq: str, *ops: Tensor) -> Tensor:
    if grad_mode.enabled:
        from .linalg import einsum

        return einsum(eq, *ops)
    return _wrap(np.einsum(eq, *(t._data for t in ops), optimize=True))


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``F.bilinear``: ``x1^T A x2 + b`` over the last dimension (leading dimensions folded)."""
    x1, x2, w = input1._data, input2._data, weight._data
    if x1.shape[:-1] != x2.shape[:-1]:
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {x1.shape[0]} and {x2.shape[0]}"
        )
    if w.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {w.ndim}")
    if x1.shape[-1] != w.shape[1]:
        raise RuntimeError(
            f"bilinear(): input1 size does not match weight size: got {x1.shape[-1]} but "
            f"expected {w.shape[1]}"
        )
    if x2.shape[-1] != w.shape[2]:
        raise RuntimeError(
            f"bilinear(): input2 size does not match weight size: got {x2.shape[-1]} but "
            f"expected {w.shape[2]}"
        )
    if x1.ndim != 2:
        lead = x1.shape[:-1]
        out = bilinear(
            input1.reshape(-1, x1.shape[-1]), input2.reshape(-1, x2.shape[-1]), weight, bias
        )
        return out.view(*lead, w.shape[0])
    result = np.einsum("bi,kij,bj->bk", x1, w, x2, optimize=True)
    inputs: tuple = (input1, input2, weight)
    if bias is not None:
        result += bias._data
        inputs += (bias,)
    return finish(BilinearBackward0, result, inputs, save=(input1, input2, weight))


# --- relu / threshold ---------------------------------------------------------------------------------------
class ReluBackward0(Node):
    def backward(self, grad):
        y = self.saved_output
        if grad_mode.enabled:
            return (grad * (y > 0).to(grad.dtype),)
        return (_wrap(grad._data * (y._data > 0)),)


def relu(input: Tensor) -> Tensor:
    """``F.relu``: ``max(x, 0)``; NaN propagates as in PyTorch."""
    x = input._data
    result = np.maximum(x, x.dtype.type(0)) if x.dtype.kind != "b" else x.copy()
    return finish(ReluBackward0, result, (input,), save_output=True)


class ThresholdBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        if grad_mode.enabled:
            return (grad * (x > self.threshold).to(grad.dtype),)
        return (_wrap(grad._data * (x._data > self.threshold)),)


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """``F.threshold``: ``x if x > threshold else value``."""
    x = input._data
    result = np.where(x > threshold, x, x.dtype.type(value))
    return finish(ThresholdBackward0, result, (input,), save=(input,), threshold=threshold)


# --- log_softmax + nll: cross entropy ----------------------------------------------------------------
_REDUCTIONS = ("none", "mean", "sum")


def _class_last(x: np.ndarray, class_dim: int) -> np.ndarray:
    """(N, C, d1, ...) -> (N*d1*..., C): classes along rows' last axis (no copy for 2-D)."""
    if x.ndim == 2:
        return x
    if x.ndim == 1:
        return x[None, :]
    return np.moveaxis(x, class_dim, -1).reshape(-1, x.shape[class_dim])


def _class_back(rows: np.ndarray, shape: tuple, class_dim: int) -> np.ndarray:
    """Inverse of ``_class_last``."""
    if len(shape) == 2:
        return rows
    if len(shape) == 1:
        return rows[0]
    moved = shape[:class_dim] + shape[class_dim + 1 :] + (shape[class_dim],)
    return np.moveaxis(rows.reshape(moved), -1, class_dim)


def _target_index_checks(input: Tensor, target: Tensor, weight: Tensor | None, name: str) -> None:
    x, t = input._data, target._data
    if t.dtype != np.int64 and t.dtype != np.uint8:
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {target.dtype._legacy}"
        )
    if x.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {x.ndim})")
    if x.ndim != 1 and t.ndim >= 1 and x.shape[0] != t.shape[0] or x.ndim != 1 and t.ndim == 0:
        raise ValueError(
            f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
            f"({t.shape[0] if t.ndim else 1})."
        )
    if x.ndim <= 2:
        if t.ndim > 1:
            raise RuntimeError("1D target tensor expected, multi-target not supported")
        if x.ndim == 1 and t.ndim != 0:
            raise RuntimeError(
                "0D or 1D target tensor expected, multi-target not supported"
                if t.ndim > 1
                else f"Expected input batch_size (1) to match target batch_size ({t.shape[0]})."
            )
    elif t.shape[1:] != x.shape[2:]:
        if x.ndim == 4:
            raise RuntimeError(
                f"size mismatch (got input: [{', '.join(map(str, x.shape))}] , target: "
                f"[{', '.join(map(str, t.shape))}]"
            )
        expected = (x.shape[0],) + x.shape[2:]
        raise RuntimeError(
            f"Expected target size [{', '.join(map(str, expected))}], got "
            f"[{', '.join(map(str, t.shape))}]"
        )
    n_classes = x.shape[0 if x.ndim == 1 else 1]
    if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
        raise RuntimeError(
            f"{name}: weight tensor should be defined either for all {n_classes} classes or no "
            f"classes but got weight tensor of shape: [{', '.join(map(str, weight.shape))}]"
        )


class NllLossBackward0(Node):
    """The fused ``log_softmax`` + ``nll_loss`` (+ label smoothing) of ``cross_entropy`` with class
    indices, or plain ``nll_loss`` on log-probabilities. ``coef`` holds d loss / d log p per row
    and class for an upstream gradient of one (or None for the common unweighted case)."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        shape, cdim = x._data.shape, self.class_dim
        if grad_mode.enabled:
            return (self._backward_graph(grad, x),)
        g = grad._data
        if self.reduction == "none":
            scale = g.reshape(-1, 1)
        else:
            scale = g * self.scale
        if self.from_logits:
            p = self.exp_shifted / self.sum_exp  # softmax
            if self.coef is None:  # (p - onehot) * scale
                p[self.rows, self.target_rows] -= 1
                p *= scale
                rows = p
            else:
                coef = self.coef * scale
                rows = coef - p * coef.sum(1, keepdims=True)
        else:
            coef = self.coef if self.coef is not None else self._onehot_coef()
            rows = coef * scale
        return (_wrap(_class_back(rows.astype(x._data.dtype, copy=False), shape, cdim)),)

    def _onehot_coef(self) -> np.ndarray:
        coef = np.zeros((self.rows.size, self.n_classes), self.exp_dtype)
        coef[self.rows, self.target_rows] = -1
        return coef

    def _backward_graph(self, grad, x):
        # Differentiable version: d loss/d x = coef - softmax(x) * sum(coef) for logits.
        coef = self.coef if self.coef is not None else self._onehot_coef()
        coef_t = _wrap(_class_back(coef, x._data.shape, self.class_dim).astype(x._data.dtype))
        if self.reduction == "none":
            g = grad.unsqueeze(self.class_dim) if x.ndim > 1 else grad
        else:
            g = grad * self.scale
        if self.from_logits:
            p = x.softmax(self.class_dim)
            total = coef_t.sum(self.class_dim, keepdim=True)
            return (coef_t - p * total) * g
        return coef_t * g


class NllLoss2dBackward0(NllLossBackward0):
    """Inputs of three or more dimensions (PyTorch's ``nll_loss2d``)."""


def _rows_and_coefficients(t_rows, n_classes, weight, ignore_index, label_smoothing, dtype):
    """Per-row target weights and, unless the case is plain (no weight, no smoothing, nothing
    ignored), the coefficient matrix d loss / d log p for reduction 'sum'."""
    valid = t_rows != ignore_index
    all_valid = bool(valid.all())
    safe = t_rows if all_valid else np.where(valid, t_rows, 0)
    bad = (safe < 0) | (safe >= n_classes)
    if bad.any():
        raise IndexError(f"Target {int(safe[bad][0])} is out of bounds.")
    w_cls = weight._data.astype(dtype, copy=False) if weight is not None else None
    w_rows = w_cls[safe] if w_cls is not None else np.ones(t_rows.shape, dtype)
    if not all_valid:
        w_rows = w_rows * valid
    plain = weight is None and label_smoothing == 0 and all_valid
    if plain:
        return safe, valid, w_rows, w_cls, None
    rows = np.arange(t_rows.size)
    coef = np.zeros((t_rows.size, n_classes), dtype)
    coef[rows, safe] = -(1 - label_smoothing) * w_rows
    return safe, valid, w_rows, w_cls, coef


def _nll_core(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
    from_logits: bool,
) -> Tensor:
    x = input._data
    if x.dtype.kind not in "fV":
        raise RuntimeError(
            f'"{"log_softmax_lastdim_kernel_impl" if from_logits else "nll_loss_out_frame"}" not '
            f"implemented for '{input.dtype._legacy}'"
        )
    cdim = 0 if x.ndim == 1 else 1
    n_classes = x.shape[cdim]
    compute = np.float32 if x.dtype.kind == "V" else x.dtype
    rows_x = _class_last(x, cdim).astype(compute, copy=False)
    t_rows = target._data.reshape(-1).astype(np.int64, copy=False)
    safe, valid, w_rows, w_cls, coef = _rows_and_coefficients(
        t_rows, n_classes, weight, ignore_index, label_smoothing, compute
    )
    rows = np.arange(t_rows.size)
    exp_shifted = sum_exp = None
    if from_logits:
        shifted = rows_x - rows_x.max(axis=1, keepdims=True) if rows_x.size else rows_x.copy()
        exp_shifted = np.exp(shifted)
        sum_exp = exp_shifted.sum(axis=1, keepdims=True)
        logp_target = shifted[rows, safe] - np.log(sum_exp[:, 0])
    else:
        shifted = rows_x
        logp_target = rows_x[rows, safe]
    per_row = -(w_rows * logp_target)
    if label_smoothing > 0:
        # loss = (1 - ls) * nll + (ls / C) * smooth, smooth_i = -sum_c w_c log p_ic over valid
        # rows; 'mean' divides both parts by the same total target weight.
        class_w = w_cls if w_cls is not None else np.ones(n_classes, compute)
        logp_all = shifted - np.log(sum_exp) if from_logits else rows_x
        smooth = -(logp_all @ class_w) * valid
        coef -= (label_smoothing / n_classes) * valid[:, None] * class_w
        per_row = (1 - label_smoothing) * per_row + (label_smoothing / n_classes) * smooth
    if reduction == "none":
        loss = per_row.reshape(target._data.shape).astype(x.dtype, copy=False)
        scale = None
    else:
        loss = np.add.reduce(per_row, dtype=compute)
        scale = 1
        if reduction == "mean":
            total_weight = np.add.reduce(w_rows, dtype=compute)
            with np.errstate(invalid="ignore", divide="ignore"):
                loss = loss / total_weight
                scale = np.divide(1, total_weight, dtype=compute)
        loss = np.asarray(loss, dtype=x.dtype)
    node = NllLossBackward0 if x.ndim <= 2 else NllLoss2dBackward0
    return finish(
        node,
        loss,
        (input,),
        save=(input,),
        class_dim=cdim,
        reduction=reduction,
        scale=scale,
        from_logits=from_logits,
        coef=coef,
        rows=rows,
        target_rows=safe,
        n_classes=n_classes,
        exp_dtype=compute,
        exp_shifted=exp_shifted,
        sum_exp=sum_exp,
    )


def cross_entropy_indices(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """``cross_entropy`` with class-index targets as one fused node (log_softmax + nll_loss)."""
    _target_index_checks(input, target, weight, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(
            f"label_smoothing must be between 0.0 and 1.0. Got: {_fmt_float(label_smoothing)}"
        )
    return _nll_core(input, target, weight, ignore_index, reduction, label_smoothing, True)


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """``F.nll_loss`` on log-probabilities (class-index targets)."""
    _target_index_checks(input, target, weight, "nll_loss")
    return _nll_core(input, target, weight, ignore_index, reduction, 0.0, False)


def _fmt_float(x: float) -> str:
    return repr(float(x)).rstrip("0").rstrip(".") if float(x) != int(x) else str(int(x))
