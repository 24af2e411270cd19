"""PyTorch's CPU random streams, bit for bit, on NumPy's MT19937.

``torch.manual_seed(s); torch.rand(3)`` and ``numtorch.manual_seed(s); numtorch.rand(3)`` give the
same bits. PyTorch's CPU generator (``aten/src/ATen/CPUGeneratorImpl.cpp``) is a textbook MT19937
plus a one-value cache for Box–Muller normals; each sampler (``aten/src/ATen/core/
TransformationHelper.h``, ``native/cpu/DistributionTemplates.h``) turns raw 32-bit words into numbers
in a fixed way. This module replays those recipes with vectorised NumPy. The recipes and how each
was checked are in ``shared/notes/pytorch-cpu-rng.md``; docstrings cite its sections as §n.

Layout of this file, in the order a learner would read it:

1. raw draws: ``w32`` (one MT19937 output), ``w64`` (two of them, high half first), and the exact
   floats ``U24`` and ``U53`` built from them (§0); the scratch buffers of the chunked kernels
   (NOTE [ Chunked kernels ]);
2. ``fma32``/``fma64``: a·b+c with one rounding, which PyTorch's compiled kernels use and NumPy
   lacks (§0);
3. the Cephes float32 ``log``/``sincos`` of PyTorch's AVX2 ``randn`` kernel (§3b) and the float32
   ``uniform_`` kernel (§2), written for speed on NumPy, and the C library's float64 functions
   for the double kernels; then helpers for "memory order", the order in which PyTorch fills a
   (non-contiguous) output;
4. ``Generator``: seeding, ``get_state``/``set_state`` in PyTorch's byte layout (§1, §8), and the
   array-level samplers that the tensor functions in ``numtorch/ops/random.py`` call;
5. the module-level default generator, ``manual_seed``, ``seed``, ``get_rng_state`` ...

Samplers produce values in the order PyTorch does (C order of the requested shape), and
values go into a tensor's storage in memory order: ``fill_uniform``/``fill_normal`` write them
there chunk by chunk themselves; for the other samplers, which return arrays, it is the caller's
job.
"""

from __future__ import annotations

import math
import os
import threading

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


# NOTE [ Chunked kernels ]
# Samplers fill their output a chunk of _CHUNK values at a time: draw the chunk's words, run them
# through NumPy ufuncs whose results go to scratch arrays reused from chunk to chunk (``out=``),
# and write straight into the destination. A 100M-element tensor thus never holds 100M words or
# float64 temporaries (allocating and faulting in those cost more than the arithmetic), the
# scratch stays in the CPU's caches, and the ~120 ufunc calls per chunk (~50 µs) cost little next
# to the chunk's arithmetic.
_CHUNK = 1 << 16  # a multiple of 16 (the normal kernel's block)


class _Scratch:
    """Named scratch buffers for the chunk kernels, reused by each chunk and each call
    (NOTE [ Chunked kernels ]); one per thread (``_thread_scratch``). A name is raw memory: the
    kernels view it as whatever dtype a phase needs, so phases that follow each other share it
    and the working set stays small."""

    __slots__ = ("_buffers", "_views")

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}
        self._views: dict[tuple, np.ndarray] = {}  # the views handed out, by (name, dtype, n)

    def __call__(self, name: str, dtype, n: int) -> np.ndarray:
        """``n`` elements of ``dtype`` at the start of the buffer ``name`` (grown as needed)."""
        key = (name, dtype, n)
        view = self._views.get(key)
        if view is None:
            nbytes = n * np.dtype(dtype).itemsize
            buffer = self._buffers.get(name)
            if buffer is None or buffer.size < nbytes:
                buffer = self._buffers[name] = np.empty(nbytes, np.uint8)
                self._views.clear()  # views of the old buffer must not be handed out again
            if len(self._views) > 512:  # one set per chunk size seen; keep it bounded
                self._views.clear()
            view = self._views[key] = buffer[:nbytes].view(dtype)
        return view


_per_thread = threading.local()


