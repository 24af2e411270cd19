"""Creation functions against real PyTorch (``ops/creation.py``): dtype inference, sizes given as
varargs/tuple/list/Size, ``dtype=``/``requires_grad=``, ranges, the ``*_like`` and ``new_*``
families, ``from_numpy``/``as_tensor`` memory sharing, and PyTorch's errors."""

from __future__ import annotations

# ruff: noqa: B023 - the lambdas built in loops are called at once, inside the loop
import numpy as np
import pytest

import numtorch as nt
from op_harness import check_error


def both(torch, fn):
    """``fn(module)`` for torch and numtorch, compared like ``check_op`` outputs."""
    from op_harness import assert_close

    theirs = fn(torch)
    ours = fn(nt)
    assert_close(ours, theirs)


DATA = [
    1, 2.5, True, -3, [1, 2, 3], [1.0, 2], [True, False], [[1, 2], [3, 4]], [], [[]],
    (1, 2.5), [1, True], [[1.5], [2]], 1 + 2j, [1, 2j], [np.float64(1.5)], [np.int32(3)],
]  # fmt: skip


@pytest.mark.parametrize("data", DATA, ids=repr)
def test_tensor_dtype_inference(torch, data):
    both(torch, lambda m: m.tensor(data))
    both(torch, lambda m: m.as_tensor(data))
    if "j" in repr(data):  # complex data into a real dtype: PyTorch's TypeError
        check_error(lambda a: _tensor(a, data, dtype=_module(a).float64), inputs=[(1,)])
    else:
        both(torch, lambda m: m.tensor(data, dtype=m.float64))


@pytest.mark.parametrize(
    "dtype", ["float32", "float64", "float16", "int64", "int32", "uint8", "bool"]
)
def test_tensor_from_numpy_arrays_and_scalars(torch, dtype):
    arr = np.array([[1, 0], [3, 4]]).astype(dtype)
    both(torch, lambda m: m.tensor(arr))
    both(torch, lambda m: m.tensor(arr[0, 0]))
    both(torch, lambda m: m.tensor(arr, dtype=m.float32))
    both(torch, lambda m: m.from_numpy(arr))
    both(torch, lambda m: m.as_tensor(arr, dtype=m.float64))


def test_tensor_from_tensors(torch):
    both(torch, lambda m: m.tensor([m.tensor(1.0), m.tensor(2.0)]))
    # a list of multi-element tensors: PyTorch's TypeError
    check_error(lambda a: _tensor(a, [_tensor(a, [1, 2]), _tensor(a, [3, 4])]), inputs=[(1,)])
    both(torch, lambda m: m.tensor([m.tensor(1.5, dtype=m.float64), 2]))


def test_default_dtype(torch):
    nt.set_default_dtype(nt.float64)
    torch.set_default_dtype(torch.float64)
    both(torch, lambda m: m.tensor([1.5, 2]))
    both(torch, lambda m: m.zeros(2))
    both(torch, lambda m: m.arange(0.0, 1.0, 0.25))
    both(torch, lambda m: m.tensor(1 + 2j))
    both(torch, lambda m: m.tensor([1, 2]))  # integers stay int64


def test_tensor_errors(torch):
    check_error(lambda a: _tensor(a, [[1, 2], [3]]), inputs=[(1,)])
    check_error(lambda a: _tensor(a, [[1, 2], 3]), inputs=[(1,)])
    check_error(lambda a: _tensor(a, "abc"), inputs=[(1,)])
    check_error(lambda a: _tensor(a, [1, "a"]), inputs=[(1,)])
    check_error(lambda a: _tensor(a, [1.0], dtype="float"), inputs=[(1,)], message=False)


def _tensor(a, *args, **kwargs):
    from test_ops_shape import mod

    return mod(a).tensor(*args, **kwargs)


SIZES = [(2, 3), ((2, 3),), ([2, 3],), ((),), (0,), (1, 0, 2)]


@pytest.mark.parametrize("sizes", SIZES, ids=str)
@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_filled_shapes(torch, name, sizes):
    if name in ("rand", "randn"):  # values come from the RNG (tested elsewhere): shape and dtype
        both(torch, lambda m: (getattr(m, name)(*sizes).shape, getattr(m, name)(*sizes).dtype))
        return
    if name == "empty":
        both(
            torch,
            lambda m: (m.empty(*sizes).shape, m.empty(*sizes).dtype, m.empty(*sizes).stride()),
        )
        return
    both(torch, lambda m: getattr(m, name)(*sizes))
    both(torch, lambda m: getattr(m, name)(*sizes, dtype=m.int32))
    both(torch, lambda m: getattr(m, name)(*sizes, requires_grad=True))
    size = sizes[0] if isinstance(sizes[0], (tuple, list)) else sizes
    both(torch, lambda m: getattr(m, name)(m.Size(size)))


def test_filled_errors(torch):
    for fn in (
        lambda m: m.empty(5.3),  # the seed's typo
        lambda m: m.zeros(2, 3.0),
        lambda m: m.ones(-1),
        lambda m: m.zeros((2, "a")),
        lambda m: m.zeros(2, dtype=m.int64, requires_grad=True),
        lambda m: m.ones(2, dtype="float"),
        lambda m: m.zeros(),
    ):
        check_error(lambda a: fn(_module(a)), inputs=[(1,)])


