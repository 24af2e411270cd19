"""The main job: the seed notes' Fashion-MNIST workflow as a command (``numtorch train``).

It is the notes' code, made into a program: FashionMNIST with ``ToTensor()``, the notes' MLP (or a
small ConvNet), ``CrossEntropyLoss`` and SGD (or Adam), the ``train_loop``/``test_loop`` of the notes
with a tqdm progress bar, a PyTorch-loadable checkpoint per epoch, ``--resume``, and two figures
(``curves.png``, ``samples.png``). ``numtorch predict`` classifies an image with a checkpoint.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numtorch as torch
from numtorch import nn

LABELS = (
    "T-Shirt",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle Boot",
)


class UsageError(Exception):
    """Bad input from the user: reported as one line and a non-zero exit, never a traceback."""


class NeuralNetwork(nn.Module):
    """The notes' MLP: Flatten → 784-512-512-10 with ReLU."""

    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        return self.linear_relu_stack(x)


class ConvNet(nn.Module):
    """A small ConvNet for the faster recipe (``--model cnn``)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        )  # fmt: skip
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10)
        )

    def forward(self, x):
        return self.classifier(self.features(x))


MODELS = {"mlp": NeuralNetwork, "cnn": ConvNet}


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(
        prog="numtorch train", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=10,
        help="passes over the training set (default 10, as the notes)",
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    parser.add_argument("--model", choices=sorted(MODELS), default="mlp")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    parser.add_argument(
        "--data",
        default="data",
        help="dataset root (FashionMNIST/raw/ inside; the Debian package path is tried next)",
    )
    parser.add_argument(
        "--out", default="runs/fashion-mnist", help="directory for checkpoints and figures"
    )
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pth")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _datasets(root: str):
    from numtorch.vision import datasets
    from numtorch.vision.transforms import ToTensor

    try:
        train = datasets.FashionMNIST(root=root, train=True, download=True, transform=ToTensor())
        test = datasets.FashionMNIST(root=root, train=False, download=True, transform=ToTensor())
    except (RuntimeError, OSError) as e:
        raise UsageError(f"cannot load Fashion-MNIST: {e}") from None
    return train, test


def _prepare_out(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise UsageError(f"output directory {out} is not writable: {e.strerror or e}") from None


def train_loop(dataloader, model, loss_fn, optimizer, progress: bool) -> float:
    """One epoch of the notes' train_loop; returns the mean training loss."""
    model.train()
    total, batches = 0.0, 0
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(dataloader), unit="batch", leave=False, dynamic_ncols=True)
    for X, y in dataloader:
        pred = model(X)
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        value = loss.item()
        total += value
        batches += 1
        if bar is not None:
            bar.update(1)
            if batches % 20 == 0:
                bar.set_postfix(loss=f"{total / batches:.4f}")
    if bar is not None:
        bar.close()
    return total / max(batches, 1)


def test_loop(dataloader, model, loss_fn) -> tuple[float, float]:
    """The notes' test_loop: prints and returns (accuracy, average loss)."""
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0.0, 0.0
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    return correct, test_loss


def run(args: argparse.Namespace) -> dict:
    """Train as configured; returns the history (per-epoch train loss, test loss, accuracy)."""
    from numtorch.utils.data import DataLoader

    out = Path(args.out)
    _prepare_out(out)
    torch.manual_seed(args.seed)
    training_data, test_data = _datasets(args.data)
    model = MODELS[args.model]()
    loss_fn = nn.CrossEntropyLoss()
    opt_cls = torch.optim.SGD if args.optimizer == "sgd" else torch.optim.Adam
    optimizer = opt_cls(model.parameters(), lr=args.lr)
    history = {"train_loss": [], "test_loss": [], "accuracy": []}
    start = 0
    ckpt_path = out / "checkpoint.pth"
    if args.resume:
        start, history = _resume(ckpt_path, args, model, optimizer)
    train_dataloader = DataLoader(
        training_data, batch_size=args.batch_size, shuffle=True, num_workers=args.workers
    )
    test_dataloader = DataLoader(test_data, batch_size=args.batch_size, num_workers=args.workers)
    for t in range(start, args.epochs):
        print(f"Epoch {t + 1}\n-------------------------------")
        train_loss = train_loop(
            train_dataloader, model, loss_fn, optimizer, progress=not args.no_progress
        )
        accuracy, test_loss = test_loop(test_dataloader, model, loss_fn)
        history["train_loss"].append(train_loss)
        history["test_loss"].append(test_loss)
        history["accuracy"].append(accuracy)
        torch.save(
            {
                "epoch": t + 1,
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "config": {
                    "model": args.model,
                    "optimizer": args.optimizer,
                    "lr": args.lr,
                    "batch_size": args.batch_size,
                    "seed": args.seed,
                },
                "history": history,
                "rng_state": torch.get_rng_state(),
            },
            ckpt_path,
        )
    print("Done!")
    _plot_curves(history, out / "curves.png")
    _plot_samples(model, test_data, out / "samples.png")
    return history


