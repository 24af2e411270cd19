"""Resampling: ``F.interpolate`` / ``F.upsample*`` in modes nearest, nearest-exact, (bi/tri)linear and
area.

Follows ``torch/nn/functional.py`` (argument handling and messages) and ``UpSample.h`` (source
indices and weights, computed in the input's float type as ATen does: ``nearest_idx``,
``area_pixel_compute_source_index``).

NOTE [ Separable resampling ]
Nearest and (bi/tri)linear resampling act on each spatial axis independently: along one axis an
output element is ``x[i0]`` (nearest) or ``λ0·x[i0] + λ1·x[i1]`` (linear), with per-output indices and
weights. So the N-d operation is one gather (and weighted add) per axis, last axis first, which is
also the order of PyTorch's arithmetic. The gradient is the adjoint, axis by axis in reverse: since
the indices are non-decreasing, each axis's scatter-add is one ``np.add.reduceat`` over runs of
equal indices. Both directions are recorded ops, so double backward works.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd.graph import Node
from ._base import finish

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_LINEAR_MODES = {"linear": 1, "bilinear": 2, "trilinear": 3}


# --- per-axis indices and weights ------------------------------------------------------------------
def _scale(in_size: int, out_size: int, scale, align_corners: bool, dtype) -> np.floating:
    """``area_pixel_compute_scale`` in the opmath type."""
    t = dtype.type
    if align_corners:
        return t(in_size - 1) / t(out_size - 1) if out_size > 1 else t(0)
    if scale is not None and scale > 0:
        return t(1.0 / scale)
    return t(in_size) / t(out_size)


def _nearest_axis(in_size: int, out_size: int, scale, exact: bool) -> np.ndarray:
    """``nearest_idx`` / ``nearest_neighbor_exact_compute_source_index`` (float32 arithmetic)."""
    dst = np.arange(out_size)
    if not exact and out_size == in_size:
        return dst
    if not exact and out_size == 2 * in_size:
        return dst >> 1
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else (
        np.float32(in_size) / np.float32(out_size)
    )  # fmt: skip
    if exact:
        src = ((dst + 0.5) * np.float64(s)).astype(np.float32)
    else:
        src = dst.astype(np.float32) * s
    return np.minimum(np.floor(src).astype(np.int64), in_size - 1)


def _linear_axis(in_size: int, out_size: int, scale, align_corners: bool, dtype):
    """(i0, i1, λ0, λ1) of ``compute_indices_weights_linear``, in the input's float type."""
    t = dtype.type
    s = _scale(in_size, out_size, scale, align_corners, dtype)
    dst = np.arange(out_size).astype(dtype)
    if align_corners:
        src = s * dst
    else:
        src = np.maximum(s * (dst + t(0.5)) - t(0.5), t(0))
    i0 = src.astype(np.int64)
    lam1 = np.clip(src - i0.astype(dtype), t(0), t(1)).astype(dtype)
    lam0 = (t(1) - lam1).astype(dtype)
    i1 = i0 + (i0 < in_size - 1)
    return i0, i1, lam0, lam1


def _shape_along(vector: np.ndarray, axis: int, ndim: int) -> np.ndarray:
    return vector.reshape((-1,) + (1,) * (ndim - 1 - axis))


# --- the separable operator and its adjoint (NOTE [ Separable resampling ]) --------------------------
def _apply(x: np.ndarray, plan) -> np.ndarray:
    for axis, _, terms in reversed(plan):
        out = None
        for idx, weight in terms:
            picked = np.take(x, idx, axis=axis)
            if weight is not None:
                picked = picked * _shape_along(weight, axis, x.ndim)
            out = picked if out is None else out + picked
        x = out
    return x


def _adjoint(g: np.ndarray, plan) -> np.ndarray:
    for axis, in_size, terms in plan:
        shape = list(g.shape)
        shape[axis] = in_size
        res = np.zeros(shape, g.dtype)
        for idx, weight in terms:
            part = g if weight is None else g * _shape_along(weight, axis, g.ndim)
            starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
            sums = np.add.reduceat(part, starts, axis=axis)
            where = [slice(None)] * g.ndim
            where[axis] = idx[starts]
            res[tuple(where)] += sums
        g = res
    return g


class _UpsampleBackward(Node):
    def backward(self, grad):
        return (_resample_adjoint(grad, self.plan, self.backward_node),)


class _UpsampleBackwardBackward(Node):
    def backward(self, grad):
        return (_resample(grad, self.plan, self.forward_node),)


def _resample(x: Tensor, plan, node_cls) -> Tensor:
    backward_node = _BACKWARD_BACKWARD[node_cls.__name__]
    return finish(node_cls, _apply(x._data, plan), (x,), plan=plan, backward_node=backward_node)


def _resample_adjoint(grad: Tensor, plan, node_cls) -> Tensor:
    forward_node = _NODES[node_cls.__name__.replace("BackwardBackward0", "Backward0")]
    return finish(node_cls, _adjoint(grad._data, plan), (grad,), plan=plan,
                  forward_node=forward_node)  # fmt: skip