def _module(a):
    from test_ops_shape import mod

    return mod(a)


@pytest.mark.parametrize("fill", [2, 2.5, True, -1, 1 + 1j])
def test_full(torch, fill):
    both(torch, lambda m: m.full((2, 3), fill))
    if not isinstance(fill, complex):
        both(torch, lambda m: m.full([2], fill, dtype=m.float64))
    both(torch, lambda m: m.full((), fill))
    if not isinstance(fill, complex):
        both(torch, lambda m: m.zeros(2, 2).new_full((3,), fill))
    both(torch, lambda m: m.full_like(m.zeros(2, dtype=m.int32), 3))


def test_eye(torch):
    both(torch, lambda m: m.eye(3))
    both(torch, lambda m: m.eye(2, 4, dtype=m.int64))
    both(torch, lambda m: m.eye(0))
    check_error(lambda a: _module(a).eye(-1), inputs=[(1,)])


RANGES = [
    (5,), (2, 7), (0, 1, 0.1), (1, 0, -0.25), (0.5, 3), (-3, 3, 2), (0, 10, 3), (2.0,),
    (0, 1, 1 / 3), (10, 0, -3),
]  # fmt: skip


@pytest.mark.parametrize("args", RANGES, ids=str)
def test_arange(torch, args):
    both(torch, lambda m: m.arange(*args))
    both(torch, lambda m: m.arange(*args, dtype=m.float64))
    both(torch, lambda m: m.arange(*args, dtype=m.int32))


def test_arange_errors(torch):
    check_error(lambda a: _module(a).arange(0, 1, 0), inputs=[(1,)])
    check_error(lambda a: _module(a).arange(1, 0), inputs=[(1,)])
    check_error(lambda a: _module(a).arange(0, 5, -1), inputs=[(1,)])


@pytest.mark.parametrize("args", [(0, 1, 5), (-1, 1, 7), (0, 10, 1), (1, 0, 4), (0, 1, 0), (2, 3, 100)],
                         ids=str)  # fmt: skip
def test_linspace_logspace(torch, args):
    both(torch, lambda m: m.linspace(*args))
    both(torch, lambda m: m.linspace(*args, dtype=m.float64))
    both(torch, lambda m: m.linspace(*args, dtype=m.int64))
    both(torch, lambda m: m.logspace(*args))
    both(torch, lambda m: m.logspace(*args, base=2.0, dtype=m.float64))


def test_like_and_new(torch):
    src = lambda m: m.tensor([[1, 2], [3, 4]], dtype=m.int32)  # noqa: E731
    for fn in (
        lambda m: m.zeros_like(src(m)),
        lambda m: m.ones_like(src(m), dtype=m.float64),
        lambda m: m.full_like(src(m), 7),
        lambda m: m.empty_like(src(m)).shape,
        lambda m: m.zeros_like(src(m).float(), requires_grad=True),
        lambda m: src(m).new_ones(3),
        lambda m: src(m).new_zeros((2, 1)),
        lambda m: src(m).new_full((2,), 9),
        lambda m: src(m).new_tensor([1.5, 2.5]),
        lambda m: src(m).new_tensor([1, 2], dtype=m.float32),
        lambda m: src(m).new_empty(2, 2).dtype,
        lambda m: src(m).float().new_ones(2, requires_grad=True),
    ):
        both(torch, fn)


def test_from_numpy_shares_memory(torch):
    for m in (torch, nt):
        arr = np.arange(6.0).reshape(2, 3)
        t = m.from_numpy(arr)
        assert t.dtype == m.float64
        t[0, 0] = 100.0
        assert arr[0, 0] == 100.0
        arr[1, 1] = -1.0
        assert t[1, 1].item() == -1.0
        view = m.from_numpy(arr[:, ::2])
        assert view.stride() == (3, 2) and not view.is_contiguous()
        assert m.as_tensor(arr).data_ptr() == t.data_ptr()
        assert m.tensor(arr).data_ptr() != t.data_ptr()  # tensor() copies
        back = t.numpy()
        back[0, 1] = 7.0
        assert t[0, 1].item() == 7.0
        assert np.shares_memory(np.asarray(t), arr)


def test_from_numpy_errors(torch):
    check_error(lambda a: _module(a).from_numpy([1, 2]), inputs=[(1,)])
    check_error(lambda a: _module(a).from_numpy(np.arange(3)[::-1]), inputs=[(1,)])


def test_scalar_tensor_and_complex(torch):
    both(torch, lambda m: m.scalar_tensor(3))
    both(torch, lambda m: m.scalar_tensor(1.5, dtype=m.float64))
    both(torch, lambda m: m.complex(m.tensor([1.0, 2.0]), m.tensor([0.5, -1.0])))
    both(torch, lambda m: m.tril_indices(3, 4))
    both(torch, lambda m: m.triu_indices(4, 3, 1))
