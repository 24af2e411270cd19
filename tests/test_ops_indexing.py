"""Indexing against real PyTorch (``ops/indexing.py``): ``t[...]`` and ``t[...] = v`` with ints,
slices, None, ``...``, bool masks, integer tensors and lists (views vs copies, strides,
gradients), ``gather scatter scatter_add index_select masked_fill masked_select nonzero take
one_hot`` and PyTorch's errors."""

from __future__ import annotations

# ruff: noqa: B023 - the lambdas built in loops are called at once, inside the loop
import numpy as np
import pytest

import numtorch as nt
from op_harness import check_error, check_op


def mod(t):
    if isinstance(t, nt.Tensor):
        return nt
    import torch

    return torch


def layout(t):
    return t, t.stride(), t.is_contiguous(), t.storage_offset()


BASIC = {
    "int": lambda a: a[1],
    "neg_int": lambda a: a[-1],
    "int_int": lambda a: a[1, 2],
    "slice": lambda a: a[1:],
    "slice_step": lambda a: a[::2],
    "slice_neg": lambda a: a[-3:-1],
    "double_ellipsis": lambda a: a[..., 1, ...],
    "slice_past_end": lambda a: a[2:100],
    "slices": lambda a: a[:, 1:3, ::2],
    "none": lambda a: a[None],
    "none_mid": lambda a: a[:, None, 1],
    "ellipsis": lambda a: a[..., 1],
    "ellipsis_none": lambda a: a[..., None, :2],
    "ellipsis_only": lambda a: a[...],
    "int_ellipsis_int": lambda a: a[0, ..., 0],
    "tensor_int": lambda a: a[mod(a).tensor(1)],
    "numpy_int": lambda a: a[np.int64(1)],
}
ADVANCED = {
    "int_list": lambda a: a[[0, 2]],
    "int_list_repeat": lambda a: a[[2, 0, 2, -1]],
    "long_tensor": lambda a: a[mod(a).tensor([0, 2])],
    "long_tensor_2d": lambda a: a[mod(a).tensor([[0, 1], [2, 2]])],
    "int32_tensor": lambda a: a[mod(a).tensor([0, 2], dtype=mod(a).int32)],
    "two_lists": lambda a: a[[0, 1], [1, 2]],
    "list_slice": lambda a: a[[0, 2], 1:],
    "slice_list": lambda a: a[:, [0, 2]],
    "separated_advanced": lambda a: a[[0, 1], :, [1, 0]],
    "broadcast_indices": lambda a: a[mod(a).tensor([[0], [1]]), mod(a).tensor([1, 2])],
    "bool_mask": lambda a: a[a > 0],
    "bool_mask_rows": lambda a: a[mod(a).tensor([True, False, True])],
    "bool_mask_2d": lambda a: a[(a > 0)[..., 0]],
    "uint8_mask": lambda a: a[(a > 0).to(mod(a).uint8)],
    "bool_list": lambda a: a[[True, False, True]],
    "mask_and_slice": lambda a: a[mod(a).tensor([True, False, True]), 1:],
    "empty_list": lambda a: a[[]],
    "none_and_list": lambda a: a[None, [0, 1]],
    "ellipsis_list": lambda a: a[..., [0, 0]],
    "bool_true": lambda a: a[True],
    "bool_false": lambda a: a[False],
}


@pytest.mark.parametrize("name", list(BASIC))
def test_basic_indexing_is_a_view(torch, name):
    fn = BASIC[name]
    check_op(lambda a: layout(fn(a)), inputs=[(3, 4, 5)], dtypes="float64")
    check_op(lambda a: layout(fn(a)), inputs=[(3, 4, 5)], noncontig=True, grad_fn=False)

    def writes_through(a):
        base = a.clone()
        view = fn(base)
        view.mul_(-3)
        return base

    check_op(writes_through, inputs=[(3, 4, 5)], grad_fn=False)


@pytest.mark.parametrize("name", list(ADVANCED))
def test_advanced_indexing_copies(torch, name):
    fn = ADVANCED[name]
    check_op(lambda a: layout(fn(a)), inputs=[(3, 4, 5)], dtypes="float64")
    check_op(lambda a: fn(a), inputs=[(3, 4, 5)], noncontig=True, dtypes="int64", low=-5, high=5)

    def does_not_write_through(a):
        base = a.clone()
        fn(base).mul_(-3)
        return base

    check_op(does_not_write_through, inputs=[(3, 4, 5)], grad_fn=False)


