"""numtorch.vision.transforms: every transform against a reference computed with PIL / NumPy, or
with real PyTorch ops where torchvision's tensor kernels are PyTorch ops; random draws against
PyTorch's generator under the same seed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image, ImageEnhance

import numtorch
from numtorch.vision import transforms as T
from numtorch.vision.transforms import functional as F

RNG = np.random.default_rng(1234)
GRAY = RNG.integers(0, 256, size=(19, 23), dtype=np.uint8)
RGB = RNG.integers(0, 256, size=(19, 23, 3), dtype=np.uint8)
FLOAT_CHW = RNG.random((3, 19, 23), dtype=np.float32)


def pil_gray():
    return Image.fromarray(GRAY, mode="L")


def pil_rgb():
    return Image.fromarray(RGB, mode="RGB")


def t_of(array):
    return numtorch.from_numpy(np.array(array))


def assert_pil_equal(img, expected):
    assert isinstance(img, Image.Image) and img.mode == expected.mode and img.size == expected.size
    np.testing.assert_array_equal(np.asarray(img), np.asarray(expected))


# --- conversions ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, expected_chw",
    [
        (pil_gray, lambda: GRAY[None].astype(np.float32) / np.float32(255)),
        (pil_rgb, lambda: RGB.transpose(2, 0, 1).astype(np.float32) / np.float32(255)),
        (
            lambda: pil_rgb().convert("RGBA"),
            lambda: (
                np.concatenate(
                    [RGB.transpose(2, 0, 1), np.full((1, 19, 23), 255, np.uint8)]
                ).astype(np.float32)
                / np.float32(255)
            ),
        ),
        (
            lambda: Image.fromarray(GRAY.astype(np.int32) * 1000, mode="I"),
            lambda: GRAY[None].astype(np.int32) * 1000,
        ),
        (lambda: Image.fromarray(FLOAT_CHW[0], mode="F"), lambda: FLOAT_CHW[:1]),
        (
            lambda: pil_gray().convert("1", dither=Image.Dither.NONE),
            lambda: np.where(GRAY[None] >= 128, 255, 0).astype(np.float32) / 255,
        ),
        (lambda: RGB, lambda: RGB.transpose(2, 0, 1).astype(np.float32) / np.float32(255)),
        (lambda: GRAY.astype(np.float64), lambda: GRAY[None].astype(np.float64)),
    ],
    ids=["L", "RGB", "RGBA", "I", "F", "1", "ndarray-uint8", "ndarray-float64"],
)
def test_to_tensor(make, expected_chw):
    out = T.ToTensor()(make())
    expected = expected_chw()
    assert isinstance(out, numtorch.Tensor) and out.is_contiguous()
    assert out.dtype is numtorch.from_numpy(expected).dtype
    np.testing.assert_array_equal(out.numpy(), expected)


def test_to_tensor_default_dtype_and_errors():
    numtorch.set_default_dtype(numtorch.float64)
    out = T.ToTensor()(pil_gray())
    assert out.dtype is numtorch.float64
    np.testing.assert_array_equal(out.numpy()[0], GRAY / 255.0)
    with pytest.raises(
        TypeError, match=r"^pic should be PIL Image or ndarray. Got <class 'list'>$"
    ):
        T.ToTensor()([1, 2])
    with pytest.raises(ValueError, match=r"^pic should be 2/3 dimensional. Got 1 dimensions.$"):
        T.ToTensor()(np.zeros(3))


def test_to_tensor_matches_torch_arithmetic(torch):
    expected = torch.from_numpy(RGB.copy()).permute(2, 0, 1).contiguous().to(torch.float32).div(255)
    np.testing.assert_array_equal(T.ToTensor()(pil_rgb()).numpy(), expected.numpy())


def test_pil_to_tensor():
    out = T.PILToTensor()(pil_rgb())
    assert out.dtype is numtorch.uint8 and out.shape == (3, 19, 23)
    # A permuted view of an H×W×C copy, as torchvision returns.
    assert out.stride() == (1, 23 * 3, 3)
    np.testing.assert_array_equal(out.numpy(), RGB.transpose(2, 0, 1))
    with pytest.raises(TypeError, match="pic should be PIL Image. Got"):
        T.PILToTensor()(RGB)


@pytest.mark.parametrize(
    "pic, mode, expected_mode",
    [
        (lambda: t_of(FLOAT_CHW), None, "RGB"),
        (lambda: t_of(GRAY[None]), None, "L"),
        (lambda: t_of(GRAY), None, "L"),
        (lambda: RGB, None, "RGB"),
        (lambda: t_of(FLOAT_CHW[:1]), "F", "F"),
        (lambda: np.dstack([RGB, GRAY]), None, "RGBA"),
        (lambda: np.dstack([GRAY, GRAY]), None, "LA"),
    ],
)
def test_to_pil_image(pic, mode, expected_mode):
    source = pic()
    img = T.ToPILImage(mode)(source)
    assert img.mode == expected_mode
    array = source.numpy() if isinstance(source, numtorch.Tensor) else source
    if isinstance(source, numtorch.Tensor) and array.ndim == 3:
        array = array.transpose(1, 2, 0)
    if array.dtype.kind == "f" and mode != "F":
        array = (array * 255).astype(np.uint8)  # torchvision truncates
    np.testing.assert_array_equal(
        np.asarray(img),
        np.squeeze(array, -1) if array.ndim == 3 and array.shape[-1] == 1 else array,
    )


def test_to_pil_image_errors():
    with pytest.raises(TypeError, match=r"^pic should be Tensor or ndarray. Got <class 'int'>.$"):
        F.to_pil_image(3)
    with pytest.raises(ValueError, match=r"^pic should not have > 4 channels. Got 5 channels.$"):
        F.to_pil_image(np.zeros((4, 4, 5), np.uint8))
    with pytest.raises(
        ValueError, match=r"^Only modes \['RGB', 'YCbCr', 'HSV'\] are supported for 3D inputs$"
    ):
        F.to_pil_image(RGB, mode="RGBA")
    assert (
        T.ToPILImage().__repr__() == "ToPILImage()"
        and repr(T.ToPILImage("L")) == "ToPILImage(mode=L)"
    )


def test_normalize(torch):
    x = T.ToTensor()(pil_rgb())
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    out = T.Normalize(mean, std)(x)
    ref = torch.from_numpy(x.numpy().copy())
    ref.sub_(torch.tensor(mean).view(-1, 1, 1)).div_(torch.tensor(std).view(-1, 1, 1))
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    # out of place unless inplace=True
    np.testing.assert_array_equal(x.numpy(), T.ToTensor()(pil_rgb()).numpy())
    y = x.clone()
    assert T.Normalize(mean, std, inplace=True)(y) is y
    np.testing.assert_array_equal(y.numpy(), ref.numpy())
    assert repr(T.Normalize((0.5,), (0.5,))) == "Normalize(mean=(0.5,), std=(0.5,))"


def test_normalize_errors():
    with pytest.raises(
        TypeError, match=r"^Input tensor should be a float tensor. Got torch.uint8.$"
    ):
        F.normalize(T.PILToTensor()(pil_gray()), [0.5], [0.5])
    with pytest.raises(
        ValueError,
        match=r"^Expected tensor to be a tensor image of size \(..., C, H, W\). Got tensor.size\(\) = torch.Size\(\[4, 4\]\)$",
    ):
        F.normalize(numtorch.zeros(4, 4), [0.5], [0.5])
    with pytest.raises(
        ValueError,
        match=r"^std evaluated to zero after conversion to torch.float32, leading to division by zero.$",
    ):
        F.normalize(numtorch.zeros(1, 4, 4), [0.5], [0.0])
    with pytest.raises(
        TypeError, match=r"^img should be Tensor Image. Got <class 'numpy.ndarray'>$"
    ):
        F.normalize(RGB, [0.5], [0.5])


@pytest.mark.parametrize(
    "src, dst",
    [
        ("uint8", "float32"),
        ("uint8", "float64"),
        ("float32", "uint8"),
        ("float64", "int32"),
        ("uint8", "int32"),
        ("int32", "uint8"),
        ("int16", "int64"),
        ("float32", "float64"),
    ],
)
def test_convert_image_dtype(torch, src, dst):
    info = {"uint8": 255, "int16": 32767, "int32": 2147483647, "int64": 9223372036854775807}
    if src.startswith("float"):
        data = RNG.random((2, 5, 7)).astype(src)
    else:
        data = RNG.integers(0, min(info[src], 10**6), size=(2, 5, 7)).astype(src)
    out = T.ConvertImageDtype(getattr(numtorch, dst))(numtorch.from_numpy(data.copy()))
    x = torch.from_numpy(data.copy())
    tdst = getattr(torch, dst)
    # torchvision's formulas, evaluated by PyTorch
    if x.is_floating_point() and tdst.is_floating_point:
        ref = x.to(tdst)
    elif x.is_floating_point():
        ref = x.mul(info[dst] + 1.0 - 1e-3).to(tdst)
    elif tdst.is_floating_point:
        ref = x.to(tdst) / float(info[src])
    elif info[src] > info[dst]:
        ref = torch.div(x, (info[src] + 1) // (info[dst] + 1), rounding_mode="floor").to(tdst)
    else:
        ref = x.to(tdst) * ((info[dst] + 1) // (info[src] + 1))
    assert str(out.dtype) == str(ref.dtype)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_convert_image_dtype_unsafe():
    with pytest.raises(
        RuntimeError,
        match=r"^The cast from torch.float32 to torch.int64 cannot be performed safely.$",
    ):
        F.convert_image_dtype(numtorch.zeros(1, 2, 2), numtorch.int64)


def test_compose_and_lambda_repr():
    c = T.Compose([T.ToTensor(), T.Lambda(lambda x: x * 2)])
    assert repr(c) == "Compose(\n    ToTensor()\n    Lambda()\n)"
    np.testing.assert_array_equal(c(pil_gray()).numpy(), (GRAY[None] / np.float32(255)) * 2)
    with pytest.raises(TypeError, match=r"^Argument lambd should be callable, got 'int'$"):
        T.Lambda(3)


# --- geometry ------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [10, (7, 30), [12]])
@pytest.mark.parametrize(
    "interpolation",
    [T.InterpolationMode.BILINEAR, T.InterpolationMode.NEAREST, T.InterpolationMode.BICUBIC],
)
def test_resize_pil(size, interpolation):
    img = pil_rgb()
    out = T.Resize(size, interpolation)(img)
    w, h = img.size
    if isinstance(size, (int, list)):
        s = size if isinstance(size, int) else size[0]
        expected_size = (s, int(s * w / h)) if h <= w else (int(s * h / w), s)
    else:
        expected_size = size
    mode = {"bilinear": Image.BILINEAR, "nearest": Image.NEAREST, "bicubic": Image.BICUBIC}[
        interpolation.value
    ]
    assert_pil_equal(out, img.resize(expected_size[::-1], mode))


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest", "nearest-exact"])
@pytest.mark.parametrize("antialias", [True, False])
@pytest.mark.parametrize("size", [(8, 11), (30, 41)])
def test_resize_tensor_matches_interpolate(torch, mode, antialias, size):
    out = F.resize(t_of(FLOAT_CHW), list(size), T.InterpolationMode(mode), antialias=antialias)
    aa = antialias and mode in ("bilinear", "bicubic")
    corners = False if mode in ("bilinear", "bicubic") else None
    ref = torch.nn.functional.interpolate(
        torch.from_numpy(FLOAT_CHW)[None], size=size, mode=mode, align_corners=corners, antialias=aa
    )[0]
    assert out.shape == ref.shape and out.dtype is numtorch.float32
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=0, atol=2e-6)


def test_resize_errors_and_repr():
    with pytest.raises(TypeError, match=r"^Size should be int or sequence. Got <class 'float'>$"):
        T.Resize(3.5)
    with pytest.raises(ValueError, match=r"^If size is a sequence, it should have 1 or 2 values$"):
        T.Resize((1, 2, 3))
    assert (
        repr(T.Resize(32))
        == "Resize(size=32, interpolation=bilinear, max_size=None, antialias=True)"
    )
    assert F.resize(pil_rgb(), [19]).size == (23, 19)  # already the requested size: unchanged


@pytest.mark.parametrize("size", [9, (5, 20), (25, 31)])
def test_center_crop(size):
    out_pil = T.CenterCrop(size)(pil_rgb())
    out_t = T.CenterCrop(size)(t_of(RGB.transpose(2, 0, 1)))
    th, tw = (size, size) if isinstance(size, int) else size
    padded = RGB
    if th > 19 or tw > 23:
        ph, pw = max(th - 19, 0), max(tw - 23, 0)
        padded = np.pad(RGB, ((ph // 2, (ph + 1) // 2), (pw // 2, (pw + 1) // 2), (0, 0)))
    h, w = padded.shape[:2]
    top, left = int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))
    expected = padded[top : top + th, left : left + tw]
    np.testing.assert_array_equal(np.asarray(out_pil), expected)
    np.testing.assert_array_equal(out_t.numpy(), expected.transpose(2, 0, 1))
    assert repr(T.CenterCrop(9)) == "CenterCrop(size=(9, 9))"


@pytest.mark.parametrize("padding", [2, (1, 3), (1, 2, 3, 4)])
@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad(torch, padding, mode):
    p = (
        [padding] * 4
        if isinstance(padding, int)
        else (list(padding) * 2 if len(padding) == 2 else list(padding))
    )
    left, top, right, bottom = p
    np_mode = {
        "constant": "constant",
        "edge": "edge",
        "reflect": "reflect",
        "symmetric": "symmetric",
    }[mode]
    kwargs = {"constant_values": 7} if mode == "constant" else {}
    expected = np.pad(RGB, ((top, bottom), (left, right), (0, 0)), mode=np_mode, **kwargs)
    out_pil = T.Pad(padding, fill=7, padding_mode=mode)(pil_rgb())
    np.testing.assert_array_equal(np.asarray(out_pil), expected)
    out_t = T.Pad(padding, fill=7, padding_mode=mode)(t_of(FLOAT_CHW))
    if mode == "symmetric":
        ref = np.pad(FLOAT_CHW, ((0, 0), (top, bottom), (left, right)), mode="symmetric")
    else:
        torch_mode = {"edge": "replicate"}.get(mode, mode)
        kw = {"value": 7.0} if mode == "constant" else {}
        ref = torch.nn.functional.pad(
            torch.from_numpy(FLOAT_CHW)[None], [left, right, top, bottom], mode=torch_mode, **kw
        )[0].numpy()
    np.testing.assert_array_equal(out_t.numpy(), ref)


def test_pad_errors():
    with pytest.raises(
        ValueError, match=r"^Padding mode should be either constant, edge, reflect or symmetric$"
    ):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(
        ValueError,
        match=r"^Padding must be an int or a 1, 2, or 4 element tuple, not a 3 element tuple$",
    ):
        T.Pad((1, 2, 3))


def test_random_crop_draws_like_torch(torch):
    numtorch.manual_seed(7)
    torch.manual_seed(7)
    t = T.RandomCrop((8, 10), padding=2)
    for _ in range(5):
        out = t(pil_rgb())
        i = torch.randint(0, 19 + 4 - 8 + 1, size=(1,)).item()
        j = torch.randint(0, 23 + 4 - 10 + 1, size=(1,)).item()
        padded = np.pad(RGB, ((2, 2), (2, 2), (0, 0)))
        np.testing.assert_array_equal(np.asarray(out), padded[i : i + 8, j : j + 10])
    with pytest.raises(
        ValueError,
        match=r"^Required crop size \(30, 30\) is larger than input image size \(19, 23\)$",
    ):
        T.RandomCrop(30)(pil_rgb())
    out = T.RandomCrop(30, pad_if_needed=True)(t_of(FLOAT_CHW))
    assert out.shape == (3, 30, 30)


def reference_resized_crop_params(torch, height, width, scale, ratio):
    """torchvision's RandomResizedCrop.get_params, run on real PyTorch."""
    area = height * width
    log_ratio = torch.log(torch.tensor(ratio))
    for _ in range(10):
        target_area = area * torch.empty(1).uniform_(scale[0], scale[1]).item()
        aspect_ratio = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
        w = int(round(math.sqrt(target_area * aspect_ratio)))
        h = int(round(math.sqrt(target_area / aspect_ratio)))
        if 0 < w <= width and 0 < h <= height:
            i = torch.randint(0, height - h + 1, size=(1,)).item()
            j = torch.randint(0, width - w + 1, size=(1,)).item()
            return i, j, h, w
    raise AssertionError("the test's seed should not need the fallback")


