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
from ._base import (
    NotDifferentiable,
    binary,
    check_broadcast,
    cpp_type_name,
    finish,
    float_array,
    float_operands,
    inplace,
    wrap,
    write_out,
)

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
    return np.asarray(np.frompyfunc(fn, 1, 1)(x.astype(np.float64))).astype(x.dtype)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # 1 / (1 + exp(-x)) without overflow warnings for large negative x.
    with np.errstate(over="ignore"):
        out = np.asarray(np.exp(-x))
        out += 1
        return np.reciprocal(out, out=out)


def _sign(x: np.ndarray) -> np.ndarray:
    # PyTorch's (0 < x) - (x < 0): NaN gives 0 (NumPy's sign gives NaN)
    if x.dtype.kind == "f" or x.dtype.kind == "V":
        return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)
    return np.sign(x)


def _relu(x: np.ndarray) -> np.ndarray:
    """max(x, 0), computed as max(x, zeros) into those zeros: NumPy's SIMD loop serves only
    array-array operands, so this runs 2-3x faster than ``np.maximum(x, 0)``, bit for bit alike."""
    if x.dtype.kind == "b":
        return x
    result = np.zeros_like(x)
    return np.maximum(x, result, out=result)


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
    "sigmoid": (_sigmoid, "y", lambda g, y: g * (1 - y) * y, True),  # PyTorch's order (same rounding)
    "erf": (_erf, "x", lambda g, x: g * _TWO_OVER_SQRT_PI * (-x * x).exp(), True),
    "erfc": (_erfc, "x", lambda g, x: g * -_TWO_OVER_SQRT_PI * (-x * x).exp(), True),
    "erfinv": (_erfinv, "y", lambda g, y: g * (math.sqrt(math.pi) / 2) * (y * y).exp(), True),
    "relu": (_relu, "y", lambda g, y: g * (y > 0).to(g.dtype), False),
    "sign": (_sign, None, lambda g, _: g * 0, False),
    "floor": (np.floor, None, lambda g, _: g * 0, False),
    "ceil": (np.ceil, None, lambda g, _: g * 0, False),
    "trunc": (np.trunc, None, lambda g, _: g * 0, False),
    "frac": (lambda x: x - np.trunc(x), None, lambda g, _: g, False),
}  # fmt: skip

_NODE_NAMES = {"log1p": "Log1PBackward0"}


def _check_integer_input(name: str, input: Tensor) -> bool:
    """PyTorch's rules for integer and bool inputs of the non-promoting ops; True means the result
    is the input's values (rounding an integer changes nothing)."""
    kind = input._data.dtype.kind
    if kind not in "biu":
        return False
    if name == "frac":
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{input.dtype._legacy}'")
    if name == "relu" and kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    if name in ("floor", "ceil", "trunc"):
        if kind == "b":
            raise NotImplementedError(f"\"{name}_vml_cpu\" not implemented for 'Bool'")
        return True
    return name == "sign" and kind == "b"


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
        if not promotes and _check_integer_input(name, input):
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
                          "relu_", "sigmoid_", "exp_", "heaviside", "copysign", "isclose"]  # fmt: skip
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
    if x.dtype.kind == "c":
        r = np.where(x == 0, 0, x / np.where(x == 0, 1, np.abs(x))).astype(x.dtype)
    else:
        r = x.copy() if x.dtype.kind == "b" else _sign(x)
    res = finish(SgnBackward0, r, (input,))
    return write_out(res, out, "sgn") if out is not None else res


class RoundBackward0(Node):
    def backward(self, grad):
        return (grad * 0,)


class RoundBackward1(RoundBackward0):  # round(decimals=...)
    pass


