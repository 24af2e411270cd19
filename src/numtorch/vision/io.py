"""Image files as tensors, after ``torchvision.io``'s image functions, decoding and encoding with
Pillow: images are uint8 ``C×H×W`` tensors; encoded files are 1-D uint8 tensors of bytes.

Pillow's JPEG decoder (libjpeg) may differ from torchvision's build of libjpeg-turbo by a grey
level on some pixels; PNG and other lossless formats decode identically.
"""

from __future__ import annotations

import io
import os
from enum import Enum
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from .._tensor import Tensor

__all__ = [
    "ImageReadMode",
    "read_file",
    "write_file",
    "decode_image",
    "decode_png",
    "decode_jpeg",
    "read_image",
    "encode_png",
    "encode_jpeg",
    "write_png",
    "write_jpeg",
]


class ImageReadMode(Enum):
    """How to convert an image's channels when decoding (``torchvision.io.ImageReadMode``)."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


_PIL_MODE = {
    ImageReadMode.GRAY: "L",
    ImageReadMode.GRAY_ALPHA: "LA",
    ImageReadMode.RGB: "RGB",
    ImageReadMode.RGB_ALPHA: "RGBA",
}


def _read_bytes(path: str | Path) -> bytes:
    if not os.path.isfile(path):
        # torchvision's C++ reader words it so.
        raise RuntimeError(f"[Errno 2] No such file or directory: '{path}'")
    with open(path, "rb") as f:
        return f.read()


def read_file(path: str | Path) -> Tensor:
    """The bytes of a file as a 1-D uint8 tensor."""
    return Tensor._make(np.frombuffer(bytearray(_read_bytes(path)), dtype=np.uint8))


def write_file(filename: str | Path, data: Tensor) -> None:
    """Write a 1-D uint8 tensor of bytes to a file."""
    _check_bytes(data, "data")
    with open(filename, "wb") as f:
        f.write(data._data.tobytes())


def _check_bytes(data, name: str) -> None:
    if not isinstance(data, Tensor):
        raise TypeError(f"Expected a Tensor for {name}, got {type(data).__name__}")
    if data.dtype.np != np.uint8 or data.ndim != 1:
        raise RuntimeError(f"Expected a non empty 1-dimensional tensor of dtype uint8 for {name}")


def _decode(data: bytes, mode: ImageReadMode, apply_exif_orientation: bool, what: str) -> Tensor:
    if isinstance(mode, str):
        mode = ImageReadMode[mode.upper()]
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except Exception as error:  # Pillow raises several types for undecodable data
        raise RuntimeError(f"Could not decode {what}: {error}") from None
    if apply_exif_orientation:
        img = ImageOps.exif_transpose(img)
    if mode == ImageReadMode.UNCHANGED:
        if img.mode in ("P", "1", "CMYK", "YCbCr", "I;16", "I;16B", "I", "F"):
            # Palette and bilevel images decode to their colours (RGB, or RGBA with transparency).
            if img.mode == "P":
                img = img.convert("RGBA" if "transparency" in img.info else "RGB")
            elif img.mode in ("1",):
                img = img.convert("L")
            elif img.mode in ("CMYK", "YCbCr"):
                img = img.convert("RGB")
            else:
                raise RuntimeError(
                    f"Could not decode {what}: {img.mode} images are not supported as uint8"
                )
    else:
        img = img.convert(_PIL_MODE[mode])
    array = np.asarray(img)
    if array.ndim == 2:
        array = array[:, :, None]
    return Tensor._make(np.ascontiguousarray(array.transpose(2, 0, 1)))


def decode_image(
    input: Tensor | str | Path,
    mode: ImageReadMode = ImageReadMode.UNCHANGED,
    apply_exif_orientation: bool = False,
) -> Tensor:
    """Decode an encoded image (a 1-D uint8 tensor of its bytes, or a path) to uint8 ``C×H×W``."""
    if not isinstance(input, Tensor):
        input = read_file(str(input))
    _check_bytes(input, "input")
    return _decode(input._data.tobytes(), mode, apply_exif_orientation, "the image")


def decode_png(
    input: Tensor,
    mode: ImageReadMode = ImageReadMode.UNCHANGED,
    apply_exif_orientation: bool = False,
) -> Tensor:
    return decode_image(input, mode, apply_exif_orientation)


def decode_jpeg(
    input: Tensor,
    mode: ImageReadMode = ImageReadMode.UNCHANGED,
    device: str = "cpu",
    apply_exif_orientation: bool = False,
) -> Tensor:
    return decode_image(input, mode, apply_exif_orientation)


def read_image(
    path: str | Path,
    mode: ImageReadMode = ImageReadMode.UNCHANGED,
    apply_exif_orientation: bool = False,
) -> Tensor:
    """Read an image file (JPEG, PNG, GIF, WebP, BMP, ...) as a uint8 ``C×H×W`` tensor."""
    return _decode(_read_bytes(path), mode, apply_exif_orientation, str(path))


def _to_pil(input: Tensor, what: str) -> Image.Image:
    if not isinstance(input, Tensor):
        raise TypeError(f"Expected a Tensor, got {type(input).__name__}")
    if input.dtype.np != np.uint8:
        raise RuntimeError(f"Input tensor dtype should be uint8, got {input.dtype}")
    if input.ndim != 3:
        raise RuntimeError(f"Input data should be a 3-dimensional tensor, got {input.ndim} dims")
    channels = input.shape[0]
    allowed = (1, 3) if what == "JPEG" else (1, 2, 3, 4)
    if channels not in allowed:
        raise RuntimeError(
            f"The number of channels should be {' or '.join(map(str, allowed))}, got: {channels}"
        )
    array = np.ascontiguousarray(input._data.transpose(1, 2, 0))
    if channels == 1:
        array = array[:, :, 0]
    return Image.fromarray(array)


def encode_png(input: Tensor, compression_level: int = 6) -> Tensor:
    """PNG bytes (1-D uint8 tensor) of a uint8 ``C×H×W`` image."""
    if not 0 <= compression_level <= 9:
        raise ValueError(f"Compression level should be between 0 and 9, got {compression_level}")
    buffer = io.BytesIO()
    _to_pil(input, "PNG").save(buffer, format="PNG", compress_level=compression_level)
    return Tensor._make(np.frombuffer(bytearray(buffer.getvalue()), dtype=np.uint8))


def encode_jpeg(input: Tensor, quality: int = 75) -> Tensor:
    """JPEG bytes (1-D uint8 tensor) of a uint8 ``C×H×W`` image (1 or 3 channels)."""
    if not 1 <= quality <= 100:
        raise ValueError(
            f"Image quality should be a positive number between 1 and 100, got {quality}"
        )
    buffer = io.BytesIO()
    _to_pil(input, "JPEG").save(buffer, format="JPEG", quality=quality)
    return Tensor._make(np.frombuffer(bytearray(buffer.getvalue()), dtype=np.uint8))


def write_png(input: Tensor, filename: str | Path, compression_level: int = 6) -> None:
    write_file(filename, encode_png(input, compression_level))


def write_jpeg(input: Tensor, filename: str | Path, quality: int = 75) -> None:
    write_file(filename, encode_jpeg(input, quality))
