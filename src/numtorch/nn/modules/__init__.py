"""Every ``nn`` layer, one family per file as in ``torch/nn/modules``."""

from . import (
    activation,
    batchnorm,
    container,
    dropout,
    flatten,
    linear,
    loss,
    normalization,
    sparse,
)  # fmt: skip
from .activation import *  # noqa: F403
from .batchnorm import *  # noqa: F403
from .container import *  # noqa: F403
from .dropout import *  # noqa: F403
from .flatten import *  # noqa: F403
from .linear import *  # noqa: F403
from .loss import *  # noqa: F403
from .module import Module
from .normalization import *  # noqa: F403
from .sparse import *  # noqa: F403

__all__ = [
    "Module",
    *activation.__all__, *batchnorm.__all__, *container.__all__, *dropout.__all__,
    *flatten.__all__, *linear.__all__, *loss.__all__, *normalization.__all__, *sparse.__all__,
]  # fmt: skip

# Convolution, pooling, recurrent and attention layers.
from .attention import *  # noqa: E402, F403
from .conv import *  # noqa: E402, F403
from .pooling import *  # noqa: E402, F403
from .rnn import *  # noqa: E402, F403
from .transformer import *  # noqa: E402, F403
from .upsampling import *  # noqa: E402, F403

__all__ += [*conv.__all__, *pooling.__all__, *rnn.__all__, *attention.__all__,  # noqa: F405
            *transformer.__all__, *upsampling.__all__]  # fmt: skip  # noqa: F405
