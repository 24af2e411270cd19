"""Pointwise math against real PyTorch (``ops/pointwise.py``): values over the op's domain and
special values, dtype promotion of integer inputs, gradients in float32/float64 (contiguous or
not), ``clamp``/``where``/``lerp`` with number and tensor arguments, in-place variants."""

# ruff: noqa: B023 - the lambdas built in loops are called at once, inside the loop

from __future__ import annotations

import numpy as np
import pytest

import numtorch as nt
from op_harness import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES, check_error, check_op, np_dtype

# op name: (low, high) of the inputs drawn for it (inside the op's domain)
UNARY = {
    "exp": (-3, 3), "exp2": (-3, 3), "expm1": (-3, 3), "log": (0.1, 4), "log2": (0.1, 4),
    "log10": (0.1, 4), "log1p": (-0.9, 4), "sqrt": (0.1, 4), "rsqrt": (0.1, 4), "sin": (-4, 4),
    "cos": (-4, 4), "tan": (-1.4, 1.4), "asin": (-0.95, 0.95), "acos": (-0.95, 0.95),
    "atan": (-4, 4), "sinh": (-3, 3), "cosh": (-3, 3), "tanh": (-3, 3), "asinh": (-4, 4),
    "acosh": (1.1, 4), "atanh": (-0.95, 0.95), "sigmoid": (-6, 6), "erf": (-3, 3),
    "erfc": (-3, 3), "erfinv": (-0.95, 0.95), "relu": (-2, 2), "sign": (-2, 2),
    "floor": (-3, 3), "ceil": (-3, 3), "trunc": (-3, 3), "frac": (-3, 3), "round": (-3, 3),
    "neg": (-2, 2), "abs": (-2, 2), "reciprocal": (0.5, 2), "square": (-2, 2), "sgn": (-2, 2),
    "deg2rad": (-90, 90), "rad2deg": (-3, 3), "arcsin": (-0.9, 0.9), "fix": (-3, 3),
    "logit": (0.05, 0.95), "nan_to_num": (-2, 2), "positive": (-2, 2),
}  # fmt: skip

SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.5, -2.5, np.inf, -np.inf, np.nan, 1e-8, 88.0,
                    -88.0, 100.0, 1e30])  # fmt: skip


def as_float(values: np.ndarray, dtype: str) -> np.ndarray:
    with np.errstate(over="ignore"):  # 1e30 is inf in float16, as intended
        return values.astype(dtype)


def _unary(name):
    return lambda a: getattr(a, name)()


@pytest.mark.parametrize("noncontig", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_values_and_grad(torch, name, dtype, noncontig):
    low, high = UNARY[name]
    check_op(_unary(name), inputs=[(3, 4)], dtypes=dtype, low=low, high=high, noncontig=noncontig)
    check_op(lambda a: getattr(nt_or_torch(a), name)(a), inputs=[()], dtypes=dtype, low=low,
             high=high)  # fmt: skip
    check_op(_unary(name), inputs=[(0, 2)], dtypes=dtype)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_half_precision(torch, name, dtype):
    low, high = UNARY[name]
    check_op(_unary(name), inputs=[(3, 4)], dtypes=dtype, low=low, high=high, grad=False)


@pytest.mark.parametrize("dtype", ["bool"] + list(INT_DTYPES))
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_integer_inputs(torch, name, dtype):
    """Integer inputs: float ops give the default float dtype, others keep the dtype or refuse."""
    from test_ops_arithmetic import check_or_error

    low, high = UNARY[name]
    check_or_error(torch, _unary(name), [(3, 4)], dtype, low=max(low, 0) if name in
                   ("acosh",) else low)  # fmt: skip


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_special_values(torch, name):
    for dtype in ("float32", "float64"):
        check_op(_unary(name), inputs=[SPECIAL.astype(dtype)], grad=False)


def test_unary_default_dtype_float64(torch):
    """Integer inputs promote to the *default* dtype."""
    nt.set_default_dtype(nt.float64)
    torch.set_default_dtype(torch.float64)
    check_op(lambda a: a.exp(), inputs=[(3,)], dtypes="int64")
    check_op(lambda a: a.sqrt(), inputs=[(3,)], dtypes="bool")


@pytest.mark.parametrize("name", ["exp", "sin", "sigmoid", "tanh", "sqrt", "floor",
                                  "round", "clamp", "nan_to_num", "abs", "neg"])  # fmt: skip
def test_unary_inplace_and_out(torch, name):
    args = (-0.5, 0.5) if name == "clamp" else ()

    def inplace(x):
        base = x.clone()
        view = base[:, 1:]
        assert getattr(view, name + "_")(*args) is view
        return base

    check_op(inplace, inputs=[(3, 4)], low=0.1, grad_fn=False)

    def out(x):
        mod = nt_or_torch(x)
        o = mod.empty(3, 4)
        assert getattr(mod, name)(x, *args, out=o) is o
        return o

    check_op(out, inputs=[(3, 4)], low=0.1, grad=False)


def test_unary_inplace_on_int_refuses_float_result(torch):
    check_error(lambda a: a.exp_(), inputs=[(3,)], dtypes="int64")
    check_error(lambda a: a.sqrt_(), inputs=[(3,)], dtypes="bool")


def nt_or_torch(t):
    if isinstance(t, nt.Tensor):
        return nt
    import torch

    return torch


@pytest.mark.parametrize("decimals", [0, 1, 2, -1])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_decimals_half_to_even(torch, decimals, dtype):
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.25, 0.35, 1234.5678, -15.0, 25.0], dtype)
    check_op(lambda a: a.round(decimals=decimals), inputs=[x])
    check_op(lambda a: a.round(decimals=decimals), inputs=[(4, 5)], dtypes=dtype, low=-50, high=50)


