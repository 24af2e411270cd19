"""Reductions: ``sum mean prod max min amax amin argmax std var norm logsumexp cumsum all any ...``.

``dim`` may be an int, a tuple or None; ``keepdim`` keeps reduced dims as size 1. Backward expands
the gradient back over the reduced dims (``_expand_back``). Half-precision inputs accumulate in
float32, as PyTorch's CPU kernels do.
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple

import numpy as np

from .. import _dtype
from .._tensor import Tensor, wrap_dim
from ..autograd import grad_mode
from ..autograd.graph import Node
from ._base import NotDifferentiable, finish, wrap, write_out

__all__ = [
    "sum", "mean", "nansum", "nanmean", "prod", "max", "min", "amax", "amin", "aminmax", "argmax",
    "argmin", "std", "var", "std_mean", "var_mean", "norm", "logsumexp", "cumsum", "cumprod",
    "cummax", "cummin", "logcumsumexp", "all", "any", "count_nonzero", "median", "nanmedian",
    "mode", "sort", "argsort", "topk", "kthvalue", "unique", "unique_consecutive", "softmax",
    "log_softmax", "dist", "diff", "trace", "allclose", "equal",
]  # fmt: skip

_values_indices = {}


def _named(name: str, fields=("values", "indices")):
    """PyTorch's ``torch.return_types.<name>`` structseq (a named tuple of values, indices)."""
    if name not in _values_indices:
        cls = namedtuple(name, fields)
        cls.__module__ = "torch.return_types"
        cls.__qualname__ = name
        cls.__repr__ = lambda self: (
            f"torch.return_types.{name}(\n"
            + ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
            + ")"
        )
        _values_indices[name] = cls
    return _values_indices[name]


def _dims(dim, ndim: int):
    """Normalise ``dim`` to a sorted tuple of non-negative axes (None or () → all)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return tuple(range(ndim))
        dims = tuple(wrap_dim(d, ndim) for d in dim)
        seen = set()
        for d in dims:
            if d in seen:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
            seen.add(d)
        return tuple(sorted(dims))
    return (wrap_dim(dim, ndim),)


def _axes(x: np.ndarray, dims: tuple):
    """The NumPy axes for ``dims`` (a 0-dim tensor accepts dim 0 or -1 but has no axis)."""
    return dims if x.ndim else None


def _count(shape: tuple, dims: tuple) -> int:
    return math.prod(shape[d] for d in dims) if shape else 1


def _expand_back(grad: Tensor, shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """Reshape a reduced gradient so it broadcasts against the input's ``shape``."""
    if not keepdim and dims and len(shape) > 0:
        kept = [1 if i in dims else s for i, s in enumerate(shape)]
        grad = grad.reshape(kept)
    return grad.expand(*shape)


def _accumulator(x: np.ndarray) -> np.ndarray:
    """float16 and bfloat16 reduce in float32 (PyTorch's accumulate type on CPU)."""
    dt = x.dtype
    if dt.itemsize == 2 and dt.kind in "fV":
        return x.astype(np.float32)
    return x


def _check_nonempty(name: str, x: np.ndarray, dims, all_dims: bool, shown_dims=None) -> None:
    """PyTorch's errors for reductions without an identity (max, amax, argmax...) on empty input.
    ``shown_dims``: the dims as the user gave them (amax's message does not wrap them)."""
    if all_dims:
        if x.size == 0:
            raise (IndexError if name.startswith("arg") else RuntimeError)(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
                + (
                    ""
                    if name.startswith("arg")
                    else " Specify the reduction dim with the 'dim' argument."
                )
            )
        return
    for d, shown in zip(dims, shown_dims or dims):
        if x.ndim and x.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {shown} to have non-zero size.")


# --- sum / mean / prod ---------------------------------------------------------------------------------
class SumBackward0(Node):  # full reduction
    def backward(self, grad):
        shape = self.input_meta[0][0]
        if not grad_mode.enabled:  # no double backward: a filled array, cheaper than expand()
            return (Tensor._make(np.full(shape, grad._data, grad._data.dtype)),)
        return (grad.expand(*shape),)


class SumBackward1(Node):  # over dims
    def backward(self, grad):
        return (_expand_back(grad, self.input_meta[0][0], self.dims, self.keepdim),)


def _sum_dtype(t: Tensor, dtype):
    if dtype is not None:
        return dtype
    return _dtype.int64 if t._data.dtype.kind in "biu" else None


def _sum_array(x: np.ndarray, axes, keepdim: bool) -> np.ndarray:
    acc = _accumulator(x)
    r = np.add.reduce(acc, axis=axes, keepdims=keepdim)
    return np.asarray(r).astype(x.dtype, copy=False)


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """``torch.sum``: integers and bools sum to int64, as in PyTorch."""
    x = input._data
    if dim is None and dtype is None and out is None and not keepdim:
        dt = x.dtype
        if dt.kind == "f" and dt.itemsize >= 4:  # the common case, kept short (NOTE [ Hot path ])
            return finish(SumBackward0, np.add.reduce(x, axis=None), (input,))
    d = _sum_dtype(input, dtype)
    if d is not None and x.dtype != d.np:
        x = x.astype(d.np)
    if dim is None and not keepdim:
        res = finish(SumBackward0, _sum_array(x, None, False), (input,))
    else:
        dims = _dims(dim, x.ndim)
        r = _sum_array(x, _axes(x, dims), keepdim)
        res = finish(SumBackward1, r, (input,), dims=dims, keepdim=keepdim)
    return write_out(res, out, "sum") if out is not None else res


class NansumBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        shape = self.input_meta[0][0]
        return (_expand_back(grad, shape, self.dims, self.keepdim) * x.isnan().logical_not(),)


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """``torch.nansum``: the sum treating NaN as zero."""
    x = input._data
    d = _sum_dtype(input, dtype)
    if d is not None and x.dtype != d.np:
        x = x.astype(d.np)
    dims = _dims(dim, x.ndim)
    if x.dtype.kind in "fV":
        x = np.where(np.isnan(x), x.dtype.type(0), x)
    r = _sum_array(x, _axes(x, dims), keepdim)
    res = finish(NansumBackward0, r, (input,), save=(input,), dims=dims, keepdim=keepdim)
    return write_out(res, out, "nansum") if out is not None else res


class MeanBackward0(Node):
    def backward(self, grad):
        shape = self.input_meta[0][0]
        return (grad.expand(*shape) / builtins.max(math.prod(shape), 1),)


class MeanBackward1(Node):
    def backward(self, grad):
        shape = self.input_meta[0][0]
        return (_expand_back(grad, shape, self.dims, self.keepdim) / _count(shape, self.dims),)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """``torch.mean``: floating or complex inputs only (or an explicit ``dtype``); empty → NaN."""
    x = input._data
    if dtype is not None:
        x = x.astype(dtype.np)
    elif x.dtype.kind in "biu":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {input.dtype._legacy}"
        )
    full = dim is None and not keepdim
    dims = _dims(dim, x.ndim)
    n = _count(x.shape, dims)
    total = np.add.reduce(_accumulator(x), axis=None if full else _axes(x, dims), keepdims=keepdim)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.asarray(total / n if n else total * np.nan).astype(x.dtype, copy=False)
    if full:
        res = finish(MeanBackward0, r, (input,))
    else:
        res = finish(MeanBackward1, r, (input,), dims=dims, keepdim=keepdim)
    return write_out(res, out, "mean") if out is not None else res


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """``torch.nanmean``: nansum / the number of non-NaN elements."""
    if not input.is_floating_point():
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{input.dtype._legacy}"
        )
    keep = input.isnan().logical_not()
    return nansum(input, dim, keepdim, dtype=dtype) / keep.sum(dim, keepdim)


class ProdBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        shape = self.input_meta[0][0]
        dims = self.dims
        g = _expand_back(grad, shape, dims, self.keepdim)
        if x.ndim == 0:
            return (g,)
        # product of the other elements: out / x where x != 0, computed exactly where zeros occur
        if (x._data == 0).any():
            return (g * _prod_except(x, dims),)
        out = _expand_back(self.saved_output, shape, dims, self.keepdim)
        return (g * (out / x),)  # in PyTorch's order (it matters in half precision)


ProdBackward1 = type("ProdBackward1", (ProdBackward0,), {"__module__": __name__})


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
    """``torch.prod``: all elements, or along one ``dim`` (integers give int64)."""
    x = input._data
    d = _sum_dtype(input, dtype)
    if d is not None and x.dtype != d.np:
        x = x.astype(d.np)
    if dim is None:
        if x.dtype.itemsize == 2 and x.dtype.kind in "fV" and x.size:
            # PyTorch multiplies half-precision values one by one in their own dtype (rounding
            # each step) where NumPy's reduce works pairwise; exact up to its vector width
            r = np.multiply.accumulate(x.reshape(-1))[-1]
        else:
            r = np.multiply.reduce(x, axis=None)
        r = np.asarray(r).astype(x.dtype)
        return finish(
            ProdBackward0, r, (input,), save=(input,), save_output=True,
            dims=tuple(range(x.ndim)), keepdim=False,
        )  # fmt: skip
    if isinstance(dim, (tuple, list)):
        raise TypeError(
            "prod(): argument 'dim' (position 1) must be int, not " + type(dim).__name__
        )
    dims = _dims(dim, x.ndim)
    r = np.multiply.reduce(x, axis=dims[0], keepdims=keepdim) if x.ndim else x.copy()
    r = np.asarray(r).astype(x.dtype, copy=False)
    return finish(
        ProdBackward1, r, (input,), save=(input,), save_output=True, dims=dims, keepdim=keepdim
    )


# --- max / min / amax / argmax -------------------------------------------------------------------------
def _evenly_distribute(grad: Tensor, x: Tensor, value: Tensor) -> Tensor:
    """PyTorch's ``evenly_distribute_backward`` (CPU): the elements equal to the result (the NaNs
    when it is NaN) share ``grad``; the others get exactly 0."""
    mask = x.isnan() if bool(value.isnan()) else x == value
    from .creation import zeros

    return zeros(tuple(x.shape), dtype=grad.dtype).masked_fill(mask, grad / mask.sum())


class MaxBackward1(Node):  # full reduction: the gradient is shared evenly among ties
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (_evenly_distribute(grad, x, self.saved_output),)


MinBackward1 = type("MinBackward1", (MaxBackward1,), {"__module__": __name__})
MedianBackward0 = type("MedianBackward0", (MaxBackward1,), {"__module__": __name__})
NanmedianBackward0 = type("NanmedianBackward0", (MaxBackward1,), {"__module__": __name__})


class AmaxBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        shape = self.input_meta[0][0]
        out = _expand_back(self.saved_output, shape, self.dims, self.keepdim)
        mask = (x == out).to(grad.dtype)
        count = mask.sum(self.dims, keepdim=True) if x.ndim else mask
        return ((_expand_back(grad, shape, self.dims, self.keepdim) / count) * mask,)


