"""The fast float32 kernels behind ``uniform_``/``normal_``/``randn`` (``numtorch._random``).

The kernels skip the midpoint check of the fma emulation where no double rounding can occur, and
write chunk by chunk into the output. These tests pin both down:
- the randn kernel's Cephes log and sincos against a step-by-step replay of notes §3b with the
  checked fma (``_fma32``, itself tested against rational arithmetic in test_random.py): on a
  sample here, on every one of their 2^24 inputs in the slow test;
- each uniform path (unit, symmetric, exact float64 sum, checked sum) against exact rational
  arithmetic;
- multi-chunk tensors (the tail block, the discarded words, 16-bit dtypes) against PyTorch;
- the per-thread scratch under threads, and the glibc malloc tuning switch.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import threading
from fractions import Fraction

import numpy as np
import pytest

import numtorch as nt
from numtorch import _random

f32 = np.float32
_fma32 = _random._fma32

_LOG_P = [f32(v) for v in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                           1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                           3.3333331174e-1)]  # fmt: skip
_COS_C = [f32(v) for v in (2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2)]
_SIN_C = [f32(v) for v in (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)]
_DP = [f32(v) for v in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8)]
_TWO_PI = f32(2 * math.pi)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def reference_log(a: np.ndarray) -> np.ndarray:
    """Notes §3b ``L``, one float32 operation or checked fma per step."""
    bits = a.view(np.int32)
    e = (((bits >> 23) & 0xFF) - 126).astype(f32)
    m = ((bits & 0x007FFFFF) | 0x3F000000).view(f32)
    small = m < f32(0.707106781186547524)
    e = np.where(small, e - f32(1), e)
    t = np.where(small, (m - f32(1)) + m, m - f32(1))
    z = t * t
    y = np.full_like(t, _LOG_P[0])
    for coeff in _LOG_P[1:]:
        y = _fma32(y, t, coeff)
    y = y * t
    y = _fma32(y, z, e * f32(-2.12194440e-4))
    y = _fma32(-z, f32(0.5), y)
    t = t + y
    return _fma32(e, f32(0.693359375), t)


def reference_sincos(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Notes §3b ``SC``, one float32 operation or checked fma per step: (sin, cos)."""
    j = (x * f32(1.27323954473516)).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(f32)
    for dp in _DP:
        x = _fma32(y, dp, x)
    z = x * x
    c = _fma32(_fma32(_COS_C[0], z, _COS_C[1]), z, _COS_C[2])
    c = _fma32(c * z, z, -(z * f32(0.5))) + f32(1)
    s = _fma32(_fma32(_SIN_C[0], z, _SIN_C[1]), z, _SIN_C[2])
    s = _fma32(s * z, x, x)
    swap = (j & 2) != 0
    sin, cos = np.where(swap, c, s), np.where(swap, s, c)
    sin = np.where((j & 4) != 0, -sin, sin)
    cos = np.where(((j - 2) & 4) == 0, -cos, cos)
    return sin, cos


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and np.array_equal(a.view(np.uint32), b.view(np.uint32))


def log_inputs(k: np.ndarray) -> np.ndarray:
    """1 - U24 for 24-bit k: what the randn kernel feeds the log."""
    return ((1 << 24) - k).astype(f32) * f32(2.0**-24)


def angle_inputs(k: np.ndarray) -> np.ndarray:
    """f32(2π)·U24 for 24-bit k: what it feeds the sincos."""
    return (k.astype(f32) * f32(2.0**-24)) * _TWO_PI


def check_kernels(k: np.ndarray) -> None:
    a = log_inputs(k)
    assert same_bits(_random._cephes_log_f32(a), reference_log(a))
    x = angle_inputs(k)
    sin, cos = _random._cephes_sincos_f32(x)
    ref_sin, ref_cos = reference_sincos(x)
    assert same_bits(sin, ref_sin) and same_bits(cos, ref_cos)


