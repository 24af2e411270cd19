"""Fused neural-network kernels behind ``nn.functional``: each forward on NumPy arrays with its
backward beside it (NOTE [ Op anatomy ] in ``_base.py``).

NOTE [ Fused backward paths ]
The hot kernels (``linear``, ``relu``, ``cross_entropy``) run their backward directly on arrays:
during a plain ``backward()`` grad mode is off, so building tensors op by op would only add Python
overhead. Under ``create_graph=True`` grad mode is on, and the same backward is written with
differentiable tensor ops instead, so double backward works through every fused node.
"""

from __future__ import annotations

import functools

import numpy as np

from .._blas import transpose_into
from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.graph import Node
from ._base import finish, needs_grad
from .pointwise import _relu, select

__all__: list[str] = []  # reached through ``nn.functional``; nothing joins the torch namespace


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
            grads = (
                grad.mm(weight) if need_x else None,
                grad.t().mm(x) if need_w else None,
                grad.sum(0) if need_b else None,
            )
            return grads[: len(self.next_functions)]
        g = grad._data
        grads = (
            _wrap(g @ weight._data) if need_x else None,
            _wrap(g.T @ x._data) if need_w else None,
            _wrap(np.add.reduce(g, axis=0)) if need_b else None,
        )
        return grads if need_b else grads[:2]


class MmBackward0(AddmmBackward0):
    """``linear`` without a bias: ``x @ W.T``."""


def _linear_checks(
    x: np.ndarray, w: np.ndarray, input: Tensor, weight: Tensor, has_bias: bool
) -> None:
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
        if has_bias:
            raise RuntimeError(
                f"mat1 and mat2 must have the same dtype, but got {input.dtype._legacy} and "
                f"{weight.dtype._legacy}"
            )
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {_c_type(input)} != "
            f"{_c_type(weight)}"
        )


