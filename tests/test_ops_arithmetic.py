"""Arithmetic, comparison, logical and bitwise ops against real PyTorch (``ops/arithmetic.py``).

Values, dtypes, gradients (via ``op_harness.check_op``), reflected operators, ``alpha=``, ``out=``,
``rounding_mode=``, in-place variants writing through views, and PyTorch's error messages.
"""

# ruff: noqa: B023 - the lambdas built in loops are called at once, inside the loop

from __future__ import annotations

import operator

import numpy as np
import pytest

import numtorch as nt
from op_harness import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES, check_error, check_op

BROADCAST_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((2, 1), (1, 3)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((), ()),
    ((0, 3), (3,)),
    ((4, 1, 3), (2, 1)),
]

BINARY_FLOAT_OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "maximum": lambda a, b: a.maximum(b),
    "minimum": lambda a, b: a.minimum(b),
    "atan2": lambda a, b: a.atan2(b),
    "fmod": lambda a, b: a.fmod(b),
    "remainder": lambda a, b: a % b,
    "floor_divide": lambda a, b: a // b,
    "hypot": lambda a, b: a.hypot(b),
}


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name", list(BINARY_FLOAT_OPS))
def test_binary_float_broadcast_and_grad(torch, name, shapes):
    fn = BINARY_FLOAT_OPS[name]
    grad = name != "floor_divide"  # PyTorch has no derivative for it (checked below)
    check_op(fn, inputs=shapes, dtypes="float32", grad=grad)
    check_op(fn, inputs=shapes, dtypes="float64", seed=1, grad=grad)


def test_ops_without_derivative(torch):
    """``floor_divide`` and ``number % tensor`` record PyTorch's ``NotImplemented`` node."""
    for fn in (lambda a, b: a // b, lambda a, b: 2 % b, lambda a, b: 3 // a):
        check_op(fn, inputs=[(3,), (3,)], grad=False)
        check_error(lambda a, b, f=fn: f(a, b).sum().backward(), inputs=[(3,), (3,)],
                    requires_grad=True)  # fmt: skip


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES[:5], ids=str)
def test_pow_grad(torch, shapes):
    check_op(lambda a, b: a**b, inputs=shapes, low=0.5, high=2.0)
    check_op(lambda a, b: a.pow(b), inputs=shapes, dtypes="float64", low=0.5, high=2.0)


@pytest.mark.parametrize("noncontig", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binary_grad_noncontiguous(torch, dtype, noncontig):
    check_op(lambda a, b: a * b + a / (b * b + 1), inputs=[(3, 4), (3, 4)], dtypes=dtype,
             noncontig=noncontig, grad_fn=False)  # fmt: skip
    check_op(lambda a, b: (a.t() - b.t()) * a.t(), inputs=[(3, 4), (1, 4)], dtypes=dtype,
             noncontig=noncontig, grad_fn=False)  # fmt: skip


SCALARS = [2, -3, 2.5, 0.5, True, False]


@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
@pytest.mark.parametrize(
    "op",
    [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow],
    ids=lambda f: f.__name__,
)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "bool"])
def test_scalar_operands_both_sides(torch, op, scalar, dtype):
    """``t op s`` and ``s op t``: result dtype follows PyTorch's wrapped-number rules."""
    low = 1 if op is operator.pow else -2
    # torch's own backward of ``t ** True`` fails with an internal assert: compare forward only
    grad = not (op is operator.pow and isinstance(scalar, bool))
    for fn in (lambda a: op(a, scalar), lambda a: op(scalar, a)):
        check_or_error(torch, fn, [(2, 3)], dtype, low=low, grad=grad)


