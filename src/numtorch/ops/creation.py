"""Creation: ``tensor as_tensor from_numpy empty zeros ones full eye arange linspace logspace``,
the ``*_like`` family and ``Tensor.new_*``."""

from __future__ import annotations

import builtins
import math

import numpy as np

from .. import _dtype
from .._device import as_device
from .._size import Size
from .._tensor import Tensor
from ._base import wrap

__all__ = [
    "tensor", "as_tensor", "asarray", "from_numpy", "frombuffer", "empty", "zeros", "ones", "full",
    "eye", "arange", "range", "linspace", "logspace", "empty_like", "zeros_like", "ones_like",
    "full_like", "scalar_tensor", "empty_strided", "complex", "polar", "tril_indices", "triu_indices",
]  # fmt: skip

_builtin_range = range


def parse_size(args, name: str) -> tuple:
    """Sizes as varargs, a tuple/list or a Size; PyTorch's TypeError for anything else."""
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        args = tuple(args[0])
    sizes = []
    for i, s in enumerate(args):
        if isinstance(s, bool) or not isinstance(s, int):
            if isinstance(s, Tensor) and s.numel() == 1 and not s.is_floating_point():
                s = int(s)
            elif hasattr(s, "__index__") and not isinstance(s, (float, bool)):
                s = s.__index__()
            else:
                if len(args) == 1:
                    raise TypeError(
                        f"{name}(): argument 'size' (position 1) must be tuple of ints, not {type(s).__name__}"
                    )
                raise TypeError(
                    f"{name}(): argument 'size' failed to unpack the object at pos {i + 1} with "
                    f'error "type must be tuple of ints,but got {type(s).__name__}"'
                )
        if s < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {s}: [{', '.join(map(str, args))}]"
            )
        sizes.append(s)
    return tuple(sizes)


def _finalize(array: np.ndarray, device, requires_grad: bool) -> Tensor:
    as_device(device)
    if requires_grad and array.dtype.kind not in "fcV":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return Tensor._make(array, requires_grad)


def _np_dtype(dtype, default=None, name: str | None = None):
    if dtype is None:
        return (default or _dtype.get_default_dtype()).np
    _check_dtype_arg(dtype, name)
    return dtype.np


def _check_dtype_arg(dtype, name: str | None) -> None:
    if dtype is not None and not isinstance(dtype, _dtype.dtype):
        prefix = f"{name}(): " if name else ""
        raise TypeError(f"{prefix}argument 'dtype' must be torch.dtype, not {type(dtype).__name__}")


# --- from data --------------------------------------------------------------------------------------------------
def _infer_array(data, dtype):
    """NumPy array for Python data, with PyTorch's dtype inference (floats → default dtype)."""
    if isinstance(data, Tensor):
        arr = data._data
        return arr.astype(dtype.np) if dtype is not None else arr.copy()
    if isinstance(data, np.ndarray):
        return np.array(data, dtype=dtype.np if dtype is not None else None)
    if isinstance(data, np.generic):
        arr = np.array(data)
        return arr.astype(dtype.np) if dtype is not None else arr
    typed = None
    if isinstance(data, (list, tuple)):
        if dtype is None:
            typed = _typed_leaves_dtype(data)
        data = _unwrap_nested(data)
        _check_ragged(data)
    elif not isinstance(data, (int, float, bool, builtins.complex)):
        if isinstance(data, str):
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        if hasattr(data, "__array__"):
            return _infer_array(np.asarray(data), dtype)
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    arr = np.array(data)
    if dtype is None and typed is None and _maybe_beyond_int64(arr):
        _check_int64_leaves(data)
    if typed is not None:
        return arr.astype(typed.np)
    if dtype is not None:
        if arr.dtype.kind == "c" and dtype.category < 3:
            raise TypeError("must be real number, not complex")
        return arr.astype(dtype.np)
    kind = arr.dtype.kind
    if kind == "f" or (kind == "O"):
        return arr.astype(_dtype.get_default_dtype().np)
    if kind in "iu":
        return arr.astype(np.int64)
    if kind == "c":
        return arr.astype(_dtype.default_complex_dtype().np)
    return arr


