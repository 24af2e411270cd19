"""``numtorch.vision``: torchvision's API on numtorch (``from numtorch.vision import datasets,
transforms`` as ``from torchvision import datasets, transforms``).

``datasets`` and ``transforms`` load eagerly; ``io``, ``utils`` and ``models`` (which needs
``numtorch.nn``) load on first use.
"""

import importlib as _importlib

from . import datasets, transforms

__all__ = ["datasets", "transforms", "io", "models", "utils"]
__version__ = "0.28.0"
_LAZY_SUBMODULES = {"io", "models", "utils"}


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES:
        return _importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'numtorch.vision' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | _LAZY_SUBMODULES)