def check_or_error(torch, fn, inputs, dtype, low=-2, **kw):
    """``check_op`` when torch accepts the call, ``check_error`` when it raises."""
    from op_harness import make_inputs, to_torch

    arrays = make_inputs(inputs, dtype, low=low)
    try:
        fn(*[to_torch(a, torch) for a in arrays])
    except Exception:  # noqa: BLE001
        check_error(fn, inputs=inputs, dtypes=dtype)
        return
    check_op(fn, inputs=inputs, dtypes=dtype, low=low, **kw)


@pytest.mark.parametrize("scalar", [2, 3, -2, 2.5, 0])
@pytest.mark.parametrize(
    "op",
    [operator.floordiv, operator.mod],
    ids=lambda f: f.__name__,
)
@pytest.mark.parametrize("dtype", ["float32", "int64", "int16", "uint8"])
def test_floordiv_mod_scalars(torch, op, scalar, dtype):
    grad = op is operator.mod  # floor_divide has no derivative in PyTorch
    check_or_error(torch, lambda a: op(a, scalar), [(2, 5)], dtype, low=-6, grad=grad)
    check_or_error(torch, lambda a: op(scalar, a), [(2, 5)], dtype, low=1, grad=False)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8"])
def test_integer_division_family(torch, dtype):
    low = 1
    check_op(lambda a, b: a // b, inputs=[(4, 5), (5,)], dtypes=dtype, low=low, high=9)
    check_op(lambda a, b: a % b, inputs=[(4, 5), (5,)], dtypes=dtype, low=low, high=9)
    check_op(lambda a, b: a / b, inputs=[(4, 5), (5,)], dtypes=dtype, low=low, high=9)
    signed = np.array(
        [[-7, 7, -7, 7, 0], [3, -3, -9, 9, 5]], dtype=dtype if dtype != "uint8" else "int8"
    )
    other = np.array([2, -2, 4, -4, 3], dtype=signed.dtype)
    for mode in (None, "trunc", "floor"):
        check_op(lambda a, b, m=mode: a.div(b, rounding_mode=m), inputs=[signed, other])
        check_op(
            lambda a, b, m=mode: nt_or_torch(a).div(a, b, rounding_mode=m), inputs=[signed, other]
        )
    check_op(lambda a, b: a.fmod(b), inputs=[signed, other])
    check_op(lambda a, b: a.remainder(b), inputs=[signed, other])


def nt_or_torch(t):
    """The module (torch or numtorch) that ``t`` belongs to, so one lambda serves both."""
    if isinstance(t, nt.Tensor):
        return nt
    import torch

    return torch


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_div_rounding_mode_float(torch, mode, dtype):
    # An explicit rounding_mode=None records DivBackward2 in PyTorch, the default DivBackward0; we
    # cannot tell the two calls apart, so the node name is not compared for None.
    grad_fn = mode is not None
    check_op(lambda a, b: a.div(b, rounding_mode=mode), inputs=[(3, 4), (4,)], dtypes=dtype,
             low=-5, high=5, grad_fn=grad_fn)  # fmt: skip
    check_op(lambda a: a.div(0.7, rounding_mode=mode), inputs=[(3, 4)], dtypes=dtype, low=-5,
             high=5, grad_fn=grad_fn)  # fmt: skip


def test_floor_division_exactness(torch):
    """Python's floor division, exact where floor(a / b) is not (c10's div_floor_floating)."""
    a = np.array([1.0, -1.0, 0.3, -0.3, 7.0, -7.0, 1e-30, 5.0, -0.0, 0.0, np.inf], np.float64)
    b = np.array([0.1, 0.1, 0.1, -0.1, 0.7, 0.7, -3.0, np.inf, 2.0, -2.0, 2.0], np.float64)
    check_op(lambda x, y: x // y, inputs=[a, b], grad=False)
    check_op(lambda x, y: x % y, inputs=[a, b])
    check_op(lambda x, y: x.fmod(y), inputs=[a, b])
    check_op(lambda x, y: (x // y).float(), inputs=[a, b], grad=False)
    # 1 / result shows the sign of zero results (-0.0 prints differently from 0.0)
    check_op(lambda x, y: 1 / (x % y), inputs=[a, b], grad=False)
    check_op(lambda x, y: 1 / (x // y), inputs=[a, b], grad=False)
    check_op(lambda x, y: 1 / x.fmod(y), inputs=[a, b], grad=False)


def test_div_bad_rounding_mode(torch):
    check_error(lambda a: a.div(2, rounding_mode="round"), inputs=[(3,)])


def test_division_by_zero(torch):
    x = np.array([1.0, -1.0, 0.0], dtype=np.float32)
    check_op(lambda a: a / 0, inputs=[x], grad=False)
    check_op(lambda a: a // 0, inputs=[x], grad=False)
    check_op(lambda a: a % 0, inputs=[x], grad=False)
    xi = np.array([1, -1, 0])
    check_error(lambda a: a // 0, inputs=[xi])
    check_error(lambda a: a % 0, inputs=[xi])
    check_op(lambda a: a / 0, inputs=[xi])


@pytest.mark.parametrize("alpha", [2, -1, 0.5])
def test_add_sub_alpha(torch, alpha):
    check_op(lambda a, b: a.add(b, alpha=alpha), inputs=[(2, 3), (3,)])
    check_op(lambda a, b: a.sub(b, alpha=alpha), inputs=[(2, 3), (3,)], dtypes="float64")
    check_op(lambda a, b: nt_or_torch(a).add(a, b, alpha=alpha), inputs=[(2, 3), (2, 3)])
    check_op(lambda a: a.add(3, alpha=alpha), inputs=[(2, 3)])
    check_op(lambda a, b: a.clone().add_(b, alpha=alpha), inputs=[(2, 3), (3,)])


def test_alpha_errors(torch):
    check_error(lambda a, b: a.add(b, alpha=0.5), inputs=[(2,), (2,)], dtypes="int64")
    check_error(lambda a, b: a.sub(b, alpha=1.5), inputs=[(2,), (2,)], dtypes="int32")


def test_rsub(torch):
    check_op(lambda a, b: nt_or_torch(a).rsub(a, b), inputs=[(2, 3), (3,)])
    check_op(lambda a, b: nt_or_torch(a).rsub(a, b, alpha=2), inputs=[(2, 3), (3,)])
    check_op(lambda a: nt_or_torch(a).rsub(a, 2.0), inputs=[(2, 3)])


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "maximum", "atan2", "remainder",
                                  "fmod", "floor_divide", "eq", "lt", "logical_and"])  # fmt: skip
def test_out_argument(torch, name):
    def fn(a, b):
        mod = nt_or_torch(a)
        out = mod.empty(
            2, 3, dtype=a.dtype if name not in ("eq", "lt", "logical_and") else mod.bool
        )
        res = getattr(mod, name)(a, b, out=out)
        assert res is out
        return out

    check_op(fn, inputs=[(2, 3), (3,)], low=0.5, grad=False)


def test_out_argument_resizes_and_casts(torch):
    def resize(a, b):
        mod = nt_or_torch(a)
        out = mod.empty(0)
        mod.add(a, b, out=out)
        return out

    check_op(resize, inputs=[(2, 3), (3,)], grad=False)

    def cast_up(a, b):  # int result into a float out
        mod = nt_or_torch(a)
        out = mod.zeros(2, 3)
        mod.add(a, b, out=out)
        return out

    check_op(cast_up, inputs=[(2, 3), (3,)], dtypes="int64")
    check_error(lambda a, b: nt_or_torch(a).add(a, b, out=nt_or_torch(a).zeros(2, 3, dtype=nt_or_torch(a).long)),
                inputs=[(2, 3), (3,)])  # fmt: skip
    check_error(lambda a, b: nt_or_torch(a).add(a, b, out=nt_or_torch(a).zeros(2, 3)),
                inputs=[(2, 3), (3,)], requires_grad=True)  # fmt: skip


INPLACE = {
    "add_": lambda a, b: a.add_(b),
    "sub_": lambda a, b: a.sub_(b),
    "mul_": lambda a, b: a.mul_(b),
    "div_": lambda a, b: a.div_(b),
    "pow_": lambda a, b: a.abs_().pow_(b),
    "iadd": lambda a, b: operator.iadd(a, b),
    "isub": lambda a, b: operator.isub(a, b),
    "imul": lambda a, b: operator.imul(a, b),
    "itruediv": lambda a, b: operator.itruediv(a, b),
    "ifloordiv": lambda a, b: operator.ifloordiv(a, b),
    "imod": lambda a, b: operator.imod(a, b),
    "ipow": lambda a, b: operator.ipow(a.abs_(), b),
    "clamp_": lambda a, b: a.clamp_(-0.5, 0.5),
    "neg_": lambda a, b: a.neg_(),
    "exp_": lambda a, b: a.exp_(),
    "floor_divide_": lambda a, b: a.floor_divide_(b),
    "remainder_": lambda a, b: a.remainder_(b),
    "copy_": lambda a, b: a.copy_(b * 2),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_writes_through_views(torch, name):
    """An in-place op on a view changes its base; the op returns ``self``."""
    op = INPLACE[name]

    def fn(base, b):
        view = base[1:, ::2]
        out = op(view, b)
        assert out is view
        return base

    check_op(fn, inputs=[(3, 4), (2,)], grad=False)

    def with_grad(x, b):  # in-place on a non-leaf, differentiable
        y = x * 1.5
        op(y[1:, ::2], b)
        return y

    if "floor" not in name:  # floor_divide has no derivative in PyTorch
        check_op(with_grad, inputs=[(3, 4), (2,)], low=0.5, grad_fn=False)


@pytest.mark.parametrize(
    "fn",
    [
        lambda a, b: a.add_(b),  # float result into an int tensor
        lambda a, b: a.mul_(2.5),
        lambda a, b: a.div_(b),
        lambda a, b: a.add_(b.new_ones(3, 4)),  # broadcast shape is bigger than self
    ],
)
def test_inplace_errors(torch, fn):
    check_error(fn, inputs=[(4,), (4,)], dtypes=["int64", "float32"])


def test_inplace_modifying_a_saved_tensor(torch):
    """The version counter shared by views catches an in-place change of a saved input."""

    def through_view(a, b):
        y = a * 1
        v = y[1:]
        out = v.maximum(b)
        v.add_(1)  # v is saved by maximum
        out.sum().backward()

    # The text differs in autograd's part of the message (the node's name, the anomaly hint);
    # reported to autograd's owner, so only the type is compared here.
    check_error(through_view, inputs=[(3, 2), (2,)], requires_grad=True, message=False)

    def base_changed(a):
        y = a * 1
        out = y[0].exp()  # exp saves its output, not y; changing y is fine
        y.mul_(2)
        z = y[1].sin()  # sin saves its input y[1]
        y.add_(1)
        (out.sum() + z.sum()).backward()

    check_error(base_changed, inputs=[(3, 2)], requires_grad=True, message=False)


def test_inplace_on_leaf_requiring_grad(torch):
    check_error(lambda a: a.add_(1), inputs=[(3,)], requires_grad=True)
    check_error(lambda a: a[0].mul_(2), inputs=[(3,)], requires_grad=True)


def test_broadcast_mismatch_error(torch):
    check_error(lambda a, b: a + b, inputs=[(3,), (4,)])
    check_error(lambda a, b: a * b, inputs=[(2, 3), (3, 2)])
    check_error(lambda a, b: a.maximum(b), inputs=[(2, 3), (3, 2)])


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_unary_sign_ops(torch, dtype):
    check_or_error(torch, lambda a: a.abs(), [(2, 3)], dtype)
    check_or_error(torch, lambda a: abs(a), [(2, 3)], dtype)
    check_or_error(torch, lambda a: +a, [(2, 3)], dtype)
    if dtype == "bool":
        check_error(lambda a: -a, inputs=[(2, 3)], dtypes=dtype)
        check_error(lambda a, b: a - b, inputs=[(2,), (2,)], dtypes=dtype)
    else:
        check_op(lambda a: -a, inputs=[(2, 3)], dtypes=dtype)
        check_op(lambda a: a.neg(), inputs=[(2, 3)], dtypes=dtype)
    check_op(lambda a: a.reciprocal(), inputs=[(2, 3)], dtypes=dtype, low=1)
    check_op(lambda a: a.square(), inputs=[(2, 3)], dtypes=dtype)
    check_op(lambda a: a.sign(), inputs=[(2, 3)], dtypes=dtype)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_pow(torch, dtype):
    check_op(lambda a, b: a**b, inputs=[(2, 3), (3,)], dtypes=dtype, low=0, high=3)
    check_op(lambda a: a**2, inputs=[(2, 3)], dtypes=dtype, low=0, high=3)
    check_op(lambda a: 2**a, inputs=[(2, 3)], dtypes=dtype, low=0, high=3)
    check_op(lambda a: a**0.5, inputs=[(2, 3)], dtypes=dtype, low=0, high=3)
    if dtype != "uint8":
        check_error(lambda a: a**-1, inputs=[(2, 3)], dtypes=dtype)


def test_pow_special_values(torch):
    x = np.array([0.0, -0.0, 1.0, -2.0, np.inf, np.nan, 0.5], dtype=np.float32)
    e = np.array([0.0, 2.0, -1.0, 0.5, 1.0, 0.0, 3.0], dtype=np.float32)
    check_op(lambda a, b: a**b, inputs=[x, e], grad=False)
    check_op(lambda a: a**0, inputs=[x])
    check_op(lambda a: a**-1, inputs=[x], grad=False)
    check_op(lambda a: 0**a, inputs=[e], grad=False)
    check_op(lambda a: a.pow(0.5), inputs=[np.abs(x[:3])], grad=False)
    check_op(lambda a: a.float_power(2), inputs=[(3,)])


COMPARISONS = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
    "gt": operator.gt, "ge": operator.ge,
}  # fmt: skip


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("name", list(COMPARISONS))
def test_comparisons(torch, name, dtype):
    op = COMPARISONS[name]
    check_op(op, inputs=[(3, 4), (4,)], dtypes=dtype, low=-2, high=2)
    check_op(lambda a: op(a, 1), inputs=[(3, 4)], dtypes=dtype)
    check_op(lambda a: op(a, 0.5), inputs=[(3, 4)], dtypes=dtype)
    check_op(lambda a: op(1, a), inputs=[(3, 4)], dtypes=dtype)
    check_op(lambda a: getattr(a, name)(1), inputs=[(3, 4)], dtypes=dtype)


def test_comparison_with_nan_and_mixed_dtypes(torch):
    x = np.array([np.nan, 1.0, -np.inf, 2.0], dtype=np.float32)
    for op in COMPARISONS.values():
        check_op(op, inputs=[x, x[::-1].copy()])
    check_op(operator.lt, inputs=[(5,), (5,)], dtypes=["int64", "float32"])
    check_op(operator.eq, inputs=[(5,), (5,)], dtypes=["uint8", "int8"], low=-1, high=1)
    check_op(lambda a: a == 300, inputs=[(5,)], dtypes="uint8")
    check_op(lambda a: a.eq(a.new_tensor([0, 1, 2, 3, 4])), inputs=[(5,)], dtypes="int64")


def test_eq_with_non_tensor(torch):
    assert (nt.ones(3) == "x") is False
    assert (nt.ones(3) != None) is True  # noqa: E711
    check_op(lambda a: a == [1.0, 2.0, 3.0], inputs=[(3,)])


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_logical(torch, name, dtype):
    check_op(lambda a, b: getattr(a, name)(b), inputs=[(3, 4), (4,)], dtypes=dtype, low=-1, high=1)
    check_op(
        lambda a, b: getattr(a, name)(b),
        inputs=[(3, 4), (4,)],
        dtypes=[dtype, "bool"],
        low=-1,
        high=1,
    )
    check_op(lambda a: a.logical_not(), inputs=[(3, 4)], dtypes=dtype, low=-1, high=1)


@pytest.mark.parametrize("dtype", ["bool"] + list(INT_DTYPES))
@pytest.mark.parametrize(
    "op", [operator.and_, operator.or_, operator.xor], ids=lambda f: f.__name__
)
def test_bitwise(torch, op, dtype):
    check_op(op, inputs=[(3, 4), (4,)], dtypes=dtype, low=-9, high=9)
    check_op(lambda a: op(a, 3), inputs=[(3, 4)], dtypes=dtype, low=-9, high=9)
    check_op(lambda a: op(True, a), inputs=[(3, 4)], dtypes=dtype, low=-9, high=9)
    check_op(lambda a: ~a, inputs=[(3, 4)], dtypes=dtype, low=-9, high=9)
    check_op(lambda a, b: op(a.clone(), b), inputs=[(3, 4), (4,)], dtypes=[dtype, "bool"])


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_bitwise_rejects_floats(torch, dtype):
    check_error(lambda a, b: a & b, inputs=[(3,), (3,)], dtypes=dtype)
    check_error(lambda a: a | 1, inputs=[(3,)], dtypes=dtype)
    check_error(lambda a: ~a, inputs=[(3,)], dtypes=dtype)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_shifts(torch, dtype):
    check_op(lambda a: a << 2, inputs=[(4,)], dtypes=dtype)
    check_op(lambda a: a >> 1, inputs=[(4,)], dtypes=dtype, low=-8, high=8)
    check_op(lambda a, b: a << b, inputs=[(4,), (4,)], dtypes=dtype, low=0, high=3)
    check_op(lambda a: a.bitwise_right_shift(70), inputs=[(4,)], dtypes=dtype, low=-8, high=8)
    check_op(lambda a: a.bitwise_left_shift(70), inputs=[(4,)], dtypes=dtype, low=-8, high=8)
    check_op(lambda a: a.clone().__ilshift__(1), inputs=[(4,)], dtypes=dtype)
    check_error(lambda a: a << 1, inputs=[(4,)], dtypes="float32")


def test_maximum_minimum_nan_and_ties(torch):
    a = np.array([1.0, np.nan, 2.0, 3.0, -1.0], dtype=np.float32)
    b = np.array([1.0, 0.0, np.nan, 1.0, -1.0], dtype=np.float32)
    check_op(lambda x, y: x.maximum(y), inputs=[a, b])
    check_op(lambda x, y: x.minimum(y), inputs=[a, b])
    check_op(lambda x, y: x.fmax(y), inputs=[a, b], grad=False)
    check_op(lambda x, y: x.fmin(y), inputs=[a, b], grad=False)
    check_op(lambda x, y: nt_or_torch(x).max(x, y), inputs=[a, b])
    check_op(lambda x, y: x.maximum(y), inputs=[(3,), (3,)], dtypes=["int32", "float16"])
    check_error(lambda x: x.maximum(1.0), inputs=[(3,)])


def test_reflected_with_numpy_scalars(torch):
    check_op(lambda a: a + np.float64(2.5), inputs=[(3,)], grad=False)
    check_op(lambda a: a * np.int64(3), inputs=[(3,)], dtypes="int32")


def test_abs_grad_at_zero_and_sign(torch):
    x = np.array([-1.0, 0.0, 2.0, -0.0], dtype=np.float64)
    check_op(lambda a: a.abs(), inputs=[x])
    check_op(lambda a: a.sign() * a, inputs=[x], grad_fn=False)
