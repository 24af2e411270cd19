"""Shared fixtures. Keep this file small: each fixture is used by several test modules."""

from __future__ import annotations

import sys

import pytest

import numtorch
from numtorch.autograd import grad_mode


@pytest.fixture(scope="session")
def torch():
    """Real PyTorch, the test oracle; tests that take it skip cleanly when it is absent."""
    return pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _restore_global_state():
    """A test that changes numtorch's (or torch's) default dtype or grad mode cannot leak it."""
    dtype, enabled = numtorch.get_default_dtype(), grad_mode.enabled
    real = sys.modules.get("torch")
    real_state = (real.get_default_dtype(), real.is_grad_enabled()) if real else None
    yield
    numtorch.set_default_dtype(dtype)
    grad_mode.enabled = enabled
    real = sys.modules.get("torch")
    if real is not None and real_state is not None:
        real.set_default_dtype(real_state[0])
        real.set_grad_enabled(real_state[1])