def round(input: Tensor, *, decimals: int | None = None, out=None) -> Tensor:
    """``torch.round``: half to even, optionally to ``decimals`` places (then computed as PyTorch
    does: scaled by 10**decimals, rounded, scaled back)."""
    x = input._data
    kind = x.dtype.kind
    if kind == "b":
        raise NotImplementedError("\"round_vml_cpu\" not implemented for 'Bool'")
    if decimals is None:
        r = x.copy() if kind in "iu" else np.round(x)
    elif kind in "iu":
        raise NotImplementedError(f"\"round_cpu\" not implemented for '{input.dtype._legacy}'")
    else:
        ten = x.dtype.type(10.0)
        if decimals >= 0:
            scale = ten ** x.dtype.type(decimals)
            r = np.round(x * scale) / scale
        else:  # negative decimals divide first, as c10 does, so the scale stays exact
            scale = ten ** x.dtype.type(-decimals)
            r = np.round(x / scale) * scale
    res = finish(RoundBackward0 if decimals is None else RoundBackward1, r, (input,))
    return write_out(res, out, "round") if out is not None else res


# --- clamp ----------------------------------------------------------------------------------------
class ClampBackward1(Node):  # number bounds: the gradient passes where min <= x <= max
    def backward(self, grad):
        (x,) = self.saved_tensors
        inside = None
        if self.min is not None:
            inside = x >= self.min
        if self.max is not None:
            upper = x <= self.max
            inside = upper if inside is None else inside & upper
        return (grad.masked_fill(~inside, 0),)


ClampMinBackward0 = type("ClampMinBackward0", (ClampBackward1,), {"__module__": __name__})
ClampMaxBackward0 = type("ClampMaxBackward0", (ClampBackward1,), {"__module__": __name__})


class ClampBackward0(Node):  # tensor bounds (PyTorch's clamp_backward_min_max)
    def backward(self, grad):
        x, lo, hi = self.saved_tensors
        g_x = g_lo = g_hi = None
        if lo is not None and hi is not None:
            g_x = grad.masked_fill(~((x >= lo) & (x <= hi)), 0)
            g_lo = grad.masked_fill(~((x < lo) & (lo < hi)), 0)
            g_hi = grad.masked_fill(~((x > hi) | (hi < lo)), 0)
        elif lo is not None:
            g_x, g_lo = grad.masked_fill(~(x >= lo), 0), grad.masked_fill(~(x < lo), 0)
        else:
            g_x, g_hi = grad.masked_fill(~(x <= hi), 0), grad.masked_fill(~(x > hi), 0)
        return g_x, g_lo, g_hi


ClampMinBackward1 = type("ClampMinBackward1", (ClampBackward0,), {"__module__": __name__})
ClampMaxBackward1 = type("ClampMaxBackward1", (ClampBackward0,), {"__module__": __name__})

_C_INT_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
                "int64": "int64_t"}  # fmt: skip


def _clamp_tensor_bounds(input: Tensor, min, max, node_cls) -> Tensor:
    tensors = [t for t in (input, min, max) if t is not None]
    d = _dtype.result_dtype(
        [t.dtype for t in tensors if t._data.ndim],
        [t.dtype for t in tensors if not t._data.ndim],
        [],
    )
    r = input._data.astype(d.np, copy=False)
    with np.errstate(invalid="ignore"):
        if min is not None:
            r = np.maximum(r, min._data.astype(d.np, copy=False))  # NaN bounds propagate
        if max is not None:
            r = np.minimum(r, max._data.astype(d.np, copy=False))
    r = np.asarray(r)
    if r is input._data:
        r = r.copy()
    return finish(node_cls, r, (input, min, max), save=(input, min, max))


def _clamp_number_bounds(input: Tensor, min, max, node_cls) -> Tensor:
    d = _dtype.result_dtype(
        [input.dtype] if input._data.ndim else [],
        [] if input._data.ndim else [input.dtype],
        [_dtype.scalar_dtype(v) for v in (min, max) if v is not None],
    )
    if d.category == 1:  # c10's checked_convert: unsigned types accept (and wrap) -max..-1 too
        info = np.iinfo(d.np)
        low = -int(info.max) if info.min == 0 else int(info.min)
        bounds = []
        for v in (min, max):
            if v is not None and not low <= v <= info.max:
                raise RuntimeError(
                    f"value cannot be converted to type {_C_INT_NAMES[d.name]} without overflow"
                )
            bounds.append(None if v is None else np.array(v).astype(d.np))
        min, max = bounds
    x = input._data.astype(d.np, copy=False)
    if any(isinstance(v, float) and math.isnan(v) for v in (min, max)):
        r = np.full_like(x, np.nan)
    else:
        r = x
        with np.errstate(invalid="ignore"):
            if min is not None:
                r = np.maximum(r, min)
            if max is not None:
                r = np.minimum(r, max)
        r = np.asarray(r).astype(d.np, copy=False)
        if r is x:
            r = x.copy()
    return finish(node_cls, r, (input,), save=(input,), min=min, max=max)


