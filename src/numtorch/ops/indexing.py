"""Indexing: ``t[...]``, ``t[...] = v``, ``gather scatter index_select masked_fill nonzero ...``.

Basic indices (ints, slices, None, ``...``) give views; tensors, lists and bool masks give copies —
as in PyTorch, whose rules here are NumPy's.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor, wrap_dim
from ..autograd import grad_mode
from ..autograd.graph import Node, record
from ._base import check_inplace, finish, inplace, wrap

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "masked_fill",
           "masked_select", "masked_scatter", "nonzero", "argwhere", "take", "take_along_dim",
           "index_add", "index_copy", "index_fill", "index_put", "select", "select_scatter",
           "slice_scatter", "diagonal_scatter"]  # fmt: skip


# --- converting an index -----------------------------------------------------------------------------------
def _convert_index(index):
    """A PyTorch index as a NumPy index, and whether it is basic (so the result is a view)."""
    if not isinstance(index, tuple):
        index = (index,)
    out, basic = [], True
    for i in index:
        if isinstance(i, Tensor):
            arr = i._data
            if arr.dtype.kind not in "biu":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if arr.dtype == np.uint8:
                arr = arr.astype(bool)
            if arr.ndim == 0 and arr.dtype.kind in "iu":
                out.append(int(arr))
                continue
            out.append(arr)
            basic = False
        elif isinstance(i, slice):
            step = i.step
            if isinstance(step, Tensor):
                step = int(step)
            if step is not None and step <= 0:
                raise ValueError("step must be greater than zero")
            out.append(slice(_int_or_none(i.start), _int_or_none(i.stop), step))
        elif isinstance(i, (list, tuple)):
            arr = np.asarray([int(v) if isinstance(v, Tensor) else v for v in i])
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(arr if arr.size else arr.astype(np.int64))
            basic = False
        elif isinstance(i, bool):
            out.append(np.asarray(i))
            basic = False
        elif isinstance(i, int) or i is None or i is Ellipsis:
            out.append(i)
        elif hasattr(i, "__index__"):
            out.append(i.__index__())
        elif isinstance(i, np.ndarray):
            out.append(i)
            basic = False
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got "
                f"{type(i).__name__})"
            )
    return tuple(out), basic


def _int_or_none(v):
    return int(v) if isinstance(v, Tensor) else v


def _check_bounds(x: np.ndarray, index: tuple) -> None:
    dim = 0
    for i in index:
        if i is None:
            continue
        if i is Ellipsis:
            dim = (
                x.ndim
                - sum(
                    1
                    for j in index
                    if j is not None
                    and j is not Ellipsis
                    and not (isinstance(j, np.ndarray) and j.dtype == bool)
                )
                + dim
            )
            continue
        if isinstance(i, int) and not isinstance(i, bool):
            if dim >= x.ndim:
                raise IndexError(f"too many indices for tensor of dimension {x.ndim}")
            n = x.shape[dim]
            if i >= n or i < -n:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {n}")
        elif isinstance(i, np.ndarray) and i.dtype.kind in "iu" and i.size and dim < x.ndim:
            n = x.shape[dim]
            bad = i[(i >= n) | (i < -n)]
            if bad.size:
                raise IndexError(
                    f"index {int(bad.flat[0])} is out of bounds for dimension {dim} with size {n}"
                )
        dim += i.ndim if isinstance(i, np.ndarray) and i.dtype == bool else 1


# --- getitem --------------------------------------------------------------------------------------------
class SelectBackward0(Node):
    def backward(self, grad):
        shape, dtype = self.input_meta[0]
        from .creation import zeros

        return (index_put(zeros(shape, dtype=grad.dtype), self.index, grad, accumulate=False),)


SliceBackward0 = type("SliceBackward0", (SelectBackward0,), {})
AliasBackward0 = type("AliasBackward0", (SelectBackward0,), {})


class IndexBackward0(Node):
    def backward(self, grad):
        shape, dtype = self.input_meta[0]
        from .creation import zeros

        return (index_put(zeros(shape, dtype=grad.dtype), self.index, grad, accumulate=True),)


def _getitem(self: Tensor, index) -> Tensor:
    idx, basic = _convert_index(index)
    x = self._data
    try:
        if basic:
            _check_bounds(x, idx)
            v = x[idx]
            out = self._view_of(
                v
                if type(v) is np.ndarray
                else x[idx + (Ellipsis,)]
                if Ellipsis not in idx
                else np.asarray(v)
            )
            if grad_mode.enabled and self._requires_grad:
                has_int = any(isinstance(i, int) for i in idx)
                node = (
                    SelectBackward0
                    if has_int
                    else SliceBackward0
                    if any(isinstance(i, slice) for i in idx)
                    else AliasBackward0
                )()
                node.index = idx
                record(node, (out,), (self,))
            return out
        _check_bounds(x, idx)
        return finish(IndexBackward0, x[idx], (self,), index=idx)
    except IndexError as e:
        msg = str(e)
        if "too many indices" in msg:
            raise IndexError(f"too many indices for tensor of dimension {x.ndim}") from None
        if "boolean index did not match" in msg:
            raise IndexError(_mask_mismatch(x, idx)) from None
        raise


def _mask_mismatch(x, idx) -> str:
    for dim, i in enumerate(idx):
        if isinstance(i, np.ndarray) and i.dtype == bool:
            for k, (a, b) in enumerate(zip(i.shape, x.shape[dim:])):
                if a != b:
                    return f"The shape of the mask [{', '.join(map(str, i.shape))}] at index {k} does not match the shape of the indexed tensor [{', '.join(map(str, x.shape))}] at index {dim + k}"
    return "shape mismatch in mask index"


Tensor.__getitem__ = _getitem


# --- index_put / setitem ------------------------------------------------------------------------------------
class IndexPutBackward0(Node):
    def backward(self, grad):
        g_self = None
        if self.next_functions[0][0] is not None:
            g_self = (
                grad
                if self.accumulate
                else index_put(grad, self.index, grad.new_zeros(()), accumulate=False)
            )
        g_values = None
        if self.next_functions[1][0] is not None:
            g_values = grad[self.index]
            vshape = self.input_meta[1][0]
            if tuple(g_values.shape) != tuple(vshape):
                from ..autograd.engine import _sum_to

                g_values = (
                    _sum_to(g_values, tuple(vshape))
                    if len(vshape) <= g_values.ndim
                    else g_values.reshape(vshape)
                )
        return g_self, g_values


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """``torch.index_put`` (out of place): a copy of ``input`` with ``values`` written at ``indices``."""
    idx = (
        indices
        if isinstance(indices, tuple) and not any(isinstance(i, Tensor) for i in indices)
        else _convert_index(indices)[0]
    )
    out = input._data.copy()
    v = values._data if isinstance(values, Tensor) else values
    if isinstance(v, np.ndarray) and v.dtype != out.dtype:
        v = v.astype(out.dtype)
    if accumulate:
        np.add.at(out, idx, v)
    else:
        out[idx] = v
    vt = values if isinstance(values, Tensor) else None
    return finish(IndexPutBackward0, out, (input, vt), index=idx, accumulate=accumulate)


def _setitem(self: Tensor, index, value) -> None:
    check_inplace(self)
    idx, _ = _convert_index(index)
    _check_bounds(self._data, idx)
    recording = grad_mode.enabled and (
        self._requires_grad or isinstance(value, Tensor) and value._requires_grad
    )
    if recording:
        from ._base import _snapshot, rebase_history

        result = index_put(_snapshot(self), idx, value)
        self._data[...] = result._data
        self._version[0] += 1
        rebase_history(self, result)
        return
    v = value._data if isinstance(value, Tensor) else value
    if isinstance(v, (list, tuple)):
        v = np.asarray(v)
    try:
        self._data[idx] = v
    except ValueError as e:
        if isinstance(v, np.ndarray):
            target = self._data[idx].shape
            raise RuntimeError(
                f"shape mismatch: value tensor of shape [{', '.join(map(str, v.shape))}] cannot be broadcast to indexing result of shape [{', '.join(map(str, target))}]"
            ) from None
        raise RuntimeError(str(e)) from None
    self._version[0] += 1


Tensor.__setitem__ = _setitem
Tensor.index_put = index_put
Tensor.index_put_ = lambda self, indices, values, accumulate=False: _index_put_(
    self, indices, values, accumulate
)


def _index_put_(self, indices, values, accumulate):
    if accumulate:
        check_inplace(self)
        idx, _ = _convert_index(indices)
        np.add.at(self._data, idx, values._data)
        self._version[0] += 1
        return self
    self[indices] = values
    return self


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """``torch.select``: a view of one slice along ``dim``."""
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    if index < -n or index >= n:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at dimension {d}"
        )
    return input[(slice(None),) * d + (index,)]


Tensor.select = select


# --- gather / scatter ------------------------------------------------------------------------------------------
def _index_grid(index: np.ndarray, dim: int):
    """Full coordinates for scatter/gather: ``index`` along ``dim``, positions elsewhere."""
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


def _check_index(input: Tensor, index: Tensor, name: str):
    if not isinstance(index, Tensor) or index.dtype is not _dtype.int64:
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")
    if index.ndim != input.ndim and not (index.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError(
            f"Index tensor must have the same number of dimensions as {'input' if name == 'gather' else 'self'} tensor"
        )


class GatherBackward0(Node):
    def backward(self, grad):
        shape, _ = self.input_meta[0]
        from .creation import zeros

        return (zeros(shape, dtype=grad.dtype).scatter_add(self.dim, self.index, grad),)


def gather(
    input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out=None
) -> Tensor:
    """``torch.gather``: out[i][j] = input[index[i][j]][j] (for dim 0)."""
    _check_index(input, index, "gather")
    d = wrap_dim(dim, input.ndim)
    idx = index._data
    x = input._data
    if idx.size and ((idx < -x.shape[d]) | (idx >= x.shape[d])).any():
        bad = int(idx[(idx < -x.shape[d]) | (idx >= x.shape[d])][0])
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {x.shape[d]}")
    r = x[_index_grid(idx, d)] if x.ndim else x.copy()
    return finish(GatherBackward0, r, (input,), dim=d, index=index)


class ScatterBackward0(Node):  # scatter with a src tensor
    def backward(self, grad):
        g_self = (
            grad.scatter(self.dim, self.index, 0) if self.next_functions[0][0] is not None else None
        )
        g_src = grad.gather(self.dim, self.index) if self.next_functions[1][0] is not None else None
        return g_self, g_src


class ScatterBackward1(Node):  # scatter with a value
    def backward(self, grad):
        return (grad.scatter(self.dim, self.index, 0),)


class ScatterAddBackward0(Node):
    def backward(self, grad):
        g_src = grad.gather(self.dim, self.index) if self.next_functions[1][0] is not None else None
        return grad, g_src


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None) -> Tensor:
    """``torch.scatter``: a copy of ``input`` with ``src`` (or ``value``) written at ``index`` along ``dim``."""
    if src is None and value is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    if src is not None and not isinstance(src, Tensor):
        value, src = src, None
    _check_index(input, index, "scatter")
    d = wrap_dim(dim, input.ndim)
    out = input._data.copy()
    idx = index._data
    if idx.ndim == 0 and out.ndim == 1:  # a 0-dim index addresses one element (the notes' one-hot Lambda)
        idx = idx.reshape(1)
    if idx.size and ((idx < -out.shape[d]) | (idx >= out.shape[d])).any() if out.ndim else False:
        bad = int(idx[(idx < -out.shape[d]) | (idx >= out.shape[d])][0])
        raise RuntimeError(
            f"index {bad} is out of bounds for dimension {d} with size {out.shape[d]}"
        )
    grid = _index_grid(idx, d) if out.ndim else ()
    if src is not None:
        s = src._data[tuple(slice(0, n) for n in idx.shape)] if src.ndim else src._data
        s = s.astype(out.dtype, copy=False)
    else:
        s = value._data if isinstance(value, Tensor) else value
    if out.ndim == 0:
        out[...] = s
    elif reduce == "add":
        np.add.at(out, grid, s)
    elif reduce == "multiply":
        np.multiply.at(out, grid, s)
    else:
        out[grid] = s
    if src is not None:
        return finish(ScatterBackward0, out, (input, src), dim=d, index=index)
    return finish(ScatterBackward1, out, (input,), dim=d, index=index)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``torch.scatter_add``: sums ``src`` into a copy of ``input`` at ``index`` along ``dim``."""
    _check_index(input, index, "scatter_add")
    d = wrap_dim(dim, input.ndim)
    out = input._data.copy()
    idx = index._data
    s = src._data[tuple(slice(0, n) for n in idx.shape)].astype(out.dtype, copy=False)
    np.add.at(out, _index_grid(idx, d), s)
    return finish(ScatterAddBackward0, out, (input, src), dim=d, index=index)


