"""numtorch vs PyTorch, measured side by side in one run (issue 8). ``numtorch bench`` runs this.

Cases (each repeated, interleaved between the frameworks, medians reported):
  a  per-op overhead: the 3-op chain ``(a * b + a).sum()`` on 4-element tensors, with/without backward
  b  the notes' MLP, one epoch of Fashion-MNIST from the uint8 array (batched data), + the NumPy floor
  c  the notes' whole pipeline as written: per-sample FashionMNIST(ToTensor()) + DataLoader(64, shuffle)
     + train loop + test loop, against ../shared/bench/ref_torch_seed.py's PyTorch pipeline
  d  a small CNN, forward+backward+SGD over a fixed number of batches
  e  ``import numtorch`` vs ``import torch``
  f  peak RSS of (c)
PyTorch is timed with its default threads and with ``set_num_threads(1)``; ratios use the faster.

    python bench/suite.py [--cases abcdef] [--repeat N] [--json out.json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _harness import interleave, machine_line, optional_torch

HERE = Path(__file__).resolve().parent
FASHION = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
SHARED_BENCH = Path(
    os.environ.get("NUMTORCH_SHARED_BENCH", HERE.parent.parent / "shared" / "bench")
)


def idx(path: str):
    import numpy as np

    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _versus_torch_threads(make_run, repeat: int) -> tuple[list, list, list]:
    """Seconds of ``make_run(numtorch)()``, and of ``make_run(torch)()`` with PyTorch's default
    threads and with one thread, interleaved: (numtorch, torch 1 thread, torch default)."""
    import numtorch

    torch = optional_torch()

    def torch_with_threads(n: int):
        def prepare(_):
            torch.set_num_threads(n)
            return make_run(torch)

        return prepare

    default = torch.get_num_threads() if torch else None
    ours, theirs_n, theirs1 = interleave(
        [
            lambda _: make_run(numtorch),
            torch_with_threads(default) if torch else None,
            torch_with_threads(1) if torch else None,
        ],
        repeat,
    )
    if torch:
        torch.set_num_threads(default)
    return ours, theirs1, theirs_n


# --- (a) per-op overhead ------------------------------------------------------------------------------
def case_a(repeat: int) -> list[dict]:
    import numtorch

    torch = optional_torch()
    rows = []
    for backward in (False, True):

        def chain(T, backward=backward):
            a = T.ones(4, requires_grad=backward)
            b = T.ones(4)

            def step():
                for _ in range(1000):
                    out = (a * b + a).sum()
                    if backward:
                        out.backward()

            return step

        label = "a: 3-op chain" + (" + backward" if backward else "")
        ours, theirs = interleave(
            [lambda _: chain(numtorch), (lambda _: chain(torch)) if torch else None], repeat
        )
        rows.append(
            _row(
                label,
                statistics.median(ours) / 1000,
                statistics.median(theirs) / 1000 if theirs else None,
                "s/iter",
            )
        )
    return rows


# --- (b) MLP epoch, batched ---------------------------------------------------------------------------
def _mlp_epoch(T, X8, Y, batches: int | None = None):
    import numpy as np

    from_numpy = T.from_numpy
    T.manual_seed(0)
    model = T.nn.Sequential(
        T.nn.Flatten(),
        T.nn.Linear(784, 512),
        T.nn.ReLU(),
        T.nn.Linear(512, 512),
        T.nn.ReLU(),
        T.nn.Linear(512, 10),
    )
    loss_fn = T.nn.CrossEntropyLoss()
    opt = T.optim.SGD(model.parameters(), lr=1e-3)
    perm = np.random.default_rng(0).permutation(len(X8))
    n = len(X8) if batches is None else batches * 64

    def run():
        for s in range(0, n, 64):
            ix = perm[s : s + 64]
            x = from_numpy(X8[ix]).float() / 255
            y = from_numpy(Y[ix])
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()

    return run


def _numpy_floor():
    spec = SHARED_BENCH / "numpy_limit.py"
    out = subprocess.run(
        [sys.executable, str(spec)], capture_output=True, text=True, cwd=SHARED_BENCH
    )
    if out.returncode != 0:
        return None
    return float(out.stdout.split("epoch (batched data)")[1].split("s")[0])


def case_b(repeat: int) -> list[dict]:
    import numpy as np

    X8 = idx(f"{FASHION}/train-images-idx3-ubyte.gz").reshape(-1, 784)
    Y = idx(f"{FASHION}/train-labels-idx1-ubyte.gz").astype(np.int64)
    ours, theirs1, theirs_n = _versus_torch_threads(lambda T: _mlp_epoch(T, X8, Y), repeat)
    rows = [
        _row(
            "b: MLP epoch, batched",
            statistics.median(ours),
            _best(theirs1, theirs_n),
            "s",
            _threads_note(theirs1, theirs_n),
        )
    ]
    floor = [_numpy_floor() for _ in range(max(1, repeat // 2))]
    floor = [f for f in floor if f]
    if floor:
        rows.append(
            _row(
                "b: MLP epoch vs NumPy floor",
                statistics.median(ours),
                statistics.median(floor),
                "s",
                "denominator: numpy_limit.py",
            )
        )
    return rows


# --- (c)/(f) the notes' pipeline, each framework in its own process -----------------------------------
# NOTE [ Peak RSS of a child ]: ru_maxrss survives execve, so a child started by a big parent
# reports the parent's peak; the kernel's VmHWM belongs to the child's own address space.
PEAK_RSS = """
def peak_rss_kib():
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

