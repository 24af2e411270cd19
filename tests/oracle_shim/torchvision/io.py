"""read_image as torchvision's: uint8 C×H×W via Pillow."""

import numpy as np
import torch
from PIL import Image


def read_image(path):
    with Image.open(path) as im:
        arr = np.array(im.convert("RGB") if im.mode not in ("L", "RGB") else im, np.uint8)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return torch.from_numpy(arr).permute(2, 0, 1).contiguous()
