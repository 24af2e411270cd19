"""``nn.functional`` against real PyTorch: forward values, ``grad_fn`` names and gradients of
every differentiable input (through ``op_harness.check_op``), error texts, and dropout masks that
are bit-identical under the same seed."""

from __future__ import annotations

import numpy as np
import pytest

import numtorch as nt
from op_harness import check_error, check_op

ntF = nt.nn.functional


def both(name: str, *args, **kwargs):
    """(torch fn, numtorch fn) applying ``F.<name>`` with the same extra arguments."""

    def torch_fn(*xs):
        import torch.nn.functional as F

        return getattr(F, name)(*xs, *args, **kwargs)

    def nt_fn(*xs):
        return getattr(ntF, name)(*xs, *args, **kwargs)

    return torch_fn, nt_fn


def via(template):
    """(torch fn, numtorch fn) from ``template(F, *inputs)``, for calls where the inputs are not
    simply the leading positional arguments."""

    def torch_fn(*xs):
        import torch.nn.functional as F

        return template(F, *xs)

    return torch_fn, lambda *xs: template(ntF, *xs)


ACTIVATIONS = [
    ("relu", {}), ("relu6", {}), ("elu", {}), ("elu", {"alpha": 0.3}), ("selu", {}),
    ("celu", {"alpha": 1.5}), ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.2}),
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}), ("softplus", {}),
    ("softplus", {"beta": 2.0, "threshold": 3.0}), ("hardtanh", {}),
    ("hardtanh", {"min_val": -0.5, "max_val": 1.5}), ("sigmoid", {}), ("tanh", {}),
    ("hardsigmoid", {}), ("hardswish", {}), ("logsigmoid", {}), ("softsign", {}),
    ("tanhshrink", {}), ("softshrink", {}), ("hardshrink", {"lambd": 0.3}),
    ("threshold", {"threshold": 0.1, "value": -3.0}),
]  # fmt: skip


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs", ACTIVATIONS, ids=lambda v: str(v))
def test_activation_matches_torch(torch, name, kwargs, dtype):
    torch_fn, nt_fn = both(name, **kwargs)
    check_op(torch_fn, nt_fn, inputs=((4, 7),), dtypes=dtype, low=-4, high=4)


@pytest.mark.parametrize("name", ["gelu", "silu", "mish", "softplus", "logsigmoid", "elu"])
def test_activation_extreme_values(torch, name):
    values = np.array([-1e4, -100.0, -30.0, -10.0, -1e-3, 0.0, 1e-3, 10.0, 30.0, 100.0, 1e4])
    torch_fn, nt_fn = both(name)
    check_op(torch_fn, nt_fn, inputs=(values.astype(np.float32),), grad_fn=True)


@pytest.mark.parametrize("name,kwargs", ACTIVATIONS[:12], ids=lambda v: str(v))
def test_activation_inplace(torch, name, kwargs):
    if name in ("gelu", "softplus"):
        pytest.skip("no inplace form")
    kwargs = dict(kwargs, inplace=True)

    def torch_fn(x):
        import torch.nn.functional as F

        y = x * 1
        return getattr(F, name)(y, **kwargs)

    def nt_fn(x):
        y = x * 1
        return getattr(ntF, name)(y, **kwargs)

    check_op(torch_fn, nt_fn, inputs=((3, 5),), grad_fn=False)


def test_gelu_erf_accuracy():
    """The vectorised erf behind exact GELU agrees with math.erf to 1e-14 (relative)."""
    import math

    from numtorch.ops.nn_ops import _erf_array

    x = np.concatenate([np.linspace(-7, 7, 20001), np.logspace(-20, 0.8, 200)])
    x = np.concatenate([x, -x])
    ref = np.array([math.erf(v) for v in x])
    got = _erf_array(x)
    np.testing.assert_allclose(got, ref, rtol=1e-14, atol=0)


def test_softmax_family(torch):
    for name in ("softmax", "log_softmax", "softmin"):
        for dim in (0, 1, -1):
            check_op(*both(name, dim=dim), inputs=((3, 4, 5),))


def test_softmax_implicit_dim_warns(torch):
    import torch.nn.functional as F

    x = np.random.default_rng(0).random((2, 3, 4)).astype(np.float32)
    with pytest.warns(UserWarning) as theirs:
        expected = F.softmax(torch.from_numpy(x))
    with pytest.warns(UserWarning) as ours:
        got = ntF.softmax(nt.from_numpy(x))
    assert str(ours[0].message) == str(theirs[0].message)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)


