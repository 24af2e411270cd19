"""Reductions: ``sum mean prod max min amax amin argmax std var norm logsumexp cumsum all any ...``.

``dim`` may be an int, a tuple or None; ``keepdim`` keeps reduced dims as size 1. Backward expands
the gradient back over the reduced dims (``_expand_back``).
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple

import numpy as np

from .. import _dtype
from .._tensor import Tensor, wrap_dim
from ..autograd.graph import Node
from ._base import finish, wrap, write_out

__all__ = [
    "sum", "mean", "nansum", "nanmean", "prod", "max", "min", "amax", "amin", "aminmax", "argmax",
    "argmin", "std", "var", "std_mean", "var_mean", "norm", "logsumexp", "cumsum", "cumprod",
    "cummax", "cummin", "logcumsumexp", "all", "any", "count_nonzero", "median", "mode", "sort",
    "argsort", "topk", "kthvalue", "unique", "unique_consecutive", "softmax", "log_softmax",
    "dist", "diff", "trace",
]  # fmt: skip

_values_indices = {}


def _named(name: str):
    """PyTorch's ``torch.return_types.<name>`` structseq (a named tuple of values, indices)."""
    if name not in _values_indices:
        cls = namedtuple(name, ["values", "indices"])
        cls.__module__ = "torch.return_types"
        cls.__repr__ = lambda self: (
            f"torch.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"
        )
        _values_indices[name] = cls
    return _values_indices[name]


def _dims(dim, ndim: int):
    """Normalise ``dim`` to a sorted tuple of non-negative axes (None → all)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return tuple(range(ndim))
        dims = tuple(sorted(wrap_dim(d, ndim) for d in dim))
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
        return dims
    return (wrap_dim(dim, ndim),)


def _expand_back(grad: Tensor, shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """Reshape a reduced gradient so it broadcasts against the input's ``shape``."""
    if not keepdim and dims and len(shape) > 0:
        kept = [1 if i in dims else s for i, s in enumerate(shape)]
        grad = grad.reshape(kept)
    return grad.expand(*shape)


# --- sum / mean / prod ---------------------------------------------------------------------------------
class SumBackward0(Node):  # full reduction
    def backward(self, grad):
        return (grad.expand(*self.input_meta[0][0]),)


class SumBackward1(Node):  # over dims
    def backward(self, grad):
        return (_expand_back(grad, self.input_meta[0][0], self.dims, self.keepdim),)


def _sum_dtype(t: Tensor, dtype):
    if dtype is not None:
        return dtype
    return _dtype.int64 if t._data.dtype.kind in "biu" else None


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """``torch.sum``: integers and bools sum to int64, as in PyTorch."""
    x = input._data
    d = _sum_dtype(input, dtype)
    if d is not None and x.dtype != d.np:
        x = x.astype(d.np)
    if dim is None or isinstance(dim, (list, tuple)) and len(dim) == 0:
        r = np.add.reduce(x, axis=None, keepdims=keepdim)
        res = finish(SumBackward0, r, (input,))
    else:
        dims = _dims(dim, x.ndim)
        r = np.add.reduce(x, axis=dims, keepdims=keepdim) if x.ndim else x.copy()
        res = finish(SumBackward1, r, (input,), dims=dims, keepdim=keepdim)
    return write_out(res, out, "sum") if out is not None else res


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    return sum(
        input.nan_to_num(0.0, float("inf"), float("-inf")) if input.is_floating_point() else input,
        dim,
        keepdim,
        dtype=dtype,
    )


class MeanBackward0(Node):
    def backward(self, grad):
        shape = self.input_meta[0][0]
        return (
            grad.expand(*shape) / builtins.max(math.prod(shape), 1)
            if math.prod(shape)
            else grad.expand(*shape),
        )