def _resume(path: Path, args, model, optimizer):
    if not path.exists():
        raise UsageError(f"--resume: no checkpoint at {path}")
    ckpt = _load_checkpoint(path)
    if ckpt.get("config", {}).get("model") != args.model:
        raise UsageError(
            f"--resume: {path} holds a '{ckpt.get('config', {}).get('model')}' model, not '{args.model}'"
        )
    model.load_state_dict(ckpt["model"])
    optimizer.load_state_dict(ckpt["optimizer"])
    torch.set_rng_state(ckpt["rng_state"])
    print(f"Resuming from {path} after epoch {ckpt['epoch']}")
    return int(ckpt["epoch"]), ckpt["history"]


def _load_checkpoint(path: Path) -> dict:
    try:
        ckpt = torch.load(path)
    except Exception as e:  # any unreadable file is a usage error for the command line
        raise UsageError(f"cannot read checkpoint {path}: {e}".splitlines()[0]) from None
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        raise UsageError(f"{path} is not a numtorch train checkpoint")
    return ckpt


def _plot_curves(history: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = range(1, len(history["accuracy"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, history["train_loss"], marker="o", label="train")
    ax_loss.plot(epochs, history["test_loss"], marker="o", label="test")
    ax_loss.set(xlabel="epoch", ylabel="loss", title="Loss")
    ax_loss.legend()
    ax_acc.plot(epochs, [100 * a for a in history["accuracy"]], marker="o", color="tab:green")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="Test accuracy")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _plot_samples(model, test_data, path: Path) -> None:
    """The notes' 3×3 grid of labelled images, with the model's prediction beside each label."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model.eval()
    figure = plt.figure(figsize=(8, 8))
    cols, rows = 3, 3
    for i in range(1, cols * rows + 1):
        sample_idx = torch.randint(len(test_data), size=(1,)).item()
        img, label = test_data[sample_idx]
        with torch.no_grad():
            pred = model(img.unsqueeze(0)).argmax(1).item()
        ax = figure.add_subplot(rows, cols, i)
        ax.set_title(
            f"{LABELS[label]}\n(pred: {LABELS[pred]})",
            color="black" if pred == label else "red",
            fontsize=9,
        )
        ax.axis("off")
        ax.imshow(img.squeeze().numpy(), cmap="gray")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def predict(checkpoint: str, images: list[str]) -> list[str]:
    """Classify 28×28 grayscale images with a ``numtorch train`` checkpoint; prints one line each."""
    from PIL import Image, UnidentifiedImageError

    from numtorch.vision.transforms import ToTensor

    ckpt = _load_checkpoint(Path(checkpoint))
    model = MODELS[ckpt.get("config", {}).get("model", "mlp")]()
    model.load_state_dict(ckpt["model"])
    model.eval()
    results = []
    for path in images:
        try:
            with Image.open(path) as im:
                img = im.convert("L")
        except (OSError, UnidentifiedImageError) as e:
            raise UsageError(f"cannot read image {path}: {e}") from None
        if img.size != (28, 28):
            raise UsageError(
                f"{path}: expected a 28x28 image (Fashion-MNIST size), got {img.size[0]}x{img.size[1]}"
            )
        x = ToTensor()(img).unsqueeze(0)
        with torch.no_grad():
            probs = nn.functional.softmax(model(x), dim=1)[0]
        k = int(probs.argmax())
        line = f"{path}: {LABELS[k]} ({100 * float(probs[k]):.1f}%)"
        print(line)
        results.append(LABELS[k])
    return results


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        run(args)
    except UsageError as e:
        print(f"numtorch train: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("numtorch train: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
