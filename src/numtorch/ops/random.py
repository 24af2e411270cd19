"""Random sampling: ``torch.rand``/``randn``/``randint``/``randperm``/``normal``/``bernoulli``/
``multinomial``, the ``*_like`` variants, and the in-place ``Tensor.uniform_``/``normal_``/
``random_``/``bernoulli_``/``exponential_``.

PyTorch's ``aten/src/ATen/native/Distributions.cpp``/``DistributionTemplates.h``: argument checks
and their messages live here; the numbers come from the generator's samplers in ``numtorch._random``
(bit-identical to PyTorch's CPU streams). Every creation function is "allocate, then fill in place",
as in PyTorch, so ``out=`` tensors and non-contiguous tensors are filled in their storage order.
None of these functions is differentiable (PyTorch records no history for sampling either).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype
from .._device import as_device
from .._random import (
    Generator,
    _resolve,
    empty_like_preserving,
    fill_in_memory_order,
    memory_order_axes,
)
from .._size import Size
from .._tensor import Tensor
from ._base import check_inplace, method, write_out

__all__ = [
    "rand",
    "randn",
    "randint",
    "randperm",
    "normal",
    "bernoulli",
    "multinomial",
    "rand_like",
    "randn_like",
    "randint_like",
]  # the in-place samplers (uniform_, normal_, ...) are Tensor methods only, as in torch

# caffe2::TypeMeta names, which PyTorch's bound checks print ("from is out of bounds for float").
_CPP_NAMES = {
    "bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int",
    "int32": "int", "int64": "long int", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
    "float32": "float", "float64": "double",
}  # fmt: skip
_FLOAT_DIGITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


# --- argument parsing -------------------------------------------------------------------------------
def _is_int(x) -> bool:
    return not isinstance(x, (bool, float, complex, str)) and hasattr(x, "__index__")


def _check_dims(shape: tuple) -> tuple:
    for d in shape:
        if d < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {d}: [{', '.join(map(str, shape))}]"
            )
    return shape


def _varargs_size(name: str, args: tuple, options: dict) -> tuple:
    """``rand(2, 3)``, ``rand((2, 3))``, ``rand([2, 3])``, ``rand(torch.Size(...))``, ``rand(size=...)``."""
    if "size" in options:
        if args:
            raise _invalid_combination(name, args, options)
        args = (options["size"],)
    if not args:
        if options:
            raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
        raise _invalid_combination(name, args, options)
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        elements = tuple(args[0])
    elif len(args) == 1 and not _is_int(args[0]):
        raise TypeError(
            f"{name}(): argument 'size' (position 1) must be tuple of ints, not {type(args[0]).__name__}"
        )
    else:
        elements = args
    for i, d in enumerate(elements):
        if not _is_int(d):
            raise TypeError(
                f"{name}(): argument 'size' failed to unpack the object at pos {i + 1} with error "
                f'"type must be tuple of ints,but got {type(d).__name__}"'
            )
    return _check_dims(tuple(d.__index__() for d in elements))


def _tuple_size(name: str, size, position: int) -> tuple:
    """A ``size`` argument that must be a sequence (``randint(high, size)``, ``normal(m, s, size)``)."""
    if not isinstance(size, (tuple, list, Size)):
        raise TypeError(
            f"{name}(): argument 'size' (position {position}) must be tuple of ints, not {type(size).__name__}"
        )
    for i, d in enumerate(size):
        if not _is_int(d):
            raise TypeError(
                f"{name}(): argument 'size' (position {position}) must be tuple of ints, but found element of "
                f"type {type(d).__name__} at pos {i}"
            )
    return _check_dims(tuple(d.__index__() for d in size))


# PyTorch's argument parser lists the accepted signatures when no overload matches.
_FACTORY_KWARGS = (
    "Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, "
    "bool pin_memory = False, bool requires_grad = False"
)
_OVERLOADS = {
    "rand": ("tuple of ints size",),
    "randn": ("tuple of ints size",),
    "randint": ("int high, tuple of ints size", "int low, int high, tuple of ints size"),
    "randperm": ("int n",),
}
_NORMAL_SIGNATURES = (
    " * (Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)",
    " * (Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor out = None)",
    " * (float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)",
    " * (float mean, float std, tuple of ints size, *, torch.Generator generator = None, "
    + _FACTORY_KWARGS
    + ")",
)


def _arg_type_name(value) -> str:
    if isinstance(value, Generator):
        return "torch.Generator"
    if isinstance(value, _dtype.dtype):
        return "torch.dtype"
    return type(value).__name__


def _invalid_combination(name: str, args: tuple, options: dict) -> TypeError:
    got = [_arg_type_name(a) for a in args] + [
        f"{k}={_arg_type_name(v)}" for k, v in options.items()
    ]
    if name == "normal":
        signatures = _NORMAL_SIGNATURES
    else:
        signatures = tuple(
            line
            for head in _OVERLOADS[name]
            for line in (
                f" * ({head}, *, torch.Generator generator, {_FACTORY_KWARGS})",
                f" * ({head}, *, {_FACTORY_KWARGS})",
            )
        )
    return TypeError(
        f"{name}() received an invalid combination of arguments - got ({', '.join(got)}), but expected one of:\n"
        + "\n".join(signatures)
        + "\n"
    )


def _options(name: str, args: tuple, known: dict, unexpected: dict) -> dict:
    """The keyword arguments actually passed (for error messages), checked for their types."""
    options = {k: v for k, v in known.items() if v is not None and v is not False}
    options.update(unexpected)
    bad_type = (
        unexpected.keys() - {"size", "low", "high"}
        or options.get("generator") is not None
        and not isinstance(options["generator"], Generator)
        or options.get("out") is not None
        and not isinstance(options["out"], Tensor)
        or options.get("dtype") is not None
        and not isinstance(options["dtype"], _dtype.dtype)
    )
    if bad_type:
        raise _invalid_combination(name, args, options)
    return options


def _int_arg(name: str, value, arg: str, position: int) -> int:
    if not _is_int(value):
        raise TypeError(
            f"{name}(): argument '{arg}' (position {position}) must be int, not {type(value).__name__}"
        )
    value = value.__index__()
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise ValueError("Overflow when unpacking long long")
    return value


def _check_generator(name: str, generator) -> Generator:
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(
            f"{name}(): argument 'generator' must be torch.Generator, not {type(generator).__name__}"
        )
    return _resolve(generator)


def _new(name: str, shape, dtype, device, requires_grad, default) -> Tensor:
    """An uninitialised tensor to fill (PyTorch's ``at::empty`` before the in-place sampler)."""
    dtype = default if dtype is None else dtype
    if not isinstance(dtype, _dtype.dtype):
        raise TypeError(
            f"{name}(): argument 'dtype' must be torch.dtype, not {type(dtype).__name__}"
        )
    as_device(device)
    if requires_grad and not (dtype.is_floating_point or dtype.is_complex):
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return Tensor._make(np.empty(shape, dtype=dtype.np))


def _create(name, shape, fill, *, out, dtype, device, requires_grad, default) -> Tensor:
    """Allocate (or reuse ``out``), then ``fill(tensor)`` in place, as PyTorch's creation ops do."""
    if out is None:
        t = _new(name, shape, dtype, device, requires_grad, default)
        fill(t)
        return t.requires_grad_(True) if requires_grad else t
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if dtype is not None and dtype is not out.dtype:
        raise RuntimeError(
            f"dtype {dtype._legacy} does not match dtype of out parameter ({out.dtype._legacy})"
        )
    if tuple(out.shape) == tuple(shape):
        fill(out)
        return out
    t = Tensor._make(np.empty(shape, dtype=out._data.dtype))
    fill(t)
    return write_out(t, out, name)


def _like(input, dtype, device) -> Tensor:
    """``empty_like(input)`` with preserve_format: same dtype (unless given) and stride order."""
    if not isinstance(input, Tensor):
        raise TypeError(f"argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    dtype = input.dtype if dtype is None else dtype
    as_device(device)
    return Tensor._make(empty_like_preserving(input._data, dtype.np))


def _not_implemented(kernel: str, t: Tensor):
    return NotImplementedError(f"\"{kernel}\" not implemented for '{t.dtype._legacy}'")


def _fmt(x: float) -> str:
    """A double as C++'s ``operator<<`` prints it (6 significant digits)."""
    return format(float(x), "g")


def _real_view(t: Tensor) -> np.ndarray:
    """``view_as_real``: a complex tensor is sampled as its (real, imag) float pairs."""
    return t._data[..., None].view(t._data.real.dtype)


def _done(t: Tensor) -> Tensor:
    t._version[0] += 1
    return t


# --- in-place samplers (the kernels every creation function ends in) --------------------------------
@method()
def uniform_(
    self: Tensor, from_: float = 0, to: float = 1, *, generator: Generator | None = None
) -> Tensor:
    """``Tensor.uniform_(from=0, to=1)``: values in [from, to) (notes §2)."""
    check_inplace(self)
    gen = _check_generator("uniform_", generator)
    data = _real_view(self) if self._data.dtype.kind == "c" else self._data
    name = _dtype.from_numpy_dtype(data.dtype).name
    if name not in _FLOAT_DIGITS:
        raise _not_implemented("check_uniform_bounds", self)
    from_, to = float(from_), float(to)
    limit = float(_dtype_max(data.dtype))
    if not -limit <= from_ <= limit:
        raise RuntimeError(f"from is out of bounds for {_CPP_NAMES[name]}")
    if not -limit <= to <= limit:
        raise RuntimeError(f"to is out of bounds for {_CPP_NAMES[name]}")
    if from_ > to:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={_fmt(from_)} > to={_fmt(to)}"
        )
    if to - from_ > limit:
        raise RuntimeError(
            f"uniform_ expects to-from <= std::numeric_limits<{_dtype.from_numpy_dtype(data.dtype)._legacy}>::max(), "
            f"but found to={_fmt(to)} and from={_fmt(from_)} which result in to-from to exceed the limit"
        )
    if data.size:
        gen.fill_uniform(data, from_, to)
    return _done(self)


@method()
def normal_(
    self: Tensor, mean: float = 0, std: float = 1, *, generator: Generator | None = None
) -> Tensor:
    """``Tensor.normal_(mean=0, std=1)`` (notes §3): contiguous tensors of 16+ elements take the
    vectorised path, others the scalar Box–Muller path in storage order."""
    check_inplace(self)
    gen = _check_generator("normal_", generator)
    std = float(std)
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")
    data = self._data
    if data.dtype.kind == "c":  # view_as_real, each component with std/sqrt(2)
        data, std = _real_view(self), std / math.sqrt(2)
    if not _dtype.from_numpy_dtype(data.dtype).is_floating_point:
        raise _not_implemented("normal_kernel_cpu", self)
    if data.size:
        gen.fill_normal(data, float(mean), std)
    return _done(self)


@method()
def exponential_(self: Tensor, lambd: float = 1, *, generator: Generator | None = None) -> Tensor:
    """``Tensor.exponential_(lambd=1)``: ``-log1p(-U)/lambd`` (notes §6)."""
    check_inplace(self)
    gen = _check_generator("exponential_", generator)
    lambd = float(lambd)
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_fmt(lambd)}")
    if not self.dtype.is_floating_point:
        raise RuntimeError(
            "Exponential distribution is a continuous probability distribution. dtype must be a floating "
            f"point but you specified {self.dtype._legacy}"
        )
    if self._data.size:
        fill_in_memory_order(self._data, gen.exponential(self._data.size, lambd, self._data.dtype))
    return _done(self)


