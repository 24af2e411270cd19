"""In-place ops on views rebase the base's history (PyTorch's ``CopySlices``); stale views regenerate.

Follows ``torch/csrc/autograd/VariableTypeUtils.h`` (``rebase_history``) and
``torch/csrc/autograd/functions/tensor.cpp`` (``CopySlices``).

NOTE [ In-place on a view ]
After ``view.op_(...)`` the base's values changed too, so the base's gradient must flow through the
op for the elements the view covers and straight through elsewhere. ``CopySlices`` becomes the
base's grad_fn: given the base's gradient, it hands the view's region to the op's node, writes the
op's gradient for the old view values back into that region and passes the result to the base's
old history. The view itself gets ``AsStridedBackward0``: its gradient lands in its region of the
base. Both are written with differentiable steps, so double backward goes through them.

NOTE [ Stale views ]
Every view shares its base's version counter. A node records the version at which it became a
view's grad_fn (``Node._view_version``); when the counter has moved since (the base or another view
was written in place), the view's history is out of date and is regenerated as
``AsStridedBackward0`` of the base's current history the next time the view is used (``edge_of``),
as PyTorch regenerates it when ``grad_fn`` is read.

NOTE [ Storage layout ]
Regions are addressed in the base's memory: a buffer laid out like the base's data (same strides,
any order or gaps), in which the view's (shape, strides, offset) pick its elements. Gradients go
in and out of that buffer with NumPy's ``as_strided``.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from . import grad_mode
from .graph import Node, _sequence, adopt_saved_output, edge_of, move_retains_grad

_as_strided = np.lib.stride_tricks.as_strided


class _Layout:
    """Where a base's elements and one view's elements sit in a buffer shaped like the base's
    memory (NOTE [ Storage layout ]); offsets and strides in bytes."""

    __slots__ = ("span", "base_shape", "base_strides", "base_offset", "shape", "strides", "offset")

    def __init__(self, base: np.ndarray, view: np.ndarray) -> None:
        item = base.itemsize
        if view.itemsize != item:
            raise RuntimeError(
                "numtorch: in-place operations on a view with a different dtype than its base "
                "are not supported with autograd"
            )
        lo, hi = _extent(base)
        self.span = (hi - lo) // item
        self.base_shape, self.base_strides, self.base_offset = base.shape, base.strides, -lo
        start = view.__array_interface__["data"][0] - base.__array_interface__["data"][0] - lo
        vlo, vhi = _extent(view)
        if view.size and (start + vlo < 0 or start + vhi > hi - lo):
            raise RuntimeError("numtorch: a view no longer lies within its base's memory")
        self.shape, self.strides, self.offset = view.shape, view.strides, start

    def base_in(self, buf: np.ndarray) -> np.ndarray:
        return _as_strided(
            buf[self.base_offset // buf.itemsize :], self.base_shape, self.base_strides
        )

    def view_in(self, buf: np.ndarray) -> np.ndarray:
        return _as_strided(buf[self.offset // buf.itemsize :], self.shape, self.strides)


def _extent(a: np.ndarray) -> tuple:
    """(lowest, one past highest) byte offset of ``a``'s elements from its data pointer."""
    if a.size == 0:
        return 0, 0
    lo = hi = 0
    for n, s in zip(a.shape, a.strides):
        if s < 0:
            lo += (n - 1) * s
        else:
            hi += (n - 1) * s
    return lo, hi + a.itemsize


def _gather(base_grad: np.ndarray, layout: _Layout) -> np.ndarray:
    """The view's elements of a base-shaped array (a new array)."""
    buf = np.zeros(layout.span, base_grad.dtype)
    layout.base_in(buf)[...] = base_grad
    return np.array(layout.view_in(buf))


def _scatter(view_grad: np.ndarray, layout: _Layout, base_grad: np.ndarray | None) -> np.ndarray:
    """A base-shaped array: ``base_grad`` (or zeros) with the view's region replaced by
    ``view_grad`` - summed over the dimensions a broadcast view repeats."""
    buf = np.zeros(layout.span, view_grad.dtype)
    if base_grad is not None:
        layout.base_in(buf)[...] = base_grad
    region = layout.view_in(buf)
    repeated = tuple(i for i, s in enumerate(layout.strides) if s == 0 and layout.shape[i] > 1)
    if repeated:
        view_grad = view_grad.sum(axis=repeated, keepdims=True)
        region = region[
            tuple(slice(0, 1) if i in repeated else slice(None) for i in range(region.ndim))
        ]
    region[...] = view_grad
    return np.array(layout.base_in(buf))