def test_round_integers(torch):
    check_op(lambda a: a.round(), inputs=[(5,)], dtypes="int64")
    check_error(lambda a: a.round(decimals=-1), inputs=[np.array([14, 15, 25, -15])])
    check_error(lambda a: a.round(), inputs=[(3,)], dtypes="bool")


# --- clamp --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bounds",
    [(-0.5, 0.5), (None, 0.3), (-0.3, None), (0.5, -0.5), (0, 1), (-1, 1.5), (float("nan"), 1)],
    ids=str,
)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "float16"])
def test_clamp_scalar_bounds(torch, bounds, dtype):
    lo, hi = bounds
    check_op(
        lambda a: a.clamp(lo, hi), inputs=[(3, 4)], dtypes=dtype, grad=dtype.startswith("float")
    )
    check_op(lambda a: a.clip(min=lo, max=hi), inputs=[(3, 4)], dtypes=dtype,
             grad=dtype.startswith("float"))  # fmt: skip
    if lo is not None:
        check_op(lambda a: a.clamp_min(lo), inputs=[(3, 4)], dtypes=dtype, grad=False)
    if hi is not None:
        check_op(lambda a: a.clamp_max(hi), inputs=[(3, 4)], dtypes=dtype, grad=False)


def test_clamp_grad_at_bounds(torch):
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, np.nan], np.float64)
    check_op(lambda a: a.clamp(-0.5, 0.5), inputs=[x])
    check_op(lambda a: a.clamp(min=0.5), inputs=[x])
    check_op(lambda a: a.clamp(max=-0.5), inputs=[x])


@pytest.mark.parametrize(
    "shapes",
    [[(3, 4), (4,), (3, 1)], [(3, 4), (), ()], [(2, 3), (2, 3), None], [(4,), None, (4,)]],
    ids=str,
)
def test_clamp_tensor_bounds(torch, shapes):
    x, lo, hi = shapes
    inputs = [x] + [s for s in (lo, hi) if s is not None]

    def fn(a, *bounds):
        it = iter(bounds)
        return a.clamp(next(it) if lo is not None else None, next(it) if hi is not None else None)

    check_op(fn, inputs=inputs, dtypes="float64")
    check_op(fn, inputs=inputs, dtypes="float32", seed=3)


def test_clamp_errors(torch):
    check_error(lambda a: a.clamp(), inputs=[(3,)])
    check_error(lambda a: nt_or_torch(a).clamp(a), inputs=[(3,)])
    # mixing a tensor and a number bound: PyTorch's argument parser lists every overload
    check_error(lambda a, b: a.clamp(b, 1), inputs=[(3,), (3,)], message=False)
    check_error(lambda a: a.clamp(-1, 300), inputs=[(3,)], dtypes="uint8")
    check_error(lambda a: a.clamp(min=-1000), inputs=[(3,)], dtypes="int8")
    check_op(lambda a: a.clamp(-1, 1), inputs=[(3,)], dtypes="uint8")  # -1 wraps to 255


