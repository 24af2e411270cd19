"""PyTorch's CPU random streams (``numtorch._random``, ``numtorch/ops/random.py``).

Differential tests seed numtorch and PyTorch alike, draw the same thing from both, and compare
the bits (``np.array_equal`` on the raw bit patterns, so even -0.0 vs 0.0 would fail); after each
group they check that the two streams are still aligned. Self-contained tests (no torch) check
the MT19937 engine against its published outputs, the exact fma emulation against rational
arithmetic, the Generator API, and the samplers' statistics.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import numtorch as nt
from numtorch import _random

SEEDS = list(range(20)) + [12345, 2**31 - 1, 2**32 + 17, -3, 2**63 + 5]
SIZES = [0, 1, 2, 15, 16, 17, 31, 32, 33, 100, 1000]
SHAPES = [(3, 7), (5, 13), (17, 3), (1, 31), (9, 9, 2), (2, 0, 3), ()]


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def bits(x) -> np.ndarray:
    """The raw bits of a numtorch or torch tensor (or array), so comparisons are bit-exact."""
    if hasattr(x, "detach"):  # torch
        import torch

        if x.dtype == torch.bfloat16:
            return x.view(torch.int16).numpy().view(np.uint16)
        x = x.numpy()
    elif not isinstance(x, np.ndarray):
        x = x.numpy()
    if x.dtype == ml_dtypes.bfloat16 or x.dtype == np.float16:
        return x.view(np.uint16)
    if x.dtype == np.float32:
        return x.view(np.uint32)
    if x.dtype == np.float64:
        return x.view(np.uint64)
    return x


def same(ours, theirs) -> bool:
    a, b = bits(ours), bits(theirs)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)


def seed_both(torch, s):
    torch.manual_seed(s)
    nt.manual_seed(s)


def assert_aligned(torch):
    """The two default streams are at the same place (and carry the same normal cache)."""
    assert bits(nt.get_rng_state()).tobytes() == torch.get_rng_state().numpy().tobytes()
    assert same(nt.rand(5), torch.rand(5))


def dtype_pair(torch, name):
    return getattr(nt, name), getattr(torch, name)


# =================================================================================================
# Self-contained: the engine, the fma emulation, the Generator API, statistics
# =================================================================================================
def test_mt19937_reference_outputs():
    # MT19937 seeded with 5489 (std::mt19937's default): the first outputs and the 10000th, which
    # the C++ standard fixes at 4123659995.
    g = nt.Generator().manual_seed(5489)
    words = g._w32(10000)
    assert words[:5].tolist() == [3499211612, 581869302, 3890346734, 3586334585, 545404204]
    assert int(words[-1]) == 4123659995


def test_init_genrand_matches_numpy_legacy_seeding():
    for s in (0, 1, 5489, 2**32 - 1):
        key = np.random.RandomState(s).get_state(legacy=False)["state"]["key"]
        assert np.array_equal(_random._init_genrand(s), key)


def test_w64_is_high_half_first():
    g1, g2 = nt.Generator().manual_seed(7), nt.Generator().manual_seed(7)
    w32 = g1._w32(4)
    assert g2._w64(2).tolist() == [int(w32[0]) << 32 | int(w32[1]), int(w32[2]) << 32 | int(w32[3])]


def _round_fraction(exact: Fraction, np_type) -> float:
    """The float of ``np_type`` nearest to ``exact`` (ties to even), by checking neighbours."""
    guess = np_type(float(exact))
    candidates = [
        np.nextafter(guess, np_type(-np.inf)),
        guess,
        np.nextafter(guess, np_type(np.inf)),
    ]
    best = min(
        candidates,
        key=lambda c: (
            abs(Fraction(float(c)) - exact),
            int(np.array(c).view(f"u{c.itemsize}")) & 1,
        ),
    )
    return best


def test_fma32_single_rounding_on_a_double_rounding_trap():
    # p = 1 + 2^-11 + 2^-24 is a float32 midpoint; c = 2^-60 pushes the exact sum just above it.
    a = np.array([1 + 2**-12], dtype=np.float32)
    c = np.array([2**-60], dtype=np.float32)
    naive = (a.astype(np.float64) * a + c).astype(np.float32)[0]
    exact = _round_fraction(Fraction(float(a[0])) ** 2 + Fraction(float(c[0])), np.float32)
    assert naive != exact  # the trap is real
    assert _random._fma32(a, a, c)[0] == exact == np.float32(1 + 2**-11 + 2**-23)


def test_fma64_single_rounding_on_a_tie():
    a, b, c = np.array([1 + 2**-26]), np.array([1 + 2**-27]), np.array([2**-100])
    exact = _round_fraction(Fraction(a[0]) * Fraction(b[0]) + Fraction(c[0]), np.float64)
    assert a[0] * b[0] + c[0] != exact
    assert _random._fma64(a, b, c)[0] == exact


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(*[st.floats(-1e6, 1e6, allow_nan=False, width=32) for _ in range(3)]),
        min_size=1,
        max_size=8,
    )
)
def test_fma32_matches_exact_rounding(triples):
    a, b, c = (np.array(v, dtype=np.float32) for v in zip(*triples))
    got = _random._fma32(a, b, c)
    for x, y, z, r in zip(a, b, c, got):
        want = _round_fraction(
            Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z)), np.float32
        )
        assert r == want  # (the rational reference carries no sign of zero)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(*[st.floats(-1e100, 1e100, allow_nan=False) for _ in range(3)]),
        min_size=1,
        max_size=8,
    )
)
def test_fma64_matches_exact_rounding(triples):
    a, b, c = (np.array(v, dtype=np.float64) for v in zip(*triples))
    got = _random._fma64(a, b, c)
    for x, y, z, r in zip(a, b, c, got):
        want = _round_fraction(Fraction(x) * Fraction(y) + Fraction(z), np.float64)
        assert r == want or (r == 0 and want == 0)


def test_cephes_float32_log_and_sincos_are_accurate():
    u = (np.arange(1, 2**16, dtype=np.float32) * np.float32(2**-16)).astype(np.float32)
    log = _random._cephes_log_f32(u)
    assert log.dtype == np.float32
    error = np.abs(log - np.log(u.astype(np.float64)))
    assert np.all(error <= 2 * np.spacing(np.abs(log)) + 1e-7)
    theta = (u * np.float32(2 * math.pi)).astype(np.float32)
    sin, cos = _random._cephes_sincos_f32(theta)
    assert np.max(np.abs(sin - np.sin(theta.astype(np.float64)))) < 2e-7
    assert np.max(np.abs(cos - np.cos(theta.astype(np.float64)))) < 2e-7


def test_generator_defaults_and_seeding():
    g = nt.Generator()
    assert g.initial_seed() == 67280421310721
    assert str(g.device) == "cpu"
    assert nt.Generator(device="cpu").initial_seed() == 67280421310721
    assert g.manual_seed(-1) is g and g.initial_seed() == 2**64 - 1
    assert g.manual_seed(2**63).initial_seed() == 2**63
    with pytest.raises(RuntimeError, match="manual_seed expected a long, but got float"):
        g.manual_seed(1.5)
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        g.manual_seed(2**64)
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        g.manual_seed(-(2**63) - 1)


def test_seed_low_32_bits_select_the_stream():
    a = nt.Generator().manual_seed(17)._w32(8)
    b = nt.Generator().manual_seed(17 + 2**32)._w32(8)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, nt.Generator().manual_seed(18)._w32(8))


def test_nondeterministic_seed():
    g = nt.Generator()
    s1, s2 = g.seed(), g.seed()
    assert s1 != s2 and g.initial_seed() == s2 and 0 <= s2 < 2**64
    s = nt.seed()
    assert nt.initial_seed() == s


def test_manual_seed_returns_default_generator_and_is_deterministic():
    assert nt.manual_seed(3) is nt.default_generator
    a = nt.rand(10)
    nt.manual_seed(3)
    assert same(nt.rand(10), a)
    assert nt.manual_seed(1.7).initial_seed() == 1  # torch.manual_seed calls int() first


def test_generators_are_independent():
    g1, g2 = nt.Generator().manual_seed(1), nt.Generator().manual_seed(1)
    a = nt.randn(5, generator=g1)
    nt.randn(100)  # the default stream does not touch g2
    assert same(nt.randn(5, generator=g2), a)


def test_state_round_trip_with_normal_cache():
    g = nt.Generator().manual_seed(11)
    nt.randn(3, generator=g)  # scalar path: one value left in the cache
    state = g.get_state()
    assert state.dtype is nt.uint8 and tuple(state.shape) == (5056,)
    after = [nt.randn(1, generator=g), nt.rand(7, generator=g), nt.randn(5, generator=g)]
    g2 = nt.Generator().set_state(state)
    assert g2.initial_seed() == 11
    again = [nt.randn(1, generator=g2), nt.rand(7, generator=g2), nt.randn(5, generator=g2)]
    assert all(same(x, y) for x, y in zip(after, again))
    assert bits(g.get_state()).tobytes() == bits(g2.get_state()).tobytes()


def test_state_layout_fields():
    g = nt.Generator().manual_seed(5)
    raw = bits(g.get_state())
    assert raw[8:16].view(np.int32).tolist() == [1, 1] and raw[16:24].view(np.uint64)[0] == 0
    g._w32(3)
    raw = bits(g.get_state())
    assert raw[8:16].view(np.int32).tolist() == [622, 1] and raw[16:24].view(np.uint64)[0] == 3


def test_set_state_errors():
    g = nt.Generator()
    with pytest.raises(TypeError, match="expected a torch.ByteTensor, but got list"):
        g.set_state([1, 2])
    with pytest.raises(TypeError, match="RNG state must be a torch.ByteTensor"):
        g.set_state(nt.zeros(5056))
    with pytest.raises(
        RuntimeError,
        match="Expected a CPUGeneratorImplState of size 5056 but found the input RNG state size to be 10",
    ):
        g.set_state(nt.zeros(10, dtype=nt.uint8))
    bad = g.get_state().clone()
    bad[8:12] = 0  # left = 0
    with pytest.raises(RuntimeError, match="Invalid mt19937 state"):
        g.set_state(bad)


def test_uniform_statistics_and_range():
    g = nt.Generator().manual_seed(0)
    x = nt.rand(200_000, generator=g).numpy()
    assert x.dtype == np.float32 and x.min() >= 0 and x.max() < 1
    assert abs(x.mean() - 0.5) < 0.005 and abs(x.var() - 1 / 12) < 0.002
    assert np.all(x * 2**24 == np.round(x * 2**24))  # 24-bit grid
    y = nt.empty(100_000).uniform_(-3, 5, generator=g).numpy()
    assert y.min() >= -3 and y.max() < 5 and abs(y.mean() - 1) < 0.05


def test_uniform_clamps_to_from():
    # When from and to are adjacent floats every value rounds to `to`, which is mapped to `from`.
    lo = 1.0
    hi = float(np.nextafter(np.float32(1), np.float32(2)))
    x = nt.empty(100).uniform_(lo, hi).numpy()
    assert np.all(x == np.float32(lo))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_statistics(dtype):
    g = nt.Generator().manual_seed(1)
    for n in (100_000, 100_003):  # vectorised path, with and without a tail block
        x = nt.randn(n, generator=g, dtype=getattr(nt, dtype)).numpy().astype(np.float64)
        assert abs(x.mean()) < 0.02 and abs(x.std() - 1) < 0.02
    z = nt.empty(50_000, dtype=getattr(nt, dtype)).normal_(3, 0.5, generator=g).numpy()
    assert abs(z.mean() - 3) < 0.01 and abs(z.std() - 0.5) < 0.01
    s = nt.empty(2000, 2, dtype=getattr(nt, dtype)).t().normal_(generator=g).numpy()  # scalar path
    assert abs(s.mean()) < 0.05 and abs(s.std() - 1) < 0.05


def test_normal_cache_is_used_by_the_scalar_path():
    g = nt.Generator().manual_seed(2)
    nt.randn(3, generator=g)
    cached = bits(g.get_state())[5024:5032].view(np.float64)[0]
    assert bits(g.get_state())[5040:5044].view(np.int32)[0] == 1
    before = bits(g.get_state())[24:5016].tobytes()
    value = nt.randn(1, generator=g, dtype=nt.float64).item()
    assert value == cached and bits(g.get_state())[24:5016].tobytes() == before  # nothing drawn
    assert bits(g.get_state())[5040:5044].view(np.int32)[0] == 0


def test_integer_samplers():
    g = nt.Generator().manual_seed(4)
    r = nt.randint(-3, 10, (50_000,), generator=g).numpy()
    assert r.dtype == np.int64 and r.min() == -3 and r.max() == 9
    assert np.all(np.bincount(r + 3) > 3500)
    p = nt.randperm(1000, generator=g).numpy()
    assert sorted(p.tolist()) == list(range(1000))
    assert nt.randperm(0).shape == (0,) and nt.randperm(1).tolist() == [0]
    b = nt.empty(10_000, dtype=nt.bool).random_(generator=g).numpy()
    assert 4500 < b.sum() < 5500


def test_bernoulli_exponential_multinomial_statistics():
    g = nt.Generator().manual_seed(6)
    b = nt.bernoulli(nt.full((100_000,), 0.25), generator=g).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0} and abs(b.mean() - 0.25) < 0.01
    e = nt.empty(100_000).exponential_(2.0, generator=g).numpy()
    assert e.min() >= 0 and abs(e.mean() - 0.5) < 0.01
    probs = nt.tensor([0.1, 0.2, 0.7])
    m = nt.multinomial(probs, 30_000, replacement=True, generator=g).numpy()
    assert np.allclose(np.bincount(m, minlength=3) / 30_000, [0.1, 0.2, 0.7], atol=0.01)
    w = nt.multinomial(nt.tensor([[1.0, 0, 3], [0, 2.0, 0]]), 1, generator=g).numpy()
    assert w[1, 0] == 1 and w[0, 0] in (0, 2)
    perm = nt.multinomial(nt.ones(50), 50, generator=g).numpy()
    assert sorted(perm.tolist()) == list(range(50))


def test_dropout_mask():
    g = nt.Generator().manual_seed(8)
    mask = g.dropout_mask((1000, 100), 0.2, np.float32)
    assert mask.dtype == np.float32
    assert set(np.unique(mask)) == {np.float32(0), np.float32(1) / np.float32(0.8)}
    assert abs((mask == 0).mean() - 0.2) < 0.01


def test_inplace_sampling_bumps_version_and_keeps_identity():
    t = nt.zeros(4, 5)
    view = t[1:3]
    v0 = t._version[0]
    assert view.uniform_() is view and view.normal_() is view
    assert t._version[0] == v0 + 2
    assert np.all(t.numpy()[0] == 0) and np.all(t.numpy()[1:3] != 0)


# =================================================================================================
# Differential: bit-identical with PyTorch
# =================================================================================================
@pytest.mark.oracle
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_rand_randn_match_torch(torch, dtype):
    ndt, tdt = dtype_pair(torch, dtype)
    for s in SEEDS:
        seed_both(torch, s)
        for n in SIZES:
            assert same(nt.rand(n, dtype=ndt), torch.rand(n, dtype=tdt)), (s, n)
            assert same(nt.randn(n, dtype=ndt), torch.randn(n, dtype=tdt)), (s, n)
        for shape in SHAPES:
            assert same(
                nt.rand(*shape or [()], dtype=ndt), torch.rand(*shape or [()], dtype=tdt)
            ), (s, shape)
            assert same(nt.randn(shape, dtype=ndt), torch.randn(shape, dtype=tdt)), (s, shape)
        assert_aligned(torch)


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_uniform_normal_inplace_match_torch(torch, dtype):
    ndt, tdt = dtype_pair(torch, dtype)
    for s in SEEDS[:12]:
        seed_both(torch, s)
        for n in SIZES:
            for a, b in ((-2.5, 0.7), (0, 1e-3), (3, 3)):
                assert same(
                    nt.empty(n, dtype=ndt).uniform_(a, b), torch.empty(n, dtype=tdt).uniform_(a, b)
                )
            for mean, std in ((1.5, 0.3), (-2, 7.25), (0, 0)):
                assert same(
                    nt.empty(n, dtype=ndt).normal_(mean, std),
                    torch.empty(n, dtype=tdt).normal_(mean, std),
                )
        assert_aligned(torch)


@pytest.mark.oracle
def test_normal_cache_across_calls_matches_torch(torch):
    for s in SEEDS:
        seed_both(torch, s)
        for n in (3, 1, 1, 5, 16, 7, 2, 1):
            assert same(nt.randn(n), torch.randn(n))
            assert same(nt.randn(n, dtype=nt.float64), torch.randn(n, dtype=torch.float64))
        assert_aligned(torch)
        nt.manual_seed(s)
        torch.manual_seed(s)
        nt.randn(3)
        torch.randn(3)
        seed_both(torch, s)  # manual_seed clears the cache
        assert same(nt.randn(1), torch.randn(1))


@pytest.mark.oracle
def test_non_contiguous_outputs_match_torch(torch):
    for s in SEEDS[:10]:
        seed_both(torch, s)
        for shape in ((4, 5), (8, 6), (3, 16, 2)):
            a, b = nt.empty(shape), torch.empty(shape)
            views = [
                (lambda x: x.transpose(0, 1)),
                (lambda x: x[:, ::2]),
                (lambda x: x[1:]),
                (lambda x: x.transpose(0, -1)[..., :2]),
            ]
            for view in views:
                assert same(
                    view(a).normal_(0.5, 2).numpy().copy(), view(b).normal_(0.5, 2).numpy().copy()
                )
                assert same(a, b)
                assert same(view(a).uniform_(-1, 1), view(b).uniform_(-1, 1)) and same(a, b)
                assert same(view(a).exponential_(3), view(b).exponential_(3)) and same(a, b)
                assert same(view(a).bernoulli_(0.3), view(b).bernoulli_(0.3)) and same(a, b)
                assert same(view(a).random_(-4, 9), view(b).random_(-4, 9)) and same(a, b)
            tn, tt = nt.empty(shape).transpose(0, 1), torch.empty(shape).transpose(0, 1)
            rn, rt = nt.randn_like(tn), torch.randn_like(tt)
            assert rn.stride() == rt.stride() and same(rn, rt)
            assert same(nt.rand_like(tn), torch.rand_like(tt))
            assert same(nt.randint_like(tn, 3, 11), torch.randint_like(tt, 3, 11))
        cl_n = nt.empty(2, 3, 4, 5).permute(0, 2, 3, 1)  # channels_last-like storage
        cl_t = torch.empty(2, 3, 4, 5).permute(0, 2, 3, 1)
        assert same(cl_n.normal_(), cl_t.normal_())
        assert_aligned(torch)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "dtype", ["int64", "int32", "int16", "uint8", "float32", "float64", "float16", "bfloat16"]
)
def test_randint_matches_torch(torch, dtype):
    ndt, tdt = dtype_pair(torch, dtype)
    big = dtype in ("int64", "float32", "float64")
    ranges = [(0, 10), (5, 6), (0, 200)] + ([] if dtype == "uint8" else [(-3, 4)])
    if dtype not in ("int16", "uint8", "float16", "bfloat16"):
        ranges += [(0, 2**28 - 1), (0, 2**28), (-(2**30), 2**30)]
    if big and dtype == "int64":
        ranges += [(-(2**63), 2**63 - 1), (0, 2**62)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about float precision for the big ranges
        for s in SEEDS:
            seed_both(torch, s)
            for low, high in ranges:
                for n in (0, 1, 17, 100):
                    assert same(
                        nt.randint(low, high, (n,), dtype=ndt),
                        torch.randint(low, high, (n,), dtype=tdt),
                    ), (s, low, high)
                assert same(
                    nt.randint(high, (3, 5), dtype=ndt), torch.randint(high, (3, 5), dtype=tdt)
                )
            assert_aligned(torch)


@pytest.mark.oracle
@pytest.mark.parametrize(
    "dtype",
    [
        "int64",
        "int32",
        "int16",
        "int8",
        "uint8",
        "bool",
        "float32",
        "float64",
        "float16",
        "bfloat16",
    ],
)
def test_random_inplace_matches_torch(torch, dtype):
    ndt, tdt = dtype_pair(torch, dtype)
    calls = [(), (7,), (2, 9)]
    if dtype != "bool":
        calls += [(3, None)]
    if dtype in ("int64", "float32", "float64", "bfloat16"):
        calls += [(-(2**63), None)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for s in SEEDS[:10]:
            seed_both(torch, s)
            for args in calls:
                if dtype == "bool" and args and args[-1] not in (None,) and args[-1] > 2:
                    args = (0, 2)
                for n in (1, 16, 33):
                    a = nt.empty(n, dtype=ndt).random_(*args)
                    b = torch.empty(n, dtype=tdt).random_(*args)
                    assert same(a, b), (s, args, n)
            assert_aligned(torch)


@pytest.mark.oracle
def test_randperm_matches_torch(torch):
    for s in SEEDS:
        seed_both(torch, s)
        for n in SIZES + [3000]:
            assert same(nt.randperm(n), torch.randperm(n)), (s, n)
        assert same(nt.randperm(100, dtype=nt.float32), torch.randperm(100, dtype=torch.float32))
        assert same(nt.randperm(300, dtype=nt.int16), torch.randperm(300, dtype=torch.int16))
        g_n, g_t = nt.Generator().manual_seed(s), torch.Generator().manual_seed(s)
        assert same(nt.randperm(50, generator=g_n), torch.randperm(50, generator=g_t))
        assert_aligned(torch)


@pytest.mark.oracle
@pytest.mark.parametrize("pdtype", ["float32", "float64", "float16", "bfloat16"])
def test_bernoulli_matches_torch(torch, pdtype):
    ndt, tdt = dtype_pair(torch, pdtype)
    for s in SEEDS[:12]:
        seed_both(torch, s)
        for n in SIZES:
            probs = np.linspace(0, 1, n).astype(np.float64)
            pn, pt = nt.tensor(probs, dtype=ndt), torch.tensor(probs, dtype=tdt)
            assert same(nt.bernoulli(pn), torch.bernoulli(pt)), (s, n)
            assert same(nt.bernoulli(pn, 0.3), torch.bernoulli(pt, 0.3))
            assert same(pn.bernoulli(), pt.bernoulli())
            assert same(
                nt.empty(n, dtype=nt.int64).bernoulli_(0.6),
                torch.empty(n, dtype=torch.int64).bernoulli_(0.6),
            )
            assert same(
                nt.empty(n, dtype=nt.bool).bernoulli_(pn),
                torch.empty(n, dtype=torch.bool).bernoulli_(pt),
            )
        base_n = nt.rand(6, 6)
        base_t = torch.tensor(base_n.numpy())
        torch.rand(6, 6)
        # a transposed P: the output is laid out like P and drawn in its storage order
        assert same(nt.bernoulli(base_n.t()), torch.bernoulli(base_t.t()))
        # a contiguous output reading a transposed P
        assert same(nt.zeros(6, 6).bernoulli_(base_n.t()), torch.zeros(6, 6).bernoulli_(base_t.t()))
        assert_aligned(torch)


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_exponential_matches_torch(torch, dtype):
    ndt, tdt = dtype_pair(torch, dtype)
    for s in SEEDS[:12]:
        seed_both(torch, s)
        for n in SIZES:
            for lambd in (1.0, 0.25, 7.5):
                assert same(
                    nt.empty(n, dtype=ndt).exponential_(lambd),
                    torch.empty(n, dtype=tdt).exponential_(lambd),
                )
        assert_aligned(torch)


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_multinomial_matches_torch(torch, dtype):
    ndt, tdt = dtype_pair(torch, dtype)
    for s in SEEDS[:15]:
        seed_both(torch, s)
        rows = torch.rand(4, 9, dtype=tdt) + 0.01  # no ties, no zeros
        nt.rand(4, 9, dtype=ndt)
        pn, pt = nt.tensor(rows.numpy()), rows
        for k in (1, 3, 9):
            assert same(nt.multinomial(pn, k), torch.multinomial(pt, k)), (s, k)
            assert same(nt.multinomial(pn[0], k), torch.multinomial(pt[0], k))
            assert same(nt.multinomial(pn, k, True), torch.multinomial(pt, k, True))
        assert same(
            nt.multinomial(pn, 20, replacement=True), torch.multinomial(pt, 20, replacement=True)
        )
        assert same(nt.multinomial(pn.transpose(0, 1), 2), torch.multinomial(pt.transpose(0, 1), 2))
        assert_aligned(torch)


@pytest.mark.oracle
def test_normal_function_overloads_match_torch(torch):
    for s in SEEDS[:10]:
        seed_both(torch, s)
        assert same(nt.normal(2.0, 3.0, (40,)), torch.normal(2.0, 3.0, (40,)))
        assert same(nt.normal(2.0, 3.0, size=(5,)), torch.normal(2.0, 3.0, size=(5,)))
        m_np = np.linspace(-1, 1, 20).astype(np.float32)
        mn, mt = nt.tensor(m_np), torch.tensor(m_np)
        sn, st_ = nt.tensor(np.abs(m_np) + 0.5), torch.tensor(np.abs(m_np) + 0.5)
        assert same(nt.normal(mn), torch.normal(mt))
        assert same(nt.normal(mn, 2.5), torch.normal(mt, 2.5))
        assert same(nt.normal(0.5, sn), torch.normal(0.5, st_))
        assert same(nt.normal(mn, sn), torch.normal(mt, st_))
        assert same(
            nt.normal(mn.reshape(4, 5)[:, :1], sn[:5]),
            torch.normal(mt.reshape(4, 5)[:, :1], st_[:5]),
        )
        assert_aligned(torch)


@pytest.mark.oracle
def test_explicit_generators_match_torch(torch):
    for s in SEEDS:
        g_n, g_t = nt.Generator().manual_seed(s), torch.Generator().manual_seed(s)
        nt.manual_seed(99)
        torch.manual_seed(99)
        assert same(nt.rand(33, generator=g_n), torch.rand(33, generator=g_t))
        assert same(nt.randn(3, generator=g_n), torch.randn(3, generator=g_t))
        assert same(nt.randn(20, generator=g_n), torch.randn(20, generator=g_t))
        assert same(nt.randint(5, 9, (7,), generator=g_n), torch.randint(5, 9, (7,), generator=g_t))
        assert same(nt.empty(9).uniform_(generator=g_n), torch.empty(9).uniform_(generator=g_t))
        assert same(nt.empty(9).normal_(generator=g_n), torch.empty(9).normal_(generator=g_t))
        assert same(
            nt.empty(9).exponential_(generator=g_n), torch.empty(9).exponential_(generator=g_t)
        )
        assert same(
            nt.empty(9).bernoulli_(0.5, generator=g_n),
            torch.empty(9).bernoulli_(0.5, generator=g_t),
        )
        assert bits(g_n.get_state()).tobytes() == g_t.get_state().numpy().tobytes()
        assert_aligned(torch)  # the default streams were not touched


@pytest.mark.oracle
def test_fresh_generator_matches_torch(torch):
    assert same(nt.rand(10, generator=nt.Generator()), torch.rand(10, generator=torch.Generator()))
    assert (
        bits(nt.Generator().get_state()).tobytes()
        == torch.Generator().get_state().numpy().tobytes()
    )


@pytest.mark.oracle
def test_rng_state_bytes_match_torch(torch):
    for s in SEEDS:
        seed_both(torch, s)
        assert bits(nt.get_rng_state()).tobytes() == torch.get_rng_state().numpy().tobytes()
        for draw in (
            lambda m: m.rand(7),
            lambda m: m.randn(3),
            lambda m: m.randn(100),
            lambda m: m.rand(700),
        ):
            draw(nt)
            draw(torch)
            assert bits(nt.get_rng_state()).tobytes() == torch.get_rng_state().numpy().tobytes()
        # torch's state loaded into numtorch and back gives the same continuation in both
        state = torch.get_rng_state()
        nt.set_rng_state(nt.tensor(state.numpy()))
        assert same(nt.randn(5), torch.randn(5))
        torch.set_rng_state(torch.tensor(bits(nt.get_rng_state())))
        assert same(nt.rand(650), torch.rand(650))
        assert_aligned(torch)


@pytest.mark.oracle
def test_complex_rand_randn_match_torch(torch):
    for s in SEEDS[:5]:
        seed_both(torch, s)
        for n in (1, 7, 8, 9, 40):
            for name in ("complex64", "complex128"):
                ndt, tdt = dtype_pair(torch, name)
                a, b = nt.rand(n, dtype=ndt), torch.rand(n, dtype=tdt)
                assert np.array_equal(a.numpy(), b.numpy())
                a, b = nt.randn(n, dtype=ndt), torch.randn(n, dtype=tdt)
                assert np.array_equal(a.numpy(), b.numpy())
        assert_aligned(torch)


@pytest.mark.oracle
@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(-(2**63), 2**64 - 1),
    shape=st.lists(st.integers(0, 40), min_size=0, max_size=3),
    op=st.sampled_from(
        [
            "rand",
            "randn",
            "randn64",
            "randint",
            "randperm",
            "normal_",
            "uniform_",
            "exponential_",
            "bernoulli",
        ]
    ),
)
def test_hypothesis_streams_match_torch(torch, seed, shape, op):
    seed_both(torch, seed)
    n = math.prod(shape)
    if op == "rand":
        pair = nt.rand(shape), torch.rand(shape)
    elif op == "randn":
        pair = nt.randn(shape), torch.randn(shape)
    elif op == "randn64":
        pair = nt.randn(shape, dtype=nt.float64), torch.randn(shape, dtype=torch.float64)
    elif op == "randint":
        high = (seed % 2**40) + 1
        pair = nt.randint(-5, high, shape), torch.randint(-5, high, shape)
    elif op == "randperm":
        pair = nt.randperm(n), torch.randperm(n)
    elif op == "normal_":
        pair = nt.empty(shape).normal_(1.25, 0.5), torch.empty(shape).normal_(1.25, 0.5)
    elif op == "uniform_":
        pair = (
            nt.empty(shape, dtype=nt.float64).uniform_(-7, 3),
            torch.empty(shape, dtype=torch.float64).uniform_(-7, 3),
        )
    elif op == "exponential_":
        pair = nt.empty(shape).exponential_(0.5), torch.empty(shape).exponential_(0.5)
    else:
        pair = nt.bernoulli(nt.full(shape, 0.4)), torch.bernoulli(torch.full(shape, 0.4))
    assert same(*pair)
    assert_aligned(torch)


# --- errors: PyTorch's types and wording ---------------------------------------------------------
ERROR_CASES = [
    "m.rand(5.3)",
    "m.rand(2, 3.5)",
    "m.rand((2, 3.5))",
    "m.rand('a')",
    "m.rand(-1)",
    "m.rand(2, -3)",
    "m.rand()",
    "m.rand(dtype=m.float32)",
    "m.rand(2, size=(2,))",
    "m.rand(3, generator=5)",
    "m.randn(3, foo=2)",
    "m.rand(3, dtype=m.int64)",
    "m.randn(3, dtype=m.int64)",
    "m.randint(5)",
    "m.randint(5, 2, (3,))",
    "m.randint(5, 5, (3,))",
    "m.randint(5, 3)",
    "m.randint(5, 3.0)",
    "m.randint(5, (3.0,))",
    "m.randint(2.5, (3,))",
    "m.randint(0, 2.5, (3,))",
    "m.randint(1, 2, 3, (3,))",
    "m.randint(0, 300, (3,), dtype=m.uint8)",
    "m.randint(-1, 5, (3,), dtype=m.uint8)",
    "m.randint(5, (3,), dtype=m.bool)",
    "m.randint(0, 2**40, (3,), dtype=m.int32)",
    "m.randint(0, 2**63, (3,))",
    "m.randint(0, 70000, (3,), dtype=m.float16)",
    "m.randint(5, (2,), requires_grad=True)",
    "m.randperm(-1)",
    "m.randperm(5.0)",
    "m.randperm(3000, dtype=m.float16)",
    "m.randperm(300, dtype=m.int8)",
    "m.randperm(5, dtype=m.bool)",
    "m.randperm(3, generator=2)",
    "m.normal(0, 1)",
    "m.normal(0, -1, (3,))",
    "m.normal(m.zeros(3), -1.)",
    "m.normal(0., m.tensor([-1.]))",
    "m.normal(m.zeros(3, dtype=m.int64), 1.)",
    "m.bernoulli(m.full((3,), 1.5))",
    "m.bernoulli(m.full((3,), float('nan')))",
    "m.bernoulli(m.full((3,), 0.5), p=1.3)",
    "m.bernoulli(m.ones(3, dtype=m.int64))",
    "m.multinomial(m.ones(3), 4)",
    "m.multinomial(m.tensor([1., -1, 0]), 1)",
    "m.multinomial(m.tensor([0., 0, 0]), 1)",
    "m.multinomial(m.tensor([0., 0, 0]), 2, True)",
    "m.multinomial(m.ones(2, 2, 2), 1)",
    "m.multinomial(m.tensor(1.), 1)",
    "m.multinomial(m.ones(3), 0)",
    "m.multinomial(m.ones(3, dtype=m.int64), 1)",
    "m.multinomial(m.tensor([1., float('inf'), 0]), 1)",
    "m.multinomial(m.tensor([1., float('nan'), 0]), 2, True)",
    "m.multinomial(m.ones(2, 0), 2)",
    "m.empty(3).uniform_(2, 1)",
    "m.empty(3).uniform_(0, 1e300)",
    "m.empty(3, dtype=m.float16).uniform_(-6e4, 6e4)",
    "m.empty(3, dtype=m.int64).uniform_()",
    "m.empty(3).normal_(0, -1)",
    "m.empty(3, dtype=m.int64).normal_()",
    "m.empty(3).exponential_(0)",
    "m.empty(3, dtype=m.int64).exponential_()",
    "m.empty(3).random_(5, 5)",
    "m.empty(3).random_(-5)",
    "m.empty(3, dtype=m.uint8).random_(-1, 5)",
    "m.empty(3, dtype=m.uint8).random_(0, 257)",
    "m.empty(3).random_(0, 2**64)",
    "m.empty(3).random_(1, 2, 3)",
    "m.empty(3).random_(1.5)",
    "m.empty(3).random_(foo=1)",
    "m.empty(3).bernoulli_(1.5)",
    "m.empty(3).bernoulli_(m.tensor([1.5, 0, 0]))",
    "m.rand_like(m.ones(3, dtype=m.int64))",
    "m.randn_like(m.ones(3, dtype=m.int64))",
    "m.randint_like(m.ones(3), 5, 2)",
    "m.rand(2, out=m.empty(2, dtype=m.int64))",
    "m.Generator().manual_seed('1')",
    "m.Generator().manual_seed(True)",
    "m.ones(2, requires_grad=True).uniform_()",
]


@pytest.mark.oracle
@pytest.mark.parametrize("expr", ERROR_CASES)
def test_errors_match_torch(torch, expr):
    def outcome(m):
        try:
            eval(expr, {"m": m})
        except Exception as e:  # noqa: BLE001 - comparing whatever each library raises
            return type(e), str(e)
        return None, None

    want_type, want_msg = outcome(torch)
    assert want_type is not None
    got_type, got_msg = outcome(nt)
    assert got_type is want_type and got_msg == want_msg


@pytest.mark.oracle
def test_float_randint_precision_warning_matches_torch(torch):
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        torch.empty(3).random_(0, 2**30)
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        nt.empty(3).random_(0, 2**30)
    assert len(ours) == len(theirs) == 1
    assert str(theirs[0].message).startswith(str(ours[0].message))


@pytest.mark.oracle
def test_result_metadata_matches_torch(torch):
    cases = [
        lambda m: m.rand(2, 3),
        lambda m: m.rand([2, 3]),
        lambda m: m.rand(size=(2, 3)),
        lambda m: m.rand(()),
        lambda m: m.randn(2, 1),
        lambda m: m.randn(2, 0),
        lambda m: m.randn(4, dtype=m.float64, requires_grad=True),
        lambda m: m.randint(5, (3,)),
        lambda m: m.randint(high=5, size=(3,)),
        lambda m: m.randint(low=2, high=5, size=[3]),
        lambda m: m.randint(5, (3,), dtype=m.float32),
        lambda m: m.randperm(5, dtype=m.float32),
        lambda m: m.randint_like(m.ones(3), 5),
        lambda m: m.randint_like(m.ones(3), high=5),
        lambda m: m.rand_like(m.ones(2, 3).t()),
        lambda m: m.multinomial(m.ones(0, 3), 2),
        lambda m: m.normal(m.zeros(2, 1), m.ones(3)),
        lambda m: m.bernoulli(m.full((2, 2), 0.5).t()),
        lambda m: m.randn(2, 3, out=m.empty(6)),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for make in cases:
            a, b = make(nt), make(torch)
            assert str(a.dtype) == str(b.dtype)
            assert tuple(a.shape) == tuple(b.shape)
            assert (
                a.stride() == b.stride() or b.numel() == 0
            )  # (empty tensors' strides: the core's)
            assert a.requires_grad == b.requires_grad


@pytest.mark.oracle
def test_generator_pickle_deepcopy_clone_state_match_torch(torch):
    import copy
    import pickle

    g_n, g_t = (
        nt.Generator(nt.device("cpu")).manual_seed(21),
        torch.Generator(torch.device("cpu")).manual_seed(21),
    )
    nt.randn(3, generator=g_n)  # leaves a cached normal, which must travel too
    torch.randn(3, generator=g_t)
    for clone_n, clone_t in (
        (pickle.loads(pickle.dumps(g_n)), pickle.loads(pickle.dumps(g_t))),
        (copy.deepcopy(g_n), copy.deepcopy(g_t)),
        (g_n.clone_state(), g_t.clone_state()),
    ):
        assert clone_n.initial_seed() == clone_t.initial_seed() == 21
        assert same(nt.randn(1, generator=clone_n), torch.randn(1, generator=clone_t))
        assert same(nt.rand(4, generator=clone_n), torch.rand(4, generator=clone_t))
    assert same(nt.randn(1, generator=g_n), torch.randn(1, generator=g_t))  # originals untouched
    with pytest.raises(RuntimeError, match="CPU Generator does not use offset"):
        g_n.get_offset()


@pytest.mark.oracle
def test_seed_notes_usage_matches_torch(torch):
    # From the user's notes: sampling an index, *_like with a dtype, a 0-dim int64 random_()
    # (what DataLoader draws for its base seed), and RandomSampler's Generator + randperm.
    for s in SEEDS[:8]:
        seed_both(torch, s)
        assert nt.randint(60000, size=(1,)).item() == torch.randint(60000, size=(1,)).item()
        x_n, x_t = nt.ones(2, 3, dtype=nt.int64), torch.ones(2, 3, dtype=torch.int64)
        assert same(nt.randn_like(x_n, dtype=nt.float), torch.randn_like(x_t, dtype=torch.float))
        assert same(nt.rand_like(x_n.float()), torch.rand_like(x_t.float()))
        base_n = nt.empty((), dtype=nt.int64).random_().item()
        base_t = torch.empty((), dtype=torch.int64).random_().item()
        assert base_n == base_t
        seed_n = nt.empty((), dtype=nt.int64).random_().item()
        seed_t = torch.empty((), dtype=torch.int64).random_().item()
        perm_n = nt.randperm(10, generator=nt.Generator().manual_seed(seed_n))
        perm_t = torch.randperm(10, generator=torch.Generator().manual_seed(seed_t))
        assert same(perm_n, perm_t)
        assert same(
            nt.empty(5).random_(**{"from": 3, "to": 8}),
            torch.empty(5).random_(**{"from": 3, "to": 8}),
        )
        assert same(nt.empty(5).random_(3, to=8), torch.empty(5).random_(3, to=8))
        assert same(nt.empty(5).random_(to=9), torch.empty(5).random_(to=9))
        assert_aligned(torch)
