"""Matrix products: ``matmul mm bmm mv dot outer addmm baddbmm einsum``, on BLAS via NumPy.

Shape and dtype checks raise PyTorch's messages, which depend on the path PyTorch's ``matmul``
takes (dot, mv, mm, a folded mm, or a broadcast bmm); the recorded node is named after that path
too (``MmBackward0``, ``UnsafeViewBackward0``...). Half-precision products accumulate in float32.
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.graph import Node
from ._base import check_broadcast, cpp_type_name, finish, inplace, write_out

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv",
           "baddbmm", "addbmm", "einsum", "tensordot", "kron", "cross"]  # fmt: skip


def _shape_str(shape) -> str:
    return "x".join(str(s) for s in shape)


def _check_tensor(x, name, pos, argname):
    if not isinstance(x, Tensor):
        raise TypeError(
            f"{name}(): argument '{argname}' (position {pos}) must be Tensor, not {type(x).__name__}"
        )


def _product(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x @ y; float16/bfloat16 accumulate in float32 and round once, as PyTorch's CPU kernels."""
    if x.dtype.itemsize == 2 and x.dtype.kind in "fV":
        return np.matmul(x.astype(np.float32), y.astype(np.float32)).astype(x.dtype)
    return np.matmul(x, y)


def _mm_dtype_error(a: Tensor, b: Tensor) -> RuntimeError:
    return RuntimeError(
        "expected m1 and m2 to have the same dtype, but got: "
        f"{cpp_type_name(a.dtype)} != {cpp_type_name(b.dtype)}"
    )


def _bmm_dtype_error(a: Tensor, b: Tensor) -> RuntimeError:
    return RuntimeError(f"expected scalar type {a.dtype._legacy} but found {b.dtype._legacy}")


def _mv_dtype_error(mat: Tensor, vec: Tensor) -> RuntimeError:
    v, m = vec.dtype._legacy, mat.dtype._legacy
    return RuntimeError(f"addmv input tensors must have the same dtype, but got {v}, {m}, and {v}")


def _mm_shape_error(a_shape, b_shape) -> RuntimeError:
    return RuntimeError(
        f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(a_shape)} and {_shape_str(b_shape)})"
    )


def _mv_shape_error(mat_shape, n: int) -> RuntimeError:
    return RuntimeError(
        f"size mismatch, got input ({mat_shape[0]}), mat ({_shape_str(mat_shape)}), vec ({n})"
    )


def _dot_checks(a: Tensor, b: Tensor) -> None:
    x, y = a._data, b._data
    if x.ndim != 1 or y.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {x.ndim}D and {y.ndim}D tensors")
    if x.dtype != y.dtype:
        raise RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{a.dtype._legacy} and {b.dtype._legacy}"
        )
    if x.shape[0] != y.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{x.shape[0]}] and src [{y.shape[0]}] to have "
            f"the same number of elements, but got {x.shape[0]} and {y.shape[0]} elements respectively"
        )


def _mv_checks(mat: Tensor, vec: Tensor) -> None:
    if mat._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got 1, {mat._data.ndim}, {vec._data.ndim}"
        )
    if mat._data.dtype != vec._data.dtype:
        raise _mv_dtype_error(mat, vec)
    if mat._data.shape[1] != vec._data.shape[0]:
        raise _mv_shape_error(mat._data.shape, vec._data.shape[0])


def _mm_checks(a: Tensor, b: Tensor) -> None:
    x, y = a._data, b._data
    if x.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if y.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if x.shape[1] != y.shape[0]:
        raise _mm_shape_error(x.shape, y.shape)
    if x.dtype != y.dtype:
        raise _mm_dtype_error(a, b)


def _bmm_checks(a: Tensor, b: Tensor) -> None:
    x, y = a._data, b._data
    if x.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if y.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if x.shape[0] != y.shape[0] or x.shape[2] != y.shape[1]:
        raise RuntimeError(
            "Expected size for first two dimensions of batch2 tensor to be: "
            f"[{x.shape[0]}, {x.shape[2]}] but got: [{y.shape[0]}, {y.shape[1]}]."
        )
    if x.dtype != y.dtype:
        raise _bmm_dtype_error(a, b)


# --- mm / bmm / mv / dot ------------------------------------------------------------------------------------
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
    _mm_checks(input, mat2)
    res = finish(MmBackward0, _product(input._data, mat2._data), (input, mat2), save=(input, mat2))
    return write_out(res, out, "mm") if out is not None else res


