"""numtorch.optim.lr_scheduler against real PyTorch: lr (and momentum) sequences over many epochs
must be identical floats, state_dicts equal key for key, warnings and errors the same."""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np
import pytest

import numtorch
from numtorch import nn, optim


def _optimizers(torch, kind="SGD"):
    """One optimizer per framework over two parameter groups with different lrs."""
    ours = [nn.Parameter(numtorch.ones(2)), nn.Parameter(numtorch.ones(3))]
    theirs = [torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(3))]

    def groups(ps):
        return [{"params": ps[:1]}, {"params": ps[1:], "lr": 0.05}]

    if kind == "SGD":
        return optim.SGD(groups(ours), lr=0.1, momentum=0.9), torch.optim.SGD(
            groups(theirs), lr=0.1, momentum=0.9
        )
    return optim.Adam(groups(ours), lr=0.1), torch.optim.Adam(groups(theirs), lr=0.1)


def _snapshot(scheduler, optimizer):
    """What a schedule controls: the last lrs, and every group's lr and momentum/beta1."""
    groups = [(g["lr"], g.get("momentum"), g.get("betas")) for g in optimizer.param_groups]
    return scheduler.get_last_lr(), groups


def _run_both(torch, make, epochs=120, kind="SGD", metrics=None):
    ours_opt, ref_opt = _optimizers(torch, kind)
    ours, ref = make(numtorch, ours_opt), make(torch, ref_opt)
    history, ref_history = [_snapshot(ours, ours_opt)], [_snapshot(ref, ref_opt)]
    for epoch in range(epochs):
        ours_opt.step()
        ref_opt.step()
        args = () if metrics is None else (metrics[epoch],)
        ours.step(*args)
        ref.step(*args)
        history.append(_snapshot(ours, ours_opt))
        ref_history.append(_snapshot(ref, ref_opt))
    return history, ref_history, (ours, ours_opt), (ref, ref_opt)


def _decay(epoch):
    return 0.95**epoch


def _steady(epoch):
    return 0.97


class _Warmup:
    """A callable object: its __dict__ is what LambdaLR saves."""

    def __init__(self, warmup):
        self.warmup = warmup

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.warmup)


def _lr_scheduler(m):
    return m.optim.lr_scheduler


SCHEDULES = {
    "LambdaLR": lambda m, o: _lr_scheduler(m).LambdaLR(o, _decay),
    "LambdaLR-per-group": lambda m, o: _lr_scheduler(m).LambdaLR(o, [_decay, _Warmup(10)]),
    "MultiplicativeLR": lambda m, o: _lr_scheduler(m).MultiplicativeLR(o, _steady),
    "StepLR": lambda m, o: _lr_scheduler(m).StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda m, o: _lr_scheduler(m).MultiStepLR(
        o, milestones=[10, 30, 30, 60], gamma=0.3
    ),
    "ConstantLR": lambda m, o: _lr_scheduler(m).ConstantLR(o),
    "ConstantLR-custom": lambda m, o: _lr_scheduler(m).ConstantLR(o, factor=0.5, total_iters=17),
    "LinearLR": lambda m, o: _lr_scheduler(m).LinearLR(o),
    "LinearLR-custom": lambda m, o: _lr_scheduler(m).LinearLR(
        o, start_factor=0.1, end_factor=0.9, total_iters=40
    ),
    "ExponentialLR": lambda m, o: _lr_scheduler(m).ExponentialLR(o, gamma=0.97),
    "CosineAnnealingLR": lambda m, o: _lr_scheduler(m).CosineAnnealingLR(
        o, T_max=20, eta_min=0.001
    ),
    "CosineAnnealingWarmRestarts": lambda m, o: _lr_scheduler(m).CosineAnnealingWarmRestarts(
        o, T_0=10, T_mult=2, eta_min=1e-4
    ),
    "PolynomialLR": lambda m, o: _lr_scheduler(m).PolynomialLR(o, total_iters=30, power=2.0),
    "OneCycleLR": lambda m, o: _lr_scheduler(m).OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=120),
    "OneCycleLR-three-phase-linear": lambda m, o: _lr_scheduler(m).OneCycleLR(
        o,
        max_lr=0.8,
        epochs=12,
        steps_per_epoch=10,
        three_phase=True,
        anneal_strategy="linear",
        pct_start=0.25,
    ),
    "CyclicLR": lambda m, o: _lr_scheduler(m).CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=7),
    "CyclicLR-triangular2": lambda m, o: _lr_scheduler(m).CyclicLR(
        o,
        base_lr=[0.01, 0.02],
        max_lr=[0.1, 0.3],
        step_size_up=5,
        step_size_down=9,
        mode="triangular2",
    ),
    "CyclicLR-exp_range": lambda m, o: _lr_scheduler(m).CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=6, mode="exp_range", gamma=0.99
    ),
    "SequentialLR": lambda m, o: _lr_scheduler(m).SequentialLR(
        o,
        [
            _lr_scheduler(m).LinearLR(o, start_factor=0.1, total_iters=5),
            _lr_scheduler(m).ExponentialLR(o, gamma=0.9),
            _lr_scheduler(m).CosineAnnealingLR(o, T_max=15),
        ],
        milestones=[5, 40],
    ),
    "ChainedScheduler": lambda m, o: _lr_scheduler(m).ChainedScheduler(
        [
            _lr_scheduler(m).ConstantLR(o, factor=0.1, total_iters=2),
            _lr_scheduler(m).ExponentialLR(o, gamma=0.9),
        ]
    ),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_lr_sequence_matches_torch(torch, name):
    history, ref_history, _, _ = _run_both(torch, SCHEDULES[name])
    assert history == ref_history