@method()
def bernoulli_(self: Tensor, p=0.5, *, generator: Generator | None = None) -> Tensor:
    """``Tensor.bernoulli_(p=0.5)``: 1 with probability ``p`` (a float or a tensor broadcast to
    ``self``), else 0 (notes §6)."""
    check_inplace(self)
    gen = _check_generator("bernoulli_", generator)
    data = self._data
    if isinstance(p, Tensor):
        probs = np.broadcast_to(_checked_probabilities(p), data.shape)
        if data.size:
            # One draw per element of self in its storage order, each against the matching p.
            probs_in_order = probs.transpose(memory_order_axes(data)).ravel()
            fill_in_memory_order(data, gen.bernoulli_tensor(probs_in_order, data.dtype))
        return _done(self)
    p = float(p)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_fmt(p)}")
    if data.size:
        fill_in_memory_order(data, gen.bernoulli_p(data.size, p, data.dtype))
    return _done(self)


def _checked_probabilities(p: Tensor) -> np.ndarray:
    if not p.dtype.is_floating_point:
        raise _not_implemented("bernoulli_tensor_cpu_p_", p)
    probs = p._data
    if probs.size and not ((probs >= 0) & (probs <= 1)).all():
        raise RuntimeError(
            "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be "
            "improved?  If so, please report an enhancement request to PyTorch.)"
        )
    return probs


