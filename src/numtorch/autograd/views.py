"""In-place ops on views: the base's history is rebased (PyTorch's ``CopySlices``).

NOTE [ In-place on a view ]
After ``view.op_(...)`` the base's values changed too, so its gradient must flow through the op for
the elements the view covers and straight through elsewhere. ``CopySlices`` is the base's new
grad_fn: it takes the gradient of the whole base, hands the view's region to the op's node, and
writes the op's gradient for the old view back into that region for the old base history.
"""

from __future__ import annotations

import numpy as np

from .graph import Node, edge_of


def _region(base_array: np.ndarray, view_array: np.ndarray):
    """(shape, strides in elements, offset in elements) of ``view_array`` within ``base_array``."""
    item = base_array.itemsize
    offset = (
        view_array.__array_interface__["data"][0] - base_array.__array_interface__["data"][0]
    ) // item
    return view_array.shape, tuple(s // item for s in view_array.strides), offset


def _view_of_grad(grad_array: np.ndarray, region) -> np.ndarray:
    shape, strides, offset = region
    flat = grad_array.reshape(-1)
    item = flat.itemsize
    return np.lib.stride_tricks.as_strided(
        flat[offset:], shape=shape, strides=tuple(s * item for s in strides)
    )


class CopySlices(Node):
    """The base's grad_fn after an in-place op on one of its views."""

    def backward(self, grad):
        from .._tensor import Tensor

        g = np.ascontiguousarray(grad._data).copy()
        region_grad = _view_of_grad(g, self.region)
        view_grad = Tensor._make(np.array(region_grad))
        op_grads = self.op_node.backward(view_grad)
        if not isinstance(op_grads, tuple):
            op_grads = (op_grads,)
        old_view_grad = op_grads[0]
        if old_view_grad is not None:
            region_grad[...] = np.broadcast_to(
                _reduce(old_view_grad, self.op_node, 0)._data, region_grad.shape
            )
        else:
            region_grad[...] = 0
        rest = tuple(
            _reduce(gr, self.op_node, i + 1) if gr is not None else None
            for i, gr in enumerate(op_grads[1:])
        )
        return (Tensor._make(g.reshape(grad._data.shape)),) + rest

    def release(self) -> None:
        self.op_node.release()


def _reduce(g, node, i):
    meta = node.input_meta[i] if i < len(node.input_meta) else None
    if meta is None:
        return g
    from .engine import _sum_to

    shape, dtype = meta
    if tuple(g._data.shape) != tuple(shape):
        g = _sum_to(g, tuple(shape))
    if g.dtype is not dtype:
        g = g.to(dtype)
    return g


class AsStridedBackward0(Node):
    """The view's grad_fn after the rebase: its gradient lands in its region of the base."""

    def backward(self, grad):
        from .._tensor import Tensor

        shape, _ = self.input_meta[0]
        g = np.zeros(int(np.prod(shape)), dtype=grad._data.dtype)
        _view_of_grad(g, self.region)[...] += grad._data
        return (Tensor._make(g.reshape(shape)),)


def rebase_view(view, result) -> None:
    """``view`` (sharing memory with ``view._base``) now holds ``result`` from an in-place op."""
    base = view._base
    node = result.grad_fn
    if not base._data.flags.c_contiguous:
        raise RuntimeError(
            "numtorch: in-place operations on views of non-contiguous tensors are not supported with autograd yet"
        )
    region = _region(base._data, view._data)
    copy = CopySlices()
    copy.op_node = node
    copy.region = region
    copy.next_functions = (
        edge_of(base) if base._requires_grad else (None, 0),
    ) + node.next_functions[1:]
    copy.input_meta = ((base._data.shape, base.dtype),) + node.input_meta[1:]
    base.grad_fn = copy
    base._output_nr = 0
    base._requires_grad = True
    as_strided = AsStridedBackward0()
    as_strided.region = region
    as_strided.next_functions = ((copy, 0),)
    as_strided.input_meta = ((base._data.shape, base.dtype),)
    view.grad_fn = as_strided
    view._output_nr = 0
    view._requires_grad = True
