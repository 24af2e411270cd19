"""What the benchmarks in this folder share: numtorch and PyTorch timed in the same run.

Runs take turns (numtorch, torch, numtorch, ...) so that machine load hits both frameworks alike,
and each side's runs are then summed up by their median (or their best); ``machine_line()`` says
where the figures were measured. ``bench_mlp.py`` and ``bench_cnn.py`` also share the comparison
of one training step of a model (``train_step_parser``, ``compare_train_steps``).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import os
import platform
import pstats
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

# A contender: ``prepare(round)`` sets one run up (untimed) and returns the call that is timed.
Contender = Callable[[int], Callable[[], Any]]


def optional_torch():
    """``torch``, or None where PyTorch is not installed."""
    try:
        import torch

        return torch
    except ImportError:
        return None


def interleave(contenders: Sequence[Contender | None], rounds: int) -> list[list[float]]:
    """The wall seconds of every run of each contender, over ``rounds`` rounds in which each
    contender runs once, in turn. A ``None`` contender (PyTorch not installed) is passed over:
    its list stays empty."""
    times: list[list[float]] = [[] for _ in contenders]
    for i in range(rounds):
        for prepare, seconds in zip(contenders, times):
            if prepare is None:
                continue
            run = prepare(i)
            start = time.perf_counter()
            run()
            seconds.append(time.perf_counter() - start)
    return times


def machine_line() -> str:
    """CPU, cores, Python, NumPy and its BLAS, PyTorch and its threads: one line."""
    import numpy as np

    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = "?"
    try:
        from threadpoolctl import threadpool_info

        info = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if info:
            blas = f"{info[0].get('internal_api')} {info[0].get('version')} ({info[0].get('num_threads')} threads)"
    except ImportError:
        pass
    torch = optional_torch()
    tline = (
        f"torch {torch.__version__} ({torch.get_num_threads()} threads)"
        if torch
        else "torch not installed"
    )
    return f"{cpu}; {os.cpu_count()} cores; Python {platform.python_version()}; NumPy {np.__version__}, BLAS {blas}; {tline}"


# --- one training step of a model (bench_mlp.py, bench_cnn.py) ------------------------------------
def train_step_parser(doc: str, steps: int) -> argparse.ArgumentParser:
    """The command line of a training-step benchmark: ``[--threads 2] [--steps N] [--sgd]
    [--profile]``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=steps)
    parser.add_argument("--sgd", action="store_true", help="include an optimizer step")
    parser.add_argument("--profile", action="store_true", help="cProfile numtorch's steps")
    return parser


def make_step(lib, model, sgd: bool, lr: float):
    """``step(x, y)``: forward, CrossEntropyLoss and backward of ``model`` (+ an SGD update)."""
    loss_fn = lib.nn.CrossEntropyLoss()
    opt = lib.optim.SGD(model.parameters(), lr=lr) if sgd else None

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


def compare_train_steps(
    title: str,
    build: Callable,
    batches: list,
    args: argparse.Namespace,
    *,
    lr: float,
    warmup: int,
    profile_steps: int,
    digits: int,
) -> None:
    """Time one training step of ``build(lib)`` in both frameworks, from the same weights on the
    same ``batches`` (NumPy ``(x, y)`` pairs), steps interleaved; print the medians and their
    ratio, then (``--profile``) numtorch's cProfile over ``profile_steps`` steps."""
    import numtorch

    import torch

    torch.set_num_threads(args.threads)
    numtorch.set_num_threads(args.threads)
    torch.manual_seed(0)
    theirs = build(torch)
    ours = build(numtorch)
    ours.load_state_dict({k: numtorch.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    step_t, step_n = make_step(torch, theirs, args.sgd, lr), make_step(numtorch, ours, args.sgd, lr)
    data_t = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches]
    data_n = [(numtorch.from_numpy(x), numtorch.from_numpy(y)) for x, y in batches]

    for i in range(warmup):  # BLAS threads, allocator, caches
        step_t(*data_t[i])
        step_n(*data_n[i])
    times_n, times_t = interleave(
        [
            lambda i: functools.partial(step_n, *data_n[i]),
            lambda i: functools.partial(step_t, *data_t[i]),
        ],
        len(batches),
    )
    med_n, med_t = statistics.median(times_n), statistics.median(times_t)
    what = "forward+backward+SGD" if args.sgd else "forward+backward"
    print(f"{title}, batch 64, {what}, {args.threads} threads, {args.steps} steps (medians)")
    print(f"  numtorch {med_n * 1e3:7.{digits}f} ms/step")
    print(f"  PyTorch  {med_t * 1e3:7.{digits}f} ms/step  (torch {torch.__version__})")
    print(f"  ratio    {med_n / med_t:7.2f}x")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for xn, yn in data_n[:profile_steps]:
            step_n(xn, yn)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
