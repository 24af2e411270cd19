"""``numtorch.vision.transforms``: torchvision's ``transforms`` (classes) and ``functional``."""

from . import functional
from .transforms import *  # noqa: F403
from .transforms import __all__ as _transforms_all

__all__ = ["functional", *_transforms_all]
