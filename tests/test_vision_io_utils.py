"""numtorch.vision.io and numtorch.vision.utils against references computed with PIL / NumPy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

import numtorch
from numtorch.vision import io as vio
from numtorch.vision import utils as vutils

RNG = np.random.default_rng(8)
RGB = RNG.integers(0, 256, size=(9, 13, 3), dtype=np.uint8)
RGBA = RNG.integers(0, 256, size=(9, 13, 4), dtype=np.uint8)


@pytest.fixture
def png_path(tmp_path):
    path = tmp_path / "x.png"
    Image.fromarray(RGB).save(path)
    return str(path)


def test_read_image_modes(png_path):
    out = vio.read_image(png_path)
    assert out.dtype is numtorch.uint8 and out.shape == (3, 9, 13) and out.is_contiguous()
    np.testing.assert_array_equal(out.numpy(), RGB.transpose(2, 0, 1))
    gray = vio.read_image(png_path, vio.ImageReadMode.GRAY)
    np.testing.assert_array_equal(gray.numpy()[0], np.asarray(Image.fromarray(RGB).convert("L")))
    rgba = vio.read_image(png_path, vio.ImageReadMode.RGB_ALPHA)
    assert rgba.shape == (4, 9, 13) and (rgba.numpy()[3] == 255).all()
    assert vio.ImageReadMode.RGBA is vio.ImageReadMode.RGB_ALPHA


def test_read_image_rgba_and_gray_files(tmp_path):
    Image.fromarray(RGBA).save(tmp_path / "a.png")
    np.testing.assert_array_equal(
        vio.read_image(str(tmp_path / "a.png")).numpy(), RGBA.transpose(2, 0, 1)
    )
    Image.fromarray(RGB[..., 0]).save(tmp_path / "g.png")
    out = vio.read_image(str(tmp_path / "g.png"))
    assert out.shape == (1, 9, 13)
    np.testing.assert_array_equal(out.numpy()[0], RGB[..., 0])
    out = vio.read_image(str(tmp_path / "g.png"), vio.ImageReadMode.RGB)
    np.testing.assert_array_equal(out.numpy(), np.stack([RGB[..., 0]] * 3))


def test_read_file_decode_and_errors(png_path, tmp_path):
    data = vio.read_file(png_path)
    with open(png_path, "rb") as f:
        raw = f.read()
    assert data.dtype is numtorch.uint8 and data.ndim == 1 and data.numpy().tobytes() == raw
    np.testing.assert_array_equal(vio.decode_image(data).numpy(), RGB.transpose(2, 0, 1))
    np.testing.assert_array_equal(vio.decode_png(data).numpy(), RGB.transpose(2, 0, 1))
    missing = str(tmp_path / "missing.png")
    with pytest.raises(RuntimeError, match=r"No such file or directory"):
        vio.read_image(missing)
    with pytest.raises(RuntimeError, match="Could not decode"):
        vio.decode_image(numtorch.tensor([1, 2, 3], dtype=numtorch.uint8))
    vio.write_file(str(tmp_path / "copy.png"), data)
    assert (tmp_path / "copy.png").read_bytes() == raw


def test_encode_write_roundtrip(tmp_path):
    img = numtorch.from_numpy(np.ascontiguousarray(RGB.transpose(2, 0, 1)))
    encoded = vio.encode_png(img)
    assert encoded.dtype is numtorch.uint8 and encoded.ndim == 1
    np.testing.assert_array_equal(
        np.asarray(Image.open(__import__("io").BytesIO(encoded.numpy().tobytes()))), RGB
    )
    vio.write_png(img, str(tmp_path / "w.png"))
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "w.png")), RGB)
    vio.write_jpeg(img, str(tmp_path / "w.jpg"), quality=95)
    decoded = vio.read_image(str(tmp_path / "w.jpg"))
    reference = np.asarray(Image.open(tmp_path / "w.jpg")).transpose(2, 0, 1)
    np.testing.assert_array_equal(decoded.numpy(), reference)
    with pytest.raises(RuntimeError, match="The number of channels should be 1 or 3, got: 4"):
        vio.encode_jpeg(numtorch.zeros(4, 3, 3, dtype=numtorch.uint8))
    with pytest.raises(RuntimeError, match="Input tensor dtype should be uint8"):
        vio.encode_png(numtorch.zeros(3, 3, 3))


# --- make_grid / save_image: torchvision's layout computed independently with NumPy -------------------------
def reference_grid(batch: np.ndarray, nrow=8, padding=2, pad_value=0.0) -> np.ndarray:
    if batch.shape[1] == 1:
        batch = np.concatenate([batch] * 3, axis=1)
    n, c, h, w = batch.shape
    cols = min(nrow, n)
    rows = math.ceil(n / cols)
    grid = np.full(
        (c, rows * (h + padding) + padding, cols * (w + padding) + padding), pad_value, batch.dtype
    )
    for k in range(n):
        y, x = divmod(k, cols)
        top, left = y * (h + padding) + padding, x * (w + padding) + padding
        grid[:, top : top + h, left : left + w] = batch[k]
    return grid


@pytest.mark.parametrize(
    "n, nrow, padding, pad_value",
    [(5, 2, 2, 0.0), (16, 8, 1, 0.5), (3, 8, 0, 1.0), (7, 3, 3, 0.25)],
)
def test_make_grid_layout(n, nrow, padding, pad_value):
    batch = RNG.random((n, 3, 4, 6), dtype=np.float32)
    out = vutils.make_grid(
        numtorch.from_numpy(batch.copy()), nrow=nrow, padding=padding, pad_value=pad_value
    )
    np.testing.assert_array_equal(out.numpy(), reference_grid(batch, nrow, padding, pad_value))


def test_make_grid_single_channel_list_and_single_image():
    batch = RNG.random((4, 1, 5, 5), dtype=np.float32)
    out = vutils.make_grid([numtorch.from_numpy(b.copy()) for b in batch], nrow=2)
    np.testing.assert_array_equal(out.numpy(), reference_grid(batch, 2))
    single = vutils.make_grid(numtorch.from_numpy(batch[0].copy()))
    assert single.shape == (3, 5, 5)  # one image: no padding, channels tripled
    with pytest.raises(TypeError, match="tensor or list of tensors expected, got <class 'int'>"):
        vutils.make_grid(3)


def test_make_grid_normalize():
    batch = (RNG.random((3, 3, 4, 4), dtype=np.float32) * 6 - 2).astype(np.float32)
    t = numtorch.from_numpy(batch.copy())
    out = vutils.make_grid(t, normalize=True, padding=0, nrow=3)
    lo, hi = float(batch.min()), float(batch.max())
    expected = (np.clip(batch, lo, hi) - np.float32(lo)) / np.float32(hi - lo)
    np.testing.assert_allclose(out.numpy(), reference_grid(expected, 3, 0), rtol=0, atol=1e-7)
    np.testing.assert_array_equal(t.numpy(), batch)  # the input is untouched
    each = vutils.make_grid(t, normalize=True, scale_each=True, padding=0, nrow=3).numpy()
    for k in range(3):
        img = batch[k]
        exp = (img - np.float32(img.min())) / np.float32(img.max() - img.min())
        np.testing.assert_allclose(each[:, :, 4 * k : 4 * k + 4], exp, rtol=0, atol=1e-7)
    ranged = vutils.make_grid(t, normalize=True, value_range=(-1.0, 1.0), padding=0, nrow=3).numpy()
    np.testing.assert_allclose(
        ranged, reference_grid((np.clip(batch, -1, 1) + 1) / 2, 3, 0), rtol=0, atol=1e-7
    )
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        vutils.make_grid(t, normalize=True, value_range=[0, 1])


def test_save_image(tmp_path):
    batch = RNG.random((2, 3, 4, 5), dtype=np.float32)
    path = tmp_path / "grid.png"
    vutils.save_image(numtorch.from_numpy(batch.copy()), str(path), nrow=2)
    grid = reference_grid(batch, 2)
    expected = (
        np.clip(grid * np.float32(255) + np.float32(0.5), 0, 255)
        .astype(np.uint8)
        .transpose(1, 2, 0)
    )
    np.testing.assert_array_equal(np.asarray(Image.open(path)), expected)
