"""Reductions, scans, sorting and softmax against real PyTorch (``ops/reduction.py``).

``dim`` as None, an int, negative, a tuple; ``keepdim``; 0-dim and empty inputs; integer and bool
inputs (their result dtypes); ``max(dim)``'s named tuples; ties and NaN; gradients.
"""

# ruff: noqa: B023 - the lambdas built in loops are called at once, inside the loop

from __future__ import annotations

import numpy as np
import pytest

import numtorch as nt
from op_harness import ALL_DTYPES, check_error, check_op


def mod(t):
    """The module (torch or numtorch) that ``t`` belongs to, so one lambda serves both."""
    if isinstance(t, nt.Tensor):
        return nt
    import torch

    return torch


DIMS = [None, 0, 1, -1, (0, 2), (-1, 0), ()]
SHAPE = (2, 3, 4)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("name", ["sum", "mean", "nansum", "amax", "amin", "logsumexp", "prod",
                                  "var", "std", "norm"])  # fmt: skip
def test_reduction_dims(torch, name, dim, keepdim):
    if dim is None and name in ("amax", "amin", "logsumexp"):
        dim = ()
    if name == "logsumexp" and dim == () and not keepdim:
        pytest.skip("PyTorch 2.13 fails here: output with shape [] doesn't match [1, 1, 1]")
    if dim is None:
        fn = lambda a: getattr(a, name)()  # noqa: E731
    elif name == "prod" and not isinstance(dim, int):
        pytest.skip("prod reduces one dim (PyTorch has no tuple overload)")
    else:
        fn = lambda a: getattr(a, name)(dim=dim, keepdim=keepdim)  # noqa: E731
    # PyTorch's var/std backward with dim=() divides by (1 - correction): inf gradients (a PyTorch
    # quirk: its forward reduces over all dims); only the forward is compared there.
    grad = not (name in ("var", "std") and dim == ())
    check_op(fn, inputs=[SHAPE], dtypes="float64", low=0.5, grad=grad)
    check_op(fn, inputs=[SHAPE], dtypes="float32", low=0.5, noncontig=True, seed=2, grad=grad)


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "amax", "amin", "std", "var", "logsumexp",
                                  "norm", "nansum", "max", "min", "argmax", "argmin", "all", "any",
                                  "count_nonzero", "median"])  # fmt: skip
@pytest.mark.parametrize("shape", [(), (0,), (2, 0), (1,), (0, 3)], ids=str)
def test_reduction_degenerate_shapes(torch, name, shape):
    """0-dim and empty inputs: values, or PyTorch's error."""
    from test_ops_arithmetic import check_or_error

    check_or_error(torch, lambda a: getattr(a, name)(), [shape], "float32")
    if len(shape) > 0 and name not in ("count_nonzero",):
        check_or_error(torch, lambda a: getattr(a, name)(0), [shape], "float32")
        check_or_error(torch, lambda a: getattr(a, name)(-1, keepdim=True), [shape], "float32")
    if shape == ():
        check_or_error(torch, lambda a: getattr(a, name)(0), [shape], "float32")


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("name", ["sum", "prod", "mean", "amax", "amin", "cumsum", "cumprod",
                                  "all", "any", "max", "min", "argmax", "nansum", "logsumexp",
                                  "std", "var", "median", "count_nonzero"])  # fmt: skip
def test_reduction_dtypes(torch, name, dtype):
    """Integers and bools sum to int64, mean refuses them, all/any give bool, ..."""
    from test_ops_arithmetic import check_or_error

    if name in ("cumsum", "cumprod"):
        check_or_error(torch, lambda a: getattr(a, name)(1), [(3, 4)], dtype, low=-2, high=2)
        return
    check_or_error(torch, lambda a: getattr(a, name)(), [(3, 4)], dtype, low=-2, high=2)
    check_or_error(torch, lambda a: getattr(a, name)(1), [(3, 4)], dtype, low=-2, high=2)


@pytest.mark.parametrize("dtype", ["int64", "float32", "bool"])
def test_sum_prod_dtype_argument(torch, dtype):
    check_op(lambda a: a.sum(dtype=mod(a).float64), inputs=[(3, 4)], dtypes=dtype)
    check_op(lambda a: a.sum(1, dtype=mod(a).int32), inputs=[(3, 4)], dtypes=dtype, grad=False)
    check_op(lambda a: a.prod(dtype=mod(a).float64), inputs=[(3, 4)], dtypes=dtype)
    check_op(lambda a: a.mean(dtype=mod(a).float64), inputs=[(3, 4)], dtypes=dtype)
    check_op(lambda a: a.cumsum(0, dtype=mod(a).float64), inputs=[(3, 4)], dtypes=dtype)


