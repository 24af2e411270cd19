"""Shape and view ops against real PyTorch (``ops/shape.py``): values, gradients, which results
are views (writes through them reach the base), ``stride()``/``is_contiguous()``/
``storage_offset()`` of the results, and PyTorch's errors."""

from __future__ import annotations

# ruff: noqa: B023 - the lambdas built in loops are called at once, inside the loop
import pytest

import numtorch as nt
from op_harness import check_error, check_op


def mod(t):
    if isinstance(t, nt.Tensor):
        return nt
    import torch

    return torch


def layout(t):
    """What a view op must reproduce besides the values."""
    return t, t.stride(), t.is_contiguous(), t.storage_offset()


VIEW_OPS = {
    "view": (lambda a: a.view(6, 4), (2, 3, 4)),
    "view_-1": (lambda a: a.view(-1, 4), (2, 3, 4)),
    "view_size": (lambda a: a.view(mod(a).Size([4, 6])), (2, 3, 4)),
    "view_tuple": (lambda a: a.view((2, 12)), (2, 3, 4)),
    "view_0dim": (lambda a: a.view(1, 1), ()),
    "view_empty": (lambda a: a.view(3, 0, 2), (0, 6)),
    "view_as": (lambda a: a.view_as(a.new_zeros(4, 6)), (2, 3, 4)),
    "reshape_view": (lambda a: a.reshape(4, 6), (2, 3, 4)),
    "flatten": (lambda a: a.flatten(), (2, 3, 4)),
    "flatten_1": (lambda a: a.flatten(1), (2, 3, 4)),
    "flatten_0_1": (lambda a: a.flatten(0, 1), (2, 3, 4)),
    "flatten_0dim": (lambda a: a.flatten(), ()),
    "unflatten": (lambda a: a.unflatten(1, (3, 1)), (2, 3, 4)),
    "unflatten_-1": (lambda a: a.unflatten(-1, (2, -1)), (2, 3, 4)),
    "squeeze": (lambda a: a.squeeze(), (2, 1, 4, 1)),
    "squeeze_dim": (lambda a: a.squeeze(1), (2, 1, 4, 1)),
    "squeeze_dim_noop": (lambda a: a.squeeze(0), (2, 1, 4, 1)),
    "squeeze_dims": (lambda a: a.squeeze((1, 3)), (2, 1, 4, 1)),
    "squeeze_0dim": (lambda a: a.squeeze(), ()),
    "unsqueeze": (lambda a: a.unsqueeze(1), (2, 3)),
    "unsqueeze_-1": (lambda a: a.unsqueeze(-1), (2, 3)),
    "unsqueeze_0dim": (lambda a: a.unsqueeze(0), ()),
    "permute": (lambda a: a.permute(2, 0, 1), (2, 3, 4)),
    "permute_tuple": (lambda a: a.permute((1, 2, 0)), (2, 3, 4)),
    "permute_neg": (lambda a: mod(a).permute(a, (-1, 0, 1)), (2, 3, 4)),
    "transpose": (lambda a: a.transpose(0, 2), (2, 3, 4)),
    "swapaxes": (lambda a: a.swapaxes(0, 1), (2, 3, 4)),
    "t": (lambda a: a.t(), (2, 3)),
    "t_1d": (lambda a: a.t(), (3,)),
    "T": (lambda a: a.T, (2, 3)),
    "mT": (lambda a: a.mT, (2, 3, 4)),
    "expand": (lambda a: a.expand(2, 3, 4), (3, 1)),
    "expand_-1": (lambda a: a.expand(5, -1, 4), (3, 1)),
    "expand_as": (lambda a: a.expand_as(a.new_zeros(2, 3, 4)), (1, 4)),
    "broadcast_to": (lambda a: a.broadcast_to((2, 3, 4)), (4,)),
    "narrow": (lambda a: a.narrow(1, 1, 2), (2, 3, 4)),
    "narrow_neg": (lambda a: a.narrow(-1, -3, 2), (2, 3, 4)),
    "diagonal": (lambda a: a.diagonal(), (3, 4)),
    "diagonal_offset": (lambda a: a.diagonal(1, 1, 2), (2, 3, 4)),
    "diagonal_neg": (lambda a: a.diagonal(-1), (3, 4)),
    "movedim": (lambda a: a.movedim(0, -1), (2, 3, 4)),
    "movedim_multi": (lambda a: a.movedim((0, 1), (2, 0)), (2, 3, 4)),
    "select": (lambda a: a.select(1, -1), (2, 3, 4)),
    "unfold": (lambda a: a.unfold(1, 2, 1), (2, 4, 3)),
}


