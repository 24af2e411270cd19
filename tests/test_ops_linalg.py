"""Matrix products against real PyTorch (``ops/linalg.py``): ``matmul`` over every rank
combination and batch broadcasting, ``mm bmm mv dot outer addmm einsum tensordot kron cross``,
gradients (contiguous or not), integer products and PyTorch's shape/dtype errors."""

from __future__ import annotations

# ruff: noqa: B023 - the lambdas built in loops are called at once, inside the loop
import pytest

import numtorch as nt
from op_harness import check_error, check_op


def mod(t):
    if isinstance(t, nt.Tensor):
        return nt
    import torch

    return torch


MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((1, 5, 2, 3), (4, 1, 3, 2)),
    ((5, 2, 3), (3,)),
    ((3,), (5, 3, 4)),
    ((0, 3), (3, 4)),
    ((2, 0), (0, 4)),
    ((2, 1, 3), (3, 0)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matmul(torch, shapes, dtype):
    check_op(lambda a, b: a @ b, inputs=shapes, dtypes=dtype)
    check_op(lambda a, b: mod(a).matmul(a, b), inputs=shapes, dtypes=dtype, noncontig=True)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "float16", "bfloat16"])
def test_matmul_other_dtypes(torch, dtype):
    for shapes in MATMUL_SHAPES[:8]:
        check_op(lambda a, b: a @ b, inputs=shapes, dtypes=dtype, grad=False, low=-3, high=3)


@pytest.mark.parametrize(
    "shapes",
    [((3,), (4,)), ((2, 3), (4,)), ((3,), (4, 5)), ((2, 3), (4, 5)), ((5, 2, 3), (4, 3, 4)),
     ((2, 3), (5, 4, 4)), ((), (3,)), ((3,), ())],
    ids=str,
)  # fmt: skip
def test_matmul_errors(torch, shapes):
    check_error(lambda a, b: a @ b, inputs=shapes)


def test_matmul_dtype_mismatch(torch):
    check_error(lambda a, b: a @ b, inputs=[(2, 3), (3, 4)], dtypes=["float32", "float64"])
    check_error(lambda a, b: a @ b, inputs=[(3,), (3,)], dtypes=["float32", "float64"])
    check_error(lambda a, b: a @ b, inputs=[(2, 3), (3,)], dtypes=["float32", "int64"])
    check_error(lambda a, b: a @ b, inputs=[(5, 2, 3), (5, 3, 4)], dtypes=["float64", "float32"])
    check_error(lambda a: a @ [1.0, 2.0, 3.0], inputs=[(3,)], message=False)


def test_mm_bmm_mv_dot(torch):
    check_op(lambda a, b: a.mm(b), inputs=[(2, 3), (3, 4)], dtypes="float64")
    check_op(lambda a, b: mod(a).bmm(a, b), inputs=[(5, 2, 3), (5, 3, 4)], noncontig=True)
    check_op(lambda a, b: a.mv(b), inputs=[(2, 3), (3,)], dtypes="float64")
    check_op(lambda a, b: a.dot(b), inputs=[(3,), (3,)], dtypes="float64")
    check_op(lambda a, b: mod(a).vdot(a, b), inputs=[(3,), (3,)])
    check_op(lambda a, b: a.outer(b), inputs=[(3,), (4,)], dtypes="float64")
    check_op(lambda a, b: mod(a).ger(a, b), inputs=[(3,), (4,)])
    check_op(lambda a, b: a.inner(b), inputs=[(2, 3), (4, 3)], grad_fn=False)
    check_op(lambda a, b: a.mm(b), inputs=[(2, 3), (3, 4)], dtypes="int64")
    check_op(lambda a, b: a.dot(b), inputs=[(3,), (3,)], dtypes="int32")


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda a, b: a.mm(b), [(2, 3), (4, 5)]),
        (lambda a, b: a.mm(b), [(3,), (3, 4)]),
        (lambda a, b: a.mm(b), [(2, 3), (3,)]),
        (lambda a, b: mod(a).bmm(a, b), [(2, 3), (3, 4)]),
        (lambda a, b: mod(a).bmm(a, b), [(5, 2, 3), (4, 3, 4)]),
        (lambda a, b: mod(a).bmm(a, b), [(5, 2, 3), (5, 4, 4)]),
        (lambda a, b: a.mv(b), [(2, 3), (4,)]),
        (lambda a, b: a.mv(b), [(2, 3), (2, 3)]),
        (lambda a, b: a.dot(b), [(3,), (4,)]),
        (lambda a, b: a.dot(b), [(2, 3), (3,)]),
        (lambda a, b: a.outer(b), [(2, 3), (3,)]),
    ],
)
def test_product_shape_errors(torch, fn, shapes):
    check_error(fn, inputs=shapes)


