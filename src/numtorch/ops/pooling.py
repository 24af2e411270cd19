"""Pooling: ``max_pool1d/2d/3d avg_pool1d/2d/3d adaptive_avg_pool1d/2d adaptive_max_pool1d/2d``.

Follows ``aten/src/ATen/native/Pool.h`` (output sizes, ``ceil_mode``, argument checks and their
messages), ``DilatedMaxPool2d.cpp``, ``AveragePool2d.cpp`` and ``AdaptiveAveragePooling.cpp``.

NOTE [ Pooling by kernel offsets ]
A pooling window is visited one kernel offset at a time: for offset ``a`` the strided view
``x[..., a*d : : s]`` holds that offset's element of *every* window, so each step is one vectorised
NumPy operation over all output positions, and the loop runs ∏K times (4 for a 2×2 pool), never
over pixels. Max pooling keeps the running maximum and the offset that produced it (PyTorch's rule:
a later element wins only if it is greater or NaN); its backward adds the gradient back offset by
offset. 1-d pooling runs the 2-d op on an unsqueezed input, as PyTorch does (so its ``grad_fn`` is
PyTorch's ``SqueezeBackward1``).

Each backward is itself a differentiable op (gather ↔ scatter, average ↔ its adjoint), so double
backward works.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._tensor import Tensor
from ..autograd.graph import Node
from ._base import finish, needs_grad

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d",
           "avg_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices"]  # fmt: skip


# --- geometry ------------------------------------------------------------------------------------
def _tuple(value, nd: int, name: str, fn: str, default=None) -> tuple:
    if value is None or (isinstance(value, (list, tuple)) and len(value) == 0):
        return default
    if isinstance(value, (int, np.integer)):
        return (int(value),) * nd
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * nd
    if len(value) != nd:
        words = {2: "two", 3: "three"}[nd]
        how = "be either" if name == "dilation" else "either be"
        raise RuntimeError(
            f"{fn}: {name} must {how} {'omitted, ' if name == 'stride' else ''}a single int, or "
            f"a tuple of {words} ints"
        )
    return value


def _pool_out(size: int, k: int, p: int, s: int, d: int, ceil_mode: bool) -> int:
    """``pooling_output_shape`` of Pool.h: the last window must start inside the (left-padded) input."""
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


class _Geometry:
    """A pooling's kernel/stride/padding/dilation and the sizes they give (all per spatial dim)."""

    __slots__ = ("kernel", "stride", "padding", "dilation", "spatial", "out")

    def __init__(self, spatial, kernel, stride, padding, dilation, ceil_mode):
        self.spatial, self.kernel, self.stride = tuple(spatial), kernel, stride
        self.padding, self.dilation = padding, dilation
        self.out = tuple(
            _pool_out(*a, ceil_mode) for a in zip(spatial, kernel, padding, stride, dilation)
        )

    def padded(self) -> tuple:
        """Padded sizes, with room on the high side for ``ceil_mode``'s last partial window."""
        return tuple(
            max(s + 2 * p, (o - 1) * st + d * (k - 1) + 1)
            for s, p, o, st, d, k in zip(
                self.spatial, self.padding, self.out, self.stride, self.dilation, self.kernel
            )
        )

    def pad(self, x: np.ndarray, fill) -> np.ndarray:
        padded = self.padded()
        if padded == self.spatial:
            return x
        res = np.full(x.shape[: -len(padded)] + padded, fill, x.dtype)
        res[self.interior()] = x
        return res

    def interior(self) -> tuple:
        return (Ellipsis, *(slice(p, p + s) for p, s in zip(self.padding, self.spatial)))

    def offsets(self):
        """(k, index tuple of the view of kernel offset k) for every kernel offset, in C order."""
        for k, offset in enumerate(np.ndindex(*self.kernel)):
            yield (
                k,
                (
                    Ellipsis,
                    *(
                        slice(a * d, a * d + st * (o - 1) + 1, st)
                        for a, d, st, o in zip(offset, self.dilation, self.stride, self.out)
                    ),
                ),
            )


