"""Grad modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Follows ``torch/autograd/grad_mode.py``. Ops read ``grad_mode.enabled`` (a module global) to decide
whether to record a graph; each mode is a context manager and a decorator.
"""

from __future__ import annotations

import functools
import inspect

enabled = True


def is_grad_enabled() -> bool:
    """``torch.is_grad_enabled``."""
    return enabled


class _GradModeContext:
    """Base: a context manager that is also a decorator (for functions and generators)."""

    _mode: bool

    def __enter__(self):
        global enabled
        self._prev = enabled
        enabled = self._mode

    def __exit__(self, *exc):
        global enabled
        enabled = self._prev
        return False

    def clone(self):
        return type(self)()

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator(*args, **kwargs):
                gen = func(*args, **kwargs)
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        gen.close()
                        raise
                    with self.clone():
                        response = gen.send(request)

            return generator

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """``torch.no_grad``: ops record no graph inside it."""

    _mode = False

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)  # used bare as ``@no_grad``


class enable_grad(_GradModeContext):
    """``torch.enable_grad``."""

    _mode = True

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class set_grad_enabled(_GradModeContext):
    """``torch.set_grad_enabled(mode)``: takes effect at once, and restores on exit if used in ``with``."""

    def __init__(self, mode: bool):
        global enabled
        self._prev = enabled
        self._mode = bool(mode)
        enabled = self._mode

    def __enter__(self):
        pass

    def clone(self):
        return set_grad_enabled(self._mode)


class inference_mode(_GradModeContext):
    """``torch.inference_mode``: like ``no_grad`` here (numtorch has no separate inference tensors)."""

    def __init__(self, mode: bool = True):
        self._mode = not mode

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)

    def clone(self):
        return inference_mode(not self._mode)


def is_inference_mode_enabled() -> bool:
    return False
