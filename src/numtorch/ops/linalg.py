"""Matrix products: ``matmul mm bmm mv dot outer addmm baddbmm einsum``, on BLAS via NumPy."""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.graph import Node
from ._base import finish, write_out

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv",
           "baddbmm", "addbmm", "einsum", "tensordot", "kron", "cross"]  # fmt: skip


def _same_dtype(a: Tensor, b: Tensor, name: str):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype}".replace(
                "torch.", ""
            )
            if name in ("mm", "addmm", "linear")
            else f"expected scalar type {a.dtype._legacy} but found {b.dtype._legacy}"
        )


def _shape_str(shape) -> str:
    return "x".join(str(s) for s in shape)


def _check_tensor(x, name, pos, argname):
    if not isinstance(x, Tensor):
        raise TypeError(
            f"{name}(): argument '{argname}' (position {pos}) must be Tensor, not {type(x).__name__}"
        )


# --- mm ---------------------------------------------------------------------------------------------------
class MmBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        ga = grad.mm(b.mH) if self.next_functions[0][0] is not None else None
        gb = a.mH.mm(grad) if self.next_functions[1][0] is not None else None
        return ga, gb


def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """``torch.mm``: (n×m) @ (m×p)."""
    _check_tensor(input, "mm", 1, "input")
    _check_tensor(mat2, "mm", 2, "mat2")
    x, y = input._data, mat2._data
    if x.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if y.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if x.shape[1] != y.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(x.shape)} and {_shape_str(y.shape)})"
        )
    if x.dtype != y.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {input.dtype.name} != {mat2.dtype.name}".replace(
                "float32", "float"
            )
            .replace("float64", "double")
            .replace("int64", "long int")
        )
    res = finish(MmBackward0, x @ y, (input, mat2), save=(input, mat2))
    return write_out(res, out, "mm") if out is not None else res


# --- matmul -------------------------------------------------------------------------------------------------
class MatmulBackward0(Node):
    """General matmul (batched / broadcast / vector cases); the engine sums broadcast dims."""

    def backward(self, grad):
        a, b = self.saved_tensors
        ga = gb = None
        a_vec, b_vec = a.ndim == 1, b.ndim == 1
        A = a.unsqueeze(0) if a_vec else a
        B = b.unsqueeze(-1) if b_vec else b
        G = grad
        if a_vec:
            G = G.unsqueeze(-2)
        if b_vec:
            G = G.unsqueeze(-1)
        if self.next_functions[0][0] is not None:
            ga = G.matmul(B.mT.conj() if B.is_complex() else B.mT)
            if a_vec:
                ga = ga.squeeze(-2)
                if ga.ndim > 1:
                    ga = ga.reshape(-1, a.shape[0]).sum(0)
        if self.next_functions[1][0] is not None:
            gb = (A.mT.conj() if A.is_complex() else A.mT).matmul(G)
            if b_vec:
                gb = gb.squeeze(-1)
                if gb.ndim > 1:
                    gb = gb.reshape(-1, b.shape[0]).sum(0)
        return ga, gb


