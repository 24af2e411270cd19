"""Grad modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Follows ``torch/autograd/grad_mode.py`` and ``torch/utils/_contextlib.py``. Ops read
``grad_mode.enabled`` (a module global: one attribute load on the fast path) to decide whether to
record a graph. Each mode is a context manager and a decorator (of functions and generators).
"""

from __future__ import annotations

import functools
import inspect
import sys

enabled = True
inference = False  # inside inference_mode(True) (grad is off there too)


def is_grad_enabled() -> bool:
    """``torch.is_grad_enabled``."""
    return enabled


def is_inference_mode_enabled() -> bool:
    """``torch.is_inference_mode_enabled``."""
    return inference


class _DecoratorContextManager:
    """A context manager that is also a decorator: each call of the decorated function (or each
    step of a decorated generator) runs inside a fresh copy of the context."""

    def clone(self):
        return self.__class__()

    def __call__(self, orig_func):
        if inspect.isgeneratorfunction(orig_func):
            return self._wrap_generator(orig_func)

        @functools.wraps(orig_func)
        def decorate_context(*args, **kwargs):
            with self.clone():
                return orig_func(*args, **kwargs)

        return decorate_context

    def _wrap_generator(self, func):
        @functools.wraps(func)
        def generator_context(*args, **kwargs):
            gen = func(*args, **kwargs)
            try:
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self.clone():
                            gen.close()
                        raise
                    except BaseException:
                        with self.clone():
                            response = gen.throw(*sys.exc_info())
                    else:
                        with self.clone():
                            response = gen.send(request)
            except StopIteration as e:
                return e.value

        return generator_context


class _GradModeContext(_DecoratorContextManager):
    _mode: bool

    def __enter__(self) -> None:
        global enabled
        self._prev = enabled
        enabled = self._mode

    def __exit__(self, *exc) -> bool:
        global enabled
        enabled = self._prev
        return False


class no_grad(_GradModeContext):
    """``torch.no_grad``: ops record no graph inside it (``with``, ``@no_grad()`` or ``@no_grad``)."""

    _mode = False

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)  # used bare as ``@no_grad``


class enable_grad(_GradModeContext):
    """``torch.enable_grad``: grad mode back on (inside ``no_grad``, say)."""

    _mode = True

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class set_grad_enabled(_GradModeContext):
    """``torch.set_grad_enabled(mode)``: takes effect at once as a function call; as a context
    manager or decorator it applies inside and restores the previous mode after."""

    def __init__(self, mode: bool) -> None:
        global enabled
        self._prev = enabled
        self._mode = bool(mode)
        enabled = self._mode

    def __call__(self, orig_func):
        global enabled
        enabled = self._prev  # decorating must not change the mode of the code around it
        return super().__call__(orig_func)

    def __enter__(self) -> None:
        global enabled
        enabled = self._mode

    def clone(self):
        return self.__class__(self._mode)


class inference_mode(_DecoratorContextManager):
    """``torch.inference_mode(mode=True)``: like ``no_grad`` (numtorch has no separate inference
    tensors, so tensors made inside behave as ordinary tensors that do not require grad)."""

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)  # used bare as ``@inference_mode``

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        global enabled, inference
        self._prev = (enabled, inference)
        if self.mode:
            enabled, inference = False, True
        else:
            inference = False

    def __exit__(self, *exc) -> bool:
        global enabled, inference
        enabled, inference = self._prev
        return False

    def clone(self):
        return self.__class__(self.mode)
