"""One training step of the notes' MLP (784-512-512-10, batch 64, CrossEntropyLoss): numtorch vs
PyTorch in one run.

Both frameworks get the same weights and the same batches; steps are interleaved (numtorch,
torch, numtorch, ...) so machine load hits both alike, and the medians are compared. The step is
forward + backward (+ an SGD update with ``--sgd``).

    python bench/bench_mlp.py [--threads 2] [--steps 200] [--sgd] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time

import numpy as np

import numtorch


def build(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Flatten(), nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
        nn.Linear(512, 10),
    )  # fmt: skip


def make_step(lib, model, sgd: bool):
    loss_fn = lib.nn.CrossEntropyLoss()
    opt = lib.optim.SGD(model.parameters(), lr=1e-3) if sgd else None

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
    parser.add_argument("--steps", type=int, default=200)
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
    rng = np.random.default_rng(0)
    x = rng.random((args.steps, 64, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, (args.steps, 64))
    data_t = [(torch.from_numpy(a), torch.from_numpy(b)) for a, b in zip(x, y)]
    data_n = [(numtorch.from_numpy(a), numtorch.from_numpy(b)) for a, b in zip(x, y)]

    for i in range(5):  # warm up (BLAS threads, allocator, caches)
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
    print(f"notes' MLP, batch 64, {what}, {args.threads} threads, {args.steps} steps (medians)")
    print(f"  numtorch {med_n * 1e3:7.3f} ms/step")
    print(f"  PyTorch  {med_t * 1e3:7.3f} ms/step  (torch {torch.__version__})")
    print(f"  ratio    {med_n / med_t:7.2f}x")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for xn, yn in data_n[:50]:
            step_n(xn, yn)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
