"""``gradcheck`` and ``gradgradcheck``: analytical gradients against finite differences.

Follows ``torch/autograd/gradcheck.py`` (its signatures, checks and error messages) for real
(float/double) inputs and backward mode: the Jacobian of each differentiable output with respect
to each input that requires grad is computed twice - numerically, by central differences
``(f(x + eps) - f(x - eps)) / 2eps`` perturbing one element at a time, and analytically, one
``autograd.grad`` per output element - and compared with ``allclose(analytical, numerical,
rtol, atol)``. ``fast_mode`` compares the scalars ``v^T J u`` for random ``u``, ``v`` instead.
Run it in float64: float32's rounding swamps a 1e-6 step.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Error raised by :func:`gradcheck` and :func:`gradgradcheck`."""


_FAILED_NONDET_MSG = """

NOTE: If your op relies on non-deterministic operations i.e., it is listed here:
https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
this failure might be expected.

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `nondet_tol=<tol>` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_nondet_tol=<tol>`.
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_nondet_tol=<tol>`
"""

_FAST_FAIL_SLOW_OK_MSG = """
Fast gradcheck failed but element-wise differences are small. This means that the
test might've passed in slow_mode!

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck:

If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `fast_mode=False` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_fast_mode=False`
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_fast_mode=False`
""".strip()


def _as_tuple(x) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _differentiable_outputs(x) -> tuple:
    return tuple(o for o in _as_tuple(x) if isinstance(o, Tensor) and o.requires_grad)


def _diff_inputs(inputs: tuple) -> list:
    return [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]


def _check_inputs(inputs: tuple) -> None:
    any_requires_grad = False
    for idx, inp in enumerate(inputs):
        if isinstance(inp, Tensor) and inp.requires_grad:
            if inp._data.dtype not in (np.float64, np.complex128):
                warnings.warn(
                    f"Input #{idx} requires gradient and is not a double precision floating point "
                    "or complex. This check will likely fail if all the inputs are not of double "
                    "precision floating point or complex. ",
                    stacklevel=3,
                )
            if not all(st > 0 or sz <= 1 for st, sz in zip(inp.stride(), inp.shape)):
                raise RuntimeError(
                    f"The {idx}th input has a dimension with stride 0. gradcheck only supports "
                    "inputs that are non-overlapping to be able to compute the numerical gradients "
                    "correctly. You should call .contiguous on the input before passing it to "
                    "gradcheck."
                )
            any_requires_grad = True
    if not any_requires_grad:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them "
            "have requires_grad=True."
        )


def _float_outputs(out) -> list:
    return [o for o in _as_tuple(out) if isinstance(o, Tensor) and o._data.dtype.kind in "fcV"]


def _complex_unsupported(inputs: tuple, outputs) -> None:
    if any(isinstance(t, Tensor) and t.is_complex() for t in inputs + tuple(outputs)):
        raise NotImplementedError("numtorch: gradcheck supports real inputs and outputs only")


# --- numerical --------------------------------------------------------------------------------------
def _numerical_jacobians(func, inputs: tuple, output_positions, eps: float) -> list:
    """[input j][output i] -> ndarray (numel of input j, numel of output i): central differences,
    perturbing each element of each differentiable input in place (its version is not bumped,
    as PyTorch perturbs ``.data``)."""
    jacobians = []
    for x in _diff_inputs(inputs):
        data = x._data
        columns: list[list[np.ndarray]] = [[] for _ in output_positions]
        for idx in np.ndindex(data.shape):
            orig = data[idx].copy()
            data[idx] = orig - eps
            outa = _selected(func(*inputs), output_positions)
            data[idx] = orig + eps
            outb = _selected(func(*inputs), output_positions)
            data[idx] = orig
            for col, a, b in zip(columns, outa, outb):
                col.append(((b - a) / (2 * eps)).reshape(-1))
        jac = []
        for col, pos in zip(columns, output_positions):
            n_out = col[0].size if col else _output_numel(func, inputs, pos)
            jac.append(np.stack(col) if col else np.zeros((0, n_out)))
        jacobians.append(jac)
    return jacobians


