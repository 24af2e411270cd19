"""FashionMNIST as torchvision reads it (IDX files → uint8 tensors; samples as PIL images)."""

import gzip
import os

import numpy as np
import torch
from PIL import Image

DEBIAN = "/usr/share/datasets/fashion-mnist"


def _idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape).copy()


class FashionMNIST(torch.utils.data.Dataset):
    classes = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        prefix = "train" if train else "t10k"
        folder = os.environ.get("FASHION_MNIST_DIR", DEBIAN)
        self.data = torch.from_numpy(_idx(f"{folder}/{prefix}-images-idx3-ubyte.gz"))
        self.targets = torch.from_numpy(
            _idx(f"{folder}/{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
        )
        self.transform, self.target_transform = transform, target_transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        img, target = self.data[index], int(self.targets[index])
        img = Image.fromarray(img.numpy(), mode="L")
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target
