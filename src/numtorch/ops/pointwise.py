"""Pointwise math: ``exp log sqrt sin tanh sigmoid relu clamp where lerp erf ...``.

Each unary op is one row of ``_UNARY``: its NumPy forward, what its backward saves (the input or the
output), and its backward written with tensor ops (so double backward works), side by side.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.graph import Node
from ._base import binary, finish, float_array, inplace, wrap, write_out

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _erf(x: np.ndarray) -> np.ndarray:
    return _math_ufunc(math.erf, x)


def _erfc(x: np.ndarray) -> np.ndarray:
    return _math_ufunc(math.erfc, x)


def _erfinv(x: np.ndarray) -> np.ndarray:
    # Newton iterations on erf from a closed-form start (Giles' approximation), in float64.
    y = x.astype(np.float64)
    w = -np.log((1.0 - y) * (1.0 + y))
    start = np.where(
        w < 5.0,
        1.2533 * np.sign(y) * np.sqrt(np.maximum(w, 0)) * 0.886,
        np.sign(y) * np.sqrt(w) * 0.9,
    )
    z = np.clip(start, -6, 6)
    with np.errstate(all="ignore"):
        for _ in range(60):
            err = _math_ufunc(math.erf, z) - y
            z = z - err / (_TWO_OVER_SQRT_PI * np.exp(-z * z))
    z = np.where(y == 1, np.inf, np.where(y == -1, -np.inf, z))
    z = np.where(np.abs(y) > 1, np.nan, z)
    return z.astype(x.dtype)


def _math_ufunc(fn, x: np.ndarray) -> np.ndarray:
    return np.frompyfunc(fn, 1, 1)(x.astype(np.float64)).astype(x.dtype)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # 1 / (1 + exp(-x)) without overflow warnings for large negative x.
    with np.errstate(over="ignore"):
        out = np.exp(-x)
        out += 1
        return np.reciprocal(out, out=out)


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0) if x.dtype.kind != "b" else x


# name: (forward on arrays, saves "x" or "y", backward(grad, x_or_y) with tensor ops, float-promoting)
_UNARY = {
    "exp": (np.exp, "y", lambda g, y: g * y, True),
    "exp2": (np.exp2, "y", lambda g, y: g * y * _LN2, True),
    "expm1": (np.expm1, "y", lambda g, y: g * (y + 1), True),
    "log": (np.log, "x", lambda g, x: g / x, True),
    "log2": (np.log2, "x", lambda g, x: g / (x * _LN2), True),
    "log10": (np.log10, "x", lambda g, x: g / (x * _LN10), True),
    "log1p": (np.log1p, "x", lambda g, x: g / (x + 1), True),
    "sqrt": (np.sqrt, "y", lambda g, y: g / (2 * y), True),
    "rsqrt": (lambda x: 1 / np.sqrt(x), "y", lambda g, y: g * -0.5 * y.pow(3), True),
    "sin": (np.sin, "x", lambda g, x: g * x.cos(), True),
    "cos": (np.cos, "x", lambda g, x: g * -x.sin(), True),
    "tan": (np.tan, "y", lambda g, y: g * (1 + y * y), True),
    "asin": (np.arcsin, "x", lambda g, x: g * (-x * x + 1).rsqrt(), True),
    "acos": (np.arccos, "x", lambda g, x: g * -((-x * x + 1).rsqrt()), True),
    "atan": (np.arctan, "x", lambda g, x: g / (x * x + 1), True),
    "sinh": (np.sinh, "x", lambda g, x: g * x.cosh(), True),
    "cosh": (np.cosh, "x", lambda g, x: g * x.sinh(), True),
    "tanh": (np.tanh, "y", lambda g, y: g * (1 - y * y), True),
    "asinh": (np.arcsinh, "x", lambda g, x: g * (x * x + 1).rsqrt(), True),
    "acosh": (np.arccosh, "x", lambda g, x: g * (x * x - 1).rsqrt(), True),
    "atanh": (np.arctanh, "x", lambda g, x: g / (1 - x * x), True),
    "sigmoid": (_sigmoid, "y", lambda g, y: g * y * (1 - y), True),
    "erf": (_erf, "x", lambda g, x: g * _TWO_OVER_SQRT_PI * (-x * x).exp(), True),
    "erfc": (_erfc, "x", lambda g, x: g * -_TWO_OVER_SQRT_PI * (-x * x).exp(), True),
    "erfinv": (_erfinv, "y", lambda g, y: g * (math.sqrt(math.pi) / 2) * (y * y).exp(), True),
    "relu": (_relu, "y", lambda g, y: g * (y > 0).to(g.dtype), False),
    "sign": (np.sign, None, lambda g, _: g * 0, False),
    "floor": (np.floor, None, lambda g, _: g * 0, False),
    "ceil": (np.ceil, None, lambda g, _: g * 0, False),
    "trunc": (np.trunc, None, lambda g, _: g * 0, False),
    "frac": (lambda x: x - np.trunc(x), None, lambda g, _: g, False),
}  # fmt: skip

_NODE_NAMES = {"relu": "ReluBackward0"}


def _make_unary(name, forward, saves, backward, promotes):
    node_name = _NODE_NAMES.get(name, name.capitalize() + "Backward0")

    def node_backward(self, grad):
        if saves == "x":
            (x,) = self.saved_tensors
            return (backward(grad, x),)
        return (backward(grad, self.saved_output if saves == "y" else None),)

    node_cls = type(node_name, (Node,), {"backward": node_backward, "__module__": __name__})

    def op(input, *, out=None) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(
                f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
            )
        x = float_array(input) if promotes else input._data
        if (
            x.dtype.kind in "biu"
            and name in ("floor", "ceil", "trunc")
            or (x.dtype.kind == "b" and name == "sign")
        ):
            result = x.copy()
        else:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                result = forward(x)
        if saves == "x":
            res = finish(node_cls, result, (input,), save=(input,))
        else:
            res = finish(node_cls, result, (input,), save_output=saves == "y")
        return write_out(res, out, name) if out is not None else res

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``torch.{name}``: elementwise; backward saved as ``{node_name}``."
    setattr(Tensor, name, op)
    setattr(Tensor, name + "_", inplace(op, name + "_"))
    return op


for _name, _row in _UNARY.items():
    globals()[_name] = _make_unary(_name, *_row)
__all__ = list(_UNARY) + ["sgn", "round", "clamp", "clip", "clamp_min", "clamp_max", "where",
                          "lerp", "isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal",
                          "nan_to_num", "atan2", "arctan2", "hypot", "logit", "xlogy", "conj",
                          "real", "imag", "angle", "deg2rad", "rad2deg", "signbit", "positive",
                          "relu_", "sigmoid_", "exp_", "heaviside", "copysign"]  # fmt: skip
exp, log, sqrt, relu, sigmoid, tanh = (
    globals()[n] for n in ("exp", "log", "sqrt", "relu", "sigmoid", "tanh")
)
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = (
    globals()[n] for n in ("asin", "acos", "atan", "asinh", "acosh", "atanh")
)
for _alias, _target in {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
                        "arccosh": "acosh", "arctanh": "atanh", "fix": "trunc"}.items():  # fmt: skip
    setattr(Tensor, _alias, getattr(Tensor, _target))
    globals()[_alias] = getattr(Tensor, _target)
    __all__.append(_alias)


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


def sigmoid_(input: Tensor) -> Tensor:
    return input.sigmoid_()


def exp_(input: Tensor) -> Tensor:
    return input.exp_()


class SgnBackward0(Node):
    def backward(self, grad):
        return (grad * 0,)


def sgn(input: Tensor, *, out=None) -> Tensor:
    """``torch.sgn``: sign, or x/|x| for complex."""
    x = input._data
    r = (
        np.where(x == 0, 0, x / np.where(x == 0, 1, np.abs(x))).astype(x.dtype)
        if x.dtype.kind == "c"
        else np.sign(x)
    )
    res = finish(SgnBackward0, r, (input,))
    return write_out(res, out, "sgn") if out is not None else res


class RoundBackward0(Node):
    def backward(self, grad):
        return (grad * 0,)


class RoundBackward1(RoundBackward0):
    pass


def round(input: Tensor, *, decimals: int = 0, out=None) -> Tensor:
    """``torch.round``: half to even, optionally to ``decimals`` places."""
    x = input._data
    if x.dtype.kind in "biu":
        r = x.copy()
    elif decimals == 0:
        r = np.round(x)
    else:
        scale = x.dtype.type(10.0**decimals)
        r = np.round(x * scale) / scale
    res = finish(RoundBackward1 if decimals else RoundBackward0, r, (input,))
    return write_out(res, out, "round") if out is not None else res


# --- clamp ----------------------------------------------------------------------------------------
class ClampBackward1(Node):  # scalar bounds
    def backward(self, grad):
        (x,) = self.saved_tensors
        mask = x.new_ones(())
        inside = None
        if self.min is not None:
            inside = x >= self.min
        if self.max is not None:
            upper = x <= self.max
            inside = upper if inside is None else inside & upper
        return (grad * inside.to(grad.dtype) if inside is not None else grad * mask,)


class ClampBackward0(Node):  # tensor bounds
    def backward(self, grad):
        x, lo, hi = self.saved_tensors
        inside = x == x
        glo = ghi = None
        if lo is not None:
            inside = inside & (x >= lo)
            glo = grad * (x < lo).to(grad.dtype)
        if hi is not None:
            inside = inside & (x <= hi)
            ghi = grad * (x > hi).to(grad.dtype)
        return grad * inside.to(grad.dtype), glo, ghi


ClampMinBackward0 = type("ClampMinBackward0", (ClampBackward1,), {})
ClampMaxBackward0 = type("ClampMaxBackward0", (ClampBackward1,), {})


def clamp(input: Tensor, min=None, max=None, *, out=None) -> Tensor:
    """``torch.clamp(input, min=None, max=None)`` (alias ``clip``); bounds may be numbers or tensors."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        x = input._data
        lo = min._data if isinstance(min, Tensor) else min
        hi = max._data if isinstance(max, Tensor) else max
        r = x
        if lo is not None:
            r = np.maximum(r, lo)
        if hi is not None:
            r = np.minimum(r, hi)
        d = _dtype.result_dtype(
            [t.dtype for t in (input, min, max) if isinstance(t, Tensor)], [], []
        )
        r = np.asarray(r).astype(d.np, copy=False)
        res = finish(ClampBackward0, r, (input, _t(min), _t(max)), save=(input, _t(min), _t(max)))
    else:
        x, _, d = binary(input, min if min is not None else max)
        if max is not None and min is not None:
            _, _, d2 = binary(input, max)
            if d2 is not d:
                x = input._data.astype(_dtype.promote_types(d, d2).np)
        lo = None if min is None else min
        hi = None if max is None else max
        if x.dtype.kind == "f" and any(isinstance(v, float) and math.isnan(v) for v in (lo, hi)):
            r = np.full_like(x, np.nan)
        else:
            r = (
                np.clip(x, lo, hi)
                if not (lo is not None and hi is not None and lo > hi)
                else np.full_like(x, hi)
            )
        node = (
            ClampBackward1
            if (min is not None and max is not None)
            else (ClampMinBackward0 if max is None else ClampMaxBackward0)
        )
        res = finish(node, r, (input,), save=(input,), min=min, max=max)
    return write_out(res, out, "clamp") if out is not None else res


