"""Helpers shared by the tests/test_data_*.py files (numtorch.utils.data vs PyTorch)."""

from __future__ import annotations

import numpy as np

import numtorch


def plain(obj):
    """A framework-neutral picture of a (nested) result: tensors as (dtype, shape, values),
    containers tagged by their type so a list is never mistaken for a tuple."""
    if type(obj).__name__ in ("Tensor", "Parameter"):
        return ("tensor", str(obj.dtype), tuple(obj.shape), obj.tolist())
    if isinstance(obj, np.ndarray):
        return ("ndarray", str(obj.dtype), obj.tolist())
    if isinstance(obj, (list, tuple)):  # namedtuples keep their own type name
        return (type(obj).__name__, [plain(v) for v in obj])
    if isinstance(obj, dict):
        return (type(obj).__name__, {k: plain(v) for k, v in obj.items()})
    if isinstance(obj, np.generic):
        return ("npscalar", str(obj.dtype), obj.item())
    return obj


def seed_both(torch, seed: int) -> None:
    """Seed numtorch's and PyTorch's default generators alike."""
    torch.manual_seed(seed)
    numtorch.manual_seed(seed)


def assert_streams_aligned(torch) -> None:
    """Both default generators are at the same point of their streams."""
    assert numtorch.rand(4).tolist() == torch.rand(4).tolist()