def test_sum_out_and_errors(torch):
    def out(a):
        o = mod(a).empty(4)
        assert mod(a).sum(a, 0, out=o) is o
        return o

    check_op(out, inputs=[(3, 4)], grad=False)
    check_error(lambda a: a.sum(3), inputs=[(3, 4)])
    check_error(lambda a: a.sum((0, 0)), inputs=[(3, 4)])
    check_error(lambda a: a.mean(), inputs=[(3, 4)], dtypes="int64")
    check_error(lambda a: a.mean(), inputs=[(3, 4)], dtypes="bool")


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_dim_named_tuple(torch, name, keepdim):
    for dim in (0, 1, -1):
        check_op(lambda a: getattr(a, name)(dim, keepdim), inputs=[(3, 4)], dtypes="float64")
        check_op(lambda a: getattr(a, name)(dim=dim, keepdim=keepdim), inputs=[(3, 4)],
                 dtypes="int32")  # fmt: skip
    check_op(lambda a: getattr(mod(a), name)(a, 1), inputs=[(2, 3, 4)], noncontig=True)
    ours = getattr(nt.tensor([[1.0, 3.0], [2.0, 0.0]]), name)(1)
    theirs = getattr(torch.tensor([[1.0, 3.0], [2.0, 0.0]]), name)(1)
    assert repr(ours) == repr(theirs)
    values, indices = ours  # unpacks like a tuple
    assert ours.values is values and ours.indices is indices


def test_max_ties_and_nan(torch):
    ties = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    nan = np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, np.nan]])
    for x in (ties, nan):
        check_op(lambda a: a.max(1), inputs=[x])  # first index of the maximum; NaN wins
        check_op(lambda a: a.min(1), inputs=[x])
        check_op(lambda a: a.max(), inputs=[x])  # gradient split evenly among ties
        check_op(lambda a: a.amax(1), inputs=[x])
        check_op(lambda a: a.amin(0), inputs=[x])
        check_op(lambda a: a.argmax(), inputs=[x])
        check_op(lambda a: a.argmin(1, keepdim=True), inputs=[x])
        check_op(lambda a: a.argmax(0), inputs=[x])


def test_max_errors(torch):
    check_error(lambda a: a.max(), inputs=[(0, 3)])
    check_error(lambda a: a.max(0), inputs=[(0, 3)])
    check_error(lambda a: a.argmax(), inputs=[(0,)])
    check_error(lambda a: a.max(2), inputs=[(2, 3)])
    check_error(lambda a: a.amax(0), inputs=[(0, 3)])


def test_max_out_tuple(torch):
    def out(a):
        m = mod(a)
        v, i = m.empty(3), m.empty(3, dtype=m.long)
        r = m.max(a, 1, out=(v, i))
        assert r.values is v and r.indices is i
        return r

    check_op(out, inputs=[(3, 4)], grad=False)


def test_aminmax(torch):
    check_op(lambda a: mod(a).aminmax(a), inputs=[(3, 4)], grad=False)
    check_op(lambda a: mod(a).aminmax(a, dim=1, keepdim=True), inputs=[(3, 4)], grad=False)


# --- var / std -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["var", "std", "var_mean", "std_mean"])
def test_var_std_overloads(torch, name):
    def f(*args, **kwargs):
        return lambda a: getattr(mod(a), name)(a, *args, **kwargs)

    for fn in (f(), f(0), f(1, keepdim=True), f((0, 1)), f(unbiased=False), f(1, False),
               f(False), f(dim=1, correction=0), f(dim=None, correction=2), f(correction=0.5),
               f(1, unbiased=True, keepdim=True)):  # fmt: skip
        check_op(fn, inputs=[(3, 4)], dtypes="float64")
        check_op(fn, inputs=[(3, 4)], dtypes="float32", noncontig=True)


def test_var_single_element_and_correction_too_large(torch):
    check_op(lambda a: a.var(), inputs=[(1,)], grad=False)  # nan with a warning in PyTorch
    check_op(lambda a: a.std(0), inputs=[(1, 3)], grad=False)
    check_op(lambda a: a.var(correction=5), inputs=[(3,)], grad=False)
    check_error(lambda a: a.var(), inputs=[(3,)], dtypes="int64")