def test_randn_kernels_exact_on_sampled_inputs():
    edges = np.array([0, 1, 2, 3, (1 << 23) - 1, 1 << 23, (1 << 23) + 1, (1 << 24) - 1])
    powers = np.array([(1 << 24) - (1 << p) for p in range(24)] + [1 << p for p in range(24)])
    sample = np.random.default_rng(0).integers(0, 1 << 24, 1 << 16)
    check_kernels(np.concatenate([edges, powers, sample]))


@pytest.mark.slow
def test_randn_kernels_exact_on_every_input():
    # NOTE [ Fused steps on the randn inputs ]: the kernels' unchecked fused steps are exact on
    # all 2^24 inputs each of the log and of the sincos can receive.
    for start in range(0, 1 << 24, 1 << 20):
        check_kernels(np.arange(start, start + (1 << 20)))


def exact_uniform(k: int, low: float, high: float) -> np.float32:
    """fma32(k·2^-24, f32(high) - f32(low), f32(low)) by rational arithmetic, then the clamp."""
    lo, hi = f32(low), f32(high)
    exact = Fraction(k, 1 << 24) * Fraction(float(hi - lo)) + Fraction(float(lo))
    guess = f32(float(exact))
    candidates = [np.nextafter(guess, f32(-np.inf)), guess, np.nextafter(guess, f32(np.inf))]
    value = min(
        candidates,
        key=lambda c: (abs(Fraction(float(c)) - exact), int(np.array(c).view(np.uint32)) & 1),
    )
    if exact == 0:  # the rational carries no sign: x + (-x) is +0 under round-to-nearest
        value = f32(0.0)
    return lo if value == hi else value


@pytest.mark.parametrize(
    "low, high",
    [
        (0.0, 1.0),  # U24
        (-0.1, 0.1),  # symmetric (nn.init)
        (-3.0, 3.0),
        (-1e-30, 1e-30),
        (0.3, 2.5),  # float64 sum exact
        (-5.0, 1e-3),
        (1e-30, 1e30),  # float64 sum inexact: the midpoint check
        (-1e-20, 3e7),
        (1.0, float(np.nextafter(f32(1), f32(2)))),  # every value clamps to `from`
        (2.0, 2.0),
        (0.0, 0.0),
    ],
)
def test_uniform_kernel_paths_round_once(low, high):
    ks = np.concatenate(
        [
            [0, 1, 2, 1 << 23, (1 << 24) - 2, (1 << 24) - 1],
            np.random.default_rng(1).integers(0, 1 << 24, 300),
        ]
    ).astype(np.uint32)
    high_bits = np.random.default_rng(2).integers(0, 256, ks.size).astype(np.uint32) << 24
    kernel = _random._uniform_f32_kernel(low, high, _random._Scratch())
    got = kernel(ks | high_bits, np.empty(ks.size, f32))  # only the low 24 bits count
    want = np.array([exact_uniform(int(k), low, high) for k in ks], dtype=f32)
    assert same_bits(got, want)


def test_sum_is_exact():
    assert _random._sum_is_exact(1.0, 0.0)
    assert _random._sum_is_exact(float(f32(2.2)), float(f32(0.3)))
    assert not _random._sum_is_exact(float(f32(1e30)), float(f32(1e-30)))
    assert not _random._sum_is_exact(math.inf, 0.0)
    assert _random._lowest_set_bit(0.0) == math.inf
    assert _random._lowest_set_bit(6.0) == 2.0 and _random._lowest_set_bit(0.375) == 0.125


# A tensor of two full chunks plus a partial block: the chunk loop, the 16 fresh words of the tail
# (with the partial block's words drawn and discarded first for float32/float64) and the 16-bit
# types' different draw count.
_MULTI_CHUNK = 2 * _random._CHUNK + 16 * 3 + 5


def _bits(x) -> np.ndarray:
    if hasattr(x, "detach"):
        import torch

        if x.dtype == torch.bfloat16:
            return x.view(torch.int16).numpy().view(np.uint16)
        x = x.numpy()
    else:
        x = x.numpy()
    return x.view(f"u{x.dtype.itemsize}")


