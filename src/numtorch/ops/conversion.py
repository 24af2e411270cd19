"""Copies and conversions: ``clone copy_ fill_ zero_ to type float double ... cpu``."""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._device import as_device
from .._device import device as _device_cls
from .._tensor import Tensor
from ..autograd.graph import Node
from ._base import check_inplace, finish, inplace, wrap

__all__ = ["clone"]


class CloneBackward0(Node):
    def backward(self, grad):
        return (grad,)


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """``torch.clone``: a copy that stays in the graph; like ``torch.preserve_format`` it keeps the
    layout (strides) of a dense tensor, e.g. a transposed one stays transposed."""
    return finish(CloneBackward0, input._data.copy(order="K"), (input,))


Tensor.clone = clone


class ToCopyBackward0(Node):
    def backward(self, grad):
        return (grad.to(self.input_meta[0][1]),)


def _cast(input: Tensor, dtype: _dtype.dtype, copy: bool = False) -> Tensor:
    if input._data.dtype == dtype.np and not copy:
        return input
    if dtype.category < 2 and input._data.dtype.kind in "fc":
        # PyTorch truncates toward zero; NaN/inf give unspecified values (NumPy warns, PyTorch does not)
        with np.errstate(invalid="ignore", over="ignore"):
            arr = input._data.astype(dtype.np)
    elif dtype is _dtype.bool_:
        arr = input._data != 0
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            arr = input._data.astype(dtype.np)
    if input._data.dtype.kind == "c" and dtype.category < 3:
        import warnings

        warnings.warn(
            "Casting complex values to real discards the imaginary part", UserWarning, stacklevel=3
        )
    return finish(ToCopyBackward0, arr, (input,))


def _parse_to(args, kwargs):
    """PyTorch's three ``to`` overloads: (device=None, dtype=None, non_blocking, copy),
    (dtype, non_blocking, copy) and (tensor, non_blocking, copy)."""
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    rest = list(args)
    if rest and isinstance(rest[0], Tensor):
        dtype, device = rest[0].dtype, rest[0].device
        rest.pop(0)
    elif rest and isinstance(rest[0], _dtype.dtype):
        dtype = rest.pop(0)
    elif rest and (isinstance(rest[0], (str, _device_cls, int)) and not isinstance(rest[0], bool)):
        device = rest.pop(0)
        if rest and isinstance(rest[0], _dtype.dtype):
            dtype = rest.pop(0)
    flags = [a for a in rest if isinstance(a, bool)]
    if len(flags) != len(rest) or len(flags) > 2:
        got = ", ".join(_arg_type_name(a) for a in args)
        raise TypeError(
            f"to() received an invalid combination of arguments - got ({got}), but expected one of:\n"
            " * (torch.device device = None, torch.dtype dtype = None, bool non_blocking = False, "
            "bool copy = False, *, torch.memory_format memory_format = None)\n"
            " * (torch.dtype dtype, bool non_blocking = False, bool copy = False, *, "
            "torch.memory_format memory_format = None)\n"
            " * (Tensor tensor, bool non_blocking = False, bool copy = False, *, "
            "torch.memory_format memory_format = None)\n"
        )
    if len(flags) == 2:
        copy = flags[1]
    return dtype, device, copy


def _arg_type_name(a) -> str:
    if isinstance(a, _dtype.dtype):
        return "torch.dtype"
    if isinstance(a, Tensor):
        return "Tensor"
    return type(a).__name__


def to(self: Tensor, *args, **kwargs) -> Tensor:
    """``Tensor.to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``; returns ``self``
    when nothing changes."""
    dtype, device, copy = _parse_to(args, kwargs)
    if device is not None:
        as_device(device, copy=True)
    if dtype is None:
        return clone(self) if copy else self
    return _cast(self, dtype, copy)


def _type(self: Tensor, dtype=None, non_blocking: bool = False, **kwargs):
    """``Tensor.type()`` names the legacy type (``torch.FloatTensor``); ``type(dtype)`` casts."""
    if dtype is None:
        return f"torch.{self.dtype._legacy}Tensor"
    if isinstance(dtype, str):
        name = dtype.rsplit(".", 1)[-1].removesuffix("Tensor")
        for d in _dtype.ALL_DTYPES:
            if d._legacy == name:
                dtype = d
                break
        else:
            raise ValueError(f"invalid type: '{dtype}'")
    return _cast(self, dtype)