class MeanBackward1(Node):
    def backward(self, grad):
        shape = self.input_meta[0][0]
        n = math.prod(shape[d] for d in self.dims)
        return (_expand_back(grad, shape, self.dims, self.keepdim) / n,)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """``torch.mean``: floating or complex inputs only (or an explicit ``dtype``)."""
    x = input._data
    if dtype is not None:
        x = x.astype(dtype.np)
    elif x.dtype.kind in "biu":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {input.dtype._legacy}"
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        if dim is None or isinstance(dim, (list, tuple)) and len(dim) == 0:
            r = (
                np.mean(x, axis=None, keepdims=keepdim, dtype=x.dtype)
                if x.size
                else np.full((1,) * x.ndim if keepdim else (), np.nan, x.dtype)
            )
            res = finish(MeanBackward0, r, (input,))
        else:
            dims = _dims(dim, x.ndim)
            r = np.mean(x, axis=dims, keepdims=keepdim, dtype=x.dtype) if x.ndim else x.copy()
            res = finish(MeanBackward1, r, (input,), dims=dims, keepdim=keepdim)
    return write_out(res, out, "mean") if out is not None else res


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    keep = ~input.isnan()
    return nansum(input, dim, keepdim, dtype=dtype) / keep.sum(dim, keepdim).to(input.dtype)


class ProdBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        shape = self.input_meta[0][0]
        dims = self.dims
        g = _expand_back(grad, shape, dims, self.keepdim)
        # product of the other elements: out / x where x != 0, computed exactly where zeros occur
        if (x._data == 0).any():
            return (g * _prod_except(x, dims),)
        out = x.prod(dims, keepdim=True) if dims else x.prod()
        return (g * out / x,)


ProdBackward1 = type("ProdBackward1", (ProdBackward0,), {})


def _prod_except(x: Tensor, dims) -> Tensor:
    """For each element, the product of the others in its reduction group (zero-safe)."""
    if len(dims) != 1:
        flat_dims = dims
        perm = [d for d in range(x.ndim) if d not in flat_dims] + list(flat_dims)
        xp = x.permute(*perm)
        kept_shape = xp.shape[: x.ndim - len(flat_dims)]
        r = _prod_except(xp.reshape(*kept_shape, -1), (len(kept_shape),))
        r = r.reshape(xp.shape)
        return r.permute(*np.argsort(perm).tolist())
    d = dims[0]
    left = x.cumprod(d)
    n = x.shape[d]
    ones_shape = list(x.shape)
    ones_shape[d] = 1
    one = x.new_ones(ones_shape)
    exclusive_left = cat_([one, left.narrow(d, 0, n - 1)], d)
    right = x.flip(d).cumprod(d).flip(d)
    exclusive_right = cat_([right.narrow(d, 1, n - 1), one], d)
    return exclusive_left * exclusive_right


def cat_(tensors, dim):
    from .shape import cat

    return cat(tensors, dim)


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """``torch.prod`` (integers give int64)."""
    x = input._data
    d = _sum_dtype(input, dtype)
    if d is not None:
        x = x.astype(d.np)
    if dim is None:
        return finish(
            ProdBackward0,
            np.prod(x),
            (input,),
            save=(input,),
            dims=tuple(range(x.ndim)),
            keepdim=False,
        )
    dims = _dims(dim, x.ndim)
    r = np.prod(x, axis=dims, keepdims=keepdim) if x.ndim else x.copy()
    return finish(ProdBackward1, r, (input,), save=(input,), dims=dims, keepdim=keepdim)


# --- max / min / amax / argmax -------------------------------------------------------------------------
class MaxBackward1(Node):  # full reduction: the gradient is shared evenly among ties
    def backward(self, grad):
        (x,) = self.saved_tensors
        out = self.saved_output
        mask = (x == out).to(grad.dtype)
        return (mask * (grad / mask.sum()),)


MinBackward1 = type("MinBackward1", (MaxBackward1,), {})


class AmaxBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        shape = self.input_meta[0][0]
        out = _expand_back(self.saved_output, shape, self.dims, self.keepdim)
        mask = (x == out).to(grad.dtype)
        count = mask.sum(self.dims, keepdim=True)
        return (_expand_back(grad, shape, self.dims, self.keepdim) * mask / count,)


AminBackward0 = type("AminBackward0", (AmaxBackward0,), {})