def _typed_leaves_dtype(data):
    """PyTorch promotes the dtypes of the leaves: a NumPy scalar or a tensor element brings its
    own dtype (Python numbers their usual ones). None when every leaf is a Python number."""
    found = False
    result = None
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
            continue
        if isinstance(item, Tensor):
            d, found = item.dtype, True
        elif isinstance(item, np.generic):
            d, found = _dtype.from_numpy_dtype(item.dtype), True
        elif isinstance(item, (bool, int, float, builtins.complex)):
            d = _dtype.scalar_dtype(item)
        else:
            continue
        result = d if result is None else _dtype.promote_types(result, d)
    return result if found else None


def _maybe_beyond_int64(arr: np.ndarray) -> bool:
    """NumPy turns Python ints beyond int64 into uint64, object or float64 arrays."""
    if arr.dtype.kind in "uO":
        return True
    return arr.dtype.kind == "f" and arr.size > 0 and float(np.abs(arr).max()) >= 2.0**63


def _check_int64_leaves(data) -> None:
    """PyTorch infers int64 for all-integer data and refuses ints beyond its range."""
    stack, too_big = [data], False
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, (float, builtins.complex)):
            return  # the data is floating: big ints simply become floats
        elif isinstance(item, int) and not -(2**63) <= item < 2**63:
            too_big = True
    if too_big:
        raise ValueError("Overflow when unpacking long long")


def _unwrap_nested(data):
    if isinstance(data, Tensor):  # an element of a sequence: PyTorch reads it as a number
        if data._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return data.item()
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(d) for d in data]
    if isinstance(data, np.ndarray):
        return data.tolist()
    return data


def _check_ragged(data, dim: int = 0):
    if not isinstance(data, list) or not data:
        return
    first = data[0]
    if isinstance(first, list):
        n = len(first)
        for item in data:
            if not isinstance(item, list):
                raise TypeError("not a sequence")
            if len(item) != n:
                raise ValueError(
                    f"expected sequence of length {n} at dim {dim + 1} (got {len(item)})"
                )
            _check_ragged(item, dim + 1)
    else:
        for item in data:
            if isinstance(item, list):
                raise TypeError("not a sequence")
            if not isinstance(item, (int, float, bool, builtins.complex, np.generic)):
                raise TypeError(f"new(): invalid data type '{type(item).__name__}'")


