"""Indexing: ``t[...]``, ``t[...] = v``, ``gather scatter index_select masked_fill nonzero ...``.

Basic indices (ints, slices, None, ``...``) give views; tensors, lists and bool masks give copies —
as in PyTorch, whose rules here are NumPy's.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor, wrap_dim
from ..autograd import grad_mode
from ..autograd.graph import Node, record
from ._base import check_broadcast, check_inplace, cpp_type_name, finish, inplace, wrap

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "masked_fill",
           "masked_select", "masked_scatter", "nonzero", "argwhere", "take", "take_along_dim",
           "index_add", "index_copy", "index_fill", "index_put", "select", "select_scatter",
           "slice_scatter", "diagonal_scatter"]  # fmt: skip


# --- converting an index -----------------------------------------------------------------------------------
_BAD_INDEX = (
    "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
    "indices (got {})"
)


def _convert_index(index):
    """A PyTorch index as a NumPy index, and whether it is basic (so the result is a view)."""
    if not isinstance(index, tuple):
        index = (index,)
    out, basic, ellipsis = [], True, False
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
            step = _int_or_none(i.step)
            if step is not None and step <= 0:
                raise ValueError(
                    "slice step cannot be zero" if step == 0 else "step must be greater than zero"
                )
            out.append(slice(_int_or_none(i.start), _int_or_none(i.stop), step))
        elif isinstance(i, (list, tuple)):
            out.append(_sequence_index(i))
            basic = False
        elif isinstance(i, bool):  # t[True] / t[False]: advanced indexing (a copy), as in PyTorch
            out.append(np.asarray(i))
            basic = False
        elif isinstance(i, int) or i is None:
            out.append(i)
        elif i is Ellipsis:
            if not ellipsis:  # PyTorch accepts (and ignores) a repeated ellipsis
                out.append(i)
            ellipsis = True
        elif isinstance(i, np.ndarray):
            out.append(i)
            basic = False
        elif hasattr(i, "__index__") and not isinstance(i, float):
            out.append(i.__index__())
        elif isinstance(i, str):
            raise TypeError(f"new(): invalid data type '{type(i).__name__}'")
        else:
            raise IndexError(_BAD_INDEX.format(type(i).__name__))
    return tuple(out), basic


def _sequence_index(seq) -> np.ndarray:
    values = [int(v) if isinstance(v, Tensor) else v for v in seq]
    for v in values:
        if isinstance(v, str):
            raise TypeError(f"new(): invalid data type '{type(v).__name__}'")
    arr = np.asarray(values)
    if arr.size == 0:
        return arr.astype(np.int64)
    if arr.dtype.kind not in "biu":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return arr


def _int_or_none(v):
    return int(v) if isinstance(v, Tensor) else v


def _check_bounds(x: np.ndarray, index: tuple) -> None:
    """PyTorch's errors for out-of-range integers, too many indices and mismatched masks."""
    consumed = sum(
        (i.ndim if i.dtype == bool else 1) if isinstance(i, np.ndarray) else 1
        for i in index
        if i is not None and i is not Ellipsis
    )
    if x.ndim == 0 and any(isinstance(i, (int, slice)) for i in index):
        if any(isinstance(i, slice) for i in index):
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        raise IndexError(
            "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
            "in C++ to convert a 0-dim tensor to a number"
        )
    scalar_bools = sum(
        1 for i in index if isinstance(i, np.ndarray) and i.ndim == 0 and i.dtype == bool
    )
    if consumed - scalar_bools > x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim}")
    dim = 0
    for i in index:
        if i is None or isinstance(i, np.ndarray) and i.ndim == 0 and i.dtype == bool:
            continue
        if i is Ellipsis:
            dim += x.ndim - (consumed - scalar_bools)
            continue
        if isinstance(i, int):
            n = x.shape[dim]
            if i >= n or i < -n:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {n}")
        elif isinstance(i, np.ndarray) and i.dtype == bool:
            for k, size in enumerate(i.shape):
                if size != x.shape[dim + k]:
                    raise IndexError(
                        f"The shape of the mask [{', '.join(map(str, i.shape))}] at index {k} does not "
                        f"match the shape of the indexed tensor [{', '.join(map(str, x.shape))}] at "
                        f"index {dim + k}"
                    )
            dim += i.ndim
            continue
        elif isinstance(i, np.ndarray) and i.size:
            n = x.shape[dim]
            bad = i[(i >= n) | (i < -n)]
            if bad.size:
                raise IndexError(
                    f"index {int(bad.flat[0])} is out of bounds for dimension {dim} with size {n}"
                )
        dim += 1
    arrays = [i for i in index if isinstance(i, np.ndarray) and i.dtype != bool]
    if len(arrays) > 1:
        try:
            np.broadcast_shapes(*(a.shape for a in arrays))
        except ValueError:
            shapes = ", ".join(f"[{', '.join(map(str, a.shape))}]" for a in arrays)
            raise IndexError(
                f"shape mismatch: indexing tensors could not be broadcast together with shapes {shapes}"
            ) from None


