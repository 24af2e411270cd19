"""Attention against real PyTorch: ``F.scaled_dot_product_attention``, ``MultiheadAttention`` (masks,
bias_kv, zero attention, separate k/v dims, batch_first, unbatched, need_weights), the Transformer
modules (seeded weights, ``repr``, outputs, gradients, dropout masks in training), errors; plus
self-contained checks.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import numtorch as nt
import numtorch.nn.functional as NF
from op_harness import check_error, check_op

TOL = {"float32": dict(rtol=1e-5, atol=1e-5), "float64": dict(rtol=1e-10, atol=1e-12)}


def _pair(torch, name, args, kwargs=None, seed=0, dtype="float32"):
    torch.manual_seed(seed)
    theirs = getattr(torch.nn, name)(*args, **(kwargs or {}))
    nt.manual_seed(seed)
    ours = getattr(nt.nn, name)(*args, **(kwargs or {}))
    if dtype == "float64":
        theirs, ours = theirs.double(), ours.double()
    return theirs, ours


def _run(torch, theirs, ours, arrays, dtype, call, grad=True):
    """Run ``call(module, lib, *tensors)`` in both; compare outputs, input and parameter grads."""
    t_in = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    n_in = [nt.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    t_out, n_out = call(theirs, torch, *t_in), call(ours, nt, *n_in)
    t_out = [t for t in (t_out if isinstance(t_out, tuple) else (t_out,)) if t is not None]
    n_out = [t for t in (n_out if isinstance(n_out, tuple) else (n_out,)) if t is not None]
    assert len(t_out) == len(n_out)
    for i, (a, b) in enumerate(zip(n_out, t_out)):
        assert tuple(a.shape) == tuple(b.shape), f"output {i}: {tuple(a.shape)} != {tuple(b.shape)}"
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **TOL[dtype],
                                   err_msg=f"output {i}")  # fmt: skip
    if not grad:
        return
    rng = np.random.default_rng(9)
    ups = [rng.standard_normal(tuple(t.shape)) for t in t_out]
    sum((t * torch.tensor(u, dtype=t.dtype)).sum() for t, u in zip(t_out, ups)).backward()
    sum((n * nt.tensor(u, dtype=n.dtype)).sum() for n, u in zip(n_out, ups)).backward()
    for i, (a, b) in enumerate(zip(n_in, t_in)):
        if b.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL[dtype],
                                       err_msg=f"input {i}")  # fmt: skip
    for (key, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert (p.grad is None) == (q.grad is None), key
        if q.grad is not None:
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), **TOL[dtype], err_msg=key)


# --- scaled_dot_product_attention ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"is_causal": True}, {"scale": 0.3}, {"mask": "bool"}, {"mask": "float"},
     {"mask": "bool_broadcast"}],
)  # fmt: skip
def test_sdpa_matches_torch(torch, dtype, kwargs):
    kwargs = dict(kwargs)
    rng = np.random.default_rng(0)
    shapes = [(2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 7)]
    inputs = [rng.standard_normal(s).astype(dtype) for s in shapes]
    if kwargs.get("is_causal"):
        inputs[1], inputs[2] = inputs[1][:, :, :5], inputs[2][:, :, :5]
    mask = kwargs.pop("mask", None)
    if mask == "bool":
        inputs.append(rng.random((2, 3, 5, 6)) > 0.3)
    elif mask == "float":
        inputs.append(rng.standard_normal((5, 6)).astype(dtype))
    elif mask == "bool_broadcast":
        allowed = rng.random((1, 1, 5, 6)) > 0.5
        allowed[..., 0, :] = False  # a row that may attend nowhere: zeros, not NaN
        inputs.append(allowed)
    check_op(
        lambda *a: torch.nn.functional.scaled_dot_product_attention(*a, **kwargs),
        lambda *a: NF.scaled_dot_product_attention(*a, **kwargs),
        inputs=inputs, **TOL[dtype], grad_fn=False,
    )  # fmt: skip


def test_sdpa_dropout_mask_matches_torch(torch):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((2, 2, 4, 3)).astype(np.float32) for _ in range(3)]
    torch.manual_seed(3)
    theirs = torch.nn.functional.scaled_dot_product_attention(
        *map(torch.tensor, arrays), dropout_p=0.3
    )
    nt.manual_seed(3)
    ours = NF.scaled_dot_product_attention(*map(nt.tensor, arrays), dropout_p=0.3)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)


# --- MultiheadAttention ----------------------------------------------------------------------------------
MHA_CONFIGS = [
    {},
    {"bias": False},
    {"add_bias_kv": True},
    {"add_zero_attn": True},
    {"kdim": 4, "vdim": 6},
    {"batch_first": True},
    {"add_bias_kv": True, "add_zero_attn": True, "kdim": 5, "vdim": 5},
]


@pytest.mark.parametrize("config", MHA_CONFIGS)
def test_mha_parameters_init_and_repr_match_torch(torch, config):
    theirs, ours = _pair(torch, "MultiheadAttention", (8, 2), config, seed=5)
    assert repr(ours) == repr(theirs)
    t_state, n_state = theirs.state_dict(), ours.state_dict()
    assert list(n_state) == list(t_state)
    for key in t_state:
        np.testing.assert_array_equal(n_state[key].numpy(), t_state[key].numpy(), err_msg=key)
    assert nt.rand(2).tolist() == torch.rand(2).tolist()


@pytest.mark.parametrize("config", MHA_CONFIGS)
@pytest.mark.parametrize("need_weights, average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("masks", [None, "attn_bool", "kpm_bool", "both_float"])
def test_mha_matches_torch(torch, config, need_weights, average, masks):
    dtype = "float64"
    theirs, ours = _pair(torch, "MultiheadAttention", (8, 2), config, dtype=dtype)
    rng = np.random.default_rng(2)
    bf = config.get("batch_first", False)
    kdim, vdim = config.get("kdim", 8), config.get("vdim", 8)
    L, S, N = 4, 5, 3
    q = rng.standard_normal((N, L, 8) if bf else (L, N, 8))
    k = rng.standard_normal((N, S, kdim) if bf else (S, N, kdim))
    v = rng.standard_normal((N, S, vdim) if bf else (S, N, vdim))
    attn = kpm = None
    if masks == "attn_bool":
        attn = rng.random((L, S)) > 0.7
    elif masks == "kpm_bool":
        kpm = np.zeros((N, S), bool)
        kpm[:, -2:] = True
    elif masks == "both_float":
        attn = rng.standard_normal((N * 2, L, S))
        kpm = np.where(rng.random((N, S)) > 0.8, -np.inf, 0.0)

    def call(m, lib, q, k, v):
        t = lambda a: None if a is None else lib.tensor(a)  # noqa: E731
        return m(q, k, v, key_padding_mask=t(kpm), attn_mask=t(attn), need_weights=need_weights,
                 average_attn_weights=average)  # fmt: skip

    _run(torch, theirs, ours, [q, k, v], dtype, call)


@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_self_attention_unbatched_and_causal_match_torch(torch, batch_first):
    theirs, ours = _pair(torch, "MultiheadAttention", (6, 3), {"batch_first": batch_first},
                         dtype="float64")  # fmt: skip
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 5, 6))
    causal = np.triu(np.full((5, 5), -np.inf), 1)
    _run(torch, theirs, ours, [x], "float64", lambda m, lib, x: m(x, x, x))
    _run(torch, theirs, ours, [x[0]], "float64", lambda m, lib, x: m(x, x, x))
    _run(torch, theirs, ours, [x], "float64",
         lambda m, lib, x: m(x, x, x, attn_mask=lib.tensor(causal), is_causal=True,
                             need_weights=False))  # fmt: skip


def test_mha_dropout_matches_torch(torch):
    theirs, ours = _pair(torch, "MultiheadAttention", (8, 2), {"dropout": 0.3})
    x = np.random.default_rng(5).standard_normal((4, 2, 8)).astype(np.float32)
    for need_weights in (True, False):
        torch.manual_seed(7)
        nt.manual_seed(7)
        _run(torch, theirs, ours, [x], "float32",
             lambda m, lib, x, w=need_weights: m(x, x, x, need_weights=w))  # fmt: skip


MHA_ERRORS = [
    lambda m, L: m(L.randn(4, 2, 8), L.randn(5, 8), L.randn(5, 8)),
    lambda m, L: m(L.randn(4, 8), L.randn(5, 2, 8), L.randn(5, 2, 8)),
    lambda m, L: m(L.randn(2, 4, 2, 8), L.randn(5, 2, 8), L.randn(5, 2, 8)),
    lambda m, L: m(L.randn(4, 2, 8), L.randn(5, 2, 8), L.randn(6, 2, 8)),
    lambda m, L: m(L.randn(4, 2, 6), L.randn(5, 2, 6), L.randn(5, 2, 6)),
    lambda m, L: m(L.randn(4, 2, 8), L.randn(5, 2, 8), L.randn(5, 2, 8), attn_mask=L.zeros(4, 4)),
    lambda m, L: m(
        L.randn(4, 2, 8), L.randn(5, 2, 8), L.randn(5, 2, 8), attn_mask=L.zeros(3, 4, 5)
    ),  # fmt: skip
    lambda m, L: m(
        L.randn(4, 2, 8), L.randn(5, 2, 8), L.randn(5, 2, 8), key_padding_mask=L.zeros(2, 4)
    ),  # fmt: skip
    lambda m, L: m(
        L.randn(4, 2, 8),
        L.randn(5, 2, 8),
        L.randn(5, 2, 8),
        key_padding_mask=L.zeros(2, 5, dtype=L.int64),
    ),  # fmt: skip
    lambda m, L: m(L.randn(4, 2, 8), L.randn(4, 2, 8), L.randn(4, 2, 8), is_causal=True),
]


@pytest.mark.parametrize("call", MHA_ERRORS)
def test_mha_errors_match_torch(torch, call):
    theirs, ours = _pair(torch, "MultiheadAttention", (8, 2))
    check_error(lambda: call(theirs, torch), lambda: call(ours, nt))


@pytest.mark.parametrize("args", [(8, 3), (0, 2), (8, 0)])
def test_mha_constructor_errors_match_torch(torch, args):
    check_error(lambda: torch.nn.MultiheadAttention(*args),
                lambda: nt.nn.MultiheadAttention(*args))  # fmt: skip


# --- Transformer -----------------------------------------------------------------------------------------
def _quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"norm_first": True, "activation": "gelu"}, {"batch_first": True, "bias": False},
     {"activation": "gelu", "layer_norm_eps": 1e-6, "batch_first": True}],
)  # fmt: skip
def test_encoder_layer_matches_torch(torch, kwargs):
    theirs, ours = _pair(torch, "TransformerEncoderLayer", (8, 2, 16), kwargs, dtype="float64")
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 5, 8) if kwargs.get("batch_first") else (5, 3, 8))
    kpm = np.zeros((3, 5), bool)
    kpm[0, -2:] = True
    causal = np.triu(np.full((5, 5), -np.inf), 1)
    for mode in ("train", "eval"):
        getattr(theirs, mode)()
        getattr(ours, mode)()
        if mode == "train":  # dropout masks are drawn as PyTorch draws them
            torch.manual_seed(8)
            nt.manual_seed(8)
        _run(torch, theirs, ours, [x], "float64", lambda m, lib, x: m(x))
        _run(torch, theirs, ours, [x], "float64",
             lambda m, lib, x: m(x, src_key_padding_mask=lib.tensor(kpm)))  # fmt: skip
        _run(torch, theirs, ours, [x], "float64",
             lambda m, lib, x: m(x, src_mask=lib.tensor(causal), is_causal=True))  # fmt: skip


@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_stack_matches_torch(torch, batch_first):
    def build(lib):
        layer = lib.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=batch_first)
        return lib.nn.TransformerEncoder(layer, 3, norm=lib.nn.LayerNorm(8))

    torch.manual_seed(1)
    theirs = _quiet(lambda: build(torch)).double()
    nt.manual_seed(1)
    ours = _quiet(lambda: build(nt)).double()
    assert repr(ours) == repr(theirs)
    t_state, n_state = theirs.state_dict(), ours.state_dict()
    assert list(n_state) == list(t_state)
    for key in t_state:
        np.testing.assert_array_equal(n_state[key].numpy(), t_state[key].numpy(), err_msg=key)
    x = np.random.default_rng(7).standard_normal((4, 5, 8) if batch_first else (5, 4, 8))
    kpm = np.zeros((4, 5), bool)
    kpm[1, -3:] = True
    _run(torch, theirs, ours, [x], "float64",
         lambda m, lib, x: m(x, src_key_padding_mask=lib.tensor(kpm)))  # fmt: skip
    theirs.eval()
    ours.eval()
    with torch.no_grad(), nt.no_grad():  # PyTorch's nested-tensor path: padded rows are zeros
        _run(torch, theirs, ours, [x], "float64",
             lambda m, lib, x: m(x, src_key_padding_mask=lib.tensor(kpm)), grad=False)  # fmt: skip
        _run(torch, theirs, ours, [x], "float64", lambda m, lib, x: m(x), grad=False)


def test_nested_tensor_warning_matches_torch(torch):
    with pytest.warns(UserWarning) as theirs:
        torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2), 2)
    with pytest.warns(UserWarning) as ours:
        nt.nn.TransformerEncoder(nt.nn.TransformerEncoderLayer(8, 2), 2)
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]


def test_transformer_matches_torch(torch):
    kwargs = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
                  dim_feedforward=16, dropout=0.0)  # fmt: skip
    torch.manual_seed(2)
    theirs = _quiet(lambda: torch.nn.Transformer(**kwargs)).double()
    nt.manual_seed(2)
    ours = _quiet(lambda: nt.nn.Transformer(**kwargs)).double()
    assert repr(ours) == repr(theirs)
    t_state, n_state = theirs.state_dict(), ours.state_dict()
    assert list(n_state) == list(t_state)
    for key in t_state:
        np.testing.assert_array_equal(n_state[key].numpy(), t_state[key].numpy(), err_msg=key)
    rng = np.random.default_rng(8)
    src, tgt = rng.standard_normal((6, 2, 8)), rng.standard_normal((4, 2, 8))
    _run(torch, theirs, ours, [src, tgt], "float64",
         lambda m, lib, s, t: m(s, t, tgt_mask=m.generate_square_subsequent_mask(4).double()))  # fmt: skip
    np.testing.assert_array_equal(
        nt.nn.Transformer.generate_square_subsequent_mask(3).numpy(),
        torch.nn.Transformer.generate_square_subsequent_mask(3).numpy(),
    )


# --- self-contained (no torch) ---------------------------------------------------------------------------
def test_sdpa_by_hand():
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((3, 4)) for _ in range(3))
    scores = q @ k.T / 2.0
    weights = np.exp(scores - scores.max(1, keepdims=True))
    weights /= weights.sum(1, keepdims=True)
    out = NF.scaled_dot_product_attention(*map(nt.from_numpy, (q, k, v)))
    np.testing.assert_allclose(out.numpy(), weights @ v, rtol=1e-12)


def test_mha_gradients_finite_differences():
    nt.manual_seed(0)
    mha = nt.nn.MultiheadAttention(4, 2, add_bias_kv=True).double()
    x = np.random.default_rng(1).standard_normal((3, 2, 4))
    mask = nt.tensor([[False, False, True, False, False]] * 2)
    xt = nt.from_numpy(x).requires_grad_()
    out, _ = mha(xt, xt, xt, key_padding_mask=mask[:, :3])
    upstream = np.random.default_rng(2).standard_normal(tuple(out.shape))
    (out * nt.from_numpy(upstream)).sum().backward()

    def value():
        with nt.no_grad():
            y = nt.from_numpy(x)
            o, _ = mha(y, y, y, key_padding_mask=mask[:, :3])
            return float((o * nt.from_numpy(upstream)).sum())

    numerical = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + 1e-6
        hi = value()
        x[idx] = old - 1e-6
        lo = value()
        x[idx] = old
        numerical[idx] = (hi - lo) / 2e-6
    np.testing.assert_allclose(xt.grad.numpy(), numerical, rtol=1e-6, atol=1e-8)