def _t(x):
    return x if isinstance(x, Tensor) else None


clip = clamp


def clamp_min(input: Tensor, min) -> Tensor:
    return clamp(input, min=min)


def clamp_max(input: Tensor, max) -> Tensor:
    return clamp(input, max=max)


for _name, _fn in {"clamp": clamp, "clip": clamp, "clamp_min": clamp_min, "clamp_max": clamp_max,
                   "sgn": sgn, "round": round}.items():  # fmt: skip
    setattr(Tensor, _name, _fn)
    setattr(Tensor, _name + "_", inplace(_fn, _name + "_"))


# --- where / lerp ------------------------------------------------------------------------------------
class WhereBackward0(Node):
    def backward(self, grad):
        (cond,) = self.saved_tensors
        zero = grad.new_zeros(())
        return None, grad.where(cond, zero), zero.where(cond, grad)


def where(condition: Tensor, input=None, other=None, *, out=None):
    """``torch.where(condition, input, other)``; with only ``condition``, ``nonzero(as_tuple=True)``."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if condition.dtype is not _dtype.bool_:
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype {condition.dtype._legacy}"
        )
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        d = _dtype.result_dtype([], [], [_dtype.scalar_dtype(input), _dtype.scalar_dtype(other)])
        r = np.where(condition._data, input, other).astype(d.np)
        return wrap(r)
    x, y, d = binary(input, other)
    r = np.where(condition._data, x, y)
    if r.dtype != d.np:
        r = r.astype(d.np)
    res = finish(WhereBackward0, r, (None, _t(input), _t(other)), save=(condition,))
    return write_out(res, out, "where") if out is not None else res


Tensor.where = lambda self, condition, other: where(condition, self, other)


class LerpBackward0(Node):  # scalar weight
    def backward(self, grad):
        w = self.weight
        return grad * (1 - w), grad * w


class LerpBackward1(Node):  # tensor weight
    def backward(self, grad):
        start, end, weight = self.saved_tensors
        return grad * (1 - weight), grad * weight, grad * (end - start)


def lerp(input: Tensor, end: Tensor, weight, *, out=None) -> Tensor:
    """``torch.lerp``: input + weight * (end - input)."""
    if isinstance(weight, Tensor):
        r = input._data + weight._data * (end._data - input._data)
        res = finish(LerpBackward1, r, (input, end, weight), save=(input, end, weight))
    else:
        x, y, _ = binary(input, end)
        r = x + weight * (y - x)
        res = finish(LerpBackward0, r, (input, end), weight=weight)
    return write_out(res, out, "lerp") if out is not None else res


Tensor.lerp = lerp
Tensor.lerp_ = inplace(lerp, "lerp_")


# --- predicates and small helpers ----------------------------------------------------------------
def _predicate(fn, name):
    def op(input: Tensor) -> Tensor:
        x = input._data
        if x.dtype.kind in "biu":
            return wrap(fn(x.astype(np.float32)) if name != "isfinite" else np.ones(x.shape, bool))
        return wrap(fn(x))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``torch.{name}``: a bool tensor."
    setattr(Tensor, name, op)
    return op


isnan = _predicate(np.isnan, "isnan")
isinf = _predicate(np.isinf, "isinf")
isfinite = _predicate(np.isfinite, "isfinite")
isposinf = _predicate(np.isposinf, "isposinf")
isneginf = _predicate(np.isneginf, "isneginf")
signbit = _predicate(np.signbit, "signbit")


def isreal(input: Tensor) -> Tensor:
    x = input._data
    return wrap(np.imag(x) == 0 if x.dtype.kind == "c" else np.ones(x.shape, bool))


class NanToNumBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * x.isfinite().to(grad.dtype),)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf=None, neginf=None, *, out=None) -> Tensor:
    """``torch.nan_to_num``: NaN → ``nan``, ±inf → the dtype's extremes (or the values given)."""
    x = input._data
    if x.dtype.kind in "biu":
        return wrap(x.copy())
    info = np.finfo(x.dtype) if input.dtype is not _dtype.bfloat16 else _dtype._bfloat16_finfo()
    r = np.nan_to_num(
        x,
        nan=nan,
        posinf=info.max if posinf is None else posinf,
        neginf=info.min if neginf is None else neginf,
    )
    res = finish(NanToNumBackward0, r, (input,), save=(input,))
    return write_out(res, out, "nan_to_num") if out is not None else res