def _aligned(torch) -> bool:
    return np.array_equal(_bits(nt.rand(5)), _bits(torch.rand(5)))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize(
    "mean, std", [(0.0, 1.0), (0.0, 0.01), (1.5, 2.0), (-0.0, 1.0), (1.0, 3.0), (0.25, 0.1)]
)
def test_multi_chunk_normal_matches_torch(torch, dtype, mean, std):
    for seed in (0, 7):
        torch.manual_seed(seed)
        nt.manual_seed(seed)
        theirs = torch.empty(_MULTI_CHUNK, dtype=getattr(torch, dtype)).normal_(mean, std)
        ours = nt.empty(_MULTI_CHUNK, dtype=getattr(nt, dtype)).normal_(mean, std)
        assert np.array_equal(_bits(ours), _bits(theirs))
        assert _aligned(torch)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("low, high", [(0.0, 1.0), (-0.05, 0.05), (0.3, 2.5), (1e-7, 6e4)])
def test_multi_chunk_uniform_matches_torch(torch, dtype, low, high):
    torch.manual_seed(3)
    nt.manual_seed(3)
    theirs = torch.empty(_MULTI_CHUNK, dtype=getattr(torch, dtype)).uniform_(low, high)
    ours = nt.empty(_MULTI_CHUNK, dtype=getattr(nt, dtype)).uniform_(low, high)
    assert np.array_equal(_bits(ours), _bits(theirs))
    assert _aligned(torch)


def test_multi_chunk_non_contiguous_and_creation_functions_match_torch(torch):
    torch.manual_seed(5)
    nt.manual_seed(5)
    shape = (3, _random._CHUNK // 2 + 7)
    pairs = [
        (torch.randn(*shape), nt.randn(*shape)),
        (torch.rand(*shape), nt.rand(*shape)),
        (torch.empty(shape).t().uniform_(-2, 2), nt.empty(shape).t().uniform_(-2, 2)),
        (torch.empty(shape)[:, ::2].normal_(), nt.empty(shape)[:, ::2].normal_()),
        (torch.nn.Linear(600, 300).weight, nt.nn.Linear(600, 300).weight),
    ]
    for theirs, ours in pairs:
        assert np.array_equal(_bits(ours.detach()), _bits(theirs.detach()))
    assert _aligned(torch)


def test_samplers_in_threads_match_serial():
    # Each thread has its own scratch buffers; generators are independent.
    def draw(seed: int) -> np.ndarray:
        g = nt.Generator().manual_seed(seed)
        x = nt.empty(_MULTI_CHUNK).normal_(0.5, 2.0, generator=g)
        y = nt.empty(_MULTI_CHUNK).uniform_(-1, 3, generator=g)
        return np.concatenate([x.numpy(), y.numpy()])

    serial = [draw(s) for s in range(4)]
    results = [None] * 4

    def run(i: int) -> None:
        results[i] = draw(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(np.array_equal(a, b) for a, b in zip(results, serial))


def test_a_generator_shared_by_threads_draws_whole_calls():
    # As under PyTorch's generator mutex: each call is one uninterrupted run of the stream.
    g = nt.Generator().manual_seed(1)
    outs = [nt.empty(_MULTI_CHUNK), nt.empty(_MULTI_CHUNK)]
    threads = [threading.Thread(target=out.normal_, kwargs={"generator": g}) for out in outs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    g2 = nt.Generator().manual_seed(1)
    serial = [nt.empty(_MULTI_CHUNK).normal_(generator=g2).numpy().tobytes() for _ in range(2)]
    assert sorted(out.numpy().tobytes() for out in outs) == sorted(serial)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_malloc_tuning_switch():
    code = "import numtorch._malloc as m; print(m.TUNED)"
    env = dict(os.environ)
    env.pop("NUMTORCH_NO_MALLOPT", None)
    on = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    env["NUMTORCH_NO_MALLOPT"] = "1"
    off = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert off.stdout.strip() == "False"
    import ctypes

    try:
        ctypes.CDLL(None).gnu_get_libc_version  # noqa: B018
        glibc = True
    except AttributeError:
        glibc = False
    assert on.stdout.strip() == str(glibc)
