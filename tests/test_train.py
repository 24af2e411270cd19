"""The main job, ``numtorch train`` / ``numtorch predict`` (issue 7)."""

from __future__ import annotations

import gzip
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from numtorch import train
from numtorch.vision.datasets import FashionMNIST

FASHION = Path("/usr/share/datasets/fashion-mnist")
SRC = str(Path(__file__).parents[1] / "src")


def write_idx(path: Path, array: np.ndarray) -> None:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + b"".join(
        struct.pack(">I", s) for s in array.shape
    )
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def tiny_fashion(tmp_path) -> Path:
    """A small learnable Fashion-MNIST lookalike: each class is a bright bar at its own row."""
    rng = np.random.default_rng(0)
    raw = tmp_path / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, n in (("train", 320), ("t10k", 64)):
        labels = rng.integers(0, 10, n)
        images = rng.integers(0, 40, (n, 28, 28))
        for i, label in enumerate(labels):
            images[i, 2 + 2 * label : 4 + 2 * label, 4:24] = 250
        write_idx(raw / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return tmp_path / "data"


def _args(data: Path, out: Path, *extra: str):
    return train.build_parser().parse_args(
        ["--data", str(data), "--out", str(out), "--no-progress", *extra]
    )


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_train_writes_checkpoint_and_figures_and_resumes(tiny_fashion, tmp_path, capsys):
    out = tmp_path / "run"
    history = train.run(
        _args(
            tiny_fashion,
            out,
            "--epochs",
            "2",
            "--batch-size",
            "32",
            "--optimizer",
            "adam",
            "--lr",
            "1e-2",
        )
    )
    printed = capsys.readouterr().out
    assert printed.count("Test Error: \n Accuracy: ") == 2 and printed.rstrip().endswith("Done!")
    assert (
        len(history["accuracy"]) == 2 and history["accuracy"][-1] > 0.5
    )  # the bars are easy to learn
    assert _png_size(out / "curves.png") == (1000, 400)
    assert _png_size(out / "samples.png") == (800, 800)
    from PIL import Image

    with Image.open(out / "samples.png") as im:  # a real picture, not a blank canvas
        assert len(np.unique(np.asarray(im.convert("L")))) > 16
    resumed = train.run(
        _args(
            tiny_fashion,
            out,
            "--epochs",
            "3",
            "--batch-size",
            "32",
            "--optimizer",
            "adam",
            "--lr",
            "1e-2",
            "--resume",
        )
    )
    printed = capsys.readouterr().out
    assert f"Resuming from {out / 'checkpoint.pth'} after epoch 2" in printed
    assert printed.count("Epoch ") == 1 and len(resumed["accuracy"]) == 3


def test_checkpoint_loads_in_real_pytorch_with_weights_only(tiny_fashion, tmp_path):
    torch = pytest.importorskip("torch")
    out = tmp_path / "run"
    train.run(_args(tiny_fashion, out, "--epochs", "1", "--batch-size", "64"))
    ckpt = torch.load(out / "checkpoint.pth")  # PyTorch's default: weights_only=True
    assert ckpt["epoch"] == 1
    assert ckpt["model"]["linear_relu_stack.0.weight"].shape == (512, 784)
    model = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(784, 512),
        torch.nn.ReLU(),
        torch.nn.Linear(512, 512),
        torch.nn.ReLU(),
        torch.nn.Linear(512, 10),
    )
    # the notes' MLP as a flat Sequential: "linear_relu_stack.0.weight" -> "1.weight"
    renamed = {f"{int(k.split('.')[1]) + 1}.{k.split('.')[2]}": v for k, v in ckpt["model"].items()}
    model.load_state_dict(renamed)
    assert ckpt["optimizer"]["param_groups"][0]["lr"] == 1e-3