@method()
def random_(self: Tensor, *args, generator: Generator | None = None, **kwargs) -> Tensor:
    """``Tensor.random_()``, ``random_(to)``, ``random_(from, to)``, ``random_(from, None)`` (notes §4).

    Without bounds: the dtype's whole non-negative integer range (floats: the integers they hold
    exactly). With bounds: ``[from, to)``; ``to=None`` means up to the dtype's maximum.
    """
    check_inplace(self)
    gen = _check_generator("random_", generator)
    if len(args) > 2:
        raise TypeError(f"random_() takes 2 positional arguments but {len(args)} were given")
    if len(args) == 2:
        from_, to = args
    elif len(args) == 1:
        from_, to = (args[0], kwargs.pop("to")) if "to" in kwargs else (0, args[0])
    elif "from" in kwargs and "to" in kwargs:
        from_, to = kwargs.pop("from"), kwargs.pop("to")
    elif "to" in kwargs:
        from_, to = 0, kwargs.pop("to")
    elif not kwargs:
        if self._data.size:
            fill_in_memory_order(self._data, gen.random(self._data.size, self._data.dtype))
        return _done(self)
    if kwargs or not _is_int(from_) or not (to is None or _is_int(to)):
        raise _random_invalid_combination(args, kwargs)
    from_ = _int_arg("random_", from_, "from", 1)
    to = None if to is None else _int_arg("random_", to, "to", 2)
    _random_from_to(self, from_, to, gen)
    return _done(self)


