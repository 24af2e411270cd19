"""PyTorch's CPU random streams, bit for bit, on NumPy's MT19937.

``torch.manual_seed(s); torch.rand(3)`` and ``numtorch.manual_seed(s); numtorch.rand(3)`` give the
same bits. PyTorch's CPU generator (``aten/src/ATen/CPUGeneratorImpl.cpp``) is a textbook MT19937
plus a one-value cache for Box–Muller normals; each sampler (``aten/src/ATen/core/
TransformationHelper.h``, ``native/cpu/DistributionTemplates.h``) turns raw 32-bit words into numbers
in a fixed way. This module replays those recipes with vectorised NumPy. The recipes and how each
was checked are in ``shared/notes/pytorch-cpu-rng.md``; docstrings cite its sections as §n.

Layout of this file, in the order a learner would read it:

1. raw draws: ``w32`` (one MT19937 output), ``w64`` (two of them, high half first), and the exact
   floats ``U24`` and ``U53`` built from them (§0);
2. ``fma32``/``fma64``: a·b+c with one rounding, which PyTorch's compiled kernels use and NumPy
   lacks (§0);
3. the Cephes float32 ``log``/``sincos`` of PyTorch's AVX2 ``randn`` kernel (§3b), and the C
   library's float64 functions for the double kernels;
   then helpers for "memory order", the order in which PyTorch fills a (non-contiguous) output;
4. ``Generator``: seeding, ``get_state``/``set_state`` in PyTorch's byte layout (§1, §8), and the
   array-level samplers that the tensor functions in ``numtorch/ops/random.py`` call;
5. the module-level default generator, ``manual_seed``, ``seed``, ``get_rng_state`` ...

Every sampler returns its values in the order PyTorch produces them (C order of the requested
shape); writing them into a tensor's storage in memory order is the caller's job.
"""

from __future__ import annotations

import math
import os

import numpy as np

from . import _dtype

__all__ = [
    "Generator",
    "default_generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
]

# --- constants of PyTorch's CPU generator (§1, §8) ------------------------------------------------
_DEFAULT_RNG_SEED = 67280421310721  # c10::detail::default_rng_seed_val: torch.Generator()'s seed
_MT_N = 624  # MT19937 state words
_STATE_NBYTES = 5056  # sizeof(CPUGeneratorImplState)
_U64_MASK = (1 << 64) - 1
# randint ranges at or above this draw one w64 per value, smaller ones one w32 (§4).
_W64_THRESHOLD = 1 << 28
_RANDPERM_W32_LIMIT = 214_748_364  # floor((2**32 - 1) / 20): randperm switches algorithm here (§5)

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
# Significand bits (std::numeric_limits<T>::digits) of the floating dtypes.
_FLOAT_DIGITS = {np.dtype(np.float16): 11, _dtype.bfloat16.np: 8, _F32: 24, _F64: 53}


# =================================================================================================
# 1. Raw MT19937 words -> exact floats (§0, §1)
# =================================================================================================
def _init_genrand(seed32: int) -> np.ndarray:
    """The standard MT19937 ``init_genrand`` (what PyTorch's ``mt19937(seed)`` runs, §1.2)."""
    key = [seed32]
    for i in range(1, _MT_N):
        prev = key[-1]
        key.append((1812433253 * (prev ^ (prev >> 30)) + i) & 0xFFFFFFFF)
    return np.array(key, dtype=np.uint32)


def _u24(words: np.ndarray) -> np.ndarray:
    """``U24``: the low 24 bits of a w32, times 2^-24; float32, exact (§0). torch.rand's float.
    (Works in place on ``words``, a fresh draw buffer: large temporaries are costly.)"""
    words &= 0xFFFFFF
    u = words.astype(np.float32)
    u *= np.float32(2.0**-24)
    return u


