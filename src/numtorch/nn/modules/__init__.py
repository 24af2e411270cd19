"""Every ``nn`` layer, one family per file as in ``torch/nn/modules``."""

from .activation import *  # noqa: F403
from .container import *  # noqa: F403
from .flatten import *  # noqa: F403
from .linear import *  # noqa: F403
from .loss import *  # noqa: F403
from .module import Module

from . import activation, container, flatten, linear, loss  # isort: skip

__all__ = [
    "Module",
    *activation.__all__,
    *container.__all__,
    *flatten.__all__,
    *linear.__all__,
    *loss.__all__,
]

# Convolution, pooling, recurrent and attention layers.
from .conv import *  # noqa: E402, F403
from .pooling import *  # noqa: E402, F403

__all__ += [*conv.__all__, *pooling.__all__]  # noqa: F405
