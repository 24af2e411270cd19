"""Differential op checks against real PyTorch, after tinygrad's ``helper_test_op``.

``check_op`` feeds the same seeded NumPy arrays to torch and numtorch, runs one function in each,
and compares shape, dtype, values (NaN-aware), ``requires_grad``, the inputs afterwards (so in-place
writes through shared memory are checked too), and then the gradients of every floating input under
the upstream ``(out + 1).square().mean()`` (not all ones, so a wrong scale or a swapped operand shows).

``check_error`` runs both and compares the exception type and message.

Inputs are given as shapes (tuples: a random array of the dtype), NumPy arrays (used as they are),
or anything else (Python numbers, None, strings...), passed unchanged to both functions. Tests that
use this module take the ``torch`` fixture from ``conftest.py`` so they skip when torch is absent.
"""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np

import numtorch as nt

FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")
INT_DTYPES = ("uint8", "int8", "int16", "int32", "int64")
ALL_DTYPES = ("bool",) + INT_DTYPES + FLOAT_DTYPES

# Default (atol, rtol) per result dtype: a few ulps of the format, never looser.
TOLERANCES = {
    "float16": (1e-3, 1e-3),
    "bfloat16": (1e-2, 1e-2),
    "float32": (1e-6, 1e-5),
    "float64": (1e-12, 1e-10),
    "complex64": (1e-6, 1e-5),
    "complex128": (1e-12, 1e-10),
}
_NP_DTYPES = {"bfloat16": ml_dtypes.bfloat16, "bool": np.bool_}


def np_dtype(name: str) -> np.dtype:
    return np.dtype(_NP_DTYPES.get(name, name))


def random_array(
    shape, dtype: str, rng: np.random.Generator, low=-2.0, high=2.0, noncontig=False
) -> np.ndarray:
    """A seeded array of ``shape`` and ``dtype``; with ``noncontig``, a strided view of a larger one."""
    full = tuple(shape)
    if noncontig and len(full) > 0:
        full = full[:-1] + (2 * full[-1],)
    if dtype == "bool":
        arr = np.asarray(rng.random(full) < 0.5)
    elif dtype in INT_DTYPES:
        lo = max(int(math.floor(low)), 0) if dtype == "uint8" else int(math.floor(low))
        arr = rng.integers(lo, int(math.ceil(high)) + 1, size=full).astype(dtype)
    else:
        arr = rng.uniform(low, high, size=full).astype(np.float32).astype(np_dtype(dtype))
    if noncontig and len(shape) > 0:
        arr = arr[..., ::2]
    return arr


def _copy_strided(arr: np.ndarray) -> np.ndarray:
    """A fresh copy of ``arr`` with the same kind of (non-)contiguity."""
    if arr.flags.c_contiguous or arr.ndim == 0 or arr.base is None:
        return arr.copy()
    base = np.empty(arr.shape[:-1] + (2 * arr.shape[-1],), arr.dtype)
    view = base[..., ::2]
    view[...] = arr
    return view


def to_torch(arr, torch, requires_grad=False):
    if not isinstance(arr, np.ndarray):
        return arr
    if arr.dtype == ml_dtypes.bfloat16:
        t = torch.from_numpy(arr.astype(np.float32)).to(torch.bfloat16)
    else:
        t = torch.from_numpy(_copy_strided(arr))
    return t.requires_grad_(requires_grad)


def to_numtorch(arr, requires_grad=False):
    if not isinstance(arr, np.ndarray):
        return arr
    return nt.from_numpy(_copy_strided(arr)).requires_grad_(requires_grad)