_C_TYPES = {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int", "int16": "short int",
            "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}  # fmt: skip


def _c_type(t: Tensor) -> str:
    return _C_TYPES.get(t.dtype.name, t.dtype.name)


def _matmul_t(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """``x @ w.T (+ b)`` in one BLAS call (bfloat16 goes through float32, NumPy has no bf16 GEMM).

    NOTE [ Linear GEMM orientation ]: for a short batch against a large weight, OpenBLAS runs
    ``w @ x.T`` (M = out_features) 10-40% faster than ``x @ w.T`` (M = batch), even counting
    the copy back to row-major (measured in CPU time: 784→512 at batch 64, 603 vs 691 µs; at
    batch 256 the plain form wins). The bias is added to that transposed product, whose rows
    are then contiguous, and the result is transposed to row-major (C-contiguous, as PyTorch's
    is) by BLAS (NOTE [ Blocked transpose ]).
    """
    if x.dtype.kind == "V":
        result = (x.astype(np.float32) @ w.astype(np.float32).T).astype(x.dtype)
    elif x.shape[0] <= 128 and w.shape[0] >= 128 and w.shape[1] >= 128:
        product = w @ x.T
        if b is not None:
            product += np.reshape(b, (-1, 1))
        result = np.empty(product.shape[::-1], product.dtype)
        if not transpose_into(product, result):
            np.copyto(result, product.T)
        return result
    else:
        result = x @ w.T
    if b is not None:
        result += b
    return result


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``F.linear``: ``input @ weight.T + bias`` as one node (``AddmmBackward0``/``MmBackward0``
    for a matrix input; other ranks fold their leading dimensions and view the result back)."""
    x, w = input._data, weight._data
    if x.ndim != 2:
        _linear_checks(x, w, input, weight, bias is not None)
        lead = x.shape[:-1]
        flat = input.reshape(-1, x.shape[-1])
        out = linear(flat, weight, bias)
        return out.view(*lead, w.shape[0])
    if x.shape[1] != w.shape[-1] or x.dtype != w.dtype or w.ndim != 2:
        _linear_checks(x, w, input, weight, bias is not None)
    if bias is not None:
        b = bias._data
        if b.shape != (w.shape[0],) and b.shape not in ((), (1,)):
            _bad_bias(b.shape, (x.shape[0], w.shape[0]))
        if b.dtype != x.dtype:
            raise RuntimeError(
                f"self and mat2 must have the same dtype, but got {bias.dtype._legacy} and "
                f"{weight.dtype._legacy}"
            )
        result = _matmul_t(x, w, b)
        if not needs_grad(input, weight, bias):
            return _wrap(result)
        return finish(AddmmBackward0, result, (input, weight, bias), save=(input, weight))
    result = _matmul_t(x, w)
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
        if len(self.next_functions) > 3:
            gb = grad.sum(0) if self.next_functions[3][0] is not None else None
            return gx1, gx2, gw, gb
        return gx1, gx2, gw


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
        # A float mask multiplied in place: ~25% faster than ``grad * bool_mask``, whose multiply
        # converts the bools element by element; the products are the same.
        result = (y._data > 0).astype(grad._data.dtype)
        result *= grad._data
        return (_wrap(result),)


def relu(input: Tensor) -> Tensor:
    """``F.relu``: ``max(x, 0)``; NaN propagates as in PyTorch."""
    x = input._data
    result = _relu(x) if x.dtype.kind != "b" else x.copy()
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
    result = select(x > threshold, x, x.dtype.type(value))
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


def _target_index_checks(input: Tensor, target: Tensor, weight: Tensor | None) -> None:
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
            f"weight tensor should be defined either for all {n_classes} classes or no "
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
        if self.ignored is not None:
            rows[self.ignored] = 0  # ignored rows get exactly zero, whatever the upstream gradient
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


class NllLoss2DBackward0(NllLossBackward0):
    """Inputs of three or more dimensions (PyTorch's ``nll_loss2d``)."""


class _SmoothedCrossEntropyBackward(NllLossBackward0):
    """With label smoothing PyTorch's result is ``(1 - ls)·nll + ls/C·smooth``: an ``add``."""


_SmoothedCrossEntropyBackward.__name__ = _SmoothedCrossEntropyBackward.__qualname__ = "AddBackward0"


def _rows_and_coefficients(t_rows, n_classes, weight, ignore_index, label_smoothing, dtype):
    """Per-row target weights and, unless the case is plain (no weight, no smoothing, nothing
    ignored), the coefficient matrix d loss / d log p for reduction 'sum'. The plain case with
    every target in range returns None for the (all-true) ``valid`` and (all-one) ``w_rows``."""
    if weight is None and label_smoothing == 0 and t_rows.size:
        lo, hi = int(t_rows.min()), int(t_rows.max())
        if 0 <= lo and hi < n_classes and not lo <= ignore_index <= hi:
            return t_rows, None, None, None, None
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
    per_row = -logp_target if w_rows is None else -(w_rows * logp_target)
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
            if w_rows is None:
                total_weight = np.dtype(compute).type(t_rows.size)
            else:
                total_weight = np.add.reduce(w_rows, dtype=compute)
            with np.errstate(invalid="ignore", divide="ignore"):
                loss = loss / total_weight
                # rows of zero weight get no gradient, even when every row was ignored
                scale = np.divide(1, total_weight, dtype=compute) if total_weight else 0
        loss = np.asarray(loss, dtype=x.dtype)
    if label_smoothing > 0:
        node = _SmoothedCrossEntropyBackward
    else:
        node = NllLossBackward0 if x.ndim <= 2 else NllLoss2DBackward0
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
        ignored=None if coef is None or valid.all() else ~valid,
        target_rows=safe,
        n_classes=n_classes,
        exp_dtype=compute,
        exp_shifted=exp_shifted,
        sum_exp=sum_exp,
    )


def _nll_nd(input, target, weight, ignore_index, reduction, label_smoothing, from_logits):
    x = input._data
    if (x.ndim == 3 or x.ndim > 4) and reduction == "none" and label_smoothing == 0:
        # PyTorch folds the spatial dims into one (nll_loss2d) and views the result back
        n, c = x.shape[:2]
        out = _nll_core(
            input.reshape(n, c, 1, -1), target.reshape(n, 1, -1), weight, ignore_index,
            reduction, label_smoothing, from_logits,
        )  # fmt: skip
        return out.view(target.shape)
    return _nll_core(input, target, weight, ignore_index, reduction, label_smoothing, from_logits)


def cross_entropy_indices(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """``cross_entropy`` with class-index targets as one fused node (log_softmax + nll_loss)."""
    _target_index_checks(input, target, weight)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(
            f"label_smoothing must be between 0.0 and 1.0. Got: {_fmt_float(label_smoothing)}"
        )
    return _nll_nd(input, target, weight, ignore_index, reduction, label_smoothing, True)


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """``F.nll_loss`` on log-probabilities (class-index targets)."""
    _target_index_checks(input, target, weight)
    return _nll_nd(input, target, weight, ignore_index, reduction, 0.0, False)


def _fmt_float(x: float) -> str:
    return repr(float(x)).rstrip("0").rstrip(".") if float(x) != int(x) else str(int(x))


# --- pointwise activations ------------------------------------------------------------------------------
# NOTE [ Activation derivatives ]: each activation's node holds a ``derivative(m, x)`` written once
# over a small math namespace ``m``: ``_ARRAY_MATH`` (NumPy arrays, a plain backward) or
# ``_TENSOR_MATH`` (tensor ops, under create_graph), so the formula serves both paths.
_ERF_T_MAX = (
    9.0  # erf(x)/x is interpolated in t = x² on [0, 9]; beyond |x| = 3 a continued fraction
)


@functools.cache
def _erf_chebyshev():
    """(chebval, coefficients) of erf(x)/x as a degree-20 Chebyshev series in t = x² on [0, 9],
    interpolated from math.erf once, on first use."""
    import math

    from numpy.polynomial import chebyshev

    def erf_over_x(u: np.ndarray) -> np.ndarray:
        t = (np.asarray(u) + 1) * (_ERF_T_MAX / 2)
        return np.array(
            [math.erf(math.sqrt(v)) / math.sqrt(v) if v > 0 else 2 / math.sqrt(math.pi) for v in t]
        )

    return chebyshev.chebval, chebyshev.chebinterpolate(erf_over_x, 20)


def _erf_array(x: np.ndarray) -> np.ndarray:
    """Vectorised erf, computed in float64 (relative error < 1e-14), returned in ``x``'s dtype."""
    chebval, coef = _erf_chebyshev()
    x64 = x.astype(np.float64)
    t = np.minimum(x64 * x64, _ERF_T_MAX)
    out = x64 * chebval(t * (2 / _ERF_T_MAX) - 1, coef)
    big = np.abs(x64) > 3.0
    if big.any():
        xl = np.abs(x64[big])
        frac = xl.copy()
        for k in range(20, 0, -1):  # erfc(x) = exp(-x²)/√π / (x + ½/(x + 1/(x + 3/2/(x + ...))))
            frac = xl + (k / 2) / frac
        out[big] = np.copysign(1 - np.exp(-xl * xl) / np.sqrt(np.pi) / frac, x64[big])
    return out.astype(x.dtype, copy=False)


def _sigmoid_array(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        out = np.exp(-x)
        out += 1
        return np.reciprocal(out, out=out)


class _ArrayMath:
    exp = staticmethod(np.exp)
    tanh = staticmethod(np.tanh)
    log1p = staticmethod(np.log1p)
    abs = staticmethod(np.abs)
    sign = staticmethod(np.sign)
    sigmoid = staticmethod(_sigmoid_array)
    erf = staticmethod(_erf_array)

    @staticmethod
    def where(cond, a, b):
        return select(cond, a, b)

    @staticmethod
    def constant(value: float, like: np.ndarray):
        return like.dtype.type(value)

    @staticmethod
    def softplus(x):
        return np.logaddexp(x, x.dtype.type(0))


class _TensorMath:
    exp = staticmethod(lambda t: t.exp())
    tanh = staticmethod(lambda t: t.tanh())
    log1p = staticmethod(lambda t: t.log1p())
    abs = staticmethod(lambda t: t.abs())
    sign = staticmethod(lambda t: t.sign())
    sigmoid = staticmethod(lambda t: t.sigmoid())
    erf = staticmethod(lambda t: t.erf())

    @staticmethod
    def where(cond, a, b):
        from .pointwise import where

        return where(cond, a, b)

    @staticmethod
    def constant(value: float, like: Tensor) -> float:
        return value

    @staticmethod
    def softplus(x):
        return softplus(x, 1.0, 20.0)


_ARRAY_MATH, _TENSOR_MATH = _ArrayMath(), _TensorMath()


class _ActivationBackward(Node):
    """Base of the activation nodes: ``grad * derivative(x)`` (NOTE [ Activation derivatives ])."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        if grad_mode.enabled:
            return (grad * self.derivative(_TENSOR_MATH, x),)
        with np.errstate(over="ignore", invalid="ignore"):
            local = self.derivative(_ARRAY_MATH, x._data)
        return (_wrap((grad._data * local).astype(x._data.dtype, copy=False)),)

    def derivative(self, m, x):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError


def _activation(node_cls, input: Tensor, result: np.ndarray, **attrs) -> Tensor:
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(
            f'"{node_cls.__name__.removesuffix("Backward0").lower()}_cpu" not implemented for '
            f"'{input.dtype._legacy}'"
        )
    return finish(node_cls, result.astype(input._data.dtype, copy=False), (input,),
                  save=(input,), **attrs)  # fmt: skip


_SQRT_HALF = 0.7071067811865476
_INV_SQRT_2PI = 0.3989422804014327
_GELU_TANH_K = 0.7978845608028654  # sqrt(2/pi)


class GeluBackward0(_ActivationBackward):
    def derivative(self, m, x):
        if self.approximate == "tanh":
            inner = _GELU_TANH_K * (x + 0.044715 * x * x * x)
            t = m.tanh(inner)
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * (
                _GELU_TANH_K * (1 + 3 * 0.044715 * x * x)
            )
        cdf = 0.5 * (1 + m.erf(x * _SQRT_HALF))
        return cdf + x * _INV_SQRT_2PI * m.exp(-0.5 * x * x)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``F.gelu``: ``x·Φ(x)`` (``approximate='tanh'``: the tanh approximation)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    x = input._data
    with np.errstate(over="ignore"):
        if approximate == "tanh":
            y = 0.5 * x * (1 + np.tanh(_GELU_TANH_K * (x + 0.044715 * x * x * x)))
        else:
            y = 0.5 * x * (1 + _erf_array(x * x.dtype.type(_SQRT_HALF)))
    return _activation(GeluBackward0, input, y, approximate=approximate)


class GluBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        dim = self.dim
        if grad_mode.enabled:
            from .shape import cat

            a, b = x.chunk(2, dim)
            sb = b.sigmoid()
            return (cat([grad * sb, grad * a * sb * (1 - sb)], dim),)
        a, b = np.split(x._data, 2, axis=dim)
        sb = _sigmoid_array(b)
        g = grad._data
        return (_wrap(np.concatenate([g * sb, g * a * sb * (1 - sb)], axis=dim)),)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """``F.glu``: the first half of ``dim`` gated by the sigmoid of the second half."""
    x = input._data
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = dim % x.ndim
    if x.shape[axis] % 2:
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {axis} is size {x.shape[axis]}"
        )
    a, b = np.split(x, 2, axis=axis)
    return finish(GluBackward0, a * _sigmoid_array(b), (input,), save=(input,), dim=axis)


class SiluBackward0(_ActivationBackward):
    def derivative(self, m, x):
        s = m.sigmoid(x)
        return s * (1 + x * (1 - s))


def silu(input: Tensor) -> Tensor:
    """``F.silu``: ``x·σ(x)``."""
    x = input._data
    return _activation(SiluBackward0, input, x * _sigmoid_array(x))


class MishBackward0(_ActivationBackward):
    def derivative(self, m, x):
        t = m.tanh(m.softplus(x))
        return t + x * m.sigmoid(x) * (1 - t * t)


def mish(input: Tensor) -> Tensor:
    """``F.mish``: ``x·tanh(softplus(x))``."""
    x = input._data
    return _activation(MishBackward0, input, x * np.tanh(np.logaddexp(x, x.dtype.type(0))))


class SoftplusBackward0(_ActivationBackward):
    def derivative(self, m, x):
        bx = x * self.beta
        return m.where(bx > self.threshold, 1.0, m.sigmoid(bx))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``F.softplus``: ``log(1 + exp(βx))/β``, linear where ``βx > threshold``."""
    x = input._data
    bx = x * x.dtype.type(beta)
    with np.errstate(over="ignore"):
        y = select(bx > threshold, x, np.logaddexp(bx, x.dtype.type(0)) / x.dtype.type(beta))
    return _activation(SoftplusBackward0, input, y, beta=beta, threshold=threshold)


class EluBackward0(_ActivationBackward):
    def derivative(self, m, x):
        neg = self.alpha * self.scale * self.input_scale * m.exp(x * self.input_scale)
        return m.where(x > 0, self.scale, neg)


class CeluBackward0(EluBackward0):
    """``celu`` is ``elu(x, alpha, 1, 1/alpha)`` under its own node name."""


def elu(
    input: Tensor,
    alpha: float = 1.0,
    scale: float = 1.0,
    input_scale: float = 1.0,
    node_cls: type = EluBackward0,
) -> Tensor:
    """``torch._C._nn.elu``: ``scale·x`` for x > 0, else ``alpha·scale·(exp(input_scale·x) - 1)``
    (``F.elu``, ``selu`` and ``celu`` are all this kernel)."""
    x = input._data
    dt = x.dtype.type
    with np.errstate(over="ignore"):
        neg = dt(alpha * scale) * np.expm1(x * dt(input_scale))
    y = select(x > 0, x * dt(scale), neg)
    return _activation(node_cls, input, y, alpha=alpha, scale=scale, input_scale=input_scale)


class LeakyReluBackward0(_ActivationBackward):
    def derivative(self, m, x):
        # constants in x's dtype, as ATen's scalar_t: grad * slope is then one float32 product
        return m.where(x > 0, m.constant(1.0, x), m.constant(self.negative_slope, x))


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``F.leaky_relu``: ``x`` for x > 0, else ``negative_slope·x``."""
    x = input._data
    y = select(x > 0, x, x * x.dtype.type(negative_slope))
    return _activation(LeakyReluBackward0, input, y, negative_slope=negative_slope)


class HardtanhBackward0(_ActivationBackward):
    def derivative(self, m, x):
        return (x > self.min_val) & (x < self.max_val)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """``F.hardtanh``: clamp to [min_val, max_val] (``relu6`` is hardtanh(0, 6))."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    x = input._data
    if x.dtype.kind not in "fV":
        return _wrap(np.clip(x, min_val, max_val))
    y = np.clip(x, x.dtype.type(min_val), x.dtype.type(max_val))
    return _activation(HardtanhBackward0, input, y, min_val=min_val, max_val=max_val)


_ONE_SIXTH_F32 = float(np.float32(1.0) / np.float32(6.0))  # ATen's `1.0f / 6.0f`, in any dtype


class HardsigmoidBackward0(_ActivationBackward):
    def derivative(self, m, x):
        return ((x > -3) & (x < 3)) * _ONE_SIXTH_F32


def hardsigmoid(input: Tensor) -> Tensor:
    """``F.hardsigmoid``: ``relu6(x + 3) / 6``."""
    x = input._data
    dt = x.dtype.type
    return _activation(HardsigmoidBackward0, input, np.clip(x + dt(3), dt(0), dt(6)) / dt(6))


class HardswishBackward0(_ActivationBackward):
    def derivative(self, m, x):
        return m.where(x < -3, 0.0, m.where(x <= 3, x / 3 + 0.5, 1.0))


def hardswish(input: Tensor) -> Tensor:
    """``F.hardswish``: ``x·relu6(x + 3) / 6``."""
    x = input._data
    dt = x.dtype.type
    return _activation(HardswishBackward0, input, x * np.clip(x + dt(3), dt(0), dt(6)) / dt(6))


class LogSigmoidBackward0(_ActivationBackward):
    def derivative(self, m, x):
        return m.sigmoid(-x)


def logsigmoid(input: Tensor) -> Tensor:
    """``F.logsigmoid``: ``-softplus(-x)``, stable for large |x|."""
    x = input._data
    return _activation(LogSigmoidBackward0, input, -np.logaddexp(-x, x.dtype.type(0)))


class SoftshrinkBackward0(_ActivationBackward):
    def derivative(self, m, x):
        return m.abs(x) > self.lambd


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``F.softshrink``: shrink towards zero by ``lambd``."""
    if lambd < 0:
        raise RuntimeError(
            f"lambda must be greater or equal to 0, but found to be {_fmt_float(lambd)}."
        )
    x = input._data
    dt = x.dtype.type
    y = select(x > lambd, x - dt(lambd), select(x < -lambd, x + dt(lambd), dt(0)))
    return _activation(SoftshrinkBackward0, input, y, lambd=lambd)


class HardshrinkBackward0(_ActivationBackward):
    def derivative(self, m, x):
        return (x > self.lambd) | (x < -self.lambd)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``F.hardshrink``: ``x`` where |x| > lambd, else 0."""
    x = input._data
    y = select((x > lambd) | (x < -lambd), x, x.dtype.type(0))
    return _activation(HardshrinkBackward0, input, y, lambd=lambd)


# --- layer norm / group norm / batch norm -----------------------------------------------------------------
# NOTE [ Normalisation backward ]: written once over arrays or tensors (``_rmean`` dispatches), so
# a plain backward runs on NumPy and create_graph composes differentiable tensor ops.
def _rmean(a, axes: tuple):
    if isinstance(a, Tensor):
        return a.mean(axes, keepdim=True)
    return a.mean(axis=axes, keepdims=True)


def _rsum(a, axes: tuple):
    if isinstance(a, Tensor):
        return a.sum(axes, keepdim=True)
    return a.sum(axis=axes, keepdims=True)


def _rsqrt(a):
    return a.rsqrt() if isinstance(a, Tensor) else 1 / np.sqrt(a)


def _normalized_grad(g_hat, x_hat, rstd, axes: tuple):
    """d loss/d x for ``x_hat = (x - mean(x)) * rstd`` over ``axes``, given d loss/d x_hat."""
    return rstd * (g_hat - _rmean(g_hat, axes) - x_hat * _rmean(g_hat * x_hat, axes))


def _norm_compute_type(x: np.ndarray):
    """The type a norm computes its statistics in: float32 for float16/bfloat16 inputs (PyTorch's
    CPU kernels accumulate them in float), else the input's own."""
    return np.float32 if x.dtype.kind == "V" or x.dtype == np.float16 else x.dtype.type


def _affine_norm_result(
    node_cls, input: Tensor, y: np.ndarray, weight, bias, param_shape: tuple, **attrs
) -> Tensor:
    """The last step of every norm: scale and shift the normalised ``y`` in place by ``weight``
    and ``bias`` (viewed as ``param_shape``), cast it to the input's dtype and record ``node_cls``
    over (input, weight, bias), as PyTorch's ``native_*_norm`` take them."""
    if weight is not None:
        y *= weight._data.reshape(param_shape)
    if bias is not None:
        y += bias._data.reshape(param_shape)
    inputs = (input,) if weight is None else (input, weight, bias)
    return finish(
        node_cls, y.astype(input._data.dtype, copy=False), inputs, save=(input, weight), **attrs
    )


class _NormBackward(Node):
    """Base of the norms' nodes (NOTE [ Normalisation backward ])."""

    def _needs(self, weight) -> tuple[bool, bool, bool]:
        """Which of (input, weight, bias) want a gradient; weight and bias only when affine."""
        affine = weight is not None
        return (
            self.next_functions[0][0] is not None,
            affine and self.next_functions[1][0] is not None,
            affine and self.next_functions[2][0] is not None,
        )

    def _grads(self, x: Tensor, gx, gw, gb) -> tuple:
        """The (input, weight, bias) gradients to return, one per input of the node: NumPy results
        wrapped at the input's dtype in a plain backward, tensors as they are under create_graph."""
        if not grad_mode.enabled:
            dt = x._data.dtype
            gx, gw, gb = (
                _wrap(v.astype(dt, copy=False)) if v is not None else None for v in (gx, gw, gb)
            )
        return (gx, gw, gb)[: len(self.next_functions)]


class NativeLayerNormBackward0(_NormBackward):
    def backward(self, grad):
        x, weight = self.saved_tensors[0], self.saved_tensors[1]
        axes, eps = self.axes, self.eps
        batch_axes = tuple(range(x.ndim - len(axes)))
        need_x, need_w, need_b = self._needs(weight)
        if grad_mode.enabled:
            g, xv, w = grad, x, weight
            mean = _rmean(xv, axes)
            rstd = _rsqrt(_rmean((xv - mean) * (xv - mean), axes) + eps)
        else:
            g, xv, w = grad._data, x._data, (weight._data if weight is not None else None)
            mean, rstd = self.mean, self.rstd
        x_hat = (xv - mean) * rstd
        g_hat = g * w if w is not None else g
        gx = _normalized_grad(g_hat, x_hat, rstd, axes) if need_x else None
        gw = _rsum(g * x_hat, batch_axes).reshape(w.shape) if need_w else None
        gb = _rsum(g, batch_axes).reshape(w.shape) if need_b else None
        return self._grads(x, gx, gw, gb)


def layer_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """``F.layer_norm``: normalise over the trailing ``normalized_shape`` dims (biased variance)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    x = input._data
    k = len(shape)
    if k == 0 or x.shape[x.ndim - k :] != shape or x.ndim < k:
        expected = ", ".join(["*"] + [str(s) for s in shape])
        raise RuntimeError(
            f"Given normalized_shape=[{', '.join(map(str, shape))}], expected input with shape "
            f"[{expected}], but got input of size[{', '.join(map(str, x.shape))}]"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                f"shape [{', '.join(map(str, t.shape))}] and normalized_shape = "
                f"[{', '.join(map(str, shape))}]"
            )
    axes = tuple(range(x.ndim - k, x.ndim))
    compute = _norm_compute_type(x)
    xc = x.astype(compute, copy=False)
    mean = xc.mean(axis=axes, keepdims=True)
    centred = xc - mean
    var = np.mean(centred * centred, axis=axes, keepdims=True)
    rstd = 1 / np.sqrt(var + compute(eps))
    y = centred * rstd
    return _affine_norm_result(
        NativeLayerNormBackward0,
        input,
        y,
        weight,
        bias,
        shape,
        axes=axes,
        eps=eps,
        mean=mean,
        rstd=rstd,
    )


class NativeGroupNormBackward0(_NormBackward):
    def backward(self, grad):
        x, weight = self.saved_tensors
        n, c = x.shape[0], x.shape[1]
        grouped = (n, self.groups, -1)
        cshape = (1, c) + (1,) * (x.ndim - 2)
        red = (0,) + tuple(range(2, x.ndim))
        need_x, need_w, need_b = self._needs(weight)
        if grad_mode.enabled:
            g, xv = grad, x
            w = weight.reshape(cshape) if weight is not None else None
            xg = xv.reshape(grouped)
            mean = _rmean(xg, (2,))
            rstd = _rsqrt(_rmean((xg - mean) * (xg - mean), (2,)) + self.eps)
        else:
            g, xv = grad._data, x._data
            w = weight._data.reshape(cshape) if weight is not None else None
            mean, rstd = self.mean, self.rstd
        x_hat = ((xv.reshape(grouped) - mean) * rstd).reshape(x.shape)
        gx = gw = gb = None
        if need_x:
            g_hat = (g * w if w is not None else g).reshape(grouped)
            gx = _normalized_grad(g_hat, x_hat.reshape(grouped), rstd, (2,)).reshape(x.shape)
        if need_w:
            gw = _rsum(g * x_hat, red).reshape((c,))
        if need_b:
            gb = _rsum(g, red).reshape((c,))
        return self._grads(x, gx, gw, gb)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """``F.group_norm``: normalise each of ``num_groups`` channel groups per sample."""
    x = input._data
    if x.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {x.ndim}")
    n, c = x.shape[0], x.shape[1]
    if c % num_groups != 0:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape [{', '.join(map(str, x.shape))}] and num_groups={num_groups}"
        )
    compute = _norm_compute_type(x)
    xg = x.astype(compute, copy=False).reshape(n, num_groups, -1)
    mean = xg.mean(axis=2, keepdims=True)
    centred = xg - mean
    rstd = 1 / np.sqrt(np.mean(centred * centred, axis=2, keepdims=True) + compute(eps))
    y = (centred * rstd).reshape(x.shape)
    cshape = (1, c) + (1,) * (x.ndim - 2)
    return _affine_norm_result(
        NativeGroupNormBackward0,
        input,
        y,
        weight,
        bias,
        cshape,
        groups=num_groups,
        eps=eps,
        mean=mean,
        rstd=rstd,
    )


class NativeBatchNormBackward0(_NormBackward):
    def backward(self, grad):
        x, weight = self.saved_tensors
        c = x.shape[1]
        cshape = (1, c) + (1,) * (x.ndim - 2)
        red = (0,) + tuple(range(2, x.ndim))
        need_x, need_w, need_b = self._needs(weight)
        if grad_mode.enabled:
            g, xv = grad, x
            w = weight.reshape(cshape) if weight is not None else None
            if self.training:
                mean = _rmean(xv, red)
                rstd = _rsqrt(_rmean((xv - mean) * (xv - mean), red) + self.eps)
            else:
                mean, rstd = _wrap(self.mean), _wrap(self.rstd)
        else:
            g, xv = grad._data, x._data
            w = weight._data.reshape(cshape) if weight is not None else None
            mean, rstd = self.mean, self.rstd
        x_hat = (xv - mean) * rstd
        gx = gw = gb = None
        if need_x:
            g_hat = g * w if w is not None else g
            gx = _normalized_grad(g_hat, x_hat, rstd, red) if self.training else g_hat * rstd
        if need_w:
            gw = _rsum(g * x_hat, red).reshape((c,))
        if need_b:
            gb = _rsum(g, red).reshape((c,))
        return self._grads(x, gx, gw, gb)


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """``F.batch_norm`` over (N, C, *): per-channel statistics of the batch in training (updating
    the running estimates in place with the unbiased variance), the running ones in eval."""
    x = input._data
    c = x.shape[1] if x.ndim > 1 else None
    if x.ndim < 2:
        raise ValueError(f"Expected 2D or 3D input (got {x.ndim}D input)")
    red = (0,) + tuple(range(2, x.ndim))
    count = x.size // c if c else 0
    if training and count <= 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {input.shape}"
        )
    for name, t in (
        ("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
        ("bias", bias),
    ):  # fmt: skip
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    cshape = (1, c) + (1,) * (x.ndim - 2)
    compute = _norm_compute_type(x)
    xc = x.astype(compute, copy=False)
    if training:
        mean = xc.mean(axis=red, keepdims=True)
        centred = xc - mean
        var = np.mean(centred * centred, axis=red, keepdims=True)
        if running_mean is not None:
            rm = running_mean._data
            rm *= rm.dtype.type(1 - momentum)
            rm += (mean.reshape(c) * momentum).astype(rm.dtype)
            running_mean._version[0] += 1
        if running_var is not None:
            rv = running_var._data
            unbiased = var.reshape(c) * (count / (count - 1))
            rv *= rv.dtype.type(1 - momentum)
            rv += (unbiased * momentum).astype(rv.dtype)
            running_var._version[0] += 1
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
        mean = running_mean._data.astype(compute, copy=False).reshape(cshape)
        var = running_var._data.astype(compute, copy=False).reshape(cshape)
        centred = xc - mean
    rstd = 1 / np.sqrt(var + compute(eps))
    y = centred * rstd
    return _affine_norm_result(
        NativeBatchNormBackward0,
        input,
        y,
        weight,
        bias,
        cshape,
        training=training,
        eps=eps,
        mean=mean,
        rstd=rstd,
    )


# --- embedding ----------------------------------------------------------------------------------------------
class EmbeddingBackward0(Node):
    def backward(self, grad):
        (indices,) = self.saved_tensors
        idx = indices._data.reshape(-1)
        dim = self.num_weights, grad.shape[-1]
        if grad_mode.enabled:
            from ..ops.creation import zeros

            g = grad.reshape(-1, dim[1])
            scale = self._scale(idx)
            if scale is not None:
                g = g * _wrap(scale.astype(g._data.dtype))
            if self.padding_idx is not None:
                keep = _wrap((idx != self.padding_idx)[:, None])
                g = g * keep.to(g.dtype)
            return (zeros(dim, dtype=grad.dtype).index_add(0, indices.reshape(-1), g),)
        g = grad._data.reshape(-1, dim[1])
        scale = self._scale(idx)
        if scale is not None:
            g = g * scale.astype(g.dtype)[:, None]
        out = np.zeros(dim, g.dtype)
        np.add.at(out, idx, g)
        if self.padding_idx is not None:
            out[self.padding_idx] = 0
        return (_wrap(out),)

    def _scale(self, idx: np.ndarray) -> np.ndarray | None:
        if not self.scale_grad_by_freq:
            return None
        counts = np.bincount(idx, minlength=self.num_weights)
        return 1.0 / counts[idx]


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    scale_grad_by_freq: bool = False,
) -> Tensor:
    """``torch.embedding``: rows of ``weight`` picked by the integer ``input``."""
    idx = input._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            f"Long, Int; but got {input.type()} instead (while checking arguments for embedding)"
        )
    w = weight._data
    if idx.size and (idx.min() < 0 or idx.max() >= w.shape[0]):
        raise IndexError("index out of range in self")
    result = w[idx]
    return finish(
        EmbeddingBackward0,
        result,
        (weight,),
        save=(input,),
        num_weights=w.shape[0],
        padding_idx=padding_idx,
        scale_grad_by_freq=scale_grad_by_freq,
    )


# --- regression losses ----------------------------------------------------------------------------------------
def _reduce_array(loss: np.ndarray, reduction: str, dtype) -> np.ndarray:
    if reduction == "mean":
        return np.asarray(loss.mean(dtype=dtype) if loss.size else np.nan, dtype=dtype)
    if reduction == "sum":
        return np.asarray(loss.sum(dtype=dtype), dtype=dtype)
    return loss


def _loss_result(
    node_cls, input: Tensor, values: np.ndarray, inputs: tuple, save: tuple, reduction, **attrs
) -> Tensor:
    """Reduce the elementwise loss ``values`` at the input's dtype and record ``node_cls`` with
    ``reduction`` and ``count`` (the number of elements a ``'mean'`` divides by)."""
    dtype = input._data.dtype
    loss = _reduce_array(values, reduction, dtype)
    return finish(
        node_cls,
        loss.astype(dtype, copy=False),
        inputs,
        save=save,
        reduction=reduction,
        count=max(input._data.size, 1),
        **attrs,
    )


class _ReducedLossBackward(Node):
    """Base of the losses ``_loss_result`` records."""

    def _unreduced(self, grad):
        """The upstream gradient of each element's loss: a ``'mean'`` shares it over ``count``."""
        return grad / self.count if self.reduction == "mean" else grad


class _PairLossBackward(_ReducedLossBackward):
    """Base of elementwise (input, target) losses: ``dloss/dinput = local(input - target)``;
    the target gets the negated gradient."""

    def backward(self, grad):
        x, t = self.saved_tensors
        if grad_mode.enabled:
            m, d, g = _TENSOR_MATH, x - t, grad
        else:
            m, d, g = _ARRAY_MATH, x._data - t._data, grad._data
        gx = self.local(m, d) * self._unreduced(g)
        if not grad_mode.enabled:
            gx = _wrap(np.asarray(gx, x._data.dtype))
        return gx, (-gx if self.next_functions[1][0] is not None else None)


class MseLossBackward0(_PairLossBackward):
    def local(self, m, d):
        return 2 * d


class SmoothL1LossBackward0(_PairLossBackward):
    def local(self, m, d):
        return m.where(m.abs(d) < self.beta, d / self.beta, m.sign(d))


class HuberLossBackward0(_PairLossBackward):
    def local(self, m, d):
        delta = self.delta
        return m.where(m.abs(d) < delta, d, m.sign(d) * delta)


def _pair_loss(node_cls, input: Tensor, target: Tensor, values: np.ndarray, reduction, **attrs):
    return _loss_result(
        node_cls, input, values, (input, target), (input, target), reduction, **attrs
    )


def _broadcast_pair(input: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    if input.shape == target.shape:
        return input, target
    from .shape import broadcast_tensors

    return tuple(broadcast_tensors(input, target))


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """``F.mse_loss`` (inputs already broadcast to one shape)."""
    input, target = _broadcast_pair(input, target)
    d = input._data - target._data
    return _pair_loss(MseLossBackward0, input, target, d * d, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, reduction: str = "mean", beta: float = 1.0):
    """``F.smooth_l1_loss``: quadratic below ``beta``, linear above (``beta`` > 0)."""
    input, target = _broadcast_pair(input, target)
    d = np.abs(input._data - target._data)
    dt = d.dtype.type
    values = select(d < beta, dt(0.5) * d * d / dt(beta), d - dt(0.5 * beta))
    return _pair_loss(SmoothL1LossBackward0, input, target, values, reduction, beta=beta)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0):
    """``F.huber_loss``: quadratic below ``delta``, ``delta``-scaled linear above."""
    input, target = _broadcast_pair(input, target)
    d = np.abs(input._data - target._data)
    dt = d.dtype.type
    values = select(d < delta, dt(0.5) * d * d, dt(delta) * (d - dt(0.5 * delta)))
    return _pair_loss(HuberLossBackward0, input, target, values, reduction, delta=delta)


# --- binary cross entropy ----------------------------------------------------------------------------------
class BinaryCrossEntropyBackward0(_ReducedLossBackward):
    def backward(self, grad):
        x, t, w = self.saved_tensors
        grad = self._unreduced(grad)
        if grad_mode.enabled:
            denom = ((1 - x) * x).clamp_min(1e-12)
            gx = grad * (x - t) / denom
            if w is not None:
                gx = gx * w
            gt = None
            if self.next_functions[1][0] is not None:
                gt = grad * ((1 - x).log().clamp_min(-100) - x.log().clamp_min(-100))
                if w is not None:
                    gt = gt * w
            return gx, gt
        xv, tv, g = x._data, t._data, grad._data
        dt = xv.dtype.type
        gx = g * (xv - tv) / np.maximum((dt(1) - xv) * xv, dt(1e-12))
        if w is not None:
            gx = gx * w._data
        gt = None
        if self.next_functions[1][0] is not None:
            with np.errstate(divide="ignore"):
                gt = g * (np.maximum(np.log1p(-xv), -100) - np.maximum(np.log(xv), -100))
            if w is not None:
                gt = gt * w._data
            gt = _wrap(gt.astype(xv.dtype, copy=False))
        return _wrap(gx.astype(xv.dtype, copy=False)), gt


def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, reduction: str = "mean"
) -> Tensor:
    """``F.binary_cross_entropy`` on probabilities; each log is clamped at -100 as in PyTorch."""
    x, t = input._data, target._data
    if x.size and ((x < 0) | (x > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    dt = x.dtype.type
    with np.errstate(divide="ignore"):
        log_x = np.maximum(np.log(x), dt(-100))
        log_1mx = np.maximum(np.log1p(-x), dt(-100))
    values = -(t * log_x + (dt(1) - t) * log_1mx)
    if weight is not None:
        values = values * weight._data
    return _loss_result(
        BinaryCrossEntropyBackward0,
        input,
        values.astype(x.dtype, copy=False),
        (input, target),
        (input, target, weight),
        reduction,
    )


class BinaryCrossEntropyWithLogitsBackward0(_ReducedLossBackward):
    def backward(self, grad):
        x, t, w, pw = self.saved_tensors
        grad = self._unreduced(grad)
        m = _TENSOR_MATH if grad_mode.enabled else _ARRAY_MATH
        xv, tv = (x, t) if grad_mode.enabled else (x._data, t._data)
        wv = None if w is None else (w if grad_mode.enabled else w._data)
        pv = None if pw is None else (pw if grad_mode.enabled else pw._data)
        g = grad if grad_mode.enabled else grad._data
        sig = m.sigmoid(xv)
        if pv is not None:
            lw = (pv - 1) * tv + 1
            gx = (1 - tv) - lw * (1 - sig)
        else:
            gx = sig - tv
        gx = gx * g
        if wv is not None:
            gx = gx * wv
        gt = None
        if self.next_functions[1][0] is not None:
            sp_neg = m.softplus(-xv)
            gt = -xv + ((pv - 1) * sp_neg if pv is not None else 0)
            gt = gt * g
            if wv is not None:
                gt = gt * wv
        if grad_mode.enabled:
            return gx, gt
        dt = x._data.dtype
        return (
            _wrap(np.asarray(gx, dt)),
            _wrap(np.asarray(gt, dt)) if gt is not None else None,
        )


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """``F.binary_cross_entropy_with_logits``: sigmoid + BCE in one stable expression,
    ``(1 - t)·x + (1 + (pos_weight - 1)·t)·softplus(-x)``."""
    x, t = input._data, target._data
    dt = x.dtype.type
    softplus_neg = np.logaddexp(-x, dt(0))
    if pos_weight is not None:
        log_weight = (pos_weight._data - dt(1)) * t + dt(1)
        values = (dt(1) - t) * x + log_weight * softplus_neg
    else:
        values = (dt(1) - t) * x + softplus_neg
    if weight is not None:
        values = values * weight._data
    values = np.broadcast_to(values, x.shape) if values.shape != x.shape else values
    return _loss_result(
        BinaryCrossEntropyWithLogitsBackward0,
        input,
        np.asarray(values, x.dtype),
        (input, target),
        (input, target, weight, pos_weight),
        reduction,
    )


# --- padding ------------------------------------------------------------------------------------------------
class ConstantPadNdBackward0(Node):
    def backward(self, grad):
        # the gradient of padding by p is cropping by p: padding by -p
        return (pad(grad, tuple(-p for p in self.pads), "constant", 0.0),)


class _IndexPadBackward(Node):
    """reflect / replicate / circular padding: a gather along each padded dim; its gradient
    scatters back (summing where one input element fed several outputs)."""

    def backward(self, grad):
        g = grad if grad_mode.enabled else grad._data
        for axis, index, size in reversed(self.gathers):
            if grad_mode.enabled:
                from .creation import zeros

                shape = list(g.shape)
                shape[axis] = size
                g = zeros(shape, dtype=g.dtype).index_add(axis, _wrap(index), g)
            else:
                shape = list(g.shape)
                shape[axis] = size
                out = np.zeros(shape, g.dtype)
                np.add.at(np.moveaxis(out, axis, 0), index, np.moveaxis(g, axis, 0))
                g = out
        return (g if grad_mode.enabled else _wrap(g),)


def _pad_index(n: int, left: int, right: int, mode: str) -> np.ndarray:
    i = np.arange(-left, n + right)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    if mode == "circular":
        return i % n
    i = np.abs(i)  # reflect
    return np.where(i >= n, 2 * (n - 1) - i, i)


def pad(input: Tensor, pad: tuple, mode: str = "constant", value: float | None = None) -> Tensor:
    """``F.pad``: ``pad`` holds (left, right) pairs from the last dim backwards."""
    if len(pad) % 2 != 0:
        raise RuntimeError("Padding length must be divisible by 2")
    x = input._data
    if len(pad) // 2 > x.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got padding length " f"{len(pad)} and input of dimension {x.ndim}")  # fmt: skip
    pairs = [(x.ndim - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]
    if mode == "constant":
        src, dst, out_shape = [slice(None)] * x.ndim, [slice(None)] * x.ndim, list(x.shape)
        for axis, left, right in pairs:
            n = x.shape[axis]
            new = n + left + right
            if new < 0:
                raise RuntimeError(
                    f"The input size {n}, plus negative padding {left} and {right} resulted in a "
                    f"negative output size, which is invalid. Check dimension {axis} of your input."
                )
            out_shape[axis] = new
            src[axis] = slice(max(-left, 0), n - max(-right, 0))
            dst[axis] = slice(
                max(left, 0), max(left, 0) + max(n - max(-left, 0) - max(-right, 0), 0)
            )
        fill = 0 if value is None else value
        out = np.full(out_shape, fill, x.dtype)
        out[tuple(dst)] = x[tuple(src)]
        return finish(ConstantPadNdBackward0, out, (input,), pads=tuple(pad))
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    k = len(pad) // 2
    if len(pad) not in (2, 4, 6) or not k + 1 <= x.ndim <= k + 2:
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {x.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    if value is not None and value != 0:
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument.')
    gathers = []
    out = x
    for axis, left, right in pairs:
        n = x.shape[axis]
        if mode == "reflect" and (left >= n or right >= n):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({left}, {right}) at dimension {axis} of input "
                f"[{', '.join(map(str, x.shape))}]"
            )
        if mode == "circular" and (left > n or right > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        index = _pad_index(n, left, right, mode)
        out = np.take(out, index, axis=axis)
        gathers.append((axis, index, n))
    kind = {"reflect": "Reflection", "replicate": "Replication", "circular": "Circular"}[mode]
    node = type(f"{kind}Pad{len(pairs)}dBackward0", (_IndexPadBackward,), {"__module__": __name__})
    return finish(node, out, (input,), gathers=gathers)
