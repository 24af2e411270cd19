"""Convolution: ``convolution conv1d conv2d conv3d conv_transpose1d/2d/3d unfold fold``.

Follows ``aten/src/ATen/native/Convolution.cpp`` (argument checks and their messages) and
``Im2Col.cpp``/``Col2Im.cpp`` (``F.unfold``/``F.fold``). Every convolution runs on BLAS:

NOTE [ im2col convolution ]
``_im2col`` copies the receptive fields of an (N, C, *S) input into an (N, C·∏K, L) array (L = the
number of output positions) through one strided view (``as_strided``), so the copy is a single
NumPy call, never a Python loop over pixels. A convolution is then a matmul of the (g, Cout/g,
C/g·∏K) weight with those columns: per sample, or once for the whole batch (NOTE [ im2col
layouts ]). ``_col2im`` is its adjoint: it adds each kernel offset's slab back into the (padded)
input, a loop over the ∏K kernel offsets, each a vectorised strided add. Transposed convolution
is ``_col2im`` of the weight-times-input product, and its gradients swap the roles.

Backward is written with tensor ops (matmul, ``_im2col``/``_col2im`` as differentiable ops), so
double backward (``create_graph=True``) works; with grad mode off (a plain ``backward()``) those
tensor ops record nothing and cost one NumPy call each, and the input gradient of a stride-1
convolution takes the faster array path of NOTE [ col2im on a wide grid ]. The forward keeps its
im2col array for the weight gradient unless it is large (``_KEEP_COL_BYTES``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.graph import Node
from ._base import finish

__all__ = ["convolution", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]  # fmt: skip

# NOTE [ im2col layouts ]
# Columns are always (N, C·∏K, L) logically. Physically they are either sample-major (contiguous as
# such: one small GEMM per sample whose result lands in (N, Cout, L) order, no transposes) or
# patch-major (a transposed view of a contiguous (C·∏K, N, L) array: one large GEMM for the whole
# batch, paying for a transposed copy of the output and of its gradient). With few input channels
# the patch is short, the GEMMs are thin and those transposes would cost as much as the GEMM itself:
# sample-major wins. With long patches one large GEMM wins: it keeps BLAS's threads busy instead of
# synchronising them N times per product, which matters most on a loaded machine.
_PATCH_MAJOR_MIN = 64

# NOTE [ Bias as a row of ones ]
# A sample-major convolution with a bias appends a row of ones to each sample's columns and the
# bias as a last column of the weight, so the GEMM adds the bias (instead of a separate pass over
# the whole output), and in backward the same product with the saved columns gives the bias
# gradient as the last column of [dW | db] (instead of a reduction over the output gradient).
# The bias then joins each output's dot product as one more term, rounded with it.

# Keep the forward's im2col array for backward when it is at most this big; larger ones are
# recomputed from the saved input (a copy, cheaper than holding ∏K times the input in memory).
_KEEP_COL_BYTES = 1 << 27


# --- argument handling -------------------------------------------------------------------------
def _expand(value, n: int, name: str) -> tuple:
    """An int or a sequence of n ints → an n-tuple (PyTorch's ``expand_param_if_needed``)."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {n} values to match the "
            f"convolution dimensions, but got {name}={list(value)}"
        )
    return value


def _size_str(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _pads(padding, n: int) -> tuple:
    """Symmetric padding p → ((p, p), ...) per spatial dim."""
    return tuple((p, p) for p in _expand(padding, n, "padding"))


def _same_pads(kernel, dilation) -> tuple:
    """``padding='same'``: total d·(k-1), the odd extra on the high side (as PyTorch does)."""
    pads = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _out_sizes(spatial, kernel, stride, pads, dilation) -> tuple:
    return tuple(
        (s + lo + hi - d * (k - 1) - 1) // st + 1
        for s, k, st, (lo, hi), d in zip(spatial, kernel, stride, pads, dilation)
    )


# --- array kernels -----------------------------------------------------------------------------
def _pad_array(x: np.ndarray, pads) -> np.ndarray:
    """Zero-pad the spatial dims (all but the first two) of ``x`` by ((lo, hi), ...)."""
    if not any(lo or hi for lo, hi in pads):
        return x
    lead = x.ndim - len(pads)
    out = np.zeros(
        x.shape[:lead] + tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[lead:], pads)), x.dtype
    )
    out[(Ellipsis, *(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[lead:], pads)))] = x
    return out


