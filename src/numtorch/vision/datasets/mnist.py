"""MNIST, FashionMNIST, KMNIST and EMNIST, after ``torchvision/datasets/mnist.py``.

The images live in IDX files ("SN3 Pascal Vincent" format): a big-endian magic number whose third
byte names the element type and fourth the number of dimensions, one big-endian 32-bit size per
dimension, then the elements. They are read here gzipped or not, straight into one array.

Where the files are looked for (the first folder holding the split's two files wins):

1. ``root/<ClassName>/raw/``, unzipped (torchvision's layout) or still ``.gz``;
2. with ``download=True``, the system folders of the class: Debian's ``dataset-fashion-mnist``
   package installs ``/usr/share/datasets/fashion-mnist/*.gz``, read in place;
3. with ``download=True``, the class's mirrors: each file is fetched into ``root/<ClassName>/raw/``,
   checked against torchvision's MD5 and unzipped, as torchvision does.

``__getitems__`` serves a whole batch at once (see ``_batched``); ``__getitem__`` is torchvision's
per-sample path (a PIL image through ``transform``).
"""

from __future__ import annotations

import gzip
import os
import string
import struct
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.error import URLError

import numpy as np
from PIL import Image

from ..._tensor import Tensor
from ._batched import getitems_uint8_images
from .utils import download_and_extract_archive, extract_archive, verify_str_arg
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "EMNIST", "read_image_file", "read_label_file"]

# IDX element type codes (third byte of the magic number) -> big-endian NumPy dtype.
_IDX_DTYPES = {
    8: np.dtype(np.uint8),
    9: np.dtype(np.int8),
    11: np.dtype(">i2"),
    12: np.dtype(">i4"),
    13: np.dtype(">f4"),
    14: np.dtype(">f8"),
}


def _corrupt(path: str, reason: str) -> RuntimeError:
    return RuntimeError(f"Corrupt or truncated dataset file {path}: {reason}")


def _read_idx(path: str) -> np.ndarray:
    """The array stored in the IDX file ``path`` (gzipped or not), in native byte order."""
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    try:
        with gzip.open(path, "rb") if gzipped else open(path, "rb") as f:
            magic = f.read(4)
            if len(magic) < 4 or magic[0] != 0 or magic[1] != 0:
                raise _corrupt(path, "it does not start with an IDX magic number")
            type_code, ndim = magic[2], magic[3]
            if type_code not in _IDX_DTYPES:
                raise _corrupt(path, f"unknown IDX element type 0x{type_code:02x}")
            dims = f.read(4 * ndim)
            if len(dims) < 4 * ndim:
                raise _corrupt(path, "the header ends early")
            shape = struct.unpack(f">{ndim}I", dims)
            dtype = _IDX_DTYPES[type_code]
            expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            buffer = np.empty(expected, dtype=np.uint8)
            filled = 0
            view = memoryview(buffer)
            while filled < expected:
                n = f.readinto(view[filled:])
                if not n:
                    break
                filled += n
            if filled < expected:
                raise _corrupt(
                    path, f"the header promises {expected} bytes of data, found {filled}"
                )
            if f.read(1):
                raise _corrupt(path, f"more data than the {expected} bytes its header promises")
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise _corrupt(path, f"{type(error).__name__}: {error}") from None
    array = buffer.view(dtype).reshape(shape)
    if dtype.byteorder == ">":
        array = array.astype(dtype.newbyteorder("="))
    return array


def read_sn3_pascalvincent_tensor(path: str, strict: bool = True) -> Tensor:
    """``torchvision.datasets.mnist.read_sn3_pascalvincent_tensor``: an IDX file as a tensor."""
    return Tensor._make(_read_idx(os.fspath(path)))


def read_label_file(path: str) -> Tensor:
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x._data.dtype != np.uint8:
        raise TypeError(f"x should be of dtype torch.uint8 instead of {x.dtype}")
    if x.ndimension() != 1:
        raise ValueError(f"x should have 1 dimension instead of {x.ndimension()}")
    return Tensor._make(x._data.astype(np.int64))


def read_image_file(path: str) -> Tensor:
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x._data.dtype != np.uint8:
        raise TypeError(f"x should be of dtype torch.uint8 instead of {x.dtype}")
    if x.ndimension() != 3:
        raise ValueError(f"x should have 3 dimension instead of {x.ndimension()}")
    return x


