"""Tensor-image kernels behind ``functional``, after ``torchvision/transforms/_functional_tensor.py``.

Images are ``[..., C, H, W]`` tensors. Point-wise operations (flips, crops, colour adjustments,
erasing) are numtorch tensor operations, as in torchvision, so they keep autograd. Resampling
(``resize``, ``rotate``, ``affine``) and non-constant padding run as NumPy kernels on the array,
reproducing ``torch.nn.functional.interpolate`` / ``grid_sample`` / ``pad``; they do not record a
gradient.
"""

from __future__ import annotations

import numpy as np

from ... import _dtype
from ..._tensor import Tensor

_INT_DTYPES = (_dtype.uint8, _dtype.int8, _dtype.int16, _dtype.int32, _dtype.int64)


def _is_tensor_a_torch_image(x: Tensor) -> bool:
    return x.ndim >= 2


def _assert_image_tensor(img: Tensor) -> None:
    if not _is_tensor_a_torch_image(img):
        raise TypeError("Tensor is not a torch image.")


def get_dimensions(img: Tensor) -> list[int]:
    _assert_image_tensor(img)
    channels = 1 if img.ndim == 2 else img.shape[-3]
    height, width = img.shape[-2:]
    return [channels, height, width]


def get_image_size(img: Tensor) -> list[int]:
    _assert_image_tensor(img)
    return [img.shape[-1], img.shape[-2]]


def get_image_num_channels(img: Tensor) -> int:
    _assert_image_tensor(img)
    return 1 if img.ndim == 2 else img.shape[-3]


def _max_value(dtype: _dtype.dtype) -> int:
    if dtype in _INT_DTYPES:
        return int(np.iinfo(dtype.np).max)
    # Floating-point images live in [0, 1].
    return 1


def _assert_channels(img: Tensor, permitted: list[int]) -> None:
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(
            f"Input image tensor permitted channel values are {permitted}, but found {c}"
        )


def vflip(img: Tensor) -> Tensor:
    _assert_image_tensor(img)
    return img.flip(-2)


def hflip(img: Tensor) -> Tensor:
    _assert_image_tensor(img)
    return img.flip(-1)


def crop(img: Tensor, top: int, left: int, height: int, width: int) -> Tensor:
    """``img[..., top:top+height, left:left+width]``, zero-padded where the box leaves the image."""
    _assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    right = left + width
    bottom = top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding_ltrb = [
            max(-left + min(0, right), 0),
            max(-top + min(0, bottom), 0),
            max(right - max(w, left), 0),
            max(bottom - max(h, top), 0),
        ]
        return pad(img[..., max(top, 0) : bottom, max(left, 0) : right], padding_ltrb, fill=0)
    return img[..., top:bottom, left:right]


def rgb_to_grayscale(img: Tensor, num_output_channels: int = 1) -> Tensor:
    if img.ndim < 3:
        raise TypeError(
            f"Input image tensor should have at least 3 dimensions, but found {img.ndim}"
        )
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        # ITU-R 601-2 luma, as TensorFlow and torchvision weigh it.
        l_img = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype)
        l_img = l_img.unsqueeze(dim=-3)
    else:
        l_img = img.clone()
    if num_output_channels == 3:
        return l_img.expand(img.shape)
    return l_img


def _blend(img1: Tensor, img2: Tensor, ratio: float) -> Tensor:
    ratio = float(ratio)
    bound = _max_value(img1.dtype)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, bound).to(img1.dtype)


def adjust_brightness(img: Tensor, brightness_factor: float) -> Tensor:
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    from ...ops.creation import zeros_like

    return _blend(img, zeros_like(img), brightness_factor)


def adjust_contrast(img: Tensor, contrast_factor: float) -> Tensor:
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [3, 1])
    c = get_dimensions(img)[0]
    dtype = img.dtype if img.is_floating_point() else _dtype.float32
    if c == 3:
        mean = rgb_to_grayscale(img).to(dtype).mean(dim=(-3, -2, -1), keepdim=True)
    else:
        mean = img.to(dtype).mean(dim=(-3, -2, -1), keepdim=True)
    return _blend(img, mean, contrast_factor)


def adjust_saturation(img: Tensor, saturation_factor: float) -> Tensor:
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:  # as PIL: a grey image has no saturation to change
        return img
    return _blend(img, rgb_to_grayscale(img), saturation_factor)


