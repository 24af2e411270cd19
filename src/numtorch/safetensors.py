"""``numtorch.safetensors``: the safetensors format with ``safetensors.torch``'s API
(``save``/``load`` on bytes, ``save_file``/``load_file`` on files), without the package.

The files are byte-for-byte what the ``safetensors`` package writes, so weights move between
numtorch, PyTorch and other frameworks. A file holds no code, only:
  * 8 bytes: N, the header length (unsigned little-endian 64-bit);
  * N bytes: a compact JSON object mapping each tensor's name to
    ``{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}`` (offsets into the data
    buffer), with an optional ``"__metadata__"`` map of strings first, padded with spaces to a
    multiple of 8;
  * the data buffer: each tensor's bytes, little-endian, C order, back to back.
As the package does, tensors are laid out by dtype (widest first, in the order of its ``Dtype``
enum), then by name; loading checks that the tensors tile the buffer exactly.
"""

from __future__ import annotations

import json
import os
import struct
import sys

import numpy as np

from . import _dtype
from ._tensor import Tensor

__all__ = ["save", "save_file", "load", "load_file", "SafetensorError"]

# dtype -> (safetensors name, rank in the package's Dtype enum, which orders the layout)
_FORMAT = {
    _dtype.bool_: ("BOOL", 0),
    _dtype.uint8: ("U8", 4),
    _dtype.int8: ("I8", 5),
    _dtype.int16: ("I16", 11),
    _dtype.float16: ("F16", 13),
    _dtype.bfloat16: ("BF16", 14),
    _dtype.int32: ("I32", 15),
    _dtype.float32: ("F32", 17),
    _dtype.complex64: ("C64", 18),
    _dtype.float64: ("F64", 19),
    _dtype.int64: ("I64", 20),
}
_BY_NAME = {name: d for d, (name, _) in _FORMAT.items()}
_MAX_HEADER_SIZE = 100_000_000  # the package refuses larger headers


class SafetensorError(Exception):
    """What the ``safetensors`` package raises for a malformed file."""


