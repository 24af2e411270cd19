"""``torch.cuda``: numtorch has no CUDA backend, so nothing is available (PyTorch's CPU-build answers)."""

from __future__ import annotations


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """Seeding CUDA is a silent no-op without CUDA, as in PyTorch."""


manual_seed_all = manual_seed


def synchronize(device=None) -> None:
    _lazy_init()


def current_device() -> int:
    _lazy_init()
    return 0


def empty_cache() -> None:
    pass


def _lazy_init() -> None:
    raise AssertionError("Torch not compiled with CUDA enabled")
