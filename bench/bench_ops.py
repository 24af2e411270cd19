"""Per-op overhead: the 3-op chain ``(a * b + a).sum()`` on 4-element float32 tensors, numtorch vs
PyTorch in the same run (issue "Tensor core": target ≤ 1.5× PyTorch with backward).

At 4 elements the arithmetic is free: what is measured is the Python/dispatch cost of each op,
graph recording and the backward walk. Runs alternate between the frameworks (numtorch, torch,
numtorch, ...) so machine load hits both alike; each run times ``--inner`` chains and the median
of ``--repeat`` runs is reported, per chain and per op (chain / 3).

    python bench/bench_ops.py [--repeat 15] [--inner 2000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics

import numtorch

from _harness import interleave, optional_torch


def make_chain(lib, backward: bool):
    a = lib.ones(4, requires_grad=backward)
    b = lib.full((4,), 2.0)

    if backward:

        def chain():
            a.grad = None
            (a * b + a).sum().backward()

    else:

        def chain():
            return (a * b + a).sum()

    return chain


def repeated(chain, inner: int):
    """One timed run: ``inner`` calls of ``chain``."""

    def run():
        for _ in range(inner):
            chain()

    return run


def measure(backward: bool, repeat: int, inner: int, torch) -> dict:
    ours = make_chain(numtorch, backward)
    theirs = make_chain(torch, backward) if torch is not None else None
    for fn in (ours, theirs):  # warm up
        if fn is not None:
            repeated(fn, inner // 10 + 1)()
    ours_t, theirs_t = interleave(
        [
            lambda _: repeated(ours, inner),
            None if theirs is None else lambda _: repeated(theirs, inner),
        ],
        repeat,
    )
    row = {"backward": backward, "numtorch_us": statistics.median(ours_t) / inner * 1e6}
    if theirs_t:
        row["torch_us"] = statistics.median(theirs_t) / inner * 1e6
        row["ratio"] = row["numtorch_us"] / row["torch_us"]
    return row


def profile(backward: bool, inner: int) -> None:
    chain = make_chain(numtorch, backward)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(inner):
        chain()
    prof.disable()
    print(f"\n--- cProfile, numtorch, backward={backward}, {inner} chains ---")
    pstats.Stats(prof).sort_stats("tottime").print_stats(14)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--inner", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="cProfile the numtorch chains")
    args = parser.parse_args()
    torch = optional_torch()
    if torch is not None:
        torch.set_num_threads(1)  # 4 elements: threads only add overhead
    else:
        print("PyTorch is not installed: numtorch figures only")
    print("(a * b + a).sum() on 4-element float32 tensors; median of", args.repeat, "runs")
    print(f"{'case':<16}{'numtorch µs/chain':>19}{'torch µs/chain':>16}{'µs/op':>16}{'ratio':>8}")
    for backward in (False, True):
        row = measure(backward, args.repeat, args.inner, torch)
        name = "with backward" if backward else "forward only"
        ours = row["numtorch_us"]
        theirs = row.get("torch_us", float("nan"))
        per_op = f"{ours / 3:.2f} / {theirs / 3:.2f}"
        print(
            f"{name:<16}{ours:>19.2f}{theirs:>16.2f}{per_op:>16}{row.get('ratio', float('nan')):>8.2f}"
        )
    if args.profile:
        for backward in (False, True):
            profile(backward, args.inner)


if __name__ == "__main__":
    main()
