"""Autograd against real PyTorch: graphs, hooks, grad modes, the gradient API, errors, in-place
ops on views, custom Functions, double backward; and the seed's autograd blocks, graph freeing.

Most checks are snippets run twice - ``T`` bound to numtorch, then to torch - whose printouts
(object addresses masked) must be identical: values, ``grad_fn`` names, ``next_functions``,
hook order, exception types and messages. Tests without the ``torch`` fixture run without torch.
"""

from __future__ import annotations

import contextlib
import gc
import io
import re
import sys
import textwrap
import types
import warnings

import numpy as np
import pytest

import numtorch


def run_snippet(code: str, T) -> str:
    """Run ``code`` with ``T`` as the torch module; return what it printed, addresses masked."""
    buf = io.StringIO()

    def err(fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - the exception *is* the result compared
            print(type(e).__name__, e)
        else:
            print("no error")

    env = {"T": T, "np": np, "err": err, "__name__": "snippet"}
    with contextlib.redirect_stdout(buf), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(textwrap.dedent(code), env)  # noqa: S102 - test snippets written in this file
    return re.sub(r"0x[0-9a-f]+", "0x?", buf.getvalue())


def assert_same(code: str, torch) -> str:
    ours, theirs = run_snippet(code, numtorch), run_snippet(code, torch)
    assert ours == theirs
    return ours


# --- the seed's autograd blocks (expected text from the notes) ---------------------------------------
def test_seed_requires_grad_block():
    out = run_snippet(
        """
        x = T.ones(2, 2, requires_grad=True)
        y = x + 2
        print(y.grad_fn)
        z = y * y * 3
        out = z.mean()
        out.backward()
        print(x.grad)
        print(x.requires_grad)
        print((x**2).requires_grad)
        with T.no_grad():
            print((x**2).requires_grad)
        print((x**2).detach().requires_grad)
        """,
        numtorch,
    )
    assert out == (
        "<AddBackward0 object at 0x?>\n"
        "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])\n"
        "True\nTrue\nFalse\nFalse\n"
    )


def test_seed_gradient_accumulation_block():
    out = run_snippet(
        """
        inp = T.eye(5, requires_grad=True)
        out = (inp+1).pow(2)
        out.backward(T.ones_like(inp), retain_graph=True)
        print(f"First call\\n{inp.grad}")
        out.backward(T.ones_like(inp), retain_graph=True)
        print(f"\\nSecond call\\n{inp.grad}")
        inp.grad.zero_()
        out.backward(T.ones_like(inp), retain_graph=True)
        print(f"\\nCall after zeroing gradients\\n{inp.grad}")
        """,
        numtorch,
    )
    ones = "\n".join(
        ("tensor([[" if i == 0 else "        [")
        + ", ".join("4." if j == i else "2." for j in range(5))
        + ("]])" if i == 4 else "],")
        for i in range(5)
    )
    twos = ones.replace("4.", "8.").replace("2.", "4.")
    assert out == (
        f"First call\n{ones}\n\nSecond call\n{twos}\n\nCall after zeroing gradients\n{ones}\n"
    )


def test_seed_blocks_match_torch(torch):
    assert_same(
        """
        x = T.ones(2,2,requires_grad=True)
        print(x)
        y = x+2
        print(y)
        print(y.grad_fn)
        z = y*y*3
        out = z.mean()
        print(z)
        print(out)
        out.backward()
        print(x.grad)
        """,
        torch,
    )


# --- graph structure ---------------------------------------------------------------------------------
GRAPH = """
def show(fn, depth=0):
    if fn is None:
        return "None"
    if depth == 3:
        return fn.name()
    return fn.name() + "(" + ", ".join(
        f"{show(n, depth + 1)}:{nr}" for n, nr in fn.next_functions) + ")"

x = T.tensor([[1.5, -2.0, 0.5], [0.25, 3.0, -1.0]], requires_grad=True)
w = T.tensor([0.5, -1.5, 2.0], requires_grad=True)
c = T.tensor([1.0, 2.0, 3.0])
for expr in [
    "x * w", "(x * w).sum()", "(x @ w).mean()", "x.t() @ x", "T.addmm(w, x.t(), x)",
    "x.exp().log()", "(x - w) / (w + 4)", "x.pow(2)", "x.relu().sigmoid().tanh()",
    "x.view(6)", "x.reshape(3, 2)", "x.permute(1, 0)", "x[0]", "x[:, 1:]", "x[[0, 1, 1]]",
    "x.unsqueeze(0).expand(2, 2, 3)", "T.cat([x, w.unsqueeze(0)])", "T.stack([w, c])",
    "x.max()", "x.max(1)[0]", "x.softmax(1)", "x.log_softmax(0)", "x.mean(0, keepdim=True)",
    "w * c", "(w * c).sum()", "x.clone()", "x.double()", "x.split(1)[1]", "x.chunk(3, 1)[2]",
    "x.masked_fill(x > 0, 0.0)", "x.gather(1, T.tensor([[0], [2]]))", "x.abs().sqrt()",
    "T.where(x > 0, x, w)", "x.clamp(-1, 1)", "x.std()", "x.var(0)", "x.norm()",
]:
    y = eval(expr)
    print(expr, "->", show(y.grad_fn), y.requires_grad, y.is_leaf, y.output_nr)
acc = (x * w).grad_fn.next_functions[0][0]
print(acc, acc.name(), acc.variable is x, acc.next_functions, acc.metadata)
y = x * w
y.grad_fn.metadata["tag"] = 1
print(y.grad_fn.metadata, y.grad_fn(T.ones(2, 3))[1])
print(x.requires_grad, x.is_leaf, x.grad_fn, c.requires_grad, c.is_leaf)
"""


def test_graph_structure_matches_torch(torch):
    assert_same(GRAPH, torch)


# --- hooks --------------------------------------------------------------------------------------------
HOOKS = """
x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
order = []
y = x * 2
z = (y * y).sum()
y.register_hook(lambda g: order.append(("t1", g)))
y.retain_grad()
y.register_hook(lambda g: order.append(("t2", g)) or g * 10)
y.grad_fn.register_prehook(lambda go: order.append(("pre", go)))
y.grad_fn.register_hook(lambda gi, go: order.append(("post", gi, go)))
x.register_hook(lambda g: order.append(("leaf", g)))
x.register_post_accumulate_grad_hook(lambda t: order.append(("acc", t.grad)))
z.backward()
for o in order:
    print(o)
print(y.grad, x.grad, y.retains_grad, x.retains_grad)

# a removed hook no longer runs; a handle is a context manager
x.grad = None
h = x.register_hook(lambda g: g + 1)
(x * 2).sum().backward()
print(x.grad)
h.remove()
x.grad = None
(x * 2).sum().backward()
print(x.grad)
with x.register_hook(lambda g: g * 0):
    x.grad = None
    (x * 3).sum().backward()
    print(x.grad)

# node hooks replacing gradients
x.grad = None
y = x * 2
y.grad_fn.register_prehook(lambda go: (go[0] * 100,))
y.sum().backward()
print(x.grad)
x.grad = None
y = x.exp()
y.grad_fn.register_hook(lambda gi, go: (gi[0] * 7,))
y.sum().backward()
print(x.grad)

# hooks during autograd.grad: tensor hooks and retain_grad run, accumulation does not
order.clear()
x.grad = None
y = x * 2
y.retain_grad()
y.register_hook(lambda g: order.append("tensor hook"))
x.register_hook(lambda g: order.append("leaf hook"))
x.register_post_accumulate_grad_hook(lambda t: order.append("never"))
print(T.autograd.grad(y.sum(), x), order, y.grad, x.grad)

# retain_grad accumulates across backward calls; a leaf's is a no-op
x.grad = None
y = x * 3
y.retain_grad()
y.sum().backward(retain_graph=True)
y.sum().backward()
print(y.grad, y.retains_grad)
x.retain_grad()
print(x.retains_grad)

# retain_grad follows the tensor through in-place ops (its new values' gradient)
y = x * 2
y.retain_grad()
y.mul_(3)
y.sum().backward()
print(y.grad, y.retains_grad)
y = x * 2
y.retain_grad()
y[0].mul_(3)
(y * y).sum().backward()
print(y.grad)

err(lambda: T.tensor([1, 2]).register_hook(lambda g: g))
err(lambda: T.ones(2).register_hook(lambda g: g))
err(lambda: (x * 2).register_post_accumulate_grad_hook(lambda t: None))
err(lambda: T.ones(2).retain_grad())
"""


def test_hooks_match_torch(torch):
    assert_same(HOOKS, torch)


# --- grad modes ---------------------------------------------------------------------------------------
MODES = """
x = T.ones(2, requires_grad=True)
@T.no_grad()
def f(a): return a * 2
@T.no_grad
def f2(a): return a * 2
@T.enable_grad()
def g(a): return a * 2
print(f(x).requires_grad, f2(x).requires_grad)
with T.no_grad():
    print(g(x).requires_grad, T.is_grad_enabled())
    with T.enable_grad():
        print((x * 2).requires_grad, T.is_grad_enabled())
print(T.is_grad_enabled())
T.set_grad_enabled(False)
print(T.is_grad_enabled(), (x * 2).requires_grad)
T.set_grad_enabled(True)
with T.set_grad_enabled(False):
    print(T.is_grad_enabled())
print(T.is_grad_enabled())
@T.set_grad_enabled(False)
def h(a): return a * 2
print(h(x).requires_grad, T.is_grad_enabled())
with T.inference_mode():
    print((x * 2).requires_grad, T.is_inference_mode_enabled(), T.is_grad_enabled())
    with T.inference_mode(False):
        print(T.is_inference_mode_enabled())
print(T.is_inference_mode_enabled())
@T.inference_mode()
def k(a): return a * 2
@T.inference_mode
def k2(a): return a * 2
print(k(x).requires_grad, k2(x).requires_grad)
def gen():
    for i in range(2):
        yield (x * i).requires_grad, T.is_grad_enabled()
print(list(T.no_grad()(gen)()), T.is_grad_enabled())
with T.no_grad():
    x2 = x.detach().requires_grad_()
    print(x2.requires_grad, x2.is_leaf, (x2 * 2).requires_grad)
y = x * 2
d = y.detach()
print(d.requires_grad, d.is_leaf, d.grad_fn)
print(y.detach_() is y, y.requires_grad, y.grad_fn, y.is_leaf)
print(x.requires_grad_(False).requires_grad, x.is_leaf)
x.requires_grad = True
print(x.requires_grad)
with T.no_grad():
    x.mul_(2)
print(x, x.grad_fn)
"""


def test_grad_modes_match_torch(torch):
    assert_same(MODES, torch)


# --- the gradient API -------------------------------------------------------------------------------------
GRAD_API = """
x = T.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = x * 2
z = (y * y).sum()
print(T.autograd.grad(z, [y, x]))
print(T.autograd.grad(x.sum(), x))
print(T.autograd.grad(x, x, T.ones(3)))
u = T.ones(2, requires_grad=True)
print(T.autograd.grad((x * 2).sum(), [x, u], allow_unused=True))
print(T.autograd.grad((x * 2).sum(), [x, u], materialize_grads=True))
print(T.autograd.grad((x * 2).sum(), {"a": x, "b": u}, allow_unused=True))
v = T.ones(3, requires_grad=True)
g = T.autograd.grad(x, x, v)[0]
print(g is v, g.requires_grad)
print(T.autograd.grad(x * 1, x, T.ones(3, dtype=T.float64))[0].dtype)
g, = T.autograd.grad((x ** 3).sum(), x, create_graph=True)
print(g, g.requires_grad, g.grad_fn is not None)
print(T.autograd.grad(g.sum(), x))

# backward: accumulation, inputs=, retain_graph, grad_tensors
x.grad = None
x.backward(T.ones(3) * 2)
print(x.grad)
x.grad = None
w = T.tensor([1.0, 1.0, 1.0], requires_grad=True)
y = x * w
z = y * 3
z.sum().backward(inputs=[y, w], retain_graph=True)
print(x.grad, w.grad, y.grad, y.retains_grad)
z.sum().backward(inputs=x)
print(x.grad, w.grad)
x.grad = None
T.autograd.backward([(x * 2).sum(), (x * x).sum()], [T.tensor(1.0), T.tensor(0.5)])
print(x.grad)
x.grad = None
(x.double() * 2).sum().backward()
print(x.grad, x.grad.dtype)
x.grad = None
(x * 2).backward(T.ones(3, dtype=T.float64))
print(x.grad, x.grad.dtype)
x.grad = None
(x * 2).backward(T.ones(3, dtype=T.int64))
print(x.grad)

# create_graph=True: .grad keeps its history (a differentiable copy)
x.grad = None
(x ** 3).sum().backward(create_graph=True)
print(x.grad, x.grad.grad_fn)
x.grad = None
(x * 1).backward(v, create_graph=True)
print(x.grad, x.grad is v, x.grad.grad_fn)
y = x * 2
y.retain_grad()
(y * y).sum().backward(create_graph=True)
print(y.grad)
x.grad = None

# the graph is freed after backward, unless retained
y = x.exp()
y.sum().backward()
err(lambda: y.sum().backward())
y = x * 2
y.sum().backward()
err(lambda: y.sum().backward())
y = x + 2
y.sum().backward()
y.sum().backward()
print(x.grad)
y = x.sigmoid()
y.sum().backward(retain_graph=True)
y.sum().backward()
print(x.grad)
"""


def test_gradient_api_matches_torch(torch):
    assert_same(GRAD_API, torch)


# --- errors in PyTorch's words ------------------------------------------------------------------------------
ERRORS = """
x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
err(lambda: (x * 2).backward())
err(lambda: (x * 2).backward(T.ones(2)))
err(lambda: (x * 2).sum().backward(T.ones(2)))
err(lambda: (x * 2).sum().backward(inputs=[]))
err(lambda: T.autograd.grad((x * 2).sum(), []))
err(lambda: T.autograd.grad((x * 2).sum(), T.ones(2)))
err(lambda: T.autograd.grad((x * 2).sum(), [x, T.ones(2, requires_grad=True)]))
err(lambda: T.autograd.grad((x * 2).sum(), x, allow_unused=False, materialize_grads=True))
err(lambda: T.autograd.grad(T.ones(2), x))
err(lambda: T.autograd.backward([x.sum(), T.ones(2)]))
err(lambda: T.autograd.backward(x.sum(), grad_tensors=[3]))
err(lambda: T.ones(2).backward())
err(lambda: T.ones(2, dtype=T.long, requires_grad=True))
err(lambda: T.tensor([1, 2], requires_grad=True))
err(lambda: T.ones(2, dtype=T.long).requires_grad_())
err(lambda: T.arange(3).requires_grad_())
err(lambda: T.zeros(2, dtype=T.bool).requires_grad_())
err(lambda: x.add_(1))
err(lambda: x[0].add_(1))
err(lambda: x[:2].mul_(2))
err(lambda: x.__setitem__(0, 1.0))
err(lambda: (x * 2).requires_grad_(False))
err(lambda: x.numpy())
err(lambda: (x * 2).sum().sum().backward(create_graph=False, inputs=[T.ones(3)]))
# in-place changes of saved tensors: the version counter and its message
def version(case):
    a = T.tensor([0.5, 1.5, -2.0], requires_grad=True)
    if case == 0:
        y = a.exp(); z = y * 2; y.add_(1); z.sum().backward()
    elif case == 1:
        y = a * 2; z = y * y; y.mul_(2); z.sum().backward()
    elif case == 2:
        y = a.sigmoid(); y.mul_(2); y.sum().backward()
    elif case == 3:
        y = a.clone(); z = y * y; y.detach().add_(1); z.sum().backward()
    elif case == 4:
        y = a.exp(); z = y[0] * y[1]; y[0].add_(1); z.backward()
    elif case == 5:
        b = T.tensor([1.0, 2.0, 3.0]); y = a * b; b += 1; y.sum().backward()
    elif case == 6:
        y = a.relu(); z = y.view(3).sigmoid(); y.mul_(3); z.sum().backward()
    elif case == 7:
        y = a.clone(); z = y * y; y.clamp_(min=0); z.sum().backward()
    elif case == 8:
        y = a.clone(); z = y * y; y.div_(2, rounding_mode="floor"); z.sum().backward()
    elif case == 9:
        y = a.max(0)[0]; z = y * y; y.detach().add_(1); z.sum().backward()
    elif case == 10:
        y = a.max(); z = y * y; y.detach().add_(1); z.sum().backward()
    elif case == 11:
        y = a.unsqueeze(0) @ a.unsqueeze(1); z = y * y; y.detach().add_(1); z.sum().backward()
    elif case == 12:
        y = a * 1; z = y * 2; y.add_(1); z.sum().backward(); print("fine", a.grad)
    elif case == 13:
        y = a * 1; z = y * 2; y.data.add_(1); z.sum().backward(); print("fine", a.grad)
    elif case == 14:
        b = a.clone(); b[1:].sigmoid_(); b[2].mul_(2); b.sum().backward()
    elif case == 15:
        y = a.exp(); y.sigmoid_(); y.add_(1); y.sum().backward()
for case in range(16):
    err(lambda: version(case))
"""


def test_error_messages_match_torch(torch):
    out = assert_same(ERRORS, torch)
    assert "modified by an inplace operation" in out


# --- in-place ops on views: the base's history is rebased (CopySlices) ----------------------------------------
VIEWS = """
def case(name, f):
    a = T.tensor(np.arange(1.0, 13.0).reshape(3, 4) / 7, requires_grad=True)
    w = T.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
    try:
        out = f(a, w)
        out.backward()
        print(name, a.grad, w.grad)
    except Exception as e:
        print(name, type(e).__name__, e)

def row_mul(a, w):
    b = a.clone(); b[0].mul_(2); print(b.grad_fn, b.grad_fn.name(), b.grad_fn.next_functions)
    return (b * w).sum()
def col_exp(a, w):
    b = a.clone(); v = b[:, 1:]; v.exp_(); print(v.grad_fn); return (b * w).sum()
def view_of_view(a, w):
    b = a.clone(); b.view(12)[2:5].mul_(3); return (b * w).sum()
def transpose_add(a, w):
    b = a.clone(); b.t()[1].add_(w[:, 1]); return (b * w).sum()
def setitem(a, w):
    b = a.clone(); b[:, 0] = w[:, 2] * 2; return (b * w).sum()
def setitem_view(a, w):
    b = a.clone(); b[1][1:3] = w[0, :2]; return (b * b).sum()
def diag_mul(a, w):
    b = a.clone(); b.diagonal().mul_(w[0, :3]); return (b * w).sum()
def stale_view(a, w):
    b = a.clone(); v = b[1]; b.mul_(2); return (v * w[0]).sum()
def stale_view_sibling(a, w):
    b = a.clone(); v = b[0]; b[0].sin_(); return (v * w[0]).sum() + b.sum()
def relu_view(a, w):
    b = a * 2 - 1; b[:2].relu_(); return (b * w).pow(2).sum()
def twice(a, w):
    b = a.clone(); b[1:].tanh_(); b[2].mul_(w[1]); return (b * w).sum()
def zero_view(a, w):
    b = a.clone(); b[:, ::2].zero_(); return (b * w).sum()
def copy_view(a, w):
    b = a.clone(); b[0].copy_(w[2]); return (b * w).sum()
def fill_view(a, w):
    b = a.clone(); b[0].fill_(3.0); return (b * w).sum()
def noncontig_base(a, w):
    b = a.t().exp(); b[0].mul_(2); return (b * w.t()).sum()
def unsqueeze_view(a, w):
    b = a.clone(); b.unsqueeze(0)[0, 1].mul_(w[1]); return (b * w).sum()
def base_without_grad(a, w):
    b = T.zeros(3, 4, dtype=T.float64); b[1].add_(a[0] * w[0]); return (b * 2).sum()
def double_backward(a, w):
    b = a.clone(); b[0].mul_(w[0])
    return T.autograd.grad((b * b).sum(), w, create_graph=True)[0].sum()
def split_view(a, w):
    b = a.clone(); b.split(2)[1].mul_(3); return (b * w).sum()
def unbind_view(a, w):
    b = a.clone(); b.unbind(1)[2].mul_(3); return (b * w).sum()
def leaf_view(a, w):
    a[0].mul_(2)
def custom_view(a, w):
    class Double(T.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            t.mul_(2); ctx.mark_dirty(t); return t
        @staticmethod
        def backward(ctx, g):
            return g * 2
    b = a.clone(); Double.apply(b[1]); return (b * w).sum()
for f in [row_mul, col_exp, view_of_view, transpose_add, setitem, setitem_view, diag_mul,
          stale_view, stale_view_sibling, relu_view, twice, zero_view, copy_view, fill_view,
          noncontig_base, unsqueeze_view, base_without_grad, double_backward, split_view,
          unbind_view, leaf_view, custom_view]:
    case(f.__name__, f)
"""


def test_inplace_on_views_matches_torch(torch):
    assert_same(VIEWS, torch)


# --- custom Function ----------------------------------------------------------------------------------------
FUNCTION = """
F = T.autograd.Function
x = T.tensor([0.5, -1.0, 2.0], requires_grad=True)

class Exp(F):
    @staticmethod
    def forward(ctx, i):
        r = i.exp()
        ctx.save_for_backward(r)
        return r
    @staticmethod
    def backward(ctx, g):
        (r,) = ctx.saved_tensors
        return g * r
y = Exp.apply(x)
print(y, y.grad_fn, y.grad_fn.name(), y.grad_fn.next_functions, y.is_leaf)
y.sum().backward()
print(x.grad)
g, = T.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
print(T.autograd.grad(g.sum(), x))
print(T.autograd.gradcheck(Exp.apply, (x.double().detach().requires_grad_(),)))

class Multi(F):
    @staticmethod
    def forward(ctx, i, n):
        return i * 2, n, i * 3
    @staticmethod
    def backward(ctx, g1, g2, g3):
        print("grads", g1, g2, g3)
        return g1 * 2 + g3 * 3, None
a, n, b = Multi.apply(x, 5)
print(n, a.grad_fn is b.grad_fn, a.output_nr, b.output_nr)
x.grad = None
a.sum().backward()
print(x.grad)

class Sort(F):
    @staticmethod
    def forward(ctx, i):
        v, idx = i.sort()
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        return v, idx
    @staticmethod
    def backward(ctx, gv, gi):
        (idx,) = ctx.saved_tensors
        print("gi", gi)
        out = T.zeros_like(gv)
        out[idx] = gv
        return out
v, idx = Sort.apply(x)
print(v.requires_grad, idx.requires_grad)
x.grad = None
(v * T.tensor([1.0, 2.0, 3.0])).sum().backward()
print(x.grad)

class NoMaterialize(F):
    @staticmethod
    def forward(ctx, i):
        ctx.set_materialize_grads(False)
        return i * 1, i * 2
    @staticmethod
    def backward(ctx, g1, g2):
        print("not materialized", g1, g2)
        return g1
p, q = NoMaterialize.apply(x)
p.sum().backward()

class Needs(F):
    @staticmethod
    def forward(ctx, a, b, c):
        return a + b
    @staticmethod
    def backward(ctx, g):
        print("needs", ctx.needs_input_grad)
        return g, g, None
Needs.apply(x, T.ones(3), "s").sum().backward()
print(Needs.apply(T.ones(3), T.ones(3), 1).requires_grad)
with T.no_grad():
    print(Needs.apply(x, x, 1).requires_grad)

class Dirty(F):
    @staticmethod
    def forward(ctx, i):
        i.mul_(2)
        ctx.mark_dirty(i)
        return i
    @staticmethod
    def backward(ctx, g):
        return g * 2
c = x.clone()
o = Dirty.apply(c)
print(o is c, c.grad_fn, c._version if isinstance(c._version, int) else c._version[0])
err(lambda: Dirty.apply(x))

class Ident(F):
    @staticmethod
    def forward(ctx, i):
        return i
    @staticmethod
    def backward(ctx, g):
        return g
o = Ident.apply(x)
print(o is x, o.grad_fn, o._base is x, o.is_leaf)

class Setup(F):
    @staticmethod
    def forward(i, k=3.0):
        return i * k
    @staticmethod
    def setup_context(ctx, inputs, output):
        i, k = inputs
        ctx.k = k
        ctx.save_for_backward(output)
    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        print("saved output", out.grad_fn, out.requires_grad)
        return g * ctx.k, None
x.grad = None
Setup.apply(x).sum().backward()
Setup.apply(x, k=2.0).sum().backward()
print(x.grad)

class Once(F):
    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return i ** 2
    @staticmethod
    @T.autograd.function.once_differentiable
    def backward(ctx, g):
        (i,) = ctx.saved_tensors
        return 2 * i * g
g, = T.autograd.grad(Once.apply(x).sum(), x, create_graph=True)
print(g, g.requires_grad)
err(lambda: g.sum().backward())
print(T.autograd.grad(Once.apply(x).sum(), x))

def bad(case):
    class B(F):
        @staticmethod
        def forward(ctx, a, k):
            if case == 3:
                ctx.save_for_backward(3)
            return a.sum() if case in (1, 2) else a * k
        @staticmethod
        def backward(ctx, g):
            if case == 0:
                return g
            if case == 1:
                return T.ones(2), None
            if case == 2:
                return g.expand(2, 3), None
            return g, g
    B.apply(x, 2.0).sum().backward()
    print(x.grad)
for case in range(5):
    err(lambda: bad(case))

class Saved(F):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * 2
    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * 2
c = x.clone()
y = Saved.apply(c)
c.add_(1)
err(lambda: y.sum().backward())
y = Saved.apply(x)
y.sum().backward()
err(lambda: y.sum().backward())
y = Saved.apply(x)
print(y.grad_fn.saved_tensors, y.grad_fn.needs_input_grad)
err(lambda: Exp()(x))
"""


def test_custom_function_matches_torch(torch):
    assert_same(FUNCTION, torch)


# --- double backward ------------------------------------------------------------------------------------------
DOUBLE = """
rng = np.random.default_rng(0)
def t(*shape):
    return T.tensor(rng.standard_normal(shape), dtype=T.float64, requires_grad=True)
# Hessian-vector product of a small network's loss
w1, w2, x = t(4, 3), t(2, 4), t(5, 3)
h = T.tanh(x @ w1.t())
loss = (h @ w2.t()).log_softmax(1)[:, 0].mean() + (w1 ** 2).sum() * 0.1
g1, g2 = T.autograd.grad(loss, (w1, w2), create_graph=True)
gv = (g1 * T.ones_like(w1)).sum() + (g2 * 0.5).sum()
print(T.autograd.grad(gv, (w1, w2)))
# gradient penalty (WGAN-GP style)
xi = t(4, 3)
d = T.sigmoid(xi @ w1.t()).relu().sum(1)
gx, = T.autograd.grad(d.sum(), xi, create_graph=True)
penalty = ((gx.norm(2, dim=1) - 1) ** 2).mean()
penalty.backward()
print(w1.grad, xi.grad)
# third order
z = t(3)
g, = T.autograd.grad((z ** 3).sum(), z, create_graph=True)
gg, = T.autograd.grad(g.sum(), z, create_graph=True)
print(g, gg, T.autograd.grad(gg.sum(), z))
# .grad with history after backward(create_graph=True)
a = t(3)
(a.exp() * a).sum().backward(create_graph=True)
g = a.grad
a.grad = None
g.sum().backward()
print(a.grad)
# Hessians through the common ops
for name, f in {
    "mul_div": lambda u: (u * u / (u * u + 1)).sum(),
    "pow": lambda u: (u.abs() ** 2.5).sum(),
    "exp_log": lambda u: (u.exp() + (u * u + 1).log()).sum(),
    "tanh_sigmoid": lambda u: (u.tanh() * u.sigmoid()).sum(),
    "softmax": lambda u: (u.softmax(0) * T.arange(3.0)).sum(),
    "log_softmax": lambda u: u.log_softmax(0)[0] * u.sum(),
    "matmul": lambda u: (u.view(3, 1) @ u.view(1, 3)).tanh().sum(),
    "sum_mean": lambda u: u.sum() ** 2 + (u * u).mean() ** 2,
    "relu": lambda u: (u.relu() ** 2).sum(),
    "views": lambda u: u.view(3, 1).expand(3, 2).permute(1, 0).reshape(6).mean() ** 2,
    "index": lambda u: (u[[0, 2, 2]] ** 3).sum() + (u[1:] ** 2).sum(),
    "max": lambda u: u.max() ** 2 + u.min(0)[0] ** 3,
    "std": lambda u: u.std() * u.sum(),
}.items():
    u = T.tensor([0.3, -1.2, 0.8], dtype=T.float64, requires_grad=True)
    g, = T.autograd.grad(f(u), u, create_graph=True)
    H = T.stack([T.autograd.grad(g[i], u, retain_graph=True)[0] for i in range(3)])
    print(name, H)
"""


def test_double_backward_matches_torch(torch):
    assert_same(DOUBLE, torch)


# --- anomaly mode -------------------------------------------------------------------------------------------
ANOMALY = """
x = T.tensor([0.0, 1.0], requires_grad=True)
with T.autograd.detect_anomaly():
    err(lambda: (x / x).sum().backward())
print(T.is_anomaly_enabled() if hasattr(T, "is_anomaly_enabled") else False)
with T.autograd.set_detect_anomaly(True):
    err(lambda: (x.sqrt() * 0).sum().backward())
(x / x).sum().backward()
print(x.grad)
"""


def test_anomaly_mode_matches_torch(torch):
    assert_same(ANOMALY, torch)


# --- every op's gradient against torch's, float32 and float64 --------------------------------------------------
def _in_framework(fn, T, F):
    """The same table entry run with ``T`` (numtorch or torch) as its ``torch`` module."""
    if isinstance(fn, types.FunctionType) and fn.__name__ == "<lambda>":
        env = dict(fn.__globals__, torch=T, F=F)
        env["_MASK"] = T.tensor([[True, False, True], [False, False, True]])
        env["_index"] = lambda *v: T.tensor(v, dtype=T.int64)
        return types.FunctionType(fn.__code__, env, fn.__name__, fn.__defaults__, fn.__closure__)
    in_functional = getattr(numtorch.nn.functional, fn.__name__, None) is fn
    return getattr(F if in_functional else T, fn.__name__)


def _gradcheck_table():
    import test_gradcheck  # the op table of tests/test_gradcheck.py, run here in both frameworks

    return test_gradcheck


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(_gradcheck_table().OPS))
def test_op_gradients_match_torch(torch, name, dtype):
    table = _gradcheck_table()
    fn, specs = table.OPS[name]
    ours_in = table.make_inputs(specs)
    theirs_in = tuple(
        torch.tensor(np.array(t._data), requires_grad=t.requires_grad)
        if isinstance(t, numtorch.Tensor)
        else t
        for t in ours_in
    )
    ours_in = tuple(
        t.detach().to(getattr(numtorch, dtype)).requires_grad_(t.requires_grad)
        if isinstance(t, numtorch.Tensor)
        else t
        for t in ours_in
    )
    theirs_in = tuple(
        t.detach().to(getattr(torch, dtype)).requires_grad_(t.requires_grad)
        if isinstance(t, torch.Tensor)
        else t
        for t in theirs_in
    )
    ours_fn = _in_framework(fn, numtorch, numtorch.nn.functional)
    theirs_fn = _in_framework(fn, torch, torch.nn.functional)
    results = []
    for T, fn_, inputs in ((numtorch, ours_fn, ours_in), (torch, theirs_fn, theirs_in)):
        out = fn_(*inputs)
        outs = [o for o in (out if isinstance(out, tuple) else (out,)) if o.requires_grad]
        # an upstream gradient that is not all ones: a wrong scale or swapped operand shows
        loss = sum(((o + 1).square().mean() for o in outs), T.zeros((), dtype=outs[0].dtype))
        diff = [t for t in inputs if isinstance(t, T.Tensor) and t.requires_grad]
        grads = T.autograd.grad(loss, diff, allow_unused=True)
        results.append(
            (
                [np.array(o.detach().numpy(), dtype=np.float64) for o in outs],
                [None if g is None else np.array(g.numpy(), dtype=np.float64) for g in grads],
            )
        )
    (ours_out, ours_grads), (theirs_out, theirs_grads) = results
    rtol, atol = (1e-10, 1e-12) if dtype == "float64" else (1e-4, 1e-5)
    for a, b in zip(ours_out, theirs_out):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    for a, b in zip(ours_grads, theirs_grads):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# --- graphs are freed ---------------------------------------------------------------------------------------
