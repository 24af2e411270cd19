"""``default_collate`` and ``default_convert``: turning fetched samples into batches.

Follows ``torch/utils/data/_utils/collate.py``. ``collate`` walks the structure of the first sample
of a batch (mappings, namedtuples, sequences) and hands each leaf column to the function that
``collate_fn_map`` registers for its type; ``default_collate`` uses ``default_collate_fn_map``.

Speed (see NOTE [ Collating without per-sample work ]): a column of equal-shape, equal-dtype tensors
or arrays is one ``np.stack``; a column of Python ints or floats is one ``np.array``. Everything else
takes the general path through ``numtorch.stack`` / ``numtorch.tensor``, which gives PyTorch's
results and error messages.
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable

import numpy as np

from .... import _dtype, as_tensor, float64, is_grad_enabled, stack, tensor
from ...._tensor import Tensor

__all__ = [
    "collate",
    "collate_float_fn",
    "collate_int_fn",
    "collate_numpy_array_fn",
    "collate_numpy_scalar_fn",
    "collate_str_fn",
    "collate_tensor_fn",
    "default_collate",
    "default_collate_err_msg_format",
    "default_collate_fn_map",
    "default_convert",
]

# NumPy dtype strings of arrays that cannot become tensors: bytes, unicode, void, object.
np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def default_convert(data):
    """``torch.utils.data.default_convert``: NumPy arrays and scalars become tensors (sharing memory
    where ``as_tensor`` does), containers are rebuilt with converted contents, everything else is
    returned unchanged. The DataLoader's collate function when automatic batching is off."""

    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if isinstance(data, np.ndarray) and np_str_obj_array_pattern.search(data.dtype.str):
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        return _rebuild_mapping(data, converted)
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def _rebuild_mapping(template, converted: dict):
    """A mapping of ``template``'s type holding ``converted``, or a plain dict when that type cannot
    be rebuilt (PyTorch's rule: copy mutable mappings, call the type on the others)."""
    try:
        if isinstance(template, collections.abc.MutableMapping):
            clone = copy.copy(template)
            clone.update(converted)
            return clone
        return type(template)(converted)
    except TypeError:
        return converted


def _rebuild_sequence(template, items: list):
    """A sequence of ``template``'s type holding ``items``, or a plain list when that type cannot be
    rebuilt (copy mutable sequences and assign, call the type on the others)."""
    try:
        if isinstance(template, collections.abc.MutableSequence):
            clone = copy.copy(template)
            for i, item in enumerate(items):
                clone[i] = item
            return clone
        return type(template)(items)
    except TypeError:
        return items


def collate(batch, *, collate_fn_map: dict[type | tuple[type, ...], Callable] | None = None):
    """``torch.utils.data._utils.collate.collate``: collate ``batch`` (a sequence of samples) by the
    structure of its first sample.

    Leaves are dispatched through ``collate_fn_map``: an exact type match first, then the first
    registered type (in insertion order) that the element is an instance of. Mappings collate per
    key, namedtuples per field, other sequences per position (tuples become lists)."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        collated = {
            key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem
        }
        return _rebuild_mapping(elem, collated)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(
            *(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch))
        )
    if isinstance(elem, collections.abc.Sequence):
        elem_size = len(elem)
        if any(len(sample) != elem_size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)]
        return columns if isinstance(elem, tuple) else _rebuild_sequence(elem, columns)
    raise TypeError(default_collate_err_msg_format.format(elem_type))


# NOTE [ Collating without per-sample work ]
# A DataLoader batch of 64 images is 64 equal-shape arrays: stacking them is one np.stack, and
# anything done per sample in Python (a Tensor per element, a dtype check through numtorch's op
# machinery) costs more than the copy itself. So the common case is checked with plain attribute
# reads and stacked directly; anything unusual (mixed dtypes or shapes, tensors that need a graph)
# goes through ``numtorch.stack``, which promotes dtypes, records autograd and raises PyTorch's
# "stack expects each tensor to be equal size ..." exactly as ``torch.stack`` does.
def _stack_arrays(arrays: list[np.ndarray]) -> np.ndarray | None:
    """``np.stack(arrays)`` when all share one dtype and shape, else None (the general path)."""
    first = arrays[0]
    dtype, shape = first.dtype, first.shape
    for a in arrays:
        if a.dtype != dtype or a.shape != shape:
            return None
    return np.stack(arrays)


def collate_tensor_fn(batch, *, collate_fn_map=None) -> Tensor:
    """A column of tensors: ``torch.stack(batch, 0)``."""

    if not (is_grad_enabled() and any(t.requires_grad for t in batch)):
        stacked = _stack_arrays([t._data for t in batch])
        if stacked is not None:
            return Tensor._make(stacked)
    return stack(list(batch), 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    """A column of NumPy arrays: each becomes a tensor (``as_tensor``), then they are stacked.
    String and object arrays cannot become tensors: TypeError naming the dtype."""

    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    stacked = _stack_arrays(list(batch))
    if stacked is not None:
        return as_tensor(stacked)
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None) -> Tensor:
    """A column of NumPy scalars: ``torch.as_tensor(batch)``, whose dtype is PyTorch's promotion of
    the elements' dtypes (NumPy scalars keep theirs; Python numbers count as bool / int64 / the
    default float dtype), not NumPy's."""

    first_type = type(batch[0])
    if all(type(x) is first_type for x in batch):
        return as_tensor(np.array(batch))
    result = _element_dtype(batch[0])
    for x in batch[1:]:
        result = _dtype.promote_types(result, _element_dtype(x))
    return as_tensor(np.array(batch).astype(result.np))


def _element_dtype(x) -> _dtype.dtype:
    if isinstance(x, np.generic):
        return _dtype.from_numpy_dtype(x.dtype)
    if isinstance(x, float):
        return _dtype.get_default_dtype()
    if isinstance(x, complex):
        return _dtype.default_complex_dtype()
    return _dtype.scalar_dtype(x)


def collate_float_fn(batch, *, collate_fn_map=None) -> Tensor:
    """A column of Python floats: ``torch.tensor(batch, dtype=torch.float64)`` (float64, not the
    default dtype, as in PyTorch)."""

    if all(type(x) is float for x in batch):
        return Tensor._make(np.array(batch, dtype=np.float64))
    return tensor(batch, dtype=float64)


def collate_int_fn(batch, *, collate_fn_map=None) -> Tensor:
    """A column of Python ints: ``torch.tensor(batch)``: int64, or bool for bools; a float later in
    the column makes it the default float dtype."""

    if all(type(x) is int for x in batch):
        try:
            return Tensor._make(np.array(batch, dtype=np.int64))
        except OverflowError:
            pass  # numtorch.tensor raises PyTorch's error for out-of-range ints
    return tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    """A column of strings or bytes is returned as it is."""
    return batch


default_collate_fn_map: dict[type | tuple[type, ...], Callable] = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """``torch.utils.data.default_collate``: put each data field into a tensor with an outer
    batch dimension.

    - tensors → ``stack``; NumPy arrays → tensors, stacked; NumPy scalars → a tensor
    - ``float`` → float64 tensor; ``int`` → int64 tensor (``bool`` → bool)
    - ``str`` / ``bytes`` → unchanged
    - mappings, namedtuples and sequences → the same structure with each field collated
      (tuples become lists)

    >>> default_collate([(0, 1.5), (1, 2.5)])
    [tensor([0, 1]), tensor([1.5000, 2.5000], dtype=torch.float64)]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