@pytest.mark.parametrize("name", list(VIEW_OPS))
def test_view_ops(torch, name):
    fn, shape = VIEW_OPS[name]
    check_op(lambda a: layout(fn(a)), inputs=[shape], dtypes="float64")

    def writes_through(a):
        base = a.clone()
        v = fn(base)
        v.mul_(-2)
        return base

    # expanded views refuse in-place writes; unfold's windows overlap (the result of an in-place
    # op on overlapping memory is unspecified)
    if not name.startswith(("expand", "broadcast", "unfold")):
        check_op(writes_through, inputs=[shape], grad_fn=False)


@pytest.mark.parametrize("name", list(VIEW_OPS))
def test_view_ops_of_noncontiguous(torch, name):
    fn, shape = VIEW_OPS[name]
    if name.startswith("view") or name in ("unflatten", "unflatten_-1", "flatten", "flatten_1",
                                            "flatten_0_1"):  # fmt: skip
        return  # covered by test_view_of_noncontiguous
    check_op(lambda a: layout(fn(a)), inputs=[shape], noncontig=True)


def test_view_of_noncontiguous(torch):
    t = lambda a: a.transpose(0, 1)  # noqa: E731
    check_error(lambda a: t(a).view(-1), inputs=[(2, 3)])
    check_error(lambda a: t(a).view(6), inputs=[(2, 3)])
    check_error(lambda a: t(a).flatten().view(3, 2).t().view(6), inputs=[(2, 3)])
    check_op(lambda a: layout(t(a).view(3, 2)), inputs=[(2, 3)])  # same shape: a view
    check_op(lambda a: layout(t(a).view(3, 1, 2)), inputs=[(2, 3)])  # splits one dim: fine
    check_op(lambda a: layout(a[:, ::2].view(2, 2, 1)), inputs=[(2, 4)])
    check_error(lambda a: a[:, :2].view(4), inputs=[(2, 4)])


def test_reshape_copies_only_when_needed(torch):
    def shares(a):
        r = a.reshape(6)
        r[0] = 100.0
        return a, r

    check_op(shares, inputs=[(2, 3)], grad=False)  # contiguous: a view, the write reaches a

    def copies(a):
        r = a.t().reshape(6)
        r[0] = 100.0
        return a, layout(r)

    check_op(copies, inputs=[(2, 3)], grad=False)
    check_op(lambda a: layout(a.t().reshape(6)), inputs=[(2, 3)])  # grad_fn UnsafeViewBackward0
    check_op(lambda a: layout(a.t().reshape(3, 2)), inputs=[(2, 3)])  # same shape: a view
    check_op(lambda a: layout(a.t().flatten()), inputs=[(2, 3)])


def test_view_errors(torch):
    check_error(lambda a: a.view(5), inputs=[(2, 3)])
    check_error(lambda a: a.view(-1, -1), inputs=[(2, 3)])
    check_error(lambda a: a.view(4, -1), inputs=[(2, 3)])
    check_error(lambda a: a.view(0, -1), inputs=[(2, 3)])
    check_error(lambda a: a.view(3, 0, -1), inputs=[(0, 6)])
    check_error(lambda a: a.reshape(7), inputs=[(2, 3)])
    check_error(lambda a: a.view(2.0, 3), inputs=[(2, 3)], message=False)
    check_error(lambda a: a.flatten(2, 1), inputs=[(2, 3, 4)])
    check_error(lambda a: a.unflatten(1, (2, 2)), inputs=[(2, 3, 4)])
    check_error(lambda a: a.squeeze(3), inputs=[(2, 3)])
    check_error(lambda a: a.unsqueeze(3), inputs=[(2, 3)])
    check_error(lambda a: a.permute(0, 1), inputs=[(2, 3, 4)])
    check_error(lambda a: a.permute(0, 1, 1), inputs=[(2, 3, 4)])
    check_error(lambda a: a.transpose(0, 3), inputs=[(2, 3, 4)])
    check_error(lambda a: a.t(), inputs=[(2, 3, 4)])
    check_error(lambda a: a.expand(3, 4), inputs=[(2, 1)])
    check_error(lambda a: a.expand(4), inputs=[(2, 1)])
    check_error(lambda a: a.expand(-1, 2, 1), inputs=[(2, 1)])
    check_error(lambda a: a.narrow(1, 2, 3), inputs=[(2, 3)])
    check_error(lambda a: a.mT, inputs=[(3,)])


def test_t_and_transpose_inplace(torch):
    def t_(a):
        b = a.clone()
        r = b.t_()
        assert r is b
        return layout(b)

    check_op(t_, inputs=[(2, 3)], grad_fn=False)

    def transpose_(a):
        b = a.clone()
        b.transpose_(0, 2)
        return layout(b)

    check_op(transpose_, inputs=[(2, 3, 4)], grad_fn=False)
    check_op(lambda a: layout(a.clone().squeeze_(1)), inputs=[(2, 1, 3)], grad_fn=False)
    check_op(lambda a: layout(a.clone().unsqueeze_(0)), inputs=[(2, 3)], grad_fn=False)