NUMTORCH_SEED_PIPELINE = r"""
import resource, sys, time
{PEAK_RSS}
import numtorch as torch
from numtorch import nn
from numtorch.utils.data import DataLoader
from numtorch.vision import datasets
from numtorch.vision.transforms import ToTensor
torch.manual_seed(0)
t0 = time.perf_counter()
training_data = datasets.FashionMNIST(root="data", train=True, download=True, transform=ToTensor())
test_data = datasets.FashionMNIST(root="data", train=False, download=True, transform=ToTensor())
tl, vl = DataLoader(training_data, batch_size=64, shuffle=True), DataLoader(test_data, batch_size=64)
class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(nn.Linear(28*28, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    def forward(self, x):
        return self.linear_relu_stack(self.flatten(x))
model = NeuralNetwork()
loss_fn = nn.CrossEntropyLoss()
opt = torch.optim.SGD(model.parameters(), lr=1e-3)
t1 = time.perf_counter()
for X, y in tl:
    loss = loss_fn(model(X), y)
    opt.zero_grad(); loss.backward(); opt.step()
correct = 0
with torch.no_grad():
    for X, y in vl:
        correct += (model(X).argmax(1) == y).sum().item()
t2 = time.perf_counter()
print(f"{t2 - t1} {peak_rss_kib()} {correct / len(test_data)}")
"""

TORCH_SEED_PIPELINE = r"""
import resource, sys, time
{PEAK_RSS}
sys.path.insert(0, sys.argv[1])
import torch
if len(sys.argv) > 2: torch.set_num_threads(int(sys.argv[2]))
import ref_torch_seed as ref
torch.manual_seed(0)
train, test = ref.FashionMNIST(True), ref.FashionMNIST(False)
tl, vl = ref.DataLoader(train, batch_size=64, shuffle=True), ref.DataLoader(test, batch_size=64)
model = ref.NeuralNetwork(); loss_fn = torch.nn.CrossEntropyLoss(); opt = torch.optim.SGD(model.parameters(), lr=1e-3)
t1 = time.perf_counter()
for X, y in tl:
    loss = loss_fn(model(X), y); opt.zero_grad(); loss.backward(); opt.step()
correct = 0
with torch.no_grad():
    for X, y in vl:
        correct += (model(X).argmax(1) == y).sum().item()
t2 = time.perf_counter()
print(f"{t2 - t1} {peak_rss_kib()} {correct / len(test)}")
"""


def _run_script(code: str, *args: str, cwd: Path) -> tuple[float, float, float]:
    code = code.replace("{PEAK_RSS}", PEAK_RSS)
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    secs, rss_kb, acc = out.stdout.split()[-3:]
    return float(secs), float(rss_kb) / 1024, float(acc)


def case_cf(repeat: int, workdir: Path) -> list[dict]:
    have_torch = optional_torch() is not None
    ours, theirs1, theirs_n, rss_ours, rss_theirs = [], [], [], [], []
    for _ in range(repeat):
        t, rss, _ = _run_script(NUMTORCH_SEED_PIPELINE, cwd=workdir)
        ours.append(t)
        rss_ours.append(rss)
        if have_torch:
            t, rss, _ = _run_script(TORCH_SEED_PIPELINE, str(SHARED_BENCH), cwd=workdir)
            theirs_n.append(t)
            rss_theirs.append(rss)
            t, rss, _ = _run_script(TORCH_SEED_PIPELINE, str(SHARED_BENCH), "1", cwd=workdir)
            theirs1.append(t)
            rss_theirs.append(rss)
    return [
        _row(
            "c: notes' pipeline, per epoch",
            statistics.median(ours),
            _best(theirs1, theirs_n),
            "s",
            _threads_note(theirs1, theirs_n),
        ),
        _row(
            "f: peak RSS of (c)",
            statistics.median(rss_ours),
            min(rss_theirs) if rss_theirs else None,
            "MiB",
        ),
    ]