def _torch_strides(x: np.ndarray, index: tuple) -> tuple:
    """The strides PyTorch gives a basic-indexing view (in bytes): NumPy's, except for the size-1
    dims that ``None`` (or ``True``) inserts, whose stride PyTorch's ``unsqueeze`` computes from
    the dim at that position (or 1 at the end)."""
    shape, strides = list(x.shape), list(x.strides)
    n_real = sum(
        1 for i in index if i is not None and i is not Ellipsis and not isinstance(i, np.ndarray)
    )
    dim = 0
    for i in index:
        if i is None or isinstance(i, np.ndarray):  # None, or a scalar bool (True)
            stride = shape[dim] * strides[dim] if dim < len(shape) else x.itemsize
            shape.insert(dim, 1)
            strides.insert(dim, stride)
            dim += 1
        elif i is Ellipsis:
            dim += len(x.shape) - n_real
        elif isinstance(i, int):
            del shape[dim], strides[dim]
        else:  # slice
            start, stop, step = i.indices(shape[dim])
            shape[dim] = len(range(start, stop, step))
            strides[dim] *= step
            dim += 1
    return tuple(strides)


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


UnsqueezeBackward0 = type("UnsqueezeBackward0", (SelectBackward0,), {"__module__": __name__})


def _basic_node(x: np.ndarray, idx: tuple):
    """The node PyTorch's indexing ends with: that of its last effective step (a full ``:`` slice
    is skipped)."""
    dim = 0
    last = AliasBackward0
    n_real = sum(1 for i in idx if i is not None and i is not Ellipsis)
    for i in idx:
        if i is None:
            last = UnsqueezeBackward0
        elif i is Ellipsis:
            dim += x.ndim - n_real
            continue
        elif isinstance(i, int):
            last = SelectBackward0
        elif i != slice(None) and i.indices(x.shape[dim]) != (0, x.shape[dim], 1):
            last = SliceBackward0
        if i is not None:
            dim += 1
    return last


def _getitem(self: Tensor, index) -> Tensor:
    idx, basic = _convert_index(index)
    x = self._data
    _check_bounds(x, idx)
    if basic:
        v = x[idx]
        if type(v) is not np.ndarray:  # every dim taken by an int: a 0-dim view, not a scalar
            v = x[tuple(i for i in idx if i is not Ellipsis) + (Ellipsis,)]
        if None in idx:
            v = np.lib.stride_tricks.as_strided(
                v, v.shape, _torch_strides(x, idx), writeable=x.flags.writeable
            )
        out = self._view_of(v)
        if grad_mode.enabled and self._requires_grad:
            node = _basic_node(x, idx)()
            node.index = idx
            record(node, (out,), (self,))
        return out
    r = x[idx]
    if not r.flags.c_contiguous or r.ndim and r.strides[-1] != r.itemsize or 1 in r.shape:
        r = r.copy(order="C")  # a fresh tensor's strides (NumPy may order the indexed dims first)
    return finish(IndexBackward0, r, (self,), index=idx)


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


def _shape_list(shape) -> str:
    return f"[{', '.join(map(str, shape))}]"


