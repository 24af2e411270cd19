"""Shared machinery for every op: operand conversion, type promotion, graph recording, ``out=``
and in-place variants. Written once here so each op file holds only its forward and backward.

NOTE [ Op anatomy ]
An op is a function that (1) turns its operands into arrays of the result dtype (``binary``/
``unary_float``...), (2) computes the result with NumPy, (3) calls ``finish`` which wraps the array
and, when grad mode is on and an input requires grad, records the op's ``Node`` subclass (its
backward) with what it saved. The engine undoes broadcasting and promotion in gradients, so a
backward returns gradients shaped like the op's result.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.graph import Node, adopt_saved_output, move_retains_grad, record

# NOTE [ Floating-point warnings ]: PyTorch computes inf and NaN silently; NumPy warns
# ("overflow encountered in multiply"). The filter ignores NumPy's RuntimeWarnings raised inside
# numtorch's own modules only (a user's NumPy code keeps its warnings) and costs nothing until a
# warning is raised, unlike an ``np.errstate`` around every op.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"numtorch\.")

_PY_SCALARS = (int, float, bool, complex)


def is_scalar(x) -> bool:
    return isinstance(x, _PY_SCALARS) or isinstance(x, numbers.Number) and not isinstance(x, Tensor)


def as_py_scalar(x):
    """Python numbers stay as they are; NumPy scalars become Python numbers (weak types)."""
    if isinstance(x, (np.generic,)):
        return x.item()
    return x


def to_array(x: np.ndarray | np.generic) -> np.ndarray:
    """NumPy returns scalars from 0-d computations; tensors always hold arrays."""
    return x if type(x) is np.ndarray else np.asarray(x)


def wrap(array) -> Tensor:
    return Tensor._make(array if type(array) is np.ndarray else np.asarray(array))


def needs_grad(*tensors) -> bool:
    if not grad_mode.enabled:
        return False
    for t in tensors:
        if t is not None and t._requires_grad:
            return True
    return False


# NOTE [ Hot path ]: at small sizes an op costs its Python overhead, not its arithmetic
# (bench/bench_ops.py). On the path every op takes (binary, finish, Tensor._make) each attribute
# lookup and call counts: no graph work unless grad mode is on and an input requires grad, no
# keyword dicts when a node attribute has its default, ``Tensor._make`` initialises slots inline.
def finish(node_cls, array, inputs, save=None, save_output=False, **attrs) -> Tensor:
    """Wrap ``array`` as the op's result and record ``node_cls`` if any input requires grad.

    ``inputs`` are the differentiable operands (tensors, or None for non-tensor operands) in the
    order the node's backward returns gradients. ``save`` is what backward needs (checked for
    in-place changes when unpacked); ``attrs`` become attributes of the node.
    """
    out = Tensor._make(array if type(array) is np.ndarray else np.asarray(array))
    if grad_mode.enabled:
        for t in inputs:
            if t is not None and t._requires_grad:
                break
        else:
            return out
        if out._data.dtype.kind not in "fcV":  # integer/bool results are not differentiable
            return out
        node = node_cls()
        if attrs:
            node.__dict__.update(attrs)
        if save is not None:
            node.save_for_backward(*save)
        record(node, (out,), inputs)
        if save_output:
            node.save_output(out)
    return out


# --- operand conversion and promotion ------------------------------------------------------------
def tensor_operand(x) -> Tensor | None:
    return x if isinstance(x, Tensor) else None


def binary(input, other):
    """Arrays of ``input`` and ``other`` in their promoted dtype (``torch.result_type``).

    Returns (x, y, dtype) where y may be a Python number: NumPy (NEP 50) treats it as weakly typed,
    exactly like PyTorch's wrapped numbers, once the tensor side holds the result dtype.
    """
    if not isinstance(input, Tensor):
        if isinstance(other, Tensor):
            y, x, d = binary(other, input)
            return x, y, d
        raise BadOperand(
            f"unsupported operand types: {type(input).__name__} and {type(other).__name__}"
        )
    x = input._data
    if isinstance(other, Tensor):
        y = other._data
        if x.shape != y.shape:
            check_broadcast(x.shape, y.shape)
        if x.dtype == y.dtype:
            return x, y, _dtype._BY_NP[x.dtype]
        d = _dtype.binary_result_dtype(
            input.dtype, x.ndim == 0, other.dtype, 1 if y.ndim == 0 else 0
        )
        npd = d.np
        return (x if x.dtype == npd else x.astype(npd)), (y if y.dtype == npd else y.astype(npd)), d
    if not is_scalar(other):
        if isinstance(other, np.ndarray):  # PyTorch treats an ndarray operand as a tensor
            return binary(input, Tensor._make(other))
        raise BadOperand(_bad_operand(other))
    other = as_py_scalar(other)
    d = _dtype.binary_result_dtype(input.dtype, x.ndim == 0, _dtype.scalar_dtype(other), 2)
    if x.dtype != d.np:
        x = x.astype(d.np)
    if d is _dtype.bool_ and not isinstance(other, bool):
        other = bool(other)
    elif d is _dtype.bfloat16:  # ml_dtypes has no weak scalars: bfloat16 + 2.0 would be float32
        other = d.np.type(other)
    elif type(other) is int and d in _INT_BOUNDS:
        low, high = _INT_BOUNDS[d]
        if not low <= other <= high:  # PyTorch casts the number to the result dtype: it wraps
            other = np.array(other).astype(d.np)
    return x, other, d


_INT_BOUNDS = {
    d: (int(np.iinfo(d.np).min), int(np.iinfo(d.np).max))
    for d in (_dtype.uint8, _dtype.int8, _dtype.int16, _dtype.int32, _dtype.int64)
}


def check_broadcast(a: tuple, b: tuple) -> None:
    """PyTorch's error for shapes that do not broadcast (NumPy's text differs)."""
    n = max(len(a), len(b))
    for i in range(1, n + 1):
        sa = a[-i] if i <= len(a) else 1
        sb = b[-i] if i <= len(b) else 1
        if sa != sb and sa != 1 and sb != 1:
            raise RuntimeError(
                f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) at "
                f"non-singleton dimension {n - i}"
            )


class BadOperand(TypeError):
    """An operand that is neither a tensor nor a number (NOTE [ Operator operands ])."""


def _bad_operand(other) -> str:
    return f"unsupported operand type(s): 'Tensor' and '{type(other).__name__}'"


_CPP_TYPE_NAMES = {
    "bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int",
    "int32": "int", "int64": "long int", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
    "float32": "float", "float64": "double", "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}  # fmt: skip


def cpp_type_name(d: _dtype.dtype) -> str:
    """The C++ type PyTorch names in some dtype errors ("expected ... float ... but got double")."""
    return _CPP_TYPE_NAMES[d.name]


def float_operands(input, other):
    """Both operands as arrays (or a Python number) for ops that compute integer inputs in the
    default float dtype (true division, atan2...): each operand is converted from its *own* dtype,
    as PyTorch does, not through the integer result type (uint8 with an int8 -1 stays -1.0).
    Returns (x, y, numpy dtype of the result)."""
    x, y, d = binary(input, other)
    if d.category >= 2:
        return x, y, d.np
    f = _dtype.get_default_dtype().np

    def convert(t):
        return t._data.astype(f) if isinstance(t, Tensor) else as_py_scalar(t)

    return convert(input), convert(other), f


def float_array(t: Tensor) -> np.ndarray:
    """``t``'s data, promoted to the default float dtype if it is integral (for exp, sqrt, /...)."""
    x = t._data
    if x.dtype.kind in "biu":
        return x.astype(_dtype.get_default_dtype().np)
    return x


