"""Arithmetic and comparison: ``add sub mul div floor_divide remainder pow neg abs`` and friends.

Forward on NumPy arrays, backward beside it (NOTE [ Op anatomy ] in ``_base.py``). Gradients are
returned in the result's shape; the engine undoes broadcasting and promotion.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.graph import Node
from ._base import (
    BadOperand,
    NotDifferentiable,
    as_py_scalar,
    binary,
    finish,
    float_array,
    float_operands,
    inplace,
    is_scalar,
    method,
    wrap,
    write_out,
)

__all__ = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "neg", "negative", "abs", "absolute", "reciprocal", "square",
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
    "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and",
    "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
    "maximum", "minimum", "fmax", "fmin",
]  # fmt: skip


def _tensors(input, other) -> tuple:
    """The node's inputs: the tensor first, a number operand as ``None`` (NOTE [ Scalar operands ])."""
    if isinstance(input, Tensor):
        return (input, other if isinstance(other, Tensor) else None)
    return (other, None)


def _conj(t):
    return t.conj() if isinstance(t, Tensor) and t.is_complex() else t


def _result(name, out, tensor):
    return write_out(tensor, out, name) if out is not None else tensor


# --- add / sub ---------------------------------------------------------------------------------
# NOTE [ Scalar operands ]: ``x + 2`` records the same node as ``x + y``, PyTorch wrapping the
# number in a tensor that needs no gradient: its input is ``None``, so ``next_functions`` reads
# ((AccumulateGrad, 0), (None, 0)) as PyTorch's does, and no gradient is computed for it.
class AddBackward0(Node):
    alpha = 1  # set on the node only when it differs (NOTE [ Hot path ] in _base.py)

    def backward(self, grad):
        if self.next_functions[1][0] is None:
            return grad, None
        return grad, (grad * self.alpha if self.alpha != 1 else grad)


class SubBackward0(Node):
    alpha = 1

    def backward(self, grad):
        if self.next_functions[1][0] is None:
            return grad, None
        return grad, -grad if self.alpha == 1 else grad * -self.alpha


class RsubBackward0(Node):  # other - alpha * input, both tensors
    def backward(self, grad):
        return (-grad if self.alpha == 1 else grad * -self.alpha), grad


class RsubBackward1(Node):  # number - alpha * input
    def backward(self, grad):
        return (-grad if self.alpha == 1 else grad * -self.alpha,)


def _alpha_check(alpha, d):
    if alpha != 1 and isinstance(alpha, float) and d.category < 2:
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number."
        )


def _scaled(y, alpha, d):
    """alpha * y computed in the result dtype ``d`` (bool: ``y and alpha``)."""
    _alpha_check(alpha, d)
    if d is _dtype.bool_:
        return np.logical_and(y, bool(alpha))
    if d is _dtype.bfloat16:  # ml_dtypes has no weak scalars
        alpha = d.np.type(alpha)
    return y * alpha


@method()
def add(input, other, *, alpha=1, out=None) -> Tensor:
    """``torch.add(input, other, *, alpha=1, out=None)``: input + alpha * other."""
    x, y, d = binary(input, other)
    if alpha != 1:
        y = _scaled(y, alpha, d)
        res = finish(AddBackward0, x + y, _tensors(input, other), alpha=alpha)
    else:
        res = finish(AddBackward0, x + y, _tensors(input, other))
    return res if out is None else write_out(res, out, "add")


@method()
def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """``torch.sub``: input - alpha * other."""
    x, y, d = binary(input, other)
    _check_sub_bool(input, other)
    if alpha != 1:
        y = _scaled(y, alpha, d)
    if isinstance(input, Tensor):
        res = finish(SubBackward0, x - y, _tensors(input, other), alpha=alpha)
    else:  # number - tensor
        res = finish(RsubBackward1, x - y, (other,), alpha=1)
    return _result("sub", out, res)


subtract = sub


def _is_bool_operand(x) -> bool:
    return x.dtype is _dtype.bool_ if isinstance(x, Tensor) else isinstance(x, (bool, np.bool_))