def _im2col(
    x: np.ndarray, kernel, stride, pads, dilation, patch_major: bool = False, ones_row: bool = False
) -> tuple[np.ndarray, tuple]:
    """(N, C, *S) → ((N, C·∏K, L) columns, output sizes O). NOTE [ im2col convolution ].

    ``patch_major``: the columns are a view of a contiguous (C·∏K, N, L) array (NOTE [ im2col layouts ]).
    ``ones_row`` (sample-major only): (N, C·∏K + 1, L), the last row all ones (NOTE [ Bias as a
    row of ones ]).
    """
    xp = _pad_array(x, pads)
    n, c = xp.shape[:2]
    out = _out_sizes(x.shape[2:], kernel, stride, pads, dilation)
    sp = xp.strides[2:]
    kernel_strides = tuple(s * d for s, d in zip(sp, dilation))
    out_strides = tuple(s * st for s, st in zip(sp, stride))
    sn, sc = xp.strides[:2]
    if patch_major:
        shape, strides = (c, *kernel, n, *out), (sc, *kernel_strides, sn, *out_strides)
    else:
        shape, strides = (n, c, *kernel, *out), (sn, sc, *kernel_strides, *out_strides)
    windows = as_strided(xp, shape=shape, strides=strides, writeable=False)
    patch, positions = c * math.prod(kernel), math.prod(out)
    if ones_row:
        col = np.empty((n, patch + 1, positions), x.dtype)
        np.copyto(col[:, :patch].reshape(shape), windows)
        col[:, patch] = 1
        return col, out
    col = np.empty(shape, x.dtype)
    np.copyto(col, windows)
    if patch_major:
        return col.reshape(patch, n, positions).transpose(1, 0, 2), out
    return col.reshape(n, patch, positions), out


def _col2im(col: np.ndarray, spatial, kernel, stride, pads, dilation) -> np.ndarray:
    """(N, C·∏K, L) → (N, C, *S): sum every column entry back into the input position it came from."""
    out = _out_sizes(spatial, kernel, stride, pads, dilation)
    n = col.shape[0]
    c = col.shape[1] // math.prod(kernel)
    col = col.reshape(n, c, *kernel, *out)
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    res = np.zeros((n, c, *padded), col.dtype)
    for offset in np.ndindex(*kernel):
        target = tuple(
            slice(o * d, o * d + st * (m - 1) + 1, st)
            for o, d, st, m in zip(offset, dilation, stride, out)
        )
        res[(slice(None), slice(None), *target)] += col[(slice(None), slice(None), *offset)]
    return _crop(res, pads)


