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
    as_py_scalar,
    binary,
    finish,
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
    "bitwise_or", "bitwise_xor", "bitwise_not", "maximum", "minimum", "fmax", "fmin",
]  # fmt: skip


def _tensors(input, other) -> tuple:
    """The operands in order, the tensor first when the other is a number (NOTE [ Scalar operands ])."""
    if isinstance(input, Tensor):
        return (input, other) if isinstance(other, Tensor) else (input,)
    return (other,)


def _conj(t):
    return t.conj() if isinstance(t, Tensor) and t.is_complex() else t


def _result(name, out, tensor):
    return write_out(tensor, out, name) if out is not None else tensor


# --- add / sub ---------------------------------------------------------------------------------
# NOTE [ Scalar operands ]: ``x + 2`` records the same node as ``x + y`` (PyTorch wraps the number
# in a tensor). The node returns a gradient for both operands; the engine pairs gradients with
# ``next_functions``, so the one for a number operand is simply never used.
class AddBackward0(Node):
    def backward(self, grad):
        return grad, (grad * self.alpha if self.alpha != 1 else grad)


class SubBackward0(Node):
    def backward(self, grad):
        return grad, -grad if self.alpha == 1 else grad * -self.alpha


class RsubBackward1(Node):
    def backward(self, grad):
        return (grad * -self.alpha,)


def _alpha_check(alpha, d):
    if alpha != 1 and isinstance(alpha, float) and d.category < 2:
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number."
        )


@method()
def add(input, other, *, alpha=1, out=None) -> Tensor:
    """``torch.add(input, other, *, alpha=1, out=None)``: input + alpha * other."""
    x, y, d = binary(input, other)
    if alpha != 1:
        _alpha_check(alpha, d)
        y = y * alpha
    res = finish(AddBackward0, x + y, _tensors(input, other), alpha=alpha)
    return _result("add", out, res)


@method()
def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """``torch.sub``: input - alpha * other."""
    x, y, d = binary(input, other)
    if d is _dtype.bool_:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
            "`logical_xor()` operator instead."
        )
    if alpha != 1:
        _alpha_check(alpha, d)
        y = y * alpha
    if isinstance(input, Tensor):
        res = finish(SubBackward0, x - y, _tensors(input, other), alpha=alpha)
    else:  # number - tensor
        res = finish(RsubBackward1, x - y, (other,), alpha=1)
    return _result("sub", out, res)


subtract = sub


def rsub(input, other, *, alpha=1) -> Tensor:
    """``torch.rsub``: other - alpha * input."""
    return sub(other, input * alpha if alpha != 1 else input)


# --- mul / div ---------------------------------------------------------------------------------
class MulBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        ga = grad * _conj(b) if self.next_functions[0][0] is not None else None
        if len(self.next_functions) == 1:
            return (ga,)
        gb = grad * _conj(a) if self.next_functions[1][0] is not None else None
        return ga, gb


@method()
def mul(input, other, *, out=None) -> Tensor:
    """``torch.mul``: elementwise product."""
    x, y, d = binary(input, other)
    if d is _dtype.bool_:
        return _result("mul", out, wrap(np.logical_and(x, y)))
    operands = _tensors(input, other)
    saved = operands if len(operands) == 2 else (operands[0], y if isinstance(input, Tensor) else x)
    res = finish(MulBackward0, x * y, operands, save=saved)
    return _result("mul", out, res)


multiply = mul


class DivBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        ga = grad / _conj(b) if self.next_functions[0][0] is not None else None
        if len(self.next_functions) == 1:
            return (ga,)
        gb = -grad * _conj(a) / _conj(b * b) if self.next_functions[1][0] is not None else None
        return ga, gb


class _ScalarDivBackward(Node):  # number / tensor: d(c/x)/dx = -c/x**2 = -out**2 / c
    def backward(self, grad):
        if self.numerator == 0:
            return (grad * 0,)
        out = self.saved_output
        return (-grad * _conj(out * out) / self.numerator,)


_ScalarDivBackward.__name__ = "DivBackward0"


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
    x, y, d = binary(input, other)
    if d.category < 2:  # integer true division gives the default float dtype
        f = _dtype.get_default_dtype().np
        x = x.astype(f) if isinstance(x, np.ndarray) else x
        y = y.astype(f) if isinstance(y, np.ndarray) else y
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.true_divide(x, y)
    if (
        isinstance(q, np.ndarray)
        and isinstance(x, np.ndarray)
        and q.dtype != x.dtype
        and q.dtype.kind == x.dtype.kind
    ):
        q = q.astype(x.dtype)
    if isinstance(other, Tensor) and isinstance(input, Tensor):
        res = finish(DivBackward0, q, (input, other), save=(input, other))
    elif isinstance(input, Tensor):
        res = finish(DivBackward0, q, (input,), save=(input, y))
    else:
        res = finish(_ScalarDivBackward, q, (other,), save_output=True, numerator=x)
    return _result("div", out, res)