class MaxBackward0(Node):  # max(dim): the gradient goes to the selected index
    def backward(self, grad, _indices_grad=None):
        shape, dtype = self.input_meta[0]
        idx = self.indices
        d = self.dim
        if not self.keepdim and len(shape) > 0:
            grad = grad.unsqueeze(d)
            idx = idx.unsqueeze(d)
        from .creation import zeros

        return (zeros(shape, dtype=grad.dtype).scatter(d, idx, grad),)


MinBackward0 = type("MinBackward0", (MaxBackward0,), {})


def _nan_aware(fn_arg, fn_val, x, axis, keepdims):
    if x.dtype.kind in "fc" and x.size and np.isnan(x).any():
        nan = np.isnan(x)
        idx = np.argmax(nan, axis=axis)
        has = nan.any(axis=axis)
        plain = fn_arg(np.where(nan, 0, x), axis=axis)
        idx = np.where(has, idx, plain)
    else:
        idx = fn_arg(x, axis=axis)
    vals = np.take_along_axis(x, np.expand_dims(idx, axis), axis)
    if not keepdims:
        vals = np.squeeze(vals, axis)
    else:
        idx = np.expand_dims(idx, axis)
    return vals, idx


def _max_min(input: Tensor, dim, keepdim, is_max: bool, other, out):
    name = "max" if is_max else "min"
    if isinstance(dim, Tensor):  # torch.max(a, b) is maximum
        other, dim = dim, None
    if other is not None:
        from .arithmetic import maximum, minimum

        return (maximum if is_max else minimum)(input, other)
    x = input._data
    if dim is None:
        if x.size == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument."
            )
        r = (np.max if is_max else np.min)(x)
        return finish(
            MaxBackward1 if is_max else MinBackward1, r, (input,), save=(input,), save_output=True
        )
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        vals, idx = x.copy(), np.zeros((), np.int64)
    else:
        if x.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        vals, idx = _nan_aware(np.argmax if is_max else np.argmin, None, x, d, keepdim)
    indices = wrap(idx.astype(np.int64))
    values = finish(
        MaxBackward0 if is_max else MinBackward0,
        vals,
        (input,),
        dim=d,
        keepdim=keepdim,
        indices=indices,
    )
    result = _named(name)(values, indices)
    if out is not None:
        write_out(values, out[0], name)
        write_out(indices, out[1], name)
        return _named(name)(out[0], out[1])
    return result


def max(input: Tensor, dim=None, keepdim: bool = False, *, out=None, other=None):
    """``torch.max``: the maximum, ``(values, indices)`` along ``dim``, or ``maximum(input, other)``."""
    return _max_min(input, dim, keepdim, True, other, out)


def min(input: Tensor, dim=None, keepdim: bool = False, *, out=None, other=None):
    """``torch.min``."""
    return _max_min(input, dim, keepdim, False, other, out)


def _amax_amin(input: Tensor, dim, keepdim, is_max):
    x = input._data
    dims = (
        _dims(dim, x.ndim)
        if not (isinstance(dim, (tuple, list)) and len(dim) == 0)
        else tuple(range(x.ndim))
    )
    r = (np.max if is_max else np.min)(x, axis=dims, keepdims=keepdim) if x.ndim else x.copy()
    return finish(
        AmaxBackward0 if is_max else AminBackward0,
        r,
        (input,),
        save=(input,),
        save_output=True,
        dims=dims,
        keepdim=keepdim,
    )


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """``torch.amax``: max over dims; ties share the gradient evenly."""
    return _amax_amin(input, dim, keepdim, True)


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    return _amax_amin(input, dim, keepdim, False)


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False):
    cls = namedtuple("aminmax", ["min", "max"])
    d = () if dim is None else dim
    return cls(amin(input, d, keepdim), amax(input, d, keepdim))


def _arg(input: Tensor, dim, keepdim, fn, name):
    x = input._data
    if dim is None:
        if x.size == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
            )
        _, idx = _nan_aware(fn, None, x.reshape(-1), 0, False)
        r = idx.reshape((1,) * x.ndim) if keepdim else idx
        return wrap(np.asarray(r, np.int64))
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return wrap(np.zeros((), np.int64))
    _, idx = _nan_aware(fn, None, x, d, keepdim)
    return wrap(idx.astype(np.int64))


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """``torch.argmax`` (first occurrence; NaN counts as the maximum)."""
    return _arg(input, dim, keepdim, np.argmax, "argmax")


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return _arg(input, dim, keepdim, np.argmin, "argmin")