def test_random_resized_crop_like_torch(torch):
    numtorch.manual_seed(3)
    torch.manual_seed(3)
    t = T.RandomResizedCrop(12)
    for _ in range(5):
        out = t(pil_rgb())
        i, j, h, w = reference_resized_crop_params(torch, 19, 23, (0.08, 1.0), (3 / 4, 4 / 3))
        expected = pil_rgb().crop((j, i, j + w, i + h)).resize((12, 12), Image.BILINEAR)
        assert_pil_equal(out, expected)
    assert (
        repr(t)
        == "RandomResizedCrop(size=(12, 12), scale=(0.08, 1.0), ratio=(0.75, 1.3333), interpolation=bilinear, antialias=True)"
    )


@pytest.mark.parametrize(
    "cls, flip", [(T.RandomHorizontalFlip, np.fliplr), (T.RandomVerticalFlip, np.flipud)]
)
def test_random_flips_like_torch(torch, cls, flip):
    numtorch.manual_seed(11)
    torch.manual_seed(11)
    t = cls(p=0.5)
    flipped = 0
    for _ in range(12):
        x = t_of(RGB.transpose(2, 0, 1))
        out_t = t(x)
        expect_flip = bool(torch.rand(1) < 0.5)
        out_pil = t(pil_rgb())
        expect_flip_pil = bool(torch.rand(1) < 0.5)
        flipped += expect_flip
        expected = flip(RGB) if expect_flip else RGB
        np.testing.assert_array_equal(out_t.numpy(), expected.transpose(2, 0, 1))
        np.testing.assert_array_equal(np.asarray(out_pil), flip(RGB) if expect_flip_pil else RGB)
    assert 0 < flipped < 12
    assert repr(t) == f"{cls.__name__}(p=0.5)"


