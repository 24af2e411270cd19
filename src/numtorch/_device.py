"""``torch.device`` and which devices this build can use.

Only the CPU is backed today (by NumPy). ``cuda`` and ``mps`` parse as devices, as in PyTorch, but
putting a tensor there raises PyTorch's error for a build without that backend.
"""

from __future__ import annotations

_KNOWN_TYPES = ("cpu", "cuda", "mps", "meta", "xpu", "xla", "hip", "mtia", "privateuseone")


class device:
    """``torch.device(type, index=None)`` or ``torch.device("cuda:1")``."""

    __slots__ = ("type", "index")

    def __init__(self, type, index: int | None = None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int):  # torch.device(0) means the default accelerator (cuda)
            self.type, self.index = "cuda", type
            return
        if not isinstance(type, str):
            raise TypeError(
                f"device() received an invalid combination of arguments - got ({_tname(type)})"
            )
        name, _, idx = type.partition(":")
        if name not in _KNOWN_TYPES:
            raise RuntimeError(
                "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, "
                f"xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start of device string: {type}"
            )
        if idx:
            if index is not None:
                raise RuntimeError(
                    "type (string) must not include an index because index was passed explicitly: "
                    + type
                )
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self.type, self.index = name, index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index) if self.index is not None else (self.type,))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _tname(x) -> str:
    return type(x).__name__


CPU = device("cpu")


_fallback: device | None = None
_warned: set = set()


def set_fallback(target: str | None) -> None:
    """Map unavailable accelerators to ``target`` (``"cpu"``) instead of raising (``--device-fallback``)."""
    global _fallback
    _fallback = None if target is None else device(target)


def as_device(d, copy: bool = False) -> device:
    """Parse ``d`` (str, device, int or None) and check that this build can hold tensors there.

    ``copy`` selects PyTorch's message for moving a tensor (``.to``) rather than creating one.
    """
    if d is None or d is CPU:
        return CPU
    if not isinstance(d, device):
        d = device(d)
    if d.type == "cpu":
        return CPU
    if _fallback is not None:
        if d.type not in _warned:
            import sys

            _warned.add(d.type)
            print(
                f"numtorch: device '{d}' is not available; using '{_fallback}' instead (--device-fallback)",
                file=sys.stderr,
            )
        return CPU
    check_available(d, copy)
    return d


def check_available(d: device, copy: bool = False) -> None:
    """Raise PyTorch's error for a device type this build has no backend for."""
    if d.type == "cuda":
        raise AssertionError("Torch not compiled with CUDA enabled")
    if copy:
        raise RuntimeError(f"PyTorch is not linked with support for {d.type} devices")
    backend = {"mps": "MPS", "xpu": "XPU", "meta": "Meta", "hip": "HIP", "xla": "XLA"}.get(
        d.type, d.type
    )
    raise NotImplementedError(
        f"Could not run 'aten::empty.memory_format' with arguments from the '{backend}' backend. "
        "This could be because the operator doesn't exist for this backend, or was omitted during "
        f"the selective/custom build process (if using custom build). numtorch runs on the CPU only."
    )