# --- var / std -------------------------------------------------------------------------------------------
def _correction(unbiased, correction):
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def _var_args(dim, unbiased, keepdim):
    # var(input, unbiased) and var(input, dim, unbiased, keepdim) overloads
    if isinstance(dim, bool):
        return None, dim, keepdim
    return dim, unbiased, keepdim


def var(
    input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None
) -> Tensor:
    """``torch.var`` with ``correction`` (default 1, Bessel's)."""
    dim, unbiased, keepdim = _var_args(dim, unbiased, keepdim)
    c = _correction(unbiased, correction)
    dims = _dims(dim, input.ndim)
    mu = input.mean(dims, keepdim=True) if input.ndim else input
    diff = input - mu
    sq = diff * diff if not input.is_complex() else (diff * diff.conj()).real
    n = math.prod(input.shape[d] for d in dims) if input.ndim else 1
    return sq.sum(dims, keepdim=keepdim) / builtins.max(n - c, 0)


def std(
    input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None
) -> Tensor:
    """``torch.std``."""
    return var(input, dim, unbiased, keepdim, correction=correction).sqrt()


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), mean(
        input, _var_args(dim, unbiased, keepdim)[0], keepdim
    )


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), mean(
        input, _var_args(dim, unbiased, keepdim)[0], keepdim
    )


# --- norm / logsumexp --------------------------------------------------------------------------------------
def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """``torch.norm``: vector p-norms (p = 2 default, 'fro', inf, -inf, 0, any float) and 'nuc'."""
    if dtype is not None:
        input = input.to(dtype)
    if not input.is_floating_point() and not input.is_complex():
        raise RuntimeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {input.dtype._legacy}"
        )
    dims = None if dim is None else (dim if isinstance(dim, (tuple, list)) else (dim,))
    a = input.abs()
    if p == "fro" or p == 2 or p is None:
        return (
            (a * a).sum(dims, keepdim=keepdim).sqrt() if dims is not None else (a * a).sum().sqrt()
        )
    if p == "nuc":
        return wrap(np.linalg.norm(input._data, "nuc")).to(input.dtype)
    if p == float("inf"):
        return a.amax(dims if dims is not None else (), keepdim)
    if p == float("-inf"):
        return a.amin(dims if dims is not None else (), keepdim)
    if p == 0:
        return (
            (a != 0).to(input.dtype).sum(dims, keepdim=keepdim)
            if dims is not None
            else (a != 0).to(input.dtype).sum()
        )
    if p == 1:
        return a.sum(dims, keepdim=keepdim) if dims is not None else a.sum()
    s = (a**p).sum(dims, keepdim=keepdim) if dims is not None else (a**p).sum()
    return s ** (1.0 / p)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    return norm(input - other, p)


class LogsumexpBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        shape = self.input_meta[0][0]
        out = _expand_back(self.saved_output, shape, self.dims, self.keepdim)
        return (_expand_back(grad, shape, self.dims, self.keepdim) * (x - out).exp(),)


def logsumexp(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """``torch.logsumexp``: numerically stable log(sum(exp(x)))."""
    x = input._data
    if x.dtype.kind in "biu":
        x = x.astype(_dtype.get_default_dtype().np)
    dims = (
        _dims(dim, x.ndim)
        if not (isinstance(dim, (tuple, list)) and len(dim) == 0)
        else tuple(range(x.ndim))
    )
    if x.ndim == 0:
        r = x.copy()
    else:
        m = np.max(x, axis=dims, keepdims=True) if x.size else np.zeros([1] * x.ndim, x.dtype)
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):
            r = np.log(np.sum(np.exp(x - m), axis=dims, keepdims=True)) + m
        if not keepdim:
            r = np.squeeze(r, dims)
    return finish(
        LogsumexpBackward0,
        r.astype(x.dtype, copy=False),
        (input,),
        save=(input,),
        save_output=True,
        dims=dims,
        keepdim=keepdim,
    )


