"""The ``numtorch`` command: ``train``, ``predict``, ``run``, ``bench``."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:  # the suite parses its own options (--cases, --repeat, --json)
        from .bench import main as bench_main

        return bench_main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="numtorch", description="PyTorch's programming model on NumPy."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    from . import train

    train.build_parser(
        sub.add_parser(
            "train",
            help="train the notes' Fashion-MNIST classifier",
            description=train.__doc__.splitlines()[0],
        )
    )
    p_predict = sub.add_parser("predict", help="classify 28x28 images with a train checkpoint")
    p_predict.add_argument("--checkpoint", required=True)
    p_predict.add_argument("images", nargs="+")
    p_run = sub.add_parser("run", help="run an unmodified PyTorch script on numtorch")
    p_run.add_argument(
        "--device-fallback",
        choices=["cpu"],
        default=None,
        help="map unavailable accelerators to the CPU with a warning",
    )
    p_run.add_argument("script")
    p_run.add_argument("args", nargs=argparse.REMAINDER)
    sub.add_parser("bench", help="benchmark numtorch against PyTorch (if installed); see bench/suite.py", add_help=False)

    ns = parser.parse_args(argv)
    if ns.command == "train":
        try:
            train.run(ns)
        except train.UsageError as e:
            print(f"numtorch train: error: {e}", file=sys.stderr)
            return 2
        return 0
    if ns.command == "predict":
        try:
            train.predict(ns.checkpoint, ns.images)
        except train.UsageError as e:
            print(f"numtorch predict: error: {e}", file=sys.stderr)
            return 2
        return 0
    if ns.command == "run":
        from pathlib import Path

        from .compat import run_script

        if not Path(ns.script).is_file():
            print(f"numtorch run: error: no such script: {ns.script}", file=sys.stderr)
            return 2

        run_script(ns.script, ns.args, ns.device_fallback)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