def scatter_reduce(
    input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True
) -> Tensor:
    """``torch.scatter_reduce`` ('sum', 'prod', 'mean', 'amax', 'amin'; no autograd)."""
    d = wrap_dim(dim, input.ndim)
    out = input._data.copy()
    grid = _index_grid(index._data, d)
    s = src._data[tuple(slice(0, n) for n in index.shape)].astype(out.dtype, copy=False)
    ufunc = {
        "sum": np.add,
        "prod": np.multiply,
        "amax": np.maximum,
        "amin": np.minimum,
        "mean": np.add,
    }[reduce]
    if not include_self:
        touched = np.zeros(out.shape, bool)
        touched[grid] = True
        identity = {"sum": 0, "mean": 0, "prod": 1, "amax": -np.inf, "amin": np.inf}[reduce]
        out[touched] = (
            identity
            if out.dtype.kind == "f"
            else np.iinfo(out.dtype).min
            if reduce == "amax"
            else np.iinfo(out.dtype).max
            if reduce == "amin"
            else identity
        )
    ufunc.at(out, grid, s)
    if reduce == "mean":
        count = np.full(out.shape, 1 if include_self else 0, np.int64)
        np.add.at(count, grid, 1)
        out = out / np.maximum(count, 1) if out.dtype.kind == "f" else out // np.maximum(count, 1)
        out = out.astype(input._data.dtype)
    return wrap(out)