# --- cumulative --------------------------------------------------------------------------------------------
class CumsumBackward0(Node):
    def backward(self, grad):
        return (grad.flip(self.dim).cumsum(self.dim).flip(self.dim),)


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """``torch.cumsum`` (integers accumulate in int64)."""
    x = input._data
    d = _sum_dtype(input, dtype)
    if d is not None:
        x = x.astype(d.np)
    axis = wrap_dim(dim, x.ndim)
    r = np.cumsum(x, axis=axis) if x.ndim else x.copy()
    return finish(CumsumBackward0, r, (input,), dim=axis)


class CumprodBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        d = self.dim
        if x.ndim == 0:
            return (grad,)
        if not (x._data == 0).any():
            out = self.saved_output
            return ((grad * out).flip(d).cumsum(d).flip(d) / x,)
        # Zero-safe path: d out_j / d x_i = prod_{k<=j, k!=i} x_k, summed against grad_j.
        n = x.shape[d]
        pieces = []
        for i in range(n):
            xi_one = x.clone()
            xi_one.narrow(d, i, 1).fill_(1)
            cp = xi_one.cumprod(d)
            mask_shape = [1] * x.ndim
            mask_shape[d] = n
            mask = wrap((np.arange(n) >= i).astype(x._data.dtype).reshape(mask_shape))
            pieces.append((grad * cp * mask).sum(d, keepdim=True))
        return (cat_(pieces, d),)


def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    x = input._data
    d = _sum_dtype(input, dtype)
    if d is not None:
        x = x.astype(d.np)
    axis = wrap_dim(dim, x.ndim)
    r = np.cumprod(x, axis=axis) if x.ndim else x.copy()
    return finish(CumprodBackward0, r, (input,), save=(input,), save_output=True, dim=axis)


def _cum_ext(input: Tensor, dim: int, is_max: bool, name: str):
    x = input._data
    d = wrap_dim(dim, x.ndim)
    acc = (np.maximum if is_max else np.minimum).accumulate(x, axis=d) if x.ndim else x.copy()
    n = x.shape[d] if x.ndim else 1
    pos = np.arange(n).reshape([-1 if i == d else 1 for i in range(builtins.max(x.ndim, 1))])
    hit = np.where(x == acc, pos, 0) if x.ndim else np.zeros((), np.int64)
    idx = np.maximum.accumulate(hit, axis=d) if x.ndim else hit
    indices = wrap(idx.astype(np.int64))
    values = input.gather(d, indices) if x.ndim else input.clone()
    return _named(name)(values, indices)


def cummax(input: Tensor, dim: int):
    return _cum_ext(input, dim, True, "cummax")


def cummin(input: Tensor, dim: int):
    return _cum_ext(input, dim, False, "cummin")


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    m = input.detach().amax(dim, keepdim=True)
    m = m.masked_fill(~m.isfinite(), 0)
    return (input - m).exp().cumsum(dim).log() + m


# --- logical reductions ------------------------------------------------------------------------------------
def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """``torch.all`` (bool result; uint8 inputs keep uint8, as in PyTorch)."""
    x = input._data
    r = np.all(x, axis=None if dim is None else _dims(dim, x.ndim), keepdims=keepdim)
    return wrap(r.astype(np.uint8) if x.dtype == np.uint8 else r)


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """``torch.any``."""
    x = input._data
    r = np.any(x, axis=None if dim is None else _dims(dim, x.ndim), keepdims=keepdim)
    return wrap(r.astype(np.uint8) if x.dtype == np.uint8 else r)


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    x = input._data
    return wrap(
        np.asarray(np.count_nonzero(x, axis=None if dim is None else _dims(dim, x.ndim)), np.int64)
    )


# --- order statistics --------------------------------------------------------------------------------------
class SortBackward0(Node):
    def backward(self, grad, _indices_grad=None):
        shape, _ = self.input_meta[0]
        from .creation import zeros

        return (zeros(shape, dtype=grad.dtype).scatter(self.dim, self.indices, grad),)