def _size_str(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


# --- max pooling ---------------------------------------------------------------------------------
# NOTE [ 2x2 max pooling ]: the ubiquitous MaxPool2d(2) tiles the plane with disjoint 2x2 windows.
# Walking kernel offsets there means stride-2 inner loops, which NumPy runs slowly; instead the
# maxima are taken pairwise: first between each even and odd column (deinterleaved in one copy),
# then between consecutive rows. Strict ">" keeps the first maximum in PyTorch's scan order, so
# the winners (kernel offsets 0..3, as ``_max_forward`` reports them) are identical.
# The winner's code is assembled with bitwise operations: ``np.where`` is several times slower
# than a bitwise pass at these sizes. The backward scatters each gradient to its winner's flat
# position in one fancy-index assignment instead of walking the four kernel offsets.
def _is_2x2_tiling(geo: _Geometry) -> bool:
    return (
        geo.kernel == (2, 2) and geo.stride == (2, 2) and geo.padding == (0, 0)
        and geo.dilation == (1, 1) and geo.out == (geo.spatial[0] // 2, geo.spatial[1] // 2)
    )  # fmt: skip


def _max_2x2(x: np.ndarray, geo: _Geometry) -> tuple[np.ndarray, np.ndarray]:
    (ho, wo) = geo.out
    lead = x.shape[:-2]
    # The even and the odd columns of the (cropped) planes as two contiguous arrays, in one
    # transposing copy: comparisons of contiguous arrays run several times faster than strided ones.
    columns = x[..., : 2 * ho, : 2 * wo].reshape(*lead, 2 * ho, wo, 2)
    left, right = np.moveaxis(columns, -1, 0).reshape(2, -1)
    right_wins = (right > left).view(np.uint8)
    row_max = np.maximum(left, right)  # rows of wo pair maxima, two per window row
    # Each row against the next over the whole flat array, keeping the even rows afterwards: twice
    # the arithmetic, but long contiguous passes instead of one short NumPy inner loop per row.
    upper, lower = row_max[:-wo], row_max[wo:]
    down = (lower > upper).view(np.uint8)
    best = np.maximum(upper, lower)
    top, bottom = right_wins[:-wo], right_wins[wo:]
    code = (top ^ ((top ^ bottom) & down)) | (down << 1)  # the winning row's right_wins, + 2·down
    return _even_rows(best, wo).reshape(*lead, ho, wo), _even_rows(code, wo).reshape(*lead, ho, wo)


def _even_rows(flat: np.ndarray, width: int) -> np.ndarray:
    """Rows 0, 2, 4, ... (a copy) of a 1-D array of ``width``-long rows whose last row is even."""
    rows = flat.size // (2 * width) + 1
    step = flat.strides[0]
    return as_strided(flat, shape=(rows, width), strides=(2 * width * step, step)).copy()


def _scatter_2x2(grad: np.ndarray, arg: np.ndarray, geo: _Geometry) -> np.ndarray:
    (h, w), (ho, wo) = geo.spatial, geo.out
    lead = grad.shape[:-2]
    rows = math.prod(lead) * ho
    # Flat position of window (r, c)'s top-left input in the cropped (2·ho, 2·wo) planes, plus the
    # winner's offset within the window: code // 2 rows down, code % 2 columns right.
    position = np.arange(0, 4 * wo * rows, 4 * wo, dtype=np.intp)[:, None] + np.arange(
        0, 2 * wo, 2, dtype=np.intp
    )
    code = arg.reshape(rows, wo).astype(np.intp)
    position += code
    code >>= 1
    position += code * (2 * wo - 2)
    res = np.zeros((*lead, 2 * ho, 2 * wo), grad.dtype)
    res.reshape(-1)[position.reshape(-1)] = grad.reshape(-1)
    if (h, w) != (2 * ho, 2 * wo):
        full = np.zeros((*lead, h, w), grad.dtype)
        full[..., : 2 * ho, : 2 * wo] = res
        res = full
    return res


def _max_forward(x: np.ndarray, geo: _Geometry, need_arg: bool) -> tuple[np.ndarray, np.ndarray]:
    """The maxima and, if ``need_arg``, the kernel offset each came from (NOTE [ Pooling by kernel
    offsets ]). Without the offsets it is a chain of ``np.maximum`` (NaN-propagating, like PyTorch).
    """
    floating = x.dtype.kind in "fc" or x.dtype.kind == "V"
    fast_2x2 = need_arg and x.dtype.kind == "f" and x.size > 0 and _is_2x2_tiling(geo)
    if fast_2x2:  # NOTE [ 2x2 max pooling ]
        best, arg = _max_2x2(x, geo)
        if not np.isnan(best).any():  # NaN has its own rule (below)
            return best, arg
    xp = geo.pad(x, -np.inf if floating else np.iinfo(x.dtype).min)
    views = [xp[view] for _, view in geo.offsets()]
    best = views[0].copy()
    if not need_arg:
        for v in views[1:]:
            np.maximum(best, v, out=best)
        return best, None
    arg = np.zeros(best.shape, np.uint8 if len(views) <= 256 else np.int32)
    for k, v in enumerate(views[1:], 1):
        take = np.greater(v, best)
        np.copyto(best, v, where=take)
        np.copyto(arg, k, where=take)
    if floating and np.isnan(x.sum()):  # rare: redo with PyTorch's rule, a NaN always wins
        best[...] = views[0]
        arg[...] = 0
        for k, v in enumerate(views[1:], 1):
            take = np.greater(v, best) | np.isnan(v)
            np.copyto(best, v, where=take)
            np.copyto(arg, k, where=take)
    return best, arg


def _flat_indices(arg: np.ndarray, geo: _Geometry) -> np.ndarray:
    """Kernel offsets → PyTorch's indices: the flat position within the (unpadded) input plane."""
    nd = len(geo.kernel)
    offsets = np.unravel_index(arg, geo.kernel)
    flat = np.zeros(arg.shape, np.int64)
    for i in range(nd):
        pos = np.arange(geo.out[i]) * geo.stride[i] - geo.padding[i]
        pos = pos.reshape((-1,) + (1,) * (nd - 1 - i)) + offsets[i] * geo.dilation[i]
        flat = flat * geo.spatial[i] + pos
    return flat


def _scatter(grad: np.ndarray, arg: np.ndarray, geo: _Geometry) -> np.ndarray:
    """Adjoint of the max selection: each gradient goes to the input element that won its window."""
    if _is_2x2_tiling(geo):
        return _scatter_2x2(grad, arg, geo)  # NOTE [ 2x2 max pooling ]
    res = np.zeros(grad.shape[: grad.ndim - len(geo.kernel)] + geo.padded(), grad.dtype)
    overlapping = any(s < d * (k - 1) + 1 for k, s, d in zip(geo.kernel, geo.stride, geo.dilation))
    for k, view in geo.offsets():
        won = arg == k
        if overlapping:  # windows share inputs: add
            res[view] += np.where(won, grad, grad.dtype.type(0))
        else:  # each input is in at most one window: write
            np.copyto(res[view], grad, where=won)
    return res[geo.interior()]


def _gather(x: np.ndarray, arg: np.ndarray, geo: _Geometry) -> np.ndarray:
    """The max selection with known winners: out = x at each window's winning offset."""
    xp = geo.pad(x, 0)
    res = np.zeros(arg.shape, x.dtype)
    for k, view in geo.offsets():
        np.copyto(res, xp[view], where=arg == k)
    return res


class _MaxPoolBackward(Node):
    def backward(self, grad):
        return (_max_scatter(grad, self.arg, self.geo),)


class _MaxPoolBackwardBackward(Node):
    def backward(self, grad):
        return (_max_gather(grad, self.arg, self.geo),)


_MAX_NODES = {
    nd: type(f"MaxPool{nd}DWithIndicesBackward0", (_MaxPoolBackward,), {"__module__": __name__})
    for nd in (2, 3)
}
_MAX_BACKWARD_NODES = {
    nd: type(
        f"MaxPool{nd}DWithIndicesBackwardBackward0",
        (_MaxPoolBackwardBackward,),
        {"__module__": __name__},
    )
    for nd in (2, 3)
}


def _max_scatter(grad: Tensor, arg, geo) -> Tensor:
    nd = len(geo.kernel)
    return finish(
        _MAX_BACKWARD_NODES[nd], _scatter(grad._data, arg, geo), (grad,), arg=arg, geo=geo
    )


def _max_gather(x: Tensor, arg, geo) -> Tensor:
    return finish(_MAX_NODES[len(geo.kernel)], _gather(x._data, arg, geo), (x,), arg=arg, geo=geo)


def _check_max_pool(x: np.ndarray, nd: int, kernel, stride, padding, dilation) -> None:
    if any(k <= 0 for k in kernel):
        raise RuntimeError(
            "kernel size should be greater than zero, but got "
            + " ".join(f"k{a}: {k}" for a, k in zip("HW" if nd == 2 else "THW", kernel))
        )
    if any(s <= 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(
            "dilation should be greater than zero, but got "
            + " ".join(f"dilation{a}: {d}" for a, d in zip("HW" if nd == 2 else "THW", dilation))
        )
    if any(p < 0 for p in padding):
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(padding)}")
    if any(p > (d * (k - 1) + 1) // 2 for k, p, d in zip(kernel, padding, dilation)):
        p, k, d = next(
            (p, k, d) for k, p, d in zip(kernel, padding, dilation) if p > (d * (k - 1) + 1) // 2
        )
        raise RuntimeError(
            f"pad should be at most half of effective kernel size, but got pad={p}, "
            f"kernel_size={k} and dilation={d}"
        )
    if x.ndim not in (nd + 1, nd + 2) or any(s == 0 for s in x.shape[-nd - 1 :]):
        raise RuntimeError(
            f"Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with optional 0 dim batch size for "
            f"input, but got:{_size_str(x.shape)}"
            if x.ndim in (nd + 1, nd + 2)
            else f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input"
        )


def _too_small(x: np.ndarray, geo: _Geometry) -> None:
    if any(o < 1 for o in geo.out):
        nd = len(geo.kernel)
        c = x.shape[-nd - 1]
        raise RuntimeError(
            f"Given input size: ({'x'.join(map(str, (c, *geo.spatial)))}). Calculated output size: "
            f"({'x'.join(map(str, (c, *geo.out)))}). Output size is too small"
        )


def _max_pool(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    fn = f"max_pool{nd}d"
    kernel = _tuple(kernel_size, nd, "kernel_size", fn)
    stride = _tuple(stride, nd, "stride", fn, default=kernel)
    padding = _tuple(padding, nd, "padding", fn)
    dilation = _tuple(dilation, nd, "dilation", fn)
    x = input._data
    _check_max_pool(x, nd, kernel, stride, padding, dilation)
    geo = _Geometry(x.shape[-nd:], kernel, stride, padding, dilation, ceil_mode)
    _too_small(x, geo)
    out, arg = _max_forward(x, geo, need_arg=return_indices or needs_grad(input))
    res = finish(_MAX_NODES[nd], out, (input,), arg=arg, geo=geo)
    return res, arg, geo


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = True):  # fmt: skip
    """``torch.nn.functional.max_pool2d_with_indices``: (output, int64 flat indices into H·W)."""
    res, arg, geo = _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, True)
    return res, Tensor._make(_flat_indices(arg, geo))


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):  # fmt: skip
    """``torch.nn.functional.max_pool2d`` over (N, C, H, W) or (C, H, W)."""
    if return_indices:
        return max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, False)[0]


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = True):  # fmt: skip
    """``torch.nn.functional.max_pool3d_with_indices``."""
    res, arg, geo = _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, True)
    return res, Tensor._make(_flat_indices(arg, geo))


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):  # fmt: skip
    """``torch.nn.functional.max_pool3d`` over (N, C, D, H, W) or (C, D, H, W)."""
    if return_indices:
        return max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, False)[0]