def test_graph_memory_stays_flat_over_10000_steps():
    """Each step builds and backwards a small graph (a saved output, a view, a retained grad).
    With the cycle collector off, the number of live allocations must not grow: the graph is
    freed by reference counting alone (no Tensor <-> Node cycles). A leak of one object per step
    would show as 10,000 blocks; the bound allows for caches, not for a leak."""
    w = numtorch.randn(4, 3, requires_grad=True)
    x = numtorch.randn(2, 3)

    def step():
        h = (x @ w.t()).tanh()
        h.retain_grad()
        loss = h[:, 1:].exp().sum() + h.sum()
        loss.backward()
        w.grad = None

    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(500):  # warm up (allocator pools and caches settle, once)
            step()
        before = sys.getallocatedblocks()
        for _ in range(10_000):
            step()
        growth = sys.getallocatedblocks() - before
        assert growth < 500, f"{growth} more live allocations after 10,000 steps"
        assert gc.collect() == 0, "the graph left reference cycles behind"
    finally:
        if was_enabled:
            gc.enable()


def test_saved_tensors_freed_after_backward():
    import weakref

    x = numtorch.randn(3, requires_grad=True)
    y = x.exp()  # saves its output
    z = y.sin()  # saves its input y
    ref = weakref.ref(z.grad_fn)
    saved = z.grad_fn._saved
    assert saved and saved[0] is y
    z.sum().backward()
    assert z.grad_fn._saved is None and y.grad_fn._saved_output is None
    del z
    assert ref() is None  # nothing but the output kept the node alive