def test_indexing_0dim_and_empty(torch):
    check_op(lambda a: layout(a[...]), inputs=[()])
    check_op(lambda a: layout(a[None]), inputs=[()])
    check_op(lambda a: a[a > 0], inputs=[()])
    check_op(lambda a: a[True], inputs=[()])
    check_error(lambda a: a[0], inputs=[(0, 3)])
    check_op(lambda a: a[:, 1], inputs=[(0, 3)])  # (strides of empty NumPy arrays differ)
    # an empty slice: PyTorch's storage offset (clamped start) is not reproduced, the rest is
    check_op(lambda a: (a[5:2], a[5:2].stride(), a[2:1, 1:].is_contiguous()), inputs=[(3, 4, 5)])
    check_op(lambda a: a[[]], inputs=[(0, 3)])


INDEX_ERRORS = [
    lambda a: a[3],
    lambda a: a[-4],
    lambda a: a[0, 0, 0, 0],
    lambda a: a[1.5],
    lambda a: a["x"],
    lambda a: a[[0, 5]],
    lambda a: a[mod(a).tensor([0, 5])],
    lambda a: a[mod(a).tensor([0.0, 1.0])],
    lambda a: a[mod(a).tensor([True, False])],
    lambda a: a[::-1],
    lambda a: a[::0],
    lambda a: a[[0, 1], [0, 1, 2]],
]


@pytest.mark.parametrize("i", range(len(INDEX_ERRORS)))
def test_indexing_errors(torch, i):
    check_error(INDEX_ERRORS[i], inputs=[(3, 4, 5)])


def test_indexing_0dim_errors(torch):
    check_error(lambda a: a[0], inputs=[()])
    check_error(lambda a: a[:], inputs=[()])


# --- setitem -------------------------------------------------------------------------------------------------
SETITEM = {
    "int": lambda a, v: a.__setitem__(1, v),
    "slice": lambda a, v: a.__setitem__(slice(1, None), v),
    "tuple": lambda a, v: a.__setitem__((0, slice(None, 2)), v),
    "ellipsis": lambda a, v: a.__setitem__((Ellipsis, 0), v),
    "list": lambda a, v: a.__setitem__([0, 2], v),
    "long_tensor": lambda a, v: a.__setitem__(mod(a).tensor([2, 0]), v),
    "mask": lambda a, v: a.__setitem__(a > 0, v),
    "mask_rows": lambda a, v: a.__setitem__(mod(a).tensor([True, False, True]), v),
    "two_lists": lambda a, v: a.__setitem__(([0, 1], [1, 2]), v),
    "none": lambda a, v: a.__setitem__((None, 0), v),
}
VALUES = {
    "int": 7,
    "float": -1.5,
    "bool": True,
    "0dim": lambda a: mod(a).tensor(2.5),
    "row": lambda a: mod(a).arange(4.0),
    "int_tensor": lambda a: mod(a).tensor([1, 2, 3, 4]),
}


@pytest.mark.parametrize("value", list(VALUES))
@pytest.mark.parametrize("name", list(SETITEM))
def test_setitem(torch, name, value):
    setter = SETITEM[name]
    v = VALUES[value]

    def fn(a):
        b = a.clone()
        setter(b, v(b) if callable(v) else v)
        return b

    from test_ops_arithmetic import check_or_error

    for dtype in ("float32", "int64"):
        check_or_error(torch, fn, [(3, 4)], dtype, grad_fn=False)


def test_setitem_gradients(torch):
    def fn(a, v):
        b = a * 2
        b[1:, ::2] = v
        return b

    check_op(fn, inputs=[(3, 4), (2,)], grad_fn=False)

    def masked(a, v):
        b = a * 1
        b[a > 0] = v[0]
        return b

    check_op(masked, inputs=[(3, 4), (1,)], grad_fn=False)

    def indexed(a, v):
        b = a.clone()
        b[[0, 2]] = v
        return b

    check_op(indexed, inputs=[(3, 4), (4,)], grad_fn=False)


def test_setitem_errors(torch):
    def shape_mismatch(a, v):
        a[0] = v

    check_error(shape_mismatch, inputs=[(3, 4), (3,)])
    check_error(lambda a: a.__setitem__(5, 1.0), inputs=[(3, 4)])
    check_error(lambda a: a.__setitem__(0, 1.0), inputs=[(3, 4)], requires_grad=True)

    def float_into_int(a, v):
        a[0] = v

    check_op(float_into_int, inputs=[(3, 4), (4,)], dtypes=["int64", "float32"], grad=False)


# --- gather / scatter --------------------------------------------------------------------------------------
def _index(shape, high, seed=0):
    return np.random.default_rng(seed).integers(0, high, size=shape)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather(torch, dim):
    idx = _index((2, 3), 3 if dim == 0 else 4)
    check_op(lambda a, i: a.gather(dim, i), inputs=[(3, 4), idx], dtypes=["float64", None])
    check_op(lambda a, i: mod(a).gather(a, dim, i), inputs=[(3, 4), idx], noncontig=True)
    check_op(lambda a, i: a.gather(dim, i), inputs=[(3, 4), idx], dtypes=["int32", None])


