"""Shape and view ops: ``view reshape permute transpose squeeze expand cat stack split flip ...``.

Views share memory (and the version counter) with their base exactly where PyTorch's do: NumPy views
give the sharing, ``Tensor._view_of`` the shared counter.
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from .._size import Size
from .._tensor import Tensor, wrap_dim
from ..autograd import grad_mode
from ..autograd.graph import Node, record
from ._base import finish, wrap

__all__ = [
    "reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "permute", "transpose", "swapaxes",
    "swapdims", "t", "movedim", "moveaxis", "narrow", "chunk", "split", "tensor_split", "unbind",
    "cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack", "column_stack", "flip",
    "fliplr", "flipud", "roll", "tile", "broadcast_to", "broadcast_tensors", "broadcast_shapes",
    "atleast_1d", "atleast_2d", "atleast_3d", "ravel", "rot90", "diagonal", "diag", "tril", "triu",
    "meshgrid", "repeat_interleave",
]  # fmt: skip


def _sizes(args) -> tuple:
    """Sizes given as varargs, a tuple/list or a Size (PyTorch's IntArrayRef parsing)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    out = []
    for s in args:
        if isinstance(s, Tensor):
            s = int(s)
        elif not isinstance(s, int):
            if hasattr(s, "__index__"):
                s = s.__index__()
            else:
                raise TypeError(
                    f"view(): argument 'size' (position 1) must be tuple of ints, but found element of type {type(s).__name__} at pos {len(out)}"
                )
        out.append(s)
    return tuple(out)


def _infer_size(shape: tuple, numel: int) -> tuple:
    if -1 not in shape:
        if math.prod(shape) != numel:
            raise RuntimeError(
                f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}"
            )
        return shape
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod(s for s in shape if s != -1)
    if known == 0 and numel == 0:
        raise RuntimeError(
            f"cannot reshape tensor of 0 elements into shape [{', '.join(map(str, shape))}] because "
            "the unspecified dimension size -1 can be any value and is ambiguous"
        )
    if known == 0 or numel % known:
        raise RuntimeError(
            f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}"
        )
    return tuple(numel // known if s == -1 else s for s in shape)


def _view_result(input: Tensor, array: np.ndarray, node_cls, **attrs) -> Tensor:
    out = input._view_of(array)
    if grad_mode.enabled and input._requires_grad:
        node = node_cls()
        node.__dict__.update(attrs)
        record(node, (out,), (input,))
    return out


# --- view / reshape --------------------------------------------------------------------------------
class ViewBackward0(Node):
    def backward(self, grad):
        return (grad.reshape(self.input_meta[0][0]),)


class UnsafeViewBackward0(ViewBackward0):
    pass


def _view(self: Tensor, *shape) -> Tensor:
    """``Tensor.view(*shape)``; also ``view(dtype)`` reinterpreting the bytes."""
    if (
        len(shape) == 1
        and not isinstance(shape[0], (int, tuple, list, Tensor))
        and hasattr(shape[0], "np")
    ):
        return _view_dtype(self, shape[0])
    shape = _infer_size(_sizes(shape), self._data.size)
    x = self._data
    try:
        v = x.view()
        v.shape = shape  # raises rather than copying when the strides do not allow a view
    except AttributeError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    return _view_result(self, v, ViewBackward0)


def _view_dtype(self: Tensor, dtype) -> Tensor:
    return self._view_of(self._data.view(dtype.np))


def reshape(input: Tensor, *shape) -> Tensor:
    """``torch.reshape``: a view when the strides allow it, else a copy."""
    shape = _infer_size(_sizes(shape), input._data.size)
    x = input._data
    v = x.view()
    try:
        v.shape = shape
        return _view_result(input, v, ViewBackward0)
    except AttributeError:
        return finish(UnsafeViewBackward0, np.reshape(x, shape), (input,))


Tensor.view = _view
Tensor.reshape = reshape
Tensor.view_as = lambda self, other: self.view(other._data.shape)
Tensor.reshape_as = lambda self, other: self.reshape(other._data.shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """``torch.flatten``."""
    nd = input._data.ndim
    if nd == 0:
        return input.reshape(1)
    s, e = wrap_dim(start_dim, nd), wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._data.shape
    return input.reshape(shape[:s] + (math.prod(shape[s : e + 1]),) + shape[e + 1 :])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """``torch.unflatten``."""
    d = wrap_dim(dim, input._data.ndim)
    shape = input._data.shape
    sizes = tuple(sizes)
    if -1 in sizes:
        sizes = _infer_size(sizes, shape[d])
    elif math.prod(sizes) != shape[d]:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} ({shape[d]}) in the input tensor"
        )
    return input.view(shape[:d] + sizes + shape[d + 1 :])


