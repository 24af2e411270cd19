"""Every op, its forward beside its backward. Each module lists its ``torch.*`` names in ``__all__``.

Importing this package also attaches the ops to ``Tensor`` as methods (``x.exp()``, ``x.add_(y)``).
"""

from . import (
    arithmetic,
    conversion,
    creation,
    indexing,
    linalg,
    pointwise,
    random,
    reduction,
    shape,
)
from .arithmetic import *  # noqa: F403
from .conversion import *  # noqa: F403
from .creation import *  # noqa: F403
from .indexing import *  # noqa: F403
from .linalg import *  # noqa: F403
from .pointwise import *  # noqa: F403
from .random import *  # noqa: F403
from .reduction import *  # noqa: F403
from .shape import *  # noqa: F403

__all__ = [
    *arithmetic.__all__, *conversion.__all__, *creation.__all__, *indexing.__all__,
    *linalg.__all__, *pointwise.__all__, *random.__all__, *reduction.__all__, *shape.__all__,
]  # fmt: skip
