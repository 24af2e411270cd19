"""Whole-batch sample fetching for datasets that hold their images as one uint8 array.

NOTE [ Batched fetching ]
PyTorch's DataLoader hands a dataset that defines ``__getitems__(indices)`` the whole batch of
indices at once. The per-sample path of a torchvision dataset makes a PIL image of each sample and
runs the transform on it; when the transform is a pipeline that only converts and rescales pixels
(``ToTensor`` / ``PILToTensor`` first, then ``Normalize`` / ``ConvertImageDtype``, possibly nested
in ``Compose``), the same arithmetic can run once on the stacked batch, with NumPy, instead of
once per image in Python. The result is split into per-sample tensors (views of the batch) so the
samples are the ones ``[dataset[i] for i in indices]`` gives, value for value and dtype for dtype:

* ``ToTensor`` on a uint8 image is ``img.to(default dtype).div(255)``: a cast then a true division,
  which ``np.divide(..., dtype=default)`` computes element for element the same way.
* ``PILToTensor`` returns a C×H×W permuted view of an H×W×C copy; the batch is an N×H×W×C copy
  permuted the same way, so every sample even has the same strides.
* ``Normalize`` and ``ConvertImageDtype`` are element-wise functions of ``[..., C, H, W]`` tensors;
  they run, unchanged, on the N×C×H×W batch.

Anything else (random transforms, a user's subclass overriding ``__getitem__``, data that is not a
uint8 array) goes through the per-sample path, so results never depend on which path ran.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ... import _dtype
from ..._tensor import Tensor
from ..transforms import transforms as T

_CONVERTERS = (T.ToTensor, T.PILToTensor)
_TENSOR_STEPS = (T.Normalize, T.ConvertImageDtype)


def _flatten(transform: Callable) -> list | None:
    """The steps of ``transform`` with ``Compose`` unnested, or None if one is not vectorisable.
    Exact type checks: a subclass may change what ``__call__`` does."""
    if type(transform) is T.Compose:
        steps = []
        for t in transform.transforms:
            inner = _flatten(t)
            if inner is None:
                return None
            steps += inner
        return steps
    if type(transform) in _CONVERTERS or type(transform) in _TENSOR_STEPS:
        return [transform]
    return None


def batch_plan(transform: Callable | None) -> list | None:
    """The transform's steps if they can run on a whole batch: a converter first, then only
    tensor steps. None otherwise (the per-sample path must run)."""
    if transform is None:
        return None
    steps = _flatten(transform)
    if not steps or type(steps[0]) not in _CONVERTERS:
        return None
    if any(type(step) not in _TENSOR_STEPS for step in steps[1:]):
        return None
    return steps


def _convert(converter, images: np.ndarray) -> Tensor:
    """``converter`` applied to N×H×W×C uint8 images, as an N×C×H×W tensor."""
    if type(converter) is T.PILToTensor:
        return Tensor._make(images.transpose(0, 3, 1, 2))
    n, h, w, c = images.shape
    out = np.empty((n, c, h, w), dtype=_dtype.get_default_dtype().np)
    np.divide(images.transpose(0, 3, 1, 2), 255, out=out)
    return Tensor._make(out)


def apply_batched(steps: list, images: np.ndarray) -> Tensor:
    """Run a ``batch_plan`` on N×H×W×C uint8 images."""
    batch = _convert(steps[0], images)
    for step in steps[1:]:
        batch = step(batch)
    return batch


def _as_index_array(indices: Sequence[int], length: int) -> np.ndarray | None:
    """``indices`` as an integer array, or None when some index is not a plain in-range integer
    (the per-sample path then raises PyTorch's error for it)."""
    try:
        idx = np.asarray(indices)
    except (TypeError, ValueError):
        return None
    if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu":
        return None
    if idx.min() < -length or idx.max() >= length:
        return None
    return idx


def _array_of(x) -> np.ndarray | None:
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, np.ndarray):
        return x
    return None


def getitems_uint8_images(
    dataset,
    indices: Sequence[int],
    data,
    targets,
    per_sample_getitem: Callable,
    int_targets: bool = True,
) -> list[tuple[Any, Any]]:
    """``__getitems__`` of a dataset whose ``data`` is an N×H×W or N×H×W×C uint8 array (tensor or
    ndarray) of images and ``targets`` its labels, where ``dataset[i]`` is
    ``(transform(PIL image of data[i]), target_transform(targets[i]))``, with ``int(targets[i])``
    when ``int_targets`` (MNIST's tensor of labels) and ``targets[i]`` as stored otherwise (CIFAR's
    list).

    ``per_sample_getitem`` is the class's own ``__getitem__``: the fast path runs only while the
    dataset's class still uses it."""
    steps = batch_plan(dataset.transform)
    images = _array_of(data)
    labels = _array_of(targets) if int_targets else targets
    idx = None
    if (
        steps is not None
        and type(dataset).__getitem__ is per_sample_getitem
        and images is not None
        and labels is not None
        and images.dtype == np.uint8
        and images.ndim in (3, 4)
        and len(labels) == len(images)
    ):
        idx = _as_index_array(indices, len(images))
    if idx is None:
        return [dataset[i] for i in indices]

    batch = images[idx]
    if batch.ndim == 3:
        # reshape, not [..., None]: the new axis gets the stride PyTorch gives it, not 0.
        batch = batch.reshape(*batch.shape, 1)
    samples = apply_batched(steps, batch).unbind(0)
    if int_targets:
        target_list = [int(t) for t in labels[idx].tolist()]
    else:
        target_list = [labels[i] for i in idx.tolist()]
    target_transform = dataset.target_transform
    if target_transform is not None:
        target_list = [target_transform(t) for t in target_list]
    return list(zip(samples, target_list))