@pytest.mark.parametrize("name", ["CyclicLR", "OneCycleLR"])
def test_beta1_cycles_for_adam(torch, name):
    history, ref_history, _, _ = _run_both(torch, SCHEDULES[name], kind="Adam")
    assert history == ref_history


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"mode": "max", "threshold_mode": "abs", "patience": 2, "factor": 0.5},
        {"patience": 3, "cooldown": 4, "min_lr": [0.01, 0.02], "threshold": 0.01},
        {"patience": 0, "min_lr": 0.003, "eps": 1e-3},
    ],
)
def test_reduce_lr_on_plateau_matches_torch(torch, options):
    rng = np.random.default_rng(0)
    metrics = np.concatenate(
        [np.linspace(1.0, 0.5, 20), 0.5 + 0.05 * rng.standard_normal(100)]
    ).tolist()
    history, ref_history, (ours, _), (ref, _) = _run_both(
        torch,
        lambda m, o: _lr_scheduler(m).ReduceLROnPlateau(o, **options),
        metrics=metrics,
    )
    assert history == ref_history
    assert ours.state_dict() == _without_optimizer(ref.state_dict())


def _without_optimizer(state):
    return {k: v for k, v in state.items() if k != "optimizer"}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_state_dict_matches_torch_and_resumes(torch, name):
    """After 25 epochs the state_dicts are equal key for key; a fresh scheduler on a fresh
    optimizer, loaded from them, continues the same sequence."""
    make = SCHEDULES[name]
    _, _, (ours, ours_opt), (ref, ref_opt) = _run_both(torch, make, epochs=25)
    state = ours.state_dict()
    ref_state = ref.state_dict()
    assert list(state) == list(ref_state)
    assert state == ref_state

    resumed_opt, _ = _optimizers(torch)
    resumed = make(numtorch, resumed_opt)
    resumed.load_state_dict(state)
    resumed_opt.load_state_dict(ours_opt.state_dict())
    for _ in range(25):
        for o, s in ((ours_opt, ours), (resumed_opt, resumed), (ref_opt, ref)):
            o.step()
            s.step()
        assert resumed.get_last_lr() == ref.get_last_lr() == ours.get_last_lr()
        assert [g["lr"] for g in resumed_opt.param_groups] == [
            g["lr"] for g in ref_opt.param_groups
        ]


