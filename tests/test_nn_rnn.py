"""Recurrent layers and cells against real PyTorch: parameter names, shapes and default values under
the same seed, ``repr``, outputs and gradients (input, initial states, every parameter) for float32
and float64 over layers × directions × batch_first × bias × proj_size, dropout masks, errors; plus
self-contained finite-difference checks.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import numtorch as nt
from op_harness import check_error

TOL = {"float32": dict(rtol=1e-5, atol=1e-5), "float64": dict(rtol=1e-10, atol=1e-12)}


def _pair(torch, name, args, kwargs, dtype="float32", seed=0):
    """The same layer built in both libraries under the same seed (so with the same weights)."""
    torch.manual_seed(seed)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    nt.manual_seed(seed)
    ours = getattr(nt.nn, name)(*args, **kwargs)
    if dtype == "float64":
        theirs, ours = theirs.double(), ours.double()
    return theirs, ours


def _flat(out) -> list:
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]


def _compare(torch, theirs, ours, arrays, dtype, call=lambda m, *a: m(*a)):
    """Run both on the same arrays (a nested tuple for LSTM states), compare outputs and gradients."""

    def build(lib):
        def conv(a):
            if isinstance(a, tuple):
                return tuple(conv(x) for x in a)
            return None if a is None else lib.tensor(a, requires_grad=True)

        return [conv(a) for a in arrays]

    t_in, n_in = build(torch), build(nt)
    t_out, n_out = _flat(call(theirs, *t_in)), _flat(call(ours, *n_in))
    assert len(t_out) == len(n_out)
    for i, (a, b) in enumerate(zip(n_out, t_out)):
        assert tuple(a.shape) == tuple(b.shape), f"output {i}"
        assert str(b.dtype) == repr(a.dtype)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **TOL[dtype],
                                   err_msg=f"output {i}")  # fmt: skip
    rng = np.random.default_rng(5)
    ups = [rng.standard_normal(tuple(t.shape)) for t in t_out]
    sum((t * torch.tensor(u, dtype=t.dtype)).sum() for t, u in zip(t_out, ups)).backward()
    sum((n * nt.tensor(u, dtype=n.dtype)).sum() for n, u in zip(n_out, ups)).backward()
    for i, (a, b) in enumerate(zip(_flat(n_in), _flat(t_in))):
        if b is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **TOL[dtype],
                                       err_msg=f"input {i}")  # fmt: skip
    for (key, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), **TOL[dtype], err_msg=key)


# --- construction ----------------------------------------------------------------------------------
LAYERS = [
    ("RNN", (3, 4), {}),
    ("RNN", (3, 4, 2, "relu", False, True, 0.5, True), {}),
    ("RNN", (3, 4), {"nonlinearity": "relu", "num_layers": 3}),
    ("LSTM", (3, 4), {}),
    ("LSTM", (3, 4), {"proj_size": 2, "num_layers": 2, "bidirectional": True}),
    ("LSTM", (5, 7, 2), {"bias": False, "batch_first": True, "dropout": 0.25}),
    ("GRU", (3, 4), {}),
    ("GRU", (3, 4, 3), {"bidirectional": True, "bias": False}),
    ("RNNCell", (3, 4), {}),
    ("RNNCell", (3, 4, False, "relu"), {}),
    ("LSTMCell", (3, 4), {}),
    ("GRUCell", (3, 4), {"bias": False}),
]


@pytest.mark.parametrize("name, args, kwargs", LAYERS)
def test_parameters_init_and_repr_match_torch(torch, name, args, kwargs):
    theirs, ours = _pair(torch, name, args, kwargs, seed=3)
    assert repr(ours) == repr(theirs)
    t_state, n_state = theirs.state_dict(), ours.state_dict()
    assert list(n_state) == list(t_state)
    for key in t_state:
        np.testing.assert_array_equal(n_state[key].numpy(), t_state[key].numpy(), err_msg=key)
    assert nt.rand(2).tolist() == torch.rand(2).tolist()  # same number of draws
    if hasattr(theirs, "all_weights"):
        assert [[tuple(p.shape) for p in ws] for ws in ours.all_weights] == [
            [tuple(p.shape) for p in ws] for ws in theirs.all_weights
        ]


# --- forward and backward ----------------------------------------------------------------------------
GRID = list(
    itertools.product(
        ["RNN", "LSTM", "GRU"],
        [1, 2],  # num_layers
        [False, True],  # bidirectional
        [False, True],  # batch_first
    )
)


@pytest.mark.parametrize("name, layers, bidirectional, batch_first", GRID)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layers_match_torch(torch, name, layers, bidirectional, batch_first, dtype):
    kwargs = dict(num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    theirs, ours = _pair(torch, name, (3, 5), kwargs, dtype)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 6, 3) if batch_first else (6, 2, 3)).astype(dtype)
    h0 = rng.standard_normal((layers * (1 + bidirectional), 2, 5)).astype(dtype)
    states = (h0, rng.standard_normal(h0.shape).astype(dtype)) if name == "LSTM" else h0
    _compare(torch, theirs, ours, [x], dtype)
    _compare(torch, theirs, ours, [x, states], dtype)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_unbatched_and_no_bias_match_torch(torch, name):
    theirs, ours = _pair(torch, name, (3, 4), dict(num_layers=2, bias=False), "float64")
    rng = np.random.default_rng(1)
    h0 = rng.standard_normal((2, 4))
    states = (h0, rng.standard_normal((2, 4))) if name == "LSTM" else h0
    _compare(torch, theirs, ours, [rng.standard_normal((5, 3))], "float64")
    _compare(torch, theirs, ours, [rng.standard_normal((5, 3)), states], "float64")


@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_proj_size_matches_torch(torch, bidirectional):
    kwargs = dict(num_layers=2, proj_size=3, bidirectional=bidirectional)
    theirs, ours = _pair(torch, "LSTM", (4, 6), kwargs, "float64")
    rng = np.random.default_rng(2)
    d = 2 if bidirectional else 1
    states = (rng.standard_normal((2 * d, 3, 3)), rng.standard_normal((2 * d, 3, 6)))
    _compare(torch, theirs, ours, [rng.standard_normal((5, 3, 4)), states], "float64")


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_dropout_between_layers_matches_torch(torch, name):
    """Training mode: the masks come from the generator, bit-identical with PyTorch's."""
    theirs, ours = _pair(torch, name, (3, 4, 3), dict(dropout=0.4, bidirectional=True))
    x = np.random.default_rng(3).standard_normal((5, 2, 3)).astype(np.float32)
    torch.manual_seed(11)
    nt.manual_seed(11)
    _compare(torch, theirs, ours, [x], "float32")
    assert nt.rand(2).tolist() == torch.rand(2).tolist()
    theirs.eval()
    ours.eval()
    _compare(torch, theirs, ours, [x], "float32")