def _check_sub_bool(input, other) -> None:
    """``sub_check`` in PyTorch: a bool operand (tensor or number) cannot be subtracted."""
    a, b = _is_bool_operand(input), _is_bool_operand(other)
    if a and b:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
            "`logical_xor()` operator instead."
        )
    if a or b:
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def rsub(input, other, *, alpha=1) -> Tensor:
    """``torch.rsub``: other - alpha * input."""
    x, y, d = binary(input, other)
    _check_sub_bool(input, other)
    if alpha != 1:
        x = _scaled(x, alpha, d)
    if isinstance(other, Tensor):
        return finish(RsubBackward0, y - x, (input, other), alpha=alpha)
    return finish(RsubBackward1, y - x, (input,), alpha=alpha)


# --- mul / div ---------------------------------------------------------------------------------
class MulBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        ga = grad * _conj(b) if self.next_functions[0][0] is not None else None
        gb = grad * _conj(a) if self.next_functions[1][0] is not None else None
        return ga, gb


@method()
def mul(input, other, *, out=None) -> Tensor:
    """``torch.mul``: elementwise product."""
    x, y, d = binary(input, other)
    if d is _dtype.bool_:
        return _result("mul", out, wrap(np.logical_and(x, y)))
    operands = _tensors(input, other)
    a, b = operands
    if b is not None:  # as PyTorch, save only what the needed gradients use (an operand
        # changed in place later is then no error when its own grad is unused)
        saved = (a if b._requires_grad else None, b if a._requires_grad else None)
    else:
        saved = (None, y if isinstance(input, Tensor) else x)
    res = finish(MulBackward0, x * y, operands, save=saved)
    return res if out is None else write_out(res, out, "mul")


multiply = mul


class DivBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        ga = grad / _conj(b) if self.next_functions[0][0] is not None else None
        gb = -grad * _conj(a) / _conj(b * b) if self.next_functions[1][0] is not None else None
        return ga, gb


@method()
def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """``torch.div(input, other, *, rounding_mode=None)``: true, 'trunc' or 'floor' division."""
    if rounding_mode is not None:
        if rounding_mode not in ("trunc", "floor"):
            raise RuntimeError(
                "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                f"'{rounding_mode}'"
            )
        return _rounded_div(input, other, rounding_mode, out)
    if not isinstance(
        input, Tensor
    ):  # number / tensor: PyTorch's __rtruediv__, reciprocal * number
        return _result("div", out, mul(reciprocal(other), input))
    x, y, _ = float_operands(input, other)  # integer division computes in the default float
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.true_divide(x, y)
    if (
        isinstance(q, np.ndarray)
        and isinstance(x, np.ndarray)
        and q.dtype != x.dtype
        and q.dtype.kind == x.dtype.kind
    ):
        q = q.astype(x.dtype)
    if isinstance(other, Tensor):
        saved = (input if other._requires_grad else None, other)  # a only for b's gradient
        res = finish(DivBackward0, q, (input, other), save=saved)
    else:
        res = finish(DivBackward0, q, (input, None), save=(None, y))
    return _result("div", out, res)


divide = div
true_divide = div


def _check_integer_divisor(y, d, name: str) -> None:
    if d.category == 0:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Bool'")
    if d.category == 1 and (np.asarray(y) == 0).any():
        raise RuntimeError("ZeroDivisionError")