def _random_invalid_combination(args: tuple, kwargs: dict) -> TypeError:
    got = ", ".join(_arg_type_name(a) for a in args)
    got += "".join(f"{k}={_arg_type_name(v)}, " for k, v in kwargs.items())
    return TypeError(
        f"random_() received an invalid combination of arguments - got ({got}), but expected one of:\n"
        " * (*, torch.Generator generator = None)\n"
        " * (int from, int to, *, torch.Generator generator = None)\n"
        " * (int to, *, torch.Generator generator = None)\n"
    )


def _random_from_to(t: Tensor, from_: int, to: int | None, gen: Generator) -> None:
    """``random_from_to_impl``: bound checks and adjustments, then ``(w mod range) + from``."""
    name = t.dtype.name
    data = t._data
    if name in ("complex64", "complex128"):
        raise _not_implemented("random_from_to_kernel_cpu", t)
    is_float = name in _FLOAT_DIGITS
    if to is not None:
        if from_ >= to:
            raise RuntimeError(
                f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}"
            )
        if is_float:
            from_, to = _update_from(from_, data.dtype), _update_to(to, data.dtype)
            if from_ >= to:
                raise RuntimeError(
                    f"random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got from={from_} >= to={to}"
                )
        _check_from_to_in_range(from_, to - 1, t)
        if data.size:
            fill_in_memory_order(data, gen.randint(from_, to, data.size, data.dtype))
    elif from_ != _INT64_MIN:
        if is_float:
            to_inc = min(1 << _FLOAT_DIGITS[name], _INT64_MAX)
            from_ = _update_from(from_, data.dtype)
            if from_ >= to_inc:
                raise RuntimeError(
                    "random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted to dtype, "
                    f"but got from={from_} > to_inc={to_inc}"
                )
        else:
            to_inc = 1 if name == "bool" else int(np.iinfo(data.dtype).max)
        _check_from_to_in_range(from_, to_inc, t)
        if data.size:
            fill_in_memory_order(data, gen.randint(from_, to_inc + 1, data.size, data.dtype))
    elif data.size:
        if name not in ("int64", "float64", "float32", "bfloat16"):
            raise RuntimeError(
                "random_full_64_bits_range_kernel_cpu handles only int64, double, float and bfloat16"
            )
        fill_in_memory_order(data, gen.random_full_range(data.size, data.dtype))


def _update_from(from_: int, np_dtype) -> int:
    """Move ``from`` right to the nearest value that stays >= from after casting to the float dtype."""
    from_plus_1 = _through(np_dtype, from_ + 1)
    if from_plus_1 < from_:
        n = abs(from_ + 1).bit_length() - 1
        from_ = from_plus_1 + (1 << (n - _FLOAT_DIGITS[_dtype.from_numpy_dtype(np_dtype).name] + 1))
    return from_