# NOTE [ col2im on a wide grid ]
# The adjoint of a stride-1 convolution (its input gradient; a stride-1 transposed convolution) is
# Wᵀ·g followed by col2im. Done as such, col2im adds ∏K slabs whose innermost runs are one output
# row long (11 floats for a 13×13 input): NumPy then spends its time starting inner loops. Instead,
# g is zero-padded so each output row is as long as a padded input row (the "wide" grid); then
# kernel offset a's contribution to a (sample, channel) plane is one contiguous run, shifted by
# a's flat offset in the padded plane, and each offset is a single add over long rows. The padding
# costs ~18% more GEMM columns for a 3×3 kernel, and the padded positions contribute exact zeros
# (Wᵀ·0), so this needs finite weights. Positions that run past a row end land on the next row's
# start (adding zero) or in ``slack`` floats past the plane.
def _col2im_wide(
    grad: np.ndarray, w_t: np.ndarray, padded, kernel, dilation, batch_first: bool
) -> np.ndarray:
    """Σ over kernel offsets of (``w_t`` @ ``grad``) shifted into the padded input space.

    ``grad`` (N, g·M, *O) is a stride-1 convolution's output gradient, ``w_t`` the (g, C/g·∏K, M)
    transposed weight; returns (N, C, *padded) if ``batch_first`` else a (C, N, *padded) array.
    """
    n, out = grad.shape[0], grad.shape[2:]
    groups, patch, m = w_t.shape
    channels = groups * patch // math.prod(kernel)
    wide = (out[0], *padded[1:])
    length = math.prod(wide)
    plane_strides = [math.prod(padded[d + 1 :]) for d in range(len(padded))]
    shifts = [
        sum(a * dil * st for a, dil, st in zip(offset, dilation, plane_strides))
        for offset in np.ndindex(*kernel)
    ]
    slack = max(0, shifts[-1] + length - math.prod(padded))
    inner = (Ellipsis, *(slice(0, o) for o in out[1:]))
    grad = grad.reshape(n, groups, m, *out)
    if batch_first:  # (N, g, M, *wide) @ → (N, g, C/g·∏K, L): one GEMM per sample
        wide_grad = np.zeros((n, groups, m, *wide), grad.dtype)
        wide_grad[inner] = grad
        cols = np.matmul(w_t, wide_grad.reshape(n, groups, m, length))
        cols = cols.reshape(n, channels, len(shifts), length).transpose(2, 0, 1, 3)
        res = np.zeros((n, channels, math.prod(padded) + slack), grad.dtype)
    else:  # (g, M, N·L): one GEMM for the batch
        wide_grad = np.zeros((groups, m, n, *wide), grad.dtype)
        wide_grad[inner] = grad.transpose(1, 2, 0, *range(3, grad.ndim))
        cols = np.matmul(w_t, wide_grad.reshape(groups, m, n * length))
        cols = cols.reshape(channels, len(shifts), n, length).transpose(1, 0, 2, 3)
        res = np.zeros((channels, n, math.prod(padded) + slack), grad.dtype)
    for shift, col in zip(shifts, cols):
        res[..., shift : shift + length] += col
    return res[..., : math.prod(padded)].reshape(*res.shape[:2], *padded)


def _wide_grid_applies(stride, weight: np.ndarray) -> bool:
    """NOTE [ col2im on a wide grid ]: stride 1 and finite weights (padding times inf is NaN)."""
    return all(s == 1 for s in stride) and bool(np.isfinite(weight).all())


def _crop(x: np.ndarray, pads) -> np.ndarray:
    """The interior of a spatially padded (·, ·, *S) array."""
    if not any(lo or hi for lo, hi in pads):
        return x
    return x[
        (slice(None), slice(None), *(slice(lo, s - hi) for s, (lo, hi) in zip(x.shape[2:], pads)))
    ]


# --- im2col / col2im as differentiable ops (F.unfold / F.fold, and conv's backward) ------------
class Im2ColBackward0(Node):
    def backward(self, grad):
        return (col2im(grad, self.spatial, self.kernel, self.stride, self.pads, self.dilation),)


class Col2ImBackward0(Node):
    def backward(self, grad):
        return (im2col(grad, self.kernel, self.stride, self.pads, self.dilation),)


def im2col(input: Tensor, kernel, stride, pads, dilation) -> Tensor:
    """(N, C, *S) → (N, C·∏K, L), or unbatched (C, *S) → (C·∏K, L); its gradient is ``col2im``."""
    x = input._data
    unbatched = x.ndim == len(kernel) + 1
    col, _ = _im2col(x[None] if unbatched else x, kernel, stride, pads, dilation)
    return finish(
        Im2ColBackward0, col[0] if unbatched else col, (input,), spatial=x.shape[-len(kernel) :],
        kernel=kernel, stride=stride, pads=pads, dilation=dilation,
    )  # fmt: skip


def col2im(input: Tensor, spatial, kernel, stride, pads, dilation) -> Tensor:
    """(N, C·∏K, L) → (N, C, *S), or unbatched (C·∏K, L) → (C, *S); its gradient is ``im2col``."""
    col = input._data
    unbatched = col.ndim == 2
    res = _col2im(col[None] if unbatched else col, spatial, kernel, stride, pads, dilation)
    return finish(
        Col2ImBackward0, res[0] if unbatched else res, (input,), kernel=kernel, stride=stride,
        pads=pads, dilation=dilation,
    )  # fmt: skip


