"""Every differentiable op passes ``gradcheck`` (and the common ones ``gradgradcheck``) in float64.

Self-contained (no torch): numtorch's analytical gradients against central finite differences,
over broadcasting shapes and non-contiguous inputs. Inputs are drawn from a seeded NumPy generator
inside each op's smooth domain (away from kinks such as 0 for ``abs``/``relu``, clamp bounds, ties
of ``max``), so a failure is a wrong backward, not a finite-difference artefact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

import numtorch as torch
import numtorch.nn.functional as F
from numtorch.autograd import gradcheck, gradgradcheck
from numtorch.autograd.gradcheck import GradcheckError


@dataclass(frozen=True)
class In:
    """A float64 input requiring grad: its shape, value domain, and memory layout."""

    shape: tuple
    domain: str = "any"  # any | pos (0.5..2) | unit (-0.9..0.9) | away (|x| in 0.3..1.5)
    noncontig: bool = False
    grad: bool = True


def _values(rng: np.random.Generator, spec: In) -> np.ndarray:
    n = int(np.prod(spec.shape))
    if spec.domain == "pos":
        v = rng.uniform(0.5, 2.0, n)
    elif spec.domain == "unit":
        v = rng.uniform(-0.9, 0.9, n)
    elif spec.domain == "away":
        v = rng.uniform(0.3, 1.5, n) * rng.choice([-1.0, 1.0], n)
    elif spec.domain == "distinct":  # well separated values: no ties for max/sort/median
        v = rng.permutation(n) * 0.37 - n * 0.15 + rng.uniform(-0.05, 0.05, n)
    else:
        v = rng.uniform(-1.5, 1.5, n)
    return v.reshape(spec.shape)


def make_inputs(specs, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    out = []
    for spec in specs:
        if not isinstance(spec, In):
            out.append(spec)
            continue
        v = _values(rng, spec)
        if spec.noncontig and v.ndim >= 2:
            # the same values, held transposed in memory: a non-contiguous leaf
            t = torch.tensor(np.ascontiguousarray(v.swapaxes(-1, -2)), dtype=torch.float64)
            t = t.transpose(-1, -2).detach()
            assert not t.is_contiguous()
        elif spec.noncontig:
            t = torch.tensor(np.repeat(v, 2), dtype=torch.float64)[::2].detach()
            assert not t.is_contiguous()
        else:
            t = torch.tensor(v, dtype=torch.float64)
        out.append(t.requires_grad_(spec.grad))
    return tuple(out)


def _index(*values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.int64)


_MASK = torch.tensor([[True, False, True], [False, False, True]])

# name: (function of the inputs, input specs)
OPS: dict[str, tuple] = {
    # --- arithmetic -------------------------------------------------------------------------------
    "add": (torch.add, [In((2, 3)), In((3,))]),
    "add_alpha": (lambda a, b: torch.add(a, b, alpha=-2.5), [In((2, 3)), In((2, 1))]),
    "add_scalar": (lambda a: a + 1.5, [In((2, 3))]),
    "sub": (torch.sub, [In((2, 1)), In((1, 3))]),
    "sub_alpha": (lambda a, b: torch.sub(a, b, alpha=3), [In((3,)), In((2, 3))]),
    "rsub_scalar": (lambda a: 2.0 - a, [In((2, 3))]),
    "mul": (torch.mul, [In((2, 3), noncontig=True), In((3,))]),
    "mul_scalar": (lambda a: a * -3.0, [In((4,))]),
    "div": (torch.div, [In((2, 3)), In((2, 3), "away")]),
    "div_broadcast": (torch.div, [In((3,)), In((2, 1), "away")]),
    "div_scalar": (lambda a: a / 4.0, [In((2, 3))]),
    "rdiv_scalar": (lambda a: 2.0 / a, [In((2, 3), "away")]),
    "remainder": (lambda a: torch.remainder(a, 0.7), [In((5,), "pos")]),
    "fmod": (lambda a, b: torch.fmod(a, b), [In((4,), "pos"), In((4,), "pos", grad=False)]),
    "pow_scalar": (lambda a: a**3, [In((2, 3))]),
    "pow_frac": (lambda a: a**1.5, [In((2, 3), "pos")]),
    "pow_tensor": (torch.pow, [In((2, 3), "pos"), In((3,))]),
    "rpow": (lambda a: 2.5**a, [In((2, 3))]),
    "neg": (torch.neg, [In((2, 3))]),
    "abs": (torch.abs, [In((2, 3), "away")]),
    "reciprocal": (torch.reciprocal, [In((2, 3), "away")]),
    "square": (torch.square, [In((2, 3))]),
    "maximum": (torch.maximum, [In((2, 3)), In((3,))]),
    "minimum": (torch.minimum, [In((2, 3)), In((2, 3))]),
    "fmax": (torch.fmax, [In((2, 3)), In((2, 3))]),
    "fmin": (torch.fmin, [In((2, 3)), In((2, 3))]),
    # --- pointwise --------------------------------------------------------------------------------
    "exp": (torch.exp, [In((2, 3), noncontig=True)]),
    "exp2": (torch.exp2, [In((2, 3))]),
    "expm1": (torch.expm1, [In((2, 3))]),
    "log": (torch.log, [In((2, 3), "pos")]),
    "log2": (torch.log2, [In((2, 3), "pos")]),
    "log10": (torch.log10, [In((2, 3), "pos")]),
    "log1p": (torch.log1p, [In((2, 3), "pos")]),
    "sqrt": (torch.sqrt, [In((2, 3), "pos")]),
    "rsqrt": (torch.rsqrt, [In((2, 3), "pos")]),
    "sin": (torch.sin, [In((2, 3))]),
    "cos": (torch.cos, [In((2, 3))]),
    "tan": (torch.tan, [In((2, 3), "unit")]),
    "asin": (torch.asin, [In((2, 3), "unit")]),
    "acos": (torch.acos, [In((2, 3), "unit")]),
    "atan": (torch.atan, [In((2, 3))]),
    "sinh": (torch.sinh, [In((2, 3))]),
    "cosh": (torch.cosh, [In((2, 3))]),
    "tanh": (torch.tanh, [In((2, 3), noncontig=True)]),
    "asinh": (torch.asinh, [In((2, 3))]),
    "acosh": (lambda a: torch.acosh(a + 1.5), [In((2, 3), "pos")]),
    "atanh": (torch.atanh, [In((2, 3), "unit")]),
    "sigmoid": (torch.sigmoid, [In((2, 3))]),
    "erf": (torch.erf, [In((2, 3))]),
    "erfc": (torch.erfc, [In((2, 3))]),
    "erfinv": (torch.erfinv, [In((2, 3), "unit")]),
    "relu": (torch.relu, [In((2, 3), "away")]),
    "frac": (torch.frac, [In((2, 3), "away")]),
    "sign": (torch.sign, [In((2, 3), "away")]),
    "floor": (torch.floor, [In((2, 3), "away")]),
    "round": (torch.round, [In((2, 3), "away")]),
    "clamp": (lambda a: torch.clamp(a, -0.5, 0.5), [In((3, 4))]),
    "clamp_min": (lambda a: torch.clamp_min(a, 0.1), [In((3, 4))]),
    "clamp_tensor": (
        lambda a, lo, hi: torch.clamp(a, lo, hi),
        [In((2, 3)), In((3,), "unit"), In((2, 1), "pos")],
    ),
    "where": (lambda a, b: torch.where(_MASK, a, b), [In((2, 3)), In((3,))]),
    "lerp_scalar": (lambda a, b: torch.lerp(a, b, 0.3), [In((2, 3)), In((2, 3))]),
    "lerp_tensor": (torch.lerp, [In((2, 3)), In((3,)), In((2, 1))]),
    "atan2": (torch.atan2, [In((2, 3), "away"), In((2, 3), "away")]),
    "hypot": (torch.hypot, [In((2, 3), "away"), In((3,), "away")]),
    "logit": (lambda a: torch.logit(a * 0.5 + 0.5), [In((2, 3), "unit")]),
    "xlogy": (torch.xlogy, [In((2, 3)), In((2, 3), "pos")]),
    "copysign": (lambda a: torch.copysign(a, -1.0), [In((2, 3), "away")]),
    "nan_to_num": (torch.nan_to_num, [In((2, 3))]),
    "deg2rad": (torch.deg2rad, [In((2, 3))]),
    # --- reductions -------------------------------------------------------------------------------
    "sum": (torch.sum, [In((2, 3), noncontig=True)]),
    "sum_dim": (lambda a: a.sum((0, 2), keepdim=True), [In((2, 3, 2))]),
    "nansum": (torch.nansum, [In((2, 3))]),
    "mean": (torch.mean, [In((2, 3))]),
    "mean_dim": (lambda a: a.mean(-1), [In((2, 3))]),
    "nanmean": (lambda a: torch.nanmean(a, 1), [In((2, 3))]),
    "prod": (torch.prod, [In((2, 3), "away")]),
    "prod_dim": (lambda a: a.prod(1, keepdim=True), [In((2, 3), "away")]),
    "max": (torch.max, [In((2, 3), "distinct")]),
    "max_dim": (lambda a: a.max(1)[0], [In((2, 3), "distinct")]),
    "min_dim": (lambda a: a.min(0, keepdim=True).values, [In((2, 3), "distinct")]),
    "amax": (lambda a: a.amax((0, 1)), [In((2, 3), "distinct")]),
    "amin": (lambda a: a.amin(1), [In((2, 3), "distinct")]),
    "std": (torch.std, [In((2, 3))]),
    "std_dim": (lambda a: a.std(0, correction=0), [In((3, 2))]),
    "var": (lambda a: a.var(1, keepdim=True), [In((2, 3))]),
    "var_mean": (lambda a: torch.var_mean(a, 1), [In((2, 3))]),
    "norm": (torch.norm, [In((2, 3))]),
    "norm_p1_dim": (lambda a: a.norm(1, dim=1), [In((2, 3), "away")]),
    "logsumexp": (lambda a: torch.logsumexp(a, 1), [In((2, 3))]),
    "cumsum": (lambda a: torch.cumsum(a, 1), [In((2, 3))]),
    "cumprod": (lambda a: torch.cumprod(a, 1), [In((2, 3), "away")]),
    "cummax": (lambda a: torch.cummax(a, 1)[0], [In((2, 3), "distinct")]),
    "logcumsumexp": (lambda a: torch.logcumsumexp(a, 0), [In((3, 2))]),
    "median": (torch.median, [In((5,), "distinct")]),
    "median_dim": (lambda a: torch.median(a, 1)[0], [In((2, 3), "distinct")]),
    "kthvalue": (lambda a: torch.kthvalue(a, 2, 1)[0], [In((2, 3), "distinct")]),
    "sort": (lambda a: torch.sort(a, 1)[0], [In((2, 3), "distinct")]),
    "topk": (lambda a: torch.topk(a, 2)[0], [In((2, 4), "distinct")]),
    "softmax": (lambda a: torch.softmax(a, 1), [In((2, 3), noncontig=True)]),
    "log_softmax": (lambda a: torch.log_softmax(a, 0), [In((2, 3))]),
    "dist": (torch.dist, [In((2, 3)), In((3,))]),
    "diff": (lambda a: torch.diff(a, dim=1), [In((2, 4))]),
    "trace": (torch.trace, [In((3, 3))]),
    # --- linear algebra ---------------------------------------------------------------------------
    "matmul": (torch.matmul, [In((2, 3)), In((3, 4), noncontig=True)]),
    "matmul_batched": (torch.matmul, [In((2, 2, 3)), In((3, 2))]),
    "matmul_vec": (torch.matmul, [In((3,)), In((2, 3, 2))]),
    "mm": (torch.mm, [In((2, 3), noncontig=True), In((3, 2))]),
    "bmm": (torch.bmm, [In((2, 2, 3)), In((2, 3, 2))]),
    "mv": (torch.mv, [In((2, 3)), In((3,))]),
    "dot": (torch.dot, [In((3,)), In((3,))]),
    "inner": (torch.inner, [In((2, 3)), In((3,))]),
    "outer": (torch.outer, [In((3,)), In((2,))]),
    "addmm": (
        lambda a, b, c: torch.addmm(a, b, c, beta=0.5, alpha=2),
        [In((2,)), In((2, 3)), In((3, 2))],
    ),
    "addmv": (torch.addmv, [In((2,)), In((2, 3)), In((3,))]),
    "baddbmm": (torch.baddbmm, [In((2, 1, 2)), In((2, 2, 3)), In((2, 3, 2))]),
    "addbmm": (torch.addbmm, [In((2, 2)), In((2, 2, 3)), In((2, 3, 2))]),
    "einsum": (lambda a, b: torch.einsum("ij,jk->ik", a, b), [In((2, 3)), In((3, 2))]),
    "einsum_trace": (lambda a: torch.einsum("ii->", a), [In((3, 3))]),
    "tensordot": (lambda a, b: torch.tensordot(a, b, dims=1), [In((2, 3)), In((3, 2))]),
    "kron": (torch.kron, [In((2, 2)), In((2, 1))]),
    "cross": (lambda a, b: torch.cross(a, b, dim=1), [In((2, 3)), In((2, 3))]),
    # --- shape and views --------------------------------------------------------------------------
    "reshape": (lambda a: a.reshape(3, 2), [In((2, 3), noncontig=True)]),
    "view": (lambda a: a.view(6), [In((2, 3))]),
    "flatten": (lambda a: torch.flatten(a), [In((2, 3), noncontig=True)]),
    "unflatten": (lambda a: a.unflatten(0, (2, 3)), [In((6,))]),
    "squeeze": (lambda a: a.squeeze(1), [In((2, 1, 3))]),
    "unsqueeze": (lambda a: a.unsqueeze(1), [In((2, 3))]),
    "permute": (lambda a: a.permute(2, 0, 1), [In((2, 3, 2))]),
    "transpose": (lambda a: a.transpose(0, 1), [In((2, 3))]),
    "t": (torch.t, [In((2, 3))]),
    "movedim": (lambda a: torch.movedim(a, 0, 2), [In((2, 3, 2))]),
    "narrow": (lambda a: a.narrow(1, 1, 2), [In((2, 3))]),
    "chunk": (lambda a: torch.chunk(a, 2, 1), [In((2, 4))]),
    "split": (lambda a: torch.split(a, [1, 2], 1), [In((2, 3))]),
    "tensor_split": (lambda a: torch.tensor_split(a, 3), [In((4,))]),
    "unbind": (lambda a: torch.unbind(a, 1), [In((2, 3))]),
    "cat": (lambda a, b: torch.cat([a, b], 1), [In((2, 3)), In((2, 1))]),
    "stack": (lambda a, b: torch.stack([a, b], 1), [In((2, 3)), In((2, 3), noncontig=True)]),
    "hstack": (lambda a, b: torch.hstack([a, b]), [In((2, 3)), In((2, 2))]),
    "vstack": (lambda a, b: torch.vstack([a, b]), [In((3,)), In((2, 3))]),
    "flip": (lambda a: torch.flip(a, (0, 1)), [In((2, 3))]),
    "roll": (lambda a: torch.roll(a, 1, 1), [In((2, 3))]),
    "tile": (lambda a: torch.tile(a, (2, 1)), [In((2, 3))]),
    "repeat": (lambda a: a.repeat(2, 1, 2), [In((2, 3))]),
    "expand": (lambda a: a.expand(2, 2, 3), [In((1, 3))]),
    "broadcast_to": (lambda a: torch.broadcast_to(a, (2, 3)), [In((3,))]),
    "rot90": (lambda a: torch.rot90(a), [In((2, 3))]),
    "diagonal": (lambda a: torch.diagonal(a, 1), [In((3, 3))]),
    "diag": (torch.diag, [In((3,))]),
    "diag_2d": (torch.diag, [In((3, 3))]),
    "tril": (torch.tril, [In((3, 3))]),
    "triu": (lambda a: torch.triu(a, 1), [In((3, 3))]),
    "repeat_interleave": (lambda a: torch.repeat_interleave(a, 2, 0), [In((2, 3))]),
    "clone": (torch.clone, [In((2, 3), noncontig=True)]),
    "contiguous": (lambda a: a.contiguous(), [In((2, 3), noncontig=True)]),
    # --- indexing ---------------------------------------------------------------------------------
    "getitem_int": (lambda a: a[1], [In((2, 3))]),
    "getitem_slice": (lambda a: a[:, 1:], [In((2, 3))]),
    "getitem_step": (lambda a: a[::2, 1:], [In((4, 3))]),
    "getitem_list": (lambda a: a[[0, 0, 1]], [In((2, 3))]),
    "getitem_mask": (lambda a: a[_MASK], [In((2, 3))]),
    "getitem_tensor_idx": (lambda a: a[_index(1, 0), _index(2, 2)], [In((2, 3))]),
    "gather": (lambda a: torch.gather(a, 1, _index([0, 2, 2], [1, 1, 0])), [In((2, 3))]),
    "scatter": (
        lambda a, s: torch.scatter(a, 1, _index([0, 2], [1, 0]), s),
        [In((2, 3)), In((2, 2))],
    ),
    "scatter_add": (
        lambda a, s: torch.scatter_add(a, 1, _index([0, 0], [1, 2]), s),
        [In((2, 3)), In((2, 2))],
    ),
    "index_select": (lambda a: torch.index_select(a, 1, _index(2, 0, 2)), [In((2, 3))]),
    "masked_fill": (lambda a: a.masked_fill(_MASK, 0.5), [In((2, 3))]),
    "masked_select": (lambda a: torch.masked_select(a, _MASK), [In((2, 3))]),
    "masked_scatter": (
        lambda a, s: a.masked_scatter(_MASK, s),
        [In((2, 3)), In((3,))],
    ),
    "take": (lambda a: torch.take(a, _index(0, 5, 5)), [In((2, 3))]),
    "take_along_dim": (
        lambda a: torch.take_along_dim(a, _index([0, 2], [1, 1]), 1),
        [In((2, 3))],
    ),
    "index_add": (
        lambda a, s: a.index_add(0, _index(1, 1), s, alpha=2),
        [In((2, 3)), In((2, 3))],
    ),
    "index_copy": (lambda a, s: a.index_copy(1, _index(2, 0), s), [In((2, 3)), In((2, 2))]),
    "index_fill": (lambda a: a.index_fill(1, _index(1), -1.0), [In((2, 3))]),
    "index_put": (
        lambda a, v: torch.index_put(a, (_index(0, 1), _index(2, 0)), v),
        [In((2, 3)), In((2,))],
    ),
    "index_put_acc": (
        lambda a, v: a.index_put((_index(0, 0),), v, accumulate=True),
        [In((2, 3)), In((3,))],
    ),
    "select": (lambda a: torch.select(a, 1, 2), [In((2, 3))]),
    "select_scatter": (lambda a, s: torch.select_scatter(a, s, 0, 1), [In((2, 3)), In((3,))]),
    "slice_scatter": (
        lambda a, s: torch.slice_scatter(a, s, 1, 0, 3, 2),
        [In((2, 3)), In((2, 2))],
    ),
    "diagonal_scatter": (lambda a, s: torch.diagonal_scatter(a, s), [In((3, 3)), In((3,))]),
    # --- nn functional ops ------------------------------------------------------------------------
    "linear": (F.linear, [In((2, 3)), In((4, 3)), In((4,))]),
    "linear_3d_nobias": (F.linear, [In((2, 2, 3), noncontig=True), In((4, 3))]),
    "bilinear": (F.bilinear, [In((2, 3)), In((2, 2)), In((4, 3, 2)), In((4,))]),
    "threshold": (lambda a: F.threshold(a, 0.1, -2.0), [In((2, 3), "away")]),
    "gelu": (F.gelu, [In((2, 3))]),
    "gelu_tanh": (lambda a: F.gelu(a, approximate="tanh"), [In((2, 3))]),
    "glu": (F.glu, [In((2, 4))]),
    "silu": (F.silu, [In((2, 3))]),
    "mish": (F.mish, [In((2, 3))]),
    "softplus": (lambda a: F.softplus(a, beta=2.0), [In((2, 3))]),
    "elu": (F.elu, [In((2, 3), "away")]),
    "selu": (F.selu, [In((2, 3), "away")]),
    "celu": (lambda a: F.celu(a, alpha=0.5), [In((2, 3), "away")]),
    "leaky_relu": (lambda a: F.leaky_relu(a, 0.2), [In((2, 3), "away")]),
    "hardtanh": (F.hardtanh, [In((2, 3), "unit")]),
    "relu6": (lambda a: F.relu6(a * 4), [In((2, 3), "away")]),
    "hardsigmoid": (F.hardsigmoid, [In((2, 3), "away")]),
    "hardswish": (F.hardswish, [In((2, 3), "away")]),
    "logsigmoid": (F.logsigmoid, [In((2, 3))]),
    "softshrink": (F.softshrink, [In((2, 3), "away")]),
    "hardshrink": (F.hardshrink, [In((2, 3), "away")]),
    "tanhshrink": (F.tanhshrink, [In((2, 3))]),
    "softsign": (F.softsign, [In((2, 3))]),
    "prelu": (F.prelu, [In((2, 3), "away"), In((3,), "pos")]),
    "softmin": (lambda a: F.softmin(a, 1), [In((2, 3))]),
    "layer_norm": (lambda a, w, b: F.layer_norm(a, (3,), w, b), [In((2, 3)), In((3,)), In((3,))]),
    "group_norm": (
        lambda a, w, b: F.group_norm(a, 2, w, b),
        [In((2, 4, 2)), In((4,)), In((4,))],
    ),
    "batch_norm_train": (
        lambda a, w, b: F.batch_norm(a, None, None, w, b, training=True),
        [In((3, 2)), In((2,)), In((2,))],
    ),
    "batch_norm_eval": (
        lambda a, w, b: F.batch_norm(a, torch.zeros_like(w) + 0.5, torch.ones_like(w) * 2, w, b),
        [In((3, 2)), In((2,)), In((2,))],
    ),
    "instance_norm": (lambda a: F.instance_norm(a), [In((2, 2, 3))]),
    "rms_norm": (lambda a, w: F.rms_norm(a, (3,), w), [In((2, 3)), In((3,))]),
    "normalize": (lambda a: F.normalize(a, dim=1), [In((2, 3))]),
    "embedding": (lambda w: F.embedding(_index([0, 2], [2, 1]), w), [In((3, 2))]),
    "mse_loss": (F.mse_loss, [In((2, 3)), In((2, 3))]),
    "l1_loss": (F.l1_loss, [In((2, 3)), In((2, 3), grad=False)]),
    "smooth_l1_loss": (F.smooth_l1_loss, [In((2, 3)), In((2, 3), grad=False)]),
    "huber_loss": (lambda a, b: F.huber_loss(a, b, delta=0.5), [In((2, 3)), In((2, 3))]),
    "cross_entropy": (lambda a: F.cross_entropy(a, _index(0, 2)), [In((2, 3))]),
    "cross_entropy_smooth": (
        lambda a, w: F.cross_entropy(a, _index(1, 2, 0), weight=w, label_smoothing=0.1),
        [In((3, 3)), In((3,), "pos", grad=False)],
    ),
    "cross_entropy_probs": (
        lambda a, p: F.cross_entropy(a, p.softmax(1)),
        [In((2, 3)), In((2, 3))],
    ),
    "cross_entropy_nd": (lambda a: F.cross_entropy(a, _index([0, 1], [2, 0])), [In((2, 3, 2))]),
    "nll_loss": (lambda a: F.nll_loss(a, _index(1, 0), reduction="sum"), [In((2, 3))]),
    "binary_cross_entropy": (
        lambda a, t: F.binary_cross_entropy(a.sigmoid(), t * 0.5 + 0.5),
        [In((2, 3)), In((2, 3), "unit", grad=False)],
    ),
    "bce_with_logits": (
        lambda a, t, w: F.binary_cross_entropy_with_logits(a, t, pos_weight=w),
        [In((2, 3)), In((2, 3), "unit"), In((3,), "pos", grad=False)],
    ),
    "kl_div": (lambda a, b: F.kl_div(a, b, reduction="batchmean"), [In((2, 3)), In((2, 3), "pos")]),
    "poisson_nll_loss": (F.poisson_nll_loss, [In((2, 3)), In((2, 3), "pos", grad=False)]),
    "soft_margin_loss": (F.soft_margin_loss, [In((2, 3)), In((2, 3), "away", grad=False)]),
    "cosine_similarity": (F.cosine_similarity, [In((2, 3)), In((2, 3))]),
    "pairwise_distance": (F.pairwise_distance, [In((2, 3)), In((2, 3))]),
    "pad_constant": (lambda a: F.pad(a, (1, 2), value=0.5), [In((2, 3))]),
    "pad_reflect": (lambda a: F.pad(a, (2, 1), mode="reflect"), [In((1, 2, 4))]),
    "pad_replicate": (lambda a: F.pad(a, (1, 2, 2, 0), mode="replicate"), [In((1, 1, 2, 3))]),
    "pad_circular": (lambda a: F.pad(a, (1, 2), mode="circular"), [In((1, 2, 3))]),
    "conv1d": (
        lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1),
        [In((1, 2, 5)), In((3, 2, 2)), In((3,))],
    ),
    "conv2d": (
        lambda x, w, b: F.conv2d(x, w, b, padding=1, dilation=2),
        [In((1, 2, 4, 3)), In((2, 2, 2, 2)), In((2,))],
    ),
    "conv2d_groups": (
        lambda x, w: F.conv2d(x, w, groups=2, stride=(1, 2)),
        [In((1, 4, 3, 4)), In((2, 2, 2, 2))],
    ),
    "conv_transpose2d": (
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        [In((1, 2, 2, 2)), In((2, 1, 3, 3)), In((1,))],
    ),
    "max_pool2d": (lambda x: F.max_pool2d(x, 2), [In((1, 1, 4, 4), "distinct")]),
    "max_pool1d_stride": (lambda x: F.max_pool1d(x, 3, 1, 1), [In((1, 2, 5), "distinct")]),
    "avg_pool2d": (
        lambda x: F.avg_pool2d(x, 2, 1, padding=1, count_include_pad=False),
        [In((1, 1, 3, 3))],
    ),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (2, 3)), [In((1, 2, 3, 4))]),
    "adaptive_max_pool1d": (lambda x: F.adaptive_max_pool1d(x, 2), [In((1, 2, 5), "distinct")]),
    "scaled_dot_product_attention": (
        F.scaled_dot_product_attention,
        [In((1, 2, 3)), In((1, 4, 3)), In((1, 4, 2))],
    ),
    "sdpa_causal": (
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
        [In((1, 3, 2)), In((1, 3, 2)), In((1, 3, 2))],
    ),
    "unfold": (lambda x: F.unfold(x, 2), [In((1, 1, 3, 3))]),
    "fold": (lambda x: F.fold(x, (3, 3), 2), [In((1, 4, 4))]),
    "interpolate_bilinear": (
        lambda x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False),
        [In((1, 1, 2, 2))],
    ),
    "interpolate_nearest": (lambda x: F.interpolate(x, size=(3, 4)), [In((1, 1, 2, 2))]),
    "dropout_eval": (lambda x: F.dropout(x, 0.5, training=False), [In((2, 3))]),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradcheck(name):
    fn, specs = OPS[name]
    inputs = make_inputs(specs)
    assert gradcheck(fn, inputs)


# Double backward (create_graph=True through each op's backward), for the ops models differentiate
# twice: gradient penalties, Hessian-vector products, meta-learning.
DOUBLE = [
    "add", "sub", "mul", "div", "div_broadcast", "pow_scalar", "pow_tensor", "rpow", "exp", "log",
    "sqrt", "tanh", "sigmoid", "sin", "abs", "relu", "maximum", "clamp", "where", "sum", "sum_dim",
    "mean", "mean_dim", "prod", "max_dim", "std", "var", "norm", "logsumexp", "softmax",
    "log_softmax", "matmul", "matmul_batched", "mm", "bmm", "mv", "addmm", "einsum", "reshape",
    "view", "permute", "transpose", "expand", "cat", "stack", "getitem_int", "getitem_slice",
    "getitem_list", "getitem_mask", "gather", "index_select", "masked_fill", "linear", "gelu",
    "silu", "softplus", "elu", "leaky_relu", "layer_norm", "cross_entropy", "mse_loss",
    "bce_with_logits", "conv2d", "max_pool2d", "avg_pool2d", "scaled_dot_product_attention",
]  # fmt: skip


@pytest.mark.parametrize("name", DOUBLE)
def test_gradgradcheck(name):
    fn, specs = OPS[name]
    inputs = make_inputs(specs, seed=1)
    assert gradgradcheck(fn, inputs)


# --- gradcheck itself ---------------------------------------------------------------------------------
class _WrongScale(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad * 3


def test_gradcheck_reports_a_wrong_backward():
    (x,) = make_inputs([In((3,))])
    with pytest.raises(
        GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"
    ):
        gradcheck(_WrongScale.apply, (x,))
    assert gradcheck(_WrongScale.apply, (x,), raise_exception=False) is False
    with pytest.raises(GradcheckError, match="computed \nin fast mode"):
        gradcheck(_WrongScale.apply, (x,), fast_mode=True)
    assert isinstance(GradcheckError("x"), RuntimeError)


def test_gradcheck_fast_mode_passes_a_right_backward():
    inputs = make_inputs([In((2, 3)), In((3,))])
    assert gradcheck(torch.mul, inputs, fast_mode=True)
    assert gradgradcheck(lambda a, b: (a * b).tanh(), inputs, fast_mode=True)


def test_gradcheck_input_checks():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(torch.exp, (torch.ones(2, dtype=torch.float64),))
    x = torch.ones(3, requires_grad=True)
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double"):
        gradcheck(torch.exp, (x,), atol=1e-2, rtol=1e-2, eps=1e-3)
    e = torch.ones(1, dtype=torch.float64).expand(3).requires_grad_()
    with pytest.raises(RuntimeError, match="The 0th input has a dimension with stride 0"):
        gradcheck(torch.exp, (e,))


def test_gradcheck_catches_backward_not_scaled_by_grad_output():
    class Constant(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, grad):  # ignores grad: right only for grad == 1... never for zeros
            return torch.ones_like(grad)

    (x,) = make_inputs([In((1,))])
    with pytest.raises(GradcheckError):
        gradcheck(Constant.apply, (x,))


def test_gradcheck_nondeterministic_backward():
    calls = []

    class Noisy(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            calls.append(1)
            return grad * (1 + 1e-9 * len(calls))

    (x,) = make_inputs([In((2,))])
    with pytest.raises(GradcheckError, match="Backward is not reentrant"):
        gradcheck(Noisy.apply, (x,))
    assert gradcheck(Noisy.apply, (x,), nondet_tol=1e-6)


def test_gradcheck_no_differentiable_outputs():
    (x,) = make_inputs([In((3,))])
    assert gradcheck(lambda a: a.argmax(), (x,))
    assert gradcheck(lambda a: a > 0, (x,))
