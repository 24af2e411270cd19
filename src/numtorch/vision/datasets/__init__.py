"""``numtorch.vision.datasets``: torchvision's datasets, with their constructor signatures and
folder layouts."""

from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .folder import DatasetFolder, ImageFolder
from .mnist import EMNIST, KMNIST, MNIST, FashionMNIST
from .vision import VisionDataset

__all__ = [
    "MNIST",
    "FashionMNIST",
    "KMNIST",
    "EMNIST",
    "CIFAR10",
    "CIFAR100",
    "DatasetFolder",
    "ImageFolder",
    "FakeData",
    "VisionDataset",
]
