"""The notes' DATASETS & DATALOADERS and TRANSFORMS code blocks, unchanged except for the imports
(numtorch for torch, numtorch.vision for torchvision). Real Fashion-MNIST is used when Debian's
package is installed; otherwise small generated IDX files stand in under ``data/``."""

from __future__ import annotations

import os

import matplotlib
import numpy as np
import pytest

from test_vision_datasets import HAVE_DEBIAN, make_mnist_folder

matplotlib.use("Agg")


@pytest.fixture
def notes_dir(tmp_path, monkeypatch):
    """A working directory as the notes assume: ``root="data"`` relative to it."""
    monkeypatch.chdir(tmp_path)
    if not HAVE_DEBIAN:
        make_mnist_folder(os.path.join(tmp_path, "data"), n_train=130, n_test=70)
    return tmp_path


def load_block():
    # --- the notes' "载入数据" block -------------------------------------------------------------
    import matplotlib.pyplot as plt  # noqa: F401

    import numtorch as torch  # noqa: F401
    from numtorch.utils.data import Dataset  # noqa: F401
    from numtorch.vision import datasets
    from numtorch.vision.transforms import ToTensor

    training_data = datasets.FashionMNIST(
        root="data", train=True, download=True, transform=ToTensor()
    )

    test_data = datasets.FashionMNIST(root="data", train=False, download=True, transform=ToTensor())
    return training_data, test_data


def test_load_and_visualise_blocks(notes_dir):
    import matplotlib.pyplot as plt

    import numtorch as torch

    training_data, test_data = load_block()
    assert len(training_data) == (60000 if HAVE_DEBIAN else 130)
    assert len(test_data) == (10000 if HAVE_DEBIAN else 70)

    # --- the notes' "遍历和可视化数据" block -------------------------------------------------------
    labels_map = {
        0: "T-Shirt",
        1: "Trouser",
        2: "Pullover",
        3: "Dress",
        4: "Coat",
        5: "Sandal",
        6: "Shirt",
        7: "Sneaker",
        8: "Bag",
        9: "Ankle Boot",
    }
    figure = plt.figure(figsize=(8, 8))
    cols, rows = 3, 3
    for i in range(1, cols * rows + 1):
        sample_idx = torch.randint(len(training_data), size=(1,)).item()
        img, label = training_data[sample_idx]
        figure.add_subplot(rows, cols, i)
        plt.title(labels_map[label])
        plt.axis("off")
        plt.imshow(img.squeeze(), cmap="gray")
    plt.show()
    plt.close(figure)


def test_custom_image_dataset_block(tmp_path):
    import pandas as pd
    from PIL import Image

    rng = np.random.default_rng(0)
    img_dir = tmp_path / "images"
    img_dir.mkdir()
    pixels = {}
    rows = []
    for i in range(5):
        name = f"img_{i}.png"
        array = rng.integers(0, 256, size=(7, 9, 3), dtype=np.uint8)
        Image.fromarray(array).save(img_dir / name)
        pixels[name] = array
        rows.append((name, i % 3))
    annotations_file = tmp_path / "labels.csv"
    pd.DataFrame(rows, columns=["file", "label"]).to_csv(annotations_file, index=False)

    # --- the notes' "创建自定义数据集" block -----------------------------------------------------
    import os

    import pandas as pd

    from numtorch.utils.data import Dataset
    from numtorch.vision.io import read_image

    class CustomImageDataset(Dataset):
        def __init__(self, annotations_file, img_dir, transform=None, target_transform=None):
            self.img_labels = pd.read_csv(annotations_file)
            self.img_dir = img_dir
            self.transform = transform
            self.target_transform = target_transform

        def __len__(self):
            return len(self.img_labels)

        def __getitem__(self, idx):
            img_path = os.path.join(self.img_dir, self.img_labels.iloc[idx, 0])
            image = read_image(img_path)
            label = self.img_labels.iloc[idx, 1]
            if self.transform:
                image = self.transform(image)
            if self.target_transform:
                label = self.target_transform(label)
            return image, label

    # --------------------------------------------------------------------------------------------
    import numtorch

    ds = CustomImageDataset(annotations_file, img_dir)
    assert len(ds) == 5
    image, label = ds[3]
    assert image.dtype is numtorch.uint8 and image.shape == (3, 7, 9)
    np.testing.assert_array_equal(image.numpy(), pixels["img_3.png"].transpose(2, 0, 1))
    assert label == 0
    from numtorch.utils.data import DataLoader

    features, labels = next(iter(DataLoader(ds, batch_size=4)))
    assert features.shape == (4, 3, 7, 9) and labels.tolist() == [0, 1, 2, 0]