def _rgb2hsv(img: np.ndarray) -> np.ndarray:
    """RGB → HSV on a float array ``[..., 3, H, W]``, after Pillow's ``Convert.c`` (as torchvision)."""
    r, g, b = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    maxc = img.max(axis=-3)
    minc = img.min(axis=-3)
    # Where maxc == minc, S and H are 0; replacing the denominators by 1 avoids NaNs.
    eqc = maxc == minc
    cr = maxc - minc
    ones = np.ones_like(maxc)
    s = cr / np.where(eqc, ones, maxc)
    cr_divisor = np.where(eqc, ones, cr)
    rc = (maxc - r) / cr_divisor
    gc = (maxc - g) / cr_divisor
    bc = (maxc - b) / cr_divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = hr + hg + hb
    h = np.fmod((h / 6.0 + 1.0), 1.0)
    return np.stack((h, s, maxc), axis=-3)


def _hsv2rgb(img: np.ndarray) -> np.ndarray:
    h, s, v = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    i = np.floor(h * 6.0)
    f = (h * 6.0) - i
    i = i.astype(np.int32) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    # Sector i of the hue circle picks (r, g, b) from (v, p, q, t).
    r = np.choose(i, (v, q, p, p, t, v))
    g = np.choose(i, (t, v, v, q, p, p))
    b = np.choose(i, (p, p, t, v, v, q))
    return np.stack((r, g, b), axis=-3)


def adjust_hue(img: Tensor, hue_factor: float) -> Tensor:
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be Tensor image")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:  # as PIL
        return img
    orig_dtype = img.dtype
    hsv = _rgb2hsv(convert_image_dtype(img, _dtype.float32)._data)
    hsv[..., 0, :, :] = np.mod(hsv[..., 0, :, :] + np.float32(hue_factor), np.float32(1.0))
    rgb = Tensor._make(_hsv2rgb(hsv))
    return convert_image_dtype(rgb, orig_dtype)


def adjust_gamma(img: Tensor, gamma: float, gain: float = 1) -> Tensor:
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be a Tensor.")
    _assert_channels(img, [1, 3])
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    result = img
    dtype = img.dtype
    if not img.is_floating_point():
        result = convert_image_dtype(result, _dtype.float32)
    result = (gain * result**gamma).clamp(0, 1)
    return convert_image_dtype(result, dtype)


def invert(img: Tensor) -> Tensor:
    _assert_image_tensor(img)
    if img.ndim < 3:
        raise TypeError(
            f"Input image tensor should have at least 3 dimensions, but found {img.ndim}"
        )
    _assert_channels(img, [1, 3])
    return _max_value(img.dtype) - img


def normalize(tensor: Tensor, mean, std, inplace: bool = False) -> Tensor:
    """``(tensor - mean) / std`` per channel of a float ``[..., C, H, W]`` tensor."""
    _assert_image_tensor(tensor)
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(
            "Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
            f"{tensor.size()}"
        )
    if not inplace:
        tensor = tensor.clone()
    from ...ops.creation import as_tensor

    dtype = tensor.dtype
    mean = as_tensor(mean, dtype=dtype)
    std = as_tensor(std, dtype=dtype)
    if (std == 0).any():
        raise ValueError(
            f"std evaluated to zero after conversion to {dtype}, leading to division by zero."
        )
    if mean.ndim == 1:
        mean = mean.view(-1, 1, 1)
    if std.ndim == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