def _update_to(to: int, np_dtype) -> int:
    """Move ``to`` left to the nearest value that stays < to after casting to the float dtype."""
    to_minus_1 = _through(np_dtype, to - 1)
    if to_minus_1 >= to:
        n = abs(to - 1).bit_length() - 1
        to = to_minus_1 - (1 << (n - _FLOAT_DIGITS[_dtype.from_numpy_dtype(np_dtype).name] + 1))
    return to


def _through(np_dtype, value: int) -> int:
    """``static_cast<int64_t>(static_cast<scalar_t>(value))``: 16-bit floats convert via float32.
    A value the dtype cannot hold is returned unchanged, for the bound check to reject."""
    with np.errstate(over="ignore"):
        if np.dtype(np_dtype).itemsize == 2:
            cast = float(np.float32(value).astype(np_dtype))
        else:
            cast = float(np.dtype(np_dtype).type(value))
    return int(cast) if math.isfinite(cast) else value


def _dtype_max(np_dtype) -> float | int:
    np_dtype = np.dtype(np_dtype)
    if np_dtype.kind in "iub":
        return 1 if np_dtype.kind == "b" else int(np.iinfo(np_dtype).max)
    return float(_dtype.finfo(_dtype.from_numpy_dtype(np_dtype)).max)


def _check_from_to_in_range(from_: int, to_inc: int, t: Tensor) -> None:
    """``check_from_to_in_range``: bounds of the dtype; floats warn beyond ±2^digits."""
    name = t.dtype.name
    cpp = _CPP_NAMES[name]
    np_dtype = t._data.dtype
    if name in _FLOAT_DIGITS:
        limit = _dtype_max(np_dtype)
        low, high = -limit, limit
    elif name == "bool":
        low, high = 0, 1
    else:
        info = np.iinfo(np_dtype)
        low, high = int(info.min), int(info.max)
    if not low <= from_ <= high:
        raise RuntimeError(f"from is out of bounds for {cpp}")
    if not low <= to_inc <= high:
        raise RuntimeError(f"to - 1 is out of bounds for {cpp}")
    if name in _FLOAT_DIGITS:
        digits = _FLOAT_DIGITS[name]
        for value, what in ((from_, "from"), (to_inc, "to - 1")):
            if value < -(1 << digits) or value > (1 << digits):
                warnings.warn(
                    f"{what} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision limitations {cpp} can "
                    "support discrete uniform distribution only within this range. This warning will become an "
                    "error in version 1.7 release, please fix the code in advance",
                    UserWarning,
                    stacklevel=4,
                )


# --- creation functions ------------------------------------------------------------------------------
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, pin_memory=False,
         requires_grad=False, **kwargs) -> Tensor:  # fmt: skip
    """``torch.rand(*size)``: uniform on [0, 1) (notes §2)."""
    known = dict(generator=generator, out=out, dtype=dtype, layout=layout, device=device, pin_memory=pin_memory,
                 requires_grad=requires_grad)  # fmt: skip
    options = _options("rand", size, known, kwargs)
    shape = _varargs_size("rand", size, options)
    gen = _resolve(generator)
    return _create(
        "rand", shape, lambda t: uniform_(t, 0, 1, generator=gen),
        out=out, dtype=dtype, device=device, requires_grad=requires_grad, default=_dtype.get_default_dtype(),
    )  # fmt: skip


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, pin_memory=False,
          requires_grad=False, **kwargs) -> Tensor:  # fmt: skip
    """``torch.randn(*size)``: standard normal (notes §3)."""
    known = dict(generator=generator, out=out, dtype=dtype, layout=layout, device=device, pin_memory=pin_memory,
                 requires_grad=requires_grad)  # fmt: skip
    options = _options("randn", size, known, kwargs)
    shape = _varargs_size("randn", size, options)
    gen = _resolve(generator)
    return _create(
        "randn", shape, lambda t: normal_(t, 0, 1, generator=gen),
        out=out, dtype=dtype, device=device, requires_grad=requires_grad, default=_dtype.get_default_dtype(),
    )  # fmt: skip