# --- torch.autograd.functional ----------------------------------------------------------------------------
FUNCTIONAL = """
AF = T.autograd.functional
def f(x, y):
    return (x * y.sum()).exp(), x.sum() * y
def g(x):
    return (x ** 3).sum() + x.prod()
def h(x, y):
    return (x.sin() * y).sum()
x = T.tensor([0.3, -0.5, 0.8], dtype=T.float64)
y = T.tensor([1.5, 0.2], dtype=T.float64)
v = T.tensor([1.0, 0.0, 2.0], dtype=T.float64)
print(AF.jacobian(f, (x, y)))
print(AF.jacobian(lambda a: a.exp(), x))
print(AF.jacobian(lambda a, b: a * 2, (x, y)))
print(AF.hessian(g, x))
print(AF.hessian(h, (x, T.tensor([0.1, 0.2, 0.3], dtype=T.float64))))
print(AF.vjp(lambda a: a.exp() * 2, x, T.ones(3, dtype=T.float64)))
print(AF.jvp(lambda a: a.exp() * 2, x, v))
print(AF.vhp(g, x, v))
print(AF.hvp(g, x, v))
print(AF.vjp(g, x))
err(lambda: AF.jacobian(lambda a, b: a * 2, (x, y), strict=True))
err(lambda: AF.vjp(lambda a: a * 2, x))
err(lambda: AF.hessian(lambda a: a * 2, x))
print(AF.jacobian(lambda a: a.exp(), x.requires_grad_(), create_graph=True).requires_grad)
"""


def test_autograd_functional_matches_torch(torch):
    assert_same(FUNCTIONAL, torch)


def test_deep_graph_backward_is_iterative():
    """A 20,000-op chain: the walk (and freeing the graph) never hits Python's recursion limit."""
    x = numtorch.ones(2, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(2, 1.0001**20_000), rtol=1e-3)
    del y