def _u53(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """``U53``: the low 53 bits of ``w64 = hi << 32 | lo``, times 2^-53; float64, exact (§0)."""
    return (((hi & 0x1FFFFF) << 32) | lo).astype(np.float64) * (2.0**-53)


def _cast(values: np.ndarray, np_dtype: np.dtype) -> np.ndarray:
    """``static_cast<scalar_t>``: float16/bfloat16 are built from a float, so round through float32."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype.itemsize == 2 and np_dtype.kind not in "iu" and values.dtype != _F32:
        values = values.astype(np.float32)
    return values.astype(np_dtype, copy=False)


# =================================================================================================
# 2. Fused multiply-add with a single rounding (§0)
# =================================================================================================
# PyTorch's kernels are compiled with FMA contraction: ``x * std + mean`` is rounded once. NumPy has
# no fma, so it is emulated exactly with error-free transformations.
def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Knuth's TwoSum: ``s = fl(a + b)`` and the exact error ``a + b - s``."""
    s = a + b
    b_virtual = s - a
    err = (a - (s - b_virtual)) + (b - b_virtual)
    return s, err


def _round_to_odd(s: np.ndarray, err: np.ndarray) -> np.ndarray:
    """Turn ``s = fl(x)`` (with ``err = x - s``) into x rounded to odd: if x was not exact and ``s``
    has an even last bit, step ``s`` one ulp towards x. Rounding to odd first and to nearest later
    never suffers double rounding (Boldo & Melquiond)."""
    bits = s.view(np.int64)
    step = (err != 0) & ((bits & 1) == 0)
    if step.any():
        # Away from zero if err has the sign of s, towards zero otherwise (sign-magnitude bits).
        away = np.signbit(err) == np.signbit(s)
        bits = np.where(step, bits + np.where(away, 1, -1), bits)
        s = bits.view(np.float64)
    return s


def _fma32(a, b, c) -> np.ndarray:
    """float32 ``a*b + c`` with one rounding (§0).

    The float64 product of two float32 values is exact; the float64 sum then rounds once more.
    Rounding float64 -> float32 afterwards gives the single-rounded result unless the float64 sum
    landed exactly on a float32 rounding midpoint while the exact sum was not there; only those
    (rare) elements, and float32-subnormal results, are redone with a round-to-odd sum.
    """
    p = _as_float64(a) * _as_float64(b)
    c64 = _as_float64(c)
    s = p + c64
    bits = s.view(np.uint64)
    # A float32 midpoint has, of the 29 bits float32 drops, only the highest one set.
    suspect = (bits & 0x1FFFFFFF) == 0x10000000
    # An inexact sum is at least half its larger operand (else Sterbenz makes it exact), so a
    # float32-subnormal inexact result needs both operands tiny: impossible if |c| >= 2^-124.
    if isinstance(c64, np.ndarray) or abs(c64) < 2.0**-124:
        suspect |= np.abs(s) < 2.0**-126
    if suspect.any():
        idx = np.nonzero(suspect)
        p_s = np.broadcast_to(p, s.shape)[idx]
        c_s = np.broadcast_to(c64, s.shape)[idx]
        s[idx] = _round_to_odd(*_two_sum(p_s, c_s))
    return s.astype(np.float32)


def _as_float64(x):
    return x.astype(np.float64) if isinstance(x, np.ndarray) else float(x)


_SPLITTER = 134217729.0  # 2^27 + 1, Veltkamp's splitting constant for float64


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dekker's TwoProduct: ``p = fl(a*b)`` and the exact error ``a*b - p``."""
    p = a * b
    t = _SPLITTER * a
    a_hi = t - (t - a)
    a_lo = a - a_hi
    t = _SPLITTER * b
    b_hi = t - (t - b)
    b_lo = b - b_hi
    err = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return p, err


def _fma64(a, b, c) -> np.ndarray:
    """float64 ``a*b + c`` with one rounding (§0): TwoProduct, TwoSum with c, the two error terms
    summed with rounding to odd, one final add (Boldo & Melquiond, "Emulation of FMA and correctly
    rounded sums: proved algorithms using rounding to odd")."""
    a, b, c = (np.asarray(x, dtype=np.float64) for x in (a, b, c))
    p_hi, p_lo = _two_product(a, b)
    t_hi, t_lo = _two_sum(c, p_hi)
    s, err = _two_sum(t_lo, p_lo)
    return t_hi + _round_to_odd(s, err)


def _scale_shift32(x: np.ndarray, std, mean) -> np.ndarray:
    """float32 ``fma(x, std, mean)``; ``x + 0`` when (std, mean) = (1, 0), as fma gives."""
    if std == 1 and mean == 0:
        return x + np.float32(0)
    return _fma32(x, np.float32(std), np.float32(mean))


def _scale_shift64(x: np.ndarray, std, mean) -> np.ndarray:
    """float64 ``fma(x, std, mean)``; ``x + 0`` when (std, mean) = (1, 0), as fma gives."""
    if std == 1 and mean == 0:
        return x + 0.0
    return _fma64(x, std, mean)


def _in_chunks(kernel, values: np.ndarray, *scalars) -> np.ndarray:
    """``kernel(values, *scalars)`` applied to slices of ``values`` along its first axis.

    The kernels above make a dozen temporaries per call; slices of ~16K numbers keep them in cache
    and below malloc's mmap threshold (128 KiB), which makes large draws several times faster.
    """
    rows = max(1, _CHUNK_ELEMENTS // max(1, math.prod(values.shape[1:])))
    if values.shape[0] <= rows:
        return kernel(values, *scalars)
    pieces = [kernel(values[i : i + rows], *scalars) for i in range(0, values.shape[0], rows)]
    return np.concatenate(pieces)


_CHUNK_ELEMENTS = 16384


# --- float64 libm ----------------------------------------------------------------------------------
# PyTorch's double kernels call the C library's log/log1p/sin/cos. NumPy's SIMD float64 log and
# log1p (AVX512 builds) differ from glibc in the last bit for a few percent of inputs, so these go
# through Python's ``math`` module, which is the C library itself.
def _libm(fn, x: np.ndarray) -> np.ndarray:
    return np.fromiter(map(fn, x.ravel().tolist()), dtype=np.float64, count=x.size).reshape(x.shape)


# =================================================================================================
# 3. Cephes float32 log and sincos of the AVX2 randn kernel (§3b)
# =================================================================================================
# ``avx_mathfun.h`` as the compiler emitted it (fused steps read from the disassembly). Every step is
# a float32 operation, a float32 fma, or a bit manipulation, so it replays exactly in NumPy.
_f32 = np.float32
_LOG_P = tuple(
    _f32(v)
    for v in (
        7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
        -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
    )
)  # fmt: skip
_LOG_Q1, _LOG_Q2 = _f32(-2.12194440e-4), _f32(0.693359375)
_SQRT_HALF = _f32(0.707106781186547524)
_FOUR_OVER_PI = _f32(1.27323954473516)
_DP1, _DP2, _DP3 = _f32(-0.78515625), _f32(-2.4187564849853515625e-4), _f32(-3.77489497744594108e-8)
_COS_C = (_f32(2.443315711809948e-5), _f32(-1.388731625493765e-3), _f32(4.166664568298827e-2))
_SIN_C = (_f32(-1.9515295891e-4), _f32(8.3321608736e-3), _f32(-1.6666654611e-1))
_TWO_PI_F32 = _f32(2.0 * math.pi)  # 6.2831855
_ONE, _HALF = _f32(1.0), _f32(0.5)


def _cephes_log_f32(a: np.ndarray) -> np.ndarray:
    """``log256_ps`` for ``a`` in (0, 1] (§3b, ``L``)."""
    bits = a.view(np.int32)
    e = (((bits >> 23) & 0xFF) - 126).astype(np.float32)  # unbiased exponent + 1
    m = ((bits & ~0x7F800000) | 0x3F000000).view(np.float32)  # mantissa in [0.5, 1)
    small = m < _SQRT_HALF
    e = np.where(small, e - _ONE, e)
    t = np.where(small, (m - _ONE) + m, m - _ONE)
    z = t * t
    y = np.full_like(t, _LOG_P[0])
    for coeff in _LOG_P[1:]:
        y = _fma32(y, t, coeff)
    y = y * t
    y = _fma32(y, z, e * _LOG_Q1)
    # The last two fused steps have exact products (z/2; a small integer times 9-bit Q2), so a
    # plain float32 subtraction/addition rounds exactly as the fma does.
    y = y - z * _HALF
    t = t + y
    return t + e * _LOG_Q2


def _cephes_sincos_f32(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sincos256_ps`` for angles ``0 <= x < 2π`` (§3b, ``SC``): returns (sin, cos)."""
    j = (x * _FOUR_OVER_PI).astype(np.int32)  # truncation, like cvttps
    j = (j + 1) & ~1
    y = j.astype(np.float32)
    # y <= 8 here (angles in [0, 2π)), so y·DP1 and y·DP2 (8- and 11-bit constants) are exact
    # products and only the DP3 step needs a real fma.
    x = x + y * _DP1
    x = x + y * _DP2
    x = _fma32(y, _DP3, x)
    z = x * x
    cos_poly = _fma32(_fma32(_COS_C[0], z, _COS_C[1]), z, _COS_C[2])
    cos_poly = _fma32(cos_poly * z, z, -(z * _HALF)) + _ONE
    sin_poly = _fma32(_fma32(_SIN_C[0], z, _SIN_C[1]), z, _SIN_C[2])
    sin_poly = _fma32(sin_poly * z, x, x)
    swap = (j & 2) != 0
    sin = np.where(swap, cos_poly, sin_poly)
    cos = np.where(swap, sin_poly, cos_poly)
    sin = np.where((j & 4) != 0, -sin, sin)
    cos = np.where(((j - 2) & 4) == 0, -cos, cos)
    return sin, cos


def _box_muller_blocks_f32(u: np.ndarray, mean, std) -> np.ndarray:
    """``normal_fill_16_AVX2`` on rows of 16 float32 uniforms (§3b): the first 8 feed the log and
    give the cos outputs, the last 8 are angles and give the sin outputs."""
    radius = np.sqrt(_f32(-2.0) * _cephes_log_f32(_ONE - u[:, :8].ravel())).reshape(-1, 8)
    sin, cos = _cephes_sincos_f32(_TWO_PI_F32 * u[:, 8:].ravel())
    sin, cos = sin.reshape(-1, 8), cos.reshape(-1, 8)
    out = np.empty_like(u)
    out[:, :8] = _scale_shift32(radius * cos, std, mean)
    out[:, 8:] = _scale_shift32(radius * sin, std, mean)
    return out


def _box_muller_blocks_f64(u: np.ndarray, mean, std) -> np.ndarray:
    """``normal_fill_16<double>`` on rows of 16 float64 uniforms (§3c), with the C library's
    log/sin/cos."""
    radius = np.sqrt(-2.0 * _libm(math.log, 1.0 - u[:, :8]))
    theta = 2.0 * math.pi * u[:, 8:]
    out = np.empty_like(u)
    out[:, :8] = _scale_shift64(radius * _libm(math.cos, theta), std, mean)
    out[:, 8:] = _scale_shift64(radius * _libm(math.sin, theta), std, mean)
    return out


# =================================================================================================
# Memory order: the order in which PyTorch's kernels fill an output
# =================================================================================================
def memory_order_axes(array: np.ndarray) -> tuple[int, ...]:
    """The axes of ``array`` from outermost to innermost in its storage (TensorIterator's order).

    PyTorch's random kernels fill their output serially in this order: dimensions sorted by stride,
    largest outermost, ties keeping their order (size-1 dimensions, whose strides mean nothing, go
    innermost). For a transposed tensor that is the order of the untransposed one.
    """
    return tuple(
        sorted(range(array.ndim), key=lambda d: -abs(array.strides[d]) if array.shape[d] > 1 else 0)
    )


def memory_order_view(array: np.ndarray) -> np.ndarray:
    """A view of ``array`` whose C order is the order of its storage."""
    return array if array.flags.c_contiguous else array.transpose(memory_order_axes(array))


def fill_in_memory_order(out: np.ndarray, values: np.ndarray) -> None:
    """Write ``values`` (the sampler's sequence) into ``out`` in the order of its storage."""
    view = memory_order_view(out)
    view[...] = values.reshape(view.shape)


def empty_like_preserving(array: np.ndarray, np_dtype=None) -> np.ndarray:
    """``torch.empty_like`` (preserve_format): dense strides in the same dimension order as
    ``array``'s (NumPy's ``order="K"``); an expanded (overlapping) tensor gets a contiguous one."""
    np_dtype = array.dtype if np_dtype is None else np_dtype
    if any(stride == 0 and size > 1 for size, stride in zip(array.shape, array.strides)):
        return np.empty(array.shape, dtype=np_dtype)
    return np.empty_like(array, dtype=np_dtype, order="K")


# =================================================================================================
# 4. Generator
# =================================================================================================
def _shape_numel(shape) -> tuple[tuple[int, ...], int]:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return shape, math.prod(shape)


def _nondeterministic_seed() -> int:
    """``c10::detail::getNonDeterministicRandom``: 64 bits from the OS's entropy source."""
    return int.from_bytes(os.urandom(8), "little")


class Generator:
    """``torch.Generator`` for the CPU: an MT19937 engine and PyTorch's normal-value cache (§1).

    ``Generator()`` starts from seed 67280421310721, like PyTorch's; ``manual_seed(s)`` gives the
    same stream as ``torch.manual_seed(s)``. The array-level samplers below (``uniform``, ``normal``,
    ``randint``, ...) are what the tensor functions in ``numtorch/ops/random.py`` call.
    """

    __slots__ = (
        "_device",
        "_bits",
        "_initial_seed",
        "_normal_cache",
        "_float_normal_cache",
        "_fresh",
    )

    def __init__(self, device="cpu"):
        from ._device import as_device

        self._device = as_device(device)
        self._bits = np.random.MT19937(0)  # its state is replaced by manual_seed just below
        self.manual_seed(_DEFAULT_RNG_SEED)

    # --- seeding -----------------------------------------------------------------------------------
    @property
    def device(self):
        return self._device

    def manual_seed(self, seed) -> Generator:
        """Seed with ``seed mod 2^64`` (negative seeds wrap); the engine uses its low 32 bits (§1)."""
        if isinstance(seed, bool) or not hasattr(seed, "__index__"):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        seed = seed.__index__()
        if not -(1 << 63) <= seed <= _U64_MASK:
            raise ValueError("Overflow when unpacking long long")
        self._set_seed(seed & _U64_MASK)
        return self

    def seed(self) -> int:
        """Re-seed from the OS's entropy source and return that seed (``Generator.seed``)."""
        new_seed = _nondeterministic_seed()
        self._set_seed(new_seed)
        return new_seed

    def initial_seed(self) -> int:
        """The seed last given to ``manual_seed``/``seed`` (as an unsigned 64-bit integer)."""
        return self._initial_seed

    def clone_state(self) -> Generator:
        """A new generator in this one's state (``Generator.clone_state``)."""
        return Generator(self._device).set_state(self.get_state())

    def get_offset(self) -> int:
        raise RuntimeError("CPU Generator does not use offset")

    def set_offset(self, offset: int) -> Generator:
        raise RuntimeError("CPU Generator does not use offset")

    def __reduce__(self):
        # As torch.Generator pickles: (class, (device,), (initial_seed, offset, state)).
        return (Generator, (self._device,), (self._initial_seed, None, self.get_state()))

    def __setstate__(self, state) -> None:
        self.set_state(state[2])

    def _set_seed(self, seed: int) -> None:
        self._initial_seed = seed
        self._bits.state = {
            "bit_generator": "MT19937",
            "state": {"key": _init_genrand(seed & 0xFFFFFFFF), "pos": _MT_N},
        }
        self._normal_cache = None
        self._float_normal_cache = None
        # PyTorch distinguishes "seeded, nothing drawn" (next = 0) from "624 drawn" (next = 624) in
        # get_state's bytes; NumPy's pos is 624 in both, so remember which one it is.
        self._fresh = True

    # --- state in PyTorch's byte layout (§8) ---------------------------------------------------------
    def get_state(self):
        """A uint8 tensor of 5056 bytes, byte-equal to ``torch.Generator.get_state()`` (§8)."""
        from ._tensor import Tensor

        return Tensor._make(self._state_bytes())

    def set_state(self, new_state) -> Generator:
        """Restore a state from ``get_state`` (ours or PyTorch's: the layout is the same)."""
        from ._tensor import Tensor

        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        array = new_state._data
        if array.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if not (array.flags.c_contiguous or array.size <= 1):
            raise RuntimeError("RNG state must be contiguous")
        self._load_state_bytes(array)
        return self

    def _state_bytes(self) -> np.ndarray:
        state = self._bits.state["state"]
        pos = int(state["pos"])
        left, next_ = (1, 0) if self._fresh else (_MT_N + 1 - pos, pos)
        buf = np.zeros(_STATE_NBYTES, dtype=np.uint8)
        buf[0:8].view(np.uint64)[0] = self._initial_seed
        buf[8:16].view(np.int32)[:] = (left, 1)  # left, seeded
        buf[16:24].view(np.uint64)[0] = next_
        buf[24:5016].view(np.uint64)[:] = state["key"]
        if self._normal_cache is not None:
            buf[5024:5032].view(np.float64)[0] = self._normal_cache
            buf[5040:5044].view(np.int32)[0] = 1
        if self._float_normal_cache is not None:
            buf[5048:5052].view(np.float32)[0] = self._float_normal_cache
            buf[5052] = 1
        return buf

    def _load_state_bytes(self, buf: np.ndarray) -> None:
        if buf.size != _STATE_NBYTES:
            raise RuntimeError(
                f"Expected a CPUGeneratorImplState of size {_STATE_NBYTES} but found the input RNG "
                f"state size to be {buf.size}"
            )
        buf = np.ascontiguousarray(buf).reshape(-1)
        left, seeded = (int(v) for v in buf[8:16].view(np.int32))
        next_ = int(buf[16:24].view(np.uint64)[0]) & 0xFFFFFFFF
        if not (seeded and 0 < left <= _MT_N and next_ <= _MT_N):
            raise RuntimeError("Invalid mt19937 state")
        # PyTorch draws ``left - 1`` more words before regenerating; NumPy's ``pos`` counts the words
        # already used. States PyTorch produces always have next = 625 - left (or next = 0, left = 1).
        key = (buf[24:5016].view(np.uint64) & 0xFFFFFFFF).astype(np.uint32)
        self._bits.state = {
            "bit_generator": "MT19937",
            "state": {"key": key, "pos": _MT_N + 1 - left},
        }
        self._initial_seed = int(buf[0:8].view(np.uint64)[0])
        self._fresh = left == 1 and next_ == 0
        normal_valid = buf[5040:5044].view(np.int32)[0] != 0
        self._normal_cache = float(buf[5024:5032].view(np.float64)[0]) if normal_valid else None
        float_valid = buf[5052] != 0
        self._float_normal_cache = (
            float(buf[5048:5052].view(np.float32)[0]) if float_valid else None
        )

    # --- raw draws (§0) -----------------------------------------------------------------------------
    def _w32(self, n: int) -> np.ndarray:
        """The next ``n`` 32-bit MT19937 outputs (as uint64)."""
        if n == 0:
            return np.empty(0, dtype=np.uint64)
        self._fresh = False
        return self._bits.random_raw(n)

    def _w64(self, n: int) -> np.ndarray:
        """The next ``n`` 64-bit draws: two w32 each, the first one the high half."""
        pairs = self._w32(2 * n).reshape(n, 2)
        return (pairs[:, 0] << 32) | pairs[:, 1]

    def _u24(self, n: int) -> np.ndarray:
        return _u24(self._w32(n))

    def _u53(self, n: int) -> np.ndarray:
        pairs = self._w32(2 * n).reshape(n, 2)
        return _u53(pairs[:, 0], pairs[:, 1])

    # --- samplers: uniform (§2) -----------------------------------------------------------------------
    def uniform(self, shape, low: float, high: float, np_dtype) -> np.ndarray:
        """``uniform_(low, high)`` values (§2): ``fma(U, high - low, low)``, and ``high`` -> ``low``.

        float64 uses U53 and double arithmetic; float32, float16 and bfloat16 use U24 and float32
        arithmetic (the 16-bit types round the float32 result).
        """
        shape, n = _shape_numel(shape)
        np_dtype = np.dtype(np_dtype)
        if np_dtype == _F64:
            u = self._u53(n)
            v = u if (low, high) == (0.0, 1.0) else _in_chunks(_fma64, u, high - low, low)
            v[v == high] = low
            return v.reshape(shape)
        lo, hi = _f32(low), _f32(high)
        u = self._u24(n)
        v = u if (lo, hi) == (0, 1) else _in_chunks(_fma32, u, hi - lo, lo)
        v[v == hi] = lo
        if np_dtype != _F32:  # float16/bfloat16: round, then the clamp at the dtype's `high`
            v = v.astype(np_dtype)
            v = np.where(v == _f32(high).astype(np_dtype), _f32(low).astype(np_dtype), v)
        return v.reshape(shape)

    # --- samplers: normal (§3) ----------------------------------------------------------------------
    def normal(
        self, shape, mean: float, std: float, np_dtype, contiguous: bool = True
    ) -> np.ndarray:
        """``normal_(mean, std)`` values (§3).

        A contiguous output with 16 or more elements takes the vectorised Box–Muller path (§3b–3d);
        anything else takes the scalar path with the generator's cached normal (§3a).
        """
        shape, n = _shape_numel(shape)
        np_dtype = np.dtype(np_dtype)
        if n < 16 or not contiguous:
            return self._normal_scalar(n, mean, std, np_dtype).reshape(shape)
        if np_dtype == _F64:
            values = self._normal_vectorised(n, n, mean, std, self._u53, _box_muller_blocks_f64)
        else:
            first = n if np_dtype == _F32 else n // 16 * 16
            mean32, std32 = _f32(mean), _f32(std)
            values = self._normal_vectorised(
                n, first, mean32, std32, self._u24, _box_muller_blocks_f32
            )
        return values.astype(np_dtype, copy=False).reshape(shape)

    def _normal_vectorised(self, n: int, first: int, mean, std, draw, transform) -> np.ndarray:
        """§3b–3d: ``first`` uniforms drawn up front (n for float32/float64, only the full blocks
        for float16/bfloat16), transformed in blocks of 16; a partial last block is redone with 16
        fresh uniforms written over the last 16 outputs."""
        full = n // 16 * 16
        out = _in_chunks(transform, draw(first)[:full].reshape(-1, 16), mean, std).reshape(-1)
        if full == n:
            return out
        tail = transform(draw(16).reshape(1, 16), mean, std).reshape(-1)
        return np.concatenate([out[: n - 16], tail])

    def _normal_scalar(self, n: int, mean: float, std: float, np_dtype) -> np.ndarray:
        """§3a: Box–Muller in double, one pair (cos, sin) per two U53; the sin half of the last pair
        is cached in the generator and returned by the next scalar-path draw."""
        values = []
        if n and self._normal_cache is not None:
            values.append(np.array([self._normal_cache]))
            self._normal_cache = None
        pairs = (n - len(values) + 1) // 2
        if pairs:
            u = self._u53(2 * pairs).reshape(pairs, 2)
            radius = np.sqrt(-2.0 * _libm(math.log1p, -u[:, 1]))
            theta = 6.283185307179586 * u[:, 0]
            cos_sin = np.empty((pairs, 2))
            cos_sin[:, 0] = radius * _libm(math.cos, theta)
            cos_sin[:, 1] = radius * _libm(math.sin, theta)
            cos_sin = cos_sin.reshape(-1)
            if (n - len(values)) % 2:
                self._normal_cache = float(cos_sin[-1])
                cos_sin = cos_sin[:-1]
            values.append(cos_sin)
        v = np.concatenate(values) if values else np.empty(0)
        return _cast(_scale_shift64(v, std, mean), np_dtype)

    # --- samplers: integers (§4) ----------------------------------------------------------------------
    def randint(self, low: int, high: int, shape, np_dtype) -> np.ndarray:
        """``randint(low, high)`` / ``random_(low, high)`` values (§4): ``(w mod R) + low`` with
        R = high - low, w a w64 when R >= 2^28 and a w32 otherwise; int64 wraparound, then cast."""
        shape, n = _shape_numel(shape)
        span = (high - low) & _U64_MASK
        words = self._w64(n) if span >= _W64_THRESHOLD else self._w32(n)
        values = (words % np.uint64(span) + np.uint64(low & _U64_MASK)).view(np.int64)
        return _cast(values, np_dtype).reshape(shape)

    def random_full_range(self, shape, np_dtype) -> np.ndarray:
        """``random_(-2^63, None)`` on int64/float64/float32/bfloat16: a w64 read as int64 (§4)."""
        shape, n = _shape_numel(shape)
        return _cast(self._w64(n).view(np.int64), np_dtype).reshape(shape)

    def random(self, shape, np_dtype) -> np.ndarray:
        """``random_()`` without bounds (§4.4): int64 ``w64 mod 2^63``; float64 ``w64 mod (2^53+1)``;
        float32/float16/bfloat16 ``w32 mod (2^digits+1)``; bool ``w32 & 1``; other integers
        ``w32 mod (max+1)``."""
        shape, n = _shape_numel(shape)
        np_dtype = np.dtype(np_dtype)
        if np_dtype == np.bool_:
            return (self._w32(n) & 1).astype(np.bool_).reshape(shape)
        if np_dtype == np.int64:
            return (self._w64(n) % np.uint64(1 << 63)).astype(np.int64).reshape(shape)
        if np_dtype == _F64:
            return (self._w64(n) % np.uint64((1 << 53) + 1)).astype(np.float64).reshape(shape)
        if np_dtype in _FLOAT_DIGITS:  # float32, float16, bfloat16
            modulus = (1 << _FLOAT_DIGITS[np_dtype]) + 1
            values = (self._w32(n) % np.uint64(modulus)).astype(np.float32)
            return values.astype(np_dtype).reshape(shape)
        modulus = int(np.iinfo(np_dtype).max) + 1
        return (self._w32(n) % np.uint64(modulus)).astype(np_dtype).reshape(shape)

    # --- samplers: permutations (§5) ------------------------------------------------------------------
    def randperm(self, n: int, np_dtype=np.int64) -> np.ndarray:
        """``randperm(n)`` (§5): a Fisher–Yates shuffle of ``0..n-1`` driven by w32 draws; from
        n = 214,748,364 on, PyTorch switches to an inside-out shuffle with w64 draws."""
        if n < _RANDPERM_W32_LIMIT:
            if n <= 1:
                return np.arange(n).astype(np_dtype)
            # All n-1 draws and swap targets at once; the swaps themselves are sequential.
            offsets = self._w32(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)
            targets = (offsets.astype(np.int64) + np.arange(n - 1)).tolist()
            perm = list(range(n))
            for i, j in enumerate(targets):
                perm[i], perm[j] = perm[j], perm[i]
            return np.array(perm, dtype=np.int64).astype(np_dtype)
        # Inside-out shuffle (slow in Python, as any loop over 2e8 elements is; kept for fidelity).
        picks = (self._w64(n) % np.arange(1, n + 1, dtype=np.uint64)).tolist()
        perm = np.empty(n, dtype=np.int64)
        for i, z in enumerate(picks):
            perm[i] = perm[z]
            perm[z] = i
        return perm.astype(np_dtype)

    # --- samplers: Bernoulli, exponential, multinomial, dropout (§6) ----------------------------------
    def bernoulli_p(self, shape, p: float, np_dtype) -> np.ndarray:
        """``bernoulli_(p)`` with a float p (§6): ``U53 < p`` per element, as 0/1 in ``np_dtype``."""
        shape, n = _shape_numel(shape)
        return (self._u53(n) < p).astype(np_dtype).reshape(shape)

    def bernoulli_tensor(self, probs: np.ndarray, np_dtype) -> np.ndarray:
        """``bernoulli(P)`` (§6): ``U53 < p`` if P is float64, else ``U24 < float32(p)``; one draw per
        element of ``probs`` in C order."""
        n = probs.size
        if probs.dtype == _F64:
            hits = self._u53(n) < probs.reshape(-1)
        else:
            hits = self._u24(n) < probs.reshape(-1).astype(np.float32)
        return hits.astype(np_dtype).reshape(probs.shape)

    def exponential(self, shape, lambd: float, np_dtype) -> np.ndarray:
        """``exponential_(lambd)`` (§6): ``(-1/lambd) * log1p(-U53)`` in double, then cast."""
        shape, n = _shape_numel(shape)
        values = (-1.0 / lambd) * _libm(math.log1p, -self._u53(n))
        return _cast(values, np_dtype).reshape(shape)

    def multinomial(self, probs: np.ndarray, num_samples: int, replacement: bool) -> np.ndarray:
        """``multinomial(P, k, replacement)`` indices (int64) for a 1-D or 2-D ``probs`` (§6).

        Without replacement, or for k = 1: exponential(1) keys ``q`` shaped like P, ``P / q`` in
        P's dtype, the top-k columns. With replacement: per row a sequential running sum divided by
        the total (last entry set to 1), and per sample the first index whose sum is >= U53.
        """
        rows = probs if probs.ndim == 2 else probs[None, :]
        if not replacement or num_samples == 1:
            noise = empty_like_preserving(rows)  # exponential_(1) on empty_like(P): P's layout
            fill_in_memory_order(noise, self.exponential(rows.size, 1.0, rows.dtype))
            keys = rows / noise
            if num_samples == 1:
                picks = np.argmax(keys, axis=1)[:, None]
            else:
                picks = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
        else:
            uniforms = self._u53(rows.shape[0] * num_samples).reshape(rows.shape[0], num_samples)
            picks = np.empty(uniforms.shape, dtype=np.int64)
            for r, row in enumerate(rows):
                cumulative = np.cumsum(row)  # sequential, in P's dtype, like the kernel's loop
                cumulative = cumulative / cumulative[-1]
                cumulative[-1] = 1
                picks[r] = np.searchsorted(cumulative.astype(np.float64), uniforms[r], side="left")
        picks = picks.astype(np.int64)
        return picks.reshape(-1) if probs.ndim == 1 else picks

    def dropout_mask(self, shape, p: float, np_dtype) -> np.ndarray:
        """The training-mode dropout multiplier for ``0 < p < 1`` (§6): ``bernoulli_(1 - p)`` then
        divided by ``1 - p`` in the input's dtype; ``out = x * mask``. (For p == 0 PyTorch returns
        the input and for p == 1 multiplies by zero; neither draws.)"""
        keep = self.bernoulli_p(shape, 1.0 - p, np_dtype)
        return keep / np.dtype(np_dtype).type(1.0 - p)


# =================================================================================================
# 5. The default generator and the torch.* seeding functions
# =================================================================================================
default_generator = Generator()
default_generator.seed()  # like PyTorch, the default stream starts from a non-deterministic seed


def _resolve(generator: Generator | None) -> Generator:
    """The generator a sampling function uses: the one passed, else the default one."""
    return default_generator if generator is None else generator


def manual_seed(seed) -> Generator:
    """``torch.manual_seed``: seed the default generator; returns it."""
    return default_generator.manual_seed(int(seed))


def seed() -> int:
    """``torch.seed``: seed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """``torch.initial_seed``: the default generator's seed."""
    return default_generator.initial_seed()


def get_rng_state():
    """``torch.get_rng_state``: the default generator's state as a uint8 tensor (§8)."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """``torch.set_rng_state``: restore the default generator's state."""
    default_generator.set_state(new_state)