def ravel(input: Tensor) -> Tensor:
    return input.reshape(-1)


Tensor.flatten, Tensor.unflatten, Tensor.ravel = flatten, unflatten, ravel


# --- squeeze / unsqueeze --------------------------------------------------------------------------
class SqueezeBackward0(Node):
    def backward(self, grad):
        return (grad.reshape(self.input_meta[0][0]),)


SqueezeBackward1 = type("SqueezeBackward1", (SqueezeBackward0,), {})
SqueezeBackward2 = type("SqueezeBackward2", (SqueezeBackward0,), {})
UnsqueezeBackward0 = type("UnsqueezeBackward0", (SqueezeBackward0,), {})


def squeeze(input: Tensor, dim=None) -> Tensor:
    """``torch.squeeze``: drop size-1 dims (all, one, or a tuple)."""
    x = input._data
    if dim is None:
        return _view_result(
            input,
            x.reshape(tuple(s for s in x.shape if s != 1)) if x.ndim else x.view(),
            SqueezeBackward0,
        )
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    dims = {wrap_dim(d, x.ndim) for d in dims}
    shape = tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1))
    return _view_result(
        input, x.reshape(shape), SqueezeBackward1 if isinstance(dim, int) else SqueezeBackward2
    )


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """``torch.unsqueeze``."""
    x = input._data
    d = wrap_dim(dim, x.ndim + 1)
    return _view_result(input, _unsqueezed(x, d), UnsqueezeBackward0)


def _unsqueezed(x: np.ndarray, d: int) -> np.ndarray:
    """``x`` with a size-1 dim at ``d`` whose stride is PyTorch's (size * stride of the dim it
    precedes, or 1 at the end): ``stride()`` reports it."""
    stride = x.strides[d] * x.shape[d] if d < x.ndim else x.itemsize
    return np.lib.stride_tricks.as_strided(
        x, x.shape[:d] + (1,) + x.shape[d:], x.strides[:d] + (stride,) + x.strides[d:],
        writeable=x.flags.writeable,
    )  # fmt: skip


def _squeeze_(self: Tensor, dim=None) -> Tensor:
    """``Tensor.squeeze_``: this tensor becomes its squeezed view."""
    return _restride_(self, squeeze(self, dim))


def _unsqueeze_(self: Tensor, dim: int) -> Tensor:
    """``Tensor.unsqueeze_``."""
    return _restride_(self, unsqueeze(self, dim))


def _restride_(self: Tensor, view: Tensor) -> Tensor:
    """In-place shape ops: ``self`` takes the view's layout (and its node, when it records)."""
    from ._base import check_inplace

    check_inplace(self)
    self._data = view._data
    self._version[0] += 1  # an in-place op: a saved self no longer matches (autograd's check)
    if view.grad_fn is not None:
        self.grad_fn, self._output_nr = view.grad_fn, view._output_nr
        self.grad_fn._view_version = self._version[0]  # ...but this history is current
    return self


Tensor.squeeze, Tensor.unsqueeze = squeeze, unsqueeze
Tensor.squeeze_, Tensor.unsqueeze_ = _squeeze_, _unsqueeze_


# --- permute / transpose ---------------------------------------------------------------------------
class PermuteBackward0(Node):
    def backward(self, grad):
        return (grad.permute(*np.argsort(self.dims).tolist()),)


