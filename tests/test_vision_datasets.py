"""numtorch.vision.datasets: MNIST family (IDX files), errors, batched fetching == per-sample."""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np
import pytest
from PIL import Image

import numtorch
from numtorch.vision import datasets, transforms
from numtorch.vision.transforms import ToTensor

DEBIAN = "/usr/share/datasets/fashion-mnist"
HAVE_DEBIAN = all(
    os.path.isfile(os.path.join(DEBIAN, f"{p}-{k}-ubyte.gz"))
    for p in ("train", "t10k")
    for k in ("images-idx3", "labels-idx1")
)


# --- an independent IDX reader and writer --------------------------------------------------------
def read_idx_independently(path: str) -> np.ndarray:
    """Parse an IDX file by the format's definition (header of big-endian ints, then the data)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    zero, type_code, ndim = struct.unpack(">HBB", raw[:4])
    assert zero == 0 and type_code == 0x08
    shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    return np.frombuffer(raw[4 + 4 * ndim :], dtype=np.uint8).reshape(shape)


def write_idx(path: str, array: np.ndarray, gz: bool) -> None:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(np.uint8).tobytes()
    with (gzip.open if gz else open)(path, "wb") as f:
        f.write(payload)


def make_mnist_folder(root, name="FashionMNIST", n_train=50, n_test=20, gz=True, seed=0):
    rng = np.random.default_rng(seed)
    raw = os.path.join(root, name, "raw")
    os.makedirs(raw, exist_ok=True)
    arrays = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        suffix = ".gz" if gz else ""
        write_idx(os.path.join(raw, f"{prefix}-images-idx3-ubyte{suffix}"), images, gz)
        write_idx(os.path.join(raw, f"{prefix}-labels-idx1-ubyte{suffix}"), labels, gz)
        arrays[prefix] = (images, labels)
    return arrays


@pytest.fixture
def fake_root(tmp_path):
    arrays = make_mnist_folder(tmp_path)
    return str(tmp_path), arrays


# --- loading -------------------------------------------------------------------------------------
@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("cls", [datasets.MNIST, datasets.FashionMNIST, datasets.KMNIST])
def test_generated_idx_matches_independent_reader(tmp_path, gz, cls):
    arrays = make_mnist_folder(tmp_path, name=cls.__name__, gz=gz)
    for train, prefix in ((True, "train"), (False, "t10k")):
        ds = cls(root=str(tmp_path), train=train)
        images, labels = arrays[prefix]
        assert len(ds) == len(images)
        assert ds.data.dtype is numtorch.uint8 and ds.data.shape == images.shape
        assert ds.targets.dtype is numtorch.int64
        np.testing.assert_array_equal(ds.data.numpy(), images)
        np.testing.assert_array_equal(ds.targets.numpy(), labels)
        img, label = ds[3]
        assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
        np.testing.assert_array_equal(np.asarray(img), images[3])
        assert type(label) is int and label == labels[3]


@pytest.mark.skipif(not HAVE_DEBIAN, reason="dataset-fashion-mnist is not installed")
def test_real_fashion_mnist_equals_independent_read(tmp_path):
    ds = datasets.FashionMNIST(root=str(tmp_path), train=False, download=True, transform=ToTensor())
    images = read_idx_independently(os.path.join(DEBIAN, "t10k-images-idx3-ubyte.gz"))
    labels = read_idx_independently(os.path.join(DEBIAN, "t10k-labels-idx1-ubyte.gz"))
    assert len(ds) == 10000 and ds.classes[9] == "Ankle boot"
    for i in (0, 1, 4321, 9999):
        x, y = ds[i]
        assert x.shape == (1, 28, 28) and x.dtype is numtorch.float32
        expected = images[i].astype(np.float32) / np.float32(255)
        np.testing.assert_array_equal(x.numpy()[0], expected)
        assert y == int(labels[i])
    # Read in place: nothing was copied under root.
    assert not os.path.exists(os.path.join(str(tmp_path), "FashionMNIST"))


def test_attributes_and_repr(fake_root):
    root, _ = fake_root
    ds = datasets.FashionMNIST(root=root, train=False, transform=ToTensor())
    assert ds.class_to_idx["Trouser"] == 1 and len(ds.classes) == 10
    assert repr(ds) == (
        "Dataset FashionMNIST\n"
        "    Number of datapoints: 20\n"
        f"    Root location: {root}\n"
        "    Split: Test\n"
        "    StandardTransform\n"
        "Transform: ToTensor()"
    )
    with pytest.warns(UserWarning, match="train_labels has been renamed targets"):
        assert ds.train_labels is ds.targets


def test_not_found_message(tmp_path):
    with pytest.raises(
        RuntimeError, match=r"^Dataset not found\. You can use download=True to download it$"
    ):
        datasets.FashionMNIST(root=str(tmp_path), train=True, download=False)


def test_download_false_ignores_system_folder(tmp_path):
    # download=False looks only under root, as torchvision does.
    with pytest.raises(RuntimeError, match="Dataset not found"):
        datasets.FashionMNIST(root=str(tmp_path))


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda b: b[:-100], "promises 15680 bytes of data, found 15580"),
        (lambda b: b + b"\x00", "more data than"),
        (lambda b: b"\x12\x34" + b[2:], "does not start with an IDX magic number"),
        (lambda b: b[:2] + b"\x0a" + b[3:], "unknown IDX element type 0x0a"),
        (lambda b: b[:10], "the header ends early"),
    ],
)
def test_corrupt_file_names_the_file(tmp_path, damage, message):
    make_mnist_folder(tmp_path, name="MNIST", n_test=20, gz=False)
    path = os.path.join(tmp_path, "MNIST", "raw", "t10k-images-idx3-ubyte")
    with open(path, "rb") as f:
        content = f.read()
    with open(path, "wb") as f:
        f.write(damage(content))
    with pytest.raises(RuntimeError, match="Corrupt or truncated") as info:
        datasets.MNIST(root=str(tmp_path), train=False)
    assert path in str(info.value) and message in str(info.value)


def test_truncated_gzip_names_the_file(tmp_path):
    make_mnist_folder(tmp_path, name="MNIST", gz=True)
    path = os.path.join(tmp_path, "MNIST", "raw", "t10k-labels-idx1-ubyte.gz")
    with open(path, "rb") as f:
        content = f.read()
    with open(path, "wb") as f:
        f.write(content[: len(content) // 2])
    with pytest.raises(RuntimeError, match="Corrupt or truncated") as info:
        datasets.MNIST(root=str(tmp_path), train=False)
    assert path in str(info.value)


def test_label_count_mismatch(tmp_path):
    make_mnist_folder(tmp_path, name="MNIST", gz=False)
    write_idx(
        os.path.join(tmp_path, "MNIST", "raw", "t10k-labels-idx1-ubyte"), np.zeros(3), gz=False
    )
    with pytest.raises(RuntimeError, match="holds 20 images but .* holds 3 labels"):
        datasets.MNIST(root=str(tmp_path), train=False)


def test_emnist_split_and_files(tmp_path):
    raw = tmp_path / "EMNIST" / "raw"
    raw.mkdir(parents=True)
    images = np.arange(5 * 28 * 28, dtype=np.uint8).reshape(5, 28, 28)
    write_idx(str(raw / "emnist-letters-test-images-idx3-ubyte"), images, gz=False)
    write_idx(str(raw / "emnist-letters-test-labels-idx1-ubyte"), np.arange(5), gz=False)
    ds = datasets.EMNIST(str(tmp_path), split="letters", train=False)
    assert ds.classes[:3] == ["N/A", "a", "b"] and len(ds) == 5
    np.testing.assert_array_equal(np.asarray(ds[2][0]), images[2])
    with pytest.raises(ValueError) as info:
        datasets.EMNIST(str(tmp_path), split="nope")
    assert str(info.value) == (
        "Unknown value 'nope' for argument split. Valid values are "
        "{'byclass', 'bymerge', 'balanced', 'letters', 'digits', 'mnist'}."
    )


# --- batched fetching ----------------------------------------------------------------------------
BATCHABLE = [
    ToTensor(),
    transforms.PILToTensor(),
    transforms.Compose([ToTensor(), transforms.Normalize((0.2860,), (0.3530,))]),
    transforms.Compose([transforms.PILToTensor(), transforms.ConvertImageDtype(numtorch.float32)]),
    transforms.Compose(
        [
            transforms.Compose([transforms.PILToTensor()]),
            transforms.ConvertImageDtype(numtorch.float64),
        ]
    ),
]


def assert_same_samples(batched, per_sample):
    assert len(batched) == len(per_sample)
    for (xb, yb), (xs, ys) in zip(batched, per_sample):
        assert type(xb) is type(xs)
        if isinstance(xb, numtorch.Tensor):
            assert xb.dtype is xs.dtype and xb.shape == xs.shape and xb.stride() == xs.stride()
            np.testing.assert_array_equal(xb.numpy(), xs.numpy())
        else:
            np.testing.assert_array_equal(np.asarray(xb), np.asarray(xs))
        if isinstance(yb, numtorch.Tensor):
            np.testing.assert_array_equal(yb.numpy(), ys.numpy())
        else:
            assert type(yb) is type(ys) and yb == ys


@pytest.mark.parametrize("transform", BATCHABLE, ids=repr)
def test_getitems_equals_per_sample(fake_root, transform):
    root, _ = fake_root
    ds = datasets.FashionMNIST(root=root, train=True, transform=transform)
    indices = [7, 0, 49, 7, -1, 23]
    assert_same_samples(ds.__getitems__(indices), [ds[i] for i in indices])


def test_getitems_with_target_transform(fake_root):
    root, _ = fake_root
    one_hot = transforms.Lambda(lambda y: numtorch.arange(10) == y)
    ds = datasets.FashionMNIST(root=root, transform=ToTensor(), target_transform=one_hot)
    indices = [3, 1, 4, 1, 5]
    assert_same_samples(ds.__getitems__(indices), [ds[i] for i in indices])


def test_getitems_falls_back(fake_root):
    root, _ = fake_root
    calls = []

    def spy(img):
        calls.append(img)
        return ToTensor()(img)

    ds = datasets.FashionMNIST(root=root, transform=spy)
    indices = [2, 4, 6]
    out = ds.__getitems__(indices)
    assert len(calls) == 3 and all(isinstance(c, Image.Image) for c in calls)
    expected = [
        (ToTensor()(Image.fromarray(ds.data[i].numpy())), int(ds.targets[i])) for i in indices
    ]
    assert_same_samples(out, expected)
    # No transform: PIL images, as __getitem__ gives.
    plain = datasets.FashionMNIST(root=root)
    assert_same_samples(plain.__getitems__(indices), [plain[i] for i in indices])

    class Shifted(datasets.FashionMNIST):
        raw_folder = os.path.join(root, "FashionMNIST", "raw")

        def __getitem__(self, index):
            img, target = super().__getitem__(index)
            return img, target + 100

    sub = Shifted(root=root, transform=ToTensor())
    assert [y for _, y in sub.__getitems__(indices)] == [sub[i][1] for i in indices]


def test_getitems_out_of_range_raises_like_getitem(fake_root):
    root, _ = fake_root
    ds = datasets.FashionMNIST(root=root, transform=ToTensor())
    with pytest.raises(IndexError, match="index 50 is out of bounds for dimension 0 with size 50"):
        ds.__getitems__([1, 50])


def test_getitems_follows_replaced_data(fake_root):
    # A common idiom shrinks a dataset by slicing its tensors; both paths must follow it.
    root, arrays = fake_root
    ds = datasets.FashionMNIST(root=root, transform=ToTensor())
    ds.data, ds.targets = ds.data[10:20], ds.targets[10:20]
    assert len(ds) == 10
    assert_same_samples(ds.__getitems__([0, 9]), [ds[0], ds[9]])
    np.testing.assert_array_equal(ds[0][0].numpy()[0], arrays["train"][0][10] / np.float32(255))


# --- CIFAR ---------------------------------------------------------------------------------------
def make_cifar(root, protocol=2, n=12):
    import pickle

    from numtorch.vision.datasets.utils import calculate_md5

    folder = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(3)
    batches = {}
    for name in ("data_batch_1", "data_batch_2", "test_batch"):
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, size=n)]
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump({"batch_label": "x", "data": data, "labels": labels}, f, protocol=protocol)
        batches[name] = (data, labels)
    with open(os.path.join(folder, "batches.meta"), "wb") as f:
        pickle.dump({"label_names": [f"c{i}" for i in range(10)]}, f, protocol=protocol)

    class SmallCIFAR10(datasets.CIFAR10):
        train_list = [
            [n_, calculate_md5(os.path.join(folder, n_))] for n_ in ("data_batch_1", "data_batch_2")
        ]
        test_list = [["test_batch", calculate_md5(os.path.join(folder, "test_batch"))]]
        meta = {
            "filename": "batches.meta",
            "key": "label_names",
            "md5": calculate_md5(os.path.join(folder, "batches.meta")),
        }

    return SmallCIFAR10, batches


@pytest.mark.parametrize("protocol", [2, 4])
def test_cifar_layout_and_samples(tmp_path, protocol):
    cls, batches = make_cifar(str(tmp_path), protocol)
    ds = cls(str(tmp_path), train=True)
    expected = np.vstack([batches["data_batch_1"][0], batches["data_batch_2"][0]])
    expected = expected.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    assert isinstance(ds.data, np.ndarray) and ds.data.shape == (24, 32, 32, 3)
    np.testing.assert_array_equal(ds.data, expected)
    assert ds.targets == batches["data_batch_1"][1] + batches["data_batch_2"][1]
    assert ds.classes[3] == "c3" and ds.class_to_idx["c9"] == 9
    img, label = ds[13]
    assert img.mode == "RGB" and img.size == (32, 32)
    np.testing.assert_array_equal(np.asarray(img), expected[13])
    assert label == ds.targets[13]
    test = cls(str(tmp_path), train=False, transform=ToTensor())
    indices = [0, 11, 5, 5]
    assert_same_samples(test.__getitems__(indices), [test[i] for i in indices])
    x, _ = test[0]
    assert x.shape == (3, 32, 32)
    np.testing.assert_array_equal(
        x.numpy(), batches["test_batch"][0][0].reshape(3, 32, 32) / np.float32(255)
    )


def test_cifar_missing_and_corrupt(tmp_path):
    with pytest.raises(
        RuntimeError,
        match=r"^Dataset not found or corrupted. You can use download=True to download it$",
    ):
        datasets.CIFAR10(str(tmp_path))
    cls, _ = make_cifar(str(tmp_path))
    with open(os.path.join(tmp_path, "cifar-10-batches-py", "test_batch"), "ab") as f:
        f.write(b"x")
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        cls(str(tmp_path), train=False)


def test_cifar_unpickler_refuses_code(tmp_path):
    import pickle

    from numtorch.vision.datasets.utils import calculate_md5

    cls, _ = make_cifar(str(tmp_path))
    path = os.path.join(tmp_path, "cifar-10-batches-py", "test_batch")

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    with open(path, "wb") as f:
        pickle.dump({"data": Evil(), "labels": []}, f, protocol=2)
    cls.test_list = [["test_batch", calculate_md5(path)]]
    with pytest.raises(pickle.UnpicklingError, match="refusing to load the global") as info:
        cls(str(tmp_path), train=False)
    assert path in str(info.value)


# --- folders -------------------------------------------------------------------------------------
def make_image_folder(root):
    rng = np.random.default_rng(5)
    arrays = {}
    for cls, names in (
        ("cat", ["b.png", "a.png"]),
        ("dog", ["c.bmp", "notes.txt"]),
        ("empty_ok", []),
    ):
        os.makedirs(os.path.join(root, cls), exist_ok=True)
        for name in names:
            path = os.path.join(root, cls, name)
            if name.endswith(".txt"):
                with open(path, "w") as f:
                    f.write("not an image")
                continue
            array = rng.integers(0, 256, size=(6, 5, 3), dtype=np.uint8)
            Image.fromarray(array).save(path)
            arrays[path] = array
    return arrays


def test_image_folder(tmp_path):
    arrays = make_image_folder(str(tmp_path))
    with pytest.raises(
        FileNotFoundError,
        match=r"Found no valid file for the classes empty_ok. Supported extensions are: .jpg",
    ):
        datasets.ImageFolder(str(tmp_path))
    ds = datasets.ImageFolder(str(tmp_path), allow_empty=True, transform=ToTensor())
    assert ds.classes == ["cat", "dog", "empty_ok"] and ds.class_to_idx == {
        "cat": 0,
        "dog": 1,
        "empty_ok": 2,
    }
    root = str(tmp_path)
    assert ds.samples == [
        (os.path.join(root, "cat", "a.png"), 0),
        (os.path.join(root, "cat", "b.png"), 0),
        (os.path.join(root, "dog", "c.bmp"), 1),
    ]
    assert ds.targets == [0, 0, 1] and ds.imgs is ds.samples
    x, y = ds[2]
    np.testing.assert_array_equal(
        x.numpy(), arrays[os.path.join(root, "dog", "c.bmp")].transpose(2, 0, 1) / np.float32(255)
    )
    assert y == 1


def test_dataset_folder_and_helpers(tmp_path):
    make_image_folder(str(tmp_path))
    from numtorch.vision.datasets.folder import IMG_EXTENSIONS, find_classes, make_dataset

    assert ".png" in IMG_EXTENSIONS
    classes, _ = find_classes(str(tmp_path))
    assert classes == ["cat", "dog", "empty_ok"]
    texts = make_dataset(str(tmp_path), {"dog": 0}, extensions=(".txt",))
    assert texts == [(os.path.join(str(tmp_path), "dog", "notes.txt"), 0)]
    with pytest.raises(
        ValueError,
        match="Both extensions and is_valid_file cannot be None or not None at the same time",
    ):
        make_dataset(str(tmp_path), {"dog": 0})
    ds = datasets.DatasetFolder(
        str(tmp_path), loader=lambda p: open(p).read(), extensions=(".txt",), allow_empty=True
    )
    assert len(ds) == 1 and ds[0] == ("not an image", 1)
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder in"):
        find_classes(str(tmp_path / "cat"))


# --- FakeData ------------------------------------------------------------------------------------
def test_fakedata_reproducible_and_like_torchvision(torch):
    numtorch.manual_seed(99)
    before = numtorch.rand(3)
    numtorch.manual_seed(99)
    ds = datasets.FakeData(size=4, image_size=(3, 6, 7), num_classes=5, random_offset=10)
    img, target = ds[2]
    # The global stream is left where it was.
    np.testing.assert_array_equal(numtorch.rand(3).numpy(), before.numpy())
    torch.manual_seed(12)
    ref = torch.randn(3, 6, 7)
    ref_target = torch.randint(0, 5, size=(1,), dtype=torch.long)[0].item()
    assert type(target) is int and target == ref_target
    np.testing.assert_array_equal(
        np.asarray(img), (ref.permute(1, 2, 0).numpy() * 255).astype(np.uint8)
    )
    with pytest.raises(IndexError, match="^FakeData index out of range$"):
        ds[4]
    assert repr(ds) == "Dataset FakeData\n    Number of datapoints: 4"


# --- downloads (urlopen replaced: no network is touched) ----------------------------------------
def _fake_server(monkeypatch, files: dict[str, bytes]):
    import io as _io
    import urllib.error

    from numtorch.vision.datasets import utils as dutils

    requested = []

    class Response(_io.BytesIO):
        def __init__(self, data):
            super().__init__(data)
            self.headers = {"Content-Length": str(len(data))}

    def fake_urlopen(request, timeout=None):
        requested.append(request.full_url)
        name = request.full_url.rsplit("/", 1)[1]
        if name not in files:
            raise urllib.error.URLError("no route to host")
        return Response(files[name])

    monkeypatch.setattr(dutils.urllib.request, "urlopen", fake_urlopen)
    return requested


def _gz_idx(array) -> bytes:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.tobytes())


def test_download_verifies_md5_and_extracts(tmp_path, monkeypatch):
    import hashlib

    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 4, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 2, dtype=np.uint8),
    }
    files = {name: _gz_idx(a) for name, a in arrays.items()}

    class Served(datasets.MNIST):
        mirrors = ["https://mirror-a.invalid/", "https://mirror-b.invalid/"]
        resources = [(name, hashlib.md5(data).hexdigest()) for name, data in files.items()]

    requested = _fake_server(monkeypatch, {})
    with pytest.raises(RuntimeError, match="^Error downloading train-images-idx3-ubyte.gz$"):
        Served(str(tmp_path), download=True)
    assert requested == [
        "https://mirror-a.invalid/train-images-idx3-ubyte.gz",
        "https://mirror-b.invalid/train-images-idx3-ubyte.gz",
    ]
    assert [p.name for p in (tmp_path / "Served" / "raw").iterdir()] == []  # nothing half-written

    _fake_server(monkeypatch, files)
    ds = Served(str(tmp_path), train=False, download=True)
    np.testing.assert_array_equal(ds.data.numpy(), arrays["t10k-images-idx3-ubyte.gz"])
    raw = tmp_path / "Served" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(
        [*files, *(n[:-3] for n in files)]
    )  # torchvision's layout: the .gz and its extraction

    bad = dict(files)
    bad["t10k-labels-idx1-ubyte.gz"] = b"tampered"
    (raw / "t10k-labels-idx1-ubyte").unlink()
    (raw / "t10k-labels-idx1-ubyte.gz").unlink()
    _fake_server(monkeypatch, bad)
    with pytest.raises(
        RuntimeError, match="The MD5 checksum of the download from .* is .*expected"
    ):
        Served(str(tmp_path), train=False, download=True)
    assert not (raw / "t10k-labels-idx1-ubyte.gz").exists()
