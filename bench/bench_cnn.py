"""Forward + backward of a small CNN on Fashion-MNIST-shaped batches: numtorch vs PyTorch, one run.

The net (batch 64, 1×28×28): Conv2d(1,32,3)-ReLU-MaxPool2d(2)-Conv2d(32,64,3)-ReLU-MaxPool2d(2)-
Flatten-Linear(1600,128)-ReLU-Linear(128,10), CrossEntropyLoss. Both frameworks get the same weights
and the same batches; steps are interleaved (numtorch, torch, numtorch, ...) so machine load hits
both alike, and the medians are compared.

    python bench/bench_cnn.py [--threads 2] [--steps 60] [--sgd] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import pstats
import statistics
import time
from pathlib import Path

import numpy as np

import numtorch

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


def make_step(lib, model, sgd: bool):
    loss_fn = lib.nn.CrossEntropyLoss()
    opt = lib.optim.SGD(model.parameters(), lr=0.01) if sgd else None

    def step(x, y):
        if opt is not None:
            opt.zero_grad()
        else:
            model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        if opt is not None:
            opt.step()
        return loss

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--sgd", action="store_true", help="include an optimizer step")
    parser.add_argument("--profile", action="store_true", help="cProfile numtorch's steps")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    numtorch.set_num_threads(args.threads)
    torch.manual_seed(0)
    theirs = build(torch)
    ours = build(numtorch)
    ours.load_state_dict({k: numtorch.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    step_t, step_n = make_step(torch, theirs, args.sgd), make_step(numtorch, ours, args.sgd)
    data = batches(args.steps)
    data_t = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in data]
    data_n = [(numtorch.from_numpy(x), numtorch.from_numpy(y)) for x, y in data]

    for i in range(3):  # warm up (BLAS threads, allocator, caches)
        step_t(*data_t[i])
        step_n(*data_n[i])
    times_t, times_n = [], []
    for (xt, yt), (xn, yn) in zip(data_t, data_n):
        start = time.perf_counter()
        step_n(xn, yn)
        times_n.append(time.perf_counter() - start)
        start = time.perf_counter()
        step_t(xt, yt)
        times_t.append(time.perf_counter() - start)
    med_n, med_t = statistics.median(times_n), statistics.median(times_t)
    what = "forward+backward+SGD" if args.sgd else "forward+backward"
    print(f"small CNN, batch 64, {what}, {args.threads} threads, {args.steps} steps (medians)")
    print(f"  numtorch {med_n * 1e3:7.2f} ms/step")
    print(f"  PyTorch  {med_t * 1e3:7.2f} ms/step  (torch {torch.__version__})")
    print(f"  ratio    {med_n / med_t:7.2f}x")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for xn, yn in data_n[:20]:
            step_n(xn, yn)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
