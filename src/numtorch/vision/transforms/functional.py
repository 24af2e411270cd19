"""``torchvision.transforms.functional``: the image operations behind each transform.

Each function takes a PIL image or a tensor image (``[..., C, H, W]``) as torchvision's does and
gives the same result: PIL images go through Pillow (as torchvision's ``_functional_pil``), tensors
through NumPy on their array (as ``_functional_tensor``, which works on any leading batch shape).
"""

from __future__ import annotations

import sys

import numpy as np
from PIL import Image

from ... import _dtype
from ..._tensor import Tensor

__all__ = ["to_tensor", "pil_to_tensor", "to_pil_image", "normalize", "convert_image_dtype"]


def _is_pil_image(img) -> bool:
    return isinstance(img, Image.Image)


def _is_numpy(img) -> bool:
    return isinstance(img, np.ndarray)


def _is_numpy_image(img) -> bool:
    return img.ndim in {2, 3}


def _assert_image_tensor(img: Tensor) -> None:
    if img.ndim < 2:
        raise TypeError("Tensor is not a torch image.")


def _uint8_to_float(array: np.ndarray) -> np.ndarray:
    """``img.to(get_default_dtype()).div(255)``: the cast, then a true division in that dtype."""
    return np.divide(array, 255, dtype=_dtype.get_default_dtype().np)


# PIL modes whose pixels are not bytes, and the NumPy type torchvision reads them as.
_MODE_TO_NPTYPE = {
    "I": np.int32,
    "I;16" if sys.byteorder == "little" else "I;16B": np.int16,
    "F": np.float32,
}


def to_tensor(pic) -> Tensor:
    """A PIL image or an H×W(×C) ndarray as a C×H×W tensor; bytes become floats in [0, 1]."""
    if not (_is_pil_image(pic) or _is_numpy(pic)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if _is_numpy(pic) and not _is_numpy_image(pic):
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")

    if isinstance(pic, np.ndarray):
        if pic.ndim == 2:
            pic = pic[:, :, None]
        img = np.ascontiguousarray(pic.transpose((2, 0, 1)))
        _dtype.from_numpy_dtype(img.dtype)  # refuses the dtypes torch.from_numpy refuses
        return Tensor._make(_uint8_to_float(img) if img.dtype == np.uint8 else img)

    img = np.array(pic, _MODE_TO_NPTYPE.get(pic.mode, np.uint8), copy=True)
    if pic.mode == "1":
        img = 255 * img
    img = img.reshape(pic.size[1], pic.size[0], len(pic.getbands()))
    img = np.ascontiguousarray(img.transpose((2, 0, 1)))
    return Tensor._make(_uint8_to_float(img) if img.dtype == np.uint8 else img)


def pil_to_tensor(pic) -> Tensor:
    """A PIL image as a C×H×W tensor of its own pixel type (no scaling): a permuted view of an
    H×W×C copy, as torchvision returns."""
    if not _is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    img = np.array(pic, copy=True)
    img = img.reshape(pic.size[1], pic.size[0], len(pic.getbands()))
    return Tensor._make(img.transpose((2, 0, 1)))


def to_pil_image(pic, mode: str | None = None) -> Image.Image:
    """A C×H×W tensor or an H×W×C ndarray as a PIL image; floats are scaled by 255 and truncated
    to bytes unless ``mode="F"``."""
    if isinstance(pic, Tensor):
        if pic.ndim == 3:
            pic = pic.permute((1, 2, 0))
        pic = pic.detach().numpy()
    elif not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")

    if pic.ndim == 2:
        pic = np.expand_dims(pic, 2)
    if pic.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    if pic.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-1]} channels.")

    npimg = pic
    if np.issubdtype(npimg.dtype, np.floating) and mode != "F":
        npimg = (npimg * 255).astype(np.uint8)

    if npimg.shape[2] == 1:
        expected_mode = None
        npimg = npimg[:, :, 0]
        if npimg.dtype == np.uint8:
            expected_mode = "L"
        elif npimg.dtype == np.int16:
            expected_mode = "I;16" if sys.byteorder == "little" else "I;16B"
        elif npimg.dtype == np.int32:
            expected_mode = "I"
        elif npimg.dtype == np.float32:
            expected_mode = "F"
        if mode is not None and mode != expected_mode:
            raise ValueError(
                f"Incorrect mode ({mode}) supplied for input type {np.dtype}. Should be {expected_mode}"
            )
        mode = expected_mode
    elif npimg.shape[2] == 2:
        permitted_2_channel_modes = ["LA"]
        if mode is not None and mode not in permitted_2_channel_modes:
            raise ValueError(f"Only modes {permitted_2_channel_modes} are supported for 2D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = "LA"
    elif npimg.shape[2] == 4:
        permitted_4_channel_modes = ["RGBA", "CMYK", "RGBX"]
        if mode is not None and mode not in permitted_4_channel_modes:
            raise ValueError(f"Only modes {permitted_4_channel_modes} are supported for 4D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = "RGBA"
    else:
        permitted_3_channel_modes = ["RGB", "YCbCr", "HSV"]
        if mode is not None and mode not in permitted_3_channel_modes:
            raise ValueError(f"Only modes {permitted_3_channel_modes} are supported for 3D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = "RGB"

    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    return Image.fromarray(npimg, mode=mode)


def normalize(tensor: Tensor, mean, std, inplace: bool = False) -> Tensor:
    """``(tensor - mean) / std`` per channel of a float ``[..., C, H, W]`` tensor."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
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


def _max_value(dtype: _dtype.dtype) -> int:
    return int(np.iinfo(dtype.np).max) if dtype is not _dtype.bool_ else 1


def convert_image_dtype(image: Tensor, dtype: _dtype.dtype = _dtype.float32) -> Tensor:
    """Convert an image tensor to ``dtype``, rescaling between the value ranges of the two types
    (floats in [0, 1], integers in [0, max])."""
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
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