def test_dataloader_block(notes_dir, capsys):
    training_data, test_data = load_block()
    import matplotlib.pyplot as plt

    # --- the notes' "准备数据参与训练" block -----------------------------------------------------
    from numtorch.utils.data import DataLoader

    train_dataloader = DataLoader(training_data, batch_size=64, shuffle=True)
    test_dataloader = DataLoader(test_data, batch_size=64, shuffle=True)  # noqa: F841

    # Display image and label.
    train_features, train_labels = next(iter(train_dataloader))
    print(f"Feature batch shape: {train_features.size()}")
    print(f"Labels batch shape: {train_labels.size()}")
    img = train_features[0].squeeze()
    label = train_labels[0]
    plt.imshow(img, cmap="gray")
    plt.show()
    print(f"Label: {label}")
    # --------------------------------------------------------------------------------------------
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Feature batch shape: torch.Size([64, 1, 28, 28])"
    assert out[1] == "Labels batch shape: torch.Size([64])"
    assert out[2].startswith("Label: ") and 0 <= int(out[2][7:]) <= 9
    plt.close("all")


def test_dataloader_matches_per_sample_and_torch_order(notes_dir, torch):
    """Under one seed the shuffled batches are the per-sample samples in PyTorch's order."""
    import numtorch
    from numtorch.utils.data import DataLoader

    training_data, _ = load_block()
    numtorch.manual_seed(0)
    features, labels = next(iter(DataLoader(training_data, batch_size=64, shuffle=True)))
    torch.manual_seed(0)
    # PyTorch's own DataLoader over the indices gives the order it would fetch.
    order = next(
        iter(torch.utils.data.DataLoader(range(len(training_data)), batch_size=64, shuffle=True))
    ).tolist()
    expected = np.stack([training_data[i][0].numpy() for i in order])
    np.testing.assert_array_equal(features.numpy(), expected)
    assert labels.tolist() == [training_data[i][1] for i in order]
    assert features.dtype is numtorch.float32 and labels.dtype is numtorch.int64


def test_transforms_block(notes_dir):
    # --- the notes' TRANSFORMS block --------------------------------------------------------------
    import numtorch as torch
    from numtorch.vision import datasets

    # 使用transforms.Lambda封装其为transforms策略
    from numtorch.vision.transforms import Lambda, ToTensor

    ds = datasets.FashionMNIST(
        root="data",
        train=True,
        download=True,
        transform=ToTensor(),
        # scatter(dim,index,value)
        target_transform=Lambda(
            lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)
        ),
    )
    # --------------------------------------------------------------------------------------------
    x, y = ds[0]
    label = int(ds.targets[0])
    assert y.dtype is torch.float32 and y.shape == (10,)
    assert y.tolist() == [1.0 if i == label else 0.0 for i in range(10)]
    from numtorch.utils.data import DataLoader

    xb, yb = next(iter(DataLoader(ds, batch_size=8)))
    assert xb.shape == (8, 1, 28, 28) and yb.shape == (8, 10)
    assert yb.argmax(1).tolist() == ds.targets[:8].tolist()


def test_training_data_block_with_collate_fn(notes_dir):
    # The notes' training set-up, with the CPU in place of "mps".
    import numtorch as torch
    from numtorch.utils.data import DataLoader
    from numtorch.utils.data.dataloader import default_collate

    training_data, test_data = load_block()
    device = torch.device("cpu")
    train_dataloader = DataLoader(
        training_data,
        batch_size=64,
        collate_fn=lambda x: [y.to(device) for y in default_collate(x)],
    )
    X, y = next(iter(train_dataloader))
    assert X.shape == (64, 1, 28, 28) and y.shape == (64,)
    np.testing.assert_array_equal(X.numpy()[5], training_data[5][0].numpy())
