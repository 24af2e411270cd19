"""dtype objects and PyTorch's type-promotion rules.

Follows ``c10/core/ScalarType.h`` (``promoteTypes``) and ``aten/src/ATen/native/TypeProperties.cpp``
(``result_type``: dimensioned tensors outrank 0-dim tensors, which outrank Python scalars, unless the
lower-priority operand belongs to a higher category: bool < integer < floating < complex).
"""

from __future__ import annotations

import numpy as np

try:  # bfloat16 has no NumPy dtype of its own; ml_dtypes provides one.
    from ml_dtypes import bfloat16 as _np_bfloat16
except ImportError:  # pragma: no cover - ml_dtypes is a declared dependency
    _np_bfloat16 = None

__all__ = [
    "dtype",
    "get_default_dtype",
    "set_default_dtype",
    "promote_types",
    "finfo",
    "iinfo",
]

# Category ranks used by result_type: bool < integer < floating < complex.
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A numtorch dtype: PyTorch's name, the NumPy dtype that stores it, and its category."""

    __slots__ = ("name", "np", "itemsize", "category", "is_signed", "_legacy", "__weakref__")

    def __init__(self, name: str, np_dtype, category: int, is_signed: bool, legacy: str):
        self.name = name
        self.np = np.dtype(np_dtype) if np_dtype is not None else None
        self.itemsize = self.np.itemsize if self.np is not None else 2
        self.category = category
        self.is_signed = is_signed
        self._legacy = legacy  # e.g. "Float" for torch.FloatTensor / torch.FloatStorage

    @property
    def is_floating_point(self) -> bool:
        return self.category == _FLOAT

    @property
    def is_complex(self) -> bool:
        return self.category == _COMPLEX

    def to_real(self) -> dtype:
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self) -> dtype:
        return {float64: complex128}.get(self, complex64) if self.category != _COMPLEX else self

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        return (_dtype_from_name, (self.name,))


bool_ = dtype("bool", np.bool_, _BOOL, False, "Bool")
uint8 = dtype("uint8", np.uint8, _INT, False, "Byte")
int8 = dtype("int8", np.int8, _INT, True, "Char")
int16 = dtype("int16", np.int16, _INT, True, "Short")
int32 = dtype("int32", np.int32, _INT, True, "Int")
int64 = dtype("int64", np.int64, _INT, True, "Long")
float16 = dtype("float16", np.float16, _FLOAT, True, "Half")
bfloat16 = dtype("bfloat16", _np_bfloat16, _FLOAT, True, "BFloat16")
float32 = dtype("float32", np.float32, _FLOAT, True, "Float")
float64 = dtype("float64", np.float64, _FLOAT, True, "Double")
complex64 = dtype("complex64", np.complex64, _COMPLEX, True, "ComplexFloat")
complex128 = dtype("complex128", np.complex128, _COMPLEX, True, "ComplexDouble")

ALL_DTYPES = (
    bool_, uint8, int8, int16, int32, int64,
    float16, bfloat16, float32, float64, complex64, complex128,
)  # fmt: skip
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NP = {d.np: d for d in ALL_DTYPES if d.np is not None}


def _dtype_from_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The numtorch dtype stored as ``np_dtype``; TypeError for dtypes PyTorch has no match for."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        try:
            return _BY_NP[np.dtype(np_dtype)]
        except (KeyError, TypeError):
            raise TypeError(
                f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype)}. The only supported "
                "types are: float64, float32, float16, complex64, complex128, int64, int32, int16, "
                "int8, uint8, and bool."
            ) from None


_default_dtype = float32


def get_default_dtype() -> dtype:
    """``torch.get_default_dtype``: the dtype of Python floats turned into tensors."""
    return _default_dtype


def set_default_dtype(d: dtype) -> None:
    """``torch.set_default_dtype``; only floating dtypes are allowed, as in PyTorch."""
    global _default_dtype
    if not isinstance(d, dtype) or d not in (float16, bfloat16, float32, float64):
        raise TypeError(
            "only floating-point types are supported as the default type"
        )  # PyTorch's wording
    _default_dtype = d
    _result_cache.clear()


def default_complex_dtype() -> dtype:
    return complex128 if _default_dtype is float64 else complex64