def _rounded_quotient(x, y, d, mode: str):
    """Division rounded toward zero ('trunc') or -inf ('floor'), as PyTorch's ``div_*_cpu``."""
    if d.category < 2:
        _check_integer_divisor(y, d, "div_floor" if mode == "floor" else "div_trunc")
        q = np.floor_divide(x, y)
        if mode == "trunc":  # floor and trunc differ where the division is inexact and negative
            q = q + ((np.remainder(x, y) != 0) & ((np.asarray(x) < 0) != (np.asarray(y) < 0)))
        return np.asarray(q).astype(d.np, copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        if mode == "trunc":
            return np.asarray(np.trunc(np.true_divide(x, y))).astype(d.np, copy=False)
        # c10's div_floor_floating: Python's floor division, exact where floor(x / y) is not
        quotient = np.true_divide(x, y)
        mod = np.fmod(x, y)
        div = np.true_divide(np.subtract(x, mod), y)
        div = np.where((mod != 0) & ((np.asarray(y) < 0) != (mod < 0)), div - 1, div)
        floor = np.floor(div)
        floor = np.where(div - floor > 0.5, floor + 1, floor)
        floor = np.where(div == 0, np.copysign(np.zeros_like(div), quotient), floor)
        floor = np.where(np.asarray(y) == 0, quotient, floor)
        return np.asarray(floor).astype(d.np, copy=False)


def _rounded_div(input, other, mode, out):
    x, y, d = binary(input, other)
    q = _rounded_quotient(x, y, d, mode)
    res = finish(DivBackward2, q, _tensors(input, other))
    return _result("div", out, res)


class DivBackward2(Node):
    """Rounded division: the gradient is zero almost everywhere (PyTorch's choice)."""

    def backward(self, grad):
        return tuple(grad * 0 if fn is not None else None for fn, _ in self.next_functions)


@method()
def floor_divide(input, other, *, out=None) -> Tensor:
    """``torch.floor_divide``: rounds toward negative infinity (PyTorch >= 1.13); no derivative."""
    x, y, d = binary(input, other)
    q = _rounded_quotient(x, y, d, "floor")
    operands = tuple(t for t in (input, other) if isinstance(t, Tensor))  # PyTorch: no None edge
    res = finish(NotDifferentiable, q, operands, op="floor_divide")
    return _result("floor_divide", out, res)


class RemainderBackward0(Node):  # tensor % number
    def backward(self, grad):
        return (grad,)


class RemainderBackward1(Node):  # tensor % tensor
    def backward(self, grad):
        a, b = self.saved_tensors
        gb = None
        if self.next_functions[1][0] is not None:
            gb = -grad * a.div(b, rounding_mode="floor")
        return grad, gb


@method()
def remainder(input, other, *, out=None) -> Tensor:
    """``torch.remainder``: Python's modulus (the sign of the divisor)."""
    x, y, d = binary(input, other)
    if d.category < 2:
        _check_integer_divisor(y, d, "remainder")
        r = np.remainder(x, y)
    else:  # c10: fmod, moved into the divisor's sign (so -0.0 stays -0.0, unlike NumPy's)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.fmod(x, y)
            r = np.where((r != 0) & ((r < 0) != (np.asarray(y) < 0)), r + y, r)
    r = np.asarray(r).astype(d.np, copy=False)
    if not isinstance(input, Tensor):
        res = finish(NotDifferentiable, r, (other,), op="remainder")
    elif isinstance(other, Tensor):
        res = finish(RemainderBackward1, r, (input, other), save=(input, other))
    else:
        res = finish(RemainderBackward0, r, (input,))
    return _result("remainder", out, res)


class FmodBackward0(Node):  # tensor fmod number
    def backward(self, grad):
        return (grad,)


class FmodBackward1(Node):  # tensor fmod tensor
    def backward(self, grad):
        a, b = self.saved_tensors
        gb = (
            -grad * a.div(b, rounding_mode="trunc")
            if self.next_functions[1][0] is not None
            else None
        )
        return grad, gb


@method()
def fmod(input, other, *, out=None) -> Tensor:
    """``torch.fmod``: C's fmod (the sign of the dividend)."""
    x, y, d = binary(input, other)
    if d.category < 2:
        _check_integer_divisor(y, d, "fmod")
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.asarray(np.fmod(x, y)).astype(d.np, copy=False)
    if isinstance(other, Tensor):
        res = finish(FmodBackward1, r, (input, other), save=(input, other))
    else:
        res = finish(FmodBackward0, r, (input,))
    return _result("fmod", out, res)


# --- pow ------------------------------------------------------------------------------------------
class PowBackward0(Node):  # tensor ** number
    def backward(self, grad):
        (a,) = self.saved_tensors
        e = self.exponent
        if e == 0:
            return (grad * 0,)
        return (grad * _conj(e * a ** (e - 1)),)  # in this order, as PyTorch (overflow alike)


class PowBackward1(Node):  # tensor ** tensor
    def backward(self, grad):
        a, b = self.saved_tensors
        ga = gb = None
        if self.next_functions[0][0] is not None:
            ga = grad * b * _conj(a ** (b - 1))
            ga = ga.masked_fill((b == 0) & (a == 0), 0) if ga.is_floating_point() else ga
        if self.next_functions[1][0] is not None:
            out = self.saved_output
            gb = grad * _conj(out * a.log())
            gb = gb.masked_fill((a == 0) & (b >= 0), 0)
        return ga, gb


class PowBackward2(Node):  # number ** tensor
    def backward(self, grad):
        out = self.saved_output
        base = self.base
        if base == 0:
            return (grad * 0,)
        with np.errstate(invalid="ignore"):  # a negative base gives NaN, silently as in PyTorch
            log_base = np.log(np.float64(base))
        return (grad * _conj(out * float(log_base)),)


@method()
def pow(input, exponent, *, out=None) -> Tensor:
    """``torch.pow(input, exponent)``."""
    x, y, d = binary(input, exponent)
    if d.category == 1 and is_scalar(exponent) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if d is _dtype.bool_ and not (is_scalar(y) and y in (0, 1)):  # x**0 and x**1 need no kernel
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    if is_scalar(y) and y in (0, 1):
        r = np.ones_like(x) if y == 0 else x.copy()
    elif d.category < 2:
        r = _integer_pow(x, y, scalar_exponent=not isinstance(exponent, Tensor))
    elif is_scalar(y):
        r = _pow_scalar_exponent(x, y)
    else:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            r = np.power(x, y)
    if isinstance(input, Tensor) and isinstance(exponent, Tensor):
        res = finish(PowBackward1, r, (input, exponent), save=(input, exponent), save_output=True)
    elif isinstance(input, Tensor):
        res = finish(PowBackward0, r, (input,), save=(input,), exponent=as_py_scalar(exponent))
    else:
        res = finish(PowBackward2, r, (exponent,), save_output=True, base=as_py_scalar(input))
    return _result("pow", out, res)


def _integer_pow(x, y, scalar_exponent: bool):
    """c10's ``powi``: a negative exponent gives 1 / x**|y| truncated (0 unless x is ±1); only a
    number exponent is refused."""
    y_arr = np.asarray(y)
    negative = y_arr < 0
    if not negative.any():
        with np.errstate(over="ignore"):
            return np.asarray(np.power(x, y))
    if scalar_exponent:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    with np.errstate(over="ignore"):
        r = np.power(x, np.where(negative, 0, y_arr).astype(y_arr.dtype))
    odd = (np.abs(y_arr) % 2) == 1
    neg_result = np.where(x == 1, 1, np.where(x == -1, np.where(odd, -1, 1), 0))
    return np.where(negative, neg_result, r).astype(r.dtype)


def _pow_scalar_exponent(x, e):
    """PyTorch's ``pow_tensor_scalar_optimized_kernel``: exact special cases before ``pow``."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if e == 0:
            return np.ones_like(x)
        if e == 1:
            return x.copy()
        if e == 2:
            return x * x
        if e == 3:
            return x * x * x
        if e == 0.5:
            return np.sqrt(x)
        if e == -0.5:
            return np.reciprocal(np.sqrt(x))
        if e == -1:
            return np.reciprocal(x)
        if e == -2:
            return np.reciprocal(x * x)
        return np.power(x, e)


def float_power(input, exponent) -> Tensor:
    """``torch.float_power``: pow in double precision."""
    a = input.double() if isinstance(input, Tensor) else float(input)
    b = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return pow(a, b)


# --- unary sign ops --------------------------------------------------------------------------------
class NegBackward0(Node):
    def backward(self, grad):
        return (-grad,)


@method()
def neg(input, *, out=None) -> Tensor:
    """``torch.neg``."""
    if input.dtype is _dtype.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return _result("neg", out, finish(NegBackward0, np.negative(input._data), (input,)))


negative = neg


class AbsBackward0(Node):
    def backward(self, grad):
        (a,) = self.saved_tensors
        return (grad * a.sgn(),)


@method()
def abs(input, *, out=None) -> Tensor:
    """``torch.abs``."""
    x = input._data
    if x.dtype.kind == "b":
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return _result("abs", out, finish(AbsBackward0, np.abs(x), (input,), save=(input,)))


absolute = abs


class ReciprocalBackward1(Node):
    def backward(self, grad):
        out = self.saved_output
        return (-grad * _conj(out * out),)


@method()
def reciprocal(input, *, out=None) -> Tensor:
    """``torch.reciprocal``: 1 / input (integers give the default float dtype)."""
    with np.errstate(divide="ignore"):
        r = np.reciprocal(float_array(input))
    return _result("reciprocal", out, finish(ReciprocalBackward1, r, (input,), save_output=True))


ReciprocalBackward1.__name__ = "ReciprocalBackward0"


@method()
def square(input, *, out=None) -> Tensor:
    """``torch.square``: input ** 2 (recorded as ``PowBackward0``, as PyTorch does)."""
    return pow(input, 2, out=out)


# --- comparison and logic (not differentiable) -----------------------------------------------------
def _compare(ufunc, name):
    def op(input, other, *, out=None) -> Tensor:
        x, y, _ = binary(input, other)
        return _result(name, out, wrap(ufunc(x, y)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``torch.{name}``: elementwise comparison, a bool tensor."
    setattr(Tensor, name, op)
    return op


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
for _alias, _op in {
    "greater": gt,
    "greater_equal": ge,
    "less": lt,
    "less_equal": le,
    "not_equal": ne,
}.items():
    setattr(Tensor, _alias, _op)


def _logical(ufunc, name):
    def op(input, other, *, out=None) -> Tensor:
        a = input._data if isinstance(input, Tensor) else np.asarray(input)
        b = other._data if isinstance(other, Tensor) else np.asarray(other)
        return _result(name, out, wrap(ufunc(a, b)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``torch.{name}``: a bool tensor."
    setattr(Tensor, name, op)
    return op


logical_and = _logical(np.logical_and, "logical_and")
logical_or = _logical(np.logical_or, "logical_or")
logical_xor = _logical(np.logical_xor, "logical_xor")


@method()
def logical_not(input, *, out=None) -> Tensor:
    """``torch.logical_not``."""
    return _result("logical_not", out, wrap(np.logical_not(input._data)))


def _bitwise(ufunc, name, symbol, kernel=None):
    kernel = kernel or name

    def op(input, other, *, out=None) -> Tensor:
        x, y, d = binary(input, other)
        if d.category >= 2:
            raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for '{d._legacy}'")
        return _result(name, out, wrap(ufunc(x, y)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``torch.{name}`` (the ``{symbol}`` operator)."
    setattr(Tensor, name, op)
    return op


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and", "&")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or", "|")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor", "^")


def _shift(ufunc):
    def shift(x, y):
        if isinstance(y, (int, np.integer)) or isinstance(y, np.ndarray) and y.ndim == 0:
            y = np.asarray(y, x.dtype)
        bits = x.dtype.itemsize * 8
        # C++ shifts past the width are undefined; PyTorch gives 0 (or -1 for negative >>)
        over = (np.asarray(y) >= bits) | (np.asarray(y) < 0)
        r = ufunc(x, np.where(over, 0, y).astype(np.asarray(y).dtype))
        if over.any():
            fill = np.where(np.asarray(x) < 0, -1, 0) if ufunc is np.right_shift else 0
            r = np.where(over, fill, r).astype(r.dtype)
        return r

    return shift


bitwise_left_shift = _bitwise(_shift(np.left_shift), "bitwise_left_shift", "<<", "lshift")
bitwise_right_shift = _bitwise(_shift(np.right_shift), "bitwise_right_shift", "<<", "rshift")


@method()
def bitwise_not(input, *, out=None) -> Tensor:
    """``torch.bitwise_not`` (the ``~`` operator)."""
    if input.dtype.category >= 2:
        raise NotImplementedError(
            f"\"bitwise_not_cpu\" not implemented for '{input.dtype._legacy}'"
        )
    return _result("bitwise_not", out, wrap(np.invert(input._data)))


def _invert(self: Tensor) -> Tensor:
    if self.dtype.category >= 2:
        raise TypeError(
            "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
        )
    return bitwise_not(self)


# --- maximum / minimum ----------------------------------------------------------------------------
class MaximumBackward0(Node):
    """Ties share the gradient; with a NaN both operands get it (PyTorch's formula)."""

    def backward(self, grad):
        a, b = self.saved_tensors
        split = (grad / 2).where(a == b, grad)
        return split.masked_fill(self._loses(a, b), 0), split.masked_fill(self._loses(b, a), 0)

    @staticmethod
    def _loses(x, y):
        return x < y


class MinimumBackward0(MaximumBackward0):
    @staticmethod
    def _loses(x, y):
        return x > y


class FmaxBackward0(Node):
    """Ties go to ``input``; a NaN operand gives its gradient to the other one."""

    def backward(self, grad):
        a, b = self.saved_tensors
        to_a = self._wins(a, b) | b.isnan()
        return grad.masked_fill(~to_a, 0), grad.masked_fill(to_a, 0)

    @staticmethod
    def _wins(x, y):
        return x >= y


class FminBackward0(FmaxBackward0):
    @staticmethod
    def _wins(x, y):
        return x <= y


def _pairwise(ufunc, node, name):
    def op(input, other, *, out=None, _position=2) -> Tensor:
        if not isinstance(other, Tensor):
            raise TypeError(
                f"{name}(): argument 'other' (position {_position}) must be Tensor, not "
                f"{type(other).__name__}"
            )
        x, y, _ = binary(input, other)
        return _result(name, out, finish(node, ufunc(x, y), (input, other), save=(input, other)))

    def tensor_method(self, other, *, out=None) -> Tensor:
        return op(self, other, out=out, _position=1)  # the method's first argument is ``other``

    op.__name__ = op.__qualname__ = tensor_method.__name__ = name
    op.__doc__ = f"``torch.{name}``: elementwise, with NaN propagation as PyTorch's."
    setattr(Tensor, name, tensor_method)
    return op


maximum = _pairwise(np.maximum, MaximumBackward0, "maximum")
minimum = _pairwise(np.minimum, MinimumBackward0, "minimum")
fmax = _pairwise(np.fmax, FmaxBackward0, "fmax")
fmin = _pairwise(np.fmin, FminBackward0, "fmin")


def _cast_like(result: Tensor, like: Tensor) -> Tensor:
    """``result`` cast to ``like``'s dtype (differentiably), for in-place ops that promote."""
    if result.dtype is not like.dtype:
        result = result.to(like.dtype)
    return result


# --- operators and in-place variants ----------------------------------------------------------------
# NOTE [ Operator operands ]: an operand that is neither a tensor, a number nor an ndarray makes the
# operator return NotImplemented, so Python raises its own TypeError ("unsupported operand type(s)
# for +: 'Tensor' and 'list'") and ``t == [1, 2]`` is False, exactly as with PyTorch.
def _operator(op, name: str):
    def forward(self, other):
        try:
            return op(self, other)
        except BadOperand:
            return NotImplemented

    forward.__name__ = forward.__qualname__ = name
    return forward


def _reflected(op, name: str):
    def reflected(self, other):
        try:
            return op(other, self)
        except BadOperand:
            return NotImplemented

    reflected.__name__ = reflected.__qualname__ = name
    return reflected


for _dunder, _op in {
    "add": add, "sub": sub, "mul": mul, "truediv": div, "floordiv": floor_divide, "mod": remainder,
    "pow": pow, "and": bitwise_and, "or": bitwise_or, "xor": bitwise_xor,
    "lshift": bitwise_left_shift, "rshift": bitwise_right_shift,
}.items():  # fmt: skip
    setattr(Tensor, f"__{_dunder}__", _operator(_op, f"__{_dunder}__"))
    setattr(Tensor, f"__r{_dunder}__", _reflected(_op, f"__r{_dunder}__"))
for _dunder, _op in {"eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge}.items():
    setattr(Tensor, f"__{_dunder}__", _operator(_op, f"__{_dunder}__"))
Tensor.__neg__ = neg
Tensor.__abs__ = abs
Tensor.__invert__ = _invert
Tensor.rsub = rsub
Tensor.float_power = float_power


for _name in (
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "neg", "negative", "abs", "absolute", "reciprocal", "square",
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
    "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and",
    "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
    "float_power",
):  # fmt: skip
    setattr(Tensor, _name + "_", inplace(globals()[_name], _name + "_"))
    if _name in __all__ or _name == "float_power":
        setattr(Tensor, _name, globals()[_name])
Tensor.__iadd__ = lambda self, other: self.add_(other)
Tensor.__isub__ = lambda self, other: self.sub_(other)
Tensor.__imul__ = lambda self, other: self.mul_(other)
Tensor.__itruediv__ = lambda self, other: self.div_(other)
Tensor.__ifloordiv__ = lambda self, other: self.floor_divide_(other)
Tensor.__imod__ = lambda self, other: self.remainder_(other)
Tensor.__ipow__ = lambda self, other: self.pow_(other)
Tensor.__iand__ = lambda self, other: self.bitwise_and_(other)
Tensor.__ior__ = lambda self, other: self.bitwise_or_(other)
Tensor.__ixor__ = lambda self, other: self.bitwise_xor_(other)
Tensor.__ilshift__ = lambda self, other: self.bitwise_left_shift_(other)
Tensor.__irshift__ = lambda self, other: self.bitwise_right_shift_(other)
__all__ += ["rsub", "float_power"]