MmBackward0.__module__ = __name__


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``torch.matmul`` with NumPy's (= PyTorch's) broadcasting rules; 2-D @ 2-D records ``MmBackward0``."""
    _check_tensor(input, "matmul", 1, "input")
    _check_tensor(other, "matmul", 2, "other")
    x, y = input._data, other._data
    if x.ndim == 2 and y.ndim == 2:
        return mm(input, other, out=out)
    if x.ndim == 0 or y.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {x.ndim}D and {y.ndim}D"
        )
    if x.dtype != y.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {input.dtype.name} != {other.dtype.name}".replace(
                "float32", "float"
            ).replace("float64", "double")
        )
    if x.ndim == 1 and y.ndim == 1:
        return dot(input, other, out=out)
    k_x = x.shape[-1]
    k_y = y.shape[-2] if y.ndim > 1 else y.shape[0]
    if k_x != k_y:
        if x.ndim == 1 or y.ndim == 1:
            if y.ndim == 1:
                raise RuntimeError(
                    f"size mismatch, got input ({x.shape[0] if x.ndim == 2 else _shape_str(x.shape)}), mat ({_shape_str(x.shape)}), vec ({y.shape[0]})"
                )
        a_shape = x.shape if x.ndim > 1 else (1,) + x.shape
        b_shape = y.shape if y.ndim > 1 else y.shape + (1,)
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_shape_str((int(np.prod(a_shape[:-1])), a_shape[-1]))} and {_shape_str(b_shape[-2:])})"
            if y.ndim <= 2
            else f"Expected size for first two dimensions of batch2 tensor to be: [{y.shape[0]}, {k_x}] but got: [{y.shape[0]}, {k_y}]."
        )
    try:
        r = np.matmul(x, y)
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({x.shape[-3] if x.ndim > 2 else 1}) must match the size of tensor b ({y.shape[-3] if y.ndim > 2 else 1}) at non-singleton dimension 0"
        ) from None
    if x.ndim == 2 and y.ndim == 1 or x.ndim == 1 and y.ndim == 2:
        node = MvBackward0 if x.ndim == 2 else MatmulBackward0
        res = finish(node, r, (input, other), save=(input, other))
    else:
        res = finish(
            MatmulBackward0 if not (x.ndim == 3 and y.ndim == 3) else BmmBackward0,
            r,
            (input, other),
            save=(input, other),
        )
    return write_out(res, out, "matmul") if out is not None else res


MvBackward0 = type("MvBackward0", (MatmulBackward0,), {"__module__": __name__})
BmmBackward0 = type("BmmBackward0", (MatmulBackward0,), {"__module__": __name__})


def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """``torch.bmm``: batched (b×n×m) @ (b×m×p), no broadcasting."""
    x, y = input._data, mat2._data
    if x.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if y.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if x.shape[0] != y.shape[0] or x.shape[2] != y.shape[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{x.shape[0]}, {x.shape[2]}] but got: [{y.shape[0]}, {y.shape[1]}]."
        )
    return matmul(input, mat2, out=out)


def mv(input: Tensor, vec: Tensor, *, out=None) -> Tensor:
    """``torch.mv``: matrix @ vector."""
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input._data.shape[1] != vec._data.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({input.shape[0]}), mat ({_shape_str(input.shape)}), vec ({vec.shape[0]})"
        )
    return matmul(input, vec, out=out)


class DotBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        return grad * b.conj(), grad * a.conj()


def dot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``torch.dot``: 1-D inner product (same dtype, same length)."""
    x, y = input._data, other._data
    if x.ndim != 1 or y.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {x.ndim}D and {y.ndim}D tensors")
    if x.dtype != y.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found {input.dtype._legacy} and {other.dtype._legacy}"
        )
    if x.shape[0] != y.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{x.shape[0]}] and src [{y.shape[0]}] to have the same number of elements, but got {x.shape[0]} and {y.shape[0]} elements respectively"
        )
    res = finish(DotBackward0, np.asarray(np.dot(x, y)), (input, other), save=(input, other))
    return write_out(res, out, "dot") if out is not None else res


def vdot(input: Tensor, other: Tensor) -> Tensor:
    return dot(input.conj(), other)


def inner(input: Tensor, other: Tensor) -> Tensor:
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    return (
        matmul(input, other.movedim(-1, 0) if other.ndim > 1 else other)
        if other.ndim <= 2
        else tensordot(input, other, ([-1], [-1]))
    )


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """``torch.outer``: the outer product of two 1-D tensors."""
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer


class AddmmBackward0(Node):
    def backward(self, grad):
        bias, a, b = self.saved_tensors
        gbias = grad * self.beta if self.next_functions[0][0] is not None else None
        ga = grad.mm(b.mT) * self.alpha if self.next_functions[1][0] is not None else None
        gb = a.mT.mm(grad) * self.alpha if self.next_functions[2][0] is not None else None
        if self.alpha == 1:
            ga = grad.mm(b.mT) if ga is not None else None
            gb = a.mT.mm(grad) if gb is not None else None
        return gbias, ga, gb


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``torch.addmm``: beta * input + alpha * (mat1 @ mat2)."""
    x, y = mat1._data, mat2._data
    if x.ndim != 2 or y.ndim != 2:
        raise RuntimeError(
            f"{'mat1' if x.ndim != 2 else 'mat2'} must be a matrix, got {x.ndim if x.ndim != 2 else y.ndim}-D tensor"
        )
    if x.shape[1] != y.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(x.shape)} and {_shape_str(y.shape)})"
        )
    r = x @ y
    if alpha != 1:
        r *= alpha
    bias = input._data
    if beta == 0:
        pass
    elif beta != 1:
        r += beta * bias
    else:
        r += bias
    res = finish(
        AddmmBackward0, r, (input, mat1, mat2), save=(input, mat1, mat2), alpha=alpha, beta=beta
    )
    return write_out(res, out, "addmm") if out is not None else res


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    return (
        input * beta + mv(mat, vec) * alpha if (alpha != 1 or beta != 1) else input + mv(mat, vec)
    )


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    prod = bmm(batch1, batch2)
    return (input * beta if beta != 1 else input) + (prod * alpha if alpha != 1 else prod)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    prod = bmm(batch1, batch2).sum(0)
    return (input * beta if beta != 1 else input) + (prod * alpha if alpha != 1 else prod)


# --- einsum / tensordot --------------------------------------------------------------------------------------
class EinsumBackward0(Node):
    """Each operand's gradient is another einsum: grad contracted with the other operands."""

    def backward(self, grad):
        operands = self.saved_tensors
        ins, out = self.subscripts
        grads = []
        for i, (fn, _) in enumerate(self.next_functions):
            if fn is None:
                grads.append(None)
                continue
            other_subs = [s for j, s in enumerate(ins) if j != i]
            others = [o for j, o in enumerate(operands) if j != i]
            target = ins[i]
            unique = "".join(dict.fromkeys(target))
            present = set(out) | set("".join(other_subs))
            kept = "".join(c for c in unique if c in present)
            g = einsum(",".join([out] + other_subs) + "->" + kept, grad, *others)
            grads.append(_einsum_grad_to_operand(g, target, unique, kept, operands[i].shape))
        return tuple(grads)


