"""Custom differentiable functions: ``Function``, ``FunctionCtx``, ``once_differentiable``.

Follows ``torch/autograd/function.py`` and ``torch/csrc/autograd/python_function.cpp``:
``MyFn.apply(*args)`` runs ``MyFn.forward`` with grad mode off, and - when grad mode is on and a
tensor argument requires grad - records a node of class ``MyFnBackward`` as the outputs'
``grad_fn``. As in PyTorch, that node *is* the ``ctx`` that ``forward`` (or ``setup_context``)
filled in and that ``backward`` receives.
"""

from __future__ import annotations

import functools
import inspect

from .._tensor import Tensor
from . import grad_mode
from .graph import (
    _SECOND_BACKWARD,
    Node,
    _sequence,
    _shadow,
    _unpack_output,
    edge_of,
    modified_message,
)

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable", "InplaceFunction"]

_LEAF_INPLACE = "a leaf Variable that requires grad has been used in an in-place operation."


class FunctionCtx:
    """What ``forward``/``setup_context`` use to pass state to ``backward``."""

    def save_for_backward(self, *tensors) -> None:
        """Save tensors for ``backward`` (read back as ``ctx.saved_tensors``). Saving them this way,
        rather than as attributes, frees them after backward and checks them for in-place changes."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save variables, but argument {i} is of type "
                    f"{type(t).__name__}"
                )
        self.to_save = tensors

    def save_for_forward(self, *tensors) -> None:
        """Kept for API compatibility: numtorch has no forward-mode AD."""
        self.saved_for_forward = tensors

    def mark_dirty(self, *args: Tensor) -> None:
        """Declare the input tensors ``forward`` modified in place (and returns as outputs)."""
        self.dirty_tensors = args

    def mark_non_differentiable(self, *args: Tensor) -> None:
        """Declare outputs that are not differentiable: they do not require grad, and
        ``backward`` still receives a (zero) gradient for each."""
        self.non_differentiable = args

    def set_materialize_grads(self, value: bool) -> None:
        """Whether ``backward`` gets zero tensors (True, the default) or ``None`` for outputs no
        gradient reached."""
        self.materialize_grads = value


class BackwardCFunction(FunctionCtx, Node):
    """The node (and ctx) of one ``Function.apply`` call. Its class is ``<Name>Backward``."""

    _forward_cls: type
    _user_defined = True
    _runs_without_grads = True
    materialize_grads = True
    to_save: tuple = ()
    dirty_tensors: tuple = ()
    non_differentiable: tuple = ()
    needs_input_grad: tuple = ()
    _output_meta: tuple = ()

    def __repr__(self) -> str:
        return f"<torch.autograd.function.{type(self).__name__} object at {id(self):#x}>"

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``; saved outputs come back with this node as
        their ``grad_fn``. Raises PyTorch's errors after the graph was freed or after a saved
        tensor was modified in place."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(_SECOND_BACKWARD)
        out = []
        for entry in saved:
            if entry is None:
                out.append(None)
                continue
            t, expected, output_nr = entry
            if output_nr >= 0:
                t = _unpack_output(t, expected, self, output_nr)
                t.grad_fn, t._output_nr, t._requires_grad = self, output_nr, True
            elif t._version[0] != expected:
                raise RuntimeError(modified_message(t, expected))
            out.append(t)
        return tuple(out)

    saved_variables = saved_tensors

    def backward(self, *grads):
        """The engine's entry: call the user's ``backward`` and check what it returns."""
        if self.materialize_grads:
            grads = tuple(
                _zeros(meta) if g is None and meta is not None else g
                for g, meta in zip(grads, self._output_meta)
            )
        cls = self._forward_cls
        user_fn = cls.vjp if cls.backward is Function.backward else cls.backward
        result = user_fn(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self.next_functions)
        if len(result) != n:
            if len(result) > n and all(g is None for g in result[n:]):
                result = result[:n]
            else:
                raise RuntimeError(
                    f"function {self.name()} returned an incorrect number of gradients (expected "
                    f"{n}, got {len(result)})"
                )
        for i, (g, meta) in enumerate(zip(result, self.input_meta)):
            if g is not None and meta is None:
                raise RuntimeError(
                    f"function {self.name()} returned a gradient different than None at position "
                    f"{i + 1}, but the corresponding forward input was not a Variable"
                )
        return result


def _zeros(meta):
    import numpy as np

    shape, dtype = meta
    return Tensor._make(np.zeros(shape, dtype.np))


class FunctionMeta(type):
    """Gives each ``Function`` subclass its node class, ``<Name>Backward``."""

    def __init__(cls, name, bases, attrs):
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})
        super().__init__(name, bases, attrs)


class Function(FunctionCtx, metaclass=FunctionMeta):
    r"""Base class for custom autograd functions (``torch.autograd.Function``).

    Define ``forward(ctx, *args)`` (or ``forward(*args)`` plus
    ``setup_context(ctx, inputs, output)``) and ``backward(ctx, *grad_outputs)`` as static methods,
    then call ``MyFn.apply(*args)``::

        class Exp(Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, grad):
                (y,) = ctx.saved_tensors
                return grad * y
    """

    def __init__(self, *args, **kwargs) -> None:
        import warnings

        warnings.warn(
            f"{self.__class__} should not be instantiated. Methods on autograd functions are all "
            "static, so you should invoke them on the class itself. Instantiating an autograd "
            "function will raise an error in a future version of PyTorch.",
            DeprecationWarning,
            stacklevel=2,
        )

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)"
        )

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def setup_context(ctx, inputs: tuple, output) -> None:
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    @staticmethod
    def vjp(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError(
            "You must implement the jvp function for custom autograd.Function to use it with "
            "forward mode AD."
        )

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` on ``args`` and, if a gradient is needed, record the backward node."""
        setup_style = cls.setup_context is not Function.setup_context
        if setup_style:  # inputs as setup_context sees them: defaults filled in, as PyTorch
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, {}
        ctx = cls._backward_cls()
        needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        ctx.needs_input_grad = needs
        recording = grad_mode.enabled and any(needs)
        if recording:  # edges first: forward may modify its inputs in place (mark_dirty)
            ctx.next_functions = tuple(
                edge_of(a) if isinstance(a, Tensor) else (None, 0) for a in args
            )
            ctx.input_meta = tuple(
                (a._data.shape, a.dtype) if isinstance(a, Tensor) else None for a in args
            )
        prev = grad_mode.enabled
        grad_mode.enabled = False
        try:
            if setup_style:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        finally:
            grad_mode.enabled = prev
        return _wrap_outputs(ctx, args, output, recording)