AminBackward0 = type("AminBackward0", (AmaxBackward0,), {"__module__": __name__})


class MaxBackward0(Node):  # max(dim), median(dim)...: the gradient goes to the selected index
    def backward(self, grad, _indices_grad=None):
        shape, dtype = self.input_meta[0]
        idx = self.indices
        d = self.dim
        if len(shape) == 0:
            return (grad,)
        if not self.keepdim:
            grad = grad.unsqueeze(d)
            idx = idx.unsqueeze(d)
        from .creation import zeros

        return (zeros(shape, dtype=grad.dtype).scatter(d, idx, grad),)


MinBackward0 = type("MinBackward0", (MaxBackward0,), {"__module__": __name__})
MedianBackward1 = type("MedianBackward1", (MaxBackward0,), {"__module__": __name__})
NanmedianBackward1 = type("NanmedianBackward1", (MaxBackward0,), {"__module__": __name__})
KthvalueBackward0 = type("KthvalueBackward0", (MaxBackward0,), {"__module__": __name__})
ModeBackward0 = type("ModeBackward0", (MaxBackward0,), {"__module__": __name__})


def _arg_extreme(x: np.ndarray, axis: int, is_max: bool) -> np.ndarray:
    """First index of the maximum (minimum) along ``axis``; a NaN counts as the extreme."""
    arg = np.argmax if is_max else np.argmin
    if x.dtype.kind in "fcV" and x.size:
        nan = np.isnan(x)
        if nan.any():
            plain = arg(np.where(nan, x.dtype.type(0), x), axis=axis)
            return np.where(nan.any(axis=axis), np.argmax(nan, axis=axis), plain)
    return arg(x, axis=axis)


def _select_along(input: Tensor, idx: np.ndarray, d: int, keepdim: bool, node_cls, name: str):
    """(values, indices) picked at ``idx`` (reduced along ``d``) as a named tuple, with the
    value-selecting backward recorded."""
    x = input._data
    vals = np.take_along_axis(x, np.expand_dims(idx, d), d)
    if keepdim:
        idx = np.expand_dims(idx, d)
    else:
        vals = np.squeeze(vals, d)
    indices = wrap(np.asarray(idx, np.int64))
    values = finish(node_cls, vals, (input,), dim=d, keepdim=keepdim, indices=indices)
    return _named(name)(values, indices)


def _max_min(input: Tensor, dim, keepdim, is_max: bool, other, out):
    name = "max" if is_max else "min"
    if isinstance(dim, Tensor):  # torch.max(a, b) is maximum
        other, dim = dim, None
    if other is not None:
        from .arithmetic import maximum, minimum

        return (maximum if is_max else minimum)(input, other, out=out)
    x = input._data
    if dim is None:
        _check_nonempty(name, x, (), True)
        r = (np.max if is_max else np.min)(x)
        node = MaxBackward1 if is_max else MinBackward1
        res = finish(node, r, (input,), save=(input,), save_output=True)
        return write_out(res, out, name) if out is not None else res
    d = wrap_dim(dim, x.ndim)
    node = MaxBackward0 if is_max else MinBackward0
    if x.ndim == 0:
        result = _named(name)(finish(node, x.copy(), (input,), dim=d, keepdim=keepdim,
                                     indices=wrap(np.zeros((), np.int64))),  # fmt: skip
                              wrap(np.zeros((), np.int64)))  # fmt: skip
    else:
        _check_nonempty(name, x, (d,), False)
        result = _select_along(input, _arg_extreme(x, d, is_max), d, keepdim, node, name)
    if out is not None:
        write_out(result.values, out[0], name)
        write_out(result.indices, out[1], name)
        return _named(name + "_out")(out[0], out[1])
    return result


def max(input: Tensor, dim=None, keepdim: bool = False, *, out=None, other=None):
    """``torch.max``: the maximum, ``(values, indices)`` along ``dim``, or ``maximum(input, other)``."""
    return _max_min(input, dim, keepdim, True, other, out)


def min(input: Tensor, dim=None, keepdim: bool = False, *, out=None, other=None):
    """``torch.min``."""
    return _max_min(input, dim, keepdim, False, other, out)


def _amax_amin(input: Tensor, dim, keepdim, is_max):
    x = input._data
    name = "amax" if is_max else "amin"
    dims = _dims(dim, x.ndim)
    all_dims = dim is None or isinstance(dim, (tuple, list)) and len(dim) == 0
    if x.size == 0:
        shown = dim if isinstance(dim, (tuple, list)) else (dim,)
        _check_nonempty(name, x, tuple(wrap_dim(d, x.ndim) for d in shown) if not all_dims else (),
                        all_dims, shown)  # fmt: skip
    r = (np.max if is_max else np.min)(x, axis=_axes(x, dims), keepdims=keepdim)
    return finish(
        AmaxBackward0 if is_max else AminBackward0,
        np.asarray(r),
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
    """``torch.amin``."""
    return _amax_amin(input, dim, keepdim, False)


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False):
    """``torch.aminmax``: ``(min, max)`` as a named tuple."""
    d = () if dim is None else dim
    return _named("aminmax", ("min", "max"))(amin(input, d, keepdim), amax(input, d, keepdim))


