"""numtorch: PyTorch's programming model on NumPy. ``import numtorch as torch``.

The namespace mirrors ``torch``: dtypes, creation functions, ops, grad modes, random seeding,
``save``/``load``; subpackages ``autograd``, ``nn``, ``optim``, ``utils.data``, ``vision``.
Heavy or optional parts (nn, optim, data, vision, serialization) are imported lazily.
"""

from __future__ import annotations

import os as _os

# NOTE [ BLAS threads ]: after each GEMM, OpenBLAS worker threads spin for 2^THREAD_TIMEOUT
# cycles before sleeping. The default (2^28, ~0.1 s) keeps them spinning through all the
# elementwise work between matrix products, taking the core the Python thread needs: on a 2-core
# machine a training step ran ~1.5x slower with 2 threads than with 1. Sleeping at once (2^4)
# makes every GEMM wake them again, which costs ~50 µs per product on a VM. 2^19 cycles (~0.2 ms)
# covers the gaps within a step: the notes' MLP took 1.9 ms/step instead of 2.15 (2^4), measured
# in alternating runs of bench/suite.py's case-b loop; the small CNN and a loader with 2 worker
# processes were no slower. Read when OpenBLAS loads, so it only takes effect if numtorch is
# imported before NumPy; an explicit setting is respected.
_os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "19")

import importlib as _importlib

from . import _dtype, _malloc  # noqa: F401  (_malloc: glibc malloc thresholds; NUMTORCH_NO_MALLOPT=1 skips)
from ._device import device
from ._dtype import (
    bfloat16,
    complex64,
    complex128,
    dtype,
    finfo,
    float16,
    float32,
    float64,
    get_default_dtype,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    uint8,
)
from ._formatting import set_printoptions
from ._size import Size
from ._tensor import Tensor, is_tensor
from .autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .ops import *  # noqa: F403  (every op module lists its public names in __all__)
from .ops import __all__ as _ops_all

bool = _dtype.bool_  # noqa: A001  (torch.bool shadows the builtin inside this namespace, as in torch)
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16
cfloat = complex64
cdouble = complex128
chalf = None
complex32 = None

__version__ = "0.1.0"


class layout:
    """``torch.layout``: only ``torch.strided`` exists here."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


strided = layout("strided")


class memory_format:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
preserve_format = memory_format("preserve_format")


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def is_complex(input: Tensor) -> bool:
    return input.is_complex()


def numel(input: Tensor) -> int:
    return input.numel()


def result_type(tensor1, tensor2) -> dtype:
    """``torch.result_type``: tensors with dims outrank 0-dim tensors, which outrank Python numbers."""
    groups = ([], [], [])
    for x in (tensor1, tensor2):
        if isinstance(x, Tensor):
            groups[1 if x.ndim == 0 else 0].append(x.dtype)
        else:
            groups[2].append(_dtype.scalar_dtype(x))
    return _dtype.result_dtype(*groups)


def can_cast(from_: dtype, to: dtype) -> bool:
    """``torch.can_cast``: no casting to a lower category (float → int, complex → float, ... → bool)."""
    return from_.category <= to.category or (from_ is to)


def set_num_threads(n: int) -> None:
    """``torch.set_num_threads``: limits the BLAS thread pool (via threadpoolctl)."""
    from ._threads import set_num_threads as _set

    _set(n)


def get_num_threads() -> int:
    from ._threads import get_num_threads as _get

    return _get()


def set_num_interop_threads(n: int) -> None:
    pass


def get_num_interop_threads() -> int:
    return 1


def compile(model=None, **kwargs):
    """``torch.compile``: numtorch has no compiler; the model runs eagerly (as with ``backend="eager"``)."""
    if model is None:
        return lambda m: m
    return model


_LAZY_SUBMODULES = {
    "nn", "optim", "utils", "vision", "autograd", "serialization", "cuda", "backends", "linalg",
    "random", "testing", "fft", "special", "distributions", "compat", "hub", "jit", "amp", "onnx",
    "multiprocessing", "types", "overrides", "library", "version",
}  # fmt: skip
_LAZY_ATTRS = {
    "save": "serialization", "load": "serialization",
    "manual_seed": "_random", "seed": "_random", "initial_seed": "_random",
    "get_rng_state": "_random", "set_rng_state": "_random", "Generator": "_random",
    "default_generator": "_random",
}  # fmt: skip


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES:
        return _importlib.import_module(f".{name}", __name__)
    if name in _LAZY_ATTRS:
        return getattr(_importlib.import_module(f".{_LAZY_ATTRS[name]}", __name__), name)
    raise AttributeError(
        f"module 'numtorch' has no attribute '{name}' (numtorch does not implement torch.{name} yet)"
    )


def __dir__():
    return sorted(set(globals()) | _LAZY_SUBMODULES | set(_LAZY_ATTRS))