@pytest.mark.parametrize("name, chunks", [("RNNCell", 1), ("LSTMCell", 4), ("GRUCell", 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cells_match_torch(torch, name, chunks, dtype):
    theirs, ours = _pair(torch, name, (3, 4), {}, dtype)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 3)).astype(dtype)
    h = rng.standard_normal((5, 4)).astype(dtype)
    states = (h, rng.standard_normal((5, 4)).astype(dtype)) if name == "LSTMCell" else h
    _compare(torch, theirs, ours, [x], dtype)
    _compare(torch, theirs, ours, [x, states], dtype)
    unbatched = (states[0][0], states[1][0]) if name == "LSTMCell" else h[0]
    _compare(torch, theirs, ours, [x[0], unbatched], dtype)
    if name == "RNNCell":
        theirs, ours = _pair(torch, name, (3, 4, True, "relu"), {}, dtype)
        _compare(torch, theirs, ours, [x, h], dtype)


@pytest.mark.parametrize("cell", ["lstm_cell", "gru_cell"])
def test_fused_cells_double_backward_match_torch(torch, cell):
    """Gradients of gradients through the fused cells (NOTE [ Fused recurrent cells ])."""
    gates = 4 if cell == "lstm_cell" else 3
    rng = np.random.default_rng(6)
    shapes = [(5, 3), (5, 4), (5, 4), (gates * 4, 3), (gates * 4, 4), (gates * 4,), (gates * 4,)]
    arrays = [rng.standard_normal(s) for s in shapes]
    if cell == "gru_cell":
        del arrays[2]
    results = []
    for lib in (torch, nt):
        fn = getattr(torch, cell) if lib is torch else getattr(nt.ops.rnn, cell)
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        if cell == "lstm_cell":
            h, c = fn(ts[0], (ts[1], ts[2]), *ts[3:])
            loss = (h * h).sum() + (c * c * c).sum()
        else:
            h = fn(ts[0], ts[1], *ts[2:])
            loss = (h * h * h).sum()
        grads = lib.autograd.grad(loss, ts, create_graph=True)
        sum((g * g).sum() for g in grads).backward()
        results.append([t.grad.numpy() for t in ts])
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


# --- errors ----------------------------------------------------------------------------------------
def _errors(torch, name, args, kwargs, inputs_fn):
    theirs, ours = _pair(torch, name, args, kwargs)
    check_error(lambda: inputs_fn(theirs, torch), lambda: inputs_fn(ours, nt))


FORWARD_ERRORS = [
    ("RNN", lambda m, L: m(L.randn(5, 2, 4))),
    ("RNN", lambda m, L: m(L.randn(5))),
    ("RNN", lambda m, L: m(L.randn(5, 2, 3).double())),
    ("RNN", lambda m, L: m(L.randn(5, 2, 3), L.randn(1, 3, 4))),
    ("RNN", lambda m, L: m(L.randn(5, 2, 3), L.randn(2, 4))),
    ("RNN", lambda m, L: m(L.randn(5, 3), L.randn(1, 1, 4))),
    ("GRU", lambda m, L: m(L.randn(5, 2, 4))),
    ("GRU", lambda m, L: m(L.randn(2, 2, 2, 3))),
    ("LSTM", lambda m, L: m(L.randn(5))),
    ("LSTM", lambda m, L: m(L.randn(5, 2, 3), (L.randn(1, 2, 4), L.randn(1, 3, 4)))),
    ("LSTM", lambda m, L: m(L.randn(5, 2, 3), (L.randn(2, 2, 4), L.randn(1, 2, 4)))),
    ("LSTM", lambda m, L: m(L.randn(5, 2, 3), (L.randn(2, 4), L.randn(2, 4)))),
    ("LSTM", lambda m, L: m(L.randn(5, 3), (L.randn(1, 1, 4), L.randn(1, 1, 4)))),
]


@pytest.mark.parametrize("name, call", FORWARD_ERRORS)
def test_forward_errors_match_torch(torch, name, call):
    _errors(torch, name, (3, 4), {}, call)


CELL_ERRORS = [
    ("RNNCell", lambda m, L: m(L.randn(5, 4))),
    ("RNNCell", lambda m, L: m(L.randn(2, 5, 3))),
    ("RNNCell", lambda m, L: m(L.randn(5, 3), L.randn(4, 4))),
    ("RNNCell", lambda m, L: m(L.randn(5, 3), L.randn(5, 3))),
    ("GRUCell", lambda m, L: m(L.randn(5, 3), L.randn(2, 5, 4))),
    ("LSTMCell", lambda m, L: m(L.randn(5, 3), (L.randn(4, 4), L.randn(5, 4)))),
    ("LSTMCell", lambda m, L: m(L.randn(5, 3), (L.randn(5, 4), L.randn(4, 4)))),
]


@pytest.mark.parametrize("name, call", CELL_ERRORS)
def test_cell_errors_match_torch(torch, name, call):
    _errors(torch, name, (3, 4), {}, call)


@pytest.mark.parametrize(
    "name, args, kwargs",
    [
        ("RNN", (3, 4), {"dropout": 1.5}),
        ("RNN", (3, 4), {"nonlinearity": "gelu"}),
        ("RNN", (3, 4), {"proj_size": 2}),
        ("GRU", (3, 4), {"proj_size": 2}),
        ("LSTM", (3, 4), {"proj_size": 4}),
        ("LSTM", (3, 4), {"proj_size": -1}),
        ("LSTM", (3, 0), {}),
        ("LSTM", (3, 4), {"num_layers": 0}),
        ("LSTM", (3, 4.0), {}),
    ],
)
def test_constructor_errors_match_torch(torch, name, args, kwargs):
    check_error(lambda: getattr(torch.nn, name)(*args, **kwargs),
                lambda: getattr(nt.nn, name)(*args, **kwargs))  # fmt: skip


def test_dropout_with_one_layer_warns_like_torch(torch):
    with pytest.warns(UserWarning) as theirs:
        torch.nn.LSTM(3, 4, dropout=0.5)
    with pytest.warns(UserWarning) as ours:
        nt.nn.LSTM(3, 4, dropout=0.5)
    assert str(ours[0].message) == str(theirs[0].message)


# --- self-contained (no torch) -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, kwargs",
    [("LSTM", dict(num_layers=2, bidirectional=True)), ("GRU", dict(batch_first=True)),
     ("RNN", dict(nonlinearity="relu")), ("LSTM", dict(proj_size=2))],
)  # fmt: skip
def test_gradients_finite_differences(name, kwargs):
    nt.manual_seed(0)
    layer = getattr(nt.nn, name)(3, 4, **kwargs).double()
    x = np.random.default_rng(0).standard_normal((4, 2, 3))
    xt = nt.from_numpy(x).requires_grad_()
    out = layer(xt)[0]
    upstream = np.random.default_rng(1).standard_normal(tuple(out.shape))
    (out * nt.from_numpy(upstream)).sum().backward()

    def value():
        with nt.no_grad():
            return float((layer(nt.from_numpy(x))[0] * nt.from_numpy(upstream)).sum())

    eps = 1e-6
    for array, grad in [(x, xt.grad.numpy())] + [
        (p.detach().numpy(), p.grad.numpy()) for p in layer.parameters()
    ]:
        numerical = np.zeros_like(array)
        for idx in np.ndindex(*array.shape):
            old = array[idx]
            array[idx] = old + eps
            hi = value()
            array[idx] = old - eps
            lo = value()
            array[idx] = old
            numerical[idx] = (hi - lo) / (2 * eps)
        np.testing.assert_allclose(grad, numerical, rtol=1e-6, atol=1e-8)


def test_lstm_equations_by_hand():
    """One LSTM step from the documented equations, computed here with NumPy."""
    nt.manual_seed(0)
    lstm = nt.nn.LSTM(2, 3).double()
    x = np.random.default_rng(0).standard_normal((1, 1, 2))
    out, (h, c) = lstm(nt.from_numpy(x))
    p = {k: v.detach().numpy() for k, v in lstm.state_dict().items()}
    gates = x[0] @ p["weight_ih_l0"].T + p["bias_ih_l0"] + p["bias_hh_l0"]
    i, f, g, o = np.split(gates, 4, axis=1)
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    c_ref = sig(i) * np.tanh(g)
    h_ref = sig(o) * np.tanh(c_ref)
    np.testing.assert_allclose(c.detach().numpy()[0], c_ref, rtol=1e-12)
    np.testing.assert_allclose(h.detach().numpy()[0], h_ref, rtol=1e-12)
    np.testing.assert_allclose(out.detach().numpy()[0], h_ref, rtol=1e-12)
    assert [k for k, _ in lstm.named_parameters()] == [
        "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"
    ]  # fmt: skip