def _arg(input: Tensor, dim, keepdim, is_max: bool, name: str):
    x = input._data
    if x.dtype.kind == "b":
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        _check_nonempty(name, x, (), True)
        idx = _arg_extreme(x.reshape(-1), 0, is_max)
        return wrap(np.asarray(idx, np.int64).reshape((1,) * x.ndim if keepdim else ()))
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return wrap(np.zeros((), np.int64))
    _check_nonempty(name, x, (d,), False)
    idx = _arg_extreme(x, d, is_max)
    return wrap(np.asarray(np.expand_dims(idx, d) if keepdim else idx, np.int64))


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """``torch.argmax`` (first occurrence; NaN counts as the maximum)."""
    return _arg(input, dim, keepdim, True, "argmax")


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """``torch.argmin``."""
    return _arg(input, dim, keepdim, False, "argmin")


# --- var / std -------------------------------------------------------------------------------------------
def _var_args(dim, unbiased, keepdim, correction):
    """The overloads ``var(input, unbiased)``, ``var(input, dim, unbiased, keepdim)`` and
    ``var(input, dim, *, correction, keepdim)``: (dims or None, correction, keepdim)."""
    if isinstance(dim, bool):  # var(input, unbiased)
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dim, correction, keepdim


def _check_var_dtype(input: Tensor) -> None:
    if input._data.dtype.kind not in "fcV":
        raise RuntimeError("std and var only support floating point and complex dtypes")


class VarBackward0(Node):
    """PyTorch's ``var_backward``: 2 / (n - correction) * grad * (x - mean)."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        return (_var_backward(grad, x, self.dims, self.correction, self.keepdim, self.full),)


class StdBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        out = self.saved_output
        grad_var = (grad / (out * 2)).masked_fill(out == 0, 0)
        return (_var_backward(grad_var, x, self.dims, self.correction, self.keepdim, self.full),)


def _var_backward(grad, x, dims, correction, keepdim, full):
    n = _count(tuple(x.shape), dims)
    dof = n - correction
    two_over_dof = 2.0 / dof if dof else math.inf
    if full or x.ndim == 0:
        if dof <= 0:
            from .pointwise import where

            return grad * where(x == x.mean(), math.nan, math.inf)
        return two_over_dof * grad * (x - x.mean())
    if not keepdim and x.ndim > 1:
        grad = _expand_back(grad, tuple(x.shape), dims, False)
    return two_over_dof * grad * (x - x.mean(dims, keepdim=True))


def _var_array(x: np.ndarray, dims, correction, keepdim) -> np.ndarray:
    acc = _accumulator(x)
    axes = _axes(x, dims)
    n = _count(x.shape, dims)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = (
            np.add.reduce(acc, axis=axes, keepdims=True) / n
            if n
            else np.full((1,) * x.ndim, np.nan)
        )
        dev = acc - mu
        sq = (dev * dev.conj()).real if dev.dtype.kind == "c" else dev * dev
        r = np.add.reduce(sq, axis=axes, keepdims=keepdim) / builtins.max(0, n - correction)
    real = x.real.dtype if x.dtype.kind == "c" else x.dtype
    return np.asarray(r).astype(real, copy=False)


def _var_std(input, dim, unbiased, keepdim, correction, take_sqrt: bool):
    _check_var_dtype(input)
    dim, correction, keepdim = _var_args(dim, unbiased, keepdim, correction)
    x = input._data
    dims = _dims(dim, x.ndim)
    r = _var_array(x, dims, correction, keepdim)
    if x.size // builtins.max(r.size, 1) - correction <= 0:
        import warnings

        warnings.warn(
            f"{'std' if take_sqrt else 'var'}(): degrees of freedom is <= 0. Correction should be "
            "strictly less than the reduction factor (input numel divided by output numel).",
            UserWarning,
            stacklevel=3,
        )
    attrs = dict(dims=dims, correction=correction, keepdim=keepdim, full=dim is None)
    if take_sqrt:
        return finish(StdBackward0, np.sqrt(r), (input,), save=(input,), save_output=True, **attrs)
    return finish(VarBackward0, r, (input,), save=(input,), **attrs)


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``torch.var`` with ``correction`` (default 1, Bessel's); n <= correction gives inf or NaN."""
    return _var_std(input, dim, unbiased, keepdim, correction, False)


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``torch.std``."""
    return _var_std(input, dim, unbiased, keepdim, correction, True)


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``torch.var_mean``: ``(var, mean)``."""
    d = _var_args(dim, unbiased, keepdim, correction)[0]
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, d, keepdim)


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``torch.std_mean``: ``(std, mean)``."""
    d = _var_args(dim, unbiased, keepdim, correction)[0]
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, d, keepdim)


# --- norm / logsumexp --------------------------------------------------------------------------------------
class LinalgVectorNormBackward0(Node):
    """PyTorch's ``norm_backward`` for p = 0, 1, 2, inf, p < 1, p < 2 and p >= 2."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        return (_norm_backward(grad, x, self.saved_output, self.p, self.dims, self.keepdim),)


def _norm_backward(grad, x, norm, p, dims, keepdim):
    """PyTorch's ``norm_backward``, case by case (None for p = 0: it defines no gradient)."""
    if p == 0:
        return None
    if not keepdim and x.ndim:
        shape = tuple(x.shape)
        grad = _expand_back(grad, shape, dims, False)
        norm = _expand_back(norm, shape, dims, False)
    if p == 1:
        return x.sgn() * grad
    if p == 2:
        return grad * (x / norm).masked_fill(norm == 0, 0)
    if math.isinf(p):
        is_eq = ((x.abs() == norm) | (x.isnan() & norm.isnan())).to(norm.dtype)
        count = is_eq.sum(dims, keepdim=True) if x.ndim else is_eq
        return x.sgn() * is_eq * (grad / count)
    if p < 1:
        scaled = x.sgn() * x.abs().pow(p - 1).masked_fill(x == 0, 0)
        return scaled * (grad * norm.pow(1 - p))
    scale = (grad / norm.pow(p - 1)).masked_fill(norm == 0, 0)
    if p < 2:
        return x.sgn() * x.abs().pow(p - 1) * scale
    return x * x.abs().pow(p - 2) * scale