def convert_image_dtype(image: Tensor, dtype: _dtype.dtype = _dtype.float32) -> Tensor:
    """Convert an image tensor to ``dtype``, rescaling between the value ranges of the two types
    (floats in [0, 1], integers in [0, max])."""
    if image.dtype == dtype:
        return image

    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        # float to int
        if (image.dtype == _dtype.float32 and dtype in (_dtype.int32, _dtype.int64)) or (
            image.dtype == _dtype.float64 and dtype == _dtype.int64
        ):
            raise RuntimeError(
                f"The cast from {image.dtype} to {dtype} cannot be performed safely."
            )
        # 1 - eps keeps 1.0 from landing on max + 1 while every bin of values stays equally wide.
        eps = 1e-3
        max_val = float(_max_value(dtype))
        result = image.mul(max_val + 1.0 - eps)
        return result.to(dtype)

    input_max = float(_max_value(image.dtype))
    # int to float
    if dtype.is_floating_point:
        image = image.to(dtype)
        return image / input_max

    output_max = float(_max_value(dtype))
    # int to int
    if input_max > output_max:
        # Shift right by the difference in bits: the high bits carry over.
        factor = int((input_max + 1) // (output_max + 1))
        image = image.div(factor, rounding_mode="floor")
        return image.to(dtype)
    # Multiply by the ratio of the ranges; the lowest bits stay 0.
    factor = int((output_max + 1) // (input_max + 1))
    image = image.to(dtype)
    return image * factor


# --- padding -------------------------------------------------------------------------------------
def _parse_pad_padding(padding) -> list[int]:
    """[left, right, top, bottom] from an int or a 1-, 2- or 4-element (l, t, r, b) sequence."""
    if isinstance(padding, int):
        return [padding] * 4
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[0], padding[1], padding[1]]
    return [padding[0], padding[2], padding[1], padding[3]]


_NUMPY_PAD_MODES = {"edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}


def pad(img: Tensor, padding, fill=0, padding_mode: str = "constant") -> Tensor:
    _assert_image_tensor(img)
    if fill is None:
        fill = 0
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, tuple):
        padding = list(padding)
    if isinstance(padding, list) and len(padding) not in [1, 2, 4]:
        raise ValueError(
            f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple"
        )
    if padding_mode not in ["constant", "edge", "reflect", "symmetric"]:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")

    left, right, top, bottom = _parse_pad_padding(padding)
    # Negative padding crops, as torch.nn.functional.pad does.
    array = img._data[
        ...,
        max(-top, 0) : img.shape[-2] - max(-bottom, 0),
        max(-left, 0) : img.shape[-1] - max(-right, 0),
    ]
    width = [(0, 0)] * (array.ndim - 2) + [
        (max(top, 0), max(bottom, 0)),
        (max(left, 0), max(right, 0)),
    ]
    if padding_mode == "constant":
        # The fill converts to the image's dtype, as torch.nn.functional.pad's value does.
        out = np.pad(
            array, width, mode="constant", constant_values=np.array(fill).astype(array.dtype)
        )
    else:
        if padding_mode == "reflect" and (
            max(top, bottom) >= array.shape[-2] or max(left, right) >= array.shape[-1]
        ):
            raise RuntimeError(
                "Padding size should be less than the corresponding input dimension, but got: "
                f"padding ({left}, {right}) at dimension {img.ndim - 1} of input {list(img.shape)}"
            )
        out = np.pad(array, width, mode=_NUMPY_PAD_MODES[padding_mode])
    return Tensor._make(out)


# --- resampling ----------------------------------------------------------------------------------
def _cubic_weights(t: np.ndarray, a: float) -> np.ndarray:
    """Keys' cubic convolution kernel at offsets ``t`` (|t| < 2)."""
    t = np.abs(t)
    return np.where(
        t <= 1.0,
        ((a + 2) * t - (a + 3)) * t * t + 1,
        np.where(t < 2.0, ((a * t - 5 * a) * t + 8 * a) * t - 4 * a, 0.0),
    )


def _resize_matrix(in_size: int, out_size: int, mode: str, antialias: bool) -> np.ndarray:
    """The (out, in) matrix that resamples one axis as ``interpolate`` does (align_corners=False)."""
    # PyTorch computes the scale in single precision.
    scale = np.float32(in_size) / np.float32(out_size)
    dst = np.arange(out_size, dtype=np.float64)
    matrix = np.zeros((out_size, in_size), dtype=np.float64)
    rows = np.arange(out_size)
    if mode in ("nearest", "nearest-exact"):
        offset = 0.5 if mode == "nearest-exact" else 0.0
        src = np.floor((dst.astype(np.float32) + np.float32(offset)) * scale).astype(np.int64)
        matrix[rows, np.minimum(src, in_size - 1)] = 1.0
        return matrix
    scale = float(scale)
    if antialias:
        # Pillow-style separable filter (as PyTorch's antialiased kernels): when downscaling, the
        # kernel widens by the scale; weights are normalised to sum to 1 within the image.
        support_scale = max(scale, 1.0)
        support = (1.0 if mode == "bilinear" else 2.0) * support_scale
        for i in range(out_size):
            center = scale * (i + 0.5)
            xmin = max(int(center - support + 0.5), 0)
            xmax = min(int(center + support + 0.5), in_size)
            x = (np.arange(xmin, xmax) - center + 0.5) / support_scale
            if mode == "bilinear":
                w = np.maximum(1.0 - np.abs(x), 0.0)
            else:
                w = _cubic_weights(x, -0.5)
            total = w.sum()
            matrix[i, xmin:xmax] = w / total if total != 0 else w
        return matrix
    src = (dst + 0.5) * scale - 0.5
    if mode == "bilinear":
        src = np.maximum(src, 0.0)
        i0 = np.floor(src).astype(np.int64)
        i0 = np.minimum(i0, in_size - 1)
        i1 = np.minimum(i0 + 1, in_size - 1)
        l1 = src - i0
        np.add.at(matrix, (rows, i0), 1.0 - l1)
        np.add.at(matrix, (rows, i1), l1)
        return matrix
    # bicubic: four taps around floor(src), clamped at the borders; A = -0.75 as PyTorch's.
    a = -0.5 if antialias else -0.75
    i0 = np.floor(src).astype(np.int64)
    t = src - i0
    for k in range(-1, 3):
        idx = np.clip(i0 + k, 0, in_size - 1)
        np.add.at(matrix, (rows, idx), _cubic_weights(t - k, a))
    return matrix


def _cast_squeeze_in(array: np.ndarray, req_dtypes: tuple) -> tuple[np.ndarray, bool, np.dtype]:
    out_dtype = array.dtype
    if out_dtype not in req_dtypes:
        return array.astype(req_dtypes[0]), True, out_dtype
    return array, False, out_dtype


def _cast_squeeze_out(array: np.ndarray, need_cast: bool, out_dtype: np.dtype) -> np.ndarray:
    if need_cast:
        if np.issubdtype(out_dtype, np.integer):
            # Round before the cast, as torchvision does.
            array = np.round(array)
        array = array.astype(out_dtype)
    return array


def resize(
    img: Tensor, size: list[int], interpolation: str = "bilinear", antialias: bool | None = True
) -> Tensor:
    _assert_image_tensor(img)
    if isinstance(size, tuple):
        size = list(size)
    if antialias is None:
        antialias = False
    if antialias and interpolation not in ["bilinear", "bicubic"]:
        antialias = False
    if interpolation not in ("nearest", "nearest-exact", "bilinear", "bicubic"):
        raise NotImplementedError(
            f"numtorch: tensor resize does not support interpolation={interpolation!r}"
        )

    array, need_cast, out_dtype = _cast_squeeze_in(img._data, (np.float32, np.float64))
    out_h, out_w = size
    in_h, in_w = array.shape[-2:]
    rows = _resize_matrix(in_h, out_h, interpolation, antialias).astype(array.dtype)
    cols = _resize_matrix(in_w, out_w, interpolation, antialias).astype(array.dtype)
    # Width first, then height, as PyTorch's separable kernels run.
    out = np.matmul(rows, np.matmul(array, cols.T))
    if interpolation == "bicubic" and out_dtype == np.uint8:
        out = np.clip(out, 0, 255)
    return Tensor._make(np.ascontiguousarray(_cast_squeeze_out(out, need_cast, out_dtype)))


def _assert_grid_transform_inputs(
    img, matrix, interpolation, fill, supported_interpolation_modes
) -> None:
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be Tensor")
    _assert_image_tensor(img)
    if matrix is not None and not isinstance(matrix, list):
        raise TypeError("Argument matrix should be a list")
    if matrix is not None and len(matrix) != 6:
        raise ValueError("Argument matrix should have 6 float values")
    num_channels = get_dimensions(img)[0]
    if (
        fill is not None
        and isinstance(fill, (tuple, list))
        and len(fill) > 1
        and len(fill) != num_channels
    ):
        msg = (
            "The number of elements in 'fill' cannot broadcast to match the number of "
            "channels of the image ({} != {})"
        )
        raise ValueError(msg.format(len(fill), num_channels))
    if interpolation not in supported_interpolation_modes:
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")


def _gen_affine_grid(theta: np.ndarray, w: int, h: int, ow: int, oh: int) -> np.ndarray:
    """Sampling positions (normalised to [-1, 1] by the input size) of each output pixel."""
    dtype = theta.dtype
    d = 0.5
    base = np.empty((oh, ow, 3), dtype=dtype)
    base[..., 0] = np.linspace(-ow * 0.5 + d, ow * 0.5 + d - 1, num=ow, dtype=np.float32)
    base[..., 1] = np.linspace(-oh * 0.5 + d, oh * 0.5 + d - 1, num=oh, dtype=np.float32)[:, None]
    base[..., 2] = 1
    rescaled_theta = theta.T / np.array([0.5 * w, 0.5 * h], dtype=dtype)
    return (base.reshape(oh * ow, 3) @ rescaled_theta).reshape(oh, ow, 2)


def _grid_sample(array: np.ndarray, grid: np.ndarray, mode: str) -> np.ndarray:
    """``grid_sample(..., padding_mode="zeros", align_corners=False)`` of ``[N, C, H, W]`` with one
    ``[OH, OW, 2]`` grid for every image."""
    h, w = array.shape[-2:]
    x = ((grid[..., 0] + 1) * w - 1) / 2
    y = ((grid[..., 1] + 1) * h - 1) / 2
    out = np.zeros(array.shape[:-2] + grid.shape[:2], dtype=array.dtype)

    def gather(yi, xi, weight=None):
        inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        values = array[..., np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)] * inside
        return values if weight is None else values * weight

    if mode == "nearest":
        # std::nearbyint: halves round to even, as np.rint does.
        out += gather(np.rint(y).astype(np.int64), np.rint(x).astype(np.int64))
        return out
    x0 = np.floor(x)
    y0 = np.floor(y)
    wx1 = x - x0
    wy1 = y - y0
    wx0 = 1 - wx1
    wy0 = 1 - wy1
    x0 = x0.astype(np.int64)
    y0 = y0.astype(np.int64)
    out += gather(y0, x0, wy0 * wx0)
    out += gather(y0, x0 + 1, wy0 * wx1)
    out += gather(y0 + 1, x0, wy1 * wx0)
    out += gather(y0 + 1, x0 + 1, wy1 * wx1)
    return out