divide = div
true_divide = div


def _rounded_div(input, other, mode, out):
    x, y, d = binary(input, other)
    if d.category < 2:
        if (np.asarray(y) == 0).any():
            raise RuntimeError("ZeroDivisionError")
        q = np.floor_divide(x, y) if mode == "floor" else _trunc_int_div(x, y)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.true_divide(x, y)
            q = np.floor(q) if mode == "floor" else np.trunc(q)
        q = q.astype(d.np, copy=False)
    operands = tuple(t for t in (input, other) if isinstance(t, Tensor))
    res = finish(_ZeroGrad, q, operands)
    return _result("div", out, res)


def _trunc_int_div(x, y):
    q = np.floor_divide(x, y)
    fix = (np.remainder(x, y) != 0) & ((np.asarray(x) < 0) != (np.asarray(y) < 0))
    return q + fix


class _ZeroGrad(Node):
    """Rounded division and remainder-like ops: the gradient is zero almost everywhere."""

    def backward(self, grad):
        return tuple(grad * 0 if fn is not None else None for fn, _ in self.next_functions)


_ZeroGrad.__name__ = _ZeroGrad.__qualname__ = "DivBackward2"


@method()
def floor_divide(input, other, *, out=None) -> Tensor:
    """``torch.floor_divide``: rounds toward negative infinity (PyTorch >= 1.13)."""
    return div(input, other, rounding_mode="floor", out=out)


class RemainderBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        gb = None
        if self.next_functions[1][0] is not None:
            gb = -grad * (a / b).floor()
        return grad, gb


class RemainderBackward1(Node):
    def backward(self, grad):
        return (grad,)


@method()
def remainder(input, other, *, out=None) -> Tensor:
    """``torch.remainder``: Python's modulus (sign of the divisor)."""
    x, y, d = binary(input, other)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.remainder(x, y)
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        res = finish(RemainderBackward0, r, (input, other), save=(input, other))
    elif isinstance(input, Tensor):
        res = finish(RemainderBackward1, r, (input,))
    else:
        res = wrap(r)
    return _result("remainder", out, res)


class FmodBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        gb = -grad * (a / b).trunc() if self.next_functions[1][0] is not None else None
        return grad, gb


@method()
def fmod(input, other, *, out=None) -> Tensor:
    """``torch.fmod``: C's fmod (sign of the dividend)."""
    x, y, d = binary(input, other)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.fmod(x, y)
    if isinstance(other, Tensor):
        res = finish(FmodBackward0, r, (input, other), save=(input, other))
    else:
        res = finish(RemainderBackward1, r, (input,))
    return _result("fmod", out, res)


# --- pow ------------------------------------------------------------------------------------------
class PowBackward0(Node):  # tensor ** number
    def backward(self, grad):
        (a,) = self.saved_tensors
        e = self.exponent
        if e == 0:
            return (grad * 0,)
        return (grad * e * _conj(a ** (e - 1)),)


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
        return (grad * _conj(out * np.log(base)),)


@method()
def pow(input, exponent, *, out=None) -> Tensor:
    """``torch.pow(input, exponent)``."""
    x, y, d = binary(input, exponent)
    if d.category < 2:
        if (np.asarray(y) < 0).any():
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        r = np.power(x, y)
    else:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if is_scalar(y) and y == 2:
                r = x * x
            elif is_scalar(y) and y == 0.5:
                r = np.sqrt(x)
            else:
                r = np.power(x, y)
    if isinstance(input, Tensor) and isinstance(exponent, Tensor):
        res = finish(PowBackward1, r, (input, exponent), save=(input, exponent), save_output=True)
    elif isinstance(input, Tensor):
        res = finish(PowBackward0, r, (input,), save=(input,), exponent=as_py_scalar(exponent))
    else:
        res = finish(PowBackward2, r, (exponent,), save_output=True, base=as_py_scalar(input))
    return _result("pow", out, res)


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
    r = x if x.dtype.kind == "b" else np.abs(x)
    return _result("abs", out, finish(AbsBackward0, r, (input,), save=(input,)))


absolute = abs


class ReciprocalBackward1(Node):
    def backward(self, grad):
        out = self.saved_output
        return (-grad * _conj(out * out),)


@method()
def reciprocal(input, *, out=None) -> Tensor:
    """``torch.reciprocal``: 1 / input (integers give the default float dtype)."""
    from ._base import float_array

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