def _vector_norm_array(a: np.ndarray, p: float, axes, keepdim: bool) -> np.ndarray:
    """``linalg.vector_norm`` of |x| (``a``) on arrays."""
    if p == 2:
        return np.sqrt(np.add.reduce(a * a, axis=axes, keepdims=keepdim))
    if p == 1:
        return np.add.reduce(a, axis=axes, keepdims=keepdim)
    if p == math.inf:
        return np.max(a, axis=axes, keepdims=keepdim)
    if p == -math.inf:
        return np.min(a, axis=axes, keepdims=keepdim)
    if p == 0:
        return np.add.reduce((a != 0).astype(a.dtype), axis=axes, keepdims=keepdim)
    with np.errstate(divide="ignore"):
        return np.add.reduce(a**p, axis=axes, keepdims=keepdim) ** (1.0 / p)


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """``torch.norm``: vector p-norms (p = 2 default, 'fro', inf, -inf, 0, any float) and 'nuc'."""
    if dtype is not None:
        input = input.to(dtype)
    if isinstance(dim, int):
        dim = (dim,)
    if p == "nuc":
        return wrap(np.asarray(np.linalg.norm(input._data, "nuc"), input._data.dtype))
    p = 2.0 if p in ("fro", None) else float(p)
    return _vector_norm(input, p, dim, keepdim)


def _vector_norm(input: Tensor, p: float, dim, keepdim: bool) -> Tensor:
    x = input._data
    if x.dtype.kind not in "fcV":
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
            f"{input.dtype._legacy}"
        )
    dims = _dims(dim, x.ndim)
    if p < 0 or math.isinf(p):  # no identity: empty reductions are refused
        if dim is None and x.size == 0:
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {_p_name(p)} norm on an empty tensor "
                "because the operation does not have an identity"
            )
        for d in dims:
            if x.ndim and x.shape[d] == 0:
                raise RuntimeError(
                    f"linalg.vector_norm cannot compute the {_p_name(p)} norm on the dimension "
                    f"{d}because this dimension is empty and the operation does not have an identity"
                )
    a = np.abs(_accumulator(x))
    r = _vector_norm_array(a, p, _axes(x, dims), keepdim)
    real = x.real.dtype if x.dtype.kind == "c" else x.dtype
    r = np.asarray(r).astype(real, copy=False)
    return finish(
        LinalgVectorNormBackward0, r, (input,), save=(input,), save_output=True,
        p=p, dims=dims, keepdim=keepdim,
    )  # fmt: skip


def _p_name(p: float) -> str:
    return f"{p:g}"  # as C++ prints a double: -1, 0.5, inf


class DistBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        g = _norm_backward(grad, a - b, self.saved_output, self.p, (), False)
        if g is None:
            return None, None
        return g, -g


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """``torch.dist``: the p-norm of ``input - other`` (broadcast)."""
    from .arithmetic import sub

    with grad_mode.no_grad():
        diff = sub(input, other)
    r = _vector_norm(diff, float(p), None, False)._data
    return finish(DistBackward0, r, (input, other), save=(input, other), save_output=True,
                  p=float(p))  # fmt: skip


class LogsumexpBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        shape = self.input_meta[0][0]
        out = _expand_back(self.saved_output, shape, self.dims, self.keepdim)
        return (_expand_back(grad, shape, self.dims, self.keepdim) * (x - out).exp(),)


_REQUIRED = object()


def logsumexp(input: Tensor, dim=_REQUIRED, keepdim: bool = False, *, out=None) -> Tensor:
    """``torch.logsumexp``: log(sum(exp(x))) along ``dim``, shifted by the max for stability."""
    if dim is _REQUIRED:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    x = input._data
    if x.dtype.kind in "biu":
        x = x.astype(_dtype.get_default_dtype().np)
    dims = _dims(dim, x.ndim)
    axes = _axes(x, dims)
    acc = _accumulator(x)
    if acc.size:
        m = np.max(acc, axis=axes, keepdims=True)
        m = np.where(np.isinf(m), 0, m)  # all -inf (or an inf) must not give NaN from inf - inf
    else:
        m = np.zeros((1,) * acc.ndim, acc.dtype)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = np.log(np.add.reduce(np.exp(acc - m), axis=axes, keepdims=True)) + m
    if not keepdim and x.ndim:
        r = np.squeeze(r, axes)
    elif not x.ndim:
        r = r.reshape(())
    res = finish(
        LogsumexpBackward0, np.asarray(r).astype(x.dtype, copy=False), (input,), save=(input,),
        save_output=True, dims=dims, keepdim=keepdim,
    )  # fmt: skip
    return write_out(res, out, "logsumexp") if out is not None else res


# --- cumulative --------------------------------------------------------------------------------------------
class CumsumBackward0(Node):
    def backward(self, grad):
        if grad.ndim == 0:
            return (grad,)
        return (grad.flip(self.dim).cumsum(self.dim).flip(self.dim),)