for _name in ("scatter", "scatter_add", "scatter_reduce"):
    setattr(Tensor, _name, globals()[_name])
    setattr(Tensor, _name + "_", inplace(globals()[_name], _name + "_"))
Tensor.gather = gather


class IndexSelectBackward0(Node):
    def backward(self, grad):
        shape, _ = self.input_meta[0]
        from .creation import zeros

        return (zeros(shape, dtype=grad.dtype).index_add(self.dim, self.index, grad),)


def index_select(input: Tensor, dim: int, index: Tensor, *, out=None) -> Tensor:
    """``torch.index_select``: the slices at ``index`` (1-D) along ``dim`` (a copy)."""
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    d = wrap_dim(dim, input.ndim)
    x = input._data
    idx = index._data.reshape(-1)
    n = x.shape[d] if x.ndim else 1
    if idx.size and ((idx < 0) | (idx >= n)).any():
        raise IndexError("index out of range in self")
    r = np.take(x, idx, axis=d) if x.ndim else x.reshape(1)[idx].reshape(())
    return finish(IndexSelectBackward0, r, (input,), dim=d, index=index.reshape(-1))


class IndexAddBackward0(Node):
    def backward(self, grad):
        g_src = (
            grad.index_select(self.dim, self.index) * self.alpha
            if self.next_functions[1][0] is not None
            else None
        )
        return grad, g_src


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """``torch.index_add``: a copy of ``input`` with ``alpha * source`` added at ``index`` along ``dim``."""
    d = wrap_dim(dim, input.ndim)
    out = input._data.copy()
    src = np.moveaxis(source._data * alpha if alpha != 1 else source._data, d, 0)
    np.add.at(np.moveaxis(out, d, 0), index._data, src.astype(out.dtype, copy=False))
    return finish(IndexAddBackward0, out, (input, source), dim=d, index=index, alpha=alpha)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    d = wrap_dim(dim, input.ndim)
    idx = (slice(None),) * d + (index,)
    return index_put(input, _convert_index(idx)[0], source)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    d = wrap_dim(dim, input.ndim)
    idx = (slice(None),) * d + (index,)
    return index_put(
        input,
        _convert_index(idx)[0],
        value if isinstance(value, Tensor) else input.new_tensor(value),
    )