def randint(*args, generator=None, out=None, dtype=None, layout=None, device=None, pin_memory=False,
            requires_grad=False, **kwargs) -> Tensor:  # fmt: skip
    """``torch.randint(high, size)`` / ``torch.randint(low, high, size)`` (also as keywords):
    integers in [low, high), int64 by default (notes §4)."""
    known = dict(generator=generator, out=out, dtype=dtype, layout=layout, device=device, pin_memory=pin_memory,
                 requires_grad=requires_grad)  # fmt: skip
    options = _options("randint", args, known, kwargs)
    low, high, size = kwargs.get("low"), kwargs.get("high"), kwargs.get("size")
    positional = list(args)
    size_position = len(args) + 1
    if size is None and positional:
        size, size_position = positional.pop(), len(args)
    if len(positional) == 2 and low is None and high is None:
        low, high = positional
    elif len(positional) == 1 and low is None:
        low, high = (positional[0], high) if high is not None else (None, positional[0])
    elif positional:
        raise _invalid_combination("randint", args, options)
    if high is None or size is None:
        raise _invalid_combination("randint", args, options)
    if low is None:
        low, high = 0, _int_arg("randint", high, "high", 1)
    elif _is_int(high):
        low, high = _int_arg("randint", low, "low", 1), _int_arg("randint", high, "high", 2)
    else:
        raise _invalid_combination("randint", args, options)
    shape = _tuple_size("randint", size, size_position)
    gen = _resolve(generator)
    return _create(
        "randint", shape, lambda t: _random_from_to(t, low, high, gen),
        out=out, dtype=dtype, device=device, requires_grad=requires_grad, default=_dtype.int64,
    )  # fmt: skip


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, pin_memory=False,
             requires_grad=False, **kwargs) -> Tensor:  # fmt: skip
    """``torch.randperm(n)``: a random permutation of ``0..n-1`` (notes §5)."""
    known = dict(generator=generator, out=out, dtype=dtype, layout=layout, device=device, pin_memory=pin_memory,
                 requires_grad=requires_grad)  # fmt: skip
    _options("randperm", (n,), known, kwargs)
    n = _int_arg("randperm", n, "n", 1)
    _check_dims((n,))
    gen = _resolve(generator)

    def fill(t: Tensor) -> None:
        name = t.dtype.name
        if name == "bool" or t.dtype.is_complex:
            raise _not_implemented("randperm", t)
        if name in _RANDPERM_FLOAT_LIMITS and n > _RANDPERM_FLOAT_LIMITS[name][0]:
            raise RuntimeError(f"n cannot be greater than {_RANDPERM_FLOAT_LIMITS[name][1]} type.")
        if name in ("uint8", "int8", "int16", "int32") and n - 1 > np.iinfo(t._data.dtype).max:
            raise RuntimeError(f"value cannot be converted to type {name}_t without overflow")
        fill_in_memory_order(t._data, gen.randperm(n, t._data.dtype))
        _done(t)

    return _create(
        "randperm",
        (n,),
        fill,
        out=out,
        dtype=dtype,
        device=device,
        requires_grad=requires_grad,
        default=_dtype.int64,
    )


# float dtypes must hold every index exactly (check_supported_max_int_with_precision).
_RANDPERM_FLOAT_LIMITS = {
    "float16": ((1 << 11) + 1, "2049 for Half"),
    "float32": ((1 << 24) + 1, "2^24+1 for Float"),
    "float64": ((1 << 53) + 1, "2^53+1 for Double"),
}


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           pin_memory=False, requires_grad=False) -> Tensor:  # fmt: skip
    """``torch.normal``: ``normal(mean: float, std: float, size)``, ``normal(mean: Tensor, std=1)``,
    ``normal(mean: float, std: Tensor)``, ``normal(mean: Tensor, std: Tensor)`` (notes §3).

    With tensor arguments PyTorch draws standard normals of the broadcast shape and then computes
    ``z * std + mean`` with two roundings, which is what is done here.
    """
    args = (mean, std) if size is None else (mean, std, size)
    known = dict(generator=generator, out=out, dtype=dtype, layout=layout, device=device, pin_memory=pin_memory,
                 requires_grad=requires_grad)  # fmt: skip
    options = _options("normal", args, known, {})
    gen = _resolve(generator)
    mean_is_tensor, std_is_tensor = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mean_is_tensor and not std_is_tensor:
        if size is None:
            raise _invalid_combination("normal", args, options)
        shape = _tuple_size("normal", size, 3)
        return _create(
            "normal", shape, lambda t: normal_(t, mean, std, generator=gen),
            out=out, dtype=dtype, device=device, requires_grad=requires_grad, default=_dtype.get_default_dtype(),
        )  # fmt: skip
    if std_is_tensor and std._data.size and not (std._data >= 0).all():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if not std_is_tensor and not float(std) >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(float(std))}")
    like = mean if mean_is_tensor else std
    shape = np.broadcast_shapes(
        mean.shape if mean_is_tensor else (), std.shape if std_is_tensor else ()
    )
    result = Tensor._make(np.empty(shape, dtype=like._data.dtype))
    if std_is_tensor:
        normal_(result, 0.0, 1.0, generator=gen)
        values = _torch_binary(np.multiply, result._data, std._data)
    else:
        normal_(result, 0.0, float(std), generator=gen)
        values = result._data
    values = _torch_binary(
        np.add, values, mean._data if mean_is_tensor else like._data.dtype.type(mean)
    )
    result = Tensor._make(np.asarray(values))
    return result if out is None else write_out(result, out, "normal")