def make_inputs(inputs, dtypes, seed=0, low=-2.0, high=2.0, noncontig=False) -> list:
    """The NumPy arrays (or passed-through values) for ``inputs`` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    if isinstance(dtypes, str) or dtypes is None:
        dtypes = [dtypes or "float32"] * len(inputs)
    out = []
    for spec, dtype in zip(inputs, dtypes):
        if isinstance(spec, tuple) and all(isinstance(s, int) for s in spec):
            out.append(random_array(spec, dtype, rng, low, high, noncontig))
        else:
            out.append(spec)
    return out


def torch_to_numpy(t) -> np.ndarray:
    t = t.detach()
    if str(t.dtype) == "torch.bfloat16":
        return t.float().numpy(force=True).astype(ml_dtypes.bfloat16)
    return t.numpy(force=True)  # force: conjugate/negative views and ZeroTensor gradients


def _is_tensor(x) -> bool:
    return hasattr(x, "dtype") and hasattr(x, "shape") and hasattr(x, "requires_grad")


def assert_close(ours, theirs, atol=None, rtol=None, where="output", exact_dtype=True) -> None:
    """Compare a numtorch result with a torch one: structure, shape, dtype, values, requires_grad."""
    if _is_tensor(theirs):
        assert isinstance(ours, nt.Tensor), f"{where}: expected a Tensor, got {type(ours).__name__}"
        assert tuple(ours.shape) == tuple(theirs.shape), (
            f"{where}: shape {tuple(ours.shape)} != torch's {tuple(theirs.shape)}"
        )
        if exact_dtype:
            assert repr(ours.dtype) == str(theirs.dtype), (
                f"{where}: dtype {ours.dtype} != torch's {theirs.dtype}"
            )
        assert ours.requires_grad == theirs.requires_grad, (
            f"{where}: requires_grad {ours.requires_grad} != torch's {theirs.requires_grad}"
        )
        a = ours.detach()._data
        b = torch_to_numpy(theirs)
        name = str(theirs.dtype).removeprefix("torch.")
        default_atol, default_rtol = TOLERANCES.get(name, (0, 0))
        atol = default_atol if atol is None else atol
        rtol = default_rtol if rtol is None else rtol
        if b.dtype.kind in "biu" or name == "bool":
            np.testing.assert_array_equal(a, b, err_msg=where)
        else:
            np.testing.assert_allclose(
                a.astype(np.complex128 if b.dtype.kind == "c" else np.float64),
                b.astype(np.complex128 if b.dtype.kind == "c" else np.float64),
                atol=atol,
                rtol=rtol,
                equal_nan=True,
                err_msg=where,
            )
        return
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)), f"{where}: expected a sequence, got {type(ours)}"
        assert len(ours) == len(theirs), f"{where}: length {len(ours)} != torch's {len(theirs)}"
        if type(theirs).__module__ == "torch.return_types":
            assert type(ours).__name__ == type(theirs).__name__, (
                f"{where}: return type {type(ours).__name__} != torch's {type(theirs).__name__}"
            )
            for field in ("values", "indices"):
                if hasattr(theirs, field):
                    assert getattr(ours, field) is ours[0 if field == "values" else 1]
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_close(o, t, atol, rtol, f"{where}[{i}]", exact_dtype)
        return
    if type(theirs).__name__ == "Size":
        assert tuple(ours) == tuple(theirs), f"{where}: {ours} != {theirs}"
        return
    if type(theirs).__name__ == "dtype":
        assert repr(ours) == str(theirs), f"{where}: {ours} != {theirs}"
        return
    if type(theirs).__name__ == "device":
        assert type(ours).__name__ == "device" and repr(ours) == repr(theirs), where
        return
    assert type(ours) is type(theirs), f"{where}: type {type(ours)} != torch's {type(theirs)}"
    if isinstance(theirs, float) and math.isnan(theirs):
        assert math.isnan(ours), f"{where}: {ours} != nan"
    elif isinstance(theirs, float):
        assert math.isclose(ours, theirs, rel_tol=rtol or 1e-6, abs_tol=atol or 1e-6), where
    else:
        assert ours == theirs, f"{where}: {ours!r} != torch's {theirs!r}"


def _float_outputs(out) -> list:
    if _is_tensor(out):
        return [out] if out.requires_grad else []
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _float_outputs(o)]
    return []


def _upstream_loss(outputs):
    loss = None
    for o in outputs:
        term = (o + 1).square()
        term = term.mean() if o.numel() else term.sum()
        loss = term if loss is None else loss + term
    return loss


def check_op(
    torch_fn,
    nt_fn=None,
    inputs=((3,),),
    dtypes="float32",
    atol=None,
    rtol=None,
    grad=True,
    grad_atol=None,
    grad_rtol=None,
    low=-2.0,
    high=2.0,
    seed=0,
    noncontig=False,
    check_inputs=True,
    grad_fn=True,
):
    """Run ``torch_fn`` on torch tensors and ``nt_fn`` (default: the same function) on numtorch
    tensors built from the same arrays, and compare everything (see the module docstring).

    ``grad_fn``: also compare the name of the output's ``grad_fn`` (PyTorch prints it).
    Returns (numtorch output, torch output).
    """
    import torch

    nt_fn = nt_fn or torch_fn
    arrays = make_inputs(inputs, dtypes, seed, low, high, noncontig)
    differentiable = [
        isinstance(a, np.ndarray) and a.dtype.kind in "fV" and grad for a in arrays
    ]  # "V": ml_dtypes' bfloat16
    t_in = [to_torch(a, torch, g) for a, g in zip(arrays, differentiable)]
    n_in = [to_numtorch(a, g) for a, g in zip(arrays, differentiable)]
    t_out = torch_fn(*t_in)
    n_out = nt_fn(*n_in)
    assert_close(n_out, t_out, atol, rtol, "output")
    if grad_fn and _is_tensor(t_out) and t_out.grad_fn is not None:
        assert type(n_out.grad_fn).__name__ == type(t_out.grad_fn).__name__, (
            f"grad_fn {type(n_out.grad_fn).__name__} != torch's {type(t_out.grad_fn).__name__}"
        )
    if check_inputs:
        for i, (n, t) in enumerate(zip(n_in, t_in)):
            if _is_tensor(t):
                assert_close(n, t, atol, rtol, f"input {i} after the op")
    if not any(differentiable):
        return n_out, t_out
    t_outputs, n_outputs = _float_outputs(t_out), _float_outputs(n_out)
    assert len(n_outputs) == len(t_outputs), "number of differentiable outputs differs"
    if not t_outputs:
        return n_out, t_out
    _upstream_loss(t_outputs).backward()
    _upstream_loss(n_outputs).backward()
    for i, (n, t) in enumerate(zip(n_in, t_in)):
        if not differentiable[i]:
            continue
        if t.grad is None:
            assert n.grad is None, f"input {i}: numtorch has a gradient, torch has none"
            continue
        assert n.grad is not None, f"input {i}: torch has a gradient, numtorch has none"
        assert_close(
            n.grad,
            t.grad,
            grad_atol if grad_atol is not None else atol,
            grad_rtol if grad_rtol is not None else rtol,
            f"gradient of input {i}",
        )
    return n_out, t_out


def _builtin_base(exc_type: type) -> type:
    for cls in exc_type.__mro__:
        if cls.__module__ == "builtins":
            return cls
    return Exception


def check_error(
    torch_fn, nt_fn=None, inputs=(), dtypes="float32", message=True, seed=0, requires_grad=False
):
    """Both raise: the same (builtin) exception type and, with ``message``, the same text.

    ``message`` may be True (exact), False (type only) or a callable normalising both texts.
    """
    import torch

    nt_fn = nt_fn or torch_fn
    arrays = make_inputs(inputs, dtypes, seed)
    grads = [requires_grad and isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in arrays]
    t_in = [to_torch(a, torch, g) for a, g in zip(arrays, grads)]
    n_in = [to_numtorch(a, g) for a, g in zip(arrays, grads)]
    try:
        torch_fn(*t_in)
    except Exception as e:  # noqa: BLE001 - any exception type is what we compare
        t_exc = e
    else:
        raise AssertionError("torch did not raise: the test expects an error")
    try:
        nt_fn(*n_in)
    except Exception as e:  # noqa: BLE001
        n_exc = e
    else:
        raise AssertionError(
            f"numtorch did not raise; torch raised {type(t_exc).__name__}: {t_exc}"
        )
    expected = _builtin_base(type(t_exc))
    assert isinstance(n_exc, expected), (
        f"numtorch raised {type(n_exc).__name__}: {n_exc}\n  torch raised {type(t_exc).__name__}: {t_exc}"
    )
    if message:
        norm = message if callable(message) else (lambda s: s)
        assert norm(str(n_exc)) == norm(str(t_exc)), (
            f"message differs:\n  numtorch: {n_exc}\n  torch:    {t_exc}"
        )
    return n_exc, t_exc