def test_clamp_promotion(torch):
    check_op(lambda a: a.clamp(0.5, 1.5), inputs=[(5,)], dtypes="int64")
    check_op(lambda a, b: a.clamp(b), inputs=[(5,), (5,)], dtypes=["int32", "float64"])
    check_op(lambda a, b: a.clamp(max=b), inputs=[(5,), ()], dtypes=["int64", "float32"])


# --- where / lerp --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shapes",
    [[(3, 4), (3, 4), (3, 4)], [(3, 1), (4,), ()], [(), (2, 3), (2, 1)], [(0, 3), (3,), (1,)]],
    ids=str,
)
def test_where(torch, shapes):
    c, x, y = shapes
    check_op(lambda m, a, b: nt_or_torch(a).where(m > 0, a, b), inputs=[c, x, y])
    check_op(lambda m, a, b: a.where(m > 0, b), inputs=[c, x, y], dtypes="float64")


def test_where_scalars_and_promotion(torch):
    check_op(lambda m, a: nt_or_torch(a).where(m > 0, a, 0.0), inputs=[(3, 4), (3, 4)])
    check_op(
        lambda m, a: nt_or_torch(a).where(m > 0, 2, a), inputs=[(3, 4), (4,)], dtypes="float64"
    )
    check_op(lambda m: nt_or_torch(m).where(m > 0, 1, 0), inputs=[(3,)])
    check_op(lambda m: nt_or_torch(m).where(m > 0, 1.5, 0), inputs=[(3,)])
    check_op(lambda m, a, b: nt_or_torch(a).where(m > 0, a, b), inputs=[(3,), (3,), (3,)],
             dtypes=["float32", "int64", "float16"])  # fmt: skip
    check_op(lambda m, a, b: nt_or_torch(a).where(m > 0, a, b), inputs=[(3,), (3,), ()],
             dtypes=["float32", "int32", "float64"])  # fmt: skip
    check_op(lambda m: nt_or_torch(m).where(m > 0), inputs=[(2, 3)])


def test_where_errors(torch):
    check_error(lambda m, a: nt_or_torch(a).where(m, a, a), inputs=[(3,), (3,)])
    check_error(lambda m, a, b: nt_or_torch(a).where(m > 0, a, b), inputs=[(3,), (3,), (4,)])


@pytest.mark.parametrize("weight", [0.25, 0.75, -1.0, "tensor"])
def test_lerp(torch, weight):
    if weight == "tensor":
        check_op(lambda a, b, w: a.lerp(b, w), inputs=[(3, 4), (4,), (3, 1)])
        check_op(lambda a, b, w: a.lerp(b, w), inputs=[(3, 4), (3, 4), ()], dtypes="float64")
    else:
        check_op(lambda a, b: a.lerp(b, weight), inputs=[(3, 4), (4,)])
        check_op(lambda a, b: a.lerp(b, weight), inputs=[(3, 4), (3, 4)], dtypes="float64")
        check_op(lambda a, b: a.clone().lerp_(b, weight), inputs=[(3, 4), (4,)], grad_fn=False)


def test_lerp_errors(torch):
    check_error(lambda a, b: a.lerp(b, 0.5), inputs=[(3,), (3,)], dtypes=["float32", "float64"])


# --- binary pointwise -----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_atan2_hypot_copysign_xlogy(torch, dtype):
    grad = dtype in ("float32", "float64")
    for fn in (
        lambda a, b: a.atan2(b),
        lambda a, b: a.hypot(b),
        lambda a, b: a.copysign(b),
        lambda a, b: a.xlogy(b.abs()),
    ):
        check_op(fn, inputs=[(3, 4), (4,)], dtypes=dtype, grad=grad)
    check_op(lambda a, b: a.heaviside(b), inputs=[(3, 4), (4,)], dtypes=dtype, grad=False)
    check_op(lambda a: a.copysign(-1.0), inputs=[(3,)], dtypes=dtype, grad=grad)
    check_op(lambda a: a.xlogy(2.0), inputs=[(3,)], dtypes=dtype, grad=grad)


