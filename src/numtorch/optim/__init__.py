"""``torch.optim``: optimizers that update parameters in place from their ``.grad``, and
``lr_scheduler``.

Each algorithm lives in its own module (``sgd.py``, ``adam.py``, ...) as a class plus the functional
update it calls, following PyTorch's single-tensor implementation on the NumPy arrays
(NOTE [ Updates on the arrays ] in ``optimizer.py``).
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .asgd import ASGD
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = [
    "Adadelta",
    "Adagrad",
    "Adam",
    "Adamax",
    "AdamW",
    "ASGD",
    "lr_scheduler",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "Rprop",
    "SGD",
]