def permute(input: Tensor, *dims) -> Tensor:
    """``torch.permute``: a view with the dims reordered."""
    dims = _sizes(dims)
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal to len(dims) = {len(dims)}"
        )
    dims = tuple(wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _view_result(input, input._data.transpose(dims), PermuteBackward0, dims=dims)


class TransposeBackward0(Node):
    def backward(self, grad):
        return (grad.transpose(self.dim0, self.dim1),)


TBackward0 = type("TBackward0", (TransposeBackward0,), {})


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """``torch.transpose``: a view with two dims swapped."""
    nd = input._data.ndim
    d0, d1 = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    return _view_result(
        input, np.swapaxes(input._data, d0, d1), TransposeBackward0, dim0=d0, dim1=d1
    )


def t(input: Tensor) -> Tensor:
    """``torch.t``: transpose of a tensor with at most 2 dims."""
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    if nd < 2:
        return _view_result(input, input._data.view(), TBackward0, dim0=0, dim1=0)
    return _view_result(input, input._data.T, TBackward0, dim0=0, dim1=1)


def _t_(self: Tensor) -> Tensor:
    return _restride_(self, t(self))


def _transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    return _restride_(self, transpose(self, dim0, dim1))


swapaxes = swapdims = transpose
Tensor.permute, Tensor.transpose, Tensor.t = permute, transpose, t
Tensor.swapaxes = Tensor.swapdims = transpose
Tensor.t_, Tensor.transpose_ = _t_, _transpose_


def movedim(input: Tensor, source, destination) -> Tensor:
    """``torch.movedim``."""
    nd = input._data.ndim
    src = [wrap_dim(d, nd) for d in ((source,) if isinstance(source, int) else source)]
    dst = [
        wrap_dim(d, nd) for d in ((destination,) if isinstance(destination, int) else destination)
    ]
    order = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return input.permute(*order)


moveaxis = movedim
Tensor.movedim = Tensor.moveaxis = movedim


# --- expand / repeat ---------------------------------------------------------------------------------
class ExpandBackward0(Node):
    def backward(self, grad):
        return (grad,)  # the engine sums the broadcast dims back to the input's shape


def _expand(self: Tensor, *sizes) -> Tensor:
    """``Tensor.expand``: a broadcast view (-1 keeps a size)."""
    sizes = _sizes(sizes)
    x = self._data
    if len(sizes) < x.ndim:
        raise RuntimeError(
            f"expand(torch.{self.dtype._legacy}Tensor{{[{', '.join(map(str, x.shape))}]}}, size=[{', '.join(map(str, sizes))}]): "
            "the number of sizes provided (%d) must be greater or equal to the number of dimensions in the tensor (%d)"
            % (len(sizes), x.ndim)
        )
    lead = len(sizes) - x.ndim
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s == -1:
                raise RuntimeError(
                    f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension {i}"
                )
            target.append(s)
            continue
        cur = x.shape[i - lead]
        if s == -1:
            s = cur
        elif cur != s and cur != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at non-singleton "
                f"dimension {i}.  Target sizes: [{', '.join(map(str, sizes))}].  Tensor sizes: [{', '.join(map(str, x.shape))}]"
            )
        target.append(s)
    return _view_result(self, np.broadcast_to(x, tuple(target)), ExpandBackward0)


Tensor.expand = _expand
Tensor.expand_as = lambda self, other: self.expand(other._data.shape)


def broadcast_to(input: Tensor, size) -> Tensor:
    return input.expand(*size)


def broadcast_shapes(*shapes) -> Size:
    try:
        return Size(
            np.broadcast_shapes(*[(s,) if isinstance(s, int) else tuple(s) for s in shapes])
        )
    except ValueError:
        raise RuntimeError(
            "Shape mismatch: objects cannot be broadcast to a single shape"
        ) from None


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    shape = broadcast_shapes(*[t._data.shape for t in tensors])
    return tuple(t.expand(*shape) for t in tensors)


Tensor.broadcast_to = broadcast_to


class RepeatBackward0(Node):
    def backward(self, grad):
        shape = self.input_meta[0][0]
        reps = self.repeats
        lead = len(reps) - len(shape)
        full = (1,) * lead + tuple(shape)
        split = []
        for r, s in zip(reps, full):
            split += [r, s]
        g = grad.reshape(split)
        g = g.sum(tuple(range(0, 2 * len(reps), 2)))
        return (g.reshape(shape),)


def _repeat(self: Tensor, *repeats) -> Tensor:
    """``Tensor.repeat``: tile the tensor (a copy)."""
    reps = _sizes(repeats)
    if len(reps) < self._data.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    x = self._data.reshape((1,) * (len(reps) - self._data.ndim) + self._data.shape)
    return finish(RepeatBackward0, np.tile(x, reps), (self,), repeats=reps)