def _bitwise(ufunc, name, symbol):
    def op(input, other, *, out=None) -> Tensor:
        x, y, d = binary(input, other)
        if d.category >= 2:
            raise RuntimeError(f"\"{name}_cpu\" not implemented for '{d._legacy}'")
        return _result(name, out, wrap(ufunc(x, y)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``torch.{name}`` (the ``{symbol}`` operator)."
    setattr(Tensor, name, op)
    return op


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and", "&")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or", "|")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor", "^")


@method()
def bitwise_not(input, *, out=None) -> Tensor:
    """``torch.bitwise_not`` (the ``~`` operator)."""
    if input.dtype.category >= 2:
        raise TypeError(
            "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
        )
    return _result("bitwise_not", out, wrap(np.invert(input._data)))


# --- maximum / minimum ----------------------------------------------------------------------------
class MaximumBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        pick_a = (a > b).to(grad.dtype) + (a == b).to(grad.dtype) * 0.5
        return grad * pick_a, grad * (1 - pick_a)


class MinimumBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        pick_a = (a < b).to(grad.dtype) + (a == b).to(grad.dtype) * 0.5
        return grad * pick_a, grad * (1 - pick_a)


def _pairwise(ufunc, node, name):
    def op(input, other, *, out=None) -> Tensor:
        if not isinstance(other, Tensor):
            raise TypeError(
                f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}"
            )
        x, y, _ = binary(input, other)
        return _result(name, out, finish(node, ufunc(x, y), (input, other), save=(input, other)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``torch.{name}``: elementwise, with NaN propagation as PyTorch's."
    setattr(Tensor, name, op)
    return op


maximum = _pairwise(np.maximum, MaximumBackward0, "maximum")
minimum = _pairwise(np.minimum, MinimumBackward0, "minimum")
fmax = _pairwise(np.fmax, MaximumBackward0, "fmax")
fmin = _pairwise(np.fmin, MinimumBackward0, "fmin")


def _cast_like(result: Tensor, like: Tensor) -> Tensor:
    """``result`` cast to ``like``'s dtype (differentiably), for in-place ops that promote."""
    if result.dtype is not like.dtype:
        result = result.to(like.dtype)
    return result


# --- operators and in-place variants ----------------------------------------------------------------
def _reflected(op):
    def r(self, other):
        return op(other, self)

    return r


Tensor.__add__ = Tensor.__radd__ = lambda self, other: add(self, other)
Tensor.__sub__ = lambda self, other: sub(self, other)
Tensor.__rsub__ = lambda self, other: sub(other, self)
Tensor.__mul__ = Tensor.__rmul__ = lambda self, other: mul(self, other)
Tensor.__truediv__ = lambda self, other: div(self, other)
Tensor.__rtruediv__ = lambda self, other: div(other, self)
Tensor.__floordiv__ = lambda self, other: floor_divide(self, other)
Tensor.__rfloordiv__ = lambda self, other: floor_divide(other, self)
Tensor.__mod__ = lambda self, other: remainder(self, other)
Tensor.__rmod__ = lambda self, other: remainder(other, self)
Tensor.__pow__ = lambda self, other: pow(self, other)
Tensor.__rpow__ = lambda self, other: pow(other, self)
Tensor.__neg__ = neg
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = abs
Tensor.__invert__ = bitwise_not
Tensor.__and__ = Tensor.__rand__ = lambda self, other: bitwise_and(self, other)
Tensor.__or__ = Tensor.__ror__ = lambda self, other: bitwise_or(self, other)
Tensor.__xor__ = Tensor.__rxor__ = lambda self, other: bitwise_xor(self, other)
Tensor.__eq__ = lambda self, other: eq(self, other) if _comparable(other) else NotImplemented
Tensor.__ne__ = lambda self, other: ne(self, other) if _comparable(other) else NotImplemented
Tensor.__lt__ = lambda self, other: lt(self, other)
Tensor.__le__ = lambda self, other: le(self, other)
Tensor.__gt__ = lambda self, other: gt(self, other)
Tensor.__ge__ = lambda self, other: ge(self, other)
Tensor.rsub = rsub
Tensor.float_power = float_power


def _comparable(other) -> bool:
    return (
        isinstance(other, Tensor)
        or is_scalar(other)
        or isinstance(other, (list, tuple, np.ndarray))
    )


for _name in (
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "neg", "negative", "abs", "absolute", "reciprocal", "square",
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
    "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and",
    "bitwise_or", "bitwise_xor", "bitwise_not", "float_power",
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
__all__ += ["rsub", "float_power"]
