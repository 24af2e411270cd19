"""``numtorch run`` / ``numtorch.compat``: unmodified PyTorch scripts run on numtorch."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).with_name("scripts")
SRC = str(Path(__file__).parents[1] / "src")


def run(args: list[str], cwd: Path, *, numtorch: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=SRC, MPLBACKEND="Agg")
    cmd = (
        [sys.executable, "-m", "numtorch.cli", "run", *args]
        if numtorch
        else [sys.executable, *args]
    )
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _normalise(text: str) -> str:
    text = re.sub(r"0x[0-9a-f]+", "0x…", text)
    return text.replace("numtorch", "torch")


def test_imports_resolve_to_numtorch(tmp_path):
    script = tmp_path / "imports.py"
    script.write_text(
        "import torch, torchvision\n"
        "from torch import nn\n"
        "import torch.nn.functional as F\n"
        "from torch.utils.data import DataLoader, Dataset\n"
        "from torch.utils.data.dataloader import default_collate\n"
        "import torch.optim as optim\n"
        "from torchvision import datasets, transforms, models, io, utils\n"
        "from torchvision.transforms import ToTensor, Lambda\n"
        "print(torch.__name__, nn.__name__, F.__name__, torchvision.__name__, datasets.__name__)\n"
        "print(torch.nn is nn, type(torch.ones(1)).__module__)\n"
    )
    proc = run([str(script)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [
        "numtorch", "numtorch.nn", "numtorch.nn.functional", "numtorch.vision", "numtorch.vision.datasets",
        "True", "numtorch._tensor",
    ]  # fmt: skip


def test_missing_attribute_says_not_implemented(tmp_path):
    script = tmp_path / "missing.py"
    script.write_text("import torch\ntorch.fancy_new_op\n")
    proc = run([str(script)], tmp_path)
    assert proc.returncode != 0
    assert (
        "AttributeError: module 'numtorch' has no attribute 'fancy_new_op' (numtorch does not implement torch.fancy_new_op yet)"
        in proc.stderr
    )


def test_script_arguments_and_main(tmp_path):
    script = tmp_path / "args.py"
    script.write_text("import sys\nif __name__ == '__main__':\n    print(sys.argv[1:])\n")
    proc = run([str(script), "--lr", "0.1"], tmp_path)
    assert proc.stdout.strip() == "['--lr', '0.1']"


def test_mps_device_errors_like_pytorch_without_fallback(tmp_path):
    script = tmp_path / "mps.py"
    script.write_text(
        'import torch\ndevice = torch.device("mps")\nprint(f"Using {device} device")\ntorch.ones(2).to(device)\n'
    )
    proc = run([str(script)], tmp_path)
    assert proc.stdout.strip() == "Using mps device"
    assert "RuntimeError: PyTorch is not linked with support for mps devices" in proc.stderr


def test_device_fallback_maps_mps_to_cpu_with_one_warning(tmp_path):
    script = tmp_path / "mps.py"
    script.write_text(
        'import torch\ndevice = torch.device("mps")\n'
        "x = torch.rand(1, 28, 28, device=device)\ny = torch.ones(2).to(device)\nprint(x.device, y.device)\n"
    )
    proc = run(["--device-fallback", "cpu", str(script)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "cpu cpu"
    assert proc.stderr.count("numtorch: device 'mps' is not available; using 'cpu' instead") == 1


def test_real_pytorch_untouched_in_other_processes(tmp_path):
    pytest.importorskip("torch")
    proc = subprocess.run(
        [sys.executable, "-c", "import torch; print(torch.__file__)"],
        capture_output=True,
        text=True,
    )
    assert "site-packages/torch" in proc.stdout


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.glob("basics_*.py")))
def test_learn_the_basics_scripts_match_pytorch(script, tmp_path):
    """Each script runs unchanged on numtorch; with PyTorch installed, the printouts are identical."""
    ours_dir, theirs_dir = tmp_path / "numtorch", tmp_path / "torch"
    ours_dir.mkdir()
    theirs_dir.mkdir()
    ours = run([str(SCRIPTS / script)], ours_dir)
    assert ours.returncode == 0, ours.stderr[-3000:]
    try:
        import torch  # noqa: F401
    except ImportError:
        pytest.skip("real PyTorch (the oracle) not installed: ran on numtorch only")
    theirs = run([str(SCRIPTS / script)], theirs_dir, numtorch=False)
    assert theirs.returncode == 0, theirs.stderr[-3000:]
    assert _normalise(ours.stdout) == _normalise(theirs.stdout)