Tensor.repeat = _repeat


def tile(input: Tensor, dims) -> Tensor:
    dims = tuple(dims)
    if len(dims) < input._data.ndim:
        dims = (1,) * (input._data.ndim - len(dims)) + dims
    return input.repeat(*dims)


Tensor.tile = tile


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """``torch.repeat_interleave``."""
    if repeats is None:  # repeat_interleave(repeats_tensor)
        r = input._data
        return wrap(np.repeat(np.arange(len(r)), r))
    if dim is None:
        input = input.flatten()
        dim = 0
    d = wrap_dim(dim, input._data.ndim)
    if isinstance(repeats, int) or isinstance(repeats, Tensor) and repeats.ndim == 0:
        # PyTorch: unsqueeze, expand, copy, view (so the result's grad_fn is ViewBackward0)
        r = int(repeats)
        if r < 0:
            raise RuntimeError("Repeats must be non-negative")
        shape = list(input._data.shape)
        expanded = input.unsqueeze(d + 1).expand(*shape[: d + 1], r, *shape[d + 1 :])
        shape[d] *= r
        return expanded.contiguous().view(shape)
    idx = np.repeat(
        np.arange(input._data.shape[d]), repeats._data if isinstance(repeats, Tensor) else repeats
    )
    return input.index_select(d, wrap(idx))


Tensor.repeat_interleave = repeat_interleave


# --- contiguous / narrow / split --------------------------------------------------------------------
class CloneBackward0(Node):
    def backward(self, grad):
        return (grad,)


def _contiguous(self: Tensor, memory_format=None) -> Tensor:
    if self._data.flags.c_contiguous:
        return self
    return finish(CloneBackward0, np.ascontiguousarray(self._data), (self,))


Tensor.contiguous = _contiguous


class SliceBackward0(Node):
    def backward(self, grad):
        shape, _ = self.input_meta[0]
        g = grad.new_zeros(shape)
        index = (slice(None),) * self.dim + (slice(self.start, self.stop, self.step),)
        g[index] = grad
        return (g,)


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """``torch.narrow``: a view of ``length`` elements along ``dim`` from ``start``."""
    x = input._data
    d = wrap_dim(dim, x.ndim)
    start = int(start)
    if start < 0:
        start += x.shape[d]
    if start < 0 or start + length > x.shape[d]:
        raise RuntimeError(
            f"start ({start}) + length ({length}) exceeds dimension size ({x.shape[d]})."
        )
    index = (slice(None),) * d + (slice(start, start + length),)
    return _view_result(
        input, x[index], SliceBackward0, dim=d, start=start, stop=start + length, step=1
    )


Tensor.narrow = narrow


class SplitBackward0(Node):
    """Gradient of split/chunk/unbind: the pieces' gradients concatenated (zeros where none flowed)."""

    def backward(self, *grads):
        shape, dtype = self.input_meta[0]
        pieces = []
        for g, size in zip(grads, self.sizes):
            if g is None:
                piece_shape = list(shape)
                piece_shape[self.dim] = size
                from .creation import zeros

                g = zeros(piece_shape, dtype=dtype)
            elif self.squeezed:
                g = g.unsqueeze(self.dim)
            pieces.append(g)
        return (cat(pieces, self.dim),)


UnbindBackward0 = type("UnbindBackward0", (SplitBackward0,), {})
SplitWithSizesBackward0 = type("SplitWithSizesBackward0", (SplitBackward0,), {})


def _multi_view(input: Tensor, arrays, node_cls, dim, sizes, squeezed=False):
    outs = [input._view_of(a) for a in arrays]
    if grad_mode.enabled and input._requires_grad:
        node = node_cls()
        node.dim, node.sizes, node.squeezed, node.n_outputs = dim, sizes, squeezed, len(outs)
        record(node, outs, (input,))
    return tuple(outs)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0):
    """``torch.split``: pieces of ``split_size`` (last may be smaller) or of the given sizes."""
    x = tensor._data
    d = wrap_dim(dim, x.ndim)
    n = x.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and n > 0:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}"
            )
        sizes = [builtins.min(step, n - i) for i in range(0, n, step)] if n else [0]
        node = SplitBackward0
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension {d}), but got split_sizes={sizes}"
            )
        node = SplitWithSizesBackward0
    bounds = np.cumsum([0] + sizes)
    arrays = [
        x[(slice(None),) * d + (slice(int(a), int(b)),)] for a, b in zip(bounds[:-1], bounds[1:])
    ]
    return _multi_view(tensor, arrays, node, d, sizes)