# --- convolution ---------------------------------------------------------------------------------
def _bias_grad(grad: Tensor) -> Tensor:
    """Σ of the output gradient over all but the channel dim: over the batch first (whole planes
    added at once), then within each channel's plane (contiguous rows) — twice as fast as one
    reduction over (0, 2, ...), which NumPy runs as short inner loops."""
    if grad_mode.enabled:
        return grad.sum((0, *range(2, grad.ndim)))
    g = grad._data
    return Tensor._make(g.sum(0).reshape(g.shape[1], -1).sum(-1))


class ConvolutionBackward0(Node):
    """Gradients of ``convolution`` (direct or transposed), from tensor ops (NOTE [ im2col convolution ])."""

    col = None

    def release(self) -> None:
        super().release()
        self.col = None

    def backward(self, grad):
        input, weight = self.saved_tensors
        need_input, need_weight, need_bias = (f is not None for f, _ in self.next_functions)
        g = self.groups
        n = grad.shape[0]
        if self.transposed:
            grad_input, grad_weight = self._transposed(input, weight, grad, need_input, need_weight)
            return grad_input, grad_weight, _bias_grad(grad) if need_bias else None
        cout = weight.shape[0]
        positions = math.prod(grad.shape[2:])
        patch = weight.numel() // cout  # C/g·∏K: one output channel's receptive field
        patch_major = patch >= _PATCH_MAJOR_MIN  # NOTE [ im2col layouts ]
        if patch_major:  # (g, Cout/g, N·L): one GEMM for the batch
            grads = grad.transpose(0, 1).reshape(g, cout // g, n * positions)
        else:  # (N, g, Cout/g, L): one GEMM per sample
            grads = grad.reshape(n, g, cout // g, positions)
        grad_input = grad_weight = grad_bias = None
        if need_input and not grad_mode.enabled and _wide_grid_applies(self.stride, weight._data):
            w_t = weight._data.reshape(g, cout // g, patch).transpose(0, 2, 1)
            padded = tuple(s + lo + hi for s, (lo, hi) in zip(input.shape[2:], self.pads))
            res = _col2im_wide(grad._data, w_t, padded, self.kernel, self.dilation, not patch_major)
            res = _crop(res, self.pads)
            grad_input = Tensor._make(
                np.ascontiguousarray(res.swapaxes(0, 1) if patch_major else res)
            )
        elif need_input:
            w_t = weight.reshape(g, cout // g, patch).transpose(1, 2)
            cols = w_t.matmul(grads)
            if patch_major:
                cols = cols.reshape(g * patch, n, positions).transpose(0, 1)
            else:
                cols = cols.reshape(n, g * patch, positions)
            grad_input = col2im(
                cols, input.shape[2:], self.kernel, self.stride, self.pads, self.dilation
            )
        if need_weight:
            if self.col is not None and not grad_mode.enabled:
                col = Tensor._make(self.col)
            else:
                col = im2col(input, self.kernel, self.stride, self.pads, self.dilation)
            if patch_major:
                col = col.transpose(0, 1).reshape(g, patch, n * positions)
                # (colᵀ gᵀ)ᵀ: OpenBLAS runs this orientation of the long-K product ~15% faster
                grad_weight = col.matmul(grads.transpose(-1, -2)).transpose(-1, -2)
                grad_weight = grad_weight.reshape(weight.shape)
            elif col.shape[1] == patch + 1:  # NOTE [ Bias as a row of ones ]: [dW | db] at once
                both = grads.reshape(n, cout, positions).matmul(col.transpose(-1, -2)).sum(0)
                grad_weight = both[:, :patch].contiguous().reshape(weight.shape)
                grad_bias = both[:, patch].contiguous() if need_bias else None
            else:
                col = col.reshape(n, g, patch, positions).transpose(-1, -2)
                grad_weight = grads.matmul(col).sum(0).reshape(weight.shape)
        if need_bias and grad_bias is None:
            grad_bias = _bias_grad(grad)
        return grad_input, grad_weight, grad_bias

    def _transposed(self, input, weight, grad, need_input, need_weight):
        # y = col2im(Wᵀ x): so dx = W im2col(dy) and dW = x im2col(dy)ᵀ.
        g = self.groups
        n, cin = input.shape[:2]
        col = im2col(grad, self.kernel, self.stride, self.pads, self.dilation)
        blocks = _out_sizes(grad.shape[2:], self.kernel, self.stride, self.pads, self.dilation)
        if blocks != input.shape[2:]:  # output_padding added positions no input position reaches
            col = col.reshape(n, -1, *blocks)[(Ellipsis, *(slice(s) for s in input.shape[2:]))]
        positions = math.prod(input.shape[2:])
        col = col.reshape(n, g, weight.numel() // cin, positions)
        grad_input = grad_weight = None
        if need_input:
            w = weight.reshape(g, cin // g, weight.numel() // cin)
            grad_input = w.matmul(col).reshape(input.shape)
        if need_weight:
            x = input.reshape(n, g, cin // g, positions)
            grad_weight = x.matmul(col.transpose(-1, -2)).sum(0).reshape(weight.shape)
        return grad_input, grad_weight


def _check_convolution(input, weight, bias, nd, transposed, groups, name) -> None:
    x, w = input._data, weight._data
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if w.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{_size_str(w.shape)}] instead"
        )
    channels = w.shape[0] if transposed else w.shape[1] * groups
    if x.shape[1] != channels:
        what = (
            "Given transposed=1, weight of size"
            if transposed
            else f"Given groups={groups}, weight of size"
        )
        raise RuntimeError(
            f"{what} {_size_str(w.shape)}, expected input{_size_str(x.shape)} to have "
            f"{channels} channels, but got {x.shape[1]} channels instead"
        )
    if x.dtype != w.dtype:
        raise RuntimeError(
            f"expected scalar type {input.dtype._legacy} but found {weight.dtype._legacy}"
        )
    if bias is not None:
        out_channels = w.shape[1] * groups if transposed else w.shape[0]
        if bias._data.ndim != 1 or bias._data.shape[0] != out_channels:
            raise RuntimeError(
                f"Given weight of size {_size_str(w.shape)}, expected bias to be 1-dimensional with "
                f"{out_channels} elements, but got bias of size {_size_str(bias._data.shape)} instead"
            )
        if bias._data.dtype != x.dtype:
            raise RuntimeError(
                f"Input type ({input.dtype._legacy.lower()}) and bias type "
                f"({bias.dtype._legacy.lower()}) should be the same"
            )


def _convolution(input, weight, bias, stride, pads, dilation, transposed, output_padding, groups):
    """The op: batched (N, C, *S) input, normalised arguments (pads as (lo, hi) pairs)."""
    x, w = input._data, weight._data
    nd = x.ndim - 2
    kernel = w.shape[2:]
    n = x.shape[0]
    bias_added = False
    if transposed:
        cin = x.shape[1]
        cout = w.shape[1] * groups
        out = tuple(
            (s - 1) * st - lo - hi + d * (k - 1) + op + 1
            for s, st, (lo, hi), d, k, op in zip(
                x.shape[2:], stride, pads, dilation, kernel, output_padding
            )
        )
        positions = math.prod(x.shape[2:])
        wg = w.reshape(groups, cin // groups, w.size // cin).swapaxes(1, 2)
        if _wide_grid_applies(stride, w):
            padded = tuple(o + lo + hi for o, (lo, hi) in zip(out, pads))
            res = np.ascontiguousarray(
                _crop(_col2im_wide(x, wg, padded, kernel, dilation, batch_first=True), pads)
            )
        else:
            xg = x.reshape(n, groups, cin // groups, positions)
            cols = np.matmul(wg, xg).reshape(n, cout * math.prod(kernel), positions)
            res = _col2im(cols, out, kernel, stride, pads, dilation)
        col = None
    else:
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], pads))
        effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        if any(p < e for p, e in zip(padded, effective)):
            raise RuntimeError(
                f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                f"Kernel size: ({' x '.join(map(str, effective))}). Kernel size can't be greater "
                "than actual input size"
            )
        cout = w.shape[0]
        patch = w.size // cout
        wg = w.reshape(groups, cout // groups, patch)
        patch_major = patch >= _PATCH_MAJOR_MIN  # NOTE [ im2col layouts ]
        ones_row = bias is not None and groups == 1 and not patch_major
        col, out = _im2col(x, kernel, stride, pads, dilation, patch_major, ones_row)
        positions = col.shape[-1]
        if patch_major:
            prod = np.matmul(wg, col.transpose(1, 0, 2).reshape(groups, patch, n * positions))
            res = np.empty((n, cout, *out), x.dtype)
            by_sample = prod.reshape(cout, n, positions).transpose(1, 0, 2)
            if bias is None:
                np.copyto(res.reshape(n, cout, positions), by_sample)
            else:  # the bias rides along the copy into (N, Cout, L) order
                np.add(by_sample, bias._data[:, None], out=res.reshape(n, cout, positions))
                bias_added = True
        elif ones_row:  # NOTE [ Bias as a row of ones ]
            w_and_bias = np.concatenate([w.reshape(cout, patch), bias._data[:, None]], axis=1)
            res = np.matmul(w_and_bias, col).reshape(n, cout, *out)
            bias_added = True
        else:
            prod = np.matmul(wg, col.reshape(n, groups, patch, positions))
            res = prod.reshape(n, cout, *out)
        if col.nbytes > _KEEP_COL_BYTES:
            col = None
    if bias is not None and not bias_added:
        res += bias._data.reshape((-1,) + (1,) * nd)
    return finish(
        ConvolutionBackward0, res, (input, weight, bias), save=(input, weight), col=col,
        kernel=kernel, stride=stride, pads=pads, dilation=dilation, transposed=transposed,
        groups=groups,
    )  # fmt: skip


def _conv(name, nd, input, weight, bias, stride, padding, dilation, groups, transposed=False,
          output_padding=0) -> Tensor:  # fmt: skip
    """Shared front end of conv{1,2,3}d / conv_transpose{1,2,3}d: checks, unbatched input, 'same'."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(
            f"{name}() received an invalid combination of arguments - got "
            f"({type(input).__name__}, {type(weight).__name__}), but expected one of:"
        )
    x = input._data
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got "
            f"input of size: {_size_str(x.shape)}"
        )
    stride = _expand(stride, nd, "stride")
    dilation = _expand(dilation, nd, "dilation")
    if weight._data.ndim != nd + 2:  # PyTorch notices it when matching stride to the weight
        raise RuntimeError(
            f"expected stride to be a single integer value or a list of {weight._data.ndim - 2} "
            f"values to match the convolution dimensions, but got stride={list(stride)}"
        )
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if isinstance(padding, str) and transposed:
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = _same_pads(weight._data.shape[2:], dilation)
            if any(lo != hi for lo, hi in pads):
                warnings.warn(
                    "Using padding='same' with even kernel lengths and odd dilation may require a "
                    "zero-padded copy of the input be created (Triggered internally at "
                    "/__w/pytorch/pytorch/aten/src/ATen/native/Convolution.cpp:1101.)",
                    UserWarning,
                    stacklevel=3,
                )
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        pads = _pads(padding, nd)
        if any(lo < 0 for lo, _ in pads):
            raise RuntimeError("negative padding is not supported")
    output_padding = _expand(output_padding, nd, "output_padding")
    if transposed:
        if any(op >= st and op >= d for op, st, d in zip(output_padding, stride, dilation)):
            dims = ["height", "width"] if nd == 2 else ["depth", "height", "width"][-nd:]
            raise RuntimeError(
                "output padding must be smaller than either stride or dilation, but got "
                + " ".join(f"output_padding_{d}: {v}" for d, v in zip(dims, output_padding))
                + " "
                + " ".join(f"stride_{d}: {v}" for d, v in zip(dims, stride))
                + " "
                + " ".join(f"dilation_{d}: {v}" for d, v in zip(dims, dilation))
            )
    unbatched = x.ndim == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
    _check_convolution(input, weight, bias, nd, transposed, groups, name)
    res = _convolution(
        input, weight, bias, stride, pads, dilation, transposed, output_padding, groups
    )
    return res.squeeze(0) if unbatched else res


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                groups) -> Tensor:  # fmt: skip
    """``torch.convolution``: the op every conv function dispatches to."""
    nd = weight.ndim - 2
    name = f"conv_transpose{nd}d" if transposed else f"conv{nd}d"
    return _conv(name, nd, input, weight, bias, stride, padding, dilation, groups, transposed,
                 output_padding)  # fmt: skip


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """``torch.nn.functional.conv1d``: (N, C, L) input, (Cout, C/groups, k) weight."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """``torch.nn.functional.conv2d``: (N, C, H, W) input, (Cout, C/groups, kH, kW) weight."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """``torch.nn.functional.conv3d``: (N, C, D, H, W) input."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:  # fmt: skip
    """``torch.nn.functional.conv_transpose1d``: weight (C, Cout/groups, k)."""
    return _conv("conv_transpose1d", 1, input, weight, bias, stride, padding, dilation, groups,
                 True, output_padding)  # fmt: skip


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:  # fmt: skip
    """``torch.nn.functional.conv_transpose2d``: weight (C, Cout/groups, kH, kW)."""
    return _conv("conv_transpose2d", 2, input, weight, bias, stride, padding, dilation, groups,
                 True, output_padding)  # fmt: skip


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> Tensor:  # fmt: skip
    """``torch.nn.functional.conv_transpose3d``."""
    return _conv("conv_transpose3d", 3, input, weight, bias, stride, padding, dilation, groups,
                 True, output_padding)  # fmt: skip


# --- F.unfold / F.fold -----------------------------------------------------------------------------
def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """``torch.nn.functional.unfold``: (N, C, H, W) → (N, C·kH·kW, L) sliding blocks (im2col)."""
    if input.ndim not in (3, 4):
        raise NotImplementedError(
            f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)"
        )
    kernel = _expand(kernel_size, 2, "kernel_size")
    dilation, stride = _expand(dilation, 2, "dilation"), _expand(stride, 2, "stride")
    pads = _pads(padding, 2)
    spatial = input.shape[-2:]
    out = _out_sizes(spatial, kernel, stride, pads, dilation)
    if any(o < 1 for o in out):
        raise RuntimeError(
            f"Given input with spatial size ({spatial[0]}, {spatial[1]}), kernel_size=({kernel[0]}, "
            f"{kernel[1]}), dilation=({dilation[0]}, {dilation[1]}), padding=({pads[0][0]}, "
            f"{pads[1][0]}), calculated shape of the array of sliding blocks as ({out[0]}, "
            f"{out[1]}), but its components must be at least one."
        )
    return im2col(input, kernel, stride, pads, dilation)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """``torch.nn.functional.fold``: (N, C·kH·kW, L) → (N, C, H, W), summing overlaps (col2im)."""
    if input.ndim not in (2, 3):
        raise NotImplementedError(
            f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got {input.ndim}D)"
        )
    size = _expand(output_size, 2, "output_size")
    kernel = _expand(kernel_size, 2, "kernel_size")
    dilation, stride = _expand(dilation, 2, "dilation"), _expand(stride, 2, "stride")
    pads = _pads(padding, 2)
    k = math.prod(kernel)
    channels, blocks_given = input.shape[-2:]
    if channels % k:
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
            f"but got input.size(1)={channels} and kernel_size=({kernel[0]}, {kernel[1]})"
        )
    blocks = _out_sizes(size, kernel, stride, pads, dilation)
    if math.prod(blocks) != blocks_given:
        raise RuntimeError(
            f"Given output_size=({size[0]}, {size[1]}), kernel_size=({kernel[0]}, {kernel[1]}), "
            f"dilation=({dilation[0]}, {dilation[1]}), padding=({pads[0][0]}, {pads[1][0]}), "
            f"stride=({stride[0]}, {stride[1]}), expected size of input's dimension 2 to match the "
            f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = {math.prod(blocks)}, "
            f"but got input.size(2)={blocks_given}."
        )
    return col2im(input, size, kernel, stride, pads, dilation)
