"""numtorch.optim: optimizers against real PyTorch (trajectories, state_dict layout and
cross-loading, errors, repr, hooks), plus self-contained checks that run without torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import numtorch
from numtorch import nn, optim

SHAPES = [(6, 5), (5,), (3, 2, 2)]

# (optimizer name, options): every option each algorithm has, alone and combined.
CASES = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.05, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.7, "nesterov": True, "weight_decay": 0.01}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Adam", {"lr": 0.01, "maximize": True, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "betas": (0.3, 0.8), "eps": 1e-6}),  # lerp weight >= 0.5
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.3}),
    ("AdamW", {"lr": 0.01, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.001, "centered": True}),
    ("RMSprop", {"lr": 0.001, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.001, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.001, "alpha": 0.3, "centered": True, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-5, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.6, "weight_decay": 0.1}),
    ("Adadelta", {"maximize": True, "eps": 1e-4}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.01, "betas": (0.2, 0.9), "weight_decay": 0.1}),
    ("Adamax", {"maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("NAdam", {"momentum_decay": 0.01, "maximize": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"betas": (0.8, 0.99), "maximize": True}),
    ("Rprop", {}),
    ("Rprop", {"lr": 0.001, "etas": (0.3, 1.5), "step_sizes": (1e-4, 0.01)}),
    ("Rprop", {"maximize": True}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.05, "lambd": 1e-2, "alpha": 0.5, "t0": 20, "weight_decay": 0.1}),
    ("ASGD", {"t0": 5, "maximize": True}),
]
CASE_IDS = [
    f"{name}-{'-'.join(f'{k}={v}' for k, v in opts.items()) or 'default'}" for name, opts in CASES
]


def _pair(torch, name, options, shapes=SHAPES, seed=0, dtype=np.float32):
    """The same parameters in both frameworks, each with its optimizer."""
    rng = np.random.default_rng(seed)
    inits = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ours = [nn.Parameter(numtorch.tensor(x)) for x in inits]
    theirs = [torch.nn.Parameter(torch.tensor(x)) for x in inits]
    return (
        ours,
        getattr(optim, name)(ours, **options),
        theirs,
        getattr(torch.optim, name)(theirs, **options),
    )


def _set_grads(ours, theirs, grads):
    for p, q, g in zip(ours, theirs, grads):
        p.grad = None if g is None else numtorch.tensor(g)
        q.grad = None if g is None else _torch_of(q, g)


def _torch_of(like, array):
    import torch

    return torch.tensor(array, dtype=like.dtype)


def _assert_params_close(ours, theirs, rtol=1e-6, atol=1e-6):
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=rtol, atol=atol)


def _to_torch(obj):
    """A numtorch state_dict with its tensors made torch tensors (what a checkpoint file would carry)."""
    import torch

    if isinstance(obj, numtorch.Tensor):
        return torch.from_numpy(np.array(obj.numpy()))
    if isinstance(obj, dict):
        return {k: _to_torch(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_torch(v) for v in obj]
    return obj


def _to_numtorch(obj):
    import torch

    if isinstance(obj, torch.Tensor):
        return numtorch.from_numpy(obj.detach().numpy().copy())
    if isinstance(obj, dict):
        return {k: _to_numtorch(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_numtorch(v) for v in obj]
    return obj


def _assert_state_dicts_match(ours: dict, theirs: dict, rtol=1e-6, atol=1e-6):
    """Same layout (keys in order, group options, params indices), tensors of the same dtype
    and shape, values equal to float32 rounding."""
    assert list(ours) == list(theirs) == ["state", "param_groups"]
    assert ours["param_groups"] == theirs["param_groups"]
    for g, h in zip(ours["param_groups"], theirs["param_groups"]):
        assert list(g) == list(h)
    assert list(ours["state"]) == list(theirs["state"])
    for index, state in ours["state"].items():
        other = theirs["state"][index]
        assert list(state) == list(other)
        for key, value in state.items():
            expected = other[key]
            assert isinstance(value, numtorch.Tensor), key
            assert str(value.dtype) == str(expected.dtype), key
            assert tuple(value.shape) == tuple(expected.shape), key
            np.testing.assert_allclose(value.numpy(), expected.numpy(), rtol=rtol, atol=atol)


# --- trajectories ------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "options"), CASES, ids=CASE_IDS)
def test_trajectory_matches_torch(torch, name, options):
    """The same gradient sequence gives the same parameters, state and version counts after
    300 steps (a parameter without a gradient on some steps is left alone)."""
    ours, opt, theirs, ref = _pair(torch, name, options)
    rng = np.random.default_rng(1)
    for step in range(300):
        grads = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
        if step % 7 == 3:
            grads[1] = None
        _set_grads(ours, theirs, grads)
        opt.step()
        ref.step()
    _assert_params_close(ours, theirs)
    _assert_state_dicts_match(opt.state_dict(), ref.state_dict())
    assert [p._version[0] for p in ours] == [q._version for q in theirs]


CONVERGING = [(case, i) for case, i in zip(CASES, CASE_IDS) if not case[1].get("maximize")]


@pytest.mark.parametrize(
    ("name", "options"), [c for c, _ in CONVERGING], ids=[i for _, i in CONVERGING]
)
def test_trajectory_with_parameter_dependent_gradients(torch, name, options):
    """Gradients computed from each framework's own parameters (a quadratic bowl), so any
    difference would feed back into the next step. (Maximizing climbs out of the bowl, where
    rounding differences grow without bound, so those cases are left to the test above.)"""
    ours, opt, theirs, ref = _pair(torch, name, options, seed=2)
    rng = np.random.default_rng(3)
    # the minimum lies far enough away that no coordinate reaches it: near a minimum the adaptive
    # methods take sign-like steps whose direction rounding decides, which no two
    # implementations reproduce
    targets = [
        p.detach().numpy()
        + np.float32(20) * np.sign(rng.standard_normal(p.shape)).astype(np.float32)
        for p in ours
    ]
    scales = [np.float32(0.5), np.float32(2.0), np.float32(1.0)]
    for _ in range(200):
        for p, q, t, s in zip(ours, theirs, targets, scales):
            p.grad = numtorch.tensor((p.detach().numpy() - t) * s)
            q.grad = torch.from_numpy((q.detach().numpy() - t) * s)
        opt.step()
        ref.step()
    _assert_params_close(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "NAdam"])
def test_float64_parameters(torch, name):
    options = {"lr": 0.01, "momentum": 0.9} if name == "SGD" else {}
    ours, opt, theirs, ref = _pair(torch, name, options, dtype=np.float64)
    rng = np.random.default_rng(4)
    for _ in range(50):
        _set_grads(ours, theirs, [rng.standard_normal(s) for s in SHAPES])
        opt.step()
        ref.step()
    _assert_params_close(ours, theirs, rtol=1e-12, atol=1e-12)
    _assert_state_dicts_match(opt.state_dict(), ref.state_dict(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("SGD", {"momentum": 0.9, "weight_decay": 0.1}),
        ("Adam", {"amsgrad": True}),
        ("RMSprop", {"centered": True}),
    ],
)
def test_complex_parameters(torch, name, options):
    """Complex parameters are updated through their real view, as PyTorch does."""
    rng = np.random.default_rng(5)
    init = (rng.standard_normal((4, 3)) + 1j * rng.standard_normal((4, 3))).astype(np.complex64)
    p, q = nn.Parameter(numtorch.tensor(init)), torch.nn.Parameter(torch.tensor(init))
    opt, ref = (
        getattr(optim, name)([p], lr=0.01, **options),
        getattr(torch.optim, name)([q], lr=0.01, **options),
    )
    for _ in range(50):
        g = (rng.standard_normal((4, 3)) + 1j * rng.standard_normal((4, 3))).astype(np.complex64)
        p.grad, q.grad = numtorch.tensor(g), torch.tensor(g)
        opt.step()
        ref.step()
    np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_param_groups_with_their_own_options(torch):
    rng = np.random.default_rng(6)
    inits = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    ours = [nn.Parameter(numtorch.tensor(x)) for x in inits]
    theirs = [torch.nn.Parameter(torch.tensor(x)) for x in inits]

    def groups(ps):
        return [
            {"params": ps[:2]},
            {"params": ps[2:], "lr": 0.1, "momentum": 0.5, "nesterov": True},
        ]

    opt = optim.SGD(groups(ours), lr=0.01, momentum=0.9, weight_decay=0.01)
    ref = torch.optim.SGD(groups(theirs), lr=0.01, momentum=0.9, weight_decay=0.01)
    assert repr(opt) == repr(ref)
    for _ in range(100):
        _set_grads(ours, theirs, [rng.standard_normal(s).astype(np.float32) for s in SHAPES])
        opt.step()
        ref.step()
    _assert_params_close(ours, theirs)
    _assert_state_dicts_match(opt.state_dict(), ref.state_dict())


def test_tensor_lr_and_betas(torch):
    ours, _, theirs, _ = _pair(torch, "SGD", {})
    opt = optim.Adam(
        ours, lr=numtorch.tensor(0.01), betas=(numtorch.tensor(0.8), numtorch.tensor(0.9))
    )
    ref = torch.optim.Adam(
        theirs, lr=torch.tensor(0.01), betas=(torch.tensor(0.8), torch.tensor(0.9))
    )
    rng = np.random.default_rng(7)
    for _ in range(30):
        _set_grads(ours, theirs, [rng.standard_normal(s).astype(np.float32) for s in SHAPES])
        opt.step()
        ref.step()
    _assert_params_close(ours, theirs)


def test_training_nn_linear_matches_torch(torch):
    """A two-layer MLP from nn.Linear trained with real gradients from backward: the loss sequence
    and final weights agree with PyTorch for SGD with momentum and for Adam."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((32, 10)).astype(np.float32)
    y = rng.integers(0, 4, 32)
    for name, options in [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.01})]:
        ours = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 4))
        theirs = torch.nn.Sequential(
            torch.nn.Linear(10, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4)
        )
        with torch.no_grad():
            for p, q in zip(ours.parameters(), theirs.parameters()):
                q.copy_(torch.from_numpy(p.detach().numpy().copy()))
        opt = getattr(optim, name)(ours.parameters(), **options)
        ref = getattr(torch.optim, name)(theirs.parameters(), **options)
        xn, yn, xt, yt = numtorch.tensor(x), numtorch.tensor(y), torch.tensor(x), torch.tensor(y)
        losses, ref_losses = [], []
        for _ in range(50):
            for model, o, xx, yy, out in [
                (ours, opt, xn, yn, losses),
                (theirs, ref, xt, yt, ref_losses),
            ]:
                o.zero_grad()
                loss = (nn if model is ours else torch.nn).functional.cross_entropy(model(xx), yy)
                loss.backward()
                o.step()
                out.append(loss.item())
        np.testing.assert_allclose(losses, ref_losses, rtol=1e-5, atol=1e-6)
        _assert_params_close(
            list(ours.parameters()), list(theirs.parameters()), rtol=1e-5, atol=1e-6
        )