def _apply_grid_transform(img: Tensor, grid: np.ndarray, mode: str, fill) -> Tensor:
    array, need_cast, out_dtype = _cast_squeeze_in(img._data, (grid.dtype,))
    squeeze = array.ndim < 4
    if squeeze:
        array = array[None]
    if fill is not None:
        # A channel of ones, resampled with the image, marks where the output saw the input.
        mask = np.ones(array.shape[:1] + (1,) + array.shape[2:], dtype=array.dtype)
        array = np.concatenate((array, mask), axis=1)
    out = _grid_sample(array, grid, mode)
    if fill is not None:
        mask = out[:, -1:, :, :]
        out = out[:, :-1, :, :]
        fill_list = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = np.broadcast_to(
            np.array(fill_list, dtype=out.dtype).reshape(1, -1, 1, 1), out.shape
        )
        mask = np.broadcast_to(mask, out.shape)
        if mode == "nearest":
            out = np.where(mask < 0.5, fill_img, out)
        else:
            out = out * mask + (1.0 - mask) * fill_img
    if squeeze:
        out = out[0]
    return Tensor._make(np.ascontiguousarray(_cast_squeeze_out(out, need_cast, out_dtype)))


def affine(img: Tensor, matrix: list[float], interpolation: str = "nearest", fill=None) -> Tensor:
    _assert_grid_transform_inputs(img, matrix, interpolation, fill, ["nearest", "bilinear"])
    dtype = img._data.dtype if img.is_floating_point() else np.float32
    theta = np.array(matrix, dtype=dtype).reshape(2, 3)
    h, w = img.shape[-2:]
    grid = _gen_affine_grid(theta, w=w, h=h, ow=w, oh=h)
    return _apply_grid_transform(img, grid, interpolation, fill)