def as_tensor_arg(x, name: str = "input") -> Tensor:
    if isinstance(x, Tensor):
        return x
    raise TypeError(
        f"{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}"
    )


# --- out= and in-place -----------------------------------------------------------------------------
def write_out(result: Tensor, out: Tensor, name: str) -> Tensor:
    """``out=``: copy the result into ``out`` (resized if needed), as PyTorch's out variants do."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if grad_mode.enabled and (result._requires_grad or out._requires_grad):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad."
        )
    src = result._data
    if not np.can_cast(src.dtype, out._data.dtype, casting="same_kind") and src.dtype.kind != "b":
        raise RuntimeError(
            f"result type {result.dtype._legacy} can't be cast to the desired output type {out.dtype._legacy}"
        )
    if out._data.shape != src.shape:
        if out._data.size != 0:
            import warnings

            warnings.warn(
                f"An output with one or more elements was resized since it had shape {list(out._data.shape)}, "
                "which does not match the required output shape "
                f"{list(src.shape)}. This behavior is deprecated, and in a future PyTorch release outputs "
                "will not be resized unless they have zero elements. You can explicitly reuse an out "
                "tensor t by resizing it, inplace, to zero elements with t.resize_(0).",
                UserWarning,
                stacklevel=3,
            )
        out._data = np.empty(src.shape, out._data.dtype)
    np.copyto(out._data, src, casting="unsafe")
    out._version[0] += 1
    return out


_LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."


def check_inplace(self: Tensor) -> None:
    if not grad_mode.enabled:
        return
    if self._requires_grad and self.grad_fn is None:
        raise RuntimeError(_LEAF_INPLACE)
    base = self._base
    if base is not None and base._requires_grad and base.grad_fn is None:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation."
        )
    fn = self.grad_fn
    if base is not None and fn is not None and getattr(fn, "n_outputs", 1) > 1:
        raise RuntimeError(  # split/chunk/unbind views: PyTorch cannot rebase one of several
            f"Output {self._output_nr} of {fn.name().removesuffix('Backward0')} is a view and is "
            "being modified inplace. This view is the output of a function that returns multiple "
            "views. Such functions do not allow the output views to be modified inplace. You should "
            "replace the inplace operation by an out-of-place one."
        )


def inplace(op, name: str):
    """Make the in-place variant ``name`` (e.g. ``add_``) of out-of-place ``op``.

    The result is computed out of place (on a snapshot of ``self`` when autograd records, so the
    op's saved inputs keep the old values), cast to ``self``'s dtype, written into ``self``'s
    memory, and ``self`` takes the op's node as its new history.
    """

    def method(self, *args, **kwargs):
        check_inplace(self)
        recording = grad_mode.enabled and (
            self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)
        )
        if recording:
            snapshot = _snapshot(self)
            result = op(snapshot, *args, **kwargs)
        else:
            result = op(self, *args, **kwargs)
        assign_inplace(self, result, name)
        if recording:
            rebase_history(self, result)
        return self

    method.__name__ = name
    method.__qualname__ = f"Tensor.{name}"
    method.__doc__ = f"In-place version of :meth:`Tensor.{op.__name__}` (``torch.Tensor.{name}``)."
    return method


def _snapshot(t: Tensor) -> Tensor:
    snap = Tensor._make(t._data.copy())
    snap.grad_fn, snap._output_nr, snap._requires_grad = t.grad_fn, t._output_nr, t._requires_grad
    if t._requires_grad and t.grad_fn is None:
        snap._grad_acc = t._grad_acc
    return snap


def assign_inplace(self: Tensor, result: Tensor, name: str) -> None:
    src, dst = result._data, self._data
    if src.shape != dst.shape:  # PyTorch checks the shape before the dtype
        try:
            np.broadcast_shapes(src.shape, dst.shape) == dst.shape or _raise_broadcast(
                src.shape, dst.shape
            )
        except ValueError:
            _raise_broadcast(src.shape, dst.shape)
    if src.dtype != dst.dtype:
        if (
            dst.dtype.kind in "biu"
            and src.dtype.kind in "fc"
            or dst.dtype.kind == "b"
            and src.dtype.kind != "b"
        ):
            raise RuntimeError(
                f"result type {result.dtype._legacy} can't be cast to the desired output type {self.dtype._legacy}"
            )
    np.copyto(dst, src, casting="unsafe")
    self._version[0] += 1


def _raise_broadcast(src, dst):
    raise RuntimeError(
        f"output with shape [{', '.join(map(str, dst))}] doesn't match the broadcast shape "
        f"[{', '.join(map(str, src))}]"
    )


def rebase_history(self: Tensor, result: Tensor) -> None:
    """``self`` now holds ``result``'s values: it takes over ``result``'s history."""
    if result.grad_fn is None:
        return
    old_fn, old_nr = self.grad_fn, self._output_nr
    if self._base is not None:
        from ..autograd.views import rebase_view

        rebase_view(self, result)
        move_retains_grad(self, old_fn, old_nr)
        return
    node = result.grad_fn
    if result._data.dtype != self._data.dtype or result._data.shape != self._data.shape:
        from .arithmetic import _cast_like

        result = _cast_like(result, self)
        node = result.grad_fn
    self.grad_fn = node
    self._output_nr = result._output_nr
    self._requires_grad = True
    adopt_saved_output(node, self)
    move_retains_grad(self, old_fn, old_nr)


class NotDifferentiable(Node):
    """PyTorch's ``NotImplemented`` node, recorded by ops that have no derivative formula
    (``floor_divide``, ``remainder(number, tensor)``): the forward runs, backward raises."""

    op = "unknown"  # the aten op named in the error
    message = "derivative for aten::{op} is not implemented"
    error = RuntimeError

    def name(self) -> str:
        return "torch::autograd::NotImplemented"

    def backward(self, grad):
        raise self.error(self.message.format(op=self.op))


NotDifferentiable.__name__ = NotDifferentiable.__qualname__ = "NotImplemented"


def method(name: str | None = None, *, function: bool = True):
    """Attach the decorated op to ``Tensor`` as a method (named ``name`` or the function's name)."""

    def deco(fn):
        setattr(Tensor, name or fn.__name__, fn)
        return fn

    return deco
