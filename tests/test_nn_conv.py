"""Convolution and pooling: ``F.conv*``, ``F.conv_transpose*``, ``F.unfold``/``F.fold``, pooling, and
their modules, against real PyTorch (values, gradients, ``grad_fn``, errors, ``repr``, default
initialisation), plus self-contained finite-difference gradient checks.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

import numtorch as nt
import numtorch.nn.functional as NF
from op_harness import check_error, check_op

# float32 sums of up to a few hundred products: BLAS and oneDNN accumulate in different orders,
# so the absolute error grows with the reduction length (values here are O(10)).
F32 = {"atol": 2e-5, "rtol": 1e-5}


def _tol(dtype: str) -> dict:
    return F32 if dtype == "float32" else {}


def _fns(torch, name: str):
    return getattr(torch.nn.functional, name), getattr(NF, name)


# --- convolution -------------------------------------------------------------------------------------
CONV_CONFIGS = [
    # stride, padding, dilation, groups, bias
    (1, 0, 1, 1, True),
    (2, 1, 1, 1, True),
    (1, 2, 2, 1, False),
    (2, 1, 1, 2, True),
    (3, 0, 2, 4, True),
    (1, "same", 1, 1, True),
    (1, "same", 2, 2, False),
    (1, "valid", 1, 1, True),
]


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("config", CONV_CONFIGS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv_matches_torch(torch, nd, config, dtype):
    stride, padding, dilation, groups, bias = config
    tf, nf = _fns(torch, f"conv{nd}d")
    size = (9, 8, 7)[:nd] if nd < 3 else (7, 6, 5)
    kernel = (3, 2, 3)[:nd]
    shapes = [(2, 4, *size), (8, 4 // groups, *kernel)] + ([(8,)] if bias else [None])

    def call(f):
        return lambda x, w, b: f(x, w, b, stride, padding, dilation, groups)

    check_op(call(tf), call(nf), inputs=shapes, dtypes=dtype, **_tol(dtype))


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize(
    "config",
    [(1, 0, 0, 1, 1), (2, 1, 1, 1, 1), (2, 0, 1, 2, 2), (3, 1, 2, 1, 1), (2, 2, 0, 1, 4)],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv_transpose_matches_torch(torch, nd, config, dtype):
    stride, padding, output_padding, dilation, groups = config
    tf, nf = _fns(torch, f"conv_transpose{nd}d")
    size = (5, 4, 3)[:nd]
    kernel = (3, 2, 3)[:nd]

    def call(f):
        return lambda x, w, b: f(x, w, b, stride, padding, output_padding, groups, dilation)

    check_op(
        call(tf), call(nf), inputs=[(2, 4, *size), (4, 8 // groups, *kernel), (8,)], dtypes=dtype,
        **_tol(dtype),
    )  # fmt: skip


# NOTE [ col2im on a wide grid ]: stride-1 input gradients and stride-1 transposed convolutions,
# in both im2col layouts (16 channels × 3×3 = a 144-long patch is patch-major, 2 × 3×3 sample-major).
@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("channels", [2, 16])
@pytest.mark.parametrize("padding, dilation, groups", [(0, 1, 1), (1, 1, 2), (2, 2, 1), (3, 2, 2)])
def test_conv_stride1_input_grad_matches_torch(torch, nd, channels, padding, dilation, groups):
    tf, nf = _fns(torch, f"conv{nd}d")
    size = (11, 9, 7)[:nd]
    shapes = [(3, channels, *size), (6, channels // groups, *(3,) * nd), (6,)]

    def call(f):
        return lambda x, w, b: f(x, w, b, 1, padding, dilation, groups)

    # Inputs in [-1, 1] keep 3-d sums of up to 432 products at the O(10) scale F32 is made for.
    check_op(call(tf), call(nf), inputs=shapes, low=-1.0, high=1.0, **F32)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("padding, output_padding, dilation, groups", [(0, 0, 1, 1), (1, 1, 2, 2)])
def test_conv_transpose_stride1_matches_torch(torch, nd, padding, output_padding, dilation, groups):
    tf, nf = _fns(torch, f"conv_transpose{nd}d")
    size = (6, 5, 4)[:nd]

    def call(f):
        return lambda x, w, b: f(x, w, b, 1, padding, output_padding, groups, dilation)

    check_op(
        call(tf), call(nf), inputs=[(2, 16, *size), (16, 8 // groups, *(3,) * nd), (8,)],
        low=-1.0, high=1.0, **F32,
    )  # fmt: skip


@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_conv_input_grad_with_nonfinite_weight_matches_torch(torch, bad):
    """Zero padding times an infinite weight is NaN, so the wide grid is not used for such weights."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 16, 7, 7), dtype=np.float32)
    w = rng.standard_normal((4, 16, 3, 3), dtype=np.float32)
    w[1, 3, 0, 2] = bad
    grads = []
    for lib in (torch, nt):
        xt = lib.tensor(x, requires_grad=True)
        lib.nn.functional.conv2d(xt, lib.tensor(w)).sum().backward()
        grads.append(xt.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], **F32)
    assert np.isnan(grads[1]).any() or np.isinf(grads[1]).any()