def _compute_affine_output_size(matrix: list[float], w: int, h: int) -> tuple[int, int]:
    """The (w, h) that holds the whole transformed image, as Pillow's ``rotate(expand=True)``."""
    pts = np.array(
        [
            [-0.5 * w, -0.5 * h, 1.0],
            [-0.5 * w, 0.5 * h, 1.0],
            [0.5 * w, 0.5 * h, 1.0],
            [0.5 * w, -0.5 * h, 1.0],
        ],
        dtype=np.float32,
    )
    theta = np.array(matrix, dtype=np.float32).reshape(2, 3)
    new_pts = pts @ theta.T
    min_vals = new_pts.min(axis=0) + np.array((w * 0.5, h * 0.5), dtype=np.float32)
    max_vals = new_pts.max(axis=0) + np.array((w * 0.5, h * 0.5), dtype=np.float32)
    # Truncating to 1e-4 keeps a ceil of x.0000001 from adding a pixel.
    tol = np.float32(1e-4)
    cmax = np.ceil(np.trunc(max_vals / tol) * tol)
    cmin = np.floor(np.trunc(min_vals / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def rotate(
    img: Tensor,
    matrix: list[float],
    interpolation: str = "nearest",
    expand: bool = False,
    fill=None,
) -> Tensor:
    _assert_grid_transform_inputs(img, matrix, interpolation, fill, ["nearest", "bilinear"])
    h, w = img.shape[-2:]
    ow, oh = _compute_affine_output_size(matrix, w, h) if expand else (w, h)
    dtype = img._data.dtype if img.is_floating_point() else np.float32
    theta = np.array(matrix, dtype=dtype).reshape(2, 3)
    grid = _gen_affine_grid(theta, w=w, h=h, ow=ow, oh=oh)
    return _apply_grid_transform(img, grid, interpolation, fill)


def erase(img: Tensor, i: int, j: int, h: int, w: int, v: Tensor, inplace: bool = False) -> Tensor:
    _assert_image_tensor(img)
    if not inplace:
        img = img.clone()
    img[..., i : i + h, j : j + w] = v
    return img