class MatmulBackward0(Node):
    """Any matmul (batched / broadcast / vector cases); the engine sums broadcast batch dims."""

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
            ga = G.matmul(B.mH)
            if a_vec:
                ga = ga.squeeze(-2)
                if ga.ndim > 1:
                    ga = ga.reshape(-1, a.shape[0]).sum(0)
        if self.next_functions[1][0] is not None:
            gb = A.mH.matmul(G)
            if b_vec:
                gb = gb.squeeze(-1)
                if gb.ndim > 1:
                    gb = gb.reshape(-1, b.shape[0]).sum(0)
        return ga, gb


def _node(name: str):
    return type(name, (MatmulBackward0,), {"__module__": __name__})


# The node PyTorch's matmul ends with on each path (see the module docstring).
MvBackward0 = _node("MvBackward0")
SqueezeBackward4 = _node("SqueezeBackward4")
UnsafeViewBackward0 = _node("UnsafeViewBackward0")
CloneBackward0 = _node("CloneBackward0")
BmmBackward0 = _node("BmmBackward0")


def _matmul_checks(input: Tensor, other: Tensor) -> None:
    """PyTorch's errors for ``matmul``, in the wording of the path it would take."""
    x, y = input._data, other._data
    d1, d2 = x.ndim, y.ndim
    if d1 == 0 or d2 == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {d1}D and {d2}D"
        )
    if d1 == 1 and d2 == 1:
        return _dot_checks(input, other)
    if d1 == 2 and d2 == 1:
        return _mv_checks(input, other)
    if d2 <= 2:  # (1|2|>=3)-D @ matrix, or a folded >=3-D @ vector: mm / mv on the folded input
        rows = math.prod(x.shape[:-1]) if d1 >= 2 else 1
        if d2 == 1:
            if x.dtype != y.dtype:
                raise _mv_dtype_error(input, other)
            if x.shape[-1] != y.shape[0]:
                raise _mv_shape_error((rows, x.shape[-1]), y.shape[0])
            return None
        if x.shape[-1] != y.shape[0]:
            raise _mm_shape_error((rows, x.shape[-1]), y.shape)
        if x.dtype != y.dtype:
            raise _mm_dtype_error(input, other)
        return None
    # the broadcast bmm path
    batch1 = x.shape[:-2] if d1 > 2 else ()
    batch2 = y.shape[:-2]
    check_broadcast(batch1, batch2)
    batch = math.prod(np.broadcast_shapes(batch1, batch2))
    if x.shape[-1] != y.shape[-2]:
        raise RuntimeError(
            "Expected size for first two dimensions of batch2 tensor to be: "
            f"[{batch}, {x.shape[-1]}] but got: [{batch}, {y.shape[-2]}]."
        )
    if x.dtype != y.dtype:
        raise _bmm_dtype_error(input, other)
    return None


def _matmul_node(d1: int, d2: int):
    if d1 == 2 and d2 == 1:
        return MvBackward0
    if d1 == 1 and d2 == 2:
        return SqueezeBackward4
    if d2 >= 3 and d1 == 2:
        return CloneBackward0  # folded through the transposes, then made contiguous
    return UnsafeViewBackward0


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``torch.matmul`` with NumPy's (= PyTorch's) broadcasting rules."""
    _check_tensor(input, "matmul", 1, "input")
    _check_tensor(other, "matmul", 2, "other")
    x, y = input._data, other._data
    if x.ndim == 2 and y.ndim == 2:
        return mm(input, other, out=out)
    if x.ndim == 1 and y.ndim == 1:
        return dot(input, other, out=out)
    _matmul_checks(input, other)
    node = _matmul_node(x.ndim, y.ndim)
    res = finish(node, _product(x, y), (input, other), save=(input, other))
    return write_out(res, out, "matmul") if out is not None else res


def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """``torch.bmm``: batched (b×n×m) @ (b×m×p), no broadcasting."""
    _bmm_checks(input, mat2)
    res = finish(BmmBackward0, _product(input._data, mat2._data), (input, mat2), save=(input, mat2))
    return write_out(res, out, "bmm") if out is not None else res


def mv(input: Tensor, vec: Tensor, *, out=None) -> Tensor:
    """``torch.mv``: matrix @ vector."""
    _mv_checks(input, vec)
    res = finish(MvBackward0, _product(input._data, vec._data), (input, vec), save=(input, vec))
    return write_out(res, out, "mv") if out is not None else res


class DotBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        return grad * b.conj(), grad * a.conj()


def dot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``torch.dot``: 1-D inner product (same dtype, same length)."""
    _dot_checks(input, other)
    r = np.asarray(_product(input._data, other._data))
    res = finish(DotBackward0, r, (input, other), save=(input, other))
    return write_out(res, out, "dot") if out is not None else res


class VdotBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        return grad.conj() * b, grad * a


def vdot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``torch.vdot``: dot with the first argument conjugated."""
    _dot_checks(input, other)
    r = np.asarray(np.vdot(input._data, other._data)).astype(input._data.dtype, copy=False)
    res = finish(VdotBackward0, r, (input, other), save=(input, other))
    return write_out(res, out, "vdot") if out is not None else res


def inner(input: Tensor, other: Tensor) -> Tensor:
    """``torch.inner``: contraction over the last dims."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    return tensordot(input, other, ([-1], [-1]))


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """``torch.outer``: the outer product of two 1-D tensors (recorded as ``MulBackward0``)."""
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return input.reshape(-1, 1) * vec2


ger = outer


# --- addmm family ----------------------------------------------------------------------------------------
def _scaled(t: Tensor | None, factor):
    if t is None:
        return None
    return t if factor == 1 else t * factor


class AddmmBackward0(Node):
    def backward(self, grad):
        _, a, b = self.saved_tensors
        need = [fn is not None for fn, _ in self.next_functions]
        g_bias = _scaled(grad, self.beta) if need[0] else None
        ga = _scaled(grad.mm(b.mH), self.alpha) if need[1] else None
        gb = _scaled(a.mH.mm(grad), self.alpha) if need[2] else None
        return g_bias, ga, gb


def _add_scaled(product: np.ndarray, bias: np.ndarray, beta, alpha) -> np.ndarray:
    """beta * bias + alpha * product; beta == 0 ignores ``bias`` (NaN in it does not propagate)."""
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return np.broadcast_to(product, np.broadcast_shapes(product.shape, bias.shape)).copy()
    return product + (bias * beta if beta != 1 else bias)


def _expand_error(bias_shape, target) -> RuntimeError:
    for i in range(1, len(bias_shape) + 1):
        if bias_shape[-i] not in (1, target[-i]):
            dim = len(target) - i
            return RuntimeError(
                f"The expanded size of the tensor ({target[-i]}) must match the existing size "
                f"({bias_shape[-i]}) at non-singleton dimension {dim}.  Target sizes: "
                f"[{', '.join(map(str, target))}].  Tensor sizes: [{', '.join(map(str, bias_shape))}]"
            )
    return RuntimeError("expand: bad shape")


def _check_bias(bias: Tensor, target: tuple) -> None:
    shape = bias._data.shape
    if len(shape) > len(target) or any(s not in (1, t) for s, t in zip(shape[::-1], target[::-1])):
        raise _expand_error(shape, target)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``torch.addmm``: beta * input + alpha * (mat1 @ mat2)."""
    x, y = mat1._data, mat2._data
    for name, t in (("mat1", x), ("mat2", y)):
        if t.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {t.ndim}-D tensor")
    if x.shape[1] != y.shape[0]:
        raise _mm_shape_error(x.shape, y.shape)
    for t in (mat1, input):
        if t._data.dtype != y.dtype:
            first, second = (t, mat2) if t is input else (mat1, mat2)
            raise RuntimeError(
                "self and mat2 must have the same dtype, but got "
                f"{first.dtype._legacy} and {second.dtype._legacy}"
            )
    _check_bias(input, (x.shape[0], y.shape[1]))
    r = _add_scaled(_product(x, y), input._data, beta, alpha)
    res = finish(
        AddmmBackward0, r, (input, mat1, mat2), save=(input, mat1, mat2), alpha=alpha, beta=beta
    )
    return write_out(res, out, "addmm") if out is not None else res


class AddmvBackward0(Node):
    def backward(self, grad):
        _, mat, vec = self.saved_tensors
        need = [fn is not None for fn, _ in self.next_functions]
        g_bias = _scaled(grad, self.beta) if need[0] else None
        g_mat = _scaled(grad.unsqueeze(1) * vec.conj(), self.alpha) if need[1] else None
        g_vec = _scaled(mat.mH.mv(grad), self.alpha) if need[2] else None
        return g_bias, g_mat, g_vec


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``torch.addmv``: beta * input + alpha * (mat @ vec)."""
    _mv_checks(mat, vec)
    _check_bias(input, (mat._data.shape[0],))
    r = _add_scaled(_product(mat._data, vec._data), input._data, beta, alpha)
    res = finish(
        AddmvBackward0, r, (input, mat, vec), save=(input, mat, vec), alpha=alpha, beta=beta
    )
    return write_out(res, out, "addmv") if out is not None else res