_NAMES = [f"UpsampleNearest{d}D" for d in (1, 2, 3)]
_NAMES += [f"UpsampleNearestExact{d}D" for d in (1, 2, 3)]
_NAMES += ["UpsampleLinear1D", "UpsampleBilinear2D", "UpsampleTrilinear3D"]
_NODES = {
    f"{n}Backward0": type(f"{n}Backward0", (_UpsampleBackward,), {"__module__": __name__})
    for n in _NAMES
}
_BACKWARD_BACKWARD = {
    f"{n}Backward0": type(
        f"{n}BackwardBackward0", (_UpsampleBackwardBackward,), {"__module__": __name__}
    )
    for n in _NAMES
}


# --- F.interpolate --------------------------------------------------------------------------------------
def _is_integer(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners=None, recompute_scale_factor=None, antialias: bool = False) -> Tensor:  # fmt: skip
    """``F.interpolate``: resize the spatial dims of (N, C, *S) to ``size`` or by ``scale_factor``."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear"
            )
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(input.shape[2:])} and output size of "
                    f"{size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    "output size in (o1, o2, ...,oK) format."
                )
            if not all(_is_integer(s) for s in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types {[type(s) for s in size]}"
                )
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {list(input.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in (N, C, "
                    "d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format."
                )
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [math.floor(input.size(i + 2) * scale_factors[i]) for i in range(dim)]
        scale_factors = None
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported by numtorch")
    if output_size is None:
        output_size = [math.floor(float(input.size(i + 2)) * scale_factors[i]) for i in range(dim)]
    if mode == "area":
        from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d

        if dim == 1:
            return adaptive_avg_pool1d(input, output_size)
        if dim == 2:
            return adaptive_avg_pool2d(input, output_size)
        raise NotImplementedError("interpolate: mode 'area' supports 3-D and 4-D input here")
    if mode in ("nearest", "nearest-exact"):
        if dim not in (1, 2, 3):
            raise NotImplementedError(
                f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) "
                f"for the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                f"nearest-exact (got {mode})"
            )
        _check_sizes(input, output_size, f"upsample_{mode.replace('-', '_')}{dim}d")
        exact = mode == "nearest-exact"
        plan = [
            (2 + i, input.size(2 + i), [(_nearest_axis(input.size(2 + i), output_size[i],
             None if scale_factors is None else scale_factors[i], exact), None)])
            for i in range(dim)
        ]  # fmt: skip
        name = f"UpsampleNearest{'Exact' if exact else ''}{dim}DBackward0"
        return _resample(input, plan, _NODES[name])
    if mode in _LINEAR_MODES:
        if _LINEAR_MODES[mode] != dim:
            needs = {1: "3D", 2: "4D", 3: "5D"}[_LINEAR_MODES[mode]]
            raise NotImplementedError(
                f"Got {input.dim()}D input, but {mode} mode needs {needs} input"
            )
        _check_sizes(input, output_size, f"upsample_{mode}{dim}d")
        dtype = input._data.dtype
        if dtype.kind != "f":
            raise RuntimeError(
                f"\"upsample_{mode}{dim}d_out_frame\" not implemented for '{input.dtype._legacy}'"
            )
        plan = []
        for i in range(dim):
            i0, i1, l0, l1 = _linear_axis(
                input.size(2 + i), output_size[i],
                None if scale_factors is None else scale_factors[i], align_corners, dtype,
            )  # fmt: skip
            plan.append((2 + i, input.size(2 + i), [(i0, l0), (i1, l1)]))
        name = {1: "UpsampleLinear1D", 2: "UpsampleBilinear2D", 3: "UpsampleTrilinear3D"}[dim]
        return _resample(input, plan, _NODES[f"{name}Backward0"])
    if mode in ("bicubic", "lanczos"):
        raise NotImplementedError(f"interpolate: mode '{mode}' is not supported by numtorch")
    raise NotImplementedError(
        f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for the "
        f"modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact "
        f"(got {mode})"
    )


def _check_sizes(input: Tensor, output_size, name: str) -> None:
    spatial = list(input.shape[2:])
    if any(s <= 0 for s in spatial) or any(o <= 0 for o in output_size):
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input "
            f"({', '.join(f'{a}: {s}' for a, s in zip(_axes(len(spatial)), spatial))}) output "
            f"({', '.join(f'{a}: {s}' for a, s in zip(_axes(len(spatial)), output_size))})"
        )


def _axes(n: int) -> list[str]:
    return ["D", "H", "W"][-n:]


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners=None) -> Tensor:  # fmt: skip
    """``F.upsample`` (deprecated in PyTorch in favour of ``interpolate``)."""
    warnings.warn(
        "`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """``F.upsample_nearest``: ``interpolate(..., mode='nearest')``."""
    warnings.warn(
        "`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """``F.upsample_bilinear``: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    warnings.warn(
        "`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