def reference_rotate_tensor(torch, x, angle, mode, fill):
    """torchvision's tensor rotate (affine grid + grid_sample + fill mask), on real PyTorch."""
    matrix = F._get_inverse_affine_matrix([0.0, 0.0], -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    h, w = x.shape[-2:]
    theta = torch.tensor(matrix, dtype=torch.float32).reshape(1, 2, 3)
    base = torch.empty(1, h, w, 3)
    base[..., 0].copy_(torch.linspace(-w * 0.5 + 0.5, w * 0.5 - 0.5, steps=w))
    base[..., 1].copy_(torch.linspace(-h * 0.5 + 0.5, h * 0.5 - 0.5, steps=h).unsqueeze_(-1))
    base[..., 2].fill_(1)
    grid = (
        base.view(1, h * w, 3)
        .bmm(theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h]))
        .view(1, h, w, 2)
    )
    img = torch.cat((x[None], torch.ones(1, 1, h, w)), dim=1)
    img = torch.nn.functional.grid_sample(
        img, grid, mode=mode, padding_mode="zeros", align_corners=False
    )
    mask, img = img[:, -1:], img[:, :-1]
    fill_img = torch.tensor(fill, dtype=img.dtype).view(1, -1, 1, 1).expand_as(img)
    mask = mask.expand_as(img)
    if mode == "nearest":
        img[mask < 0.5] = fill_img[mask < 0.5]
    else:
        img = img * mask + (1.0 - mask) * fill_img
    return img[0]


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_random_rotation_like_torch(torch, mode):
    numtorch.manual_seed(5)
    torch.manual_seed(5)
    t = T.RandomRotation(30, interpolation=T.InterpolationMode(mode), fill=0.25)
    for _ in range(3):
        out = t(t_of(FLOAT_CHW))
        angle = float(torch.empty(1).uniform_(-30.0, 30.0).item())
        ref = reference_rotate_tensor(torch, torch.from_numpy(FLOAT_CHW), angle, mode, [0.25] * 3)
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=0, atol=3e-6)
    # PIL images go through Image.rotate with the same draw.
    numtorch.manual_seed(5)
    torch.manual_seed(5)
    out = T.RandomRotation(30, fill=9)(pil_rgb())
    angle = float(torch.empty(1).uniform_(-30.0, 30.0).item())
    assert_pil_equal(out, pil_rgb().rotate(angle, Image.NEAREST, False, None, fillcolor=(9, 9, 9)))
    assert (
        repr(T.RandomRotation(30))
        == "RandomRotation(degrees=[-30.0, 30.0], interpolation=nearest, expand=False, fill=0)"
    )


