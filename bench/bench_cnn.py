"""Forward + backward of a small CNN on Fashion-MNIST-shaped batches: numtorch vs PyTorch, one run.

The net (batch 64, 1×28×28): Conv2d(1,32,3)-ReLU-MaxPool2d(2)-Conv2d(32,64,3)-ReLU-MaxPool2d(2)-
Flatten-Linear(1600,128)-ReLU-Linear(128,10), CrossEntropyLoss. Both frameworks get the same weights
and the same batches; steps are interleaved (numtorch, torch, numtorch, ...) so machine load hits
both alike, and the medians are compared.

    python bench/bench_cnn.py [--threads 2] [--steps 60] [--sgd] [--profile]
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numtorch  # noqa: F401  (before NumPy: NOTE [ BLAS threads ])

import numpy as np
from _harness import compare_train_steps, train_step_parser

_FASHION = Path("/usr/share/datasets/fashion-mnist")


def batches(n_batches: int, batch_size: int = 64) -> list[tuple[np.ndarray, np.ndarray]]:
    """Real Fashion-MNIST batches when the IDX files are installed, else seeded random ones."""
    rng = np.random.default_rng(0)
    images = _FASHION / "train-images-idx3-ubyte.gz"
    if images.exists():
        with gzip.open(images) as f:
            x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
        with gzip.open(_FASHION / "train-labels-idx1-ubyte.gz") as f:
            y = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
        pick = rng.permutation(len(x))[: n_batches * batch_size]
        x, y = x[pick].astype(np.float32) / 255.0, y[pick]
    else:
        x = rng.random((n_batches * batch_size, 1, 28, 28), dtype=np.float32)
        y = rng.integers(0, 10, n_batches * batch_size)
    return [
        (x[i : i + batch_size], y[i : i + batch_size])
        for i in range(0, n_batches * batch_size, batch_size)
    ]


def build(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10),
    )  # fmt: skip


def main() -> None:
    args = train_step_parser(__doc__, steps=60).parse_args()
    compare_train_steps(
        "small CNN", build, batches(args.steps), args, lr=0.01, warmup=3, profile_steps=20, digits=2
    )


if __name__ == "__main__":
    main()