def test_gather_errors(torch):
    check_error(lambda a, i: a.gather(0, i), inputs=[(3, 4), np.array([[3]])])
    check_error(lambda a, i: a.gather(0, i), inputs=[(3, 4), np.array([1, 2])])
    check_op(lambda a, i: a.gather(0, i), inputs=[(3, 4), np.array([[1]], np.int32)])
    check_error(lambda a, i: a.gather(2, i), inputs=[(3, 4), np.array([[1]])])


@pytest.mark.parametrize("dim", [0, 1])
def test_scatter_family(torch, dim):
    idx = np.array([[0, 1, 2], [2, 0, 1]]) if dim == 0 else np.array([[0, 3, 1], [2, 2, 0]])
    unique_idx = np.array([[0, 1, 2], [1, 2, 0]]) if dim == 0 else np.array([[0, 3, 1], [2, 1, 0]])
    check_op(lambda a, i, s: a.scatter(dim, i, s), inputs=[(3, 4), unique_idx, (2, 3)])
    check_op(lambda a, i: a.scatter(dim, i, 1.5), inputs=[(3, 4), unique_idx])
    check_op(lambda a, i: a.scatter(dim, i, value=-2.0), inputs=[(3, 4), unique_idx])
    check_op(lambda a, i, s: a.scatter_add(dim, i, s), inputs=[(3, 4), idx, (2, 3)])
    check_op(lambda a, i, s: a.clone().scatter_add_(dim, i, s), inputs=[(3, 4), idx, (2, 3)],
             grad_fn=False)  # fmt: skip
    check_op(lambda a, i, s: a.clone().scatter_(dim, i, s), inputs=[(3, 4), unique_idx, (2, 3)],
             grad_fn=False)  # fmt: skip
    check_op(lambda a, i, s: a.scatter(dim, i, s, reduce="add"), inputs=[(3, 4), idx, (2, 3)],
             grad=False)  # fmt: skip
    check_op(lambda a, i, s: a.scatter(dim, i, s, reduce="multiply"), inputs=[(3, 4), idx, (2, 3)],
             grad=False)  # fmt: skip
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            check_op(lambda a, i, s: a.scatter_reduce(dim, i, s, reduce, include_self=include_self),
                     inputs=[(3, 4), idx, (2, 3)], grad=False)  # fmt: skip


def test_scatter_one_hot_lambda(torch):
    """The seed's ``Lambda(lambda y: torch.zeros(10).scatter_(0, torch.tensor(y), value=1))``."""
    for y in (0, 3, 9):
        check_op(lambda a: mod(a).zeros(10, dtype=mod(a).float).scatter_(0, mod(a).tensor(y),
                 value=1), inputs=[(1,)], grad=False)  # fmt: skip


def test_scatter_errors(torch):
    check_error(lambda a, i: a.scatter(0, i, 1.0), inputs=[(3, 4), np.array([[3]])])
    check_op(lambda a, i: a.scatter(0, i, 1.0), inputs=[(3, 4), np.array([[1]], np.int32)])
    check_error(lambda a, i, s: a.scatter_add(0, i, s), inputs=[(3, 4), np.array([[1, 2]]), (1, 1)])
    check_error(lambda a, i: a.scatter(0, i), inputs=[(3, 4), np.array([[1]])], message=False)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select(torch, dim):
    idx = np.array([2, 0, 2])
    check_op(lambda a, i: a.index_select(dim, i), inputs=[(3, 4), idx], dtypes=["float64", None])
    check_op(lambda a, i: mod(a).index_select(a, dim, i), inputs=[(3, 4), idx.astype(np.int32)],
             dtypes=["float32", None], noncontig=True)  # fmt: skip
    check_error(lambda a, i: a.index_select(dim, i), inputs=[(3, 4), np.array([[0]])])
    check_error(lambda a, i: a.index_select(dim, i), inputs=[(3, 4), np.array([5])])
    check_error(lambda a, i: a.index_select(dim, i), inputs=[(3, 4), np.array([0.0])])
    check_op(lambda a, i: a.index_add(dim, i, a.new_ones(3, 4).index_select(dim, i)),
             inputs=[(3, 4), idx], dtypes=["float64", None])  # fmt: skip
    check_error(lambda a, i: a.index_add(dim, i, a.new_ones(3, 4).index_select(dim, i).float()),
                inputs=[(3, 4), idx], dtypes=["float64", None])  # fmt: skip
    check_op(lambda a, i: a.index_fill(dim, i[:1], -1.0), inputs=[(3, 4), idx],
             dtypes=["float64", None])  # fmt: skip
    check_op(lambda a, i: a.index_copy(dim, mod(a).tensor([1, 0]), a.index_select(dim, i[:2]) * 2),
             inputs=[(3, 4), idx], grad=False)  # fmt: skip