@pytest.mark.parametrize("name", ["conv1d", "conv2d"])
def test_conv_unbatched_and_empty_batch(torch, name):
    tf, nf = _fns(torch, name)
    nd = int(name[-2])
    check_op(tf, nf, inputs=[(3, *(6,) * nd), (5, 3, *(3,) * nd)], dtypes="float64")
    check_op(tf, nf, inputs=[(0, 3, *(6,) * nd), (5, 3, *(3,) * nd)], dtypes="float64")


def test_conv2d_strided_input_and_weight(torch):
    tf, nf = _fns(torch, "conv2d")
    check_op(tf, nf, inputs=[(2, 3, 7, 6), (4, 3, 3, 3)], dtypes="float64", noncontig=True)


def test_conv_output_is_contiguous_and_integer_conv(torch):
    out = NF.conv2d(nt.randn(2, 3, 8, 8), nt.randn(4, 3, 3, 3), stride=2)
    assert out.is_contiguous()
    tf, nf = _fns(torch, "conv2d")
    check_op(tf, nf, inputs=[(1, 2, 5, 5), (3, 2, 2, 2)], dtypes="int64", grad=False)


@pytest.mark.parametrize("transposed", [False, True])
def test_conv_double_backward_matches_torch(torch, transposed):
    """Gradients of a gradient (a gradient penalty): backward is built from differentiable ops."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 6, 5))
    w = rng.standard_normal((4, 4, 3, 2)) if transposed else rng.standard_normal((6, 2, 3, 2))
    kw = dict(stride=2, padding=1, groups=2) if not transposed else dict(stride=2, groups=2)
    results = []
    for lib, F in ((torch, torch.nn.functional), (nt, NF)):
        xt = lib.tensor(x, requires_grad=True)
        wt = lib.tensor(w, requires_grad=True)
        out = (F.conv_transpose2d if transposed else F.conv2d)(xt, wt, **kw)
        gx, gw = lib.autograd.grad((out * out).sum(), (xt, wt), create_graph=True)
        ((gx * gx).sum() + (gw.sin()).sum()).backward()
        results.append((gx.detach(), gw.detach(), xt.grad, wt.grad))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-10)


# --- unfold / fold -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kernel, dilation, padding, stride",
    [(2, 1, 0, 1), ((2, 3), 2, 1, 2), (3, (1, 2), (1, 0), (2, 1))],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unfold_fold_match_torch(torch, kernel, dilation, padding, stride, dtype):
    tf, nf = _fns(torch, "unfold")
    check_op(
        lambda x: tf(x, kernel, dilation, padding, stride),
        lambda x: nf(x, kernel, dilation, padding, stride),
        inputs=[(2, 3, 9, 8)], dtypes=dtype,
    )  # fmt: skip
    check_op(
        lambda x: tf(x, kernel, dilation, padding, stride),
        lambda x: nf(x, kernel, dilation, padding, stride),
        inputs=[(3, 9, 8)], dtypes=dtype,
    )  # fmt: skip
    blocks = tf(torch.zeros(1, 3, 9, 8), kernel, dilation, padding, stride).shape
    tf, nf = _fns(torch, "fold")
    check_op(
        lambda c: tf(c, (9, 8), kernel, dilation, padding, stride),
        lambda c: nf(c, (9, 8), kernel, dilation, padding, stride),
        inputs=[(2, blocks[1], blocks[2])], dtypes=dtype,
    )  # fmt: skip


# --- convolution errors ----------------------------------------------------------------------------------
CONV_ERRORS = [
    ("conv2d", [(4, 3, 8, 8), (6, 1, 3, 3)], {}),
    ("conv2d", [(8, 8), (6, 1, 3, 3)], {}),
    ("conv2d", [(1, 1, 2, 2), (6, 1, 3, 3)], {}),
    ("conv2d", [(1, 4, 5, 5), (6, 2, 3, 3)], {"groups": 4}),
    ("conv2d", [(1, 4, 5, 5), (6, 4, 3, 3)], {"groups": 0}),
    ("conv2d", [(1, 4, 5, 5), (6, 4, 3, 3)], {"stride": 2, "padding": "same"}),
    ("conv2d", [(1, 4, 5, 5), (6, 4, 3, 3)], {"padding": "full"}),
    ("conv2d", [(1, 4, 5, 5), (6, 4, 3, 3)], {"stride": 0}),
    ("conv2d", [(1, 4, 5, 5), (6, 4, 3, 3)], {"padding": -1}),
    ("conv2d", [(1, 4, 5, 5), (6, 4, 3, 3)], {"dilation": 0}),
    ("conv2d", [(1, 4, 5, 5), (6, 4, 3, 3)], {"stride": (1, 1, 1)}),
    ("conv2d", [(1, 4, 5, 5), (6, 4, 3)], {}),
    ("conv1d", [(1, 4, 5, 5), (6, 4, 3)], {}),
    ("conv_transpose2d", [(1, 4, 5, 5), (3, 4, 3, 3)], {}),
    ("conv_transpose2d", [(1, 4, 5, 5), (4, 4, 3, 3)], {"output_padding": 1}),
]


@pytest.mark.parametrize("name, shapes, kwargs", CONV_ERRORS)
def test_conv_errors_match_torch(torch, name, shapes, kwargs):
    tf, nf = _fns(torch, name)
    check_error(lambda x, w: tf(x, w, **kwargs), lambda x, w: nf(x, w, **kwargs), inputs=shapes)


def test_conv_dtype_errors_match_torch(torch):
    tf, nf = _fns(torch, "conv2d")
    shapes = [(1, 4, 5, 5), (6, 4, 3, 3), (6,)]
    for dtypes in (["float32", "float64", "float32"], ["float64", "float32", "float64"],
                   ["float32", "float32", "float64"]):  # fmt: skip
        check_error(tf, nf, inputs=shapes, dtypes=dtypes)
    check_error(tf, nf, inputs=[(1, 4, 5, 5), (6, 4, 3, 3), (5,)])


# --- pooling -------------------------------------------------------------------------------------------
POOL_CONFIGS = [
    # kernel, stride, padding, dilation, ceil_mode
    (2, None, 0, 1, False),
    (3, 2, 1, 1, False),
    (3, 2, 1, 2, True),
    (2, 3, 1, 1, True),
    (3, 1, 1, 1, False),
    ((2, 3), (1, 2), (1, 0), (2, 1), True),
]


@pytest.mark.parametrize("config", POOL_CONFIGS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(2, 3, 9, 8), (3, 7, 6)])
def test_max_pool2d_matches_torch(torch, config, dtype, shape):
    k, s, p, d, c = config
    tf, nf = _fns(torch, "max_pool2d")
    check_op(lambda x: tf(x, k, s, p, d, c), lambda x: nf(x, k, s, p, d, c), inputs=[shape],
             dtypes=dtype)  # fmt: skip
    check_op(lambda x: tf(x, k, s, p, d, c, True), lambda x: nf(x, k, s, p, d, c, True),
             inputs=[shape], dtypes=dtype)  # fmt: skip


def test_max_pool_ties_and_nan_follow_torch(torch):
    """After ReLU most windows are all zeros: the gradient goes to the first one, as in PyTorch."""
    tf, nf = _fns(torch, "max_pool2d")
    relu_like = np.maximum(np.random.default_rng(3).standard_normal((2, 3, 8, 8)), 0)
    check_op(lambda x: tf(x, 2, return_indices=True), lambda x: nf(x, 2, return_indices=True),
             inputs=[relu_like.astype(np.float32)])  # fmt: skip
    nan = np.array([[[[1.0, np.nan], [np.nan, 0.0]]]], np.float32)
    check_op(lambda x: tf(x, 2, return_indices=True), lambda x: nf(x, 2, return_indices=True),
             inputs=[nan])  # fmt: skip
    check_op(tf, nf, inputs=[np.arange(16, dtype=np.int64).reshape(1, 1, 4, 4), 2])


@pytest.mark.parametrize("config", POOL_CONFIGS[:4])
def test_max_pool1d_and_3d_match_torch(torch, config):
    k, s, p, d, c = config
    tf, nf = _fns(torch, "max_pool1d")
    check_op(lambda x: tf(x, k, s, p, d, c, True), lambda x: nf(x, k, s, p, d, c, True),
             inputs=[(2, 3, 11)], dtypes="float64")  # fmt: skip
    check_op(lambda x: tf(x, k, s, p, d, c), lambda x: nf(x, k, s, p, d, c), inputs=[(3, 11)],
             dtypes="float64")  # fmt: skip
    tf, nf = _fns(torch, "max_pool3d")
    check_op(lambda x: tf(x, k, s, p, d, c, True), lambda x: nf(x, k, s, p, d, c, True),
             inputs=[(2, 2, 6, 7, 5)], dtypes="float64")  # fmt: skip


@pytest.mark.parametrize("config", POOL_CONFIGS[:4] + [((2, 3), (1, 2), (1, 0), 1, True)])
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("divisor_override", [None, 5])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_avg_pool2d_matches_torch(torch, config, count_include_pad, divisor_override, dtype):
    k, s, p, _, c = config
    tf, nf = _fns(torch, "avg_pool2d")
    args = (k, s, p, c, count_include_pad, divisor_override)
    check_op(lambda x: tf(x, *args), lambda x: nf(x, *args), inputs=[(2, 3, 9, 8)], dtypes=dtype)
    tf, nf = _fns(torch, "avg_pool3d")
    if not isinstance(k, tuple):
        check_op(lambda x: tf(x, *args), lambda x: nf(x, *args), inputs=[(2, 2, 6, 7, 5)],
                 dtypes=dtype)  # fmt: skip


@pytest.mark.parametrize("config", [(2, None, 0, False, True), (3, 2, 1, True, False)])
def test_avg_pool1d_matches_torch(torch, config):
    tf, nf = _fns(torch, "avg_pool1d")
    check_op(lambda x: tf(x, *config), lambda x: nf(x, *config), inputs=[(2, 3, 11)],
             dtypes="float64")  # fmt: skip


@pytest.mark.parametrize("size", [(3, 4), 5, (None, 2), 1, (1, 1), (7, 3), (20, 13), (2, 1)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_adaptive_pool2d_matches_torch(torch, size, dtype):
    tf, nf = _fns(torch, "adaptive_avg_pool2d")
    check_op(lambda x: tf(x, size), lambda x: nf(x, size), inputs=[(2, 3, 9, 10)], dtypes=dtype)
    tf, nf = _fns(torch, "adaptive_max_pool2d")
    check_op(lambda x: tf(x, size, True), lambda x: nf(x, size, True), inputs=[(2, 3, 9, 10)],
             dtypes=dtype)  # fmt: skip
    check_op(lambda x: tf(x, size), lambda x: nf(x, size), inputs=[(3, 9, 10)], dtypes=dtype)


@pytest.mark.parametrize("size", [3, 7, 13])
def test_adaptive_pool1d_matches_torch(torch, size):
    tf, nf = _fns(torch, "adaptive_avg_pool1d")
    check_op(lambda x: tf(x, size), lambda x: nf(x, size), inputs=[(2, 3, 9)], dtypes="float64")
    tf, nf = _fns(torch, "adaptive_max_pool1d")
    check_op(lambda x: tf(x, size, True), lambda x: nf(x, size, True), inputs=[(2, 3, 9)],
             dtypes="float64")  # fmt: skip


@pytest.mark.parametrize(
    "name", ["max_pool2d", "avg_pool2d", "adaptive_max_pool2d", "adaptive_avg_pool2d"]
)
def test_pool_double_backward_matches_torch(torch, name):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 7, 6))
    arg = (3, 2, 1) if "adaptive" not in name else ((4, 3),)
    results = []
    for lib, F in ((torch, torch.nn.functional), (nt, NF)):
        xt = lib.tensor(x, requires_grad=True)
        out = getattr(F, name)(xt, *arg)
        (gx,) = lib.autograd.grad((out * out).sum(), (xt,), create_graph=True)
        (gx * gx * xt).sum().backward()
        results.append((gx.detach(), xt.grad))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12)


POOL_ERRORS = [
    ("max_pool2d", (1, 4, 5, 5), (3,), {"padding": 2}),
    ("max_pool2d", (1, 4, 2, 2), (3,), {}),
    ("max_pool2d", (5, 5), (3,), {}),
    ("max_pool2d", (1, 4, 0, 5), (2,), {}),
    ("max_pool2d", (1, 4, 5, 5), (2,), {"stride": 0}),
    ("max_pool2d", (1, 4, 5, 5), (2,), {"dilation": 0}),
    ("max_pool2d", (1, 4, 5, 5), (2,), {"padding": -1}),
    ("max_pool2d", (1, 4, 5, 5), ((2, 2, 2),), {}),
    ("max_pool2d", (1, 4, 5, 5), (2,), {"stride": (1, 1, 1)}),
    ("max_pool2d", (1, 4, 5, 5), (2,), {"dilation": (1, 1, 1)}),
    ("avg_pool2d", (1, 4, 5, 5), (3,), {"padding": 2}),
    ("avg_pool2d", (1, 4, 2, 2), (3,), {}),
    ("avg_pool2d", (5, 5), (3,), {}),
    ("avg_pool2d", (1, 4, 5, 5), ((2, 2, 2),), {}),
    ("avg_pool2d", (1, 4, 5, 5), (2,), {"padding": -1}),
    ("max_pool1d", (5,), (3,), {}),
    ("max_pool1d", (1, 4, 2), (3,), {}),
    ("max_pool1d", (1, 4, 5), (3,), {"padding": 2}),
    ("max_pool1d", (1, 4, 5), (0,), {}),
    ("avg_pool1d", (5,), (3,), {}),
    ("avg_pool1d", (1, 4, 2), (3,), {}),
    ("adaptive_avg_pool2d", (5, 5), (2,), {}),
    ("adaptive_avg_pool2d", (1, 5, 5), ((2, 2, 2),), {}),
    ("adaptive_max_pool2d", (5, 5), (2,), {}),
    ("adaptive_max_pool2d", (1, 5, 5), ((2, 2, 2),), {}),
    ("adaptive_avg_pool1d", (5,), (2,), {}),
]


@pytest.mark.parametrize("name, shape, args, kwargs", POOL_ERRORS)
def test_pool_errors_match_torch(torch, name, shape, args, kwargs):
    tf, nf = _fns(torch, name)
    check_error(lambda x: tf(x, *args, **kwargs), lambda x: nf(x, *args, **kwargs), inputs=[shape])


# --- modules -------------------------------------------------------------------------------------------
MODULES = [
    ("Conv1d", (3, 5, 3), {}),
    ("Conv2d", (1, 32, 3), {}),
    (
        "Conv2d",
        (4, 6, (3, 2)),
        {"stride": 2, "padding": 1, "dilation": 2, "groups": 2, "bias": False},
    ),
    ("Conv2d", (4, 6, 3), {"padding": "same"}),
    ("Conv2d", (4, 6, 3), {"padding": "valid"}),
    ("Conv3d", (2, 4, 2), {"stride": (1, 2, 1)}),
    ("ConvTranspose1d", (3, 5, 3), {"stride": 2, "output_padding": 1}),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1, "groups": 2}),
    ("ConvTranspose3d", (2, 4, 2), {"dilation": 2, "bias": False}),
    ("MaxPool1d", (3,), {}),
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", ((2, 3), 1, 1, 2, True, True), {}),
    ("MaxPool3d", (2,), {}),
    ("AvgPool1d", (3,), {}),
    ("AvgPool1d", (3, 2, 1, True, False), {}),
    ("AvgPool2d", (2,), {}),
    ("AvgPool2d", (3, 2, 1, True, False, 4), {}),
    ("AvgPool3d", (2,), {}),
    ("AdaptiveAvgPool1d", (3,), {}),
    ("AdaptiveAvgPool2d", ((5, None),), {}),
    ("AdaptiveMaxPool1d", (3,), {}),
    ("AdaptiveMaxPool2d", (3, True), {}),
]


@pytest.mark.parametrize("name, args, kwargs", MODULES)
def test_module_repr_params_and_init_match_torch(torch, name, args, kwargs):
    torch.manual_seed(7)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    nt.manual_seed(7)
    ours = getattr(nt.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    t_state, n_state = theirs.state_dict(), ours.state_dict()
    assert list(n_state) == list(t_state)
    for key in t_state:
        np.testing.assert_array_equal(n_state[key].numpy(), t_state[key].numpy(), err_msg=key)
    assert nt.rand(3).tolist() == torch.rand(3).tolist()  # the streams are still aligned


@pytest.mark.parametrize(
    "name, args, kwargs, shape",
    [
        ("Conv2d", (4, 6, 3), {"stride": 2, "padding": 1}, (2, 4, 9, 9)),
        ("Conv1d", (4, 6, 3), {"padding": "same", "dilation": 2}, (2, 4, 10)),
        ("ConvTranspose2d", (4, 6, 3), {"stride": 2}, (2, 4, 5, 5)),
        ("MaxPool2d", (3, 2, 1), {"return_indices": True}, (2, 3, 9, 9)),
    ],
)
def test_module_forward_backward_match_torch(torch, name, args, kwargs, shape):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    nt.manual_seed(0)
    ours = getattr(nt.nn, name)(*args, **kwargs)
    check_op(theirs, ours, inputs=[shape], **F32)
    for (key, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(
            p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=2e-5, err_msg=key
        )


def test_conv_transpose_output_size_matches_torch(torch):
    theirs = torch.nn.ConvTranspose2d(3, 2, 3, stride=2)
    ours = nt.nn.ConvTranspose2d(3, 2, 3, stride=2)
    ours.load_state_dict({k: nt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    check_op(lambda x: theirs(x, output_size=[12, 11]), lambda x: ours(x, output_size=[12, 11]),
             inputs=[(1, 3, 5, 5)], **F32)  # fmt: skip
    check_error(lambda x: theirs(x, output_size=[14, 11]), lambda x: ours(x, output_size=[14, 11]),
                inputs=[(1, 3, 5, 5)])  # fmt: skip


@pytest.mark.parametrize(
    "args, kwargs",
    [((3, 4, 3), {"groups": 2}), ((4, 3, 3), {"groups": 2}), ((4, 4, 3), {"groups": 0}),
     ((4, 4, 3), {"padding_mode": "wrap"}), ((4, 4, 3), {"stride": 2, "padding": "same"}),
     ((4, 4, 3), {"padding": "full"})],
)  # fmt: skip
def test_module_constructor_errors_match_torch(torch, args, kwargs):
    # PyTorch prints a set literal: its order comes from the hash seed of whoever compiled the .pyc.
    def sort_sets(text):
        return re.sub(r"\{[^}]*\}", lambda m: str(sorted(m.group(0)[1:-1].split(", "))), text)

    check_error(lambda: torch.nn.Conv2d(*args, **kwargs), lambda: nt.nn.Conv2d(*args, **kwargs),
                message=sort_sets)  # fmt: skip
    if "padding" not in kwargs:
        check_error(lambda: torch.nn.ConvTranspose2d(*args, **kwargs),
                    lambda: nt.nn.ConvTranspose2d(*args, **kwargs))  # fmt: skip


@pytest.mark.skipif(not hasattr(NF, "pad"), reason="F.pad not available yet")
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv_padding_modes_match_torch(torch, mode):
    torch.manual_seed(0)
    theirs = torch.nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode)
    nt.manual_seed(0)
    ours = nt.nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode)
    assert repr(ours) == repr(theirs)
    check_op(theirs, ours, inputs=[(2, 2, 6, 7)], **F32)


# --- interpolate / Upsample ------------------------------------------------------------------------------
INTERP_SIZES = [
    {"scale_factor": 2}, {"scale_factor": 1.7}, {"scale_factor": 0.6}, {"size": 11}, {"size": 3},
    {"scale_factor": 2.3, "recompute_scale_factor": True},
]  # fmt: skip


@pytest.mark.parametrize(
    "shape, mode, align_corners",
    [((2, 3, 7), "nearest", None), ((2, 3, 5, 6), "nearest", None),
     ((1, 2, 3, 4, 5), "nearest", None), ((2, 3, 5, 6), "nearest-exact", None),
     ((2, 3, 7), "linear", False), ((2, 3, 7), "linear", True), ((2, 3, 5, 6), "bilinear", False),
     ((2, 3, 5, 6), "bilinear", True), ((1, 2, 3, 4, 5), "trilinear", False),
     ((2, 3, 5, 6), "area", None)],
)  # fmt: skip
@pytest.mark.parametrize("sizes", INTERP_SIZES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_interpolate_matches_torch(torch, shape, mode, align_corners, sizes, dtype):
    kwargs = dict(sizes, mode=mode, align_corners=align_corners)
    check_op(lambda x: torch.nn.functional.interpolate(x, **kwargs),
             lambda x: NF.interpolate(x, **kwargs), inputs=[shape], dtypes=dtype)  # fmt: skip


def test_interpolate_double_backward_matches_torch(torch):
    x = np.random.default_rng(2).standard_normal((1, 2, 4, 5))
    results = []
    for lib, F in ((torch, torch.nn.functional), (nt, NF)):
        xt = lib.tensor(x, requires_grad=True)
        out = F.interpolate(xt, scale_factor=1.5, mode="bilinear")
        (gx,) = lib.autograd.grad((out**3).sum(), (xt,), create_graph=True)
        (gx * gx).sum().backward()
        results.append(xt.grad.numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-10, atol=1e-12)


INTERP_ERRORS = [
    ((2, 3, 5, 6), {"scale_factor": 2, "align_corners": True}),
    ((2, 3, 5, 6), {"scale_factor": 2, "size": 3}),
    ((2, 3, 5, 6), {}),
    ((2, 3, 5, 6), {"size": (3, 4, 5)}),
    ((2, 3, 5, 6), {"scale_factor": (2, 2, 2)}),
    ((2, 3, 5, 6), {"size": (3.0, 4)}),
    ((2, 3, 5, 6), {"size": 3, "recompute_scale_factor": True}),
    ((2, 3, 5, 6), {"size": 3, "mode": "linear"}),
]


@pytest.mark.parametrize("shape, kwargs", INTERP_ERRORS)
def test_interpolate_errors_match_torch(torch, shape, kwargs):
    check_error(lambda x: torch.nn.functional.interpolate(x, **kwargs),
                lambda x: NF.interpolate(x, **kwargs), inputs=[shape])  # fmt: skip


@pytest.mark.parametrize(
    "name, kwargs",
    [("Upsample", {"scale_factor": 2}), ("Upsample", {"size": (3, 4), "mode": "bilinear"}),
     ("Upsample", {"scale_factor": (2, 1.5)}),
     ("UpsamplingNearest2d", {"scale_factor": 2}), ("UpsamplingBilinear2d", {"size": 9})],
)  # fmt: skip
def test_upsample_modules_match_torch(torch, name, kwargs):
    theirs, ours = getattr(torch.nn, name)(**kwargs), getattr(nt.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    check_op(theirs, ours, inputs=[(2, 3, 5, 6)])


# --- self-contained (no torch) -------------------------------------------------------------------------
def _numerical_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + eps
        hi = f()
        x[idx] = old - eps
        lo = f()
        x[idx] = old
        grad[idx] = (hi - lo) / (2 * eps)
    return grad


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda x, w, b: NF.conv2d(x, w, b, stride=2, padding=1, groups=2),
         [(2, 4, 5, 4), (4, 2, 3, 2), (4,)]),
        (lambda x, w, b: NF.conv1d(x, w, b, padding="same", dilation=2), [(2, 3, 7), (4, 3, 2), (4,)]),
        (lambda x, w, b: NF.conv_transpose2d(x, w, b, stride=2, output_padding=1, groups=2),
         [(2, 4, 3, 2), (4, 3, 3, 2), (6,)]),
    ],
)  # fmt: skip
def test_conv_gradients_finite_differences(fn, shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    tensors = [nt.from_numpy(a).requires_grad_() for a in arrays]
    out = fn(*tensors)
    upstream = rng.standard_normal(tuple(out.shape))
    (out * nt.from_numpy(upstream)).sum().backward()

    def value():
        with nt.no_grad():
            return float((fn(*map(nt.from_numpy, arrays)) * nt.from_numpy(upstream)).sum())

    for a, t in zip(arrays, tensors):
        np.testing.assert_allclose(t.grad.numpy(), _numerical_grad(value, a), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: NF.max_pool2d(x, 3, 2, 1, ceil_mode=True),
        lambda x: NF.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        lambda x: NF.adaptive_avg_pool2d(x, (3, 4)),
        lambda x: NF.adaptive_max_pool2d(x, (3, 4)),
        lambda x: NF.fold(NF.unfold(x, 2, padding=1), (5, 7), 2, padding=1),
    ],
)
def test_pool_gradients_finite_differences(fn):
    rng = np.random.default_rng(1)
    x = rng.permutation(2 * 2 * 5 * 7).reshape(2, 2, 5, 7) / 10.0  # distinct values: no ties
    t = nt.from_numpy(x).requires_grad_()
    out = fn(t)
    upstream = rng.standard_normal(tuple(out.shape))
    (out * nt.from_numpy(upstream)).sum().backward()

    def value():
        with nt.no_grad():
            return float((fn(nt.from_numpy(x)) * nt.from_numpy(upstream)).sum())

    np.testing.assert_allclose(t.grad.numpy(), _numerical_grad(value, x, 1e-4), atol=1e-7)


def test_conv_and_pool_known_values():
    x = nt.arange(16.0).reshape(1, 1, 4, 4)
    identity = nt.zeros(1, 1, 3, 3)
    identity[0, 0, 1, 1] = 1.0
    assert NF.conv2d(x, identity, padding=1).tolist() == x.tolist()
    assert NF.conv2d(x, nt.ones(1, 1, 2, 2), stride=2).tolist() == [[[[10.0, 18.0], [42.0, 50.0]]]]
    out, idx = NF.max_pool2d(x, 2, return_indices=True)
    assert out.tolist() == [[[[5.0, 7.0], [13.0, 15.0]]]]
    assert idx.tolist() == [[[[5, 7], [13, 15]]]] and idx.dtype == nt.int64
    assert NF.avg_pool2d(x, 2).tolist() == [[[[2.5, 4.5], [10.5, 12.5]]]]
    assert NF.adaptive_avg_pool2d(x, 1).tolist() == [[[[7.5]]]]
    assert nt.nn.Conv2d(1, 32, 3).weight.shape == (32, 1, 3, 3)
    assert list(itertools.islice(nt.nn.ConvTranspose2d(4, 6, 3, groups=2).parameters(), 1))[
        0
    ].shape == (4, 3, 3, 3)


@pytest.mark.parametrize(
    "shape", [(4, 3, 8, 8), (2, 2, 7, 9), (3, 5, 2, 3), (2, 1, 6, 6), (8, 16, 26, 26), (0, 3, 4, 4)]
)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_max_pool2d_2x2_fast_path_matches_torch(shape, dtype):
    """NOTE [ 2x2 max pooling ]: ties (ReLU zeros), odd sizes and NaN route values, indices and
    gradients exactly as PyTorch does."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = np.maximum(rng.standard_normal(shape, dtype=np.float32), 0)
    x[:1, :1, 0, :] = 0  # ties (no-op for an empty batch)
    if shape == (2, 1, 6, 6):
        x[0, 0, 1, 1] = np.nan
    g = rng.standard_normal((*shape[:2], shape[2] // 2, shape[3] // 2), dtype=np.float32)
    tx = torch.tensor(x, requires_grad=True, dtype=getattr(torch, dtype))
    nx = nt.tensor(x, requires_grad=True, dtype=getattr(nt, dtype))
    t_out, t_idx = torch.nn.functional.max_pool2d(tx, 2, return_indices=True)
    n_out, n_idx = NF.max_pool2d(nx, 2, return_indices=True)
    t_out.backward(torch.tensor(g, dtype=tx.dtype))
    n_out.backward(nt.tensor(g, dtype=nx.dtype))
    np.testing.assert_array_equal(n_out.detach().float().numpy(), t_out.detach().float().numpy())
    np.testing.assert_array_equal(n_idx.numpy(), t_idx.numpy())
    np.testing.assert_array_equal(nx.grad.float().numpy(), tx.grad.float().numpy())