def _check_tensors(tensors: dict) -> None:
    """The package's checks: a dict of contiguous tensors whose memory does not overlap."""
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    areas = []
    for name, tensor in tensors.items():
        if not isinstance(tensor, Tensor):
            raise ValueError(
                f"Key `{name}` is invalid, expected torch.Tensor but received {type(tensor)}"
            )
        if tensor.dtype not in _FORMAT:
            raise ValueError(f"safetensors cannot store tensors of dtype {tensor.dtype} (`{name}`)")
        if tensor.numel():
            start = tensor._data.__array_interface__["data"][0]
            areas.append((start, start + tensor._data.nbytes, name))
    areas.sort()
    shared = [
        {areas[i][2], areas[i + 1][2]}
        for i in range(len(areas) - 1)
        if areas[i + 1][0] < areas[i][1]
    ]
    if shared:
        raise RuntimeError(
            f"\n            Some tensors share memory, this will lead to duplicate memory on disk and "
            f"potential differences when loading them again: {shared}.\n            A potential way "
            "to correctly save your model is to use `save_model`.\n            More information at "
            "https://huggingface.co/docs/safetensors/torch_shared_tensors\n            "
        )
    for name, tensor in tensors.items():
        if not tensor.is_contiguous():
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{name}` which is not allowed. It "
                "either means you are trying to save tensors which are reference of each other in "
                "which case it's recommended to save only the full tensors, and reslice at load "
                "time, or simply call `.contiguous()` on your tensor to pack it before saving."
            )


def _layout(tensors: dict, metadata: dict | None) -> tuple[bytes, list[np.ndarray]]:
    """The padded header and the tensors' arrays in file order."""
    _check_tensors(tensors)
    order = sorted(tensors, key=lambda name: (-_FORMAT[tensors[name].dtype][1], name))
    header: dict = {}
    if metadata is not None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise SafetensorError("metadata must be a dict of str to str")
        header["__metadata__"] = metadata
    offset = 0
    arrays = []
    for name in order:
        array = tensors[name]._data
        if sys.byteorder == "big":
            array = array.byteswap()
        header[name] = {
            "dtype": _FORMAT[tensors[name].dtype][0],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + array.nbytes],
        }
        offset += array.nbytes
        arrays.append(array)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text, arrays


def _bytes_of(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(array).reshape(-1).view(np.uint8)


def save(tensors: dict[str, Tensor], metadata: dict[str, str] | None = None) -> bytes:
    """``safetensors.torch.save``: the file's bytes."""
    header, arrays = _layout(tensors, metadata)
    return header + b"".join(_bytes_of(a).tobytes() for a in arrays)


def save_file(
    tensors: dict[str, Tensor], filename: str | os.PathLike, metadata: dict[str, str] | None = None
) -> None:
    """``safetensors.torch.save_file``, written atomically (as ``numtorch.save``)."""
    from .serialization import _AtomicWriter

    header, arrays = _layout(tensors, metadata)
    with _AtomicWriter(os.fsdecode(os.fspath(filename))) as file:
        file.write(header)
        for array in arrays:
            file.write(_bytes_of(array))


def _parse_header(prefix: bytes, total_size: int) -> tuple[dict, int]:
    """The validated entries ``{name: (dtype, shape, begin, end)}`` and the data start."""
    if total_size < 8 or len(prefix) < 8:
        raise SafetensorError("Error while deserializing: header too small")
    (n,) = struct.unpack_from("<Q", prefix)
    if n > _MAX_HEADER_SIZE:
        raise SafetensorError("Error while deserializing: header too large")
    if 8 + n > total_size or len(prefix) < 8 + n:
        raise SafetensorError("Error while deserializing: invalid header length")
    try:
        header = json.loads(prefix[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SafetensorError(f"Error while deserializing: invalid JSON in header: {exc}") from None
    if not isinstance(header, dict):
        raise SafetensorError("Error while deserializing: invalid JSON in header: not an object")
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (
        isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())
    ):
        raise SafetensorError("Error while deserializing: invalid JSON in header: bad metadata")
    entries = {}
    for name, info in header.items():
        try:
            dtype = _BY_NAME[info["dtype"]]
            shape = info["shape"]
            begin, end = info["data_offsets"]
            valid = (
                all(type(s) is int and s >= 0 for s in shape)
                and type(begin) is int
                and type(end) is int
                and 0 <= begin <= end
            )
        except (KeyError, TypeError, ValueError):
            valid = False
        if not valid:
            raise SafetensorError(
                f"Error while deserializing: invalid shape, data type, or offset for tensor {name}"
            )
        if (end - begin) != int(np.prod(shape, dtype=object)) * dtype.itemsize:
            raise SafetensorError(
                f"Error while deserializing: invalid shape, data type, or offset for tensor {name}"
            )
        entries[name] = (dtype, tuple(shape), begin, end)
    covered = 0
    for _, _, begin, end in sorted(entries.values(), key=lambda e: (e[2], e[3])):
        if begin != covered:
            raise SafetensorError("Error while deserializing: invalid offset (tensors overlap)")
        covered = end
    if 8 + n + covered != total_size:
        raise SafetensorError(
            "Error while deserializing: incomplete metadata, file not fully covered"
        )
    return entries, 8 + n


def _tensor(array: np.ndarray, shape: tuple) -> Tensor:
    if sys.byteorder == "big":
        array = array.byteswap()
    return Tensor._make(array.reshape(shape))


def load(data: bytes) -> dict[str, Tensor]:
    """``safetensors.torch.load``: tensors (each with its own memory) from a file's bytes."""
    entries, start = _parse_header(bytes(data[: 8 + _MAX_HEADER_SIZE + 8]), len(data))
    buffer = memoryview(data)[start:]
    return {
        name: _tensor(np.frombuffer(buffer[begin:end], dtype.np).copy(), shape)
        for name, (dtype, shape, begin, end) in entries.items()
    }


def load_file(filename: str | os.PathLike, device: str | int = "cpu") -> dict[str, Tensor]:
    """``safetensors.torch.load_file``: tensors from a file (numtorch's device is the CPU)."""
    from ._device import as_device

    as_device(device if not isinstance(device, int) else f"cuda:{device}")
    with open(filename, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        prefix = file.read(8)
        if len(prefix) == 8:
            (n,) = struct.unpack("<Q", prefix)
            prefix += file.read(min(n, _MAX_HEADER_SIZE + 1))
        entries, start = _parse_header(prefix, size)
        result = {}
        for name, (dtype, shape, begin, end) in entries.items():
            array = np.empty((end - begin) // dtype.itemsize, dtype.np)
            file.seek(start + begin)
            if file.readinto(array.view(np.uint8)) != end - begin:
                raise SafetensorError(f"Error while deserializing: file ended inside {name}")
            result[name] = _tensor(array, shape)
    return result