def _thread_scratch() -> _Scratch:
    """This thread's scratch buffers: kept between calls, so a sampler call does not allocate (and
    fault in) megabytes of fresh temporaries; a few MB, the temporaries of one chunk."""
    scratch = getattr(_per_thread, "scratch", None)
    if scratch is None:
        scratch = _per_thread.scratch = _Scratch()
    return scratch


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


def _round_sum_to_f32(
    p: np.ndarray, c, out: np.ndarray | None = None, scratch: _Scratch | None = None
) -> np.ndarray:
    """float32 ``p + c`` with one rounding, for a float64 ``p`` that is exact (a product of two
    float32 values) and a float32 ``c`` (scalar or array); written to ``out`` if given.

    The float64 sum rounds once; rounding it to float32 then gives the single-rounded result unless
    the float64 sum landed exactly on a float32 rounding midpoint while the exact sum was not there.
    Only those (rare) elements, and float32-subnormal results, are redone with a round-to-odd sum.
    """
    buf = _Scratch() if scratch is None else scratch
    c64 = np.asarray(c, np.float64)
    shape = np.broadcast_shapes(p.shape, np.shape(c64))
    n = math.prod(shape)
    s = buf("d1", np.float64, n).reshape(shape)
    np.add(p, c64, s)
    # A float32 midpoint has, of the 29 bits float32 drops, only the highest one set.
    dropped = buf("sum_dropped", np.uint64, n).reshape(shape)
    np.bitwise_and(s.view(np.uint64), _DROPPED_BY_F32, dropped)
    suspect = buf("sum_suspect", np.bool_, n).reshape(shape)
    np.equal(dropped, _F32_MIDPOINT, suspect)
    # An inexact sum is at least half its larger operand (else Sterbenz makes it exact), so a
    # float32-subnormal inexact result needs both operands tiny: impossible if |c| >= 2^-124.
    if np.ndim(c) or abs(c64) < 2.0**-124:
        suspect |= np.abs(s) < 2.0**-126
    count = np.count_nonzero(suspect)
    if count:
        p, c64 = np.broadcast_to(p, shape), np.broadcast_to(c64, shape)
        if count * 32 < n:
            idx = np.nonzero(suspect)
            s[idx] = _round_to_odd(*_two_sum(p[idx], c64[idx]))
        else:  # many exact ties (operands with few significant bits): all elements at once
            _, err = _two_sum(p, c64)
            s[...] = _round_to_odd(s, err * suspect)
    if out is None:
        return s.astype(np.float32)
    out[...] = s
    return out


_DROPPED_BY_F32 = np.array(0x1FFFFFFF, np.uint64)
_F32_MIDPOINT = np.array(0x10000000, np.uint64)


def _fma32(a, b, c, out: np.ndarray | None = None, scratch: _Scratch | None = None) -> np.ndarray:
    """float32 ``a*b + c`` with one rounding (§0): the float64 product of two float32 values is
    exact, so only the sum needs care (``_round_sum_to_f32``)."""
    buf = _Scratch() if scratch is None else scratch
    shape = np.broadcast_shapes(np.shape(a), np.shape(b))
    product = buf("d0", np.float64, math.prod(shape)).reshape(shape)
    if np.shape(a) == shape:
        product[...] = a
        np.multiply(product, np.asarray(b, np.float64), product)
    else:
        np.multiply(a, b, product, dtype=np.float64)
    return _round_sum_to_f32(product, c, out, buf)


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
    result = t_hi + _round_to_odd(s, err)
    # TwoProduct's error term underflows for products under 2^-969 (then its p_lo is inexact):
    # those (rare) elements are computed with exact rational arithmetic.
    tiny = (np.abs(p_hi) < 2.0**-969) & (a != 0) & (b != 0)
    if tiny.any():
        from fractions import Fraction

        idx = np.nonzero(tiny)
        shape = tiny.shape
        result = np.array(result, dtype=np.float64)
        result[idx] = [
            float(Fraction(x) * Fraction(y) + Fraction(z))
            for x, y, z in zip(*(np.broadcast_to(v, shape)[idx].tolist() for v in (a, b, c)))
        ]
    return result