def test_glu_prelu_rrelu_eval(torch):
    check_op(*both("glu", dim=1), inputs=((3, 6),))
    check_op(*both("prelu"), inputs=((2, 3, 4), (3,)), grad_fn=False)
    check_op(*both("prelu"), inputs=((2, 3), (1,)), grad_fn=False)
    check_op(*both("rrelu", training=False), inputs=((3, 4),), grad_fn=False)


def test_rrelu_training_draws_like_torch(torch):
    x = np.random.default_rng(1).uniform(-2, 2, (5, 7)).astype(np.float32)
    torch.manual_seed(3)
    expected = torch.nn.functional.rrelu(torch.from_numpy(x), training=True)
    nt.manual_seed(3)
    got = ntF.rrelu(nt.from_numpy(x), training=True)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


# --- linear ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "x_shape", [(4, 3), (3,), (2, 4, 3), (2, 2, 4, 3)], ids=lambda s: "x".join(map(str, s))
)
def test_linear(torch, x_shape, dtype):
    check_op(*both("linear"), inputs=(x_shape, (5, 3), (5,)), dtypes=dtype)
    if len(x_shape) == 2:
        check_op(*both("linear"), inputs=(x_shape, (5, 3)), dtypes=dtype)
    else:
        check_op(*both("linear"), inputs=(x_shape, (5, 3)), dtypes=dtype, grad_fn=False)


def test_linear_noncontiguous_input(torch):
    check_op(*both("linear"), inputs=((4, 3), (5, 3), (5,)), noncontig=True)


def test_linear_errors(torch):
    check_error(*both("linear"), inputs=((4, 7), (5, 3), (5,)))
    check_error(*both("linear"), inputs=((3, 4, 7), (5, 3), (5,)))
    check_error(*both("linear"), inputs=((7,), (5, 3), (5,)))
    check_error(*both("linear"), inputs=((4, 3), (5, 3), (4,)))
    check_error(*both("linear"), inputs=((4, 3), (5, 3)), dtypes=["float64", "float32"])


def test_bilinear(torch):
    check_op(*both("bilinear"), inputs=((4, 3), (4, 2), (5, 3, 2), (5,)), grad_fn=False)
    check_op(*both("bilinear"), inputs=((2, 4, 3), (2, 4, 2), (5, 3, 2)), grad_fn=False)