TopkBackward0 = type("TopkBackward0", (SortBackward0,), {})


def _sort_indices(x: np.ndarray, axis: int, descending: bool, stable: bool = True) -> np.ndarray:
    if descending:
        # stable descending order: sort the negated key (NaN first, as PyTorch puts NaN at the top)
        if x.dtype.kind == "b":
            key = ~x
        elif x.dtype.kind in "iu":
            key = -(
                x.astype(np.int64)
                if x.dtype.kind == "u" or x.dtype.itemsize < 8
                else x.astype(np.float64)
            )
        else:
            key = np.where(
                np.isnan(x), -np.inf, -x.astype(np.float64) if x.dtype.itemsize < 8 else -x
            )
            nan_first = np.isnan(x)
            idx = np.argsort(key, axis=axis, kind="stable")
            # place NaNs first, keeping their relative order
            nanmask = np.take_along_axis(nan_first, idx, axis)
            order = np.argsort(~nanmask, axis=axis, kind="stable")
            return np.take_along_axis(idx, order, axis)
        return np.argsort(key, axis=axis, kind="stable")
    return np.argsort(x, axis=axis, kind="stable")


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False, *, out=None):
    """``torch.sort``: ``(values, indices)``; stable ordering (NaN sorts as the largest)."""
    if isinstance(dim, bool):  # sort(input, stable, dim, descending) keyword forms
        dim = -1
    x = input._data
    if x.ndim == 0:
        return _named("sort")(input.clone(), wrap(np.zeros((), np.int64)))
    d = wrap_dim(dim, x.ndim)
    idx = _sort_indices(x, d, descending)
    indices = wrap(idx.astype(np.int64))
    values = finish(SortBackward0, np.take_along_axis(x, idx, d), (input,), dim=d, indices=indices)
    return _named("sort")(values, indices)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    return sort(input, dim, descending, stable).indices


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """``torch.topk``: the ``k`` largest (or smallest) values along ``dim``, sorted."""
    x = input._data
    d = wrap_dim(dim, x.ndim) if x.ndim else 0
    n = x.shape[d] if x.ndim else 1
    if k > n or k < 0:
        raise RuntimeError("selected index k out of range")
    if x.ndim == 0:
        return _named("topk")(input.clone(), wrap(np.zeros((), np.int64)))
    idx = _sort_indices(x, d, descending=largest)
    idx = np.take(idx, np.arange(k), axis=d)
    indices = wrap(idx.astype(np.int64))
    values = finish(TopkBackward0, np.take_along_axis(x, idx, d), (input,), dim=d, indices=indices)
    return _named("topk")(values, indices)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """``torch.kthvalue``: the k-th smallest along ``dim``."""
    s = sort(input, dim)
    d = wrap_dim(dim, input.ndim)
    values = s.values.narrow(d, k - 1, 1)
    indices = s.indices.narrow(d, k - 1, 1)
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return _named("kthvalue")(values, indices)