for _name in ("index_add", "index_copy", "index_fill"):
    setattr(Tensor, _name, globals()[_name])
    setattr(Tensor, _name + "_", inplace(globals()[_name], _name + "_"))
Tensor.index_select = index_select


# --- masks -------------------------------------------------------------------------------------------------------
class MaskedFillBackward0(Node):
    def backward(self, grad):
        mask = self.mask
        g = grad.masked_fill(mask, 0)
        g_value = None
        if len(self.next_functions) > 1 and self.next_functions[1][0] is not None:
            g_value = grad.masked_select(
                mask.expand_as(grad) if mask.shape != grad.shape else mask
            ).sum()
        return (g, g_value) if len(self.next_functions) > 1 else (g,)


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``torch.masked_fill``: ``value`` where ``mask`` (broadcast) is True."""
    if not isinstance(mask, Tensor) or mask.dtype is not _dtype.bool_:
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}"
        )
    x = input._data
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {value.ndim} dimension(s)."
            )
        v = value._data.astype(x.dtype)
    else:
        v = value
        if x.dtype.kind in "biu" and isinstance(value, float) and not float(value).is_integer():
            pass
    r = np.where(mask._data, v, x)
    if r.dtype != x.dtype:
        r = r.astype(x.dtype)
    if np.broadcast_shapes(mask.shape, x.shape) != x.shape:
        raise RuntimeError(
            f"The size of tensor a ({x.shape[-1]}) must match the size of tensor b ({mask.shape[-1]}) at non-singleton dimension {x.ndim - 1}"
        )
    if isinstance(value, Tensor):
        return finish(MaskedFillBackward0, r, (input, value), mask=mask)
    return finish(MaskedFillBackward0, r, (input,), mask=mask)


Tensor.masked_fill = masked_fill
Tensor.masked_fill_ = inplace(masked_fill, "masked_fill_")


class MaskedSelectBackward0(Node):
    def backward(self, grad):
        shape, _ = self.input_meta[0]
        from .creation import zeros

        return (zeros(shape, dtype=grad.dtype).masked_scatter(self.mask, grad),)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """``torch.masked_select``: the elements where ``mask`` (broadcast) is True, as a 1-D copy."""
    if mask.dtype is not _dtype.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = np.broadcast_shapes(input.shape, mask.shape)
    x = np.broadcast_to(input._data, shape)
    m = np.broadcast_to(mask._data, shape)
    return finish(MaskedSelectBackward0, x[m], (input,), mask=mask)


class MaskedScatterBackward0(Node):
    def backward(self, grad):
        g_self = grad.masked_fill(self.mask, 0)
        g_src = None
        if self.next_functions[1][0] is not None:
            n = int(self.mask._data.sum())
            sel = grad.masked_select(self.mask)
            shape, _ = self.input_meta[1]
            size = int(np.prod(shape))
            from .creation import zeros
            from .shape import cat

            flat = cat([sel, zeros(size - n, dtype=grad.dtype)]) if size > n else sel
            g_src = flat.reshape(shape)
        return g_self, g_src


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``torch.masked_scatter``: consecutive ``source`` elements written where ``mask`` is True."""
    out = input._data.copy()
    m = np.broadcast_to(mask._data, out.shape)
    n = int(m.sum())
    out[m] = source._data.reshape(-1)[:n]
    return finish(MaskedScatterBackward0, out, (input, source), mask=mask)


