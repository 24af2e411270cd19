"""One epoch of the notes' data pipeline: ``DataLoader(FashionMNIST(..., transform=ToTensor()),
batch_size=64, shuffle=True)``, iterated to the end, numtorch vs real PyTorch in the same run.

PyTorch's side is ``../shared/bench/ref_torch_seed.py``'s dataset (what torchvision does per
sample: a PIL image, then ToTensor). numtorch's side is ``numtorch.vision.datasets.FashionMNIST``,
which the DataLoader fetches a batch at a time through ``__getitems__`` (NOTE [ Batched
fetching ]); the per-sample path (every sample through PIL and ``ToTensor``) is timed too.
Runs are interleaved and the median of ``--repeat`` is reported.

    python bench/bench_data.py [--repeat 3] [--root DIR]
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import os
import statistics
import sys
import tempfile
from pathlib import Path

from _harness import interleave

HERE = Path(__file__).resolve().parent
SHARED_BENCH = Path(
    os.environ.get("NUMTORCH_SHARED_BENCH", HERE.parent.parent / "shared" / "bench")
)


def epoch(loader) -> None:
    n = 0
    for _x, y in loader:
        n += len(y)
    assert n == len(loader.dataset), (n, len(loader.dataset))


def numtorch_loaders(root: str):
    import numtorch
    from numtorch.utils.data import DataLoader
    from numtorch.vision import datasets
    from numtorch.vision.transforms import ToTensor

    numtorch.manual_seed(0)
    training_data = datasets.FashionMNIST(
        root=root, train=True, download=True, transform=ToTensor()
    )

    class PerSample(numtorch.utils.data.Dataset):
        """The same dataset without ``__getitems__``: every sample through PIL and ToTensor."""

        def __len__(self):
            return len(training_data)

        def __getitem__(self, i):
            return training_data[i]

    batched = DataLoader(training_data, batch_size=64, shuffle=True)
    per_sample = DataLoader(PerSample(), batch_size=64, shuffle=True)
    # Same first batch either way: the fast path changes nothing but the time.
    numtorch.manual_seed(0)
    xb, yb = next(iter(batched))
    numtorch.manual_seed(0)
    xs, ys = next(iter(per_sample))
    assert (xb == xs).all().item() and (yb == ys).all().item()
    return batched, per_sample


def torch_loader():
    import torch
    from torch.utils.data import DataLoader

    spec = importlib.util.spec_from_file_location(
        "ref_torch_seed", SHARED_BENCH / "ref_torch_seed.py"
    )
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    torch.manual_seed(0)
    return DataLoader(ref.FashionMNIST(True), batch_size=64, shuffle=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--root", default=None, help="dataset root (default: a temporary folder)")
    args = parser.parse_args(argv)
    root = args.root or tempfile.mkdtemp(prefix="bench_data_")

    batched, per_sample = numtorch_loaders(root)
    try:
        theirs_loader = torch_loader()
    except ImportError:
        theirs_loader = None
        print("PyTorch is not installed: numtorch times only", file=sys.stderr)

    ours, ours_per_sample, theirs = interleave(
        [
            lambda _: functools.partial(epoch, batched),
            lambda _: functools.partial(epoch, per_sample),
            None if theirs_loader is None else lambda _: functools.partial(epoch, theirs_loader),
        ],
        args.repeat,
    )

    med = statistics.median
    print(
        "one epoch of DataLoader(FashionMNIST(ToTensor()), batch_size=64, shuffle=True), 60000 samples"
    )
    print(f"  numtorch, batched (__getitems__)  {med(ours):7.3f} s")
    print(f"  numtorch, per sample              {med(ours_per_sample):7.3f} s")
    if theirs:
        print(f"  PyTorch {__import__('torch').__version__}, per sample       {med(theirs):7.3f} s")
        print(f"  ratio PyTorch / numtorch batched  {med(theirs) / med(ours):7.1f}x")
        print(f"  ratio PyTorch / numtorch per sample {med(theirs) / med(ours_per_sample):5.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