@pytest.mark.parametrize("noncontig", [False, True])
def test_contiguous(torch, noncontig):
    check_op(lambda a: layout(a.contiguous()), inputs=[(2, 3)], noncontig=noncontig)
    check_op(lambda a: layout(a.t().contiguous()), inputs=[(2, 3)], noncontig=noncontig)
    check_op(lambda a: layout(a.t().contiguous().t()), inputs=[(2, 3)])

    def same_object(a):
        return a.contiguous() is a

    check_op(same_object, inputs=[(2, 3)], grad=False)


def test_strides_of_degenerate_tensors(torch):
    # tensors PyTorch creates (from_numpy of an empty array keeps NumPy's zero strides there)
    for shape in [(), (0,), (2, 0, 3), (1, 3), (3, 1), (1,), (1, 1)]:
        check_op(lambda a: layout(mod(a).zeros(shape)), inputs=[(1,)], grad=False)
        check_op(lambda a: layout(mod(a).zeros(shape).clone()), inputs=[(1,)], grad=False)
        if len(shape) == 2:
            check_op(lambda a: layout(mod(a).zeros(shape).t()), inputs=[(1,)], grad=False)
    for shape in [(), (1, 3), (3, 1), (1,), (1, 1)]:
        check_op(lambda a: layout(a), inputs=[shape], grad=False)
    check_op(lambda a: layout(a.expand(2, 3, 4)), inputs=[(3, 1)], grad=False)
    check_op(lambda a: layout(a[::2, 1:]), inputs=[(5, 4)], grad=False)


# --- copies: repeat, tile, flip, roll, cat, stack, split... ----------------------------------------------------
COPY_OPS = {
    "repeat": (lambda a: a.repeat(2, 3), [(2, 3)]),
    "repeat_more_dims": (lambda a: a.repeat(2, 1, 2), [(2, 3)]),
    "repeat_0dim": (lambda a: a.repeat(3), [()]),
    "tile": (lambda a: a.tile((2,)), [(2, 3)]),
    "flip": (lambda a: a.flip(0), [(2, 3, 4)]),
    "flip_dims": (lambda a: a.flip((0, 2)), [(2, 3, 4)]),
    "fliplr": (lambda a: a.fliplr(), [(2, 3)]),
    "flipud": (lambda a: a.flipud(), [(2, 3)]),
    "roll": (lambda a: a.roll(1), [(2, 3)]),
    "roll_dim": (lambda a: a.roll(-1, 1), [(2, 3)]),
    "roll_dims": (lambda a: a.roll((1, 2), (0, 1)), [(2, 3)]),
    "rot90": (lambda a: a.rot90(1, (0, 1)), [(2, 3)]),
    "rot90_3": (lambda a: a.rot90(3, (1, 0)), [(2, 3)]),
    "tril": (lambda a: a.tril(), [(3, 4)]),
    "triu_1": (lambda a: a.triu(1), [(3, 4)]),
    "tril_batch": (lambda a: a.tril(-1), [(2, 3, 4)]),
    "repeat_interleave": (lambda a: a.repeat_interleave(2), [(2, 3)]),
    "repeat_interleave_dim": (lambda a: a.repeat_interleave(2, dim=1), [(2, 3)]),
    "repeat_interleave_tensor": (
        lambda a: a.repeat_interleave(mod(a).tensor([1, 0, 2]), dim=1),
        [(2, 3)],
    ),
    "diag_1d": (lambda a: mod(a).diag(a), [(3,)]),
    "diag_1d_offset": (lambda a: mod(a).diag(a, -1), [(3,)]),
    "diag_2d": (lambda a: mod(a).diag(a, 1), [(3, 4)]),
    "cat": (lambda a, b: mod(a).cat([a, b]), [(2, 3), (4, 3)]),
    "cat_dim": (lambda a, b: mod(a).cat((a, b), dim=-1), [(2, 3), (2, 1)]),
    "cat_empty_1d": (lambda a, b: mod(a).cat([a, b.new_zeros(0)], 1), [(2, 3), (1,)]),
    "concat": (lambda a, b: mod(a).concat([a, b]), [(2, 3), (1, 3)]),
    "stack": (lambda a, b: mod(a).stack([a, b]), [(2, 3), (2, 3)]),
    "stack_dim": (lambda a, b: mod(a).stack((a, b), dim=-1), [(2, 3), (2, 3)]),
    "stack_0dim": (lambda a, b: mod(a).stack([a, b]), [(), ()]),
    "hstack": (lambda a, b: mod(a).hstack([a, b]), [(2, 3), (2, 1)]),
    "hstack_1d": (lambda a, b: mod(a).hstack([a, b]), [(3,), (2,)]),
    "vstack": (lambda a, b: mod(a).vstack([a, b]), [(3,), (3,)]),
    "dstack": (lambda a, b: mod(a).dstack([a, b]), [(2, 3), (2, 3)]),
    "column_stack": (lambda a, b: mod(a).column_stack([a, b]), [(3,), (3, 2)]),
    "atleast_2d": (lambda a: mod(a).atleast_2d(a), [(3,)]),
    "atleast_3d": (lambda a: mod(a).atleast_3d(a), [(2, 3)]),
    "meshgrid": (lambda a, b: mod(a).meshgrid(a, b, indexing="ij"), [(3,), (2,)]),
    "meshgrid_xy": (lambda a, b: mod(a).meshgrid(a, b, indexing="xy"), [(3,), (2,)]),
    "broadcast_tensors": (lambda a, b: mod(a).broadcast_tensors(a, b), [(3, 1), (4,)]),
    "split": (lambda a: a.split(2), [(5, 3)]),
    "split_sizes": (lambda a: a.split([1, 2], dim=1), [(5, 3)]),
    "chunk": (lambda a: a.chunk(3), [(5, 3)]),
    "chunk_more": (lambda a: a.chunk(4, 1), [(5, 3)]),
    "chunk_6": (lambda a: a.chunk(4), [(6, 3)]),
    "tensor_split": (lambda a: a.tensor_split(3), [(5, 3)]),
    "tensor_split_idx": (lambda a: a.tensor_split([1, 4]), [(5, 3)]),
    "unbind": (lambda a: a.unbind(), [(3, 2)]),
    "unbind_dim": (lambda a: mod(a).unbind(a, 1), [(3, 2)]),
}