# --- differentiable gather / scatter -------------------------------------------------------------
class AsStridedBackward0(Node):
    """A view's grad_fn after a rebase or regeneration: its gradient lands in its region of the
    base, zeros elsewhere."""

    def backward(self, grad):
        return (_scatter_op(grad, None, self.layout),)


class AsStridedScatterBackward0(Node):
    """Of ``base with region := src``: the base's gradient outside the region, the region's for src."""

    def backward(self, grad):
        layout = self.layout
        zeros = grad.new_zeros(layout.shape)
        g_base = _scatter_op(zeros, grad, layout) if self.next_functions[0][0] is not None else None
        g_src = _gather_op(grad, layout) if self.next_functions[1][0] is not None else None
        return g_base, g_src


def _new(array: np.ndarray):
    return Tensor._make(array)


def _record(node: Node, out, inputs: tuple) -> None:
    node.next_functions = tuple(edge_of(t) if t is not None else (None, 0) for t in inputs)
    node.input_meta = tuple((t._data.shape, t.dtype) if t is not None else None for t in inputs)
    node._seq = next(_sequence)
    out.grad_fn, out._output_nr, out._requires_grad = node, 0, True


def _gather_op(base_grad, layout: _Layout):
    out = _new(_gather(base_grad._data, layout))
    if grad_mode.enabled and base_grad._requires_grad:
        node = AsStridedBackward0()
        node.layout = layout
        _record(node, out, (base_grad,))
    return out


def _scatter_op(src, base, layout: _Layout):
    """``base`` (or zeros, when None) with the view's region replaced by ``src``."""
    out = _new(_scatter(src._data, layout, None if base is None else base._data))
    if grad_mode.enabled and (src._requires_grad or (base is not None and base._requires_grad)):
        node = AsStridedScatterBackward0()
        node.layout = layout
        _record(node, out, (base, src))
    return out


class CopySlices(Node):
    """The base's grad_fn after an in-place op on one of its views (NOTE [ In-place on a view ])."""

    def name(self) -> str:
        return "torch::autograd::CopySlices"

    def backward(self, grad):
        layout, k, fn = self.layout, self.view_index, self.op_node
        view_grad = _gather_op(grad, layout)
        result = fn.backward(view_grad)
        if not isinstance(result, tuple):
            result = (result,)
        old_view_grad = result[k]
        if old_view_grad is None:
            old_view_grad = view_grad.new_zeros(layout.shape)
        else:
            old_view_grad = _reduce(old_view_grad, fn.input_meta[k])
        grads = list(result)
        grads[k] = _scatter_op(old_view_grad, grad, layout)
        return tuple(grads)

    def release(self) -> None:
        self.op_node.release()


def _reduce(g, meta):
    from .engine import _sum_to

    shape, dtype = meta
    if g._data.shape != shape:
        g = _sum_to(g, shape)
    if g.dtype is not dtype:
        g = g.to(dtype)
    return g


def rebase_view(view, result, view_index: int = 0) -> None:
    """``view`` (sharing memory with ``view._base``) now holds the output of an in-place op.

    ``result`` is that op's output tensor, or its node (a custom Function's); ``view_index`` is
    which of the op's inputs the view was.
    """
    base = view._base
    node = result if isinstance(result, Node) else result.grad_fn
    layout = _Layout(base._data, view._data)
    copy = CopySlices()
    copy.op_node = node
    copy.layout = layout
    copy.view_index = view_index
    edges = list(node.next_functions)
    edges[view_index] = edge_of(base) if base._requires_grad else (None, 0)
    copy.next_functions = tuple(edges)
    metas = list(node.input_meta)
    metas[view_index] = (base._data.shape, base.dtype)
    copy.input_meta = tuple(metas)
    copy._seq = next(_sequence)
    old_fn, old_nr = base.grad_fn, base._output_nr
    base.grad_fn = copy
    base._output_nr = 0
    base._requires_grad = True
    move_retains_grad(base, old_fn, old_nr)
    _set_view_history(view, base, layout)
    adopt_saved_output(node, view)


def _set_view_history(view, base, layout: _Layout) -> None:
    node = AsStridedBackward0()
    node.layout = layout
    node.next_functions = (edge_of(base),)
    node.input_meta = ((base._data.shape, base.dtype),)
    node._seq = next(_sequence)
    node._view_version = view._version[0]
    view.grad_fn = node
    view._output_nr = 0
    view._requires_grad = True


def refresh_view(view) -> None:
    """Regenerate a stale view's history from its base's current one (NOTE [ Stale views ])."""
    base = view._base
    if base._requires_grad:
        _set_view_history(view, base, _Layout(base._data, view._data))
    else:
        view.grad_fn = None
        view._requires_grad = False
