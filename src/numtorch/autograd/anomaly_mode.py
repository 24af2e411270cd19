"""Anomaly detection: ``detect_anomaly``, ``set_detect_anomaly`` (``torch/autograd/anomaly_mode.py``).

PyTorch's errors about in-place changes end with a hint to enable it. Here it does what is cheap to
do in Python: with ``check_nan``, the engine raises as soon as a node returns a NaN gradient,
naming the node. (PyTorch also prints the forward traceback of the failing op; numtorch records
no tracebacks.)
"""

from __future__ import annotations

import functools
import warnings

enabled = False
check_nan = True


def is_anomaly_enabled() -> bool:
    """``torch.is_anomaly_enabled``."""
    return enabled


def is_anomaly_check_nan_enabled() -> bool:
    """``torch.is_anomaly_check_nan_enabled``."""
    return enabled and check_nan


class detect_anomaly:
    """``torch.autograd.detect_anomaly(check_nan=True)``: context manager and decorator."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self._prev = (enabled, globals()["check_nan"])
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should "
            "only be enabled for debugging.",
            UserWarning,
            stacklevel=2,
        )

    def __enter__(self) -> None:
        global enabled, check_nan
        self._prev = (enabled, check_nan)
        enabled, check_nan = True, self.check_nan

    def __exit__(self, *exc) -> bool:
        global enabled, check_nan
        enabled, check_nan = self._prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return wrapper


class set_detect_anomaly:
    """``torch.autograd.set_detect_anomaly(mode, check_nan=True)``: takes effect at once, and is
    restored on exit when used in ``with``."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        global enabled
        self._prev = (enabled, globals()["check_nan"])
        enabled = bool(mode)
        globals()["check_nan"] = bool(check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> bool:
        global enabled, check_nan
        enabled, check_nan = self._prev
        return False


def check_grads(node, grads) -> None:
    """The engine's NaN check on a node's returned gradients (anomaly mode with ``check_nan``)."""
    import numpy as np

    for i, g in enumerate(grads):
        if g is not None and g._data.dtype.kind in "fc" and np.isnan(g._data).any():
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