def clamp(input: Tensor, min=None, max=None, *, out=None) -> Tensor:
    """``torch.clamp(input, min=None, max=None)`` (alias ``clip``): both bounds numbers or both
    tensors; NaN inputs stay NaN, a NaN bound gives NaN, and min > max gives max everywhere."""
    return _clamp(input, min, max, out, "clamp", ClampBackward1, ClampBackward0)


def _clamp(input, min, max, out, name, number_node, tensor_node):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    min_is_tensor, max_is_tensor = isinstance(min, Tensor), isinstance(max, Tensor)
    if min_is_tensor or max_is_tensor:
        if (min is not None and not min_is_tensor) or (max is not None and not max_is_tensor):
            raise TypeError(
                f"{name}() received an invalid combination of arguments - got (Tensor, "
                f"{type(min).__name__}, {type(max).__name__}), but expected both bounds to be "
                "numbers or both tensors"
            )
        res = _clamp_tensor_bounds(input, min, max, tensor_node)
    else:
        res = _clamp_number_bounds(input, min, max, number_node)
    return write_out(res, out, name) if out is not None else res


clip = clamp


def clamp_min(input: Tensor, min, *, out=None) -> Tensor:
    """``torch.clamp_min``."""
    return _clamp(input, min, None, out, "clamp_min", ClampMinBackward0, ClampMinBackward1)


def clamp_max(input: Tensor, max, *, out=None) -> Tensor:
    """``torch.clamp_max``."""
    return _clamp(input, None, max, out, "clamp_max", ClampMaxBackward0, ClampMaxBackward1)


for _name, _fn in {"clamp": clamp, "clip": clamp, "clamp_min": clamp_min, "clamp_max": clamp_max,
                   "sgn": sgn, "round": round}.items():  # fmt: skip
    setattr(Tensor, _name, _fn)
    setattr(Tensor, _name + "_", inplace(_fn, _name + "_"))


# --- where / lerp ------------------------------------------------------------------------------------
class WhereBackward0(Node):
    def backward(self, grad):
        (cond,) = self.saved_tensors
        zero = grad.new_zeros(())
        return grad.where(cond, zero), zero.where(cond, grad)


# NOTE [ Branchless select ]
# NumPy's ``where`` (and ``copyto(where=)``) takes a branch per element; with a random condition,
# as an activation's ``x > 0`` is, half of them mispredict: a 64×32×26×26 float32 select took 5 ms
# on a 2-core x86 machine, against 0.7 ms for the bitwise blend ``b ^ ((a ^ b) & mask)`` over the
# same bits (mask: all ones where the condition holds). It copies bit patterns, so the result is
# identical (NaN payloads, -0.0); dtypes without an unsigned twin of their width go to ``np.where``.
_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def select(condition: np.ndarray, a, b) -> np.ndarray:
    """``np.where(condition, a, b)`` (same result and dtype), without branches (NOTE [ Branchless
    select ]); ``a``/``b`` may be arrays or scalars, ``condition`` a bool array of the result shape."""
    dtype = np.result_type(a, b)
    a, b = np.asarray(a, dtype), np.asarray(b, dtype)
    unsigned = _UNSIGNED.get(dtype.itemsize) if dtype.kind in "biufcV" else None
    if (
        unsigned is None
        or condition.dtype != np.bool_
        or condition.shape != np.broadcast_shapes(condition.shape, a.shape, b.shape)
    ):
        return np.where(condition, a, b)
    mask = condition.astype(unsigned)
    np.negative(mask, out=mask)  # 1 → all bits set
    bits_b = b.view(unsigned)
    np.bitwise_and(mask, np.bitwise_xor(a.view(unsigned), bits_b), out=mask)
    mask ^= bits_b
    return mask.view(dtype)


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
    shape = np.broadcast_shapes(np.shape(x), np.shape(y))
    if condition._data.shape != shape:
        check_broadcast(condition._data.shape, shape)
    r = select(condition._data, x, y)  # a broadcast condition falls back to np.where inside
    if r.dtype != d.np:
        r = r.astype(d.np)
    # the condition is no input of the node: PyTorch's next_functions are (input, other)
    res = finish(WhereBackward0, r, (_t(input), _t(other)), save=(condition,))
    return write_out(res, out, "where") if out is not None else res