def _wrap_outputs(ctx: BackwardCFunction, args: tuple, output, recording: bool):
    """Give the outputs their history (PyTorch's ``_wrap_outputs``/``_process_backward_mode_ad``)."""
    is_tuple = isinstance(output, tuple)
    outputs = output if is_tuple else (output,)
    input_ids = {id(a) for a in args if isinstance(a, Tensor)}
    dirty = {id(t) for t in ctx.dirty_tensors}
    non_diff = {id(t) for t in ctx.non_differentiable}
    if recording:
        ctx._seq = next(_sequence)
        ctx.n_outputs = len(outputs)
    wrapped = []
    meta = []
    for nr, t in enumerate(outputs):
        if not isinstance(t, Tensor):
            wrapped.append(t)
            meta.append(None)
            continue
        meta.append((t._data.shape, t.dtype))
        key = id(t)
        if key in input_ids and key not in dirty:
            t = t._view_of(t._data)  # an input returned as is becomes a view of it, as in PyTorch
            key = id(t)
        if not recording:
            wrapped.append(t)
            continue
        if key in non_diff or t._data.dtype.kind not in "fcV":  # integer outputs never need grad
            t._requires_grad = False
            t.grad_fn = None
        elif key in dirty:
            _rebase_dirty(ctx, t, nr, args)
        else:
            t.grad_fn = ctx
            t._output_nr = nr
            t._requires_grad = True
            if t._base is not None:
                ctx._view_version = t._version[0]
        wrapped.append(t)
    if recording:
        ctx._output_meta = tuple(meta)
        _pack_saved(ctx, wrapped)
    return tuple(wrapped) if is_tuple else wrapped[0]


def _rebase_dirty(ctx: BackwardCFunction, t: Tensor, nr: int, args: tuple) -> None:
    """An input ``forward`` modified in place now has this node as its history."""
    if t._requires_grad and t.grad_fn is None:
        raise RuntimeError(_LEAF_INPLACE)
    if t._base is not None and t._base._requires_grad:
        if t._base.grad_fn is None:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place operation."
            )
        if ctx.n_outputs != 1:
            raise NotImplementedError(
                "numtorch: mark_dirty on a view is supported for single-output Functions only"
            )
        from .views import rebase_view

        view_index = next(i for i, a in enumerate(args) if a is t)
        rebase_view(t, ctx, view_index)
        return
    t.grad_fn = ctx
    t._output_nr = nr
    t._requires_grad = True
    t._version[0] += 1  # PyTorch bumps a dirty tensor's version once more when rebasing it


def _pack_saved(ctx: BackwardCFunction, outputs: list) -> None:
    """``ctx.to_save`` as (tensor, version, output_nr): outputs are kept as history-free shadows,
    so that output -> node -> output is no reference cycle."""
    output_nr = {id(t): nr for nr, t in enumerate(outputs) if isinstance(t, Tensor)}
    packed = []
    for t in ctx.to_save:
        if t is None:
            packed.append(None)
            continue
        nr = output_nr.get(id(t), -1)
        packed.append((_shadow(t) if nr >= 0 else t, t._version[0], nr))
    ctx._saved = tuple(packed)
    ctx.to_save = ()


class InplaceFunction(Function):
    """``torch.autograd.function.InplaceFunction``: a Function with an ``inplace`` flag."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace


# --- once_differentiable ---------------------------------------------------------------------------
class DelayedError(Node):
    """Stands in for a backward marked ``@once_differentiable``: differentiating it raises."""

    _runs_without_grads = True

    def __init__(self, msg: str, n_outputs: int) -> None:
        self.msg = msg
        self.n_outputs = n_outputs

    def backward(self, *grads):
        raise RuntimeError(self.msg)


def once_differentiable(fn):
    """Decorate a ``backward`` that is not itself differentiable: it runs with grad mode off, and
    differentiating its result (double backward) raises PyTorch's error."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        prev = grad_mode.enabled
        grad_mode.enabled = False
        try:
            outputs = fn(ctx, *args)
        finally:
            grad_mode.enabled = prev
        if not prev:
            return outputs
        if not any(isinstance(a, Tensor) and a._requires_grad for a in args):
            return outputs
        is_tuple = isinstance(outputs, tuple)
        outs = outputs if is_tuple else (outputs,)
        err = DelayedError(
            "trying to differentiate twice a function that was marked with @once_differentiable",
            len(outs),
        )
        err._seq = next(_sequence)
        err.next_functions = tuple((None, 0) for _ in args)
        wrapped = []
        for nr, o in enumerate(outs):
            if isinstance(o, Tensor):
                o = o.detach()
                o.grad_fn, o._output_nr, o._requires_grad = err, nr, True
            wrapped.append(o)
        return tuple(wrapped) if is_tuple else wrapped[0]

    return wrapper