# --- norm / logsumexp --------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [2, 1, 3, 0.5, 0, float("inf"), float("-inf"), "fro"], ids=str)
def test_norm(torch, p):
    check_op(lambda a: a.norm(p), inputs=[(3, 4)], dtypes="float64", grad=p != 0)
    check_op(lambda a: a.norm(p, dim=1), inputs=[(3, 4)], grad=p != 0)
    check_op(lambda a: a.norm(p, dim=(0, 1), keepdim=True), inputs=[(3, 4)], grad=p != 0)
    check_op(lambda a: mod(a).norm(a, p), inputs=[(2, 3, 4)], noncontig=True, grad=p != 0)


def test_norm_zero_vector_grad_and_errors(torch):
    check_op(lambda a: (a * 0).norm(), inputs=[(3,)])  # gradient 0, not NaN
    check_op(lambda a: a.norm(dtype=mod(a).float64), inputs=[(3,)])
    check_error(lambda a: a.norm(), inputs=[(3,)], dtypes="int64")
    check_op(lambda a: a.norm(p="nuc"), inputs=[(3, 4)], grad=False)


def test_logsumexp_stability(torch):
    x = np.array([[1000.0, 1000.0, -1000.0], [-np.inf, -np.inf, -np.inf], [np.inf, 0.0, 1.0]])
    check_op(lambda a: a.logsumexp(1), inputs=[x], grad=False)
    check_op(lambda a: a.logsumexp(1), inputs=[x[:1]])
    check_op(lambda a: a.logsumexp(0), inputs=[(3, 4)], dtypes="int64")


# --- cumulative --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_cumprod(torch, dim):
    check_op(lambda a: a.cumsum(dim), inputs=[(3, 4)], dtypes="float64")
    check_op(lambda a: a.cumprod(dim), inputs=[(3, 4)], dtypes="float64")
    check_op(lambda a: mod(a).cumsum(a, dim=dim), inputs=[(3, 4)], noncontig=True)
    with_zeros = np.array([[1.0, 0.0, 2.0, 3.0], [0.0, 0.0, 1.0, 2.0], [2.0, 3.0, 4.0, 0.0]])
    check_op(lambda a: a.cumprod(dim), inputs=[with_zeros])  # zero-safe gradient


def test_cumulative_degenerate(torch):
    check_op(lambda a: a.cumsum(0), inputs=[()])
    check_op(lambda a: a.cumprod(0), inputs=[(0, 3)])
    check_op(lambda a: a.cumsum(-1), inputs=[(2, 0)])
    check_error(lambda a: a.cumsum(2), inputs=[(3, 4)])
    check_op(lambda a: a.cummax(1), inputs=[np.array([[1.0, 3.0, 2.0, 3.0, np.nan, 1.0]])])
    check_op(lambda a: a.cummin(0), inputs=[(5, 2)], grad=False)
    check_op(lambda a: a.logcumsumexp(1), inputs=[(3, 4)])


# --- all / any ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int64", "float32"])
def test_all_any(torch, dtype):
    for fn in (lambda a: a.all(), lambda a: a.any(), lambda a: a.all(1), lambda a: a.any(0, True),
               lambda a: mod(a).all(a, dim=(0, 1)), lambda a: a.any(dim=-1, keepdim=True)):  # fmt: skip
        check_op(fn, inputs=[(3, 4)], dtypes=dtype, low=0, high=1)
        check_op(fn, inputs=[(3, 4)], dtypes=dtype, low=1, high=1)


# --- sort / topk / unique ----------------------------------------------------------------------------------
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize(
    "dtype", ["float32", "float64", "int64", "int8", "uint8", "bool", "float16"]
)
def test_sort(torch, dtype, descending):
    grad = dtype in ("float32", "float64")
    for dim in (0, 1, -1):
        # many ties: PyTorch's CPU sort is stable, so the indices must match too
        check_op(lambda a: a.sort(dim, descending), inputs=[(4, 5)], dtypes=dtype, grad=grad,
                 low=-2, high=2)  # fmt: skip
        check_op(lambda a: a.argsort(dim, descending=descending), inputs=[(4, 5)], dtypes=dtype,
                 low=-2, high=2)  # fmt: skip
    check_op(lambda a: mod(a).sort(a, stable=True, descending=descending), inputs=[(3, 6)],
             dtypes=dtype, grad=grad, low=-1, high=1)  # fmt: skip