def test_rotate_expand_size():
    out = F.rotate(t_of(FLOAT_CHW), 90.0, expand=True)
    assert out.shape == (3, 23, 19)
    assert F.rotate(pil_rgb(), 90.0, expand=True).size == (19, 23)


# --- colour --------------------------------------------------------------------------------------
def test_color_jitter_pil_like_torch_draws(torch):
    numtorch.manual_seed(21)
    torch.manual_seed(21)
    t = T.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1)
    out = t(pil_rgb())
    order = torch.randperm(4).tolist()
    b = float(torch.empty(1).uniform_(0.6, 1.4))
    c = float(torch.empty(1).uniform_(0.6, 1.4))
    s = float(torch.empty(1).uniform_(0.6, 1.4))
    h = float(torch.empty(1).uniform_(-0.1, 0.1))
    img = pil_rgb()
    for fn in order:
        if fn == 0:
            img = ImageEnhance.Brightness(img).enhance(b)
        elif fn == 1:
            img = ImageEnhance.Contrast(img).enhance(c)
        elif fn == 2:
            img = ImageEnhance.Color(img).enhance(s)
        else:
            hsv = np.array(img.convert("HSV"))
            hsv[..., 0] = (hsv[..., 0].astype(np.int64) + int(h * 255)) % 256
            img = Image.fromarray(hsv, "HSV").convert("RGB")
    assert_pil_equal(out, img)
    assert (
        repr(t)
        == "ColorJitter(brightness=(0.6, 1.4), contrast=(0.6, 1.4), saturation=(0.6, 1.4), hue=(-0.1, 0.1))"
    )