Tensor.nan_to_num = nan_to_num
Tensor.nan_to_num_ = inplace(nan_to_num, "nan_to_num_")


class Atan2Backward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        denom = a * a + b * b
        return grad * b / denom, grad * -a / denom


def atan2(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``torch.atan2(input, other)``: the angle of (other, input)."""
    x, y, d = binary(input, other)
    if d.category < 2:
        x, y = x.astype(_dtype.get_default_dtype().np), y.astype(_dtype.get_default_dtype().np)
    res = finish(Atan2Backward0, np.arctan2(x, y), (input, other), save=(input, other))
    return write_out(res, out, "atan2") if out is not None else res


arctan2 = atan2
Tensor.atan2 = Tensor.arctan2 = atan2
Tensor.atan2_ = inplace(atan2, "atan2_")


class HypotBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        out = self.saved_output
        return grad * a / out, grad * b / out


def hypot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``torch.hypot``: sqrt(input**2 + other**2) without overflow."""
    x, y, _ = binary(input, other)
    res = finish(
        HypotBackward0, np.hypot(x, y), (input, other), save=(input, other), save_output=True
    )
    return write_out(res, out, "hypot") if out is not None else res


def logit(input: Tensor, eps=None) -> Tensor:
    """``torch.logit``: log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given."""
    p = input.clamp(eps, 1 - eps) if eps is not None else input
    return (p / (1 - p)).log()


def xlogy(input, other) -> Tensor:
    """``torch.xlogy``: input * log(other), 0 where input == 0."""
    if not isinstance(input, Tensor):
        input = other.new_tensor(input)
    if not isinstance(other, Tensor):
        other = input.new_tensor(other).to(
            input.dtype if input.is_floating_point() else _dtype.get_default_dtype()
        )
    prod = input * other.log()
    return prod.masked_fill((input == 0) & ~other.isnan(), 0)


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """``torch.heaviside``."""
    x, v = input._data, values._data
    return wrap(np.heaviside(x, v).astype(x.dtype))


def copysign(input, other) -> Tensor:
    """``torch.copysign``: |input| with the sign of other (differentiable through ``input``)."""
    o = other._data if isinstance(other, Tensor) else other
    sign = np.where(np.signbit(np.asarray(o)), -1, 1)
    x = float_array(input)
    s = (
        input.abs() * wrap(sign.astype(x.dtype))
        if input.dtype is not _dtype.bool_
        else wrap(np.copysign(x, o))
    )
    return s


def deg2rad(input: Tensor) -> Tensor:
    return input * (math.pi / 180)


def rad2deg(input: Tensor) -> Tensor:
    return input * (180 / math.pi)


def positive(input: Tensor) -> Tensor:
    """``torch.positive`` (the unary ``+``): ``input`` itself; refused for bool."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


class ConjBackward0(Node):
    def backward(self, grad):
        return (grad.conj(),)


def conj(input: Tensor) -> Tensor:
    """``torch.conj``: identity for real tensors (shares memory, as PyTorch's lazy conj does)."""
    if input._data.dtype.kind != "c":
        return input
    return finish(ConjBackward0, np.conj(input._data), (input,))


def real(input: Tensor) -> Tensor:
    if input._data.dtype.kind != "c":
        return input
    return input._view_of(input._data.real)


def imag(input: Tensor) -> Tensor:
    if input._data.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return input._view_of(input._data.imag)


def angle(input: Tensor) -> Tensor:
    x = float_array(input)
    return wrap(
        np.angle(x).astype(x.real.dtype)
        if x.dtype.kind == "c"
        else np.where(x < 0, np.pi, 0).astype(x.dtype)
    )


for _fn in (hypot, logit, xlogy, heaviside, copysign, deg2rad, rad2deg, positive, conj, angle):
    setattr(Tensor, _fn.__name__, _fn)
Tensor.__pos__ = positive
Tensor.real = property(real)
Tensor.imag = property(imag)
Tensor.conj_physical = conj
Tensor.resolve_conj = lambda self: self
Tensor.resolve_neg = lambda self: self
Tensor.is_conj = lambda self: False
Tensor.is_neg = lambda self: False