def cumsum(input: Tensor, dim: int, *, dtype=None, out=None) -> Tensor:
    """``torch.cumsum`` (integers accumulate in int64)."""
    x = input._data
    d = _sum_dtype(input, dtype)
    if d is not None and x.dtype != d.np:
        x = x.astype(d.np)
    axis = wrap_dim(dim, x.ndim)
    r = np.cumsum(_accumulator(x), axis=axis).astype(x.dtype, copy=False) if x.ndim else x.copy()
    res = finish(CumsumBackward0, r, (input,), dim=axis)
    return write_out(res, out, "cumsum") if out is not None else res


class CumprodBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        d = self.dim
        if x.ndim == 0 or x.numel() == 0:
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


def cumprod(input: Tensor, dim: int, *, dtype=None, out=None) -> Tensor:
    """``torch.cumprod`` (integers accumulate in int64)."""
    x = input._data
    d = _sum_dtype(input, dtype)
    if d is not None and x.dtype != d.np:
        x = x.astype(d.np)
    axis = wrap_dim(dim, x.ndim)
    r = np.cumprod(_accumulator(x), axis=axis).astype(x.dtype, copy=False) if x.ndim else x.copy()
    res = finish(CumprodBackward0, r, (input,), save=(input,), save_output=True, dim=axis)
    return write_out(res, out, "cumprod") if out is not None else res


class CummaxBackward0(Node):
    def backward(self, grad, _indices_grad=None):
        shape = self.input_meta[0][0]
        if len(shape) == 0:
            return (grad,)
        from .creation import zeros

        return (zeros(shape, dtype=grad.dtype).scatter_add(self.dim, self.indices, grad),)


CumminBackward0 = type("CumminBackward0", (CummaxBackward0,), {"__module__": __name__})


def _cum_ext(input: Tensor, dim: int, is_max: bool, name: str):
    """cummax/cummin: the running extreme and the *last* index reaching it (a NaN sticks)."""
    x = input._data
    d = wrap_dim(dim, x.ndim)
    node = CummaxBackward0 if is_max else CumminBackward0
    if x.ndim == 0:
        indices = wrap(np.zeros((), np.int64))
        return _named(name)(finish(node, x.copy(), (input,), dim=d, indices=indices), indices)
    acc = (np.maximum if is_max else np.minimum).accumulate(x, axis=d) if x.size else x.copy()
    pos = np.arange(x.shape[d]).reshape([-1 if i == d else 1 for i in range(x.ndim)])
    reached = x == acc
    if x.dtype.kind in "fV":
        reached |= np.isnan(x)
    hit = np.where(reached, pos, 0)
    idx = np.maximum.accumulate(hit, axis=d) if x.size else hit
    indices = wrap(idx.astype(np.int64))
    values = finish(node, acc, (input,), dim=d, indices=indices)
    return _named(name)(values, indices)


def cummax(input: Tensor, dim: int):
    """``torch.cummax``: ``(values, indices)``."""
    return _cum_ext(input, dim, True, "cummax")


def cummin(input: Tensor, dim: int):
    """``torch.cummin``."""
    return _cum_ext(input, dim, False, "cummin")


