"""``torch.utils``: ``data`` (datasets, samplers, ``DataLoader``) and the other helper packages.

Subpackages are imported on first access (``numtorch.utils.data``), so ``import numtorch`` stays light.
"""

from __future__ import annotations

import importlib


def __getattr__(name: str):
    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{name}":
            raise  # the submodule exists but something it imports is missing
        raise AttributeError(f"module '{__name__}' has no attribute '{name}'") from None
