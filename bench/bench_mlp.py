"""One training step of the notes' MLP (784-512-512-10, batch 64, CrossEntropyLoss): numtorch vs
PyTorch in one run.

Both frameworks get the same weights and the same batches; steps are interleaved (numtorch,
torch, numtorch, ...) so machine load hits both alike, and the medians are compared. The step is
forward + backward (+ an SGD update with ``--sgd``).

    python bench/bench_mlp.py [--threads 2] [--steps 200] [--sgd] [--profile]
"""

from __future__ import annotations

import numtorch  # noqa: F401  (before NumPy: NOTE [ BLAS threads ])

import numpy as np
from _harness import compare_train_steps, train_step_parser


def build(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Flatten(), nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
        nn.Linear(512, 10),
    )  # fmt: skip


def main() -> None:
    args = train_step_parser(__doc__, steps=200).parse_args()
    rng = np.random.default_rng(0)
    x = rng.random((args.steps, 64, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, (args.steps, 64))
    compare_train_steps(
        "notes' MLP", build, list(zip(x, y)), args, lr=1e-3, warmup=5, profile_steps=50, digits=3
    )


if __name__ == "__main__":
    main()