class BaddbmmBackward0(Node):
    def backward(self, grad):
        _, b1, b2 = self.saved_tensors
        need = [fn is not None for fn, _ in self.next_functions]
        g_bias = _scaled(grad, self.beta) if need[0] else None
        g1 = _scaled(grad.bmm(b2.mH), self.alpha) if need[1] else None
        g2 = _scaled(b1.mH.bmm(grad), self.alpha) if need[2] else None
        return g_bias, g1, g2


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``torch.baddbmm``: beta * input + alpha * (batch1 @ batch2), batched."""
    _bmm_checks(batch1, batch2)
    b, n, p = batch1._data.shape[0], batch1._data.shape[1], batch2._data.shape[2]
    _check_bias(input, (b, n, p))
    r = _add_scaled(_product(batch1._data, batch2._data), input._data, beta, alpha)
    res = finish(
        BaddbmmBackward0, r, (input, batch1, batch2), save=(input, batch1, batch2),
        alpha=alpha, beta=beta,
    )  # fmt: skip
    return write_out(res, out, "baddbmm") if out is not None else res


class AddbmmBackward0(Node):
    def backward(self, grad):
        _, b1, b2 = self.saved_tensors
        need = [fn is not None for fn, _ in self.next_functions]
        g_bias = _scaled(grad, self.beta) if need[0] else None
        expanded = grad.unsqueeze(0).expand(b1.shape[0], *grad.shape)
        g1 = _scaled(expanded.bmm(b2.mH), self.alpha) if need[1] else None
        g2 = _scaled(b1.mH.bmm(expanded), self.alpha) if need[2] else None
        return g_bias, g1, g2


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``torch.addbmm``: beta * input + alpha * sum over the batch of batch1 @ batch2."""
    _bmm_checks(batch1, batch2)
    _check_bias(input, (batch1._data.shape[1], batch2._data.shape[2]))
    total = _product(batch1._data, batch2._data).sum(0)
    r = _add_scaled(total, input._data, beta, alpha)
    res = finish(
        AddbmmBackward0, r, (input, batch1, batch2), save=(input, batch1, batch2),
        alpha=alpha, beta=beta,
    )  # fmt: skip
    return write_out(res, out, "addbmm") if out is not None else res


# --- einsum / tensordot --------------------------------------------------------------------------------------
# NOTE [ einsum's graph ]: PyTorch evaluates einsum as permutes, views and bmm, so its result's
# grad_fn is whichever of those ran last (ViewBackward0, PermuteBackward0...); numtorch records one
# EinsumBackward0 whose gradients are einsums too (so double backward works). Values match.
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
            grads.append(_einsum_grad_to_operand(g, target, unique, kept, tuple(operands[i].shape)))
        return tuple(grads)


def _einsum_grad_to_operand(g: Tensor, target: str, unique: str, kept: str, shape) -> Tensor:
    """Bring ``g`` (subscripts ``kept``, full sizes) to the operand: sum where the operand
    broadcast a size-1 dim, broadcast over letters summed away in the forward, and place it on the
    diagonal where ``target`` repeats a letter (the ``ii`` of a trace)."""
    size = {c: shape[target.index(c)] for c in unique}
    squeezed = tuple(i for i, c in enumerate(kept) if size[c] == 1 and g.shape[i] != 1)
    if squeezed:
        g = g.sum(squeezed, keepdim=True)
    g = g.reshape([size[c] if c in kept else 1 for c in unique]).expand(*[size[c] for c in unique])
    if unique == target:
        return g
    from ._base import wrap

    arr = np.zeros(tuple(shape), dtype=g._data.dtype)
    grid = np.indices([size[c] for c in unique])
    arr[tuple(grid[unique.index(c)] for c in target)] = g._data
    return wrap(arr)


