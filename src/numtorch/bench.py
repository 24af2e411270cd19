"""``numtorch bench``: runs the benchmark suite in the repository's ``bench/suite.py``."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    suite = Path(__file__).resolve().parents[2] / "bench" / "suite.py"
    if not suite.exists():
        print(
            "numtorch bench: bench/suite.py not found (it ships with the source checkout, not the wheel)",
            file=sys.stderr,
        )
        return 2
    # As ``python bench/suite.py`` would: the suite imports its neighbour ``bench/_harness.py``.
    sys.path.insert(0, str(suite.parent))
    module = runpy.run_path(str(suite), run_name="numtorch_bench")
    return module["main"](argv)