def test_sort_nan_and_degenerate(torch):
    x = np.array([[3.0, np.nan, 1.0, np.nan, -np.inf, np.inf, 1.0]])
    check_op(lambda a: a.sort(), inputs=[x])
    check_op(lambda a: a.sort(descending=True), inputs=[x])
    check_op(lambda a: a.sort(), inputs=[()])
    check_op(lambda a: a.sort(0), inputs=[(0,)])
    check_op(lambda a: a.topk(2), inputs=[x])
    check_op(lambda a: a.topk(3, largest=False), inputs=[x])


DISTINCT = np.random.default_rng(5).permutation(20).reshape(4, 5)  # no ties: indices are defined


@pytest.mark.parametrize("largest", [True, False])
def test_topk(torch, largest):
    for k, dim in ((1, -1), (3, 1), (2, 0), (0, 1), (5, 1)):
        check_op(lambda a: a.topk(k, dim, largest), inputs=[(4, 5)], dtypes="float64")
        check_op(lambda a: a.topk(k, dim=dim, largest=largest), inputs=[DISTINCT])
        # with ties, which index PyTorch's partial sort returns is unspecified: values only
        check_op(lambda a: a.topk(k, dim, largest).values, inputs=[(4, 5)], dtypes="int64")
    check_error(lambda a: a.topk(6), inputs=[(4, 5)])
    check_error(lambda a: a.topk(-1), inputs=[(4, 5)])


def test_kthvalue_median_mode(torch):
    distinct = DISTINCT.astype(np.float64)
    ties = np.array([[3.0, 1.0, 2.0, 2.0], [5.0, 5.0, 4.0, 1.0], [0.0, 7.0, 7.0, 7.0]])
    for k, dim in ((2, 1), (1, 0), (4, 0), (5, 1)):
        check_op(lambda a: a.kthvalue(k, dim), inputs=[distinct])
        # with ties the gradient goes to the index chosen: values only, no gradient
        if k <= ties.shape[dim]:
            check_op(lambda a: a.kthvalue(k, dim, keepdim=True).values, inputs=[ties], grad=False)
    for fn in (lambda a: a.median(1), lambda a: a.median(0, keepdim=True),
               lambda a: a.nanmedian(1), lambda a: a.median(-1, True)):  # fmt: skip
        check_op(fn, inputs=[distinct])
        check_op(
            lambda a, f=fn: f(a).values, inputs=[ties], grad=False
        )  # NOTE [ Ties in selection ]
    check_op(lambda a: a.median(), inputs=[ties])  # ties share the gradient
    check_op(lambda a: a.median(), inputs=[distinct])
    check_op(lambda a: a.mode(1), inputs=[ties])
    check_op(lambda a: a.mode(0), inputs=[ties.astype(np.int64)])
    check_error(lambda a: a.kthvalue(6, 1), inputs=[distinct])


def test_median_nan(torch):
    x = np.array([[1.0, np.nan, 3.0, np.nan], [4.0, 2.0, 1.0, 3.0], [np.nan] * 4])
    check_op(lambda a: a.median(1), inputs=[x])
    check_op(lambda a: a.median(), inputs=[x])
    check_op(lambda a: a.nanmedian(), inputs=[x])
    check_op(lambda a: a.nanmedian(1).values, inputs=[x], grad=False)
    check_op(lambda a: a.kthvalue(4, 1), inputs=[x[:2]])


@pytest.mark.parametrize("dtype", ["int64", "float32", "bool", "uint8"])
def test_unique(torch, dtype):
    x = np.array([[3, 1, 2, 3], [1, 1, 0, 2]]).astype(dtype)
    check_error(lambda a: a.unique().sum().backward(), inputs=[x], requires_grad=True)
    for kwargs in ({}, {"return_inverse": True}, {"return_counts": True},
                   {"return_inverse": True, "return_counts": True}, {"sorted": True}):  # fmt: skip
        check_op(lambda a: a.unique(**kwargs), inputs=[x], grad=False)
        check_op(lambda a: mod(a).unique(a, dim=1, **kwargs), inputs=[x], grad=False)
        check_op(lambda a: mod(a).unique(a, dim=0, **kwargs), inputs=[x], grad=False)
        consecutive = {k: v for k, v in kwargs.items() if k != "sorted"}
        check_op(lambda a: a.unique_consecutive(**consecutive), inputs=[x.reshape(-1)], grad=False)
        check_op(lambda a: a.unique_consecutive(dim=1, **consecutive), inputs=[x], grad=False)
    check_op(lambda a: a.unique(), inputs=[np.zeros((0,), dtype)], grad=False)


