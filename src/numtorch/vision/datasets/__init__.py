"""``numtorch.vision.datasets``: torchvision's datasets, with their constructor signatures and
folder layouts."""

from .mnist import EMNIST, KMNIST, MNIST, FashionMNIST
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "EMNIST", "VisionDataset"]