Tensor.masked_select = masked_select
Tensor.masked_scatter = masked_scatter
Tensor.masked_scatter_ = inplace(masked_scatter, "masked_scatter_")


def nonzero(input: Tensor, *, as_tuple: bool = False, out=None):
    """``torch.nonzero``: indices of non-zero elements, (n, ndim) int64 or a tuple of 1-D tensors."""
    x = input._data
    if as_tuple:
        if x.ndim == 0:
            return (wrap(np.nonzero(x.reshape(1))[0].astype(np.int64)),)
        return tuple(wrap(i.astype(np.int64)) for i in np.nonzero(x))
    return wrap(np.argwhere(x).astype(np.int64))


def argwhere(input: Tensor) -> Tensor:
    return nonzero(input)


Tensor.nonzero, Tensor.argwhere = nonzero, argwhere


def take(input: Tensor, index: Tensor) -> Tensor:
    """``torch.take``: elements of the flattened input at ``index``."""
    return input.reshape(-1)[index]


def take_along_dim(input: Tensor, indices: Tensor, dim=None) -> Tensor:
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    shape = list(
        np.broadcast_shapes(
            tuple(s if i != wrap_dim(dim, input.ndim) else 1 for i, s in enumerate(input.shape)),
            tuple(s if i != wrap_dim(dim, input.ndim) else 1 for i, s in enumerate(indices.shape)),
        )
    )
    d = wrap_dim(dim, input.ndim)
    ishape = list(shape)
    ishape[d] = input.shape[d]
    jshape = list(shape)
    jshape[d] = indices.shape[d]
    return input.expand(*ishape).gather(d, indices.expand(*jshape))


Tensor.take, Tensor.take_along_dim = take, take_along_dim


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    d = wrap_dim(dim, input.ndim)
    return index_put(input, (slice(None),) * d + (index,), src)


def slice_scatter(
    input: Tensor, src: Tensor, dim: int = 0, start=None, end=None, step: int = 1
) -> Tensor:
    d = wrap_dim(dim, input.ndim)
    return index_put(input, (slice(None),) * d + (slice(start, end, step),), src)


def diagonal_scatter(
    input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1
) -> Tensor:
    n = src.shape[-1]
    rows = np.arange(n) + max(-offset, 0)
    cols = np.arange(n) + max(offset, 0)
    idx = [slice(None)] * input.ndim
    idx[wrap_dim(dim1, input.ndim)] = rows
    idx[wrap_dim(dim2, input.ndim)] = cols
    return index_put(input, tuple(idx), src)


Tensor.select_scatter, Tensor.slice_scatter, Tensor.diagonal_scatter = (
    select_scatter,
    slice_scatter,
    diagonal_scatter,
)