def _einsum_grad_to_operand(g: Tensor, target: str, unique: str, kept: str, shape) -> Tensor:
    """Broadcast ``g`` (subscripts ``kept``) back over letters summed away in the forward, and
    onto the diagonal where ``target`` repeats a letter (e.g. the ``ii`` of a trace)."""
    size = {c: shape[target.index(c)] for c in unique}
    g = g.reshape([size[c] if c in kept else 1 for c in unique]).expand(*[size[c] for c in unique])
    if unique == target:
        return g
    from ._base import wrap

    arr = np.zeros(tuple(shape), dtype=g._data.dtype)
    grid = np.indices([size[c] for c in unique])
    arr[tuple(grid[unique.index(c)] for c in target)] = g._data
    return wrap(arr)


def _parse_einsum(equation: str, operands):
    eq = equation.replace(" ", "")
    if "->" in eq:
        ins, out = eq.split("->")
    else:
        ins = eq
        letters = [c for c in ins.replace(",", "") if c.isalpha()]
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    ins = ins.split(",")
    if len(ins) != len(operands):
        raise RuntimeError(
            "einsum(): more operands were provided than specified in the equation"
            if len(operands) > len(ins)
            else "einsum(): fewer operands were provided than specified in the equation"
        )
    if "..." in eq:
        # expand the ellipsis into explicit letters so backward can reuse the subscripts
        free = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in eq]
        n_ell = max(op.ndim - (len(s) - 3) for s, op in zip(ins, operands) if "..." in s)
        ell = "".join(free[:n_ell])
        new_ins = []
        for s, op in zip(ins, operands):
            if "..." in s:
                k = op.ndim - (len(s) - 3)
                s = s.replace("...", ell[n_ell - k :])
            new_ins.append(s)
        ins = new_ins
        out = out.replace("...", ell) if "..." in out else (ell + out if "->" not in eq else out)
    return ins, out


def einsum(equation: str, *operands) -> Tensor:
    """``torch.einsum``: Einstein summation (operands as varargs or one list), differentiable."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ins, out = _parse_einsum(equation, operands)
    d = _dtype.result_dtype([o.dtype for o in operands], [], [])
    arrays = [o._data.astype(d.np, copy=False) for o in operands]
    r = np.einsum(",".join(ins) + "->" + out, *arrays, optimize=len(arrays) > 2)
    return finish(
        EinsumBackward0, np.asarray(r, dtype=d.np), operands, save=operands, subscripts=(ins, out)
    )


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """``torch.tensordot`` via einsum."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    if isinstance(dims, int):
        da = list(range(a.ndim - dims, a.ndim))
        db = list(range(dims))
    else:
        da, db = [list(x) if isinstance(x, (list, tuple)) else [x] for x in dims]
        da = [d % a.ndim for d in da]
        db = [d % b.ndim for d in db]
    sa = list(letters[: a.ndim])
    sb = list(letters[a.ndim : a.ndim + b.ndim])
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in da] + [
        c for j, c in enumerate(sb) if j not in db
    ]
    return einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)


def kron(input: Tensor, other: Tensor) -> Tensor:
    a, b = input, other
    r = einsum(
        "ij,kl->ikjl",
        a.reshape(a.shape[0], -1) if a.ndim == 2 else a.reshape(-1, 1) if a.ndim == 1 else a,
        b.reshape(b.shape[0], -1) if b.ndim == 2 else b.reshape(-1, 1) if b.ndim == 1 else b,
    )
    if a.ndim == 1 and b.ndim == 1:
        return r.reshape(-1)
    return r.reshape(a.shape[0] * b.shape[0], -1)


def cross(input: Tensor, other: Tensor, dim=None) -> Tensor:
    if dim is None:
        dim = next(i for i, s in enumerate(input.shape) if s == 3)
    a0, a1, a2 = input.unbind(dim)
    b0, b1, b2 = other.unbind(dim)
    from .shape import stack

    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim)


for _name in __all__:
    setattr(Tensor, _name, globals()[_name])
Tensor.__matmul__ = lambda self, other: matmul(self, other)
Tensor.__rmatmul__ = lambda self, other: matmul(other, self)
Tensor.addmm_ = lambda self, mat1, mat2, *, beta=1, alpha=1: self.copy_(
    addmm(self, mat1, mat2, beta=beta, alpha=alpha)
)