def chunk(input: Tensor, chunks: int, dim: int = 0):
    """``torch.chunk``: ``chunks`` pieces of ceil(n / chunks) elements."""
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    n = input._data.shape[wrap_dim(dim, input._data.ndim)]
    size = -(-n // chunks) if n else 0
    return split(input, size if size else 1, dim) if n else split(input, [0], dim)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0):
    """``torch.tensor_split``."""
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    else:
        idx = [0] + [builtins.min(builtins.max(int(i), 0), n) for i in indices_or_sections] + [n]
        sizes = [builtins.max(b - a, 0) for a, b in zip(idx[:-1], idx[1:])]
    return split(input, sizes, d)


def unbind(input: Tensor, dim: int = 0):
    """``torch.unbind``: views of each slice along ``dim``."""
    x = input._data
    d = wrap_dim(dim, x.ndim)
    # the Ellipsis keeps a 1-D tensor's pieces 0-d views (NumPy would give detached scalars)
    arrays = [x[(slice(None),) * d + (i, Ellipsis)] for i in range(x.shape[d])]
    return _multi_view(input, arrays, UnbindBackward0, d, [1] * x.shape[d], squeezed=True)


Tensor.split, Tensor.chunk, Tensor.unbind, Tensor.tensor_split = split, chunk, unbind, tensor_split


# --- cat / stack --------------------------------------------------------------------------------------
class CatBackward0(Node):
    def backward(self, grad):
        bounds = np.cumsum([0] + self.sizes)
        d = self.dim
        return tuple(
            grad.narrow(d, int(a), int(b - a)) if fn is not None else None
            for (fn, _), a, b in zip(self.next_functions, bounds[:-1], bounds[1:])
        )


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """``torch.cat``: join tensors along an existing dim (1-D empty tensors are skipped, as in PyTorch)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
    used = [t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)] or tensors[:1]
    ref = used[0]._data
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, ref.ndim)
    for i, t in enumerate(used):
        if t._data.ndim != ref.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {ref.ndim} and {t._data.ndim}"
            )
        for k in range(ref.ndim):
            if k != d and t._data.shape[k] != ref.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {ref.shape[k]} but got size {t._data.shape[k]} for tensor number {i} in the list."
                )
    from .._dtype import result_dtype

    dtype = result_dtype([t.dtype for t in used], [], [])
    arrays = [t._data if t._data.dtype == dtype.np else t._data.astype(dtype.np) for t in used]
    res = finish(
        CatBackward0,
        np.concatenate(arrays, axis=d),
        used,
        dim=d,
        sizes=[a.shape[d] for a in arrays],
    )
    if out is not None:
        from ._base import write_out

        return write_out(res, out, "cat")
    return res


concat = concatenate = cat


class StackBackward0(Node):
    def backward(self, grad):
        return tuple(
            grad.select(self.dim, i) if fn is not None else None
            for i, (fn, _) in enumerate(self.next_functions)
        )


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """``torch.stack``: join tensors along a new dim."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got [{', '.join(map(str, shape))}] at entry 0 and [{', '.join(map(str, t._data.shape))}] at entry {i}"
            )
    d = wrap_dim(dim, len(shape) + 1)
    from .._dtype import result_dtype

    dtype = result_dtype([t.dtype for t in tensors], [], [])
    arrays = [t._data if t._data.dtype == dtype.np else t._data.astype(dtype.np) for t in tensors]
    res = finish(StackBackward0, np.stack(arrays, axis=d), tensors, dim=d)
    if out is not None:
        from ._base import write_out

        return write_out(res, out, "stack")
    return res


def hstack(tensors) -> Tensor:
    tensors = atleast_1d(*tensors) if len(tensors) > 1 else (atleast_1d(tensors[0]),)
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    return cat([atleast_2d(t) for t in tensors], 0)