@pytest.mark.parametrize(
    "make",
    [
        lambda m, o: _lr_scheduler(m).StepLR(o, step_size=3, gamma=0.5),
        lambda m, o: _lr_scheduler(m).MultiStepLR(o, milestones=[2, 5, 5], gamma=0.5),
        lambda m, o: _lr_scheduler(m).ConstantLR(o, factor=0.25, total_iters=4),
        lambda m, o: _lr_scheduler(m).LinearLR(o, start_factor=0.2, total_iters=6),
        lambda m, o: _lr_scheduler(m).ExponentialLR(o, gamma=0.8),
        lambda m, o: _lr_scheduler(m).CosineAnnealingLR(o, T_max=7),
        lambda m, o: _lr_scheduler(m).PolynomialLR(o, total_iters=8, power=0.5),
        lambda m, o: _lr_scheduler(m).LambdaLR(o, _decay),
        lambda m, o: _lr_scheduler(m).CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2),
    ],
)
def test_step_with_epoch_uses_the_closed_form_and_warns(torch, make):
    """The deprecated ``step(epoch)``: jumps (back and forth, fractional for warm restarts)
    give the same lrs and the same warnings."""
    ours_opt, ref_opt = _optimizers(torch)
    ours, ref = make(numtorch, ours_opt), make(torch, ref_opt)
    for epoch in [1, 2, 5, 3, 9, 12, 0, 7, 20, 4.5, 6.25]:
        if isinstance(epoch, float) and not hasattr(ours, "T_0"):
            continue
        ours_opt.step()
        ref_opt.step()
        assert _messages(partial(ours.step, epoch)) == _messages(partial(ref.step, epoch))
        assert ours.get_last_lr() == ref.get_last_lr()