def _selected(out, positions) -> list:
    outs = _as_tuple(out)
    return [np.array(outs[p]._data, dtype=outs[p]._data.dtype) for p in positions]


def _output_numel(func, inputs, pos) -> int:
    return _as_tuple(func(*inputs))[pos]._data.size


# --- analytical --------------------------------------------------------------------------------------
def _analytical_jacobians(inputs: tuple, output: Tensor, nondet_tol: float, check_grad_dtypes):
    """[input j] -> ndarray (numel of input j, numel of output): one vector-Jacobian product per
    output element, computed twice to catch a non-reentrant backward."""
    from . import grad as autograd_grad

    diff_inputs = _diff_inputs(inputs)

    def jacobian():
        jac = [np.zeros((x._data.size, output._data.size), x._data.dtype) for x in diff_inputs]
        sizes_ok = types_ok = True
        for k in range(output._data.size):
            grad_out = np.zeros(output._data.shape, output._data.dtype)
            grad_out.reshape(-1)[k] = 1
            grads = autograd_grad(
                output, diff_inputs, Tensor._make(grad_out), retain_graph=True, allow_unused=True
            )
            for j, (g, x) in enumerate(zip(grads, diff_inputs)):
                if g is None:
                    continue
                if g._data.shape != x._data.shape:
                    sizes_ok = False
                    continue
                if g._data.dtype != x._data.dtype:
                    types_ok = False
                jac[j][:, k] = g._data.reshape(-1)
        return jac, sizes_ok, types_ok

    jac1, sizes_ok, types_ok = jacobian()
    jac2, _, _ = jacobian()
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    for a, b in zip(jac1, jac2):
        if a.size and np.abs(a - b).max() > nondet_tol:
            raise GradcheckError(
                "Backward is not reentrant, i.e., running backward with same input and "
                "grad_output multiple times gives different values, although analytical gradient "
                "matches numerical gradient.The tolerance for nondeterminism was "
                f"{nondet_tol}." + _FAILED_NONDET_MSG
            )
    return jac1


def _allclose(a: np.ndarray, n: np.ndarray, rtol: float, atol: float) -> bool:
    dtype = np.promote_types(a.dtype, n.dtype)
    return bool(np.allclose(a.astype(dtype), n.astype(dtype), rtol=rtol, atol=atol))


def _tensor_str(a: np.ndarray) -> str:
    """As PyTorch's f-strings print a tensor (a 0-dim one as its number)."""
    return f"{Tensor._make(np.array(a))}"


def _not_allclose_msg(analytical, numerical, output_idx: int, input_idx: int) -> str:
    return (
        f"Jacobian mismatch for output {output_idx:d} with respect to input {input_idx:d},\n"
        f"numerical:{_tensor_str(numerical)}\nanalytical:{_tensor_str(analytical)}\n"
    )


def _slow_gradcheck(
    func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol
):
    func_out = _as_tuple(func_out)
    if not outputs:
        return _check_no_differentiable_outputs(func, inputs, func_out, eps)
    positions = [i for i, o in enumerate(func_out) if isinstance(o, Tensor) and o.requires_grad]
    numerical = _numerical_jacobians(func, inputs, positions, eps)
    for i, o in enumerate(outputs):
        analytical = _analytical_jacobians(inputs, o, nondet_tol, check_grad_dtypes)
        for j, a in enumerate(analytical):
            n = numerical[j][i]
            if not _allclose(a, n, rtol, atol):
                raise GradcheckError(_not_allclose_msg(a, n, i, j))
    return True


def _check_no_differentiable_outputs(func, inputs, func_out, eps) -> bool:
    positions = [
        i for i, o in enumerate(func_out) if isinstance(o, Tensor) and o.is_floating_point()
    ]
    for per_input in _numerical_jacobians(func, inputs, positions, eps):
        for jac in per_input:
            if np.count_nonzero(jac):
                raise GradcheckError("Numerical gradient for function expected to be zero")
    return True


