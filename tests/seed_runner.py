"""Run the code blocks of the user's notes (``seed_notes.md``) like notebook cells, in one process.

Used by ``test_seed.py`` in a subprocess, once on numtorch (``import torch`` resolves to numtorch
through ``numtorch.compat``) and once on real PyTorch (the oracle), so the two printouts can be compared.

    python seed_runner.py numtorch|torch FIRST LAST [--epochs N] [--seed S]

Prints a JSON list with one record per block: its index, what it printed (and, as a notebook would,
the repr of a final bare expression), and the exception it raised, if any.

What the notes leave implicit is made explicit here, and nothing else is changed:
- ``CONTEXT``: names a block uses that the notes define only in prose (``x``, ``y``, ``tensor``).
- The notes run on an Apple GPU (``torch.device("mps")``); on this CPU machine the runner maps
  unavailable accelerators to the CPU (numtorch: ``--device-fallback cpu``; PyTorch: the same
  mapping of ``.to()``/``device=``), exactly what ``numtorch run --device-fallback cpu`` does.
- Two blocks contain typos (``forward(self, x):©©`` and an unclosed ``nn.CrossEntropyLoss(``): they
  are run as written first (a ``SyntaxError``, recorded), then with the typo removed so that the
  blocks after them have their ``model`` and ``loss_fn``.
- Offline, ``models.vgg16(pretrained=True)`` fails with a clear error (recorded); the runner then
  builds ``models.vgg16()`` (random weights) so the save/load blocks after it run.
- ``--epochs N`` shortens the notes' 10-epoch training loop (``epochs = 10``) to N epochs.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import re
import sys
import traceback
from pathlib import Path

NOTES = Path(__file__).with_name("seed_notes.md")

CONTEXT = {
    4: "x = torch.tensor([5.5, 3])",
    6: "y = torch.rand(5, 3)",
    10: "tensor = torch.ones(4, 4)",
}
# Without network, ``pretrained=True`` cannot download VGG16's weights (numtorch says so clearly);
# the runner then builds the same model with random weights so the save/load blocks still run.
OFFLINE_FALLBACK = {37: ("models.vgg16(pretrained=True)", "models.vgg16()")}
TYPO_FIXES = {
    "def forward(self, x):©©": "def forward(self, x):",
    "loss_fn = nn.CrossEntropyLoss(\n": "loss_fn = nn.CrossEntropyLoss()\n",
}


def blocks() -> list[str]:
    return re.findall(r"```[Pp]ython\n(.*?)```", NOTES.read_text(encoding="utf-8"), re.S)


def expected_outputs(block: str) -> list[str]:
    """The lines the notes show under ``# 输出`` markers in a block (comment prefix removed)."""
    lines, active = [], False
    for raw in block.splitlines():
        s = raw.strip()
        if re.match(r"#\s*输出", s):
            active = True
            continue
        if active:
            if not s.startswith("#"):
                active = False
                continue
            lines.append(re.sub(r"^#( |$)", "", s))
    return [line for line in lines if line.strip()]


def run_cell(source: str, namespace: dict) -> tuple[str, str | None]:
    """Exec ``source``; a final bare expression is printed with repr, as a notebook shows it."""
    out = io.StringIO()
    error = None
    with contextlib.redirect_stdout(out):
        try:
            tree = ast.parse(source)
            last = tree.body[-1] if tree.body else None
            if isinstance(last, ast.Expr):
                body = ast.Module(body=tree.body[:-1], type_ignores=[])
                exec(compile(body, "<notes>", "exec"), namespace)
                value = eval(compile(ast.Expression(last.value), "<notes>", "eval"), namespace)
                if value is not None:
                    print(repr(value))
            else:
                exec(compile(tree, "<notes>", "exec"), namespace)
        except (
            Exception
        ) as e:  # recorded and compared, not fatal: the notes contain deliberate errors
            error = f"{type(e).__name__}: {e}".splitlines()[0]
            if os.environ.get("SEED_RUNNER_TRACE"):
                traceback.print_exc(file=sys.stderr)
    return out.getvalue(), error


def _setup(backend: str, seed: int) -> dict:
    os.environ.setdefault("MPLBACKEND", "Agg")
    if backend == "numtorch":
        from numtorch import _device, compat

        _device.set_fallback("cpu")
        compat.install()
    else:
        sys.path.insert(0, str(Path(__file__).with_name("oracle_shim")))
        _patch_torch_device_fallback()
    import torch

    torch.manual_seed(seed)
    return {"__name__": "__notes__", "torch": torch}


def _patch_torch_device_fallback() -> None:
    """Give real PyTorch the runner's device mapping: unavailable accelerators become the CPU."""
    import torch

    def cpu_if_unavailable(device):
        if device is None:
            return None
        d = torch.device(device) if not isinstance(device, torch.device) else device
        if (
            d.type == "mps"
            and not torch.backends.mps.is_available()
            or d.type == "cuda"
            and not torch.cuda.is_available()
        ):
            return torch.device("cpu")
        return device

    orig_tensor_to, orig_module_to = torch.Tensor.to, torch.nn.Module.to

    def tensor_to(self, *args, **kwargs):
        args = tuple(
            cpu_if_unavailable(a) if isinstance(a, (str, torch.device)) else a for a in args
        )
        if "device" in kwargs:
            kwargs["device"] = cpu_if_unavailable(kwargs["device"])
        return orig_tensor_to(self, *args, **kwargs)

    def module_to(self, *args, **kwargs):
        args = tuple(
            cpu_if_unavailable(a) if isinstance(a, (str, torch.device)) else a for a in args
        )
        return orig_module_to(self, *args, **kwargs)

    torch.Tensor.to, torch.nn.Module.to = tensor_to, module_to
    for name in ("rand", "randn", "zeros", "ones", "empty", "ones_like", "zeros_like", "tensor"):
        orig = getattr(torch, name)

        def wrapped(*args, __orig=orig, **kwargs):
            if "device" in kwargs:
                kwargs["device"] = cpu_if_unavailable(kwargs["device"])
            return __orig(*args, **kwargs)

        setattr(torch, name, wrapped)


def main(argv: list[str]) -> None:
    backend, first, last = argv[0], int(argv[1]), int(argv[2])
    epochs = int(argv[argv.index("--epochs") + 1]) if "--epochs" in argv else None
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 0
    namespace = _setup(backend, seed)
    records = []
    for i, block in enumerate(blocks()):
        if i < first or i > last:
            continue
        if i in CONTEXT:
            run_cell(CONTEXT[i], namespace)
        source = block
        if epochs is not None:
            source = source.replace("epochs = 10\n", f"epochs = {epochs}\n")
        printed, error = run_cell(source, namespace)
        record = {"block": i, "printed": printed, "error": error}
        fixed = source
        for typo, fix in TYPO_FIXES.items():
            fixed = fixed.replace(typo, fix)
        if error and error.startswith("SyntaxError") and fixed != source:
            record["printed_after_fix"], record["error_after_fix"] = run_cell(fixed, namespace)
        if error and i in OFFLINE_FALLBACK:
            old, new = OFFLINE_FALLBACK[i]
            record["printed_after_fix"], record["error_after_fix"] = run_cell(
                source.replace(old, new), namespace
            )
        records.append(record)
    sys.stdout.write(json.dumps(records, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