# --- state_dict ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "options"), CASES[::2], ids=CASE_IDS[::2])
def test_state_dict_cross_loads_both_ways(torch, name, options):
    """Ten steps in one framework, its state_dict loaded into a fresh optimizer of the other
    (and into a fresh one of its own), then ten more steps everywhere: all agree."""
    ours, opt, theirs, ref = _pair(torch, name, options)
    rng = np.random.default_rng(9)
    for _ in range(10):
        _set_grads(ours, theirs, [rng.standard_normal(s).astype(np.float32) for s in SHAPES])
        opt.step()
        ref.step()
    _assert_state_dicts_match(opt.state_dict(), ref.state_dict())

    ours2, opt2, theirs2, ref2 = _pair(torch, name, options)
    for p, p2, q, q2 in zip(ours, ours2, theirs, theirs2):
        p2.data = p.detach().clone()
        q2.data = q.detach().clone()
    opt2.load_state_dict(_to_numtorch(ref.state_dict()))  # torch → numtorch
    ref2.load_state_dict(_to_torch(opt.state_dict()))  # numtorch → torch
    _assert_state_dicts_match(opt2.state_dict(), ref2.state_dict())

    for _ in range(10):
        grads = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
        _set_grads(ours, theirs, grads)
        _set_grads(ours2, theirs2, grads)
        for o in (opt, ref, opt2, ref2):
            o.step()
    _assert_params_close(ours2, theirs2)
    _assert_params_close(ours2, theirs)
    _assert_params_close(ours, theirs2)