def test_predict_classifies_an_image(tiny_fashion, tmp_path, capsys):
    from PIL import Image

    out = tmp_path / "run"
    train.run(
        _args(
            tiny_fashion,
            out,
            "--epochs",
            "2",
            "--batch-size",
            "32",
            "--optimizer",
            "adam",
            "--lr",
            "1e-2",
        )
    )
    img = np.full((28, 28), 20, np.uint8)
    img[2 + 2 * 3 : 4 + 2 * 3, 4:24] = 250  # class 3's bar: "Dress"
    Image.fromarray(img, mode="L").save(tmp_path / "dress.png")
    capsys.readouterr()
    assert train.predict(str(out / "checkpoint.pth"), [str(tmp_path / "dress.png")]) == ["Dress"]
    assert re.fullmatch(r".*dress\.png: Dress \(\d+\.\d%\)\n", capsys.readouterr().out, re.S)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=SRC, MPLBACKEND="Agg")
    return subprocess.run(
        [sys.executable, "-m", "numtorch.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _one_clean_line(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_bad_input_gets_one_line_and_exit_2(tiny_fashion, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    line = _one_clean_line(
        _cli(
            "train",
            "--data",
            str(tiny_fashion),
            "--out",
            str(blocker / "sub"),
            "--epochs",
            "1",
            cwd=tmp_path,
        )
    )
    assert line.startswith("numtorch train: error: output directory") and "not writable" in line

    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"this is not a checkpoint")
    (tmp_path / "img.png").write_bytes(b"")
    line = _one_clean_line(
        _cli("predict", "--checkpoint", str(garbage), str(tmp_path / "img.png"), cwd=tmp_path)
    )
    assert line.startswith(f"numtorch predict: error: cannot read checkpoint {garbage}")


def test_wrong_image_size_and_missing_dataset(tiny_fashion, tmp_path, monkeypatch):
    from PIL import Image

    out = tmp_path / "run"
    train.run(_args(tiny_fashion, out, "--epochs", "1"))
    Image.new("L", (32, 30)).save(tmp_path / "big.png")
    line = _one_clean_line(
        _cli(
            "predict",
            "--checkpoint",
            str(out / "checkpoint.pth"),
            str(tmp_path / "big.png"),
            cwd=tmp_path,
        )
    )
    assert (
        line
        == f"numtorch predict: error: {tmp_path / 'big.png'}: expected a 28x28 image (Fashion-MNIST size), got 32x30"
    )

    monkeypatch.setattr(FashionMNIST, "system_folders", ())
    monkeypatch.setattr(FashionMNIST, "mirrors", ["http://127.0.0.1:9/"])  # nothing listens there
    with pytest.raises(train.UsageError, match="^cannot load Fashion-MNIST: "):
        train.run(_args(tmp_path / "empty", tmp_path / "run2", "--epochs", "1"))


TORCH_REFERENCE = r"""
import sys, torch
sys.path.insert(0, sys.argv[1])
from torchvision import datasets, transforms
from torch import nn
torch.manual_seed(0)
train = datasets.FashionMNIST("data", train=True, transform=transforms.ToTensor())
test = datasets.FashionMNIST("data", train=False, transform=transforms.ToTensor())
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
tl = torch.utils.data.DataLoader(train, batch_size=64, shuffle=True)
vl = torch.utils.data.DataLoader(test, batch_size=64)
loss_fn = nn.CrossEntropyLoss(); opt = torch.optim.SGD(model.parameters(), lr=1e-3)
for X, y in tl:
    loss = loss_fn(model(X), y); opt.zero_grad(); loss.backward(); opt.step()
correct = 0
with torch.no_grad():
    for X, y in vl:
        correct += (model(X).argmax(1) == y).sum().item()
print(100 * correct / len(test))
"""


@pytest.mark.slow
@pytest.mark.skipif(
    not (FASHION / "train-images-idx3-ubyte.gz").exists(),
    reason="needs Debian's dataset-fashion-mnist",
)
def test_one_epoch_on_real_fashion_mnist_matches_pytorch_accuracy(tmp_path):
    """The notes' defaults for one epoch; PyTorch with the same seed and settings reaches the same accuracy."""
    pytest.importorskip("torch")
    proc = _cli(
        "train", "--epochs", "1", "--no-progress", "--out", str(tmp_path / "run"), cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    ours = float(re.search(r"Accuracy: ([\d.]+)%", proc.stdout).group(1))
    shim = str(Path(__file__).with_name("oracle_shim"))
    ref = subprocess.run(
        [sys.executable, "-c", TORCH_REFERENCE, shim],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert ref.returncode == 0, ref.stderr[-2000:]
    theirs = float(ref.stdout.strip())
    assert abs(ours - theirs) <= 0.5, (ours, theirs)