def tensor(
    data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False
) -> Tensor:
    """``torch.tensor``: always copies ``data``; floats take the default dtype, ints int64."""
    if isinstance(data, Tensor):
        import warnings

        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    _check_dtype_arg(dtype, "tensor")
    arr = _infer_array(data, dtype)
    if arr.base is not None or isinstance(data, np.ndarray) and arr is data:
        arr = arr.copy()
    return _finalize(arr, device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``torch.as_tensor``: shares memory with a tensor or ndarray when dtype and device allow."""
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype is dtype else data.to(dtype)
    if isinstance(data, np.ndarray):
        t = from_numpy(data)
        return t if dtype is None or t.dtype is dtype else t.to(dtype)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """``torch.from_numpy``: shares memory and keeps the dtype (float64 stays float64)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy_dtype(ndarray.dtype)
    if any(s < 0 for s in ndarray.strides):
        raise ValueError(
            "At least one stride in the given numpy array is negative, and tensors with negative "
            "strides are not currently supported. (You can probably work around this by making a "
            "copy of your array  with array.copy().) "
        )
    if ndarray.dtype.byteorder == ">":
        raise TypeError(
            "given numpy array has byte order different from the native byte order. Conversion between byte orders is currently not supported."
        )
    return Tensor._make(ndarray)


def frombuffer(
    buffer, *, dtype, count: int = -1, offset: int = 0, requires_grad: bool = False
) -> Tensor:
    return Tensor._make(
        np.frombuffer(buffer, dtype=dtype.np, count=count, offset=offset), requires_grad
    )


# --- filled -------------------------------------------------------------------------------------------------------
def _filled(fill, args, name, dtype, device, requires_grad, out=None, default=None):
    if not args:
        raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
    shape = parse_size(args, name)
    npd = _np_dtype(dtype, default, name)
    if fill is None:
        arr = np.empty(shape, npd)
    elif fill == 0:
        arr = np.zeros(shape, npd)
    else:
        arr = np.full(shape, fill, npd)
    if out is not None:
        from ._base import write_out

        return write_out(wrap(arr), out, name)
    return _finalize(arr, device, requires_grad)


def empty(
    *size,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    pin_memory=False,
    memory_format=None,
) -> Tensor:
    """``torch.empty``: uninitialised memory (zeros here; NumPy's fresh pages are zero anyway)."""
    return _filled(0, size, "empty", dtype, device, requires_grad, out)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """``torch.zeros``."""
    return _filled(0, size, "zeros", dtype, device, requires_grad, out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """``torch.ones``."""
    return _filled(1, size, "ones", dtype, device, requires_grad, out)


def full(
    size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False
) -> Tensor:
    """``torch.full``: the dtype follows ``fill_value`` (bool, int64, default float, complex)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    default = _dtype.scalar_dtype(fill_value) if dtype is None else None
    return _filled(
        fill_value,
        (size,) if not isinstance(size, (tuple, list, Size)) else (tuple(size),),
        "full",
        dtype,
        device,
        requires_grad,
        out,
        default,
    )


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finalize(np.array(s, _np_dtype(dtype)), device, requires_grad)


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return empty(size, dtype=dtype, device=device, requires_grad=requires_grad)


def eye(
    n: int,
    m: int | None = None,
    *,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
) -> Tensor:
    """``torch.eye``: ones on the diagonal."""
    if not isinstance(n, int):
        raise TypeError(f"eye(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    arr = np.eye(n, m if m is not None else n, dtype=_np_dtype(dtype))
    if out is not None:
        from ._base import write_out

        return write_out(wrap(arr), out, "eye")
    return _finalize(arr, device, requires_grad)


def _like(input: Tensor, dtype):
    return input._data.shape, (dtype.np if dtype is not None else input._data.dtype)


def empty_like(
    input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None
) -> Tensor:
    shape, npd = _like(input, dtype)
    return _finalize(np.zeros(shape, npd), device, requires_grad)


def zeros_like(
    input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None
) -> Tensor:
    """``torch.zeros_like``."""
    shape, npd = _like(input, dtype)
    return _finalize(np.zeros(shape, npd), device, requires_grad)


def ones_like(
    input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None
) -> Tensor:
    """``torch.ones_like``."""
    shape, npd = _like(input, dtype)
    return _finalize(np.ones(shape, npd), device, requires_grad)


def full_like(
    input,
    fill_value,
    *,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    memory_format=None,
) -> Tensor:
    shape, npd = _like(input, dtype)
    return _finalize(np.full(shape, fill_value, npd), device, requires_grad)


# --- ranges ----------------------------------------------------------------------------------------------------------
def arange(
    start=0,
    end=None,
    step=1,
    *,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
) -> Tensor:
    """``torch.arange``: int64 for integer arguments, else the default float dtype."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        dtype = (
            _dtype.int64 if all(isinstance(v, int) for v in vals) else _dtype.get_default_dtype()
        )
    n = max(math.ceil((end - start) / step), 0)
    if dtype.category < 2:
        # the count comes from the float bounds; start and step are truncated to integers first
        arr = (np.arange(n, dtype=np.int64) * int(step) + int(start)).astype(dtype.np)
    else:
        # PyTorch computes start + i * step in double (accumulate type), then casts.
        arr = (np.arange(n, dtype=np.float64) * step + start).astype(dtype.np)
    if out is not None:
        from ._base import write_out

        return write_out(wrap(arr), out, "arange")
    return _finalize(arr, device, requires_grad)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``torch.range`` (deprecated in PyTorch): includes ``end``."""
    import warnings

    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its behavior is "
        "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in [start, end).",
        UserWarning,
        stacklevel=2,
    )
    n = int(math.floor((end - start) / step)) + 1
    dtype = dtype or _dtype.get_default_dtype()
    return _finalize(
        (np.arange(n, dtype=np.float64) * step + start).astype(dtype.np), device, requires_grad
    )


def linspace(
    start, end, steps: int, *, out=None, dtype=None, layout=None, device=None, requires_grad=False
) -> Tensor:
    """``torch.linspace``: PyTorch fills the first half from ``start`` and the second from ``end``."""
    if not isinstance(steps, int):
        raise TypeError(
            f"linspace(): argument 'steps' (position 3) must be int, not {type(steps).__name__}"
        )
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    start = start.item() if isinstance(start, Tensor) else start
    end = end.item() if isinstance(end, Tensor) else end
    dtype = dtype or _dtype.get_default_dtype()
    calc = np.float64 if dtype is _dtype.float64 or dtype.category < 2 else np.float32
    if steps == 1:
        arr = np.array([start], dtype=calc)
    else:
        i = np.arange(steps, dtype=calc)
        step = calc((end - start) / (steps - 1))
        half = steps // 2
        arr = np.where(i < half, calc(start) + step * i, calc(end) - step * (steps - 1 - i)).astype(
            calc
        )
    arr = arr.astype(dtype.np) if dtype.category >= 2 else np.trunc(arr).astype(dtype.np)
    if out is not None:
        from ._base import write_out

        return write_out(wrap(arr), out, "linspace")
    return _finalize(arr, device, requires_grad)


def logspace(
    start, end, steps: int, base: float = 10.0, *, dtype=None, device=None, requires_grad=False
) -> Tensor:
    """``torch.logspace``: base ** linspace(start, end, steps)."""
    dtype = dtype or _dtype.get_default_dtype()
    exps = linspace(start, end, steps, dtype=_dtype.float64)._data
    return _finalize(np.power(base, exps).astype(dtype.np), device, requires_grad)


def complex(real: Tensor, imag: Tensor) -> Tensor:
    return wrap(real._data + 1j * imag._data).to(
        _dtype.complex128 if real.dtype is _dtype.float64 else _dtype.complex64
    )


def polar(abs: Tensor, angle: Tensor) -> Tensor:
    return complex(abs * angle.cos(), abs * angle.sin())


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    r, c = np.tril_indices(row, offset, col)
    return wrap(np.stack([r, c]).astype(_np_dtype(dtype, _dtype.int64)))


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    r, c = np.triu_indices(row, offset, col)
    return wrap(np.stack([r, c]).astype(_np_dtype(dtype, _dtype.int64)))


# --- Tensor.new_* -------------------------------------------------------------------------------------------------------
def _new(self: Tensor, fill, size, dtype, device, requires_grad, name):
    shape = parse_size(size, name)
    npd = dtype.np if dtype is not None else self._data.dtype
    arr = np.zeros(shape, npd) if fill == 0 else np.full(shape, fill, npd)
    return _finalize(arr, device, requires_grad)


def new_ones(
    self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False
) -> Tensor:
    """``Tensor.new_ones``: keeps this tensor's dtype and device unless given."""
    return _new(self, 1, size, dtype, device, requires_grad, "new_ones")


def new_zeros(
    self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False
) -> Tensor:
    return _new(self, 0, size, dtype, device, requires_grad, "new_zeros")


def new_empty(
    self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False
) -> Tensor:
    return _new(self, 0, size, dtype, device, requires_grad, "new_empty")


def new_full(
    self,
    size,
    fill_value,
    *,
    dtype=None,
    device=None,
    requires_grad=False,
    layout=None,
    pin_memory=False,
) -> Tensor:
    return _new(self, fill_value, (size,), dtype, device, requires_grad, "new_full")


def new_tensor(
    self, data, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False
) -> Tensor:
    """``Tensor.new_tensor``: a copy of ``data`` with this tensor's dtype unless given."""
    arr = _infer_array(data, dtype or self.dtype)
    return _finalize(np.array(arr), device, requires_grad)


Tensor.new_ones, Tensor.new_zeros, Tensor.new_empty = new_ones, new_zeros, new_empty
Tensor.new_full, Tensor.new_tensor = new_full, new_tensor


def _legacy_tensor_new(cls, *args, **kwargs):
    """``torch.Tensor(data)`` / ``torch.Tensor(2, 3)``: the legacy constructor (default dtype)."""
    dtype = kwargs.pop("dtype", None) or _dtype.get_default_dtype()
    if not args:
        arr = np.zeros((0,), dtype.np)
    elif all(isinstance(a, int) for a in args) or len(args) == 1 and isinstance(args[0], Size):
        arr = np.zeros(parse_size(args, "Tensor"), dtype.np)
    else:
        arr = _infer_array(args[0], dtype)
    t = object.__new__(cls)
    t._data = arr
    t._version = [0]
    t._init_slots()
    return t
