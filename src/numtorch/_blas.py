"""Two BLAS extensions NumPy does not expose, from the OpenBLAS its wheels ship, through ctypes:
``axpy`` (``y += alpha * x``) and ``transpose_into`` (OpenBLAS's ``omatcopy``).

NumPy's Linux/macOS wheels bundle OpenBLAS with the CBLAS symbols exported
(``scipy_cblas_saxpy64_`` in NumPy 2.x). The library is looked up once; where it is missing
(another BLAS, a source build) or an array does not suit, the functions return False and the
caller does the same work with NumPy.

NOTE [ axpy for parameter updates ]
PyTorch's ``param.add_(grad, alpha=-lr)`` is one fused multiply-add per element. NumPy has no
such ufunc: ``p -= g * lr`` makes a temporary, rounds twice and reads memory twice. BLAS's
``saxpy``/``daxpy`` is the fused, single-pass form: on a 2-core x86 machine it updated a 512×784
float32 weight in 42 µs instead of 76 µs, and its results equal PyTorch's bit for bit (both use
FMA instructions).

NOTE [ Blocked transpose ]
NumPy copies a transposed matrix element by element down columns; OpenBLAS's ``omatcopy``
transposes in cache-sized blocks: a 512×64 float32 matrix in 9 µs instead of 20 µs.
"""

from __future__ import annotations

import ctypes
import glob
import os

import numpy as np

__all__ = ["axpy", "transpose_into"]

# (symbol pattern, integer type): NumPy 2's scipy-openblas (64-bit ints), then plain builds.
_SYMBOLS = (("scipy_cblas_{}64_", ctypes.c_int64), ("cblas_{}64_", ctypes.c_int64),
            ("scipy_cblas_{}", ctypes.c_int), ("cblas_{}", ctypes.c_int))  # fmt: skip
_ROW_MAJOR, _TRANSPOSE = 101, 112  # CBLAS enum values
_kernels: dict | None = None


def _argtypes(name: str, real, integer) -> list:
    pointer = ctypes.c_void_p
    if name.endswith("axpy"):  # (n, alpha, x, incx, y, incy)
        return [integer, real, pointer, integer, pointer, integer]
    # omatcopy: (order, trans, rows, cols, alpha, a, lda, b, ldb)
    return [ctypes.c_int, ctypes.c_int, integer, integer, real, pointer, integer, pointer, integer]


def _load() -> dict:
    """{(routine, dtype): function} from NumPy's bundled OpenBLAS, or {} if not found."""
    root = os.path.dirname(os.path.dirname(np.__file__))
    libraries = glob.glob(os.path.join(root, "numpy.libs", "*openblas*"))
    libraries += glob.glob(os.path.join(os.path.dirname(np.__file__), ".dylibs", "*openblas*"))
    for path in libraries:
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for pattern, integer in _SYMBOLS:
            kernels = {}
            for routine in ("axpy", "omatcopy"):
                for prefix, dtype, real in (("s", np.float32, ctypes.c_float),
                                            ("d", np.float64, ctypes.c_double)):  # fmt: skip
                    function = getattr(library, pattern.format(prefix + routine), None)
                    if function is not None:
                        function.restype = None
                        function.argtypes = _argtypes(routine, real, integer)
                        kernels[routine, np.dtype(dtype)] = function
            if kernels:
                return kernels
    return {}


def _kernel(routine: str, dtype: np.dtype):
    global _kernels
    if _kernels is None:
        _kernels = _load()
    return _kernels.get((routine, dtype))


def axpy(alpha: float, x: np.ndarray, y: np.ndarray) -> bool:
    """``y += alpha * x`` in place with one rounding per element (NOTE [ axpy for parameter
    updates ]); False, leaving ``y`` untouched, where BLAS cannot do it."""
    kernel = _kernel("axpy", y.dtype)
    if (
        kernel is None
        or x.dtype != y.dtype
        or x.shape != y.shape
        or not (x.flags.c_contiguous and y.flags.c_contiguous and y.flags.writeable)
        or np.may_share_memory(x, y)
    ):
        return False
    kernel(y.size, alpha, x.ctypes.data, 1, y.ctypes.data, 1)
    return True


def transpose_into(a: np.ndarray, out: np.ndarray) -> bool:
    """``out[...] = a.T`` for a C-contiguous matrix ``a`` (NOTE [ Blocked transpose ]); False,
    leaving ``out`` untouched, where BLAS cannot do it."""
    kernel = _kernel("omatcopy", a.dtype)
    if (
        kernel is None
        or a.ndim != 2
        or out.dtype != a.dtype
        or out.shape != a.shape[::-1]
        or not (a.flags.c_contiguous and out.flags.c_contiguous and out.flags.writeable)
        or np.may_share_memory(a, out)
    ):
        return False
    rows, cols = a.shape
    kernel(_ROW_MAJOR, _TRANSPOSE, rows, cols, 1.0, a.ctypes.data, cols, out.ctypes.data, rows)
    return True