def _one(value, name: str) -> int:
    """A 1-d pooling argument: an int or a 1-sequence."""
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise RuntimeError(
                f"max_pool1d() {name} must be an int or int list of size 1 but got size {len(value)}"
            )
        return int(value[0])
    return int(value)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = True):  # fmt: skip
    """``torch.nn.functional.max_pool1d_with_indices``: the 2-d op on (N, C, 1, L)."""
    x = input._data
    if x.ndim not in (2, 3):
        raise RuntimeError(
            "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
            f"input, but got:{_size_str(x.shape)}"
        )
    k = _one(kernel_size, "kernel_size")
    s = k if stride is None or stride == [] or stride == () else _one(stride, "stride")
    out, indices = max_pool2d_with_indices(
        input.unsqueeze(-2), (1, k), (1, s), (0, _one(padding, "padding")),
        (1, _one(dilation, "dilation")), ceil_mode,
    )  # fmt: skip
    return out.squeeze(-2), indices.squeeze(-2)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):  # fmt: skip
    """``torch.nn.functional.max_pool1d`` over (N, C, L) or (C, L)."""
    x = input._data
    if x.ndim not in (2, 3):
        raise RuntimeError(
            "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
            f"input, but got:{_size_str(x.shape)}"
        )
    k, p, d = _one(kernel_size, "kernel_size"), _one(padding, "padding"), _one(dilation, "dilation")
    s = k if stride is None or stride == [] or stride == () else _one(stride, "stride")
    if return_indices:
        return max_pool1d_with_indices(input, k, s, p, d, ceil_mode)
    if k <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(
            f"max_pool1d() padding should be at most half of kernel size, but got padding={p} and "
            f"kernel_size={k}"
        )
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    out_len = _pool_out(x.shape[-1], k, p, s, d, ceil_mode)
    if out_len < 1:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out_len}")
    return max_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), (1, d), ceil_mode).squeeze(-2)