def test_state_dict_before_any_step(torch):
    """Empty state, except Adagrad's, which it creates in the constructor."""
    for name, _ in CASES:
        ours, opt, theirs, ref = _pair(torch, name, {})
        _assert_state_dicts_match(opt.state_dict(), ref.state_dict())


def test_state_dict_step_is_a_0dim_float_tensor(torch):
    ours, opt, theirs, ref = _pair(torch, "Adam", {})
    _set_grads(ours, theirs, [np.ones(s, np.float32) for s in SHAPES])
    opt.step()
    ref.step()
    step = opt.state_dict()["state"][0]["step"]
    assert step.dim() == 0 and step.dtype == numtorch.float32 and step.item() == 1.0
    assert repr(step) == repr(ref.state_dict()["state"][0]["step"])
    numtorch.set_default_dtype(numtorch.float64)
    ours, opt, theirs, ref = _pair(torch, "Adam", {})
    torch.set_default_dtype(torch.float64)
    ref = torch.optim.Adam(theirs)
    _set_grads(ours, theirs, [np.ones(s, np.float32) for s in SHAPES])
    opt.step()
    ref.step()
    _assert_state_dicts_match(opt.state_dict(), ref.state_dict())


def test_state_dict_with_named_parameters_and_two_groups(torch):
    lin, ref_lin = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    opt = optim.AdamW(
        [
            {"params": [next(lin.named_parameters())]},
            {"params": [list(lin.named_parameters())[1]], "lr": 0.1},
        ]
    )
    ref = torch.optim.AdamW(
        [
            {"params": [next(ref_lin.named_parameters())]},
            {"params": [list(ref_lin.named_parameters())[1]], "lr": 0.1},
        ]
    )
    assert opt.state_dict()["param_groups"] == ref.state_dict()["param_groups"]
    assert opt.param_groups[1]["param_names"] == ["bias"]
    assert repr(opt) == repr(ref)