def _setitem(self: Tensor, index, value) -> None:
    """``t[index] = value``: basic indices copy into the view (casting, broadcasting as ``copy_``);
    advanced ones are ``index_put_`` (a tensor value must have ``t``'s dtype, except a 0-dim value
    under one bool mask, which is ``masked_fill_``)."""
    idx, basic = _convert_index(index)
    if basic and grad_mode.enabled and self._requires_grad and self.grad_fn is None:
        # PyTorch writes through a view of ``self`` (then copies), so its message names a view
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation."
        )
    check_inplace(self)
    x = self._data
    _check_bounds(x, idx)
    if isinstance(value, Tensor) and not basic and value._data.shape != x[idx].shape:
        _check_value_shape(value._data.shape, x[idx].shape, basic)
    if isinstance(value, Tensor) and not basic and value.dtype is not self.dtype:
        single_mask = len(idx) == 1 and isinstance(idx[0], np.ndarray) and idx[0].dtype == bool
        if not (single_mask and value._data.ndim == 0):
            raise RuntimeError(
                "Index put requires the source and destination dtypes match, got "
                f"{self.dtype._legacy} for the destination and {value.dtype._legacy} for the source."
            )
    v = value._data if isinstance(value, Tensor) else value
    if isinstance(v, (list, tuple)):
        v = np.asarray(v)
    recording = grad_mode.enabled and (
        self._requires_grad or isinstance(value, Tensor) and value._requires_grad
    )
    try:
        if recording:
            from ._base import _snapshot, rebase_history

            result = index_put(_snapshot(self), idx, value)
            x[...] = result._data
            self._version[0] += 1
            rebase_history(self, result)
            return
        x[idx] = v
    except ValueError:
        if isinstance(v, np.ndarray):  # NumPy could not broadcast: PyTorch's message
            _check_value_shape(v.shape, x[idx].shape, basic)
        raise
    self._version[0] += 1


def _check_value_shape(shape: tuple, target: tuple, basic: bool) -> None:
    for k in range(1, len(shape) + 1):
        size = shape[-k]
        goal = target[-k] if k <= len(target) else None
        if goal is None:
            if size == 1:
                continue
        elif size in (1, goal):
            continue
        if basic and goal is not None:  # copy_ into the view: expand's message
            raise RuntimeError(
                f"The expanded size of the tensor ({goal}) must match the existing size ({size}) at "
                f"non-singleton dimension {len(target) - k}.  Target sizes: {_shape_list(target)}.  "
                f"Tensor sizes: {_shape_list(shape)}"
            )
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {_shape_list(shape)} cannot be broadcast to "
            f"indexing result of shape {_shape_list(target)}"
        )


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