def _torch_binary(ufunc, x: np.ndarray, y) -> np.ndarray:
    """``x.op_(y)`` in place on ``x``'s dtype: a 0-dim ``y`` does not widen the computation."""
    if isinstance(y, np.ndarray) and y.ndim and y.dtype.itemsize > x.dtype.itemsize:
        return ufunc(x, y).astype(x.dtype)
    return ufunc(x, np.asarray(y).astype(x.dtype), dtype=x.dtype)


@method()
def bernoulli(input: Tensor, p=None, *, generator: Generator | None = None, out=None) -> Tensor:
    """``torch.bernoulli(input)``: 1 with probability ``input[i]``; ``bernoulli(input, p)``: with
    probability ``p``. The result is a contiguous tensor shaped like ``input``, in its dtype."""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"bernoulli(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    result = Tensor._make(np.empty(input._data.shape, dtype=input._data.dtype))
    bernoulli_(result, input if p is None else p, generator=generator)
    return result if out is None else write_out(result, out, "bernoulli")


@method()
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator: Generator | None = None,
                out=None) -> Tensor:  # fmt: skip
    """``torch.multinomial``: ``num_samples`` category indices per row of ``input`` (notes §6)."""
    gen = _check_generator("multinomial", generator)
    num_samples = _int_arg("multinomial", num_samples, "num_samples", 2)
    probs = input._data
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"multinomial only supports floating-point dtypes for input, got: {input.dtype._legacy}"
        )
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > probs.shape[-1]:
        raise RuntimeError(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
        )
    if probs.shape[-1] > 1 << 24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    if probs.size:
        if not replacement or num_samples == 1:
            if not (np.max(probs) < np.inf and np.min(probs) >= 0):
                raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        else:
            if not (probs >= 0).all():
                raise RuntimeError(
                    "invalid multinomial distribution (encountering probability entry < 0)"
                )
            if not np.isfinite(probs).all():
                raise RuntimeError(
                    "invalid multinomial distribution (encountering probability entry = infinity or NaN)"
                )
        if (probs.sum(axis=-1) == 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    shape = (num_samples,) if probs.ndim == 1 else (probs.shape[0], num_samples)
    picks = (
        gen.multinomial(probs, num_samples, replacement)
        if probs.size
        else np.empty(shape, np.int64)
    )
    result = Tensor._make(picks.reshape(shape))
    return result if out is None else write_out(result, out, "multinomial")


def rand_like(
    input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None
) -> Tensor:
    """``torch.rand_like``: uniform [0, 1) values shaped (and strided) like ``input``."""
    t = uniform_(_like(input, dtype, device), 0, 1)
    return t.requires_grad_(True) if requires_grad else t


def randn_like(
    input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None
) -> Tensor:
    """``torch.randn_like``: standard normals shaped (and strided) like ``input``; a non-contiguous
    result takes the scalar path, as in PyTorch."""
    t = normal_(_like(input, dtype, device), 0, 1)
    return t.requires_grad_(True) if requires_grad else t


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None) -> Tensor:  # fmt: skip
    """``torch.randint_like(input, high)`` / ``(input, low, high)``: integers in [low, high) in
    ``input``'s dtype."""
    if high is None:
        low, high = 0, low
    low, high = _int_arg("randint_like", low, "low", 2), _int_arg("randint_like", high, "high", 3)
    t = _like(input, dtype, device)
    _random_from_to(t, low, high, _resolve(None))
    _done(t)
    return t.requires_grad_(True) if requires_grad else t