def test_load_state_dict_errors_and_casts():
    p = nn.Parameter(numtorch.zeros(2, dtype=numtorch.float64))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    with pytest.raises(
        ValueError, match="^loaded state dict has a different number of parameter groups$"
    ):
        opt.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt.load_state_dict({"state": {}, "param_groups": [{"params": [0, 1], "lr": 1.0}]})
    saved = {
        "state": {0: {"momentum_buffer": numtorch.ones(2)}},
        "param_groups": [dict(opt.state_dict()["param_groups"][0], lr=0.5)],
    }
    opt.load_state_dict(saved)
    assert (
        opt.state[p]["momentum_buffer"].dtype == numtorch.float64
    )  # cast to the parameter's dtype
    assert opt.param_groups[0]["lr"] == 0.5 and opt.param_groups[0]["params"][0] is p


# --- the Optimizer API -------------------------------------------------------------------------
def test_repr_matches_torch_for_every_optimizer(torch):
    for name, options in CASES:
        _, opt, _, ref = _pair(torch, name, options)
        assert repr(opt) == repr(ref), name


def test_zero_grad(torch):
    p = nn.Parameter(numtorch.ones(3))
    opt = optim.SGD([p], lr=0.1)
    p.grad = numtorch.ones(3)
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and p.grad.tolist() == [0.0, 0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_step_skips_parameters_without_gradients():
    p, q = nn.Parameter(numtorch.ones(2)), nn.Parameter(numtorch.ones(2))
    opt = optim.Adam([p, q])
    p.grad = numtorch.ones(2)
    opt.step()
    assert q.tolist() == [1.0, 1.0] and q not in opt.state and p in opt.state


def test_step_updates_in_place_outside_the_graph():
    p = nn.Parameter(numtorch.tensor([1.0, 2.0]))
    array = p._data
    view = p.detach()[:1]
    p.grad = numtorch.tensor([1.0, 1.0])
    optim.SGD([p], lr=0.5).step()
    assert p._data is array and p.tolist() == [0.5, 1.5] and view.tolist() == [0.5]
    assert p.grad_fn is None and p.is_leaf


def test_closure_runs_with_grad_enabled_and_returns_the_loss():
    p = nn.Parameter(numtorch.tensor([3.0]))
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with numtorch.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0 and p.tolist() == [1.5]


def test_step_hooks(torch):
    p = nn.Parameter(numtorch.ones(1))
    opt = optim.SGD([p], lr=1.0)
    calls = []

    def pre(o, args, kwargs):
        calls.append(("pre", args[1:], kwargs))
        return (o,), {"closure": lambda: 5.0}  # hooks may replace the arguments

    handle_pre = opt.register_step_pre_hook(pre)
    handle_post = opt.register_step_post_hook(
        lambda o, a, k: calls.append(("post", k["closure"]()))
    )
    global_handle = optim.optimizer.register_optimizer_step_pre_hook(
        lambda o, a, k: calls.append("global")
    )
    assert opt.step() == 5.0
    assert calls == ["global", ("pre", (), {}), ("post", 5.0)]
    for handle in (handle_pre, handle_post, global_handle):
        handle.remove()
    calls.clear()
    opt.step()
    assert calls == []
    opt.register_step_pre_hook(lambda o, a, k: 3)
    with pytest.raises(
        RuntimeError, match=r"must return None or a tuple of \(new_args, new_kwargs\), but got 3\."
    ):
        opt.step()


def test_state_dict_hooks():
    p = nn.Parameter(numtorch.ones(1))
    opt = optim.SGD([p], lr=1.0)
    seen = []
    opt.register_state_dict_pre_hook(lambda o: seen.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: dict(sd, extra=1))
    opt.register_load_state_dict_pre_hook(lambda o, sd: seen.append("load-pre"))
    opt.register_load_state_dict_post_hook(lambda o: seen.append("load-post"), prepend=True)
    sd = opt.state_dict()
    assert sd["extra"] == 1
    opt.load_state_dict(sd)
    assert seen == ["pre", "load-pre", "load-post"]


def test_add_param_group_later(torch):
    ours, opt, theirs, ref = _pair(torch, "Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.2})
    extra_init = np.full((2,), 0.5, np.float32)
    extra, extra_ref = (
        nn.Parameter(numtorch.tensor(extra_init)),
        torch.nn.Parameter(torch.tensor(extra_init)),
    )
    opt.add_param_group({"params": extra, "lr": 0.01})
    ref.add_param_group({"params": extra_ref, "lr": 0.01})
    assert repr(opt) == repr(ref)
    rng = np.random.default_rng(10)
    for _ in range(20):
        grads = [rng.standard_normal(s).astype(np.float32) for s in SHAPES + [(2,)]]
        _set_grads(ours + [extra], theirs + [extra_ref], grads)
        opt.step()
        ref.step()
    _assert_params_close(ours + [extra], theirs + [extra_ref])
    _assert_state_dicts_match(opt.state_dict(), ref.state_dict())


def _error_of(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the point is to compare whatever is raised
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize(
    "make",
    [
        lambda m, ps: m.optim.SGD(ps, lr=-1),
        lambda m, ps: m.optim.SGD(ps, lr=0.1, momentum=-0.5),
        lambda m, ps: m.optim.SGD(ps, lr=0.1, weight_decay=-1),
        lambda m, ps: m.optim.SGD(ps, lr=0.1, nesterov=True),
        lambda m, ps: m.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
        lambda m, ps: m.optim.SGD(ps[0], lr=0.1),
        lambda m, ps: m.optim.SGD([], lr=0.1),
        lambda m, ps: m.optim.SGD([{"params": set(ps)}], lr=0.1),
        lambda m, ps: m.optim.SGD([1.0], lr=0.1),
        lambda m, ps: m.optim.SGD([ps[0] * 2], lr=0.1),
        lambda m, ps: m.optim.SGD([{"params": ps[:1]}, {"params": ps}], lr=0.1),
        lambda m, ps: m.optim.SGD([("a", ps[0]), ps[1]], lr=0.1),
        lambda m, ps: m.optim.SGD([{"params": [("a", ps[0])]}, {"params": [ps[1]]}], lr=0.1),
        lambda m, ps: m.optim.SGD([ps[0]]).add_param_group([ps[1]]),
        lambda m, ps: m.optim.Adam(ps, betas=(0.9, 1.0)),
        lambda m, ps: m.optim.Adam(ps, betas=(-0.1, 0.9)),
        lambda m, ps: m.optim.Adam(ps, betas=(0, 0.9)),
        lambda m, ps: m.optim.Adam(ps, eps=-1.0),
        lambda m, ps: m.optim.Adam(ps, lr=m.tensor([0.1, 0.2])),
        lambda m, ps: m.optim.AdamW(ps, weight_decay=-0.1),
        lambda m, ps: m.optim.RMSprop(ps, alpha=-0.1),
        lambda m, ps: m.optim.Adagrad(ps, lr_decay=-1),
        lambda m, ps: m.optim.Adagrad(ps, initial_accumulator_value=-1),
        lambda m, ps: m.optim.Adadelta(ps, rho=1.5),
        lambda m, ps: m.optim.NAdam(ps, momentum_decay=-1),
        lambda m, ps: m.optim.RAdam(ps, betas=(0.9, 2.0)),
        lambda m, ps: m.optim.SGD(ps, lr=0.1, fused=True, foreach=True),
    ],
)
def test_errors_match_torch(torch, make):
    ours = [nn.Parameter(numtorch.ones(2)), nn.Parameter(numtorch.ones(2))]
    theirs = [torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(2))]
    expected = _error_of(lambda: make(torch, theirs))
    assert expected is not None
    assert _error_of(lambda: make(numtorch, ours)) == expected


def test_required_option_and_duplicate_warning(torch):
    from torch.optim.optimizer import required

    class Plain(optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": optim.optimizer.required})

    class PlainRef(torch.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": required})

    got = _error_of(lambda: Plain([nn.Parameter(numtorch.ones(1))]))
    assert got == _error_of(lambda: PlainRef([torch.nn.Parameter(torch.ones(1))]))
    p = nn.Parameter(numtorch.ones(1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optim.SGD([p, p], lr=0.1)
    assert "duplicate parameters" in str(caught[0].message)
    assert repr(optim.optimizer.required) == "<required parameter>"


def test_user_subclass_gets_hooks_and_pickles():
    import pickle

    class Halve(optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"differentiable": False})

        @numtorch.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    p.mul_(0.5)

    p = nn.Parameter(numtorch.tensor([4.0]))
    opt = Halve([p])
    seen = []
    opt.register_step_post_hook(lambda *a: seen.append(1))
    opt.step()
    assert p.tolist() == [2.0] and seen == [1]
    clone = pickle.loads(pickle.dumps(optim.SGD([p], lr=0.1, momentum=0.9)))
    assert repr(clone) == repr(optim.SGD([p], lr=0.1, momentum=0.9))


def test_differentiable_is_refused():
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        optim.SGD([nn.Parameter(numtorch.ones(1))], lr=0.1, differentiable=True)


def test_sgd_update_without_torch():
    """p -= lr * g, momentum buffer starting at the first gradient, in float32."""
    p = nn.Parameter(numtorch.tensor([1.0, -2.0]))
    opt = optim.SGD([p], lr=0.1, momentum=0.5)
    for _ in range(2):
        p.grad = numtorch.tensor([1.0, 2.0])
        opt.step()
    # buffer: g, then 0.5 g + g = 1.5 g; p = p0 - 0.1 g - 0.15 g
    np.testing.assert_allclose(p.tolist(), [0.75, -2.5], rtol=1e-6)
    assert p.dtype == numtorch.float32 and opt.state[p]["momentum_buffer"].tolist() == [1.5, 3.0]


def test_checkpoint_file_round_trip_through_torch(torch, tmp_path):
    """numtorch.save → torch.load → torch's load_state_dict, and torch.save → numtorch.load →
    ours, then the three optimizers keep stepping in step."""
    ours, opt, theirs, ref = _pair(torch, "Adam", {"lr": 0.01, "amsgrad": True})
    rng = np.random.default_rng(11)
    for _ in range(5):
        _set_grads(ours, theirs, [rng.standard_normal(s).astype(np.float32) for s in SHAPES])
        opt.step()
        ref.step()
    numtorch.save(opt.state_dict(), tmp_path / "ours.pth")
    torch.save(ref.state_dict(), tmp_path / "theirs.pth")

    ours2, opt2, theirs2, ref2 = _pair(torch, "Adam", {"lr": 0.01, "amsgrad": True})
    for p, p2, q, q2 in zip(ours, ours2, theirs, theirs2):
        p2.data = p.detach().clone()
        q2.data = q.detach().clone()
    ref2.load_state_dict(torch.load(tmp_path / "ours.pth"))
    opt2.load_state_dict(numtorch.load(tmp_path / "theirs.pth"))
    for _ in range(5):
        grads = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
        _set_grads(ours2, theirs2, grads)
        _set_grads(ours, theirs, grads)
        for o in (opt, ref2, opt2):
            o.step()
    _assert_params_close(ours2, theirs2)
    _assert_params_close(ours, theirs2)


@pytest.mark.slow
def test_seed_mlp_200_sgd_steps_loss_sequence_matches_torch(torch):
    """The notes' MLP, built after the same manual_seed, trained 200 SGD steps on one fixed
    batch drawn from that seed: the loss sequences agree to float32 rounding."""

    def train(m):
        m.manual_seed(0)
        model = m.nn.Sequential(
            m.nn.Flatten(),
            m.nn.Linear(28 * 28, 512),
            m.nn.ReLU(),
            m.nn.Linear(512, 512),
            m.nn.ReLU(),
            m.nn.Linear(512, 10),
        )
        x, y = m.rand(64, 1, 28, 28), m.randint(0, 10, (64,))
        loss_fn, opt = m.nn.CrossEntropyLoss(), m.optim.SGD(model.parameters(), lr=1e-3)
        losses = []
        for _ in range(200):
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            opt.zero_grad()
            losses.append(loss.item())
        return losses

    np.testing.assert_allclose(train(numtorch), train(torch), rtol=1e-6, atol=1e-6)


# --- NOTE [ axpy for parameter updates ] --------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_plain_sgd_is_bit_identical_to_torch_with_blas_axpy(torch, dtype):
    from numtorch import _blas

    probe = np.zeros(3, dtype)
    if not _blas.axpy(1.0, np.ones(3, dtype), probe):
        pytest.skip("this NumPy's BLAS exports no axpy: SGD takes the two-step NumPy update")
    ours, opt, theirs, ref = _pair(
        torch, "SGD", {"lr": 0.037}, shapes=[(300, 70), (70,)], dtype=dtype
    )
    rng = np.random.default_rng(6)
    for _ in range(20):
        _set_grads(ours, theirs, [rng.standard_normal(s).astype(dtype) for s in [(300, 70), (70,)]])
        opt.step()
        ref.step()
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_sgd_without_blas_axpy_matches_torch(torch, monkeypatch):
    from numtorch import _blas

    monkeypatch.setattr(_blas, "_kernels", {})
    ours, opt, theirs, ref = _pair(torch, "SGD", {"lr": 0.05})
    rng = np.random.default_rng(7)
    for _ in range(50):
        _set_grads(ours, theirs, [rng.standard_normal(s).astype(np.float32) for s in SHAPES])
        opt.step()
        ref.step()
    _assert_params_close(ours, theirs)
