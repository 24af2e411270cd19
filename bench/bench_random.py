"""PyTorch-identical random streams on large and small tensors: numtorch vs PyTorch, one run.

Each case runs in both frameworks alternately (numtorch, torch, numtorch, ...; ``_harness``) so
machine load hits both alike; the best time of each is compared (the least disturbed run), every
run starting from ``manual_seed(0)``. The big cases
fill a 4096×25088 float32 tensor (100M values, VGG16's first Linear layer); ``vgg16()`` builds
the model with its initialisation (for PyTorch, torchvision's VGG16 layers and init loop written
out, as torchvision is not a test dependency).

    python bench/bench_random.py [--threads 2] [--only normal] [--small] [--check]

``--check`` also asserts the two frameworks produced the same bits.
"""

from __future__ import annotations

import argparse
import gc

import numtorch

import numpy as np
from _harness import interleave, machine_line, optional_torch

_BIG = (4096, 25088)
_VGG16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def vgg16(lib):
    """torchvision's ``vgg16()``: its layers and its weight initialisation loop."""
    if lib is numtorch:
        return numtorch.vision.models.vgg16()
    nn = lib.nn
    layers, channels = [], 3
    for v in _VGG16:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(channels, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            channels = v
    model = nn.Sequential(
        nn.Sequential(*layers),
        nn.AdaptiveAvgPool2d((7, 7)),
        nn.Flatten(),
        nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(),
            nn.Linear(4096, 1000),
        ),
    )  # fmt: skip
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            nn.init.constant_(m.bias, 0)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0, 0.01)
            nn.init.constant_(m.bias, 0)
    return model


# (name, function of the library, repeats, big)
CASES = [
    ("uniform_(-0.1, 0.1) 4096x25088", lambda lib: lib.empty(*_BIG).uniform_(-0.1, 0.1), 3, True),
    ("normal_(0, 0.01) 4096x25088", lambda lib: lib.empty(*_BIG).normal_(0, 0.01), 3, True),
    ("rand(4096, 25088)", lambda lib: lib.rand(*_BIG), 3, True),
    ("randn(64, 784)", lambda lib: lib.randn(64, 784), 200, False),
    ("rand(64, 784)", lambda lib: lib.rand(64, 784), 200, False),
    ("randn(1000)", lambda lib: lib.randn(1000), 500, False),
    ("normal_(1, 2) 1M", lambda lib: lib.empty(1 << 20).normal_(1.0, 2.0), 20, False),
    ("normal_(1, 0.02) 1M", lambda lib: lib.empty(1 << 20).normal_(1.0, 0.02), 20, False),
    ("normal_(1, 3) 1M", lambda lib: lib.empty(1 << 20).normal_(1.0, 3.0), 20, False),
    ("uniform_(0.3, 2.5) 1M", lambda lib: lib.empty(1 << 20).uniform_(0.3, 2.5), 20, False),
    ("randperm(60000)", lambda lib: lib.randperm(60000), 20, False),
    ("nn.Linear(784, 512)", lambda lib: lib.nn.Linear(784, 512), 50, False),
    ("vgg16() build", vgg16, 2, True),
]


def _bits(x) -> np.ndarray:
    """The bytes of a tensor, or of a model's state_dict, for a bit-for-bit comparison."""
    if hasattr(x, "state_dict"):
        return np.concatenate([_bits(v) for v in x.state_dict().values()])
    array = x.detach().numpy() if hasattr(x, "detach") else x.numpy()
    return np.ascontiguousarray(array).view(np.uint8).reshape(-1)


def contender(lib, fn, results: dict):
    """A ``_harness`` contender running ``fn(lib)`` from ``lib.manual_seed(0)``; the result is
    kept in ``results[lib]`` (the previous one freed before the next run)."""
    if lib is None:
        return None

    def prepare(_round: int):
        results.pop(lib, None)
        lib.manual_seed(0)
        return lambda: results.__setitem__(lib, fn(lib))

    return prepare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="PyTorch's intra-op threads")
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument("--small", action="store_true", help="skip the 100M-value cases")
    parser.add_argument("--check", action="store_true", help="assert bit-identical results")
    args = parser.parse_args()

    torch = optional_torch()
    if torch is not None:
        torch.set_num_threads(args.threads)
    print(machine_line())
    print(f"{'case (best of N runs)':34} {'numtorch':>12} {'PyTorch':>12} {'ratio':>7}")
    for name, fn, repeats, big in CASES:
        if args.only not in name or (big and args.small):
            continue
        results: dict = {}
        gc.collect()
        ours, theirs = interleave(
            [contender(lib, fn, results) for lib in (numtorch, torch)], repeats
        )
        if torch is None:
            print(f"{name:34} {min(ours) * 1e3:9.2f} ms")
            continue
        if args.check:
            assert np.array_equal(_bits(results[numtorch]), _bits(results[torch])), name
        ratio = min(ours) / min(theirs)
        print(f"{name:34} {min(ours) * 1e3:9.2f} ms {min(theirs) * 1e3:9.2f} ms {ratio:6.2f}x")
        results.clear()


if __name__ == "__main__":
    main()