# --- (d) small CNN -------------------------------------------------------------------------------------------
def _cnn_run(T, X8, Y, batches: int):
    import numpy as np

    T.manual_seed(0)
    nn = T.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10),
    )  # fmt: skip
    loss_fn = nn.CrossEntropyLoss()
    opt = T.optim.SGD(model.parameters(), lr=1e-2)
    perm = np.random.default_rng(0).permutation(len(X8))

    def run():
        for s in range(0, batches * 64, 64):
            ix = perm[s : s + 64]
            x = T.from_numpy(X8[ix]).float().div(255).unsqueeze(1)
            loss = loss_fn(model(x), T.from_numpy(Y[ix]))
            opt.zero_grad()
            loss.backward()
            opt.step()

    return run


def case_d(repeat: int, batches: int = 100) -> list[dict]:
    import numpy as np

    X8 = idx(f"{FASHION}/train-images-idx3-ubyte.gz")
    Y = idx(f"{FASHION}/train-labels-idx1-ubyte.gz").astype(np.int64)
    ours, theirs1, theirs_n = _versus_torch_threads(lambda T: _cnn_run(T, X8, Y, batches), repeat)
    scale = 938 / batches  # report per epoch (938 batches of 64)
    return [_row(f"d: small CNN epoch (extrapolated from {batches} batches)", statistics.median(ours) * scale,
                 _best(theirs1, theirs_n, scale), "s", _threads_note(theirs1, theirs_n))]  # fmt: skip


# --- (e) import time -------------------------------------------------------------------------------------------
def _import_time(module: str) -> float:
    code = (
        f"import time; t0 = time.perf_counter(); import {module}; print(time.perf_counter() - t0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return float(out.stdout) if out.returncode == 0 else float("nan")


def case_e(repeat: int) -> list[dict]:
    ours, theirs = [], []
    for _ in range(max(repeat, 5)):
        ours.append(_import_time("numtorch"))
        if optional_torch():
            theirs.append(_import_time("torch"))
    return [
        _row(
            "e: import time",
            statistics.median(ours),
            statistics.median(theirs) if theirs else None,
            "s",
        )
    ]


# --- reporting -------------------------------------------------------------------------------------------------
def _best(one, default, scale: float = 1.0):
    cands = [statistics.median(x) * scale for x in (one, default) if x]
    return min(cands) if cands else None


def _threads_note(one, default) -> str:
    if not one or not default:
        return ""
    return (
        f"torch 1 thread {statistics.median(one):.3g}s, default {statistics.median(default):.3g}s"
    )


def _row(case: str, ours: float, theirs: float | None, unit: str, note: str = "") -> dict:
    return {
        "case": case,
        "numtorch": ours,
        "torch": theirs,
        "ratio": (ours / theirs) if theirs else None,
        "unit": unit,
        "note": note,
    }


def _fmt(value: float, unit: str) -> str:
    if unit == "s/iter":
        return f"{value * 1e6:.1f}µs"
    return f"{value:.3g}{'s' if unit == 's' else ' MiB'}"


def print_table(rows: list[dict]) -> None:
    print(f"{'case':<48} {'numtorch':>10} {'torch':>10} {'ratio':>7}  note")
    for r in rows:
        theirs = _fmt(r["torch"], r["unit"]) if r["torch"] else "-"
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] else "-"
        print(
            f"{r['case']:<48} {_fmt(r['numtorch'], r['unit']):>10} {theirs:>10} {ratio:>7}  {r['note']}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="numtorch bench", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="abcdef")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", default=None, help="write the results as JSON to this file")
    ns = parser.parse_args(argv)
    workdir = Path.cwd()
    print(time.strftime("%Y-%m-%d"), "|", machine_line())
    rows = []
    if "a" in ns.cases:
        rows += case_a(ns.repeat)
    if "b" in ns.cases:
        rows += case_b(ns.repeat)
    if "c" in ns.cases or "f" in ns.cases:
        rows += [r for r in case_cf(ns.repeat, workdir) if r["case"][0] in ns.cases]
    if "d" in ns.cases:
        rows += case_d(ns.repeat)
    if "e" in ns.cases:
        rows += case_e(ns.repeat)
    print_table(rows)
    if ns.json:
        Path(ns.json).write_text(
            json.dumps(
                {"date": time.strftime("%Y-%m-%d"), "machine": machine_line(), "rows": rows},
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