class MNIST(VisionDataset):
    """``torchvision.datasets.MNIST``: ``root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte``
    (or ``.gz``). ``data`` is a uint8 tensor N×28×28, ``targets`` an int64 tensor N."""

    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    # Folders outside ``root`` that a system package fills (read in place when ``download=True``).
    system_folders: tuple[str, ...] = ()
    training_file = "training.pt"
    test_file = "test.pt"
    classes = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]

    @property
    def train_labels(self) -> Tensor:
        warnings.warn("train_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def test_labels(self) -> Tensor:
        warnings.warn("test_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def train_data(self) -> Tensor:
        warnings.warn("train_data has been renamed data", stacklevel=2)
        return self.data

    @property
    def test_data(self) -> Tensor:
        warnings.warn("test_data has been renamed data", stacklevel=2)
        return self.data

    def __init__(
        self,
        root: str | Path,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train  # training set or test set
        folder = self._find_folder(include_system=download)
        if folder is None and download:
            self.download()
            folder = self._find_folder(include_system=False)
        if folder is None:
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        self.data, self.targets = self._load_data(folder)

    # --- files -----------------------------------------------------------------------------------
    def _split_files(self) -> tuple[str, str]:
        """The unzipped names of this split's image and label files."""
        prefix = "train" if self.train else "t10k"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    @staticmethod
    def _locate(folder: str, name: str) -> str | None:
        for candidate in (name, name + ".gz"):
            path = os.path.join(folder, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _find_folder(self, include_system: bool) -> str | None:
        folders = [self.raw_folder] + (list(self.system_folders) if include_system else [])
        for folder in folders:
            if all(self._locate(folder, name) for name in self._split_files()):
                return folder
        return None

    def _check_exists(self) -> bool:
        return self._find_folder(include_system=False) is not None

    def _load_data(self, folder: str) -> tuple[Tensor, Tensor]:
        image_name, label_name = self._split_files()
        data = read_image_file(self._locate(folder, image_name))
        targets = read_label_file(self._locate(folder, label_name))
        if len(data) != len(targets):
            raise RuntimeError(
                f"{self._locate(folder, image_name)} holds {len(data)} images but "
                f"{self._locate(folder, label_name)} holds {len(targets)} labels"
            )
        return data, targets

    def download(self) -> None:
        """Download the files that are missing from ``raw_folder`` (torchvision's mirrors, MD5)."""
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            if self._locate(self.raw_folder, os.path.splitext(filename)[0]):
                continue
            for mirror in self.mirrors:
                url = f"{mirror}{filename}"
                try:
                    print(f"Downloading {url}")
                    download_and_extract_archive(
                        url, download_root=self.raw_folder, filename=filename, md5=md5
                    )
                except (URLError, OSError) as error:
                    print(f"Failed to download (trying next):\n{error}")
                    continue
                finally:
                    print()
                break
            else:
                raise RuntimeError(f"Error downloading {filename}")

    # --- samples ---------------------------------------------------------------------------------
    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = self.data[index], int(self.targets[index])
        # A PIL image, as torchvision returns, so that every transform sees what it expects.
        img = Image.fromarray(img.numpy(), mode="L")
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __getitems__(self, indices: list[int]) -> list[tuple[Any, Any]]:
        """A batch of samples equal to ``[self[i] for i in indices]``, vectorised when the
        transform allows it (see ``_batched``)."""
        return getitems_uint8_images(self, indices, self.data, self.targets, MNIST.__getitem__)

    def __len__(self) -> int:
        return len(self.data)

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {_class: i for i, _class in enumerate(self.classes)}

    def extra_repr(self) -> str:
        split = "Train" if self.train is True else "Test"
        return f"Split: {split}"


class FashionMNIST(MNIST):
    """``torchvision.datasets.FashionMNIST``: ``root/FashionMNIST/raw/``; with ``download=True``
    also Debian's ``/usr/share/datasets/fashion-mnist/`` (package ``dataset-fashion-mnist``)."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    system_folders = ("/usr/share/datasets/fashion-mnist",)
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


class KMNIST(MNIST):
    """``torchvision.datasets.KMNIST`` (Kuzushiji-MNIST): ``root/KMNIST/raw/``."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


class EMNIST(MNIST):
    """``torchvision.datasets.EMNIST``: ``root/EMNIST/raw/emnist-<split>-{train,test}-*-ubyte``."""

    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    # The merged classes assume the same structure for the upper- and lowercase letter.
    _merged_classes = {"c", "i", "j", "k", "l", "m", "o", "p", "s", "u", "v", "w", "x", "y", "z"}
    _all_classes = set(string.digits + string.ascii_letters)
    classes_split_dict = {
        "byclass": sorted(_all_classes),
        "bymerge": sorted(_all_classes - _merged_classes),
        "balanced": sorted(_all_classes - _merged_classes),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root: str | Path, split: str, **kwargs: Any) -> None:
        self.split = verify_str_arg(split, "split", self.splits)
        self.training_file = f"training_{split}.pt"
        self.test_file = f"test_{split}.pt"
        super().__init__(root, **kwargs)
        self.classes = self.classes_split_dict[self.split]

    @property
    def _file_prefix(self) -> str:
        return f"emnist-{self.split}-{'train' if self.train else 'test'}"

    def _split_files(self) -> tuple[str, str]:
        return f"{self._file_prefix}-images-idx3-ubyte", f"{self._file_prefix}-labels-idx1-ubyte"

    @property
    def images_file(self) -> str:
        return os.path.join(self.raw_folder, self._split_files()[0])

    @property
    def labels_file(self) -> str:
        return os.path.join(self.raw_folder, self._split_files()[1])

    def download(self) -> None:
        """Download NIST's ``gzip.zip`` and unpack its ``.gz`` members into ``raw_folder``."""
        os.makedirs(self.raw_folder, exist_ok=True)
        download_and_extract_archive(self.url, download_root=self.raw_folder, md5=self.md5)
        gzip_folder = os.path.join(self.raw_folder, "gzip")
        for name in os.listdir(gzip_folder):
            if name.endswith(".gz"):
                extract_archive(
                    os.path.join(gzip_folder, name), self.raw_folder, remove_finished=True
                )