_SUBSCRIPTS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _parse_einsum(equation: str, operands):
    """Input and output subscripts with any ellipsis spelled out as letters; PyTorch's errors."""
    for i, c in enumerate(equation):
        if c not in _SUBSCRIPTS and c not in " ,.->":
            raise RuntimeError(
                f"einsum(): invalid subscript given at index {i} in the equation string, "
                "subscripts must be in [a-zA-Z]"
            )
    eq = equation.replace(" ", "")
    explicit = "->" in eq
    ins_str, out = eq.split("->") if explicit else (eq, None)
    ins = ins_str.split(",")
    if len(ins) != len(operands):
        raise RuntimeError(
            "einsum(): more operands were provided than specified in the equation"
            if len(operands) > len(ins)
            else "einsum(): fewer operands were provided than specified in the equation"
        )
    n_ell = 0
    for i, (sub, op) in enumerate(zip(ins, operands)):
        n = len(sub.replace("...", ""))
        if "..." in sub:
            if n > op.ndim:
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({n}) is more than the "
                    f"number of dimensions ({op.ndim}) for operand {i}"
                )
            n_ell = max(n_ell, op.ndim - n)
        elif n != op.ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({n}) does not match the "
                f"number of dimensions ({op.ndim}) for operand {i} and no ellipsis was given"
            )
    free = [c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkjihgfedcba" if c not in eq]
    ell = "".join(free[:n_ell][::-1])
    ins = [
        sub.replace("...", ell[n_ell - (op.ndim - len(sub) + 3) :]) if "..." in sub else sub
        for sub, op in zip(ins, operands)
    ]
    letters = "".join(ins)
    if out is None:  # implicit output: the ellipsis dims, then letters used once, sorted
        out = ell + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell)
        )
    else:
        out = out.replace("...", ell)
        for c in out:
            if out.count(c) > 1:
                raise RuntimeError(
                    f"einsum(): output subscript {c} appears more than once in the output"
                )
            if c not in letters:
                raise RuntimeError(
                    f"einsum(): output subscript {c} does not appear in the equation for any input operand"
                )
    seen: dict = {}
    for i, (sub, op) in enumerate(zip(ins, operands)):
        for c, size in zip(sub, op.shape):
            prev = seen.get(c)
            if prev is not None and size != prev and 1 not in (size, prev):
                raise RuntimeError(
                    f"einsum(): subscript {c} has size {size} for operand {i} which does not "
                    f"broadcast with previously seen size {prev}"
                )
            if prev is None or prev == 1:
                seen[c] = size
    return ins, out


def einsum(equation: str, *operands) -> Tensor:
    """``torch.einsum``: Einstein summation (operands as varargs or one list), differentiable
    (NOTE [ einsum's graph ]); all operands must share a dtype, as in PyTorch."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ins, out = _parse_einsum(equation, operands)
    first = operands[0]
    for o in operands[1:]:
        if o._data.dtype != first._data.dtype:
            raise _bmm_dtype_error(first, o)
    arrays = [o._data for o in operands]
    half = first._data.dtype.itemsize == 2 and first._data.dtype.kind in "fV"
    if half:
        arrays = [a.astype(np.float32) for a in arrays]
    r = np.einsum(",".join(ins) + "->" + out, *arrays, optimize=len(arrays) > 2)
    r = np.asarray(r).astype(first._data.dtype, copy=False)
    return finish(EinsumBackward0, r, operands, save=operands, subscripts=(ins, out))


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


class LinalgCrossBackward0(Node):
    def backward(self, grad):
        a, b = self.saved_tensors
        d = self.dim
        ga = cross(b, grad, dim=d) if self.next_functions[0][0] is not None else None
        gb = cross(grad, a, dim=d) if self.next_functions[1][0] is not None else None
        return ga, gb


def cross(input: Tensor, other: Tensor, dim=None) -> Tensor:
    """``torch.cross``: the 3-vector cross product along ``dim`` (default: the first dim of size 3,
    with PyTorch's deprecation warning)."""
    from .._tensor import wrap_dim

    x, y = input._data, other._data
    if x.ndim != y.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if dim is None:
        import warnings

        warnings.warn(
            "Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the "
            "dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will change "
            "to agree with that of linalg.cross in a future release.",
            UserWarning,
            stacklevel=2,
        )
        dim = next((i for i, s in enumerate(np.broadcast_shapes(x.shape, y.shape)) if s == 3), -1)
    d = wrap_dim(dim, x.ndim)
    if x.dtype != y.dtype:
        raise _bmm_dtype_error(input, other)
    for t in (x, y):
        if t.shape[d] != 3:
            raise RuntimeError(
                f"linalg.cross: inputs dimension {dim} must have length 3. Got {x.shape[d]} and "
                f"{y.shape[d]}"
            )
    r = np.cross(x, y, axis=d)
    return finish(LinalgCrossBackward0, r, (input, other), save=(input, other), dim=d)


for _name in __all__:
    setattr(Tensor, _name, globals()[_name])
Tensor.__matmul__ = lambda self, other: matmul(self, other)
Tensor.__rmatmul__ = lambda self, other: matmul(other, self)
for _name in ("addmm", "addmv", "baddbmm", "addbmm"):
    setattr(Tensor, _name + "_", inplace(globals()[_name], _name + "_"))