Tensor.to = to
Tensor.type = _type
Tensor.type_as = lambda self, other: _cast(self, other.dtype)
for _name, _d in {
    "float": _dtype.float32, "double": _dtype.float64, "half": _dtype.float16, "bfloat16": _dtype.bfloat16,
    "long": _dtype.int64, "int": _dtype.int32, "short": _dtype.int16, "char": _dtype.int8,
    "byte": _dtype.uint8, "bool": _dtype.bool_, "cfloat": _dtype.complex64, "cdouble": _dtype.complex128,
}.items():  # fmt: skip
    setattr(Tensor, _name, (lambda d: lambda self, memory_format=None: _cast(self, d))(_d))


def _cpu(self: Tensor, memory_format=None) -> Tensor:
    return self


def _cuda(self: Tensor, device=None, non_blocking: bool = False, memory_format=None) -> Tensor:
    as_device(
        "cuda" if device is None else device if not isinstance(device, int) else f"cuda:{device}"
    )
    return self


Tensor.cpu = _cpu
Tensor.cuda = _cuda
Tensor.pin_memory = lambda self, device=None: self
Tensor.is_pinned = lambda self, device=None: False
Tensor.share_memory_ = lambda self: self
Tensor.is_shared = lambda self: False


# --- in-place fills and copies --------------------------------------------------------------------------------------
class CopyBackwards(Node):
    def backward(self, grad):
        src_shape = self.input_meta[1][0]
        from ..autograd.engine import _sum_to

        g_src = _sum_to(grad, tuple(src_shape)) if tuple(grad.shape) != tuple(src_shape) else grad
        return grad.new_zeros(grad.shape), g_src  # zeros, not grad * 0 (no -0.0, as PyTorch)


def _copy_op(dst: Tensor, src) -> Tensor:
    if not isinstance(src, Tensor):
        raise TypeError(
            f"copy_(): argument 'src' (position 1) must be Tensor, not {type(src).__name__}"
        )
    try:
        arr = np.broadcast_to(src._data, dst._data.shape)
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({dst.shape[-1] if dst.ndim else 1}) must match the size of tensor b ({src.shape[-1] if src.ndim else 1}) at non-singleton dimension {max(dst.ndim - 1, 0)}"
        ) from None
    arr = arr.astype(dst._data.dtype) if arr.dtype != dst._data.dtype else arr.copy()
    return finish(CopyBackwards, arr, (dst, src))


def copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """``Tensor.copy_``: copy (and broadcast, and cast) ``src`` into this tensor's memory."""
    return _copy_inplace(self, src)


_copy_inplace = inplace(_copy_op, "copy_")
Tensor.copy_ = copy_


class FillBackward0(Node):
    def backward(self, grad):
        return (grad.new_zeros(grad.shape),)


def _fill_op(self: Tensor, value) -> Tensor:
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
            )
        value = value._data
    return finish(FillBackward0, np.full(self._data.shape, value, self._data.dtype), (self,))


def _fill_(self: Tensor, value) -> Tensor:
    """``Tensor.fill_``."""
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(
            f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
        )
    check_inplace(self)
    if (
        self.grad_fn is None
        and not self._requires_grad
        and not (isinstance(value, Tensor) and value._requires_grad)
    ):
        self._data[...] = value._data if isinstance(value, Tensor) else value
        self._version[0] += 1
        return self
    return _fill_inplace(self, value)


_fill_inplace = inplace(_fill_op, "fill_")
Tensor.fill_ = _fill_
Tensor.zero_ = lambda self: self.fill_(0)
Tensor.zero_.__doc__ = "``Tensor.zero_``: fill with zeros in place."


def _resize_(self: Tensor, *sizes) -> Tensor:
    from .creation import parse_size

    shape = parse_size(sizes, "resize_")
    n = int(np.prod(shape))
    flat = self._data.reshape(-1)
    if n <= flat.size:
        self._data = flat[:n].reshape(shape)
    else:
        new = np.zeros(n, self._data.dtype)
        new[: flat.size] = flat
        self._data = new.reshape(shape)
    return self


Tensor.resize_ = _resize_
Tensor.resize_as_ = lambda self, other: _resize_(self, other.shape)
Tensor.untyped_storage = lambda self: wrap(self._data)