def test_linear_double_backward(torch):
    """create_graph through the fused linear/relu/cross-entropy nodes gives torch's second
    derivatives."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float64) for s in ((4, 3), (5, 3), (5,))]
    target = np.array([0, 4, 2, 1])

    def run(lib, F):
        x, w, b = (lib.from_numpy(a.copy()).requires_grad_() for a in arrays)
        loss = F.cross_entropy(F.relu(F.linear(x, w, b)), lib.from_numpy(target))
        (gx,) = lib.autograd.grad(loss, (x,), create_graph=True)
        (gx * gx).sum().backward()
        return w.grad.numpy(), b.grad.numpy(), x.grad.numpy()

    import torch.nn.functional as F

    for ours, theirs in zip(run(nt, ntF), run(torch, F)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


# --- losses --------------------------------------------------------------------------------------------
REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_indices(torch, reduction):
    target = np.array([1, 0, 3, 3, 2])
    check_op(*both("cross_entropy", reduction=reduction), inputs=((5, 4), target))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_options(torch, reduction):
    target = np.array([1, 0, 3, -100, 2, 1])
    weight = np.array([0.2, 1.0, 2.0, 0.5], np.float32)
    for kwargs in (
        {"ignore_index": -100},
        {"weight": weight},
        {"label_smoothing": 0.1},
        {"weight": weight, "label_smoothing": 0.25},
    ):

        def torch_fn(x, t, kwargs=kwargs):
            import torch.nn.functional as F

            kw = dict(kwargs)
            if "weight" in kw:
                kw["weight"] = torch.from_numpy(kw["weight"])
            return F.cross_entropy(x, t, reduction=reduction, **kw)

        def nt_fn(x, t, kwargs=kwargs):
            kw = dict(kwargs)
            if "weight" in kw:
                kw["weight"] = nt.from_numpy(kw["weight"])
            return ntF.cross_entropy(x, t, reduction=reduction, **kw)

        tgt = target if "ignore_index" in kwargs or "weight" in kwargs else np.abs(target) % 4
        check_op(torch_fn, nt_fn, inputs=((6, 4), tgt))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_spatial_and_1d(torch, reduction):
    rng = np.random.default_rng(0)
    check_op(
        *both("cross_entropy", reduction=reduction),
        inputs=((2, 3, 4, 5), rng.integers(0, 3, (2, 4, 5))),
    )
    check_op(
        *both("cross_entropy", reduction=reduction), inputs=((2, 3, 4), rng.integers(0, 3, (2, 4)))
    )
    check_op(*both("cross_entropy", reduction=reduction), inputs=((4,), np.array(2)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probabilities(torch, reduction):
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(4), size=5).astype(np.float32)
    check_op(*both("cross_entropy", reduction=reduction), inputs=((5, 4), probs), grad_fn=False)
    check_op(
        *both("cross_entropy", reduction=reduction, label_smoothing=0.2),
        inputs=((5, 4), probs),
        grad_fn=False,
    )


def test_cross_entropy_is_stable_for_huge_logits(torch):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0], [3.0, 1e4, -1e4]], np.float32)
    target = np.array([0, 2, 1])
    n_out, _ = check_op(*both("cross_entropy"), inputs=(logits, target))
    assert np.isfinite(n_out.item())
    check_op(*both("cross_entropy", label_smoothing=0.1), inputs=(logits, target))


def test_cross_entropy_all_ignored_is_nan(torch):
    check_op(*both("cross_entropy"), inputs=((2, 3), np.array([-100, -100])))


def test_cross_entropy_errors(torch):
    check_error(*both("cross_entropy"), inputs=((3, 4), np.array([1.0, 2.0, 3.0], np.float32)))
    check_error(*both("cross_entropy"), inputs=((3, 4), np.array([1, 2, 4])))
    check_error(*both("cross_entropy"), inputs=((3, 4), np.array([1, 2])))
    check_error(*both("cross_entropy"), inputs=((3, 4), np.array([1, 2, 3]), (3,)))
    check_error(*both("cross_entropy", reduction="avg"), inputs=((3, 4), np.array([1, 2, 3])))
    check_error(
        *both("cross_entropy"),
        inputs=((3, 4), np.array([1, 2, 3], np.int32)),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(torch, reduction):
    target = np.array([1, 0, 3, 2])
    check_op(*both("nll_loss", reduction=reduction), inputs=((4, 4), target))
    check_op(
        *both("nll_loss", reduction=reduction, ignore_index=3),
        inputs=((4, 4), target),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_losses(torch, name, reduction):
    check_op(*both(name, reduction=reduction), inputs=((3, 5), (3, 5)), grad_fn=name != "l1_loss")


def test_regression_loss_options(torch):
    check_op(*both("smooth_l1_loss", beta=0.3), inputs=((4, 4), (4, 4)))
    check_op(*both("smooth_l1_loss", beta=0.0), inputs=((4, 4), (4, 4)), grad_fn=False)
    check_op(*both("huber_loss", delta=0.4), inputs=((4, 4), (4, 4)))
    check_op(
        *via(lambda F, x, t, w: F.mse_loss(x, t, weight=w)),
        inputs=((4, 4), (4, 4), (4, 4)),
        low=0.1,
        grad_fn=False,
    )
    check_op(
        *via(lambda F, x, t, w: F.huber_loss(x, t, weight=w, delta=0.5)),
        inputs=((4, 4), (4, 4), (4, 4)),
        low=0.1,
        grad_fn=False,
    )


def test_regression_loss_broadcast_warning(torch):
    import torch.nn.functional as F

    x, t = np.ones((3, 1), np.float32), np.zeros(3, np.float32)
    with pytest.warns(UserWarning) as theirs:
        expected = F.mse_loss(torch.from_numpy(x), torch.from_numpy(t))
    with pytest.warns(UserWarning) as ours:
        got = ntF.mse_loss(nt.from_numpy(x), nt.from_numpy(t))
    assert str(ours[0].message) == str(theirs[0].message)
    assert got.item() == expected.item()


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(torch, reduction):
    rng = np.random.default_rng(0)
    target = (rng.random((4, 3)) > 0.5).astype(np.float32)
    check_op(
        *both("binary_cross_entropy", reduction=reduction),
        inputs=((4, 3), target),
        low=0.05,
        high=0.95,
    )
    weight = rng.random(3).astype(np.float32)

    def template(F, x, t):
        w = (nt if F is ntF else __import__("torch")).from_numpy(weight)
        return F.binary_cross_entropy(x, t, w, reduction=reduction)

    check_op(*via(template), inputs=((4, 3), (4, 3)), low=0.05, high=0.95)


def test_binary_cross_entropy_errors_and_clamp(torch):
    check_error(*both("binary_cross_entropy"), inputs=((3,), (3, 1)), dtypes="float32")
    check_error(*both("binary_cross_entropy"), inputs=(np.array([1.5], np.float32), (1,)))
    edge = np.array([0.0, 1.0, 0.0, 1.0], np.float32)
    target = np.array([1.0, 0.0, 0.0, 1.0], np.float32)
    check_op(*both("binary_cross_entropy"), inputs=(edge, target), grad=False)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(torch, reduction):
    rng = np.random.default_rng(0)
    target = rng.random((4, 3)).astype(np.float32)
    check_op(
        *both("binary_cross_entropy_with_logits", reduction=reduction), inputs=((4, 3), target)
    )

    weight, pos_weight = rng.random((4, 3)).astype(np.float32), rng.random(3).astype(np.float32)

    def template(F, x, t):
        lib = nt if F is ntF else __import__("torch")
        w, pw = lib.from_numpy(weight), lib.from_numpy(pos_weight * 3)
        return F.binary_cross_entropy_with_logits(x, t, w, reduction=reduction, pos_weight=pw)

    check_op(*via(template), inputs=((4, 3), target))


def test_binary_cross_entropy_with_logits_extreme(torch):
    logits = np.array([-1e4, -50.0, 0.0, 50.0, 1e4], np.float32)
    target = np.array([1.0, 0.0, 0.5, 1.0, 0.0], np.float32)
    check_op(*both("binary_cross_entropy_with_logits"), inputs=(logits, target))
    check_error(*both("binary_cross_entropy_with_logits"), inputs=((3,), (3, 1)))


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(torch, reduction, log_target):
    rng = np.random.default_rng(0)
    logp = np.log(rng.dirichlet(np.ones(5), size=3)).astype(np.float32)
    target = rng.dirichlet(np.ones(5), size=3).astype(np.float32)
    target[0, 0] = 0.0
    if log_target:
        target = np.log(target + 1e-3).astype(np.float32)
    check_op(
        *both("kl_div", reduction=reduction, log_target=log_target),
        inputs=(logp, target),
        grad_fn=False,
    )


def test_kl_div_mean_warns(torch):
    import torch.nn.functional as F

    x = np.zeros((2, 2), np.float32)
    with pytest.warns(UserWarning) as theirs:
        F.kl_div(torch.from_numpy(x), torch.from_numpy(x + 0.5))
    with pytest.warns(UserWarning) as ours:
        ntF.kl_div(nt.from_numpy(x), nt.from_numpy(x + 0.5))
    assert str(ours[0].message) == str(theirs[0].message)


def _constant(array: np.ndarray, F):
    """``array`` as a tensor of the library ``F`` belongs to (an input that needs no gradient)."""
    return (nt if F is ntF else __import__("torch")).from_numpy(array.copy())


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_other_losses(torch, reduction):
    rng = np.random.default_rng(0)
    sign = np.where(rng.random(4) > 0.5, 1.0, -1.0).astype(np.float32)
    labels = (rng.random((4, 3)) > 0.5).astype(np.float32)
    counts = rng.integers(0, 4, (4, 3)).astype(np.float32)
    kw = {"reduction": reduction}
    cases = [
        lambda F, x: F.poisson_nll_loss(x, _constant(counts, F), **kw),
        lambda F, x: F.poisson_nll_loss(x.abs() + 0.1, _constant(counts, F), log_input=False,
                                        full=True, **kw),
        lambda F, x: F.soft_margin_loss(x[:, 0], _constant(sign, F), **kw),
        lambda F, x: F.hinge_embedding_loss(x[:, 0], _constant(sign, F), **kw),
        lambda F, x: F.multilabel_soft_margin_loss(x, _constant(labels, F), **kw),
    ]  # fmt: skip
    for case in cases:
        check_op(*via(case), inputs=((4, 3),), grad_fn=False)
    check_op(*both("gaussian_nll_loss", **kw), inputs=((4, 3), (4, 3), (4, 3)), low=0.1,
             grad_fn=False)  # fmt: skip
    pairs = [
        lambda F, a, b: F.margin_ranking_loss(a[:, 0], b[:, 0], _constant(sign, F), margin=0.1,
                                              **kw),
        lambda F, a, b: F.cosine_embedding_loss(a, b, _constant(sign, F), margin=0.2, **kw),
    ]  # fmt: skip
    for case in pairs:
        check_op(*via(case), inputs=((4, 3), (4, 3)), grad_fn=False)
    check_op(*both("triplet_margin_loss", **kw), inputs=((4, 3), (4, 3), (4, 3)), grad_fn=False)


# --- normalisation ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layer_norm(torch, dtype):
    check_op(
        *via(lambda F, x, w, b: F.layer_norm(x, (5,), w, b)),
        inputs=((3, 5), (5,), (5,)),
        dtypes=dtype,
    )
    check_op(
        *via(lambda F, x, w, b: F.layer_norm(x, (4, 5), w, b)),
        inputs=((2, 3, 4, 5), (4, 5), (4, 5)),
        dtypes=dtype,
    )
    check_op(*via(lambda F, x: F.layer_norm(x, [5], eps=1e-3)), inputs=((2, 3, 5),), dtypes=dtype)


def test_layer_norm_errors(torch):
    check_error(*via(lambda F, x: F.layer_norm(x, (4,))), inputs=((3, 5),))
    check_error(*via(lambda F, x, w: F.layer_norm(x, (5,), w)), inputs=((3, 5), (4,)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_group_norm(torch, dtype):
    check_op(
        *via(lambda F, x, w, b: F.group_norm(x, 2, w, b)),
        inputs=((3, 4, 5), (4,), (4,)),
        dtypes=dtype,
    )
    check_op(*both("group_norm", 3), inputs=((2, 6, 3, 3),), dtypes=dtype)
    check_error(*both("group_norm", 3), inputs=((2, 4, 3),))


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 4)])
def test_batch_norm(torch, training, shape):
    rng = np.random.default_rng(0)
    rm = rng.random(3).astype(np.float32)
    rv = rng.random(3).astype(np.float32) + 0.5
    buffers = {}

    def torch_fn(x, w, b):
        import torch.nn.functional as F

        m, v = torch.from_numpy(rm.copy()), torch.from_numpy(rv.copy())
        out = F.batch_norm(x, m, v, w, b, training=training, momentum=0.3)
        buffers["torch"] = (m.numpy(), v.numpy())
        return out

    def nt_fn(x, w, b):
        m, v = nt.from_numpy(rm.copy()), nt.from_numpy(rv.copy())
        out = ntF.batch_norm(x, m, v, w, b, training=training, momentum=0.3)
        buffers["nt"] = (m.numpy(), v.numpy())
        return out

    check_op(torch_fn, nt_fn, inputs=(shape, (3,), (3,)))
    for ours, theirs in zip(buffers["nt"], buffers["torch"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_batch_norm_errors(torch):
    check_error(*both("batch_norm", None, None, training=True), inputs=((1, 3),))


def test_instance_norm_and_rms_norm(torch):
    check_op(*both("instance_norm"), inputs=((2, 3, 5),), grad_fn=False)
    check_op(
        *via(lambda F, x, w, b: F.instance_norm(x, weight=w, bias=b)),
        inputs=((2, 3, 4, 4), (3,), (3,)),
        grad_fn=False,
    )
    check_op(*via(lambda F, x, w: F.rms_norm(x, (5,), w)), inputs=((3, 5), (5,)), grad_fn=False)
    check_op(*both("rms_norm", (5,), eps=1e-5), inputs=((3, 5),), grad_fn=False)
    check_op(*both("local_response_norm", 3), inputs=((2, 5, 4),), grad_fn=False)


def test_normalize_and_distances(torch):
    check_op(*both("normalize"), inputs=((3, 4),), grad_fn=False)
    check_op(*both("normalize", p=1.0, dim=0), inputs=((3, 4),), grad_fn=False)
    check_op(*both("cosine_similarity"), inputs=((3, 4), (3, 4)), grad_fn=False)
    check_op(*both("cosine_similarity", dim=0), inputs=((3, 4), (1, 4)), grad_fn=False)
    check_op(*both("pairwise_distance"), inputs=((3, 4), (3, 4)), grad_fn=False)
    check_op(*both("pdist"), inputs=((4, 3),), grad_fn=False)


# --- embedding, one_hot, pad --------------------------------------------------------------------------------------
def test_embedding(torch):
    idx = np.array([[0, 2, 4], [4, 3, 0]])
    check_op(*both("embedding"), inputs=(idx, (5, 3)))
    check_op(*via(lambda F, i, w: F.embedding(i, w, padding_idx=4)), inputs=(idx, (5, 3)))
    check_op(*via(lambda F, i, w: F.embedding(i, w, scale_grad_by_freq=True)), inputs=(idx, (5, 3)))
    check_error(*both("embedding"), inputs=(np.array([5]), (5, 3)))
    check_error(*both("embedding"), inputs=(np.array([1.0], np.float32), (5, 3)))


def test_embedding_max_norm_renormalises_weight(torch):
    idx = np.array([0, 2, 2])
    check_op(
        *via(lambda F, i, w: F.embedding(i, w, max_norm=0.5)), inputs=(idx, (4, 3)), grad=False
    )


def test_one_hot(torch):
    check_op(*both("one_hot"), inputs=(np.array([[0, 2], [1, 3]]),), grad=False)
    check_op(*both("one_hot", 6), inputs=(np.array([0, 2, 5]),), grad=False)
    check_error(*both("one_hot", 3), inputs=(np.array([0, 3]),))
    check_error(*both("one_hot"), inputs=(np.array([0, -1]),))
    check_error(*both("one_hot"), inputs=(np.array([0.0, 1.0]),))


@pytest.mark.parametrize(
    "pad,mode",
    [
        ((1, 2), "constant"), ((1, 1, 2, 0), "constant"), ((-1, 2), "constant"),
        ((2, 1), "reflect"), ((1, 2, 2, 1), "reflect"), ((2, 3), "replicate"),
        ((1, 1, 3, 0), "replicate"), ((1, 2), "circular"), ((2, 1, 1, 2), "circular"),
    ],
)  # fmt: skip
def test_pad(torch, pad, mode):
    shape = (2, 3, 4, 5) if len(pad) == 4 else (3, 4, 5)
    check_op(*both("pad", pad, mode=mode), inputs=(shape,), grad_fn=False)
    if mode == "constant":
        check_op(*both("pad", pad, mode=mode), inputs=((2, 3, 4, 5),))


def test_pad_value_and_errors(torch):
    check_op(*both("pad", (1, 1), value=2.5), inputs=((3, 3),))
    check_error(*both("pad", (1,)), inputs=((3, 3),))
    check_error(*both("pad", (1, 1), mode="reflect"), inputs=((2, 3, 4, 5),))
    check_error(*both("pad", (3, 1), mode="reflect"), inputs=((2, 3),))


# --- dropout ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9, 1.0])
@pytest.mark.parametrize(
    "name,shape",
    [("dropout", (64, 100)), ("dropout", (3, 17)), ("dropout1d", (4, 5, 6)),
     ("dropout2d", (4, 3, 2, 2)), ("dropout3d", (2, 3, 2, 2, 2)), ("alpha_dropout", (8, 9)),
     ("feature_alpha_dropout", (3, 4, 5))],
)  # fmt: skip
def test_dropout_mask_bit_identical(torch, name, shape, p):
    """Same seed, same mask: F.dropout draws its Bernoulli noise as PyTorch does (notes §6)."""
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    torch.manual_seed(7)
    tx = torch.from_numpy(x).requires_grad_()
    expected = getattr(torch.nn.functional, name)(tx, p, training=True)
    expected.sum().backward()
    nt.manual_seed(7)
    nx = nt.from_numpy(x).requires_grad_()
    got = getattr(ntF, name)(nx, p, training=True)
    got.sum().backward()
    np.testing.assert_array_equal(got.detach().numpy(), expected.detach().numpy())
    np.testing.assert_array_equal(nx.grad.numpy(), tx.grad.numpy())
    # the stream stays aligned afterwards
    np.testing.assert_array_equal(nt.rand(5).numpy(), torch.rand(5).numpy())


def test_dropout_noncontiguous_and_eval(torch):
    x = np.random.default_rng(0).standard_normal((6, 8)).astype(np.float32)
    torch.manual_seed(1)
    expected = torch.nn.functional.dropout(torch.from_numpy(x).t(), 0.3)
    nt.manual_seed(1)
    got = ntF.dropout(nt.from_numpy(x).t(), 0.3)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
    nx = nt.from_numpy(x)
    assert ntF.dropout(nx, 0.5, training=False) is nx


def test_dropout_errors_and_warnings(torch):
    check_error(*both("dropout", 1.5), inputs=((3,),))
    check_error(*both("dropout1d", 0.5), inputs=((3,),))
    import torch.nn.functional as F

    x = np.ones((2, 3, 4), np.float32)
    with pytest.warns(UserWarning) as theirs:
        F.dropout2d(torch.from_numpy(x))
    with pytest.warns(UserWarning) as ours:
        ntF.dropout2d(nt.from_numpy(x))
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]


DOUBLE_BACKWARD = {
    "gelu": lambda F, x: F.gelu(x),
    "gelu_tanh": lambda F, x: F.gelu(x, approximate="tanh"),
    "silu": lambda F, x: F.silu(x),
    "mish": lambda F, x: F.mish(x),
    "softplus": lambda F, x: F.softplus(x, beta=1.5),
    "elu": lambda F, x: F.elu(x, 0.7),
    "logsigmoid": lambda F, x: F.logsigmoid(x),
    "glu": lambda F, x: F.glu(x, 1),
    "layer_norm": lambda F, x: F.layer_norm(x, (4,)) * x,
    "group_norm": lambda F, x: F.group_norm(x.reshape(3, 4, 1), 2) * x.reshape(3, 4, 1),
    "batch_norm": lambda F, x: F.batch_norm(x, None, None, training=True) * x,
    "mse": lambda F, x: F.mse_loss(x * x, x.flip(0)),
    "smooth_l1": lambda F, x: F.smooth_l1_loss(x * x, x.flip(0), beta=0.5),
    "bce_logits": lambda F, x: F.binary_cross_entropy_with_logits(x * x, x.sigmoid().detach()),
    "bce": lambda F, x: F.binary_cross_entropy(x.sigmoid(), x.flip(0).sigmoid().detach()),
    "nll": lambda F, x: F.nll_loss(x.log_softmax(1), _indices(F), reduction="sum"),
    "cross_entropy_smoothed": lambda F, x: F.cross_entropy(x * x, _indices(F), label_smoothing=0.2),
    "embedding": lambda F, x: F.embedding(_indices(F) % 3, x) * x[:, :1],
    "pad_reflect": lambda F, x: F.pad(x.unsqueeze(0), (2, 1), mode="reflect") ** 2,
}  # fmt: skip


def _indices(F):
    return (nt if F is ntF else __import__("torch")).tensor([0, 3, 1])


@pytest.mark.parametrize("name", list(DOUBLE_BACKWARD))
def test_double_backward_matches_torch(torch, name):
    """Second derivatives through the fused nodes (create_graph=True) agree with PyTorch's."""
    import torch.nn.functional as F

    x0 = np.random.default_rng(0).standard_normal((3, 4))
    results = []
    for lib, mod in ((nt, ntF), (torch, F)):
        x = lib.from_numpy(x0.copy()).requires_grad_()
        out = DOUBLE_BACKWARD[name](mod, x)
        (g,) = lib.autograd.grad((out * out).sum(), (x,), create_graph=True)
        (g * g).sum().backward()
        results.append((g.detach().numpy().copy(), x.grad.numpy().copy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_leaky_relu_gradient_is_torch_bit_for_bit(torch, dtype):
    """The slope multiplies the gradient in the input's dtype, as ATen's scalar_t does."""
    rng = np.random.default_rng(0)
    x, g = (rng.standard_normal((64, 300)).astype(dtype) for _ in range(2))
    ours, theirs = nt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ntF.leaky_relu(ours, 0.01).backward(nt.tensor(g))
    torch.nn.functional.leaky_relu(theirs, 0.01).backward(torch.tensor(g))
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