def dstack(tensors) -> Tensor:
    return cat([atleast_3d(t) for t in tensors], 2)


def column_stack(tensors) -> Tensor:
    return cat([t.reshape(-1, 1) if t._data.ndim < 2 else t for t in tensors], 1)


def _atleast(tensors, up):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(up(t) for t in tensors[0])
    out = tuple(up(t) for t in tensors)
    return out[0] if len(out) == 1 else out


def atleast_1d(*tensors):
    """``torch.atleast_1d`` (a 0-dim tensor is reshaped, as in PyTorch)."""
    return _atleast(tensors, lambda t: t.reshape(1) if t._data.ndim == 0 else t)


def atleast_2d(*tensors):
    """``torch.atleast_2d``."""
    ups = {0: lambda t: t.reshape(1, 1), 1: lambda t: t.unsqueeze(0)}
    return _atleast(tensors, lambda t: ups.get(t._data.ndim, lambda t: t)(t))


def atleast_3d(*tensors):
    """``torch.atleast_3d``."""
    ups = {
        0: lambda t: t.reshape(1, 1, 1),
        1: lambda t: t.unsqueeze(0).unsqueeze(-1),
        2: lambda t: t.unsqueeze(-1),
    }
    return _atleast(tensors, lambda t: ups.get(t._data.ndim, lambda t: t)(t))


# --- flip / roll / rot90 ---------------------------------------------------------------------------------
class FlipBackward0(Node):
    def backward(self, grad):
        return (grad.flip(self.dims),)