def median(input: Tensor, dim=None, keepdim: bool = False):
    """``torch.median``: the lower median (no averaging), as PyTorch's."""
    if dim is None:
        flat = input.reshape(-1)
        n = flat.numel()
        return sort(flat).values[(n - 1) // 2]
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    r = kthvalue(input, (n - 1) // 2 + 1, d, keepdim)
    return _named("median")(r.values, r.indices)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False):
    """``torch.mode``: the most frequent value along ``dim`` (smallest on ties)."""
    x = np.moveaxis(input._data, wrap_dim(dim, input.ndim), -1)
    flat = x.reshape(-1, x.shape[-1])
    vals, idxs = [], []
    for row in flat:
        u, c = np.unique(row, return_counts=True)
        v = u[np.argmax(c)]
        vals.append(v)
        idxs.append(np.nonzero(row == v)[0][-1])
    vshape = x.shape[:-1]
    values = wrap(np.array(vals, x.dtype).reshape(vshape))
    indices = wrap(np.array(idxs, np.int64).reshape(vshape))
    if keepdim:
        values, indices = values.unsqueeze(dim), indices.unsqueeze(dim)
    return _named("mode")(values, indices)


def unique(
    input: Tensor,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim=None,
):
    """``torch.unique``: sorted unique values, optionally the inverse indices and counts."""
    x = input._data
    if dim is None:
        u, inv, cnt = np.unique(x.reshape(-1), return_inverse=True, return_counts=True)
        inv = inv.reshape(x.shape)
    else:
        u, inv, cnt = np.unique(
            x, return_inverse=True, return_counts=True, axis=wrap_dim(dim, x.ndim)
        )
        inv = inv.reshape(-1)
    out = [wrap(u)]
    if return_inverse:
        out.append(wrap(inv.astype(np.int64)))
    if return_counts:
        out.append(wrap(cnt.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(
    input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim=None
):
    x = input._data.reshape(-1)
    if x.size == 0:
        keep = np.zeros(0, bool)
    else:
        keep = np.concatenate([[True], x[1:] != x[:-1]])
    u = x[keep]
    out = [wrap(u)]
    if return_inverse:
        out.append(wrap((np.cumsum(keep) - 1).reshape(input._data.shape).astype(np.int64)))
    if return_counts:
        starts = np.nonzero(keep)[0]
        out.append(wrap(np.diff(np.append(starts, x.size)).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


# --- softmax -----------------------------------------------------------------------------------------------
class SoftmaxBackward0(Node):
    def backward(self, grad):
        y = self.saved_output
        return (y * (grad - (grad * y).sum(self.dim, keepdim=True)),)


class LogSoftmaxBackward0(Node):
    def backward(self, grad):
        y = self.saved_output
        return (grad - y.exp() * grad.sum(self.dim, keepdim=True),)


def _softmax_input(input: Tensor, dim, dtype, name):
    if dim is None:
        import warnings

        nd = input.ndim
        dim = 0 if nd in (0, 1, 3) else 1
        warnings.warn(
            f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
            UserWarning,
            stacklevel=3,
        )
    x = input._data
    if dtype is not None:
        x = x.astype(dtype.np)
    elif x.dtype.kind in "biu":
        raise RuntimeError(
            f"\"{name}_lastdim_kernel_impl\" not implemented for '{input.dtype._legacy}'"
        )
    return x, wrap_dim(dim, x.ndim)


def softmax(input: Tensor, dim=None, dtype=None, *, _stacklevel: int = 3) -> Tensor:
    """``torch.softmax``: exp(x - max) / sum, along ``dim``."""
    x, d = _softmax_input(input, dim, dtype, "softmax")
    if x.ndim == 0:
        return finish(SoftmaxBackward0, np.ones_like(x), (input,), save_output=True, dim=d)
    e = x - np.max(x, axis=d, keepdims=True) if x.size else x.copy()
    np.exp(e, out=e)
    e /= np.sum(e, axis=d, keepdims=True)
    return finish(SoftmaxBackward0, e, (input,), save_output=True, dim=d)


def log_softmax(input: Tensor, dim=None, dtype=None, *, _stacklevel: int = 3) -> Tensor:
    """``torch.log_softmax``: x - max - log(sum(exp(x - max)))."""
    x, d = _softmax_input(input, dim, dtype, "log_softmax")
    if x.ndim == 0:
        return finish(LogSoftmaxBackward0, np.zeros_like(x), (input,), save_output=True, dim=d)
    shifted = x - np.max(x, axis=d, keepdims=True) if x.size else x.copy()
    lse = np.log(np.sum(np.exp(shifted), axis=d, keepdims=True))
    shifted -= lse
    return finish(LogSoftmaxBackward0, shifted, (input,), save_output=True, dim=d)


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    from .shape import cat

    d = wrap_dim(dim, input.ndim)
    if prepend is not None or append is not None:
        input = cat([t for t in (prepend, input, append) if t is not None], d)
    for _ in range(n):
        m = input.shape[d]
        input = input.narrow(d, 1, m - 1) - input.narrow(d, 0, m - 1)
    return input


def trace(input: Tensor) -> Tensor:
    return input.diagonal().sum()


for _name in __all__:
    setattr(Tensor, _name, globals()[_name])