# --- average pooling -----------------------------------------------------------------------------
def _avg_divisor(geo: _Geometry, count_include_pad: bool, divisor_override) -> np.ndarray | int:
    """Each window's divisor (AvgPool2d.cpp): windows clipped to the padded input, or to the input."""
    if divisor_override:
        return divisor_override
    nd = len(geo.kernel)
    div = np.ones((1,) * nd, np.int64)
    for i, (size, k, s, p, o) in enumerate(
        zip(geo.spatial, geo.kernel, geo.stride, geo.padding, geo.out)
    ):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, size + p)
        if not count_include_pad:
            end = np.minimum(end, size)
            start = np.maximum(start, 0)
        div = div * (end - start).reshape((-1,) + (1,) * (nd - 1 - i))
    return div


def _avg_forward(x: np.ndarray, geo: _Geometry, divisor) -> np.ndarray:
    xp = geo.pad(x, 0)
    acc = None
    for _, view in geo.offsets():
        if acc is None:
            acc = xp[view].copy()
        else:
            acc += xp[view]
    if x.dtype.kind in "iu":
        return (np.trunc(acc / divisor)).astype(x.dtype)
    return (acc / divisor).astype(x.dtype, copy=False)


def _avg_adjoint(grad: np.ndarray, geo: _Geometry, divisor) -> np.ndarray:
    g = (grad / divisor).astype(grad.dtype, copy=False)
    res = np.zeros(grad.shape[: grad.ndim - len(geo.kernel)] + geo.padded(), grad.dtype)
    for _, view in geo.offsets():
        res[view] += g
    return res[geo.interior()]