def _scale_shift32(
    x: np.ndarray, std: np.float32, mean: np.float32, out: np.ndarray, scratch: _Scratch
) -> None:
    """``out = fma(x, std, mean)`` in float32; ``x`` (float32) may be overwritten.

    When std is a power of two (x·std is exact; x is a normal value of modest size) or mean is
    ±0 (adding it only settles the sign of a zero result, as the fma does), one of the two
    float32 operations is exact and the other rounds once, as the fma does.
    """
    if mean == 0 or (std != 0 and math.frexp(std)[0] == 0.5 and 2.0**-60 <= std <= 2.0**60):
        if std != 1:
            np.multiply(x, np.array(std), x)
        np.add(x, np.array(mean), out)
    else:
        _fma32(x, np.float64(std), mean, out, scratch)


def _scale_shift64(x: np.ndarray, std, mean) -> np.ndarray:
    """float64 ``fma(x, std, mean)``; ``x + 0`` when (std, mean) = (1, 0), as fma gives."""
    if std == 1 and mean == 0:
        return x + 0.0
    return _fma64(x, std, mean)


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
#
# NOTE [ Fused steps on the randn inputs ]
# A float32 ``fma(a, b, c)`` is computed here as float64 ``a*b + c`` rounded to float32: the product
# is exact, and the result is the fma's unless the float64 sum lands exactly on a float32 rounding
# midpoint while the exact sum does not (``_round_sum_to_f32`` checks for that). These kernels only
# ever see ``1 - U24`` (log) and ``f32(2π)·U24`` (sincos), 2^24 inputs each, and over all of them no
# fused step does so: ``test_randn_kernels_exact_on_every_input`` replays both kernels with the
# checked fma on every input. So they run without the check.
#
# The kernels are written for speed on NumPy (NOTE [ Chunked kernels ]): results go to scratch
# arrays (positional ``out``); float32 <-> float64 conversions are slice assignments; constants
# are 0-d arrays (a ufunc call with a Python or NumPy scalar costs 3-5x one with a 0-d array);
# selections are bit masks (``where=`` loops are 20x slower than plain ones).
def _const(value, dtype) -> np.ndarray:
    """A read-only 0-d array, the cheapest constant operand of a ufunc."""
    array = np.array(value, dtype)
    array.flags.writeable = False
    return array


_f32 = np.float32
_LOG_P = tuple(
    _const(_f32(v), np.float64)
    for v in (
        7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
        -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
    )
)  # fmt: skip
_LOG_Q1, _LOG_Q2 = _const(-2.12194440e-4, np.float32), _const(0.693359375, np.float32)
_SQRT_HALF_BITS = _const(_f32(0.707106781186547524).view(np.int32), np.int32)
_FOUR_OVER_PI = _const(1.27323954473516, np.float32)
# The three parts of π/4 (float32), summed exactly in float64.
_DP_SUM = _const(
    sum(float(_f32(v)) for v in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8)),
    np.float64,
)
# The cos and sin polynomials side by side (rows of a (2, n) array): coefficients k = 0, 1, 2.
_COS_SIN_C = tuple(
    _const([[_f32(c)], [_f32(s)]], np.float64)
    for c, s in (
        (2.443315711809948e-5, -1.9515295891e-4),
        (-1.388731625493765e-3, 8.3321608736e-3),
        (4.166664568298827e-2, -1.6666654611e-1),
    )
)
_TWO_PI_F32 = _f32(2.0 * math.pi)  # 6.2831855
_U24_SCALE = _const(2.0**-24, np.float32)
_ONE, _HALF, _MINUS_TWO = (_const(v, np.float32) for v in (1.0, 0.5, -2.0))
_MINUS_HALF = _const(-0.5, np.float64)
_TWO_PI_U24 = _const(_TWO_PI_F32 * _f32(2.0**-24), np.float32)  # f32(2π)·2^-24, exact
_I = {v: _const(v, np.int32) for v in (1, 23, 29, 30, 31, -2, -126, 106, 0x7FFFFF, 0x3F000000)}
_LOW_24 = _const(0xFFFFFF, np.int32)
_HIGH_8 = _const(-0x1000000, np.int32)  # 0xFF000000
_SIGN_BIT = _const(-(2**31), np.int32)