def test_color_tensor_kernels_match_torch(torch):
    x = torch.from_numpy(FLOAT_CHW.copy())
    ours = t_of(FLOAT_CHW)
    gray = (0.2989 * x[0] + 0.587 * x[1] + 0.114 * x[2]).unsqueeze(0)
    np.testing.assert_array_equal(F.rgb_to_grayscale(ours).numpy(), gray.numpy())
    np.testing.assert_array_equal(
        F.adjust_brightness(ours, 1.3).numpy(),
        (1.3 * x + (1.0 - 1.3) * torch.zeros_like(x)).clamp(0, 1).numpy(),
    )
    mean = gray.mean(dim=(-3, -2, -1), keepdim=True)
    np.testing.assert_allclose(
        F.adjust_contrast(ours, 0.7).numpy(),
        (0.7 * x + 0.3 * mean).clamp(0, 1).numpy(),
        rtol=0,
        atol=1e-7,
    )
    np.testing.assert_array_equal(
        F.adjust_saturation(ours, 1.6).numpy(), (1.6 * x + (1.0 - 1.6) * gray).clamp(0, 1).numpy()
    )
    hue = F.adjust_hue(ours, 0.2).numpy()
    # Reference: colorsys on every pixel (the same HSV model).
    import colorsys

    r, g, b = FLOAT_CHW.reshape(3, -1)
    ref = np.array(
        [
            colorsys.hsv_to_rgb((hh + 0.2) % 1.0, ss, vv)
            for hh, ss, vv in (colorsys.rgb_to_hsv(*p) for p in zip(r, g, b))
        ]
    ).T.reshape(FLOAT_CHW.shape)
    np.testing.assert_allclose(hue, ref, rtol=0, atol=2e-6)