# --- isclose / allclose / equal ------------------------------------------------------------------------------
def test_isclose_allclose_equal(torch):
    a = np.array([1.0, np.nan, np.inf, -np.inf, 1e-9, 2.0, 1.0])
    b = np.array([1.0 + 1e-6, np.nan, np.inf, np.inf, 0.0, 2.1, 1.00001])
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 0, "atol": 0}, {"rtol": 0.1}, {"atol": 0.2}):
        check_op(lambda x, y: x.isclose(y, **kwargs), inputs=[a, b])
        check_op(
            lambda x, y: mod(x).isclose(x, y, **kwargs),
            inputs=[a.astype(np.float32), b.astype(np.float32)],
        )
        check_op(lambda x, y: mod(x).allclose(x, y, **kwargs), inputs=[a, b])
        check_op(lambda x, y: x.allclose(x, **kwargs), inputs=[a, b])
    check_op(lambda x, y: x.isclose(y, atol=1), inputs=[(4,), (4,)], dtypes="int64")
    check_op(lambda x, y: x.isclose(y, atol=1), inputs=[(4,), (4,)], dtypes="uint8", low=0, high=5)
    check_op(lambda x, y: mod(x).allclose(x, y), inputs=[(2,), (1,)])
    check_op(lambda x, y: mod(x).equal(x, y), inputs=[(2,), (1,)])
    check_op(lambda x, y: mod(x).equal(x, x.clone()), inputs=[(2, 3), (1,)])
    check_op(lambda x, y: x.equal(x.double()), inputs=[(2, 3), (1,)])
    check_op(lambda x, y: x.equal(x), inputs=[np.array([np.nan]), (1,)])
    check_error(lambda x, y: x.isclose(y), inputs=[(3,), (3,)], dtypes=["float32", "float64"])
    check_error(lambda x, y: x.isclose(y), inputs=[(3,), (4,)])
    check_error(lambda x, y: x.isclose(y, rtol=-1), inputs=[(3,), (3,)])
    check_error(lambda x: mod(x).isclose(x, 1.0), inputs=[(3,)])
    check_error(
        lambda x, y: mod(x).allclose(x, y), inputs=[(3,), (3,)], dtypes=["float32", "int64"]
    )


# --- softmax / log_softmax ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax(torch, name):
    for dim in (0, 1, -1):
        check_op(lambda a: getattr(a, name)(dim), inputs=[(3, 4)], dtypes="float64")
        check_op(lambda a: getattr(mod(a), name)(a, dim), inputs=[(2, 3, 4)], noncontig=True)
    big = np.array([[1000.0, 0.0, -1000.0], [-np.inf, 0.0, 1.0], [np.inf, 0.0, 1.0]])
    check_op(lambda a: getattr(a, name)(1), inputs=[big], grad=False)
    check_op(lambda a: getattr(a, name)(0), inputs=[()])
    check_op(lambda a: getattr(a, name)(1), inputs=[(2, 0)])
    check_op(lambda a: getattr(a, name)(1, dtype=mod(a).float64), inputs=[(3, 4)])
    check_op(lambda a: getattr(a, name)(1, dtype=mod(a).float32), inputs=[(3, 4)], dtypes="int64")
    check_error(lambda a: getattr(a, name)(1), inputs=[(3, 4)], dtypes="int64")
    check_error(lambda a: getattr(a, name)(2), inputs=[(3, 4)])


def test_misc_reductions(torch):
    check_op(lambda a: a.diff(), inputs=[(3, 4)])
    check_op(lambda a: a.diff(n=2, dim=0), inputs=[(4, 3)])
    check_op(lambda a: a.trace(), inputs=[(3, 4)])
    check_op(lambda a, b: mod(a).dist(a, b), inputs=[(3, 4), (4,)])
    check_op(lambda a, b: mod(a).dist(a, b, 1), inputs=[(3, 4), (4,)])
    check_op(lambda a: a.count_nonzero(1), inputs=[(3, 4)], dtypes="int64", low=0, high=1)
    check_op(
        lambda a: a.nanmean(1), inputs=[np.array([[1.0, np.nan], [np.nan, np.nan]])], grad=False
    )