def _check_index(input: Tensor, index: Tensor, name: str, src: Tensor | None = None, dim=0):
    if not isinstance(index, Tensor) or index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if index.ndim != input.ndim and not (index.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError(
            f"Index tensor must have the same number of dimensions as {'input' if name == 'gather' else 'self'} tensor"
        )
    if src is not None and index.ndim and input.ndim:
        d = wrap_dim(dim, input.ndim)
        ishape, xshape, sshape = index.shape, input.shape, src.shape
        if any(i > s for i, s in zip(ishape, sshape)) or any(
            i > x for k, (i, x) in enumerate(zip(ishape, xshape)) if k != d
        ):
            raise RuntimeError(
                f"Expected index {_shape_list(ishape)} to be no larger than self "
                f"{_shape_list(xshape)} apart from dimension {d} and to be no larger size than src "
                f"{_shape_list(sshape)}"
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
    _check_index(input, index, "scatter", src, dim)
    d = wrap_dim(dim, input.ndim)
    out = input._data.copy()
    idx = index._data
    if (
        idx.ndim == 0 and out.ndim == 1
    ):  # a 0-dim index addresses one element (the notes' one-hot Lambda)
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
    _check_index(input, index, "scatter_add", src, dim)
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
    bad = (idx < 0) | (idx >= n) if idx.size else None
    if bad is not None and bad.any():
        if d == 0:
            raise IndexError("index out of range in self")
        raise RuntimeError(  # PyTorch's other kernel (along an inner dim) words it so
            f"INDICES element is out of DATA bounds, id={int(idx[bad][0])} axis_dim={n}"
        )
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
    if source.dtype is not input.dtype:
        raise RuntimeError(
            f"index_add_(): self ({input.dtype._legacy}) and source ({source.dtype._legacy}) must "
            "have the same scalar type"
        )
    out = input._data.copy()
    src = np.moveaxis(source._data * alpha if alpha != 1 else source._data, d, 0)
    np.add.at(np.moveaxis(out, d, 0), index._data, src.astype(out.dtype, copy=False))
    return finish(IndexAddBackward0, out, (input, source), dim=d, index=index, alpha=alpha)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    d = wrap_dim(dim, input.ndim)
    idx = (slice(None),) * d + (index,)
    return index_put(input, _convert_index(idx)[0], source)


class IndexFillBackward0(Node):  # number value
    def backward(self, grad):
        return (grad.index_fill(self.dim, self.index, 0),)


class IndexFillBackward1(Node):  # 0-dim tensor value: it receives the filled positions' sum
    def backward(self, grad):
        g_value = (
            grad.index_select(self.dim, self.index).sum() if self.next_functions[1][0] else None
        )
        return grad.index_fill(self.dim, self.index, 0), g_value


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """``torch.index_fill``: a copy of ``input`` with the slices at ``index`` along ``dim`` set to
    ``value`` (a number or a 0-dim tensor)."""
    d = wrap_dim(dim, input.ndim)
    out = input._data.copy()
    v = value._data if isinstance(value, Tensor) else value
    if out.ndim:
        np.moveaxis(out, d, 0)[index._data.reshape(-1)] = v
    else:
        out[...] = v
    if isinstance(value, Tensor):
        return finish(IndexFillBackward1, out, (input, value), dim=d, index=index)
    return finish(IndexFillBackward0, out, (input,), dim=d, index=index)


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


MaskedFillBackward1 = type("MaskedFillBackward1", (MaskedFillBackward0,), {"__module__": __name__})


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``torch.masked_fill``: ``value`` where ``mask`` (broadcast) is True."""
    if not isinstance(mask, Tensor) or mask.dtype is not _dtype.bool_:
        raise RuntimeError(
            "masked_fill_ only supports boolean masks, but got mask with dtype "
            f"{cpp_type_name(mask.dtype)}"
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
    if mask._data.shape != x.shape:
        check_broadcast(mask._data.shape, x.shape)
    r = np.where(mask._data, v, x)
    if r.dtype != x.dtype:
        r = r.astype(x.dtype)
    if isinstance(value, Tensor):
        return finish(MaskedFillBackward1, r, (input, value), mask=mask)
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
            sel = grad.masked_select(self.mask)
            n = sel.numel()
            shape, _ = self.input_meta[1]
            size = int(np.prod(shape))
            from .creation import zeros
            from .shape import cat

            flat = cat([sel, zeros(size - n, dtype=grad.dtype)]) if size > n else sel
            g_src = flat.reshape(shape)
        return g_self, g_src


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``torch.masked_scatter``: consecutive ``source`` elements written where ``mask`` is True."""
    shape = np.broadcast_shapes(input._data.shape, mask._data.shape)
    out = np.broadcast_to(input._data, shape).copy()
    m = np.broadcast_to(mask._data, shape)
    n = int(m.sum())
    if n > source._data.size:
        raise RuntimeError(
            "masked_scatter: expected source to have at least as many elements as ones in mask"
        )
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


class TakeBackward0(Node):
    def backward(self, grad):
        shape, _ = self.input_meta[0]
        from .creation import zeros

        flat = zeros(math.prod(shape), dtype=grad.dtype).index_add(
            0, self.index.reshape(-1), grad.reshape(-1)
        )
        return (flat.reshape(shape),)


def take(input: Tensor, index: Tensor) -> Tensor:
    """``torch.take``: elements of the flattened input at ``index`` (shaped like ``index``)."""
    x = input._data.reshape(-1)
    i = index._data
    n = x.size
    bad = (i < -n) | (i >= n)
    if bad.any():
        raise IndexError(
            f"out of range: tried to access index {int(i[bad].flat[0])} on a tensor of {n} elements."
        )
    return finish(TakeBackward0, x[i], (input,), index=index)


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