@pytest.mark.parametrize("name", list(COPY_OPS))
def test_shape_ops(torch, name):
    fn, shapes = COPY_OPS[name]
    check_op(fn, inputs=shapes, dtypes="float64")
    check_op(fn, inputs=shapes, dtypes="float32", noncontig=True)
    check_op(fn, inputs=shapes, dtypes="int64", low=-5, high=5)


def test_split_chunk_unbind_are_views(torch):
    for fn in (lambda a: a.split(2), lambda a: a.chunk(2), lambda a: a.unbind(1),
               lambda a: a.split([1, 3])):  # fmt: skip

        def through(a):
            b = a.clone()
            pieces = fn(b)
            pieces[0].mul_(10)
            return b, [layout(p) for p in pieces]

        check_op(through, inputs=[(4, 3)], grad=False)
        # with autograd, PyTorch refuses in-place changes of one of several views
        check_error(through, inputs=[(4, 3)], requires_grad=True)


def test_cat_stack_promotion_and_errors(torch):
    check_op(lambda a, b: mod(a).cat([a, b]), inputs=[(2,), (3,)], dtypes=["int64", "float32"])
    check_op(lambda a, b: mod(a).stack([a, b]), inputs=[(2,), (2,)], dtypes=["bool", "uint8"])
    check_op(lambda a, b: mod(a).cat([a, b]), inputs=[(2,), (3,)], dtypes=["int8", "uint8"])
    check_error(lambda a, b: mod(a).cat([a, b]), inputs=[(2, 3), (2, 4)])
    check_error(lambda a, b: mod(a).cat([a, b]), inputs=[(2, 3), (3,)])
    check_error(lambda a, b: mod(a).cat([a, b], dim=2), inputs=[(2, 3), (2, 3)])
    check_error(lambda a: mod(a).cat([]), inputs=[(1,)])
    check_error(lambda a, b: mod(a).cat([a, b]), inputs=[(), ()])
    check_error(lambda a, b: mod(a).stack([a, b]), inputs=[(2, 3), (3, 2)])
    check_error(lambda a: mod(a).stack([]), inputs=[(1,)])
    check_error(lambda a, b: mod(a).stack([a, b], dim=3), inputs=[(2, 3), (2, 3)])
    check_error(lambda a: mod(a).cat([a, 1]), inputs=[(2,)], message=False)

    def cat_out(a, b):
        out = mod(a).empty(5, 3)
        assert mod(a).cat([a, b], out=out) is out
        return out

    check_op(cat_out, inputs=[(2, 3), (3, 3)], grad=False)


def test_split_errors(torch):
    check_error(lambda a: a.split([1, 1]), inputs=[(5, 3)])
    check_error(lambda a: a.chunk(0), inputs=[(5, 3)])
    check_error(lambda a: a.split(0), inputs=[(5, 3)])
    check_error(lambda a: a.unbind(2), inputs=[(5, 3)])
    check_error(lambda a: a.repeat(2), inputs=[(2, 3)])
    check_error(lambda a: a.flip(2), inputs=[(2, 3)])
    check_error(lambda a: a.roll(1, 2), inputs=[(2, 3)])
