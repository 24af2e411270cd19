"""Conversions and Python protocols against real PyTorch (``ops/conversion.py``, ``_tensor.py``):
``to``/``type``/casts, ``clone``/``copy_``/``fill_``, the NumPy bridge, ``item``/``tolist``, and
``len``, iteration, ``bool``/``int``/``float``/``index``, ``format``, hashing, ``in``,
``copy``/``deepcopy`` and ``pickle``."""

from __future__ import annotations

# ruff: noqa: B023 - the lambdas built in loops are called at once, inside the loop
import copy
import math
import operator
import pickle

import numpy as np
import pytest

import numtorch as nt
from op_harness import ALL_DTYPES, check_error, check_op


def mod(t):
    if isinstance(t, nt.Tensor):
        return nt
    import torch

    return torch


CASTS = ["float", "double", "half", "bfloat16", "long", "int", "short", "char", "byte", "bool"]


@pytest.mark.parametrize("source", ALL_DTYPES)
@pytest.mark.parametrize("cast", CASTS)
def test_cast_methods(torch, cast, source):
    x = np.array([-2.7, -0.5, 0.0, 0.4, 1.5, 2.5, 200.9])
    # float → integer casts of out-of-range values are undefined in C++; keep them in range
    arr = x.astype("float32").astype(source) if source != "bfloat16" else x.astype("float32")
    if source in ("uint8", "bool"):
        arr = np.abs(x).astype(source)
    dtypes = "bfloat16" if source == "bfloat16" else None
    check_op(lambda a: getattr(a, cast)(), inputs=[arr], dtypes=dtypes or source, grad_fn=False)


@pytest.mark.parametrize("target", ALL_DTYPES)
def test_to_dtype_and_grad(torch, target):
    def to(a):
        return a.to(getattr(mod(a), target))

    check_op(to, inputs=[(2, 3)], low=-3, high=3)
    check_op(lambda a: a.to(dtype=getattr(mod(a), target)), inputs=[(2, 3)], dtypes="float64")
    check_op(lambda a: a.type(getattr(mod(a), target)), inputs=[(2, 3)], dtypes="int32")


def test_to_forms(torch):
    check_op(lambda a: a.to("cpu") is a, inputs=[(2,)])
    check_op(lambda a: a.to(a.dtype) is a, inputs=[(2,)])
    check_op(lambda a: a.to(mod(a).float32, copy=True) is a, inputs=[(2,)])
    check_op(lambda a: a.to("cpu", mod(a).float64), inputs=[(2,)])
    check_op(lambda a: a.to(mod(a).device("cpu"), dtype=mod(a).int64), inputs=[(2,)])
    check_op(lambda a, b: a.to(b), inputs=[(2,), (1,)], dtypes=["float32", "float64"])
    check_op(lambda a, b: a.type_as(b), inputs=[(2,), (1,)], dtypes=["float32", "int16"])
    check_op(
        lambda a: (a.type(), a.double().type(), a.long().type(), a.bool().type()), inputs=[(2,)]
    )
    check_op(lambda a: a.type("torch.DoubleTensor"), inputs=[(2,)])
    check_op(lambda a: a.cpu() is a, inputs=[(2,)])
    check_op(lambda a: (a.device, str(a.device), a.is_cuda, a.get_device()), inputs=[(2,)])


def test_to_unavailable_device(torch):
    check_error(lambda a: a.to("cuda"), inputs=[(2,)], message=False)
    check_error(lambda a: a.to("nodevice"), inputs=[(2,)])
    check_error(lambda a: a.to(mod(a).float32, "x"), inputs=[(2,)], message=False)


def test_clone_copy_fill(torch):
    def copy_broadcast(a, b):
        c = a.clone()
        assert c.copy_(b) is c
        return c

    check_op(copy_broadcast, inputs=[(2, 3), (3,)], grad_fn=False)
    check_op(copy_broadcast, inputs=[(2, 3), (2, 3)], dtypes=["float32", "int64"], grad_fn=False)
    check_op(lambda a: a.clone(), inputs=[(2, 3)], noncontig=True)
    check_op(lambda a: (a.clone().stride(), a.t().clone().stride()), inputs=[(2, 3)])
    check_op(lambda a: a.clone().fill_(2.5), inputs=[(2, 3)], grad_fn=False)
    check_op(lambda a: a.clone().fill_(mod(a).tensor(1.5)), inputs=[(2, 3)], grad_fn=False)
    check_op(lambda a: a.clone().zero_(), inputs=[(2, 3)], grad_fn=False)
    check_op(lambda a: a.clone().fill_(3), inputs=[(2, 3)], dtypes="int32")
    check_error(lambda a, b: a.clone().copy_(b), inputs=[(2, 3), (4,)])
    check_error(lambda a: a.clone().fill_(a), inputs=[(2, 3)])

    def copy_into_view(a, b):
        base = a.clone()
        base[0].copy_(b)
        return base

    check_op(copy_into_view, inputs=[(2, 3), (3,)], grad_fn=False)