def _t(x):
    return x if isinstance(x, Tensor) else None


Tensor.where = lambda self, condition, other: where(condition, self, other)


class LerpBackward0(Node):  # scalar weight
    def backward(self, grad):
        w = self.weight
        return grad * (1 - w), grad * w


class LerpBackward1(Node):  # tensor weight
    def backward(self, grad):
        start, end, weight = self.saved_tensors
        return grad * (1 - weight), grad * weight, grad * (end - start)


def _lerp_array(start, end, weight):
    """PyTorch's two-sided formula: exact at both ends (weight 0 gives start, 1 gives end)."""
    diff = end - start
    return np.where(np.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))


def lerp(input: Tensor, end: Tensor, weight, *, out=None) -> Tensor:
    """``torch.lerp``: input + weight * (end - input); ``input``, ``end`` (and a tensor ``weight``)
    must share a dtype."""
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t.dtype is not input.dtype:
            raise RuntimeError(
                f"expected dtype {cpp_type_name(input.dtype)} for `{name}` but got dtype "
                f"{cpp_type_name(t.dtype)}"
            )
    x, y = input._data, end._data
    if x.shape != y.shape:
        check_broadcast(x.shape, y.shape)
    if isinstance(weight, Tensor):
        r = _lerp_array(x, y, weight._data).astype(x.dtype, copy=False)
        res = finish(LerpBackward1, r, (input, end, weight), save=(input, end, weight))
    else:
        r = _lerp_array(x, y, x.dtype.type(weight)).astype(x.dtype, copy=False)
        res = finish(LerpBackward0, r, (input, end), weight=weight)
    return write_out(res, out, "lerp") if out is not None else res


Tensor.lerp = lerp
Tensor.lerp_ = inplace(lerp, "lerp_")


# --- predicates and small helpers ----------------------------------------------------------------
def _predicate(fn, name, integer_value: bool):
    def op(input: Tensor) -> Tensor:
        x = input._data
        if x.dtype.kind in "biu":  # integers are finite and real: a constant, or the sign
            if name == "signbit":
                return wrap(x < 0 if x.dtype.kind == "i" else np.zeros(x.shape, bool))
            return wrap(np.full(x.shape, integer_value))
        return wrap(fn(x))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``torch.{name}``: a bool tensor."
    setattr(Tensor, name, op)
    return op


isnan = _predicate(np.isnan, "isnan", False)
isinf = _predicate(np.isinf, "isinf", False)
isfinite = _predicate(np.isfinite, "isfinite", True)
isposinf = _predicate(np.isposinf, "isposinf", False)
isneginf = _predicate(np.isneginf, "isneginf", False)
signbit = _predicate(np.signbit, "signbit", False)


def isreal(input: Tensor) -> Tensor:
    """``torch.isreal``: True where the imaginary part is 0 (everywhere for real dtypes)."""
    x = input._data
    return wrap(np.imag(x) == 0 if x.dtype.kind == "c" else np.ones(x.shape, bool))


def isclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """``torch.isclose``: |input - other| <= atol + rtol * |other|, elementwise (same dtypes;
    infinities are close only to themselves; NaN only with ``equal_nan``)."""
    if not isinstance(other, Tensor):
        raise TypeError(
            f"isclose(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}"
        )
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype._legacy} did not match {other.dtype._legacy}")
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value < 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {value}")
    x, y = input._data, other._data
    if x.shape != y.shape:
        check_broadcast(x.shape, y.shape)
    close = np.asarray(x == y)
    floating = x.dtype.kind in "fcV"
    if equal_nan and floating:
        close = close | (np.isnan(x) & np.isnan(y))
    if rtol or atol:
        if not floating:  # integers are compared in the default float dtype, as PyTorch does
            f = _dtype.get_default_dtype().np
            x, y = x.astype(f), y.astype(f)
        with np.errstate(invalid="ignore", over="ignore"):
            error = np.abs(x - y)
            close = close | (np.isfinite(error) & (error <= atol + rtol * np.abs(y)))
    return wrap(close)


Tensor.isclose = isclose


class NanToNumBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * x.isfinite(),)  # PyTorch's formula: an infinite grad there gives NaN


def nan_to_num(input: Tensor, nan: float = 0.0, posinf=None, neginf=None, *, out=None) -> Tensor:
    """``torch.nan_to_num``: NaN → ``nan``, ±inf → the dtype's extremes (or the values given)."""
    x = input._data
    if x.dtype.kind in "biu":
        res = wrap(x.copy())
    else:
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


def _require_tensor(other, name: str, position: int) -> None:
    if not isinstance(other, Tensor):
        raise TypeError(
            f"{name}(): argument 'other' (position {position}) must be Tensor, not "
            f"{type(other).__name__}"
        )


def atan2(input: Tensor, other: Tensor, *, out=None, _position: int = 2) -> Tensor:
    """``torch.atan2(input, other)``: the angle of (other, input)."""
    _require_tensor(other, "atan2", _position)
    x, y, f = float_operands(input, other)
    r = np.asarray(np.arctan2(x, y)).astype(f, copy=False)
    res = finish(Atan2Backward0, r, (input, other), save=(input, other))
    return write_out(res, out, "atan2") if out is not None else res


arctan2 = atan2
Tensor.atan2 = Tensor.arctan2 = lambda self, other, *, out=None: atan2(
    self, other, out=out, _position=1
)
Tensor.atan2_ = inplace(atan2, "atan2_")


class HypotBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        out = self.saved_output
        return grad * a / out, grad * b / out


def hypot(input: Tensor, other: Tensor, *, out=None, _position: int = 2) -> Tensor:
    """``torch.hypot``: sqrt(input**2 + other**2) without overflow."""
    _require_tensor(other, "hypot", _position)
    x, y, _ = binary(input, other)
    res = finish(
        HypotBackward0, np.hypot(x, y), (input, other), save=(input, other), save_output=True
    )
    return write_out(res, out, "hypot") if out is not None else res


class LogitBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        g = grad / (x * (1 - x))
        if self.eps is not None:
            g = g.masked_fill((x < self.eps) | (x > 1 - self.eps), 0)
        return (g,)


def logit(input: Tensor, eps=None, *, out=None) -> Tensor:
    """``torch.logit``: log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given."""
    x = float_array(input)
    if eps is not None:
        x = np.clip(x, eps, 1 - eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.log(x / (1 - x))
    res = finish(LogitBackward0, r, (input,), save=(input,), eps=eps)
    return write_out(res, out, "logit") if out is not None else res


class XlogyBackward0(Node):  # tensor, tensor
    def backward(self, grad):
        x, y = self.saved_tensors
        gx = grad * (x != 0).to(grad.dtype).xlogy(y) if self.next_functions[0][0] else None
        gy = grad * x / y if self.next_functions[1][0] else None
        return gx, gy


class XlogyBackward1(Node):  # number, tensor
    def backward(self, grad):
        (y,) = self.saved_tensors
        return (grad * self.self_value / y,)


class XlogyBackward2(Node):  # tensor, number
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * (x != 0).to(grad.dtype).xlogy(self.other_value),)


