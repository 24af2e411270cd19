"""numtorch._blas: the BLAS routines NumPy does not expose (NOTE [ axpy for parameter updates ],
NOTE [ Blocked transpose ]) and the NumPy fallbacks their callers take without them."""

from __future__ import annotations

import numpy as np
import pytest

import numtorch as nt
from numtorch import _blas
from op_harness import check_op


def test_axpy_declines_what_blas_cannot_do():
    y = np.ones(6, np.float32)
    assert not _blas.axpy(2.0, np.ones(6, np.float64), y)  # mixed dtypes
    assert not _blas.axpy(2.0, np.ones(12, np.float32)[::2], y)  # strided x
    assert not _blas.axpy(2.0, y, y)  # x aliases y
    assert not _blas.axpy(2.0, np.ones(6, np.int64), np.ones(6, np.int64))  # no integer axpy
    np.testing.assert_array_equal(y, np.ones(6, np.float32))  # untouched by every refusal


def test_transpose_into_matches_numpy_and_declines_what_blas_cannot_do():
    a = np.arange(24, dtype=np.float32).reshape(6, 4)
    out = np.empty((4, 6), np.float32)
    if _blas.transpose_into(a, out):
        np.testing.assert_array_equal(out, a.T)
    spare = np.zeros((4, 6), np.float32)
    assert not _blas.transpose_into(a.astype(np.int64), spare.astype(np.int64))  # no integer kernel
    assert not _blas.transpose_into(a, np.zeros((6, 4), np.float32))  # wrong shape
    assert not _blas.transpose_into(a.T, np.zeros((6, 4), np.float32))  # a not C-contiguous
    assert not _blas.transpose_into(a, np.zeros((4, 6), np.float64))  # mixed dtypes
    np.testing.assert_array_equal(spare, 0)


# Shapes that take ``linear``'s transposed-product path (NOTE [ Linear GEMM orientation ]).
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bias_shape", [(150,), (1,), (), None])
def test_linear_transposed_product_matches_torch(torch, dtype, bias_shape):
    inputs = ((64, 200), (150, 200)) + ((bias_shape,) if bias_shape is not None else ())
    # 200-term float32 dot products: BLAS libraries sum them in different orders, so allow the
    # absolute error such sums of O(1) terms carry (as F32 in test_nn_conv.py).
    ours, _ = check_op(
        torch.nn.functional.linear, nt.nn.functional.linear, inputs=inputs, dtypes=dtype,
        low=-1.0, high=1.0, **({"atol": 2e-5, "rtol": 1e-5} if dtype == "float32" else {}),
    )  # fmt: skip
    assert ours.is_contiguous()


def test_linear_without_blas_extensions_gives_the_same_bits(monkeypatch):
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(s, dtype=np.float32) for s in [(64, 200), (150, 200), (150,)])
    with_blas = nt.nn.functional.linear(nt.tensor(x), nt.tensor(w), nt.tensor(b)).numpy()
    monkeypatch.setattr(_blas, "_kernels", {})
    without = nt.nn.functional.linear(nt.tensor(x), nt.tensor(w), nt.tensor(b)).numpy()
    np.testing.assert_array_equal(with_blas, without)