def _cephes_log_f32(a: np.ndarray, scratch: _Scratch | None = None) -> np.ndarray:
    """``log256_ps`` (§3b, ``L``) for float32 ``a`` in {j·2^-24 : 1 <= j <= 2^24}, the values
    ``1 - U24`` the randn kernel feeds it (NOTE [ Fused steps on the randn inputs ]).

    Returns a scratch array (valid until ``scratch`` is used again).
    """
    buf = _Scratch() if scratch is None else scratch
    return _log_kernel(a.reshape(-1).view(np.int32), _I[-126], buf)


def _log_kernel(bits: np.ndarray, exponent_offset: np.ndarray, buf: _Scratch) -> np.ndarray:
    """``_cephes_log_f32`` on the bits of a float32 ``x = ±a·2^s``: ``bits >> 23`` (an arithmetic
    shift, so a set sign bit subtracts 256) plus ``exponent_offset`` must give a's exponent + 1."""
    n = bits.size
    exponent = buf("s0", np.int32, n)
    np.right_shift(bits, _I[23], exponent)
    m = buf("s1", np.float32, n)  # the mantissa, in [0.5, 1)
    m_bits = m.view(np.int32)
    np.bitwise_and(bits, _I[0x7FFFFF], m_bits)
    np.bitwise_or(m_bits, _I[0x3F000000], m_bits)
    # small = m < sqrt(1/2), as an all-ones mask (positive floats order like their bits)
    small = buf("s2", np.int32, n)
    np.subtract(m_bits, _SQRT_HALF_BITS, small)
    np.right_shift(small, _I[31], small)
    np.add(exponent, small, exponent)  # e -= 1 where small
    np.add(exponent, exponent_offset, exponent)
    e = buf("s3", np.float32, n)
    e[...] = exponent
    # t = (m - 1) + m where small, else (m - 1) + 0
    t = buf("s4", np.float32, n)
    np.subtract(m, _ONE, t)
    np.bitwise_and(m_bits, small, small)
    np.add(t, small.view(np.float32), t)
    t64 = buf("d0", np.float64, n)
    t64[...] = t
    z = buf("s5", np.float32, n)
    np.multiply(t, t, z)
    # y = P0; y = fma(y, t, Pk) for k = 1..8; y = f32(y·t)
    y = buf("s6", np.float32, n)
    y64 = buf("d1", np.float64, n)
    np.multiply(t64, _LOG_P[0], y64)
    np.add(y64, _LOG_P[1], y64)
    for coeff in _LOG_P[2:]:
        y[...] = y64
        y64[...] = y
        np.multiply(y64, t64, y64)
        np.add(y64, coeff, y64)
    y[...] = y64
    np.multiply(y, t, y)
    # y = fma(y, z, f32(e·Q1)) (t64 is free: it takes z, then e·Q1)
    tmp = buf("s7", np.float32, n)
    np.multiply(e, _LOG_Q1, tmp)
    y64[...] = y
    t64[...] = z
    np.multiply(y64, t64, y64)
    t64[...] = tmp
    np.add(y64, t64, y64)
    y[...] = y64
    # fma(-z, 0.5, y) and fma(e, Q2, t) have exact products (z/2; a small integer times the 9-bit
    # Q2), so a float32 subtraction/addition rounds exactly as the fma does.
    np.multiply(z, _HALF, tmp)
    np.subtract(y, tmp, y)
    np.add(t, y, t)
    np.multiply(e, _LOG_Q2, tmp)
    log = buf("log", np.float32, n)
    np.add(t, tmp, log)
    return log