def _fast_gradcheck(
    func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol
):
    """``v^T J u`` for random non-negative unit ``u`` (per input) and ``v`` (per output): the
    numerical side by one central difference along ``u``, the analytical by one ``autograd.grad``
    with ``v``."""
    from . import grad as autograd_grad

    func_out = _as_tuple(func_out)
    diff_inputs = _diff_inputs(inputs)
    from .._random import Generator

    gen = Generator()  # its own stream (PyTorch's default seed): the user's RNG is left alone
    all_u = [_unit(gen, x) for x in diff_inputs]
    if not outputs:
        positions = [
            i for i, o in enumerate(func_out) if isinstance(o, Tensor) and o.is_floating_point()
        ]
        for x, u in zip(diff_inputs, all_u):
            for jvp in _numerical_jvp(func, inputs, positions, x, u, eps):
                if jvp.size and np.abs(jvp).max() > nondet_tol:
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return True
    positions = [i for i, o in enumerate(func_out) if isinstance(o, Tensor) and o.requires_grad]
    all_v = [_unit(gen, o) for o in outputs]
    numerical = [
        _numerical_jvp(func, inputs, positions, x, u, eps) for x, u in zip(diff_inputs, all_u)
    ]
    for i, (o, v) in enumerate(zip(outputs, all_v)):
        vjps = []
        for _ in range(2):
            grads = autograd_grad(
                o,
                diff_inputs,
                Tensor._make(v.reshape(o._data.shape).astype(o._data.dtype)),
                retain_graph=True,
                allow_unused=True,
            )
            vjps.append([None if g is None else g._data.reshape(-1) for g in grads])
        for g1, g2, x in zip(vjps[0], vjps[1], diff_inputs):
            if g1 is not None and g1.size != x._data.size:
                raise GradcheckError("Analytical gradient has incorrect size")
            if g1 is not None and g1.size and np.abs(g1 - g2).max() > nondet_tol:
                raise GradcheckError(
                    "Backward is not reentrant, i.e., running backward with same input and "
                    "grad_output multiple times gives different values, although analytical "
                    "gradient matches numerical gradient.The tolerance for nondeterminism was "
                    f"{nondet_tol}." + _FAILED_NONDET_MSG
                )
        for j, (g, u) in enumerate(zip(vjps[0], all_u)):
            a = np.asarray(0.0 if g is None else g @ u)
            n = np.asarray(v @ numerical[j][i])
            tol = atol * float(u.sum()) * float(v.sum())
            if not _allclose(a, n, rtol, tol):
                raise GradcheckError(
                    _not_allclose_msg(a, n, i, j)
                    + _slow_mode_error(func, inputs, positions, i, j, rtol, atol, eps, nondet_tol)
                )
    return True


def _unit(gen, like: Tensor) -> np.ndarray:
    """A random non-negative unit vector with ``like``'s numel and dtype (``_vec_from_tensor``)."""
    from ..ops.random import rand

    u = rand(like._data.size, generator=gen)._data.astype(like._data.dtype)
    return u / np.sqrt(np.sum(u * u))


def _numerical_jvp(func, inputs, positions, x: Tensor, u: np.ndarray, eps: float) -> list:
    data = x._data
    orig = data.copy()
    delta = (eps * u).reshape(data.shape).astype(data.dtype)
    data[...] = orig - delta
    outa = _selected(func(*inputs), positions)
    data[...] = orig + delta
    outb = _selected(func(*inputs), positions)
    data[...] = orig
    return [((b - a) / (2 * eps)).reshape(-1) for a, b in zip(outa, outb)]