class _AvgPoolBackward(Node):
    def backward(self, grad):
        return (_avg_pool_adjoint(grad, self.geo, self.divisor),)


class _AvgPoolBackwardBackward(Node):
    def backward(self, grad):
        return (_avg_pool_op(grad, self.geo, self.divisor),)


_AVG_NODES = {
    nd: type(f"AvgPool{nd}DBackward0", (_AvgPoolBackward,), {"__module__": __name__})
    for nd in (2, 3)
}
_AVG_BACKWARD_NODES = {
    nd: type(
        f"AvgPool{nd}DBackwardBackward0", (_AvgPoolBackwardBackward,), {"__module__": __name__}
    )
    for nd in (2, 3)
}


def _avg_pool_op(x: Tensor, geo: _Geometry, divisor) -> Tensor:
    return finish(
        _AVG_NODES[len(geo.kernel)], _avg_forward(x._data, geo, divisor), (x,), geo=geo,
        divisor=divisor,
    )  # fmt: skip


def _avg_pool_adjoint(grad: Tensor, geo: _Geometry, divisor) -> Tensor:
    return finish(
        _AVG_BACKWARD_NODES[len(geo.kernel)], _avg_adjoint(grad._data, geo, divisor), (grad,),
        geo=geo, divisor=divisor,
    )  # fmt: skip