def test_grayscale():
    expected = pil_rgb().convert("L")
    assert_pil_equal(T.Grayscale()(pil_rgb()), expected)
    three = T.Grayscale(3)(pil_rgb())
    assert three.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(three), np.dstack([np.asarray(expected)] * 3))
    out = T.Grayscale(3)(t_of(RGB.transpose(2, 0, 1)))
    assert out.shape == (3, 19, 23) and out.dtype is numtorch.uint8
    with pytest.raises(TypeError, match="permitted channel values are \\[1, 3\\], but found 2"):
        F.rgb_to_grayscale(numtorch.zeros(2, 4, 4))


def test_random_erasing_like_torch(torch):
    numtorch.manual_seed(2)
    torch.manual_seed(2)
    t = T.RandomErasing(p=1.0, value="random")
    out = t(t_of(FLOAT_CHW))
    assert bool(torch.rand(1) < 1.0)
    area = 19 * 23
    log_ratio = torch.log(torch.tensor((0.3, 3.3)))
    while True:
        erase_area = area * torch.empty(1).uniform_(0.02, 0.33).item()
        aspect = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
        h = int(round(math.sqrt(erase_area * aspect)))
        w = int(round(math.sqrt(erase_area / aspect)))
        if h < 19 and w < 23:
            break
    v = torch.empty([3, h, w], dtype=torch.float32).normal_()
    i = torch.randint(0, 19 - h + 1, size=(1,)).item()
    j = torch.randint(0, 23 - w + 1, size=(1,)).item()
    ref = torch.from_numpy(FLOAT_CHW.copy())
    ref[..., i : i + h, j : j + w] = v
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    with pytest.raises(ValueError, match=r"^Random erasing probability should be between 0 and 1$"):
        T.RandomErasing(p=2)
    with pytest.raises(ValueError, match=r"^If value is str, it should be 'random'$"):
        T.RandomErasing(value="noise")


def test_transforms_are_modules_in_sequential():
    seq = numtorch.nn.Sequential(T.CenterCrop(10), T.Normalize((0.5,) * 3, (0.5,) * 3))
    out = seq(t_of(FLOAT_CHW))
    np.testing.assert_array_equal(
        out.numpy(), (FLOAT_CHW[:, 4:14, 6:16] - np.float32(0.5)) / np.float32(0.5)
    )