def _slow_mode_error(func, inputs, positions, output_idx, input_idx, rtol, atol, eps, nondet_tol):
    numerical = _numerical_jacobians(func, inputs, positions, eps)[input_idx][output_idx]
    output = _as_tuple(func(*inputs))[positions[output_idx]]
    analytical = _analytical_jacobians(inputs, output, nondet_tol, False)[input_idx]
    max_diff = np.abs(numerical - analytical).max() if numerical.size else 0.0
    msg = (
        "\nThe above quantities relating the numerical and analytical jacobians are computed \n"
        "in fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more background \n"
        "about fast mode. Below, we recompute numerical and analytical jacobians in slow mode:\n\n"
        f"Numerical:\n {_tensor_str(numerical)}\n"
        f"Analytical:\n{_tensor_str(analytical)}\n\n"
        f"The max per-element difference (slow mode) is: {_tensor_str(np.asarray(max_diff))}.\n"
    )
    if _allclose(analytical, numerical, rtol, atol):
        msg += _FAST_FAIL_SLOW_OK_MSG
    return msg


# --- backward-mode sanity checks ------------------------------------------------------------------------
def _test_backward_mul_by_grad_output(outputs, inputs) -> bool:
    """With zero grad_outputs every input gradient must be zero, of the input's dtype and size."""
    from . import grad as autograd_grad

    diff_inputs = _diff_inputs(inputs)
    if not diff_inputs:
        raise GradcheckError("no Tensors requiring grad found in input")
    grads = autograd_grad(
        outputs,
        diff_inputs,
        [Tensor._make(np.zeros(o._data.shape, o._data.dtype)) for o in outputs],
        allow_unused=True,
    )
    for gi, di in zip(grads, diff_inputs):
        if gi is None:
            continue
        if np.count_nonzero(gi._data):
            raise GradcheckError("backward not multiplied by grad_output")
        if gi.dtype is not di.dtype:
            raise GradcheckError("grad is incorrect type")
        if gi._data.shape != di._data.shape:
            raise GradcheckError("grad is incorrect size")
    return True


def _test_undefined_backward_mode(func, outputs, inputs) -> bool:
    """Backward must cope with gradients that never arrived (``None``) for some outputs."""
    from .engine import run_backward

    diff_inputs = _diff_inputs(inputs)
    if not diff_inputs:
        raise GradcheckError("no Tensors requiring grad found in input")

    def warn_bc_breaking():
        warnings.warn(
            "Backwards compatibility: New undefined gradient support checking feature is enabled "
            "by default, but it may break existing callers of this function. If this is true for "
            'you, you can call this function with "check_undefined_grad=False" to disable the '
            "feature",
            stacklevel=3,
        )

    def check(outs, undefined) -> bool:
        grads = [
            None if k in undefined else Tensor._make(np.zeros(o._data.shape, o._data.dtype))
            for k, o in enumerate(outs)
        ]
        try:
            grads_input = run_backward(outs, grads, False, False, tuple(diff_inputs), True, False)
        except RuntimeError as e:
            warn_bc_breaking()
            raise GradcheckError(
                "Expected backward function to handle undefined output grads. Please look at "
                '"Notes about undefined output gradients" in "tools/autograd/derivatives.yaml"'
            ) from e
        for gi in grads_input:
            if gi is not None and np.count_nonzero(gi._data):
                warn_bc_breaking()
                raise GradcheckError(
                    "Expected all input grads to be undefined or zero when all output grads are "
                    'undefined or zero. Please look at "Notes about undefined output gradients" in '
                    '"tools/autograd/derivatives.yaml"'
                )
        return True

    outs = _differentiable_outputs(func(*inputs))
    check(outs, set(range(len(outs))))
    if len(outs) > 1:
        for k in range(len(outs)):
            check(_differentiable_outputs(func(*inputs)), {k})
    return True