def xlogy(input, other, *, out=None) -> Tensor:
    """``torch.xlogy``: input * log(other), and 0 where input == 0 (unless other is NaN)."""
    x, y, f = float_operands(input, other)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where((x == 0) & ~np.isnan(y), 0, x * np.log(y)).astype(f)
    if not isinstance(input, Tensor):
        res = finish(XlogyBackward1, r, (other,), save=(other,), self_value=input)
    elif not isinstance(other, Tensor):
        res = finish(XlogyBackward2, r, (input,), save=(input,), other_value=other)
    else:
        res = finish(XlogyBackward0, r, (input, other), save=(input, other))
    return write_out(res, out, "xlogy") if out is not None else res


def heaviside(input: Tensor, values: Tensor, *, out=None) -> Tensor:
    """``torch.heaviside``: 0 below zero, 1 above, ``values`` at zero; no derivative."""
    if input.dtype is not values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    x, v = input._data, values._data
    r = np.where(x == 0, v, (x > 0)).astype(x.dtype)
    res = finish(NotDifferentiable, r, (input, values), op="heaviside")
    return write_out(res, out, "heaviside") if out is not None else res


class CopysignBackward0(Node):  # tensor sign source
    def backward(self, grad):
        (x,) = self.saved_tensors
        ratio = (self.saved_output / x).masked_fill(x == 0, 0)
        return grad * ratio, (grad * 0 if self.next_functions[1][0] is not None else None)


class CopysignBackward1(Node):  # number sign source
    def backward(self, grad):
        (x,) = self.saved_tensors
        return (grad * (self.saved_output / x).masked_fill(x == 0, 0),)


def copysign(input, other, *, out=None) -> Tensor:
    """``torch.copysign``: |input| with the sign of ``other`` (integers give floats)."""
    x, y, f = float_operands(input, other)
    r = np.asarray(np.copysign(x, y)).astype(f, copy=False)
    if isinstance(other, Tensor):
        res = finish(CopysignBackward0, r, (input, other), save=(input,), save_output=True)
    else:
        res = finish(CopysignBackward1, r, (input,), save=(input,), save_output=True)
    return write_out(res, out, "copysign") if out is not None else res


class Deg2RadBackward0(Node):
    def backward(self, grad):
        return (grad * self.factor,)


Rad2DegBackward0 = type("Rad2DegBackward0", (Deg2RadBackward0,), {"__module__": __name__})


def deg2rad(input: Tensor, *, out=None) -> Tensor:
    """``torch.deg2rad`` (integers give the default float dtype)."""
    x = float_array(input)
    factor = math.pi / 180
    res = finish(Deg2RadBackward0, x * x.dtype.type(factor), (input,), factor=factor)
    return write_out(res, out, "deg2rad") if out is not None else res


def rad2deg(input: Tensor, *, out=None) -> Tensor:
    """``torch.rad2deg``."""
    x = float_array(input)
    factor = 180 / math.pi
    res = finish(Rad2DegBackward0, x * x.dtype.type(factor), (input,), factor=factor)
    return write_out(res, out, "rad2deg") if out is not None else res


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


for _fn in (logit, xlogy, heaviside, copysign, deg2rad, rad2deg, positive, conj, angle,
            isreal):  # fmt: skip
    setattr(Tensor, _fn.__name__, _fn)
Tensor.hypot = lambda self, other, *, out=None: hypot(self, other, out=out, _position=1)
for _fn in (hypot, logit, xlogy, copysign, deg2rad, rad2deg, heaviside):
    setattr(Tensor, _fn.__name__ + "_", inplace(_fn, _fn.__name__ + "_"))
Tensor.__pos__ = positive
Tensor.real = property(real)
Tensor.imag = property(imag)
Tensor.conj_physical = conj
Tensor.resolve_conj = lambda self: self
Tensor.resolve_neg = lambda self: self
Tensor.is_conj = lambda self: False
Tensor.is_neg = lambda self: False