def _avg_pool(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override) -> Tensor:  # fmt: skip
    fn = f"avg_pool{nd}d"
    kernel = _tuple(kernel_size, nd, "kernel_size", fn)
    stride = _tuple(stride, nd, "stride", fn, default=kernel)
    padding = _tuple(padding, nd, "padding", fn)
    x = input._data
    if x.ndim < nd + 1:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-x.ndim}, {x.ndim - 1}], but "
            f"got {-nd - 1})"
        )
    if any(s <= 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(padding)}")
    if any(p > k // 2 for k, p in zip(kernel, padding)):
        p, k = next((p, k) for k, p in zip(kernel, padding) if p > k // 2)
        raise RuntimeError(
            f"pad should be at most half of effective kernel size, but got pad={p}, "
            f"kernel_size={k} and dilation=1"
        )
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    geo = _Geometry(x.shape[-nd:], kernel, stride, padding, (1,) * nd, ceil_mode)
    _too_small(x, geo)
    return _avg_pool_op(input, geo, _avg_divisor(geo, count_include_pad, divisor_override))


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:  # fmt: skip
    """``torch.nn.functional.avg_pool2d`` over (N, C, H, W) or (C, H, W)."""
    return _avg_pool(
        2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:  # fmt: skip
    """``torch.nn.functional.avg_pool3d`` over (N, C, D, H, W) or (C, D, H, W)."""
    return _avg_pool(
        3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:  # fmt: skip
    """``torch.nn.functional.avg_pool1d``: the 2-d op on (N, C, 1, L)."""
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for argument #1 "
            "'self' (while checking arguments for avg_pool1d)"
        )
    k = _one(kernel_size, "kernel_size")
    s = k if stride is None or stride == [] or stride == () else _one(stride, "stride")
    return avg_pool2d(
        input.unsqueeze(-2), (1, k), (1, s), (0, _one(padding, "padding")), ceil_mode,
        count_include_pad,
    ).squeeze(-2)  # fmt: skip


# --- adaptive pooling ----------------------------------------------------------------------------
def _adaptive_bounds(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """Window i covers [floor(i·size/out), ceil((i+1)·size/out)) (AdaptivePooling.h)."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _adaptive_matrix(size: int, out: int, dtype) -> np.ndarray:
    """The (out, size) averaging matrix of one spatial dim: adaptive average pooling is separable."""
    start, end = _adaptive_bounds(size, out)
    cols = np.arange(size)
    inside = (cols >= start[:, None]) & (cols < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _output_size(output_size, spatial, nd: int, fn: str) -> tuple:
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * nd
    output_size = tuple(output_size)
    if len(output_size) != nd:
        raise RuntimeError(f"{fn}: internal error: output_size.size() must be {nd}")
    return tuple(int(s) if s is not None else size for s, size in zip(output_size, spatial))


class AdaptiveAvgPool2DBackward0(Node):
    def backward(self, grad):
        mh, mw = self.matrices
        return (mh.mT.matmul(grad).matmul(mw),)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """``torch.nn.functional.adaptive_avg_pool2d``: (N, C, H, W) → (N, C, *output_size)."""
    x = input._data
    if x.ndim not in (3, 4):
        raise RuntimeError(
            f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {_size_str(x.shape)}"
        )
    if isinstance(output_size, (list, tuple)) and len(output_size) != 2:
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    oh, ow = _output_size(output_size, x.shape[-2:], 2, "adaptive_avg_pool2d")
    if (oh, ow) == (1, 1):  # PyTorch's shortcut: a plain mean (its grad_fn is MeanBackward1)
        return input.mean((-1, -2), keepdim=True)
    mh = _adaptive_matrix(x.shape[-2], oh, x.dtype)
    mw = _adaptive_matrix(x.shape[-1], ow, x.dtype)
    res = np.matmul(np.matmul(mh, x), mw.T)
    return finish(
        AdaptiveAvgPool2DBackward0, res, (input,),
        matrices=(Tensor._make(mh), Tensor._make(mw)),
    )  # fmt: skip


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """``torch.nn.functional.adaptive_avg_pool1d``: the 2-d op on (N, C, 1, L)."""
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for argument #1 "
            "'self' (while checking arguments for adaptive_avg_pool1d)"
        )
    size = output_size[0] if isinstance(output_size, (list, tuple)) else output_size
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, size)).squeeze(-2)


def _adaptive_max_forward(x: np.ndarray, out: tuple) -> np.ndarray:
    """Flat (H·W) index of each adaptive window's maximum, offset by offset over the largest window."""
    h, w = x.shape[-2:]
    sh, eh = _adaptive_bounds(h, out[0])
    sw, ew = _adaptive_bounds(w, out[1])
    floating = x.dtype.kind == "f"
    best = index = None
    for a in range(int((eh - sh).max())):
        rows = np.minimum(
            sh + a, eh - 1
        )  # a short window repeats its last row: ties keep the first
        for b in range(int((ew - sw).max())):
            cols = np.minimum(sw + b, ew - 1)
            v = x[..., rows[:, None], cols[None, :]]
            flat = rows[:, None] * w + cols[None, :]
            if best is None:
                best, index = v, np.broadcast_to(flat, v.shape).copy()
                continue
            take = v > best
            if floating:
                take |= v != v
            np.copyto(best, v, where=take)
            np.copyto(index, flat, where=take)
    return index


class _IndexBackward(Node):
    def backward(self, grad):
        return (_index_scatter(grad, self.index, self.spatial),)


class AdaptiveMaxPool2DBackwardBackward0(Node):
    def backward(self, grad):
        return (_index_gather(grad, self.index),)


AdaptiveMaxPool2DBackward0 = type(
    "AdaptiveMaxPool2DBackward0", (_IndexBackward,), {"__module__": __name__}
)


def _index_gather(x: Tensor, index: np.ndarray) -> Tensor:
    """out[..., i, j] = x[..., plane position index[..., i, j]]."""
    xd = x._data
    lead = xd.shape[:-2]
    flat = xd.reshape(lead + (-1,))
    res = np.take_along_axis(flat, index.reshape(lead + (-1,)), -1).reshape(index.shape)
    return finish(AdaptiveMaxPool2DBackward0, res, (x,), index=index, spatial=xd.shape[-2:])


def _index_scatter(grad: Tensor, index: np.ndarray, spatial) -> Tensor:
    g = grad._data
    lead = g.shape[:-2]
    rows = math.prod(lead)
    res = np.zeros((rows, math.prod(spatial)), g.dtype)
    np.add.at(res, (np.arange(rows)[:, None], index.reshape(rows, -1)), g.reshape(rows, -1))
    return finish(
        AdaptiveMaxPool2DBackwardBackward0, res.reshape(lead + tuple(spatial)), (grad,),
        index=index,
    )  # fmt: skip


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = True):
    """``torch.nn.functional.adaptive_max_pool2d_with_indices``."""
    x = input._data
    if x.ndim not in (3, 4):
        raise RuntimeError(
            f"adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: {_size_str(x.shape)}"
        )
    if isinstance(output_size, (list, tuple)) and len(output_size) != 2:
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    out = _output_size(output_size, x.shape[-2:], 2, "adaptive_max_pool2d")
    index = _adaptive_max_forward(x, out)
    return _index_gather(input, index), Tensor._make(index)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """``torch.nn.functional.adaptive_max_pool2d``: max over adaptive windows."""
    res, indices = adaptive_max_pool2d_with_indices(input, output_size)
    return (res, indices) if return_indices else res


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = True):
    """``torch.nn.functional.adaptive_max_pool1d_with_indices``: the 2-d op on (N, C, 1, L)."""
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"adaptive_max_pool1d(): Expected 2D or 3D tensor, but got: {_size_str(input.shape)}"
        )
    size = output_size[0] if isinstance(output_size, (list, tuple)) else output_size
    res, indices = adaptive_max_pool2d_with_indices(input.unsqueeze(-2), (1, size))
    return res.squeeze(-2), indices.squeeze(-2)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """``torch.nn.functional.adaptive_max_pool1d``."""
    res, indices = adaptive_max_pool1d_with_indices(input, output_size)
    return (res, indices) if return_indices else res