# --- public API ------------------------------------------------------------------------------------------
def gradcheck(
    func,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    r"""``torch.autograd.gradcheck``: check the gradients of ``func`` at ``inputs`` against finite
    differences. Returns True if every Jacobian matches; otherwise raises :class:`GradcheckError`
    (or returns False with ``raise_exception=False``).

    numtorch has no forward-mode AD and no vmap: ``check_forward_ad`` and
    ``check_batched_forward_grad`` raise NotImplementedError; ``check_batched_grad`` (vmap over
    the backward) has nothing to check and is ignored.
    """
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError(
            "Expected at least one of check_forward_ad or check_backward_ad to be True"
        )
    if check_batched_grad and not check_backward_ad:
        raise AssertionError(
            "Setting check_batched_grad=True requires check_backward_ad to be True"
        )
    if check_forward_ad or check_batched_forward_grad:
        raise NotImplementedError("numtorch has no forward-mode automatic differentiation")
    try:
        return _gradcheck_helper(
            func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad, check_grad_dtypes,
            fast_mode,
        )  # fmt: skip
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _gradcheck_helper(
    func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad, check_grad_dtypes, fast_mode
) -> bool:
    tupled_inputs = _as_tuple(inputs)
    _check_inputs(tupled_inputs)
    func_out = func(*tupled_inputs)
    outputs = _differentiable_outputs(func_out)
    _complex_unsupported(tupled_inputs, _float_outputs(func_out))
    check = _fast_gradcheck if fast_mode else _slow_gradcheck
    check(func, func_out, tupled_inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol)
    if outputs:
        _test_backward_mul_by_grad_output(outputs, tupled_inputs)
        if check_undefined_grad:
            _test_undefined_backward_mode(func, outputs, tupled_inputs)
    return True


def gradgradcheck(
    func,
    inputs,
    grad_outputs=None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    r"""``torch.autograd.gradgradcheck``: gradcheck of the gradient itself. The function checked
    maps (inputs, grad_outputs) to ``autograd.grad(func(inputs), inputs, grad_outputs,
    create_graph=True)``; ``grad_outputs`` default to random values in [-1, 1) that require grad.
    """
    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outputs = _differentiable_outputs(func(*tupled_inputs))
        tupled_grad_outputs = tuple(
            _random_grad_output(o, gen_non_contig_grad_outputs) for o in outputs
        )
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(tupled_grad_outputs)
    diff_input_indices = {
        i for i, x in enumerate(tupled_inputs) if isinstance(x, Tensor) and x.requires_grad
    }

    def new_func(*args):
        from . import grad as autograd_grad

        input_args = args[:-num_outputs] if num_outputs else args
        outputs = _differentiable_outputs(func(*input_args))
        grad_outs = args[-num_outputs:] if num_outputs else ()
        diff_input_args = tuple(x for i, x in enumerate(input_args) if i in diff_input_indices)
        grad_inputs = autograd_grad(
            outputs, diff_input_args, grad_outs, create_graph=True, allow_unused=True
        )
        return tuple(g for g in grad_inputs if g is not None)

    return gradcheck(
        new_func,
        tupled_inputs + tupled_grad_outputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        nondet_tol=nondet_tol,
        check_undefined_grad=check_undefined_grad,
        check_grad_dtypes=check_grad_dtypes,
        check_batched_grad=check_batched_grad,
        fast_mode=fast_mode,
        check_forward_ad=check_fwd_over_rev,
        check_backward_ad=check_rev_over_rev,
        masked=masked,
    )


def _random_grad_output(o: Tensor, noncontiguous: bool) -> Tensor:
    """Uniform in [-1, 1) from the global generator (as ``torch.testing.make_tensor``)."""
    from ..ops.random import rand

    dtype = o._data.dtype if o._data.dtype.kind in "fc" else np.float64
    shape = o._data.shape
    n = int(np.prod(shape))
    values = (rand(2 * n if noncontiguous else n, dtype=_dtype.float64)._data * 2 - 1).astype(dtype)
    array = values[::2].reshape(shape) if noncontiguous else values.reshape(shape)
    return Tensor._make(array, requires_grad=True)
