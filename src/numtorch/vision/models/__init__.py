"""``numtorch.vision.models``: torchvision's VGG and ResNet builders, with its constructor
signatures and ``state_dict`` layout."""

from ._api import Weights, WeightsEnum
from .resnet import *  # noqa: F403
from .resnet import __all__ as _resnet_all
from .vgg import *  # noqa: F403
from .vgg import __all__ as _vgg_all

__all__ = ["Weights", "WeightsEnum", *_resnet_all, *_vgg_all]