# --- promote_types ---------------------------------------------------------------------------
_INT_ORDER = (int8, int16, int32, int64)


def _promote(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    if a is bool_:
        return b
    if b is bool_:
        return a
    ca, cb = a.category, b.category
    if ca == _COMPLEX or cb == _COMPLEX:
        real = _promote(a.to_real(), b.to_real())
        return complex128 if real is float64 else complex64
    if ca == _FLOAT and cb == _FLOAT:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a.itemsize > b.itemsize else b
    if ca == _FLOAT:
        return a
    if cb == _FLOAT:
        return b
    # Both integers. uint8 with a signed type needs a signed type wide enough for 0..255.
    if a is uint8:
        return int16 if b in (int8, int16) else b
    if b is uint8:
        return int16 if a in (int8, int16) else a
    return a if _INT_ORDER.index(a) > _INT_ORDER.index(b) else b


_PROMOTE_TABLE = {(a, b): _promote(a, b) for a in ALL_DTYPES for b in ALL_DTYPES}


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """``torch.promote_types``."""
    return _PROMOTE_TABLE[type1, type2]


# --- result_type -----------------------------------------------------------------------------
def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    """PyTorch's ``combine_categories``: ``lower`` matters only if its category is higher."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.category == _COMPLEX:
        return higher
    if lower.category == _COMPLEX:
        return higher.to_complex() if higher.category == _FLOAT else lower
    if higher.category == _FLOAT:
        return higher
    if higher is bool_ or lower.category == _FLOAT:
        return _PROMOTE_TABLE[higher, lower]
    return higher


def scalar_dtype(value) -> dtype:
    """The dtype a wrapped Python number takes part in promotion with."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    if isinstance(value, complex):
        return default_complex_dtype()
    return _default_dtype


_result_cache: dict = {}


def result_dtype(dim_dtypes, zero_dim_dtypes, scalar_dtypes) -> dtype:
    """Combine the three priority classes of operands the way ``at::result_type`` does."""
    dim = zero = wrapped = None
    for d in dim_dtypes:
        dim = d if dim is None else _PROMOTE_TABLE[dim, d]
    for d in zero_dim_dtypes:
        zero = d if zero is None else _PROMOTE_TABLE[zero, d]
    for d in scalar_dtypes:
        wrapped = d if wrapped is None else _PROMOTE_TABLE[wrapped, d]
    return _combine(dim, _combine(zero, wrapped))


def binary_result_dtype(a: dtype, a_zero_dim: bool, b: dtype, b_kind: int) -> dtype:
    """Cached ``result_type`` of a tensor and a second operand.

    ``b_kind`` is 0 for a dimensioned tensor, 1 for a 0-dim tensor, 2 for a Python scalar.
    """
    key = (a, a_zero_dim, b, b_kind)
    try:
        return _result_cache[key]
    except KeyError:
        groups = ([], [], [])
        groups[1 if a_zero_dim else 0].append(a)
        groups[b_kind].append(b)
        out = _result_cache[key] = result_dtype(*groups)
        return out


# --- finfo / iinfo ---------------------------------------------------------------------------
class finfo:
    """``torch.finfo``: machine limits of a floating dtype."""

    def __init__(self, type: dtype | None = None):
        type = type or _default_dtype
        if type.category == _COMPLEX:
            type = type.to_real()
        if type.category != _FLOAT:
            raise TypeError(
                "torch.finfo() requires a floating point input type. Use torch.iinfo to handle 'torch.finfo'"
            )
        info = np.finfo(type.np) if type is not bfloat16 else _bfloat16_finfo()
        self.bits = type.itemsize * 8
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = float(info.resolution)
        self.dtype = type.name

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
            f"dtype={self.dtype})"
        )


def _bfloat16_finfo():
    import ml_dtypes

    return ml_dtypes.finfo(ml_dtypes.bfloat16)


class iinfo:
    """``torch.iinfo``: limits of an integer dtype."""

    def __init__(self, type: dtype):
        if type.category not in (_INT, _BOOL):
            raise TypeError(
                "torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'"
            )
        info = np.iinfo(type.np) if type is not bool_ else None
        self.bits = type.itemsize * 8
        self.max = int(info.max) if info else 1
        self.min = int(info.min) if info else 0
        self.dtype = type.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