def _messages(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [(w.category.__name__, str(w.message)) for w in caught]


def test_warning_when_scheduler_steps_before_optimizer(torch):
    def go(m):
        opt = _optimizers(torch)[0] if m is numtorch else _optimizers(torch)[1]
        scheduler = m.optim.lr_scheduler.StepLR(opt, 2)
        return _messages(scheduler.step)

    ours = go(numtorch)
    assert ours == go(torch)
    assert "Detected call of `lr_scheduler.step()` before `optimizer.step()`" in ours[0][1]


def test_warning_when_optimizer_step_is_replaced(torch):
    def go(m):
        opt = _optimizers(torch)[0] if m is numtorch else _optimizers(torch)[1]
        scheduler = m.optim.lr_scheduler.StepLR(opt, 2)
        opt.step = lambda closure=None: None
        opt.step()
        return _messages(scheduler.step)

    ours = go(numtorch)
    assert ours == go(torch) and "has been overridden" in ours[0][1]


def test_no_warning_in_the_right_order_and_get_lr_warns(torch):
    ours_opt, ref_opt = _optimizers(torch)
    ours = optim.lr_scheduler.StepLR(ours_opt, 2)
    ref = torch.optim.lr_scheduler.StepLR(ref_opt, 2)
    ours_opt.step()
    assert _messages(ours.step) == []
    assert _messages(ours.get_lr) == _messages(ref.get_lr)
    assert "please use `get_last_lr()`" in _messages(ours.get_lr)[0][1]


def test_scheduler_with_tensor_lr(torch):
    """A tensor lr is filled in place, and get_last_lr gives clones."""
    p, q = nn.Parameter(numtorch.ones(1)), torch.nn.Parameter(torch.ones(1))
    ours_opt = optim.SGD([p], lr=numtorch.tensor(0.1))
    ref_opt = torch.optim.SGD([q], lr=torch.tensor(0.1))
    lr_tensor = ours_opt.param_groups[0]["lr"]
    ours = optim.lr_scheduler.ExponentialLR(ours_opt, gamma=0.5)
    ref = torch.optim.lr_scheduler.ExponentialLR(ref_opt, gamma=0.5)
    for _ in range(5):
        ours_opt.step()
        ref_opt.step()
        ours.step()
        ref.step()
    assert ours_opt.param_groups[0]["lr"] is lr_tensor
    assert lr_tensor.item() == ref_opt.param_groups[0]["lr"].item()
    assert ours.get_last_lr()[0].item() == ref.get_last_lr()[0].item()
    assert ours.get_last_lr()[0] is not lr_tensor


def _error_of(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the point is to compare whatever is raised
        return type(e).__name__, str(e)
    return None


def _step_times(scheduler, n):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(n):
            scheduler.step()


@pytest.mark.parametrize(
    "make",
    [
        lambda m, o: m.optim.lr_scheduler.StepLR(object(), 3),
        lambda m, o: m.optim.lr_scheduler.StepLR(o, 3, last_epoch=4),
        lambda m, o: m.optim.lr_scheduler.LambdaLR(o, [_decay]),
        lambda m, o: m.optim.lr_scheduler.MultiplicativeLR(o, 0.9),
        lambda m, o: m.optim.lr_scheduler.ConstantLR(o, factor=1.5),
        lambda m, o: m.optim.lr_scheduler.LinearLR(o, start_factor=0),
        lambda m, o: m.optim.lr_scheduler.LinearLR(o, end_factor=2),
        lambda m, o: m.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0),
        lambda m, o: m.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5),
        lambda m, o: m.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="0"),
        lambda m, o: m.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0),
        lambda m, o: m.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=0),
        lambda m, o: m.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, epochs=2, steps_per_epoch=-1),
        lambda m, o: m.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=1),
        lambda m, o: m.optim.lr_scheduler.OneCycleLR(
            o, max_lr=1.0, total_steps=10, anneal_strategy="exp"
        ),
        lambda m, o: m.optim.lr_scheduler.OneCycleLR(o, max_lr=[1.0], total_steps=10),
        lambda m, o: _step_times(m.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=2), 3),
        lambda m, o: m.optim.lr_scheduler.CyclicLR(o, 0.1, 1.0, mode="sine"),
        lambda m, o: m.optim.lr_scheduler.ReduceLROnPlateau(o, factor=1.0),
        lambda m, o: m.optim.lr_scheduler.ReduceLROnPlateau(o, mode="avg"),
        lambda m, o: m.optim.lr_scheduler.ReduceLROnPlateau(o, threshold_mode="x"),
        lambda m, o: m.optim.lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]),
        lambda m, o: m.optim.lr_scheduler.SequentialLR(o, [], milestones=[]),
        lambda m, o: m.optim.lr_scheduler.SequentialLR(
            o, [m.optim.lr_scheduler.StepLR(o, 2)], milestones=[3]
        ),
        lambda m, o: m.optim.lr_scheduler.SequentialLR(
            o, [m.optim.lr_scheduler.ReduceLROnPlateau(o)], []
        ),
        lambda m, o: m.optim.lr_scheduler.ChainedScheduler([]),
        lambda m, o: m.optim.lr_scheduler.ChainedScheduler([object()], optimizer=o),
    ],
)
def test_errors_match_torch(torch, make):
    ours_opt, ref_opt = _optimizers(torch)
    expected = _error_of(lambda: make(torch, ref_opt))
    assert expected is not None
    assert _error_of(lambda: make(numtorch, ours_opt)) == expected


def test_cycle_momentum_needs_momentum(torch):
    ours = optim.Adagrad([nn.Parameter(numtorch.ones(1))])
    ref = torch.optim.Adagrad([torch.nn.Parameter(torch.ones(1))])
    got = _error_of(lambda: optim.lr_scheduler.OneCycleLR(ours, max_lr=1.0, total_steps=5))
    assert got == _error_of(
        lambda: torch.optim.lr_scheduler.OneCycleLR(ref, max_lr=1.0, total_steps=5)
    )
    got = _error_of(lambda: optim.lr_scheduler.CyclicLR(ours, 0.1, 1.0))
    assert got == _error_of(lambda: torch.optim.lr_scheduler.CyclicLR(ref, 0.1, 1.0))


def test_without_torch_steplr_and_alias():
    """StepLR halves every two epochs; ``_LRScheduler`` is the old name of the base class."""
    opt = optim.SGD([nn.Parameter(numtorch.ones(1))], lr=1.0)
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(6):
        opt.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    assert lrs == [1.0, 0.5, 0.5, 0.25, 0.25, 0.125]
    assert opt.param_groups[0]["initial_lr"] == 1.0
    assert issubclass(optim.lr_scheduler._LRScheduler, optim.lr_scheduler.LRScheduler)