def test_product_dtype_errors(torch):
    for fn, shapes in [
        (lambda a, b: a.mm(b), [(2, 3), (3, 4)]),
        (lambda a, b: mod(a).bmm(a, b), [(5, 2, 3), (5, 3, 4)]),
        (lambda a, b: a.mv(b), [(2, 3), (3,)]),
        (lambda a, b: a.dot(b), [(3,), (3,)]),
    ]:
        check_error(fn, inputs=shapes, dtypes=["float32", "float64"])
        check_error(fn, inputs=shapes, dtypes=["int64", "float32"])


@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, 2), (0, 1), (2, 0)])
def test_addmm_family(torch, beta, alpha):
    kw = {"beta": beta, "alpha": alpha}
    check_op(lambda c, a, b: c.addmm(a, b, **kw), inputs=[(2, 4), (2, 3), (3, 4)], dtypes="float64")
    check_op(lambda c, a, b: mod(c).addmm(c, a, b, **kw), inputs=[(4,), (2, 3), (3, 4)])
    check_op(lambda c, a, b: mod(c).addmv(c, a, b, **kw), inputs=[(2,), (2, 3), (3,)])
    # float64: gradients summed over the batch cancel, float32 rounding differs in the last digits
    check_op(lambda c, a, b: mod(c).baddbmm(c, a, b, **kw), inputs=[(1, 2, 4), (5, 2, 3), (5, 3, 4)],
             dtypes="float64")  # fmt: skip
    check_op(lambda c, a, b: mod(c).addbmm(c, a, b, **kw), inputs=[(2, 4), (5, 2, 3), (5, 3, 4)],
             dtypes="float64")  # fmt: skip
    check_op(lambda c, a, b: c.clone().addmm_(a, b, **kw), inputs=[(2, 4), (2, 3), (3, 4)],
             grad_fn=False)  # fmt: skip


def test_addmm_errors(torch):
    check_error(lambda c, a, b: c.addmm(a, b), inputs=[(2, 4), (2, 3), (4, 4)])
    check_error(lambda c, a, b: c.addmm(a, b), inputs=[(3, 4), (2, 3), (3, 4)])
    check_error(lambda c, a, b: c.addmm(a, b), inputs=[(2, 4), (3,), (3, 4)])


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ii->", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]),
    ("i,i->", [(3,), (3,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (5, 3, 4)]),
    ("...ij,jk->...ik", [(2, 5, 2, 3), (3, 4)]),
    ("i...->...", [(3, 2, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("i i -> i", [(3, 3)]),
    ("ij,ij->ij", [(2, 3), (1, 3)]),
]


@pytest.mark.parametrize("equation, shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum(torch, equation, shapes):
    # grad_fn: PyTorch's is a view/permute/bmm node (NOTE [ einsum's graph ] in ops/linalg.py)
    check_op(lambda *ops: mod(ops[0]).einsum(equation, *ops), inputs=shapes, dtypes="float64",
             grad_fn=False)  # fmt: skip
    check_op(lambda *ops: mod(ops[0]).einsum(equation, list(ops)), inputs=shapes, noncontig=True,
             grad_fn=False)  # fmt: skip


@pytest.mark.parametrize(
    "equation, shapes",
    [("ij,jk->ik", [(2, 3), (4, 4)]), ("ij,jk->ik", [(2, 3)]), ("ij->ik", [(2, 3)]),
     ("ijk->ij", [(2, 3)]), ("ij,jk->ik", [(2, 3), (3, 4), (4, 4)])],
)  # fmt: skip
def test_einsum_errors(torch, equation, shapes):
    check_error(lambda *ops: mod(ops[0]).einsum(equation, *ops), inputs=shapes)


def test_einsum_promotes(torch):
    check_error(lambda a, b: mod(a).einsum("i,i->", a, b), inputs=[(3,), (3,)],
                dtypes=["float32", "float64"])  # fmt: skip


@pytest.mark.parametrize(
    "dims, shapes",
    [(2, [(2, 3, 4), (3, 4, 5)]), (1, [(2, 3, 4), (4, 5)]), (0, [(2, 3), (4,)]),
     (([1], [0]), [(2, 3, 4), (3, 5)]), (([0, 1], [1, 0]), [(2, 3, 4), (3, 2, 5)]),
     ([[2], [1]], [(2, 3, 4), (3, 4, 5)])],
    ids=str,
)  # fmt: skip
def test_tensordot(torch, dims, shapes):
    check_op(lambda a, b: mod(a).tensordot(a, b, dims), inputs=shapes, dtypes="float64",
             grad_fn=False)  # fmt: skip


def test_kron_cross(torch):
    check_op(lambda a, b: a.kron(b), inputs=[(2, 3), (4, 2)], dtypes="float64", grad_fn=False)
    check_op(lambda a, b: a.kron(b), inputs=[(3,), (2,)], grad_fn=False)
    check_op(lambda a, b: a.cross(b, dim=1), inputs=[(4, 3), (4, 3)], dtypes="float64")
    check_op(lambda a, b: mod(a).cross(a, b, dim=0), inputs=[(3, 2), (3, 1)])
    check_error(lambda a, b: a.cross(b, dim=1), inputs=[(4, 3), (4, 3)], dtypes=["float32", "float64"],
                message=False)  # fmt: skip
