"""Run unmodified PyTorch code on numtorch: ``import torch`` / ``import torchvision`` resolve here.

``install()`` puts a meta-path finder in front of ``sys.meta_path`` that answers ``torch``,
``torch.*``, ``torchvision`` and ``torchvision.*`` with numtorch's own modules (``numtorch``,
``numtorch.<same path>``, ``numtorch.vision.<same path>``). Nothing named ``torch`` exists on disk,
and a real PyTorch installation is left untouched (the finder is only active while installed).

``python -m numtorch.compat script.py [args]`` and ``numtorch run script.py [args]`` run a script
this way; ``--device-fallback cpu`` maps unavailable accelerators (``mps``, ``cuda``) to the CPU.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import runpy
import sys

_ALIASES = (("torchvision", "numtorch.vision"), ("torch", "numtorch"))


def _target(fullname: str) -> str | None:
    for prefix, real in _ALIASES:
        if fullname == prefix or fullname.startswith(prefix + "."):
            return real + fullname[len(prefix) :]
    return None


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, real_name: str):
        self.real_name = real_name

    def create_module(self, spec):
        return importlib.import_module(self.real_name)

    def exec_module(self, module) -> None:
        pass  # the real module is already executed


class TorchAliasFinder(importlib.abc.MetaPathFinder):
    """Resolves ``torch``/``torchvision`` imports to numtorch modules."""

    def find_spec(self, fullname, path=None, target=None):
        real = _target(fullname)
        if real is None:
            return None
        try:
            found = importlib.util.find_spec(real)
        except ModuleNotFoundError:
            found = None
        if found is None:
            return None  # Python then raises ModuleNotFoundError: No module named 'torch.xyz'
        is_pkg = found.submodule_search_locations is not None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(real), is_package=is_pkg)


_finder = TorchAliasFinder()


def install() -> None:
    """Make ``import torch`` and ``import torchvision`` give numtorch (for notebooks and scripts)."""
    for name in list(sys.modules):
        if name == "torch" or name.startswith(("torch.", "torchvision")):
            if not getattr(sys.modules[name], "__name__", "").startswith("numtorch"):
                raise RuntimeError(
                    "numtorch.compat.install(): real PyTorch is already imported in this process; "
                    "install the numtorch alias before the first `import torch`"
                )
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    """Remove the alias and forget the aliased modules."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in list(sys.modules):
        if name == "torch" or name.startswith(("torch.", "torchvision")):
            del sys.modules[name]


def run_script(path: str, args: list[str], device_fallback: str | None = None) -> None:
    """Run ``path`` as ``__main__`` with ``sys.argv = [path, *args]`` and the torch alias installed."""
    if device_fallback is not None:
        from . import _device

        _device.set_fallback(device_fallback)
    install()
    sys.argv = [path, *args]
    runpy.run_path(path, run_name="__main__")


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m numtorch.compat", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--device-fallback",
        choices=["cpu"],
        default=None,
        help="map unavailable accelerators (mps, cuda) to the CPU, with a one-line warning",
    )
    parser.add_argument("script")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    ns = parser.parse_args(argv)
    run_script(ns.script, ns.args, ns.device_fallback)
    return 0


if __name__ == "__main__":
    sys.exit(main())