class LogcumsumexpBackward0(Node):
    """PyTorch's (TensorFlow's) log-space formula: positive and negative gradients separately."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        out = self.saved_output
        d = self.dim
        if x.ndim == 0:
            return (grad,)
        from .pointwise import where

        lowest = float(_dtype.finfo(grad.dtype).min)
        log_abs = grad.abs().log()
        log_pos = where(grad > 0, log_abs, lowest)
        log_neg = where(grad < 0, log_abs, lowest)

        def reverse_logcumsumexp(t):
            return t.flip(d).logcumsumexp(d).flip(d)

        pos = (reverse_logcumsumexp(log_pos - out) + x).exp()
        neg = (reverse_logcumsumexp(log_neg - out) + x).exp()
        return (pos - neg,)


def logcumsumexp(input: Tensor, dim: int, *, out=None) -> Tensor:
    """``torch.logcumsumexp``: log(cumsum(exp(x))) along ``dim``, stably."""
    x = input._data
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        r = x.copy()
    else:
        acc = _accumulator(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            r = np.logaddexp.accumulate(acc, axis=d) if acc.size else acc.copy()
        r = r.astype(x.dtype, copy=False)
    res = finish(LogcumsumexpBackward0, r, (input,), save=(input,), save_output=True, dim=d)
    return write_out(res, out, "logcumsumexp") if out is not None else res


# --- logical reductions ------------------------------------------------------------------------------------
def _logical_reduction(ufunc, input: Tensor, dim, keepdim: bool) -> Tensor:
    x = input._data
    axes = None if dim is None else _axes(x, _dims(dim, x.ndim))
    r = np.asarray(ufunc(x, axis=axes, keepdims=keepdim))
    return wrap(r.astype(np.uint8) if x.dtype == np.uint8 else r)


def all(input: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:
    """``torch.all`` (bool result; uint8 inputs keep uint8, as in PyTorch)."""
    res = _logical_reduction(np.all, input, dim, keepdim)
    return write_out(res, out, "all") if out is not None else res


def any(input: Tensor, dim=None, keepdim: bool = False, *, out=None) -> Tensor:
    """``torch.any``."""
    res = _logical_reduction(np.any, input, dim, keepdim)
    return write_out(res, out, "any") if out is not None else res


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """``torch.allclose``: ``isclose(...).all()`` as a Python bool."""
    from .pointwise import isclose

    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """``torch.equal``: same shape and same values (dtypes may differ; NaN is never equal)."""
    if input._data.shape != other._data.shape:
        return False
    return bool(np.array_equal(input._data, other._data))


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """``torch.count_nonzero`` (int64)."""
    x = input._data
    axes = None if dim is None else _axes(x, _dims(dim, x.ndim))
    return wrap(np.asarray(np.count_nonzero(x, axis=axes), np.int64))


# --- order statistics --------------------------------------------------------------------------------------
# NOTE [ Ties in selection ]: PyTorch's sort is stable on CPU, so sort/argsort indices match exactly.
# kthvalue, median(dim) and topk select with std::nth_element / partial sorts whose choice among
# equal values is an implementation detail; here they pick by stable order (values always match).
class SortBackward0(Node):
    def backward(self, grad, _indices_grad=None):
        shape, _ = self.input_meta[0]
        if len(shape) == 0:
            return (grad,)
        from .creation import zeros

        return (zeros(shape, dtype=grad.dtype).scatter(self.dim, self.indices, grad),)


TopkBackward0 = type("TopkBackward0", (SortBackward0,), {"__module__": __name__})


def _sort_indices(x: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable argsort; NaN sorts as the largest value (last, or first when descending)."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    # stable descending: sort the reversed array ascending, reverse back, map the indices
    n = x.shape[axis]
    rev = np.flip(x, axis)
    order = np.flip(np.argsort(rev, axis=axis, kind="stable"), axis)
    return (n - 1) - order


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False, *, out=None):
    """``torch.sort``: ``(values, indices)``; stable (PyTorch's CPU sort is), NaN the largest."""
    if isinstance(dim, bool):  # sort(input, stable, dim, descending) keyword forms
        dim = -1
    x = input._data
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        indices = wrap(np.zeros((), np.int64))
        values = finish(SortBackward0, x.copy(), (input,), dim=d, indices=indices)
    else:
        idx = _sort_indices(x, d, descending)
        indices = wrap(idx.astype(np.int64))
        values = finish(
            SortBackward0, np.take_along_axis(x, idx, d), (input,), dim=d, indices=indices
        )
    return _named("sort")(values, indices)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """``torch.argsort``."""
    return sort(input, dim, descending, stable).indices


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """``torch.topk``: the ``k`` largest (or smallest) values along ``dim``, sorted."""
    x = input._data
    if x.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU")
    d = wrap_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if k > n or k < 0:
        raise RuntimeError("selected index k out of range")
    if x.ndim == 0:
        indices = wrap(np.zeros((), np.int64))
        return _named("topk")(
            finish(TopkBackward0, x.copy(), (input,), dim=d, indices=indices), indices
        )
    idx = np.take(_sort_indices(x, d, descending=largest), np.arange(k), axis=d)
    indices = wrap(idx.astype(np.int64))
    values = finish(TopkBackward0, np.take_along_axis(x, idx, d), (input,), dim=d, indices=indices)
    return _named("topk")(values, indices)


def _kth(input: Tensor, k: int, dim, keepdim: bool, name: str, node_cls, skip_nan=False):
    """The k-th smallest (1-based) along ``dim`` as (values, indices), NaN sorting last."""
    x = input._data
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        if k != 1:
            raise IndexError(f"{name}(): selected number k out of range for dimension 0")
        indices = wrap(np.zeros((), np.int64))
        return _named(name)(finish(node_cls, x.copy(), (input,), dim=d, keepdim=keepdim,
                                   indices=indices), indices)  # fmt: skip
    _check_nonempty(name, x, (d,), False)
    order = _sort_indices(x, d, False)
    idx = np.take(order, k - 1, axis=d) if isinstance(k, int) else np.take_along_axis(
        order, np.expand_dims(k - 1, d), d).squeeze(d)  # fmt: skip
    return _select_along(input, idx, d, keepdim, node_cls, name)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """``torch.kthvalue``: the k-th smallest along ``dim`` (NOTE [ Ties in selection ])."""
    _check_not_bool(input, "kthvalue_cpu")
    n = input._data.shape[wrap_dim(dim, input._data.ndim)] if input._data.ndim else 1
    if input._data.ndim and n and not 1 <= k <= n:
        raise RuntimeError(
            f"kthvalue(): selected number k out of range for dimension {wrap_dim(dim, input.ndim)}"
        )
    return _kth(input, k, dim, keepdim, "kthvalue", KthvalueBackward0)


def _check_not_bool(input: Tensor, kernel: str) -> None:
    if input._data.dtype.kind == "b":
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def median(input: Tensor, dim=None, keepdim: bool = False):
    """``torch.median``: the lower median (no averaging); NaN if any element is NaN."""
    _check_not_bool(input, "median_cpu" if dim is None else "median_out")
    x = input._data
    if dim is None:
        flat = np.sort(x.reshape(-1), kind="stable")
        if flat.size == 0:
            r = np.asarray(np.nan, x.dtype) if x.dtype.kind in "fV" else np.zeros((), x.dtype)
        else:
            r = np.asarray(flat[(flat.size - 1) // 2])
            if x.dtype.kind in "fV" and np.isnan(flat[-1]):
                r = np.asarray(np.nan, x.dtype)
        return finish(MedianBackward0, r, (input,), save=(input,), save_output=True)
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return _kth(input, 1, d, keepdim, "median", MedianBackward1)
    _check_nonempty("median", x, (d,), False)
    n = x.shape[d]
    order = _sort_indices(x, d, False)
    idx = np.take(order, (n - 1) // 2, axis=d)
    if x.dtype.kind in "fV":  # a NaN anywhere along dim: the result is NaN at its first index
        nan = np.isnan(x)
        idx = np.where(nan.any(axis=d), np.argmax(nan, axis=d), idx)
    return _select_along(input, idx, d, keepdim, MedianBackward1, "median")


def nanmedian(input: Tensor, dim=None, keepdim: bool = False):
    """``torch.nanmedian``: the lower median of the non-NaN values."""
    _check_not_bool(input, "median_cpu")
    x = input._data
    if x.dtype.kind not in "fV":
        return median(input, dim, keepdim) if dim is None else _named("nanmedian")(
            *median(input, dim, keepdim))  # fmt: skip
    valid = np.sum(~np.isnan(x), axis=None if dim is None else wrap_dim(dim, x.ndim))
    if dim is None:
        flat = np.sort(x.reshape(-1), kind="stable")  # NaN last
        r = flat[(valid - 1) // 2] if valid else np.asarray(np.nan, x.dtype)
        return finish(NanmedianBackward0, np.asarray(r), (input,), save=(input,), save_output=True)
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return _kth(input, 1, d, keepdim, "nanmedian", NanmedianBackward1)
    _check_nonempty("nanmedian", x, (d,), False)
    order = _sort_indices(x, d, False)
    pos = np.maximum((valid - 1) // 2, 0)
    idx = np.take_along_axis(order, np.expand_dims(pos, d), d).squeeze(d)
    return _select_along(input, idx, d, keepdim, NanmedianBackward1, "nanmedian")


def mode(input: Tensor, dim: int = -1, keepdim: bool = False):
    """``torch.mode``: the most frequent value along ``dim`` (the smallest on ties) and the index
    of its last occurrence."""
    x = input._data
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return _kth(input, 1, d, keepdim, "mode", ModeBackward0)
    moved = np.moveaxis(x, d, -1)
    flat = moved.reshape(-1, moved.shape[-1])
    idxs = np.empty(flat.shape[0], np.int64)
    for r, row in enumerate(flat):
        values, counts = np.unique(row, return_counts=True)
        value = values[np.argmax(counts)]
        idxs[r] = np.nonzero(row == value)[0][-1]
    return _select_along(input, idxs.reshape(moved.shape[:-1]), d, keepdim, ModeBackward0, "mode")


def _undifferentiable(name: str, op: str):
    return type(name, (NotDifferentiable,), {
        "op": op, "message": "the derivative for '{op}' is not implemented.", "__module__": __name__,
        "error": NotImplementedError,
    })  # fmt: skip


Unique2Backward0 = _undifferentiable("Unique2Backward0", "_unique2")
UniqueDimBackward0 = _undifferentiable("UniqueDimBackward0", "unique_dim")
UniqueConsecutiveBackward0 = _undifferentiable("UniqueConsecutiveBackward0", "unique_consecutive")


def unique(
    input: Tensor,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim=None,
):
    """``torch.unique``: sorted unique values (or slices along ``dim``), optionally the inverse
    indices and the counts."""
    x = input._data
    if dim is None:
        u, inv, cnt = np.unique(x.reshape(-1), return_inverse=True, return_counts=True)
        inv = inv.reshape(x.shape)
        node = Unique2Backward0
    else:
        d = wrap_dim(dim, x.ndim)
        u, inv, cnt = np.unique(x, return_inverse=True, return_counts=True, axis=d)
        inv = inv.reshape(-1)
        node = UniqueDimBackward0
    out = [finish(node, u, (input,))]
    if return_inverse:
        out.append(wrap(inv.astype(np.int64)))
    if return_counts:
        out.append(wrap(cnt.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(
    input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim=None
):
    """``torch.unique_consecutive``: collapse runs of equal values (or slices along ``dim``)."""
    x = input._data
    d = 0 if dim is None else wrap_dim(dim, x.ndim)
    rows = x.reshape(-1, 1) if dim is None else np.moveaxis(x, d, 0).reshape(x.shape[d], -1)
    n = rows.shape[0]
    keep = np.ones(n, bool)
    if n > 1:
        keep[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    if dim is None:
        u = x.reshape(-1)[keep]
    else:
        u = np.take(x, np.nonzero(keep)[0], axis=d)
    out = [finish(UniqueConsecutiveBackward0, u, (input,))]
    if return_inverse:
        inv = np.cumsum(keep) - 1
        out.append(wrap((inv.reshape(x.shape) if dim is None else inv).astype(np.int64)))
    if return_counts:
        starts = np.nonzero(keep)[0]
        out.append(wrap(np.diff(np.append(starts, n)).astype(np.int64)))
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
        raise NotImplementedError(
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


class TraceBackward0(Node):
    def backward(self, grad):
        shape, dtype = self.input_meta[0]
        from .creation import zeros

        g = zeros(shape, dtype=grad.dtype)
        n = builtins.min(shape)
        g._data[np.arange(n), np.arange(n)] = 1
        return (g * grad,)


def trace(input: Tensor) -> Tensor:
    """``torch.trace``: the sum of a matrix's main diagonal."""
    x = input._data
    if x.ndim != 2:
        raise RuntimeError("trace: expected a matrix, but got tensor with dim " + str(x.ndim))
    d = _sum_dtype(input, None)
    r = np.asarray(np.trace(x, dtype=None if d is None else d.np))
    return finish(TraceBackward0, r, (input,))


for _name in __all__:
    setattr(Tensor, _name, globals()[_name])