def _cephes_sincos_f32(
    x: np.ndarray, scratch: _Scratch | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``sincos256_ps`` (§3b, ``SC``) for float32 angles ``x`` = f32(2π)·U24, the randn kernel's
    (NOTE [ Fused steps on the randn inputs ]): returns (sin, cos), the rows of one scratch array
    ``[cos, sin]`` (valid until ``scratch`` is used again)."""
    buf = _Scratch() if scratch is None else scratch
    n = x.size
    x = x.reshape(-1)
    tmp = buf("s0", np.float32, n)
    j = buf("s1", np.int32, n)
    np.multiply(x, _FOUR_OVER_PI, tmp)
    j[...] = tmp  # truncation, like cvttps
    np.add(j, _I[1], j)
    np.bitwise_and(j, _I[-2], j)
    # x = fma(y, DP3, fma(y, DP2, fma(y, DP1, x))) with y = float(j) <= 8: here the first two
    # steps are exact (exact products; the sums fit a float32), and y·(DP1 + DP2 + DP3) is exact
    # in float64, so the three are one float64 sum rounded once (all 2^24 angles checked).
    zxh = buf("d0", np.float64, 3 * n).reshape(3, n)  # rows z, x, -z/2 (as float64)
    z64, x64, minus_half_z64 = zxh
    poly = buf("d1", np.float64, 2 * n).reshape(2, n)
    poly[0] = j
    np.multiply(poly[0], _DP_SUM, poly[0])
    x64[...] = x
    np.add(poly[0], x64, poly[0])
    xr = buf("s2", np.float32, n)
    xr[...] = poly[0]
    x64[...] = xr
    z = buf("s3", np.float32, n)
    np.multiply(xr, xr, z)
    z64[...] = z
    np.multiply(z64, _MINUS_HALF, minus_half_z64)  # -f32(z·0.5), exact
    # [c, s] = fma(fma([C0, S0], z, [C1, S1]), z, [C2, S2]); [c, s] = f32([c, s]·z);
    # c = fma(c, z, -z/2) + 1; s = fma(s, x, x)
    cos_sin = buf("cos_sin", np.float32, 2 * n).reshape(2, n)
    np.multiply(z64, _COS_SIN_C[0], poly)
    np.add(poly, _COS_SIN_C[1], poly)
    cos_sin[...] = poly
    poly[...] = cos_sin
    np.multiply(poly, z64, poly)
    np.add(poly, _COS_SIN_C[2], poly)
    cos_sin[...] = poly
    np.multiply(cos_sin, z, cos_sin)
    poly[...] = cos_sin
    np.multiply(poly, zxh[:2], poly)
    np.add(poly, zxh[2:0:-1], poly)
    cos_sin[...] = poly
    np.add(cos_sin[0], _ONE, cos_sin[0])
    # Octant j (even): swap the two where j & 2, negate sin where j & 4 and cos where
    # (j - 2) & 4 == 0, i.e. where bit 2 of j + 2 = (bit 2 of j) ^ (bit 1 of j). As bit
    # operations: swap = all ones where bit 1 of j; d = (cos ^ sin) & swap; [cos, sin] ^= d;
    # then flip the sign bits.
    bits = cos_sin.view(np.int32)
    swap = buf("s4", np.int32, n)
    np.left_shift(j, _I[30], swap)
    np.right_shift(swap, _I[31], swap)
    diff = buf("s5", np.int32, n)
    np.bitwise_xor(bits[0], bits[1], diff)
    np.bitwise_and(diff, swap, diff)
    np.bitwise_xor(bits, diff, bits)
    signs = buf("s6", np.int32, 2 * n).reshape(2, n)
    np.left_shift(j, _I[29], signs[1])
    np.bitwise_and(signs[1], _SIGN_BIT, signs[1])
    np.bitwise_and(swap, _SIGN_BIT, swap)
    np.bitwise_xor(signs[1], swap, signs[0])
    np.bitwise_xor(bits, signs, bits)
    return cos_sin[1], cos_sin[0]


_HALF_BLOCK = np.dtype((np.void, 32))  # 8 float32/int32 values: half a 16-value block


def _box_muller_f32(words: np.ndarray, out: np.ndarray, mean, std, scratch: _Scratch) -> None:
    """``normal_fill_16_AVX2`` (§3b): rows of 16 raw words -> rows of 16 float32 normals in
    ``out``. The first 8 words of a row give ``1 - U24`` for the log and the cos outputs, the last
    8 give the angles ``f32(2π)·U24`` and the sin outputs."""
    rows = words.shape[0]
    n = 8 * rows
    # All first half-blocks, then all second ones (a copy of 32-byte items: cheaper than strided
    # ufunc loops of 8).
    halves = scratch("halves", np.int32, 2 * n)
    np.copyto(halves.view(_HALF_BLOCK).reshape(2, rows), words.view(_HALF_BLOCK).reshape(rows, 2).T)
    k, angle_k = halves[:n], halves[n:]
    # 1 - U24 = j·2^-24 with j = 2^24 - k. k | 0xFF000000 is k - 2^24 = -j, which the log takes as
    # a float32 (exact): same mantissa, the exponent corrected by the offset.
    np.bitwise_or(k, _HIGH_8, k)
    minus_j = scratch("input", np.float32, n)
    minus_j[...] = k
    radius = _log_kernel(minus_j.view(np.int32), _I[106], scratch)  # then sqrt(-2·log)
    np.multiply(radius, _MINUS_TWO, radius)
    np.sqrt(radius, radius)
    # f32(2π)·(k·2^-24) rounds as f32(2π)·k does, then scales by a power of two: exact.
    np.bitwise_and(angle_k, _LOW_24, angle_k)
    theta = scratch("input", np.float32, n)
    theta[...] = angle_k
    np.multiply(theta, _TWO_PI_U24, theta)
    _cephes_sincos_f32(theta, scratch)
    cos_sin = scratch("cos_sin", np.float32, 2 * n).reshape(2, n)
    np.multiply(cos_sin, radius, cos_sin)
    _scale_shift32(cos_sin, std, mean, cos_sin, scratch)
    np.copyto(out.view(_HALF_BLOCK).reshape(rows, 2), cos_sin.view(_HALF_BLOCK).reshape(2, rows).T)


def _box_muller_blocks_f64(u: np.ndarray, mean, std) -> np.ndarray:
    """``normal_fill_16<double>`` on rows of 16 float64 uniforms (§3c), with the C library's
    log/sin/cos."""
    radius = np.sqrt(-2.0 * _libm(math.log, 1.0 - u[:, :8]))
    theta = 2.0 * math.pi * u[:, 8:]
    out = np.empty_like(u)
    out[:, :8] = _scale_shift64(radius * _libm(math.cos, theta), std, mean)
    out[:, 8:] = _scale_shift64(radius * _libm(math.sin, theta), std, mean)
    return out


def _uniform_f32_kernel(low: float, high: float, scratch: _Scratch):
    """The chunk kernel ``kernel(words, dest) -> dest`` of float32 ``uniform_(low, high)`` (§2):
    ``dest = fma32(U24, hi - lo, lo)`` from raw words (which it overwrites), then ``hi`` -> ``lo``.

    With k the word's low 24 bits, U24 = k·2^-24, and the exact value k·2^-24·(hi - lo) + lo is
    rounded once:
    - [0, 1) (``torch.rand``): U24 itself, exact in float32;
    - symmetric ranges [-b, b) (``nn.init``'s): the value is (2k - 2^24)·(b·2^-24), a product of
      two float32 values (exact integer, exact scaling), which a float32 multiply rounds once;
    - otherwise in float64: k·((hi - lo)·2^-24) is exact, and when the sum with ``lo`` is exact
      too for every k (``_sum_is_exact``) rounding it to float32 is the fma; if not, the sum goes
      through the midpoint check of ``_round_sum_to_f32``.
    The clamp runs only if the largest value (k = 2^24 - 1; the fma is monotonic in k) can
    reach ``hi``.
    """
    lo, hi = _f32(low), _f32(high)
    if lo == 0 and hi == 1:  # U24 itself (torch.rand)

        def kernel(words: np.ndarray, dest: np.ndarray) -> np.ndarray:
            np.bitwise_and(words, _LOW_24_U, words)
            dest[...] = words
            return np.multiply(dest, _U24_SCALE, dest)

        return kernel
    if lo == -hi and hi >= 2.0**-100 and np.isfinite(hi - lo):
        step = _const(hi * _f32(2.0**-24), np.float32)

        def kernel(words: np.ndarray, dest: np.ndarray) -> np.ndarray:
            np.bitwise_and(words, _LOW_24_U, words)
            dest[...] = words
            np.multiply(dest, _TWO, dest)
            np.subtract(dest, _TWO_POW_24, dest)
            return np.multiply(dest, step, dest)

    else:
        scale = _const(np.float64(hi - lo) * 2.0**-24, np.float64)
        lo64 = _const(lo, np.float64)
        exact = _sum_is_exact(float(hi - lo), float(lo))

        def kernel(words: np.ndarray, dest: np.ndarray) -> np.ndarray:
            np.bitwise_and(words, _LOW_24_U, words)
            product = scratch("d0", np.float64, words.size)
            product[...] = words
            np.multiply(product, scale, product)
            if not exact:
                return _round_sum_to_f32(product, lo, dest, scratch)
            np.add(product, lo64, product)
            dest[...] = product
            return dest

    top = kernel(np.array([0xFFFFFF], np.uint32), np.empty(1, np.float32))
    if top[0] < hi:
        return kernel

    def clamped(words: np.ndarray, dest: np.ndarray) -> np.ndarray:
        kernel(words, dest)
        np.copyto(dest, lo, where=dest == hi)
        return dest

    return clamped


_LOW_24_U = _const(0xFFFFFF, np.uint32)
_TWO, _TWO_POW_24 = _const(2.0, np.float32), _const(2.0**24, np.float32)


def _sum_is_exact(span: float, lo: float) -> bool:
    """Whether float64 ``k·(span·2^-24) + lo`` is exact for every integer 0 <= k < 2^24: the terms
    are multiples of the lower of their lowest set bits, and the sum is at most |lo| + span."""
    if not math.isfinite(span):
        return False
    unit = min(_lowest_set_bit(span) * 2.0**-24, _lowest_set_bit(lo))
    return abs(lo) / unit + span / unit < 2.0**53


def _lowest_set_bit(x: float) -> float:
    """The value of the lowest set bit of ``x``'s significand (infinity for 0)."""
    if x == 0:
        return math.inf
    mantissa, exponent = math.frexp(abs(x))
    significand = int(mantissa * 2**53)
    return (significand & -significand) * 2.0 ** (exponent - 53)


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


def _fill_storage(out: np.ndarray, fill) -> None:
    """``fill(flat)`` with ``flat`` a 1-D array in ``out``'s storage order: ``out`` itself when its
    storage is dense, else a temporary copied into it afterwards."""
    view = memory_order_view(out)
    if view.flags.c_contiguous:
        fill(view.reshape(-1))
    else:
        flat = np.empty(out.size, out.dtype)
        fill(flat)
        view[...] = flat.reshape(view.shape)


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
        "_word_source",
        "_lock",
        "_initial_seed",
        "_normal_cache",
        "_float_normal_cache",
        "_fresh",
    )

    def __init__(self, device="cpu"):
        from ._device import as_device

        self._device = as_device(device)
        self._bits = np.random.MT19937(0)  # its state is replaced by manual_seed just below
        # Draws the same words as ``_bits.random_raw``, as uint32 (``integers`` over the full
        # 32-bit range returns the engine's raw outputs).
        self._word_source = np.random.Generator(self._bits)
        # Held while a sampler draws chunk by chunk, so that a call is one uninterrupted run of
        # the stream, as under PyTorch's generator mutex, even with other threads drawing.
        self._lock = threading.Lock()
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

    def _words(self, n: int) -> np.ndarray:
        """The next ``n`` 32-bit MT19937 outputs as uint32 (half the memory of ``_w32``'s)."""
        if n:
            self._fresh = False
        return self._word_source.integers(0, 1 << 32, n, dtype=np.uint32)

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
    def fill_uniform(self, out: np.ndarray, low: float, high: float) -> None:
        """Fill ``out`` (float64/32/16 or bfloat16, any layout) with ``uniform_(low, high)`` values in
        its storage order (§2): ``fma(U, high - low, low)``, and ``high`` -> ``low``.

        float64 uses U53 and double arithmetic; the others U24 and float32 arithmetic (the 16-bit
        types round the float32 result, then map their own ``high`` to ``low``).
        """
        with self._lock:
            _fill_storage(out, lambda flat: self._uniform_into(flat, low, high))

    def _uniform_into(self, flat: np.ndarray, low: float, high: float) -> None:
        n = flat.size
        if flat.dtype == _F64:
            for start in range(0, n, _CHUNK):
                stop = min(n, start + _CHUNK)
                u = self._u53(stop - start)
                v = u if (low, high) == (0.0, 1.0) else _fma64(u, high - low, low)
                v[v == high] = low
                flat[start:stop] = v
            return
        scratch = _thread_scratch()
        kernel = _uniform_f32_kernel(low, high, scratch)
        low16, high16 = (_f32(x).astype(flat.dtype) for x in (low, high))
        for start in range(0, n, _CHUNK):
            stop = min(n, start + _CHUNK)
            words = self._words(stop - start)
            if flat.dtype == _F32:
                kernel(words, flat[start:stop])
            else:  # float16/bfloat16: round the float32 values, then the clamp at their `high`
                part = flat[start:stop]
                part[...] = kernel(words, scratch("uniform_f32", np.float32, stop - start))
                np.copyto(part, low16, where=part == high16)

    # --- samplers: normal (§3) ----------------------------------------------------------------------
    def fill_normal(self, out: np.ndarray, mean: float, std: float) -> None:
        """Fill ``out`` (a floating dtype, any layout) with ``normal_(mean, std)`` values (§3).

        A contiguous output with 16 or more elements takes the vectorised Box–Muller path (§3b–3d),
        written straight into it; anything else takes the scalar path with the generator's cached
        normal (§3a), filled in storage order.
        """
        n = out.size
        with self._lock:
            if n < 16 or not out.flags.c_contiguous:
                fill_in_memory_order(out, self._normal_scalar(n, mean, std, out.dtype))
            elif out.dtype == _F64:
                self._normal_f64_into(out.reshape(-1), mean, std)
            else:
                self._normal_f32_into(out.reshape(-1), _f32(mean), _f32(std))

    def _normal_f32_into(self, flat: np.ndarray, mean: np.float32, std: np.float32) -> None:
        """§3b/3d: blocks of 16 U24 through the float32 kernel, chunk by chunk, then a partial last
        block redone with 16 fresh words over the last 16 outputs. float32 draws the partial
        block's words first (n + 16 draws in all); float16/bfloat16 do not (§3d)."""
        n = flat.size
        full = n // 16 * 16
        scratch = _thread_scratch()
        if full == n or full >= _CHUNK:
            for start in range(0, full, _CHUNK):
                words = self._words(min(full, start + _CHUNK) - start)
                self._box_muller_f32_into(
                    words, flat[start : start + words.size], mean, std, scratch
                )
            if full != n:
                if flat.dtype == _F32:
                    self._words(n - full)
                self._box_muller_f32_into(self._words(16), flat[n - 16 :], mean, std, scratch)
            return
        # A small tensor with a partial block: the full blocks and the redone last block in one
        # kernel call (its cost is mostly per call), then the last block written last.
        words = [self._words(full)]
        if flat.dtype == _F32:
            self._words(n - full)
        words.append(self._words(16))
        values = scratch("bm_out", np.float32, full + 16)
        self._box_muller_f32_into(np.concatenate(words), values, mean, std, scratch)
        flat[:full] = values[:full]
        flat[n - 16 :] = values[full:]

    @staticmethod
    def _box_muller_f32_into(words: np.ndarray, dest: np.ndarray, mean, std, scratch) -> None:
        words = words.reshape(-1, 16)
        if dest.dtype == _F32:
            _box_muller_f32(words, dest.reshape(-1, 16), mean, std, scratch)
        else:
            values = scratch("bm_out", np.float32, dest.size).reshape(-1, 16)
            _box_muller_f32(words, values, mean, std, scratch)
            dest[...] = values.reshape(-1)

    def _normal_f64_into(self, flat: np.ndarray, mean: float, std: float) -> None:
        """§3c: as ``_normal_f32_into`` with U53 and the double kernel (n + 16 draws)."""
        n = flat.size
        full = n // 16 * 16
        for start in range(0, full, _CHUNK):
            stop = min(full, start + _CHUNK)
            u = self._u53(stop - start).reshape(-1, 16)
            flat[start:stop] = _box_muller_blocks_f64(u, mean, std).reshape(-1)
        if full != n:
            self._u53(n - full)
            flat[n - 16 :] = _box_muller_blocks_f64(
                self._u53(16).reshape(1, 16), mean, std
            ).reshape(-1)

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