# --- masks ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mask_shape", [(3, 4), (4,), (3, 1), ()], ids=str)
def test_masked_fill(torch, mask_shape):
    check_op(lambda a, m: a.masked_fill(m > 0, -1.0), inputs=[(3, 4), mask_shape])
    check_op(lambda a, m: a.masked_fill(m > 0, mod(a).tensor(2.0)), inputs=[(3, 4), mask_shape],
             dtypes="float64")  # fmt: skip
    check_op(lambda a, m: a.clone().masked_fill_(m > 0, 0), inputs=[(3, 4), mask_shape],
             grad_fn=False)  # fmt: skip
    check_op(lambda a, m: a.masked_fill(m > 0, 3.7), inputs=[(3, 4), mask_shape],
             dtypes=["int64", "float32"])  # fmt: skip
    check_op(lambda a, m, v: a.masked_fill(m > 0, v), inputs=[(3, 4), mask_shape, ()])


def test_masked_fill_errors(torch):
    check_error(lambda a, m: a.masked_fill(m, 0.0), inputs=[(3, 4), (3, 4)])
    check_error(lambda a, m: a.masked_fill(m > 0, 0.0), inputs=[(3, 4), (2, 4)])
    check_error(lambda a, m: a.masked_fill(m > 0, m), inputs=[(3, 4), (3, 4)])
    check_error(lambda a, m: a.clone().masked_fill_(m > 0, 0.0), inputs=[(4,), (3, 4)])
    check_op(lambda a, m: a.masked_fill(m > 0, 0.0), inputs=[(4,), (3, 4)])  # broadcasts


@pytest.mark.parametrize("mask_shape", [(3, 4), (4,), (2, 3, 4)], ids=str)
def test_masked_select_and_scatter(torch, mask_shape):
    check_op(lambda a, m: a.masked_select(m > 0), inputs=[(3, 4), mask_shape])
    check_op(lambda a, m: mod(a).masked_select(a, m > 0), inputs=[(3, 4), mask_shape],
             dtypes="int64")  # fmt: skip
    check_op(lambda a, m, s: a.masked_scatter(m > 0, s), inputs=[(3, 4), mask_shape, (24,)])
    check_error(lambda a, m: a.masked_select(m), inputs=[(3, 4), (3, 4)])


@pytest.mark.parametrize("shape", [(3, 4), (5,), (), (0, 3), (2, 1, 3)], ids=str)
def test_nonzero_argwhere_where(torch, shape):
    check_op(lambda a: a.nonzero(), inputs=[shape], dtypes="int64", low=-1, high=1)
    check_op(lambda a: a.nonzero(as_tuple=True), inputs=[shape], dtypes="int64", low=-1, high=1)
    check_op(lambda a: mod(a).argwhere(a), inputs=[shape], dtypes="bool")
    check_op(lambda a: mod(a).where(a > 0), inputs=[shape])
    check_op(lambda a: mod(a).count_nonzero(a), inputs=[shape], dtypes="int64", low=-1, high=1)


def test_take_and_select(torch):
    check_op(lambda a: a.take(mod(a).tensor([0, 5, -1])), inputs=[(3, 4)])
    check_op(lambda a: a.take_along_dim(a.argsort(1), 1), inputs=[(3, 4)], dtypes="float64")
    check_op(lambda a: mod(a).take_along_dim(a, a.argmax().reshape(1)), inputs=[(3, 4)])
    check_op(lambda a: layout(a.select(0, 1)), inputs=[(3, 4)])
    check_error(lambda a: a.select(0, 3), inputs=[(3, 4)])
    check_error(lambda a: a.take(mod(a).tensor([12])), inputs=[(3, 4)])


def test_one_hot(torch):
    """``torch.nn.functional.one_hot`` (PyTorch has no ``torch.one_hot``)."""

    def f(a, **kw):
        return mod(a).nn.functional.one_hot(a, **kw)

    check_op(lambda a: f(a), inputs=[np.array([0, 2, 1, 2])])
    check_op(lambda a: f(a, num_classes=5), inputs=[np.array([[0, 2], [1, 4]])])
    check_op(lambda a: f(a), inputs=[np.array(3)])
    check_error(lambda a: f(a, num_classes=2), inputs=[np.array([0, 2])])
    check_error(lambda a: f(a), inputs=[np.array([0, -1])])
    check_error(lambda a: f(a), inputs=[np.array([0.0, 1.0])])