def test_binary_pointwise_integer_promotion(torch):
    check_op(lambda a, b: a.atan2(b), inputs=[(3,), (3,)], dtypes="int64")
    check_op(lambda a, b: a.copysign(b), inputs=[(3,), (3,)], dtypes="int64")
    check_op(lambda a, b: a.xlogy(b), inputs=[(3,), (3,)], dtypes="int64", low=1)


def test_xlogy_zero_and_nan(torch):
    x = np.array([0.0, 0.0, 1.0, 2.0, np.nan], np.float64)
    y = np.array([0.0, np.nan, 0.0, 3.0, 1.0], np.float64)
    check_op(lambda a, b: a.xlogy(b), inputs=[x, y], grad=False)


# --- predicates ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit",
                                  "isreal"])  # fmt: skip
def test_predicates(torch, name, dtype):
    from test_ops_arithmetic import check_or_error

    if dtype in ("float16", "float32", "float64"):
        check_op(_unary(name), inputs=[as_float(SPECIAL, dtype)])
    check_or_error(torch, _unary(name), [(3, 4)], dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_nan_to_num(torch, dtype):
    x = as_float(SPECIAL, dtype)
    check_op(lambda a: a.nan_to_num(), inputs=[x])
    check_op(lambda a: a.nan_to_num(1.0, 2.0, -3.0), inputs=[x])
    check_op(lambda a: a.nan_to_num(posinf=7.0), inputs=[x])
    check_op(lambda a: a.nan_to_num(), inputs=[(3,)], dtypes="int32")


def test_logit_eps(torch):
    x = np.array([0.0, 0.01, 0.5, 0.99, 1.0], np.float64)
    check_op(lambda a: a.logit(eps=0.05), inputs=[x])
    check_op(lambda a: a.logit(), inputs=[x[1:4]])


def test_erfinv_accuracy(torch):
    x = np.linspace(-0.999999, 0.999999, 201)
    check_op(lambda a: a.erfinv(), inputs=[x])
    check_op(lambda a: a.erfinv(), inputs=[x.astype(np.float32)])
    check_op(lambda a: a.erfinv(), inputs=[np.array([-1.0, 1.0, 1.5, -2.0, 0.0])], grad=False)


def test_erf_wide_range(torch):
    x = np.linspace(-6, 6, 301)
    for name in ("erf", "erfc", "sigmoid", "tanh", "expm1", "log1p", "exp"):
        check_op(_unary(name), inputs=[x], grad=False)
        check_op(_unary(name), inputs=[x.astype(np.float32)], grad=False)


def test_relu_grad_at_zero(torch):
    check_op(lambda a: a.relu(), inputs=[np.array([-1.0, 0.0, -0.0, 2.0])])
    check_op(lambda a: nt_or_torch(a).relu(a), inputs=[(3,)], dtypes="int64")


def test_unary_on_non_tensor(torch):
    check_error(lambda a: nt_or_torch(a).exp(2.0), inputs=[(1,)])
    check_error(lambda a: nt_or_torch(a).sin([1.0]), inputs=[(1,)])


# --- NOTE [ Branchless select ] ---------------------------------------------------------------
@pytest.mark.parametrize(
    "dtype", ["bool", "uint8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
              "float64", "complex64", "complex128"],
)  # fmt: skip
def test_select_is_np_where_bit_for_bit(dtype):
    from numtorch.ops.pointwise import select

    rng = np.random.default_rng(0)
    np_type = np_dtype(dtype)
    specials = np.array([np.nan, -np.nan, -0.0, 0.0, np.inf, -np.inf, 1.5, -2.5] * 8)
    with np.errstate(invalid="ignore"):
        a = specials.astype(np_type).reshape(4, 16)
        b = rng.standard_normal((4, 16)).astype(np_type)
    condition = rng.random((4, 16)) < 0.5
    for x, y in [
        (a, b),
        (b, a),
        (a, np_type.type(0) if dtype != "bfloat16" else b[0, 0]),
        (a, 0.5),
    ]:
        got, expected = select(condition, x, y), np.where(condition, x, y)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        assert got.tobytes() == expected.tobytes()