def flip(input: Tensor, dims) -> Tensor:
    """``torch.flip`` (a copy, as in PyTorch)."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    nd = input._data.ndim
    dims = tuple(wrap_dim(d, nd) for d in dims)
    return finish(FlipBackward0, np.flip(input._data, dims).copy(), (input,), dims=dims)


def fliplr(input: Tensor) -> Tensor:
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    return flip(input, (0,))


class RollBackward0(Node):
    def backward(self, grad):
        return (grad.roll(tuple(-s for s in self.shifts), self.dims),)


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """``torch.roll`` (without ``dims``: over the flattened tensor, shape kept)."""
    shifts_t = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    x = input._data
    if dims is None:
        if len(shifts_t) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts_t)}, dims:0")
        r = np.roll(x.reshape(-1), shifts_t[0]).reshape(x.shape)
        return finish(RollBackward0, r, (input,), shifts=shifts_t, dims=None)
    dims_t = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts_t) != len(dims_t):
        raise RuntimeError(
            f"shifts and dimensions must align. shifts: {len(shifts_t)}, dims:{len(dims_t)}"
        )
    dims_t = tuple(wrap_dim(d, x.ndim) for d in dims_t)
    return finish(
        RollBackward0, np.roll(x, shifts_t, dims_t), (input,), shifts=shifts_t, dims=dims_t
    )


class Rot90Backward0(Node):
    def backward(self, grad):
        return (grad.rot90(-self.k, self.dims),)


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """``torch.rot90``: rotate by 90° ``k`` times from ``dims[0]`` towards ``dims[1]`` (a copy)."""
    x = input._data
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if x.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {x.ndim}")
    d0, d1 = wrap_dim(dims[0], x.ndim), wrap_dim(dims[1], x.ndim)
    if d0 == d1:
        raise RuntimeError(
            f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}"
        )
    r = np.ascontiguousarray(np.rot90(x, k, (d0, d1)))
    return finish(Rot90Backward0, r, (input,), k=k, dims=(d0, d1))


Tensor.flip, Tensor.fliplr, Tensor.flipud, Tensor.roll, Tensor.rot90 = (
    flip,
    fliplr,
    flipud,
    roll,
    rot90,
)


# --- diagonals and triangles ----------------------------------------------------------------------------
class DiagonalBackward0(Node):
    def backward(self, grad):
        shape, _ = self.input_meta[0]
        g = grad.new_zeros(shape)
        g.diagonal(self.offset, self.dim1, self.dim2).copy_(grad)
        return (g,)


def _diagonal_array(x: np.ndarray, offset: int, d1: int, d2: int) -> np.ndarray:
    """A writable view of the diagonal (NumPy's ``diagonal`` is read-only), last dim the diagonal."""
    n1, n2 = x.shape[d1], x.shape[d2]
    length = builtins.max(
        0, builtins.min(n1 + builtins.min(offset, 0), n2 - builtins.max(offset, 0))
    )
    start = [0] * x.ndim
    if length:
        start[d1], start[d2] = builtins.max(-offset, 0), builtins.max(offset, 0)
        base = x[tuple(slice(i, None) for i in start)]
    else:
        base = x
    keep = [i for i in range(x.ndim) if i not in (d1, d2)]
    shape = tuple(x.shape[i] for i in keep) + (length,)
    strides = tuple(x.strides[i] for i in keep) + (x.strides[d1] + x.strides[d2],)
    return np.lib.stride_tricks.as_strided(base, shape, strides, writeable=x.flags.writeable)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """``torch.diagonal``: a view of the diagonal (writes through it reach ``input``)."""
    nd = input._data.ndim
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    v = _diagonal_array(input._data, offset, d1, d2)
    return _view_result(input, v, DiagonalBackward0, offset=offset, dim1=d1, dim2=d2)


class DiagEmbedBackward0(Node):
    def backward(self, grad):
        return (grad.diagonal(self.offset),)


DiagonalBackward0_copy = type(
    "DiagonalBackward0_copy", (DiagonalBackward0,), {"__module__": __name__}
)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """``torch.diag``: a 1-D tensor's diagonal matrix, or a 2-D tensor's diagonal (a copy)."""
    x = input._data
    if x.ndim == 1:
        return finish(DiagEmbedBackward0, np.diag(x, diagonal), (input,), offset=diagonal)
    if x.ndim != 2:
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{x.ndim}D")
    r = _diagonal_array(x, diagonal, 0, 1).copy()
    return finish(DiagonalBackward0_copy, r, (input,), offset=diagonal, dim1=0, dim2=1)


class UnfoldBackward0(Node):
    def backward(self, grad):
        shape, _ = self.input_meta[0]
        g = grad.new_zeros(shape)
        # every window adds its gradient back to the elements it covered (windows may overlap)
        n = grad.shape[self.dim] if grad.ndim > 1 or self.dim == 0 else 1
        for i in range(n):
            window = g.narrow(self.dim, i * self.step, self.size)
            window.add_(grad.select(self.dim, i).movedim(-1, self.dim))
        return (g,)


def _unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """``Tensor.unfold``: a view of all windows of ``size`` along ``dimension``, every ``step``."""
    x = self._data
    d = wrap_dim(dimension, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    count = (n - size) // step + 1
    shape = x.shape[:d] + (count,) + x.shape[d + 1 :] + (size,)
    stride = x.strides[d] if x.ndim else x.itemsize
    strides = x.strides[:d] + (stride * step,) + x.strides[d + 1 :] + (stride,)
    v = np.lib.stride_tricks.as_strided(x, shape, strides, writeable=x.flags.writeable)
    return _view_result(self, v, UnfoldBackward0, dim=d, size=size, step=step)


Tensor.unfold = _unfold


class TrilBackward0(Node):
    def backward(self, grad):
        return (grad.tril(self.k) if self.lower else grad.triu(self.k),)


TriuBackward0 = type("TriuBackward0", (TrilBackward0,), {})


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    return finish(TrilBackward0, np.tril(input._data, diagonal), (input,), k=diagonal, lower=True)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    return finish(TriuBackward0, np.triu(input._data, diagonal), (input,), k=diagonal, lower=False)


Tensor.diagonal, Tensor.diag, Tensor.tril, Tensor.triu = diagonal, diag, tril, triu
from ._base import inplace as _inplace  # noqa: E402

Tensor.tril_ = _inplace(tril, "tril_")
Tensor.triu_ = _inplace(triu, "triu_")


def meshgrid(*tensors, indexing: str | None = None):
    """``torch.meshgrid`` (default indexing 'ij', as PyTorch's)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    indexing = indexing or "ij"
    shape = [t.numel() for t in tensors]
    n = len(tensors)
    outs = []
    for i, t in enumerate(tensors):
        view = [1] * n
        view[i] = -1
        outs.append(t.reshape(view).expand(*shape))
    if indexing == "xy" and n >= 2:
        outs = [o.transpose(0, 1) for o in outs]
    return tuple(outs)