def test_numpy_bridge(torch):
    for m in (torch, nt):
        t = m.arange(6.0).reshape(2, 3)
        arr = t.numpy()
        arr[0, 0] = 42.0
        assert t[0, 0].item() == 42.0
        assert np.asarray(t) is not None and np.shares_memory(np.asarray(t), arr)
        assert np.asarray(t, dtype=np.float64).dtype == np.float64
        assert t.t().numpy().strides == arr.T.strides
    check_error(lambda a: a.numpy(), inputs=[(2,)], requires_grad=True)
    check_op(lambda a: a.detach().numpy().tolist(), inputs=[(2,)])
    check_op(lambda a: a.numpy(force=True).tolist(), inputs=[(2,)])


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_item_tolist(torch, dtype):
    check_op(lambda a: a.item(), inputs=[()], dtypes=dtype)
    check_op(lambda a: a.reshape(1, 1).item(), inputs=[()], dtypes=dtype)
    check_op(lambda a: a.tolist(), inputs=[(2, 3)], dtypes=dtype)
    check_op(lambda a: a.tolist(), inputs=[()], dtypes=dtype)
    check_error(lambda a: a.item(), inputs=[(2,)], dtypes=dtype)
    check_error(lambda a: a.item(), inputs=[(0,)], dtypes=dtype)


# --- Python protocols ----------------------------------------------------------------------------------------
def test_len_and_iteration(torch):
    check_op(lambda a: len(a), inputs=[(3, 2)])
    check_op(lambda a: list(a), inputs=[(3, 2)])
    check_op(lambda a: [r.sum() for r in a], inputs=[(3, 2)])  # rows are views: gradients flow
    check_op(lambda a: list(a), inputs=[(0, 2)])
    check_error(lambda a: len(a), inputs=[()])
    check_error(lambda a: iter(a), inputs=[()])

    def rows_are_views(a):
        b = a.clone()
        for row in b:
            row.mul_(2)
        return b

    check_op(rows_are_views, inputs=[(3, 2)], grad=False)
    check_error(rows_are_views, inputs=[(3, 2)], requires_grad=True)  # rows come from unbind


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "uint8"])
def test_scalar_conversions(torch, dtype):
    for conv in (bool, int, float, complex):
        check_op(lambda a: conv(a), inputs=[()], dtypes=dtype)
        check_op(lambda a: conv(a), inputs=[(1, 1)], dtypes=dtype)
        check_error(lambda a: conv(a), inputs=[(2,)], dtypes=dtype)
    check_error(lambda a: bool(a), inputs=[(0,)], dtypes=dtype)


def test_index_protocol(torch):
    check_op(lambda a: operator.index(a), inputs=[np.array(3)])
    check_op(lambda a: [10, 20, 30, 40][a], inputs=[np.array(2)])
    check_op(lambda a: list(range(5))[a:], inputs=[np.array(2)])
    check_op(lambda a: operator.index(a), inputs=[np.array([True])])
    check_error(lambda a: operator.index(a), inputs=[np.array(2.0)])
    check_error(lambda a: operator.index(a), inputs=[np.array([1, 2])])


@pytest.mark.parametrize("spec", ["", ".2f", "10.3f", "e", ">8", "+.1%", "d"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_format(torch, spec, dtype):
    from test_ops_arithmetic import check_or_error

    check_or_error(torch, lambda a: format(a, spec), [()], dtype)
    check_or_error(torch, lambda a: f"{a}", [()], dtype)
    check_or_error(torch, lambda a: format(a, spec), [(1,)], dtype)
    check_or_error(torch, lambda a: format(a, spec), [(2,)], dtype)


def test_hash_and_containers(torch):
    for m in (torch, nt):
        a, b = m.ones(2), m.ones(2)
        assert hash(a) == hash(a) and hash(a) != hash(b)
        assert len({a, b, a}) == 2
        assert {a: 1}[a] == 1
    check_op(lambda a: (a.new_tensor(1.0) in a, 5 in a, a[0] in a), inputs=[np.array([1.0, 2.0])])
    check_op(lambda a: True in (a > 1), inputs=[np.array([1.0, 2.0])])
    check_op(lambda a: a.new_tensor([1.0, 2.0]) in a, inputs=[np.array([[1.0, 2.0], [3.0, 4.0]])])
    check_error(lambda a: "x" in a, inputs=[(2,)])


def test_copy_deepcopy_pickle(torch):
    for m in (torch, nt):
        a = m.arange(6.0).reshape(2, 3).requires_grad_()
        shallow = copy.copy(a)
        deep = copy.deepcopy(a)
        assert deep is not a and deep.requires_grad and deep.is_leaf
        assert deep.data_ptr() != a.data_ptr()
        assert m.equal(deep, a) and m.equal(shallow, a)
        a.grad = m.ones(2, 3)
        again = copy.deepcopy(a)
        assert m.equal(again.grad, a.grad)
        memo_pair = copy.deepcopy([a, a])
        assert memo_pair[0] is memo_pair[1]  # the memo keeps identity
        view = a.detach()[0]
        restored = pickle.loads(pickle.dumps(view))
        assert restored.shape == (3,) and m.equal(restored, view)
        loaded = pickle.loads(pickle.dumps(a))
        assert loaded.requires_grad and m.equal(loaded, a) and loaded.dtype == a.dtype
        for dtype in (m.int8, m.bool, m.float16, m.bfloat16, m.float64):
            t = m.tensor([1, 0, 3]).to(dtype)
            u = pickle.loads(pickle.dumps(t))
            assert u.dtype == dtype and m.equal(u, t)
    check_error(lambda a: copy.deepcopy(a * 2), inputs=[(2,)], requires_grad=True)


def test_float_nan_inf_conversions(torch):
    x = np.array([math.nan, math.inf, -math.inf], np.float32)
    check_op(lambda a: [float(v) for v in a], inputs=[x])
    check_op(lambda a: a.tolist(), inputs=[x])
    check_error(lambda a: int(a[0]), inputs=[x], message=False)
